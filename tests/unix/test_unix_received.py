"""Messages received on SEQPACKET sockets stay what they were. nixloop reads a message of the
last length straight into the bytes object it handed out before, when nothing else holds that
object, and scatters the rest of a longer message into its read buffer (compat.h, nl_rx_iov);
these tests check that no kept message, hash, or message of another length is ever changed by
that, and that a message longer than the read buffer is still refused whole."""
import asyncio
import contextlib
import errno
import os

from nixloop.unix import SeqpacketProtocol
from nltest import ReceivedLog

# Runs of one length (read into the kept object) broken by longer ones (split between the
# object and the buffer), shorter ones, the empty message and one-byte ones.
LENGTHS = ([1000] * 5 + [5000] + [1000] * 4 + [999, 1001, 1000, 1000, 1000, 60000, 1000, 1000,
           0, 1000, 1, 1, 1, 2, 2, 2, 1000, 1000])


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


class Recorder(SeqpacketProtocol):
    """Logs every message (nltest.ReceivedLog) and acknowledges each one."""

    def __init__(self):
        self.log = ReceivedLog()
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def message_received(self, data):
        self.log.record(data)
        self.transport.write(b'k')

    def connection_lost(self, exc):
        if not self.lost.done():
            self.lost.set_result(exc)


class Acks(SeqpacketProtocol):
    def __init__(self):
        self.acks = asyncio.Queue()

    def connection_made(self, transport):
        self.transport = transport

    def message_received(self, data):
        self.acks.put_nowait(data)


@contextlib.asynccontextmanager
async def connected(path):
    """A SEQPACKET server of Recorders at `path` and a client to it: yields the client's
    transport, its Acks protocol and the server's Recorder once accepted."""
    loop = asyncio.get_running_loop()
    accepted = []

    def factory():
        accepted.append(Recorder())
        return accepted[-1]
    server = await loop.create_seqpacket_server(factory, path)
    tr, client = await loop.create_seqpacket_connection(Acks, path)
    try:
        while not accepted:
            await asyncio.sleep(0.001)
        yield tr, client, accepted[0]
    finally:
        tr.close()
        server.close()
        await server.wait_closed()


async def send_acked(tr, client, messages):
    """Sends each message and waits for its acknowledgement before the next."""
    for msg in messages:
        tr.write(msg)
        assert await asyncio.wait_for(client.acks.get(), 10) == b'k'


def test_messages_one_at_a_time_keep_their_content(nloop, tmp_path, no_fd_leak):
    sent = [os.urandom(n) for n in LENGTHS]

    async def main():
        async with connected(str(tmp_path / 's')) as (tr, client, rec):
            await send_acked(tr, client, sent)
        return rec

    rec = run(nloop, main())
    assert rec.log.copies() == sent
    rec.log.check_intact()


def test_messages_in_a_burst_keep_their_content(nloop, tmp_path, no_fd_leak):
    """Everything is queued before the server reads: its batched reads see runs of one length."""
    sent = [os.urandom(n) for n in LENGTHS * 3]

    async def main():
        async with connected(str(tmp_path / 's')) as (tr, client, rec):
            rec.transport.pause_reading()
            for msg in sent:
                tr.write(msg)
            await asyncio.sleep(0.05)
            rec.transport.resume_reading()
            for _ in sent:
                assert await asyncio.wait_for(client.acks.get(), 10) == b'k'
        return rec

    rec = run(nloop, main())
    assert rec.log.copies() == sent
    rec.log.check_intact()


def test_a_longer_message_than_the_buffer_is_refused_after_kept_ones(nloop, tmp_path,
                                                                      no_fd_leak):
    """The read buffer is 3000 bytes: messages up to that length (the kept object's length
    included) arrive; one byte more is EMSGSIZE, not a message cut to fit."""
    sent = [os.urandom(1000) for _ in range(4)] + [os.urandom(3000)]

    async def main():
        async with connected(str(tmp_path / 's')) as (tr, client, rec):
            rec.transport.set_read_buffer_size(3000)
            await send_acked(tr, client, sent)
            tr.write(b'x' * 3001)
            exc = await asyncio.wait_for(rec.lost, 10)
        return exc, rec

    exc, rec = run(nloop, main())
    assert isinstance(exc, OSError) and exc.errno == errno.EMSGSIZE
    assert rec.log.copies() == sent
    rec.log.check_intact()
