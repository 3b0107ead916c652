"""A small program using nixloop's public API with full types: `mypy --strict` checks it
(tests/typing/test_types.py), and running it prints what it did.

An asyncio echo server and client on nixloop, then the same over nixloop.net (Node's API), with
an EventEmitter and a timer in between.
"""
from __future__ import annotations

import asyncio
import sys

import nixloop
from nixloop import events, net, node, timers
from nixloop.errors import NodeError


async def echo_round_trip(message: bytes) -> bytes:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.read(100))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    port: int = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(message)
    reply = await reader.read(100)
    writer.close()
    server.close()
    await server.wait_closed()
    return reply


def node_style(log: list[str]) -> None:
    emitter = events.EventEmitter()
    emitter.on('greet', lambda name: log.append(f'hello {name}'))
    emitter.emit('greet', 'nixloop')

    def on_connection(sock: net.Socket) -> None:
        sock.on('data', lambda data: sock.end(data.upper()))

    server = net.createServer(on_connection)

    def on_listening() -> None:
        address = server.address()
        assert isinstance(address, dict)
        client = net.connect(address['port'], '127.0.0.1')
        client.on('data', lambda data: log.append(f'net echo {data!r}'))
        client.on('end', lambda: server.close())
        client.write(b'ping')

    server.listen(0, '127.0.0.1', on_listening)
    timer = timers.setTimeout(lambda: log.append('timer fired'), 1)
    assert isinstance(timer, timers.Timeout)


def main() -> int:
    loop: nixloop.Loop = nixloop.new_event_loop()
    loop.close()
    print('asyncio echo:', nixloop.run(echo_round_trip(b'typed')))
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=nixloop.new_event_loop) as runner:
            print('Runner echo:', runner.run(echo_round_trip(b'runner')))
    log: list[str] = []
    node.run(node_style, log)
    print('node-style:', ', '.join(sorted(log)))
    try:
        timers.setTimeout(None, 1)  # type: ignore[arg-type]
    except NodeError as err:
        print('NodeError:', err.code)
    print('libuv', nixloop.libuv_version(), 'nixloop', nixloop.__version__)
    return 0


if __name__ == '__main__':
    sys.exit(main())
