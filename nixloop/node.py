"""Node's ``process`` and a runner with Node's process lifetime.

``run(main, *args)``
    Makes a new nixloop loop and runs ``main(*args)`` on it, like Node runs the
    main module: synchronously, before the loop's first iteration (``main``
    sees a running loop: ``asyncio.get_running_loop()``, the timers, tasks all
    work).  An ``async def`` main (or a ``main`` returning a coroutine) becomes
    a task whose first step runs in the first iteration.  The ticks queued by
    ``main`` run when it returns.  Then the loop runs with
    ``loop.run_until_idle()`` (libuv's ``UV_RUN_DEFAULT``): until no ref'd
    handle (timer, immediate, server, socket), no asyncio timer and no ready
    callback is left.  Then the ``'exit'`` event is emitted with the exit
    code, the tasks still pending are cancelled (as ``asyncio.run`` does),
    async generators and the default executor are shut down, and the loop is
    closed.

    **Return value**: ``main``'s return value (an async main's result; ``None``
    if the task never finished: the loop went idle while it waited, which Node
    reports as an unsettled top-level await, exit code 13 — ``process.exitCode``
    is set to 13 then and a ``RuntimeWarning`` is issued).  The exit code is
    ``process.exitCode`` (``None`` means 0), readable after ``run()`` returns;
    it is reset when the next ``run()`` starts.

Uncaught exceptions (Node's crash)
    An exception escaping ``main``, a timer/immediate/tick callback, a facade
    event listener, or any ``call_soon`` callback of the loop is *uncaught*:
    with ``'uncaughtException'`` listeners on :data:`process`, they get
    ``(err, origin)`` (origin ``'uncaughtException'``) and the loop goes on;
    without, the runner stops at once, ``process.exitCode`` becomes 1,
    ``'exit'`` is emitted with 1 and ``run()`` raises the exception.  An
    exception raised by an ``'uncaughtException'`` listener crashes the same
    way.  ``'uncaughtExceptionMonitor'`` listeners see every uncaught
    exception first.

Unhandled rejections (Node 20's default mode, ``throw``)
    A task (or future) that failed and whose exception nobody retrieved
    (asyncio reports it to the loop's exception handler, as ``'Task
    exception was never retrieved'``, when the task is collected), a failing
    ``async def`` EventEmitter listener without ``captureRejections``, and a
    failing async ``main``: with ``'unhandledRejection'`` listeners they get
    ``(reason, task)``; without, the rejection is raised as an uncaught
    exception with origin ``'unhandledRejection'`` (so it crashes the runner
    unless an ``'uncaughtException'`` listener takes it).  asyncio detects an
    unretrieved exception when the task object is freed: at once for a task
    nobody references (CPython's reference counting), at the latest at the
    garbage collection the runner does when the loop goes idle.

``process.exit(code)`` raises ``SystemExit(code)`` (a subclass); under the
runner it stops the loop, ``'exit'`` is emitted with the code, and ``run()``
raises ``SystemExit`` with it.

``process`` is one module-level :class:`Process` (an EventEmitter), as Node has
one: run one ``run()`` at a time.  Listeners added before ``run()`` stay; when
``run()`` ends, all of them are removed (the process is gone).

``KeyboardInterrupt`` propagates out of ``run()`` (after cleanup).

Mechanism: the runner installs the loop's exception handler.  A context whose
message starts with ``'Unhandled exception in '`` (libuv handle callbacks, the
timers' callback scope) or ``'Exception in callback '`` (asyncio callbacks) is
an uncaught exception; one with ``'exception was never retrieved'`` or
``'(unhandled rejection)'`` is a rejection; others go to asyncio's default
handler (logged).  To crash, the handler raises :class:`ProcessCrash`, a
``SystemExit`` subclass, which the loop lets propagate, so nothing else runs.
"""

from __future__ import annotations

import asyncio
import gc
import os
import warnings
from typing import Any, Callable

from . import _nodeenv
from ._aliases import alias_module
from ._process import Process, _ProcessExit, nextTick, process
from .errors import ERR_INVALID_ARG_TYPE

__all__ = ["process", "Process", "run", "ProcessCrash", "nextTick"]


class ProcessCrash(SystemExit):
    """Raised through the loop to stop the runner at once; ``.error`` is the exception
    ``run()`` then raises."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(1)
        self.error = error


# -- the runner -----------------------------------------------------------------------------

_UNCAUGHT_PREFIXES = ("Unhandled exception in ", "Exception in callback ")


class _Runner:
    def __init__(self, loop: Any, state: Any) -> None:
        self.loop = loop
        self.state = state
        self.rejections: list = []
        self.rejections_scheduled = False

    # The loop's exception handler.
    def exception_handler(self, loop: Any, context: dict) -> None:
        exc = context.get("exception")
        message = str(context.get("message", ""))
        if exc is not None and not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            if "exception was never retrieved" in message or "(unhandled rejection)" in message:
                self.rejection(exc, context.get("task") or context.get("future"))
                return
            if message.startswith(_UNCAUGHT_PREFIXES):
                self.uncaught(exc, "uncaughtException")
                return
        loop.default_exception_handler(context)

    def uncaught(self, exc: BaseException, origin: str) -> None:
        """Node's ``process._fatalException``: a listener takes it, or crash."""
        try:
            if process.listenerCount("uncaughtExceptionMonitor"):
                process.emit("uncaughtExceptionMonitor", exc, origin)
            if process.listenerCount("uncaughtException"):
                process.emit("uncaughtException", exc, origin)
                return
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc2:
            self.state.dead = True
            raise ProcessCrash(exc2) from None
        self.state.dead = True
        raise ProcessCrash(exc)

    def rejection(self, exc: BaseException, promise: Any) -> None:
        """Queue it: asyncio reports some from a task's ``__del__``, where nothing may raise."""
        self.rejections.append((exc, promise))
        if not self.rejections_scheduled and not self.loop.is_closed():
            self.rejections_scheduled = True
            self.loop.call_soon(self.process_rejections)

    def process_rejections(self) -> None:
        self.rejections_scheduled = False
        while self.rejections:
            exc, promise = self.rejections.pop(0)
            if process.listenerCount("unhandledRejection"):
                try:
                    process.emit("unhandledRejection", exc, promise)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc2:
                    self.uncaught(exc2, "uncaughtException")
            else:
                self.uncaught(exc, "unhandledRejection")


