"""``net.Socket``: Node's duplex TCP / Unix-socket stream on the compiled handles.

The readable and writable halves follow Node 20's stream state machines
(``internal/streams/readable.js`` / ``writable.js``) closely enough that the
events come in Node's order: ``connect``, ``ready``, ``data``, ``end``,
``finish``, ``close(hadError)``, with ``'drain'`` after a ``write()`` that
returned ``False``.  Deferred work uses ``self._next_tick`` (:func:`nixloop.net.common.next_tick_method`)
(``process.nextTick``).

Hot path (echo): the stream handle calls the compiled base class (``SocketCore`` in
``_core/netsocket.pyx``) with each chunk -> ``'data'`` listener when flowing with an empty buffer
-> user ``write(data)`` (compiled too) -> ``uv_try_write``; no Python frame of ours, no
asyncio machinery and no copy in between.
"""

from __future__ import annotations

import collections
import contextvars
import math
from collections.abc import Mapping
from typing import Any, Callable

from . import common as _nc
from .._core._loop import PipeHandle, SocketCore, TCPHandle, UVTimer
from ..errors import (ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE,
                     ERR_INVALID_HANDLE_TYPE, ERR_INVALID_IP_ADDRESS, ERR_MISSING_ARGS,
                     ERR_OUT_OF_RANGE, ERR_SOCKET_BAD_PORT, ERR_SOCKET_CLOSED, UNDEFINED,
                     node_error, system_error)
from .connect import Attempts as _Attempts, auto_select_options as _auto_select_options
from .endpoint import DEFAULT_HWM, _Normalized, handle_for_fd, normalize_args, validate_port
from .writable import WritableSide
from ..errors import _number
from ..timers import TIMEOUT_MAX, TimeoutOverflowWarning, _emit_warning

U = UNDEFINED

__all__ = ["Socket", "Stream"]

_NOTHING = object()


def _addr_dict(t) -> dict:
    host = t[0]
    return {"address": host, "family": "IPv6" if ":" in host else "IPv4", "port": t[1]}


def _onread_option(onread: Any):
    """Node's check of ``options.onread``: ``{'buffer': writable buffer or function returning
    one, 'callback': fn(nread, buffer)}``; anything else is ignored, as in Node."""
    if not isinstance(onread, dict):
        return None
    buf, cb = onread.get("buffer"), onread.get("callback")
    if not callable(cb):
        return None
    if callable(buf):
        return (buf, cb)
    try:
        view = memoryview(buf)
    except TypeError:
        return None
    if view.readonly:
        return None
    return (buf, cb)


