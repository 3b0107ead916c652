"""call_soon / call_later / call_at ordering, stop(), close() and the thread-safe wake-up,
on stdlib asyncio, uvloop and nixloop."""
import asyncio
import contextvars
import sys
import threading
import time

import pytest

from nltest import uvloop_differs


def test_call_soon_fifo_with_args(loop):
    out = []
    for i in range(10):
        loop.call_soon(out.append, i)
    loop.call_soon(lambda a, b, c: out.append((a, b, c)), 1, 2, 3)
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert out == list(range(10)) + [(1, 2, 3)]


def test_callback_scheduled_while_running_waits_for_next_iteration(loop_kind, loop):
    uvloop_differs(loop_kind, 'runs callbacks scheduled during the iteration before stopping')
    out = []

    def first():
        out.append('first')
        loop.call_soon(out.append, 'scheduled-by-first')

    loop.call_soon(first)
    loop.call_soon(out.append, 'second')
    loop.call_soon(loop.stop)
    loop.run_forever()
    # stop() lets the current iteration finish; the callback scheduled during it runs later.
    assert out == ['first', 'second']
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert out == ['first', 'second', 'scheduled-by-first']


def test_stop_before_run_forever_runs_one_iteration(loop):
    out = []
    loop.call_soon(out.append, 1)
    loop.stop()
    loop.run_forever()
    assert out == [1]
    assert not loop.is_running()


def test_call_later_orders_by_deadline_and_fifo_among_equal(loop_kind, loop):
    if loop_kind == 'asyncio':
        pytest.xfail('asyncio keeps timers in a heapq, which is not stable for equal deadlines')
    if loop_kind == 'uvloop':
        pytest.skip('uvloop turns each deadline into a relative millisecond timeout: equal '
                    'deadlines keep their order only by chance')
    out = []
    when = loop.time() + 0.02
    for i in range(20):
        loop.call_at(when, out.append, i)
    loop.call_later(0.001, out.append, 'early')
    loop.call_later(0.05, loop.stop)
    loop.run_forever()
    assert out == ['early'] + list(range(20))


def test_call_later_waits_at_least_delay(loop):
    stamps = []
    t0 = loop.time()
    loop.call_later(0.05, lambda: stamps.append(loop.time()))
    loop.call_later(0.06, loop.stop)
    loop.run_forever()
    assert len(stamps) == 1
    assert stamps[0] - t0 >= 0.05 - 1e-3


def test_timer_handle_api(loop):
    h = loop.call_later(10, lambda: None)
    assert not h.cancelled()
    assert abs(h.when() - (loop.time() + 10)) < 0.5
    h.cancel()
    assert h.cancelled()
    h.cancel()   # idempotent
    assert h.cancelled()


def test_cancelled_callbacks_do_not_run(loop):
    out = []
    h1 = loop.call_soon(out.append, 'soon')
    h2 = loop.call_later(0.001, out.append, 'later')
    h1.cancel()
    h2.cancel()
    loop.call_later(0.02, loop.stop)
    loop.run_forever()
    assert out == []


def test_many_cancelled_timers(loop):
    out = []
    handles = [loop.call_later(0.01 + i * 1e-5, out.append, i) for i in range(500)]
    for h in handles[::2]:
        h.cancel()
    loop.call_later(0.05, loop.stop)
    loop.run_forever()
    assert out == list(range(1, 500, 2))


def test_a_nan_deadline_runs_at_once_and_stalls_no_other_timer(loop_kind, loop):
    # stdlib accepts call_later(nan) and runs a lone NaN timer at the next iteration; nixloop
    # does the same. But NaN breaks the order of asyncio's heapq: after call_later(nan) and
    # call_later(1e6), both cancelled, a sleep(0.01) never ends there. uvloop raises ValueError.
    if loop_kind == 'asyncio':
        pytest.skip('stdlib asyncio: a NaN deadline breaks its heap order (the sleep hangs)')
    if loop_kind == 'uvloop':
        pytest.skip('uvloop: call_later(nan) raises ValueError')

    async def main():
        ran = []
        h = loop.call_later(float('nan'), ran.append, 'nan')
        assert h.when() != h.when()
        loop.call_soon(ran.append, 'soon')
        await asyncio.sleep(0.01)
        assert ran == ['soon', 'nan']
        for delay in (float('nan'), 1431337, float('nan'), 5, 1e300):
            loop.call_later(delay, ran.append, delay).cancel()
        loop.call_at(float('nan'), ran.append, 'at')
        t0 = time.monotonic()
        await asyncio.sleep(0.01)
        assert time.monotonic() - t0 < 1 and ran == ['soon', 'nan', 'at']
    loop.run_until_complete(asyncio.wait_for(main(), 5))


