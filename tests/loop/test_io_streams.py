"""Stream transports and servers on every loop kind: echo over TCP v4/v6 and Unix sockets with
protocols, buffered protocols and streams; large transfers; flow control; half-close; resets;
errors; many connections; no fd left behind."""
import asyncio
import errno
import hashlib
import os
import socket
import sys

import pytest

from nltest import uvloop_differs

MiB = 1024 * 1024


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def eof_received(self):
        # Returning a false value closes the transport once the echoed data is flushed.
        return False


class BufferedEcho(asyncio.BufferedProtocol):
    def __init__(self):
        self.buf = bytearray(65536)

    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint):
        return self.buf

    def buffer_updated(self, nbytes):
        self.transport.write(bytes(self.buf[:nbytes]))

    def eof_received(self):
        # Returning a false value closes the transport once the echoed data is flushed.
        return False


async def start_server(loop, family, tmp_path, factory):
    if family == 'unix':
        path = str(tmp_path / 'echo.sock')
        server = await loop.create_unix_server(factory, path)
        return server, ('unix', path)
    host = '127.0.0.1' if family == 'v4' else '::1'
    server = await loop.create_server(factory, host, 0)
    return server, ('tcp', host, server.sockets[0].getsockname()[1])


async def open_client(addr):
    if addr[0] == 'unix':
        return await asyncio.open_unix_connection(addr[1], limit=MiB)
    return await asyncio.open_connection(addr[1], addr[2], limit=MiB)


async def roundtrip(addr, payload):
    reader, writer = await open_client(addr)
    try:
        async def send():
            writer.write(payload)
            await writer.drain()
            writer.write_eof()

        sender = asyncio.ensure_future(send())
        chunks = []
        while True:
            chunk = await reader.read(MiB)
            if not chunk:
                break
            chunks.append(chunk)
        await sender
        return b''.join(chunks)
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize('family', ['v4', 'v6', 'unix'])
@pytest.mark.parametrize('server_kind', ['protocol', 'buffered', 'streams'])
def test_echo(loop, family, server_kind, tmp_path, no_fd_leak):
    async def stream_echo(reader, writer):
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    async def main():
        if server_kind == 'streams':
            if family == 'unix':
                path = str(tmp_path / 'echo.sock')
                server = await asyncio.start_unix_server(stream_echo, path)
                addr = ('unix', path)
            else:
                host = '127.0.0.1' if family == 'v4' else '::1'
                server = await asyncio.start_server(stream_echo, host, 0)
                addr = ('tcp', host, server.sockets[0].getsockname()[1])
        else:
            factory = EchoProtocol if server_kind == 'protocol' else BufferedEcho
            server, addr = await start_server(loop, family, tmp_path, factory)
        async with server:
            payload = os.urandom(MiB)
            got = await roundtrip(addr, payload)
            assert len(got) == len(payload)
            assert got == payload
            # Several small messages on one connection keep their order.
            reader, writer = await open_client(addr)
            for i in range(50):
                msg = f'message {i}\n'.encode()
                writer.write(msg)
                assert await reader.readexactly(len(msg)) == msg
            writer.close()
            await writer.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 60))


