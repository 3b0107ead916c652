#!/usr/bin/env python3
"""nixloop's side-by-side benchmark suite.

    python -m perf            # quick mode (what `make bench` runs), a few minutes
    python -m perf --full     # every workload and server kind, ~35 minutes
    python -m perf --only micro,echo-unix --reps 5

Servers run in their own processes pinned to CPU 0, the C load generator on CPU 1 (taskset).
Repetitions are interleaved (A B C A B C ...); each figure is the median with its min-max, and the
ratio to uvloop is the median of the per-repetition ratios. Results go to perf/results/<stamp>/
(results.json, results.md, PNG charts) and perf/results/latest -> <stamp>.
See perf/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

PERF = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(PERF)
SERVERS = os.path.join(PERF, "servers")
BUILD = os.path.join(PERF, "build")
RESULTS = os.path.join(PERF, "results")
LOADGEN = os.path.join(BUILD, "loadgen")
C_SERVER = os.path.join(BUILD, "echo_server")
C_SEQPACKET_SERVER = os.path.join(BUILD, "seqpacket_server")

PY_LOOPS = ("asyncio", "uvloop", "nixloop", "rloop")
PY_KINDS = ("protocol", "buffered", "streams", "sock")
KIB = 1024

MODES = {
    # reps: interleaved repetitions; duration/warmup: seconds per load-generator run
    "quick": dict(reps=3, duration=1.5, warmup=0.3, micro_duration=0.3, micro_warmup=0.05,
                  idle_conns=1000, micro_reps=3),
    "full": dict(reps=3, duration=3.0, warmup=0.5, micro_duration=1.0, micro_warmup=0.2,
                 idle_conns=10000, micro_reps=5),
}
# Which side limits a figure. A server that never idles (its CPU share >= SERVER_BOUND) is the
# bottleneck: it is already doing all the work it can, so the client kept it busy. Otherwise a load
# generator at >= CLIENT_BOUND of its core may be what held it back: such figures are marked * and
# are lower bounds for the server.
SERVER_BOUND = 0.95
CLIENT_BOUND = 0.85


def client_bound(lg, srv) -> bool:
    """True when a figure may be limited by the load generator rather than the server."""
    if lg is None or lg < CLIENT_BOUND:
        return False
    return srv is None or srv < SERVER_BOUND

MICRO_BENCHES = ("call_soon", "call_later", "sleep0", "future", "threadsafe", "spawn")
MICRO_LABELS = {
    "call_soon": "chained call_soon",
    "call_later": "chained call_later(0)",
    "sleep0": "sleep(0) switches, 100 tasks",
    "future": "future create/resolve/await",
    "threadsafe": "call_soon_threadsafe from a thread",
    "spawn": "subprocess spawn+wait (`true`, 4 at a time)",
}


def log(msg=""):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# child processes


class Children:
    """Every child runs in its own process group; kill_all() ends them all (SIGTERM, then SIGKILL)."""

    def __init__(self):
        self.procs = []

    def popen(self, argv, **kw):
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, grace=2.0):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(grace)
                except subprocess.TimeoutExpired:
                    pass
        for f in (p.stdin, p.stdout, p.stderr, getattr(p, "_errf", None)):
            if f:
                try:
                    f.close()
                except OSError:
                    pass
        if p in self.procs:
            self.procs.remove(p)

    def kill_all(self):
        for p in list(self.procs):
            self.stop(p, grace=1.0)


CHILDREN = Children()


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), from /proc; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def machine_busy_seconds():
    """CPU seconds spent by all processes (user, nice, system, steal) on all CPUs, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + (v[7] if len(v) > 7 else 0)) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def background_load(seconds=0.3):
    """Cores' worth of CPU the machine uses right now (excluding our own sleeping harness)."""
    m0, t0 = machine_busy_seconds(), time.monotonic()
    time.sleep(seconds)
    m1, t1 = machine_busy_seconds(), time.monotonic()
    if m0 is None or m1 is None:
        return None
    return (m1 - m0) / (t1 - t0)


def wait_quiet(limit_s, threshold=0.25):
    """Wait up to limit_s seconds for the machine to be quiet (< threshold of a core busy)."""
    if limit_s <= 0:
        return None
    deadline = time.monotonic() + limit_s
    load = background_load(0.2)
    while load is not None and load > threshold and time.monotonic() < deadline:
        load = background_load(0.5)
    return load


