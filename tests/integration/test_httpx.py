"""httpx's AsyncClient on nixloop, against a server in the same loop (TCP and Unix socket)."""
import asyncio

import pytest

import nixloop

httpx = pytest.importorskip('httpx')


async def start_http_server(**where):
    """A small HTTP/1.1 server on asyncio streams: answers each request with its path/body."""
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b'\r\n\r\n')
                lines = head.decode().split('\r\n')
                method, path, _ = lines[0].split(' ')
                headers = dict(l.split(': ', 1) for l in lines[1:] if l)
                length = int(headers.get('content-length', headers.get('Content-Length', 0)))
                body = await reader.readexactly(length) if length else b''
                reply = method.encode() + b' ' + path.encode() + b' ' + body
                writer.write(b'HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n' % len(reply)
                             + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
    if 'path' in where:
        return await asyncio.start_unix_server(handle, **where)
    return await asyncio.start_server(handle, '127.0.0.1', 0)


def test_httpx_async_client_tcp_keepalive_and_concurrency():
    async def main():
        assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
        server = await start_http_server()
        port = server.sockets[0].getsockname()[1]
        async with server:
            limits = httpx.Limits(max_connections=5)
            async with httpx.AsyncClient(base_url=f'http://127.0.0.1:{port}', timeout=10,
                                         limits=limits) as client:
                r = await client.post('/upload', content=b'z' * 100_000)
                big = r.content
                replies = await asyncio.gather(*(client.get(f'/item/{i}') for i in range(40)))
        return big, [r.text for r in replies]

    big, texts = nixloop.run(main())
    assert big == b'POST /upload ' + b'z' * 100_000
    assert texts == [f'GET /item/{i} ' for i in range(40)]


def test_httpx_async_client_over_a_unix_socket(tmp_path):
    path = str(tmp_path / 'http.sock')

    async def main():
        server = await start_http_server(path=path)
        async with server:
            transport = httpx.AsyncHTTPTransport(uds=path)
            async with httpx.AsyncClient(transport=transport, timeout=10) as client:
                return (await client.get('http://localhost/over-unix')).text

    assert nixloop.run(main()) == 'GET /over-unix '
