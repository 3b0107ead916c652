"""A stream protocol's data_received raising, and writes on a transport that lost its connection,
on every loop kind: the exception handler's context, connection_lost, KeyboardInterrupt out of
the loop, and the contextvars context of the failure's handling. (nixloop delivers received
bytes on its own C path without try blocks: these are the outcomes that path must keep.)"""
import asyncio
import contextvars
import logging
import socket

import pytest

from nltest import uvloop_differs

CVAR = contextvars.ContextVar('CVAR', default='outer')


class Raiser(asyncio.Protocol):
    def __init__(self, loop, exc):
        self.exc = exc
        self.transport = None
        self.calls = 0
        self.lost = loop.create_future()

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.calls += 1
        raise self.exc

    def connection_lost(self, exc):
        self.lost.set_result(exc)


async def serve_one(loop, proto):
    """A listening socket, the loop's transport on its accepted side, and the client socket."""
    lsock = socket.create_server(('127.0.0.1', 0))
    client = socket.create_connection(lsock.getsockname())
    conn, _ = lsock.accept()
    lsock.close()
    client.setblocking(False)
    transport, _ = await loop.connect_accepted_socket(lambda: proto, conn)
    return transport, client


def test_data_received_raising_is_fatal_to_the_transport(loop, loop_kind):
    uvloop_differs(loop_kind, "the handler's message is 'Fatal error on transport TCPTransport'")
    seen = []
    loop.set_exception_handler(lambda lp, ctx: seen.append((ctx, CVAR.get())))
    err = ValueError('boom')

    async def main():
        proto = Raiser(loop, err)
        CVAR.set('transport')
        transport, client = await serve_one(loop, proto)
        CVAR.set('main')
        client.send(b'hello')
        lost = await asyncio.wait_for(proto.lost, 5)
        client.close()
        return proto, transport, lost

    proto, transport, lost = loop.run_until_complete(main())
    assert proto.calls == 1
    assert lost is err
    assert transport.is_closing()
    assert len(seen) == 1
    ctx, var = seen[0]
    assert ctx['message'] == 'Fatal error: protocol.data_received() call failed.'
    assert ctx['exception'] is err
    assert ctx['transport'] is transport
    assert ctx['protocol'] is proto
    # the traceback reaches the raising frame
    tb = err.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert tb.tb_frame.f_code.co_name == 'data_received'
    # the handler ran in the transport's context, as the callback that failed
    assert var == 'transport'


@pytest.mark.parametrize('exc_type', [KeyboardInterrupt, SystemExit])
def test_data_received_raising_keyboardinterrupt_leaves_the_loop(loop, loop_kind, exc_type):
    uvloop_differs(loop_kind, 'KeyboardInterrupt in data_received is a fatal transport error')
    seen = []
    loop.set_exception_handler(lambda lp, ctx: seen.append(ctx))
    err = exc_type()
    proto = Raiser(loop, err)
    state = {}

    async def main():
        transport, client = await serve_one(loop, proto)
        state['transport'], state['client'] = transport, client
        client.send(b'hello')
        await asyncio.sleep(5)

    task = loop.create_task(main())
    with pytest.raises(exc_type) as info:
        loop.run_until_complete(task)
    assert info.value is err
    assert proto.calls == 1
    assert seen == []
    # the loop is still usable: the transport is closed from it
    state['transport'].close()
    task.cancel()
    loop.run_until_complete(asyncio.wait([task]))
    state['client'].close()


def test_writes_after_the_connection_was_lost_are_dropped_and_logged(loop, loop_kind, caplog):
    uvloop_differs(loop_kind, 'write() after abort() raises RuntimeError (the handle is closed)')

    async def main():
        proto = asyncio.Protocol()
        transport, client = await serve_one(loop, proto)
        transport.abort()
        await asyncio.sleep(0.01)
        with caplog.at_level(logging.WARNING, logger='asyncio'):
            for _ in range(8):
                transport.write(b'x' * 100)     # no exception: dropped
        data = b''
        try:
            while chunk := client.recv(1000):
                data += chunk
        except (BlockingIOError, ConnectionResetError):
            pass
        client.close()
        return data

    data = loop.run_until_complete(main())
    assert data == b''
    warnings = [r for r in caplog.records if r.getMessage() == 'socket.send() raised exception.']
    assert warnings, [r.getMessage() for r in caplog.records]


def test_write_checks_come_before_the_send(loop, loop_kind):
    """write() of bytes on an open transport: empty bytes send nothing, a non-bytes is a
    TypeError, write_eof() makes later writes RuntimeErrors; a bytes subclass, bytearray and
    memoryview are sent as they were when write() returned."""
    async def main():
        transport, client = await serve_one(loop, asyncio.Protocol())
        transport.write(b'')
        with pytest.raises(TypeError):
            transport.write('text')

        class B(bytes):
            pass
        ba = bytearray(b'cd')
        transport.write(B(b'ab'))
        transport.write(ba)
        ba[:] = b'XX'
        transport.write(memoryview(b'ef'))
        transport.write_eof()
        with pytest.raises(RuntimeError):
            transport.write(b'gh')
        data = b''
        for _ in range(100):
            try:
                chunk = client.recv(100)
            except BlockingIOError:
                await asyncio.sleep(0.01)
                continue
            if not chunk:
                break
            data += chunk
        transport.close()
        client.close()
        return data

    assert loop.run_until_complete(main()) == b'abcdef'
