"""Helpers of the tests/perf modules: build the C tools into a temporary directory, start a server
and read its READY line, run the load generator bounded by count and time."""
import json
import os
import select
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERF = os.path.join(ROOT, 'perf')
SERVERS = os.path.join(PERF, 'servers')
PY_ENV = dict(os.environ, PYTHONPATH=ROOT)


def build_tools(d):
    r = subprocess.run(['make', '-s', '-C', os.path.join(PERF, 'c'), f'BUILD={d}'],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return d


def start(argv, env=None, timeout=30):
    """Start a server; return (process, READY line fields)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env, cwd=ROOT)
    ready, _, _ = select.select([p.stdout], [], [], timeout)
    line = p.stdout.readline() if ready else ''
    if not line.startswith('READY '):
        p.kill()
        p.wait(5)
        pytest.fail(f'{argv[0]} did not start: {line!r} {p.stderr.read()[-500:]!r}')
    return p, line.split()


def start_py(script, *args, timeout=30):
    return start([sys.executable, os.path.join(SERVERS, script), *args], env=PY_ENV,
                 timeout=timeout)


def stop(p):
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)
    for f in (p.stdout, p.stderr):
        f.close()


def loadgen(build, *args, requests=2000, conns=4):
    r = subprocess.run([os.path.join(build, 'loadgen'), *args, '-c', str(conns), '-s', '1024',
                        '-d', '10', '-w', '0', '--timeout', '5', '--max-requests', str(requests)],
                       capture_output=True, text=True, timeout=60)
    out = r.stdout.strip().splitlines()
    return r.returncode, (json.loads(out[-1]) if out else {})


def check_clean(res, requests=2000):
    assert res['errors'] == 0, res
    # (it stops after the event batch that reached --max-requests: a few more may complete)
    assert requests <= res['requests'] <= requests + 1024, res
    assert res['latency_us']['count'] == res['requests']
    assert 0 < res['latency_us']['p50'] <= res['latency_us']['p99']
