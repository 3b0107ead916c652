"""loop.sock_sendfile() and loop.sendfile() on every loop kind."""
import asyncio
import io
import os
import socket

import pytest

from nltest import uvloop_differs


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


@pytest.fixture
def datafile(tmp_path):
    data = os.urandom(3 << 20)
    path = tmp_path / 'data.bin'
    path.write_bytes(data)
    return path, data


async def receive_all(loop, sock, n):
    chunks = bytearray()
    while len(chunks) < n:
        got = await loop.sock_recv(sock, 1 << 20)
        if not got:
            break
        chunks += got
    return bytes(chunks)


def socket_pair():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    return a, b


def test_sock_sendfile_native_and_ranges(loop_kind, loop, datafile, no_fd_leak):
    uvloop_differs(loop_kind, 'sock_sendfile raises NotImplementedError')

    path, data = datafile

    async def main():
        a, b = socket_pair()
        with a, b, open(path, 'rb') as f:
            reader = asyncio.ensure_future(receive_all(loop, b, len(data)))
            assert await loop.sock_sendfile(a, f) == len(data)      # far more than the socket holds
            assert await reader == data
            assert f.tell() == len(data)
            reader = asyncio.ensure_future(receive_all(loop, b, 1000))
            assert await loop.sock_sendfile(a, f, offset=5000, count=1000) == 1000
            assert await reader == data[5000:6000]
            assert f.tell() == 6000
    run(loop, main())


def test_sock_sendfile_fallback_for_a_non_file(loop_kind, loop, no_fd_leak):
    uvloop_differs(loop_kind, 'sock_sendfile raises NotImplementedError')

    async def main():
        a, b = socket_pair()
        with a, b:
            src = io.BytesIO(b'x' * 100000)
            reader = asyncio.ensure_future(receive_all(loop, b, 100000))
            assert await loop.sock_sendfile(a, src) == 100000
            assert await reader == b'x' * 100000
            with pytest.raises(asyncio.SendfileNotAvailableError):
                await loop.sock_sendfile(a, io.BytesIO(b'y'), fallback=False)
    run(loop, main())


def test_sock_sendfile_argument_errors(loop_kind, loop, datafile, no_fd_leak):
    uvloop_differs(loop_kind, 'sock_sendfile raises NotImplementedError')

    path, _ = datafile

    async def main():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, open(path, 'rb') as f:
            u.setblocking(False)
            with pytest.raises(ValueError):
                await loop.sock_sendfile(u, f)
        a, b = socket_pair()
        with a, b, open(path, 'rb') as f, open(path, 'r') as text:
            with pytest.raises(ValueError):
                await loop.sock_sendfile(a, text)
            with pytest.raises(ValueError):
                await loop.sock_sendfile(a, f, offset=-1)
            with pytest.raises(TypeError):
                await loop.sock_sendfile(a, f, count='10')
            with pytest.raises(ValueError):
                await loop.sock_sendfile(a, f, count=0)
    run(loop, main())


class Collect(asyncio.Protocol):
    def __init__(self):
        self.data = bytearray()
        self.lost = asyncio.get_event_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.data += data

    def connection_lost(self, exc):
        self.lost.set_result(exc)


def test_sendfile_through_a_transport(loop_kind, loop, datafile, no_fd_leak):
    uvloop_differs(loop_kind, 'loop.sendfile raises NotImplementedError')
    path, data = datafile

    async def main():
        server_proto = Collect()
        server = await loop.create_server(lambda: server_proto, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        tr, pr = await loop.create_connection(Collect, '127.0.0.1', port)
        with open(path, 'rb') as f:
            assert await loop.sendfile(tr, f, offset=10, count=len(data) - 20) == len(data) - 20
            assert f.tell() == len(data) - 10
        assert tr.get_protocol() is pr                       # the protocol is back
        tr.write(b'after')
        tr.close()
        await pr.lost
        while not server_proto.lost.done():
            await asyncio.sleep(0.01)
        assert bytes(server_proto.data) == data[10:-10] + b'after'
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_write_during_sendfile_is_refused(loop_kind, loop, datafile, no_fd_leak):
    """While loop.sendfile() sends through a plain stream transport, transport.write() raises
    RuntimeError, as on asyncio's socket transports (nothing may land inside the file's bytes);
    after it, writes work again (found by CPython's test_sendfile)."""
    uvloop_differs(loop_kind, 'loop.sendfile raises NotImplementedError')
    path, data = datafile

    async def main():
        server_proto = Collect()
        server = await loop.create_server(lambda: server_proto, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        tr, pr = await loop.create_connection(Collect, '127.0.0.1', port)
        with open(path, 'rb') as f:
            sending = asyncio.ensure_future(loop.sendfile(tr, f))
            await asyncio.sleep(0)
            assert not sending.done()
            with pytest.raises(RuntimeError, match='sendfile is in progress'):
                tr.write(b'x')
            assert await sending == len(data)
        tr.write(b'after')
        tr.close()
        await pr.lost
        while not server_proto.lost.done():
            await asyncio.sleep(0.01)
        assert bytes(server_proto.data) == data + b'after'
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_sendfile_refusals(loop, datafile, no_fd_leak):
    path, _ = datafile

    async def main():
        r, w = os.pipe()
        wt, wp = await loop.connect_write_pipe(asyncio.Protocol, open(w, 'wb', buffering=0))
        with open(path, 'rb') as f:
            with pytest.raises(RuntimeError):
                await loop.sendfile(wt, f)
        wt.close()
        os.close(r)
        await asyncio.sleep(0)
    run(loop, main())
