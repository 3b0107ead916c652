"""Shared pieces of the ``net`` facade: the next-tick queue, the loop check,
argument coercion as JavaScript does it, IP address tests, string encodings,
and a small ``AbortController``/``AbortSignal``.

The next-tick queue is Node's ``process.nextTick``: callbacks queued with
:func:`next_tick` run before any further I/O callback.  Every libuv callback
of the facade drains the queue when it starts (ticks queued by code that ran
outside an I/O callback, for example the main function, come first in Node)
and when it ends (ticks queued by the callback itself).  Ticks queued outside
any I/O callback are also drained by one ``loop.call_soon`` (armed once per
batch), so they run even when no I/O follows.  A tick that raises stops the
drain and the exception propagates (Node's crash); the rest stay queued and
run on the next drain.
"""

from __future__ import annotations

import asyncio
import binascii
import codecs
import ipaddress
import math
import re
from typing import Any, Callable

from .._nodeenv import state_for
from ..errors import ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, UNDEFINED, node_error
from ..events import EventEmitter
from ..loop import Loop

__all__ = ["next_tick", "tick_state", "get_loop", "isIP", "isIPv4", "isIPv6",
           "AbortController", "AbortSignal", "js_number", "to_number"]

def tick_state(loop):
    """The loop's tick queue: the Node runtime's (nixloop._nodeenv, shared with
    ``process.nextTick``), so that the facade's deferred work and the user's ticks run in one
    FIFO, as in Node."""
    return state_for(loop)


def next_tick(fn: Callable, *args: Any) -> None:
    """Queue ``fn(*args)`` like ``process.nextTick`` on the running loop."""
    tick_state(asyncio.get_running_loop()).add_tick(fn, args)


def next_tick_method(self, fn: Callable, *args: Any) -> None:
    """``_next_tick`` of the sockets and servers: next_tick on the tick queue they keep in
    ``self._ts``, without asking asyncio for the running loop (on Python 3.11 and older that
    costs a getpid() syscall per call)."""
    self._ts.add_tick(fn, args)


_HOW_TO_RUN = ("nixloop.net needs a running nixloop event loop: run your code with "
               "nixloop.node.run(main) or asyncio.run(main(), loop_factory=nixloop.new_event_loop) "
               "(nixloop.run(main()) works too)")


def get_loop():
    """The running loop, which must be a nixloop loop (else a clear RuntimeError)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(_HOW_TO_RUN + "; no event loop is running") from None
    if not isinstance(loop, Loop):
        raise RuntimeError(_HOW_TO_RUN + f"; the running loop is {type(loop).__module__}."
                           f"{type(loop).__name__}")
    return loop


# -- JavaScript coercions --------------------------------------------------------------------

_JS_NUM = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Infinity)$")


def js_number(x: Any) -> float:
    """JavaScript's ``Number(x)`` for the Python twins of JS values."""
    if x is None:
        return 0.0
    if x is UNDEFINED:
        return math.nan
    if isinstance(x, bool):
        return 1.0 if x else 0.0
    if isinstance(x, float):
        return x
    if isinstance(x, int):
        try:
            return float(x)
        except OverflowError:       # beyond a double: JavaScript's number is +-Infinity
            return math.inf if x > 0 else -math.inf
    if isinstance(x, str):
        s = x.strip(" \t\n\r\v\f\u00a0\ufeff")
        if s == "":
            return 0.0
        low = s.lower()
        try:
            if low.startswith("0x"):
                return float(int(s[2:], 16))
            if low.startswith("0o"):
                return float(int(s[2:], 8))
            if low.startswith("0b"):
                return float(int(s[2:], 2))
        except ValueError:
            return math.nan
        if _JS_NUM.match(s):
            return float(s)
        return math.nan
    return math.nan


def to_number(x: Any):
    """net.js's ``toNumber``: ``Number(x)`` when it is >= 0, else False."""
    n = js_number(x)
    return n if n >= 0 else False


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def int32(x: float) -> int:
    """``x | 0``."""
    if isinstance(x, str):
        x = js_number(x)
    if x != x or x in (math.inf, -math.inf):
        return 0
    v = int(x) & 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


# -- IP addresses ---------------------------------------------------------------------------

