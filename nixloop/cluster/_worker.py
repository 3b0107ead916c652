"""The cluster in a worker process (lib/internal/cluster/child.js): the worker's setup, the
``listen()`` of its servers through the primary (``_getServer``, installed as
:data:`nixloop._cluster_hook.listen`), the round-robin connections it receives, and its
disconnect.

With round-robin scheduling a worker's server gets a :class:`RoundRobinServerHandle`: a stand-in
for a listening handle whose connections come from the primary (``newconn`` messages with the
socket) instead of ``accept()``. With ``SCHED_NONE`` it gets the primary's socket itself and
listens on it, closing it notifies the primary.
"""

from __future__ import annotations

import errno as _errno
import os
import sys

from .. import _cluster_hook
from .._core._loop import UVTimer
from ..unix import SeqpacketServer
from ._common import Worker, internal, send_helper

__all__ = ["setup", "get_server", "ChildWorker"]

_TIMEOUT_MAX = 2 ** 31 - 1

_state = {"process": None, "loop": None}
_handles: dict = {}           # key -> the worker-side handle of a server
_owners: dict = {}            # key -> the server object that listens on it
_indexes: dict = {}           # "address:port:type:fd" -> {"next": n, "set": set()}


def _cluster():
    return sys.modules["nixloop.cluster"]


def _send(message, cb=None) -> bool:
    return send_helper(_state["process"], message, None, cb)


def setup(process, loop) -> None:
    """Node's ``cluster._setupWorker``: the worker object, 'online', the listen hook."""
    cluster = _cluster()
    if cluster.worker is not None:
        return
    _state["process"] = process
    _state["loop"] = loop
    worker = ChildWorker({"id": int(os.environ.get("NODE_UNIQUE_ID") or 0), "process": process,
                          "state": "online"})
    os.environ.pop("NODE_UNIQUE_ID", None)
    cluster.worker = worker

    def on_disconnect(*_):
        worker.emit("disconnect")
        if not worker.exitedAfterDisconnect:
            # the primary went away unexpectedly: the worker ends at once
            process.exit(0)

    process.once("disconnect", on_disconnect)
    process.on("internalMessage", internal(worker, _on_message))
    _cluster_hook.listen = get_server
    _send({"act": "online"})


def _on_message(worker, message, handle) -> None:
    act = message.get("act")
    if act == "newconn":
        _on_connection(message, handle)
    elif act == "disconnect":
        _disconnect(worker, True)


def _index_key(address, port, address_type, fd) -> str:
    return ":".join("null" if v is None else str(v) for v in (address, port, address_type, fd))


def get_server(obj, options: dict, cb) -> None:
    """Ask the primary for the handle ``obj`` (a net.Server or SeqpacketServer) listens on."""
    address = options.get("address")
    port = options.get("port")
    if isinstance(address, str) and (port is None or port < 0):
        address = os.path.abspath(address)
    ikey = _index_key(address, port, options.get("addressType"), options.get("fd"))
    entry = _indexes.setdefault(ikey, {"next": 0, "set": set()})
    index = entry["next"]
    entry["next"] += 1
    entry["set"].add(index)
    message = {"act": "queryServer", "index": index, "data": None, **options,
               "address": address}

    def on_reply(reply, handle=None):
        if handle is not None:
            _shared(reply, handle, ikey, index, obj, cb)
        else:
            _rr(reply, ikey, index, obj, cb)

    _send(message, on_reply)

    def on_listening(*_):
        if ikey not in _indexes:
            return                        # closed meanwhile
        _cluster().worker.state = "listening"
        try:
            addr = obj.address()
        except Exception:
            addr = None
        done = dict(message, act="listening")
        done["port"] = (addr.get("port") if isinstance(addr, dict) else None) or port
        _send(done)

    obj.once("listening", on_listening)


def _remove_index(ikey, index) -> None:
    entry = _indexes.get(ikey)
    if entry is None:
        return
    entry["set"].discard(index)
    if not entry["set"]:
        del _indexes[ikey]


def _shared(reply, handle, ikey, index, obj, cb) -> None:
    key = reply.get("key")

    def on_close():
        _send({"act": "close", "key": key})
        _handles.pop(key, None)
        _owners.pop(key, None)
        _remove_index(ikey, index)

    handle.on_close = on_close
    _handles[key] = handle
    _owners[key] = obj
    cb(reply.get("errno"), handle)


