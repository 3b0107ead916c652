"""nixloop.unix SeqpacketServer / SeqpacketSocket (Node-style facades over SOCK_SEQPACKET)."""
import asyncio
import errno
import os
import random
import socket
import threading
import time

import pytest

import nixloop
from nixloop import unix
from nixloop.errors import NodeError, NodeSystemError
from nixloop.unix import SeqpacketServer, SeqpacketSocket


def run(loop, coro, timeout=60):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def sock_path(tmp_path, name='s.sock'):
    return str(tmp_path / name)


async def echo_server(path, **kw):
    """A SeqpacketServer echoing every message; returns (server, accepted sockets list)."""
    server = SeqpacketServer()
    accepted = []

    def on_connection(sock, peer):
        accepted.append((sock, peer))
        sock.on('data', lambda data: sock.write(data))
        sock.on('end', sock.end)
        sock.on('error', lambda err: None)
    server.on('connection', on_connection)
    server.listen(path, **kw)
    return server, accepted


async def connect(path):
    loop = asyncio.get_running_loop()
    sock = SeqpacketSocket()
    fut = loop.create_future()
    sock.once('error', lambda err: fut.done() or fut.set_exception(err))
    sock.connect(path, lambda: fut.done() or fut.set_result(None))
    await fut
    return sock


def closed_future(emitter):
    fut = asyncio.get_running_loop().create_future()
    emitter.once('close', lambda *a: fut.done() or fut.set_result(True))
    return fut


# ---------------------------------------------------------------------------------------------

