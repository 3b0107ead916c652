# cython: language_level=3, freethreading_compatible=False
"""nixloop's compiled core: the scheduling loop on libuv, callback handles, and (included from
handles/) the libuv handle classes.

Scheduling, in libuv's phase order for one iteration:
  timers   -> our single uv_timer fires when the earliest TimerHandle is due; it only makes
              sure the next poll does not block (starts the idle handle).
  idle     -> active while callbacks are ready, so that the poll does not block.
  prepare  -> gives up the GIL if the poll is going to block.
  poll     -> I/O callbacks (the first one takes the GIL back).
  check    -> moves due timers to the ready queue and runs the callbacks that were ready when it
              started (asyncio's "ntodo" rule), then re-arms the uv_timer.
"""
cimport cython
from libc.stdint cimport uint64_t, int64_t
from libc.math cimport ceil, isfinite, INFINITY
from cpython.mem cimport PyMem_Malloc, PyMem_Realloc, PyMem_Free, PyMem_RawMalloc, PyMem_RawFree
from cpython.ref cimport Py_INCREF, Py_DECREF, Py_XDECREF
from cpython.object cimport PyObject
from cpython.list cimport PyList_GET_SIZE, PyList_GET_ITEM, PyList_SET_ITEM
from cpython.dict cimport PyDict_CheckExact
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_CheckExact
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_WRITABLE, PyBUF_SIMPLE
from libc.string cimport memset
from posix.stat cimport struct_stat as stat_t, fstat
from libc.stdint cimport uint16_t

from .includes cimport uv
from .includes.python cimport (
    PyContext_Enter, PyContext_Exit, PyContext_CopyCurrent, PyErr_CheckSignals,
    PyThread_get_thread_ident, PyObject_CallNoArgs, PyObject_CallOneArg,
    nl_gil_acquire, nl_gil_release, list_del_slice, nl_count_handles, nl_loop_is_bare,
    nl_gc_reachable_elsewhere, nl_gc_track_ctx, PyObject_GC_Track, PyObject_GC_UnTrack,
    nl_context_enter, nl_context_enter_io, nl_context_exit, nl_rx_bytes, nl_rx_bytes_clear,
    nl_rx_target, nl_rx_read, nl_rx_iov, nl_rx_gather, nl_install_fastcall, nl_vectorcall_with_self,
    nl_rx_read_ref, nl_call_one, nl_call_two, nl_take_raised, nl_deque_len,
    nl_addr_eq, nl_addr_bucket,
)
from cpython.object cimport PyTypeObject, destructor

import asyncio
import functools
import reprlib
import socket
import sys
import threading
import traceback
import warnings
import signal as _signal

from asyncio import constants as _asyncio_constants
from asyncio import events as _events
from asyncio import futures as _futures
from asyncio import tasks as _tasks
from asyncio import coroutines as _coroutines
from asyncio.log import logger as _logger

cdef object _Future = _futures.Future
cdef object _Task = _tasks.Task
cdef object _iscoroutine = _coroutines.iscoroutine
cdef object _iscoroutinefunction = _coroutines.iscoroutinefunction
cdef bint _PY311 = sys.version_info >= (3, 11)
cdef bint _PY312 = sys.version_info >= (3, 12)

# The loop's shared read buffer. It is page-aligned: malloc serves 256 KiB from an mmap'd
# chunk whose data starts 16 bytes into a page, and the kernel's copy into such a buffer
# (_copy_to_iter in read()) took ~4x longer: 16 KiB TCP echo ran at ~0.6x uvloop before, ~1.0x
# after (perf record -e cpu-clock on the server; perf/servers/protocol_echo.py + loadgen).
# Stream reads offer libuv 64 KiB of it, as Node does.
DEF READ_BUF_SIZE = 262144
DEF STREAM_READ_SIZE = 262144

include "cbhandle.pyx"
include "timerheap.pyx"
include "uverrors.pyx"


# ---------------------------------------------------------------------------------------------
# libuv callbacks of the loop's own handles.
#
# The GIL rule of every libuv callback in nixloop: libuv calls them on the loop's thread inside
# uv_run(), which that thread entered holding the GIL; the loop gives the GIL up only for the
# poll (_cb_prepare -> nl_gil_release) and the first callback after it takes it back
# (nl_gil_acquire, a no-op when it is held). So a callback that touches Python objects is a
# plain GIL-holding cdef function that starts with nl_gil_acquire(); it does not use
# `with gil:`, whose PyGILState_Ensure/Release cost ~100 instructions per callback, three
# callbacks per echo request (callgrind, perf/callgrind_echo.py, 1 KiB: 3,680 -> 3,384
# instructions per request).
# The C-only callbacks (idle, timer, wake-up) are nogil and touch nothing Python.

