"""Benchmark EventEmitter.emit: nixloop.events vs pyee vs a plain callback list.

    python perf/bench_emit.py [--repeat 7] [--number 200000]

Each case emits one event with one argument (a bytes object, as 'data' does)
to 0, 1 and 3 trivial listeners and reports emits per second (best of
``--repeat`` runs of ``--number`` emits, the implementations timed in turn).  The target is >= 2x pyee.
pyee is optional (the project's ``bench`` extra); without it its columns say
"n/a".
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import timeit
import types


def _import_events():
    """Import nixloop.events, even if the compiled extension is not built yet.

    nixloop/__init__.py imports the compiled loop; events.py is pure Python and
    does not need it, so fall back to loading the package without running its
    __init__.
    """
    try:
        return importlib.import_module("nixloop.events")
    except ImportError:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "nixloop")
        for name in [n for n in sys.modules if n == "nixloop" or n.startswith("nixloop.")]:
            del sys.modules[name]
        pkg = types.ModuleType("nixloop")
        pkg.__path__ = [os.path.normpath(root)]
        sys.modules["nixloop"] = pkg
        return importlib.import_module("nixloop.events")


def _listener(data):
    pass


def _make_cases(n_listeners: int):
    events = _import_events()
    cases = {}

    ee = events.EventEmitter()
    for _ in range(n_listeners):
        ee.on("data", _listener)
    cases["nixloop"] = ee.emit

    class Sub(events.EventEmitter):
        def __init__(self):  # deliberately skips super().__init__()
            pass

    sub = Sub()
    for _ in range(n_listeners):
        sub.on("data", _listener)
    cases["nixloop (no super init)"] = sub.emit

    try:
        import pyee
    except ImportError:
        cases["pyee"] = None
    else:
        pe = pyee.EventEmitter()
        for i in range(n_listeners):
            # pyee refuses the same function twice: use distinct ones.
            pe.on("data", (lambda data: None) if i else _listener)
        cases["pyee"] = pe.emit

    callbacks = [_listener] * n_listeners

    def plain_emit(event, *args):
        for cb in callbacks:
            cb(*args)
        return bool(callbacks)

    cases["plain list loop"] = plain_emit
    return cases


def _rates(cases: dict, number: int, repeat: int) -> dict:
    """Best emits/s per case; the cases are timed round-robin so that a
    change in machine load hits all of them alike."""
    payload = b"x" * 64
    timers = {name: timeit.Timer("emit('data', payload)", globals={"emit": fn, "payload": payload})
              for name, fn in cases.items() if fn is not None}
    best = {name: float("inf") for name in timers}
    for _ in range(repeat):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(number))
    return {name: (number / best[name] if name in best else None) for name in cases}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=200_000)
    opts = parser.parse_args(argv)

    print(f"Python {sys.version.split()[0]}; best of {opts.repeat} x {opts.number} emits")
    header = f"{'listeners':>9}  {'implementation':<24}{'emits/s':>14}  {'vs pyee':>8}  {'vs plain':>8}"
    print(header)
    print("-" * len(header))
    worst = None
    for n in (0, 1, 3):
        cases = _make_cases(n)
        rates = _rates(cases, opts.number, opts.repeat)
        pyee_rate = rates.get("pyee")
        plain_rate = rates["plain list loop"]
        for name, rate in rates.items():
            if rate is None:
                print(f"{n:>9}  {name:<24}{'n/a':>14}")
                continue
            vs_pyee = f"{rate / pyee_rate:7.2f}x" if pyee_rate else "     n/a"
            vs_plain = f"{rate / plain_rate:7.2f}x"
            print(f"{n:>9}  {name:<24}{rate:>14,.0f}  {vs_pyee:>8}  {vs_plain:>8}")
            if name == "nixloop" and pyee_rate:
                ratio = rate / pyee_rate
                worst = ratio if worst is None else min(worst, ratio)
        print()
    if worst is not None:
        verdict = "meets" if worst >= 2.0 else "MISSES"
        print(f"worst nixloop/pyee ratio: {worst:.2f}x ({verdict} the 2x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
