"""The primary's listening sockets, one per distinct ``listen()`` of the workers
(lib/internal/cluster/round_robin_handle.js and shared_handle.js).

:class:`RoundRobinHandle` (``SCHED_RR``): the primary listens and accepts; each connection goes
to the next free worker with a ``newconn`` message carrying the socket; the worker answers
whether it took it (a worker at ``maxConnections`` or closing its server says no, and the
connection goes to another). A worker has one connection in flight at a time.

:class:`SharedHandle` (``SCHED_NONE``): the primary makes the socket (bound, not listening: the
workers listen) and sends it to every worker that asks; the kernel spreads the connections.

Both serve TCP, Unix stream paths and (nixloop's addition) SEQPACKET paths, whose connections
travel as ``unix.Native`` handles with the peer's path in the message.
"""

from __future__ import annotations

import socket as _socket

from .._core._loop import PipeHandle, SeqpacketHandle, TCPHandle
from ..errors import uv_errno
from ..net import Server
from ..net.common import get_loop, ip_family
from ._common import send_helper

__all__ = ["RoundRobinHandle", "SharedHandle", "create_server_handle"]


def _errno(exc: OSError) -> int:
    return uv_errno(exc.errno) if exc.errno else uv_errno("EINVAL")


def create_server_handle(address, port, address_type, flags):
    """Node's createServerHandle: a bound, not listening handle, or a negative errno."""
    loop = get_loop()
    if address_type == "seqpacket":
        h = SeqpacketHandle.create(loop)
        try:
            h.bind(address)
        except OSError as exc:
            h.close()
            return _errno(exc)
        return h
    if port is None or port < 0:
        h = PipeHandle.create(loop)
        try:
            h.bind(address)
        except OSError as exc:
            h.close()
            return _errno(exc)
        return h
    candidates = [address] if address else ["::", "0.0.0.0"]
    err = None
    for addr in candidates:
        h = TCPHandle.create(loop, _socket.AF_INET6 if ":" in addr else _socket.AF_INET)
        try:
            h.bind((addr, port), bool(flags))
            return h
        except OSError as exc:
            h.close()
            err = exc
    return _errno(err)


def _sockname(handle):
    if isinstance(handle, TCPHandle):
        try:
            addr, port = handle.getsockname()[:2]
        except OSError:
            return None
        return {"address": addr, "family": ip_family(addr), "port": port}
    return None


class SharedHandle:
    def __init__(self, key, address, message) -> None:
        self.key = key
        self.workers: list = []
        self.data = None
        rval = create_server_handle(address, message.get("port"), message.get("addressType"),
                                    message.get("flags"))
        self.handle = None if isinstance(rval, int) else rval
        self.errno = rval if isinstance(rval, int) else 0

    def add(self, worker, send) -> None:
        self.workers.append(worker)
        send(self.errno, None, self.handle)

    def remove(self, worker) -> bool:
        if worker not in self.workers:
            return False
        self.workers.remove(worker)
        if self.workers:
            return False
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        return True


class RoundRobinHandle:
    def __init__(self, key, address, message) -> None:
        self.key = key
        self.all: dict = {}
        self.free: list = []
        self.handles: list = []        # (client handle, peer path or None), accepted, not sent
        self.inflight: dict = {}       # worker id -> (client, peer) sent, no answer yet
        self.handle = None
        self.server = None
        self.errno = 0
        self.data = None
        if message.get("addressType") == "seqpacket":
            rval = create_server_handle(address, -1, "seqpacket", None)
            if isinstance(rval, int):
                self.errno = rval
                return
            try:
                rval.listen(message.get("backlog") or 511)
            except OSError as exc:
                rval.close()
                self.errno = _errno(exc)
                return
            self.handle = rval
            rval.on_connection = self._on_seqpacket_connection
            return
        self.server = Server()
        self.server.on("error", self._on_error)
        port = message.get("port")
        if port is not None and port >= 0:
            self.server.listen({"port": port, "host": address,
                                "ipv6Only": bool((message.get("flags") or 0) & 1)})
        else:
            self.server.listen(address)
        self.server.once("listening", self._on_listening)

    def _on_error(self, err) -> None:
        self.errno = err.errno if isinstance(getattr(err, "errno", None), int) else -22

    def _on_listening(self) -> None:
        server, self.server = self.server, None
        self.handle = server._handle
        server._handle = None
        self.handle.on_connection = self._on_connection

    # -- accepting ----------------------------------------------------------------------------

    def _on_connection(self, exc) -> None:
        if exc is not None or self.handle is None:
            return
        try:
            client = self.handle.accept()
        except OSError:
            return
        self.distribute(client, None)

    def _on_seqpacket_connection(self, exc) -> None:
        while exc is None and self.handle is not None:
            try:
                pair = self.handle.accept()
            except OSError:
                return
            if pair is None:
                return
            self.distribute(pair[0], pair[1])

    def distribute(self, client, peer) -> None:
        self.handles.append((client, peer))
        if self.free:
            self.handoff(self.free.pop(0))

    # -- workers ------------------------------------------------------------------------------

    def add(self, worker, send) -> None:
        self.all[worker.id] = worker

        def done(*_):
            if self.errno:
                send(self.errno, None, None)
                return
            sockname = _sockname(self.handle)
            send(None, {"sockname": sockname} if sockname else None, None)
            self.handoff(worker)

        if self.server is None:
            done()
        else:
            self.server.once("listening", done)
            self.server.once("error", lambda err: send(self.errno, None, None))

    def remove(self, worker) -> bool:
        if self.all.pop(worker.id, None) is None:
            return False
        if worker in self.free:
            self.free.remove(worker)
        pending = self.inflight.pop(worker.id, None)
        if pending is not None:
            if self.all:
                self.distribute(*pending)
            else:
                pending[0].close()
        if self.all:
            return False
        for client, _ in self.handles:
            client.close()
        self.handles = []
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if self.server is not None:
            self.server.close()
            self.server = None
        return True

    def handoff(self, worker) -> None:
        if worker.id not in self.all:
            return                     # the worker is closing (or closed) the server
        if not self.handles:
            self.free.append(worker)   # ready for the next connection
            return
        client, peer = self.handles.pop(0)
        message = {"act": "newconn", "key": self.key}
        if peer is not None:
            message["peer"] = peer

        def on_reply(reply, handle=None):
            if self.inflight.get(worker.id, (None,))[0] is not client:
                return                 # the worker was removed meanwhile: handled there
            del self.inflight[worker.id]
            if reply.get("accepted"):
                client.close()
            else:
                self.distribute(client, peer)
            self.handoff(worker)

        self.inflight[worker.id] = (client, peer)
        if not send_helper(worker.process, message, client, on_reply):
            del self.inflight[worker.id]
            self.handles.insert(0, (client, peer))
