"""redis.asyncio (redis-py) on nixloop against a real Redis (the `redis_server` fixture)."""
import asyncio

import pytest

import nixloop

redis_asyncio = pytest.importorskip('redis.asyncio')


def test_redis_commands_pipeline_and_pubsub(redis_server):
    async def main():
        assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
        r = redis_asyncio.Redis(unix_socket_path=redis_server, socket_timeout=10)
        try:
            await r.flushall()
            await r.set('k', 'v')
            value = await r.get('k')
            big = b'b' * 3_000_000
            await r.set('big', big)
            big_back = await r.get('big')
            async with r.pipeline(transaction=True) as pipe:
                for i in range(100):
                    pipe.incr('counter')
                results = await pipe.execute()
            counts = await asyncio.gather(*(r.incr('parallel') for _ in range(50)))
            pubsub = r.pubsub()
            await pubsub.subscribe('news')
            await asyncio.wait_for(pubsub.get_message(timeout=5), 10)    # the subscribe reply
            await r.publish('news', 'extra')
            message = None
            for _ in range(50):
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                if message:
                    break
            await pubsub.aclose()
            return value, big_back == big, results[-1], max(counts), message['data']
        finally:
            await r.aclose()

    assert nixloop.run(main()) == (b'v', True, 100, 50, b'extra')


def test_redis_blocking_pop_wakes_on_push(redis_server):
    async def main():
        r1 = redis_asyncio.Redis(unix_socket_path=redis_server, socket_timeout=20)
        r2 = redis_asyncio.Redis(unix_socket_path=redis_server, socket_timeout=20)
        try:
            await r1.delete('queue')
            waiter = asyncio.ensure_future(r1.blpop(['queue'], timeout=10))
            await asyncio.sleep(0.05)
            assert not waiter.done()
            await r2.rpush('queue', 'job')
            return await asyncio.wait_for(waiter, 15)
        finally:
            await r1.aclose()
            await r2.aclose()

    assert nixloop.run(main()) == (b'queue', b'job')
