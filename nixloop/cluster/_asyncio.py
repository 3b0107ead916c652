"""Serving an asyncio server from a cluster's workers: a listening socket that every worker
shares (``SCHED_NONE`` for that socket whatever ``schedulingPolicy`` says, since an asyncio
server accepts from the socket itself), made by the primary as for a worker's ``net.Server``.

    import asyncio, nixloop
    from nixloop import cluster, node

    class Echo(asyncio.Protocol):
        def connection_made(self, transport): self.transport = transport
        def data_received(self, data): self.transport.write(data)

    async def serve():
        server = await cluster.createServer(Echo, 8000, "127.0.0.1")
        async with server:
            await server.serve_forever()     # ends when the primary disconnects the worker

    if cluster.isPrimary:
        node.run(lambda: [cluster.fork() for _ in range(4)])
    else:
        nixloop.run(serve())

aiohttp: ``sock = await cluster.listenSocket(8000, "127.0.0.1")`` then
``web.SockSite(runner, sock)``; stop the site on ``cluster.worker.on('disconnect', ...)``.

The worker's loop must be a nixloop loop (the IPC channel runs on it): ``nixloop.run(...)``,
``asyncio.run(..., loop_factory=nixloop.new_event_loop)`` or code under ``nixloop.node.run``.
"""

from __future__ import annotations

import asyncio
import os
import socket as _socket
import sys

from ..errors import system_error
from ..events import EventEmitter

__all__ = ["listenSocket", "createServer"]


def _cluster():
    return sys.modules["nixloop.cluster"]


class _SharedSocket(EventEmitter):
    """The 'server' the worker's cluster code knows for one listenSocket(): it closes the
    primary's handle (and the asyncio servers made on it) when the worker disconnects."""

    def __init__(self, address) -> None:
        super().__init__()
        self._address = address
        self.handle = None
        self.servers: list = []

    def address(self):
        if self.handle is None:
            return None
        try:
            addr, port = self.handle.getsockname()[:2]
        except (OSError, AttributeError, ValueError):
            return self._address
        return {"address": addr, "port": port}

    def close(self, cb=None) -> None:
        servers, self.servers = self.servers, []
        for server in servers:
            server.close()
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if callable(cb):
            loop = asyncio.get_event_loop()
            loop.call_soon(cb)


async def _worker_socket(port, host, path, backlog):
    from .. import node
    from ..child_process import _child
    from . import _worker
    loop = asyncio.get_running_loop()
    if _child.bootstrap(node.process, loop) is None:
        raise RuntimeError("nixloop.cluster: this worker has no IPC channel to its primary")
    _worker.setup(node.process, loop)
    if path is not None:
        query = {"address": os.fsdecode(path), "port": -1, "addressType": -1}
    else:
        query = {"address": host, "port": port,
                 "addressType": 6 if host and ":" in host else 4}
    query.update(fd=None, backlog=backlog, shared=True)
    owner = _SharedSocket(query["address"])
    fut = loop.create_future()

    def on_handle(errno, handle):
        if fut.done():
            if handle is not None:
                handle.close()
            return
        if errno:
            fut.set_exception(system_error(errno, "bind", query["address"],
                                           port if path is None else None))
        else:
            fut.set_result(handle)

    _worker.get_server(owner, query, on_handle)
    handle = await fut
    owner.handle = handle
    sock = _socket.socket(fileno=os.dup(handle.fileno()))
    try:
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        owner.close()
        raise
    owner.emit("listening")
    return sock, owner


async def listenSocket(port=0, host=None, *, path=None, backlog=511):
    """A listening ``socket.socket`` for ``loop.create_server(sock=...)``: in a worker, the
    primary's socket for (host, port) or ``path``, shared by every worker that asks for the
    same one (port 0: one port for all); in the primary, a socket of its own."""
    if not _cluster().isWorker:
        if path is not None:
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            target = path
        else:
            family = _socket.AF_INET6 if host and ":" in host else _socket.AF_INET
            sock = _socket.socket(family, _socket.SOCK_STREAM)
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
            target = (host or ("::" if family == _socket.AF_INET6 else "0.0.0.0"), port)
        try:
            sock.bind(target)
            sock.listen(backlog)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock
    sock, _ = await _worker_socket(port, host, path, backlog)
    return sock


async def createServer(protocol_factory, port=0, host=None, *, path=None, backlog=511,
                       **kwargs):
    """``loop.create_server(protocol_factory, sock=<the shared socket>, **kwargs)``; in a
    worker the server is closed when the worker disconnects (``cluster.disconnect()``,
    ``worker.disconnect()``, ``worker.kill()``)."""
    loop = asyncio.get_running_loop()
    if not _cluster().isWorker:
        sock = await listenSocket(port, host, path=path, backlog=backlog)
        return await loop.create_server(protocol_factory, sock=sock, **kwargs)
    sock, owner = await _worker_socket(port, host, path, backlog)
    try:
        server = await loop.create_server(protocol_factory, sock=sock, **kwargs)
    except BaseException:
        sock.close()
        owner.close()
        raise
    owner.servers.append(server)
    return server
