cdef class PolledTransportBase(TransportBase):
    cdef PolledSocketHandle _handle
    cdef bint _conn_lost

    cdef _init(self, BaseLoop loop, PolledSocketHandle handle, protocol, server, extra,
               context=*)
    cdef _call_connection_lost(self, exc)


cdef class SeqpacketTransport(PolledTransportBase):
    cdef object _fds_cb
    cdef _write_message(self, data)


cdef class UnixDatagramTransport(PolledTransportBase):
    cdef object _address
