"""The compiled base of net.Socket (nixloop/_core/netsocket.pyx): its slots must be the attributes the
Python code reads and writes, and its fast paths must keep the facade's accounting."""
import asyncio

import pytest

from nixloop import net
from nixloop._core import _loop
from nltest import make_loop


def test_no_python_class_attribute_shadows_a_compiled_slot():
    mro = net.Socket.__mro__
    slots = {name: d for name, d in vars(_loop.SocketCore).items() if hasattr(d, "__set__")}
    assert {"_wfast", "_flowing", "_bytes_read", "_events", "_wlen"} <= set(slots)
    for name, descriptor in slots.items():
        first = next(c for c in mro if name in c.__dict__)
        assert first.__dict__[name] is descriptor, (name, first)


def test_instance_state_lives_in_the_slots():
    loop = make_loop("nixloop")
    try:
        async def main():
            s = net.Socket()
            assert "_events" not in s.__dict__ and "_wlen" not in s.__dict__
            s.on("data", lambda d: None)
            assert list(s._events) == ["data"]
            s.destroy()
        loop.run_until_complete(main())
    finally:
        loop.close()


async def _echo_pair():
    """A nixloop.net echo server on loopback and a client connected to it."""
    server = net.createServer(lambda s: s.on("data", s.write))
    server.listen(0, "127.0.0.1")
    await asyncio.sleep(0.01)
    return server, net.connect(server.address()["port"], "127.0.0.1")


@pytest.mark.parametrize("size", [1, 1024, 200_000])
def test_fast_path_counts_bytes_both_ways(size):
    loop = make_loop("nixloop")
    try:
        async def main():
            done = loop.create_future()
            got = bytearray()
            server, c = await _echo_pair()

            def on_data(d):
                got.extend(d)
                if len(got) >= size:
                    done.set_result(None)
            c.on("data", on_data)
            c.write(b"x" * size)
            await asyncio.wait_for(done, 10)
            assert c.bytesWritten == size and c.bytesRead == size
            assert c.writableLength == 0
            c.destroy()
            server.close()
            await asyncio.sleep(0.01)
        loop.run_until_complete(main())
    finally:
        loop.close()


def test_listener_exception_reaches_the_loop_handler_and_the_socket_survives():
    loop = make_loop("nixloop")
    errors = []
    loop.set_exception_handler(lambda l, ctx: errors.append(ctx.get("exception")))
    try:
        async def main():
            seen = []
            server, c = await _echo_pair()

            def on_data(d):
                seen.append(d)
                if len(seen) == 1:
                    raise ValueError("boom")
            c.on("data", on_data)
            c.write(b"a")
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            c.write(b"b")
            for _ in range(100):
                if len(seen) == 2:
                    break
                await asyncio.sleep(0.01)
            assert seen == [b"a", b"b"]
            c.destroy()
            server.close()
            await asyncio.sleep(0.01)
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert len(errors) == 1 and isinstance(errors[0], ValueError)
