"""Shared fixtures: behaviour tests run on stdlib asyncio, uvloop and nixloop alike.

A test that passes on stdlib and fails on nixloop is a nixloop bug."""
import asyncio
import gc
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nixloop

if os.environ.get('NIXLOOP_TEST_INSTALLED'):
    # packaging/test_wheels.py: these tests must exercise the installed wheel, never a source
    # tree that happens to be importable.
    import sysconfig
    _site = os.path.realpath(sysconfig.get_paths()['platlib'])
    if not os.path.realpath(nixloop.__file__).startswith(_site + os.sep):
        raise RuntimeError(f'NIXLOOP_TEST_INSTALLED=1 but nixloop was imported from '
                           f'{nixloop.__file__}, not from {_site}')
from nltest import LOOP_KINDS, make_loop, uvloop_differs  # noqa: F401


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