_V4SEG = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_V4STR = rf"(?:{_V4SEG}\.){{3}}{_V4SEG}"
_IPV4 = re.compile(rf"^{_V4STR}$")
_V6SEG = r"(?:[0-9a-fA-F]{1,4})"
_IPV6 = re.compile(
    "^(?:"
    rf"(?:{_V6SEG}:){{7}}(?:{_V6SEG}|:)|"
    rf"(?:{_V6SEG}:){{6}}(?:{_V4STR}|:{_V6SEG}|:)|"
    rf"(?:{_V6SEG}:){{5}}(?::{_V4STR}|(?::{_V6SEG}){{1,2}}|:)|"
    rf"(?:{_V6SEG}:){{4}}(?:(?::{_V6SEG}){{0,1}}:{_V4STR}|(?::{_V6SEG}){{1,3}}|:)|"
    rf"(?:{_V6SEG}:){{3}}(?:(?::{_V6SEG}){{0,2}}:{_V4STR}|(?::{_V6SEG}){{1,4}}|:)|"
    rf"(?:{_V6SEG}:){{2}}(?:(?::{_V6SEG}){{0,3}}:{_V4STR}|(?::{_V6SEG}){{1,5}}|:)|"
    rf"(?:{_V6SEG}:){{1}}(?:(?::{_V6SEG}){{0,4}}:{_V4STR}|(?::{_V6SEG}){{1,6}}|:)|"
    rf"(?::(?:(?::{_V6SEG}){{0,5}}:{_V4STR}|(?::{_V6SEG}){{1,7}}|:))"
    r")(?:%[0-9a-zA-Z\-.:]{1,})?$")


def _ip_text(input: Any) -> str:
    """What Node's isIP functions test: the string form of the input (``${input}``): an object
    with a string form that is an address is one; a Buffer is its text."""
    if isinstance(input, str):
        return input
    if input is None or input is UNDEFINED:
        return ""
    if isinstance(input, (bytes, bytearray, memoryview)):
        return bytes(input).decode("utf-8", "replace")
    try:
        return str(input)
    except Exception:       # a string form that raises: no address
        return ""


def isIPv4(input: Any) -> bool:
    """True if ``input`` (its string form) is a dotted-quad IPv4 address (``net.isIPv4``)."""
    return bool(_IPV4.match(_ip_text(input)))


def isIPv6(input: Any) -> bool:
    """True if ``input`` (its string form) is an IPv6 address, optionally with a zone
    (``net.isIPv6``)."""
    return bool(_IPV6.match(_ip_text(input)))


def isIP(input: Any) -> int:
    """4, 6, or 0 (``net.isIP``)."""
    if isIPv4(input):
        return 4
    if isIPv6(input):
        return 6
    return 0


# -- encodings ------------------------------------------------------------------------------

_ENCODINGS = {
    "utf8": "utf-8", "utf-8": "utf-8", "ascii": "ascii", "latin1": "latin-1",
    "binary": "latin-1", "ucs2": "utf-16-le", "ucs-2": "utf-16-le", "utf16le": "utf-16-le",
    "utf-16le": "utf-16-le", "hex": "hex", "base64": "base64", "base64url": "base64url",
}


def normalize_encoding(enc: Any) -> str:
    if enc is None:
        return "utf-8"
    norm = _ENCODINGS.get(str(enc).lower())
    if norm is None:
        raise node_error("ERR_UNKNOWN_ENCODING", f"Unknown encoding: {enc}", TypeError)
    return norm


def encode(data: str, enc: str) -> bytes:
    """``Buffer.from(data, enc)`` with ``enc`` already normalized."""
    if enc == "hex":
        n = len(data) - (len(data) % 2)
        try:
            return bytes.fromhex(data[:n])
        except ValueError:
            out = bytearray()
            for i in range(0, n, 2):
                try:
                    out.append(int(data[i:i + 2], 16))
                except ValueError:
                    break
            return bytes(out)
    if enc in ("base64", "base64url"):
        s = data.replace("-", "+").replace("_", "/").rstrip("=")
        s = re.sub(r"[^A-Za-z0-9+/]", "", s)
        s += "=" * (-len(s) % 4)
        try:
            return binascii.a2b_base64(s)
        except binascii.Error:
            return b""
    if enc == "ascii":
        return data.encode("latin-1", "replace")
    if enc == "latin-1":
        return bytes(ord(c) & 0xFF for c in data) if any(ord(c) > 255 for c in data) \
            else data.encode("latin-1")
    return data.encode(enc, "surrogatepass" if enc != "utf-8" else "replace")


