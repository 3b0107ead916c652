"""The writable half of :class:`nixloop.net.Socket`: Node 20's ``Writable`` state machine
(``internal/streams/writable.js``) as a socket uses it: ``write`` with the high-water mark
and ``'drain'``, buffering before connect and while corked, ``end`` with ``_final``
(``shutdown(2)``) and ``'finish'``, the write callbacks' timing (next tick for writes
that completed at once), and the stream properties.  ``write()`` has a fast path for
``bytes`` on a connected socket: one flag test, then ``handle.write`` (``uv_try_write``).
"""

from __future__ import annotations

import errno as _errno
from typing import Any, Callable

from . import common as _nc
from ..errors import (ERR_INVALID_ARG_TYPE, ERR_SOCKET_CLOSED, ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
                     ERR_STREAM_ALREADY_FINISHED,
                     ERR_STREAM_DESTROYED, ERR_STREAM_NULL_VALUES, ERR_STREAM_WRITE_AFTER_END,
                     node_error, system_error)
from .readable import ReadableSide

__all__ = ["WritableSide"]


class WritableSide(ReadableSide):
    """Writable-stream methods of the net sockets (see the module doc)."""

    # write() itself is compiled (nixloop/_core/netsocket.pyx: SocketCore.write) and falls back to
    # _write() below for everything but a bytes write on an idle socket.

    def _write(self, data: Any, encoding: Any, cb: Callable | None, from_end: bool = False):
        if callable(encoding) and cb is None:
            cb, encoding = encoding, None
        if self._fin_received and self._ending and not from_end:
            err = node_error("EPIPE", "This socket has been ended by the other party")
            if cb is not None:
                self._next_tick(cb, err)
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
                self._next_tick(cb, err)
            self._error_or_destroy(err)
            return False
        self._wlen += len(data)
        if self._corked or self.connecting or self._pending or self._errored is not None:
            self._pending.append((data, cb))
            self._wfast = False
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
                    self._next_tick(self._after_write_tick)
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
            self._wfast = False
        if sync:
            self._next_tick(self._on_write_error, err, cb)
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
        if self._closed_before_connection:
            err = ERR_SOCKET_CLOSED_BEFORE_CONNECTION()
        for data, cb in pending:
            self._wlen -= len(data)
            if cb is not None:
                cb(err if err is not None else ERR_STREAM_DESTROYED("write"))
        cbs, self._end_cbs = self._end_cbs, []
        for cb in cbs:
            cb(err if err is not None else ERR_STREAM_DESTROYED("end"))
        self._upd()

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
        self._upd()

    def cork(self) -> None:
        """Buffer writes until uncork()."""
        self._corked += 1
        self._wfast = False

    def uncork(self) -> None:
        if self._corked:
            self._corked -= 1
            if not self._corked and not self.connecting and self._handle is not None:
                self._flush_pending()
            self._upd()

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
            self._wfast = False
            self._finish_maybe(True)
        elif self._finished:
            err = ERR_STREAM_ALREADY_FINISHED("end")
        elif self.destroyed:
            err = ERR_STREAM_DESTROYED("end")
        if cb is not None:
            if err is not None:
                self._next_tick(cb, err)
            elif self._errored is not None:
                self._next_tick(cb, self._errored)
            elif self._finished:
                self._next_tick(cb, None)
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
            self._next_tick(self._finish)

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

