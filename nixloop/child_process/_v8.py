"""V8's ValueSerializer format (version 15), the payload of Node's ``serialization: 'advanced'``
IPC messages, for plain data only.

Written from V8's format (src/objects/value-serializer.cc) and what Node 20's ``v8.serialize``
produces; only data types are read and written, so decoding a peer's message can build nothing
but these Python values (no code runs, no class is looked up: never pickle):

=====================  ==========================================  ===============================
Python                 V8 (JavaScript)                             tag
=====================  ==========================================  ===============================
None                   null (``undefined`` reads as None too)      ``0`` (``_``)
bool                   true / false                                ``T`` ``F``
int                    number when it fits int32, else BigInt      ``I`` (zigzag varint), ``Z``
float                  number                                      ``N`` (a double)
str                    string                                      ``"`` (Latin-1), ``S`` (UTF-8);
                                                                   reads ``c`` (UTF-16) too
bytes-like             Buffer (Node's host object, Uint8Array...)  ``\\`` host object
list, tuple            Array (dense; a sparse one reads as a list  ``A`` ... ``$`` (``a``...``@``)
                       with None holes)
dict (str keys)        Object                                      ``o`` ... ``{``
dict (other keys)      Map                                         ``;`` ... ``:``
set, frozenset         Set                                         ``'`` ... ``,``
datetime.datetime      Date (ms since the epoch; naive = local)    ``D``
=====================  ==========================================  ===============================

A number read from ``N`` is a float and one from ``I`` an int, so Python ints and floats
survive a round trip between Python processes; Node writes integers that fit int32 as ``I``.
The same container met twice is written once and referred to (``^``), as V8 does, so shared and
cyclic structures round-trip. Anything else (RegExp, Error, typed arrays other than bytes,
an unknown tag, a length past the end, nesting deeper than :data:`MAX_DEPTH`) makes
:func:`deserialize` raise ValueError; :func:`serialize` raises TypeError for a value it cannot
write.
"""

from __future__ import annotations

import datetime as _dt
import struct

__all__ = ["serialize", "deserialize", "MAX_DEPTH"]

MAX_DEPTH = 256
_VERSION = 15
_INT32 = (-(1 << 31), (1 << 31) - 1)
_HOST_VIEW = 0            # Node's ChildProcessSerializer: an ArrayBufferView follows
_HOST_OTHER = 1           # ... a plain object copy of a host object follows
_BUFFER_INDEX = 10        # Node's index of Buffer (FastBuffer) among the typed array types
_pack_double = struct.Struct("<d").pack
_unpack_double = struct.Struct("<d").unpack_from
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


# -- writing ------------------------------------------------------------------------------------

