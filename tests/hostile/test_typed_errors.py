"""Issue 15, item 3: bad arguments give typed errors. A loop method raises the type stdlib
asyncio raises for the same call (the asyncio-API tests run on asyncio, uvloop and nixloop);
a facade raises (or emits) Node's class with Node's ``code`` (checked against Node 20)."""
import asyncio
import socket
import warnings

import pytest

from nixloop import net, node, timers, unix
from nixloop.errors import NodeError, RangeError


@pytest.mark.parametrize('host', [5, ['127.0.0.1', 5], object()],
                         ids=['int', 'list-with-int', 'object'])
def test_create_server_bad_host_type(loop, host):
    async def main():
        with pytest.raises(TypeError):
            await loop.create_server(asyncio.Protocol, host, 0)
    loop.run_until_complete(main())


@pytest.mark.parametrize('host', [5, object()], ids=['int', 'object'])
def test_create_connection_bad_host_type(loop, host):
    async def main():
        with pytest.raises(TypeError):
            await loop.create_connection(asyncio.Protocol, host, 80)
    loop.run_until_complete(main())


def run_node(fn):
    out = []
    node.run(lambda: out.append(fn()))
    return out[0]


def raised(fn):
    try:
        fn()
    except Exception as exc:        # noqa: BLE001
        return exc
    return None


# What Node 20 does with `new net.Socket(options)`: a non-object is spread into no option at
# all (no error); the fd is validated as an int32 >= 0.
@pytest.mark.parametrize('options', ['string', [], True])
def test_net_socket_non_object_options(options):
    def body():
        s = net.Socket(options)
        ok = isinstance(s, net.Socket) and not s.destroyed
        s.destroy()
        return ok
    assert run_node(body)


@pytest.mark.parametrize('options,code,cls', [
    ({'fd': 'x'}, 'ERR_INVALID_ARG_TYPE', TypeError),
    ({'fd': -1}, 'ERR_OUT_OF_RANGE', RangeError),
    (5.5, 'ERR_OUT_OF_RANGE', RangeError),
    ({'fd': 2 ** 31}, 'ERR_OUT_OF_RANGE', RangeError),
    ({'fd': float('nan')}, 'ERR_OUT_OF_RANGE', RangeError),
])
def test_net_socket_bad_fd(options, code, cls):
    exc = run_node(lambda: raised(lambda: net.Socket(options)))
    assert isinstance(exc, NodeError) and exc.code == code, repr(exc)
    assert isinstance(exc, cls), type(exc).__mro__


def test_net_socket_fd_open_fails_typed():
    """An fd that is a socket but cannot be opened as a handle: a system error with a code,
    and the fd stays the caller's."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        exc = run_node(lambda: raised(lambda: net.Socket({'fd': a.fileno()})))
        assert exc is None or (isinstance(exc, NodeError) and exc.code), repr(exc)
        if exc is not None:
            assert a.fileno() >= 0 and a.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == \
                socket.SOCK_DGRAM
    finally:
        a.close()
        b.close()


def test_set_timeout_overflow_is_one_ms_with_warning():
    fired = []

    def body():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            timers.setTimeout(lambda: fired.append(True), 2 ** 64)
        return [w for w in caught if issubclass(w.category, timers.TimeoutOverflowWarning)]
    caught = run_node(body)
    assert fired == [True]
    assert len(caught) == 1 and 'Timeout duration was set to 1.' in str(caught[0].message)


def test_seqpacket_write_bad_fds():
    def body():
        s = unix.SeqpacketSocket()
        try:
            return raised(lambda: s.write(b'x', fds=5))
        finally:
            s.destroy()
    exc = run_node(body)
    assert isinstance(exc, NodeError) and exc.code == 'ERR_INVALID_ARG_TYPE', repr(exc)


def test_net_listen_eaddrinuse_is_reported():
    """A port in use: 'error' EADDRINUSE from listen, as Node (not a listen on another port)."""
    holder = socket.create_server(('127.0.0.1', 0))
    port = holder.getsockname()[1]
    events = []
    try:
        def body():
            srv = net.Server()
            srv.on('error', lambda err: events.append(('error', err.code, err.syscall)))
            srv.on('listening', lambda: (events.append(('listening',)), srv.close()))
            srv.listen(port, '127.0.0.1')
        node.run(body)
    finally:
        holder.close()
    assert events == [('error', 'EADDRINUSE', 'listen')], events
