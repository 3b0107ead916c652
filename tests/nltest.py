"""Helpers shared by the test modules (import as `from nltest import ...`)."""
import asyncio
import math

import pytest

try:
    import uvloop
except ImportError:   # pragma: no cover - uvloop is in the test extra
    uvloop = None

import nixloop

LOOP_KINDS = ['asyncio', 'uvloop', 'nixloop']


def make_loop(kind):
    if kind == 'asyncio':
        return asyncio.SelectorEventLoop()
    if kind == 'uvloop':
        if uvloop is None:
            pytest.skip('uvloop is not installed')
        return uvloop.new_event_loop()
    return nixloop.new_event_loop()


def uvloop_differs(loop_kind, reason):
    """Mark a test whose asyncio behaviour uvloop does not follow (nixloop must)."""
    if loop_kind == 'uvloop':
        pytest.xfail(f'uvloop differs from asyncio: {reason}')


def js(value):
    """String(value) as JavaScript prints it, for a Python twin's value (differential tests)."""
    from nixloop.errors import UNDEFINED
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value.is_integer():
            return str(int(value))
    return str(value)


class JsLog:
    """A twin's log: each call appends one line, its arguments joined as console.log would."""

    def __init__(self):
        self.lines = []

    def __call__(self, *args):
        self.lines.append(" ".join(js(a) for a in args))


class ReceivedLog:
    """What a protocol was given, for tests of received bytes objects: the hash and a copy made
    at once of every piece, the object itself for every third piece and a memoryview of every
    fifth; check_intact() then finds any kept object that a later read changed."""

    def __init__(self):
        self.records = []       # (hash(data), copy made at once)
        self.kept = []          # (index, the object)
        self.views = []         # (index, memoryview of the object)

    def record(self, data):
        i = len(self.records)
        self.records.append((hash(data), bytes(bytearray(data))))
        if i % 3 == 0:
            self.kept.append((i, data))
        if i % 5 == 0:
            self.views.append((i, memoryview(data)))

    def copies(self):
        return [copy for _, copy in self.records]

    def check_intact(self):
        for h, copy in self.records:
            assert h == hash(copy)
        for i, data in self.kept:
            assert data == self.records[i][1] and hash(data) == hash(self.records[i][1])
        for i, view in self.views:
            assert view.tobytes() == self.records[i][1]
