"""The IPC channel between a parent and a forked child: Node's ``setupChannel``
(lib/internal/child_process.js), on a :class:`nixloop._core._loop.ChannelHandle`.

One :class:`Channel` serves one *target*: the :class:`~nixloop.child_process.ChildProcess` in the
parent, ``nixloop.node.process`` in the child. It gives the target Node's ``send()``,
``disconnect()``, ``connected`` and ``channel`` (a :class:`Control`, ``None`` once disconnected),
and emits on it ``'message'`` (message, handle), ``'internalMessage'`` (the ``NODE_*`` commands
cluster and the socket lists use), ``'disconnect'`` and ``'error'``. Events are emitted from the
tick queue, as Node's ``process.nextTick(emit, ...)``; messages that arrive while the target has
no ``'message'`` listener wait for one.

Handles (see :mod:`._handles`) go one at a time: after a message with a handle, later messages
wait until the peer acknowledges it (``NODE_HANDLE_ACK``; a ``NODE_HANDLE_NACK`` makes it go
again, three times at most). A disconnect requested meanwhile waits for the queue too.

Faults: a write error (the peer is gone) goes to the send callback, else to ``'error'`` on the
next tick, with Node's system error (``EPIPE``, syscall ``'write'``), unless the peer went away
only after send() (see _flush); a message that cannot be
decoded is dropped and its error (a ``ValueError``: Node throws a ``SyntaxError``) emitted as
``'error'`` in its place; a peer message over the size limit (see :mod:`._serialization`) emits
``'error'`` (``EMSGSIZE``, syscall ``'read'``) and ends the channel as the peer's end would.
"""

from __future__ import annotations

import collections
import errno
import os

from .._nodeenv import state_for
from ..errors import (ERR_INVALID_ARG_TYPE, ERR_INVALID_HANDLE_TYPE, ERR_IPC_CHANNEL_CLOSED,
                      ERR_IPC_DISCONNECTED, ERR_MISSING_ARGS, UNDEFINED, system_error)
from ..events import EventEmitter
from ._handles import CONVERSIONS, SocketListReceive, SocketListSend, handle_type
from ._serialization import BadMessage, MessageTooLarge, codec_for

__all__ = ["Channel", "Control", "is_internal"]

MAX_HANDLE_RETRANSMISSIONS = 3
_QUEUE_LIMIT = 65536 * 2          # send() returns False from here ("two reads behind")
_MAX_PENDING_FDS = 64             # fds received ahead of their messages; more is a broken peer
_MESSAGE_TYPES = (str, dict, list, tuple, int, float, bool, bytes, bytearray, type(None))


def is_internal(message) -> bool:
    """A ``{cmd: 'NODE_...'}`` message (Node's isInternal)."""
    if type(message) is not dict:
        return False
    cmd = message.get("cmd")
    return isinstance(cmd, str) and len(cmd) > 5 and cmd.startswith("NODE_")


class Control(EventEmitter):
    """``subprocess.channel`` / ``process.channel``: ``ref()``, ``unref()``, ``fd``.

    The counted references follow the child's listeners and the writes in flight; an explicit
    ``ref()``/``unref()`` overrides them from then on, as in Node. (The parent's channel holds a
    base reference of its own, so that a finished write does not unref it as Node 20's does.)"""

    def __init__(self, handle, base_refs: int) -> None:
        super().__init__()
        self._handle = handle
        self._refs = base_refs
        self._explicit = False

    def refCounted(self) -> None:
        self._refs += 1
        if self._refs == 1 and not self._explicit:
            self._handle.ref()

    def unrefCounted(self) -> None:
        self._refs -= 1
        if self._refs == 0 and not self._explicit:
            self._handle.unref()
            self.emit("unref")

    def ref(self) -> None:
        self._explicit = True
        self._handle.ref()

    def unref(self) -> None:
        self._explicit = True
        self._handle.unref()

    @property
    def fd(self):
        h = self._handle
        return None if h.closed else h.fileno()


def _close_fd(fd) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


