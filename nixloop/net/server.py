"""``net.Server``: Node's TCP / Unix-socket server on the compiled handles.

``listen`` accepts every form of Node's (port/host/backlog, path, handle or
``{'fd': n}``, options with ``exclusive``, ``readableAll``, ``writableAll``,
``ipv6Only``, ``reusePort``, ``signal``); ``'listening'`` is emitted on the next
tick, errors (``EADDRINUSE``...) as ``'error'`` on the next tick with Node's
fields.  Accepted connections become :class:`nixloop.net.Socket` objects.

Beyond Node: ``server.fileno()`` is the listening socket's fd, so a listening
server can be sent to another process (``nixloop.unix.SeqpacketSocket.write(buf,
fds=[server])``) which serves the same address with ``listen({'fd': fd})``.
"""

from __future__ import annotations

import contextvars
import os
import socket as _socket
import warnings
from typing import Any, Callable

from . import common as _nc
from .. import _cluster_hook
from .._core._loop import PipeHandle, TCPHandle, UVTimer
from ..errors import (ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_SERVER_ALREADY_LISTEN,
                     ERR_SERVER_NOT_RUNNING, system_error)
from ..events import EventEmitter
from .endpoint import DEFAULT_HWM, handle_for_fd, normalize_args, validate_port
from .socket import Socket

__all__ = ["Server"]

_HANDLE_TYPES = (TCPHandle, PipeHandle)


def _ipv6_available() -> bool:
    return _socket.has_ipv6


def _backlog(backlog: Any) -> int:
    """Node's ``handle.listen(backlog || 511)``: JavaScript truthiness, then an int32."""
    if not backlog or (isinstance(backlog, float) and backlog != backlog):
        return 511
    return _nc.int32(_nc.js_number(backlog))


