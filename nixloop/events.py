"""Node 20's ``events`` module: ``EventEmitter`` and its helpers, in pure Python.

Semantics follow Node (see ../shared/reference/node-behaviour.md section 5):

* ``on``/``addListener`` append, ``prependListener`` prepends; the same
  function may be added several times.  ``once``/``prependOnceListener`` add a
  wrapper (seen by ``rawListeners()``, with ``.listener`` = the original) that
  removes itself before calling the original; calling a raw wrapper directly
  does the same.  Listeners are called as ``listener(*args)`` (there is no
  ``this``; use bound methods).  Event names are any hashable.
* ``'newListener'`` is emitted *before* a listener is added (with the original
  function, also for ``once``), ``'removeListener'`` *after* one is removed.
  ``off``/``removeListener`` remove the most recently added instance; removing
  an unknown listener is a no-op.  Listeners are compared with ``==`` where
  Node uses ``===``, so a fresh bound method ``obj.meth`` matches the one that
  was added.
* ``emit`` calls a snapshot: a listener removed during an emit still runs in
  that emit, one added runs from the next.  A listener that raises stops the
  emit and the exception propagates out of ``emit``.  ``emit`` returns whether
  there were listeners.
* ``emit('error', x)`` with no ``'error'`` listener raises ``x`` if it is an
  exception, else ``ERR_UNHANDLED_ERROR`` (``.context`` = ``x``).
  :data:`errorMonitor` listeners run first and do not prevent the raise.
* More than ``getMaxListeners()`` listeners (default
  ``EventEmitter.defaultMaxListeners`` = 10, 0 = unlimited) for one event
  issue one :class:`MaxListenersExceededWarning` through :mod:`warnings`.
* A listener that returns a coroutine (an ``async def`` listener) has it
  scheduled as a task on the running asyncio loop; with no running loop the
  emit raises ``RuntimeError``.  With ``captureRejections`` on, an exception
  of that task (or of a returned Future) goes to the emitter's
  ``_nodejs_rejection(err, event, *args)`` method if it has one
  (:data:`captureRejectionSymbol`), else to ``emit('error', err)``.  With it
  off, a failing listener task is an *unhandled rejection*: it is reported to
  ``loop.call_exception_handler`` with the context keys ``message``,
  ``exception``, ``task``, ``emitter`` and ``event`` (the runner can turn that
  into ``process.on('unhandledRejection')``).

Storage (performance): ``self._events`` maps an event to its single listener,
or to a *tuple* of listeners when there are several.  Tuples are immutable, so
adding or removing builds a new tuple and ``emit`` iterates the old one: the
snapshot costs nothing per emit.  Subclasses need not call
``super().__init__()``: the class-level ``_events`` is a shared empty dict,
replaced by a per-instance dict on the first ``on()`` (the shared one is never
written), so ``emit`` has no extra branch for it.

camelCase names are Node's; every one has a snake_case alias
(``add_listener``, ``listener_count``, ...) made by :mod:`nixloop._aliases`,
re-applied for every subclass so that overrides in either spelling win.
"""

from __future__ import annotations

import asyncio
import collections
import warnings
import weakref
from typing import Any, Callable, Hashable

from ._aliases import SnakeAliases, alias_module, snake_aliases
from .errors import (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, ERR_UNHANDLED_ERROR,
                     inspect as _js_inspect)

__all__ = [
    "EventEmitter", "Symbol", "errorMonitor", "captureRejectionSymbol",
    "MaxListenersExceededWarning", "once", "on", "listenerCount",
    "getEventListeners", "getMaxListeners", "setMaxListeners",
]


class Symbol:
    """A unique event name, like a JavaScript ``Symbol`` (``repr``: ``Symbol(desc)``).

    Compared by identity.  ``eventNames()`` lists non-string names after the
    strings, as Node lists symbols after string keys.
    """

    __slots__ = ("description",)

    def __init__(self, description: str = "") -> None:
        self.description = description

    def __repr__(self) -> str:
        return f"Symbol({self.description})"

    __str__ = __repr__


errorMonitor = Symbol("events.errorMonitor")
"""Listeners on this name see every ``'error'`` emit first, without handling it."""

