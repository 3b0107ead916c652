"""The Node runtime's per-loop state (what Node keeps in its ``Environment``): the
``process.nextTick`` queue, the callback scope every facade callback runs in (``invoke``), and
the ``setImmediate`` queue with its libuv check/idle handles.

One :class:`LoopState` per nixloop loop, made on first use. ``nixloop.timers``, ``nixloop.node``
(the runner and ``process``), ``nixloop.net`` and ``nixloop.unix`` all share it, so that their
ticks run in one FIFO, as in Node; it lives here, below all of them, so that none of them imports
another for it. The order it keeps is described in ``nixloop.timers``' module docstring.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any, Callable

from ._core._loop import UVCheck, UVIdle
from .errors import ERR_INVALID_ARG_TYPE
from .loop import Loop

__all__ = ["LoopState", "state_for", "existing_state", "current_state", "invoke", "drain_ticks",
           "nextTick"]

_get_running_loop = asyncio._get_running_loop

# -- per-loop state ---------------------------------------------------------------------------

_STATE_ATTR = "_nixloop_node_state"


class LoopState:
    """Tick queue, immediate queue and their libuv handles for one loop."""

    __slots__ = ("loop", "ticks", "depth", "async_ticks", "drain_scheduled",
                 "immediates", "immediate_refs", "check", "idle", "known_timers",
                 "next_id", "closed", "dead", "__weakref__")

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.ticks: collections.deque = collections.deque()
        self.depth = 0                 # > 0 while inside a callback scope or a drain
        self.async_ticks = False       # ticks queued outside any scope are pending
        self.drain_scheduled = False   # a call_soon(_drain_all) is pending
        self.immediates: list = []
        self.immediate_refs = 0
        self.known_timers: dict = {}
        self.next_id = 1
        self.closed = False
        self.dead = False  # set by the runner when the process crashes or exits: run nothing more
        # Node keeps its immediate check handle started and unref'd for the whole process.
        self.check = UVCheck.create(loop)
        self.check.unref()
        self.check.start(self._run_immediates)
        self.idle = UVIdle.create(loop)    # ref'd + started while ref'd immediates exist

    def close(self) -> None:
        """Release the handles (the runner calls this before closing the loop)."""
        if not self.closed:
            self.closed = True
            self.check.close()
            self.idle.close()
            self.ticks.clear()
            self.immediates = []

    # -- uncaught exceptions --------------------------------------------------------

    def report(self, exc: BaseException, what: str) -> None:
        self.loop.call_exception_handler({
            "message": f"Unhandled exception in {what}",
            "exception": exc,
        })

    # -- ticks ----------------------------------------------------------------------

    def drain(self) -> bool:
        """Run queued ticks until the queue is empty (True) or one raised (False)."""
        ticks = self.ticks
        self.depth += 1
        try:
            while ticks and not self.dead:
                fn, args = ticks.popleft()
                try:
                    fn(*args)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:
                    self.report(exc, "process.nextTick callback")
                    if ticks:
                        self.schedule_drain()
                    return False
            self.async_ticks = False
            return True
        finally:
            self.depth -= 1

    def drain_all(self) -> None:
        """A scope's end: drain, retrying after ticks that raised, until empty."""
        while self.ticks and not self.dead:
            self.drain()
        self.async_ticks = False

    def _scheduled_drain(self) -> None:
        self.drain_scheduled = False
        if self.ticks and not self.closed:
            self.drain_all()

    def schedule_drain(self) -> None:
        if not self.drain_scheduled:
            self.drain_scheduled = True
            self.loop.call_soon(self._scheduled_drain)

    def add_tick(self, fn: Callable, args: tuple) -> None:
        self.ticks.append((fn, args))
        if not self.depth:
            # Outside any callback scope (asyncio code): no drain is coming by itself.
            self.async_ticks = True
            self.schedule_drain()

    # -- callback scope ---------------------------------------------------------------

    def invoke(self, fn: Callable, args: tuple, what: str) -> Any:
        """Run ``fn(*args)`` in a callback scope (see the module doc)."""
        if self.dead:
            return None
        if self.async_ticks:
            self.drain_all()
        self.depth += 1
        try:
            result = fn(*args)
        except (KeyboardInterrupt, SystemExit):
            self.depth -= 1
            raise
        except BaseException as exc:
            try:
                self.report(exc, what)
            finally:
                self.depth -= 1
            if self.ticks:
                # Node: they run after the next callback, or at the end of the phase.
                self.schedule_drain()
            return None
        self.depth -= 1
        if self.ticks:
            self.drain()
        return result

    # -- immediates -------------------------------------------------------------------

    def _run_immediates(self) -> None:
        queue = self.immediates
        if not queue or self.dead:
            return
        self.immediates = []
        for imm in queue:
            if imm._destroyed:
                continue
            imm._destroyed = True
            if imm._refed:
                self.dec_immediate_ref()
            imm._refed = None  # Node: hasRef() is false once it ran or was cleared
            fn = imm._onImmediate
            imm._onImmediate = None
            self.invoke(fn, imm._argv, "immediate callback")
        if self.ticks:
            self.drain_all()

    def inc_immediate_ref(self) -> None:
        self.immediate_refs += 1
        if self.immediate_refs == 1:
            self.idle.start(_noop)

    def dec_immediate_ref(self) -> None:
        self.immediate_refs -= 1
        if self.immediate_refs == 0:
            self.idle.stop()


