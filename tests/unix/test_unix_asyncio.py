"""asyncio surface: loop.create_seqpacket_server/connection, Unix datagram endpoints."""
import asyncio
import contextlib
import errno
import os
import socket
import stat

import pytest

import nixloop
from nixloop import unix
from nixloop.unix import SeqpacketProtocol


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


class Echo(SeqpacketProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def message_received(self, data):
        self.transport.write(data)


class Collect(SeqpacketProtocol):
    def __init__(self):
        self.messages = []
        self.lost = asyncio.get_running_loop().create_future()
        self.paused = 0
        self.resumed = 0
        self.fds = []

    def connection_made(self, transport):
        self.transport = transport

    def message_received(self, data):
        self.messages.append(data)

    def fds_received(self, fds):
        self.fds.append(fds)

    def pause_writing(self):
        self.paused += 1

    def resume_writing(self):
        self.resumed += 1

    def connection_lost(self, exc):
        self.lost.set_result(exc)


@contextlib.asynccontextmanager
async def collect_pair(path):
    """A SEQPACKET server of Collect protocols at `path` and a Collect client to it: yields the
    client's transport and the list the server's protocols go into as it accepts."""
    loop = asyncio.get_running_loop()
    accepted = []

    def factory():
        accepted.append(Collect())
        return accepted[-1]
    server = await loop.create_seqpacket_server(factory, path)
    tr, _ = await loop.create_seqpacket_connection(Collect, path)
    try:
        yield tr, accepted
    finally:
        tr.close()
        server.close()
        await server.wait_closed()


def test_seqpacket_echo_and_stale_file(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'srv')
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    stale.bind(path)
    stale.close()

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_seqpacket_server(Echo, path)     # replaces the stale file
        assert server.is_serving()
        tr, pr = await loop.create_seqpacket_connection(Collect, path)
        for m in (b'a', b'', b'ccc' * 1000):
            tr.write(m)
        while len(pr.messages) < 3:
            await asyncio.sleep(0.001)
        assert tr.get_extra_info('peercred') == (os.getpid(), os.getuid(), os.getgid())
        assert tr.get_extra_info('peername') == path
        tr.close()
        assert await pr.lost is None
        server.close()
        await server.wait_closed()
        return pr.messages
    assert run(nloop, main()) == [b'a', b'', b'ccc' * 1000]
    assert not os.path.exists(path)               # removed on close (cleanup_socket)


def test_bursts_and_round_trips_alternate(nloop, tmp_path, no_fd_leak):
    # The handle reads as many messages per readiness event as the last events found (one for a
    # request/response peer, up to 32 for a pipelining one): bursts after round trips and round
    # trips after bursts must all arrive whole and in order, empty messages included.
    path = str(tmp_path / 'srv')

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_seqpacket_server(Echo, path)
        tr, pr = await loop.create_seqpacket_connection(Collect, path)
        sent = []

        async def wait_for(n):
            for _ in range(20000):
                if len(pr.messages) >= n:
                    return
                await asyncio.sleep(0.001)
            raise AssertionError(f'{len(pr.messages)} of {n} messages echoed')

        for phase in range(3):
            for i in range(600):                    # a burst of 600 messages written at once
                m = b'%d-%d-' % (phase, i) * (i % 7)
                sent.append(m)
                tr.write(m)
            await wait_for(len(sent))
            for i in range(40):                     # round trips, one message in flight
                m = b'rt%d-%d' % (phase, i)
                sent.append(m)
                tr.write(m)
                await wait_for(len(sent))
        tr.close()
        await pr.lost
        server.close()
        await server.wait_closed()
        return sent, pr.messages
    sent, got = run(nloop, main())
    assert got == sent


def test_unbound_client_stays_unbound_and_eof_is_not_an_empty_message(nloop, tmp_path,
                                                                       no_fd_leak):
    # Empty messages are told from end-of-stream by the timestamp SO_TIMESTAMP puts on every
    # message read (SO_PASSCRED, which would also do, makes Linux auto-bind an unbound client
    # to an abstract name): the client stays unbound, the server sees '' as its peer, and the
    # empty messages before the shutdown arrive before eof_received.
    path = str(tmp_path / 'srv')
    seen = {}

    class Server(SeqpacketProtocol):
        def connection_made(self, transport):
            self.transport = transport
            self.messages = []

        def message_received(self, data):
            self.messages.append(data)
            seen['peername'] = self.transport.get_extra_info('peername')

        def eof_received(self):
            seen['messages'] = list(self.messages)
            return False

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_seqpacket_server(Server, path)
        tr, pr = await loop.create_seqpacket_connection(Collect, path)
        for m in (b'', b'x', b'', b''):
            tr.write(m)
        while 'peername' not in seen:
            await asyncio.sleep(0.001)
        sockname = tr.get_extra_info('sockname')     # after sending
        tr.write_eof()
        await pr.lost
        server.close()
        await server.wait_closed()
        return sockname
    sockname = run(nloop, main())
    assert seen['messages'] == [b'', b'x', b'', b'']
    assert seen['peername'] == ''
    assert sockname == ''


def test_plain_protocol_data_received_gets_messages(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'p')

    class Plain(asyncio.Protocol):
        def __init__(self):
            self.got = []

        def connection_made(self, t):
            self.t = t

        def data_received(self, data):
            self.got.append(data)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_seqpacket_server(Echo, path)
        tr, pr = await loop.create_seqpacket_connection(Plain, path)
        tr.writelines([b'x', b'yy', b'zzz'])
        while len(pr.got) < 3:
            await asyncio.sleep(0.001)
        tr.close()
        server.close()
        await server.wait_closed()
        return pr.got
    assert run(nloop, main()) == [b'x', b'yy', b'zzz']


def test_flow_control_pause_resume(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'fc')

    async def main():
        loop = asyncio.get_running_loop()
        servers = []

        class Slow(SeqpacketProtocol):
            def connection_made(self, t):
                servers.append(t)
                t.pause_reading()
        server = await loop.create_seqpacket_server(Slow, path)
        tr, pr = await loop.create_seqpacket_connection(Collect, path)
        tr.set_write_buffer_limits(high=64 * 1024)
        for _ in range(200):
            tr.write(b'm' * 16384)
            if pr.paused:
                break
        assert pr.paused == 1
        assert tr.get_write_buffer_size() > 64 * 1024
        while not servers:
            await asyncio.sleep(0.001)
        servers[0].resume_reading()
        while not pr.resumed:
            await asyncio.sleep(0.001)
        tr.close()
        await pr.lost
        server.close()
        servers[0].close()
        await server.wait_closed()
        return pr.paused, pr.resumed
    assert run(nloop, main()) == (1, 1)


def test_eof_truncation_and_fds_on_transport(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 't')
    r, w = os.pipe()

    async def main():
        async with collect_pair(path) as (tr, accepted):
            tr.send_fds(b'with fd', [w])
            while not accepted or not accepted[0].messages:
                await asyncio.sleep(0.001)
            srv = accepted[0]
            assert srv.messages == [b'with fd'] and len(srv.fds) == 1
            os.write(srv.fds[0][0], b'ok')
            os.close(srv.fds[0][0])
            srv.transport.set_read_buffer_size(100)
            tr.write(b'L' * 101)
            exc = await srv.lost
        return exc, srv.messages
    try:
        exc, msgs = run(nloop, main())
        os.close(w)
        assert os.read(r, 10) == b'ok'
    finally:
        os.close(r)
    assert isinstance(exc, OSError) and exc.errno == errno.EMSGSIZE
    assert msgs == [b'with fd']


def test_write_eof_and_eof_received(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'e')

    async def main():
        loop = asyncio.get_running_loop()
        eofs = loop.create_future()

        class Srv(SeqpacketProtocol):
            def connection_made(self, t):
                self.t = t
                self.got = []

            def message_received(self, data):
                self.got.append(data)

            def eof_received(self):
                eofs.set_result(list(self.got))
                self.t.write(b'reply after eof')
                return False        # closes after the reply is sent
        server = await loop.create_seqpacket_server(Srv, path)
        tr, pr = await loop.create_seqpacket_connection(Collect, path)
        assert tr.can_write_eof()
        tr.write(b'')
        tr.write(b'last')
        tr.write_eof()
        with pytest.raises(RuntimeError):
            tr.write(b'x')
        got = await eofs
        exc = await pr.lost     # the server closed: our eof_received -> close
        server.close()
        await server.wait_closed()
        return got, pr.messages, exc
    got, replies, exc = run(nloop, main())
    assert got == [b'', b'last']
    assert replies == [b'reply after eof']
    assert exc is None


def test_connection_errors_and_free_functions(nloop, tmp_path, no_fd_leak):
    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(FileNotFoundError):
            await loop.create_seqpacket_connection(Collect, str(tmp_path / 'missing'))
        with pytest.raises(OSError) as info:
            await loop.create_seqpacket_server(Echo, str(tmp_path / 'nodir' / 's'))
        assert info.value.errno == errno.ENOENT
        # free functions with the loop as first argument
        server = await unix.create_seqpacket_server(loop, Echo, str(tmp_path / 'f'))
        tr, pr = await unix.create_seqpacket_connection(loop, Collect, str(tmp_path / 'f'))
        tr.write(b'free')
        while not pr.messages:
            await asyncio.sleep(0.001)
        tr.close()
        server.close()
        await server.wait_closed()
        return pr.messages
    assert run(nloop, main()) == [b'free']


def test_sock_argument(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 's')
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    lsock.bind(path)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_seqpacket_server(Echo, sock=lsock)
        csock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        csock.connect(path)
        tr, pr = await loop.create_seqpacket_connection(Collect, sock=csock)
        tr.write(b'via sock')
        while not pr.messages:
            await asyncio.sleep(0.001)
        tr.close()
        await pr.lost
        server.close()
        await server.wait_closed()
        return pr.messages, csock.fileno(), lsock.fileno()
    msgs, cfd, lfd = run(nloop, main())
    assert msgs == [b'via sock']
    assert cfd == -1 and lfd == -1     # the transport/server own and closed them


def test_unix_datagram_endpoint(nloop, tmp_path, no_fd_leak):
    srv_path, cli_path = str(tmp_path / 'ds'), str(tmp_path / 'dc')

    class DEcho(asyncio.DatagramProtocol):
        def connection_made(self, t):
            self.t = t

        def datagram_received(self, data, addr):
            self.t.sendto(data + b'!', addr)

    class DCollect(asyncio.DatagramProtocol):
        def __init__(self):
            self.got = []
            self.errors = []

        def datagram_received(self, data, addr):
            self.got.append((data, addr))

        def error_received(self, exc):
            self.errors.append(exc)

    async def main():
        loop = asyncio.get_running_loop()
        st, sp = await loop.create_datagram_endpoint(DEcho, local_addr=srv_path,
                                                     family=socket.AF_UNIX)
        ct, cp = await loop.create_datagram_endpoint(DCollect, local_addr=cli_path,
                                                     remote_addr=srv_path,
                                                     family=socket.AF_UNIX)
        assert ct.get_extra_info('sockname') == cli_path
        assert ct.get_extra_info('peername') == srv_path
        ct.sendto(b'ping')
        ut, up = await loop.create_datagram_endpoint(DCollect, family=socket.AF_UNIX)
        ut.sendto(b'unbound', srv_path)     # echo to None: the server's sendto fails
        ut.sendto(b'to nowhere', str(tmp_path / 'nowhere'))
        while not cp.got or not up.errors:
            await asyncio.sleep(0.001)
        for t in (st, ct, ut):
            t.close()
        await asyncio.sleep(0)
        return cp.got, up.errors
    got, errors = run(nloop, main())
    assert got == [(b'ping!', srv_path)]
    assert isinstance(errors[0], FileNotFoundError)


def test_unix_datagram_pause_and_resume_reading(nloop, tmp_path, no_fd_leak):
    srv_path = str(tmp_path / 'ds')

    class Collect(asyncio.DatagramProtocol):
        def __init__(self):
            self.got = []

        def datagram_received(self, data, addr):
            self.got.append(data)

    async def main():
        loop = asyncio.get_running_loop()
        st, sp = await loop.create_datagram_endpoint(Collect, local_addr=srv_path,
                                                     family=socket.AF_UNIX)
        ct, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                    remote_addr=srv_path,
                                                    family=socket.AF_UNIX)
        st.pause_reading()
        assert not st.is_reading()
        ct.sendto(b'a')
        ct.sendto(b'b')
        await asyncio.sleep(0.05)
        held = list(sp.got)
        st.resume_reading()
        assert st.is_reading()
        for _ in range(2000):
            if len(sp.got) == 2:
                break
            await asyncio.sleep(0.001)
        st.close()
        ct.close()
        await asyncio.sleep(0)
        return held, sp.got
    held, got = run(nloop, main())
    assert held == []
    assert got == [b'a', b'b']


