"""The build's rules (setup.py, vendor/build_libuv.py) that can be checked without a full build.

- The system-libuv path refuses a libuv older than 1.46 with a message that says so.
- A tarball that is missing or does not match the pin is refused before anything is extracted.
- Reading setup.py's metadata (what making an sdist does) compiles and downloads nothing.
These need the source tree (setup.py, vendor/): the installed-wheel runs leave this directory out.
"""
import os
import shutil
import stat
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENDOR = os.path.join(ROOT, 'vendor')
if not os.path.exists(os.path.join(VENDOR, 'build_libuv.py')):
    pytest.skip('needs the source tree (vendor/build_libuv.py)', allow_module_level=True)
sys.path.insert(0, VENDOR)
import build_libuv  # noqa: E402


def fake_pkg_config(tmp_path, version, fail=False):
    script = tmp_path / 'pkg-config'
    if fail:
        body = 'echo "Package libuv was not found in the pkg-config search path." >&2; exit 1'
    else:
        body = ('case "$1" in --modversion) echo %s;; --cflags) echo -I/opt/uv/include;; '
                '--libs) echo "-L/opt/uv/lib -luv";; esac' % version)
    script.write_text('#!/bin/sh\n' + body + '\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_system_libuv_too_old_is_refused_with_the_minimum(tmp_path):
    with pytest.raises(build_libuv.LibuvError) as info:
        build_libuv.system_libuv(pkg_config=fake_pkg_config(tmp_path, '1.44.2'))
    msg = str(info.value)
    assert 'libuv is 1.44.2' in msg and '>= 1.46.0' in msg and 'uv_pipe_bind2' in msg


def test_system_libuv_new_enough_gives_its_flags(tmp_path):
    inc, libs = build_libuv.system_libuv(pkg_config=fake_pkg_config(tmp_path, '1.46.0'))
    assert inc == ['/opt/uv/include']
    assert libs == ['-L/opt/uv/lib', '-luv']
    inc, libs = build_libuv.system_libuv(pkg_config=fake_pkg_config(tmp_path, '1.51.0'))
    assert libs[-1] == '-luv'


def test_system_libuv_missing_says_what_to_install(tmp_path):
    with pytest.raises(build_libuv.LibuvError, match='pkg-config does not find libuv'):
        build_libuv.system_libuv(pkg_config=fake_pkg_config(tmp_path, '', fail=True))
    with pytest.raises(build_libuv.LibuvError, match='pkg-config is needed'):
        build_libuv.system_libuv(pkg_config=str(tmp_path / 'no-such-pkg-config'))


def test_setup_py_refuses_an_old_system_libuv(tmp_path):
    # The whole path as a user meets it: setup.py build_ext stops before compiling anything.
    fake_pkg_config(tmp_path, '1.44.2')
    env = dict(os.environ, NIXLOOP_USE_SYSTEM_LIBUV='1',
               PATH=f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'setup.py'), 'build_ext',
                        '--build-temp', str(tmp_path / 'temp'), '--build-lib',
                        str(tmp_path / 'lib')], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0
    assert 'system libuv is 1.44.2' in r.stderr and '>= 1.46.0' in r.stderr, r.stderr[-2000:]
    assert not (tmp_path / 'lib').exists() or not list((tmp_path / 'lib').rglob('*.so'))


def test_tarball_missing_or_not_the_pinned_one_is_refused(tmp_path):
    pin = build_libuv.read_pin()
    with pytest.raises(build_libuv.LibuvError, match='make libuv'):
        build_libuv.check_tarball(str(tmp_path / pin['LIBUV_TARBALL']), pin)
    bad = tmp_path / pin['LIBUV_TARBALL']
    bad.write_bytes(b'not libuv')
    with pytest.raises(build_libuv.LibuvError, match='does not match the pin'):
        build_libuv.check_tarball(str(bad), pin)
    with pytest.raises(build_libuv.LibuvError, match='does not match the pin'):
        build_libuv.build(str(bad), pin, str(tmp_path / 'out'), compiler=None)
    assert not (tmp_path / 'out').exists()


def test_pinned_tarball_builds_the_full_source_list(tmp_path):
    pin = build_libuv.read_pin()
    tarball = build_libuv.tarball_path(pin)
    if not os.path.exists(tarball):
        pytest.skip('the pinned tarball is fetched by `make libuv`')
    build_libuv.extract(tarball, str(tmp_path), only=['src', 'include'])
    missing = [s for s in build_libuv.SOURCES if not (tmp_path / s).is_file()]
    assert not missing
    # Every Linux source of the release is either built or deliberately not for Linux.
    unix = {f'src/unix/{p.name}' for p in (tmp_path / 'src' / 'unix').glob('*.c')}
    not_linux = {s for s in unix if any(k in s for k in (
        'aix', 'bsd', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'os390', 'sunos', 'haiku',
        'hurd', 'ibmi', 'qnx', 'cygwin', 'kqueue', 'fsevents', 'no-proctitle', 'posix-poll',
        'posix-hrtime', 'getentropy', 'sysinfo'))}
    assert unix - not_linux == {s for s in build_libuv.SOURCES if s.startswith('src/unix/')}
    notice = tmp_path / 'LICENSE-libuv'
    build_libuv.write_license(tarball, pin, str(notice))
    text = notice.read_text()
    assert f'libuv {pin["LIBUV_VERSION"]}' in text and 'Permission is hereby granted' in text


def test_reading_setup_py_compiles_and_downloads_nothing(tmp_path):
    # What `python -m build --sdist` and pip's metadata step do: run setup.py for metadata.
    work = tmp_path / 'src'
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(
        '.git', '.venv*', 'build', 'dist', 'perf', 'prefix', 'asan', '*.so', '*.c', '*.html',
        '__pycache__', '*.egg-info', '.pytest_cache'))
    before = {p.relative_to(work) for p in work.rglob('*')}
    env = dict(os.environ, PATH='/usr/bin:/bin')      # no cc on a pyenv shim path either way
    r = subprocess.run([sys.executable, 'setup.py', '--name', '--version'], cwd=work, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    version = {}
    with open(os.path.join(ROOT, 'nixloop', '_version.py'), encoding='utf-8') as f:
        exec(f.read(), version)
    assert r.stdout.split() == ['nixloop', version['__version__']]
    new = {p.relative_to(work) for p in work.rglob('*')} - before
    made = sorted(str(p) for p in new if p.suffix in ('.c', '.o', '.so', '.a', '.gz'))
    assert not made