def _is_coroutine_function(fn: Any) -> bool:
    return asyncio.iscoroutinefunction(fn)


def run(main: Callable, *args: Any) -> Any:
    """Run ``main(*args)`` on a new nixloop loop with Node's process lifetime.

    Returns ``main``'s result; raises what crashed the process (see the module doc).
    """
    import nixloop
    if not callable(main) and not asyncio.iscoroutine(main):
        raise ERR_INVALID_ARG_TYPE("main", "function", main)
    if process._runner is not None:
        raise RuntimeError("nixloop.node.run() is already running (there is one process)")
    loop = nixloop.new_event_loop()
    # Created before the loop first runs, so that the immediates' check handle runs after
    # the loop's own (asyncio callbacks, like promise callbacks, before immediates).
    state = _nodeenv.state_for(loop)
    runner = _Runner(loop, state)
    loop.set_exception_handler(runner.exception_handler)
    process._runner = runner
    process._exitCode = None
    result: list = [None]
    main_task: list = [None]
    crashed: BaseException | None = None
    exiting: SystemExit | None = None
    old_loop = None
    try:
        asyncio.set_event_loop(loop)
        try:
            # -- the main module ------------------------------------------------------
            asyncio._set_running_loop(loop)
            try:
                if "NODE_CHANNEL_FD" in os.environ:
                    _bootstrap_ipc(loop)
                _run_main(main, args, state, runner, result, main_task)
            finally:
                asyncio._set_running_loop(None)
            # -- the event loop -------------------------------------------------------
            while True:
                loop.run_until_idle()
                gc.collect()  # unretrieved task exceptions of collected tasks get reported
                if not runner.rejections and not state.ticks:
                    break
                if state.ticks:
                    state.schedule_drain()
            task = main_task[0]
            if task is not None and not task.done():
                process._exitCode = 13
                warnings.warn("nixloop.node.run(): the loop went idle while the async main "
                              "was still waiting (Node: unsettled top-level await)",
                              RuntimeWarning, stacklevel=2)
        except ProcessCrash as crash:
            crashed = crash.error
            process._exitCode = 1
        except _ProcessExit as ex:
            exiting = ex
        # -- 'exit' ---------------------------------------------------------------------
        state.dead = True  # nothing scheduled from here on runs (Node: the loop is over)
        code = process._exitCode if process._exitCode is not None else 0
        if exiting is not None:
            code = exiting.code if isinstance(exiting.code, int) else 0
        try:
            # Listeners see the (dead) loop as running: setTimeout() & co. work, never fire.
            asyncio._set_running_loop(loop)
            try:
                process.emit("exit", code)
            finally:
                asyncio._set_running_loop(None)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            if crashed is None:
                crashed = exc
                process._exitCode = 1
        if crashed is not None:
            raise crashed
        if exiting is not None:
            raise SystemExit(process._exitCode if process._exitCode is not None else exiting.code)
        return result[0]
    finally:
        process._runner = None
        process.removeAllListeners()
        loop.set_exception_handler(None)
        _close_loop(loop, state)
        asyncio.set_event_loop(old_loop)


def _bootstrap_ipc(loop: Any) -> None:
    """Node's pre-execution for a forked process: take the IPC channel the parent gave
    (``process.send`` & co.), and set up the cluster worker when the parent is a cluster primary.
    The runner is the process's bootstrap, which is why it reaches up to those two facades, and
    only here, only for a forked process (neither imports this module's runner)."""
    from .child_process import _child
    _child.bootstrap(process, loop)
    if "NODE_UNIQUE_ID" in os.environ:
        from .cluster import _worker
        _worker.setup(process, loop)


def _run_main(main: Any, args: tuple, state: Any, runner: _Runner, result: list,
              main_task: list) -> None:
    def start() -> None:
        value = main if asyncio.iscoroutine(main) else main(*args)
        if asyncio.iscoroutine(value):
            task = state.loop.create_task(value)
            main_task[0] = task
            task.add_done_callback(main_done)
        else:
            result[0] = value

    def main_done(task: asyncio.Task) -> None:
        if task.cancelled():
            return
        exc = task.exception()  # retrieved: not reported again when collected
        if exc is None:
            result[0] = task.result()
        else:
            runner.rejection(exc, task)

    state.invoke(start, (), "main")
    state.drain_all()


def _close_loop(loop: Any, state: Any) -> None:
    if loop.is_closed():
        return
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    except BaseException:
        pass
    finally:
        state.close()
        loop.close()


alias_module(globals())
