"""Issue 15, item 5: transports and servers left open warn from their finaliser
("unclosed transport", ResourceWarning), as asyncio's do, also after their loop was closed (and
then without touching libuv)."""
import asyncio
import gc
import os
import socket
import warnings

import pytest

import nixloop
from nltest import make_loop

KINDS = ['asyncio', 'nixloop']        # uvloop warns from loop.close() instead


class Proto(asyncio.Protocol):
    pass


async def open_everything(loop, tmp):
    """One of each transport and server, left open; returns them and how many of them are
    transports (each must warn once)."""
    objs = {}
    srv = await loop.create_server(Proto, '127.0.0.1', 0)
    port = srv.sockets[0].getsockname()[1]
    objs['tcp server'] = srv
    objs['tcp client'], _ = await loop.create_connection(Proto, '127.0.0.1', port)
    path = os.path.join(tmp, 's')
    objs['unix server'] = await loop.create_unix_server(Proto, path)
    objs['unix client'], _ = await loop.create_unix_connection(Proto, path)
    objs['udp'], _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                         local_addr=('127.0.0.1', 0))
    r, w = os.pipe()
    objs['read pipe'], _ = await loop.connect_read_pipe(asyncio.Protocol, os.fdopen(r, 'rb'))
    objs['write pipe'], _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(w, 'wb'))
    if isinstance(loop, nixloop.Loop):
        objs['seqpacket server'] = await loop.create_seqpacket_server(
            Proto, os.path.join(tmp, 'q'))
        objs['seqpacket client'], _ = await loop.create_seqpacket_connection(
            Proto, os.path.join(tmp, 'q'))
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        objs['unix dgram'], _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, sock=a)
        b.close()
    await asyncio.sleep(0.05)
    return objs


def warnings_for(objs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        objs.clear()
        for _ in range(3):
            gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def collect_garbage():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        gc.collect()


@pytest.mark.parametrize('kind', KINDS)
def test_unclosed_transports_warn(kind, tmp_path):
    # (While the loop runs, asyncio's selector keeps reading transports alive, as libuv does
    # nixloop's: they warn once they become garbage, after loop.close().)
    collect_garbage()
    loop = make_loop(kind)
    try:
        objs = loop.run_until_complete(open_everything(loop, str(tmp_path)))
        names = sorted(objs)
        transports = [n for n in names if 'server' not in n]
        loop.close()
        msgs = warnings_for(objs)
    finally:
        if not loop.is_closed():
            loop.run_until_complete(asyncio.sleep(0.01))
            loop.close()
    unclosed_transports = [m for m in msgs if m.startswith('unclosed transport')]
    # one warning per transport (an accepted server-side transport warns too)
    assert len(unclosed_transports) >= len(transports), (names, msgs)
    # every server warns (asyncio's through its listening socket)
    assert len([m for m in msgs if 'unclosed' in m]) >= len(names), (names, msgs)


def test_closed_transports_do_not_warn(tmp_path):
    collect_garbage()
    loop = nixloop.new_event_loop()
    try:
        objs = loop.run_until_complete(open_everything(loop, str(tmp_path)))
        for o in objs.values():
            o.close()
        loop.run_until_complete(asyncio.sleep(0.05))
        msgs = warnings_for(objs)
    finally:
        loop.close()
    assert [m for m in msgs if 'unclosed' in m] == []
