"""Running servers and the C load generator: start a server and read its READY line, one timed
load-generator run (with the server's CPU time from /proc around it), and the fixed-count
`loadgen --sync` protocol that the cost collectors wrap around (warm up, pause, N requests, pause)."""

import json
import os
import select
import subprocess
import time

from .env import LOADGEN
from .procs import CHILDREN, machine_busy_seconds, proc_cpu


class Skip(Exception):
    pass


class Failed(Exception):
    pass


def start_server(spec, transport, tmpdir, env, idx, timeout=15.0, wrap=()):
    """Start a server and wait for its status line. Returns (proc, target) or raises Skip/Failed.
    wrap: a command the server runs under (valgrind ...), after the CPU pinning."""
    path = os.path.join(tmpdir, f"s{idx}.sock")
    argv = env.server_pin + list(wrap) + spec.command(transport, path)
    errf = open(os.path.join(tmpdir, f"s{idx}.err"), "w+")
    py = spec.competitor not in ("node", "c")
    p = CHILDREN.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errf,
                       env=env.child_env if py else None, cwd=tmpdir)
    p._errf = errf  # noqa: SLF001 - closed with the process
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 0.1)
        if r:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            if b"\n" in buf:
                break
        elif p.poll() is not None:
            break
    line = buf.split(b"\n", 1)[0].decode(errors="replace").strip()
    if line.startswith("READY "):
        parts = line.split()
        if parts[1] == "tcp":
            return p, ["--tcp", parts[2]]
        if parts[1] == "seqpacket":
            return p, ["--unix", parts[2], "--seqpacket"]
        if parts[1] == "udp":
            return p, ["--tcp", parts[2], "--udp"]
        return p, ["--unix", parts[2]]
    CHILDREN.stop(p)
    if line.startswith("SKIP"):
        raise Skip(line[5:].strip() or "skipped by the server")
    errf.seek(0)
    lines = [l for l in errf.read().strip().splitlines() if not l.startswith("==")]  # valgrind's
    tail = " | ".join(lines[-3:])[-400:]
    if p.returncode is not None and p.returncode != 0 and not tail:
        tail = f"exit status {p.returncode}"
    raise Failed(f"did not start: {tail or line or 'no readiness line in %.0f s' % timeout}")


def loadgen_argv(env, target, mode, conns, size, duration, warmup, extra=()):
    return env.client_pin + [LOADGEN] + list(target) + [
        "--mode", mode, "-c", str(conns), "-s", str(size or 64),
        "-d", str(duration), "-w", str(warmup), "--timeout", "5"] + list(extra)


def parse_result(out, err):
    lines = out.decode(errors="replace").strip().splitlines()
    try:
        res = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise Failed(f"load generator gave no result: {err.decode(errors='replace').strip()[-300:]}")
    if "error" in res:
        raise Failed(f"load generator: {res['error']} ({res.get('strerror', '')})")
    if res.get("requests", 0) == 0:
        why = res.get("last_error") or err.decode(errors="replace").strip()[-200:]
        raise Failed(f"no request completed: {why}")
    return res


def run_loadgen(env, target, mode, conns, size, duration, warmup, server_pid=None, extra=()):
    """One timed run. Adds the server's CPU over the whole run (warm-up included, as its
    "all_requests" count is): server_cpu_share (of one core), server_cpu_user_s/_sys_s, and the
    machine's other load (background_cpu, in cores)."""
    argv = loadgen_argv(env, target, mode, conns, size, duration, warmup, extra)
    c0 = proc_cpu(server_pid) if server_pid else None
    m0 = machine_busy_seconds()
    t0 = time.monotonic()
    p = CHILDREN.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=duration + warmup + 30)
    except subprocess.TimeoutExpired:
        CHILDREN.stop(p)
        raise Failed("load generator timed out")
    finally:
        CHILDREN.stop(p)
    wall = time.monotonic() - t0
    c1 = proc_cpu(server_pid) if server_pid else None
    m1 = machine_busy_seconds()
    res = parse_result(out, err)
    if c0 is not None and c1 is not None and wall > 0:
        user, system = c1[0] - c0[0], c1[1] - c0[1]
        res["server_cpu_user_s"], res["server_cpu_sys_s"] = user, system
        # Server CPU over the whole load-generator run (warm-up included), as a share of one core.
        res["server_cpu_share"] = (user + system) / res.get("total_wall_s", wall)
        if m0 is not None and m1 is not None:
            # Everything else the machine did meanwhile (other users' builds...), in cores.
            other = (m1 - m0) - (user + system) - res.get("total_cpu_s", 0.0)
            res["background_cpu"] = max(0.0, other) / wall
    return res


class SyncRun:
    """`loadgen --sync`: warm up for `warmup` seconds, pause; the caller starts its collector and
    calls go(); exactly `requests` requests run; the result is read; the caller stops its collector
    and calls go() again for each of `rounds` rounds (on the same connections), then finish() (only
    then are the connections closed).

        with SyncRun(env, target, conns, size, requests, warmup, extra) as run:
            run.wait_warm(); start(); res = run.go(); stop(); run.finish()
    """

    def __init__(self, env, target, conns, size, requests, warmup, extra=(), max_seconds=120,
                 rounds=1):
        self.argv = loadgen_argv(env, target, "echo", conns, size, max_seconds, warmup,
                                 list(extra) + ["--sync", "--max-requests", str(requests),
                                                "--rounds", str(rounds)])
        self.limit = max_seconds + warmup + 60
        self.p = None

    def __enter__(self):
        self.p = CHILDREN.popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        self.buf = b""
        return self

    def __exit__(self, *exc):
        CHILDREN.stop(self.p)

    def _line(self, what):
        deadline = time.monotonic() + self.limit
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.p.stdout], [], [], max(0.0, min(left, 1.0)))
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    break
                self.buf += chunk
            elif self.p.poll() is not None or left <= 0:
                break
        if b"\n" not in self.buf:
            err = b""
            if self.p.poll() is not None:
                err = self.p.stderr.read() or b""
            raise Failed(f"load generator --sync: no {what} line "
                         f"({err.decode(errors='replace').strip()[-200:] or 'timed out'})")
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def _send(self):
        try:
            self.p.stdin.write(b"\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise Failed(f"load generator --sync went away: {exc}")

    def wait_warm(self):
        warm = json.loads(self._line("warm-up") or b"{}")
        if warm.get("event") != "warm":
            raise Failed(f"load generator --sync: unexpected {warm}")
        if warm.get("errors"):
            raise Failed(f"{warm['errors']} errors in the warm-up")
        return warm

    def go(self):
        """Run the counted requests; returns the result (raises Failed if any went wrong)."""
        self._send()
        res = parse_result(self._line("result") + b"\n", b"")
        if res.get("errors"):
            raise Failed(f"{res['errors']} errors in the counted run: {res.get('last_error')}")
        return res

    def finish(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            pass
