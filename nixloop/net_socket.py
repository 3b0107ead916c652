"""``net.Socket``: Node's duplex TCP / Unix-socket stream on the compiled handles.

The readable and writable halves follow Node 20's stream state machines
(``internal/streams/readable.js`` / ``writable.js``) closely enough that the
events come in Node's order: ``connect``, ``ready``, ``data``, ``end``,
``finish``, ``close(hadError)``, with ``'drain'`` after a ``write()`` that
returned ``False``.  Deferred work uses :func:`nixloop.net_common.next_tick`
(``process.nextTick``).

Hot path (echo): ``on_read(data)`` -> ``emit('data', data)`` when flowing with
an empty buffer -> user ``write(data)`` -> ``handle.write(data)`` (``uv_try_write``);
no asyncio machinery and no copy in between.
"""

from __future__ import annotations

import collections
import errno as _errno
import math
import os
import socket as _socket
import stat
from typing import Any, Callable

from . import net_common as _nc
from ._loop import PipeHandle, TCPHandle, UVTimer
from .errors import (ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_INVALID_FD_TYPE,
                     ERR_INVALID_HANDLE_TYPE, ERR_INVALID_IP_ADDRESS, ERR_MISSING_ARGS,
                     ERR_OUT_OF_RANGE, ERR_SOCKET_BAD_PORT, ERR_SOCKET_CLOSED,
                     ERR_SOCKET_CLOSED_BEFORE_CONNECTION, ERR_STREAM_ALREADY_FINISHED,
                     ERR_STREAM_DESTROYED, ERR_STREAM_NULL_VALUES, ERR_STREAM_WRITE_AFTER_END,
                     UNDEFINED, node_error, system_error)
from .events import EventEmitter
from .net_common import next_tick

__all__ = ["Socket", "Stream"]

_NOTHING = object()
DEFAULT_HWM = 16384


def _addr_dict(t) -> dict:
    host = t[0]
    return {"address": host, "family": "IPv6" if ":" in host else "IPv4", "port": t[1]}


def handle_for_fd(loop, fd: int):
    """A TCPHandle or PipeHandle for a socket fd (Node's guessHandleType), or raise
    ERR_INVALID_FD_TYPE."""
    try:
        st = os.fstat(fd)
    except OSError as exc:
        raise system_error(exc, "open") from None
    if not stat.S_ISSOCK(st.st_mode):
        kind = "FILE" if stat.S_ISREG(st.st_mode) else ("PIPE" if stat.S_ISFIFO(st.st_mode) else "UNKNOWN")
        if kind == "PIPE":
            return PipeHandle.from_fd(loop, fd)
        raise ERR_INVALID_FD_TYPE(kind)
    s = _socket.socket(fileno=os.dup(fd))
    try:
        family, stype = s.family, s.type
    finally:
        s.close()
    if stype != _socket.SOCK_STREAM:
        raise ERR_INVALID_FD_TYPE("UDP" if stype == _socket.SOCK_DGRAM else "UNKNOWN")
    if family == _socket.AF_UNIX:
        return PipeHandle.from_fd(loop, fd)
    return TCPHandle.from_fd(loop, fd)


def validate_port(port: Any, name: str = "Port", allow_zero: bool = True) -> int:
    """Node's validatePort: numbers and numeric strings in [0, 65536)."""
    if isinstance(port, bool) or not isinstance(port, (int, float, str)) or (
            isinstance(port, str) and port.strip() == ""):
        raise ERR_SOCKET_BAD_PORT(name, port, allow_zero)
    n = _nc.js_number(port)
    if n != n or n < 0 or n > 0xFFFF or n != int(n) or (n == 0 and not allow_zero):
        raise ERR_SOCKET_BAD_PORT(name, port, allow_zero)
    return int(n)


def normalize_args(args: tuple) -> tuple[dict, Callable | None]:
    """net.js's normalizeArgs: (options, cb) from the positional forms."""
    if not args:
        return {}, None
    arg0 = args[0]
    if isinstance(arg0, dict):
        options = arg0
    elif isinstance(arg0, str) and _nc.to_number(arg0) is False:
        options = {"path": arg0}
    else:
        options = {"port": arg0}
        if len(args) > 1 and isinstance(args[1], str):
            options["host"] = args[1]
    cb = args[-1]
    return options, (cb if callable(cb) and not isinstance(cb, (dict, type)) else None)