class Socket(WritableSide, SocketCore):
    """A TCP or Unix stream socket with Node's ``net.Socket`` API (see the module doc).

    ``Socket(options=None)``: ``allowHalfOpen``, ``readable``, ``writable``, ``fd``,
    ``handle`` (a TCPHandle/PipeHandle), ``highWaterMark`` (also ``readableHighWaterMark``
    / ``writableHighWaterMark``), ``noDelay``, ``keepAlive``, ``keepAliveInitialDelay``,
    ``signal``, ``pauseOnCreate``.
    """

    # EventEmitter's class-level default would hide the compiled slot; put the slot first.
    _events = SocketCore._events

    # Per-instance state whose initial value is immutable starts as these class attributes
    # (fewer stores per Socket; none of them is a SocketCore slot, see
    # tests/net/test_socket_core.py).
    connecting = False
    _attempts = None  # connect.Attempts while trying several addresses
    _host = None
    _timeout_ms = 0
    _peername = None
    _sockname = None
    _paused = None  # kPaused (pause() called)
    _r_ended = False  # EOF pushed
    _end_emitted = False
    _readable_listening = False
    _need_readable = False
    _emitted_readable = False
    _resume_scheduled = False
    _corked = 0
    _ending = False
    _finished = False
    _final_called = False
    _after_write_cbs = None
    _fin_received = False  # 'end' seen without allowHalfOpen: writeAfterFIN
    _errored = None
    _error_emitted = False
    _close_emitted = False
    _reset_on_close = False
    server = None
    _server = None
    _onread_buf = None
    _context = None       # the contextvars.Context of its handle's events (see _attach)
    _closed_before_connection = False   # destroyed while connecting, with writes queued
    _bytes_before_connection = 0

    def __init__(self, options: Any = None) -> None:
        super().__init__()
        if _nc.is_number(options):
            options = {"fd": options}
        elif isinstance(options, Mapping):
            options = dict(options)
        else:
            # Node spreads whatever else it is given ({...options}): a string, an array, a
            # boolean or undefined gives no option of its own, and no error
            options = {}
        if options.get("objectMode"):
            raise ERR_INVALID_ARG_VALUE("options.objectMode", options["objectMode"], "is not supported")
        self._loop = _nc.get_loop()
        self._ts = _nc.tick_state(self._loop)
        self._ticks = self._ts.ticks
        kaid = options.get("keepAliveInitialDelay")
        if kaid is not None:
            if not _nc.is_number(kaid):
                raise ERR_INVALID_ARG_TYPE("options.keepAliveInitialDelay", "number", kaid)
            kaid = max(kaid, 0)
        self._handle = None
        self._timer = None
        self.allowHalfOpen = bool(options.get("allowHalfOpen"))
        hwm = options.get("highWaterMark")
        self._rhwm = options.get("readableHighWaterMark", hwm if hwm is not None else DEFAULT_HWM)
        self._whwm = options.get("writableHighWaterMark", hwm if hwm is not None else DEFAULT_HWM)
        # readable state
        self._rbuf: collections.deque = collections.deque()
        self._rlen = 0
        self._flowing = None            # None: no mode yet, True: flowing, False: paused
        self._r_reading = False         # _read called and no push since
        self._decoder = None
        self._r_enabled = options.get("readable", True) is not False
        self._w_enabled = options.get("writable", True) is not False
        # writable state
        self._wlen = 0
        self._pending: list = []        # (bytes, cb) not given to the handle yet
        self._need_drain = False
        self._end_cbs: list = []
        self._bytes_dispatched = 0
        self._bytes_read = 0
        # destroy state
        self.destroyed = False
        self._no_delay = bool(options.get("noDelay"))
        self._onread = _onread_option(options.get("onread"))
        self._keep_alive = bool(options.get("keepAlive"))
        self._ka_delay = max(0, _nc.int32((kaid or 0) / 1000))    # Node: ~~(delay / 1000)
        handle = options.get("handle")
        if handle is None and options.get("fd") is not None:
            handle = handle_for_fd(self._loop, options["fd"])
        if handle is not None:
            self._attach(handle)
            if self._r_enabled:
                if options.get("pauseOnCreate"):
                    self._flowing = False
                else:
                    self.read(0)
        signal = options.get("signal")
        if signal is not None:
            _nc.validate_abort_signal(signal, "options.signal")
            if signal.aborted:
                self._next_tick(self._on_abort, signal)
            else:
                signal.once("abort", lambda *_: self._on_abort(signal))

    def _on_abort(self, signal) -> None:
        err = node_error("ABORT_ERR", "The operation was aborted")
        err.name = "AbortError"
        err.cause = signal.reason
        self.destroy(err)

    # -- handle wiring ---------------------------------------------------------------------

    def _attach(self, handle) -> None:
        # contextvars: the handle's events (and so the listeners they emit) run in the context
        # of connect() (set there), of the server for an accepted socket (set on the handle by
        # the server, a copy per connection), else of the code that made the socket.
        ctx = self._context
        if ctx is None:
            ctx = handle.context
            if ctx is None:
                ctx = contextvars.copy_context()
            self._context = ctx
        handle.context = ctx
        self._handle = handle
        self._sockname = None
        handle.on_read = self._on_read
        handle.set_core(self)
        handle.on_eof = self._on_eof
        handle.on_error = self._on_read_error
        handle.on_write_done = self._on_write_done
        handle.on_shutdown = self._on_shutdown
        handle.on_connect = self._on_connect
        if self._onread is not None:
            handle.on_buffer = self._onread_buffer
            handle.on_buffer_filled = self._onread_filled
            if self._onread_buf is None:
                self._next_onread_buffer()
        self._upd()

    # -- the onread option: reads go into the user's buffer, no 'data' events ---------------

    def _next_onread_buffer(self) -> None:
        """The buffer for the next read: Node asks a generator once up front and again after
        every callback."""
        buf = self._onread[0]
        self._onread_buf = buf() if callable(buf) else buf

    def _onread_buffer(self, size_hint: int):
        return self._onread_buf

    def _onread_filled(self, nread: int) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        self._bytes_read += nread
        if self._timer is not None:
            self._timer.again()
        self._r_reading = False
        try:
            if self._onread[1](nread, self._onread_buf) is False and self._handle is not None:
                self._handle.read_stop()
        finally:
            if callable(self._onread[0]):
                self._next_onread_buffer()
        if ts.ticks:
            ts.drain_all()

    def pause(self) -> "Socket":
        """Stop ``'data'`` events (with ``onread``: stop reading into the buffer too)."""
        if (self._onread is not None and not self.connecting and self._handle is not None
                and self._handle.reading and not self.destroyed):
            self._handle.read_stop()
        return super().pause()

    def resume(self) -> "Socket":
        """Switch to flowing mode (with ``onread``: start reading into the buffer again)."""
        if (self._onread is not None and not self.connecting and self._handle is not None
                and not self._handle.reading and not self._handle.closed):
            self._read_()
        return super().resume()

    def _upd(self) -> None:
        """Recompute the write fast-path flag (connected, nothing buffered, not corked,
        not ending, not destroyed or errored, no FIN without allowHalfOpen)."""
        self._wfast = (self._handle is not None and not self.connecting and not self._pending
                       and not self._corked and not self._ending and not self.destroyed
                       and self._errored is None and not self._fin_received)


    @property
    def _is_pipe(self) -> bool:
        return isinstance(self._handle, PipeHandle)

    # -- reading: libuv callbacks ------------------------------------------------------------

    def _on_eof(self) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        if self._timer is not None:
            self._timer.again()
        if not self._end_emitted:
            self._push_eof()
            self.read(0)
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def _on_read_error(self, exc: BaseException) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        self.destroy(system_error(exc, "read") if isinstance(exc, OSError) else exc)
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    # -- destroy -------------------------------------------------------------------------------

    def destroy(self, error: Any = None) -> "Socket":
        """Close the socket now; ``'error'`` (if ``error``) then ``'close'(hadError)``."""
        if self.destroyed:
            return self
        if error is not None and self._errored is None:
            self._errored = error
        self.destroyed = True
        self._wfast = False
        if self._pending or self._end_cbs:
            if self.connecting:
                # Node: writes (and end()) queued while connecting fail with
                # ERR_SOCKET_CLOSED_BEFORE_CONNECTION, whatever destroy() was given; the first
                # one stays counted in bytesWritten (it was handed to the handle's write path).
                self._closed_before_connection = True
                self._bytes_before_connection = len(self._pending[0][0]) if self._pending else 0
            self._next_tick(self._error_buffer)
        self.connecting = False
        if self._attempts is not None:
            self._attempts.cancel()
        if self._timer is not None:
            self._timer.close()
            self._timer = None
        h = self._handle
        if h is not None:
            is_exc = error is not None
            self._bytes_read_final = self._bytes_read
            h.on_close = lambda: self._emit_close(is_exc)
            if self._reset_on_close and isinstance(h, TCPHandle):
                h.close_reset()
            else:
                h.close()
            h.on_read = h.on_eof = h.on_error = None
            self._handle = None
            self._sockname = None
            if error is not None:
                self._next_tick(self._emit_error_nt, error)
        else:
            if error is not None:
                self._next_tick(self._emit_error_nt, error)
            self._next_tick(self._emit_close_nt)
        srv = self._server
        if srv is not None:
            srv._connections -= 1
            srv._emit_close_if_drained()
        return self

    def _emit_error_nt(self, err) -> None:
        if self._error_emitted:
            return
        self._error_emitted = True
        self.emit("error", err)

    def _emit_close(self, had_error: bool) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        self._close_emitted = True
        self.emit("close", had_error)
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def _emit_close_nt(self) -> None:
        self._close_emitted = True
        self.emit("close")

    def resetAndDestroy(self) -> "Socket":
        """Close with a TCP RST: the peer gets ECONNRESET."""
        if self._handle is not None:
            if not isinstance(self._handle, TCPHandle):
                raise ERR_INVALID_HANDLE_TYPE()
            if self.connecting:
                self.once("connect", self._reset)
            else:
                self._reset()
        else:
            self.destroy(ERR_SOCKET_CLOSED())
        return self

    def _reset(self) -> None:
        self._reset_on_close = True
        self.destroy()

    # -- connect -------------------------------------------------------------------------------

    def connect(self, *args) -> "Socket":
        """connect(options[, cb]) / connect(port[, host][, cb]) / connect(path[, cb])."""
        if len(args) == 1 and isinstance(args[0], _Normalized):
            options, cb = args[0].options, args[0].cb
        else:
            options, cb = normalize_args(args)
        if cb is not None:
            self.once("connect", cb)
        port = options.get("port", UNDEFINED)
        path = options.get("path")
        if port is UNDEFINED and path is None:
            raise ERR_MISSING_ARGS(["options", "port", "path"])
        if self.connecting:
            # Node tries again on the same handle: libuv answers EALREADY.
            self._next_tick(self.destroy, system_error("EALREADY", "connect"))
            return self
        if self.destroyed:
            self._reinit()
        self._context = contextvars.copy_context()
        if self._handle is not None:
            self._handle.context = self._context
        pipe = bool(path)
        if self._handle is None:
            self._attach(PipeHandle.create(self._loop) if pipe else TCPHandle.create(self._loop))
        if self._timer is not None:
            self._timer.again()
        self.connecting = True
        self._wfast = False
        try:
            if pipe:
                if not isinstance(path, str):
                    raise ERR_INVALID_ARG_TYPE("options.path", "string", path)
                self._internal_connect(path, None)
            else:
                self._lookup_and_connect(options)
        except Exception:
            # Invalid arguments: release the handle made above (Node's is collected).
            self.connecting = False
            if self._handle is not None and not self.destroyed:
                self._handle.close()
                self._handle = None
            raise
        return self

    def _reinit(self) -> None:
        # a socket connected again starts afresh, its byte counters included (Node: a new handle)
        self.destroyed = False
        self._bytes_read = self._bytes_dispatched = 0
        self._closed_before_connection = False
        self._bytes_before_connection = 0
        self._errored = None
        self._error_emitted = self._close_emitted = False
        self._r_ended = self._end_emitted = self._ending = self._finished = False
        self._final_called = False
        self._fin_received = False
        self._upd()
        self._rbuf.clear()
        self._rlen = 0
        self._wlen = 0
        self._peername = self._sockname = None

    def _lookup_and_connect(self, options: dict) -> None:
        host = options.get("host") or "localhost"
        port = options.get("port", UNDEFINED)
        local_address = options.get("localAddress")
        local_port = options.get("localPort")
        if local_address and not _nc.isIP(local_address):
            raise ERR_INVALID_IP_ADDRESS(local_address)
        if port is not UNDEFINED:
            if isinstance(port, bool) or not isinstance(port, (int, float, str)):
                self.connecting = False
                raise ERR_INVALID_ARG_TYPE("options.port", ["number", "string"], port)
            try:
                validate_port(port)
            except ERR_SOCKET_BAD_PORT:
                self.connecting = False
                raise
        port = _nc.int32(port if port is not UNDEFINED else 0)
        if _nc.isIP(host):
            self._next_tick(self._connect_if_connecting, host, port, local_address, local_port)
            return
        self._host = host
        family = {"IPv4": 4, "IPv6": 6}.get(options.get("family"), options.get("family") or 0)
        auto, attempt_timeout = _auto_select_options(options)
        want_all = auto and family not in (4, 6) and not local_address
        lookup = options.get("lookup")
        if lookup is not None:
            _nc.validate_function(lookup, "options.lookup")
        from .dns import lookup as dns_lookup

        def done(err, addresses):
            if not self.connecting:
                return
            if err is not None:
                self.emit("lookup", err, None, None, host)
                self._next_tick(self.destroy, err)
                return
            for a in addresses:
                self.emit("lookup", None, a["address"], a["family"], host)
                if not self.connecting:
                    return
            if self._timer is not None:
                self._timer.again()
            if len(addresses) > 1:
                self._attempts = _Attempts(self, addresses, port, local_port, attempt_timeout)
                self._attempts.next()
            else:
                self._internal_connect(addresses[0]["address"], port, local_address, local_port)

        def one(err, ip=None, fam=None):
            if err is None and not (isinstance(ip, str) and _nc.isIP(ip)):
                err = ERR_INVALID_IP_ADDRESS(ip)
                if self.connecting:
                    self._next_tick(self.destroy, err)
                return
            done(err, None if err is not None else [{"address": ip, "family": fam}])

        opts = {"family": family, "all": True} if want_all else {"family": family}
        if lookup is not None:
            def user_done(err, ip=None, fam=None):
                if want_all and isinstance(ip, list):
                    done(err, ip)
                else:
                    one(err, ip, fam)
            lookup(host, opts, user_done)
        else:
            dns_lookup(host, opts, done if want_all else one)

    def _connect_if_connecting(self, host, port, local_address, local_port) -> None:
        if self.connecting:
            self._internal_connect(host, port, local_address, local_port)

    def _internal_connect(self, address: str, port, local_address=None, local_port=None) -> None:
        err = self._attempt(address, port, _nc.isIP(address) if port is not None else None,
                            local_address, local_port)
        if err is not None:
            self.destroy(err)

    def _attempt(self, address: str, port, family, local_address=None, local_port=None):
        """Bind (localAddress/localPort) and start connecting: None, or the error (not yet
        delivered). TCP attempts are announced with ``'connectionAttempt'``."""
        h = self._handle
        self._connect_req = (address, port, family)
        if local_address or local_port:
            la = local_address or ("::" if ":" in address else "0.0.0.0")
            try:
                h.bind((la, local_port or 0))
            except OSError as exc:
                return system_error(exc, "bind", la, local_port)
        if port is not None:
            self.emit("connectionAttempt", address, port, family)
            if self._handle is not h or not self.connecting:
                return None
        try:
            h.connect(address if port is None else (address, port))
        except OSError as exc:
            additional = None
            if port is not None:
                try:
                    sn = h.getsockname()
                    additional = f"{sn[0]}:{sn[1]}"
                except (OSError, RuntimeError):
                    additional = None
            err = system_error(exc, "connect", address, port, additional=additional)
            if self._attempts is not None:
                self.emit("connectionAttemptFailed", address, port, family, err)
            return err
        return None

    def _fresh_handle(self) -> None:
        """A new TCP handle for the next address (the abandoned attempt's is closed)."""
        old = self._handle
        if old is not None:
            old.on_connect = old.on_read = old.on_eof = old.on_error = None
            old.on_write_done = old.on_shutdown = None
            old.set_core(None)
            old.close()
        self._attach(TCPHandle.create(self._loop))

    def _on_connect(self, exc) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        if not self.destroyed:
            self._after_connect(exc)
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def _after_connect(self, exc) -> None:
        self._sockname = None
        if exc is None:
            self.connecting = False
            if self._attempts is not None:
                self._attempts.succeeded()
            self._upd()
            if self._timer is not None:
                self._timer.again()
            h = self._handle
            if isinstance(h, TCPHandle):
                if self._no_delay:
                    h.set_nodelay(True)
                if self._keep_alive:
                    h.set_keepalive(True, self._ka_delay)
            self.emit("connect")
            # Node's first pending write waits on a 'connect' listener added by write(),
            # so the listeners added before it see the data still buffered.
            if self._pending and not self._corked and not self.destroyed:
                self._flush_pending()
            self._upd()
            self.emit("ready")
            if self._r_enabled and not self.isPaused():
                self.read(0)
        else:
            address, port, family = self._connect_req
            err = system_error(exc, "connect", address, port) if isinstance(exc, OSError) else exc
            self.emit("connectionAttemptFailed", address, U if port is None else port,
                      U if family is None else family, err)
            if self._attempts is not None:
                if not self.destroyed:
                    self._attempts.failed(err)
                return
            self.connecting = False
            self.destroy(err)

    # -- options ---------------------------------------------------------------------------

    def setTimeout(self, msecs: Any, callback: Callable | None = None) -> "Socket":
        """Emit ``'timeout'`` after ``msecs`` ms of inactivity (0 disables); returns the socket."""
        if self.destroyed:
            return self
        if isinstance(msecs, bool) or not isinstance(msecs, (int, float)):
            raise ERR_INVALID_ARG_TYPE("msecs", "number", msecs)
        if msecs != msecs or msecs < 0 or msecs == math.inf:
            raise ERR_OUT_OF_RANGE("msecs", "a non-negative finite number", msecs)
        self.timeout = msecs
        self._timeout_ms = msecs
        if msecs == 0:
            if self._timer is not None:
                self._timer.close()
                self._timer = None
            if callback is not None:
                _nc.validate_function(callback, "callback")
                self.removeListener("timeout", callback)
        else:
            if msecs > TIMEOUT_MAX:     # Node's getTimerDuration
                _emit_warning(f"{_number(msecs)} does not fit into a 32-bit signed integer.\n"
                              f"Timer duration was truncated to {TIMEOUT_MAX}.",
                              TimeoutOverflowWarning)
                msecs = TIMEOUT_MAX
            ms = max(1, int(msecs))
            if self._timer is None:
                self._timer = UVTimer.create(self._loop)
                self._timer.unref()
            self._timer.start(self._on_timeout, ms, ms)
            if callback is not None:
                _nc.validate_function(callback, "callback")
                self.once("timeout", callback)
        return self

    timeout = None

    def _on_timeout(self) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        t = self._timer
        if t is not None:
            t.stop()    # fires once per idle period; activity re-arms it (again())
        self.emit("timeout")
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def setNoDelay(self, noDelay: bool = True) -> "Socket":
        """TCP_NODELAY (``True`` when called without an argument); returns the socket."""
        enable = bool(noDelay)
        if self._handle is None:
            self._no_delay = enable
            return self
        if isinstance(self._handle, TCPHandle) and enable != self._no_delay:
            self._no_delay = enable
            try:
                self._handle.set_nodelay(enable)
            except (OSError, RuntimeError):
                pass
        return self

    def setKeepAlive(self, enable: bool = False, initialDelay: float = 0) -> "Socket":
        """SO_KEEPALIVE with an initial delay in ms (rounded down to seconds)."""
        enable = bool(enable)
        # Node: ~~(initialDelayMsecs / 1000), whatever the argument is (NaN gives 0)
        delay = max(0, _nc.int32(_nc.js_number(initialDelay) / 1000))
        if self._handle is None:
            self._keep_alive, self._ka_delay = enable, delay
            return self
        if not isinstance(self._handle, TCPHandle):
            return self
        if enable != self._keep_alive or (enable and self._ka_delay != delay):
            self._keep_alive, self._ka_delay = enable, delay
            try:
                self._handle.set_keepalive(enable, delay)
            except (OSError, RuntimeError):
                pass
        return self

    def ref(self) -> "Socket":
        """Keep the process alive while this socket is open (the default)."""
        if self._handle is None:
            self.once("connect", self.ref)
        else:
            self._handle.ref()
        return self

    def unref(self) -> "Socket":
        """Let the process exit even though this socket is open."""
        if self._handle is None:
            self.once("connect", self.unref)
        else:
            self._handle.unref()
        return self

    # -- addresses -------------------------------------------------------------------------

    def _getsockname(self) -> dict:
        h = self._handle
        if h is None or isinstance(h, PipeHandle):
            return {}
        if self._sockname is None:
            try:
                self._sockname = _addr_dict(h.getsockname())
            except (OSError, RuntimeError):
                return {}
        return self._sockname

    def _getpeername(self) -> dict:
        h = self._handle
        if h is None or isinstance(h, PipeHandle) or self.connecting:
            return self._peername or {}
        if self._peername is None:
            try:
                self._peername = _addr_dict(h.getpeername())
            except (OSError, RuntimeError):
                return {}
        return self._peername

    def address(self) -> dict:
        """``{'address', 'family', 'port'}`` of the local end ({} for pipes / before connect)."""
        return dict(self._getsockname())

    @property
    def localAddress(self):
        return self._getsockname().get("address")

    @property
    def localPort(self):
        return self._getsockname().get("port")

    @property
    def localFamily(self):
        return self._getsockname().get("family")

    @property
    def remoteAddress(self):
        return self._getpeername().get("address")

    @property
    def remotePort(self):
        return self._getpeername().get("port")

    @property
    def remoteFamily(self):
        return self._getpeername().get("family")

    @property
    def bytesRead(self) -> int:
        return self._bytes_read

    @property
    def bytesWritten(self) -> int:
        return (self._bytes_dispatched + self._bytes_before_connection
                + sum(len(d) for d, _ in self._pending))

    @property
    def pending(self) -> bool:
        return self._handle is None or self.connecting

    @property
    def _connecting(self) -> bool:
        """Node's legacy (undocumented, still used) name of ``connecting``."""
        return self.connecting

    @property
    def readyState(self) -> str:
        if self.connecting:
            return "opening"
        r, w = self.readable, self.writable
        if r and w:
            return "open"
        if r:
            return "readOnly"
        if w:
            return "writeOnly"
        return "closed"

    def __repr__(self) -> str:
        return f"<nixloop.net.Socket {self.readyState} {self._handle!r}>"


Stream = Socket
