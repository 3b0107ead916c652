"""Tasks, futures, cancellation, contextvars and asyncio's synchronisation primitives, on every
loop kind."""
import asyncio
import contextvars
import sys

import pytest

from nltest import uvloop_differs

PY311 = sys.version_info >= (3, 11)


def test_task_result_and_exception(loop):
    async def ok():
        await asyncio.sleep(0)
        return 7

    async def bad():
        await asyncio.sleep(0)
        raise ValueError('bad')

    assert loop.run_until_complete(ok()) == 7
    with pytest.raises(ValueError, match='bad'):
        loop.run_until_complete(bad())


def test_create_task_name_and_context(loop):
    var = contextvars.ContextVar('v', default='default')

    async def read():
        return var.get()

    async def main():
        t = loop.create_task(read(), name='reader')
        assert t.get_name() == 'reader'
        assert await t == 'default'
        if PY311:
            ctx = contextvars.copy_context()
            ctx.run(var.set, 'ctx')
            t2 = loop.create_task(read(), context=ctx)
            assert await t2 == 'ctx'
        return True

    assert loop.run_until_complete(main())


def test_task_factory(loop):
    created = []

    def factory(lp, coro, **kwargs):
        t = asyncio.Task(coro, loop=lp, **kwargs)
        created.append(t)
        return t

    loop.set_task_factory(factory)
    assert loop.get_task_factory() is factory

    async def main():
        return 5

    assert loop.run_until_complete(main()) == 5
    assert len(created) == 1
    loop.set_task_factory(None)
    assert loop.get_task_factory() is None
    with pytest.raises(TypeError):
        loop.set_task_factory(1)


def test_future_callbacks_and_result(loop):
    order = []

    async def main():
        fut = loop.create_future()
        fut.add_done_callback(lambda f: order.append(('cb1', f.result())))
        fut.add_done_callback(lambda f: order.append(('cb2', f.result())))
        loop.call_soon(fut.set_result, 'value')
        return await fut

    assert loop.run_until_complete(main()) == 'value'
    assert order == [('cb1', 'value'), ('cb2', 'value')]


def test_cancellation(loop):
    events = []

    async def sleeper():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            events.append('cancelled')
            raise

    async def main():
        t = loop.create_task(sleeper())
        await asyncio.sleep(0.01)
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t
        assert t.cancelled()

    loop.run_until_complete(main())
    assert events == ['cancelled']


def test_gather_wait_for_shield(loop):
    async def slow(x, d):
        await asyncio.sleep(d)
        return x

    async def main():
        assert await asyncio.gather(slow(1, 0.01), slow(2, 0), slow(3, 0.005)) == [1, 2, 3]
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(slow(1, 1), 0.01)
        inner = loop.create_task(slow('shielded', 0.02))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(inner), 0.005)
        assert await inner == 'shielded'
        done, pending = await asyncio.wait([loop.create_task(slow(i, i * 0.01)) for i in range(3)],
                                           return_when=asyncio.FIRST_COMPLETED)
        assert len(done) >= 1
        for p in pending:
            p.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    loop.run_until_complete(main())


def test_locks_events_conditions_semaphores(loop):
    async def main():
        lock = asyncio.Lock()
        out = []

        async def worker(i):
            async with lock:
                out.append(('in', i))
                await asyncio.sleep(0)
                out.append(('out', i))

        await asyncio.gather(*(worker(i) for i in range(5)))
        for k in range(0, 10, 2):
            assert out[k][0] == 'in' and out[k + 1] == ('out', out[k][1])

        ev = asyncio.Event()
        loop.call_later(0.01, ev.set)
        await asyncio.wait_for(ev.wait(), 1)

        cond = asyncio.Condition()
        got = []

        async def waiter():
            async with cond:
                await cond.wait_for(lambda: got)
                return got[0]

        t = loop.create_task(waiter())
        await asyncio.sleep(0)
        async with cond:
            got.append('x')
            cond.notify_all()
        assert await t == 'x'

        sem = asyncio.Semaphore(2)
        active = 0
        peak = 0

        async def limited():
            nonlocal active, peak
            async with sem:
                active += 1
                peak = max(peak, active)
                await asyncio.sleep(0.001)
                active -= 1

        await asyncio.gather(*(limited() for _ in range(10)))
        assert peak == 2

    loop.run_until_complete(main())


def test_queues(loop):
    async def main():
        q = asyncio.Queue(maxsize=3)
        results = []

        async def producer():
            for i in range(20):
                await q.put(i)
            await q.put(None)

        async def consumer():
            while True:
                item = await q.get()
                q.task_done()
                if item is None:
                    return
                results.append(item)

        await asyncio.gather(producer(), consumer())
        await q.join()
        assert results == list(range(20))
        pq = asyncio.PriorityQueue()
        for x in (5, 1, 3):
            pq.put_nowait(x)
        assert [pq.get_nowait() for _ in range(3)] == [1, 3, 5]

    loop.run_until_complete(main())


