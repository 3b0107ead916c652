"""Running the workloads: echo-like (echo, HTTP, connection rate: interleaved timed repetitions,
then the fixed-count cost passes), idle RSS, the micro benchmarks, and the standalone scripts."""

import json
import os
import select
import subprocess
import sys
import time

from . import costs
from .env import LOADGEN, PERF, PY_LOOPS, ROOT
from .lgrun import Failed, Skip, run_loadgen, start_server
from .procs import CHILDREN, log, proc_rss_bytes, wait_quiet
from .workloads import KIB

MICRO_BENCHES = ("call_soon", "call_later", "sleep0", "future", "threadsafe", "spawn")
MICRO_LABELS = {
    "call_soon": "chained call_soon",
    "call_later": "chained call_later(0)",
    "sleep0": "sleep(0) switches, 100 tasks",
    "future": "future create/resolve/await",
    "threadsafe": "call_soon_threadsafe from a thread",
    "spawn": "subprocess spawn+wait (`true`, 4 at a time)",
}


class Progress:
    def __init__(self, total):
        self.total = max(total, 1)
        self.i = 0
        self.t0 = time.monotonic()

    def step(self, msg):
        self.i += 1
        el = time.monotonic() - self.t0
        log(f"[{self.i:3d}/{self.total}] {el:6.1f}s  {msg}")


def cost_kinds(env, w):
    """The fixed-count cost passes this workload gets (CPU per request comes with every run)."""
    if w.group not in ("echo", "http"):
        return []
    return [k for k in ("syscalls", "instructions") if k in env.cost_kinds]


def _fmt_run(w, row, rep, reps, res):
    lat = res["latency_us"]
    unit = "conn/s" if w.group == "connrate" else "req/s"
    cpu = costs.cpu_per_request(res)
    return (f"{w.id:24s} {row.spec.name:22s} rep {rep + 1}/{reps}: {res['rps']:>10,.0f} {unit}"
            f"  p50 {lat['p50']:7.0f} us  p99 {lat['p99']:7.0f} us"
            f"  lg cpu {res['cpu_share'] * 100:3.0f}%  srv cpu {res.get('server_cpu_share', 0) * 100:3.0f}%"
            + (f"  {cpu[0] + cpu[1]:6.2f} us/req" if cpu else "")
            + f"  bg {res.get('background_cpu', 0) * 100:3.0f}%"
            + (f"  errors {res['errors']}" if res.get("errors") else ""))


def run_echo_like(w, env, cfg, progress, tmpdir, rows):
    live = {}
    mode = "connrate" if w.group == "connrate" else "echo"
    try:
        for i, row in enumerate(rows):
            why = row.spec.unavailable(env)
            if why:
                row.status, row.reason = "skipped", why
                continue
            try:
                live[i] = start_server(row.spec, w.transport, tmpdir, env, i)
            except Skip as exc:
                row.status, row.reason = "skipped", str(exc)
            except Failed as exc:
                row.status, row.reason = "failed", str(exc)
        for r in rows:
            if r.status != "ok":
                progress.step(f"{w.id:24s} {r.spec.name:22s} {r.status}: {r.reason}")
        reps = cfg["reps"]
        for rep in range(reps):
            for i, row in enumerate(rows):
                if row.status != "ok":
                    continue
                proc, target = live[i]
                if proc.poll() is not None:
                    row.status, row.reason = "failed", f"server exited (status {proc.returncode})"
                    progress.step(f"{w.id:24s} {row.spec.name:22s} failed: {row.reason}")
                    continue
                wait_quiet(env.args.wait_idle)
                try:
                    res = run_loadgen(env, target, mode, w.conns, w.size, cfg["duration"],
                                      cfg["warmup"], proc.pid, w.loadgen_args)
                except Failed as exc:
                    row.runs.append(None)
                    row.reason = str(exc)
                    progress.step(f"{w.id:24s} {row.spec.name:22s} rep {rep + 1}/{reps}: FAILED {exc}")
                    if proc.poll() is not None:
                        row.status, row.reason = "failed", str(exc)
                    continue
                row.runs.append(res)
                progress.step(_fmt_run(w, row, rep, reps, res))
        for row in rows:
            if row.status == "ok" and not any(row.runs):
                row.status, row.reason = "failed", f"no successful run ({row.reason or 'unknown'})"
        if "syscalls" in cost_kinds(env, w):
            for i, row in enumerate(rows):
                if row.status == "ok" and i in live:
                    _cost_step(progress, w, row, "syscalls", lambda: costs.measure_syscalls(
                        env, w, live[i][0], live[i][1], tmpdir, f"sc{i}"))
    finally:
        for proc, _ in live.values():
            CHILDREN.stop(proc)
    if "instructions" in cost_kinds(env, w):
        for i, row in enumerate(rows):
            if row.status == "ok":
                _cost_step(progress, w, row, "instructions",
                           lambda: costs.measure_instructions(env, row.spec, w, tmpdir, i))
    return rows


