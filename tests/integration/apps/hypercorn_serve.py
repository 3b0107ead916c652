"""The hypercorn recipe: hypercorn.asyncio.serve under asyncio.Runner(loop_factory=
nixloop.new_event_loop) (nixloop.run on Python 3.10, which has no asyncio.Runner).
argv: port. SIGTERM shuts it down."""
import asyncio
import signal
import sys

from hypercorn.asyncio import serve
from hypercorn.config import Config

import nixloop
from plain_asgi import app

config = Config()
config.bind = [f'127.0.0.1:{sys.argv[1]}']
config.accesslog = None


async def main():
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await serve(app, config, shutdown_trigger=stop.wait)


if sys.version_info >= (3, 11):
    with asyncio.Runner(loop_factory=nixloop.new_event_loop) as runner:
        runner.run(main())
else:
    nixloop.run(main())
