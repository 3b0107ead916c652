"""contextvars: every protocol callback of a transport runs in the context that was current when
the transport was created (for a server: when create_server was called, the protocol factory
included), whatever context the loop, the peer or the closing code runs in.

asyncio and uvloop agree on callbacks that come from I/O (connection_made, data_received,
eof_received, datagram_received, error_received, a connection_lost after the peer closed). Where
stdlib asyncio runs a callback in the context of the code that triggered it (pause_writing in the
writer's, connection_lost in the closer's, a resumed or start_tls'd transport's reads in the
resumer's), nixloop follows uvloop: the transport's own context, so that the protocol sees one
context for its whole life. Those checks are skipped on stdlib, with the reason.

Each test creates the transport in a task whose context has CVAR = 'inner' and drives the peer
from code whose context has CVAR = 'outer'. A callback that changes CVAR must not change it
for the loop or for other transports (checked by `leak`)."""
import asyncio
import contextvars
import os
import socket
import ssl
import sys

import pytest

from test_tls import cert, contexts  # noqa: F401  (the module-scoped certificate fixture)

CVAR = contextvars.ContextVar('nixloop_test_context', default='outer')
LEAK = contextvars.ContextVar('nixloop_test_context_leak', default=None)
STDLIB_DIFFERS = ('stdlib asyncio runs this callback in the context of the code that triggered '
                  'it; nixloop, like uvloop, in the transport\'s')


def run(loop, coro, timeout=30):
    ctx = contextvars.Context()     # a fresh one per test: a leak cannot outlive its test
    result = ctx.run(loop.run_until_complete, asyncio.wait_for(coro, timeout))
    # The callbacks' own changes stayed in their transports' contexts: not in the context of
    # the code that runs the loop.
    assert (ctx.get(CVAR, 'outer'), ctx.get(LEAK)) == ('outer', None)
    return result


def in_context(loop, value, coro):
    """Start `coro` as a task whose context has CVAR = value (works on Python 3.10 too)."""
    ctx = contextvars.copy_context()
    ctx.run(CVAR.set, value)
    return ctx.run(loop.create_task, coro)


class Recorder(asyncio.Protocol):
    """Notes CVAR in every callback; sets LEAK (which must not reach the loop's context)."""

    def __init__(self, loop=None):
        loop = loop or asyncio.get_event_loop()
        self.seen = {}
        self.data = b''
        self.transport = None
        self.made = loop.create_future()
        self.got_data = loop.create_future()
        self.eof = loop.create_future()
        self.lost = loop.create_future()
        self.paused = loop.create_future()
        self.resumed = loop.create_future()

    def note(self, name):
        self.seen.setdefault(name, []).append(CVAR.get())
        LEAK.set(name)

    def connection_made(self, transport):
        self.transport = transport
        self.note('connection_made')
        self.made.set_result(None)

    def data_received(self, data):
        self.note('data_received')
        self.data += data
        if not self.got_data.done():
            self.got_data.set_result(None)

    def eof_received(self):
        self.note('eof_received')
        self.eof.set_result(None)

    def connection_lost(self, exc):
        self.note('connection_lost')
        self.lost.set_result(exc)

    def pause_writing(self):
        self.note('pause_writing')
        if not self.paused.done():
            self.paused.set_result(None)

    def resume_writing(self):
        self.note('resume_writing')
        if not self.resumed.done():
            self.resumed.set_result(None)

    def datagram_received(self, data, addr):
        self.data_received(data)

    def error_received(self, exc):
        self.note('error_received')


def only_inner(proto, *events):
    for name in events:
        assert proto.seen.get(name), f'{name} was not called ({proto.seen})'
        assert set(proto.seen[name]) == {'inner'}, f'{name} ran in {proto.seen[name]}'


async def connected_pair(loop, family, tmp_path):
    """A listening plain socket and its address."""
    if family == 'unix':
        ls = socket.socket(socket.AF_UNIX)
        addr = str(tmp_path / 'ctx.sock')
        ls.bind(addr)
    else:
        ls = socket.socket()
        ls.bind(('127.0.0.1', 0))
        addr = ls.getsockname()
    ls.listen(1)
    ls.setblocking(False)
    return ls, addr