@pytest.mark.parametrize('family', ['v4', 'unix'])
def test_64mib_transfer_byte_exact(loop, family, tmp_path):
    size = 64 * MiB

    async def main():
        server, addr = await start_server(loop, family, tmp_path, EchoProtocol)
        async with server:
            chunk = os.urandom(MiB)
            reader, writer = await open_client(addr)
            sent = hashlib.sha256()

            async def send():
                for i in range(size // MiB):
                    block = bytes([i % 256]) + chunk[1:]
                    sent.update(block)
                    writer.write(block)
                    await writer.drain()
                writer.write_eof()

            sender = asyncio.ensure_future(send())
            received = hashlib.sha256()
            total = 0
            while True:
                data = await reader.read(4 * MiB)
                if not data:
                    break
                received.update(data)
                total += len(data)
            await sender
            writer.close()
            await writer.wait_closed()
            assert total == size
            assert received.hexdigest() == sent.hexdigest()

    loop.run_until_complete(asyncio.wait_for(main(), 120))


def test_flow_control_pause_and_resume(loop_kind, loop):
    uvloop_differs(loop_kind, 'writes go to libuv at once; pause_writing is not called at the high-water mark')
    if loop_kind == 'asyncio' and sys.version_info < (3, 11):
        pytest.skip('asyncio 3.10 starts reading after connection_made() even if it paused')
    events = []
    server_transports = []

    class Silent(asyncio.Protocol):
        def connection_made(self, transport):
            server_transports.append(transport)
            transport.pause_reading()

    class Writer(asyncio.Protocol):
        def __init__(self):
            self.resumed = loop.create_future()

        def connection_made(self, transport):
            self.transport = transport

        def pause_writing(self):
            events.append(('pause', self.transport.get_write_buffer_size()))

        def resume_writing(self):
            events.append(('resume', self.transport.get_write_buffer_size()))
            if not self.resumed.done():
                self.resumed.set_result(None)

    async def main():
        server = await loop.create_server(Silent, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await loop.create_connection(Writer, '127.0.0.1', port)
        transport.set_write_buffer_limits(high=64 * 1024)
        assert transport.get_write_buffer_limits() == (16 * 1024, 64 * 1024)
        block = b'x' * 65536
        for _ in range(400):       # at most 25 MiB: far more than the kernel buffers hold
            transport.write(block)
            if events:
                break
        assert events and events[0][0] == 'pause'
        assert events[0][1] > 64 * 1024
        await asyncio.sleep(0.05)
        assert len(events) == 1           # still paused: the peer does not read
        server_transports[0].resume_reading()
        await asyncio.wait_for(proto.resumed, 10)
        assert events[1][0] == 'resume'
        assert events[1][1] <= 16 * 1024
        transport.close()
        server.close()
        for t in server_transports:
            t.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 30))


def test_write_buffer_limits_validation(loop):
    async def main():
        server = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await loop.create_connection(asyncio.Protocol, '127.0.0.1', port)
        with pytest.raises(ValueError):
            transport.set_write_buffer_limits(high=1, low=2)
        transport.set_write_buffer_limits(low=100)
        assert transport.get_write_buffer_limits() == (100, 400)
        with pytest.raises(TypeError):
            transport.write('text')
        transport.close()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(main())


def test_half_close_write_eof(loop):
    log = []

    class Server(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.buf = b''

        def data_received(self, data):
            self.buf += data

        def eof_received(self):
            log.append(('server eof', self.buf))
            self.transport.write(b'reply after eof')
            self.transport.close()

    async def main():
        server = await loop.create_server(Server, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        assert writer.can_write_eof()
        writer.write(b'request')
        writer.write_eof()
        with pytest.raises(RuntimeError):
            writer.transport.write(b'more')
        reply = await reader.read()
        log.append(('client got', reply))
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 10))
    assert log == [('server eof', b'request'), ('client got', b'reply after eof')]


def test_peer_reset(loop):
    class Resetter(asyncio.Protocol):
        def connection_made(self, transport):
            sock = transport.get_extra_info('socket')
            import struct
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            transport.abort()

    async def main():
        server = await loop.create_server(Resetter, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        with pytest.raises(ConnectionResetError):
            for _ in range(100):
                data = await reader.read(100)
                if not data:
                    raise AssertionError('clean EOF instead of a reset')
                writer.write(b'x')
        writer.close()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 10))


def test_connection_refused(loop_kind, loop):
    uvloop_differs(loop_kind, "the error message does not name the address ('Connect call failed')")
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()

    async def main():
        with pytest.raises(ConnectionRefusedError) as info:
            await loop.create_connection(asyncio.Protocol, '127.0.0.1', port)
        assert info.value.errno == errno.ECONNREFUSED
        assert str(port) in str(info.value)

    loop.run_until_complete(main())


def test_unix_connect_missing_path(loop, tmp_path):
    async def main():
        with pytest.raises(FileNotFoundError):
            await loop.create_unix_connection(asyncio.Protocol, str(tmp_path / 'nope'))

    loop.run_until_complete(main())


def test_eaddrinuse(loop):
    async def main():
        server = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(OSError) as info:
            await loop.create_server(asyncio.Protocol, '127.0.0.1', port, reuse_address=False)
        assert info.value.errno == errno.EADDRINUSE
        assert '127.0.0.1' in str(info.value) and str(port) in str(info.value)
        server.close()
        await server.wait_closed()

    loop.run_until_complete(main())


def test_unix_server_replaces_stale_socket_and_rejects_live_path(loop, tmp_path):
    path = str(tmp_path / 's.sock')
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()       # leaves a stale socket file behind

    async def main():
        server = await loop.create_unix_server(asyncio.Protocol, path)
        assert os.path.exists(path)
        reader, writer = await asyncio.open_unix_connection(path)
        writer.close()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(main())


