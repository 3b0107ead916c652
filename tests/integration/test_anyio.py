"""anyio: anyio.run(main, backend_options={'loop_factory': nixloop.new_event_loop})."""
import asyncio

import pytest

import nixloop

anyio = pytest.importorskip('anyio')


def test_anyio_run_with_the_nixloop_loop_factory(tmp_path):
    async def main():
        assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
        results = []

        async def handle(stream):
            async with stream:
                async for chunk in stream:
                    await stream.send(chunk[::-1])

        listener = await anyio.create_tcp_listener(local_host='127.0.0.1')
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        unix_listener = await anyio.create_unix_listener(str(tmp_path / 'anyio.sock'))
        async with listener, unix_listener, anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, handle)
            tg.start_soon(unix_listener.serve, handle)
            with anyio.fail_after(20):
                for _ in range(3):
                    async with await anyio.connect_tcp('127.0.0.1', port) as s:
                        await s.send(b'abc')
                        results.append(await s.receive())
                async with await anyio.connect_unix(str(tmp_path / 'anyio.sock')) as s:
                    await s.send(b'unix')
                    results.append(await s.receive())
                send, receive = anyio.create_memory_object_stream(10)
                async with send, receive:
                    tg.start_soon(send.send, 'via memory stream')
                    results.append(await receive.receive())
                await anyio.sleep(0.01)
            tg.cancel_scope.cancel()
        return results

    out = anyio.run(main, backend='asyncio',
                    backend_options={'loop_factory': nixloop.new_event_loop})
    assert out == [b'cba', b'cba', b'cba', b'xinu', 'via memory stream']


def test_anyio_to_thread_and_subprocess_on_nixloop():
    async def main():
        assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
        threaded = await anyio.to_thread.run_sync(lambda: 6 * 7)
        done = await anyio.run_process(['sh', '-c', 'echo out; echo err >&2'])
        return threaded, done.stdout, done.stderr, done.returncode

    assert anyio.run(main, backend_options={'loop_factory': nixloop.new_event_loop}) == (
        42, b'out\n', b'err\n', 0)
