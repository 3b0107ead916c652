# StreamTransport: asyncio's socket transport (TCP and Unix streams) on a UVStream.
# Semantics follow asyncio's selector transport: flow control at the write-buffer limits,
# half-close with write_eof, eof_received's keep-open answer, close() after the buffer drains,
# abort() at once, connection_lost exactly once. Included into _loop.pyx.

cdef object _BufferedProtocol = asyncio.BufferedProtocol
cdef Py_ssize_t _LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5
cdef str _WRITE_FAILED = 'Fatal write error on socket transport'


from asyncio.constants import _SendfileMode
_SENDFILE_FALLBACK = _SendfileMode.FALLBACK


cdef class StreamTransport(TransportBase):

    _start_tls_compatible = True    # loop.start_tls() may put an SSLProtocol on it
    _sendfile_compatible = _SENDFILE_FALLBACK   # loop.sendfile() writes the file through it

    def __init__(self):
        raise TypeError('transports are created by the loop')

    @staticmethod
    cdef StreamTransport new(BaseLoop loop, UVStream stream, object protocol, object server,
                             bint is_unix, object context):
        cdef StreamTransport t = StreamTransport.__new__(StreamTransport)
        t._loop = loop
        t._context = PyContext_CopyCurrent() if context is None else context
        stream.context = t._context
        t._stream = stream
        t._server = server
        t._is_unix = is_unix
        t._high_water = 65536
        t._low_water = 16384
        t._extra = {}
        t._set_protocol(protocol)
        stream._transport = t
        if server is not None:
            server._attach(t)
        return t

    cdef _set_protocol(self, protocol):
        self._protocol = protocol
        self._buffered = isinstance(protocol, _BufferedProtocol)
        if self._buffered:
            self._get_buffer_cb = protocol.get_buffer
            self._buffer_updated_cb = protocol.buffer_updated
            self._data_received = None
        else:
            self._data_received = protocol.data_received
            self._get_buffer_cb = None
            self._buffer_updated_cb = None
        self._stream._buffered = self._buffered

    # -- events from the stream -----------------------------------------------------------------

    cdef _on_data(self, object data):
        # the stream's general read path; an unbuffered stream's bytes normally come through
        # _stream_data_to_transport (handles/stream.pyx), which calls data_received itself
        try:
            self._data_received(data)
        except BaseException as exc:
            self._data_received_error(exc)

    cdef _data_received_error(self, exc):
        # data_received raised: KeyboardInterrupt and SystemExit stop the loop (the caller's
        # _loop_error), anything else is fatal to the transport
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise exc
        self._fatal_error(exc, 'Fatal error: protocol.data_received() call failed.')

    cdef object _get_buffer(self, size_t hint):
        return self._get_buffer_cb(hint)

    cdef _on_buffer_filled(self, Py_ssize_t n):
        try:
            self._buffer_updated_cb(n)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self._fatal_error(exc, 'Fatal error: protocol.buffer_updated() call failed.')

    cdef _on_eof(self):
        self._stream._read_stop()
        if self._loop._debug:
            _logger.debug('%r received EOF', self)
        self._eof_received()

    cdef _on_read_error(self, exc):
        if isinstance(exc, RuntimeError) or not isinstance(exc, OSError):
            self._fatal_error(exc, 'Fatal error: protocol.get_buffer() call failed.')
        else:
            self._fatal_error(exc, 'Fatal read error on socket transport')

    cdef _on_write_done(self, int status):
        if status < 0:
            if status != uv.UV_ECANCELED and not self._conn_lost:
                self._fatal_error(convert_uv_error(status), _WRITE_FAILED)
            return
        self._maybe_resume_protocol()
        if self._stream._write_reqs == 0 and self._closing and not self._conn_lost:
            self._conn_lost += 1
            self._loop._call_soon(self._call_connection_lost, (None,), self._context)

    cdef _on_shutdown(self, int status):
        pass

    cdef _on_stream_closed(self):
        self._stream_closed = 1

    # -- flow control (the rest is TransportBase's) ----------------------------------------------

    cdef size_t _queued_bytes(self):
        return self._stream._write_bytes

    def get_write_buffer_size(self):
        return self._stream._write_bytes

    # -- writing --------------------------------------------------------------------------------

    def write(self, data):
        self._write_checked(data)

    cdef inline _write_checked(self, data):
        # write(data); fastcall.pyx calls it straight for write(data) with no keyword.
        # bytes, the usual argument, skips isinstance() and the truth test (PyObject_IsTrue:
        # ~25 of the ~3,300 instructions of an echo request, perf/callgrind_echo.py).
        cdef bint is_bytes = PyBytes_CheckExact(data)
        if not is_bytes and not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f'data argument must be a bytes-like object, not '
                            f'{type(data).__name__!r}')
        if self._eof:
            raise RuntimeError('Cannot call write() after write_eof()')
        if self._sendfile_busy:
            raise RuntimeError('unable to write; sendfile is in progress')
        if (PyBytes_GET_SIZE(data) == 0) if is_bytes else not data:
            return
        self._write_data(data)

    cdef inline _write_data(self, data):
        if self._conn_lost:
            if self._conn_lost >= _LOG_THRESHOLD_FOR_CONNLOST_WRITES:
                _logger.warning('socket.send() raised exception.')
            self._conn_lost += 1
            return
        try:
            if not self._stream._write(data, None):
                self._maybe_pause_protocol()
        except OSError as exc:
            self._fatal_error(exc, _WRITE_FAILED)

    cdef inline _write_bytes(self, data):
        # write(data) of a bytes object, from fastcall.pyx: once per echo request. When nothing
        # stands in the way (a non-empty object, no write_eof(), no sendfile, the connection and
        # the stream up) this is one uv_try_write, without the layers and the try blocks of
        # _write_checked -> _write_data -> UVStream._write; the same checks in the same order
        # otherwise.
        cdef UVStream s = self._stream
        cdef Py_ssize_t length = PyBytes_GET_SIZE(data)
        cdef int sent
        if (length == 0 or self._eof or self._sendfile_busy or self._conn_lost or s._closing
                or s._handle == NULL):
            self._write_checked(data)
            return
        sent = s._try_write(PyBytes_AS_STRING(data), length)
        if sent != length:
            self._write_bytes_rest(data, length, sent)

    cdef _write_bytes_rest(self, data, Py_ssize_t length, int sent):
        try:
            if not self._stream._write_rest(data, PyBytes_AS_STRING(data), length, sent, None):
                self._maybe_pause_protocol()
        except OSError as exc:
            self._fatal_error(exc, _WRITE_FAILED)

    def writelines(self, list_of_data):
        # As the running Python's socket transport: before 3.12 the base class's join-and-write;
        # from 3.12 the checks come first and an empty (falsy) argument writes nothing, so
        # writelines(None) is a no-op there and a TypeError before.
        if _PY312:
            if self._eof:
                raise RuntimeError('Cannot call writelines() after write_eof()')
            if self._sendfile_busy:
                raise RuntimeError('unable to writelines; sendfile is in progress')
            if not list_of_data:
                return
        self.write(b''.join(list_of_data))

    # loop.sendfile() (nixloop/loop/sendfile.py) writes the file through these: while it runs,
    # write() raises, as on asyncio's socket transports (whose sendfile is os.sendfile on the
    # socket), so that nothing lands in the middle of the file's bytes.

    def _sendfile_begin(self):
        self._sendfile_busy = 1

    def _sendfile_end(self):
        self._sendfile_busy = 0

    def _sendfile_write(self, data):
        if data:
            self._write_data(data)

    def write_eof(self):
        if self._closing or self._eof:
            return
        self._eof = 1
        try:
            self._stream._shutdown()
        except OSError as exc:
            if exc.errno != errno_ENOTCONN:
                self._fatal_error(exc, 'Fatal error on write_eof')

    def can_write_eof(self):
        return True

    # -- reading control (pause/resume_reading are TransportBase's) ------------------------------

    cdef _reading(self, bint on):
        if not on:
            self._stream._read_stop()
        elif self._protocol_connected:
            self._stream._read_start()

    # -- closing --------------------------------------------------------------------------------

    def close(self):
        if self._closing:
            return
        self._closing = 1
        self._stream._read_stop()
        if self._stream._write_reqs == 0:
            self._conn_lost += 1
            self._loop._call_soon(self._call_connection_lost, (None,), self._context)

    cdef _close_now(self, exc):
        if self._conn_lost:
            return
        self._closing = 1
        self._stream._read_stop()
        self._conn_lost += 1
        self._loop._call_soon(self._call_connection_lost, (exc,), self._context)

    def _call_connection_lost(self, exc):
        try:
            if self._protocol_connected:
                self._protocol.connection_lost(exc)
        finally:
            self._stream._close()
            self._protocol = None
            self._data_received = None
            self._get_buffer_cb = None
            self._buffer_updated_cb = None
            server = self._server
            if server is not None:
                self._server = None
                server._detach(self)

    # -- information ----------------------------------------------------------------------------

    def get_extra_info(self, name, default=None):
        if name in self._extra:
            return self._extra[name]
        value = default
        try:
            if name == 'socket':
                value = self._make_socket()
            elif name == 'sockname':
                value = self._stream.getsockname()
            elif name == 'peername':
                value = self._stream.getpeername()
            else:
                return default
        except (OSError, RuntimeError):
            return default
        self._extra[name] = value
        return value

    def _make_socket(self):
        if self._stream._handle == NULL:
            return None
        return _PseudoSocket(self._stream.fileno())

    def set_protocol(self, protocol):
        self._set_protocol(protocol)

    def is_unix(self):
        return bool(self._is_unix)

    @property
    def _sock_fd(self):
        return self._stream.fileno() if self._stream._handle != NULL else -1

    def __repr__(self):
        state = 'closing' if self._closing else 'open'
        kind = 'UnixTransport' if self._is_unix else 'TCPTransport'
        return f'<{kind} {state} fd={self._sock_fd}>'

    def __del__(self):
        # Not closed by its user: warn, as asyncio's transports do, also when loop.close()
        # already released the handle under it (then libuv is not touched again).
        if not self._closing and not self._conn_lost and self._stream is not None:
            warnings.warn(f'unclosed transport {self!r}', ResourceWarning, source=self)
            if not self._stream._closing:
                self._stream._close()