def _cost_step(progress, w, row, what, fn):
    t0 = time.monotonic()
    try:
        res = fn()
    except (Skip, Failed, OSError, ValueError, subprocess.SubprocessError) as exc:
        row.costs[what] = {"error": str(exc)}
        progress.step(f"{w.id:24s} {row.spec.name:22s} {what}: FAILED {exc}")
        return
    row.costs[what] = res
    if what == "syscalls":
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in list(res["by_kind"].items())[:4])
        detail = f"{res['per_request']:.2f} syscalls/req ({kinds})"
    else:
        spread = f" (batches {min(res['batches']):,.0f}-{max(res['batches']):,.0f})"
        detail = f"{res['per_request']:,.0f} instructions/req{spread}"
    progress.step(f"{w.id:24s} {row.spec.name:22s} {detail}  [{time.monotonic() - t0:.1f} s]")


def run_idle(w, env, cfg, progress, tmpdir, rows):
    for i, row in enumerate(rows):
        why = row.spec.unavailable(env)
        if why:
            row.status, row.reason = "skipped", why
            progress.step(f"{w.id:24s} {row.spec.name:22s} skipped: {why}")
            continue
        proc = None
        lg = None
        try:
            proc, target = start_server(row.spec, w.transport, tmpdir, env, i)
            # Warm the server's code paths first, so that the baseline includes one-time costs.
            run_loadgen(env, target, "echo", 4, 64, 0.2, 0.0)
            time.sleep(0.2)
            rss0 = proc_rss_bytes(proc.pid)
            argv = env.client_pin + [LOADGEN] + target + [
                "--mode", "idle", "-c", str(w.conns), "-s", str(w.size), "--timeout", "10",
                "--hold", "120", "--inflight", "64"]
            lg = CHILDREN.popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
            deadline = time.monotonic() + 30 + w.conns * 0.01
            line = b""
            while time.monotonic() < deadline and b"\n" not in line:
                r, _, _ = select.select([lg.stdout], [], [], 0.2)
                if r:
                    chunk = os.read(lg.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    line += chunk
                elif lg.poll() is not None:
                    break
            first = json.loads(line.split(b"\n", 1)[0] or b"{}")
            if first.get("event") != "idle_ready":
                raise Failed(f"idle connections not established: {first.get('error', first)}")
            time.sleep(0.5)
            rss1 = proc_rss_bytes(proc.pid)
            out, _ = lg.communicate(timeout=30)  # closes its stdin: the signal to let go
            last = json.loads(out.decode().strip().splitlines()[-1])
            if last.get("errors"):
                raise Failed(f"{last['errors']} idle connections were dropped")
            per = (rss1 - rss0) / w.conns
            row.runs.append({"rss_before": rss0, "rss_after": rss1, "connections": w.conns,
                             "bytes_per_conn": per, "setup_s": first.get("setup_s")})
            progress.step(f"{w.id:24s} {row.spec.name:22s} {per / KIB:8.2f} KiB/conn"
                          f"  (RSS {rss0 / 2**20:.1f} -> {rss1 / 2**20:.1f} MiB)")
        except Skip as exc:
            row.status, row.reason = "skipped", str(exc)
            progress.step(f"{w.id:24s} {row.spec.name:22s} skipped: {exc}")
        except (Failed, ValueError, OSError, subprocess.TimeoutExpired) as exc:
            row.status, row.reason = "failed", str(exc)
            progress.step(f"{w.id:24s} {row.spec.name:22s} failed: {exc}")
        finally:
            if lg is not None:
                CHILDREN.stop(lg)
            if proc is not None:
                CHILDREN.stop(proc)
    return rows


def run_micro(env, cfg, progress, benches):
    loops = [l for l in PY_LOOPS if not env.want or l in env.want or "uvloop" == l]
    rows = {(b, l): {"bench": b, "loop": l, "status": "ok", "reason": None, "runs": []}
            for b in benches for l in loops}
    for l in loops:
        info = env.competitors.get(l, {})
        if not info.get("available"):
            for b in benches:
                rows[(b, l)].update(status="skipped", reason=f"{l} unavailable: {info.get('error')}")
    for rep in range(cfg["micro_reps"]):
        for b in benches:
            for l in loops:
                row = rows[(b, l)]
                if row["status"] != "ok":
                    continue
                argv = env.server_pin + [sys.executable, os.path.join(PERF, "micro.py"), "--bench", b,
                                         "--loop", l, "--duration", str(cfg["micro_duration"]),
                                         "--warmup", str(cfg["micro_warmup"])]
                p = CHILDREN.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env.child_env, cwd=PERF)
                try:
                    out, err = p.communicate(timeout=cfg["micro_duration"] * 2 + cfg["micro_warmup"] * 2 + 30)
                    res = json.loads(out.decode().strip().splitlines()[-1])
                except (subprocess.TimeoutExpired, ValueError, IndexError):
                    tail = ""
                    try:
                        tail = err.decode(errors="replace").strip().splitlines()[-1]
                    except Exception:  # noqa: BLE001
                        pass
                    res = {"error": f"micro benchmark crashed or timed out: {tail}"[:300]}
                finally:
                    CHILDREN.stop(p)
                if "skip" in res:
                    row.update(status="skipped", reason=res["skip"])
                    progress.step(f"micro {b:12s} {l:8s} skipped: {res['skip']}")
                    continue
                if "error" in res:
                    row["runs"].append(None)
                    progress.step(f"micro {b:12s} {l:8s} rep {rep + 1}: FAILED {res['error']}")
                    continue
                row["runs"].append(res["ops_per_s"])
                progress.step(f"micro {b:12s} {l:8s} rep {rep + 1}/{cfg['micro_reps']}: {res['ops_per_s']:>12,.0f} ops/s")
    for row in rows.values():
        if row["status"] == "ok" and not any(row["runs"]):
            row.update(status="failed", reason="no successful run")
    return list(rows.values())


