"""hypercorn: hypercorn.asyncio.serve under asyncio.Runner(loop_factory=nixloop.new_event_loop)."""
import sys

import pytest

from integ import assert_on_nixloop, free_port, get_json, serve

pytest.importorskip('hypercorn')
httpx = pytest.importorskip('httpx')


def test_hypercorn_serve_on_nixloop(tmp_path):
    port = free_port()
    with serve([sys.executable, '-m', 'hypercorn_serve', str(port)], tmp_path,
               port=port) as server:
        assert_on_nixloop(get_json(f'http://127.0.0.1:{port}/'))
        with httpx.Client(timeout=10) as client:
            for size in (0, 1, 65536, 1 << 20):
                body = b'x' * size
                r = client.post(f'http://127.0.0.1:{port}/echo', content=body)
                assert r.status_code == 200 and r.content == body
        assert server.stop() == 0, server.log()[-3000:]
