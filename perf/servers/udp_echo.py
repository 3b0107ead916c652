"""UDP echo server: asyncio.DatagramProtocol (datagram_received -> transport.sendto back to the
sender). Takes --tcp HOST:PORT as the address to bind (a UDP port) and prints "READY udp
HOST:PORT". See _common.py for usage."""
import asyncio

from _common import parse_args, run_server, skip


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


async def start(loop, args):
    if args.unix:
        skip("udp_echo.py serves UDP only (--tcp HOST:PORT)")
    transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=(args.host, args.port))
    host, port = transport.get_extra_info("sockname")[:2]
    return f"udp {host}:{port}"


if __name__ == "__main__":
    a = parse_args(__doc__)
    run_server(a, lambda loop: start(loop, a))
