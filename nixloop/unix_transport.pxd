cdef class UnixTransportBase(TransportBase):
    cdef UnixSocketHandle _handle
    cdef bint _conn_lost

    cdef _init(self, BaseLoop loop, UnixSocketHandle handle, protocol, server, extra)
    cdef _call_connection_lost(self, exc)


cdef class SeqpacketTransport(UnixTransportBase):
    cdef object _fds_cb


cdef class UnixDatagramTransport(UnixTransportBase):
    cdef object _address
