"""Messages received on SEQPACKET sockets stay what they were. nixloop reads a message of the
last length straight into the bytes object it handed out before, when nothing else holds that
object, and scatters the rest of a longer message into its read buffer (compat.h, nl_rx_iov);
these tests check that no kept message, hash, or message of another length is ever changed by
that, and that a message longer than the read buffer is still refused whole."""
import asyncio
import errno
import os

from nixloop.unix import SeqpacketProtocol

# Runs of one length (read into the kept object) broken by longer ones (split between the
# object and the buffer), shorter ones, the empty message and one-byte ones.
LENGTHS = ([1000] * 5 + [5000] + [1000] * 4 + [999, 1001, 1000, 1000, 1000, 60000, 1000, 1000,
           0, 1000, 1, 1, 1, 2, 2, 2, 1000, 1000])


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


class Recorder(SeqpacketProtocol):
    """Keeps every message it gets (and a memoryview of every fifth), with its hash and a copy
    made at once; acknowledges each one."""

    def __init__(self):
        self.records = []
        self.kept = []
        self.views = []
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def message_received(self, data):
        i = len(self.records)
        self.records.append((hash(data), bytes(bytearray(data))))
        if i % 3 == 0:
            self.kept.append((i, data))
        if i % 5 == 0:
            self.views.append((i, memoryview(data)))
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


async def _serve(path):
    loop = asyncio.get_running_loop()
    accepted = []

    def factory():
        accepted.append(Recorder())
        return accepted[-1]
    server = await loop.create_seqpacket_server(factory, path)
    tr, client = await loop.create_seqpacket_connection(Acks, path)
    return server, tr, client, accepted


def _check(rec, sent):
    assert [copy for _, copy in rec.records] == sent
    for h, copy in rec.records:
        assert h == hash(copy)
    for i, data in rec.kept:
        assert data == sent[i] and hash(data) == hash(sent[i])
    for i, view in rec.views:
        assert view.tobytes() == sent[i]


def test_messages_one_at_a_time_keep_their_content(nloop, tmp_path, no_fd_leak):
    sent = [os.urandom(n) for n in LENGTHS]

    async def main():
        server, tr, client, accepted = await _serve(str(tmp_path / 's'))
        for msg in sent:
            tr.write(msg)
            assert await asyncio.wait_for(client.acks.get(), 10) == b'k'
        tr.close()
        server.close()
        await server.wait_closed()
        return accepted[0]

    _check(run(nloop, main()), sent)


def test_messages_in_a_burst_keep_their_content(nloop, tmp_path, no_fd_leak):
    """Everything is queued before the server reads: its batched reads see runs of one length."""
    sent = [os.urandom(n) for n in LENGTHS * 3]

    async def main():
        server, tr, client, accepted = await _serve(str(tmp_path / 's'))
        while not accepted:
            await asyncio.sleep(0.001)
        accepted[0].transport.pause_reading()
        for msg in sent:
            tr.write(msg)
        await asyncio.sleep(0.05)
        accepted[0].transport.resume_reading()
        for _ in sent:
            assert await asyncio.wait_for(client.acks.get(), 10) == b'k'
        tr.close()
        server.close()
        await server.wait_closed()
        return accepted[0]

    _check(run(nloop, main()), sent)


def test_a_longer_message_than_the_buffer_is_refused_after_kept_ones(nloop, tmp_path,
                                                                      no_fd_leak):
    """The read buffer is 3000 bytes: messages up to that length (the kept object's length
    included) arrive; one byte more is EMSGSIZE, not a message cut to fit."""
    sent = [os.urandom(1000) for _ in range(4)] + [os.urandom(3000)]

    async def main():
        server, tr, client, accepted = await _serve(str(tmp_path / 's'))
        while not accepted:
            await asyncio.sleep(0.001)
        accepted[0].transport.set_read_buffer_size(3000)
        for msg in sent:
            tr.write(msg)
            assert await asyncio.wait_for(client.acks.get(), 10) == b'k'
        tr.write(b'x' * 3001)
        exc = await asyncio.wait_for(accepted[0].lost, 10)
        tr.close()
        server.close()
        await server.wait_closed()
        return exc, accepted[0]

    exc, rec = run(nloop, main())
    assert isinstance(exc, OSError) and exc.errno == errno.EMSGSIZE
    _check(rec, sent)
