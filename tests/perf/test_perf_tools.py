"""perf/: the C load generator and servers, and the Python UDP server, in short bounded runs.

They are built into a temporary directory (`make -C perf/c BUILD=...`), so a benchmark run that
uses perf/build/ is never disturbed. Every run is bounded by --max-requests and -d, and every
process by a timeout."""
import os
import socket
import subprocess
import sys
import threading

import pytest

from perf_helpers import PERF, ROOT, check_clean, loadgen, start, stop


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


def test_http_and_sync_options_are_checked(build, tmp_path):
    lg = os.path.join(build, 'loadgen')
    for args in (['--tcp', '127.0.0.1:9', '--http', '--udp'],
                 ['--unix', str(tmp_path / 'x'), '--http', '--seqpacket'],
                 ['--tcp', '127.0.0.1:9', '--http', '--path', 'no-slash'],
                 ['--tcp', '127.0.0.1:9', '--http', '--path', '/a b'],
                 ['--tcp', '127.0.0.1:9', '--sync'],  # needs --max-requests
                 ['--tcp', '127.0.0.1:9', '--sync', '--max-requests', '10', '--mode', 'connrate'],
                 ['--tcp', '127.0.0.1:9', '--rounds', '2', '--max-requests', '10'],
                 ['--tcp', '127.0.0.1:9', '--sync', '--rounds', '0', '--max-requests', '10']):
        r = subprocess.run([lg, *args], capture_output=True, text=True, timeout=30)
        assert r.returncode == 64, (args, r.stdout, r.stderr)


@pytest.mark.parametrize('serve', ['forever', 'runner'])
@pytest.mark.parametrize('loop', ['asyncio', 'nixloop'])
def test_python_servers_serve_both_ways(build, loop, serve):
    """--serve runner: the server runs from a task inside asyncio.Runner."""
    from perf_helpers import start_py
    p, f = start_py('protocol_echo.py', '--loop', loop, '--serve', serve, '--tcp', '127.0.0.1:0')
    try:
        rc, res = loadgen(build, '--tcp', f[2])
        assert rc == 0
        check_clean(res)
    finally:
        stop(p)
    assert p.returncode == 0  # SIGTERM stops either way cleanly


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