class Server(EventEmitter):
    """A TCP or IPC server (``net.Server``).

    ``Server(options=None, connectionListener=None)`` / ``Server(connectionListener)``;
    options: ``allowHalfOpen``, ``pauseOnConnect``, ``noDelay``, ``keepAlive``,
    ``keepAliveInitialDelay`` (ms), ``highWaterMark``.
    """

    _next_tick = _nc.next_tick_method
    _context = None       # listen()'s contextvars.Context

    def __init__(self, options: Any = None, connectionListener: Callable | None = None) -> None:
        super().__init__()
        if callable(options) and not isinstance(options, dict):
            connectionListener, options = options, {}
        elif options is None or isinstance(options, dict):
            options = dict(options or {})
        else:
            raise ERR_INVALID_ARG_TYPE("options", "Object", options)
        if connectionListener is not None:
            self.on("connection", connectionListener)
        kaid = options.get("keepAliveInitialDelay")
        if kaid is not None:
            if not _nc.is_number(kaid):
                raise ERR_INVALID_ARG_TYPE("options.keepAliveInitialDelay", "number", kaid)
            kaid = max(kaid, 0)
        hwm = options.get("highWaterMark")
        if hwm is not None:
            if not _nc.is_number(hwm):
                raise ERR_INVALID_ARG_TYPE("options.highWaterMark", "number", hwm)
            if hwm < 0:
                hwm = DEFAULT_HWM
        self._loop = _nc.get_loop()
        self._ts = _nc.tick_state(self._loop)
        self._connections = 0
        self._usingWorkers = False      # sockets were sent to other processes (child_process)
        self._workers: list = []        # their socket lists
        self._handle = None
        self._unref = False
        self._listening_id = 1
        self._pipe_name = None
        self._paused_until = None
        self._pause_timer = None
        self._pending_accept = False
        self.maxConnections = None
        self.allowHalfOpen = bool(options.get("allowHalfOpen"))
        self.pauseOnConnect = bool(options.get("pauseOnConnect"))
        self.noDelay = bool(options.get("noDelay"))
        self.keepAlive = bool(options.get("keepAlive"))
        self.keepAliveInitialDelay = int((kaid or 0) / 1000)
        self.highWaterMark = hwm if hwm is not None else DEFAULT_HWM

    # -- listen ----------------------------------------------------------------------------

    def listen(self, *args) -> "Server":
        """listen([port[, host[, backlog]]][, cb]) / listen(path[, backlog][, cb]) /
        listen(handle[, backlog][, cb]) / listen(options[, cb]).  Returns the server."""
        if args and isinstance(args[0], (Server, Socket) + _HANDLE_TYPES):
            options, cb = normalize_args(({"handle": args[0]},) + args[1:])
        else:
            options, cb = normalize_args(args)
        if self._handle is not None:
            raise ERR_SERVER_ALREADY_LISTEN()
        # contextvars: the listening handle's events run in listen()'s context; each accepted
        # connection gets its own copy of it (see _accept).
        self._context = contextvars.copy_context()
        if cb is not None:
            self.once("listening", cb)
        backlog_from_args = (_nc.to_number(args[1]) if len(args) > 1 and args[1] else False) or (
            _nc.to_number(args[2]) if len(args) > 2 and args[2] else False)
        if backlog_from_args is False or backlog_from_args == 0:
            backlog_from_args = None
        else:
            backlog_from_args = int(backlog_from_args)
        if not isinstance(options, dict):
            options = {"port": options}
        target = options.get("_handle") or options.get("handle") or options
        if isinstance(target, (Server, Socket)):
            target = target._handle
        self._listening_id += 1
        if isinstance(target, _HANDLE_TYPES):
            self._handle = target
            self._setup_listen_handle(None, -1, backlog_from_args)
            return self
        if not isinstance(target, dict):
            raise ERR_INVALID_ARG_VALUE("options", target)
        options = target
        self._add_abort_signal(options)
        fd = options.get("fd")
        if _nc.is_number(fd) and fd >= 0:
            try:
                handle = handle_for_fd(self._loop, int(fd))
            except Exception:   # Node: not a fd we can listen on -> EINVAL
                self._next_tick(self._emit_error_nt, system_error("EINVAL", "listen", None, None))
                return self
            self._handle = handle
            self._setup_listen_handle(None, None, backlog_from_args)
            return self
        port = options.get("port", _nc.UNDEFINED)
        if not args or callable(args[0]) or ("port" in options and port in (None, _nc.UNDEFINED)):
            port = options["port"] = 0
        if (_nc.is_number(port) or isinstance(port, str)) and port is not _nc.UNDEFINED:
            validate_port(port, "options.port")
            backlog = options.get("backlog") or backlog_from_args
            port = _nc.int32(port)
            host = options.get("host")
            flags = bool(options.get("ipv6Only"))
            if host:
                self._lookup_and_listen(port, host, backlog, flags, options.get("reusePort"),
                                        options.get("exclusive"))
            else:
                self._listen_tcp(None, port, backlog, flags, options.get("reusePort"),
                                 options.get("exclusive"))
            return self
        path = options.get("path")
        if path and isinstance(path, str) and _nc.to_number(path) is False:
            if path[0] == "\0" and (options.get("readableAll") or options.get("writableAll")):
                raise ERR_INVALID_ARG_VALUE(
                    "options", options,
                    "can not set readableAll or writableAllt to true when path is abstract unix socket")
            self._pipe_name = path
            backlog = options.get("backlog") or backlog_from_args
            self._listen_pipe(path, backlog, options)
            if self._handle is None:
                return self
            mode = (1 if options.get("readableAll") is True else 0) | (
                2 if options.get("writableAll") is True else 0)
            if mode:
                try:
                    self._handle.chmod(mode)
                except OSError as exc:
                    self._handle.close()
                    self._handle = None
                    raise system_error(exc, "uv_pipe_chmod") from None
            return self
        if "port" not in options and "path" not in options:
            raise ERR_INVALID_ARG_VALUE("options", options, 'must have the property "port" or "path"')
        raise ERR_INVALID_ARG_VALUE("options", options)

    def _add_abort_signal(self, options: dict) -> None:
        signal = options.get("signal", _nc.UNDEFINED)
        if signal is _nc.UNDEFINED:
            return
        _nc.validate_abort_signal(signal if signal is not None else 0, "options.signal")

        def on_aborted(*_):
            self.close()

        if signal.aborted:
            self._next_tick(on_aborted)
        else:
            signal.once("abort", on_aborted)
            self.once("close", lambda *_: signal.removeListener("abort", on_aborted))

    def _lookup_and_listen(self, port, host, backlog, ipv6only, reuse_port, exclusive) -> None:
        from .dns import lookup
        listening_id = self._listening_id

        def do_listen(err, ip, family):
            if listening_id != self._listening_id:
                return
            if err is not None:
                self.emit("error", err)
            else:
                self._listen_tcp(ip, port, backlog, ipv6only, reuse_port, exclusive, family)

        lookup(host, None, do_listen)

    def _create_tcp(self, address, port, ipv6only, reuse_port):
        """createServerHandle for TCP: a bound handle, or an OSError."""
        h = TCPHandle.create(self._loop, _socket.AF_INET6 if ":" in address else _socket.AF_INET)
        try:
            if reuse_port:
                try:
                    sock = _socket.socket(fileno=os.dup(h.fileno()))
                    try:
                        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT, 1)
                    finally:
                        sock.close()
                except (OSError, AttributeError):
                    pass
            h.bind((address, port), ipv6only)
        except OSError as exc:
            h.close()
            return exc
        return h

    def _listen_tcp(self, address, port, backlog, ipv6only, reuse_port, exclusive=True,
                    address_type=4) -> None:
        if self._listen_in_cluster(address, port, address_type, backlog, exclusive,
                                   1 if ipv6only else 0):
            return
        rval = None
        if not address:
            rval = self._create_tcp("::", port, ipv6only, reuse_port) if _ipv6_available() else None
            if rval is None or isinstance(rval, OSError):
                rval = None
                address = "0.0.0.0"
            else:
                address = "::"
        if rval is None:
            rval = self._create_tcp(address, port, ipv6only, reuse_port)
        if isinstance(rval, OSError):
            self._next_tick(self._emit_error_nt, system_error(rval, "listen", address, port))
            return
        self._handle = rval
        self._setup_listen_handle(address, port, backlog)

    def _listen_pipe(self, path, backlog, options) -> None:
        if self._listen_in_cluster(path, -1, -1, backlog, options.get("exclusive"), None,
                                   {"readableAll": options.get("readableAll"),
                                    "writableAll": options.get("writableAll")}):
            return
        h = PipeHandle.create(self._loop)
        try:
            h.bind(path)
        except OSError as exc:
            h.close()
            self._next_tick(self._emit_error_nt, system_error(exc, "listen", path, -1))
            return
        self._handle = h
        self._setup_listen_handle(path, -1, backlog)

    def _listen_in_cluster(self, address, port, address_type, backlog, exclusive, flags,
                           extra=None) -> bool:
        """Node's listenInCluster: in a cluster worker (unless ``exclusive``) the primary
        provides the handle (see nixloop._cluster_hook); True when that path was taken."""
        get_server = _cluster_hook.listen
        if get_server is None or exclusive:
            return False
        query = {"address": address, "port": port, "addressType": address_type, "fd": None,
                 "flags": flags, "backlog": backlog, **(extra or {})}
        listening_id = self._listening_id

        def on_handle(errno, handle):
            if listening_id != self._listening_id:
                if handle is not None:
                    handle.close()
                return
            if errno:
                err = system_error(errno, "bind", address, port)
                if address is None:
                    err._node_message = f"bind {err.code} null:{port}"
                self.emit("error", err)
                return
            if self._handle is not None:
                self._handle.close()
            self._handle = handle
            self._setup_listen_handle(address, port, backlog)

        get_server(self, query, on_handle)
        return True

    def _setup_listen_handle(self, address, port, backlog) -> None:
        h = self._handle
        h.on_connection = self._on_connection
        h.context = self._context
        try:
            h.listen(_backlog(backlog))
        except OSError as exc:
            self._handle = None
            h.close()
            self._next_tick(self._emit_error_nt, system_error(exc, "listen", address, port))
            return
        if self._unref:
            h.unref()
        self._next_tick(self._emit_listening)

    def _emit_error_nt(self, err) -> None:
        self.emit("error", err)

    def _emit_listening(self) -> None:
        if self._handle is not None:
            self.emit("listening")

    # -- connections -----------------------------------------------------------------------

    def _on_connection(self, exc) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        if exc is not None:
            self.emit("error", system_error(exc, "accept") if isinstance(exc, OSError) else exc)
        elif self._paused_until is not None:
            self._pending_accept = True
        else:
            self._accept()
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def _accept(self) -> None:
        h = self._handle
        if h is None:
            return
        try:
            client = h.accept()
        except OSError as exc:
            # out of fds: the handle pauses accepting and retries (handles/accept.pyx), so
            # this is emitted a few times in the first seconds, then once a second
            self.emit("error", system_error(exc, "accept"))
            return
        if client is None:
            return
        mc = self.maxConnections
        if mc and self._connections >= mc:
            if isinstance(client, TCPHandle):
                data = {}
                try:
                    local = client.getsockname()
                    data.update(localAddress=local[0], localPort=local[1],
                                localFamily=_nc.ip_family(local[0]))
                except OSError:
                    data.update(localAddress=None, localPort=None, localFamily=None)
                try:
                    remote = client.getpeername()
                    data.update(remoteAddress=remote[0], remotePort=remote[1],
                                remoteFamily=_nc.ip_family(remote[0]))
                except OSError:
                    data.update(remoteAddress=None, remotePort=None, remoteFamily=None)
                self.emit("drop", data)
            else:
                self.emit("drop")
            client.close()
            return
        ctx = self._context if self._context is not None else contextvars.copy_context()
        client.context = ctx.copy()
        sock = Socket({"handle": client, "allowHalfOpen": self.allowHalfOpen,
                       "pauseOnCreate": self.pauseOnConnect,
                       "highWaterMark": self.highWaterMark})
        if isinstance(client, TCPHandle):
            if self.noDelay:
                sock._no_delay = True
                client.set_nodelay(True)
            if self.keepAlive:
                sock._keep_alive = True
                sock._ka_delay = self.keepAliveInitialDelay
                client.set_keepalive(True, self.keepAliveInitialDelay)
        self._connections += 1
        sock.server = self
        sock._server = self
        # in a copy of the server's context: what a listener sets stays out of the next one's
        ctx.copy().run(self.emit, "connection", sock)

    def getConnections(self, cb: Callable) -> "Server":
        """``cb(None, count)`` on the next tick; once sockets were sent to other processes,
        their count there is added (asked through the channels: ``cb(err)`` if one closed)."""
        _nc.validate_function(cb, "callback")        # Node's process.nextTick(cb) checks it
        if not self._usingWorkers:
            self._next_tick(cb, None, self._connections)
            return self
        left = [len(self._workers)]
        total = [self._connections]

        def oncount(err, count):
            if left[0] < 0:
                return
            if err is not None:
                left[0] = -1
                self._next_tick(cb, err, None)
                return
            total[0] += count
            left[0] -= 1
            if left[0] == 0:
                self._next_tick(cb, None, total[0])

        if not self._workers:
            self._next_tick(cb, None, total[0])
        for w in list(self._workers):
            w.getConnections(oncount)
        return self

    def _setupWorker(self, socketList) -> None:
        """A socket of this server was sent to another process (child_process)."""
        self._usingWorkers = True
        self._workers.append(socketList)
        socketList.once("exit", lambda sl: self._workers.remove(sl) if sl in self._workers else None)

    @property
    def connections(self) -> int:
        """Deprecated (DEP0020): use getConnections()."""
        warnings.warn("Server.connections property is deprecated. "
                      "Use Server.getConnections method instead.", DeprecationWarning, stacklevel=2)
        return None if self._usingWorkers else self._connections

    @property
    def listening(self) -> bool:
        return self._handle is not None

    def address(self):
        """``{'port', 'family', 'address'}`` (TCP), the path (pipe), or None."""
        h = self._handle
        if isinstance(h, TCPHandle) or getattr(h, "is_tcp", False):
            try:
                t = h.getsockname()
            except OSError as exc:
                raise system_error(exc, "address") from None
            return {"address": t[0], "family": _nc.ip_family(t[0]), "port": t[1]}
        if h is not None and self._pipe_name is None:
            try:
                name = h.getsockname()
            except OSError:
                return None
            return name.decode("utf-8", "surrogateescape") if isinstance(name, bytes) else name
        if self._pipe_name is not None:
            return self._pipe_name
        return None

    def fileno(self) -> int:
        """The listening socket's fd (beyond Node; to pass the server to another process with
        ``nixloop.unix.SeqpacketSocket.write(buf, fds=[server])``, where
        ``listen({'fd': fd})`` serves the same address).  The server keeps owning it.
        Raises ``ERR_SERVER_NOT_RUNNING`` when the server is not listening (yet: with a
        ``host``, listen() looks it up first, so wait for ``'listening'``)."""
        h = self._handle
        if h is None:
            raise ERR_SERVER_NOT_RUNNING()
        try:
            return h.fileno()
        except OSError as exc:
            raise system_error(exc, "fileno") from None

    # -- close -----------------------------------------------------------------------------

    def close(self, cb: Callable | None = None) -> "Server":
        """Stop accepting; ``'close'`` (and ``cb``) once the last connection ended.
        ``cb(ERR_SERVER_NOT_RUNNING)`` if the server was not listening."""
        self._listening_id += 1
        if callable(cb):
            if self._handle is None:
                self.once("close", lambda *_: cb(ERR_SERVER_NOT_RUNNING()))
            else:
                self.once("close", cb)
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._pause_timer is not None:
            self._pause_timer.close()
            self._pause_timer = None
            self._paused_until = None
        if self._usingWorkers:
            # 'close' once every process the sockets went to closed them too
            left = [len(self._workers)]
            self._connections += 1      # so that 'close' comes once, after the polls

            def on_worker_close(*_):
                left[0] -= 1
                if left[0] == 0:
                    self._connections = 0
                    self._emit_close_if_drained()

            if not self._workers:
                left[0] = 1
                on_worker_close()
            for w in list(self._workers):
                w.close(on_worker_close)
        else:
            self._emit_close_if_drained()
        return self

    def _emit_close_if_drained(self) -> None:
        if self._handle is not None or self._connections:
            return
        self._next_tick(self.emit, "close")

    async def aclose(self) -> None:
        """``await server.aclose()``: close() and wait for ``'close'`` (Symbol.asyncDispose)."""
        if self._handle is None:
            return
        fut = self._loop.create_future()

        def done(err=None):
            if not fut.done():
                if err is not None:
                    fut.set_exception(err)
                else:
                    fut.set_result(None)

        self.close(done)
        await fut

    asyncDispose = aclose

    async def __aenter__(self) -> "Server":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    # -- misc ------------------------------------------------------------------------------

    def ref(self) -> "Server":
        self._unref = False
        if self._handle is not None:
            self._handle.ref()
        return self

    def unref(self) -> "Server":
        self._unref = True
        if self._handle is not None:
            self._handle.unref()
        return self

    def pause(self, msecs: float = 1000) -> "Server":
        """Stop accepting connections for ``msecs`` ms (the old ``server.pause``)."""
        if self._handle is None:
            return self
        self._paused_until = msecs
        if self._pause_timer is None:
            self._pause_timer = UVTimer.create(self._loop)
            if self._unref:
                self._pause_timer.unref()
        self._pause_timer.start(self._unpause, max(0, int(msecs)))
        return self

    def _unpause(self) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        self._paused_until = None
        if self._pause_timer is not None:
            self._pause_timer.close()
            self._pause_timer = None
        if self._pending_accept:
            self._pending_accept = False
            self._accept()
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def __repr__(self) -> str:
        return f"<nixloop.net.Server listening={self.listening} {self.address()!r}>"
