"""Node 20's timers on nixloop: ``setTimeout``, ``setInterval``, ``setImmediate``,
their ``clear*`` twins, and ``nextTick`` (``process.nextTick``).

They work on a *running nixloop loop* (inside :func:`nixloop.node.run`, or any
code running on a loop made by :func:`nixloop.new_event_loop`); elsewhere they
raise ``RuntimeError``.  The loop is found with ``asyncio``'s running-loop
lookup; all state (tick queue, immediate queue) lives per loop.

Timeouts and intervals
    Every :class:`Timeout` is backed by its own libuv timer (``UVTimer``), so
    ``unref()`` really lets the process end (:func:`nixloop.node.run` returns
    when no ref'd handle is left).  libuv orders timers by due time, then by
    start order, which is Node's order (same-duration timers fire FIFO).  An
    interval is rescheduled by libuv from the loop time at which it fired,
    before its callback runs (Node reschedules from the same time, after it).
    Coercions as Node's: ``ms`` is coerced to a number (``None``/``bool``/
    numeric strings too); NaN, ``< 1`` and ``> 2**31-1`` become 1 ms, the last
    with a :class:`TimeoutOverflowWarning`; fractional ms are truncated.  A
    non-callable callback raises ``ERR_INVALID_ARG_TYPE``.  A fired timeout
    releases its libuv handle; ``refresh()`` after it fired re-arms it (Node
    does too); ``refresh()`` after ``clearTimeout`` does nothing.
    ``clearTimeout``/``clearInterval`` are the same function (Node's are
    interchangeable) and accept ``None``, a Timeout, or the number
    ``int(timeout)`` returned (Node's ``timeout[Symbol.toPrimitive]()``).

Immediates
    One queue per loop, run by a libuv *check* handle (the phase right after
    the poll, as Node).  Every immediate queued before a check phase runs in it;
    ones queued meanwhile wait for the next iteration.  A ref'd immediate keeps
    the loop alive and the poll non-blocking through a ref'd libuv idle handle
    (Node's design); an unref'd one runs only if something else iterates the
    loop.  Under :func:`nixloop.node.run` the check handle is started before
    the loop, so in the check phase the loop's asyncio callbacks (what
    ``call_soon`` made ready) run *before* the immediates, as promise callbacks
    run before immediates in Node.  On a loop not started by ``run()`` the
    check handle is created on first use and runs before them.

nextTick and the callback scope (Node's ``MakeCallback``)
    Every callback these facades invoke (timer, interval, immediate, and any
    facade event that uses :func:`invoke`) runs in a *callback scope*:

    1. if ticks were queued from outside any scope (plain asyncio code), they
       run first;
    2. the callback runs; an exception is *uncaught* (see below);
    3. the tick queue is drained, including ticks queued by ticks.

    So ``nextTick`` callbacks run after the current callback returns and
    before the next timer/immediate/I-O callback.  As Node: if a callback
    throws, the ticks it queued wait for the *next* callback's drain (or the
    end of the phase); if a tick throws, the drain stops and the rest run at
    the next drain point.  ``nextTick`` called outside any scope (from a
    coroutine or a ``call_soon`` callback) schedules a drain with ``call_soon``
    and marks the queue so that the next scope drains it first: such ticks run
    after the asyncio callbacks already ready, before any facade callback.

    What cannot match Node: asyncio callbacks (task steps, future callbacks:
    Python's "microtasks") are not drained after each callback, only in the
    loop's phases (prepare, before the poll, and check).  So a coroutine
    woken by a timer callback runs after the other timers due in the same
    phase, where a Node promise continuation would run between them.

    Known differences, besides the microtask one: Node sometimes drains the
    ticks queued by a handled uncaught exception between two timers due in the
    same phase and sometimes after the second (it varies from run to run); we
    always drain after the next callback, or at the next prepare phase if the
    failing callback was the last one.  A tick that throws while ``main``'s
    ticks drain: the remaining ticks run right after (Node defers them past a
    pending timer, but not past a pending immediate or promise).

    Hooks for the other facades (``net``, ``unix``): call
    :func:`invoke(loop, fn, *args) <invoke>` to run an event callback (e.g.
    ``lambda: sock.emit('data', chunk)``) in a callback scope, or, if the
    facade routes exceptions itself, :func:`drain_ticks(loop) <drain_ticks>`
    after each event it emits.  Do not swallow ``BaseException`` around them:
    the runner stops the loop with a ``SystemExit`` subclass.

Uncaught exceptions
    An exception escaping a callback (or a tick) is passed to
    ``loop.call_exception_handler`` with the message ``'Unhandled exception
    in <what>'``.  Under :func:`nixloop.node.run` that handler is Node's
    ``'uncaughtException'`` machinery (crash or listener); on other loops it is
    the loop's handler (asyncio's default logs it and the loop goes on).
    ``KeyboardInterrupt`` and ``SystemExit`` propagate.

snake_case aliases: ``set_timeout``, ``clear_timeout``, ``next_tick``, ...;
methods ``has_ref``.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from ._aliases import SnakeAliases, alias_module
from ._core._loop import UVTimer
from ._nodeenv import LoopState as _LoopState, current_state as _current_state, drain_ticks, invoke
from ._nodeenv import existing_state as _existing_state, nextTick
from .errors import ERR_INVALID_ARG_TYPE
from ._process import process as _process

__all__ = [
    "setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval",
    "clearImmediate", "nextTick", "Timeout", "Immediate", "TimeoutOverflowWarning",
    "TIMEOUT_MAX", "invoke", "drain_ticks",
]

TIMEOUT_MAX = 2 ** 31 - 1


class TimeoutOverflowWarning(RuntimeWarning):
    """Issued (through :mod:`warnings`) for a delay above ``TIMEOUT_MAX``."""

    name = "TimeoutOverflowWarning"


def _validate_callback(fn: Any) -> None:
    if not callable(fn):
        raise ERR_INVALID_ARG_TYPE("callback", "function", fn)


def _coerce_ms(after: Any) -> int:
    """Node's ``after *= 1`` and range check; returns whole milliseconds >= 1."""
    if after is None:
        value = 0.0
    elif isinstance(after, (int, float)):      # bool included: True -> 1
        try:
            value = float(after)
        except OverflowError:                   # an int beyond a double
            value = math.inf if after > 0 else -math.inf
    elif isinstance(after, str):
        try:
            value = float(after.strip() or 0)
        except ValueError:
            value = math.nan
    else:
        try:
            value = float(after)
        except (TypeError, ValueError):
            value = math.nan
    if not (1 <= value <= TIMEOUT_MAX):        # NaN fails both
        if value > TIMEOUT_MAX:
            shown = int(value) if value.is_integer() and abs(value) < 1e21 else value
            if shown == math.inf:
                shown = "Infinity"
            _emit_warning(f"{shown} does not fit into a 32-bit signed integer.\n"
                          "Timeout duration was set to 1.", TimeoutOverflowWarning)
        return 1
    return int(value)


