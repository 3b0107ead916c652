"""Helpers shared by the test modules (import as `from nltest import ...`)."""
import asyncio

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
