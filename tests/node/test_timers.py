"""nixloop.timers: ordering, lifetime (ref/unref), refresh, clear*, intervals, coercions,
nextTick placement and the callback-scope hooks."""

import asyncio
import math
import time
import warnings

import pytest

import nixloop
from nixloop import _nodeenv, errors, timers
from nixloop.node import process, run
from nixloop.timers import (Immediate, Timeout, TimeoutOverflowWarning, clearImmediate,
                            clearInterval, clearTimeout, nextTick, setImmediate, setInterval,
                            setTimeout)


def timed_run(main, *args):
    t0 = time.monotonic()
    result = run(main, *args)
    return result, time.monotonic() - t0


# -- ordering -------------------------------------------------------------------------------

def test_order_in_main():
    log = []

    def main():
        setTimeout(lambda: log.append("timeout 50"), 50)
        setImmediate(lambda: log.append("immediate"))
        nextTick(lambda: (log.append("tick 1"), nextTick(lambda: log.append("tick 3"))))
        nextTick(lambda: log.append("tick 2"))
        asyncio.get_running_loop().call_soon(lambda: log.append("asyncio callback"))
        log.append("main")

    run(main)
    assert log == ["main", "tick 1", "tick 2", "tick 3", "asyncio callback", "immediate",
                   "timeout 50"]


def test_order_in_timer_callback():
    log = []

    def timer():
        log.append("timer")
        setTimeout(lambda: log.append("timeout 0"), 0)
        setImmediate(lambda: log.append("immediate"))
        nextTick(lambda: log.append("tick"))
        asyncio.get_running_loop().call_soon(lambda: log.append("asyncio callback"))

    run(lambda: setTimeout(timer, 5))
    assert log == ["timer", "tick", "asyncio callback", "immediate", "timeout 0"]


def test_ticks_run_between_timers_of_the_same_phase():
    log = []

    def main():
        for name in "abc":
            setTimeout(lambda n=name: (log.append(n), nextTick(log.append, "tick " + n)), 10)

    run(main)
    assert log == ["a", "tick a", "b", "tick b", "c", "tick c"]


def test_immediates_queued_during_the_phase_wait_for_the_next_iteration():
    log = []

    def first():
        log.append("first")
        setImmediate(lambda: log.append("queued by first"))
        nextTick(lambda: log.append("tick of first"))

    def main():
        setImmediate(first)
        setImmediate(lambda: log.append("second"))

    run(main)
    assert log == ["first", "tick of first", "second", "queued by first"]


def test_next_tick_from_a_coroutine_runs_before_the_next_facade_callback():
    log = []

    async def main():
        setImmediate(lambda: log.append("immediate"))
        nextTick(lambda: log.append("tick"))
        log.append("before await")
        await asyncio.sleep(0)
        log.append("after await")

    run(main)
    assert log == ["before await", "tick", "after await", "immediate"]


def test_next_tick_args_and_timer_args():
    got = []

    def main():
        nextTick(lambda *a: got.append(("tick",) + a), 1, 2)
        setTimeout(lambda *a: got.append(("timeout",) + a), 1, "x", None)
        setImmediate(lambda *a: got.append(("immediate",) + a), 3)

        def on_iv(*a):
            got.append(("interval",) + a)
            clearInterval(iv)
        iv = setInterval(on_iv, 5, "y")

    run(main)
    assert got[0] == ("tick", 1, 2)
    assert set(got[1:]) == {("timeout", "x", None), ("immediate", 3), ("interval", "y")}
    assert len(got) == 4


# -- lifetime: ref / unref ------------------------------------------------------------------

def test_unref_timeout_does_not_hold_the_runner():
    fired = []

    def main():
        t = setTimeout(lambda: fired.append("long"), 10_000)
        assert t.unref() is t and not t.hasRef()
        setInterval(lambda: fired.append("iv"), 10_000).unref()
        setTimeout(lambda: fired.append("short"), 20)

    _, elapsed = timed_run(main)
    assert fired == ["short"]
    assert elapsed < 2.0


def test_ref_again_holds_the_runner():
    fired = []

    def main():
        t = setTimeout(lambda: fired.append("held"), 150)
        t.unref()
        t.ref()
        assert t.hasRef()

    _, elapsed = timed_run(main)
    assert fired == ["held"]
    assert elapsed >= 0.14


def test_unref_immediate_alone_does_not_run_and_does_not_hold():
    ran = []

    def main():
        im = setImmediate(lambda: ran.append("imm"))
        assert im.unref() is im and not im.hasRef()

    _, elapsed = timed_run(main)
    assert ran == []
    assert elapsed < 2.0


def test_ref_immediate_keeps_the_loop_spinning_without_blocking():
    count = [0]

    def again():
        count[0] += 1
        if count[0] < 50:
            setImmediate(again)

    _, elapsed = timed_run(lambda: setImmediate(again))
    assert count[0] == 50
    assert elapsed < 2.0


