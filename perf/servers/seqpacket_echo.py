"""Echo server on a Unix SOCK_SEQPACKET socket: loop.create_seqpacket_server (nixloop's asyncio
API, nixloop/loop/unix.py), protocol.message_received(data) -> transport.write(data), one reply
message per request message. Usage as the other servers (see _common.py), but --unix only; prints
``READY seqpacket PATH`` (the harness then runs the load generator with --seqpacket). A loop
without create_seqpacket_server (every loop but nixloop) or --tcp prints SKIP."""
import asyncio

from _common import BACKLOG, parse_args, run_server, skip


class MessageEcho(asyncio.BaseProtocol):
    # The same shape as protocol_echo's Echo (self.transport.write(data)): a bound method kept
    # as an instance attribute defeats CPython 3.11's LOAD_METHOD specialisation and cost ~90
    # more instructions per message (perf/callgrind_echo.py --transport seqpacket).
    def connection_made(self, transport):
        self.transport = transport

    def message_received(self, data):
        self.transport.write(data)

    def eof_received(self):
        return False  # close our side too

    def connection_lost(self, exc):
        self.transport = None


async def start(loop, args):
    create = getattr(loop, "create_seqpacket_server", None)
    if create is None:
        skip(f"{args.loop} has no create_seqpacket_server (SOCK_SEQPACKET)")
    await create(MessageEcho, args.unix, backlog=BACKLOG)
    return "seqpacket " + args.unix


if __name__ == "__main__":
    a = parse_args(__doc__)
    if not a.unix:
        skip("SOCK_SEQPACKET needs --unix PATH")
    run_server(a, lambda loop: start(loop, a))
