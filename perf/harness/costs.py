"""Costs per request that the load generator cannot blur: what the server spends on each request,
whatever the client's speed.

- CPU: user and system seconds of the server process (all threads) from /proc/PID/stat around each
  timed run, divided by the requests of the whole run (warm-up included, as the CPU window is).
- Syscalls by kind: `perf stat` counting the tracepoints raw_syscalls:sys_enter and
  syscalls:sys_enter_<name> (in the kernel: no stop per call) on the running server, started
  disabled and enabled through its control FIFO only around a fixed count of requests
  (`loadgen --sync`); `strace -c -f` is the fallback where perf's tracepoints are unavailable.
- User-space instructions: the server run under `valgrind --tool=callgrind --instr-atstart=no`;
  after a warm-up, `callgrind_control -i on`, then batches of a fixed count of requests on the
  same connections (`loadgen --sync --rounds`), each between `callgrind_control -z` (zero) and
  `-d` (dump); the per-request figure is the median batch. Hardware counters (`perf stat -e instructions:u`) are not available on every VM (not on
  ours); callgrind counts the same thing, exactly, at any machine load.
"""

import glob
import os
import re
import shutil
import signal
import statistics
import subprocess
import time

from .lgrun import Failed, Skip, SyncRun, start_server
from .procs import CHILDREN

# The syscalls counted by kind (those the kernel has tracepoints for); the rest is "other".
SYSCALLS = (
    "read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "recvmmsg",
    "sendmmsg", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
    "select", "pselect6", "io_uring_enter", "accept4", "accept", "close", "shutdown",
    "getsockopt", "setsockopt", "getsockname", "getpeername", "ioctl", "fcntl", "futex",
    "getpid", "gettid", "mmap", "munmap", "madvise", "mprotect", "brk", "rt_sigprocmask",
    "rt_sigaction", "clock_gettime", "nanosleep", "clock_nanosleep", "sched_yield",
    "timerfd_settime", "eventfd2", "getrandom",
)

CG_WARMUP_S = 0.5       # warm-up under valgrind (uninstrumented), Python and C servers
CG_BATCHES = 3          # counted batches per server; the median is reported, the spread kept
# Node: V8 tiers its JIT by executed bytecode, so it needs a longer warm-up. The batches run on the
# same connections: with new connections for every batch, a batch now and then cost 2-5x the
# others (node/net 1 KiB: 13.4k-71.5k instructions per request); on the same connections five
# batches agree within 1-5% (13.4k).
CG_WARMUP_NODE_S = 6.0
CG_BATCHES_NODE = 5


def _run(argv, timeout=30):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(argv, 255, "", str(exc))


def probe_tools():
    """Which collectors work here: {"syscalls": "perf" | "strace" | None, "syscall_events": [...],
    "instructions": "callgrind" | None, "why": {...}}."""
    out = {"syscalls": None, "syscall_events": [], "instructions": None, "why": {}}
    perf = shutil.which("perf")
    if perf:
        r = _run([perf, "stat", "-x", ",", "-e", "raw_syscalls:sys_enter", "true"])
        ok = r.returncode == 0 and re.search(r"^\d+,", r.stderr, re.M)
        if ok:
            lst = _run([perf, "list", "syscalls:sys_enter_*"]).stdout
            have = set(re.findall(r"syscalls:sys_enter_(\w+)", lst))
            out["syscalls"] = "perf"
            out["syscall_events"] = [s for s in SYSCALLS if s in have]
        else:
            out["why"]["perf"] = (r.stderr.strip().splitlines() or ["perf stat failed"])[-1][:200]
    else:
        out["why"]["perf"] = "perf not found"
    if out["syscalls"] is None and shutil.which("strace"):
        out["syscalls"] = "strace"
    vg, ctl = shutil.which("valgrind"), shutil.which("callgrind_control")
    if vg and ctl:
        r = _run([vg, "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
                  "true"])
        if r.returncode == 0:
            out["instructions"] = "callgrind"
        else:
            out["why"]["callgrind"] = (r.stderr.strip().splitlines() or ["failed"])[-1][:200]
    else:
        out["why"]["callgrind"] = "valgrind / callgrind_control not found"
    return out


# --------------------------------------------------------------------------------------------
# CPU per request


def cpu_per_request(run):
    """(user µs, system µs) per request of one timed run, or None."""
    n = run.get("all_requests") if run else None
    if not n or run.get("server_cpu_user_s") is None:
        return None
    return run["server_cpu_user_s"] * 1e6 / n, run["server_cpu_sys_s"] * 1e6 / n


# --------------------------------------------------------------------------------------------
# syscalls by kind


