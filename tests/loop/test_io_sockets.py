"""sock_* methods, add_reader/add_writer and name resolution on every loop kind."""
import asyncio
import os
import socket
import sys

import pytest

from nltest import uvloop_differs


def test_sock_connect_send_recv_accept(loop, no_fd_leak):
    async def main():
        listener = socket.socket()
        listener.bind(('127.0.0.1', 0))
        listener.listen()
        listener.setblocking(False)
        client = socket.socket()
        client.setblocking(False)
        connect = asyncio.ensure_future(loop.sock_connect(client, listener.getsockname()))
        conn, addr = await loop.sock_accept(listener)
        await connect
        assert addr == client.getsockname()
        assert conn.gettimeout() == 0
        payload = os.urandom(4 * 1024 * 1024)
        sender = asyncio.ensure_future(loop.sock_sendall(client, payload))
        chunks = []
        total = 0
        while total < len(payload):
            data = await loop.sock_recv(conn, 65536)
            assert data
            chunks.append(data)
            total += len(data)
        await sender
        assert b''.join(chunks) == payload
        buf = bytearray(10)
        await loop.sock_sendall(conn, b'0123456789')
        n = await loop.sock_recv_into(client, buf)
        assert buf[:n] == b'0123456789'[:n]
        for s in (client, conn, listener):
            s.close()

    loop.run_until_complete(asyncio.wait_for(main(), 30))


def test_sock_recv_waits_for_data(loop):
    async def main():
        a, b = socket.socketpair()
        a.setblocking(False)
        b.setblocking(False)
        task = asyncio.ensure_future(loop.sock_recv(a, 100))
        await asyncio.sleep(0.02)
        assert not task.done()
        b.send(b'late')
        assert await asyncio.wait_for(task, 5) == b'late'
        # A cancelled receive leaves no reader behind.
        task = asyncio.ensure_future(loop.sock_recv(a, 100))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not loop.remove_reader(a)
        a.close()
        b.close()

    loop.run_until_complete(main())


def test_sock_datagrams(loop_kind, loop):
    uvloop_differs(loop_kind, 'sock_recvfrom/sock_sendto raise NotImplementedError')
    if loop_kind == 'asyncio' and sys.version_info < (3, 11):
        pytest.skip('sock_recvfrom/sock_sendto are new in Python 3.11')

    async def main():
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for s in (a, b):
            s.bind(('127.0.0.1', 0))
            s.setblocking(False)
        recv = asyncio.ensure_future(loop.sock_recvfrom(b, 100))
        await asyncio.sleep(0.01)
        assert await loop.sock_sendto(a, b'dgram', b.getsockname()) == 5
        data, addr = await asyncio.wait_for(recv, 5)
        assert (data, addr) == (b'dgram', a.getsockname())
        buf = bytearray(16)
        await loop.sock_sendto(a, b'into', b.getsockname())
        n, addr = await asyncio.wait_for(loop.sock_recvfrom_into(b, buf), 5)
        assert bytes(buf[:n]) == b'into'
        a.close()
        b.close()

    loop.run_until_complete(main())


def test_sock_connect_refused(loop):
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    addr = s.getsockname()
    s.close()

    async def main():
        c = socket.socket()
        c.setblocking(False)
        with pytest.raises(ConnectionRefusedError):
            await loop.sock_connect(c, addr)
        c.close()

    loop.run_until_complete(main())


def test_add_reader_writer(loop_kind, loop, no_fd_leak):
    uvloop_differs(loop_kind, 'remove_writer() returns None instead of True')
    async def main():
        a, b = socket.socketpair()
        a.setblocking(False)
        b.setblocking(False)
        readable = loop.create_future()
        writable = loop.create_future()
        loop.add_reader(a.fileno(), lambda: readable.done() or readable.set_result(a.recv(10)))
        loop.add_writer(b, lambda: writable.done() or writable.set_result(True))
        assert await asyncio.wait_for(writable, 5)
        assert loop.remove_writer(b)
        assert not loop.remove_writer(b)
        b.send(b'ping')
        assert await asyncio.wait_for(readable, 5) == b'ping'
        assert loop.remove_reader(a.fileno())
        assert not loop.remove_reader(a.fileno())
        with pytest.raises(ValueError):
            loop.add_reader(-1, lambda: None)
        a.close()
        b.close()

    loop.run_until_complete(main())


def test_add_reader_replaces_callback_and_survives_fd_reuse(nloop):
    # Closing a watched fd without remove_reader() is a user error that stdlib's selector does
    # not survive either (the reused fd number is never reported); nixloop must neither crash
    # nor hang: it notices the fd changed and watches the new one.
    loop = nloop

    async def main():
        hits = []
        for round_ in range(3):
            a, b = socket.socketpair()
            a.setblocking(False)
            fut = loop.create_future()
            loop.add_reader(a.fileno(), lambda: hits.append('old'))
            loop.add_reader(a.fileno(),
                            lambda r=round_: fut.done() or fut.set_result(a.recv(10)))
            b.send(b'x')
            assert await asyncio.wait_for(fut, 5) == b'x'
            # Closing the fd while it is watched, then reusing the number, must not crash.
            a.close()
            b.close()
        assert 'old' not in hits
        for fd in list(getattr(loop, '_polls', {})):
            loop.remove_reader(fd)

    loop.run_until_complete(main())


