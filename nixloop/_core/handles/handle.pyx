# UVHandle: the base of every libuv handle class. It owns one uv_handle_t and follows the
# lifecycle rules of shared/design.md:
#   * the struct is allocated here and freed only in the uv_close callback;
#   * handle->data points at the Python object, and from the first libuv call that can call back
#     (_keepalive) the object holds a reference to itself until that close callback ran;
#   * an object collected while its handle is open (never started) closes it with a
#     ResourceWarning; libuv frees the struct later without touching Python;
#   * closing is idempotent; operations on a closed handle raise.
# `context` (a contextvars.Context, or None) is entered around every libuv callback of the handle
# (reads, writes, connects, accepts, polls, close), so that the consumer's callbacks run in it:
# a transport's is the context it was made in (asyncio's rule for protocol callbacks), a Node
# facade socket's the one of its connect()/listen() (Node's async context of the resource).
# Included into _loop.pyx.


import os as _handle_os


def from_dup(from_fd, loop, int fileno):
    """``from_fd(loop, dup(fileno))``: the new handle owns a duplicate of `fileno` and the
    caller keeps its own fd (a socket object stays the caller's). from_fd() takes an fd over
    only when it succeeds, so a failure closes the duplicate here."""
    fd = _handle_os.dup(fileno)
    try:
        return from_fd(loop, fd)
    except BaseException:
        _handle_os.close(fd)
        raise


cdef void _cb_handle_closed(uv.uv_handle_t* h) noexcept:
    if h.data == NULL:
        PyMem_RawFree(h)
        return
    nl_gil_acquire()
    _handle_closed(h)


cdef void _handle_closed(uv.uv_handle_t* h) noexcept:
    cdef UVHandle obj = <UVHandle>h.data
    cdef object ctx = obj.context
    cdef int entered = nl_context_enter_io(ctx)
    h.data = NULL
    obj._handle = NULL
    PyMem_RawFree(h)
    try:
        obj._on_closed()
    except BaseException as exc:
        obj._report_error('close callback', exc)
    if entered:
        nl_context_exit(ctx)
    obj.context = None
    if obj._self_ref:
        obj._self_ref = 0
        Py_DECREF(obj)


cdef void _force_close_handle(uv.uv_handle_t* h) noexcept:
    """Close a handle object's libuv handle when the loop is closed under it."""
    cdef UVHandle obj = <UVHandle>h.data
    try:
        obj._close()
    except BaseException as exc:
        if not uv.uv_is_closing(h):
            h.data = NULL
            uv.uv_close(h, _cb_handle_closed)


cdef class UVHandle:
    """Base class owning one libuv handle (see the module comment for the lifecycle)."""

    def __init__(self):
        raise TypeError(f'{type(self).__name__} handles are created by the loop')

    cdef int _alloc(self, BaseLoop loop, size_t size) except -1:
        if loop._closed or not loop._internals_open:
            raise RuntimeError('Event loop is closed')
        self._loop = loop
        self._handle = <uv.uv_handle_t*>PyMem_RawMalloc(size)
        if self._handle == NULL:
            raise MemoryError()
        self._handle.data = <void*>self
        return 0

    cdef inline int _ensure_alive(self) except -1:
        if self._closing or self._handle == NULL:
            raise RuntimeError(f'{type(self).__name__} is closed')
        return 0

    cdef inline void _keepalive(self):
        if not self._self_ref:
            self._self_ref = 1
            Py_INCREF(self)

    cdef _close(self):
        if self._closing:
            return
        self._closing = 1
        if self._handle != NULL:
            # From here on libuv may call back (the close callback): keep the object alive.
            self._keepalive()
            uv.uv_close(self._handle, _cb_handle_closed)

    cdef _on_closed(self):
        """Called once libuv has released the handle; subclasses release their resources."""
        pass

    cdef _report_error(self, str where, exc):
        loop = self._loop
        context = {'message': f'{type(self).__name__}: unexpected error in {where}',
                   'exception': exc, 'handle': self}
        if loop is not None and not (<BaseLoop>loop)._closed:
            loop.call_exception_handler(context)
        else:
            _logger.error(context['message'], exc_info=exc)

    def close(self):
        """Close the handle (idempotent)."""
        self._close()

    @property
    def closed(self):
        return bool(self._closing)

    def ref(self):
        if self._handle != NULL and not self._closing:
            uv.uv_ref(self._handle)
        return self

    def unref(self):
        if self._handle != NULL and not self._closing:
            uv.uv_unref(self._handle)
        return self

    def has_ref(self):
        return self._handle != NULL and not self._closing and bool(uv.uv_has_ref(self._handle))

    def is_active(self):
        return self._handle != NULL and not self._closing and bool(uv.uv_is_active(self._handle))

    def fileno(self):
        cdef uv.uv_os_fd_t fd
        self._ensure_alive()
        err = uv.uv_fileno(self._handle, &fd)
        if err < 0:
            raise convert_uv_error(err)
        return fd

    def __del__(self):
        if self._handle != NULL and not self._closing and not self._self_ref:
            warnings.warn(f'unclosed {type(self).__name__} {self!r}', ResourceWarning, source=self)

    def __dealloc__(self):
        if self._handle != NULL:
            # Never started and never closed: libuv still knows the struct; let it free it.
            self._handle.data = NULL
            if not uv.uv_is_closing(self._handle):
                uv.uv_close(self._handle, _cb_handle_closed)
            self._handle = NULL