@pytest.mark.parametrize('how', ['tcp', 'tcp_sock', 'unix'])
def test_client_transport(loop_kind, loop, tmp_path, how, no_fd_leak):
    async def main():
        ls, addr = await connected_pair(loop, 'unix' if how == 'unix' else 'tcp', tmp_path)
        proto = Recorder(loop)

        async def connect():
            if how == 'tcp':
                await loop.create_connection(lambda: proto, *addr)
            elif how == 'unix':
                await loop.create_unix_connection(lambda: proto, addr)
            else:
                s = socket.socket()
                s.connect(addr)
                await loop.create_connection(lambda: proto, sock=s)
        accepted = loop.create_task(loop.sock_accept(ls))
        await in_context(loop, 'inner', connect())
        peer, _ = await accepted
        with peer, ls:
            await proto.made
            await loop.sock_sendall(peer, b'ping')
            await proto.got_data
            # Flow control, with the writer in another context.
            CVAR.set('writer')
            proto.transport.set_write_buffer_limits(high=1)
            proto.transport.write(b'x' * (4 << 20))     # more than the socket buffers hold
            CVAR.set('outer')
            await proto.paused
            while not proto.resumed.done():
                await asyncio.wait_for(loop.sock_recv(peer, 1 << 20), 5)
            peer.shutdown(socket.SHUT_WR)
            await proto.eof
            await proto.lost
        only_inner(proto, 'connection_made', 'data_received', 'eof_received', 'connection_lost')
        if loop_kind == 'asyncio':
            assert set(proto.seen['pause_writing']) == {'writer'}, STDLIB_DIFFERS
        else:
            only_inner(proto, 'pause_writing', 'resume_writing')
    run(loop, main())


@pytest.mark.parametrize('family', ['tcp', 'unix'])
def test_server_transport_and_factory(loop, tmp_path, family, no_fd_leak):
    async def main():
        protos = []

        def factory():
            p = Recorder(loop)
            p.note('factory')
            protos.append(p)
            return p

        async def serve():
            if family == 'unix':
                return await loop.create_unix_server(factory, str(tmp_path / 's.sock'))
            return await loop.create_server(factory, '127.0.0.1', 0)
        server = await in_context(loop, 'inner', serve())
        addr = server.sockets[0].getsockname()
        for i in range(2):
            c = socket.socket(socket.AF_UNIX if family == 'unix' else socket.AF_INET)
            c.setblocking(False)
            with c:
                await loop.sock_connect(c, addr)
                while len(protos) <= i:
                    await asyncio.sleep(0.01)
                p = protos[i]
                await p.made
                await loop.sock_sendall(c, b'hello')
                await p.got_data
                c.shutdown(socket.SHUT_WR)
                await p.eof
            await p.lost
            only_inner(p, 'factory', 'connection_made', 'data_received', 'eof_received',
                       'connection_lost')
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_connection_lost_after_close_from_another_context(loop_kind, loop, no_fd_leak):
    async def main():
        ls, addr = await connected_pair(loop, 'tcp', None)
        proto = Recorder(loop)
        accepted = loop.create_task(loop.sock_accept(ls))
        await in_context(loop, 'inner', loop.create_connection(lambda: proto, *addr))
        peer, _ = await accepted
        with peer, ls:
            await proto.made

            def close():
                CVAR.set('closing')
                proto.transport.close()
            loop.call_soon(close)
            await proto.lost
        if loop_kind == 'asyncio':
            assert proto.seen['connection_lost'] == ['closing'], STDLIB_DIFFERS
        else:
            only_inner(proto, 'connection_lost')
    run(loop, main())


def test_connect_accepted_socket(loop, no_fd_leak):
    async def main():
        ls, addr = await connected_pair(loop, 'tcp', None)
        with ls:
            c = socket.socket()
            c.setblocking(False)
            accepted = loop.create_task(loop.sock_accept(ls))
            await loop.sock_connect(c, addr)
            s, _ = await accepted
        proto = Recorder(loop)
        with c:
            await in_context(loop, 'inner', loop.connect_accepted_socket(lambda: proto, s))
            await proto.made
            await loop.sock_sendall(c, b'data')
            await proto.got_data
            c.shutdown(socket.SHUT_WR)
            await proto.eof
            await proto.lost
        only_inner(proto, 'connection_made', 'data_received', 'eof_received', 'connection_lost')
    run(loop, main())


