"""Echo server: asyncio streams (start_server / start_unix_server, read -> write -> drain).
See _common.py for usage."""
import asyncio
import socket

from _common import BACKLOG, READ_SIZE, parse_args, run_server, server_address


async def handle(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def start(loop, args):
    if args.unix:
        server = await asyncio.start_unix_server(handle, args.unix, backlog=BACKLOG)
    else:
        server = await asyncio.start_server(handle, args.host, args.port, backlog=BACKLOG)
    return server_address(server, args)


if __name__ == "__main__":
    a = parse_args(__doc__)
    run_server(a, lambda loop: start(loop, a))
