"""Bounds every test of tests/node with SIGALRM (the loop wakes for signals) and leaves the
global ``process`` emitter clean."""
import signal

import pytest

from nixloop.node import process

LIMIT = 30  # seconds per test


class TestTookTooLong(Exception):
    pass


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
        process.removeAllListeners()
        process.exitCode = None
