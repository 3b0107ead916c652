"""A loop that always has a callback ready (a chain of call_soon) still sees I/O, timers, signals
and callbacks from other threads; handles waiting in a long ready list are still collected in
cycles and keep their own contexts. On stdlib asyncio, uvloop and nixloop.

nixloop runs the next round of ready callbacks without polling when the loop has no handle of
its own kind open (nothing could report I/O), and keeps waiting handles out of the cyclic GC:
these tests pin what must not change because of that."""
import asyncio
import contextvars
import gc
import os
import signal
import socket
import threading
import time
import warnings
import weakref

import pytest

MAX_STEPS = 200_000
DEADLINE = 5.0


def run_chain_until(loop, done):
    """Run a call_soon chain until done() is true; returns the number of steps (bounded)."""
    state = {'n': 0}
    t0 = time.monotonic()

    def step():
        state['n'] += 1
        if done() or state['n'] >= MAX_STEPS or time.monotonic() - t0 > DEADLINE:
            loop.stop()
        else:
            loop.call_soon(step)

    loop.call_soon(step)
    loop.run_forever()
    return state['n']


def test_reader_runs_between_chained_callbacks(loop):
    r, w = socket.socketpair()
    try:
        got = []
        loop.add_reader(r.fileno(), lambda: got.append(r.recv(10)))
        marks = {}

        def done():
            if 'sent' not in marks and chain_steps[0] == 100:
                w.send(b'x')
                marks['sent'] = chain_steps[0]
            chain_steps[0] += 1
            return bool(got)

        chain_steps = [0]
        run_chain_until(loop, done)
        loop.remove_reader(r.fileno())
        assert got == [b'x']
        # Every iteration polls: the data is seen within a few steps of being sent.
        assert chain_steps[0] - marks['sent'] <= 5
    finally:
        r.close()
        w.close()


def test_timer_fires_during_chain(loop):
    fired = []
    loop.call_later(0.02, fired.append, 1)
    run_chain_until(loop, lambda: bool(fired))
    assert fired == [1]


def test_call_later_zero_runs_in_the_next_iterations(loop):
    fired = []
    steps = [0]

    def done():
        steps[0] += 1
        if steps[0] == 10:
            loop.call_later(0, fired.append, steps[0])
        return bool(fired)

    run_chain_until(loop, done)
    assert fired == [10]
    assert steps[0] <= 14


def test_signal_handler_runs_during_chain(loop):
    got = []
    loop.add_signal_handler(signal.SIGUSR1, got.append, 'usr1')
    try:
        steps = [0]

        def done():
            steps[0] += 1
            if steps[0] == 50:
                os.kill(os.getpid(), signal.SIGUSR1)
            return bool(got)

        run_chain_until(loop, done)
        assert got == ['usr1']
    finally:
        loop.remove_signal_handler(signal.SIGUSR1)


def test_call_soon_threadsafe_during_chain(loop):
    got = []
    started = threading.Event()

    def worker():
        started.wait(5)
        time.sleep(0.01)
        loop.call_soon_threadsafe(got.append, 'thread')

    t = threading.Thread(target=worker)
    t.start()
    try:
        def done():
            started.set()
            return bool(got)

        run_chain_until(loop, done)
    finally:
        t.join(5)
    assert got == ['thread']


def test_many_threads_callbacks_all_run_once(loop):
    # Wake-ups are coalesced: none of the callbacks may be lost or run twice, whether the loop
    # sleeps in its poll or is busy when they arrive.
    counts = [0] * 4
    n = 5000

    def bump(k):
        counts[k] += 1

    def producer(k):
        for i in range(n):
            loop.call_soon_threadsafe(bump, k)
            if i % 1000 == 0:
                time.sleep(0.001)

    threads = [threading.Thread(target=producer, args=(k,)) for k in range(4)]

    async def main():
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            await asyncio.sleep(0.005)
        for _ in range(3):
            await asyncio.sleep(0)

    loop.run_until_complete(asyncio.wait_for(main(), 30))
    for t in threads:
        t.join()
    # counts[k] is only ever touched in the loop thread, by k's callbacks in order.
    assert counts == [n] * 4


