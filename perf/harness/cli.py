"""nixloop's side-by-side benchmark suite (`python -m perf`, `make bench`).

    python -m perf            # quick mode (what `make bench` runs)
    python -m perf --full     # every workload and server kind
    python -m perf --only micro,echo-unix --reps 5

Servers run in their own processes pinned to CPU 0, the C load generator on CPU 1 (taskset).
Repetitions are interleaved (A B C A B C ...); each figure is the median with its min-max, and the
ratio to uvloop is the median of the per-repetition ratios. Beside throughput, every echo and HTTP
server's cost per request is measured: CPU (/proc), syscalls by kind (perf stat tracepoints) and
user-space instructions (callgrind), over fixed request counts. Results go to
perf/results/<stamp>/ (results.json, results.md, PNG charts) and perf/results/latest -> <stamp>.
See perf/README.md.
"""

import argparse
import datetime
import os
import shutil
import signal
import sys
import tempfile

from . import costs, output
from .env import (C_SEQPACKET_SERVER, C_SERVER, LOADGEN, PY_LOOPS, RESULTS, ROOT, Env, build_c,
                  probe_competitors, probe_http_stacks)
from .procs import CHILDREN, background_load, log, raise_nofile
from .runners import (MICRO_BENCHES, MICRO_LABELS, SCRIPTS, Progress, cost_kinds, run_echo_like,
                      run_idle, run_micro, run_script)
from .stats import Row
from .workloads import MODES, selected, workloads_for

COST_KINDS = ("syscalls", "instructions")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m perf", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_const", dest="mode", const="quick", help="the default")
    g.add_argument("--full", action="store_const", dest="mode", const="full")
    ap.add_argument("--only", default="", help="comma list: micro, emit, echo, http, seqpacket (the "
                    "echo-seqpacket-* workloads), udp (echo-udp-*), connrate, idle, seqpacket-py "
                    "(opt-in script perf/bench_seqpacket.py), or a workload id prefix such as "
                    "echo-unix, echo-tcp-1KiB")
    ap.add_argument("--competitors", default="", help="comma list of asyncio,uvloop,nixloop,rloop,"
                    "node,c (default: all available; uvloop, the reference of the ratios, is always "
                    "included)")
    ap.add_argument("--costs", default=",".join(COST_KINDS),
                    help="fixed-count cost passes of the echo and HTTP servers: syscalls, "
                         "instructions, both (the default) or none; CPU per request is always "
                         "measured")
    ap.add_argument("--reps", type=int, help="interleaved repetitions per figure")
    ap.add_argument("--duration", type=float, help="measured seconds per load-generator run")
    ap.add_argument("--warmup", type=float, help="warm-up seconds per load-generator run")
    ap.add_argument("--idle-conns", type=int, help="connections of the idle-RSS workload")
    ap.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                    help="before each load run, wait up to S seconds for other processes to go quiet "
                         "(useful on a shared machine; default 0)")
    ap.add_argument("--no-build", action="store_true", help="do not run make -C perf/c")
    ap.add_argument("--uv-prefix", default=os.environ.get("NIXLOOP_PERF_UV_PREFIX",
                                                          os.path.join(ROOT, "vendor", "prefix")),
                    help="libuv install prefix for the C server (default: vendor/prefix)")
    ap.add_argument("--out", default=RESULTS, help="results directory (default perf/results)")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    ap.add_argument("--summary", metavar="DIR", help="print the README's tables (cost per request, "
                    "the two ways of serving, throughput) of a finished run's results directory, "
                    "e.g. perf/results/latest, and exit")
    args = ap.parse_args(argv)
    wanted = {c.strip() for c in args.costs.split(",") if c.strip()} - {"none"}
    if wanted - set(COST_KINDS):
        ap.error(f"--costs: unknown {', '.join(sorted(wanted - set(COST_KINDS)))}")
    args.cost_kinds = wanted
    return args


def estimate_seconds(work, cfg, env, micro):
    t = 0.0
    for w in work:
        k = len(w.servers(env))
        if w.group == "idle":
            t += k * (2.5 + w.conns / 4000)
        else:
            t += k * (cfg["reps"] * (cfg["duration"] + cfg["warmup"] + 0.15) + 0.4)
        kinds = cost_kinds(env, w)
        t += k * ((1.5 if "syscalls" in kinds else 0) + (10 if "instructions" in kinds else 0))
    if micro:
        t += cfg["micro_reps"] * len(MICRO_BENCHES) * len(PY_LOOPS) * (cfg["micro_duration"] + 2 * cfg["micro_warmup"] + 0.25)
    return t + 15


