"""Differential scenarios of child_process and cluster: each ``scripts/NAME.js`` is run by `node`
and ``scripts/NAME.py`` by this interpreter (both as a fresh process: a cluster primary forks its
own script); their stdout must match line for line. Lines that start with ``~`` come from events
whose order between processes is not fixed (two workers exiting): a run of them is compared as
a multiset. Skipped when `node` is not installed. Each run is bounded (30 s) and must leave no
process behind (the scripts end by themselves once their children are gone)."""

import os
import shutil
import subprocess
import sys

import pytest

import nixloop

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
ROOT = os.path.dirname(os.path.dirname(HERE))
NODE = shutil.which("node")
# the children import the nixloop these tests import (the source tree, or an installed one)
NIXLOOP_PATH = os.path.dirname(os.path.dirname(os.path.abspath(nixloop.__file__)))
NAMES = sorted(f[:-3] for f in os.listdir(SCRIPTS) if f.endswith(".js") and not f.startswith("_"))


def normalized(lines):
    """Sort each run of '~' lines (their relative order is up to the scheduler)."""
    out, run = [], []
    for line in lines + [""]:
        if line.startswith("~"):
            run.append(line)
            continue
        out.extend(sorted(run))
        run = []
        out.append(line)
    return out[:-1]


def run(argv, tmp_path):
    env = dict(os.environ, PYTHONPATH=NIXLOOP_PATH + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NODE_CHANNEL_FD", None)
    env.pop("NODE_UNIQUE_ID", None)
    # A new session: if anything is left behind, the whole group goes at the end.
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        pytest.fail(f"{argv[-1]} still running after 30 s:\n{out}\n{err}")
    leftover = _group_members(proc.pid)
    if leftover:
        os.killpg(proc.pid, 9)
    assert not leftover, f"{argv[-1]} left processes behind: {leftover}"
    assert proc.returncode == 0, f"{argv[-1]} exited with {proc.returncode}:\n{err}"
    return out.splitlines()


def _group_members(pgid):
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:        # pgrp
            members.append((int(entry), fields[0]))
    return members


def test_every_script_has_a_twin():
    pys = {f[:-3] for f in os.listdir(SCRIPTS) if f.endswith(".py") and not f.startswith("_")}
    assert pys == set(NAMES)
    assert len(NAMES) >= 5


@pytest.mark.skipif(NODE is None, reason="node is not installed (needed for the reference logs)")
@pytest.mark.parametrize("name", NAMES)
def test_same_log_as_node(name, tmp_path):
    expected = run([NODE, os.path.join(SCRIPTS, name + ".js")], tmp_path)
    assert expected, "the node script printed nothing"
    got = run([sys.executable, os.path.join(SCRIPTS, name + ".py")], tmp_path)
    assert normalized(got) == normalized(expected)