@pytest.mark.parametrize('family', ['udp', 'unix'])
def test_datagram_transport(loop_kind, loop, tmp_path, family, no_fd_leak):
    async def main():
        proto = Recorder(loop)
        if family == 'udp':
            peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            peer.bind(('127.0.0.1', 0))
            kw = dict(local_addr=('127.0.0.1', 0))
        else:
            peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            peer.bind(str(tmp_path / 'peer'))
            me = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            me.bind(str(tmp_path / 'me'))
            kw = dict(sock=me)     # (uvloop takes no path for local_addr)
        with peer:
            tr, _ = await in_context(loop, 'inner',
                                     loop.create_datagram_endpoint(lambda: proto, **kw))
            await proto.made
            peer.sendto(b'datagram', tr.get_extra_info('sockname'))
            await proto.got_data

            def close():
                CVAR.set('closing')
                tr.close()
            loop.call_soon(close)
            await proto.lost
        only_inner(proto, 'connection_made', 'data_received')
        if loop_kind == 'asyncio':
            assert proto.seen['connection_lost'] == ['closing'], STDLIB_DIFFERS
        else:
            only_inner(proto, 'connection_lost')
    run(loop, main())


def test_udp_error_received(loop, no_fd_leak):
    async def main():
        proto = Recorder(loop)
        # A port with nobody on it: the connected socket gets ECONNREFUSED back.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', 0))
        dead = s.getsockname()
        s.close()
        tr, _ = await in_context(loop, 'inner', loop.create_datagram_endpoint(
            lambda: proto, remote_addr=dead))
        await proto.made
        for _ in range(50):
            tr.sendto(b'x')
            await asyncio.sleep(0.01)
            if 'error_received' in proto.seen:
                break
        tr.close()
        await proto.lost
        only_inner(proto, 'error_received')
    run(loop, main())


def test_pipes(loop, no_fd_leak):
    async def main():
        rfd, wfd = os.pipe()
        reader = Recorder(loop)
        rtr, _ = await in_context(loop, 'inner', loop.connect_read_pipe(
            lambda: reader, os.fdopen(rfd, 'rb', 0)))
        await reader.made
        os.write(wfd, b'through the pipe')
        await reader.got_data
        os.close(wfd)
        await reader.eof
        await reader.lost
        only_inner(reader, 'connection_made', 'data_received', 'eof_received', 'connection_lost')

        rfd, wfd = os.pipe()
        writer = Recorder(loop)
        wtr, _ = await in_context(loop, 'inner', loop.connect_write_pipe(
            lambda: writer, os.fdopen(wfd, 'wb', 0)))
        await writer.made
        wtr.write(b'x')
        os.close(rfd)            # the reader goes away: the write pipe transport is lost
        await writer.lost
        only_inner(writer, 'connection_made', 'connection_lost')
    run(loop, main())


class SubprocessRecorder(Recorder, asyncio.SubprocessProtocol):
    def __init__(self, loop):
        super().__init__(loop)
        self.exited = loop.create_future()

    def pipe_data_received(self, fd, data):
        self.data_received(data)

    def pipe_connection_lost(self, fd, exc):
        self.note('pipe_connection_lost')

    def process_exited(self):
        self.note('process_exited')
        self.exited.set_result(None)


def test_subprocess(loop_kind, loop, no_fd_leak):
    async def main():
        proto = SubprocessRecorder(loop)
        tr, _ = await in_context(loop, 'inner', loop.subprocess_exec(
            lambda: proto, sys.executable, '-c',
            'import sys; sys.stdout.write(sys.stdin.read())',
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None))
        await proto.made
        tr.get_pipe_transport(0).write(b'echo me')
        tr.get_pipe_transport(0).write_eof()
        await proto.got_data
        await proto.exited
        await proto.lost
        tr.close()
        only_inner(proto, 'connection_made', 'data_received')
        # stdlib: stdin's pipe_connection_lost runs in the context of write_eof()'s caller,
        # process_exited and connection_lost in its child watcher's.
        if loop_kind != 'asyncio':
            only_inner(proto, 'pipe_connection_lost', 'process_exited', 'connection_lost')
    run(loop, main())