def test_immediate_has_ref_false_after_run_or_clear():
    seen = {}

    def main():
        a = setImmediate(lambda: None)
        b = setImmediate(lambda: None)
        clearImmediate(b)
        seen["cleared"] = b.hasRef()
        b.ref()
        seen["ref after clear"] = b.hasRef()
        setTimeout(lambda: seen.setdefault("ran", a.hasRef()), 5)

    run(main)
    assert seen == {"cleared": False, "ref after clear": False, "ran": False}


def test_timeout_handle_is_released_after_firing():
    holder = {}

    def main():
        t = setTimeout(lambda: None, 1)
        holder["t"] = t
        holder["active"] = t._handle is not None and t._handle.is_active()

    run(main)
    assert holder["active"] is True
    assert holder["t"]._handle is None and holder["t"]._destroyed


# -- refresh --------------------------------------------------------------------------------

def test_refresh_postpones():
    times = {}
    t0 = time.monotonic()

    def main():
        t = setTimeout(lambda: times.setdefault("t", time.monotonic() - t0), 150)
        setTimeout(lambda: t.refresh(), 100)

    run(main)
    assert times["t"] >= 0.24


def test_refresh_after_fire_rearms_and_after_clear_does_nothing():
    log = []

    def main():
        def on_r():
            log.append("r")
            if log.count("r") == 1:
                assert r.refresh() is r
        r = setTimeout(on_r, 5)
        c = setTimeout(lambda: log.append("c"), 5)
        clearTimeout(c)
        assert c.refresh() is c

    run(main)
    assert log == ["r", "r"]


def test_refresh_interval_restarts_the_period():
    times = []
    t0 = time.monotonic()

    def main():
        iv = setInterval(lambda: (times.append(time.monotonic() - t0),
                                  len(times) == 2 and clearInterval(iv)), 100)
        setTimeout(iv.refresh, 60)

    run(main)
    assert len(times) == 2
    assert times[0] >= 0.15
    assert times[1] - times[0] >= 0.09


# -- clear* ---------------------------------------------------------------------------------

def test_clear_semantics():
    log = []

    def main():
        iv = setInterval(lambda: log.append("interval"), 5)
        clearTimeout(iv)
        to = setTimeout(lambda: log.append("timeout"), 5)
        clearInterval(to)
        by_int = setTimeout(lambda: log.append("by int"), 5)
        clearTimeout(int(by_int))
        by_str = setTimeout(lambda: log.append("by str"), 5)
        clearTimeout(str(int(by_str)))
        closed = setTimeout(lambda: log.append("closed"), 5)
        assert closed.close() is closed
        twice = setTimeout(lambda: log.append("twice"), 5)
        clearTimeout(twice)
        clearTimeout(twice)
        for v in (None, errors.UNDEFINED, 0, "nope", 12345, object()):
            clearTimeout(v)
            clearInterval(v)
            clearImmediate(v)
        other = setTimeout(lambda: log.append("not an immediate"), 5)
        clearImmediate(other)           # not an Immediate: ignored
        imm = setImmediate(lambda: log.append("immediate"))
        clearTimeout(imm)               # not a Timeout: ignored
        t2 = [None]
        setTimeout(lambda: clearTimeout(t2[0]), 10)
        t2[0] = setTimeout(lambda: log.append("t2 cleared by an earlier same-ms timer"), 10)

    run(main)
    assert sorted(log) == ["immediate", "not an immediate"]


def test_interval_clears_itself():
    n = [0]

    def main():
        def tick():
            n[0] += 1
            if n[0] == 4:
                clearInterval(iv)
        iv = setInterval(tick, 5)

    run(main)
    assert n[0] == 4


def test_clear_immediate_from_an_earlier_immediate_of_the_same_phase():
    log = []

    def main():
        setImmediate(lambda: clearImmediate(later))
        later = setImmediate(lambda: log.append("later"))
        setImmediate(lambda: log.append("kept"))

    run(main)
    assert log == ["kept"]


# -- validation and coercions ---------------------------------------------------------------

@pytest.mark.parametrize("value, ms", [
    (0, 1), (-5, 1), (None, 1), (math.nan, 1), ("abc", 1), ("7", 7), (7.9, 7), (True, 1),
    (2 ** 31 - 1, 2 ** 31 - 1), ([], 1), ("", 1), (1, 1), (100, 100)])
def test_coerce_ms(value, ms):
    assert timers._coerce_ms(value) == ms


