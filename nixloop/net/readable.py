"""The readable half of :class:`nixloop.net.Socket`: Node 20's ``Readable`` state machine
(``internal/streams/readable.js``) reduced to what a socket needs: flowing and paused
modes, ``'data'``/``'readable'``/``'end'``, ``read([size])``, ``setEncoding``,
``pipe``/``unpipe`` with backpressure and ``async for``.  The state lives on the socket
(initialised by ``Socket.__init__``); reading from the handle is ``Socket._read_``.
"""

from __future__ import annotations

import math
from typing import Any

from . import common as _nc
from ..errors import system_error
from ..events import EventEmitter

__all__ = ["ReadableSide"]


class ReadableSide(EventEmitter):
    """Readable-stream methods shared by the net sockets (see the module doc)."""

    _next_tick = _nc.next_tick_method

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
            self._next_tick(self._emit_readable_now)

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
            self._next_tick(self._end_readable_nt)

    def _end_readable_nt(self) -> None:
        if (self._errored is None and not self._close_emitted and not self._end_emitted
                and self._rlen == 0):
            self._end_emitted = True
            if not self.allowHalfOpen:
                self._fin_received = True
                self._upd()
            self.emit("end")
            if self.writable and not self.allowHalfOpen:
                self._next_tick(self.end)
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
                    self._next_tick(self.read, 0)
        return self

    def removeListener(self, type, listener):
        super().removeListener(type, listener)
        if type == "readable":
            self._next_tick(self._update_readable_listening)
        return self

    off = removeListener

    def removeAllListeners(self, *args):
        super().removeAllListeners(*args)
        if not args or args[0] == "readable":
            self._next_tick(self._update_readable_listening)
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
                self._next_tick(self._resume_nt)
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

