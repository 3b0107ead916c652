# nixloop.net's compiled core (included from _loop.pyx).
#
# SocketCore is the C base class of nixloop.net.Socket (nixloop/net/socket.py). It holds the fields of
# the request hot path as C slots and implements the two calls of an echo in C: a chunk read by
# the stream handle (UVStream._on_read calls _c_on_read directly, no bound-method dispatch) and
# Socket.write() of a bytes object while nothing is buffered. Everything else -- buffering,
# paused mode, encodings, cork, end, errors -- is the Python code of net/readable.py /
# net/writable.py / net/socket.py, which this file falls back to.
#
# The Python classes in front of SocketCore in the MRO must not define class attributes with the
# names of these slots (they would shadow the slot descriptors); tests/net/test_socket_core.py
# checks that.

cdef object _system_error = None


cdef class SocketCore:

    def __cinit__(self, *args, **kwargs):
        self._events = {}

    cdef object _c_on_read(self, object data):
        """One chunk from the handle: the facade's onStreamRead. Node order: pending ticks first,
        'data' (or buffer it), then the ticks the listeners queued."""
        cdef object ticks = self._ticks
        cdef object events
        if nl_deque_len(<PyObject*>ticks):
            self._ts.drain_all()
        self._bytes_read += PyBytes_GET_SIZE(data) if PyBytes_CheckExact(data) else len(data)
        if self._timer is not None:
            self._timer.again()
        if self._flowing is True and not self._rlen and self._decoder is None:
            self._r_reading = 0
            events = self._events
            # EventEmitter keeps a dict (events.py); a dict's own lookup, not a method call of
            # .get (~200 instructions per request, callgrind)
            handler = (<dict>events).get("data") if PyDict_CheckExact(events) else events.get("data")
            if handler is not None:
                if type(handler) is tuple:
                    self.emit("data", data)
                else:
                    result = handler(data)
                    if result is not None and type(result) is not bool:
                        self._on_result(result, "data", (data,))
        elif not self.destroyed:
            if not self._push(data) and self._handle is not None:
                self._handle.read_stop()
        if nl_deque_len(<PyObject*>ticks):
            self._ts.drain_all()

    def _on_read(self, data):
        self._c_on_read(data)

    def write(self, data, encoding=None, cb=None):
        """Write ``data`` (bytes-like, or str with ``encoding``); False once the buffered bytes
        reach the high-water mark (then ``'drain'`` follows). ``cb(err)`` when flushed."""
        global _system_error
        cdef Py_ssize_t n
        cdef object h = self._handle
        cdef UVStream s
        cdef char* ptr
        cdef int sent = 0
        cdef bint tried = 0
        if (self._wfast and cb is None and encoding is None and type(data) is bytes
                and isinstance(h, UVStream)):
            n = PyBytes_GET_SIZE(data)
            if self._timer is not None:
                self._timer.again()
            self._bytes_dispatched += n
            s = <UVStream>h
            ptr = PyBytes_AS_STRING(data)
            if not s._closing and s._handle != NULL and n:
                # the echo case: one uv_try_write, and no int object for the write's token,
                # which only a queued write needs (~110 instructions per request, callgrind)
                sent = s._try_write(ptr, n)
                if sent == n:
                    return True
                tried = 1
            try:
                if (s._write_rest(data, ptr, n, sent, n) if tried else s._write(data, n)):
                    return True
            except OSError as exc:
                if _system_error is None:
                    from nixloop.errors import system_error as _se
                    _system_error = _se
                self._wlen += n
                self._write_failed(_system_error(exc, "write"), n, None, True)
                return False
            self._wlen += n
            if self._wlen < self._whwm:
                return True
            self._need_drain = 1
            return False
        return self._write(data, encoding, cb)
