"""Put another loop's public API in place of uvloop's (see sitecustomize.py in this directory).

`nixloop` is the loop under test. `asyncio` (stdlib's selector loop) is for classifying a
difference: a test of uvloop's that stdlib asyncio fails too tests a place where uvloop departs
from stdlib (or a uvloop internal), not an asyncio contract."""


def install(kind):
    import asyncio

    import uvloop

    if kind == 'nixloop':
        import nixloop
        api = dict(new_event_loop=nixloop.new_event_loop, Loop=nixloop.Loop,
                   EventLoopPolicy=nixloop.EventLoopPolicy, run=nixloop.run,
                   install=nixloop.install)
    elif kind == 'asyncio':
        def run(main, **kwargs):
            return asyncio.run(main, **kwargs)
        api = dict(new_event_loop=asyncio.SelectorEventLoop, Loop=asyncio.SelectorEventLoop,
                   EventLoopPolicy=asyncio.DefaultEventLoopPolicy, run=run,
                   install=lambda: asyncio.set_event_loop_policy(None))
    else:
        raise ValueError(kind)
    for name, value in api.items():
        setattr(uvloop, name, value)
    uvloop.SWAPPED_IN = kind
