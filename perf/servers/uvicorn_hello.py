"""HTTP hello world on uvicorn with the httptools parser: a plain ASGI app answering every request
with a fixed 13-byte text/plain body (lifespan off, no access log, no websockets). See _common.py
for usage (--loop, --tcp/--unix, --serve); prints ``READY tcp HOST:PORT`` and is driven with
``loadgen --http``. Prints SKIP when uvicorn or httptools is not importable.

How the loop is chosen: uvicorn >= 0.36 makes its loop with Config.get_loop_factory(), where
``loop="module:callable"`` (``--loop nixloop:new_event_loop`` on the command line) names the
factory, and runs ``Server.serve()`` in ``asyncio.Runner(loop_factory=...)`` (uvicorn.run /
Server.run). Here the loop is made by _common.make_loop and ``Server.serve()`` runs as a task on it,
either under loop.run_forever() (--serve forever) or as what uvicorn.run does (--serve runner)."""
import asyncio

from _common import BACKLOG, parse_args, run_server, skip

BODY = b"Hello, World!"
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def start(loop, args):
    try:
        import httptools  # noqa: F401 - uvicorn's http="httptools" needs it
        import uvicorn
    except ImportError as exc:
        skip(f"uvicorn with httptools is not importable: {exc}")
    kw = {"uds": args.unix} if args.unix else {"host": args.host, "port": args.port}
    config = uvicorn.Config(app, http="httptools", ws="none", lifespan="off", access_log=False,
                            log_level="warning", backlog=BACKLOG, interface="asgi3", **kw)
    server = uvicorn.Server(config)
    task = loop.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.005)
    if args.unix:
        return "unix " + args.unix, task
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return f"tcp {host}:{port}", task


if __name__ == "__main__":
    a = parse_args(__doc__)
    run_server(a, lambda loop: start(loop, a))
