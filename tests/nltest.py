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
