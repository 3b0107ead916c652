# The asyncio transports of Unix SOCK_SEQPACKET and SOCK_DGRAM sockets, on the handles of
# handles/seqpacket.pyx and handles/dgram.pyx. Their semantics are documented in
# nixloop/loop/unix.py (which creates them); compiled because SeqpacketTransport.write() and the
# flow control run once per message. Included into _loop.pyx.

import os as _uxt_os


cdef object _unix_extra_name(object name):
    """A Unix name as the socket module reports it: abstract names as bytes."""
    if isinstance(name, str) and (<str>name).startswith('\x00'):
        return (<str>name).encode('utf-8', 'surrogateescape')
    return name


cdef inline Py_ssize_t _queued_messages(PolledSocketHandle handle):
    return len(handle._wq) if handle._wq is not None else 0


cdef class PolledTransportBase(TransportBase):
    """Closing (connection_lost once, on the next iteration; the handle closed at once),
    get_extra_info (live names from _live_extra) and the queued-bytes count of flow control."""

    def __init__(self, *args):
        raise TypeError('transports are created by the loop')

    cdef _init(self, BaseLoop loop, PolledSocketHandle handle, protocol, server, extra,
               context=None):
        self._loop = loop
        self._handle = handle
        self._context = PyContext_CopyCurrent() if context is None else context
        handle.context = self._context
        self._protocol = protocol
        self._server = server
        self._extra = dict(extra) if extra else {}
        self._high_water = 65536
        self._low_water = 16384

    cdef size_t _queued_bytes(self):
        return <size_t>self._handle._write_bytes

    def get_write_buffer_size(self):
        return 0 if self._conn_lost else self._handle._write_bytes

    cdef _reading(self, bint on):
        if not on:
            self._handle.read_stop()
        elif self._protocol_connected:
            self._handle.read_start()

    cdef _call_connection_lost(self, exc):
        if self._conn_lost:
            return
        self._conn_lost = 1
        self._handle.close()
        self._loop._call_soon(self._connection_lost, (exc,), self._context)

    def _connection_lost(self, exc):
        try:
            self._protocol.connection_lost(exc)
        finally:
            self._protocol = None
            server = self._server
            if server is not None:
                self._server = None
                server._detach(self)

    cdef _close_now(self, exc):
        if self._conn_lost:
            return
        self._closing = 1
        self._call_connection_lost(exc)

    def get_extra_info(self, name, default=None):
        if name in self._extra:
            return self._extra[name]
        if self._handle._closing:
            return default
        try:
            return self._live_extra(name, default)
        except OSError:
            return default

    def _live_extra(self, name, default):
        return default

    def __del__(self):
        # as StreamTransport.__del__: warn also when loop.close() released the handle
        if not self._conn_lost and not self._closing and self._handle is not None:
            warnings.warn(f'unclosed transport {self!r}', ResourceWarning, source=self)
            if not self._handle._closing:
                self._handle.close()


