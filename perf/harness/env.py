"""Where things are, and what this machine offers: paths, CPU pinning, the children's environment,
which competitors import (with the features the servers need), which HTTP stacks are installed,
and the C build (make -C perf/c)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

HARNESS = os.path.dirname(os.path.abspath(__file__))
PERF = os.path.dirname(HARNESS)
ROOT = os.path.dirname(PERF)
SERVERS = os.path.join(PERF, "servers")
# where make -C perf/c puts the C tools (NIXLOOP_PERF_BUILD: elsewhere, as the tests do)
BUILD = os.environ.get("NIXLOOP_PERF_BUILD") or os.path.join(PERF, "build")
RESULTS = os.path.join(PERF, "results")
LOADGEN = os.path.join(BUILD, "loadgen")
C_SERVER = os.path.join(BUILD, "echo_server")
C_SEQPACKET_SERVER = os.path.join(BUILD, "seqpacket_server")

PY_LOOPS = ("asyncio", "uvloop", "nixloop", "rloop")
# The Python packages of the HTTP servers (perf/servers/aiohttp_hello.py, uvicorn_hello.py); the
# versions `make bench` installs are pinned in the Makefile (BENCH_PINS).
HTTP_PACKAGES = ("aiohttp", "uvicorn", "httptools")


class Env:
    def __init__(self, args):
        self.args = args
        self.notes = []
        self.server_pin, self.client_pin, self.pin_desc = self._pinning(args.no_pin)
        self.child_env = self._child_env()
        self.competitors = {}
        self.http_stacks = {}
        self.tools = {}
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
        spec = None
        try:
            spec = importlib.util.find_spec("nixloop")
        except (ImportError, ValueError):
            pass
        if spec is None:
            # `python perf/run.py` from the repo: try the repo root too.
            sys.path.insert(0, ROOT)
            try:
                spec = importlib.util.find_spec("nixloop")
            except (ImportError, ValueError):
                spec = None
            finally:
                sys.path.remove(ROOT)
        if spec is not None and spec.submodule_search_locations:
            extra.append(os.path.dirname(list(spec.submodule_search_locations)[0]))
        if extra:
            old = env.get("PYTHONPATH")
            env["PYTHONPATH"] = os.pathsep.join(extra + ([old] if old else []))
        env.pop("PYTHONSTARTUP", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env


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

VERSIONS = r"""
import json, sys
from importlib import metadata
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        out[name] = None
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


def probe_http_stacks(env):
    """{"aiohttp": version or None, "uvicorn": ..., "httptools": ...} as the children see them."""
    try:
        r = subprocess.run([sys.executable, "-c", VERSIONS, *HTTP_PACKAGES], capture_output=True,
                           text=True, timeout=30, env=env.child_env, cwd=PERF)
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError, OSError):
        return {name: None for name in HTTP_PACKAGES}


C_TARGETS = ("loadgen", "echo_server", "seqpacket_server")


def build_c(env, uv_prefix):
    """make -C perf/c; the load generator and the C server are built separately so that a missing
    libuv only loses the C server."""
    res = {}
    base = ["make", "-s", "-C", os.path.join(PERF, "c"), f"UV_PREFIX={uv_prefix}", f"BUILD={BUILD}"]
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