captureRejectionSymbol = "_nodejs_rejection"
"""Name of the optional method ``(err, event, *args)`` that receives captured
rejections instead of ``'error'`` (Node's ``Symbol.for('nodejs.rejection')``)."""


class MaxListenersExceededWarning(RuntimeWarning):
    """Warning issued once per event when its listeners exceed the limit.

    Attributes as in Node: ``emitter``, ``type`` (the event name), ``count``.
    """

    name = "MaxListenersExceededWarning"

    def __init__(self, message: str, emitter: Any = None, type: Any = None, count: int = 0) -> None:
        super().__init__(message)
        self.emitter = emitter
        self.type = type
        self.count = count


# Shared, always-empty storage of emitters that have no listener yet (and of
# subclasses that skipped super().__init__()).  A plain dict because
# dict.get is faster than a mappingproxy's; every mutating path replaces it
# first (``if events is _NO_EVENTS``), so it is never written to.
_NO_EVENTS: dict = {}
_MISSING = object()
_default_max_listeners = 10
_pending_tasks: set = set()  # strong refs to listener tasks (asyncio keeps weak ones)


def _validate_number(value: Any, name: str, minimum: float = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ERR_INVALID_ARG_TYPE(name, "number", value)
    if value != value or value < minimum:
        raise ERR_OUT_OF_RANGE(name, f">= {minimum}", value)


def _validate_boolean(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise ERR_INVALID_ARG_TYPE(name, "boolean", value)


class _EventEmitterMeta(type):
    """Gives the class Node's validated static accessors."""

    @property
    def defaultMaxListeners(cls) -> float:
        """Limit used by emitters without ``setMaxListeners`` (Node: 10)."""
        return _default_max_listeners

    @defaultMaxListeners.setter
    def defaultMaxListeners(cls, value: float) -> None:
        global _default_max_listeners
        _validate_number(value, "defaultMaxListeners", 0)
        _default_max_listeners = value

    @property
    def captureRejections(cls) -> bool:
        """Default ``captureRejections`` for emitters created afterwards."""
        return EventEmitter._capture

    @captureRejections.setter
    def captureRejections(cls, value: bool) -> None:
        _validate_boolean(value, "EventEmitter.captureRejections")
        EventEmitter._capture = value


class _OnceWrapper:
    """The raw listener ``once()`` registers: removes itself, then calls ``listener``."""

    __slots__ = ("listener", "_target", "_type", "_fired", "__weakref__")

    def __init__(self, target: "EventEmitter", type_: Hashable, listener: Callable) -> None:
        self.listener = listener
        self._target = target
        self._type = type_
        self._fired = False

    def __call__(self, *args: Any) -> Any:
        if not self._fired:
            self._target.removeListener(self._type, self)
            self._fired = True
            return self.listener(*args)
        return None

    def __repr__(self) -> str:
        return f"<once wrapper of {self.listener!r}>"


def _unwrap(listener: Callable) -> Callable:
    return listener.listener if type(listener) is _OnceWrapper else listener


def _matches(stored: Callable, listener: Callable) -> bool:
    return stored == listener or (type(stored) is _OnceWrapper and stored.listener == listener)


class EventEmitter(SnakeAliases, metaclass=_EventEmitterMeta):
    """Node's ``EventEmitter``.  See the module docstring for the semantics.

    ``EventEmitter(captureRejections=True)`` (or ``capture_rejections=``, or
    Node's options dict ``EventEmitter({'captureRejections': True})``)
    routes failures of ``async def`` listeners to ``'error'``.
    """

    # Class-level defaults double as lazy storage for subclasses that skip
    # super().__init__().
    _events: Any = _NO_EVENTS
    _maxListeners: float | None = None
    _capture: bool = False
    _warned: set | None = None

    errorMonitor = errorMonitor
    captureRejectionSymbol = captureRejectionSymbol

    def __init__(self, opts: dict | None = None, *, captureRejections: Any = None,
                 capture_rejections: Any = None) -> None:
        if self._events is _NO_EVENTS:
            self._events = {}
        capture = captureRejections
        if capture is None:
            capture = capture_rejections
        if capture is None and opts:
            capture = opts.get("captureRejections")
        if capture:
            _validate_boolean(capture, "options.captureRejections")
            self._capture = True
        else:
            self._capture = EventEmitter._capture

    # -- emitting ---------------------------------------------------------

    def emit(self, type: Hashable, *args: Any) -> bool:
        """Call every listener of ``type`` with ``args``; return whether any.

        The hot path: one dict lookup, then a direct call for a single
        listener or a loop over the (immutable) tuple for several.
        """
        if type == "error":
            return self._emit_error(args)
        handler = self._events.get(type)
        if handler is None:
            return False
        if handler.__class__ is tuple:
            for listener in handler:
                result = listener(*args)
                if result is not None and result.__class__ is not bool:
                    self._on_result(result, type, args)
        else:
            result = handler(*args)
            if result is not None and result.__class__ is not bool:
                self._on_result(result, type, args)
        return True

    def _emit_error(self, args: tuple) -> bool:
        events = self._events
        if errorMonitor in events:
            self.emit(errorMonitor, *args)
        handler = events.get("error")
        if handler is None:
            er = args[0] if args else None
            if isinstance(er, BaseException):
                raise er  # Unhandled 'error' event
            try:
                text = _js_inspect(er) if args else "undefined"
            except Exception:
                text = repr(er)
            err = ERR_UNHANDLED_ERROR(text)
            err.context = er
            raise err  # Unhandled 'error' event
        if handler.__class__ is tuple:
            for listener in handler:
                result = listener(*args)
                if result is not None and result.__class__ is not bool:
                    self._on_result(result, "error", args)
        else:
            result = handler(*args)
            if result is not None and result.__class__ is not bool:
                self._on_result(result, "error", args)
        return True

    def _on_result(self, result: Any, type: Hashable, args: tuple) -> None:
        """A listener returned something: schedule coroutines, watch futures. (Callers skip
        None and bools, the common returns of synchronous listeners such as ``sock.write``.)"""
        if asyncio.iscoroutine(result):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                result.close()
                raise RuntimeError(
                    f"an async listener for event {type!r} returned a coroutine, but no "
                    "asyncio event loop is running to schedule it; emit from inside the "
                    "loop or make the listener synchronous") from None
            task = loop.create_task(result)
            owned = True
        elif asyncio.isfuture(result):
            task = result
            owned = False
        else:
            return  # Node ignores other return values too
        if self._capture:
            _pending_tasks.add(task)
            task.add_done_callback(lambda t: self._captured(t, type, args))
        elif owned:
            _pending_tasks.add(task)
            task.add_done_callback(lambda t: self._unhandled(t, type))

    def _captured(self, task: asyncio.Future, type: Hashable, args: tuple) -> None:
        _pending_tasks.discard(task)
        if task.cancelled():
            return
        err = task.exception()
        if err is None:
            return
        hook = getattr(self, captureRejectionSymbol, None)
        if callable(hook):
            hook(err, type, *args)
            return
        prev = self._capture
        try:
            # Off while emitting, or a failing async 'error' listener would loop.
            self._capture = False
            self.emit("error", err)
        finally:
            self._capture = prev

    def _unhandled(self, task: asyncio.Future, type: Hashable) -> None:
        _pending_tasks.discard(task)
        if task.cancelled():
            return
        err = task.exception()
        if err is None:
            return
        task.get_loop().call_exception_handler({
            "message": f"Unhandled exception in async listener for event {type!r} "
                       "(unhandled rejection)",
            "exception": err,
            "task": task,
            "emitter": self,
            "event": type,
        })

    # -- adding -----------------------------------------------------------

    def _add(self, type: Hashable, listener: Callable, prepend: bool) -> "EventEmitter":
        if not callable(listener):
            raise ERR_INVALID_ARG_TYPE("listener", "function", listener)
        events = self._events
        if events is _NO_EVENTS:
            events = self._events = {}
        elif "newListener" in events:
            self.emit("newListener", type, _unwrap(listener))
            events = self._events
        existing = events.get(type)
        if existing is None:
            events[type] = listener
            return self
        if existing.__class__ is tuple:
            new = (listener,) + existing if prepend else existing + (listener,)
        else:
            new = (listener, existing) if prepend else (existing, listener)
        events[type] = new
        limit = self._maxListeners
        if limit is None:
            limit = _default_max_listeners
        if 0 < limit < len(new):
            warned = self._warned
            if warned is None:
                warned = self._warned = set()
            if type not in warned:
                warned.add(type)
                self._warn_leak(type, len(new), limit)
        return self

    def _warn_leak(self, type: Hashable, count: int, limit: float) -> None:
        shown = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
        message = (f"Possible EventEmitter memory leak detected. {count} {type} listeners "
                   f"added to [{self.__class__.__name__}]. MaxListeners is {shown}. "
                   "Use emitter.setMaxListeners() to increase limit")
        warnings.warn(MaxListenersExceededWarning(message, self, type, count), stacklevel=4)

    def addListener(self, type: Hashable, listener: Callable) -> "EventEmitter":
        """Append ``listener`` for ``type``; returns the emitter (Node's ``on``)."""
        return self._add(type, listener, False)

    on = addListener

    def prependListener(self, type: Hashable, listener: Callable) -> "EventEmitter":
        """Add ``listener`` at the front of ``type``'s listeners."""
        return self._add(type, listener, True)

    def once(self, type: Hashable, listener: Callable) -> "EventEmitter":
        """Add a one-time ``listener``: removed (``'removeListener'``) before it runs."""
        if not callable(listener):
            raise ERR_INVALID_ARG_TYPE("listener", "function", listener)
        return self._add(type, _OnceWrapper(self, type, listener), False)

    def prependOnceListener(self, type: Hashable, listener: Callable) -> "EventEmitter":
        """``once`` at the front of the list."""
        if not callable(listener):
            raise ERR_INVALID_ARG_TYPE("listener", "function", listener)
        return self._add(type, _OnceWrapper(self, type, listener), True)

    # -- removing ---------------------------------------------------------

    def removeListener(self, type: Hashable, listener: Callable) -> "EventEmitter":
        """Remove the most recently added instance of ``listener`` (or its once wrapper).

        Emits ``'removeListener'`` after the removal; unknown listeners are ignored.
        """
        if not callable(listener):
            raise ERR_INVALID_ARG_TYPE("listener", "function", listener)
        events = self._events
        handler = events.get(type)
        if handler is None:
            return self
        if handler.__class__ is not tuple:
            if _matches(handler, listener):
                del events[type]
                if self._warned:
                    self._warned.discard(type)
                if "removeListener" in events:
                    self.emit("removeListener", type,
                              _unwrap(handler))
            return self
        for i in range(len(handler) - 1, -1, -1):
            if _matches(handler[i], listener):
                break
        else:
            return self
        rest = handler[:i] + handler[i + 1:]
        if len(rest) == 1:
            events[type] = rest[0]
            if self._warned:
                self._warned.discard(type)
        else:
            events[type] = rest
        if "removeListener" in events:
            self.emit("removeListener", type, listener)
        return self

    off = removeListener

    def removeAllListeners(self, type: Any = _MISSING) -> "EventEmitter":
        """Remove all listeners, or those of ``type``.

        With ``'removeListener'`` listeners present, each removal is reported,
        last-added first per event, and the ``'removeListener'`` listeners are
        removed last.
        """
        events = self._events
        if not events:
            return self
        if "removeListener" not in events:
            if type is _MISSING:
                self._events = {}
                self._warned = None
            elif events.pop(type, None) is not None and self._warned:
                self._warned.discard(type)
            return self
        if type is _MISSING:
            for key in self.eventNames():
                if key != "removeListener":
                    self.removeAllListeners(key)
            self.removeAllListeners("removeListener")
            self._events = {}
            self._warned = None
            return self
        handler = events.get(type)
        if handler is None:
            return self
        if handler.__class__ is tuple:
            for listener in reversed(handler):
                self.removeListener(type, listener)
        else:
            self.removeListener(type, handler)
        return self

    # -- inspection -------------------------------------------------------

    def listeners(self, type: Hashable) -> list:
        """Copy of ``type``'s listeners, once wrappers unwrapped."""
        handler = self._events.get(type)
        if handler is None:
            return []
        if handler.__class__ is tuple:
            return [_unwrap(h) for h in handler]
        return [_unwrap(handler)]

    def rawListeners(self, type: Hashable) -> list:
        """Copy of ``type``'s listeners including once wrappers (``.listener``)."""
        handler = self._events.get(type)
        if handler is None:
            return []
        if handler.__class__ is tuple:
            return list(handler)
        return [handler]

    def listenerCount(self, type: Hashable, listener: Callable | None = None) -> int:
        """Number of listeners for ``type`` (only those equal to ``listener`` if given)."""
        handler = self._events.get(type)
        if handler is None:
            return 0
        handlers = handler if handler.__class__ is tuple else (handler,)
        if listener is None:
            return len(handlers)
        return sum(1 for h in handlers if _matches(h, listener))

    def eventNames(self) -> list:
        """Event names with listeners: strings in insertion order, then the others."""
        keys = list(self._events)
        strings = [k for k in keys if isinstance(k, str)]
        if len(strings) == len(keys):
            return strings
        return strings + [k for k in keys if not isinstance(k, str)]

    def setMaxListeners(self, n: float) -> "EventEmitter":
        """Warn past ``n`` listeners per event (0 or ``math.inf``: never)."""
        _validate_number(n, "setMaxListeners", 0)
        self._maxListeners = n
        return self

    def getMaxListeners(self) -> float:
        """This emitter's limit (``EventEmitter.defaultMaxListeners`` unless set)."""
        limit = self._maxListeners
        return _default_max_listeners if limit is None else limit


EventEmitter.EventEmitter = EventEmitter  # Node's backwards-compatible alias
snake_aliases(_EventEmitterMeta)  # EventEmitter.default_max_listeners, .capture_rejections


# ---------------------------------------------------------------------------
# Module helpers

def _running_loop(what: str) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(f"events.{what}() needs a running asyncio event loop") from None


def _as_exception(err: Any) -> BaseException:
    if isinstance(err, BaseException):
        return err
    exc = ERR_UNHANDLED_ERROR(_js_inspect(err))
    exc.context = err
    return exc


def once(emitter: EventEmitter, name: Hashable) -> "asyncio.Future[tuple]":
    """A future resolved with the args tuple of ``emitter``'s next ``name`` event.

    Listeners are added at once (as Node's promise executor does), so an emit
    right after the call is seen.  An ``'error'`` first rejects it (a
    non-exception value is wrapped in ``ERR_UNHANDLED_ERROR``).  Both
    listeners are removed when it settles or is cancelled.
    """
    loop = _running_loop("once")
    future: asyncio.Future = loop.create_future()

    def resolver(*args: Any) -> None:
        if name != "error":
            emitter.removeListener("error", error_listener)
        if not future.done():
            future.set_result(args)

    def error_listener(err: Any = None, *_: Any) -> None:
        emitter.removeListener(name, resolver)
        if not future.done():
            future.set_exception(_as_exception(err))

    def cleanup(fut: asyncio.Future) -> None:
        if fut.cancelled():
            emitter.removeListener(name, resolver)
            if name != "error":
                emitter.removeListener("error", error_listener)

    emitter.once(name, resolver)
    if name != "error":
        emitter.once("error", error_listener)
    future.add_done_callback(cleanup)
    return future


class _IteratorListener:
    """Listener for :func:`on` that holds its iterator only weakly.

    The emitter keeps listeners alive; a strong reference back would keep an
    abandoned iterator alive forever, so ``break`` could never clean up.
    """

    __slots__ = ("_ref", "_method")

    def __init__(self, iterator: "_EventIterator", method: str) -> None:
        self._ref = weakref.ref(iterator)
        self._method = method

    def __call__(self, *args: Any) -> None:
        iterator = self._ref()
        if iterator is not None:
            getattr(iterator, self._method)(*args)


class _EventIterator:
    """Async iterator returned by :func:`on`."""

    def __init__(self, emitter: EventEmitter, event: Hashable, close: tuple) -> None:
        self._emitter = emitter
        self._queue: collections.deque = collections.deque()
        self._waiters: collections.deque = collections.deque()
        self._error: BaseException | None = None
        self._finished = False
        self._registered: list = []
        self._add(event, _IteratorListener(self, "_on_event"))
        if event != "error":
            self._add("error", _IteratorListener(self, "_on_error"))
        for name in close:
            self._add(name, _IteratorListener(self, "_on_close"))

    def _add(self, event: Hashable, listener: Callable) -> None:
        self._emitter.on(event, listener)
        self._registered.append((event, listener))

    def _on_event(self, *args: Any) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(args)
                return
        self._queue.append(args)

    def _on_error(self, err: Any = None, *_: Any) -> None:
        exc = _as_exception(err)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)
                break
        else:
            self._error = exc
        self._close()

    def _on_close(self, *_: Any) -> None:
        self._close()

    def _close(self) -> None:
        registered, self._registered = self._registered, []
        for event, listener in reversed(registered):
            self._emitter.removeListener(event, listener)
        self._finished = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(StopAsyncIteration())

    def __aiter__(self) -> "_EventIterator":
        return self

    async def __anext__(self) -> tuple:
        if self._queue:
            return self._queue.popleft()
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        if self._finished:
            raise StopAsyncIteration
        waiter = _running_loop("on").create_future()
        self._waiters.append(waiter)
        return await waiter

    async def aclose(self) -> None:
        """Stop listening (Node's ``iterator.return()``); pending ``__anext__`` end."""
        self._close()

    async def athrow(self, err: BaseException) -> None:
        """Deliver ``err`` as if ``'error'`` had been emitted (Node's ``iterator.throw``)."""
        if not isinstance(err, BaseException):
            raise ERR_INVALID_ARG_TYPE("EventEmitter.AsyncIterator", "Error", err)
        self._on_error(err)

    async def __aenter__(self) -> "_EventIterator":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._close()

    def __del__(self) -> None:
        try:
            if self._registered:
                self._close()
        except Exception:  # interpreter shutdown etc.
            pass


def on(emitter: EventEmitter, event: Hashable, *, close: tuple | list = ()) -> _EventIterator:
    """Async iterator over ``emitter``'s ``event`` events, yielding args tuples.

    Listening starts at the call, and events are queued until consumed.
    ``'error'`` raises from the iterator (once) and ends it; so does an event
    named in ``close``.  Listeners are removed by ``aclose()``, by
    ``async with on(...) as it:``, by an error or close event, and when the
    iterator is dropped (with CPython that is right after a ``break`` out of
    ``async for x in on(...)``).
    """
    return _EventIterator(emitter, event, tuple(close))


def listenerCount(emitter: EventEmitter, name: Hashable) -> int:
    """Node's deprecated ``EventEmitter.listenerCount(emitter, name)``."""
    return emitter.listenerCount(name)


def getEventListeners(emitter: EventEmitter, name: Hashable) -> list:
    """Copy of ``emitter``'s listeners for ``name`` (once wrappers unwrapped)."""
    method = getattr(emitter, "listeners", None)
    if not callable(method):
        raise ERR_INVALID_ARG_TYPE("emitter", ["EventEmitter", "EventTarget"], emitter)
    return method(name)


def getMaxListeners(emitter: EventEmitter) -> float:
    """``emitter.getMaxListeners()``, validated as Node does."""
    method = getattr(emitter, "getMaxListeners", None)
    if not callable(method):
        raise ERR_INVALID_ARG_TYPE("emitter", ["EventEmitter", "EventTarget"], emitter)
    return method()


def setMaxListeners(n: float = _MISSING, *emitters: EventEmitter) -> None:
    """Set ``n`` on each emitter, or as the default when none is given."""
    if n is _MISSING:
        n = _default_max_listeners
    _validate_number(n, "setMaxListeners", 0)
    if not emitters:
        EventEmitter.defaultMaxListeners = n
        return
    for target in emitters:
        method = getattr(target, "setMaxListeners", None)
        if not callable(method):
            raise ERR_INVALID_ARG_TYPE("eventTargets", ["EventEmitter", "EventTarget"], target)
        method(n)


alias_module(globals())