cdef void _cb_idle(uv.uv_idle_t* h) noexcept nogil:
    pass


cdef void _cb_prepare(uv.uv_prepare_t* h) noexcept:
    nl_gil_acquire()    # a no-op: the check phase before took the GIL back
    # Last phase before the poll. Callbacks that became ready after the
    # check phase ran (scheduled by the check phase itself, close callbacks, timers) run now,
    # before this poll's I/O: asyncio runs what was ready before the I/O handlers of the next
    # select. Then, if the poll may block, let other threads run meanwhile.
    cdef LoopInternals* c = <LoopInternals*>h.data
    if c.idle_active:
        (<BaseLoop>c.owner)._on_prepare()
    if c.polls_dirty:
        (<BaseLoop>c.owner)._check_dirty_polls()
    if not c.idle_active:
        # (uv_backend_timeout() cannot tell: it answers 0 whenever watchers wait to be
        # registered, even if the poll then blocks.)
        # call_soon_threadsafe() wakes the loop only while it sleeps in the poll; one that
        # came while the loop was busy left its callback here.
        if PyList_GET_SIZE((<BaseLoop>c.owner)._ready):
            uv.uv_idle_start(&c.idle, _cb_idle)
            c.idle_active = 1
            return
        nl_gil_release(&c.sleeping)


cdef void _cb_timer(uv.uv_timer_t* h) noexcept nogil:
    cdef LoopInternals* c = <LoopInternals*>h.data
    c.timer_armed = 0
    if not c.idle_active:
        uv.uv_idle_start(&c.idle, _cb_idle)
        c.idle_active = 1


cdef void _cb_wakeup(uv.uv_async_t* h) noexcept nogil:
    # Another thread scheduled a callback or asked to stop: the check phase that follows the
    # poll handles it.
    pass


cdef void _cb_check(uv.uv_check_t* h) noexcept:
    nl_gil_acquire()
    cdef LoopInternals* c = <LoopInternals*>h.data
    cdef BaseLoop loop = <BaseLoop>c.owner
    # Most iterations of a busy server end here: the I/O callbacks scheduled nothing, no timer
    # is due and the uv_timer already points at the earliest one, so _on_check would find no
    # work (~110 instructions per echo request saved, perf/callgrind_echo.py).
    if (not PyList_GET_SIZE(loop._ready) and not loop._stopping and not c.idle_active
            and loop._check_timers_settled()):
        return
    loop._on_check()


cdef void _cb_sigpoll(uv.uv_poll_t* h, int status, int events) noexcept:
    nl_gil_acquire()
    (<BaseLoop>(<LoopInternals*>h.data).owner)._on_signal_wakeup()


cdef void _cb_close_noop(uv.uv_handle_t* h) noexcept nogil:
    pass


cdef void _cb_walk_close(uv.uv_handle_t* h, void* arg) noexcept:
    # Close whatever handle is still open when the loop closes: handle objects close through
    # their own method so that their Python side is released too.
    nl_gil_acquire()
    if uv.uv_is_closing(h):
        return
    if h.data != NULL and h.data != arg:
        _force_close_handle(h)
    else:
        uv.uv_close(h, _cb_close_noop)


cdef object _check_callback(object callback, str method):
    if _iscoroutine(callback) or _iscoroutinefunction(callback):
        raise TypeError(f'coroutines cannot be used with {method}()')
    if not callable(callback):
        raise TypeError(f'a callable object was expected by {method}(), got {callback!r}')