def test_time_is_monotonic_clock(loop):
    a = loop.time()
    b = time.monotonic()
    assert abs(a - b) < 0.5


def test_call_soon_context(loop):
    var = contextvars.ContextVar('var', default='unset')
    ctx = contextvars.copy_context()
    ctx.run(var.set, 'in-ctx')
    out = []
    loop.call_soon(lambda: out.append(var.get()), context=ctx)
    loop.call_soon(lambda: out.append(var.get()))
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert out == ['in-ctx', 'unset']


@pytest.mark.parametrize('method', ['call_soon', 'call_soon_threadsafe'])
def test_call_soon_arguments_as_c_code_and_python_code_pass_them(loop, method):
    """call_soon's and call_soon_threadsafe's argument forms (nixloop takes the C Task's form,
    positional arguments and a lone context keyword, in a method of its own): each runs with its
    arguments in its context, and every other form is accepted or refused as the loop's def
    method does."""
    var = contextvars.ContextVar('var', default='outer')
    out = []

    def record(*args):
        out.append((args, var.get()))

    ctx = contextvars.copy_context()
    ctx.run(var.set, 'inner')
    kwargs = {'context': ctx}
    schedule = getattr(loop, method)
    schedule(record)
    schedule(record, 1, context=ctx)
    schedule(record, 1, 2, 3, **kwargs)
    schedule(record, 4, context=None)
    schedule(callback=record)
    schedule(record, **{'context': ctx})      # another kwnames tuple, the same keyword
    with pytest.raises(TypeError):
        schedule()
    with pytest.raises(TypeError):
        schedule(context=ctx)
    with pytest.raises(TypeError):
        schedule(record, contxt=ctx)
    with pytest.raises(TypeError):
        schedule(record, context=ctx, extra=1)
    with pytest.raises(TypeError):
        schedule(record, 1, context=ctx, callback=record)
    loop.call_soon(loop.stop, context=ctx)
    loop.run_forever()
    assert out == [((), 'outer'), ((1,), 'inner'), ((1, 2, 3), 'inner'), ((4,), 'outer'),
                   ((), 'outer'), ((), 'inner')]
    loop.close()
    with pytest.raises(RuntimeError):
        schedule(record, context=ctx)


def test_tasks_and_future_callbacks_run_in_their_contexts(loop):
    """What asyncio's C Task and Future schedule (call_soon(cb, [arg,] context=ctx))."""
    var = contextvars.ContextVar('var', default='unset')
    seen = []

    async def step(name):
        var.set(name)
        for _ in range(3):
            await asyncio.sleep(0)
            seen.append((name, var.get()))

    async def main():
        fut = loop.create_future()
        ctx = contextvars.copy_context()
        ctx.run(var.set, 'callback')
        fut.add_done_callback(lambda f: seen.append(('done', var.get(), f.result())), context=ctx)
        await asyncio.gather(step('a'), step('b'))
        fut.set_result(7)
        await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert sorted(seen) == sorted([('a', 'a')] * 3 + [('b', 'b')] * 3 + [('done', 'callback', 7)])


def test_callback_context_changes_do_not_leak(loop):
    var = contextvars.ContextVar('var', default=0)

    def setter():
        var.set(1)

    out = []
    loop.call_soon(setter)
    loop.call_soon(lambda: out.append(var.get()))
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert out == [0]


def test_call_soon_threadsafe_wakes_loop(loop):
    out = []

    def worker():
        time.sleep(0.05)
        loop.call_soon_threadsafe(out.append, 'from-thread')
        loop.call_soon_threadsafe(loop.stop)

    t = threading.Thread(target=worker)
    t.start()
    loop.call_later(5, loop.stop)     # safety net: the test fails rather than hangs
    t0 = time.monotonic()
    loop.run_forever()
    t.join()
    assert out == ['from-thread']
    assert time.monotonic() - t0 < 2