def _emit_warning(message: str, category: type) -> None:
    _process.emitWarning(message, category, stacklevel=5)


# -- Timeout ----------------------------------------------------------------------------------

class Timeout(SnakeAliases):
    """What ``setTimeout``/``setInterval`` return (Node's ``Timeout``).

    Node's public fields are kept: ``_idleTimeout`` (ms, -1 once cleared),
    ``_onTimeout``, ``_repeat`` (ms or ``None``), ``_destroyed``.
    """

    __slots__ = ("_state", "_onTimeout", "_timerArgs", "_idleTimeout", "_repeat",
                 "_destroyed", "_refed", "_handle", "_id", "__weakref__")

    def __init__(self, state: _LoopState, callback: Callable, after: int, args: tuple,
                 repeat: bool) -> None:
        self._state = state
        self._onTimeout = callback
        self._timerArgs = args
        self._idleTimeout = after
        self._repeat = after if repeat else None
        self._destroyed = False
        self._refed = True
        self._handle = None
        self._id = None
        self._arm()

    def _arm(self) -> None:
        handle = self._handle
        if handle is None:
            handle = self._handle = UVTimer.create(self._state.loop)
            if not self._refed:
                handle.unref()
        repeat = self._repeat
        handle.start(self._fire, self._idleTimeout, repeat or 0)
        self._destroyed = False

    def _release(self) -> None:
        handle = self._handle
        if handle is not None:
            self._handle = None
            handle.close()

    def _fire(self) -> None:
        state = self._state
        callback = self._onTimeout
        if callback is None:  # cleared meanwhile
            self._release()
            return
        if self._repeat is None:
            # Done unless the callback refreshes it: free the libuv handle now.
            self._destroyed = True
            self._release()
            if self._id is not None:
                state.known_timers.pop(self._id, None)
        state.invoke(callback, self._timerArgs,
                     "interval callback" if self._repeat is not None else "timeout callback")

    def _clear(self) -> None:
        self._onTimeout = None
        self._idleTimeout = -1
        self._destroyed = True
        self._release()
        if self._id is not None:
            self._state.known_timers.pop(self._id, None)

    # -- Node's methods -------------------------------------------------------------

    def ref(self) -> "Timeout":
        """Make the timer keep the process alive again (the default)."""
        self._refed = True
        if self._handle is not None:
            self._handle.ref()
        return self

    def unref(self) -> "Timeout":
        """Let the process end while this timer is pending."""
        self._refed = False
        if self._handle is not None:
            self._handle.unref()
        return self

    def hasRef(self) -> bool:
        return self._refed

    def refresh(self) -> "Timeout":
        """Restart the countdown from now with the same delay (re-arms a fired timeout)."""
        if self._idleTimeout >= 0 and self._onTimeout is not None and not self._state.closed:
            self._arm()
        return self

    def close(self) -> "Timeout":
        """Cancel the timer (``clearTimeout(self)``)."""
        clearTimeout(self)
        return self

    def __index__(self) -> int:
        """Node's ``timeout[Symbol.toPrimitive]()``: an id ``clearTimeout`` accepts."""
        if self._id is None:
            state = self._state
            self._id = state.next_id
            state.next_id += 1
            if not self._destroyed:
                state.known_timers[self._id] = self
        return self._id

    __int__ = __index__

    def __repr__(self) -> str:
        kind = "interval" if self._repeat is not None else "timeout"
        status = "cleared" if self._idleTimeout < 0 else ("done" if self._destroyed else "active")
        return (f"<Timeout {kind} {self._idleTimeout}ms {status}"
                f"{'' if self._refed else ' unref'}>")