def test_close_server_keeps_live_connections(loop_kind, loop):
    uvloop_differs(loop_kind, 'Server.sockets is a list, not a tuple')
    async def handler(reader, writer):
        data = await reader.readexactly(4)
        writer.write(data.upper())
        await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(handler, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        await asyncio.sleep(0.01)
        server.close()
        assert not server.is_serving()
        assert server.sockets == ()
        # The existing connection still works.
        writer.write(b'ping')
        assert await reader.readexactly(4) == b'PING'
        # New connections are refused.
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection('127.0.0.1', port)
        writer.close()
        await writer.wait_closed()
        await asyncio.wait_for(server.wait_closed(), 5)

    loop.run_until_complete(asyncio.wait_for(main(), 10))


def test_server_api(loop):
    async def main():
        server = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0,
                                          start_serving=False)
        assert not server.is_serving()
        assert server.get_loop() is loop
        await server.start_serving()
        assert server.is_serving()
        port = server.sockets[0].getsockname()[1]
        task = asyncio.ensure_future(server.serve_forever())
        await asyncio.sleep(0.01)
        with pytest.raises(RuntimeError):
            await server.serve_forever()
        r, w = await asyncio.open_connection('127.0.0.1', port)
        w.close()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not server.is_serving()
        await w.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 10))


def test_many_concurrent_connections(loop, no_fd_leak):
    n = 1000

    async def handler(reader, writer):
        line = await reader.readline()
        writer.write(line)
        await writer.drain()
        writer.close()

    async def client(port, i):
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(f'{i}\n'.encode())
        line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        return int(line)

    async def main():
        server = await asyncio.start_server(handler, '127.0.0.1', 0, backlog=n)
        port = server.sockets[0].getsockname()[1]
        results = await asyncio.gather(*(client(port, i) for i in range(n)))
        assert results == list(range(n))
        server.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 120))


def test_extra_info(loop, tmp_path):
    async def main():
        server = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await loop.create_connection(asyncio.Protocol, '127.0.0.1', port)
        assert transport.get_extra_info('peername') == ('127.0.0.1', port)
        assert transport.get_extra_info('sockname')[0] == '127.0.0.1'
        sock = transport.get_extra_info('socket')
        assert sock.family == socket.AF_INET
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert transport.get_extra_info('nonexistent', 'dflt') == 'dflt'
        assert not transport.is_closing()
        transport.close()
        assert transport.is_closing()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(main())


def test_transports_are_instances_of_asyncio_transport_classes(loop_kind, loop, tmp_path,
                                                               no_fd_leak):
    # CPython test_events/test_sock_lowlevel: `isinstance(transport, asyncio.Transport)` for the
    # stream and datagram transports, on both sides of a connection.
    uvloop_differs(loop_kind, 'its compiled transports are not asyncio.Transport subclasses')
    accepted = []

    class Keep(asyncio.Protocol):
        def connection_made(self, transport):
            accepted.append(transport)

    async def main():
        tcp = await loop.create_server(Keep, '127.0.0.1', 0)
        unix = await loop.create_unix_server(Keep, str(tmp_path / 's'))
        t1, _ = await loop.create_connection(asyncio.Protocol,
                                             *tcp.sockets[0].getsockname()[:2])
        t2, _ = await loop.create_unix_connection(asyncio.Protocol, str(tmp_path / 's'))
        u1, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                    local_addr=('127.0.0.1', 0))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(str(tmp_path / 'd'))
        u2, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, sock=s)
        while len(accepted) < 2:
            await asyncio.sleep(0.01)
        for t in [t1, t2] + accepted:
            assert isinstance(t, asyncio.Transport), t
            assert isinstance(t, (asyncio.ReadTransport, asyncio.WriteTransport)), t
            assert not isinstance(t, asyncio.DatagramTransport), t
        for u in (u1, u2):
            # asyncio's datagram transport is an asyncio.Transport; a DatagramTransport from
            # 3.12 on (nixloop's on every version)
            assert isinstance(u, asyncio.Transport), u
            if loop_kind == 'nixloop' or sys.version_info >= (3, 12):
                assert isinstance(u, asyncio.DatagramTransport), u
        assert issubclass(type(t1), asyncio.BaseTransport)
        # What asyncio's classes define and the transport does not comes from them, as for a
        # subclass: writelines() joins and writes.
        t1.writelines([b'a', b'b'])
        for t in [t1, t2, u1, u2] + accepted:
            t.close()
        await asyncio.sleep(0.05)
        tcp.close()
        unix.close()
        await tcp.wait_closed()
        await unix.wait_closed()

    loop.run_until_complete(main())


