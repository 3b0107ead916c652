"""The message formats of the IPC channel (Node's lib/internal/child_process/serialization.js).

``'json'`` (the default): each message is one JSON text followed by ``'\\n'`` (JSON never has a
raw newline inside). Node's ``JSON.stringify``/``JSON.parse`` rules are followed where Python's
json module differs: no spaces, UTF-8 (not ``\\uXXXX`` escapes), ``NaN``/``Infinity`` become
``null`` on the way out and are refused on the way in, ``bytes`` go out as Node's
``Buffer.toJSON()`` (``{"type": "Buffer", "data": [...]}``), invalid UTF-8 from a peer is replaced
(U+FFFD) as Node's StringDecoder does.

``'advanced'``: each message is a 4-byte big-endian length and a V8 ValueSerializer payload, the
format Node's ``serialization: 'advanced'`` uses; see :mod:`._v8`.

A codec's ``feed(data)`` returns the messages completed by ``data``; a message that cannot be
decoded comes back as a :class:`BadMessage` in its place (the following ones still arrive: the
framing stays in step). A message larger than :data:`MAX_MESSAGE_SIZE` is refused by ``encode``
and, from a peer, ends the channel (``feed`` raises :class:`MessageTooLarge`): Node has no limit,
and a peer that never ends its message would make the reader buffer without bound.
"""

from __future__ import annotations

import json
import math

from . import _v8

__all__ = ["MAX_MESSAGE_SIZE", "BadMessage", "MessageTooLarge", "codec_for", "SERIALIZATIONS"]

MAX_MESSAGE_SIZE = 64 * 1024 * 1024
"""Bytes one serialized message may have (both directions)."""

SERIALIZATIONS = ("json", "advanced")


class MessageTooLarge(ValueError):
    """A message over MAX_MESSAGE_SIZE (``size`` is its length, or at least that much)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"an IPC message of {size} bytes or more is over the limit of "
                         f"{MAX_MESSAGE_SIZE} bytes")
        self.size = size


class BadMessage:
    """A message from the peer that could not be decoded (``error`` says why)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


# -- JSON ---------------------------------------------------------------------------------------

def _json_default(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"type": "Buffer", "data": list(bytes(value))}
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _without_nan(value):
    """JSON.stringify's NaN/Infinity -> null, for the rare message that has them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_nan(v) for v in value]
    return value


def _refuse_constant(name):
    raise ValueError(f"Unexpected token {name[0]} in JSON (NaN/Infinity are not JSON)")


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                          default=_json_default).encode
_loads = json.JSONDecoder(parse_constant=_refuse_constant).decode


class JsonCodec:
    """Newline-delimited JSON."""

    name = "json"

    def __init__(self) -> None:
        self._buf = bytearray()

    @staticmethod
    def encode(message) -> bytes:
        try:
            text = _dumps(message)
        except ValueError:
            text = _dumps(_without_nan(message))
        data = text.encode("utf-8", "surrogatepass") + b"\n"
        if len(data) > MAX_MESSAGE_SIZE:
            raise MessageTooLarge(len(data))
        return data

    @property
    def buffering(self) -> bool:
        """Part of a message has been read."""
        return bool(self._buf)

    def feed(self, data: bytes) -> list:
        end = data.rfind(b"\n")
        if end < 0:
            self._buf += data
            if len(self._buf) > MAX_MESSAGE_SIZE:
                raise MessageTooLarge(len(self._buf))
            return []
        if self._buf:
            self._buf += data[:end]
            block = bytes(self._buf)
        else:
            block = data[:end]
        rest = data[end + 1:]
        if len(rest) > MAX_MESSAGE_SIZE:
            raise MessageTooLarge(len(rest))
        self._buf = bytearray(rest)
        out = []
        for line in block.split(b"\n"):
            if len(line) >= MAX_MESSAGE_SIZE:
                raise MessageTooLarge(len(line) + 1)
            try:
                out.append(_loads(line.decode("utf-8", "replace")))
            except ValueError as exc:
                out.append(BadMessage(exc))
        return out


# -- V8 ('advanced') ----------------------------------------------------------------------------

class AdvancedCodec:
    """Length-prefixed V8 ValueSerializer messages."""

    name = "advanced"

    def __init__(self) -> None:
        self._buf = bytearray()

    @staticmethod
    def encode(message) -> bytes:
        payload = _v8.serialize(message)
        if len(payload) + 4 > MAX_MESSAGE_SIZE:
            raise MessageTooLarge(len(payload) + 4)
        return len(payload).to_bytes(4, "big") + payload

    @property
    def buffering(self) -> bool:
        return bool(self._buf)

    def feed(self, data: bytes) -> list:
        buf = self._buf
        buf += data
        out = []
        pos = 0
        n = len(buf)
        while n - pos >= 4:
            size = int.from_bytes(buf[pos:pos + 4], "big")
            if size + 4 > MAX_MESSAGE_SIZE:
                raise MessageTooLarge(size + 4)
            if n - pos - 4 < size:
                break
            payload = bytes(buf[pos + 4:pos + 4 + size])
            pos += 4 + size
            try:
                out.append(_v8.deserialize(payload))
            except ValueError as exc:
                out.append(BadMessage(exc))
        if pos:
            del buf[:pos]
        return out


def codec_for(serialization: str):
    """A new codec for ``'json'`` or ``'advanced'``."""
    return AdvancedCodec() if serialization == "advanced" else JsonCodec()
