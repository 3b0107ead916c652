"""pytest-asyncio 1.x: a project's conftest returns nixloop from the pytest_asyncio_loop_factories
hook, and its async tests and fixtures then run on nixloop (run in a separate pytest process)."""
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip('pytest_asyncio')

CONFTEST = '''
import nixloop


def pytest_asyncio_loop_factories(config, item):
    return {'nixloop': nixloop.new_event_loop}
'''

TESTS = '''
import asyncio

import pytest
import pytest_asyncio

import nixloop


@pytest_asyncio.fixture
async def server():
    async def echo(reader, writer):
        writer.write(await reader.read(100))
        await writer.drain()
        writer.close()
    srv = await asyncio.start_server(echo, '127.0.0.1', 0)
    yield srv.sockets[0].getsockname()[1]
    srv.close()
    await srv.wait_closed()


@pytest.mark.asyncio
async def test_runs_on_nixloop():
    assert isinstance(asyncio.get_running_loop(), nixloop.Loop)


@pytest.mark.asyncio
async def test_fixture_and_test_share_the_nixloop_loop(server):
    assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
    reader, writer = await asyncio.open_connection('127.0.0.1', server)
    writer.write(b'ping')
    assert await asyncio.wait_for(reader.read(100), 10) == b'ping'
    writer.close()
'''


def test_loop_factories_hook_runs_tests_on_nixloop(tmp_path):
    (tmp_path / 'conftest.py').write_text(CONFTEST)
    (tmp_path / 'test_on_nixloop.py').write_text(TESTS)
    (tmp_path / 'pytest.ini').write_text('[pytest]\nasyncio_default_fixture_loop_scope = '
                                         'function\n')
    env = dict(os.environ, PYTEST_ADDOPTS='')
    r = subprocess.run([sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-v',
                        str(tmp_path)], cwd=str(tmp_path), capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    # The tests themselves assert that their loop is a nixloop.Loop.
    assert 'test_runs_on_nixloop' in r.stdout and ' PASSED' in r.stdout, r.stdout[-3000:]
    assert '2 passed' in r.stdout and 'failed' not in r.stdout