@pytest.mark.skipif(not PY311, reason='TaskGroup and timeout() are Python 3.11+')
def test_taskgroup_and_timeout(loop):
    async def main():
        async with asyncio.TaskGroup() as tg:
            a = tg.create_task(asyncio.sleep(0.01, 'a'))
            b = tg.create_task(asyncio.sleep(0, 'b'))
        assert (a.result(), b.result()) == ('a', 'b')

        async def fail():
            await asyncio.sleep(0.001)
            raise KeyError('k')

        with pytest.raises(ExceptionGroup) as info:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(fail())
                sibling = tg.create_task(asyncio.sleep(10))
        assert info.value.exceptions[0].args == ('k',)
        assert sibling.cancelled()

        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await asyncio.sleep(10)
        async with asyncio.timeout(1) as cm:
            await asyncio.sleep(0)
        assert not cm.expired()

    loop.run_until_complete(main())


def test_contextvars_in_tasks(loop):
    var = contextvars.ContextVar('req')

    async def handler(i):
        var.set(i)
        await asyncio.sleep(0.001 * (5 - i))
        return var.get()

    async def main():
        return await asyncio.gather(*(handler(i) for i in range(5)))

    assert loop.run_until_complete(main()) == list(range(5))


def test_exception_handler_receives_callback_errors(loop):
    seen = []

    def handler(lp, context):
        seen.append(context)

    loop.set_exception_handler(handler)
    assert loop.get_exception_handler() is handler

    def boom():
        raise RuntimeError('boom')

    loop.call_soon(boom)
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert len(seen) == 1
    assert isinstance(seen[0]['exception'], RuntimeError)
    assert 'Exception in callback' in seen[0]['message']
    assert 'handle' in seen[0]
    with pytest.raises(TypeError):
        loop.set_exception_handler('nope')


def test_exception_handler_errors_are_contained(loop, caplog):
    def bad_handler(lp, context):
        raise ZeroDivisionError

    loop.set_exception_handler(bad_handler)
    loop.call_exception_handler({'message': 'first'})
    assert 'Unhandled error in exception handler' in caplog.text


def test_default_exception_handler_logs(loop, caplog):
    loop.call_exception_handler({'message': 'custom message', 'exception': ValueError('v'),
                                 'extra': 42})
    assert 'custom message' in caplog.text
    assert 'extra: 42' in caplog.text
    assert 'ValueError' in caplog.text


def test_unretrieved_task_exception_reported(loop):
    seen = []
    loop.set_exception_handler(lambda lp, ctx: seen.append(ctx))

    async def fail():
        raise ValueError('never retrieved')

    async def main():
        loop.create_task(fail())
        await asyncio.sleep(0.01)

    loop.run_until_complete(main())
    import gc
    gc.collect()
    assert any(isinstance(c.get('exception'), ValueError) for c in seen)


def test_run_until_complete_with_future_stopped_early(loop):
    fut = loop.create_future()
    loop.call_soon(loop.stop)
    with pytest.raises(RuntimeError, match='stopped before Future completed'):
        loop.run_until_complete(fut)


def test_unreferenced_failed_task_reported_after_its_step(loop):
    """The batch of ready callbacks lets go of each handle as it runs, as asyncio does: a failed
    task nothing references is freed, and its "exception was never retrieved" report made,
    before the next callback of the same batch (found by CPython 3.12's test_futures2)."""
    seen = []
    loop.set_exception_handler(lambda lp, ctx: seen.append(ctx['message']))

    async def fail():
        raise ValueError('never retrieved')

    async def main():
        asyncio.Task(fail())          # not kept: only its scheduled step refers to it
        await asyncio.sleep(0)         # that step runs ahead of ours, in the same batch
        return list(seen)

    assert loop.run_until_complete(main()) == ['Task exception was never retrieved']


def test_exception_handler_runs_in_the_context_of_the_task(loop, loop_kind):
    """Python 3.12+'s asyncio runs a custom exception handler in the contextvars context of the
    task, future or handle it is about; before 3.12 in the caller's. Follow the running Python."""
    inner = sys.version_info >= (3, 12)
    uvloop_differs(loop_kind, 'reports a callback\'s error from inside its context, and runs the '
                              'handler of a task\'s report in the caller\'s context on 3.12+')
    var = contextvars.ContextVar('var', default='outer')
    seen = []

    def handler(lp, ctx):
        seen.append(('task' if 'never retrieved' in ctx['message'] else 'handle', var.get()))
    loop.set_exception_handler(handler)

    async def fail():
        var.set('task')
        raise ValueError('never retrieved')

    def boom():
        var.set('handle')
        raise RuntimeError('boom')

    async def main():
        asyncio.Task(fail())
        loop.call_soon(boom, context=contextvars.copy_context())
        for _ in range(3):
            await asyncio.sleep(0)
        return sorted(seen)

    assert loop.run_until_complete(main()) == [
        ('handle', 'handle' if inner else 'outer'), ('task', 'task' if inner else 'outer')]