def test_tls_client_and_server(loop, cert, no_fd_leak):  # noqa: F811
    server_ctx, client_ctx = contexts(cert)

    async def main():
        sproto = Recorder(loop)
        server = await in_context(loop, 'inner', loop.create_server(
            lambda: sproto, '127.0.0.1', 0, ssl=server_ctx))
        port = server.sockets[0].getsockname()[1]
        cproto = Recorder(loop)
        await in_context(loop, 'inner', loop.create_connection(
            lambda: cproto, '127.0.0.1', port, ssl=client_ctx, server_hostname='localhost'))
        await cproto.made
        await sproto.made
        cproto.transport.write(b'to server')
        await sproto.got_data
        sproto.transport.write(b'to client')
        await cproto.got_data
        sproto.transport.close()
        await cproto.lost
        await sproto.lost
        server.close()
        await server.wait_closed()
        for p in (sproto, cproto):
            only_inner(p, 'connection_made', 'data_received', 'connection_lost')
    run(loop, main())


def test_start_tls(loop_kind, loop, cert, no_fd_leak):  # noqa: F811
    server_ctx, client_ctx = contexts(cert)

    async def main():
        sproto = Recorder(loop)
        server = await loop.create_server(lambda: sproto, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        cproto = Recorder(loop)

        async def client():
            tr, _ = await loop.create_connection(lambda: cproto, '127.0.0.1', port)
            await sproto.made
            stls = loop.create_task(loop.start_tls(sproto.transport, sproto, server_ctx,
                                                   server_side=True))
            CVAR.set('start_tls')     # the transport was created in 'inner'
            new = await loop.start_tls(tr, cproto, client_ctx, server_hostname='localhost')
            return new, await stls
        ctr, str_ = await in_context(loop, 'inner', client())
        str_.write(b'over tls')
        await cproto.got_data
        str_.close()
        await cproto.lost
        ctr.close()
        server.close()
        await server.wait_closed()
        only_inner(cproto, 'connection_made')
        if loop_kind == 'asyncio':
            assert cproto.seen['data_received'] == ['start_tls'], STDLIB_DIFFERS
        else:
            only_inner(cproto, 'data_received', 'connection_lost')
    run(loop, main())


def test_tls_flow_control_and_resume_reading(loop_kind, loop, cert, no_fd_leak):  # noqa: F811
    """What an application call on a TLS transport triggers runs in the transport's context
    too: pause_writing/resume_writing from write(), the reads scheduled by resume_reading()."""
    server_ctx, client_ctx = contexts(cert)

    async def main():
        sproto = Recorder(loop)
        server = await in_context(loop, 'inner', loop.create_server(
            lambda: sproto, '127.0.0.1', 0, ssl=server_ctx))
        port = server.sockets[0].getsockname()[1]
        cproto = Recorder(loop)
        await in_context(loop, 'inner', loop.create_connection(
            lambda: cproto, '127.0.0.1', port, ssl=client_ctx, server_hostname='localhost'))
        await cproto.made
        await sproto.made
        # reading paused on the server side, resumed from another context
        sproto.transport.pause_reading()
        cproto.transport.write(b'while paused')
        await asyncio.sleep(0.1)
        assert not sproto.got_data.done()
        CVAR.set('resumer')
        sproto.transport.resume_reading()
        CVAR.set('outer')
        await sproto.got_data
        # flow control, with the writer in another context
        sproto.transport.pause_reading()
        CVAR.set('writer')
        cproto.transport.set_write_buffer_limits(high=1)
        for _ in range(512):     # until the kernel's buffers are full (bounded: 32 MiB)
            cproto.transport.write(b'x' * 65536)
            if cproto.paused.done():
                break
        CVAR.set('outer')
        await cproto.paused
        sproto.transport.resume_reading()
        await cproto.resumed
        cproto.transport.close()
        await sproto.lost
        await cproto.lost
        server.close()
        await server.wait_closed()
        only_inner(sproto, 'connection_made')
        only_inner(cproto, 'connection_made')
        if loop_kind == 'asyncio':
            # (and 3.10's SSLProtocol runs the server's connection_lost in the closer's)
            assert set(sproto.seen['data_received']) >= {'resumer'}, STDLIB_DIFFERS
            assert set(cproto.seen['pause_writing']) == {'writer'}, STDLIB_DIFFERS
        else:
            only_inner(sproto, 'data_received', 'connection_lost')
            only_inner(cproto, 'pause_writing', 'resume_writing', 'connection_lost')
    run(loop, main())
