"""Shared fixtures: behaviour tests run on stdlib asyncio, uvloop and nixloop alike.

A test that passes on stdlib and fails on nixloop is a nixloop bug."""
import asyncio
import gc
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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


@pytest.fixture(params=LOOP_KINDS)
def loop_kind(request):
    return request.param


@pytest.fixture
def loop(loop_kind):
    """A fresh loop of each kind, closed (and checked closed) after the test."""
    lp = make_loop(loop_kind)
    asyncio.set_event_loop(lp)
    try:
        yield lp
    finally:
        if not lp.is_closed():
            if not lp.is_running():
                try:
                    lp.run_until_complete(lp.shutdown_default_executor())
                except Exception:
                    pass
            lp.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def nloop():
    """A nixloop loop only, for nixloop-specific behaviour."""
    lp = nixloop.new_event_loop()
    try:
        yield lp
    finally:
        if not lp.is_closed():
            lp.close()


def open_fds():
    return set(os.listdir('/proc/self/fd'))


def _close_loop(lp):
    if not lp.is_closed() and not lp.is_running():
        try:
            lp.run_until_complete(lp.shutdown_default_executor())
        except Exception:
            pass
        lp.close()


@pytest.fixture
def no_fd_leak(request):
    """Fails the test if it leaves file descriptors open (the test's loop is closed first)."""
    gc.collect()
    before = open_fds()
    yield
    for name in ('loop', 'nloop'):
        if name in request.fixturenames:
            _close_loop(request.getfixturevalue(name))
    gc.collect()
    after = open_fds()
    leaked = {fd for fd in after - before if os.path.exists(f'/proc/self/fd/{fd}')}
    assert not leaked, f'fds left open: {sorted(leaked)} -> ' + ', '.join(
        os.readlink(f'/proc/self/fd/{fd}') for fd in sorted(leaked)
        if os.path.exists(f'/proc/self/fd/{fd}'))


def uvloop_differs(loop_kind, reason):
    """Mark a test whose asyncio behaviour uvloop does not follow (nixloop must)."""
    if loop_kind == 'uvloop':
        pytest.xfail(f'uvloop differs from asyncio: {reason}')
