"""What can be sent over the IPC channel with a message, and how each kind is taken apart on the
sending side and rebuilt on the receiving side (Node's ``handleConversion`` in
lib/internal/child_process.js), plus the socket lists that let a ``net.Server`` count and close
connections it sent to other processes (lib/internal/socket_list.js).

A handle travels as one fd (SCM_RIGHTS) with a ``{"cmd": "NODE_HANDLE", "type": ..., "msg":
...}`` message; ``type`` names the kind:

* ``'net.Server'``, ``'net.Socket'``, ``'net.Native'`` (a TCPHandle or PipeHandle): Node's types,
  so a Node peer understands them;
* ``'unix.SeqpacketServer'``, ``'unix.SeqpacketSocket'``, ``'unix.DgramSocket'``, ``'unix.Native'``
  (a SeqpacketHandle or DgramHandle): nixloop's (node-unix-socket's classes), which a Node peer
  does not know.

The sender's fd stays the sender's: the kernel (or the channel's write queue, which holds a
duplicate) carries its own reference, so every kind but a socket sent without ``keepOpen`` keeps
working in the sender. Such a socket is detached from its object at once and its handle closed
when the receiver acknowledges (``NODE_HANDLE_ACK``), as in Node.
"""

from __future__ import annotations

import os
import socket as _socket

from .._core._loop import (DgramHandle, PipeHandle, SeqpacketHandle, TCPHandle)
from ..errors import ERR_CHILD_CLOSED_BEFORE_REPLY, ERR_INVALID_HANDLE_TYPE
from ..events import EventEmitter
from ..net import Server, Socket
from ..net.endpoint import handle_for_fd
from ..unix import DgramSocket, SeqpacketServer, SeqpacketSocket

__all__ = ["handle_type", "CONVERSIONS"]


def handle_type(obj) -> str:
    """The ``type`` a handle travels as, or raise ERR_INVALID_HANDLE_TYPE."""
    if isinstance(obj, Socket):
        return "net.Socket"
    if isinstance(obj, Server):
        return "net.Server"
    if isinstance(obj, (TCPHandle, PipeHandle)):
        return "net.Native"
    if isinstance(obj, SeqpacketServer):
        return "unix.SeqpacketServer"
    if isinstance(obj, SeqpacketSocket):
        return "unix.SeqpacketSocket"
    if isinstance(obj, DgramSocket):
        return "unix.DgramSocket"
    if isinstance(obj, (SeqpacketHandle, DgramHandle)):
        return "unix.Native"
    raise ERR_INVALID_HANDLE_TYPE()


def _live(h):
    return h if h is not None and not h.closed else None


def connection_key(server) -> str | None:
    """Node's ``server._connectionKey``: 'addressType:address:port'."""
    try:
        addr = server.address()
    except OSError:
        return None
    if isinstance(addr, dict):
        return f"{6 if addr['family'] == 'IPv6' else 4}:{addr['address']}:{addr['port']}"
    if isinstance(addr, str):
        return f"-1:{addr}:-1"
    return None


# -- the kinds ----------------------------------------------------------------------------------
# send(channel, message, obj, options) -> the compiled handle whose fd goes, or None (then only
# the inner message is sent, as Node does for a socket without a handle); post_send(channel,
# handle, options, sent) after the write; got(channel, message, fd, emit) rebuilds the object
# (owning fd from then on) and calls emit(obj), now or once it is ready.

class _Native:
    @staticmethod
    def send(channel, message, obj, options):
        return _live(obj)

    @staticmethod
    def post_send(channel, handle, options, sent):
        pass

    @staticmethod
    def got(channel, message, fd, emit):
        emit(handle_for_fd(channel.loop, fd))


class _UnixNative(_Native):
    @staticmethod
    def got(channel, message, fd, emit):
        try:
            probe = _socket.socket(fileno=fd)
        except OSError:
            os.close(fd)
            raise
        try:
            stype = probe.type
        finally:
            probe.detach()
        cls = SeqpacketHandle if stype == _socket.SOCK_SEQPACKET else DgramHandle
        emit(cls.from_fd(channel.loop, fd))


class _NetServer(_Native):
    @staticmethod
    def send(channel, message, server, options):
        h = server._handle               # a cluster worker's round-robin server has no fd
        return _live(h) if isinstance(h, (TCPHandle, PipeHandle)) else None

    @staticmethod
    def got(channel, message, fd, emit):
        server = Server()
        handle = handle_for_fd(channel.loop, fd)
        server.listen(handle, lambda *_: emit(server))


class _NetSocket:
    @staticmethod
    def send(channel, message, sock, options):
        handle = _live(sock._handle)
        if handle is None:
            return None
        server = sock.server
        if server is not None:
            key = connection_key(server)
            if key is not None:
                message["key"] = key
                first = key not in channel.sockets["send"]
                slist = channel.socket_list("send", key)
                if first:
                    server._setupWorker(slist)
            if not options.get("keepOpen"):
                server._connections -= 1
        if not options.get("keepOpen"):
            # detach: the object no longer reads or owns the handle (closed at the ACK)
            handle.read_stop()
            handle.on_read = handle.on_eof = handle.on_error = None
            handle.on_write_done = handle.on_shutdown = handle.on_connect = None
            handle.set_core(None)
            sock._handle = None
            sock.setTimeout(0)
            sock._upd()
        return handle

    @staticmethod
    def post_send(channel, handle, options, sent):
        if handle is not None and not options.get("keepOpen"):
            if sent:
                channel.pending_close = handle
            else:
                handle.close()

    @staticmethod
    def got(channel, message, fd, emit):
        sock = Socket({"handle": handle_for_fd(channel.loop, fd), "readable": True,
                       "writable": True})
        key = message.get("key")
        if key is not None:
            channel.socket_list("got", key).add(sock)
        emit(sock)