def test_echo_and_both_ends_end_close_automatically(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        assert server.address() == path
        client = await connect(path)
        got, events = [], []
        client.on('data', got.append)
        client.on('end', lambda: events.append('end'))
        client_closed = closed_future(client)
        for msg in (b'one', b'', b'three', bytearray(b'four')):
            assert client.write(msg) is True
        client.end()
        await client_closed
        srv_sock, peer = accepted[0]
        assert peer == ''                          # an unbound client
        await closed_future(srv_sock) if not srv_sock.destroyed else None
        assert srv_sock.destroyed
        server.close()
        return got, events
    got, events = run(nloop, main())
    assert got == [b'one', b'', b'three', b'four']
    assert events == ['end']


def test_message_boundaries_100k_random_sizes(nloop, tmp_path, no_fd_leak):
    """100,000 messages of random sizes in 0..64 KiB (log-uniform, so that the total stays
    near 600 MB; empty and 64 KiB messages forced in) arrive one 'data' each, intact."""
    path = sock_path(tmp_path)
    rnd = random.Random(1234)
    count = 100_000
    sizes = [min(65536, int(65537 ** rnd.random()) - 1) for _ in range(count)]
    sizes[0] = 0
    sizes[1] = 65536
    sizes[count // 2] = 0
    sizes[-1] = 0
    pool = rnd.randbytes(65536 * 2)
    offsets = [rnd.randrange(0, 65536) for _ in range(count)]
    assert sizes.count(0) >= 3

    async def main():
        loop = asyncio.get_running_loop()
        server = SeqpacketServer()
        done = loop.create_future()
        state = {'i': 0, 'bad': None}

        def on_connection(sock, peer):
            def on_data(data):
                i = state['i']
                if i >= count or len(data) != sizes[i] or \
                        data != pool[offsets[i]:offsets[i] + sizes[i]]:
                    if state['bad'] is None:
                        state['bad'] = (i, len(data), sizes[i] if i < count else None)
                state['i'] = i + 1
            sock.on('data', on_data)
            sock.on('end', lambda: (sock.end(), done.set_result(state['i'])))
        server.on('connection', on_connection)
        server.listen(path)
        client = await connect(path)
        drained = None
        client.on('drain', lambda: drained and not drained.done() and drained.set_result(None))
        view = memoryview(pool)
        t0 = time.monotonic()
        for i in range(count):
            ok = client.write(view[offsets[i]:offsets[i] + sizes[i]])
            if not ok:
                drained = loop.create_future()
                await drained
        client.end()
        n = await done
        elapsed = time.monotonic() - t0
        await closed_future(client) if not client.destroyed else None
        server.close()
        return n, elapsed, state['bad']
    n, elapsed, bad = run(nloop, main(), timeout=120)
    assert bad is None, f'message {bad[0]}: got {bad[1]} bytes, sent {bad[2]}'
    assert n == count
    assert elapsed < 120


def test_boundaries_checked_per_message(nloop, tmp_path, no_fd_leak):
    """Distinct lengths in a burst (written before the peer reads) are never merged."""
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        client = await connect(path)
        got = []
        client.on('data', got.append)
        msgs = [bytes([i % 256]) * ((i * 7919) % 70000) for i in range(60)]
        for m in msgs:
            client.write(m)
        while len(got) < len(msgs):
            await asyncio.sleep(0.005)
        client.destroy()
        server.close()
        for s, _ in accepted:
            s.destroy()
        return msgs, got
    msgs, got = run(nloop, main())
    assert [len(g) for g in got] == [len(m) for m in msgs]
    assert got == msgs


def test_message_longer_than_read_buffer_is_reported_not_truncated(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        loop = asyncio.get_running_loop()
        server = SeqpacketServer()
        result = loop.create_future()
        data_seen = []

        def on_connection(sock, peer):
            sock.setInternalReadBufferSize(1024)
            assert sock.getInternalReadBufferSize() == 1024
            errors = []
            sock.on('data', data_seen.append)
            sock.on('error', errors.append)
            sock.on('close', lambda: result.set_result(errors))
        server.on('connection', on_connection)
        server.listen(path)
        client = await connect(path)
        client.on('error', lambda e: None)
        client.write(b'a' * 1000)       # fits
        client.write(b'b' * 2000)       # does not
        errors = await result
        client.destroy()
        server.close()
        return errors, data_seen
    errors, data_seen = run(nloop, main())
    assert data_seen == [b'a' * 1000]           # the long one was not delivered cut
    assert len(errors) == 1
    err = errors[0]
    assert isinstance(err, OSError) and err.code == 'EMSGSIZE' and err.syscall == 'read'
    assert '2000 bytes' in str(err)


def test_default_read_buffer_and_resize(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        client = await connect(path)
        size = client.getInternalReadBufferSize()
        rcvbuf = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        default = rcvbuf.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        rcvbuf.close()
        client.setInternalReadBufferSize(300_000)
        got = []
        client.on('data', got.append)
        # the server echoes a 250 KB message back: needs a larger send buffer on both sides
        for s in (client,):
            os_sock = socket.socket(fileno=os.dup(s.fileno()))
            os_sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 600_000)
            os_sock.close()
        while not accepted:
            await asyncio.sleep(0.001)
        os_sock = socket.socket(fileno=os.dup(accepted[0][0].fileno()))
        os_sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 600_000)
        os_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 600_000)
        os_sock.close()
        accepted[0][0].setInternalReadBufferSize(300_000)
        client.write(b'z' * 250_000)
        while not got:
            await asyncio.sleep(0.005)
        client.destroy()
        server.close()
        for s, _ in accepted:
            s.destroy()
        return size, default, client.getInternalReadBufferSize, got
    size, default, _, got = run(nloop, main())
    assert size == max(default, 65536)
    assert got == [b'z' * 250_000]


def test_many_clients_on_one_server(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)
    nclients, nmsgs = 200, 10

    async def main():
        server, accepted = await echo_server(path, backlog=16)
        loop = asyncio.get_running_loop()

        async def client_session(k):
            sock = await connect(path)
            got = []
            fut = loop.create_future()

            def on_data(d):
                got.append(d)
                if len(got) == nmsgs:
                    sock.end()
            sock.on('data', on_data)
            sock.on('close', lambda: fut.set_result(None))
            for i in range(nmsgs):
                sock.write(f'{k}:{i}'.encode())
            await fut
            return got
        results = await asyncio.gather(*(client_session(k) for k in range(nclients)))
        server.close()
        return results, len(accepted)
    results, naccepted = run(nloop, main())
    assert naccepted == nclients
    for k, got in enumerate(results):
        assert got == [f'{k}:{i}'.encode() for i in range(nmsgs)]


def test_server_close_keeps_live_connections(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        closes = []
        server.on('close', lambda: closes.append('close'))
        client = await connect(path)
        server.close()
        assert closes == ['close']            # synchronous
        server.close()                        # idempotent: no second 'close'
        assert closes == ['close']
        with pytest.raises(NodeError, match='SeqpacketServer has been closed'):
            server.listen(path)
        with pytest.raises(NodeError, match='SeqpacketServer has been closed'):
            server.address()
        assert os.path.exists(path)           # not unlinked (as the peer)
        got = []
        fut = asyncio.get_running_loop().create_future()
        client.on('data', lambda d: (got.append(d), fut.set_result(None)))
        client.write(b'still there')
        await fut
        with pytest.raises(OSError) as info:
            SeqpacketSocket().connect(path)
        client.destroy()
        for s, _ in accepted:
            s.destroy()
        return got, info.value
    got, err = run(nloop, main())
    assert got == [b'still there']
    assert err.code == 'ECONNREFUSED' and err.syscall == 'connect'
    assert isinstance(err, ConnectionRefusedError)


def test_stale_socket_file_gives_eaddrinuse_facade(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    stale.bind(path)
    stale.close()                             # the file stays: a stale socket
    regular = str(tmp_path / 'regular')
    open(regular, 'w').close()

    async def main():
        errs = []
        for p in (path, regular):
            server = SeqpacketServer()
            with pytest.raises(OSError) as info:
                server.listen(p)
            server.close()
            errs.append(info.value)
        # after removing the stale file, listening works
        os.unlink(path)
        server, _ = await echo_server(path)
        client = await connect(path)
        client.destroy()
        server.close()
        return errs
    errs = run(nloop, main())
    for err in errs:
        assert err.code == 'EADDRINUSE' and err.errno == -errno.EADDRINUSE
        assert err.syscall == 'bind'
    assert os.path.exists(regular)            # never unlinked


def test_abstract_names(nloop, no_fd_leak):
    name = f'\x00nixloop-test-{os.getpid()}-{random.randrange(1 << 30)}'

    async def main():
        server, accepted = await echo_server(name)
        assert server.address() == name
        client = await connect(name)
        got = []
        fut = asyncio.get_running_loop().create_future()
        client.on('data', lambda d: (got.append(d), fut.set_result(None)))
        client.write(b'abstract')
        await fut
        client.destroy()
        server.close()
        for s, _ in accepted:
            s.destroy()
        return got
    assert run(nloop, main()) == [b'abstract']
    assert not os.path.exists(name[1:])
    # The exact length is used: a name that is a prefix is another name.
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        with pytest.raises(ConnectionRefusedError):
            probe.connect(name[:-1])
    finally:
        probe.close()


def test_fd_passing_pipe(nloop, tmp_path, no_fd_leak):
    """Send a pipe's write end with a message; the receiver writes through it."""
    path = sock_path(tmp_path)
    r, w = os.pipe()

    async def main():
        loop = asyncio.get_running_loop()
        server = SeqpacketServer()
        done = loop.create_future()

        def on_connection(sock, peer):
            received = []
            sock.on('fds', lambda fds: received.append(fds))

            def on_data(data):
                fds = received.pop() if received else []
                assert len(fds) == 1
                os.write(fds[0], b'through the passed fd: ' + data)
                assert os.get_inheritable(fds[0]) is False
                os.close(fds[0])
                done.set_result(len(fds))
                sock.destroy()
            sock.on('data', on_data)
        server.on('connection', on_connection)
        server.listen(path)
        client = await connect(path)
        client.write(b'hello', fds=[w])
        nfds = await done
        client.destroy()
        server.close()
        return nfds
    try:
        nfds = run(nloop, main())
        os.close(w)
        data = os.read(r, 100)
    finally:
        os.close(r)
    assert nfds == 1
    assert data == b'through the passed fd: hello'


def test_fds_without_listener_are_closed(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)
    r, w = os.pipe()

    async def main():
        server, accepted = await echo_server(path)
        client = await connect(path)
        got = []
        fut = asyncio.get_running_loop().create_future()
        client.on('data', lambda d: (got.append(d), fut.set_result(None)))
        # the server has no 'fds' listener: the fd it receives is closed, the data is echoed
        client.write(b'x', fds=[r])
        await fut
        client.destroy()
        server.close()
        for s, _ in accepted:
            s.destroy()
        return got
    try:
        got = run(nloop, main())
        os.close(w)
        assert os.read(r, 10) == b''           # EOF: the server's copy of w is not open
    finally:
        os.close(r)
    assert got == [b'x']


def test_peer_credentials(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        client = await connect(path)
        while not accepted:
            await asyncio.sleep(0.001)
        creds = (client.peerCredentials(), accepted[0][0].peerCredentials())
        client.destroy()
        server.close()
        for s, _ in accepted:
            s.destroy()
        return creds
    for creds in run(nloop, main()):
        assert creds == {'pid': os.getpid(), 'uid': os.getuid(), 'gid': os.getgid()}


def _run_until_idle_with_watchdog(loop, start, watchdog=5.0):
    stop = threading.Timer(watchdog, lambda: loop.call_soon_threadsafe(loop.stop))
    stop.start()
    loop.call_soon(start)
    t0 = time.monotonic()
    try:
        loop.run_until_idle()
    finally:
        stop.cancel()
    return time.monotonic() - t0


@pytest.mark.parametrize('unref', [True, False])
def test_unrefd_server_lets_the_loop_finish(nloop, tmp_path, unref, no_fd_leak):
    path = sock_path(tmp_path)
    servers = []

    def start():
        server = SeqpacketServer()
        server.listen(path)
        if unref:
            server.unref()
        servers.append(server)
    elapsed = _run_until_idle_with_watchdog(nloop, start, watchdog=1.5 if not unref else 5.0)
    servers[0].close()
    if unref:
        assert elapsed < 1.0
    else:
        assert elapsed >= 1.4                 # held the loop until the watchdog stopped it


def test_unrefd_server_with_node_runner(tmp_path):
    node = pytest.importorskip('nixloop.node')
    path = sock_path(tmp_path)
    servers = []

    def main():
        server = SeqpacketServer()
        server.listen(path)
        server.unref()
        servers.append(server)
    t0 = time.monotonic()
    node.run(main)
    assert time.monotonic() - t0 < 2
    assert servers and servers[0]._handle.closed


def test_bad_paths_give_typed_errors(nloop, tmp_path, no_fd_leak):
    long_path = str(tmp_path / ('a' * 200))
    missing = str(tmp_path / 'no-such-dir' / 's.sock')

    async def main():
        errs = {}
        s = SeqpacketServer()
        with pytest.raises(OSError) as info:
            s.listen(long_path)
        errs['listen-long'] = info.value
        with pytest.raises(OSError) as info:
            s.listen(missing)
        errs['listen-missing'] = info.value
        s.close()
        with pytest.raises(OSError) as info:
            SeqpacketSocket().connect(missing)
        errs['connect-missing'] = info.value
        with pytest.raises(OSError) as info:
            SeqpacketSocket().connect(long_path)
        errs['connect-long'] = info.value
        return errs
    errs = run(nloop, main())
    e = errs['listen-long']
    assert (e.code, e.errno, e.syscall) == ('ENAMETOOLONG', -errno.ENAMETOOLONG, 'bind')
    assert isinstance(e, NodeSystemError)
    e = errs['listen-missing']
    assert (e.code, e.errno, e.syscall) == ('ENOENT', -errno.ENOENT, 'bind')
    assert isinstance(e, FileNotFoundError) and e.address == missing
    e = errs['connect-missing']
    assert (e.code, e.syscall) == ('ENOENT', 'connect') and isinstance(e, FileNotFoundError)
    assert str(e) == f'connect ENOENT {missing}'
    e = errs['connect-long']
    assert (e.code, e.syscall) == ('ENAMETOOLONG', 'connect')


def test_write_after_destroy_and_after_end(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        a = await connect(path)
        a.end()
        with pytest.raises(NodeError, match='socket has been shutdown'):
            a.write(b'x')
        b = await connect(path)
        closed = closed_future(b)
        b.destroy()
        b.destroy()
        with pytest.raises(NodeError, match='SeqpacketSocket has been destroyed'):
            b.write(b'x')
        assert await closed
        a.destroy()
        server.close()
        for s, _ in accepted:
            s.destroy()
    run(nloop, main())


def test_write_callbacks_are_asynchronous_and_offset_length(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        client = await connect(path)
        calls = []
        client.write(b'0123456789', 2, 3, lambda err: calls.append(err))
        assert calls == []                     # not from inside write()
        got = []
        fut = asyncio.get_running_loop().create_future()
        client.on('data', lambda d: (got.append(d), fut.set_result(None)))
        await fut
        client.destroy()
        server.close()
        for s, _ in accepted:
            s.destroy()
        return calls, got
    calls, got = run(nloop, main())
    assert calls == [None]
    assert got == [b'234']


def test_write_to_closed_peer_gives_error_then_close(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        server, accepted = await echo_server(path)
        client = await connect(path)
        while not accepted:
            await asyncio.sleep(0.001)
        accepted[0][0].destroy()
        await asyncio.sleep(0.01)
        order = []
        fut = asyncio.get_running_loop().create_future()
        client.on('error', lambda e: order.append(('error', e.code)))
        client.on('close', lambda: (order.append('close'), fut.set_result(None)))
        for _ in range(3):
            if client.destroyed:
                break
            client.write(b'x')
        await fut
        server.close()
        return order
    order = run(nloop, main())
    assert order[-1] == 'close'
    assert order[0][0] == 'error' and order[0][1] in ('EPIPE', 'ECONNRESET')


def test_destroy_inside_connect_and_end_callbacks(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        loop = asyncio.get_running_loop()
        server, accepted = await echo_server(path)
        s1 = SeqpacketSocket()
        c1 = closed_future(s1)
        s1.connect(path, s1.destroy)
        await c1
        s2 = await connect(path)
        c2 = closed_future(s2)
        s2.on('end', s2.destroy)
        s2.end()
        await c2
        server.close()
        for s, _ in accepted:
            if not s.destroyed:
                await closed_future(s)
        return s1.destroyed, s2.destroyed
    assert run(nloop, main()) == (True, True)


def test_big_message_then_end_arrives_before_end(nloop, tmp_path, no_fd_leak):
    path = sock_path(tmp_path)

    async def main():
        loop = asyncio.get_running_loop()
        server = SeqpacketServer()
        out = loop.create_future()

        def on_connection(sock, peer):
            got = []
            sock.on('data', got.append)
            sock.on('end', lambda: (out.set_result(list(got)), sock.end()))
        server.on('connection', on_connection)
        server.listen(path)
        client = await connect(path)
        client.write(b'q' * 32768)
        client.end()
        got = await out
        await closed_future(client)
        server.close()
        return got
    assert run(nloop, main()) == [b'q' * 32768]


def test_ref_unref_and_fd_constructor(nloop, no_fd_leak):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

    async def main():
        sa = SeqpacketSocket(a.detach())           # reads at once
        sb = SeqpacketSocket(b.detach())
        assert sa.unref() is sa and sa.ref() is sa
        got = []
        fut = asyncio.get_running_loop().create_future()
        sb.on('data', lambda d: (got.append(d), fut.set_result(None)))
        sa.write(b'pair')
        await fut
        sa.destroy()
        sb.destroy()
        return got
    assert run(nloop, main()) == [b'pair']


def test_needs_a_nixloop_loop():
    with pytest.raises(RuntimeError, match='nixloop'):
        SeqpacketServer()

    async def main():
        SeqpacketServer()
    lp = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError, match='nixloop loop'):
            lp.run_until_complete(main())
    finally:
        lp.close()


def test_snake_case_aliases():
    assert SeqpacketSocket.get_internal_read_buffer_size is SeqpacketSocket.getInternalReadBufferSize
    assert SeqpacketSocket.peer_credentials is SeqpacketSocket.peerCredentials
    assert unix.DgramSocket.send_to is unix.DgramSocket.sendTo
    assert unix.create_reuseport_fd is unix.createReuseportFd
    assert unix.close_fd is unix.closeFd


def test_share_listening_server_with_fd_passing(nloop, tmp_path, no_fd_leak):
    """A listening SeqpacketServer's fd sent over a socket serves the same path elsewhere."""
    path = sock_path(tmp_path)

    async def main():
        loop = asyncio.get_running_loop()
        first = SeqpacketServer()
        first.listen(path)
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sa, sb = SeqpacketSocket(a.detach()), SeqpacketSocket(b.detach())
        got_fds = loop.create_future()
        sb.on('fds', lambda fds: got_fds.set_result(fds))
        sa.write(b'server', fds=[first])
        fds = await got_fds
        first.close()                           # the copy keeps listening
        second = SeqpacketServer()
        second.listen({'fd': fds[0]})
        conns = []
        second.on('connection', lambda s, p: (conns.append(s), s.destroy()))
        client = await connect(path)
        while not conns:
            await asyncio.sleep(0.001)
        client.destroy()
        second.close()
        sa.destroy()
        sb.destroy()
        return len(conns)
    assert run(nloop, main()) == 1