def _rr(reply, ikey, index, obj, cb) -> None:
    if reply.get("errno"):
        cb(reply["errno"], None)
        return
    key = reply.get("key")
    handle = RoundRobinServerHandle(key, reply.get("sockname"), ikey, index,
                                    isinstance(obj, SeqpacketServer))
    _handles[key] = handle
    _owners[key] = obj
    cb(0, handle)


class RoundRobinServerHandle:
    """What a worker's server listens on under round-robin scheduling (see the module doc)."""

    def __init__(self, key, sockname, ikey, index, seqpacket: bool) -> None:
        self.key = key
        self.sockname = sockname
        self.is_tcp = bool(sockname)
        self._ikey = ikey
        self._index = index
        self._seqpacket = seqpacket
        self._queue: list = []
        self._timer = None
        self.on_connection = None
        self.on_close = None
        self.closed = False
        self.ref()

    def ref(self):
        # Node keeps the worker alive with a never-firing interval: so does this timer.
        if self._timer is None and not self.closed:
            self._timer = UVTimer.create(_state["loop"])
            self._timer.start(lambda: None, _TIMEOUT_MAX, _TIMEOUT_MAX)
        return self

    def unref(self):
        if self._timer is not None:
            self._timer.close()
            self._timer = None
        return self

    def listen(self, backlog=511) -> None:
        pass

    def getsockname(self):
        if not self.sockname:
            raise OSError(_errno.EINVAL, "not a TCP server")
        return (self.sockname["address"], self.sockname["port"])

    def fileno(self):
        raise OSError(_errno.EBADF, "a round-robin cluster server has no socket in the worker")

    def deliver(self, client, peer) -> None:
        self._queue.append((client, peer))
        cb = self.on_connection
        if cb is not None:
            cb(None)

    def accept(self):
        if not self._queue:
            if self._seqpacket:
                return None
            raise OSError(_errno.EAGAIN, "no connection")
        client, peer = self._queue.pop(0)
        return (client, peer or "") if self._seqpacket else client

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.unref()
        for client, _ in self._queue:
            client.close()
        self._queue = []
        if self.key is not None:
            _send({"act": "close", "key": self.key})
            _handles.pop(self.key, None)
            _owners.pop(self.key, None)
            _remove_index(self._ikey, self._index)
            self.key = None
        if self.on_close is not None:
            self.on_close()


def _on_connection(message, handle) -> None:
    key = message.get("key")
    server = _handles.get(key)
    accepted = isinstance(server, RoundRobinServerHandle) and handle is not None
    owner = _owners.get(key)
    if accepted and owner is not None:
        mc = getattr(owner, "maxConnections", None)
        if mc is not None and getattr(owner, "_connections", 0) >= mc:
            accepted = False
    _send({"ack": message.get("seq"), "accepted": accepted})
    # the reply (and the handle's ACK) leave now, before the connection is served: the primary
    # gives this worker its next connection once it has them
    _state["process"]._flush()
    if accepted:
        server.deliver(handle, message.get("peer"))
    elif handle is not None:
        handle.close()


def _disconnect(worker, primary_initiated: bool) -> None:
    """Close every server of the worker, then disconnect from the primary."""
    worker.exitedAfterDisconnect = True
    waiting = [1]
    process = _state["process"]

    def check(*_):
        waiting[0] -= 1
        if waiting[0] == 0:
            if primary_initiated:
                process.disconnect()
            else:
                _send({"act": "exitedAfterDisconnect"}, lambda *_: process.disconnect())

    for key, handle in list(_handles.items()):
        owner = _owners.get(key)
        waiting[0] += 1
        if isinstance(owner, SeqpacketServer):
            owner.close()                 # synchronous, no callback
            check()
        elif owner is not None:
            owner.close(check)
        else:
            handle.close()
            check()
    _handles.clear()
    check()


class ChildWorker(Worker):
    """``cluster.worker`` in a worker process."""

    def disconnect(self) -> "ChildWorker":
        """Close this worker's servers (after their connections end), then disconnect."""
        if self.state not in ("disconnecting", "destroying"):
            self.state = "disconnecting"
            _disconnect(self, False)
        return self

    def destroy(self, signo=None) -> None:
        if self.state == "destroying":
            return
        self.exitedAfterDisconnect = True
        process = _state["process"]
        if not self.isConnected():
            process.exit(0)
        else:
            self.state = "destroying"
            _send({"act": "exitedAfterDisconnect"}, lambda *_: process.disconnect())
            process.once("disconnect", lambda *_: process.exit(0))
