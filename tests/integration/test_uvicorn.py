"""uvicorn's CLI with `--loop nixloop:new_event_loop` (uvicorn >= 0.36 takes a loop factory)."""
import signal
import sys

import pytest

from integ import assert_on_nixloop, free_port, get_json, serve

pytest.importorskip('uvicorn')
httpx = pytest.importorskip('httpx')


def uvicorn_argv(app, *bind):
    return [sys.executable, '-m', 'uvicorn', app, '--loop', 'nixloop:new_event_loop',
            '--no-access-log', *bind]


@pytest.mark.parametrize('app', ['plain_asgi:app', 'starlette_app:app', 'fastapi_app:app'])
def test_uvicorn_cli_serves_on_nixloop(app, tmp_path):
    if app.startswith(('starlette', 'fastapi')):
        pytest.importorskip(app.split('_')[0])
    port = free_port()
    with serve(uvicorn_argv(app, '--host', '127.0.0.1', '--port', str(port)), tmp_path,
               port=port) as server:
        assert_on_nixloop(get_json(f'http://127.0.0.1:{port}/'))
        if app.startswith('fastapi'):
            info = get_json(f'http://127.0.0.1:{port}/sleep/20')
            assert info['slept_ms'] == 20 and info['nixloop']
        stopped = server.stop()
    # uvicorn re-raises the SIGTERM it handled once it has shut down (on asyncio too).
    assert stopped in (0, -signal.SIGTERM), server.log()[-3000:]
    assert 'Application shutdown complete' in server.log()


def test_uvicorn_unix_socket_http_and_websocket(tmp_path):
    pytest.importorskip('websockets')
    from websockets.sync.client import unix_connect
    uds = str(tmp_path / 'uvicorn.sock')
    with serve(uvicorn_argv('plain_asgi:app', '--uds', uds, '--ws', 'websockets'), tmp_path,
               uds=uds) as server:
        assert_on_nixloop(get_json('http://localhost/', uds=uds))
        with httpx.Client(transport=httpx.HTTPTransport(uds=uds), timeout=10) as client:
            body = bytes(range(256)) * 1024
            r = client.post('http://localhost/echo', content=body)
            assert r.status_code == 200 and r.content == body
        with unix_connect(uds, uri='ws://localhost/ws', open_timeout=10) as ws:
            for i in range(20):
                ws.send(f'message {i}')
                assert ws.recv(timeout=10) == f'message {i}'
        assert server.stop() in (0, -signal.SIGTERM), server.log()[-3000:]
    assert 'Finished server process' in server.log()
