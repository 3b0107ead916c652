"""The type stubs of the public API (py.typed + .pyi) as a user's type checker sees them.

The stubs are taken from the nixloop that is imported (the source tree, or an installed wheel in
packaging/test_wheels.py) and put alone on MYPYPATH, so mypy reads exactly the shipped .pyi
files and never the implementation modules. Then:
- mypy's stubtest compares them with the runtime objects (signatures, names, aliases);
- examples/typed_example.py passes `mypy --strict` and runs;
- a wrong call is reported, so the stubs are really the ones checked.
"""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import nixloop

pytest.importorskip('mypy')

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ALLOWLIST = os.path.join(HERE, 'stubtest-allowlist.txt')
EXAMPLE = os.path.join(ROOT, 'examples', 'typed_example.py')
STUBS = ['py.typed', '__init__.pyi', 'events.pyi', 'timers.pyi', 'node.pyi', 'unix.pyi',
         'errors.pyi', os.path.join('net', '__init__.pyi'),
         os.path.join('child_process', '__init__.pyi'), os.path.join('cluster', '__init__.pyi')]


@pytest.fixture(scope='module')
def stub_path(tmp_path_factory):
    """A directory holding only the imported nixloop's py.typed and .pyi files."""
    src = os.path.dirname(os.path.abspath(nixloop.__file__))
    dest_root = tmp_path_factory.mktemp('stubs')
    missing = [f for f in STUBS if not os.path.isfile(os.path.join(src, f))]
    assert not missing, f'{src} lacks {missing}'
    for dirpath, _, files in os.walk(src):
        for name in files:
            if name.endswith('.pyi') or name == 'py.typed':
                rel = os.path.relpath(os.path.join(dirpath, name), src)
                os.makedirs(dest_root / 'nixloop' / os.path.dirname(rel), exist_ok=True)
                shutil.copy2(os.path.join(dirpath, name), dest_root / 'nixloop' / rel)
    return str(dest_root)


def run_mypy_tool(args, stub_path, cwd):
    env = dict(os.environ, MYPYPATH=stub_path)
    env.pop('PYTHONPATH', None)
    return subprocess.run([sys.executable, '-m', *args], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=300)


def test_stubtest_agrees_with_the_runtime(stub_path, tmp_path):
    r = run_mypy_tool(['mypy.stubtest', 'nixloop', '--allowlist', ALLOWLIST,
                       '--mypy-config-file', os.devnull], stub_path, tmp_path)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]
    assert 'Success: no issues found' in r.stdout


def test_typed_example_passes_mypy_strict_and_runs(stub_path, tmp_path):
    shutil.copy2(EXAMPLE, tmp_path)
    r = run_mypy_tool(['mypy', '--strict', '--cache-dir', str(tmp_path / 'cache'),
                       'typed_example.py'], stub_path, tmp_path)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]
    run = subprocess.run([sys.executable, 'typed_example.py'], cwd=str(tmp_path),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "asyncio echo: b'typed'" in run.stdout
    assert "node-style: hello nixloop, net echo b'PING', timer fired" in run.stdout
    assert 'NodeError: ERR_INVALID_ARG_TYPE' in run.stdout


def test_wrong_calls_are_reported(stub_path, tmp_path):
    (tmp_path / 'wrong.py').write_text(textwrap.dedent('''
        import nixloop
        from nixloop import net, timers

        result: str = nixloop.run(nixloop.new_event_loop())
        timers.clearImmediate(timers.setTimeout(print, 1))
        net.createServer().listen(0).maxConnections = 'many'
        nixloop.libuv_version(1)
    '''))
    r = run_mypy_tool(['mypy', '--strict', '--cache-dir', str(tmp_path / 'cache'), 'wrong.py'],
                      stub_path, tmp_path)
    assert r.returncode == 1, r.stdout
    for line in (5, 6, 7, 8):
        assert f'wrong.py:{line}: error' in r.stdout, r.stdout
