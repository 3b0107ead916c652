cdef class UVAsync(UVHandle):
    cdef object _callback
    cdef _fire(self)