def proc_rss_bytes(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------------------------
# environment


class Env:
    def __init__(self, args):
        self.args = args
        self.notes = []
        self.server_pin, self.client_pin, self.pin_desc = self._pinning(args.no_pin)
        self.child_env = self._child_env()
        self.competitors = {}
        self.build = {}
        self.want = {c.strip() for c in args.competitors.split(",") if c.strip()}
        if self.want:
            self.want.add("uvloop")  # the reference of every ratio

    def _pinning(self, disabled):
        ncpu = os.cpu_count() or 1
        if disabled:
            return [], [], "disabled (--no-pin)"
        taskset = shutil.which("taskset")
        if not taskset:
            return [], [], "not pinned: taskset not found"
        if ncpu < 2:
            return [], [], f"not pinned: only {ncpu} CPU"
        try:
            allowed = sorted(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            allowed = list(range(ncpu))
        if len(allowed) < 2:
            return [], [], f"not pinned: only CPUs {allowed} allowed"
        s, c = allowed[0], allowed[1]
        ok = subprocess.run([taskset, "-c", str(s), "true"], capture_output=True).returncode == 0
        if not ok:
            return [], [], "not pinned: taskset failed"
        return ([taskset, "-c", str(s)], [taskset, "-c", str(c)],
                f"servers and micro benchmarks on CPU {s}, load generator on CPU {c} (taskset)")

    def _child_env(self):
        """The environment of the Python children: the interpreter running us, and the nixloop this
        process would import (an in-place build in the working directory counts)."""
        env = dict(os.environ)
        extra = []
        import importlib.util
        for name in ("nixloop",):
            spec = None
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                pass
            if spec is None:
                # `python perf/run.py` from the repo: try the repo root too.
                sys.path.insert(0, ROOT)
                try:
                    spec = importlib.util.find_spec(name)
                except (ImportError, ValueError):
                    spec = None
                finally:
                    sys.path.remove(ROOT)
            if spec is not None and spec.submodule_search_locations:
                parent = os.path.dirname(list(spec.submodule_search_locations)[0])
                if parent not in extra:
                    extra.append(parent)
        if extra:
            old = env.get("PYTHONPATH")
            env["PYTHONPATH"] = os.pathsep.join(extra + ([old] if old else []))
        env.pop("PYTHONSTARTUP", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft, hard


PROBE = r"""
import asyncio, json, os, socket, sys, tempfile
name = sys.argv[1]
out = {"name": name, "features": {}}
try:
    if name == "asyncio":
        loop = asyncio.SelectorEventLoop(); out["version"] = sys.version.split()[0]
    else:
        mod = __import__(name)
        out["version"] = getattr(mod, "__version__", "?")
        out["path"] = os.path.dirname(getattr(mod, "__file__", "") or "")
        loop = mod.new_event_loop()
except Exception as e:
    out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out)); sys.exit(0)
asyncio.set_event_loop(loop)
F = out["features"]
def check(label, coro_fn):
    try:
        loop.run_until_complete(asyncio.wait_for(coro_fn(), 2))
        F[label] = True
    except NotImplementedError as e:
        F[label] = "NotImplementedError: %s" % e
    except Exception as e:
        F[label] = "%s: %s" % (type(e).__name__, e)
async def tcp():
    s = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0); s.close()
async def unix():
    d = tempfile.mkdtemp(); p = os.path.join(d, "p.sock")
    s = await loop.create_unix_server(asyncio.Protocol, p); s.close()
    try: os.unlink(p)
    except OSError: pass
    os.rmdir(d)
async def socks():
    a, b = socket.socketpair(); a.setblocking(False); b.setblocking(False)
    await loop.sock_sendall(a, b"x"); assert await loop.sock_recv(b, 1) == b"x"
    a.close(); b.close()
async def basic():
    await asyncio.sleep(0)
check("core", basic)
check("create_server", tcp)
check("create_unix_server", unix)
check("sock_*", socks)
if name == "nixloop":
    for sub in ("net", "node", "unix", "events"):
        try:
            __import__("nixloop." + sub); F["nixloop." + sub] = True
        except Exception as e:
            F["nixloop." + sub] = "%s: %s" % (type(e).__name__, e)
try:
    loop.close()
except Exception:
    pass
print(json.dumps(out))
"""


def probe_competitors(env):
    comps = {}
    for name in PY_LOOPS:
        try:
            r = subprocess.run([sys.executable, "-c", PROBE, name], capture_output=True, text=True,
                               timeout=30, env=env.child_env, cwd=PERF)
            line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
            info = json.loads(line) if line else {"error": (r.stderr.strip() or "no output")[-300:]}
        except (subprocess.TimeoutExpired, ValueError, OSError) as exc:
            info = {"error": f"probe failed: {exc}"}
        info["available"] = "error" not in info
        comps[name] = info
    node = shutil.which("node")
    if node:
        v = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        comps["node"] = {"available": True, "version": v, "path": node}
    else:
        comps["node"] = {"available": False, "error": "node not found on PATH"}
    return comps


C_TARGETS = ("loadgen", "echo_server", "seqpacket_server")


def build_c(env, uv_prefix):
    """make -C perf/c; the load generator and the C server are built separately so that a missing
    libuv only loses the C server."""
    res = {}
    base = ["make", "-s", "-C", os.path.join(PERF, "c"), f"UV_PREFIX={uv_prefix}"]
    if not shutil.which("make") or not (shutil.which("cc") or shutil.which("gcc")):
        for t in C_TARGETS:
            res[t] = "make or a C compiler is missing"
        return res
    for target in C_TARGETS:
        r = subprocess.run(base + [target], capture_output=True, text=True)
        if r.returncode == 0:
            res[target] = True
        else:
            msg = (r.stderr.strip() or r.stdout.strip()).splitlines()
            res[target] = "build failed: " + (msg[-1] if msg else f"make exited {r.returncode}")
    return res


# --------------------------------------------------------------------------------------------
# servers and workloads


# Server kinds whose sockets are Unix SOCK_SEQPACKET (kind -> (row name, script)). Their servers
# print "READY seqpacket PATH" and are driven with loadgen --seqpacket; in a "seqpacket" workload
# every other server (the references) listens on a Unix *stream* socket.
SEQPACKET_KINDS = {
    "seqpacket": ("nixloop/seqpacket", "seqpacket_echo.py"),  # loop.create_seqpacket_server
    "unixnet": ("nixloop/unix", "unixnet_echo.py"),           # the nixloop.unix facade
    "cseqpacket": ("C/libuv seqpacket", None),                # perf/c/seqpacket_server.c --tstamp
}


# The server kind of the UDP workloads: an asyncio.DatagramProtocol echo (udp_echo.py) on the
# Python loops, Node.js dgram (node_echo.js --udp), the C server's uv_udp mode.
UDP_KIND = "datagram"


class ServerSpec:
    def __init__(self, competitor, kind):
        self.competitor = competitor
        self.kind = kind
        self.seqpacket = kind in SEQPACKET_KINDS
        if competitor == "node":
            self.name = "node/dgram" if kind == UDP_KIND else "node/net"
        elif self.seqpacket:
            self.name = SEQPACKET_KINDS[kind][0]
        elif competitor == "c":
            self.name = "C/libuv"
        else:
            self.name = f"{competitor}/{kind}"

    def command(self, transport, address):
        """The server's argv. transport "seqpacket" is a Unix socket path for every server (a
        SEQPACKET socket for the seqpacket kinds, a stream socket for the others); "udp" binds
        a UDP port on 127.0.0.1."""
        if transport == "udp":
            if self.competitor == "c":
                return [C_SERVER, "udp", "127.0.0.1", "0"]
            addr = ["--tcp", "127.0.0.1:0"]
            if self.competitor == "node":
                return [shutil.which("node") or "node", os.path.join(SERVERS, "node_echo.js"),
                        "--udp"] + addr
            return [sys.executable, os.path.join(SERVERS, "udp_echo.py"), "--loop",
                    self.competitor] + addr
        if self.competitor == "c" and self.seqpacket:
            return [C_SEQPACKET_SERVER, "--tstamp", address]
        if self.competitor == "c":
            addr = ["tcp", "127.0.0.1", "0"] if transport == "tcp" else ["unix", address]
            return [C_SERVER] + addr
        addr = ["--tcp", "127.0.0.1:0"] if transport == "tcp" else ["--unix", address]
        if self.competitor == "node":
            return [shutil.which("node") or "node", os.path.join(SERVERS, "node_echo.js")] + addr
        if self.seqpacket:
            script = SEQPACKET_KINDS[self.kind][1]
        else:
            script = "nixnet_echo.py" if self.kind == "net" else f"{self.kind}_echo.py"
        return [sys.executable, os.path.join(SERVERS, script), "--loop", self.competitor] + addr

    def unavailable(self, env):
        """A reason why this server cannot run here, or None."""
        if self.competitor == "c":
            b = env.build.get("seqpacket_server" if self.seqpacket else "echo_server")
            return None if b is True else f"C server not built: {b}"
        info = env.competitors.get(self.competitor, {})
        if not info.get("available"):
            return f"{self.competitor} unavailable: {info.get('error', 'not found')}"
        if self.competitor == "nixloop" and self.kind in ("net", "unixnet"):
            mod = "nixloop.net" if self.kind == "net" else "nixloop.unix"
            f = info.get("features", {}).get(mod)
            if f is not True:
                return f"{mod} unavailable: {f}"
        return None


class Workload:
    def __init__(self, group, transport=None, size=None, conns=None, kinds=PY_KINDS[:1],
                 facades=True, window=1):
        self.group = group
        self.transport = transport
        self.size = size
        self.conns = conns
        self.kinds = kinds
        self.facades = facades
        self.window = window      # messages in flight per connection (SEQPACKET and UDP only)
        tname = {"tcp": "TCP", "unix": "Unix", "seqpacket": "SEQPACKET", "udp": "UDP"}.get(
            transport, transport)
        # --only tokens that select this workload besides its id prefixes
        self.groups = (group, transport) if transport in ("seqpacket", "udp") else (group,)
        if group == "echo":
            self.id = f"echo-{transport}-{fmt_size(size)}-c{conns}"
            self.title = f"echo {tname} {fmt_size(size)} x {conns} conn"
            if window > 1:
                self.id += f"-w{window}"
                self.title += f", {window} messages in flight each"
        elif group == "connrate":
            self.id = f"connrate-{transport}"
            self.title = f"connection rate {tname} ({conns} concurrent, {size} B round trip)"
        elif group == "idle":
            self.id = f"idle-{transport}-{conns}"
            self.title = f"RSS per idle {transport.upper()} connection ({conns} connections)"

    def servers(self, env):
        specs = self._servers(env)
        if env.want:
            specs = [s for s in specs if s.competitor in env.want]
        return specs

    def _servers(self, env):
        if self.transport == "udp":
            # "conn" is a client UDP socket with one datagram in flight
            specs = [ServerSpec(loop, UDP_KIND) for loop in PY_LOOPS]
            if self.facades:
                specs += [ServerSpec("node", UDP_KIND), ServerSpec("c", UDP_KIND)]
            return specs
        if self.transport == "seqpacket" and self.window > 1:
            # The stream references cannot pipeline messages (a stream has no message
            # boundaries for the load generator to count): only the SEQPACKET servers.
            return [ServerSpec("nixloop", "seqpacket"), ServerSpec("nixloop", "unixnet"),
                    ServerSpec("c", "cseqpacket")]
        if self.transport == "seqpacket":
            # Only nixloop has a SEQPACKET transport. The references run the same message size on
            # a Unix stream socket; the target: nixloop/seqpacket >= uvloop/protocol.
            # The C servers (stream and SEQPACKET, same vendored libuv) show what the kernel
            # leaves for user space on each socket type.
            return [ServerSpec("uvloop", "protocol"), ServerSpec("nixloop", "protocol"),
                    ServerSpec("nixloop", "seqpacket"), ServerSpec("nixloop", "unixnet"),
                    ServerSpec("c", "c"), ServerSpec("c", "cseqpacket")]
        specs = []
        for loop in PY_LOOPS:
            for kind in self.kinds:
                specs.append(ServerSpec(loop, kind))
        if self.facades:
            specs.append(ServerSpec("nixloop", "net"))
            specs.append(ServerSpec("node", "net"))
            specs.append(ServerSpec("c", "c"))
        return specs


def fmt_size(n):
    return f"{n // KIB}KiB" if n >= KIB and n % KIB == 0 else f"{n}B"


def workloads_for(mode, idle_conns):
    w = []
    if mode == "quick":
        for size, transports in ((1 * KIB, ("tcp", "unix")), (16 * KIB, ("tcp", "unix")), (128 * KIB, ("tcp",))):
            for t in transports:
                w.append(Workload("echo", t, size, 10))
        for size in (1 * KIB, 16 * KIB):
            w.append(Workload("echo", "seqpacket", size, 10))
        w.append(Workload("echo", "udp", 1 * KIB, 10))
        w.append(Workload("echo", "udp", 1 * KIB, 10, window=8))
        w.append(Workload("connrate", "tcp", 64, 10))
        w.append(Workload("idle", "tcp", 64, idle_conns))
    else:
        for size in (1 * KIB, 16 * KIB, 128 * KIB):
            for t in ("tcp", "unix"):
                w.append(Workload("echo", t, size, 10, kinds=PY_KINDS))
        for size in (1 * KIB, 16 * KIB):
            w.append(Workload("echo", "seqpacket", size, 10))
            w.append(Workload("echo", "udp", size, 10))
        w.append(Workload("echo", "seqpacket", 1 * KIB, 10, window=8))
        w.append(Workload("echo", "udp", 1 * KIB, 10, window=8))
        for conns in (1, 100):
            for size in (1 * KIB, 16 * KIB):
                for t in ("tcp", "unix"):
                    w.append(Workload("echo", t, size, conns))
        for t in ("tcp", "unix"):
            w.append(Workload("connrate", t, 64, 10))
        w.append(Workload("idle", "tcp", 64, idle_conns))
    return w


def selected(tokens, group, wid):
    """group: a name or a tuple of names that select as a whole (--only echo, --only seqpacket)."""
    if not tokens:
        return True
    groups = (group,) if isinstance(group, str) else group
    return any(t in groups or wid.startswith(t) for t in tokens)


def start_server(spec, transport, tmpdir, env, idx, timeout=15.0):
    """Start a server and wait for its status line. Returns (proc, target) or raises Skip/Failed."""
    path = os.path.join(tmpdir, f"s{idx}.sock")
    argv = env.server_pin + spec.command(transport, path)
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
    tail = " | ".join(errf.read().strip().splitlines()[-3:])[-400:]
    if p.returncode is not None and p.returncode != 0 and not tail:
        tail = f"exit status {p.returncode}"
    raise Failed(f"did not start: {tail or line or 'no readiness line in %.0f s' % timeout}")


class Skip(Exception):
    pass


class Failed(Exception):
    pass


def run_loadgen(env, target, mode, conns, size, duration, warmup, server_pid=None, extra=()):
    argv = env.client_pin + [LOADGEN] + target + [
        "--mode", mode, "-c", str(conns), "-s", str(size), "-d", str(duration), "-w", str(warmup),
        "--timeout", "5"] + list(extra)
    c0 = proc_cpu_seconds(server_pid) if server_pid else None
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
    c1 = proc_cpu_seconds(server_pid) if server_pid else None
    m1 = machine_busy_seconds()
    lines = out.decode(errors="replace").strip().splitlines()
    try:
        res = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise Failed(f"load generator gave no result: {err.decode(errors='replace').strip()[-300:]}")
    if "error" in res:
        raise Failed(f"load generator: {res['error']} ({res.get('strerror', '')})")
    if res.get("requests", 0) == 0:
        raise Failed(f"no request completed: {err.decode(errors='replace').strip()[-200:]}")
    if c0 is not None and c1 is not None and wall > 0:
        # Server CPU over the whole load-generator run (warm-up included), as a share of one core.
        res["server_cpu_share"] = (c1 - c0) / res.get("total_wall_s", wall)
        if m0 is not None and m1 is not None:
            # Everything else the machine did meanwhile (other users' builds...), in cores.
            other = (m1 - m0) - (c1 - c0) - res.get("total_cpu_s", 0.0)
            res["background_cpu"] = max(0.0, other) / wall
    return res


# --------------------------------------------------------------------------------------------
# statistics and results


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(values):
    xs = [v for v in values if v is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def paired_ratio(values, ref_values):
    rs = [a / b for a, b in zip(values, ref_values) if a is not None and b]
    return statistics.median(rs) if rs else None


class Row:
    def __init__(self, wid, spec):
        self.workload = wid
        self.spec = spec
        self.status = "ok"
        self.reason = None
        self.runs = []  # dicts; index = repetition

    def metric(self, key):
        return [r.get(key) if r else None for r in self.runs]

    def to_json(self):
        return {"workload": self.workload, "server": self.spec.name, "competitor": self.spec.competitor,
                "kind": self.spec.kind, "status": self.status, "reason": self.reason, "runs": self.runs}


def reference_row(rows, spec):
    """The uvloop row this row is compared with: same kind if uvloop has one, else uvloop/protocol."""
    by = {r.spec.name: r for r in rows}
    for name in (f"uvloop/{spec.kind}", "uvloop/protocol"):
        r = by.get(name)
        if r is not None and r.status == "ok":
            return r
    return None


# --------------------------------------------------------------------------------------------
# runners


class Progress:
    def __init__(self, total):
        self.total = max(total, 1)
        self.i = 0
        self.t0 = time.monotonic()

    def step(self, msg):
        self.i += 1
        el = time.monotonic() - self.t0
        log(f"[{self.i:3d}/{self.total}] {el:6.1f}s  {msg}")


def run_echo_like(w, env, cfg, progress, tmpdir, rows):
    live = {}
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
                progress.step(f"{w.id:24s} {r.spec.name:18s} {r.status}: {r.reason}")
        reps = cfg["reps"]
        for rep in range(reps):
            for i, row in enumerate(rows):
                if row.status != "ok":
                    continue
                proc, target = live[i]
                if proc.poll() is not None:
                    row.status, row.reason = "failed", f"server exited (status {proc.returncode})"
                    progress.step(f"{w.id:24s} {row.spec.name:18s} failed: {row.reason}")
                    continue
                wait_quiet(env.args.wait_idle)
                try:
                    res = run_loadgen(env, target, "echo" if w.group == "echo" else "connrate",
                                      w.conns, w.size, cfg["duration"], cfg["warmup"], proc.pid,
                                      ("--window", str(w.window)) if w.window > 1 else ())
                except Failed as exc:
                    row.runs.append(None)
                    row.reason = str(exc)
                    progress.step(f"{w.id:24s} {row.spec.name:18s} rep {rep + 1}/{reps}: FAILED {exc}")
                    if proc.poll() is not None:
                        row.status, row.reason = "failed", str(exc)
                    continue
                row.runs.append(res)
                lat = res["latency_us"]
                unit = "req/s" if w.group == "echo" else "conn/s"
                progress.step(
                    f"{w.id:24s} {row.spec.name:18s} rep {rep + 1}/{reps}: {res['rps']:>10,.0f} {unit}"
                    f"  p50 {lat['p50']:7.0f} us  p99 {lat['p99']:7.0f} us"
                    f"  lg cpu {res['cpu_share'] * 100:3.0f}%  srv cpu {res.get('server_cpu_share', 0) * 100:3.0f}%"
                    f"  bg {res.get('background_cpu', 0) * 100:3.0f}%"
                    + (f"  errors {res['errors']}" if res.get("errors") else ""))
        for row in rows:
            if row.status == "ok" and not any(row.runs):
                row.status, row.reason = "failed", f"no successful run ({row.reason or 'unknown'})"
    finally:
        for proc, _ in live.values():
            CHILDREN.stop(proc)
    return rows


def run_idle(w, env, cfg, progress, tmpdir, rows):
    for i, row in enumerate(rows):
        why = row.spec.unavailable(env)
        if why:
            row.status, row.reason = "skipped", why
            progress.step(f"{w.id:24s} {row.spec.name:18s} skipped: {why}")
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
            progress.step(f"{w.id:24s} {row.spec.name:18s} {per / KIB:8.2f} KiB/conn"
                          f"  (RSS {rss0 / 2**20:.1f} -> {rss1 / 2**20:.1f} MiB)")
        except Skip as exc:
            row.status, row.reason = "skipped", str(exc)
            progress.step(f"{w.id:24s} {row.spec.name:18s} skipped: {exc}")
        except (Failed, ValueError, OSError, subprocess.TimeoutExpired) as exc:
            row.status, row.reason = "failed", str(exc)
            progress.step(f"{w.id:24s} {row.spec.name:18s} failed: {exc}")
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


# --------------------------------------------------------------------------------------------
# reports


def fmt_num(x, digits=0):
    if x is None:
        return "-"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def pct(x):
    return "-" if x is None else f"{x * 100:.0f}%"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def row_label(w, spec):
    """The row's name in the tables: in a SEQPACKET workload the references say their socket."""
    if w.transport == "seqpacket" and not spec.seqpacket:
        return spec.name + " (Unix stream)"
    return spec.name


def seqpacket_target(w, rows):
    """For a SEQPACKET workload: whether nixloop/seqpacket reached uvloop's Unix-stream req/s."""
    if w.transport != "seqpacket":
        return None
    by = {r.spec.name: r for r in rows}
    sp, ref = by.get("nixloop/seqpacket"), by.get("uvloop/protocol")
    if not sp or not ref or sp.status != "ok" or ref.status != "ok":
        return None
    ratio = paired_ratio(sp.metric("rps"), ref.metric("rps"))
    if ratio is None:
        return None
    met = ratio >= 1.0
    line = (f"target nixloop/seqpacket messages/s >= uvloop/protocol Unix-stream req/s: "
            f"{'met' if met else 'NOT met'} ({fmt_ratio(ratio)})")
    # A client-bound (*) figure is a lower bound for its server: it cannot show a "met" for the
    # reference (the load generator must copy every Unix-stream reply out; SEQPACKET replies it
    # mostly discards) nor a "NOT met" for nixloop/seqpacket.
    doubtful = [r.spec.name for r in ((ref,) if met else (sp,))
                if client_bound(med(r.metric("cpu_share")), med(r.metric("server_cpu_share")))]
    if doubtful:
        line += (f"; not conclusive: the {doubtful[0]} figure is marked * (the load generator may "
                 f"have limited it, so it is a lower bound)")
    return line


def echo_table(w, rows):
    """(header, lines) for one workload; lines are lists of cells."""
    unit = "req/s" if w.group == "echo" else "conn/s"
    head = ["server", f"{unit} median", "min-max", "x uvloop", "MiB/s", "p50 us", "p99 us", "lg CPU", "srv CPU",
            "bg CPU"]
    lines = []
    for row in rows:
        label = row_label(w, row.spec)
        if row.status != "ok":
            lines.append([label, f"{row.status}: {row.reason}"])
            continue
        rps = summarize(row.metric("rps"))
        if rps is None:
            lines.append([label, "no data"])
            continue
        ref = reference_row(rows, row.spec)
        ratio = paired_ratio(row.metric("rps"), ref.metric("rps")) if ref else None
        p50 = med([r["latency_us"]["p50"] if r else None for r in row.runs])
        p99 = med([r["latency_us"]["p99"] if r else None for r in row.runs])
        lg = med(row.metric("cpu_share"))
        srv = med(row.metric("server_cpu_share"))
        flag = " *" if client_bound(lg, srv) else ""
        lines.append([label, fmt_num(rps["median"]) + flag,
                      f"{fmt_num(rps['min'])}-{fmt_num(rps['max'])}", fmt_ratio(ratio),
                      fmt_num(med(row.metric("mib_s")), 1) if w.group == "echo" else "-",
                      fmt_num(p50), fmt_num(p99),
                      "-" if lg is None else f"{lg * 100:.0f}%", "-" if srv is None else f"{srv * 100:.0f}%",
                      pct(med(row.metric("background_cpu")))])
    return head, lines


def idle_table(w, rows):
    head = ["server", "KiB per idle conn", "x uvloop", "RSS before MiB", "RSS after MiB"]
    lines = []
    ref = next((r for r in rows if r.spec.name == "uvloop/protocol" and r.status == "ok" and r.runs), None)
    for row in rows:
        if row.status != "ok" or not row.runs:
            lines.append([row.spec.name, f"{row.status}: {row.reason}"])
            continue
        r = row.runs[0]
        ratio = r["bytes_per_conn"] / ref.runs[0]["bytes_per_conn"] if ref and ref.runs[0]["bytes_per_conn"] else None
        lines.append([row.spec.name, f"{r['bytes_per_conn'] / KIB:.2f}", fmt_ratio(ratio),
                      f"{r['rss_before'] / 2**20:.1f}", f"{r['rss_after'] / 2**20:.1f}"])
    return head, lines


def micro_table(mrows, benches):
    head = ["benchmark", "loop", "ops/s median", "min-max", "x uvloop"]
    lines = []
    by = {(r["bench"], r["loop"]): r for r in mrows}
    for b in benches:
        ref = by.get((b, "uvloop"))
        for l in PY_LOOPS:
            if (b, l) not in by:
                continue
            r = by[(b, l)]
            if r["status"] != "ok":
                lines.append([MICRO_LABELS[b], l, f"{r['status']}: {r['reason']}"])
                continue
            s = summarize(r["runs"])
            if s is None:
                lines.append([MICRO_LABELS[b], l, "no data"])
                continue
            ratio = paired_ratio(r["runs"], ref["runs"]) if ref and ref["status"] == "ok" else None
            lines.append([MICRO_LABELS[b], l, fmt_num(s["median"]), f"{fmt_num(s['min'])}-{fmt_num(s['max'])}",
                          fmt_ratio(ratio)])
    return head, lines


def text_table(head, lines):
    widths = [len(h) for h in head]
    full = [l for l in lines if len(l) == len(head)]
    for l in full:
        for i, c in enumerate(l):
            widths[i] = max(widths[i], len(c))
    out = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(head)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for l in lines:
        if len(l) == len(head):
            out.append("  ".join((c.ljust(widths[i]) if i == 0 or (i == 1 and head[0] == "benchmark") else c.rjust(widths[i]))
                                 for i, c in enumerate(l)).rstrip())
        else:
            out.append("  ".join([l[0].ljust(widths[0])] + l[1:]))
    return "\n".join(out)


def md_table(head, lines):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for l in lines:
        cells = l + [""] * (len(head) - len(l))
        out.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(out)


def lg_share_summary(all_rows):
    shares = []
    for _w, rows in all_rows:
        for row in rows:
            if row.status == "ok" and _w.group in ("echo", "connrate"):
                for r in row.runs:
                    if r:
                        shares.append((r["cpu_share"], r.get("server_cpu_share"), row.spec.name, _w.id))
    if not shares:
        return None
    bgs = [r.get("background_cpu") for _w, rows in all_rows for row in rows if row.status == "ok"
           for r in row.runs if r and r.get("background_cpu") is not None]
    shares.sort()
    top = shares[-1]
    return {"median": statistics.median(s[0] for s in shares), "max": top[0], "max_server": top[2],
            "max_workload": top[3],
            "client_bound_runs": sum(1 for s in shares if client_bound(s[0], s[1])),
            "busy_client_runs": sum(1 for s in shares if s[0] >= CLIENT_BOUND),
            "server_bound_runs": sum(1 for s in shares if s[1] is not None and s[1] >= SERVER_BOUND),
            "runs": len(shares),
            "background_median": statistics.median(bgs) if bgs else None,
            "background_max": max(bgs) if bgs else None}


def charts(outdir, all_rows, mrows, benches):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as exc:  # noqa: BLE001
        return [f"charts skipped: matplotlib not importable ({exc})"]
    made = []
    echo = [(w, rows) for w, rows in all_rows if w.group in ("echo", "connrate")]
    if echo:
        names = []
        for _w, rows in echo:
            for r in rows:
                if r.status == "ok" and r.spec.name not in names:
                    names.append(r.spec.name)
        fig, ax = plt.subplots(figsize=(max(8, 1.2 * len(echo) + 4), 5))
        width = 0.8 / max(len(names), 1)
        for j, name in enumerate(names):
            xs, ys = [], []
            for i, (w, rows) in enumerate(echo):
                row = next((r for r in rows if r.spec.name == name and r.status == "ok"), None)
                ref = reference_row(rows, row.spec) if row else None
                if row and ref:
                    xs.append(i + (j - (len(names) - 1) / 2) * width)
                    ys.append(paired_ratio(row.metric("rps"), ref.metric("rps")) or 0)
            ax.bar(xs, ys, width, label=name)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks(range(len(echo)))
        ax.set_xticklabels([w.id for w, _ in echo], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("req/s (conn/s) ratio to uvloop")
        ax.set_title("Throughput relative to uvloop (median of paired repetitions)")
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        p = os.path.join(outdir, "echo_ratio.png")
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p)

        ew = [(w, rows) for w, rows in echo if w.group == "echo"]
        if ew:
            cols = min(3, len(ew))
            nrow = (len(ew) + cols - 1) // cols
            fig, axes = plt.subplots(nrow, cols, figsize=(5 * cols, 3.6 * nrow), squeeze=False)
            for k, (w, rows) in enumerate(ew):
                ax = axes[k // cols][k % cols]
                ok = [r for r in rows if r.status == "ok"]
                labels = [r.spec.name for r in ok]
                for q, color in (("p50", "tab:blue"), ("p90", "tab:orange"), ("p99", "tab:red")):
                    vals = [med([x["latency_us"][q] if x else None for x in r.runs]) or 0 for r in ok]
                    off = {"p50": -0.27, "p90": 0, "p99": 0.27}[q]
                    ax.bar([i + off for i in range(len(ok))], vals, 0.27, label=q, color=color)
                ax.set_xticks(range(len(ok)))
                ax.set_xticklabels(labels, rotation=40, ha="right", fontsize=7)
                ax.set_yscale("log")
                ax.set_ylabel("latency us")
                ax.set_title(w.id, fontsize=9)
                if k == 0:
                    fig.legend(*ax.get_legend_handles_labels(), loc="upper right", fontsize=8)
            for k in range(len(ew), nrow * cols):
                axes[k // cols][k % cols].axis("off")
            fig.tight_layout()
            p = os.path.join(outdir, "latency.png")
            fig.savefig(p, dpi=110)
            plt.close(fig)
            made.append(p)
    if mrows:
        by = {(r["bench"], r["loop"]): r for r in mrows}
        fig, ax = plt.subplots(figsize=(9, 4.5))
        width = 0.8 / len(PY_LOOPS)
        for j, l in enumerate(PY_LOOPS):
            xs, ys = [], []
            for i, b in enumerate(benches):
                r, ref = by.get((b, l)), by.get((b, "uvloop"))
                if r and ref and r["status"] == "ok" and ref["status"] == "ok":
                    xs.append(i + (j - (len(PY_LOOPS) - 1) / 2) * width)
                    ys.append(paired_ratio(r["runs"], ref["runs"]) or 0)
            if xs:
                ax.bar(xs, ys, width, label=l)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks(range(len(benches)))
        ax.set_xticklabels([MICRO_LABELS[b] for b in benches], rotation=20, ha="right", fontsize=8)
        ax.set_ylabel("ops/s ratio to uvloop")
        ax.set_title("Micro benchmarks relative to uvloop")
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = os.path.join(outdir, "micro_ratio.png")
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p)
    return made


def host_info():
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
            "python": sys.version.split()[0], "executable": sys.executable}


def estimate_seconds(work, cfg, env, micro):
    t = 0.0
    for w in work:
        k = len(w.servers(env))
        if w.group == "idle":
            t += k * (2.5 + w.conns / 4000)
        else:
            t += k * (cfg["reps"] * (cfg["duration"] + cfg["warmup"] + 0.15) + 0.4)
    if micro:
        t += cfg["micro_reps"] * len(MICRO_BENCHES) * len(PY_LOOPS) * (cfg["micro_duration"] + 2 * cfg["micro_warmup"] + 0.25)
    return t + 15


# --------------------------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m perf", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_const", dest="mode", const="quick", help="the default")
    g.add_argument("--full", action="store_const", dest="mode", const="full")
    ap.add_argument("--only", default="", help="comma list: micro, emit, echo, seqpacket (the echo-seqpacket-* "
                                                "workloads), udp (echo-udp-*), connrate, idle, seqpacket-py (opt-in script "
                                                "perf/bench_seqpacket.py), or a workload id prefix such as "
                                                "echo-unix, echo-tcp-1KiB")
    ap.add_argument("--competitors", default="", help="comma list of asyncio,uvloop,nixloop,rloop,node,c "
                                                      "(default: all available; uvloop, the reference "
                                                      "of the ratios, is always included)")
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
    args = ap.parse_args(argv)
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
    do_micro = bool(micro_benches)
    # opt-in scripts run only when --only names them exactly
    scripts = [sc for sc in SCRIPTS if (sc[5] and selected(tokens, sc[0], sc[0])) or sc[0] in tokens]
    if args.list:
        for w in work:
            print(w.id, "-", w.title)
        if do_micro:
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
        if want and "c" not in want:
            env.build["echo_server"] = env.build["seqpacket_server"] = "not selected (--competitors)"
        if work and env.build.get("loadgen") is not True:
            log(f"load generator unavailable ({env.build.get('loadgen')}): skipping echo, connrate, idle")
            work = []

        est = estimate_seconds(work, cfg, env, do_micro)
        total = 0
        for w in work:
            n = len(w.servers(env))
            total += n if w.group == "idle" else n * cfg["reps"]
        if do_micro:
            total += cfg["micro_reps"] * len(micro_benches) * len(PY_LOOPS)
        total += len(scripts)
        log(f"{len(work)} workloads{' + micro' if do_micro else ''}; about {est / 60:.1f} min at most")
        progress = Progress(total)
        if do_micro:
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
    cmd = "python -m perf " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    lg = lg_share_summary(all_rows)

    # ---- terminal and markdown
    text, md = [], []
    md.append(f"# nixloop benchmark results ({mode} mode)\n")
    md.append(f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')} ({(finished - started).total_seconds():.0f} s)")
    md.append(f"- command: `{cmd.strip()}`")
    hi = host_info()
    md.append(f"- host: {hi['cpu']}, {hi['cpus']} CPUs, Linux {hi['kernel']}, Python {hi['python']}")
    md.append(f"- pinning: {env.pin_desc}")
    vers = ", ".join(f"{k} {v.get('version')}" for k, v in env.competitors.items() if v.get("available"))
    md.append(f"- competitors: {vers}; C server: {'built' if env.build.get('echo_server') is True else env.build.get('echo_server')}")
    md.append(f"- repetitions: {cfg['reps']} x {cfg['duration']} s (+{cfg['warmup']} s warm-up), interleaved; "
              f"micro: {cfg['micro_reps']} x {cfg['micro_duration']} s")
    if lg:
        md.append(f"- load generator CPU share: median {lg['median'] * 100:.0f}% of its core, max "
                  f"{lg['max'] * 100:.0f}% ({lg['max_server']}, {lg['max_workload']}); "
                  f"{lg['server_bound_runs']}/{lg['runs']} runs server-bound (server CPU >= "
                  f"{SERVER_BOUND * 100:.0f}%: the server never idled, so it is what limits the figure); "
                  f"{lg['client_bound_runs']}/{lg['runs']} runs possibly client-bound (load generator >= "
                  f"{CLIENT_BOUND * 100:.0f}% while the server was below {SERVER_BOUND * 100:.0f}%; "
                  "marked * : a lower bound for that server)")
        if lg.get("background_median") is not None:
            md.append(f"- other processes' CPU during the runs (bg CPU): median {pct(lg['background_median'])}, "
                      f"max {pct(lg['background_max'])} of a core")
    if interrupted:
        md.append("- **interrupted**: partial results")
    md.append("")
    md.append("Ratios (x uvloop) are medians of per-repetition ratios to the uvloop server of the same "
              "kind (node, C and nixloop/net are compared with uvloop/protocol; in the SEQPACKET "
              "tables nixloop/seqpacket and nixloop/unix are compared with uvloop/protocol on a Unix "
              "stream socket, same message size). "
              "lg CPU / srv CPU: CPU time of the load generator / server as a share of one core; "
              "bg CPU: CPU used by other processes on the machine meanwhile.\n")
    if mrows:
        head, lines = micro_table(mrows, micro_benches)
        text.append("== micro benchmarks (ops/s; each run a fresh process pinned to the server CPU)")
        text.append(text_table(head, lines))
        md.append("## Micro benchmarks (ops/s)\n")
        md.append(md_table(head, lines) + "\n")
    for sc, result in script_results:
        text.append(f"== {sc[4]}")
        md.append(f"## {sc[4]}\n")
        if result["status"] == "ok":
            text.append(result["output"])
            md.append("```\n" + result["output"] + "\n```\n")
        else:
            text.append(f"{result['status']}: {result['reason']}")
            md.append(f"{result['status']}: {result['reason']}\n")
    for w, rows in all_rows:
        head, lines = idle_table(w, rows) if w.group == "idle" else echo_table(w, rows)
        text.append(f"== {w.title}  [{w.id}]")
        text.append(text_table(head, lines))
        md.append(f"## {w.title}\n")
        md.append(md_table(head, lines) + "\n")
        note = seqpacket_target(w, rows)
        if note:
            text.append(note)
            md.append(note + "\n")
    if lg:
        text.append(f"load generator CPU share: median {lg['median'] * 100:.0f}% of its core, max "
                    f"{lg['max'] * 100:.0f}% ({lg['max_server']} on {lg['max_workload']}); "
                    f"{lg['server_bound_runs']}/{lg['runs']} runs server-bound, "
                    f"{lg['client_bound_runs']}/{lg['runs']} possibly client-bound (marked *)")
        if lg.get("background_median") is not None:
            text.append(f"other processes' CPU during the runs: median {pct(lg['background_median'])}, "
                        f"max {pct(lg['background_max'])} of a core (bg CPU; high values mean a noisy machine)")
    print()
    print("\n\n".join(text))

    # ---- files
    outdir = os.path.join(args.out, stamp)
    os.makedirs(outdir, exist_ok=True)
    doc = {
        "mode": mode, "command": cmd.strip(), "started": started.isoformat(), "finished": finished.isoformat(),
        "interrupted": interrupted, "host": hi, "pinning": env.pin_desc, "config": cfg,
        "competitors": env.competitors, "build": env.build, "load_generator_cpu": lg,
        "micro": mrows, "scripts": {sc[0]: result for sc, result in script_results},
        "workloads": [{"id": w.id, "group": w.group, "title": w.title, "transport": w.transport,
                       "size": w.size, "connections": w.conns, "rows": [r.to_json() for r in rows]}
                      for w, rows in all_rows],
    }
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    made = charts(outdir, all_rows, mrows, micro_benches)
    pngs = [m for m in made if m.endswith(".png")]
    if pngs:
        md.append("## Charts\n")
        md.extend(f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in pngs)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    latest = os.path.join(args.out, "latest")
    try:
        tmp_link = latest + ".tmp"
        if os.path.lexists(tmp_link):
            os.unlink(tmp_link)
        os.symlink(stamp, tmp_link)
        os.replace(tmp_link, latest)
    except OSError:
        pass
    print()
    print(f"results: {os.path.relpath(outdir)}/results.md, results.json")
    for m in made:
        print(("chart: " + os.path.relpath(m)) if m.endswith(".png") else m)
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