class Immediate(SnakeAliases):
    """What ``setImmediate`` returns (Node's ``Immediate``)."""

    __slots__ = ("_state", "_onImmediate", "_argv", "_destroyed", "_refed", "__weakref__")

    def __init__(self, state: _LoopState, callback: Callable, args: tuple) -> None:
        self._state = state
        self._onImmediate = callback
        self._argv = args
        self._destroyed = False
        self._refed = True
        state.inc_immediate_ref()
        state.immediates.append(self)

    def ref(self) -> "Immediate":
        if self._refed is False:  # None once it ran or was cleared: no effect then
            self._refed = True
            self._state.inc_immediate_ref()
        return self

    def unref(self) -> "Immediate":
        if self._refed:
            self._refed = False
            self._state.dec_immediate_ref()
        return self

    def hasRef(self) -> bool:
        """Whether it keeps the loop alive (false once it ran or was cleared, as Node)."""
        return bool(self._refed)

    def __repr__(self) -> str:
        return f"<Immediate {'done' if self._destroyed else 'pending'}" \
               f"{'' if self._refed else ' unref'}>"


# -- the functions ----------------------------------------------------------------------------

def setTimeout(callback: Callable, ms: Any = 0, *args: Any) -> Timeout:
    """Call ``callback(*args)`` once after ``ms`` milliseconds (see the module doc)."""
    _validate_callback(callback)
    state = _current_state("setTimeout")
    return Timeout(state, callback, _coerce_ms(ms), args, False)


def setInterval(callback: Callable, ms: Any = 0, *args: Any) -> Timeout:
    """Call ``callback(*args)`` every ``ms`` milliseconds until cleared."""
    _validate_callback(callback)
    state = _current_state("setInterval")
    return Timeout(state, callback, _coerce_ms(ms), args, True)


def setImmediate(callback: Callable, *args: Any) -> Immediate:
    """Call ``callback(*args)`` in the loop's next check phase."""
    _validate_callback(callback)
    return Immediate(_current_state("setImmediate"), callback, args)


def clearTimeout(timer: Any) -> None:
    """Cancel a Timeout (from setTimeout *or* setInterval, or its ``int()`` id); None is ignored."""
    if isinstance(timer, Timeout):
        if timer._onTimeout is not None:
            timer._clear()
        return
    if isinstance(timer, (int, str)) and not isinstance(timer, bool):
        try:
            key = int(timer)
        except ValueError:
            return
        state = _existing_state()
        if state is not None:
            found = state.known_timers.get(key)
            if found is not None:
                found._clear()


clearInterval = clearTimeout


def clearImmediate(immediate: Any) -> None:
    """Cancel an Immediate that has not run yet; None and anything else are ignored."""
    if not isinstance(immediate, Immediate) or immediate._destroyed:
        return
    immediate._destroyed = True
    immediate._onImmediate = None
    if immediate._refed:
        immediate._state.dec_immediate_ref()
    immediate._refed = None


alias_module(globals())