def test_idle_loop_wakes_for_each_threadsafe_callback(loop):
    got = []

    def worker():
        for i in range(20):
            time.sleep(0.005)     # the loop is asleep in its poll each time
            loop.call_soon_threadsafe(got.append, i)
        loop.call_soon_threadsafe(loop.stop)

    t = threading.Thread(target=worker)
    t.start()
    guard = loop.call_later(10, loop.stop)
    t0 = time.monotonic()
    loop.run_forever()
    t.join()
    guard.cancel()
    assert got == list(range(20))
    assert time.monotonic() - t0 < 5


class Owner:
    def method(self):
        pass


def run_in_loop(loop, fn):
    """Call fn() from a callback of the running loop, then run one more iteration."""
    loop.call_soon(fn)
    loop.call_soon(loop.stop)
    loop.run_forever()


@pytest.mark.parametrize('threadsafe', [False, True])
def test_cycle_through_a_waiting_handle_is_collected(loop, threadsafe):
    schedule = loop.call_soon_threadsafe if threadsafe else loop.call_soon
    refs = []

    def setup():
        for _ in range(50):           # a long ready list
            schedule(int)
        owner = Owner()
        owner.handle = schedule(owner.method)
        refs.append(weakref.ref(owner))

    run_in_loop(loop, setup)
    loop.call_soon(loop.stop)
    loop.run_forever()
    gc.collect()
    assert refs[0]() is None


def test_handle_reached_by_weakref_while_waiting_is_collected_in_a_cycle(loop):
    holder = {}

    def grab(wr):
        owner = Owner()
        owner.handle = wr()       # a strong reference made from the weak one
        owner.self = owner
        holder['ref'] = weakref.ref(owner)

    def setup():
        for _ in range(50):
            loop.call_soon(int)
        wr = weakref.ref(loop.call_soon(int))
        loop.call_soon(grab, wr)

    run_in_loop(loop, setup)
    loop.call_soon(loop.stop)
    loop.run_forever()
    gc.collect()
    assert holder['ref']() is None


def test_stopped_loop_with_a_long_ready_list_is_collected_unclosed(loop_kind):
    # The loop, its waiting handles and their callbacks form a cycle the GC must take apart.
    from nltest import make_loop, uvloop_differs
    uvloop_differs(loop_kind, 'a loop that was never closed is not collected')
    lp = make_loop(loop_kind)
    owner = Owner()

    def setup():
        for _ in range(100):
            lp.call_soon(owner.method)
        lp.stop()

    lp.call_soon(setup)
    lp.run_forever()
    lp.call_soon(int)
    ref, owner_ref = weakref.ref(lp), weakref.ref(owner)
    del lp, owner
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ResourceWarning)
        gc.collect()
    assert ref() is None
    assert owner_ref() is None


def test_contexts_of_a_long_ready_list_stay_separate(loop):
    var = contextvars.ContextVar('var', default=0)
    seen = []

    def bump(i):
        seen.append(var.get())
        var.set(i)

    async def main():
        for i in range(100):         # a running loop's long ready list
            loop.call_soon(bump, i)

    loop.run_until_complete(main())
    loop.call_soon(bump, -1)
    loop.call_soon(lambda: seen.append(var.get()))
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert seen == [0] * 102


def test_threadsafe_contexts_are_copies_of_the_callers(loop):
    var = contextvars.ContextVar('var', default='loop')
    seen = []

    def worker():
        var.set('thread')
        for _ in range(100):
            loop.call_soon_threadsafe(lambda: (seen.append(var.get()), var.set('changed')))
        loop.call_soon_threadsafe(loop.stop)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    loop.run_forever()
    assert seen == ['thread'] * 100


def test_close_with_a_long_ready_list_releases_everything(loop_kind):
    from nltest import make_loop
    lp = make_loop(loop_kind)
    owner = Owner()

    def setup():
        for _ in range(100):
            lp.call_soon(owner.method)
        lp.stop()

    lp.call_soon(setup)
    lp.run_forever()
    ref = weakref.ref(owner)
    del owner
    lp.close()
    gc.collect()
    assert ref() is None