def _noop() -> None:
    pass


def state_for(loop: Any) -> LoopState:
    """The state of ``loop`` (a nixloop loop), created on first use."""
    state = loop.__dict__.get(_STATE_ATTR)
    if state is None or state.closed:
        state = LoopState(loop)
        setattr(loop, _STATE_ATTR, state)
    return state


def existing_state(loop: Any = None) -> LoopState | None:
    """The state of ``loop`` (default: the running loop) if it has one, else None."""
    if loop is None:
        loop = _get_running_loop()
        if loop is None:
            return None
    return getattr(loop, "__dict__", {}).get(_STATE_ATTR)


def current_state(api: str) -> LoopState:
    loop = _get_running_loop()
    if loop is not None:
        state = getattr(loop, "__dict__", {}).get(_STATE_ATTR)
        if state is not None and not state.closed:
            return state
        if isinstance(loop, Loop):
            return state_for(loop)
        raise RuntimeError(
            f"{api}() needs a nixloop event loop, but the running loop is "
            f"{type(loop).__module__}.{type(loop).__qualname__}; run the code with "
            "nixloop.node.run() or on a loop made by nixloop.new_event_loop()")
    raise RuntimeError(
        f"{api}() needs a running nixloop event loop: call it from code run by "
        "nixloop.node.run(main) (or from a callback/coroutine on a nixloop loop)")


def nextTick(callback: Callable, *args: Any) -> None:
    """Run ``callback(*args)`` once the current callback returns, before any other facade
    callback (``process.nextTick``; see ``nixloop.timers``' module doc for the exact order)."""
    if not callable(callback):
        raise ERR_INVALID_ARG_TYPE("callback", "function", callback)
    current_state("process.nextTick").add_tick(callback, args)


# -- hooks for the facades --------------------------------------------------------------

def invoke(loop: Any, fn: Callable, *args: Any) -> Any:
    """Run ``fn(*args)`` as a Node callback on ``loop``: pending out-of-scope ticks first,
    then ``fn``, exceptions routed as uncaught, then the tick queue drained.

    For the net/unix facades: wrap each emitted event with it.  Returns ``fn``'s result
    (``None`` if it raised and the exception was handled).
    """
    return state_for(loop).invoke(fn, args, f"callback {getattr(fn, '__qualname__', fn)!r}")


def drain_ticks(loop: Any = None) -> None:
    """Run the ``nextTick`` callbacks queued on ``loop`` (default: the running loop) now.

    A facade that calls its listeners itself calls this after each event it emits.
    Cheap when nothing is queued.
    """
    state = existing_state(loop)
    if state is not None and state.ticks:
        state.drain()
