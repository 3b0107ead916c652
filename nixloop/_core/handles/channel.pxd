cdef class ChannelHandle(PolledSocketHandle):
    cdef Py_ssize_t _sent             # bytes of the message at the head of the queue already sent