import errno as _errno_mod
cdef int errno_ENOTCONN = _errno_mod.ENOTCONN


class _PseudoSocket:
    """What get_extra_info('socket') gives: a socket-like view of the transport's fd that can
    be inspected and configured but does not own (or close) it."""

    __slots__ = ('_fd', 'family', 'type', 'proto')

    def __init__(self, fd):
        self._fd = fd
        s = socket.socket(fileno=fd)
        try:
            self.family = s.family
            self.type = s.type
            self.proto = s.proto
        finally:
            s.detach()

    def _call(self, name, *args):
        s = socket.socket(self.family, self.type, self.proto, fileno=self._fd)
        try:
            return getattr(s, name)(*args)
        finally:
            s.detach()

    def fileno(self):
        return self._fd

    def getsockname(self):
        return self._call('getsockname')

    def getpeername(self):
        return self._call('getpeername')

    def getsockopt(self, *args):
        return self._call('getsockopt', *args)

    def setsockopt(self, *args):
        return self._call('setsockopt', *args)

    def gettimeout(self):
        return 0

    def setblocking(self, flag):
        if flag:
            raise ValueError('the socket of a transport must stay non-blocking')

    def __repr__(self):
        return f'<nixloop socket fd={self._fd} family={self.family!r} type={self.type!r}>'


def _new_stream_transport(BaseLoop loop, UVStream stream, protocol, server=None, waiter=None,
                          bint is_unix=False, extra=None, context=None):
    """Create the transport for `stream`, attach it to `server`, and schedule
    connection_made (and the waiter's result). Its protocol callbacks run in `context` (default:
    a copy of the current one)."""
    cdef StreamTransport t = StreamTransport.new(loop, stream, protocol, server, is_unix, context)
    if extra:
        t._extra.update(extra)
    t._start(waiter)
    return t
