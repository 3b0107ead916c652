"""Async parts of nixloop.events: async listeners, captureRejections,
events.once() and events.on().  Run on the stdlib asyncio loop: events.py is
pure Python and must work on any asyncio loop."""

import asyncio
import gc

import pytest

from nixloop import errors
from nixloop.events import EventEmitter, captureRejectionSymbol, on, once


def run(coro, timeout=10):
    """Run ``coro`` on a fresh stdlib loop; a hang fails the test instead of blocking."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def settle(n=5):
    for _ in range(n):
        await asyncio.sleep(0)


# -- async listeners ---------------------------------------------------------

def test_async_listener_is_scheduled_as_task():
    async def main():
        e = EventEmitter()
        log = []

        async def listener(x):
            log.append(("start", x))
            await asyncio.sleep(0)
            log.append(("end", x))

        e.on("x", listener)
        assert e.emit("x", 1) is True
        log.append("after emit")
        await settle()
        return log

    log = run(main())
    # the coroutine starts on the loop, after emit returned (it is a task)
    assert log == ["after emit", ("start", 1), ("end", 1)]


def test_async_listener_without_running_loop_raises_clearly():
    e = EventEmitter()

    async def listener():
        pass

    e.on("x", listener)
    with pytest.raises(RuntimeError, match="no asyncio event loop is running"):
        e.emit("x")


def test_capture_rejections_routes_to_error():
    async def main():
        e = EventEmitter(captureRejections=True)
        errs = []
        e.on("error", errs.append)

        async def listener(x):
            await asyncio.sleep(0)
            raise ValueError(f"kaboom {x}")

        e.on("x", listener)
        e.emit("x", 7)
        await settle()
        return errs

    errs = run(main())
    assert len(errs) == 1 and isinstance(errs[0], ValueError) and str(errs[0]) == "kaboom 7"


def test_capture_rejections_class_default():
    async def main():
        EventEmitter.captureRejections = True
        try:
            e = EventEmitter()
        finally:
            EventEmitter.captureRejections = False
        errs = []
        e.on("error", errs.append)

        async def listener():
            raise KeyError("k")

        e.on("x", listener)
        e.emit("x")
        await settle()
        return errs

    assert [type(x) for x in run(main())] == [KeyError]


def test_capture_rejections_returned_future():
    async def main():
        e = EventEmitter(captureRejections=True)
        errs = []
        e.on("error", errs.append)
        fut = asyncio.get_running_loop().create_future()
        e.on("x", lambda: fut)
        e.emit("x")
        fut.set_exception(OSError("io"))
        await settle()
        return errs

    errs = run(main())
    assert len(errs) == 1 and isinstance(errs[0], OSError)


def test_capture_rejections_hook_method():
    class WithHook(EventEmitter):
        def __init__(self):
            super().__init__(captureRejections=True)
            self.seen = []

        def _nodejs_rejection(self, err, event, *args):
            self.seen.append((type(err).__name__, event, args))

    assert captureRejectionSymbol == "_nodejs_rejection"

    async def main():
        e = WithHook()
        errors_seen = []
        e.on("error", errors_seen.append)

        async def listener(a, b):
            raise ValueError()

        e.on("thing", listener)
        e.emit("thing", 1, 2)
        await settle()
        return e.seen, errors_seen

    seen, errors_seen = run(main())
    assert seen == [("ValueError", "thing", (1, 2))] and errors_seen == []


def test_capture_without_error_listener_goes_to_loop_handler():
    async def main():
        e = EventEmitter(captureRejections=True)
        contexts = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: contexts.append(ctx))

        async def listener():
            raise ValueError("nobody listens")

        e.on("x", listener)
        e.emit("x")
        await settle()
        return contexts

    contexts = run(main())
    assert len(contexts) == 1
    assert isinstance(contexts[0]["exception"], ValueError)


def test_without_capture_failure_is_unhandled_rejection():
    async def main():
        e = EventEmitter()
        errs = []
        e.on("error", errs.append)
        contexts = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: contexts.append(ctx))

        async def listener():
            raise ValueError("unhandled")

        e.on("x", listener)
        e.emit("x")
        await settle()
        return errs, contexts

    errs, contexts = run(main())
    assert errs == []
    assert len(contexts) == 1
    ctx = contexts[0]
    assert isinstance(ctx["exception"], ValueError)
    assert ctx["event"] == "x" and isinstance(ctx["emitter"], EventEmitter)
    assert "unhandled rejection" in ctx["message"]


def test_async_error_listener_failure_does_not_loop():
    async def main():
        e = EventEmitter(captureRejections=True)
        contexts = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: contexts.append(ctx))
        calls = []

        async def on_error(err):
            calls.append(err)
            raise RuntimeError("error handler failed")

        async def listener():
            raise ValueError("first")

        e.on("error", on_error)
        e.on("x", listener)
        e.emit("x")
        await settle(10)
        return calls, contexts

    calls, contexts = run(main())
    assert [type(c) for c in calls] == [ValueError]
    assert [type(c["exception"]) for c in contexts] == [RuntimeError]


def test_sync_listener_return_values_are_ignored():
    e = EventEmitter()
    e.on("x", lambda: 42)
    e.on("x", lambda: "text")
    assert e.emit("x") is True


# -- events.once ---------------------------------------------------------------

def test_once_resolves_with_args_tuple_and_cleans_up():
    async def main():
        e = EventEmitter()
        fut = once(e, "ready")
        assert e.listenerCount("ready") == 1 and e.listenerCount("error") == 1
        e.emit("ready", 1, "two")           # listeners are active before awaiting
        value = await fut
        return value, e.eventNames()

    assert run(main()) == ((1, "two"), [])


def test_once_rejects_on_error_first():
    async def main():
        e = EventEmitter()
        fut = once(e, "ready")
        e.emit("error", ConnectionResetError("reset"))
        with pytest.raises(ConnectionResetError):
            await fut
        return e.eventNames()

    assert run(main()) == []


def test_once_error_with_non_exception_value():
    async def main():
        e = EventEmitter()
        fut = once(e, "ready")
        e.emit("error", "just a string")
        with pytest.raises(errors.ERR_UNHANDLED_ERROR) as info:
            await fut
        return info.value.context

    assert run(main()) == "just a string"


def test_once_on_error_event_resolves():
    async def main():
        e = EventEmitter()
        fut = once(e, "error")
        err = ValueError("v")
        e.emit("error", err)
        return (await fut), e.eventNames(), err

    value, names, err = run(main())
    assert value == (err,) and names == []


def test_once_cancelled_removes_listeners():
    async def main():
        e = EventEmitter()
        task = asyncio.ensure_future(once(e, "never"))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await settle()
        return e.eventNames()

    assert run(main()) == []


def test_once_wait_for_timeout_cleans_up():
    async def main():
        e = EventEmitter()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(once(e, "never"), 0.01)
        await settle()
        return e.eventNames()

    assert run(main()) == []


def test_once_needs_running_loop():
    with pytest.raises(RuntimeError, match="running asyncio event loop"):
        once(EventEmitter(), "x")


# -- events.on -----------------------------------------------------------------

def test_on_yields_queued_and_future_events():
    async def main():
        e = EventEmitter()
        it = on(e, "data")
        e.emit("data", 1)
        e.emit("data", 2, 3)
        got = []

        async def producer():
            await asyncio.sleep(0)
            e.emit("data", 4)
            await asyncio.sleep(0)
            e.emit("data", 5)

        task = asyncio.ensure_future(producer())
        async for args in it:
            got.append(args)
            if len(got) == 4:
                break
        await task
        await it.aclose()
        return got, e.eventNames()

    got, names = run(main())
    assert got == [(1,), (2, 3), (4,), (5,)]
    assert names == []


def test_on_break_cleans_up_when_iterator_dropped():
    async def main():
        e = EventEmitter()
        e.emit("noop")

        async def consume():
            async for args in on(e, "data"):
                return args

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0)
        assert e.listenerCount("data") == 1
        e.emit("data", "x")
        result = await task
        gc.collect()
        return result, e.eventNames()

    assert run(main()) == (("x",), [])


def test_on_error_raises_and_ends():
    async def main():
        e = EventEmitter()
        it = on(e, "data")
        e.emit("data", 1)
        e.emit("error", OSError("bad"))
        got = []
        with pytest.raises(OSError, match="bad"):
            async for args in it:
                got.append(args)
        assert e.eventNames() == []
        # after the error the iterator is finished
        with pytest.raises(StopAsyncIteration):
            await it.__anext__()
        return got

    assert run(main()) == [(1,)]


def test_on_error_while_waiting():
    async def main():
        e = EventEmitter()
        it = on(e, "data")
        nxt = asyncio.ensure_future(it.__anext__())
        await asyncio.sleep(0)
        e.emit("error", ValueError("while waiting"))
        with pytest.raises(ValueError):
            await nxt
        return e.eventNames()

    assert run(main()) == []


def test_on_close_events_and_async_with():
    async def main():
        e = EventEmitter()
        got = []
        async with on(e, "data", close=["end"]) as it:
            e.emit("data", "a")
            e.emit("end")
            async for args in it:
                got.append(args)
        return got, e.eventNames()

    assert run(main()) == ([("a",)], [])


def test_on_aclose_ends_pending_next():
    async def main():
        e = EventEmitter()
        it = on(e, "data")
        nxt = asyncio.ensure_future(it.__anext__())
        await asyncio.sleep(0)
        await it.aclose()
        with pytest.raises(StopAsyncIteration):
            await nxt
        return e.eventNames()

    assert run(main()) == []


def test_on_athrow_validates():
    async def main():
        e = EventEmitter()
        it = on(e, "data")
        with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
            await it.athrow("not an error")
        await it.athrow(ValueError("thrown"))
        with pytest.raises(ValueError):
            await it.__anext__()
        return e.eventNames()

    assert run(main()) == []
