cdef class UVHandle:
    cdef uv.uv_handle_t* _handle
    cdef BaseLoop _loop
    cdef bint _closing
    cdef bint _self_ref
    cdef public object context        # contextvars.Context its callbacks run in (None: the loop's)
    cdef object __weakref__

    cdef int _alloc(self, BaseLoop loop, size_t size) except -1
    cdef inline int _ensure_alive(self) except -1
    cdef inline void _keepalive(self)
    cdef _close(self)
    cdef _on_closed(self)
    cdef _report_error(self, str where, exc)