# Benchmarks written as standalone scripts: (id, script, quick-mode args, pinned, title, default).
# default False: opt-in, run only when --only names the id exactly.
SCRIPTS = (
    ("emit", "bench_emit.py", ["--repeat", "3", "--number", "100000"], True,
     "EventEmitter.emit vs pyee vs a plain list (perf/bench_emit.py)", True),
    # Superseded by the echo-seqpacket-* workloads (the C load generator with --seqpacket): its
    # blocking Python clients are the bottleneck. Kept for its uvloop add_reader SEQPACKET server.
    ("seqpacket-py", "bench_seqpacket.py",
     ["--rounds", "3", "--seconds", "1.5", "--window", "1", "--clients", "2"], False,
     "SEQPACKET echo vs Unix-stream echo with Python clients, nixloop and uvloop "
     "(perf/bench_seqpacket.py)", False),
)


def run_script(env, mode, progress, bench_id, name, quick_args, pinned):
    """Run one standalone benchmark script and keep its text output for the report. Scripts
    that run their own server and client processes are not pinned as a whole."""
    script = os.path.join(PERF, name)
    if not os.path.exists(script):
        return {"status": "skipped", "reason": f"perf/{name} not present"}
    extra = quick_args if mode == "quick" else []
    argv = (env.server_pin if pinned else []) + [sys.executable, script] + extra
    p = CHILDREN.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env.child_env, cwd=ROOT)
    try:
        out, err = p.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": "timed out after 300 s"}
    finally:
        CHILDREN.stop(p)
    if p.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {p.returncode}"]
        progress.step(f"{bench_id}: failed: {tail[0]}")
        return {"status": "failed", "reason": tail[0][:300]}
    text = out.decode(errors="replace").rstrip()
    last = [l for l in text.splitlines() if l.strip()][-1:]
    progress.step(f"{bench_id}: {last[0] if last else 'done'}")
    return {"status": "ok", "output": text}
