"""Issue 15, item 1: a handle owns an fd only once it has one and closes only what it owns.

fd_ownership_prog.py runs every constructor's failure paths (compiled handles, facades, loop
methods; bad, closed, negative and wrong-kind fds, a closed loop, no fd left) in a child process
whose fds 0, 1 and 2 are live files, and reports which fds each failing call closed or
replaced. None may, and every failure must be a typed error."""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope='module')
def report():
    proc = subprocess.run([sys.executable, os.path.join(HERE, 'fd_ownership_prog.py')],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    return proc, lines


def test_no_crash(report):
    proc, lines = report
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode()[-3000:], lines[-3:])
    assert lines and lines[-1].get('done', 0) >= 60, lines[-3:]


def test_no_foreign_fd_closed(report):
    _proc, lines = report
    bad = [(r['case'], r['changed']) for r in lines if r.get('changed')]
    assert not bad, bad


def test_every_failure_is_typed(report):
    _proc, lines = report
    cases = [r for r in lines if 'case' in r and not r['case'].startswith('nixloop.run(')]
    untyped = []
    for r in cases:
        name, exc = r['case'], r['exc']
        if exc is None:
            untyped.append((name, 'did not fail'))
        elif name.startswith(('unix.', 'net.')):
            # a facade: Node's code on every error
            if not r['code']:
                untyped.append((name, exc, r['msg']))
        elif exc not in ('OSError', 'ValueError', 'TypeError', 'RuntimeError',
                         'FileNotFoundError', 'PermissionError', 'BlockingIOError'):
            untyped.append((name, exc, r['msg']))
    assert not untyped, untyped
