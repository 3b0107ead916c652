# UDPTransport: asyncio.DatagramTransport on a UDPHandle (handles/udp.pyx), created by
# nixloop/loop/udp.py. It shares closing, flow control and the write-error path with the Unix
# datagram transport (transports/unix.pyx) and follows the selector loop's UDP semantics:
#   * datagram_received(data, (host, port)) is called by the handle directly; an exception from
#     it goes to the loop's exception handler and the endpoint stays open, as on asyncio;
#   * error_received(exc) for read errors (ICMP port unreachable on a connected endpoint gives
#     ConnectionRefusedError) and for failed sends, which never raise out of sendto();
#   * a connected endpoint (remote_addr) sends with send(); sendto(data, addr) with another
#     address raises ValueError; with allow_broadcast the socket is not connected and
#     remote_addr is only the default destination;
#   * empty datagrams are sent (Python 3.13's behaviour; 3.10-3.12 drop them silently).
# Included into _loop.pyx after transports/unix.pyx.


cdef class UDPTransport(UnixDatagramTransport):
    """asyncio.DatagramTransport on a UDP socket."""

    @staticmethod
    def new(BaseLoop loop, UDPHandle handle, protocol, address=None, extra=None):
        cdef UDPTransport t = UDPTransport.__new__(UDPTransport)
        t._init(loop, handle, protocol, None, extra)
        t._address = address
        if address is not None and (extra is None or extra.get('peername') is None):
            t._default_dest = address
        handle.on_read = protocol.datagram_received
        handle.on_error = t._on_error
        handle.on_write_done = t._on_write_done
        return t

    def sendto(self, data, addr=None):
        self._sendto(data, addr)

    cdef _sendto(self, data, addr):
        # sendto(data[, addr]); fastcall.pyx calls it straight when no keyword is given.
        cdef int sent = 0
        cdef object dest
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f'data argument must be a bytes-like object, not '
                            f'{type(data).__name__!r}')
        if self._address is not None:
            if addr is not None and addr != self._address:
                raise ValueError(f'Invalid address: must be None or {self._address}')
            addr = self._default_dest
        elif addr is None:
            raise ValueError('no destination: pass addr, or connect with remote_addr')
        if self._conn_lost or self._closing:
            return
        if PyBytes_CheckExact(data):
            # a bytes datagram to the peer or to an address met before (the sender of what
            # is being answered): one send()/sendto() (PolledSocketHandle._send_now)
            dest = None if addr is None else (<UDPHandle>self._handle)._dest_cached(addr)
            if addr is None or dest is not None:
                sent = self._handle._send_now(data, dest)
                if sent == 1:
                    return
        try:
            if sent < 0:
                self._handle._send_failed(sent, addr)
            self._handle._write(data, None, None, addr)
        except OSError as exc:
            self._protocol.error_received(exc)
            return
        self._maybe_pause_protocol()

    def set_protocol(self, protocol):
        self._protocol = protocol
        if not self._handle._closing:
            self._handle.on_read = protocol.datagram_received

    def _live_extra(self, name, default):
        return default
