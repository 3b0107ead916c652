"""HTTP hello world on aiohttp (web.Application, one GET route, a fixed 13-byte text/plain body;
no access log). See _common.py for usage (--loop, --tcp/--unix, --serve); prints
``READY tcp HOST:PORT`` and is driven with ``loadgen --http``. Prints SKIP when aiohttp is not
importable."""
from _common import BACKLOG, parse_args, run_server, skip

BODY = b"Hello, World!"


async def start(loop, args):
    try:
        from aiohttp import web
    except ImportError as exc:
        skip(f"aiohttp is not importable: {exc}")

    async def hello(request):
        return web.Response(body=BODY, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    if args.unix:
        site = web.UnixSite(runner, args.unix, backlog=BACKLOG)
    else:
        site = web.TCPSite(runner, args.host, args.port, backlog=BACKLOG)
    await site.start()
    if args.unix:
        return "unix " + args.unix
    host, port = runner.addresses[0][:2]
    return f"tcp {host}:{port}"


if __name__ == "__main__":
    a = parse_args(__doc__)
    run_server(a, lambda loop: start(loop, a))
