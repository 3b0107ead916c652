"""nixloop.node: the runner's lifetime and results, uncaughtException, unhandledRejection,
exit / exitCode, and the process object."""

import asyncio
import gc
import os
import sys
import time
import warnings

import pytest

from nixloop import errors, node
from nixloop.events import EventEmitter
from nixloop.node import ProcessCrash, process, run
from nixloop.timers import nextTick, setImmediate, setInterval, setTimeout


# -- results and lifetime --------------------------------------------------------------------

def test_run_returns_main_result_and_passes_args():
    assert run(lambda a, b: a + b, 2, 3) == 5


def test_run_async_main_result():
    async def main(x):
        await asyncio.sleep(0.01)
        return x * 2

    assert run(main, 21) == 42


def test_run_accepts_a_coroutine_object():
    async def main():
        return "coro"

    assert run(main()) == "coro"


def test_run_rejects_non_callable():
    with pytest.raises(TypeError) as info:
        run(42)
    assert info.value.code == "ERR_INVALID_ARG_TYPE"


def test_run_waits_for_asyncio_timers_and_tasks():
    log = []

    def main():
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, log.append, "call_later")

        async def job():
            await asyncio.sleep(0.08)
            log.append("task")
        loop.create_task(job())

    t0 = time.monotonic()
    run(main)
    assert log == ["call_later", "task"]
    assert time.monotonic() - t0 >= 0.07


def test_main_sees_a_running_loop_and_loop_is_closed_after():
    seen = {}

    def main():
        loop = asyncio.get_running_loop()
        seen["loop"] = loop
        seen["event_loop"] = asyncio.get_event_loop() is loop

    run(main)
    assert seen["event_loop"]
    assert seen["loop"].is_closed()


def test_run_is_not_reentrant():
    def main():
        with pytest.raises(RuntimeError, match="already running"):
            run(lambda: None)
        return "ok"

    assert run(main) == "ok"


def test_async_main_that_never_finishes_warns_and_sets_13():
    async def main():
        await asyncio.get_running_loop().create_future()

    with pytest.warns(RuntimeWarning, match="went idle"):
        assert run(main) is None
    assert process.exitCode == 13


def test_keyboard_interrupt_propagates_and_cleans_up():
    seen = {}

    def main():
        seen["loop"] = asyncio.get_running_loop()

        def interrupt():
            raise KeyboardInterrupt
        setTimeout(interrupt, 1)
        setTimeout(lambda: seen.setdefault("later", True), 50)

    with pytest.raises(KeyboardInterrupt):
        run(main)
    assert "later" not in seen
    assert seen["loop"].is_closed()


# -- uncaught exceptions ---------------------------------------------------------------------

def test_exception_in_main_crashes():
    def main():
        process.on("exit", lambda code: log.append(("exit", code)))
        setTimeout(lambda: log.append("never"), 1)
        raise ValueError("in main")

    log = []
    with pytest.raises(ValueError, match="in main"):
        run(main)
    assert log == [("exit", 1)]
    assert process.exitCode == 1


def test_exception_in_timer_stops_everything_at_once():
    log = []

    def main():
        process.on("exit", lambda code: log.append(("exit", code)))

        def boom():
            nextTick(log.append, "tick never")
            raise LookupError("timer")
        setTimeout(boom, 10)
        setTimeout(log.append, 10, "same phase never")
        setImmediate(log.append, "immediate first")
        asyncio.get_running_loop().call_later(0.2, log.append, "asyncio never")

    t0 = time.monotonic()
    with pytest.raises(LookupError, match="timer"):
        run(main)
    assert log == ["immediate first", ("exit", 1)]
    assert time.monotonic() - t0 < 0.19


@pytest.mark.parametrize("where", ["timeout", "interval", "immediate", "tick", "call_soon",
                                   "main"])