def test_pause_resume_reading(loop_kind, loop):
    uvloop_differs(loop_kind, 'runs I/O callbacks before callbacks that were already ready')
    received = []

    class Collect(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data):
            received.append(data)

    async def main():
        server = await asyncio.start_server(lambda r, w: w.write(b'a' * 10) or w.close(),
                                            '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await loop.create_connection(Collect, '127.0.0.1', port)
        transport.pause_reading()
        assert not transport.is_reading()
        await asyncio.sleep(0.05)
        assert received == []
        transport.resume_reading()
        assert transport.is_reading()
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.01)
        assert b''.join(received) == b'a' * 10
        transport.close()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 10))


def test_connection_lost_called_once_after_abort(loop):
    calls = []

    class P(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport

        def connection_lost(self, exc):
            calls.append(exc)

    async def main():
        server = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        transport, proto = await loop.create_connection(P, '127.0.0.1', port)
        transport.write(b'x' * 100)
        transport.abort()
        transport.close()
        transport.abort()
        await asyncio.sleep(0.05)
        server.close()
        await server.wait_closed()

    loop.run_until_complete(main())
    assert calls == [None]


def test_connect_accepted_socket_and_sock_arg(loop):
    async def main():
        lsock = socket.socket()
        lsock.bind(('127.0.0.1', 0))
        lsock.listen()
        lsock.setblocking(False)
        server = await loop.create_server(EchoProtocol, sock=lsock)
        port = lsock.getsockname()[1]
        csock = socket.create_connection(('127.0.0.1', port))
        csock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=csock)
        writer.write(b'via sock')
        assert await reader.readexactly(8) == b'via sock'
        writer.close()
        await writer.wait_closed()

        a, b = socket.socketpair()
        got = loop.create_future()

        class Recv(asyncio.Protocol):
            def data_received(self, data):
                got.set_result(data)

        transport, _ = await loop.connect_accepted_socket(Recv, a)
        b.sendall(b'accepted')
        assert await got == b'accepted'
        transport.close()
        b.close()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 10))


def test_closed_connections_release_transports_and_protocols(loop, no_fd_leak):
    import gc
    import weakref
    refs = []

    class Tracked(asyncio.Protocol):
        def connection_made(self, transport):
            refs.append(weakref.ref(self))
            refs.append(weakref.ref(transport))
            self.transport = transport

        def data_received(self, data):
            self.transport.write(data)

    async def main():
        server = await loop.create_server(Tracked, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        for _ in range(50):
            transport, proto = await loop.create_connection(Tracked, '127.0.0.1', port)
            transport.write(b'ping')
            await asyncio.sleep(0.001)
            transport.close()
            del transport, proto
        await asyncio.sleep(0.05)
        server.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 30))
    loop.run_until_complete(asyncio.sleep(0.01))
    gc.collect()
    alive = [r() for r in refs if r() is not None]
    assert len(refs) == 200
    assert alive == []


def test_write_call_forms(loop_kind, loop, no_fd_leak):
    """transport.write(data) as asyncio defines it: one argument, by position or by its name
    (nixloop takes the positional call in a method of its own); other forms are TypeErrors."""
    got = bytearray()

    class Collect(asyncio.Protocol):
        def data_received(self, data):
            got.extend(data)

    async def main():
        server = await loop.create_server(Collect, '127.0.0.1', 0)
        tr, _ = await loop.create_connection(asyncio.Protocol,
                                             *server.sockets[0].getsockname())
        try:
            tr.write(b'a')
            tr.write(bytearray(b'b'))
            tr.write(memoryview(b'c'))
            with pytest.raises(TypeError):
                tr.write()
            with pytest.raises(TypeError):
                tr.write(b'x', b'y')
            with pytest.raises(TypeError):
                tr.write('text')
            with pytest.raises(TypeError):
                tr.write(dat=b'x')
            if loop_kind != 'uvloop':       # uvloop names the argument `buf`
                tr.write(data=b'd')
            expected = b'abc' if loop_kind == 'uvloop' else b'abcd'
            for _ in range(200):
                if len(got) >= len(expected):
                    break
                await asyncio.sleep(0.01)
            return expected
        finally:
            tr.close()
            server.close()
            await server.wait_closed()

    expected = loop.run_until_complete(main())
    assert bytes(got) == expected
