"""loadgen --http: one fixed HTTP/1.1 keep-alive GET per request, the response framed by
Content-Length and checked; against scripted servers (good and bad responses), Node's http, and the
aiohttp / uvicorn hello-world servers when those packages are installed."""
import os
import shutil
import socket
import threading

import pytest

from perf_helpers import SERVERS, check_clean, loadgen, start, start_py, stop

BODY = b'Hello, World!'
OK = b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n' + BODY
RESPONSES = {
    'ok': [OK],
    'split': [OK[:5], OK[5:40], OK[40:-3], OK[-3:]],     # arrives in pieces
    'lower': [OK.replace(b'Content-Length', b'content-LENGTH')],
    'big': [b'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + b'x' * 100000],
    'status500': [OK.replace(b'200 OK', b'500 Internal Server Error')],
    'chunked': [b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n' + BODY + b'\r\n0\r\n\r\n'],
    'close': [OK.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n', 1)],
    'nolength': [b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n'],
    'extra': [OK + b'X'],                                   # a byte beyond the response
    'http10': [OK.replace(b'HTTP/1.1', b'HTTP/1.0')],
}


class ScriptedHTTP:
    """A threaded server answering every request (a head ending in CRLF CRLF) with the scripted
    response, sent in the given pieces."""

    def __init__(self, kind):
        self.pieces = RESPONSES[kind]
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.done = threading.Event()
        self.requests = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    @property
    def address(self):
        return '%s:%d' % self.sock.getsockname()

    def _accept(self):
        while not self.done.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, c):
        c.settimeout(0.2)
        buf = b''
        with c:
            while not self.done.is_set():
                try:
                    data = c.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while b'\r\n\r\n' in buf:
                    head, buf = buf.split(b'\r\n\r\n', 1)
                    if len(self.requests) < 10:
                        self.requests.append(head)
                    try:
                        for p in self.pieces:
                            c.sendall(p)
                    except OSError:
                        return

    def close(self):
        self.done.set()
        self.sock.close()
        for t in self.threads:
            t.join(5)


@pytest.fixture
def scripted():
    made = []

    def make(kind):
        s = ScriptedHTTP(kind)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


@pytest.mark.parametrize('kind', ['ok', 'split', 'lower', 'big'])
def test_good_responses(build, scripted, kind):
    srv = scripted(kind)
    rc, res = loadgen(build, '--tcp', srv.address, '--http', requests=500)
    assert rc == 0, res
    check_clean(res, 500)
    assert res['http'] == 1 and res['response_bytes'] == sum(map(len, RESPONSES[kind]))
    assert srv.requests[0] == b'GET / HTTP/1.1\r\nHost: ' + srv.address.encode()


@pytest.mark.parametrize('kind,why', [('status500', 'status'), ('chunked', 'Transfer-Encoding'),
                                      ('close', 'closes the connection'),
                                      ('nolength', 'no Content-Length'),
                                      ('extra', ('after the response body', 'HTTP/1.1')),
                                      ('http10', 'HTTP/1.1')])
def test_bad_responses_are_errors(build, scripted, kind, why):
    srv = scripted(kind)
    rc, res = loadgen(build, '--tcp', srv.address, '--http', requests=50)
    assert rc != 0 and res['requests'] == 0 and res['errors'] >= 1, res
    assert any(w in res['last_error'] for w in ((why,) if isinstance(why, str) else why)), res


def test_path_option(build, scripted):
    srv = scripted('ok')
    rc, res = loadgen(build, '--tcp', srv.address, '--http', '--path', '/hello?x=1', requests=20)
    assert rc == 0 and res['errors'] == 0
    assert srv.requests[0].startswith(b'GET /hello?x=1 HTTP/1.1\r\n')


@pytest.mark.skipif(not shutil.which('node'), reason='node is not installed')
def test_node_http(build):
    p, f = start(['node', os.path.join(SERVERS, 'node_http.js'), '--tcp', '127.0.0.1:0'])
    try:
        rc, res = loadgen(build, '--tcp', f[2], '--http', requests=1000, conns=8)
        assert rc == 0
        check_clean(res, 1000)
        assert res['response_bytes'] > len(BODY)
    finally:
        stop(p)


@pytest.mark.parametrize('serve', ['forever', 'runner'])
@pytest.mark.parametrize('script,modules', [('aiohttp_hello.py', ('aiohttp',)),
                                            ('uvicorn_hello.py', ('uvicorn', 'httptools'))])
def test_python_http_servers_on_nixloop(build, script, modules, serve):
    for m in modules:
        pytest.importorskip(m)
    p, f = start_py(script, '--loop', 'nixloop', '--serve', serve, '--tcp', '127.0.0.1:0')
    try:
        rc, res = loadgen(build, '--tcp', f[2], '--http', requests=1000, conns=8)
        assert rc == 0, res
        check_clean(res, 1000)
    finally:
        stop(p)


def test_python_http_server_on_unix_socket(build, tmp_path):
    pytest.importorskip('aiohttp')
    path = str(tmp_path / 'h.sock')
    p, f = start_py('aiohttp_hello.py', '--loop', 'nixloop', '--unix', path)
    try:
        rc, res = loadgen(build, '--unix', path, '--http', requests=300)
        assert rc == 0
        check_clean(res, 300)
    finally:
        stop(p)