cdef class BaseLoop:
    """The compiled half of nixloop.Loop (see nixloop/loop.py for the public class)."""

    def __cinit__(self):
        cdef int err
        self.c = <LoopInternals*>PyMem_RawMalloc(sizeof(LoopInternals))
        if self.c == NULL:
            raise MemoryError()
        self.c.owner = <PyObject*>self
        self.c.read_buf_raw = <char*>PyMem_RawMalloc(READ_BUF_SIZE + 4096)
        if self.c.read_buf_raw == NULL:
            PyMem_RawFree(self.c)
            self.c = NULL
            raise MemoryError()
        self.c.read_buf = <char*>((<size_t>self.c.read_buf_raw + 4095) & ~(<size_t>4095))
        self.c.idle_active = 0
        self.c.timer_armed = 0
        self.c.timer_armed_when = 0
        self.c.sigpoll_init = 0
        self.c.rx_bytes = NULL
        self.uvloop = &self.c.uvloop
        err = uv.uv_loop_init(self.uvloop)
        if err < 0:
            PyMem_RawFree(self.c.read_buf_raw)
            PyMem_RawFree(self.c)
            self.c = NULL
            raise convert_uv_error(err)
        self.uvloop.data = <void*>self.c
        self._internals_open = 1
        uv.uv_check_init(self.uvloop, &self.c.check)
        uv.uv_idle_init(self.uvloop, &self.c.idle)
        uv.uv_prepare_init(self.uvloop, &self.c.prepare)
        uv.uv_timer_init(self.uvloop, &self.c.timer)
        err = uv.uv_async_init(self.uvloop, &self.c.wakeup, _cb_wakeup)
        if err < 0:
            raise convert_uv_error(err)
        self.c.check.data = self.c
        self.c.idle.data = self.c
        self.c.prepare.data = self.c
        self.c.timer.data = self.c
        self.c.wakeup.data = self.c
        # The wake-up handle and the prepare handle never keep the loop alive on their own.
        uv.uv_unref(<uv.uv_handle_t*>&self.c.wakeup)
        uv.uv_unref(<uv.uv_handle_t*>&self.c.prepare)
        uv.uv_unref(<uv.uv_handle_t*>&self.c.timer)
        uv.uv_unref(<uv.uv_handle_t*>&self.c.idle)
        uv.uv_prepare_start(&self.c.prepare, _cb_prepare)
        self._init_signal_wakeup()
        # Counted once the signal wake-up's poll handle exists: it is one of the loop's own.
        self.c.own_handles = nl_count_handles(self.uvloop, 1000)
        self.c.sleeping = 0

        self._ready = []
        self._ready_spare = []
        self._timers = TimerHeap()
        self._timers_cancelled = 0
        self._closed = 0
        self._stopping = 0
        self._running = 0
        self._thread_id = 0
        self._debug = 0
        self._pending_exc = None
        self._exception_handler = None
        self._task_factory = None
        self._default_executor = None
        self._executor_shutdown_called = 0
        self._asyncgens_shutdown_called = 0
        self._dirty_polls = []
        self.c.polls_dirty = 0
        self.slow_callback_duration = 0.1

    def __init__(self):
        import weakref
        self._asyncgens = weakref.WeakSet()
        self._debug = _coroutines._is_debug_mode()

    def __dealloc__(self):
        if self.c != NULL and self._internals_open:
            # Never closed: release libuv's side without calling into Python.
            self._close_internals()
        if self.c != NULL:
            nl_rx_bytes_clear(&self.c.rx_bytes)
            PyMem_RawFree(self.c.read_buf_raw)
            PyMem_RawFree(self.c)
            self.c = NULL

    # -- state ----------------------------------------------------------------------------------

    cdef inline _check_closed(self):
        if self._closed:
            raise RuntimeError('Event loop is closed')

    cdef _check_thread(self):
        if self._thread_id == 0:
            return
        if PyThread_get_thread_ident() != self._thread_id:
            raise RuntimeError(
                'Non-thread-safe operation invoked on an event loop other than the current one')

    def _check_running(self):
        if self._running:
            raise RuntimeError('This event loop is already running')
        # Looked up on each call, as asyncio's own loops do: test_asyncio (and debuggers) swap
        # the C and Python implementations of these functions at run time.
        if _events._get_running_loop() is not None:
            raise RuntimeError('Cannot run the event loop while another loop is running')

    def is_running(self):
        """True while run_forever() or run_until_complete() is running."""
        return bool(self._running)

    def is_closed(self):
        return bool(self._closed)

    def get_debug(self):
        return bool(self._debug)

    def set_debug(self, enabled):
        self._debug = bool(enabled)
        if self._running:
            self._set_coroutine_origin_tracking(self._debug)

    def _set_coroutine_origin_tracking(self, bint enabled):
        if enabled:
            sys.set_coroutine_origin_tracking_depth(_coroutines._DEBUG_STACK_DEPTH
                                                    if hasattr(_coroutines, '_DEBUG_STACK_DEPTH')
                                                    else 10)
        else:
            sys.set_coroutine_origin_tracking_depth(0)

    def time(self):
        """The loop's clock: CLOCK_MONOTONIC in seconds, the clock of time.monotonic()."""
        return uv.uv_hrtime() * 1e-9

    # -- scheduling -----------------------------------------------------------------------------

    def call_soon(self, callback, *args, context=None):
        """Schedule callback(*args) to run on the next iteration, in FIFO order."""
        return self._call_soon_checked(callback, args, context)

    def call_soon_threadsafe(self, callback, *args, context=None):
        """Like call_soon(), from any thread: wakes the loop through a uv_async handle."""
        return self._call_soon_threadsafe(callback, args, context)

    cdef Handle _call_soon_threadsafe(self, object callback, tuple args, object context):
        """call_soon_threadsafe(): for the def method and its fast entry (fastcall.pyx)."""
        self._check_closed()
        if self._debug:
            _check_callback(callback, 'call_soon_threadsafe')
        cdef Handle h = Handle.__new__(Handle)
        cdef bint own_context = context is None
        if own_context:
            context = PyContext_CopyCurrent()
        h._init(self, callback, args, context)
        if self._running and PyList_GET_SIZE(self._ready) >= UNTRACK_FROM:
            _untrack_waiting(h, own_context)
        self._ready.append(h)
        # Wake-ups are coalesced: a uv_async_send() (an eventfd write, and a read by the loop)
        # only while the loop thread sleeps in the poll. A loop thread that is awake looks at
        # the ready list before it blocks again (_cb_prepare); `sleeping` is read and written
        # with the GIL held only (compat.h).
        if self.c.sleeping:
            uv.uv_async_send(&self.c.wakeup)
        elif not self.c.idle_active and (
                not self._running or PyThread_get_thread_ident() == self._thread_id):
            self._wake()
        return h

    cdef inline Handle _call_soon_checked(self, object callback, tuple args, object context):
        """call_soon()'s checks, then _call_soon(): for the def method and its fast entry."""
        if self._closed:
            raise RuntimeError('Event loop is closed')
        if self._debug:
            self._check_thread()
            _check_callback(callback, 'call_soon')
        return self._call_soon(callback, args, context)

    cdef inline Handle _call_soon(self, object callback, tuple args, object context):
        cdef Handle h = Handle.__new__(Handle)
        cdef bint own_context = context is None
        if own_context:
            context = PyContext_CopyCurrent()
        h._init(self, callback, args, context)
        if self._running and PyList_GET_SIZE(self._ready) >= UNTRACK_FROM:
            _untrack_waiting(h, own_context)
        self._append_ready(h)
        return h

    cdef inline _append_ready(self, Handle h):
        self._ready.append(h)
        if not self.c.idle_active:
            self._wake()

    cdef _wake(self):
        """Make sure the next poll does not block."""
        if not self._internals_open:
            return
        if self._running and PyThread_get_thread_ident() != self._thread_id:
            # libuv handles belong to the loop thread: only uv_async_send is thread-safe.
            uv.uv_async_send(&self.c.wakeup)
        elif not self.c.idle_active:
            uv.uv_idle_start(&self.c.idle, _cb_idle)
            self.c.idle_active = 1

    def call_later(self, delay, callback, *args, context=None):
        """Schedule callback(*args) after delay seconds; returns a TimerHandle."""
        if delay is None:
            raise TypeError('delay must not be None')
        self._check_closed()
        if self._debug:
            self._check_thread()
            _check_callback(callback, 'call_later')
        cdef double when = uv.uv_hrtime() * 1e-9 + delay
        return self._call_at(when, callback, args, context)

    def call_at(self, when, callback, *args, context=None):
        """Schedule callback(*args) at loop time `when`; returns a TimerHandle."""
        if when is None:
            raise TypeError('when cannot be None')
        self._check_closed()
        if self._debug:
            self._check_thread()
            _check_callback(callback, 'call_at')
        return self._call_at(when, callback, args, context)

    cdef TimerHandle _call_at(self, double when, object callback, tuple args, object context):
        cdef TimerHandle t = TimerHandle.__new__(TimerHandle)
        if context is None:
            context = PyContext_CopyCurrent()
        t._init(self, callback, args, context)
        t._when = when
        t._scheduled = 1
        self._timers.push(t)
        if not self.c.timer_armed or heap_key(when) < self.c.timer_armed_when:
            if self._running and PyThread_get_thread_ident() != self._thread_id:
                uv.uv_async_send(&self.c.wakeup)    # the check phase re-arms
            elif not self._in_check:
                self._arm_timer()
        return t

    cdef _arm_timer(self):
        """Point the uv_timer at the earliest live TimerHandle (or stop it)."""
        cdef TimerHeap heap = self._timers
        cdef double when
        cdef int64_t due_ms, now_ms
        cdef TimerHandle t
        if not self._internals_open:
            return
        while heap.size and heap.top()._cancelled:
            t = heap.pop()
            t._scheduled = 0
            self._timers_cancelled -= 1
        if heap.size == 0:
            if self.c.timer_armed:
                uv.uv_timer_stop(&self.c.timer)
                self.c.timer_armed = 0
            return
        when = heap.top_when()
        if self.c.timer_armed and when == self.c.timer_armed_when:
            return
        if when <= uv.uv_hrtime() * 1e-9:
            # Already due (call_later(0)): the next iteration must not block at all.
            if self.c.timer_armed:
                uv.uv_timer_stop(&self.c.timer)
                self.c.timer_armed = 0
            if not self.c.idle_active:
                uv.uv_idle_start(&self.c.idle, _cb_idle)
                self.c.idle_active = 1
            return
        if not isfinite(when) or when > 9.0e12:
            # Practically never: leave the uv_timer off; the handle stays in the heap.
            if self.c.timer_armed:
                uv.uv_timer_stop(&self.c.timer)
                self.c.timer_armed = 0
            return
        # libuv fires a timer once its (coarse, millisecond) loop time reaches the due time; the
        # due time is the deadline rounded up on the same monotonic clock, so it never fires
        # before `when` and at most a millisecond or so after.
        due_ms = <int64_t>ceil(when * 1000.0)
        now_ms = <int64_t>uv.uv_now(self.uvloop)
        uv.uv_timer_start(&self.c.timer, _cb_timer,
                          <uint64_t>(due_ms - now_ms) if due_ms > now_ms else 0, 0)
        self.c.timer_armed = 1
        self.c.timer_armed_when = when

    cdef _timer_cancelled(self, TimerHandle h):
        if not h._scheduled:
            return
        self._timers_cancelled += 1
        if self._timers.size > 100 and self._timers_cancelled * 2 > self._timers.size:
            self._timers_cancelled -= self._timers.drop_cancelled()
            if self._timers_cancelled < 0:
                self._timers_cancelled = 0

    def _timer_handle_cancelled(self, handle):
        """asyncio's hook name; TimerHandle.cancel() calls the compiled one directly."""
        if isinstance(handle, TimerHandle):
            self._timer_cancelled(<TimerHandle>handle)

    # -- the prepare and check phases -----------------------------------------------------------

    cdef _check_dirty_polls(self):
        """Right before the poll: a watched fd that was closed (or reused for another file)
        since its poll handle changed must not reach epoll_ctl, where libuv would abort."""
        cdef PollHandle p
        polls = self._dirty_polls
        self._dirty_polls = []
        self.c.polls_dirty = 0
        for obj in polls:
            p = <PollHandle>obj
            p._dirty = 0
            if p._handle == NULL or p._closing:
                continue
            if not p._fd_still_valid():
                uv.uv_poll_stop(<uv.uv_poll_t*>p._handle)
                p._events = 0
                p._close()
                if self._debug:
                    _logger.warning('fd %d was closed while the loop watched it', p.fd)

    cdef _on_prepare(self):
        if not PyList_GET_SIZE(self._ready) or self._pending_exc is not None:
            return
        self._in_check = 1
        try:
            self._run_ready()
        except BaseException as exc:
            if self._pending_exc is None:
                self._pending_exc = exc
            uv.uv_stop(self.uvloop)
        finally:
            self._in_check = 0


    cdef bint _check_timers_settled(self) noexcept:
        """True when the check phase has no timer work: none is due and the uv_timer is armed
        for the earliest live one (or there is none and it is off)."""
        cdef TimerHeap heap = self._timers
        cdef double when
        if heap.size == 0:
            return not self.c.timer_armed
        when = heap.top_when()
        return (self.c.timer_armed and when == self.c.timer_armed_when
                and not heap.top()._cancelled and when > uv.uv_hrtime() * 1e-9)

    cdef _on_check(self):
        cdef TimerHeap heap = self._timers
        cdef TimerHandle t
        cdef double now
        cdef bint stopping = self._stopping
        self._in_check = 1
        try:
            if heap.size:
                now = uv.uv_hrtime() * 1e-9
                while heap.size and heap.top_when() <= now:
                    t = heap.pop()
                    t._scheduled = 0
                    if t._cancelled:
                        self._timers_cancelled -= 1
                    else:
                        self._ready.append(t)
            if PyList_GET_SIZE(self._ready) and not stopping and self._pending_exc is None:
                # (After stop(), what I/O callbacks scheduled waits for the next run.)
                self._run_ready()
                # Callbacks scheduled more callbacks (or timers that are due by now). If the
                # loop has no handle and no request but its own, the next iteration's poll
                # could only report the wake-up fds: call_soon_threadsafe() appends to the
                # ready list itself and the signal wake-up only makes Python run its signal
                # handlers, which PyErr_CheckSignals() does. So the next iteration runs here
                # without the poll, an epoll_wait per iteration (strace; callgrind counts no
                # syscalls): chained call_soon 1.48x -> ~3x uvloop in wall-clock, see
                # perf/callgrind_micro.py --cpu.
                while ((PyList_GET_SIZE(self._ready) or heap.size) and not self._stopping
                       and nl_loop_is_bare(self.uvloop, self.c.own_handles)):
                    if heap.size:
                        now = uv.uv_hrtime() * 1e-9
                        while heap.size and heap.top_when() <= now:
                            t = heap.pop()
                            t._scheduled = 0
                            if t._cancelled:
                                self._timers_cancelled -= 1
                            else:
                                self._ready.append(t)
                    if not PyList_GET_SIZE(self._ready):
                        break
                    PyErr_CheckSignals()
                    self._run_ready()
        except BaseException as exc:
            # KeyboardInterrupt / SystemExit out of a callback: run_forever() re-raises it.
            if self._pending_exc is None:
                self._pending_exc = exc
            uv.uv_stop(self.uvloop)
        finally:
            self._in_check = 0
        if PyList_GET_SIZE(self._ready) or self._stopping:
            if not self.c.idle_active:
                uv.uv_idle_start(&self.c.idle, _cb_idle)
                self.c.idle_active = 1
        elif self.c.idle_active:
            uv.uv_idle_stop(&self.c.idle)
            self.c.idle_active = 0
        if self._stopping:
            uv.uv_stop(self.uvloop)
        try:
            self._arm_timer()
        except BaseException as exc:
            if self._pending_exc is None:
                self._pending_exc = exc
            uv.uv_stop(self.uvloop)

    cdef _run_ready(self):
        cdef list todo = self._ready
        cdef Py_ssize_t i = 0, n = PyList_GET_SIZE(todo)
        cdef Handle h
        cdef bint debug = self._debug
        self._ready = self._ready_spare
        try:
            while i < n:
                h = <Handle>PyList_GET_ITEM(todo, i)
                # Before the list lets go of it: _handle_leaves_ready counts the list's reference.
                _handle_leaves_ready(h)
                # The batch list lets go of each handle as it runs (asyncio pops it): what only
                # its callback kept alive (a finished, unreferenced Task, whose "exception was
                # never retrieved" report asyncio's tests wait for) is freed before the next
                # callback runs, not at the end of the batch.
                Py_INCREF(None)
                PyList_SET_ITEM(todo, i, None)      # steals the new reference,
                Py_DECREF(h)                        # the list's old one goes (h has its own)
                i += 1
                if not h._cancelled:
                    if debug:
                        self._run_debug(h)
                    else:
                        h._run()
        except BaseException:
            if i < n:
                # Keep what did not run for the next run, ahead of anything newer.
                self._ready[0:0] = todo[i:]
            raise
        finally:
            list_del_slice(todo, 0, PyList_GET_SIZE(todo), NULL)
            self._ready_spare = todo

    cdef _run_debug(self, Handle h):
        cdef object cb = h._callback
        cdef double t0 = uv.uv_hrtime() * 1e-9, dt
        h._run()
        dt = uv.uv_hrtime() * 1e-9 - t0
        if dt >= self.slow_callback_duration:
            # a Task's step is shown as the Task, as asyncio does
            owner = getattr(cb, '__self__', None)
            _logger.warning('Executing %s took %.3f seconds',
                            repr(owner) if isinstance(owner, _Task) else repr(h), dt)

    cdef void _track_waiting(self) noexcept:
        """The GC tracks the waiting handles again once the loop stops running: a loop that is
        not running can become garbage with them (they reference it), and the GC can only
        take such a cycle apart if it sees every object in it."""
        cdef Handle h
        cdef Py_ssize_t i
        for i in range(PyList_GET_SIZE(self._ready)):
            h = <Handle>PyList_GET_ITEM(self._ready, i)
            if h._gc_untracked:
                h._gc_untracked = 0
                PyObject_GC_Track(h)
                nl_gc_track_ctx(<PyObject*>h._context)

    # -- running --------------------------------------------------------------------------------

    def run_forever(self):
        """Run the loop until stop() is called."""
        self._run(False)

    def run_until_idle(self):
        """Run until stop() is called or nothing keeps the loop alive any more: no referenced
        libuv handle (server, socket, timer of the Node-style API), no pending asyncio timer or
        ready callback. This is Node's process lifetime (libuv's UV_RUN_DEFAULT)."""
        self._run(True)

    cdef _run(self, bint until_idle):
        self._check_closed()
        self._check_running()
        old_hooks = sys.get_asyncgen_hooks()
        self._thread_id = PyThread_get_thread_ident()
        sys.set_asyncgen_hooks(firstiter=self._asyncgen_firstiter_hook,
                               finalizer=self._asyncgen_finalizer_hook)
        if self._debug:
            self._set_coroutine_origin_tracking(True)
        set_running_loop = _events._set_running_loop
        set_running_loop(self)
        self._running = 1
        if until_idle:
            # The loop's own check handle must not keep it alive, but pending asyncio work
            # (the shared timer, the idle handle while callbacks are ready) must.
            uv.uv_unref(<uv.uv_handle_t*>&self.c.check)
            uv.uv_ref(<uv.uv_handle_t*>&self.c.timer)
            uv.uv_ref(<uv.uv_handle_t*>&self.c.idle)
        try:
            self._setup_signal_wakeup()
            uv.uv_check_start(&self.c.check, _cb_check)
            if PyList_GET_SIZE(self._ready) or self._stopping:
                self._wake()
            self._arm_timer()
            while True:
                self._pending_exc = None
                uv.uv_run(self.uvloop, uv.UV_RUN_DEFAULT)
                nl_gil_acquire()
                if self._pending_exc is not None:
                    exc = self._pending_exc
                    self._pending_exc = None
                    raise exc
                if self._stopping:
                    break
                if until_idle and not uv.uv_loop_alive(self.uvloop):
                    break
        finally:
            nl_gil_acquire()
            self._stopping = 0
            self._running = 0
            self._thread_id = 0
            self._track_waiting()
            if self._internals_open:
                uv.uv_check_stop(&self.c.check)
                if until_idle:
                    uv.uv_ref(<uv.uv_handle_t*>&self.c.check)
                    uv.uv_unref(<uv.uv_handle_t*>&self.c.timer)
                    uv.uv_unref(<uv.uv_handle_t*>&self.c.idle)
            self._teardown_signal_wakeup()
            set_running_loop(None)
            if self._debug:
                self._set_coroutine_origin_tracking(False)
            sys.set_asyncgen_hooks(*old_hooks)

    def stop(self):
        """Stop after the current iteration (callbacks already ready still run)."""
        self._stopping = 1
        if self._running:
            self._wake()

    # -- signal wake-up fd: lets Ctrl-C and Python signal handlers run while libuv blocks -------

    cdef _init_signal_wakeup(self):
        # The loop's own fds are all made here, when the loop is created (uv_loop_init made
        # the epoll fd and the wake-up eventfd): a program that uses up every fd can still run
        # the loop (issue 15).
        cdef int err
        r, w = socket.socketpair()
        try:
            r.setblocking(False)
            w.setblocking(False)
            err = uv.uv_poll_init(self.uvloop, &self.c.sigpoll, r.fileno())
            if err < 0:
                raise convert_uv_error(err)
        except BaseException:
            r.close()
            w.close()
            raise
        self.c.sigpoll.data = self.c
        self.c.sigpoll_init = 1
        uv.uv_unref(<uv.uv_handle_t*>&self.c.sigpoll)
        self._wakeup_sock_r = r
        self._wakeup_sock_w = w

    cdef _setup_signal_wakeup(self):
        if threading.current_thread() is not threading.main_thread():
            return
        if self._wakeup_sock_w is None:
            return
        try:
            self._old_wakeup_fd = _signal.set_wakeup_fd(self._wakeup_sock_w.fileno(),
                                                        warn_on_full_buffer=False)
        except (ValueError, OSError):
            self._old_wakeup_fd = None
            return
        uv.uv_poll_start(&self.c.sigpoll, uv.UV_READABLE, _cb_sigpoll)

    cdef _teardown_signal_wakeup(self):
        if self._old_wakeup_fd is None:
            return
        if self.c.sigpoll_init:
            uv.uv_poll_stop(&self.c.sigpoll)
        try:
            _signal.set_wakeup_fd(self._old_wakeup_fd)
        except (ValueError, OSError):
            pass
        self._old_wakeup_fd = None

    cdef _on_signal_wakeup(self):
        # Drain the wake-up fd, then run the pending Python-level signal handlers (Ctrl-C raises
        # here; add_signal_handler's handlers schedule their callbacks).
        try:
            while True:
                try:
                    data = self._wakeup_sock_r.recv(4096)
                except (BlockingIOError, InterruptedError):
                    break
                if not data:
                    break
            PyErr_CheckSignals()
        except BaseException as exc:
            if self._pending_exc is None:
                self._pending_exc = exc
            uv.uv_stop(self.uvloop)

    def _new_handle(self, callback, tuple args):
        """A Handle that is not scheduled (signal handlers, add_reader/add_writer)."""
        cdef Handle h = Handle.__new__(Handle)
        h._init(self, callback, args, PyContext_CopyCurrent())
        return h

    # -- closing --------------------------------------------------------------------------------

    def _close_uv(self):
        """Close every libuv handle and the uv loop (called by close())."""
        self._track_waiting()
        self._ready.clear()
        self._timers.clear()
        self._timers_cancelled = 0
        if self._wakeup_sock_r is not None:
            self._close_internals()
            self._wakeup_sock_r.close()
            self._wakeup_sock_w.close()
            self._wakeup_sock_r = self._wakeup_sock_w = None
        else:
            self._close_internals()

    cdef _close_internals(self):
        if not self._internals_open:
            return
        self._internals_open = 0
        cdef LoopInternals* c = self.c
        nl_rx_bytes_clear(&c.rx_bytes)
        uv.uv_close(<uv.uv_handle_t*>&c.check, _cb_close_noop)
        uv.uv_close(<uv.uv_handle_t*>&c.idle, _cb_close_noop)
        uv.uv_close(<uv.uv_handle_t*>&c.prepare, _cb_close_noop)
        uv.uv_close(<uv.uv_handle_t*>&c.timer, _cb_close_noop)
        uv.uv_close(<uv.uv_handle_t*>&c.wakeup, _cb_close_noop)
        if c.sigpoll_init:
            uv.uv_close(<uv.uv_handle_t*>&c.sigpoll, _cb_close_noop)
            c.sigpoll_init = 0
        c.idle_active = 0
        c.timer_armed = 0
        uv.uv_walk(self.uvloop, _cb_walk_close, <void*>c)
        uv.uv_run(self.uvloop, uv.UV_RUN_DEFAULT)
        nl_gil_acquire()
        if uv.uv_loop_close(self.uvloop) == uv.UV_EBUSY:
            # Requests still in flight (a getaddrinfo in the thread pool): wait for them.
            uv.uv_walk(self.uvloop, _cb_walk_close, <void*>c)
            uv.uv_run(self.uvloop, uv.UV_RUN_DEFAULT)
            nl_gil_acquire()
            uv.uv_loop_close(self.uvloop)

    # -- futures and tasks ----------------------------------------------------------------------

    def create_future(self):
        """A new asyncio.Future attached to this loop."""
        return _Future(loop=self)

    def create_task(self, coro, *, name=None, context=None):
        """Schedule a coroutine as a Task (through the task factory, if one is set)."""
        self._check_closed()
        factory = self._task_factory
        if factory is None:
            if context is None:
                task = _Task(coro, loop=self, name=name)
            elif _PY311:
                task = _Task(coro, loop=self, name=name, context=context)
            else:
                task = context.run(_Task, coro, loop=self, name=name)
            return task
        if context is None:
            task = factory(self, coro)
        else:
            task = factory(self, coro, context=context)
        if name is not None:
            try:
                task.set_name(name)
            except AttributeError:
                pass
        return task

    def set_task_factory(self, factory):
        if factory is not None and not callable(factory):
            raise TypeError('task factory must be a callable or None')
        self._task_factory = factory

    def get_task_factory(self):
        return self._task_factory

    # -- exception handler state (the logic is in nixloop/loop.py) ------------------------------

    def set_exception_handler(self, handler):
        if handler is not None and not callable(handler):
            raise TypeError(f'A callable object or None is expected, got {handler!r}')
        self._exception_handler = handler

    def get_exception_handler(self):
        return self._exception_handler

    def _get_default_executor(self):
        return self._default_executor

    def _set_default_executor(self, executor):
        self._default_executor = executor

    def _executor_shutdown_state(self, value=None):
        if value is not None:
            self._executor_shutdown_called = bool(value)
        return bool(self._executor_shutdown_called)

    def _asyncgens_state(self, value=None):
        if value is not None:
            self._asyncgens_shutdown_called = bool(value)
        return bool(self._asyncgens_shutdown_called)

    @property
    def _asyncgens_set(self):
        return self._asyncgens

    def _after_fork(self):
        """In a forked child (nixloop/loop/__init__.py's at-fork hook): give the loop kernel
        state of its own (uv_loop_fork: a new epoll set, wake-up fd and signal pipe, every
        watcher registered again). Without it the child shares the parent's epoll set, and
        closing the inherited loop in the child removes the parent's fds from it: the
        parent's server stops being served (asyncio hangs there)."""
        if self._closed or not self._internals_open:
            return
        err = uv.uv_loop_fork(self.uvloop)
        if err < 0:
            raise convert_uv_error(err)

    def _mark_closed(self):
        if self._running:
            raise RuntimeError('Cannot close a running event loop')
        if self._closed:
            return False
        self._closed = 1
        return True



include "sockaddr.pyx"
include "handles/handle.pyx"
include "handles/accept.pyx"
include "handles/stream.pyx"
include "handles/tcp.pyx"
include "handles/pipe.pyx"
include "handles/poll.pyx"
include "handles/polled.pyx"
include "handles/seqpacket.pyx"
include "handles/dgram.pyx"
include "handles/channel.pyx"
include "handles/udp.pyx"
include "handles/timer.pyx"
include "handles/idle.pyx"
include "handles/async_.pyx"
include "transports/base.pyx"
include "transports/stream.pyx"
include "transports/unix.pyx"
include "transports/udp.pyx"
include "transports/asyncio_bases.pyx"
include "netsocket.pyx"
include "dns.pyx"
include "fastcall.pyx"
