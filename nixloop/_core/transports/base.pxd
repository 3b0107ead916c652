cdef class TransportBase:
    cdef BaseLoop _loop
    cdef object _protocol
    cdef object _server
    cdef readonly object _context     # every protocol callback runs in it (see base.pyx)
    cdef readonly dict _extra         # readable: shadows asyncio.BaseTransport._extra (asyncio_bases.pyx)
    cdef readonly bint _closing       # (readable: asyncio's selector transports have it)
    cdef readonly bint _protocol_paused   # (readable: asyncio's sendfile fallback asks)
    cdef bint _eof                    # write_eof() called
    cdef bint _paused_reading
    cdef bint _protocol_connected     # connection_made() has been called
    cdef size_t _high_water
    cdef size_t _low_water
    cdef object __weakref__

    cdef size_t _queued_bytes(self)
    cdef _maybe_pause_protocol(self)
    cdef _maybe_resume_protocol(self)
    cdef _flow_callback(self, str name)
    cdef _eof_received(self)
    cdef _reading(self, bint on)
    cdef _close_now(self, exc)
    cdef _fatal_error(self, exc, str message)