def test_uncaught_exception_listener_keeps_running(where):
    got = []

    def bad():
        raise RuntimeError(where)

    def main():
        process.on("uncaughtException", lambda err, origin: got.append((str(err), origin)))
        if where == "timeout":
            setTimeout(bad, 1)
        elif where == "interval":
            n = [0]

            def tick():
                n[0] += 1
                if n[0] == 2:
                    clearInterval(iv)
                bad()
            from nixloop.timers import clearInterval
            iv = setInterval(tick, 1)
        elif where == "immediate":
            setImmediate(bad)
        elif where == "tick":
            nextTick(bad)
        elif where == "call_soon":
            asyncio.get_running_loop().call_soon(bad)
        setTimeout(got.append, 30, "still running")
        if where == "main":
            bad()

    run(main)
    expected = [(where, "uncaughtException")] * (2 if where == "interval" else 1)
    assert got == expected + ["still running"]


def test_monitor_sees_it_first_and_does_not_handle_it():
    got = []

    def main():
        process.on("uncaughtExceptionMonitor", lambda err, origin: got.append(("monitor", origin)))
        setTimeout(lambda: 1 / 0, 1)

    with pytest.raises(ZeroDivisionError):
        run(main)
    assert got == [("monitor", "uncaughtException")]


def test_exception_in_uncaught_listener_crashes_with_it():
    def main():
        def listener(err, origin):
            raise KeyError("from listener")
        process.on("uncaughtException", listener)
        setTimeout(lambda: 1 / 0, 1)

    with pytest.raises(KeyError, match="from listener"):
        run(main)


def test_listener_exception_of_an_emitter_event_is_uncaught():
    def main():
        e = EventEmitter()
        e.on("x", lambda: (_ for _ in ()).throw(OSError("listener")))
        setTimeout(e.emit, 1, "x")

    with pytest.raises(OSError, match="listener"):
        run(main)


def test_process_crash_is_a_systemexit_carrying_the_error():
    err = ValueError("x")
    crash = ProcessCrash(err)
    assert isinstance(crash, SystemExit) and crash.error is err and crash.code == 1


# -- unhandled rejections ----------------------------------------------------------------------

async def _fails(msg):
    raise ValueError(msg)


def test_unhandled_rejection_crashes_by_default():
    log = []

    def main():
        process.on("exit", lambda code: log.append(code))
        asyncio.get_running_loop().create_task(_fails("rejected"))
        setTimeout(log.append, 200, "never")

    with pytest.raises(ValueError, match="rejected"):
        run(main)
    assert log == [1]


def test_unhandled_rejection_listener_gets_reason_and_task():
    got = []

    def main():
        process.on("unhandledRejection", lambda reason, p: got.append((str(reason), type(p))))
        asyncio.get_running_loop().create_task(_fails("r1"))
        setTimeout(got.append, 30, "still running")

    run(main)
    assert got[0][0] == "r1" and issubclass(got[0][1], asyncio.Future)
    assert got[1:] == ["still running"]


def test_unhandled_rejection_goes_to_uncaught_exception_with_its_origin():
    got = []

    def main():
        process.on("uncaughtException", lambda err, origin: got.append((str(err), origin)))
        asyncio.get_running_loop().create_task(_fails("r2"))

    run(main)
    assert got == [("r2", "unhandledRejection")]


def test_awaited_failure_is_not_a_rejection():
    got = []

    async def main():
        process.on("unhandledRejection", lambda *a: got.append(a))
        task = asyncio.get_running_loop().create_task(_fails("handled"))
        with pytest.raises(ValueError):
            await task
        return "ok"

    assert run(main) == "ok"
    gc.collect()
    assert got == []


def test_failing_async_main_is_raised():
    async def main():
        await asyncio.sleep(0)
        raise ArithmeticError("async main")

    with pytest.raises(ArithmeticError, match="async main"):
        run(main)


