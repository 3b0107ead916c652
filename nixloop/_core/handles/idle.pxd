cdef class UVIdle(UVHandle):
    cdef object _callback
    cdef _fire(self)


cdef class UVCheck(UVHandle):
    cdef object _callback
    cdef _fire(self)
