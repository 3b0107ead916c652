cdef class UVTimer(UVHandle):
    cdef object _callback
    cdef _fire(self)