class Channel:
    """The channel of one target (see the module doc)."""

    def __init__(self, target, handle, loop, serialization: str, *, parent: bool,
                 on_closed=None) -> None:
        self.target = target
        self.handle = handle
        self.loop = loop
        self.ts = state_for(loop)
        self.codec = codec_for(serialization)
        self.control = Control(handle, 1 if parent else 0)
        self.fds: collections.deque = collections.deque()
        self.handle_queue: list | None = None
        self.pending: list | None = None        # [data, handle, sends] awaiting the ACK
        self.pending_close = None               # set by a conversion's post_send
        self.waiting: list = []                 # 'message' events waiting for a listener
        self._batch: list | None = None         # messages to send together (see _write)
        self._batch_bytes = 0
        self.sockets: dict = {"got": {}, "send": {}}
        self.on_closed = on_closed
        self.closed = False
        self._finish_pending = False
        self._finished = False
        target.channel = self.control
        target.connected = True
        target.send = self.send
        target._send = self._send
        target.disconnect = self.disconnect
        target._disconnect = self._disconnect
        target._flush = self._flush
        target.on("newListener", self._on_new_listener)
        handle.on_fds = self._on_fds
        handle.on_read = self._on_read
        handle.on_eof = self._on_eof
        handle.on_error = self._on_read_error
        handle.on_write_done = self._on_write_done
        handle.read_start()

    def socket_list(self, kind: str, key: str):
        lists = self.sockets[kind]
        slist = lists.get(key)
        if slist is None:
            cls = SocketListSend if kind == "send" else SocketListReceive
            slist = lists[key] = cls(self.target, key)
        return slist

    # -- sending ------------------------------------------------------------------------------

    def send(self, message=UNDEFINED, sendHandle=None, options=None, callback=None) -> bool:
        """``send(message[, sendHandle[, options]][, callback])``: see Node's subprocess.send."""
        if callable(sendHandle):
            callback, sendHandle, options = sendHandle, None, None
        elif callable(options):
            callback, options = options, None
        elif options is not None and not isinstance(options, dict):
            raise ERR_INVALID_ARG_TYPE("options", "object", options)
        options = {"swallowErrors": False, **(options or {})}
        if self.target.connected:
            return self._send(message, sendHandle, options, callback)
        ex = ERR_IPC_CHANNEL_CLOSED()
        if callable(callback):
            self.ts.add_tick(callback, (ex,))
        else:
            self.ts.add_tick(self.target.emit, ("error", ex))
        return False

    def _send(self, message, handle=None, options=None, callback=None) -> bool:
        if message is UNDEFINED:
            raise ERR_MISSING_ARGS("message")
        if not isinstance(message, _MESSAGE_TYPES):
            raise ERR_INVALID_ARG_TYPE("message", ["string", "object", "number", "boolean"],
                                       message)
        if isinstance(options, bool):
            options = {"swallowErrors": options}
        elif options is None:
            options = {}
        conv = native = None
        if handle is not None and handle is not False:
            kind = handle_type(handle)
            if self.handle_queue is not None:
                self.handle_queue.append((message, handle, options, callback))
                return len(self.handle_queue) == 1
            self.codec.encode(message)   # unsendable: raise before the handle is touched
            wrapped = {"cmd": "NODE_HANDLE", "type": kind, "msg": message}
            conv = CONVERSIONS[kind]
            native = conv.send(self, wrapped, handle, options)
            if native is not None:
                message = wrapped
        elif self.handle_queue is not None and not (
                type(message) is dict and message.get("cmd") in ("NODE_HANDLE_ACK",
                                                                  "NODE_HANDLE_NACK")):
            self.handle_queue.append((message, None, options, callback))
            return len(self.handle_queue) == 1
        err = None
        try:
            data = self.codec.encode(message)
        except MessageTooLarge as exc:
            err = system_error("EMSGSIZE", "write")
            err._node_message = f"write EMSGSIZE: {exc}"
        if err is None:
            err = self._write(data, native, callback, options.get("swallowErrors"))
        if err is None:
            if native is not None:
                if self.handle_queue is None:
                    self.handle_queue = []
                if conv.post_send(self, native, options, True) or self.pending_close is not None:
                    self.pending = [data, self.pending_close, 0]
                    self.pending_close = None
        else:
            if conv is not None:
                conv.post_send(self, native, options, False)
            if not options.get("swallowErrors"):
                if callable(callback):
                    self.ts.add_tick(callback, (err,))
                else:
                    self.ts.add_tick(self.target.emit, ("error", err))
        return self.handle.write_queue_size + self._batch_bytes < _QUEUE_LIMIT

    def _write(self, data: bytes, native, callback, swallow=False):
        """Write one encoded message (with the fd of ``native``): None or the error.

        A message without a handle waits in a batch that goes out in one send once the current
        callbacks and their ticks are done (the loop's next ready callback): a worker's
        NODE_HANDLE_ACK and its reply to the primary then cost one send, and the peer one
        wake-up, instead of two. Measured on the cluster's round-robin hand-off
        (perf/bench_cluster.py, 1 worker): see perf/README.md. A message with a handle sends
        the batch first, so the order on the wire is the order of the calls."""
        if self.closed:
            return system_error("EBADF", "write")
        if native is None:
            batch = self._batch
            if batch is None:
                batch = self._batch = []
                self.control.refCounted()          # the batch keeps the loop alive
                self.loop.call_soon(self._flush)
            batch.append((data, callback, swallow))
            self._batch_bytes += len(data)
            return None
        self._flush()
        fds = None
        try:
            if native is not None:
                fds = [native.fileno()]
            sync = self.handle.write(data, fds, callback if callable(callback) else False)
        except OSError as exc:
            return system_error(exc, "write")
        if sync:
            if callable(callback):
                self.ts.add_tick(callback, (None,))
        else:
            self.control.refCounted()
        return None

    def _flush(self) -> None:
        """Send the batch (see _write); its callbacks and errors as for single messages."""
        batch = self._batch
        if batch is None:
            return
        self._batch = None
        self._batch_bytes = 0
        self.control.unrefCounted()
        callbacks = [cb for _, cb, _ in batch if callable(cb)]
        err = None
        late = False
        if self.closed:
            err = system_error("EBADF", "write")
        else:
            data = batch[0][0] if len(batch) == 1 else b"".join([m[0] for m in batch])
            try:
                sync = self.handle.write(data, None, callbacks or False)
            except OSError as exc:
                err = system_error(exc, "write")
                # Node writes in send() itself; a peer that went away since (a child killed
                # right after send()) fails only this later write, as an accepted write
                # failing on completion does in Node: its callback hears of it, 'error' is not
                # emitted (the channel's end reports the peer's going)
                late = exc.errno in (errno.EPIPE, errno.ECONNRESET)
        if err is not None:
            for _, cb, swallow in batch:
                if not swallow:
                    if callable(cb):
                        self.ts.add_tick(cb, (err,))
                    elif not late:
                        self.ts.add_tick(self.target.emit, ("error", err))
        elif sync:
            for cb in callbacks:
                self.ts.add_tick(cb, (None,))
        else:
            self.control.refCounted()

    def _on_write_done(self, callback, exc) -> None:
        self.control.unrefCounted()
        if not callback:
            return
        err = None if exc is None else system_error(exc, "write")
        for cb in (callback if type(callback) is list else (callback,)):
            if callable(cb):
                self.ts.invoke(cb, (err,), "IPC send callback")

    # -- receiving ----------------------------------------------------------------------------

    def _on_fds(self, fds) -> None:
        self.fds.extend(fds)
        while len(self.fds) > _MAX_PENDING_FDS:
            _close_fd(self.fds.popleft())

    def _on_read(self, data: bytes) -> None:
        self.ts.invoke(self._read, (data,), "IPC channel read")

    def _read(self, data: bytes) -> None:
        try:
            messages = self.codec.feed(data)
        except MessageTooLarge as exc:
            err = system_error("EMSGSIZE", "read")
            err._node_message = f"read EMSGSIZE: {exc}"
            self.ts.add_tick(self.target.emit, ("error", err))
            self._eof()
            return
        add_tick = self.ts.add_tick
        for m in messages:
            if type(m) is BadMessage:
                add_tick(self._emit_error, (m.error,))
            elif type(m) is dict and is_internal(m):
                fd = None
                if m["cmd"] == "NODE_HANDLE":
                    fd = self.fds.popleft() if self.fds else -1
                add_tick(self._emit_internal, (m, fd))
            else:
                add_tick(self._emit_message, (m, None))
        if self._finish_pending and messages and not self.codec.buffering:
            self._finish_pending = False
            add_tick(self._finish, ())

    def _emit_error(self, exc) -> None:
        self.target.emit("error", exc)

    def _emit_message(self, message, handle) -> None:
        t = self.target
        if t.listenerCount("message"):
            t.emit("message", message, handle)
        else:
            self.waiting.append((message, handle))

    def _emit_internal(self, message, fd) -> None:
        cmd = message["cmd"]
        if cmd == "NODE_HANDLE":
            self._got_handle(message, fd)
        elif cmd == "NODE_HANDLE_ACK" or cmd == "NODE_HANDLE_NACK":
            self._on_ack(cmd == "NODE_HANDLE_NACK")
        else:
            self.target.emit("internalMessage", message, None)

    def _deliver(self, message, obj) -> None:
        if is_internal(message):
            self.ts.add_tick(self.target.emit, ("internalMessage", message, obj))
        else:
            self.ts.add_tick(self._emit_message, (message, obj))

    def _got_handle(self, message, fd) -> None:
        if fd is None or fd < 0:
            # the fd did not arrive (Node: MSG_CTRUNC): ask for it again
            self._send({"cmd": "NODE_HANDLE_NACK"}, None, {"swallowErrors": True})
            return
        if self.closed:
            _close_fd(fd)
            return
        self._send({"cmd": "NODE_HANDLE_ACK"}, None, {"swallowErrors": True})
        conv = CONVERSIONS.get(message.get("type"))
        inner = message.get("msg")
        if conv is None:
            _close_fd(fd)
            self.target.emit("error", ERR_INVALID_HANDLE_TYPE())
            return
        try:
            conv.got(self, message, fd, lambda obj: self._deliver(inner, obj))
        except Exception as exc:       # got() has closed the fd
            self.target.emit("error", exc)

    def _on_ack(self, nack: bool) -> None:
        pend = self.pending
        if pend is not None:
            if not nack or pend[2] == MAX_HANDLE_RETRANSMISSIONS:
                self.pending = None
                if pend[1] is not None:
                    pend[1].close()
                if nack:
                    import warnings
                    warnings.warn("Handle did not reach the receiving process correctly",
                                  RuntimeWarning, stacklevel=1)
            else:
                pend[2] += 1
        queue = self.handle_queue or []
        self.handle_queue = None
        if self.pending is not None:
            pend = self.pending
            if self._write(pend[0], pend[1], None) is None:
                self.handle_queue = []
            else:
                self.pending = None
                pend[1].close()
        for args in queue:
            self._send(*args)
        t = self.target
        if not t.connected and not self.closed and self.handle_queue is None:
            self._disconnect()

    def _on_new_listener(self, name, listener=None) -> None:
        if name == "message" and self.waiting:
            self.ts.add_tick(self._flush_waiting, ())

    def _flush_waiting(self) -> None:
        if self.closed and not self.waiting:
            return
        if not self.target.listenerCount("message"):
            return
        waiting, self.waiting = self.waiting, []
        for message, handle in waiting:
            self.target.emit("message", message, handle)

    # -- the end ------------------------------------------------------------------------------

    def _on_read_error(self, exc) -> None:
        self._on_eof()

    def _on_eof(self) -> None:
        self.ts.invoke(self._eof, (), "IPC channel end")

    def _eof(self) -> None:
        # The peer is gone (or the channel failed): 'disconnect' (once), then close.
        t = self.target
        t.connected = False
        if t.channel is not None:
            self._disconnect(wait=False)
        elif self._finish_pending:
            self._finish_pending = False
            self.ts.add_tick(self._finish, ())
        self._close()

    def disconnect(self) -> None:
        """Close the channel once queued handles went; ``'disconnect'`` follows."""
        t = self.target
        if not t.connected:
            t.emit("error", ERR_IPC_DISCONNECTED())
            return
        t.connected = False
        if self.handle_queue is None:
            self._disconnect()

    def _disconnect(self, wait: bool = True) -> None:
        t = self.target
        t.channel = None
        if self.pending is not None:
            if self.pending[1] is not None:
                self.pending[1].close()
            self.pending = None
        if wait and self.codec.buffering and not self.closed:
            self._finish_pending = True      # a message is half read: wait for it
        else:
            self.ts.add_tick(self._finish, ())

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._close()
        try:
            self.target.emit("disconnect")
        finally:
            # the channel counts as closed for the target's 'close' after 'disconnect' (Node
            # closes the handle there, and its close callback comes later still)
            if self.on_closed is not None:
                self.on_closed()

    def _close(self) -> None:
        if self.closed:
            return
        self._flush()                  # what was sent before the close goes out first
        self.closed = True
        self.target.connected = False
        self.handle.close()
        while self.fds:
            _close_fd(self.fds.popleft())