def test_getaddrinfo_and_getnameinfo(loop):
    async def main():
        infos = await loop.getaddrinfo('localhost', 80, type=socket.SOCK_STREAM)
        assert infos and all(len(i) == 5 for i in infos)
        assert any(i[4][0] in ('127.0.0.1', '::1') for i in infos)
        host, port = await loop.getnameinfo(('127.0.0.1', 80), socket.NI_NUMERICHOST |
                                            socket.NI_NUMERICSERV)
        assert (host, port) == ('127.0.0.1', '80')
        with pytest.raises(socket.gaierror):
            await loop.getaddrinfo('name.invalid', 80)

    loop.run_until_complete(asyncio.wait_for(main(), 30))


def test_create_connection_resolves_names_and_local_addr(loop_kind, loop):
    uvloop_differs(loop_kind, 'create_connection() has no happy_eyeballs_delay')
    async def main():
        server = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await loop.create_connection(asyncio.Protocol, 'localhost', port,
                                                    family=socket.AF_INET,
                                                    local_addr=('127.0.0.1', 0))
        assert transport.get_extra_info('peername') == ('127.0.0.1', port)
        transport.close()
        transport, _ = await loop.create_connection(asyncio.Protocol, '127.0.0.1', port,
                                                    happy_eyeballs_delay=0.1)
        transport.close()
        server.close()
        await server.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 30))


def test_argument_errors(loop):
    async def main():
        with pytest.raises(ValueError):
            await loop.create_connection(asyncio.Protocol)
        with pytest.raises(ValueError):
            await loop.create_server(asyncio.Protocol)
        stray = socket.socket()
        with pytest.raises(ValueError):
            await loop.create_connection(asyncio.Protocol, '127.0.0.1', 1, sock=stray)
        stray.close()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(ValueError):
            await loop.create_connection(asyncio.Protocol, sock=udp)
        udp.close()
        with pytest.raises(ValueError):
            await loop.create_unix_connection(asyncio.Protocol)

    loop.run_until_complete(main())


@pytest.mark.parametrize('args', [
    ('localhost', 80, {'type': socket.SOCK_STREAM}),
    ('127.0.0.1', 'http', {}),
    (None, 0, {'flags': socket.AI_PASSIVE, 'type': socket.SOCK_STREAM}),
    ('::1', 443, {'family': socket.AF_INET6}),
    (b'localhost', b'80', {'proto': socket.IPPROTO_TCP}),
])
def test_getaddrinfo_matches_socket_module(loop, args):
    host, port, kw = args

    async def main():
        return await loop.getaddrinfo(host, port, **kw)

    got = loop.run_until_complete(asyncio.wait_for(main(), 30))
    expected = socket.getaddrinfo(host, port, **kw)
    assert sorted(got, key=repr) == sorted(expected, key=repr)


@pytest.mark.parametrize('sockaddr,flags', [
    (('127.0.0.1', 80), 0),
    (('127.0.0.1', 80), socket.NI_NUMERICHOST | socket.NI_NUMERICSERV),
    (('::1', 443, 0, 0), socket.NI_NUMERICHOST),
])
def test_getnameinfo_matches_socket_module(loop, sockaddr, flags):
    async def main():
        return await loop.getnameinfo(sockaddr, flags)

    got = loop.run_until_complete(asyncio.wait_for(main(), 30))
    assert got == socket.getnameinfo(sockaddr, flags)


def test_closing_a_watched_fd_does_not_abort_the_process():
    # libuv hands watcher changes to epoll at the next poll and abort()s if epoll_ctl fails
    # there; uvloop dies with SIGABRT on this script. Run in a subprocess so a regression shows
    # up as a failed test, not a dead test run.
    import subprocess
    import textwrap
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = textwrap.dedent('''
        import asyncio, socket, nixloop
        loop = nixloop.new_event_loop()
        async def main():
            c, d = socket.socketpair()
            fd = c.fileno()
            loop.add_reader(fd, lambda: None)
            loop.add_writer(fd, lambda: None)
            await asyncio.sleep(0.01)
            c.close()
            loop.remove_reader(fd)      # changes the watched events of a closed fd
            await asyncio.sleep(0.01)
            a, b = socket.socketpair()
            loop.add_reader(a.fileno(), lambda: None)
            a.close()                   # closed before the next poll registers it
            await asyncio.sleep(0.01)
            d.close(); b.close()
            return 'survived'
        print(loop.run_until_complete(main()))
        loop.close()
    ''')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=root))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'survived'
