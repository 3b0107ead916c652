"""Helpers of the integration tests: server subprocesses with bounded waits, HTTP checks."""
import contextlib
import os
import signal
import socket
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
APPS = os.path.join(HERE, 'apps')
START_TIMEOUT = 30
STOP_TIMEOUT = 15


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def connectable(port=None, uds=None):
    family = socket.AF_UNIX if uds else socket.AF_INET
    with socket.socket(family) as s:
        s.settimeout(1)
        try:
            s.connect(uds if uds else ('127.0.0.1', port))
            return True
        except OSError:
            return False


class Served:
    """A server subprocess; its output goes to a file (no pipe to fill up)."""

    def __init__(self, proc, logfile):
        self.proc = proc
        self.logfile = logfile

    def log(self):
        with open(self.logfile, encoding='utf-8', errors='replace') as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                pytest.fail(f'server did not stop on SIGTERM within {STOP_TIMEOUT}s:\n'
                            + self.log()[-3000:])
        return self.proc.returncode


@contextlib.contextmanager
def serve(argv, tmp_path, *, port=None, uds=None, env=None):
    """Start argv, wait until it accepts connections on port/uds, yield Served, then stop it."""
    logfile = str(tmp_path / 'server.log')
    full_env = dict(os.environ, **(env or {}))
    full_env['PYTHONPATH'] = os.pathsep.join(
        p for p in (APPS, full_env.get('PYTHONPATH')) if p)
    with open(logfile, 'wb') as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=full_env,
                                cwd=str(tmp_path), stdin=subprocess.DEVNULL)
    served = Served(proc, logfile)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not connectable(port, uds):
            if proc.poll() is not None:
                pytest.fail(f'{argv} exited with {proc.returncode}:\n{served.log()[-3000:]}')
            if time.monotonic() > deadline:
                pytest.fail(f'{argv} did not listen within {START_TIMEOUT}s:\n'
                            + served.log()[-3000:])
            time.sleep(0.05)
        yield served
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def get_json(url, uds=None, timeout=10):
    import httpx
    transport = httpx.HTTPTransport(uds=uds) if uds else None
    with httpx.Client(transport=transport, timeout=timeout) as client:
        r = client.get(url)
        r.raise_for_status()
        return r.json()


def assert_on_nixloop(info):
    assert info['nixloop'] is True, f'the server ran on {info["loop"]}, not nixloop'
