cdef class SeqpacketHandle(PolledSocketHandle):
    pass
