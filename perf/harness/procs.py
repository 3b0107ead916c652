"""Child processes and what /proc says about them: the one place the suite starts, stops and
measures processes (CPU time per process and for the machine, RSS, the open-files limit)."""

import os
import resource
import signal
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg=""):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


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


def proc_cpu(pid):
    """(user, system) CPU seconds of a process (all its threads), from /proc; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), from /proc; None if it is gone."""
    c = proc_cpu(pid)
    return None if c is None else c[0] + c[1]


def machine_busy_seconds():
    """CPU seconds spent by all processes (user, nice, system, steal) on all CPUs, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + (v[7] if len(v) > 7 else 0)) / CLK_TCK
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


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft, hard