class StringDecoder:
    """Node's ``string_decoder`` for the encodings ``setEncoding`` accepts."""

    def __init__(self, enc: str) -> None:
        self.encoding = enc
        self._rest = b""
        if enc in ("hex", "base64", "base64url"):
            self._dec = None
        else:
            self._dec = codecs.getincrementaldecoder(
                "latin-1" if enc == "ascii" else enc)("replace")

    def write(self, data: bytes) -> str:
        enc = self.encoding
        if self._dec is not None:
            out = self._dec.decode(data)
            if enc == "ascii":
                out = "".join(chr(ord(c) & 0x7F) for c in out)
            return out
        if enc == "hex":
            return data.hex()
        data = self._rest + data
        n = len(data) - len(data) % 3
        self._rest = data[n:]
        return self._b64(data[:n])

    def end(self) -> str:
        if self._dec is not None:
            return self._dec.decode(b"", final=True)
        if self.encoding == "hex" or not self._rest:
            return ""
        rest, self._rest = self._rest, b""
        return self._b64(rest)

    def _b64(self, data: bytes) -> str:
        s = binascii.b2a_base64(data, newline=False).decode("ascii")
        if self.encoding == "base64url":
            s = s.replace("+", "-").replace("/", "_").rstrip("=")
        return s


# -- AbortController / AbortSignal ----------------------------------------------------------

class AbortSignal(EventEmitter):
    """A small ``AbortSignal``: ``aborted``, ``reason``, ``throwIfAborted()``, the
    ``'abort'`` event (listen with ``addEventListener('abort', f)`` or ``on('abort', f)``),
    ``AbortSignal.abort(reason)`` and ``AbortSignal.timeout(ms)``."""

    def __init__(self) -> None:
        super().__init__()
        self.aborted = False
        self.reason: Any = None
        self.onabort: Callable | None = None

    def throwIfAborted(self) -> None:
        if self.aborted:
            raise self.reason

    def addEventListener(self, type: str, listener: Callable, options: Any = None) -> None:
        once = bool(options.get("once")) if isinstance(options, dict) else False
        (self.once if once else self.on)(type, listener)

    def removeEventListener(self, type: str, listener: Callable, options: Any = None) -> None:
        self.removeListener(type, listener)

    def _abort(self, reason: Any) -> None:
        if self.aborted:
            return
        if reason is None:
            reason = node_error("ABORT_ERR", "This operation was aborted")
            reason.name = "AbortError"
        self.aborted = True
        self.reason = reason
        if self.onabort is not None:
            self.onabort()
        self.emit("abort")

    @classmethod
    def abort(cls, reason: Any = None) -> "AbortSignal":
        s = cls()
        s._abort(reason)
        return s

    @classmethod
    def timeout(cls, ms: float) -> "AbortSignal":
        s = cls()
        loop = get_loop()
        from .._core._loop import UVTimer
        t = UVTimer.create(loop)
        t.unref()

        def fire():
            t.close()
            err = node_error("ABORT_ERR", "The operation was aborted due to timeout")
            err.name = "TimeoutError"
            s._abort(err)

        t.start(fire, max(0, int(ms)))
        return s


class AbortController:
    """``AbortController``: ``signal`` and ``abort(reason=None)``."""

    def __init__(self) -> None:
        self.signal = AbortSignal()

    def abort(self, reason: Any = None) -> None:
        self.signal._abort(reason)


def validate_abort_signal(signal: Any, name: str) -> None:
    if signal is not None and not isinstance(signal, AbortSignal):
        raise ERR_INVALID_ARG_TYPE(name, "AbortSignal", signal)


def validate_int32(value: Any, name: str, lo: int = -2 ** 31, hi: int = 2 ** 31 - 1) -> int:
    """Node's ``validateInt32``: a number, an integer, in [lo, hi]."""
    if not is_number(value):
        raise ERR_INVALID_ARG_TYPE(name, "number", value)
    if value != value or value in (math.inf, -math.inf) or value != int(value):
        raise ERR_OUT_OF_RANGE(name, "an integer", value)
    if not lo <= value <= hi:
        raise ERR_OUT_OF_RANGE(name, f">= {lo} && <= {hi}", value)
    return int(value)


def validate_function(value: Any, name: str) -> None:
    if not callable(value):
        raise ERR_INVALID_ARG_TYPE(name, "Function", value)


def ip_family(host: str) -> str:
    return "IPv6" if ":" in host else "IPv4"


def normalize_ipv6(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        return host
