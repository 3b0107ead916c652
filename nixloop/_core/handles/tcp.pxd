cdef class TCPHandle(UVStream):
    cdef int _family

    @staticmethod
    cdef TCPHandle new(BaseLoop loop, int family)