def test_stop_from_other_thread(loop):
    def worker():
        time.sleep(0.05)
        loop.call_soon_threadsafe(loop.stop)

    t = threading.Thread(target=worker)
    t.start()
    guard = loop.call_later(5, loop.stop)
    t0 = time.monotonic()
    loop.run_forever()
    t.join()
    guard.cancel()
    assert time.monotonic() - t0 < 2


def test_close_running_loop_raises(loop):
    errors = []

    def try_close():
        try:
            loop.close()
        except RuntimeError as exc:
            errors.append(exc)
        loop.stop()

    loop.call_soon(try_close)
    loop.run_forever()
    assert len(errors) == 1
    assert not loop.is_closed()


def test_closed_loop_rejects_calls(loop):
    loop.close()
    assert loop.is_closed()
    loop.close()   # idempotent
    with pytest.raises(RuntimeError):
        loop.call_soon(lambda: None)
    with pytest.raises(RuntimeError):
        loop.call_later(1, lambda: None)
    with pytest.raises(RuntimeError):
        loop.run_forever()


def test_run_forever_twice_raises(loop):
    errors = []

    def nested():
        try:
            loop.run_forever()
        except RuntimeError as exc:
            errors.append(str(exc))
        loop.stop()

    loop.call_soon(nested)
    loop.run_forever()
    assert errors and 'already running' in errors[0]


def test_other_loop_running_raises(loop_kind, loop):
    from nltest import make_loop
    other = make_loop(loop_kind)
    errors = []

    def nested():
        try:
            other.run_until_complete(asyncio.sleep(0))
        except RuntimeError as exc:
            errors.append(str(exc))
        loop.stop()

    try:
        loop.call_soon(nested)
        loop.run_forever()
    finally:
        other.close()
    assert errors and 'another loop is running' in errors[0]


def test_call_later_none_delay(loop_kind, loop):
    if loop_kind == 'asyncio' and sys.version_info < (3, 11):
        pytest.skip('asyncio 3.10 asserts instead of raising TypeError')
    with pytest.raises(TypeError):
        loop.call_later(None, lambda: None)
    with pytest.raises(TypeError):
        loop.call_at(None, lambda: None)


def test_debug_mode_rejects_coroutines_and_non_callables(loop_kind, loop):
    uvloop_differs(loop_kind, 'does not check callbacks in debug mode')
    loop.set_debug(True)
    assert loop.get_debug()

    async def coro():
        pass

    with pytest.raises(TypeError):
        loop.call_soon(coro)
    with pytest.raises(TypeError):
        loop.call_soon(42)
    with pytest.raises(TypeError):
        loop.call_later(1, 'x')


def test_debug_mode_detects_wrong_thread(loop):
    loop.set_debug(True)
    errors = []

    def other_thread():
        try:
            loop.call_soon(lambda: None)
        except RuntimeError as exc:
            errors.append(exc)
        loop.call_soon_threadsafe(loop.stop)

    def start():
        threading.Thread(target=other_thread).start()

    loop.call_soon(start)
    loop.call_later(5, loop.stop)
    loop.run_forever()
    assert len(errors) == 1


def test_keyboard_interrupt_in_callback_propagates(loop):
    out = []

    def boom():
        raise KeyboardInterrupt

    loop.call_soon(boom)
    loop.call_soon(out.append, 'after')
    with pytest.raises(KeyboardInterrupt):
        loop.run_forever()
    assert not loop.is_running()
    # The callback that did not run is still scheduled.
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert out == ['after']


def test_system_exit_from_task_propagates(loop):
    async def main():
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        loop.run_until_complete(main())


def test_chained_call_soon_count(loop):
    n = 0

    def step():
        nonlocal n
        n += 1
        if n < 10000:
            loop.call_soon(step)
        else:
            loop.stop()

    loop.call_soon(step)
    loop.run_forever()
    assert n == 10000


def test_timers_scheduled_from_timer_callbacks(loop):
    out = []

    def tick(i):
        out.append(i)
        if i < 50:
            loop.call_later(0, tick, i + 1)
        else:
            loop.stop()

    loop.call_later(0, tick, 0)
    loop.run_forever()
    assert out == list(range(51))
