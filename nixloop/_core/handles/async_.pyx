# UVAsync: uv_async_t, the one libuv handle other threads may poke: send() from any thread wakes
# the loop and runs callback() in the loop thread (coalesced). Included into _loop.pyx.


cdef void _cb_uvasync(uv.uv_async_t* h) noexcept:
    nl_gil_acquire()
    (<UVAsync>h.data)._fire()


cdef class UVAsync(UVHandle):

    @staticmethod
    def create(BaseLoop loop, callback):
        cdef UVAsync h = UVAsync.__new__(UVAsync)
        h._alloc(loop, sizeof(uv.uv_async_t))
        err = uv.uv_async_init(loop.uvloop, <uv.uv_async_t*>h._handle, _cb_uvasync)
        if err < 0:
            PyMem_RawFree(h._handle)
            h._handle = NULL
            raise convert_uv_error(err)
        h._callback = callback
        h._keepalive()
        return h

    def send(self):
        """Wake the loop from any thread; callback() runs once in the loop thread."""
        if self._handle == NULL or self._closing:
            raise RuntimeError('UVAsync is closed')
        uv.uv_async_send(<uv.uv_async_t*>self._handle)

    cdef _fire(self):
        if self._callback is not None:
            try:
                self._callback()
            except BaseException as exc:
                _loop_error(self._loop, exc, 'async callback', self)

    cdef _on_closed(self):
        self._callback = None
