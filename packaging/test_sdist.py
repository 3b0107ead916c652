"""Check the sdist and install it into a fresh venv with no network, then use the installed package.

1. The sdist holds the pinned libuv tarball (sha256 as in vendor/libuv.pin), both licences, the
   build script, the Cython sources and the tests, and no generated C.
2. Its build requirements (setuptools and Cython, versions from build-constraints.txt) are
   downloaded into a local wheelhouse first; then `pip install --no-index --find-links WHEELHOUSE
   SDIST` runs in a network namespace of its own (`unshare -n`, so it cannot reach anything),
   or with --no-index alone where unshare is not allowed.
3. The installed nixloop reports the pinned libuv version and runs an echo round trip on
   loopback; then tests/loop (copied away from any source tree) runs against it.

    python packaging/test_sdist.py --sdist dist/nixloop-X.tar.gz [--python PY]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'vendor'))
import build_libuv  # noqa: E402

SMOKE = '''
import asyncio, sys, nixloop, sysconfig, os
assert os.path.realpath(nixloop.__file__).startswith(os.path.realpath(sysconfig.get_paths()['platlib'])), nixloop.__file__
assert nixloop.libuv_version() == sys.argv[1], (nixloop.libuv_version(), sys.argv[1])
async def main():
    async def echo(r, w):
        w.write(await r.read(5)); await w.drain(); w.close()
    srv = await asyncio.start_server(echo, '127.0.0.1', 0)
    r, w = await asyncio.open_connection(*srv.sockets[0].getsockname()[:2])
    w.write(b'hello'); data = await r.read(5); w.close(); srv.close()
    return data
assert nixloop.run(main()) == b'hello'
print('nixloop', nixloop.__version__, 'libuv', nixloop.libuv_version(), 'from', nixloop.__file__)
'''


def check_contents(sdist, pin):
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        top = names[0].split('/')[0]
        rel = {n.split('/', 1)[1] for n in names if '/' in n}
        want = ['LICENSE', 'CHANGELOG.md', 'vendor/LICENSE-libuv', 'vendor/build_libuv.py',
                'vendor/libuv.pin', 'setup.py', 'pyproject.toml', 'tests/conftest.py',
                f'vendor/dl/{pin["LIBUV_TARBALL"]}']
        missing = [w for w in want if w not in rel]
        generated = sorted(n for n in rel if n.endswith(('.c', '.so', '.html')))
        if missing or generated:
            sys.exit(f'test_sdist: {sdist}: missing {missing}, generated files {generated}')
        with tempfile.TemporaryDirectory() as tmp:
            tar.extract(f'{top}/vendor/dl/{pin["LIBUV_TARBALL"]}', tmp)
            build_libuv.check_tarball(os.path.join(tmp, top, 'vendor', 'dl',
                                                   pin['LIBUV_TARBALL']), pin)
    print(f'   {os.path.basename(sdist)}: {len(names)} entries, libuv tarball matches the pin')


def offline_prefix():
    try:
        ok = subprocess.run(['unshare', '-n', 'true'], capture_output=True).returncode == 0
    except OSError:
        ok = False
    if ok:
        return ['unshare', '-n'], 'in a network namespace of its own (unshare -n)'
    return [], 'with --no-index (unshare -n is not allowed here)'


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--sdist', required=True)
    ap.add_argument('--python', default=sys.executable)
    args = ap.parse_args(argv)
    pin = build_libuv.read_pin()
    sdist = os.path.abspath(args.sdist)
    check_contents(sdist, pin)
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK='1')
    env.pop('PYTHONPATH', None)
    with tempfile.TemporaryDirectory(prefix='nlsdist-') as tmp:
        house = os.path.join(tmp, 'wheelhouse')
        subprocess.run([args.python, '-m', 'pip', 'download', '-q', '-d', house,
                        '-r', os.path.join(HERE, 'build-constraints.txt')], check=True, env=env)
        venv = os.path.join(tmp, 'venv')
        subprocess.run([args.python, '-m', 'venv', venv], check=True)
        py = os.path.join(venv, 'bin', 'python')
        prefix, how = offline_prefix()
        print(f'   installing the sdist {how}', flush=True)
        subprocess.run(prefix + [py, '-m', 'pip', 'install', '-q', '--no-index', '--find-links',
                                 house, sdist], check=True, env=env)
        work = os.path.join(tmp, 'work')
        os.makedirs(work)
        subprocess.run([py, '-c', SMOKE, pin['LIBUV_VERSION']], check=True, cwd=work, env=env)
        # The loop tests against the installed package (test tools come from the index now).
        # (nixloop itself is installed already, so only its test extra is fetched.)
        subprocess.run([py, '-m', 'pip', 'install', '-q', 'nixloop[test]'], check=True, env=env,
                       cwd=work)
        shutil.copytree(os.path.join(ROOT, 'tests'), os.path.join(work, 'tests'),
                        ignore=shutil.ignore_patterns('__pycache__', 'perf', 'packaging'))
        shutil.copy2(os.path.join(ROOT, 'pyproject.toml'), work)
        shutil.copytree(os.path.join(ROOT, 'examples'), os.path.join(work, 'examples'))
        # tests/cluster drives the benchmark's cluster server (a self-contained script)
        os.makedirs(os.path.join(work, 'perf', 'servers'))
        shutil.copy2(os.path.join(ROOT, 'perf', 'servers', 'cluster_echo.py'),
                     os.path.join(work, 'perf', 'servers'))
        env['NIXLOOP_TEST_INSTALLED'] = '1'
        r = subprocess.run([py, '-m', 'pytest', '-p', 'no:cacheprovider', 'tests/loop'],
                           cwd=work, env=env)
        return r.returncode


if __name__ == '__main__':
    sys.exit(main())
