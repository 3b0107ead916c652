"""What the running loop is: every app and script of the integration tests answers with this."""
import asyncio

import nixloop


def describe():
    loop = asyncio.get_running_loop()
    return {'loop': f'{type(loop).__module__}.{type(loop).__qualname__}',
            'nixloop': isinstance(loop, nixloop.Loop)}
