"""Behaviours where stdlib asyncio and uvloop agree and nixloop must too, found by running
uvloop's own test suite against nixloop (issue 14): name-resolution errors, fd watchers on a
transport's fd, sockets handed to create_connection(sock=) that fail, exceptions in
connection_made, argument checks, the loop's small public-ish attributes, and sock_* calls whose
socket is closed under them."""
import asyncio
import errno
import logging
import os
import socket
import sys
import time

import pytest

import nixloop
from nltest import uvloop_differs


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


# -- getaddrinfo: the socket module's errors --------------------------------------------------

LONG_NAME = '0x' + '0' * 246 + '7f000001.example.com'     # longer than libuv's 256-byte limit


@pytest.mark.parametrize('host, port', [
    ('', 0), (b'', 0), (None, None), (None, 0), (LONG_NAME.encode('ascii'), 80),
    ('.'.join(['a' * 63] * 4) + '.test', 80)])
def test_getaddrinfo_errors_are_the_socket_modules(loop, host, port):
    def outcome(fn):
        try:
            return 'ok', fn()
        except (socket.gaierror, UnicodeError) as exc:
            return type(exc), exc.args

    expected = outcome(lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    got = outcome(lambda: run(loop, loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
    if expected[0] == 'ok':
        assert got[0] == 'ok' and sorted(got[1]) == sorted(expected[1])
    else:
        assert got == expected


# -- add_reader & co. on a transport's fd -----------------------------------------------------

def fd_watchers_refused(loop, fd):
    for call in (lambda: loop.add_reader(fd, lambda: None),
                 lambda: loop.add_writer(fd, lambda: None),
                 lambda: loop.remove_reader(fd), lambda: loop.remove_writer(fd)):
        with pytest.raises(RuntimeError, match=r'File descriptor .* is used by transport'):
            call()


@pytest.mark.parametrize('kind', ['tcp', 'tcp_sock', 'unix_sock', 'udp'])
def test_fd_watchers_refuse_a_transports_fd(loop, kind, no_fd_leak):
    async def main():
        if kind == 'udp':
            tr, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                        local_addr=('127.0.0.1', 0))
            peer = None
        elif kind == 'unix_sock':
            a, peer = socket.socketpair()
            tr, _ = await loop.create_unix_connection(asyncio.Protocol, sock=a)
        else:
            ls = socket.socket()
            ls.bind(('127.0.0.1', 0))
            ls.listen(1)
            if kind == 'tcp':
                tr, _ = await loop.create_connection(asyncio.Protocol, *ls.getsockname())
            else:
                s = socket.socket()
                s.connect(ls.getsockname())
                tr, _ = await loop.create_connection(asyncio.Protocol, sock=s)
            peer, _ = ls.accept()
            ls.close()
        fds = {tr.get_extra_info('socket').fileno()}
        if kind.endswith('_sock'):
            fds.add((a if kind == 'unix_sock' else s).fileno())
        for fd in fds:
            fd_watchers_refused(loop, fd)
        tr.close()
        await asyncio.sleep(0.05)
        if peer is not None:
            peer.close()
    run(loop, main())


# -- create_connection(sock=) that fails or is cancelled --------------------------------------

def test_cancelled_create_connection_closes_the_socket(loop, no_fd_leak):
    async def main():
        ls = socket.socket()
        ls.bind(('127.0.0.1', 0))
        ls.listen(1)
        s = socket.socket()
        s.connect(ls.getsockname())
        task = loop.create_task(loop.create_connection(asyncio.Protocol, sock=s))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Closed at once, so that a later s.close() cannot close a reused fd.
        assert s.fileno() == -1
        ls.close()
        await asyncio.sleep(0.05)
    run(loop, main())


def test_failed_tls_create_connection_closes_the_socket(loop, no_fd_leak):
    import ssl
    ctx = ssl.create_default_context()

    async def main():
        async def not_tls(reader, writer):
            writer.write(b'this is not a TLS server\r\n' * 10)
            await writer.drain()
            writer.close()
        server = await asyncio.start_server(not_tls, '127.0.0.1', 0)
        s = socket.socket()
        s.connect(server.sockets[0].getsockname())
        with pytest.raises((ssl.SSLError, ConnectionError)):
            await loop.create_connection(asyncio.Protocol, sock=s, ssl=ctx,
                                         server_hostname='localhost')
        assert s.fileno() == -1
        server.close()
        await server.wait_closed()
    run(loop, main())


# -- an exception in connection_made ----------------------------------------------------------

def test_exception_in_connection_made_goes_to_the_handler(loop, no_fd_leak):
    errors = []
    loop.set_exception_handler(lambda lp, ctx: errors.append(ctx))

    class Proto(asyncio.Protocol):
        def __init__(self):
            self.lost = loop.create_future()

        def connection_made(self, transport):
            raise ZeroDivisionError('in connection_made')

        def connection_lost(self, exc):
            self.lost.set_result(exc)

    async def main():
        writers = []
        server = await asyncio.start_server(lambda r, w: writers.append(w), '127.0.0.1', 0)
        tr, pr = await loop.create_connection(Proto, *server.sockets[0].getsockname())
        # The transport is returned and stays open; the error went to the handler.
        assert not tr.is_closing()
        assert [type(ctx.get('exception')) for ctx in errors] == [ZeroDivisionError]
        assert not pr.lost.done()
        tr.close()
        assert await pr.lost is None
        for w in writers:       # (Python 3.12+'s wait_closed() waits for the connections)
            w.close()
        server.close()
        await server.wait_closed()
    run(loop, main())


# -- argument checks and small attributes -----------------------------------------------------

@pytest.mark.parametrize('backlog', [1.1, '1'])
def test_create_server_backlog_must_be_an_integer(loop, backlog, no_fd_leak):
    with pytest.raises(TypeError, match='integer'):
        run(loop, loop.create_server(asyncio.Protocol, '127.0.0.1', 0, backlog=backlog))


@pytest.mark.parametrize('path', ['', b''])
@pytest.mark.filterwarnings('ignore:unclosed:ResourceWarning')
def test_unix_server_on_an_empty_path_is_an_index_error(loop, path, no_fd_leak):
    # asyncio and uvloop read path[0] (to tell an abstract name from a file) before binding;
    # they have made the socket by then and leave it to the GC (nixloop checks first)
    with pytest.raises(IndexError):
        run(loop, loop.create_unix_server(asyncio.Protocol, path))


def test_unix_server_socket_file_after_close_follows_the_running_python(loop, tmp_path,
                                                                         no_fd_leak):
    path = str(tmp_path / 's.sock')

    async def main():
        server = await loop.create_unix_server(asyncio.Protocol, path)
        assert os.path.exists(path)
        server.close()
        await server.wait_closed()
    run(loop, main())
    # asyncio removes the file on close from Python 3.13 (cleanup_socket); before, it stays.
    assert os.path.exists(path) == (sys.version_info < (3, 13))


def test_transport_paused_and_closing_attributes(loop, no_fd_leak):
    # asyncio's selector transports have them, uvloop's too; code and tests read them
    async def main():
        a, b = socket.socketpair()
        with b:
            tr, _ = await loop.create_unix_connection(asyncio.Protocol, sock=a)
            assert (tr._paused, tr._closing) == (False, False)
            tr.pause_reading()
            assert tr._paused is True
            tr.resume_reading()
            assert tr._paused is False
            tr.close()
            assert tr._closing is True
            await asyncio.sleep(0.05)
    run(loop, main())


def test_writelines_follows_the_running_python(loop_kind, loop, no_fd_leak):
    # asyncio 3.12 gave its socket transports their own writelines: the write_eof check comes
    # first and an empty (falsy) argument writes nothing; before, the base class joined first
    if sys.version_info >= (3, 12):
        uvloop_differs(loop_kind, 'writelines() joins first: writelines(None) is a TypeError')

    async def main():
        a, b = socket.socketpair()
        with b:
            tr, _ = await loop.create_unix_connection(asyncio.Protocol, sock=a)
            tr.writelines([b'ab', bytearray(b'cd'), memoryview(b'ef')])
            tr.writelines([])
            if sys.version_info >= (3, 12):
                tr.writelines(None)
            else:
                with pytest.raises(TypeError):
                    tr.writelines(None)
            with pytest.raises(TypeError):
                tr.writelines(['str'])
            await asyncio.sleep(0.05)
            b.setblocking(False)
            assert b.recv(100) == b'abcdef'
            tr.write_eof()
            with pytest.raises(RuntimeError, match='after write_eof'):
                tr.writelines([b'x'])
            if sys.version_info >= (3, 12):
                with pytest.raises(RuntimeError, match='after write_eof'):
                    tr.writelines(None)
            tr.close()
            await asyncio.sleep(0.05)
    run(loop, main())


def test_loop_closed_attribute(loop):
    assert loop._closed is False
    loop.close()
    assert loop._closed is True


def test_subprocess_pipe_transports_are_one_way(loop, no_fd_leak):
    async def main():
        p = await asyncio.create_subprocess_exec('cat', stdin=asyncio.subprocess.PIPE,
                                                 stdout=asyncio.subprocess.PIPE)
        with pytest.raises(NotImplementedError):
            p._transport.get_pipe_transport(0).pause_reading()     # stdin: write only
        with pytest.raises((NotImplementedError, AttributeError)):
            p._transport.get_pipe_transport(1).write(b'x')         # stdout: read only
        p.stdin.close()
        assert await p.wait() == 0
    run(loop, main())


def test_slow_callback_warning_names_the_task(loop, caplog):
    loop.set_debug(True)
    loop.slow_callback_duration = 0.05

    async def slow_coroutine_step():
        time.sleep(0.1)

    with caplog.at_level(logging.WARNING, logger='asyncio'):
        loop.run_until_complete(slow_coroutine_step())
    slow = [r.getMessage() for r in caplog.records if r.getMessage().startswith('Executing')]
    assert len(slow) == 1, slow
    assert slow[0].startswith('Executing <Task') and 'slow_coroutine_step' in slow[0], slow[0]


def test_run_takes_a_loop_factory():
    made = []

    def factory():
        made.append(nixloop.new_event_loop())
        return made[-1]

    async def main():
        return asyncio.get_running_loop()

    assert nixloop.run(main(), loop_factory=factory) is made[0]
    assert made[0].is_closed() and isinstance(made[0], nixloop.Loop)


# -- a connected datagram socket given as sock= -------------------------------------------------

def test_datagram_socketpair_sendto_without_address(loop_kind, loop, no_fd_leak):
    # stdlib passes addr=None on to socket.sendto (a fatal TypeError) unless remote_addr was
    # given; uvloop sends to the socket's peer, and so does nixloop (a clear improvement: the
    # socket may well be connected, as here).
    if loop_kind == 'asyncio':
        pytest.skip('stdlib: sendto() without an address needs remote_addr')
    class Proto(asyncio.DatagramProtocol):
        def __init__(self):
            self.got = loop.create_future()
            self.lost = loop.create_future()

        def datagram_received(self, data, addr):
            self.got.set_result(data)

        def connection_lost(self, exc):
            self.lost.set_result(exc)

    async def main():
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        with b:
            b.settimeout(5)
            tr, pr = await loop.create_datagram_endpoint(Proto, sock=a)
            b.send(b'to the transport')
            assert await pr.got == b'to the transport'
            tr.sendto(b'from the transport')        # no address: the connected peer
            assert await loop.run_in_executor(None, b.recv, 100) == b'from the transport'
            tr.close()
            await pr.lost
    run(loop, main())


# -- closing a socket while a sock_* call waits on it -----------------------------------------
# stdlib asyncio leaves the call's future pending forever (the fd is closed under its selector
# registration). nixloop, as uvloop, holds a reference on the socket (socket._io_refs, which
# socket.makefile() uses too) while the call waits: sock.close() then only marks it closed, the
# call completes normally, and the fd is closed when it does (or is cancelled, or the loop closes).

STDLIB_HANGS = 'stdlib asyncio: the pending call never completes after sock.close()'


def delayed_sender(delay, data):
    ls = socket.socket()
    ls.bind(('127.0.0.1', 0))
    ls.listen(1)

    def serve():
        try:
            conn, _ = ls.accept()
            with conn:
                time.sleep(delay)
                conn.sendall(data)
                conn.recv(1)
        except OSError:
            pass            # the client may be gone already
        finally:
            ls.close()
    import threading
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return ls.getsockname(), t


@pytest.mark.parametrize('call', ['sock_recv', 'sock_recv_into'])
def test_close_during_sock_recv_completes_it(loop_kind, loop, call, no_fd_leak):
    if loop_kind == 'asyncio':
        pytest.skip(STDLIB_HANGS)
    addr, thread = delayed_sender(0.3, b'helo')

    async def main():
        s = socket.socket()
        s.setblocking(False)
        await loop.sock_connect(s, addr)
        if call == 'sock_recv':
            pending = loop.create_task(loop.sock_recv(s, 10))
        else:
            buf = bytearray(10)
            pending = loop.create_task(loop.sock_recv_into(s, buf))
        await asyncio.sleep(0.05)
        s.close()
        result = await pending
        data = result if call == 'sock_recv' else bytes(buf[:result])
        assert data == b'helo'
        assert s.fileno() == -1         # closed now that the call is done
    run(loop, main())
    thread.join(5)


def test_close_right_after_sock_connect_completes_it(loop_kind, loop, no_fd_leak):
    if loop_kind == 'asyncio':
        pytest.skip(STDLIB_HANGS)
    addr, thread = delayed_sender(0, b'x')

    async def main():
        s = socket.socket()
        s.setblocking(False)
        connecting = loop.create_task(loop.sock_connect(s, addr))
        loop.call_soon(s.close)
        assert await connecting is None
        await asyncio.sleep(0)
        assert s.fileno() == -1
    run(loop, main())
    thread.join(5)


def test_loop_close_releases_sockets_of_pending_calls(loop_kind, loop, no_fd_leak):
    if loop_kind == 'asyncio':
        pytest.skip(STDLIB_HANGS)
    addr, thread = delayed_sender(0.5, b'late')
    s = socket.socket()
    s.setblocking(False)

    async def main():
        await loop.sock_connect(s, addr)
        loop.create_task(loop.sock_recv(s, 10))
        await asyncio.sleep(0.05)
    run(loop, main())
    s.close()
    assert s.fileno() != -1             # the loop still uses it
    loop.close()
    assert s.fileno() == -1
    thread.join(5)