class Socket(EventEmitter):
    """A TCP or Unix stream socket with Node's ``net.Socket`` API (see the module doc).

    ``Socket(options=None)``: ``allowHalfOpen``, ``readable``, ``writable``, ``fd``,
    ``handle`` (a TCPHandle/PipeHandle), ``highWaterMark`` (also ``readableHighWaterMark``
    / ``writableHighWaterMark``), ``noDelay``, ``keepAlive``, ``keepAliveInitialDelay``,
    ``signal``, ``pauseOnCreate``.
    """

    def __init__(self, options: Any = None) -> None:
        super().__init__()
        if isinstance(options, int) and not isinstance(options, bool):
            options = {"fd": options}
        options = dict(options or {})
        if options.get("objectMode"):
            raise ERR_INVALID_ARG_VALUE("options.objectMode", options["objectMode"], "is not supported")
        self._loop = _nc.get_loop()
        self._ts = _nc.tick_state(self._loop)
        kaid = options.get("keepAliveInitialDelay")
        if kaid is not None:
            if not _nc.is_number(kaid):
                raise ERR_INVALID_ARG_TYPE("options.keepAliveInitialDelay", "number", kaid)
            kaid = max(kaid, 0)
        self.connecting = False
        self._handle = None
        self._host = None
        self._timer = None
        self._timeout_ms = 0
        self._peername = None
        self._sockname = None
        self.allowHalfOpen = bool(options.get("allowHalfOpen"))
        hwm = options.get("highWaterMark")
        self._rhwm = options.get("readableHighWaterMark", hwm if hwm is not None else DEFAULT_HWM)
        self._whwm = options.get("writableHighWaterMark", hwm if hwm is not None else DEFAULT_HWM)
        # readable state
        self._rbuf: collections.deque = collections.deque()
        self._rlen = 0
        self._flowing = None            # None: no mode yet, True: flowing, False: paused
        self._paused = None             # kPaused (pause() called)
        self._r_ended = False           # EOF pushed
        self._end_emitted = False
        self._r_reading = False         # _read called and no push since
        self._readable_listening = False
        self._need_readable = False
        self._emitted_readable = False
        self._resume_scheduled = False
        self._decoder = None
        self._r_enabled = options.get("readable", True) is not False
        self._w_enabled = options.get("writable", True) is not False
        # writable state
        self._wlen = 0
        self._pending: list = []        # (bytes, cb) not given to the handle yet
        self._corked = 0
        self._ending = False
        self._finished = False
        self._final_called = False
        self._need_drain = False
        self._end_cbs: list = []
        self._bytes_dispatched = 0
        self._bytes_read = 0
        self._after_write_cbs: list | None = None
        self._fin_received = False      # 'end' seen without allowHalfOpen: writeAfterFIN
        # destroy state
        self.destroyed = False
        self._errored = None
        self._error_emitted = False
        self._close_emitted = False
        self._reset_on_close = False
        self.server = None
        self._server = None
        self._no_delay = bool(options.get("noDelay"))
        self._keep_alive = bool(options.get("keepAlive"))
        self._ka_delay = int((kaid or 0) / 1000)
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
                next_tick(self._on_abort, signal)
            else:
                signal.once("abort", lambda *_: self._on_abort(signal))

    def _on_abort(self, signal) -> None:
        err = node_error("ABORT_ERR", "The operation was aborted")
        err.name = "AbortError"
        err.cause = signal.reason
        self.destroy(err)

    # -- handle wiring ---------------------------------------------------------------------

    def _attach(self, handle) -> None:
        self._handle = handle
        self._sockname = None
        handle.on_read = self._on_read
        handle.on_eof = self._on_eof
        handle.on_error = self._on_read_error
        handle.on_write_done = self._on_write_done
        handle.on_shutdown = self._on_shutdown
        handle.on_connect = self._on_connect

    @property
    def _is_pipe(self) -> bool:
        return isinstance(self._handle, PipeHandle)

    # -- reading: libuv callbacks ------------------------------------------------------------

    def _on_read(self, data: bytes) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        self._bytes_read += len(data)
        if self._timer is not None:
            self._timer.again()
        self._r_reading = False
        if self._flowing and not self._rlen and self._decoder is None:
            self.emit("data", data)
        elif not self.destroyed:
            if not self._push(data) and self._handle is not None:
                self._handle.read_stop()
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

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

    # -- Readable ----------------------------------------------------------------------------

    def _push(self, chunk: Any) -> bool:
        """readableAddChunk: buffer or emit one chunk; False when over the high-water mark."""
        self._r_reading = False
        if self._r_ended:
            return False
        if self._decoder is not None and isinstance(chunk, (bytes, bytearray)):
            chunk = self._decoder.write(chunk)
            if not chunk:
                return self._rlen < self._rhwm
        if self._flowing and not self._rlen and self._events.get("data") is not None:
            self.emit("data", chunk)
        else:
            self._rlen += len(chunk)
            self._rbuf.append(chunk)
            if self._need_readable:
                self._emit_readable()
        return not self._r_ended and (self._rlen < self._rhwm or self._rlen == 0)

    def _push_eof(self) -> None:
        """onEofChunk."""
        self._r_reading = False
        if self._r_ended:
            return
        if self._decoder is not None:
            rest = self._decoder.end()
            if rest:
                self._rbuf.append(rest)
                self._rlen += len(rest)
        self._r_ended = True
        self._need_readable = False
        self._emitted_readable = True
        self._emit_readable_now()

    def _emit_readable(self) -> None:
        self._need_readable = False
        if not self._emitted_readable:
            self._emitted_readable = True
            next_tick(self._emit_readable_now)

    def _emit_readable_now(self) -> None:
        if not self.destroyed and self._errored is None and (self._rlen or self._r_ended):
            self.emit("readable")
            self._emitted_readable = False
        self._need_readable = (not self._flowing and not self._r_ended and self._rlen <= self._rhwm)
        self._flow()

    def _flow(self) -> None:
        while self._flowing and self.read() is not None:
            pass

    def _how_much(self, n: float) -> int:
        if n <= 0 or (self._rlen == 0 and self._r_ended):
            return 0
        if n != n:
            if self._flowing and self._rlen:
                return len(self._rbuf[0])
            return self._rlen
        if n <= self._rlen:
            return int(n)
        return self._rlen if self._r_ended else 0

    def _take(self, n: int):
        buf = self._rbuf
        first = buf[0]
        if n >= self._rlen:
            if len(buf) == 1:
                buf.clear()
                self._rlen = 0
                return first
            out = first[:0].join(buf)
            buf.clear()
            self._rlen = 0
            return out
        parts = []
        need = n
        while need:
            c = buf[0]
            if len(c) <= need:
                parts.append(buf.popleft())
                need -= len(c)
            else:
                parts.append(c[:need])
                buf[0] = c[need:]
                need = 0
        self._rlen -= n
        return parts[0] if len(parts) == 1 else first[:0].join(parts)

    def read(self, size: Any = None):
        """Read ``size`` bytes (all buffered data without size) or None (Readable.read)."""
        n = math.nan if size is None else size
        if n != n:
            pass
        elif not isinstance(n, (int, float)) or isinstance(n, bool):
            n = _nc.js_number(n)
        elif n > self._rhwm:
            self._rhwm = 1 << (int(n) - 1).bit_length()
        n_orig = n
        if n != 0:
            self._emitted_readable = False
        if n == 0 and self._need_readable and (
                (self._rlen >= self._rhwm if self._rhwm else self._rlen > 0) or self._r_ended):
            if self._rlen == 0 and self._r_ended:
                self._end_readable()
            else:
                self._emit_readable()
            return None
        n = self._how_much(n)
        if n == 0 and self._r_ended:
            if self._rlen == 0:
                self._end_readable()
            return None
        do_read = self._need_readable
        if self._rlen == 0 or self._rlen - n < self._rhwm:
            do_read = True
        if self._r_ended or self._r_reading or self.destroyed or self._errored is not None:
            do_read = False
        elif do_read:
            self._r_reading = True
            if self._rlen == 0:
                self._need_readable = True
            self._read_()
            if not self._r_reading:
                n = self._how_much(n_orig)
        ret = self._take(n) if n > 0 and self._rlen else None
        if ret is None:
            self._need_readable = self._rlen <= self._rhwm
            n = 0
        if self._rlen == 0:
            if not self._r_ended:
                self._need_readable = True
            if n_orig != n and self._r_ended:
                self._end_readable()
        if ret is not None and not self._error_emitted and not self._close_emitted:
            self.emit("data", ret)
        return ret

    def _read_(self) -> None:
        """Socket._read: make sure the handle reads (after connect if still connecting)."""
        if self.connecting or self._handle is None:
            if not self.destroyed:
                self.once("connect", self._read_)
            return
        h = self._handle
        if not h.reading and not h.closed:
            try:
                h.read_start()
            except OSError as exc:
                self.destroy(system_error(exc, "read"))

    def _end_readable(self) -> None:
        if not self._end_emitted:
            self._r_ended = True
            next_tick(self._end_readable_nt)

    def _end_readable_nt(self) -> None:
        if (self._errored is None and not self._close_emitted and not self._end_emitted
                and self._rlen == 0):
            self._end_emitted = True
            if not self.allowHalfOpen:
                self._fin_received = True
            self.emit("end")
            if self.writable and not self.allowHalfOpen:
                next_tick(self.end)
            elif self._finished or not self._w_enabled:
                self.destroy()

    def _add(self, type, listener, prepend):
        super()._add(type, listener, prepend)
        if type == "data":
            self._readable_listening = self.listenerCount("readable") > 0
            if self._flowing is not False:
                self.resume()
        elif type == "readable":
            if not self._end_emitted and not self._readable_listening:
                self._readable_listening = self._need_readable = True
                self._flowing = False
                self._emitted_readable = False
                if self._rlen:
                    self._emit_readable()
                elif not self._r_reading:
                    next_tick(self.read, 0)
        return self

    def removeListener(self, type, listener):
        super().removeListener(type, listener)
        if type == "readable":
            next_tick(self._update_readable_listening)
        return self

    off = removeListener

    def removeAllListeners(self, *args):
        super().removeAllListeners(*args)
        if not args or args[0] == "readable":
            next_tick(self._update_readable_listening)
        return self

    def _update_readable_listening(self) -> None:
        self._readable_listening = self.listenerCount("readable") > 0
        if self._resume_scheduled and self._paused is False:
            self._flowing = True
        elif self.listenerCount("data") > 0:
            self.resume()
        elif not self._readable_listening:
            self._flowing = None

    def resume(self) -> "Socket":
        """Switch to flowing mode (``'data'`` events)."""
        if not self._flowing:
            self._flowing = not self._readable_listening
            if not self._resume_scheduled:
                self._resume_scheduled = True
                next_tick(self._resume_nt)
        self._paused = False
        return self

    def _resume_nt(self) -> None:
        if not self._r_reading:
            self.read(0)
        self._resume_scheduled = False
        self.emit("resume")
        self._flow()
        if self._flowing and not self._r_reading:
            self.read(0)

    def pause(self) -> "Socket":
        """Stop ``'data'`` events; data is buffered (reading stops at the high-water mark)."""
        if self._flowing is not False:
            self._flowing = False
            self.emit("pause")
        self._paused = True
        return self

    def isPaused(self) -> bool:
        return self._paused is True or self._flowing is False

    def setEncoding(self, encoding: str = "utf8") -> "Socket":
        """Emit ``str`` chunks decoded with ``encoding`` (utf8, hex, base64, latin1, ...)."""
        enc = _nc.normalize_encoding(encoding)
        self._decoder = _nc.StringDecoder(enc)
        self.readableEncoding = encoding
        if self._rbuf:
            data = b"".join(c if isinstance(c, bytes) else c.encode() for c in self._rbuf)
            text = self._decoder.write(data)
            self._rbuf.clear()
            if text:
                self._rbuf.append(text)
            self._rlen = len(text)
        return self

    readableEncoding = None

    def pipe(self, dest, options: dict | None = None):
        """Pipe data to a writable ``dest`` with backpressure; ``dest.end()`` on ``'end'``
        unless ``options={'end': False}``. Returns ``dest``."""
        end = True if options is None else options.get("end", True) is not False
        pipes = self.__dict__.setdefault("_pipes", [])
        src = self

        def ondata(chunk):
            if dest.write(chunk) is False:
                src.pause()

        def ondrain(*_):
            if src.isPaused() and not getattr(src, "_rlen", 0) >= 0 or True:
                src.resume()

        def onend(*_):
            dest.end()

        def cleanup(*_):
            src.removeListener("data", ondata)
            dest.removeListener("drain", ondrain)
            src.removeListener("end", onend)
            dest.removeListener("close", cleanup)

        self.on("data", ondata)
        dest.on("drain", ondrain)
        if end:
            self.once("end", onend)
        dest.once("close", cleanup)
        pipes.append((dest, cleanup))
        if hasattr(dest, "emit"):
            dest.emit("pipe", self)
        if not self._flowing:
            self.resume()
        return dest

    def unpipe(self, dest=None) -> "Socket":
        pipes = self.__dict__.get("_pipes", [])
        for item in list(pipes):
            if dest is None or item[0] is dest:
                item[1]()
                pipes.remove(item)
                if hasattr(item[0], "emit"):
                    item[0].emit("unpipe", self)
        if not pipes and self.listenerCount("data") == 0:
            self.pause()
        return self

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        """``async for chunk in socket``: chunks until 'end'; an error is raised."""
        loop = self._loop
        state = {"fut": None, "err": None, "done": False}

        def wake(*_):
            fut = state["fut"]
            if fut is not None and not fut.done():
                fut.set_result(None)

        def on_error(err):
            state["err"] = err
            wake()

        def on_end(*_):
            state["done"] = True
            wake()

        self.on("readable", wake)
        self.on("error", on_error)
        self.on("end", on_end)
        self.on("close", on_end)
        try:
            while True:
                chunk = self.read() if not self.destroyed else None
                if chunk is not None:
                    yield chunk
                    continue
                if state["err"] is not None:
                    raise state["err"]
                if state["done"] or self._end_emitted or self.destroyed:
                    if state["err"] is not None:
                        raise state["err"]
                    return
                state["fut"] = loop.create_future()
                await state["fut"]
                state["fut"] = None
        finally:
            self.removeListener("readable", wake)
            self.removeListener("error", on_error)
            self.removeListener("end", on_end)
            self.removeListener("close", on_end)
            if not state["done"] and not self.destroyed and state["err"] is None:
                self.destroy()

    # -- Writable ----------------------------------------------------------------------------

    def write(self, data: Any, encoding: Any = None, cb: Callable | None = None) -> bool:
        """Write ``data`` (bytes-like, or str with ``encoding``); False once the buffered bytes
        reach the high-water mark (then ``'drain'`` follows). ``cb(err)`` when flushed."""
        if (cb is None and encoding is None and type(data) is bytes and not self._pending
                and not self._corked and not self._ending and not self.destroyed
                and not self._fin_received and self._errored is None
                and not self.connecting and self._handle is not None):
            n = len(data)
            if self._timer is not None:
                self._timer.again()
            self._bytes_dispatched += n
            try:
                if self._handle.write(data, n):
                    return True
            except OSError as exc:
                self._wlen += n
                self._write_failed(system_error(exc, "write"), n, None, True)
                return False
            wlen = self._wlen = self._wlen + n
            if wlen < self._whwm:
                return True
            self._need_drain = True
            return False
        return self._write(data, encoding, cb)

    def _write(self, data: Any, encoding: Any, cb: Callable | None, from_end: bool = False):
        if callable(encoding) and cb is None:
            cb, encoding = encoding, None
        if self._fin_received and self._ending and not from_end:
            err = node_error("EPIPE", "This socket has been ended by the other party")
            if cb is not None:
                next_tick(cb, err)
            self.destroy(err)
            return False
        if data is None:
            raise ERR_STREAM_NULL_VALUES()
        if isinstance(data, str):
            data = _nc.encode(data, _nc.normalize_encoding(encoding))
        elif isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        elif not isinstance(data, bytes):
            raise ERR_INVALID_ARG_TYPE("chunk", ["string", "Buffer", "Uint8Array"], data)
        err = None
        if self._ending:
            err = ERR_STREAM_WRITE_AFTER_END()
        elif self.destroyed:
            err = ERR_STREAM_DESTROYED("write")
        if err is not None:
            if cb is not None:
                next_tick(cb, err)
            self._error_or_destroy(err)
            return False
        self._wlen += len(data)
        if self._corked or self.connecting or self._pending or self._errored is not None:
            self._pending.append((data, cb))
        else:
            self._dispatch(data, cb)
        ret = self._wlen < self._whwm or self._wlen == 0
        if not ret:
            self._need_drain = True
        return ret and self._errored is None and not self.destroyed

    def _dispatch(self, data: bytes, cb: Callable | None) -> None:
        """Give one chunk to the handle (Socket._writeGeneric)."""
        n = len(data)
        h = self._handle
        if h is None or h.closed:
            self._write_failed(ERR_SOCKET_CLOSED(), n, cb, True)
            return
        if self._timer is not None:
            self._timer.again()
        self._bytes_dispatched += n
        if n == 0:
            self._write_ok(0, cb, True)
            return
        try:
            done = h.write(data, (n, cb) if cb is not None else n)
        except OSError as exc:
            self._write_failed(system_error(exc, "write"), n, cb, True)
            return
        if done:
            self._write_ok(n, cb, True)

    def _write_ok(self, n: int, cb, sync: bool) -> None:
        self._wlen -= n
        if sync:
            need_tick = (self._need_drain and self._wlen == 0) or cb is not None
            if need_tick:
                info = self._after_write_cbs
                if info is None:
                    self._after_write_cbs = [cb]
                    next_tick(self._after_write_tick)
                else:
                    info.append(cb)
            elif self._ending:
                self._finish_maybe(True)
        else:
            self._after_write([cb])

    def _after_write_tick(self) -> None:
        cbs = self._after_write_cbs or []
        self._after_write_cbs = None
        self._after_write(cbs)

    def _after_write(self, cbs: list) -> None:
        if self._need_drain and not self._ending and not self.destroyed and self._wlen == 0:
            self._need_drain = False
            self.emit("drain")
        for cb in cbs:
            if cb is not None:
                cb(None)
        if self.destroyed:
            self._error_buffer()
        if self._ending:
            self._finish_maybe(True)

    def _write_failed(self, err, n: int, cb, sync: bool) -> None:
        self._wlen -= n
        if self._errored is None:
            self._errored = err
        if sync:
            next_tick(self._on_write_error, err, cb)
        else:
            self._on_write_error(err, cb)

    def _on_write_error(self, err, cb) -> None:
        if cb is not None:
            cb(err)
        self._error_buffer()
        self._error_or_destroy(err)

    def _error_buffer(self) -> None:
        pending, self._pending = self._pending, []
        err = self._errored
        for data, cb in pending:
            self._wlen -= len(data)
            if cb is not None:
                cb(err if err is not None else ERR_STREAM_DESTROYED("write"))
        cbs, self._end_cbs = self._end_cbs, []
        for cb in cbs:
            cb(err if err is not None else ERR_STREAM_DESTROYED("end"))

    def _error_or_destroy(self, err) -> None:
        if self.destroyed:
            return
        self.destroy(err)

    def _on_write_done(self, token, exc) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        if type(token) is int:
            n, cb = token, None
        else:
            n, cb = token
        if self.destroyed:
            self._wlen -= n
            if cb is not None:
                cb(None)
        elif exc is not None:
            self._write_failed(system_error(exc, "write") if isinstance(exc, OSError) else exc,
                               n, cb, False)
        else:
            if self._timer is not None:
                self._timer.again()
            if cb is None and not self._need_drain and not self._ending:
                self._wlen -= n
            else:
                self._write_ok(n, cb, False)
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def _flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        for i, (data, cb) in enumerate(pending):
            if self._errored is not None or self.destroyed:
                self._pending = pending[i:] + self._pending
                return
            self._dispatch(data, cb)

    def cork(self) -> None:
        """Buffer writes until uncork()."""
        self._corked += 1

    def uncork(self) -> None:
        if self._corked:
            self._corked -= 1
            if not self._corked and not self.connecting and self._handle is not None:
                self._flush_pending()

    @property
    def writableCorked(self) -> int:
        return self._corked

    def end(self, data: Any = None, encoding: Any = None, cb: Callable | None = None) -> "Socket":
        """Write ``data`` if given, then half-close after the queued writes ('finish')."""
        if callable(data):
            cb, data, encoding = data, None, None
        elif callable(encoding):
            cb, encoding = encoding, None
        err = None
        if data is not None:
            ret = self._write(data, encoding, None, True)
            if ret is False and (self._ending or self.destroyed):
                err = self._errored
        if self._corked:
            self._corked = 1
            self.uncork()
        if err is not None:
            pass
        elif not self._ending and self._errored is None:
            self._ending = True
            self._finish_maybe(True)
        elif self._finished:
            err = ERR_STREAM_ALREADY_FINISHED("end")
        elif self.destroyed:
            err = ERR_STREAM_DESTROYED("end")
        if cb is not None:
            if err is not None:
                next_tick(cb, err)
            elif self._errored is not None:
                next_tick(cb, self._errored)
            elif self._finished:
                next_tick(cb, None)
            else:
                self._end_cbs.append(cb)
        return self

    def _need_finish(self) -> bool:
        return (self._ending and not self.destroyed and not self._finished and self._wlen == 0
                and not self._pending and self._errored is None and not self._error_emitted
                and not self._close_emitted)

    def _finish_maybe(self, sync: bool) -> None:
        if self._need_finish() and not self._final_called:
            self._final_called = True
            self._final()

    def _final(self) -> None:
        """Socket._final: shutdown(2) the write side once connected."""
        if self.connecting or self._handle is None:
            self.once("connect", self._final)
            return
        h = self._handle
        if h is None or h.closed:
            self._on_final_done(None)
            return
        try:
            h.shutdown()
        except OSError as exc:
            if exc.errno == _errno.ENOTCONN:
                self._on_final_done(None)
            else:
                self._on_final_done(system_error(exc, "shutdown"))

    def _on_shutdown(self, exc) -> None:
        ts = self._ts
        if ts.ticks:
            ts.drain_all()
        if exc is not None and getattr(exc, "errno", None) in (_errno.ENOTCONN, _errno.ECANCELED):
            exc = None
        self._on_final_done(system_error(exc, "shutdown") if isinstance(exc, OSError) else exc)
        ts = self._ts
        if ts.ticks:
            ts.drain_all()

    def _on_final_done(self, err) -> None:
        if err is not None:
            self._error_buffer()
            self._error_or_destroy(err)
        elif self._need_finish():
            self.emit("prefinish")
            next_tick(self._finish)

    def _finish(self) -> None:
        if not self._need_finish():
            return
        self._finished = True
        cbs, self._end_cbs = self._end_cbs, []
        for cb in cbs:
            cb(None)
        self.emit("finish")
        if self._end_emitted or not self._r_enabled:
            self.destroy()

    def destroySoon(self) -> None:
        """end(), then destroy() once 'finish' happened."""
        if self.writable:
            self.end()
        if self._finished:
            self.destroy()
        else:
            self.once("finish", self.destroy)

    # -- stream properties ---------------------------------------------------------------------

    @property
    def readable(self) -> bool:
        return (self._r_enabled and not self.destroyed and not self._error_emitted
                and not self._end_emitted)

    @property
    def writable(self) -> bool:
        return self._w_enabled and not self.destroyed and self._errored is None and not self._ending

    @property
    def writableLength(self) -> int:
        return self._wlen

    @property
    def bufferSize(self):
        return self._wlen if self._handle is not None else None

    @property
    def writableHighWaterMark(self) -> int:
        return self._whwm

    @property
    def readableHighWaterMark(self) -> int:
        return self._rhwm

    @property
    def writableNeedDrain(self) -> bool:
        return self._need_drain and not self.destroyed and not self._ending

    @property
    def writableEnded(self) -> bool:
        return self._ending

    @property
    def writableFinished(self) -> bool:
        return self._finished

    @property
    def readableEnded(self) -> bool:
        return self._end_emitted

    @property
    def readableLength(self) -> int:
        return self._rlen

    @property
    def readableFlowing(self):
        return self._flowing

    @property
    def errored(self):
        return self._errored

    @property
    def closed(self) -> bool:
        return self._close_emitted

    # -- destroy -------------------------------------------------------------------------------

    def destroy(self, error: Any = None) -> "Socket":
        """Close the socket now; ``'error'`` (if ``error``) then ``'close'(hadError)``."""
        if self.destroyed:
            return self
        if error is not None and self._errored is None:
            self._errored = error
        self.destroyed = True
        if self._pending or self._end_cbs:
            next_tick(self._error_buffer)
        self.connecting = False
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
                next_tick(self._emit_error_nt, error)
        else:
            if error is not None:
                next_tick(self._emit_error_nt, error)
            next_tick(self._emit_close_nt)
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
            next_tick(self.destroy, system_error("EALREADY", "connect"))
            return self
        if self.destroyed:
            self._reinit()
        pipe = bool(path)
        if self._handle is None:
            self._attach(PipeHandle.create(self._loop) if pipe else TCPHandle.create(self._loop))
        if self._timer is not None:
            self._timer.again()
        self.connecting = True
        if pipe:
            if not isinstance(path, str):
                raise ERR_INVALID_ARG_TYPE("options.path", "string", path)
            self._internal_connect(path, None)
        else:
            self._lookup_and_connect(options)
        return self

    def _reinit(self) -> None:
        self.destroyed = False
        self._errored = None
        self._error_emitted = self._close_emitted = False
        self._r_ended = self._end_emitted = self._ending = self._finished = False
        self._final_called = False
        self._fin_received = False
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
            next_tick(self._connect_if_connecting, host, port, local_address, local_port)
            return
        self._host = host
        family = {"IPv4": 4, "IPv6": 6}.get(options.get("family"), options.get("family") or 0)
        lookup = options.get("lookup")
        if lookup is not None:
            _nc.validate_function(lookup, "options.lookup")
        from .net_dns import lookup as dns_lookup

        def done(err, addresses):
            if not self.connecting:
                return
            if err is not None:
                self.emit("lookup", err, None, None, host)
                next_tick(self.destroy, err)
                return
            for a in addresses:
                self.emit("lookup", None, a["address"], a["family"], host)
                if not self.connecting:
                    return
            # Node 20 tries the addresses in turn (happy eyeballs); we take the first one.
            ip = addresses[0]["address"]
            if self._timer is not None:
                self._timer.again()
            self._internal_connect(ip, port, local_address, local_port)

        if lookup is not None:
            def user_done(err, ip=None, fam=None):
                if isinstance(ip, list):
                    done(err, ip)
                else:
                    done(err, None if err is not None else [{"address": ip, "family": fam}])
            lookup(host, {"family": family, "all": True}, user_done)
        else:
            dns_lookup(host, {"family": family, "all": True}, done)

    def _connect_if_connecting(self, host, port, local_address, local_port) -> None:
        if self.connecting:
            self._internal_connect(host, port, local_address, local_port)

    def _internal_connect(self, address: str, port, local_address=None, local_port=None) -> None:
        h = self._handle
        self._connect_req = (address, port)
        if local_address or local_port:
            la = local_address or ("::" if ":" in address else "0.0.0.0")
            try:
                h.bind((la, local_port or 0))
            except OSError as exc:
                self.destroy(system_error(exc, "bind", la, local_port))
                return
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
            self.destroy(system_error(exc, "connect", address, port, additional=additional))

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
        self.connecting = False
        self._sockname = None
        if exc is None:
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
            self.emit("ready")
            if self._r_enabled and not self.isPaused():
                self.read(0)
        else:
            address, port = self._connect_req
            err = system_error(exc, "connect", address, port) if isinstance(exc, OSError) else exc
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
        delay = int((initialDelay or 0) / 1000)
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
        return self._bytes_dispatched + sum(len(d) for d, _ in self._pending)

    @property
    def pending(self) -> bool:
        return self._handle is None or self.connecting

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


class _Normalized:
    __slots__ = ("options", "cb")

    def __init__(self, options: dict, cb) -> None:
        self.options = options
        self.cb = cb


Stream = Socket