def test_timeout_overflow_warning():
    with pytest.warns(TimeoutOverflowWarning, match=r"^2147483648 does not fit into a 32-bit "
                                                    r"signed integer\.\nTimeout duration was set to 1\.$"):
        assert timers._coerce_ms(2 ** 31) == 1
    with pytest.warns(TimeoutOverflowWarning, match="Infinity"):
        assert timers._coerce_ms(math.inf) == 1


@pytest.mark.parametrize("api", [setTimeout, setInterval, setImmediate, nextTick])
def test_non_callable_callback(api):
    with pytest.raises(TypeError) as info:
        api(42)
    err = info.value
    assert err.code == "ERR_INVALID_ARG_TYPE"
    assert str(err) == 'The "callback" argument must be of type function. Received type number (42)'


@pytest.mark.parametrize("api", [lambda: setTimeout(print), lambda: setImmediate(print),
                                 lambda: nextTick(print), lambda: setInterval(print, 10)])
def test_no_running_loop_is_a_clear_error(api):
    with pytest.raises(RuntimeError, match="needs a running nixloop event loop"):
        api()


def test_non_nixloop_loop_is_a_clear_error():
    async def main():
        with pytest.raises(RuntimeError, match="needs a nixloop event loop.*running loop is"):
            setTimeout(print, 1)
        with pytest.raises(RuntimeError, match="nixloop"):
            nextTick(print)
        return True

    loop = asyncio.SelectorEventLoop()
    try:
        assert loop.run_until_complete(main())
    finally:
        loop.close()


# -- outside run(): a plain nixloop loop ----------------------------------------------------

def test_works_on_a_nixloop_loop_outside_the_runner():
    log = []
    errors_seen = []

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda lp, ctx: errors_seen.append(ctx))
        done = loop.create_future()
        setTimeout(lambda: 1 / 0, 1)
        setTimeout(lambda: (log.append("timeout"), nextTick(log.append, "tick")), 5)
        setTimeout(lambda: done.set_result(None), 20)
        setImmediate(log.append, "immediate")
        await done
        return log

    assert nixloop.run(main()) == ["immediate", "timeout", "tick"]
    assert len(errors_seen) == 1
    assert isinstance(errors_seen[0]["exception"], ZeroDivisionError)
    assert errors_seen[0]["message"] == "Unhandled exception in timeout callback"


def test_invoke_and_drain_ticks_hooks():
    log = []
    ctxs = []

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda lp, ctx: ctxs.append(ctx))

        def listener(x):
            nextTick(log.append, "tick after " + x)
            log.append(x)
            return "ret"

        assert timers.invoke(loop, listener, "event") == "ret"
        log.append("after invoke")
        assert timers.invoke(loop, lambda: 1 / 0) is None
        timers.drain_ticks(loop)  # nothing queued: a no-op
        # A facade that emits by itself and then drains:
        _nodeenv.state_for(loop).depth += 1  # (as inside a facade callback scope)
        try:
            nextTick(log.append, "queued in emit")
            log.append("emit")
        finally:
            _nodeenv.state_for(loop).depth -= 1
        timers.drain_ticks(loop)
        log.append("after drain")

    nixloop.run(main())
    assert log == ["event", "tick after event", "after invoke", "emit", "queued in emit",
                   "after drain"]
    assert len(ctxs) == 1 and isinstance(ctxs[0]["exception"], ZeroDivisionError)


# -- aliases and reprs -----------------------------------------------------------------------

def test_snake_case_aliases():
    assert timers.set_timeout is setTimeout
    assert timers.set_interval is setInterval
    assert timers.set_immediate is setImmediate
    assert timers.clear_timeout is clearTimeout
    assert timers.clear_interval is clearTimeout
    assert timers.clear_immediate is clearImmediate
    assert timers.next_tick is nextTick
    assert Timeout.has_ref is Timeout.hasRef
    assert Immediate.has_ref is Immediate.hasRef
    assert process.next_tick == process.nextTick


def test_repr_and_types():
    seen = {}

    def main():
        t = setTimeout(lambda: None, 10)
        i = setInterval(lambda: None, 10).unref()
        im = setImmediate(lambda: None)
        seen.update(t=repr(t), i=repr(i), im=repr(im), types=(type(t), type(i), type(im)))
        clearTimeout(t)
        seen["cleared"] = repr(t)
        clearInterval(i)

    run(main)
    assert seen["types"] == (Timeout, Timeout, Immediate)
    assert "timeout 10ms active" in seen["t"] and "interval" in seen["i"] and "unref" in seen["i"]
    assert "cleared" in seen["cleared"] and "pending" in seen["im"]


def test_many_timers_fire_in_due_order():
    import random
    rnd = random.Random(7)
    delays = [rnd.randrange(1, 60) for _ in range(300)]
    fired = []

    def main():
        for i, d in enumerate(delays):
            setTimeout(fired.append, d, (d, i))

    run(main)
    assert fired == sorted(fired)
    assert len(fired) == 300
