"""perf/: the C load generator and servers, and the Python UDP server, in short bounded runs.

They are built into a temporary directory (`make -C perf/c BUILD=...`), so a benchmark run that
uses perf/build/ is never disturbed. Every run is bounded by --max-requests and -d, and every
process by a timeout."""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERF = os.path.join(ROOT, 'perf')

pytestmark = pytest.mark.skipif(not (shutil.which('make') and shutil.which('cc')),
                                reason='make and a C compiler build the perf tools')


@pytest.fixture(scope='module')
def build(tmp_path_factory):
    d = str(tmp_path_factory.mktemp('perfbuild'))
    r = subprocess.run(['make', '-s', '-C', os.path.join(PERF, 'c'), f'BUILD={d}'],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return d


def start(argv, env=None):
    """Start a server; return (process, READY line fields)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env, cwd=ROOT)
    ready, _, _ = select.select([p.stdout], [], [], 30)
    line = p.stdout.readline() if ready else ''
    if not line.startswith('READY '):
        p.kill()
        p.wait(5)
        pytest.fail(f'{argv[0]} did not start: {line!r} {p.stderr.read()[-500:]!r}')
    return p, line.split()


def stop(p):
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)
    for f in (p.stdout, p.stderr):
        f.close()


def loadgen(build, *args, requests=2000):
    r = subprocess.run([os.path.join(build, 'loadgen'), *args, '-c', '4', '-s', '1024',
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


def test_tcp_unix_and_connrate(build, tmp_path):
    p, f = start([os.path.join(build, 'echo_server'), 'tcp', '127.0.0.1', '0'])
    try:
        rc, res = loadgen(build, '--tcp', f[2])
        assert rc == 0 and res['target'] == 'tcp:' + f[2]
        check_clean(res)
        rc, res = loadgen(build, '--tcp', f[2], '--mode', 'connrate', requests=300)
        assert rc == 0 and res['connects'] >= 300
        check_clean(res, 300)
    finally:
        stop(p)
    path = str(tmp_path / 'e.sock')
    p, f = start([os.path.join(build, 'echo_server'), 'unix', path])
    try:
        rc, res = loadgen(build, '--unix', path)
        assert rc == 0
        check_clean(res)
    finally:
        stop(p)


def test_udp(build):
    p, f = start([os.path.join(build, 'echo_server'), 'udp', '127.0.0.1', '0'])
    try:
        assert f[1] == 'udp'
        rc, res = loadgen(build, '--tcp', f[2], '--udp')
        assert rc == 0 and res['target'] == 'udp:' + f[2]
        check_clean(res)
        assert res['lost'] == 0
    finally:
        stop(p)


def test_seqpacket(build, tmp_path):
    path = str(tmp_path / 's.sock')
    p, f = start([os.path.join(build, 'seqpacket_server'), '--tstamp', path])
    try:
        rc, res = loadgen(build, '--unix', path, '--seqpacket')
        assert rc == 0 and res['target'] == 'seqpacket:' + path
        check_clean(res)
    finally:
        stop(p)


def test_python_udp_server_on_nixloop(build):
    env = dict(os.environ, PYTHONPATH=ROOT)
    p, f = start([sys.executable, os.path.join(PERF, 'servers', 'udp_echo.py'), '--loop',
                  'nixloop', '--tcp', '127.0.0.1:0'], env=env)
    try:
        rc, res = loadgen(build, '--tcp', f[2], '--udp')
        assert rc == 0
        check_clean(res)
    finally:
        stop(p)


def test_a_wrong_reply_is_an_error(build):
    """The checker can fail: a UDP 'server' that answers with 10 bytes instead of the echo."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(('127.0.0.1', 0))
    srv.settimeout(0.2)
    done = threading.Event()

    def answer():
        while not done.is_set():
            try:
                _, addr = srv.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            srv.sendto(b'0123456789', addr)
    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        host, port = srv.getsockname()
        rc, res = loadgen(build, '--tcp', f'{host}:{port}', '--udp')
        assert res['errors'] >= 1 and res['requests'] == 0
        assert rc != 0
    finally:
        done.set()
        t.join(5)
        srv.close()


def test_bad_options_are_refused(build, tmp_path):
    lg = os.path.join(build, 'loadgen')
    for args in (['--unix', str(tmp_path / 'x'), '--udp'],
                 ['--tcp', '127.0.0.1:9', '--udp', '--mode', 'connrate'],
                 ['--tcp', '127.0.0.1:9', '--udp', '-s', '70000'],
                 ['--tcp', '127.0.0.1:9', '--seqpacket'],
                 ['--tcp', '127.0.0.1:9', '--window', '4'],
                 ['--tcp', '127.0.0.1:9', '--udp', '--window', '65']):
        r = subprocess.run([lg, *args], capture_output=True, text=True, timeout=30)
        assert r.returncode == 64, (args, r.stdout, r.stderr)


def test_windows_of_messages(build, tmp_path):
    """--window: 8 messages in flight per socket, on SEQPACKET and UDP."""
    path = str(tmp_path / 'w.sock')
    p, f = start([os.path.join(build, 'seqpacket_server'), '--tstamp', path])
    try:
        rc, res = loadgen(build, '--unix', path, '--seqpacket', '--window', '8')
        assert rc == 0 and res['window'] == 8
        check_clean(res)
    finally:
        stop(p)
    p, f = start([os.path.join(build, 'echo_server'), 'udp', '127.0.0.1', '0'])
    try:
        rc, res = loadgen(build, '--tcp', f[2], '--udp', '--window', '8')
        assert rc == 0
        check_clean(res)
    finally:
        stop(p)


@pytest.mark.parametrize('workers,policy', [(0, 'rr'), (2, 'rr'), (2, 'none')])
def test_cluster_echo_server(build, workers, policy):
    """perf/servers/cluster_echo.py (bench_cluster.py's server): a short bounded connrate run,
    then SIGTERM ends the primary and its workers."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    p, f = start([sys.executable, os.path.join(PERF, 'servers', 'cluster_echo.py'), '--tcp',
                  '127.0.0.1:0', '--workers', str(workers), '--policy', policy], env=env)
    try:
        with open(f'/proc/{p.pid}/task/{p.pid}/children') as kids:
            assert len(kids.read().split()) == workers
        rc, res = loadgen(build, '--tcp', f[2], '--mode', 'connrate', requests=300)
        assert rc == 0
        check_clean(res, 300)
    finally:
        p.terminate()
        assert p.wait(20) == 0
        for stream in (p.stdout, p.stderr):
            stream.close()
