cdef class DgramHandle(UnixSocketHandle):
    pass