def setup(env, args, want, work):
    """Build the C parts, probe the competitors, HTTP stacks and cost collectors; returns work
    (emptied when the load generator cannot be built)."""
    if work and not args.no_build:
        env.build = build_c(env, args.uv_prefix)
    elif work:
        env.build = {t: (True if os.path.exists(p) else "not built (--no-build)")
                     for t, p in (("loadgen", LOADGEN), ("echo_server", C_SERVER),
                                  ("seqpacket_server", C_SEQPACKET_SERVER))}
    for t, st in env.build.items():
        if st is not True:
            log(f"{t}: {st}")
    env.competitors = probe_competitors(env)
    for name, info in env.competitors.items():
        if want and name not in want:
            info["available"] = False
            info["error"] = "not selected (--competitors)"
        if info.get("available"):
            feats = info.get("features", {})
            missing = [k for k, v in feats.items() if v is not True]
            log(f"competitor {name:8s} {info.get('version', '')}"
                + (f"  (missing: {', '.join(missing)})" if missing else ""))
        else:
            log(f"competitor {name:8s} unavailable: {info.get('error')}")
    env.http_stacks = probe_http_stacks(env)
    log("HTTP stacks: " + ", ".join(f"{k} {v or 'not installed'}" for k, v in env.http_stacks.items()))
    env.tools = costs.probe_tools()
    env.cost_kinds = set(args.cost_kinds)
    if "syscalls" in env.cost_kinds and not env.tools["syscalls"]:
        log(f"syscall counts unavailable: {env.tools['why']}")
        env.cost_kinds.discard("syscalls")
    if "instructions" in env.cost_kinds and not env.tools["instructions"]:
        log(f"instruction counts unavailable: {env.tools['why']}")
        env.cost_kinds.discard("instructions")
    log(f"cost collectors: CPU from /proc; syscalls: {env.tools['syscalls'] or '-'}; "
        f"instructions: {env.tools['instructions'] or '-'}; passes run: "
        f"{', '.join(sorted(env.cost_kinds)) or 'none'}")
    if want and "c" not in want:
        env.build["echo_server"] = env.build["seqpacket_server"] = "not selected (--competitors)"
    if work and env.build.get("loadgen") is not True:
        log(f"load generator unavailable ({env.build.get('loadgen')}): skipping echo, http, "
            "connrate, idle")
        return []
    return work


def main(argv=None):
    args = parse_args(argv)
    if args.summary:
        from .summary import render
        print(render(args.summary), end="")
        return 0
    mode = args.mode or "quick"
    cfg = dict(MODES[mode])
    for k in ("reps", "duration", "warmup", "idle_conns"):
        v = getattr(args, k)
        if v is not None:
            cfg[k] = v
    if args.reps:
        cfg["micro_reps"] = args.reps
    tokens = [t.strip() for t in args.only.split(",") if t.strip()]
    want = {c.strip() for c in args.competitors.split(",") if c.strip()}
    if want:
        want.add("uvloop")

    nofile_soft, nofile_hard = raise_nofile()
    if cfg["idle_conns"] + 256 > nofile_soft:
        cfg["idle_conns"] = max(100, nofile_soft - 256)
    work = [w for w in workloads_for(mode, cfg["idle_conns"]) if selected(tokens, w.groups, w.id)]
    micro_benches = [b for b in MICRO_BENCHES if selected(tokens, "micro", f"micro-{b}")]
    # opt-in scripts run only when --only names them exactly
    scripts = [sc for sc in SCRIPTS if (sc[5] and selected(tokens, sc[0], sc[0])) or sc[0] in tokens]
    if args.list:
        for w in work:
            print(w.id, "-", w.title)
        for b in micro_benches:
            print(f"micro-{b} - {MICRO_LABELS[b]}")
        for sc in scripts:
            print(f"{sc[0]} - {sc[4]}")
        for sc in SCRIPTS:
            if sc not in scripts and not sc[5] and not tokens:
                print(f"{sc[0]} - {sc[4]} (opt-in: --only {sc[0]})")
        return 0

    env = Env(args)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    started = datetime.datetime.now(datetime.timezone.utc)
    tmpdir = tempfile.mkdtemp(prefix="nixloop-perf-")

    def on_term(signum, frame):
        raise KeyboardInterrupt

    old_handlers = {}
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        old_handlers[sig] = signal.getsignal(sig)
        signal.signal(sig, on_term)
    all_rows, mrows, script_results = [], [], []
    interrupted = False
    try:
        log(f"nixloop perf: {mode} mode, python {sys.version.split()[0]} ({sys.executable})")
        log(f"pinning: {env.pin_desc}")
        if not env.server_pin:
            log("WARNING: server and load generator are not pinned apart; figures are noisier")
        log(f"open files limit: soft {nofile_soft}, hard {nofile_hard}")
        bg = background_load(0.5)
        if bg is not None and bg > 0.25:
            log(f"WARNING: the machine is busy before we start ({bg * 100:.0f}% of a core used by other "
                "processes); figures will be noisy (see the bg CPU column; --wait-idle S may help)")
        work = setup(env, args, want, work)
        est = estimate_seconds(work, cfg, env, bool(micro_benches))
        total = len(scripts) + cfg["micro_reps"] * len(micro_benches) * len(PY_LOOPS)
        for w in work:
            n = len(w.servers(env))
            total += n if w.group == "idle" else n * (cfg["reps"] + len(cost_kinds(env, w)))
        log(f"{len(work)} workloads{' + micro' if micro_benches else ''}; about {est / 60:.1f} min at most")
        progress = Progress(total)
        if micro_benches:
            mrows = run_micro(env, cfg, progress, micro_benches)
        for sc in scripts:
            script_results.append((sc, run_script(env, mode, progress, sc[0], sc[1], sc[2], sc[3])))
        for w in work:
            rows = [Row(w.id, spec) for spec in w.servers(env)]
            all_rows.append((w, rows))  # filled in place, so an interruption keeps what was measured
            if w.group == "idle":
                run_idle(w, env, cfg, progress, tmpdir, rows)
            else:
                run_echo_like(w, env, cfg, progress, tmpdir, rows)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: reporting what was measured")
    finally:
        CHILDREN.kill_all()
        for sig, h in old_handlers.items():
            signal.signal(sig, h)
        shutil.rmtree(tmpdir, ignore_errors=True)

    finished = datetime.datetime.now(datetime.timezone.utc)
    return output.write(args, argv, env, mode, cfg, stamp, started, finished, interrupted,
                        all_rows, mrows, micro_benches, script_results)
