# UVIdle and UVCheck: uv_idle_t (runs every iteration, keeps the poll from blocking) and
# uv_check_t (runs right after the poll: what Node's setImmediate uses). Included into _loop.pyx.


cdef void _cb_uvidle(uv.uv_idle_t* h) noexcept:
    nl_gil_acquire()
    (<UVIdle>h.data)._fire()


cdef void _cb_uvcheck(uv.uv_check_t* h) noexcept:
    nl_gil_acquire()
    (<UVCheck>h.data)._fire()


cdef class UVIdle(UVHandle):
    """start(callback): callback() once per loop iteration until stop()."""

    @staticmethod
    def create(BaseLoop loop):
        cdef UVIdle h = UVIdle.__new__(UVIdle)
        h._alloc(loop, sizeof(uv.uv_idle_t))
        uv.uv_idle_init(loop.uvloop, <uv.uv_idle_t*>h._handle)
        return h

    def start(self, callback):
        self._ensure_alive()
        self._callback = callback
        err = uv.uv_idle_start(<uv.uv_idle_t*>self._handle, _cb_uvidle)
        if err < 0:
            raise convert_uv_error(err)
        self._keepalive()

    def stop(self):
        if self._handle != NULL and not self._closing:
            uv.uv_idle_stop(<uv.uv_idle_t*>self._handle)

    cdef _fire(self):
        if self._callback is not None:
            try:
                self._callback()
            except BaseException as exc:
                _loop_error(self._loop, exc, 'idle callback', self)

    cdef _on_closed(self):
        self._callback = None


cdef class UVCheck(UVHandle):
    """start(callback): callback() once per iteration, right after the poll, until stop()."""

    @staticmethod
    def create(BaseLoop loop):
        cdef UVCheck h = UVCheck.__new__(UVCheck)
        h._alloc(loop, sizeof(uv.uv_check_t))
        uv.uv_check_init(loop.uvloop, <uv.uv_check_t*>h._handle)
        return h

    def start(self, callback):
        self._ensure_alive()
        self._callback = callback
        err = uv.uv_check_start(<uv.uv_check_t*>self._handle, _cb_uvcheck)
        if err < 0:
            raise convert_uv_error(err)
        self._keepalive()

    def stop(self):
        if self._handle != NULL and not self._closing:
            uv.uv_check_stop(<uv.uv_check_t*>self._handle)

    cdef _fire(self):
        if self._callback is not None:
            try:
                self._callback()
            except BaseException as exc:
                _loop_error(self._loop, exc, 'check callback', self)

    cdef _on_closed(self):
        self._callback = None
