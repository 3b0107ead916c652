"""Runs a cluster program as a fresh process (its own session, so that nothing it forks can
outlive the test) and checks that it leaves no process behind."""
import os
import subprocess
import sys

import nixloop

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the programs import the nixloop these tests import (the source tree, or an installed one)
NIXLOOP_PATH = os.path.dirname(os.path.dirname(os.path.abspath(nixloop.__file__)))


def env_for(**extra):
    env = dict(os.environ, PYTHONPATH=NIXLOOP_PATH + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for name in ("NODE_CHANNEL_FD", "NODE_UNIQUE_ID", "NODE_CLUSTER_SCHED_POLICY"):
        env.pop(name, None)
    env.update(extra)
    return env


def group_members(pgid):
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            members.append((int(entry), fields[0]))
    return members


def start(argv, cwd, **extra):
    return subprocess.Popen(argv, cwd=cwd, env=env_for(**extra), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc, timeout=30):
    """Wait for ``proc``; return (returncode, stdout lines, stderr). Kills the whole group and
    fails if it did not end in time or left processes behind."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        raise AssertionError(f"still running after {timeout} s:\n{out}\n{err}")
    left = group_members(proc.pid)
    if left:
        os.killpg(proc.pid, 9)
    assert not left, f"processes left behind: {left}\n{err}"
    return proc.returncode, out.splitlines(), err


def run(script, cwd, *args, timeout=30, **extra):
    return finish(start([sys.executable, script, *args], cwd, **extra), timeout)
