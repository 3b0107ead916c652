"""Bounds every test of tests/child_process with SIGALRM (the loop wakes for signals), leaves
the global ``process`` emitter clean, and runs ``node.run`` once before the first test: the
first run in a process opens libuv's process-wide signal pipe, which is no leak of a test."""
import os
import signal

import pytest

import nixloop
from nixloop import node

LIMIT = 60  # seconds per test


class TestTookTooLong(Exception):
    pass


@pytest.fixture(scope="session", autouse=True)
def _warm_up_node_run():
    node.run(lambda: None)


@pytest.fixture(scope="session", autouse=True)
def _children_import_this_nixloop():
    """Children forked in process run the same interpreter: they must import the nixloop these
    tests import (the source tree, where it is not installed, or the installed one)."""
    path = os.path.dirname(os.path.dirname(os.path.abspath(nixloop.__file__)))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = path + (os.pathsep + old if old else "")
    yield
    if old is None:
        del os.environ["PYTHONPATH"]
    else:
        os.environ["PYTHONPATH"] = old


@pytest.fixture(autouse=True)
def _bounded_and_clean():
    def on_alarm(signum, frame):
        raise TestTookTooLong(f"test still running after {LIMIT}s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        node.process.removeAllListeners()
        node.process.exitCode = None
