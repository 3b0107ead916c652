"""Install each built wheel into a fresh venv and run the test suite against the installed package.

For every wheel in the given directory whose CPython tag matches an interpreter pyenv provides
(or one passed with --python): a new venv from that interpreter, `pip install
WHEEL[test,integration]` (the extras pin the test tools and the frameworks), a copy of tests/
and examples/ in a temporary directory that has no nixloop/ source next to it, and pytest run
there with NIXLOOP_TEST_INSTALLED=1, which makes tests/conftest.py refuse to run unless nixloop
was imported from the venv's site-packages. Left out: tests/perf (the benchmark tools need
perf/ and a libuv build) and tests/packaging (the build's rules need the source tree).

    python packaging/test_wheels.py [--dist dist] [--python PY ...] [-- PYTEST_ARGS]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from build_wheels import pyenv_pythons  # noqa: E402


def python_tag(python):
    return subprocess.run([python, '-c', 'import sys; print("cp%d%d" % sys.version_info[:2])'],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_one(wheel, python, pytest_args):
    with tempfile.TemporaryDirectory(prefix='nlwheeltest-') as tmp:
        venv = os.path.join(tmp, 'venv')
        subprocess.run([python, '-m', 'venv', venv], check=True)
        py = os.path.join(venv, 'bin', 'python')
        env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK='1')
        env.pop('PYTHONPATH', None)
        subprocess.run([py, '-m', 'pip', 'install', '-q', f'{wheel}[test,integration]'],
                       check=True, env=env)
        work = os.path.join(tmp, 'work')
        shutil.copytree(os.path.join(ROOT, 'tests'), os.path.join(work, 'tests'),
                        ignore=shutil.ignore_patterns('__pycache__', 'perf', 'packaging'))
        # pytest's settings (asyncio fixture scope, warning filters) live in pyproject.toml.
        shutil.copy2(os.path.join(ROOT, 'pyproject.toml'), work)
        shutil.copytree(os.path.join(ROOT, 'examples'), os.path.join(work, 'examples'))
        # tests/cluster drives the benchmark's cluster server (a self-contained script)
        os.makedirs(os.path.join(work, 'perf', 'servers'))
        shutil.copy2(os.path.join(ROOT, 'perf', 'servers', 'cluster_echo.py'),
                     os.path.join(work, 'perf', 'servers'))
        where = subprocess.run([py, '-c', 'import nixloop; print(nixloop.__file__)'], cwd=work,
                               capture_output=True, text=True, check=True, env=env).stdout
        print(f'   nixloop imported from {where.strip()}', flush=True)
        env['NIXLOOP_TEST_INSTALLED'] = '1'
        r = subprocess.run([py, '-m', 'pytest', '-p', 'no:cacheprovider', 'tests', *pytest_args],
                           cwd=work, env=env)
        return r.returncode


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = []
    if '--' in argv:
        i = argv.index('--')
        argv, pytest_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--dist', default=os.path.join(ROOT, 'dist'))
    ap.add_argument('--python', action='append', help='interpreter (default: pyenv 3.10+)')
    args = ap.parse_args(argv)
    pythons = {python_tag(p): p for p in (args.python or pyenv_pythons())}
    wheels = sorted(glob.glob(os.path.join(args.dist, 'nixloop-*-manylinux*.whl')))
    plan = []
    for wheel in wheels:
        tag = os.path.basename(wheel).split('-')[2]
        if tag in pythons:
            plan.append((wheel, pythons[tag]))
    if not plan:
        sys.exit(f'test_wheels: no manylinux wheel in {args.dist} for {sorted(pythons)}')
    failed = []
    for wheel, python in plan:
        print(f'== {os.path.basename(wheel)} on {python}', flush=True)
        if test_one(os.path.abspath(wheel), python, pytest_args) != 0:
            failed.append(os.path.basename(wheel))
    missing = sorted(set(pythons) - {os.path.basename(w).split('-')[2] for w, _ in plan})
    if failed:
        print(f'test_wheels: failed: {", ".join(failed)}')
    if missing:
        print(f'test_wheels: no wheel for {", ".join(missing)}')
    print(f'wheels: {len(plan) - len(failed)} passed, {len(failed)} failed')
    return 1 if failed or missing else 0


if __name__ == '__main__':
    sys.exit(main())
