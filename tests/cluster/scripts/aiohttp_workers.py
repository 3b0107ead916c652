"""An aiohttp application served by two cluster workers from one shared socket
(cluster.listenSocket + web.SockSite), each worker on a nixloop loop; the primary checks that
requests are answered and disconnects the workers, which stop their site and exit."""
import asyncio
import os
import sys

import nixloop
from nixloop import cluster, node


async def worker():
    from aiohttp import web

    async def hello(request):
        return web.Response(text=f"worker {cluster.worker.id} loop "
                                 f"{type(asyncio.get_running_loop()).__module__.split('.')[0]}")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = await cluster.listenSocket(0, "127.0.0.1")
    site = web.SockSite(runner, sock)
    await site.start()
    done = asyncio.get_running_loop().create_future()
    cluster.worker.on("disconnect", lambda: done.done() or done.set_result(None))
    await done
    await runner.cleanup()


def primary():
    ports = []

    def on_listening(w, address):
        ports.append(address["port"])
        if len(ports) == 2:
            print("one port", ports[0] == ports[1], flush=True)
            asyncio.ensure_future(clients(ports[0]))

    async def clients(port):
        import aiohttp
        async with aiohttp.ClientSession() as session:
            bodies = set()
            for _ in range(10):
                async with session.get(f"http://127.0.0.1:{port}/") as r:
                    bodies.add((r.status, (await r.text()).split(" ", 2)[2]))
        print("answers", sorted(bodies), flush=True)
        cluster.disconnect(lambda: print("disconnected", flush=True))

    cluster.on("listening", on_listening)
    cluster.on("exit", lambda w, code, sig: print("exit", code, sig, flush=True))
    cluster.fork()
    cluster.fork()


if cluster.isPrimary:
    node.run(primary)
else:
    nixloop.run(worker())
