# asyncio-compatible callback handles: Handle (call_soon) and TimerHandle (call_later/call_at).
# Included into _loop.pyx.

# A large freelist: a thread that calls call_soon_threadsafe() in a loop queues ~20,000 handles per
# 5 ms GIL switch interval, and the loop frees them all before the next burst; with Cython's usual
# 256, pymalloc handed those arenas back to the OS and faulted them in again every burst (23% of
# the CPU in the kernel, perf record of perf/micro.py --bench threadsafe; 17% with this, and
# nixloop's ops/s went from 0.97x to 1.04x rloop's in python -m perf --only micro-threadsafe,
# interleaved repetitions). What it keeps after such a burst: at most 16,384 x 112 bytes (1.75 MiB).
@cython.freelist(16384)
cdef class Handle:
    """A callback scheduled on the loop: what call_soon() returns."""

    def __init__(self):
        raise TypeError('nixloop handles are created by the loop')

    cdef inline _init(self, BaseLoop loop, object callback, tuple args, object context):
        self._loop = loop
        self._callback = callback
        self._args = args
        self._context = context
        self._cancelled = 0
        self._gc_untracked = 0
        if loop._debug:
            self._source_traceback = _extract_stack()

    cdef _run(self):
        """Run the callback in its context; errors go to the loop's exception handler.

        KeyboardInterrupt and SystemExit propagate to run_forever(), as in asyncio."""
        cdef object ctx = self._context
        cdef object cb = self._callback
        cdef tuple args = self._args
        cdef Py_ssize_t n = len(args)
        cdef object err = None
        if ctx is not None:
            PyContext_Enter(ctx)
        try:
            if n == 0:
                PyObject_CallNoArgs(cb)
            elif n == 1:
                PyObject_CallOneArg(cb, args[0])
            else:
                cb(*args)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            err = exc
        finally:
            if ctx is not None:
                PyContext_Exit(ctx)
        # Reported outside the callback's context, as asyncio's Handle._run does: the handler
        # runs in the loop's context (before 3.12) or enters the handle's itself (3.12+).
        if err is not None:
            self._report(err)

    cdef _report(self, exc):
        context = {
            'message': f'Exception in callback {_format_callback(self._callback, self._args)}',
            'exception': exc,
            'handle': self,
        }
        if self._source_traceback is not None:
            context['source_traceback'] = self._source_traceback
        self._loop.call_exception_handler(context)

    cdef _clear(self):
        self._callback = None
        self._args = None

    def cancel(self):
        """Cancel the callback; a no-op when it already ran or was cancelled."""
        if not self._cancelled:
            self._cancelled = 1
            if self._loop is not None and self._loop._debug:
                self._repr = repr(self)
            self._clear()

    def cancelled(self):
        return bool(self._cancelled)

    def get_context(self):
        return self._context

    cdef _repr_info(self):
        info = [type(self).__name__]
        if self._cancelled:
            info.append('cancelled')
        if self._callback is not None:
            info.append(_format_callback(self._callback, self._args))
        if self._source_traceback:
            frame = self._source_traceback[-1]
            info.append(f'created at {frame[0]}:{frame[1]}')
        return info

    def __repr__(self):
        if self._repr is not None:
            return self._repr
        return '<{}>'.format(' '.join(self._repr_info()))


# (No freelist here: Cython keeps freelists only for base classes and ignored one on this subtype.)
cdef class TimerHandle(Handle):
    """A callback scheduled for a given loop time: what call_later()/call_at() return."""

    cdef _repr_info(self):
        info = Handle._repr_info(self)
        info.insert(2 if self._cancelled else 1, f'when={self._when}')
        return info

    def when(self):
        """The absolute loop time (loop.time() units) the callback is scheduled for."""
        return self._when

    def cancel(self):
        if not self._cancelled:
            Handle.cancel(self)
            if self._loop is not None:
                self._loop._timer_cancelled(self)

    def __hash__(self):
        return hash(self._when)

    def __lt__(self, other):
        if isinstance(other, TimerHandle):
            return self._when < (<TimerHandle>other)._when
        return NotImplemented

    def __le__(self, other):
        if isinstance(other, TimerHandle):
            return self._when < (<TimerHandle>other)._when or self.__eq__(other)
        return NotImplemented

    def __gt__(self, other):
        if isinstance(other, TimerHandle):
            return self._when > (<TimerHandle>other)._when
        return NotImplemented

    def __ge__(self, other):
        if isinstance(other, TimerHandle):
            return self._when > (<TimerHandle>other)._when or self.__eq__(other)
        return NotImplemented

    def __eq__(self, other):
        if isinstance(other, TimerHandle):
            o = <TimerHandle>other
            return (self._when == o._when and self._callback == o._callback
                    and self._args == o._args and self._cancelled == o._cancelled)
        return NotImplemented


# Ready lists at least this long hold their new handles untracked by the GC (compat.h).
DEF UNTRACK_FROM = 16


cdef inline void _untrack_waiting(Handle h, bint own_context):
    """A new handle (and the context the loop copied for it) joins a long ready list."""
    h._gc_untracked = 1
    PyObject_GC_UnTrack(h)
    if own_context:
        PyObject_GC_UnTrack(h._context)


cdef inline void _handle_leaves_ready(Handle h):
    """A handle taken out of the ready list (about to run, or dropped): if _untrack_waiting()
    untracked it and anything else can reach it, the GC tracks it (and its context) again;
    otherwise it is freed with the list's reference and _handle_dealloc tracks the context."""
    if h._gc_untracked and nl_gc_reachable_elsewhere(h, 2):   # the list's and the caller's
        h._gc_untracked = 0
        PyObject_GC_Track(h)
        nl_gc_track_ctx(<PyObject*>h._context)


cdef destructor _handle_dealloc_base = NULL


cdef void _handle_dealloc(PyObject* o) noexcept:
    # Wraps Handle's tp_dealloc: a context the loop untracked is tracked again before the
    # handle's reference to it goes (see nl_gc_track_ctx in compat.h).
    if (<Handle>o)._gc_untracked:
        nl_gc_track_ctx(<PyObject*>(<Handle>o)._context)
    _handle_dealloc_base(o)


_handle_dealloc_base = (<PyTypeObject*>Handle).tp_dealloc
(<PyTypeObject*>Handle).tp_dealloc = _handle_dealloc


cdef object _format_callback(cb, args):
    """'name(arg, ...)' for reprs and error messages; functools.partial is unwrapped."""
    try:
        if isinstance(cb, functools.partial):
            inner = _format_callback(cb.func, cb.args)
            return inner
        name = getattr(cb, '__qualname__', None) or getattr(cb, '__name__', None) or repr(cb)
        if args is None:
            return name
        return '{}({})'.format(name, ', '.join(reprlib.repr(a) for a in args))
    except Exception:
        return repr(cb)


cdef object _extract_stack():
    """The stack of the Python code that called the loop, as asyncio keeps it for debug-mode
    handles: the newest entry is the line that called call_soon()/call_later()/... .

    Compiled functions push no Python frames, so the innermost Python frame is that caller.
    (There is none when the loop is called from C with no Python code running.)"""
    try:
        frame = sys._getframe(0)
    except ValueError:
        return []
    stack = traceback.StackSummary.extract(traceback.walk_stack(frame), limit=_DEBUG_STACK_DEPTH,
                                           lookup_lines=False)
    stack.reverse()
    return stack


cdef int _DEBUG_STACK_DEPTH = getattr(_asyncio_constants, 'DEBUG_STACK_DEPTH', 10)
