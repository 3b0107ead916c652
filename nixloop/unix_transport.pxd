cdef class UnixTransportBase(TransportBase):
    cdef UnixSocketHandle _handle
    cdef bint _conn_lost

    cdef _init(self, BaseLoop loop, UnixSocketHandle handle, protocol, server, extra)
    cdef _call_connection_lost(self, exc)
    cdef _force_close(self, exc)


cdef class SeqpacketTransport(UnixTransportBase):
    cdef bint _eof
    cdef bint _paused_reading
    cdef object _fds_cb

    cdef _fatal_error(self, exc, str message)


cdef class UnixDatagramTransport(UnixTransportBase):
    cdef object _address

    cdef _fatal_error(self, exc, str message)