def _varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _bigint(out: bytearray, n: int) -> None:
    sign = 1 if n < 0 else 0
    mag = -n if n < 0 else n
    nbytes = ((mag.bit_length() + 63) // 64) * 8
    _varint(out, (nbytes << 1) | sign)
    out += mag.to_bytes(nbytes, "little")


class _Writer:
    __slots__ = ("out", "ids", "keep")

    def __init__(self) -> None:
        self.out = bytearray(b"\xff" + bytes([_VERSION]))
        self.ids: dict = {}
        self.keep: list = []     # keeps objects alive so that id() stays unique

    def ref(self, value) -> bool:
        """Write a back-reference if ``value`` was written before; else give it the next id."""
        key = id(value)
        known = self.ids.get(key)
        if known is not None:
            self.out.append(0x5E)          # '^'
            _varint(self.out, known)
            return True
        self.ids[key] = len(self.ids)
        self.keep.append(value)
        return False

    def string(self, s: str) -> None:
        out = self.out
        try:
            raw = s.encode("latin-1")
            out.append(0x22)               # '"' one-byte string
        except UnicodeEncodeError:
            raw = s.encode("utf-8", "surrogatepass")
            out.append(0x53)               # 'S' UTF-8 string
        _varint(out, len(raw))
        out += raw

    def value(self, v, depth: int) -> None:
        out = self.out
        if depth > MAX_DEPTH:
            raise TypeError("value too deeply nested to serialize")
        if v is None:
            out.append(0x30)               # '0' null
        elif v is True:
            out.append(0x54)
        elif v is False:
            out.append(0x46)
        elif isinstance(v, int):
            if _INT32[0] <= v <= _INT32[1]:
                out.append(0x49)           # 'I'
                _varint(out, ((v << 1) ^ (v >> 31)) & 0xFFFFFFFF)
            else:
                out.append(0x5A)           # 'Z' BigInt
                _bigint(out, v)
        elif isinstance(v, float):
            out.append(0x4E)               # 'N'
            out += _pack_double(v)
        elif isinstance(v, str):
            self.string(v)
        elif isinstance(v, (bytes, bytearray, memoryview)):
            if self.ref(v):
                return
            raw = bytes(v)
            out.append(0x5C)               # '\\' host object
            _varint(out, _HOST_VIEW)
            _varint(out, _BUFFER_INDEX)
            _varint(out, len(raw))
            out += raw
        elif isinstance(v, (list, tuple)):
            if self.ref(v):
                return
            out.append(0x41)               # 'A' dense array
            _varint(out, len(v))
            for item in v:
                self.value(item, depth + 1)
            out.append(0x24)               # '$'
            _varint(out, 0)
            _varint(out, len(v))
        elif isinstance(v, dict):
            if self.ref(v):
                return
            if all(isinstance(k, str) for k in v):
                out.append(0x6F)           # 'o' object
                for k, item in v.items():
                    self.string(k)
                    self.value(item, depth + 1)
                out.append(0x7B)           # '{'
                _varint(out, len(v))
            else:
                out.append(0x3B)           # ';' Map
                for k, item in v.items():
                    self.value(k, depth + 1)
                    self.value(item, depth + 1)
                out.append(0x3A)           # ':'
                _varint(out, 2 * len(v))
        elif isinstance(v, (set, frozenset)):
            if self.ref(v):
                return
            out.append(0x27)               # "'" Set
            for item in v:
                self.value(item, depth + 1)
            out.append(0x2C)               # ','
            _varint(out, len(v))
        elif isinstance(v, _dt.datetime):
            if self.ref(v):
                return
            out.append(0x44)               # 'D'
            out += _pack_double(v.timestamp() * 1000.0)
        else:
            raise TypeError(f"Object of type {type(v).__name__} cannot be serialized "
                            "(advanced serialization)")


def serialize(value) -> bytes:
    """``v8.serialize(value)`` for the types of the module's table."""
    w = _Writer()
    w.value(value, 0)
    return bytes(w.out)


# -- reading ------------------------------------------------------------------------------------

class _Reader:
    __slots__ = ("data", "pos", "objs")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.objs: list = []

    def fail(self, why: str):
        raise ValueError(f"bad V8-serialized message at byte {self.pos}: {why}")

    def byte(self) -> int:
        if self.pos >= len(self.data):
            self.fail("unexpected end")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        n = shift = 0
        while True:
            b = self.byte()
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7
            if shift > 63:
                self.fail("varint too long")

    def raw(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            self.fail("length past the end")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def tag(self) -> int:
        while True:
            t = self.byte()
            if t != 0:                     # padding
                return t

    def string_of(self, t: int) -> str:
        n = self.varint()
        if t == 0x22:
            return self.raw(n).decode("latin-1")
        if t == 0x53:
            return self.raw(n).decode("utf-8", "replace")
        if t == 0x63:
            return self.raw(n).decode("utf-16-le", "surrogatepass")
        self.fail(f"a string was expected, not tag {t:#x}")

    def key(self, depth: int):
        t = self.tag()
        if t in (0x22, 0x53, 0x63):
            return self.string_of(t)
        if t in (0x49, 0x55, 0x4E):
            v = self.number(t)
            return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        self.fail(f"bad object key tag {t:#x}")

    def number(self, t: int):
        if t == 0x49:
            z = self.varint() & 0xFFFFFFFF
            return (z >> 1) ^ -(z & 1)
        if t == 0x55:
            return self.varint() & 0xFFFFFFFF
        return _unpack_double(self.raw(8))[0]

    def value(self, depth: int):
        if depth > MAX_DEPTH:
            self.fail("nested too deeply")
        t = self.tag()
        if t == 0x30 or t == 0x5F:         # null, undefined
            return None
        if t == 0x54:
            return True
        if t == 0x46:
            return False
        if t in (0x49, 0x55, 0x4E):
            return self.number(t)
        if t == 0x5A:                      # BigInt
            bits = self.varint()
            mag = int.from_bytes(self.raw(bits >> 1), "little")
            return -mag if bits & 1 else mag
        if t in (0x22, 0x53, 0x63):
            return self.string_of(t)
        if t == 0x5E:                      # back-reference
            i = self.varint()
            if i >= len(self.objs):
                self.fail("reference to an unknown object")
            return self.objs[i]
        if t == 0x6F:                      # object
            obj: dict = {}
            self.objs.append(obj)
            self.props(obj, 0x7B, depth)
            return obj
        if t == 0x41:                      # dense array
            n = self.varint()
            if n > len(self.data) - self.pos:
                self.fail("array length past the end")
            arr: list = []
            self.objs.append(arr)
            for _ in range(n):
                if self.pos < len(self.data) and self.data[self.pos] == 0x2D:   # '-' hole
                    self.pos += 1
                    arr.append(None)
                else:
                    arr.append(self.value(depth + 1))
            self.props(None, 0x24, depth)
            self.varint()                  # the length again
            return arr
        if t == 0x61:                      # sparse array
            n = self.varint()
            if n > len(self.data) * 8 + 1024:
                self.fail("sparse array too long")
            arr = [None] * n
            self.objs.append(arr)
            while True:
                if self.peek_end(0x40):
                    break
                k = self.key(depth)
                v = self.value(depth + 1)
                if k.isdigit() and int(k) < n:
                    arr[int(k)] = v
            self.varint()
            self.varint()
            return arr
        if t == 0x3B:                      # Map
            m: dict = {}
            self.objs.append(m)
            while not self.peek_end(0x3A):
                k = self.value(depth + 1)
                try:
                    m[k] = self.value(depth + 1)
                except TypeError:
                    self.fail("a Map key Python cannot hash")
            self.varint()
            return m
        if t == 0x27:                      # Set
            s: set = set()
            self.objs.append(s)
            while not self.peek_end(0x2C):
                item = self.value(depth + 1)
                try:
                    s.add(item)
                except TypeError:
                    self.fail("a Set element Python cannot hash")
            self.varint()
            return s
        if t == 0x44:                      # Date
            ms = _unpack_double(self.raw(8))[0]
            try:
                d = _EPOCH + _dt.timedelta(milliseconds=ms)
            except (OverflowError, ValueError):
                self.fail("date out of range")
            self.objs.append(d)
            return d
        if t == 0x5C:                      # host object (Node: a Buffer or typed array)
            kind = self.varint()
            if kind != _HOST_VIEW:
                self.fail("unsupported host object")
            self.varint()                  # the typed array type: every one reads as bytes
            b = self.raw(self.varint())
            self.objs.append(b)
            return b
        self.fail(f"unsupported tag {t:#x}")

    def peek_end(self, end: int) -> bool:
        while self.pos < len(self.data) and self.data[self.pos] == 0:
            self.pos += 1
        if self.pos < len(self.data) and self.data[self.pos] == end:
            self.pos += 1
            return True
        return False

    def props(self, obj, end: int, depth: int) -> None:
        while not self.peek_end(end):
            k = self.key(depth)
            v = self.value(depth + 1)
            if obj is not None:
                obj[k] = v
        self.varint()                      # the property count


def deserialize(data: bytes):
    """``v8.deserialize(data)`` for the types of the module's table; ValueError otherwise."""
    r = _Reader(data)
    if r.byte() != 0xFF:
        r.fail("no V8 header")
    if r.varint() > _VERSION:
        r.fail("format version newer than 15")
    try:
        value = r.value(0)
    except RecursionError:
        r.fail("nested too deeply")
    if r.pos != len(data):
        r.fail("trailing bytes")
    return value