class _SeqpacketServer(_Native):
    @staticmethod
    def send(channel, message, server, options):
        return None if server._closed else _live(server._handle)

    @staticmethod
    def got(channel, message, fd, emit):
        server = SeqpacketServer(loop=channel.loop)
        try:
            server.listen({"fd": fd})
        except BaseException:
            server.close()
            raise
        emit(server)


class _SeqpacketSocket:
    @staticmethod
    def send(channel, message, sock, options):
        if sock._destroyed:
            return None
        handle = _live(sock._handle)
        if handle is not None and not options.get("keepOpen"):
            handle.read_stop()
            handle.on_read = handle.on_fds = handle.on_eof = handle.on_error = None
            handle.on_write_done = handle.on_shutdown = handle.on_connect = None
            sock._destroyed = True         # detached: no 'close' here, the receiver has it
        return handle

    post_send = _NetSocket.post_send

    @staticmethod
    def got(channel, message, fd, emit):
        emit(SeqpacketSocket(fd, loop=channel.loop))


class _DgramSocket(_Native):
    @staticmethod
    def send(channel, message, sock, options):
        return None if sock._closed else _live(sock._handle)

    @staticmethod
    def got(channel, message, fd, emit):
        emit(DgramSocket(fd=fd, loop=channel.loop))


CONVERSIONS = {
    "net.Native": _Native,
    "net.Server": _NetServer,
    "net.Socket": _NetSocket,
    "unix.Native": _UnixNative,
    "unix.SeqpacketServer": _SeqpacketServer,
    "unix.SeqpacketSocket": _SeqpacketSocket,
    "unix.DgramSocket": _DgramSocket,
}


# -- socket lists -------------------------------------------------------------------------------

class SocketListSend(EventEmitter):
    """The sockets of one server sent to one peer: asks it for their count and for their close."""

    def __init__(self, target, key) -> None:
        super().__init__()
        self.key = key
        self.child = target
        target.once("exit", lambda *_: self.emit("exit", self))

    def _request(self, msg, cmd, swallow, callback) -> None:
        child = self.child

        def onclose(*_):
            child.removeListener("internalMessage", onreply)
            callback(ERR_CHILD_CLOSED_BEFORE_REPLY(), None)

        def onreply(reply, handle=None):
            if not (isinstance(reply, dict) and reply.get("cmd") == cmd
                    and reply.get("key") == self.key):
                return
            child.removeListener("disconnect", onclose)
            child.removeListener("internalMessage", onreply)
            callback(None, reply)

        if not child.connected:
            onclose()
            return
        child._send(msg, None, {"swallowErrors": swallow})
        child.once("disconnect", onclose)
        child.on("internalMessage", onreply)

    def close(self, callback) -> None:
        self._request({"cmd": "NODE_SOCKET_NOTIFY_CLOSE", "key": self.key},
                      "NODE_SOCKET_ALL_CLOSED", True, lambda err, msg: callback(err))

    def getConnections(self, callback) -> None:
        def done(err, msg):
            if err is not None:
                callback(err, None)
            else:
                callback(None, msg.get("count", 0))
        self._request({"cmd": "NODE_SOCKET_GET_COUNT", "key": self.key},
                      "NODE_SOCKET_COUNT", False, done)


class SocketListReceive(EventEmitter):
    """The sockets of one peer's server received here: answers the peer's questions."""

    def __init__(self, target, key) -> None:
        super().__init__()
        self.connections = 0
        self.key = key
        self.child = target
        target.on("internalMessage", self._on_internal)

    def _notify_empty(self, *_) -> None:
        if self.child.connected:
            self.child._send({"cmd": "NODE_SOCKET_ALL_CLOSED", "key": self.key}, None,
                             {"swallowErrors": True})

    def _on_internal(self, msg, handle=None) -> None:
        if not isinstance(msg, dict) or msg.get("key") != self.key:
            return
        cmd = msg.get("cmd")
        if cmd == "NODE_SOCKET_NOTIFY_CLOSE":
            if self.connections == 0:
                self._notify_empty()
            else:
                self.once("empty", self._notify_empty)
        elif cmd == "NODE_SOCKET_GET_COUNT":
            if self.child.connected:
                self.child._send({"cmd": "NODE_SOCKET_COUNT", "key": self.key,
                                  "count": self.connections}, None, {"swallowErrors": False})

    def add(self, sock) -> None:
        self.connections += 1

        def on_close(*_):
            self.connections -= 1
            if self.connections == 0:
                self.emit("empty", self)
        sock.once("close", on_close)