def test_protocol_exception_fails_the_transport_and_reaches_the_handler(nloop, tmp_path,
                                                                          no_fd_leak):
    """message_received raising: the exception handler hears of it, the transport is closed
    and the protocol gets connection_lost(exc), as asyncio does for data_received."""
    path = str(tmp_path / 'x')
    contexts = []
    nloop.set_exception_handler(lambda loop, ctx: contexts.append(ctx))

    async def main():
        loop = asyncio.get_running_loop()
        lost = loop.create_future()

        class Boom(SeqpacketProtocol):
            def connection_made(self, t):
                self.t = t

            def message_received(self, data):
                raise ValueError(data)

            def connection_lost(self, exc):
                lost.set_result(exc)

        server = await loop.create_seqpacket_server(Boom, path)
        tr, pr = await loop.create_seqpacket_connection(Collect, path)
        tr.write(b'first')
        tr.write(b'second')
        exc = await asyncio.wait_for(lost, 10)
        await asyncio.wait_for(pr.lost, 10)     # the server side closed: we see the end
        tr.close()
        server.close()
        await server.wait_closed()
        return exc
    exc = run(nloop, main())
    assert isinstance(exc, ValueError) and exc.args == (b'first',)
    assert len(contexts) == 1
    assert contexts[0]['message'] == 'Fatal error: protocol.message_received() call failed.'
    assert contexts[0]['exception'] is exc


def test_seqpacket_write_call_forms(nloop, tmp_path, no_fd_leak):
    """write(data) by position (a method of its own) and by name; wrong forms are TypeErrors."""
    path = str(tmp_path / 'w')

    async def main():
        async with collect_pair(path) as (tr, accepted):
            tr.write(b'one')
            tr.write(data=b'two')
            tr.write(bytearray(b'three'))
            for bad_args, bad_kw in (((), {}), ((b'x', b'y'), {}), (('text',), {}),
                                     ((), {'dat': b'x'})):
                with pytest.raises(TypeError):
                    tr.write(*bad_args, **bad_kw)
            while not accepted or len(accepted[0].messages) < 3:
                await asyncio.sleep(0.001)
        return accepted[0].messages

    assert run(nloop, main()) == [b'one', b'two', b'three']
