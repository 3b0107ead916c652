cdef class UDPTransport(UnixDatagramTransport):
    cdef object _default_dest         # _address when the socket is not connected to it
                                      # (allow_broadcast), else None: send() then

    cdef _sendto(self, data, addr)