class PerfSyscalls:
    """perf stat on a running process, counting syscall tracepoints only between enable() and
    disable() (perf's --control FIFO, started with -D -1: disabled)."""

    def __init__(self, pid, tmpdir, events, tag):
        self.out = os.path.join(tmpdir, f"{tag}.perf.csv")
        ctl, ack = os.path.join(tmpdir, f"{tag}.ctl"), os.path.join(tmpdir, f"{tag}.ack")
        for f in (ctl, ack):
            if os.path.exists(f):
                os.unlink(f)
            os.mkfifo(f)
        # O_RDWR: opening never blocks, whether or not perf has opened its end yet
        self.ctl = os.open(ctl, os.O_RDWR)
        self.ack = os.open(ack, os.O_RDWR | os.O_NONBLOCK)
        ev = ["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{e}" for e in events]
        self.p = CHILDREN.popen(["perf", "stat", "-x", ",", "-o", self.out, "--control",
                                 f"fifo:{ctl},{ack}", "-D", "-1", "-p", str(pid), "-e", ",".join(ev)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    def _cmd(self, word):
        os.write(self.ctl, word.encode() + b"\n")
        deadline = time.monotonic() + 15
        buf = b""
        while b"ack" not in buf:
            if time.monotonic() > deadline or self.p.poll() is not None:
                err = self.p.stderr.read().decode(errors="replace") if self.p.poll() is not None else ""
                raise Failed(f"perf stat did not acknowledge {word!r}: {err.strip()[-200:]}")
            try:
                buf += os.read(self.ack, 64)
            except BlockingIOError:
                time.sleep(0.005)

    def enable(self):
        self._cmd("enable")

    def disable(self):
        self._cmd("disable")

    def result(self):
        """{"total": n, "by_kind": {name: n}} (stops perf)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                pass
        self.close()
        counts = {}
        try:
            with open(self.out) as f:
                for line in f:
                    parts = line.strip().split(",")
                    if len(parts) > 2 and parts[0].isdigit():
                        counts[parts[2]] = int(parts[0])
        except OSError:
            pass
        if "raw_syscalls:sys_enter" not in counts:
            raise Failed("perf stat wrote no syscall count")
        total = counts.pop("raw_syscalls:sys_enter")
        return {"total": total, "by_kind": {k.split("sys_enter_", 1)[1]: v
                                             for k, v in counts.items() if v}}

    def close(self):
        CHILDREN.stop(self.p)
        for fd in (self.ctl, self.ack):
            try:
                os.close(fd)
            except OSError:
                pass


class StraceSyscalls:
    """strace -c -f attached to a running process (the fallback: every syscall stops the server,
    so only the counts are worth reading, not the server's speed meanwhile). strace cannot be
    paused, so it attaches in enable() (after the warm-up) and detaches in disable(): only the
    counted requests' syscalls (and the pause around them) are counted."""

    def __init__(self, pid, tmpdir, events, tag):
        self.out = os.path.join(tmpdir, f"{tag}.strace")
        self.pid = pid
        self.p = None

    def enable(self):
        self.p = CHILDREN.popen(["strace", "-c", "-f", "-q", "-o", self.out, "-p", str(self.pid)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # attached once the process has a tracer
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    if any(l.startswith("TracerPid:") and l.split()[1] != "0" for l in f):
                        return
            except OSError:
                break
            if self.p.poll() is not None:
                break
            time.sleep(0.01)
        raise Failed("strace did not attach")

    def disable(self):
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)  # detaches and writes the summary
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                pass

    def result(self):
        self.disable()
        self.close()
        by = {}
        try:
            with open(self.out) as f:
                for line in f:
                    m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
                    if m and m.group(2) != "total":
                        by[m.group(2)] = int(m.group(1))
        except OSError:
            pass
        if not by:
            raise Failed("strace wrote no syscall count")
        return {"total": sum(by.values()), "by_kind": by}

    def close(self):
        if self.p is not None:
            CHILDREN.stop(self.p)


def measure_syscalls(env, w, proc, target, tmpdir, tag):
    """Syscalls per request of a running server over a fixed count of requests."""
    method = env.tools.get("syscalls")
    if not method:
        raise Skip("no syscall counter (perf tracepoints or strace)")
    n, _ = w.cost_requests()
    cls = PerfSyscalls if method == "perf" else StraceSyscalls
    counter = cls(proc.pid, tmpdir, env.tools.get("syscall_events", []), tag)
    try:
        with SyncRun(env, target, w.conns, w.size, n, 0.2, w.loadgen_args) as run:
            run.wait_warm()
            counter.enable()
            res = run.go()
            counter.disable()
            run.finish()
        counts = counter.result()
    finally:
        counter.close()
    reqs = res["requests"]
    by = {k: v / reqs for k, v in sorted(counts["by_kind"].items(), key=lambda kv: -kv[1])}
    other = (counts["total"] - sum(counts["by_kind"].values())) / reqs
    if other > 0.0005 and method == "perf":
        by["other"] = other
    return {"method": method, "requests": reqs, "per_request": counts["total"] / reqs,
            "by_kind": by}


# --------------------------------------------------------------------------------------------
# user-space instructions (callgrind)


def _callgrind_control(*args):
    r = _run(["callgrind_control", *args], timeout=60)
    if r.returncode != 0 or "OK" not in r.stdout:
        raise Failed(f"callgrind_control {' '.join(args)}: "
                     f"{(r.stderr or r.stdout).strip()[-200:]}")


def _last_dump_total(pattern_dir, pid, before):
    """Ir total of the newest dump file of pid that is not in `before`."""
    files = [f for f in glob.glob(os.path.join(pattern_dir, f"cg.{pid}.*")) if f not in before]
    if not files:
        raise Failed("callgrind wrote no dump")
    newest = max(files, key=lambda f: int(f.rsplit(".", 1)[1]))
    with open(newest) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1]), newest
    raise Failed(f"no total in {os.path.basename(newest)}")


# glibc's copy functions (memcpy, memmove and their CPU-specific variants such as
# __memmove_avx_unaligned_erms). For large copies they use `rep movsb`, and callgrind counts every
# iteration of it as one instruction: a 131,072-byte memcpy counts 131k instructions (measured with
# a test program), so at 16 and 128 KiB a request's count is mostly the bytes a server copies in
# user space. Their share is reported apart ("copy_per_request").
_COPY_FN = re.compile(r"(?:^|_)mem(?:cpy|move)(?:$|[_@])")


def copy_instructions(path):
    """Self cost (Ir) of the memcpy/memmove functions in a callgrind dump. Reads the format's
    name compression ("fn=(id) name" once, then "fn=(id)"; cfn= lines define names too) and skips
    the line after each "calls=", which is the inclusive cost of a call, not the caller's own."""
    names, cur, after_call, total = {}, None, False, 0
    with open(path) as f:
        for line in f:
            if after_call:
                after_call = False
                continue
            c = line[:1]
            if c.isdigit() or c in "+-*":
                if cur:
                    parts = line.split()
                    if len(parts) >= 2 and parts[1].isdigit():
                        total += int(parts[1])
                continue
            if line.startswith(("fn=", "cfn=")):
                m = re.match(r"c?fn=(?:\((\d+)\))?\s*(.*)", line.rstrip("\n"))
                ident, name = m.group(1), m.group(2)
                if ident and name:
                    names[ident] = name
                elif ident:
                    name = names.get(ident, "")
                if line.startswith("fn="):
                    cur = bool(_COPY_FN.search(name))
            elif line.startswith("calls="):
                after_call = True
    return total


def measure_instructions(env, spec, w, tmpdir, idx):
    """User-space instructions per request of a server run under callgrind: the median of a few
    batches of a fixed count (on the same connections), after a warm-up."""
    if env.tools.get("instructions") != "callgrind":
        raise Skip("callgrind unavailable")
    cgdir = os.path.join(tmpdir, f"cg{idx}")
    os.makedirs(cgdir, exist_ok=True)
    wrap = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={cgdir}/cg.%p"]
    _, n = w.cost_requests()
    node = spec.competitor == "node"
    batches = CG_BATCHES_NODE if node else CG_BATCHES
    proc, target = start_server(spec, w.transport, tmpdir, env, f"cg{idx}", timeout=120, wrap=wrap)
    pid = str(proc.pid)
    per, copies = [], []
    try:
        # UDP: a datagram is "lost" (and sent again) only after 2 s, not 0.2 s: under valgrind a
        # server's replies can take longer, and a late echo beside the resent one is an error
        extra = list(w.loadgen_args) + (["--loss-ms", "2000"] if w.transport == "udp" else [])
        with SyncRun(env, target, w.conns, w.size, n, CG_WARMUP_NODE_S if node else CG_WARMUP_S,
                     extra, max_seconds=300, rounds=batches) as run:
            run.wait_warm()
            _callgrind_control("-i", "on", pid)
            for _ in range(batches):
                before = set(glob.glob(os.path.join(cgdir, f"cg.{pid}.*")))
                _callgrind_control("-z", pid)
                res = run.go()
                _callgrind_control("-d", pid)
                total, dump = _last_dump_total(cgdir, pid, before)
                per.append(total / res["requests"])
                copies.append(copy_instructions(dump) / res["requests"])
            run.finish()
    finally:
        # SIGKILL: the counts are dumped already, and valgrind's exit (a final dump) takes seconds
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        CHILDREN.stop(proc, grace=20)
        shutil.rmtree(cgdir, ignore_errors=True)
    return {"method": "callgrind", "requests": n, "batches": per,
            "per_request": statistics.median(per),
            # the memcpy/memmove share of the median batch (same batch as per_request)
            "copy_per_request": copies[per.index(statistics.median_low(per))] if copies else None}
