cdef class DgramHandle(PolledSocketHandle):
    pass
