# Declarations of the cdef classes compiled into nixloop._core._loop.
from libc.stdint cimport uint64_t
from cpython.object cimport PyObject
from .includes cimport uv
from .includes cimport system as sys_


cdef class Handle:
    cdef BaseLoop _loop
    cdef object _callback
    cdef tuple _args
    cdef object _context
    cdef bint _cancelled
    cdef bint _gc_untracked     # see _untrack_waiting() in cbhandle.pyx
    cdef object _repr
    cdef readonly object _source_traceback   # asyncio's name: test_asyncio reads it
    cdef object __weakref__

    cdef inline _init(self, BaseLoop loop, object callback, tuple args, object context)
    cdef _run(self)
    cdef _report(self, exc)
    cdef _clear(self)
    cdef _repr_info(self)


cdef class TimerHandle(Handle):
    cdef double _when
    cdef bint _scheduled


cdef struct HeapEntry:
    double when
    uint64_t seq
    PyObject* handle        # a strong reference, owned by the heap


cdef class TimerHeap:
    cdef HeapEntry* entries
    cdef Py_ssize_t size
    cdef Py_ssize_t cap
    cdef uint64_t seq

    cdef inline bint _less(self, Py_ssize_t a, Py_ssize_t b)
    cdef inline void _swap(self, Py_ssize_t a, Py_ssize_t b)
    cdef int push(self, TimerHandle h) except -1
    cdef inline double top_when(self)
    cdef inline TimerHandle top(self)
    cdef TimerHandle pop(self)
    cdef void _sift_down_all(self)
    cdef Py_ssize_t drop_cancelled(self)
    cdef void clear(self)


cdef struct LoopInternals:
    uv.uv_loop_t uvloop
    uv.uv_check_t check        # runs the ready queue after every poll
    uv.uv_idle_t idle          # active while callbacks are ready: makes the poll non-blocking
    uv.uv_prepare_t prepare    # gives up the GIL right before the poll
    uv.uv_timer_t timer        # wakes the poll for the earliest TimerHandle
    uv.uv_async_t wakeup       # call_soon_threadsafe() and stop() from other threads
    uv.uv_poll_t sigpoll       # the signal wake-up fd (main thread only)
    PyObject* owner            # the BaseLoop (borrowed: it outlives this struct)
    char* read_buf             # shared read buffer of the loop's streams
    char* read_buf_raw
    int idle_active
    int timer_armed
    double timer_armed_when
    int sigpoll_init
    int polls_dirty            # a PollHandle changed its events since the last poll
    unsigned int own_handles   # libuv's and the scheduler's handles (see nl_loop_is_bare)
    int sleeping               # the loop thread gave up the GIL to block in the poll (compat.h)
    PyObject* rx_bytes         # the last bytes object a read made, for reuse (nl_rx_bytes)


cdef class BaseLoop:
    cdef LoopInternals* c
    cdef uv.uv_loop_t* uvloop
    cdef list _ready
    cdef list _ready_spare
    cdef TimerHeap _timers
    cdef Py_ssize_t _timers_cancelled
    cdef readonly bint _closed        # (readable: asyncio's and uvloop's attribute)
    cdef bint _stopping
    cdef bint _running
    cdef bint _in_check
    cdef bint _debug
    cdef int _internals_open
    cdef unsigned long _thread_id
    cdef object _pending_exc
    cdef object _exception_handler
    cdef object _task_factory
    cdef object _default_executor
    cdef bint _executor_shutdown_called
    cdef object _asyncgens
    cdef bint _asyncgens_shutdown_called
    cdef object _old_agen_hooks
    cdef object _wakeup_sock_r
    cdef object _wakeup_sock_w
    cdef object _old_wakeup_fd
    cdef list _dirty_polls
    cdef public double slow_callback_duration
    cdef object __weakref__

    cdef inline _check_closed(self)
    cdef _check_thread(self)
    cdef inline Handle _call_soon_checked(self, object callback, tuple args, object context)
    cdef Handle _call_soon_threadsafe(self, object callback, tuple args, object context)
    cdef inline Handle _call_soon(self, object callback, tuple args, object context)
    cdef inline _append_ready(self, Handle h)
    cdef _wake(self)
    cdef TimerHandle _call_at(self, double when, object callback, tuple args, object context)
    cdef _arm_timer(self)
    cdef _timer_cancelled(self, TimerHandle h)
    cdef _run(self, bint until_idle)
    cdef _on_prepare(self)
    cdef _check_dirty_polls(self)
    cdef bint _check_timers_settled(self) noexcept
    cdef _on_check(self)
    cdef _run_ready(self)
    cdef _run_debug(self, Handle h)
    cdef void _track_waiting(self) noexcept
    cdef _on_signal_wakeup(self)
    cdef _init_signal_wakeup(self)
    cdef _setup_signal_wakeup(self)
    cdef _teardown_signal_wakeup(self)
    cdef _close_internals(self)


include "handles/handle.pxd"

cdef class TransportBase
cdef class StreamTransport

include "handles/accept.pxd"
include "handles/stream.pxd"
include "handles/tcp.pxd"
include "handles/pipe.pxd"
include "handles/poll.pxd"
include "handles/polled.pxd"
include "handles/seqpacket.pxd"
include "handles/dgram.pxd"
include "handles/channel.pxd"
include "handles/udp.pxd"
include "handles/timer.pxd"
include "handles/idle.pxd"
include "handles/async_.pxd"
include "transports/base.pxd"
include "transports/stream.pxd"
include "transports/unix.pxd"
include "transports/udp.pxd"
include "netsocket.pxd"
