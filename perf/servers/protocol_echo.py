"""Echo server: asyncio.Protocol (data_received -> transport.write). See _common.py for usage."""
import asyncio
import socket

from _common import BACKLOG, parse_args, run_server, server_address


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        self.transport.write(data)

    def connection_lost(self, exc):
        self.transport = None


async def start(loop, args):
    if args.unix:
        server = await loop.create_unix_server(Echo, args.unix, backlog=BACKLOG)
    else:
        server = await loop.create_server(Echo, args.host, args.port, backlog=BACKLOG)
    return server_address(server, args)


if __name__ == "__main__":
    a = parse_args(__doc__)
    run_server(a, lambda loop: start(loop, a))