def test_rejection_held_in_a_reference_cycle_is_found_when_idle():
    got = []
    keep = {}

    def main():
        process.on("unhandledRejection", lambda reason, p: got.append(str(reason)))
        task = asyncio.get_running_loop().create_task(_fails("cycle"))
        holder = {"task": task}
        holder["self"] = holder   # a cycle: freed only by the garbage collector
        keep["weak"] = None

    gc.disable()
    try:
        run(main)
    finally:
        gc.enable()
    assert got == ["cycle"]


def test_failing_async_emitter_listener_is_a_rejection():
    got = []

    def main():
        process.on("unhandledRejection", lambda reason, p: got.append(str(reason)))
        e = EventEmitter()

        async def listener():
            raise ValueError("async listener")
        e.on("x", listener)
        e.emit("x")

    run(main)
    assert got == ["async listener"]


# -- exit and exitCode -----------------------------------------------------------------------

def test_exit_event_gets_exit_code():
    log = []

    def main():
        process.on("exit", lambda code: log.append((code, process.exitCode)))
        setTimeout(lambda: setattr(process, "exitCode", 7), 5)
        return "result"

    assert run(main) == "result"
    assert log == [(7, 7)]
    assert process.exitCode == 7


def test_exit_code_default_and_reset_by_next_run():
    process.exitCode = 9
    log = []
    run(lambda: process.on("exit", log.append))
    assert log == [0]
    assert process.exitCode is None


def test_exit_code_validation_and_alias():
    with pytest.raises(TypeError) as info:
        process.exitCode = 1.5
    assert info.value.code == "ERR_INVALID_ARG_TYPE"
    process.exit_code = 4
    assert process.exitCode == 4
    process.exitCode = "5"
    assert process.exitCode == 5


def test_process_exit_stops_and_raises_systemexit():
    log = []

    def main():
        process.on("exit", log.append)

        def bye():
            process.exit(3)
            log.append("never")
        setTimeout(bye, 5)
        setTimeout(log.append, 50, "later never")

    with pytest.raises(SystemExit) as info:
        run(main)
    assert info.value.code == 3
    assert log == [3]


def test_listeners_are_removed_after_run():
    run(lambda: process.on("exit", lambda code: None))
    assert process.listenerCount("exit") == 0


def test_exit_listener_cannot_schedule_more_work():
    log = []

    def main():
        process.on("exit", lambda code: setTimeout(log.append, 1, "after exit"))

    t0 = time.monotonic()
    run(main)
    assert log == []
    assert time.monotonic() - t0 < 2


# -- the process object -----------------------------------------------------------------------

def test_process_attributes():
    assert process.pid == os.getpid()
    assert process.platform == ("linux" if sys.platform.startswith("linux") else process.platform)
    assert process.argv[0] == sys.executable and process.argv[1:] == sys.argv
    assert process.env is os.environ
    assert process.cwd() == os.getcwd()
    assert process.uptime() >= 0
    assert "uv" in process.versions and "nixloop" in process.versions
    assert isinstance(process, EventEmitter)
    assert node.next_tick == process.nextTick


def test_hrtime():
    a = process.hrtime()
    assert isinstance(a, list) and len(a) == 2 and 0 <= a[1] < 1_000_000_000
    time.sleep(0.01)
    d = process.hrtime(a)
    assert d[0] * 1e9 + d[1] >= 9e6
    b1 = process.hrtime.bigint()
    b2 = process.hrtime.bigint()
    assert isinstance(b1, int) and b2 >= b1
    with pytest.raises(TypeError):
        process.hrtime(5)


def test_emit_warning_event_on_next_tick():
    log = []

    def main():
        process.on("warning", lambda w: log.append((w.name, str(w))))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            process.emitWarning("careful", "MyWarning")
        log.append(("caught", caught[0].category.__name__))
        log.append("sync")

    run(main)
    assert log == [("caught", "MyWarning"), "sync", ("MyWarning", "careful")]
