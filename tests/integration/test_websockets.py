"""websockets (its asyncio implementation), server and client on nixloop."""
import asyncio

import pytest

import nixloop

pytest.importorskip('websockets')


def test_websockets_server_and_client_on_nixloop():
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async def main():
        assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
        async with serve(echo, '127.0.0.1', 0, max_size=None) as server:
            port = server.sockets[0].getsockname()[1]
            async with connect(f'ws://127.0.0.1:{port}', max_size=None) as ws:
                got = []
                for message in ('text', b'\x00bytes', 'x' * 300_000, b'y' * 2_000_000):
                    await ws.send(message)
                    got.append(await asyncio.wait_for(ws.recv(), 20))
                await ws.ping()
            async def client(i):
                async with connect(f'ws://127.0.0.1:{port}') as ws:
                    await ws.send(str(i))
                    return await ws.recv()
            many = await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(20))), 30)
        return got, many

    got, many = nixloop.run(main())
    assert got == ['text', b'\x00bytes', 'x' * 300_000, b'y' * 2_000_000]
    assert many == [str(i) for i in range(20)]


def test_websockets_unix_socket(tmp_path):
    from websockets.asyncio.client import unix_connect
    from websockets.asyncio.server import unix_serve
    path = str(tmp_path / 'ws.sock')

    async def main():
        async with unix_serve(lambda ws: ws.send('hi from the server'), path):
            async with unix_connect(path) as ws:
                return await asyncio.wait_for(ws.recv(), 10)

    assert nixloop.run(main()) == 'hi from the server'
