"""Instructions per operation of a micro benchmark (perf/micro.py), counted by callgrind.

    python perf/callgrind_micro.py --bench call_soon --loop nixloop uvloop rloop [--top 15]

This machine has no hardware performance counters and is shared, so wall-clock figures move by
10-20% between runs; instruction counts do not. Each (bench, loop) runs twice under
`valgrind --tool=callgrind`, count-bounded (--max-ops SMALL and LARGE, no warm-up); the difference
of the two totals divided by the difference of the operations is the cost of one operation, with
interpreter start-up and loop creation cancelled out. --top N also prints the N functions whose
own (self) instruction count grows most per operation (callgrind_annotate of both runs, diffed).

A loop given as NAME@DIR runs with PYTHONPATH=DIR, e.g. nixloop@/tmp/base for another build of
nixloop (a checkout built with `setup.py build_ext --inplace`), to compare before and after.

Prints one line per loop: "bench loop Ir/op ratio-to-first-loop".

--cpu R measures CPU time instead (no valgrind): the same two runs per loop, R times with the
loops interleaved, user+system CPU of the child (wait4) for the difference of the operations,
the minimum over the repetitions. CPU time is still disturbed by other processes (caches,
frequency) but not by waiting for a core, which is what makes wall-clock figures swing on a
shared machine; use it where callgrind cannot see the cost (two threads: threadsafe). `threadsafe` has two threads
that valgrind serialises: its figure includes the producer thread and depends on how callbacks
batch per wake-up, so treat it as indicative only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MICRO = os.path.join(HERE, "micro.py")


def loop_env(loop):
    """(loop name, environment) for NAME or NAME@PYTHONPATH."""
    name, _, path = loop.partition("@")
    env = dict(os.environ)
    if path:
        env["PYTHONPATH"] = path
    return name, env


def run_once(bench, loop, max_ops, outdir):
    name, env = loop_env(loop)
    out = os.path.join(outdir, f"cg.{bench}.{name}.{len(loop)}.{max_ops}")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
           sys.executable, MICRO, "--bench", bench, "--loop", name,
           "--warmup", "0", "--duration", "100000", "--max-ops", str(max_ops)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    if "skip" in res:
        raise SystemExit(f"{bench} {loop}: {res['skip']}")
    total = None
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    return res["ops"], total, out


def cpu_once(bench, loop, max_ops):
    name, env = loop_env(loop)
    cmd = [sys.executable, MICRO, "--bench", bench, "--loop", name,
           "--warmup", "0", "--duration", "100000", "--max-ops", str(max_ops)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"{cmd} failed")
    res = json.loads(out.strip().splitlines()[-1])
    return res["ops"], ru.ru_utime + ru.ru_stime


def self_costs(path):
    """{function: self Ir} from callgrind_annotate (inclusive off)."""
    p = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=no", "--auto=no", path],
                       capture_output=True, text=True, check=True)
    costs = {}
    for line in p.stdout.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$", line)
        if not m or ":" not in m.group(2) or "=>" in line:
            continue
        name = m.group(2).strip()
        name = re.sub(r"\s*\[[^\]]*\]$", "", name)
        costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--loop", nargs="+", required=True)
    ap.add_argument("--small", type=int, default=10240)
    ap.add_argument("--large", type=int, default=51200)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--cpu", type=int, default=0, metavar="R")
    a = ap.parse_args()
    base = None
    if a.cpu:
        best = {}
        for _ in range(a.cpu):
            for loop in a.loop:
                n1, c1 = cpu_once(a.bench, loop, a.small)
                n2, c2 = cpu_once(a.bench, loop, a.large)
                ns = (c2 - c1) / (n2 - n1) * 1e9
                best.setdefault(loop, []).append(ns)
        for loop in a.loop:
            v = min(best[loop])
            base = base or v
            runs = " ".join(f"{x:.0f}" for x in best[loop])
            print(f"{a.bench:12s} {loop:16s} {v:8.0f} ns CPU/op  {v / base:5.2f}x  (runs: {runs})")
        return 0
    with tempfile.TemporaryDirectory() as d:
        for loop in a.loop:
            n1, i1, f1 = run_once(a.bench, loop, a.small, d)
            n2, i2, f2 = run_once(a.bench, loop, a.large, d)
            per_op = (i2 - i1) / (n2 - n1)
            base = base or per_op
            print(f"{a.bench:12s} {loop:16s} {per_op:10.0f} Ir/op  {per_op / base:5.2f}x "
                  f"(ops {n1} -> {n2})", flush=True)
            if a.top:
                c1, c2 = self_costs(f1), self_costs(f2)
                diff = sorted(((c2.get(k, 0) - c1.get(k, 0)) / (n2 - n1), k) for k in c2)
                for v, k in reversed(diff[-a.top:]):
                    print(f"    {v:8.1f}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
