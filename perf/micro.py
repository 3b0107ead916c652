"""Micro benchmarks of the event loop itself, one benchmark on one loop per process.

    python perf/micro.py --bench call_soon --loop nixloop --duration 0.5

Prints one JSON object on stdout: {"bench", "loop", "ops", "seconds", "ops_per_s"} or
{"bench", "loop", "skip": reason}. Every benchmark is bounded by time (--duration, after a warm-up
of --warmup seconds) and by count (--max-ops).

Benchmarks:
  call_soon      a chain of callbacks, each scheduling the next with loop.call_soon
  call_later     the same chain with loop.call_later(0, ...) (a timer each time)
  sleep0         100 tasks each looping on `await asyncio.sleep(0)`; ops = task switches
  future         in one task: fut = loop.create_future(); loop.call_soon(fut.set_result, None);
                 await fut; ops = futures created, resolved and awaited
  threadsafe     another thread calls loop.call_soon_threadsafe(cb) in a loop; ops = callbacks run
  spawn          4 tasks each running `true` with asyncio.create_subprocess_exec (no pipes) and
                 awaiting its exit, again and again; ops = children started and reaped
"""

import argparse
import json
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "servers"))

import asyncio  # noqa: E402

from _common import LOOPS, Skip, make_loop  # noqa: E402

BENCHES = ("call_soon", "call_later", "sleep0", "future", "threadsafe", "spawn")
CHECK_EVERY = 1024  # ops between clock reads


class Chain:
    """Shared by call_soon and call_later: the callback re-schedules itself until the deadline."""

    def __init__(self, loop, schedule, deadline, max_ops):
        self.loop = loop
        self.schedule = schedule
        self.deadline = deadline
        self.max_ops = max_ops
        self.n = 0
        self.done = loop.create_future()

    def cb(self):
        n = self.n = self.n + 1
        if not n % CHECK_EVERY and (time.perf_counter() >= self.deadline or n >= self.max_ops):
            self.done.set_result(n)
            return
        self.schedule(self.cb)


def run_chain(loop, kind, seconds, max_ops):
    if kind == "call_soon":
        schedule = loop.call_soon
    else:
        def schedule(cb, _later=loop.call_later):
            _later(0, cb)
    chain = Chain(loop, schedule, time.perf_counter() + seconds, max_ops)
    t0 = time.perf_counter()
    schedule(chain.cb)
    n = loop.run_until_complete(chain.done)
    return n, time.perf_counter() - t0


def run_sleep0(loop, seconds, max_ops, ntasks=100):
    state = {"n": 0, "stop": False}
    deadline = time.perf_counter() + seconds

    async def worker():
        sleep = asyncio.sleep
        while not state["stop"]:
            await sleep(0)
            n = state["n"] = state["n"] + 1
            if not n % CHECK_EVERY and (time.perf_counter() >= deadline or n >= max_ops):
                state["stop"] = True

    async def main():
        await asyncio.gather(*[worker() for _ in range(ntasks)])

    t0 = time.perf_counter()
    loop.run_until_complete(main())
    return state["n"], time.perf_counter() - t0


def run_future(loop, seconds, max_ops):
    deadline = time.perf_counter() + seconds

    async def main():
        create = loop.create_future
        call_soon = loop.call_soon
        n = 0
        while True:
            fut = create()
            call_soon(fut.set_result, None)
            await fut
            n += 1
            if not n % CHECK_EVERY and (time.perf_counter() >= deadline or n >= max_ops):
                return n

    t0 = time.perf_counter()
    n = loop.run_until_complete(main())
    return n, time.perf_counter() - t0


def run_threadsafe(loop, seconds, max_ops):
    state = {"n": 0}
    done = loop.create_future()
    stop = threading.Event()

    def cb():
        state["n"] += 1

    def finish():
        if not done.done():
            done.set_result(None)

    def producer():
        cst = loop.call_soon_threadsafe
        deadline = time.perf_counter() + seconds
        i = 0
        while i < max_ops and not stop.is_set():
            cst(cb)
            i += 1
            if not i % CHECK_EVERY and time.perf_counter() >= deadline:
                break
        cst(finish)

    t = threading.Thread(target=producer, daemon=True)
    t0 = time.perf_counter()
    t.start()
    try:
        loop.run_until_complete(asyncio.wait_for(done, seconds + 30))
    finally:
        stop.set()
        t.join(5)
    return state["n"], time.perf_counter() - t0


def run_spawn(loop, seconds, max_ops, concurrency=4):
    true = shutil.which("true") or "/bin/true"
    state = {"n": 0}
    deadline = time.perf_counter() + seconds

    async def worker():
        while time.perf_counter() < deadline and state["n"] < max_ops:
            proc = await asyncio.create_subprocess_exec(true)
            if await proc.wait() != 0:
                raise RuntimeError(f"{true} exited with {proc.returncode}")
            state["n"] += 1

    async def main():
        await asyncio.gather(*[worker() for _ in range(concurrency)])

    t0 = time.perf_counter()
    loop.run_until_complete(main())
    return state["n"], time.perf_counter() - t0


def run_one(loop, bench, seconds, max_ops):
    if bench in ("call_soon", "call_later"):
        return run_chain(loop, bench, seconds, max_ops)
    if bench == "sleep0":
        return run_sleep0(loop, seconds, max_ops)
    if bench == "future":
        return run_future(loop, seconds, max_ops)
    if bench == "threadsafe":
        return run_threadsafe(loop, seconds, max_ops)
    if bench == "spawn":
        return run_spawn(loop, seconds, max_ops)
    raise ValueError(bench)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", choices=BENCHES, required=True)
    p.add_argument("--loop", choices=LOOPS, required=True)
    p.add_argument("--duration", type=float, default=0.5)
    p.add_argument("--warmup", type=float, default=0.1)
    p.add_argument("--max-ops", type=int, default=100_000_000)
    a = p.parse_args()
    out = {"bench": a.bench, "loop": a.loop}
    try:
        loop = make_loop(a.loop)
    except Skip as exc:
        out["skip"] = str(exc)
        print(json.dumps(out), flush=True)
        return 0
    asyncio.set_event_loop(loop)
    try:
        if a.warmup > 0:
            run_one(loop, a.bench, a.warmup, a.max_ops)
        n, secs = run_one(loop, a.bench, a.duration, a.max_ops)
        out.update(ops=n, seconds=secs, ops_per_s=n / secs if secs > 0 else 0.0)
    except (NotImplementedError, AttributeError) as exc:
        out["skip"] = f"{a.loop}: {type(exc).__name__}: {exc}"
    finally:
        try:
            loop.close()
        except Exception:  # noqa: BLE001 - the figure is already measured
            pass
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
