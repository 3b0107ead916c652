"""The bytes objects given to data_received stay what they were: what a protocol keeps (the object,
a memoryview of it, a queued write of it) is never changed by later reads, and hash() of each is
the hash of its content. nixloop refills the last received bytes object in place when nothing
else holds it (compat.h, nl_rx_bytes); these tests hold every loop kind to the stdlib behaviour
that makes such reuse invisible."""
import asyncio
import contextlib
import os
import socket

import pytest
from nltest import ReceivedLog

SIZE = 1000
COUNT = 60


class Recorder(asyncio.Protocol):
    """Logs every chunk (nltest.ReceivedLog) and acknowledges each one, so that the client sends
    the next one only then."""

    def __init__(self):
        self.log = ReceivedLog()
        self.received = 0

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.log.record(data)
        self.received += len(data)
        self.transport.write(b'k')


@contextlib.asynccontextmanager
async def connected(loop, proto, family='tcp', tmp_path=None):
    """A server of `proto` on loopback TCP or a Unix socket, and a streams client to it."""
    if family == 'tcp':
        server = await loop.create_server(lambda: proto, '127.0.0.1', 0)
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
    else:
        path = str(tmp_path / 's')
        server = await loop.create_unix_server(lambda: proto, path)
        reader, writer = await asyncio.open_unix_connection(path)
    try:
        yield reader, writer
    finally:
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize('family', ['tcp', 'unix'])
def test_kept_chunks_and_hashes_survive_later_reads(loop, family, tmp_path, no_fd_leak):
    proto = Recorder()

    async def main():
        async with connected(loop, proto, family, tmp_path) as (reader, writer):
            for i in range(COUNT):
                # Same size every time, different content: the case where reuse could show.
                writer.write(bytes([i % 256]) * SIZE)
                assert await asyncio.wait_for(reader.readexactly(1), 10) == b'k'

    loop.run_until_complete(main())
    assert proto.received == COUNT * SIZE
    # Each chunk arrived alone (one write, then the ack): the checks below cover COUNT reads.
    assert proto.log.copies() == [bytes([i % 256]) * SIZE for i in range(COUNT)]
    proto.log.check_intact()


class SlowReaderEcho(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


def test_queued_echo_writes_keep_their_bytes(loop, no_fd_leak):
    """The client does not read until it has sent everything, so the server's echo writes queue
    (they hold the received objects) while more same-sized reads arrive."""
    chunks = [os.urandom(4096) for _ in range(256)]       # 1 MiB: more than the socket buffers
    expected = b''.join(chunks)

    async def main():
        server = await loop.create_server(SlowReaderEcho, '127.0.0.1', 0)
        addr = server.sockets[0].getsockname()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.setblocking(False)
        await loop.sock_connect(sock, addr)
        try:
            for c in chunks:
                await loop.sock_sendall(sock, c)
            got = bytearray()
            while len(got) < len(expected):
                more = await asyncio.wait_for(loop.sock_recv(sock, 65536), 10)
                assert more
                got += more
        finally:
            sock.close()
            server.close()
            await server.wait_closed()
        return bytes(got)

    assert loop.run_until_complete(main()) == expected


def test_changing_message_lengths_arrive_intact(loop, no_fd_leak):
    """Runs of one length (nixloop then reads straight into the kept object) broken by longer,
    shorter and off-by-one messages: every byte arrives, in order, in chunks whose hashes
    are right."""
    lengths = [1000] * 5 + [5000] + [1000] * 4 + [999, 1001, 1000, 1000, 1000, 70000, 1000,
                                                  1000, 1000, 1, 1, 1, 2, 2, 2, 1000]
    sent = [os.urandom(n) for n in lengths]
    proto = Recorder()

    async def main():
        async with connected(loop, proto) as (reader, writer):
            for msg in sent:
                before = proto.received
                writer.write(msg)
                # One ack per chunk the server got; wait until this message is all there.
                while proto.received < before + len(msg):
                    assert await asyncio.wait_for(reader.read(65536), 10)

    loop.run_until_complete(main())
    assert b''.join(proto.log.copies()) == b''.join(sent)
    proto.log.check_intact()


class DatagramRecorder(asyncio.DatagramProtocol):
    def __init__(self):
        self.log = ReceivedLog()

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.log.record(data)
        self.transport.sendto(b'k', addr)


def test_datagrams_keep_their_content(loop, no_fd_leak):
    """UDP datagrams of changing lengths, one at a time and then in a burst (batched reads):
    each arrives whole and kept ones never change."""
    lengths = [1000] * 5 + [5000, 1000, 999, 1001, 1000, 1000, 0, 1000, 1, 1, 2, 2, 1000] * 2
    sent = [os.urandom(n) for n in lengths]

    async def main():
        tr, proto = await loop.create_datagram_endpoint(DatagramRecorder,
                                                        local_addr=('127.0.0.1', 0))
        addr = tr.get_extra_info('sockname')
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.connect(addr)
        try:
            half = len(sent) // 2
            for msg in sent[:half]:
                sock.send(msg)
                assert await asyncio.wait_for(loop.sock_recv(sock, 10), 10) == b'k'
            for msg in sent[half:]:
                sock.send(msg)
            for _ in sent[half:]:
                assert await asyncio.wait_for(loop.sock_recv(sock, 10), 10) == b'k'
        finally:
            sock.close()
            tr.close()
            await asyncio.sleep(0)
        return proto

    proto = loop.run_until_complete(main())
    assert proto.log.copies() == sent
    proto.log.check_intact()
