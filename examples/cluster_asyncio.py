"""Serve an asyncio server from N worker processes with nixloop.cluster (the recipe of
README.md's "Several cores: nixloop.cluster" section; tests/cluster runs it).

    python examples/cluster_asyncio.py [PORT] [WORKERS]

The primary (run by nixloop.node.run, which gives it Node's process lifetime) forks the workers
and re-forks one that dies; each worker runs plain asyncio code on a nixloop loop and serves
from a listening socket the workers share (the kernel spreads the connections). Ctrl-C or
SIGTERM to the primary: it disconnects the workers, which close their servers and exit.
"""
import asyncio
import os
import signal
import sys

import nixloop
from nixloop import cluster, node


class Hello(asyncio.Protocol):
    """Answers each line with the worker's pid."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(b"pid %d: %s" % (os.getpid(), data))


async def worker():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = await cluster.createServer(Hello, port, "127.0.0.1")
    closed = asyncio.get_running_loop().create_future()
    # cluster.disconnect() (or worker.disconnect()) in the primary closes the server: end then
    cluster.worker.on("disconnect", lambda: closed.done() or closed.set_result(None))
    async with server:
        await closed


def primary():
    count = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    stopping = []
    for _ in range(count):
        cluster.fork()
    cluster.on("listening", lambda w, address: print(f"worker {w.id} listening on "
                                                     f"{address['port']}", flush=True))

    def on_exit(w, code, signal_):
        if not stopping and not w.exitedAfterDisconnect:
            cluster.fork()                      # a crashed worker is replaced

    def stop(*_):
        stopping.append(True)
        cluster.disconnect()
    cluster.on("exit", on_exit)
    loop = asyncio.get_running_loop()          # node.run's loop: a nixloop loop
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)


if __name__ == "__main__":
    if cluster.isPrimary:
        node.run(primary)
    else:
        nixloop.run(worker())
