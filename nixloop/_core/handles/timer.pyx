# UVTimer: a real libuv timer (uv_timer_t), used by the Node-style timers (setTimeout and
# friends), whose ref()/unref() decide whether the timer keeps the loop alive. The asyncio
# TimerHandles do not use one each: they share the loop's single timer. Included into _loop.pyx.


cdef void _cb_uvtimer(uv.uv_timer_t* h) noexcept:
    nl_gil_acquire()
    (<UVTimer>h.data)._fire()


cdef class UVTimer(UVHandle):
    """A libuv timer: start(callback, timeout_ms, repeat_ms=0); callback() runs on expiry."""

    @staticmethod
    def create(BaseLoop loop):
        cdef UVTimer t = UVTimer.__new__(UVTimer)
        t._alloc(loop, sizeof(uv.uv_timer_t))
        err = uv.uv_timer_init(loop.uvloop, <uv.uv_timer_t*>t._handle)
        if err < 0:
            PyMem_RawFree(t._handle)
            t._handle = NULL
            raise convert_uv_error(err)
        return t

    def start(self, callback, uint64_t timeout_ms, uint64_t repeat_ms=0):
        """(Re)start: callback() after timeout_ms, then every repeat_ms if non-zero."""
        self._ensure_alive()
        if not callable(callback):
            raise TypeError('callback must be callable')
        self._callback = callback
        err = uv.uv_timer_start(<uv.uv_timer_t*>self._handle, _cb_uvtimer, timeout_ms, repeat_ms)
        if err < 0:
            raise convert_uv_error(err)
        self._keepalive()

    def stop(self):
        if self._handle != NULL and not self._closing:
            uv.uv_timer_stop(<uv.uv_timer_t*>self._handle)

    def again(self):
        """Restart a repeating timer from now (uv_timer_again)."""
        self._ensure_alive()
        err = uv.uv_timer_again(<uv.uv_timer_t*>self._handle)
        if err < 0:
            raise convert_uv_error(err)

    @property
    def repeat(self):
        self._ensure_alive()
        return uv.uv_timer_get_repeat(<uv.uv_timer_t*>self._handle)

    @repeat.setter
    def repeat(self, uint64_t value):
        self._ensure_alive()
        uv.uv_timer_set_repeat(<uv.uv_timer_t*>self._handle, value)

    @property
    def due_in(self):
        """Milliseconds until the timer fires (0 if due or stopped)."""
        self._ensure_alive()
        return uv.uv_timer_get_due_in(<uv.uv_timer_t*>self._handle)

    def now(self):
        """The loop's cached millisecond clock (uv_now)."""
        return uv.uv_now(self._loop.uvloop)

    cdef _fire(self):
        cb = self._callback
        if cb is None:
            return
        try:
            cb()
        except BaseException as exc:
            _loop_error(self._loop, exc, 'timer callback', self)

    cdef _on_closed(self):
        self._callback = None
