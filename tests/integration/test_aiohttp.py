"""aiohttp: web.run_app(app, loop=nixloop.new_event_loop()), and its client on nixloop."""
import asyncio
import sys

import pytest

import nixloop
from integ import assert_on_nixloop, free_port, get_json, serve

aiohttp = pytest.importorskip('aiohttp')


def test_run_app_with_a_nixloop_loop(tmp_path):
    port = free_port()
    with serve([sys.executable, '-m', 'aiohttp_run_app', str(port)], tmp_path,
               port=port) as server:
        assert_on_nixloop(get_json(f'http://127.0.0.1:{port}/'))

        async def client():
            assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
            async with aiohttp.ClientSession() as session:
                async with session.get(f'http://127.0.0.1:{port}/') as r:
                    assert (await r.json())['nixloop'] is True
                async with session.ws_connect(f'http://127.0.0.1:{port}/ws') as ws:
                    for word in ('one', 'two', 'three'):
                        await ws.send_str(word)
                        assert (await ws.receive(timeout=10)).data == word.upper()
            return 'ok'

        assert nixloop.run(client()) == 'ok'
        assert server.stop() == 0, server.log()[-3000:]


def test_aiohttp_server_and_client_in_one_nixloop_loop(tmp_path):
    from aiohttp import web
    sock_path = str(tmp_path / 'aiohttp.sock')

    async def main():
        async def hello(request):
            return web.Response(text=f'hello {request.match_info["name"]}')
        app = web.Application()
        app.router.add_get('/hello/{name}', hello)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.UnixSite(runner, sock_path)
        await site.start()
        try:
            connector = aiohttp.UnixConnector(path=sock_path)
            async with aiohttp.ClientSession(connector=connector) as session:
                async def one(i):
                    async with session.get(f'http://localhost/hello/{i}') as r:
                        return await r.text()
                return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(50))), 30)
        finally:
            await runner.cleanup()

    assert nixloop.run(main()) == [f'hello {i}' for i in range(50)]