cdef class SeqpacketTransport(PolledTransportBase):
    """An asyncio transport on a SeqpacketHandle: one write() is one message."""

    @staticmethod
    def new(BaseLoop loop, SeqpacketHandle handle, protocol, server=None, extra=None,
            context=None):
        cdef SeqpacketTransport t = SeqpacketTransport.__new__(SeqpacketTransport)
        t._init(loop, handle, None, server, extra, context)
        t.set_protocol(protocol)
        handle.on_eof = t._on_eof
        handle.on_error = t._on_read_error
        handle.on_write_done = t._on_write_done
        handle.on_shutdown = t._on_shutdown
        handle.on_fds = t._on_fds
        if server is not None:
            server._attach(t)
        return t

    def __repr__(self):
        state = 'closed' if self._conn_lost else ('closing' if self._closing else 'open')
        return f'<{type(self).__name__} fd={self._handle.fd} {state}>'

    # -- protocol ---------------------------------------------------------------------------

    def set_protocol(self, protocol):
        self._protocol = protocol
        cb = getattr(protocol, 'message_received', None)
        if cb is None:
            cb = protocol.data_received
        self._fds_cb = getattr(protocol, 'fds_received', None)
        # each message goes from the handle straight to the protocol; if the protocol raises,
        # the handle calls _on_message_error (no transport frame per message)
        self._handle.on_read = cb
        self._handle.on_callback_error = self._on_message_error

    def _on_message_error(self, exc):
        self._fatal_error(exc, 'Fatal error: protocol.message_received() call failed.')

    def _on_fds(self, fds):
        if self._fds_cb is None:
            for fd in fds:
                _uxt_os.close(fd)
            return
        try:
            self._fds_cb(fds)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self._fatal_error(exc, 'Fatal error: protocol.fds_received() call failed.')

    def _on_eof(self):
        self._eof_received()

    def _on_read_error(self, exc):
        self._fatal_error(exc, 'Fatal read error on seqpacket transport')

    def _on_write_done(self, token, exc):
        if exc is not None:
            self._fatal_error(exc, 'Fatal write error on seqpacket transport')
            return
        self._maybe_resume_protocol()
        if self._closing and not self._conn_lost and _queued_messages(self._handle) == 0:
            self._call_connection_lost(None)

    def _on_shutdown(self, exc):
        if exc is not None:
            self._fatal_error(exc, 'Fatal error on write_eof')

    # -- writing ----------------------------------------------------------------------------

    def write(self, data):
        """Send `data` as one message."""
        self._write_message(data)

    cdef _write_message(self, data):
        # write(data); fastcall.pyx calls it straight for write(data) with no keyword. A bytes
        # message with nothing in the way is one send() (PolledSocketHandle._send_now).
        cdef int sent = 0
        if PyBytes_CheckExact(data) and not (self._closing or self._eof or self._conn_lost):
            sent = self._handle._send_now(data, None)
            if sent == 1:
                return
        elif self._closing or self._eof or self._conn_lost or not isinstance(
                data, (bytes, bytearray, memoryview)):
            self.send_fds(data, None)       # the checks and their errors
            return
        try:
            if sent < 0:
                self._handle._send_failed(sent, None)
            if self._handle._write(data, None, None, None):
                return
        except OSError as exc:
            self._fatal_error(exc, 'Fatal write error on seqpacket transport')
            return
        self._maybe_pause_protocol()

    def send_fds(self, data, fds):
        """Send `data` as one message with the file descriptors `fds` (SCM_RIGHTS)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f'data argument must be a bytes-like object, not '
                            f'{type(data).__name__!r}')
        if self._eof:
            raise RuntimeError('Cannot call write() after write_eof()')
        if self._conn_lost or self._closing:
            return
        if fds is not None:
            fds = [f if isinstance(f, int) else f.fileno() for f in fds]
        try:
            self._handle._write(data, fds, None, None)
        except OSError as exc:
            self._fatal_error(exc, 'Fatal write error on seqpacket transport')
            return
        self._maybe_pause_protocol()

    def writelines(self, list_of_data):
        """Each item is one message."""
        for data in list_of_data:
            self.write(data)

    def write_eof(self):
        if self._closing or self._eof:
            return
        self._eof = 1
        try:
            self._handle.shutdown()
        except OSError as exc:
            self._fatal_error(exc, 'Fatal error on write_eof')

    def can_write_eof(self):
        return True

    # -- reading (pause/resume_reading are TransportBase's) ---------------------------------

    def set_read_buffer_size(self, size):
        """Largest message accepted (0: the socket's SO_RCVBUF)."""
        self._handle.read_buffer_size = size

    def get_read_buffer_size(self):
        return self._handle.read_buffer_size

    # -- closing ----------------------------------------------------------------------------

    def close(self):
        if self._closing:
            return
        self._closing = 1
        if not self._handle._closing:
            self._handle.read_stop()
        if self._handle._closing or _queued_messages(self._handle) == 0:
            self._call_connection_lost(None)

    def _live_extra(self, name, default):
        if name == 'sockname':
            return _unix_extra_name(self._handle.getsockname())
        if name == 'peername':
            return _unix_extra_name(self._handle.getpeername())
        if name == 'peercred':
            return self._handle.peer_credentials()
        if name == 'fd':
            return self._handle.fd
        return default


cdef class UnixDatagramTransport(PolledTransportBase):
    """asyncio.DatagramTransport on a DgramHandle (AF_UNIX SOCK_DGRAM)."""

    @staticmethod
    def new(BaseLoop loop, PolledSocketHandle handle, protocol, address=None, sock=None):
        cdef UnixDatagramTransport t = UnixDatagramTransport.__new__(UnixDatagramTransport)
        t._init(loop, handle, protocol, None, {'socket': sock} if sock is not None else None)
        t._address = address
        handle.on_read = t._on_datagram
        handle.on_error = t._on_error
        handle.on_write_done = t._on_write_done
        return t

    def __repr__(self):
        state = 'closed' if self._conn_lost else ('closing' if self._closing else 'open')
        return f'<{type(self).__name__} fd={self._handle.fd} {state}>'

    def _on_datagram(self, data, sender):
        if sender == '':
            sender = None
        else:
            sender = _unix_extra_name(sender)
        try:
            self._protocol.datagram_received(data, sender)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self._fatal_error(exc, 'Fatal error: protocol.datagram_received() call failed.')

    def _on_error(self, exc):
        self._protocol.error_received(exc)

    def _on_write_done(self, token, exc):
        if exc is not None:
            self._protocol.error_received(exc)
        self._maybe_resume_protocol()
        if self._closing and _queued_messages(self._handle) == 0:
            self._call_connection_lost(None)

    def sendto(self, data, addr=None):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f'data argument must be a bytes-like object, not '
                            f'{type(data).__name__!r}')
        if self._address is not None and addr not in (None, self._address):
            raise ValueError(f'Invalid address: must be None or {self._address}')
        if self._conn_lost or self._closing:
            return
        if addr is None and self._address is None:
            raise ValueError('no destination: pass addr or connect with remote_addr')
        try:
            self._handle._write(data, None, None, addr)
        except OSError as exc:
            self._protocol.error_received(OSError(exc.errno, exc.strerror))
            return
        self._maybe_pause_protocol()

    def close(self):
        if self._closing:
            return
        self._closing = 1
        if _queued_messages(self._handle) == 0:
            self._call_connection_lost(None)

    cdef _fatal_error(self, exc, str message):
        # every error goes to the handler here (a datagram endpoint has no read errors of its
        # own: those are error_received's)
        self._loop.call_exception_handler({'message': message, 'exception': exc,
                                           'transport': self, 'protocol': self._protocol})
        self._close_now(exc)

    def set_protocol(self, protocol):
        self._protocol = protocol

    def _live_extra(self, name, default):
        if name == 'sockname':
            return _unix_extra_name(self._handle.getsockname()) or None
        if name == 'peername':
            return _unix_extra_name(self._handle.getpeername())
        return default
