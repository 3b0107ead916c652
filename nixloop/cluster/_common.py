"""What the cluster primary and its workers share: the ``Worker`` base class
(lib/internal/cluster/worker.js) and the request/acknowledge helper of their internal messages
(lib/internal/cluster/utils.js).

Internal messages are ``{"cmd": "NODE_CLUSTER", "act": ..., "seq": n}`` on the IPC channel
(Node's format, so a Node primary and nixloop workers could mix); a reply carries ``"ack": n``
and goes to the callback registered for ``n`` instead of the ``act`` dispatcher.
"""

from __future__ import annotations

from ..events import EventEmitter

__all__ = ["Worker", "send_helper", "internal"]

_callbacks: dict = {}
_seq = [0]


def send_helper(proc, message: dict, handle=None, cb=None) -> bool:
    """Send a NODE_CLUSTER message (with ``handle``); ``cb(reply, handle)`` gets the reply."""
    if not proc.connected:
        return False
    message = {"cmd": "NODE_CLUSTER", **message}
    seq = _seq[0]
    _seq[0] += 1
    if cb is not None:
        _callbacks[seq] = cb
    message["seq"] = seq
    return proc.send(message, handle)


def internal(worker, cb):
    """An 'internalMessage' listener: NODE_CLUSTER messages go to ``cb(worker, message,
    handle)``, replies to the callback their ``ack`` names."""
    def on_internal_message(message, handle=None):
        if type(message) is not dict or message.get("cmd") != "NODE_CLUSTER":
            return
        ack = message.get("ack")
        if ack is not None and ack in _callbacks:
            _callbacks.pop(ack)(message, handle)
            return
        cb(worker, message, handle)
    return on_internal_message


class Worker(EventEmitter):
    """A cluster worker (``cluster.Worker``): ``id``, ``process``, ``state``,
    ``exitedAfterDisconnect``, ``send()``, ``kill()``, ``disconnect()``, ``isDead()``,
    ``isConnected()``; events ``'message'``, ``'error'`` and, in the primary, ``'online'``,
    ``'listening'``, ``'disconnect'``, ``'exit'``."""

    def __init__(self, options=None) -> None:
        super().__init__()
        if not isinstance(options, dict):
            options = {}
        self.exitedAfterDisconnect = None
        self.state = options.get("state") or "none"
        self.id = int(options.get("id") or 0)
        proc = options.get("process")
        if proc is not None:
            self.process = proc
            proc.on("error", lambda *a: self.emit("error", *a))
            proc.on("message", lambda message, handle=None: self.emit("message", message, handle))

    def kill(self, signal="SIGTERM") -> None:
        """``destroy()``: see the primary's and the worker's versions."""
        self.destroy(signal)

    def send(self, *args, **kwargs) -> bool:
        return self.process.send(*args, **kwargs)

    def isDead(self) -> bool:
        return self.process.exitCode is not None or self.process.signalCode is not None

    def isConnected(self) -> bool:
        return bool(self.process.connected)

    def __repr__(self) -> str:
        return f"<nixloop.cluster.Worker id={self.id} state={self.state}>"
