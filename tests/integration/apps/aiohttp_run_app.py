"""The aiohttp recipe: web.run_app(app, loop=nixloop.new_event_loop()). argv: port."""
import sys

from aiohttp import web

import nixloop
from loopinfo import describe


async def home(request):
    return web.json_response(describe())


async def ws(request):
    sock = web.WebSocketResponse()
    await sock.prepare(request)
    async for msg in sock:
        await sock.send_str(msg.data.upper())
    return sock


app = web.Application()
app.router.add_get('/', home)
app.router.add_get('/ws', ws)
web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), loop=nixloop.new_event_loop(),
            print=None, handle_signals=True)
