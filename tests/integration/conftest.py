"""Integration tests: the README's framework recipes, run for real on nixloop.

Servers run as subprocesses started the way the README says (the uvicorn CLI, aiohttp's
run_app, hypercorn's serve), answer which loop they run on, and are stopped with SIGTERM; every
wait is bounded. PostgreSQL 15 and Redis are started by the fixtures below on Unix sockets in a
temporary directory, and stopped at the end of the session. When a server binary or a framework
is missing the tests that need it skip and say why (`make test` installs the Debian packages
postgresql-15 and redis-server when they are missing). Only loopback and Unix sockets are used.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PG_BIN = os.environ.get('NIXLOOP_PG_BIN', '/usr/lib/postgresql/15/bin')

sys.path[:0] = [HERE, os.path.join(HERE, 'apps')]
from integ import START_TIMEOUT, STOP_TIMEOUT, connectable, free_port  # noqa: E402


# ---------------------------------------------------------------------------------------------
# PostgreSQL and Redis, each on a Unix socket in a temporary directory.

def _as_postgres_user():
    """Popen arguments that run PostgreSQL as the 'postgres' user when we are root (it refuses
    to run as root); the server is then our direct child, so signals reach it."""
    if os.geteuid() != 0:
        return {}
    import pwd
    try:
        pw = pwd.getpwnam('postgres')
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
    return {'user': pw.pw_uid, 'group': pw.pw_gid, 'extra_groups': [],
            'env': dict(os.environ, HOME=pw.pw_dir)}


@pytest.fixture(scope='session')
def postgres():
    """A PostgreSQL 15 server of our own: (socket_dir, port, user). Skips if not installed."""
    initdb, postgres_bin = os.path.join(PG_BIN, 'initdb'), os.path.join(PG_BIN, 'postgres')
    if not (os.access(initdb, os.X_OK) and os.access(postgres_bin, os.X_OK)):
        pytest.skip(f'PostgreSQL 15 is not installed ({PG_BIN}); `make test` installs the '
                    'Debian package postgresql-15 when it can')
    as_user = _as_postgres_user()
    base = tempfile.mkdtemp(prefix='nlpg-')
    try:
        os.chmod(base, 0o755)
        data = os.path.join(base, 'data')
        if as_user:
            os.chown(base, as_user['user'], as_user['group'])
        r = subprocess.run([initdb, '-D', data, '-A', 'trust', '-U', 'nixloop', '--no-sync',
                            '-E', 'UTF8'], capture_output=True, text=True, timeout=120,
                           cwd=base, **as_user)
        if r.returncode != 0:
            pytest.fail(f'initdb failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}')
        port = free_port()
        log = open(os.path.join(base, 'postgres.log'), 'wb')
        proc = subprocess.Popen([postgres_bin, '-D', data, '-k', base, '-p', str(port),
                                 '-c', 'listen_addresses=', '-c', 'fsync=off'], cwd=base,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                **as_user)
        sock = os.path.join(base, f'.s.PGSQL.{port}')
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not connectable(uds=sock):
                if proc.poll() is not None or time.monotonic() > deadline:
                    with open(log.name, errors='replace') as f:
                        pytest.fail(f'PostgreSQL did not start:\n{f.read()[-3000:]}')
                time.sleep(0.1)
            yield base, port, 'nixloop'
        finally:
            proc.send_signal(signal.SIGINT)                 # "fast" shutdown
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            log.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope='session')
def redis_server():
    """A Redis server of our own on a Unix socket: its socket path. Skips if not installed."""
    exe = shutil.which('redis-server')
    if exe is None:
        pytest.skip('redis-server is not installed; `make test` installs the Debian package '
                    'redis-server when it can')
    base = tempfile.mkdtemp(prefix='nlredis-')
    sock = os.path.join(base, 'redis.sock')
    log = open(os.path.join(base, 'redis.log'), 'wb')
    proc = subprocess.Popen([exe, '--port', '0', '--unixsocket', sock, '--unixsocketperm', '700',
                             '--save', '', '--appendonly', 'no', '--dir', base,
                             '--daemonize', 'no'],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not connectable(uds=sock):
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(log.name, errors='replace') as f:
                    pytest.fail(f'redis-server did not start:\n{f.read()[-3000:]}')
            time.sleep(0.05)
        yield sock
    finally:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def pytest_collection_modifyitems(items):
    # Mark everything here so `-m "not integration"` leaves it out.
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.integration)
