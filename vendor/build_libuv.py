"""Build the pinned libuv from its release tarball with the C compiler setuptools uses.

No cmake, no configure: on Linux libuv is a fixed list of C files and four macros, so this module
compiles them directly (the list follows libuv's own CMakeLists.txt for Linux). setup.py calls
`build()` with its build_ext compiler, so a wheel's libuv is compiled by the same compiler and
flags as the extension (gcc here, `zig cc` for the manylinux wheels). Run as a script it builds a
static libuv.a plus headers into a prefix, for the C servers of perf/ and the sanitizer build:

    python vendor/build_libuv.py --prefix vendor/prefix [--cflags "-fsanitize=address"]

The tarball (vendor/dl/<LIBUV_TARBALL> from vendor/libuv.pin) is checked against the pin's
sha256 before anything is extracted. This module never downloads: vendor/fetch_libuv.sh does.
"""
import argparse
import concurrent.futures
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
PIN = os.path.join(HERE, 'libuv.pin')

# The oldest libuv nixloop builds against (NIXLOOP_USE_SYSTEM_LIBUV=1): uv_pipe_bind2,
# uv_pipe_connect2 and UV_PIPE_NO_TRUNCATE arrived in 1.46.0; every other libuv function and
# constant nixloop uses is in 1.44 already (checked against Debian 12's uv.h, 1.44.2).
MIN_VERSION = (1, 46, 0)

# libuv 1.50's sources for Linux (CMakeLists.txt: the common list, the "UNIX" list and the
# "Linux" list, plus proctitle.c).
SOURCES = [
    'src/fs-poll.c', 'src/idna.c', 'src/inet.c', 'src/random.c', 'src/strscpy.c', 'src/strtok.c',
    'src/thread-common.c', 'src/threadpool.c', 'src/timer.c', 'src/uv-common.c',
    'src/uv-data-getter-setters.c', 'src/version.c',
    'src/unix/async.c', 'src/unix/core.c', 'src/unix/dl.c', 'src/unix/fs.c',
    'src/unix/getaddrinfo.c', 'src/unix/getnameinfo.c', 'src/unix/loop-watcher.c',
    'src/unix/loop.c', 'src/unix/pipe.c', 'src/unix/poll.c', 'src/unix/process.c',
    'src/unix/random-devurandom.c', 'src/unix/signal.c', 'src/unix/stream.c', 'src/unix/tcp.c',
    'src/unix/thread.c', 'src/unix/tty.c', 'src/unix/udp.c',
    'src/unix/linux.c', 'src/unix/procfs-exepath.c', 'src/unix/random-getrandom.c',
    'src/unix/random-sysctl-linux.c', 'src/unix/proctitle.c',
]
DEFINES = [('_FILE_OFFSET_BITS', '64'), ('_LARGEFILE_SOURCE', None), ('_GNU_SOURCE', None),
           ('_POSIX_C_SOURCE', '200112')]
CFLAGS = ['-O2', '-fPIC', '-fno-strict-aliasing', '-Wno-unused-parameter']
# What a program linked against libuv.a needs besides libuv (libuv's CMakeLists: pthread dl rt).
LIBS = ['-lpthread', '-ldl', '-lrt']
# The licence files of the release, shipped with every sdist and wheel that embeds libuv.
LICENSE_MEMBERS = ['LICENSE', 'LICENSE-extra']


class LibuvError(Exception):
    """The pinned libuv cannot be had or built; the message says what to do."""


def read_pin(path=PIN):
    pin = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#') and '=' in line:
                key, value = line.split('=', 1)
                pin[key.strip()] = value.strip()
    for key in ('LIBUV_VERSION', 'LIBUV_TARBALL', 'LIBUV_SHA256'):
        if key not in pin:
            raise LibuvError(f'{path}: {key} is missing')
    return pin


def tarball_path(pin, vendor_dir=HERE):
    return os.path.join(vendor_dir, 'dl', pin['LIBUV_TARBALL'])


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def check_tarball(path, pin):
    """Raise LibuvError unless `path` is the pinned release tarball."""
    if not os.path.isfile(path):
        raise LibuvError(
            f'the libuv {pin["LIBUV_VERSION"]} release tarball is missing: {path}\n'
            '  In a git checkout, fetch it with `make libuv` (vendor/fetch_libuv.sh); an sdist '
            'carries it.\n  Or link a system libuv with NIXLOOP_USE_SYSTEM_LIBUV=1.')
    got = sha256_of(path)
    if got != pin['LIBUV_SHA256']:
        raise LibuvError(f'{path}: sha256 {got} does not match the pin '
                         f'{pin["LIBUV_SHA256"]} in vendor/libuv.pin')


def _members(tar):
    """The tarball's members with the top directory stripped; refuses unsafe paths."""
    for member in tar.getmembers():
        parts = member.name.split('/', 1)
        if len(parts) < 2 or not parts[1]:
            continue
        rel = os.path.normpath(parts[1])
        if rel.startswith('..') or os.path.isabs(rel) or not (member.isfile() or member.isdir()):
            continue            # libuv's release has no links or devices; skip anything odd
        yield member, rel


def extract(tarball, dest, only=None):
    """Extract the tarball (top directory stripped) into dest; `only`: relative paths wanted."""
    with tarfile.open(tarball, 'r:gz') as tar:
        for member, rel in _members(tar):
            if only is not None and rel not in only and not any(
                    rel.startswith(p.rstrip('/') + '/') for p in only):
                continue
            target = os.path.join(dest, rel)
            if member.isdir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, 'wb') as out:
                shutil.copyfileobj(src, out)


def write_license(tarball, pin, path):
    """Write libuv's licence files from the tarball into one notice file at `path`."""
    texts = {}
    with tarfile.open(tarball, 'r:gz') as tar:
        for member, rel in _members(tar):
            if rel in LICENSE_MEMBERS:
                with tar.extractfile(member) as f:
                    texts[rel] = f.read().decode('utf-8')
    missing = [m for m in LICENSE_MEMBERS if m not in texts]
    if missing:
        raise LibuvError(f'{tarball}: no {", ".join(missing)} in the release tarball')
    parts = [f'nixloop links libuv {pin["LIBUV_VERSION"]} statically. Its licence files follow.\n']
    for name in LICENSE_MEMBERS:
        parts.append(f'\n===== libuv {name} =====\n\n{texts[name]}')
    data = ''.join(parts)
    old = None
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            old = f.read()
    if old != data:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(data)


def _version_tuple(text):
    return tuple(int(p) for p in re.findall(r'\d+', text)[:3])


def system_libuv(min_version=MIN_VERSION, pkg_config='pkg-config'):
    """(include_dirs, link_args) of the system libuv from pkg-config, checked >= min_version."""
    def query(*args):
        return subprocess.check_output([pkg_config, *args, 'libuv'], text=True,
                                       stderr=subprocess.PIPE).strip()
    try:
        version = query('--modversion')
        cflags, libs = query('--cflags'), query('--libs')
    except OSError as exc:
        raise LibuvError(f'pkg-config is needed to find the system libuv: {exc}') from None
    except subprocess.CalledProcessError as exc:
        raise LibuvError(f'pkg-config does not find libuv (install its development package, '
                         f'e.g. libuv1-dev): {exc.stderr.strip()}') from None
    want = '.'.join(map(str, min_version))
    if _version_tuple(version) < tuple(min_version):
        raise LibuvError(
            f'the system libuv is {version}, and nixloop needs libuv >= {want} '
            '(uv_pipe_bind2, uv_pipe_connect2). Upgrade libuv, or unset NIXLOOP_USE_SYSTEM_LIBUV '
            'to build the pinned libuv into nixloop.')
    inc = [f[2:] for f in shlex.split(cflags) if f.startswith('-I')]
    return inc, shlex.split(libs)


def _build_key(pin, compiler, extra_cflags):
    exe = ' '.join(getattr(compiler, 'compiler_so', None) or [])
    text = '\n'.join([pin['LIBUV_SHA256'], exe, ' '.join(CFLAGS), ' '.join(extra_cflags)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build(tarball, pin, out_dir, compiler, extra_cflags=(), jobs=None, log=print):
    """Compile libuv into out_dir (reused when the pin, compiler and flags are unchanged).

    Returns (include_dir, object_files, static_library)."""
    check_tarball(tarball, pin)
    extra_cflags = list(extra_cflags)
    stamp = os.path.join(out_dir, '.nixloop-stamp')
    key = _build_key(pin, compiler, extra_cflags)
    src_dir = os.path.join(out_dir, 'src')
    obj_dir = os.path.join(out_dir, 'obj')
    include_dir = os.path.join(src_dir, 'include')
    lib_dir = os.path.join(out_dir, 'lib')
    objects = compiler.object_filenames(SOURCES, output_dir=obj_dir)
    library = compiler.library_filename('uv', output_dir=lib_dir)
    if os.path.exists(stamp):
        with open(stamp, encoding='utf-8') as f:
            if f.read() == key and all(map(os.path.exists, objects + [library])):
                return include_dir, objects, library
    shutil.rmtree(out_dir, ignore_errors=True)
    extract(tarball, src_dir, only=['include', 'src'])
    for obj in objects:
        os.makedirs(os.path.dirname(obj), exist_ok=True)
    os.makedirs(lib_dir, exist_ok=True)
    log(f'compiling libuv {pin["LIBUV_VERSION"]}: {len(SOURCES)} files')
    cflags = CFLAGS + extra_cflags
    includes = [include_dir, os.path.join(src_dir, 'src')]

    def one(source):
        # Relative source names under the source dir give short object paths (obj/src/...).
        return compiler.compile([source], output_dir=obj_dir, macros=DEFINES,
                                include_dirs=includes, extra_postargs=cflags)[0]

    cwd = os.getcwd()
    os.chdir(src_dir)           # the compiler names objects after the relative source path
    try:
        jobs = jobs or min(2, os.cpu_count() or 1)
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            list(pool.map(one, SOURCES))
    finally:
        os.chdir(cwd)
    compiler.create_static_lib(objects, 'uv', output_dir=lib_dir)
    with open(stamp, 'w', encoding='utf-8') as f:
        f.write(key)
    return include_dir, objects, library


def _default_compiler():
    try:
        from setuptools._distutils.ccompiler import new_compiler
        from setuptools._distutils.sysconfig import customize_compiler
    except ImportError:                                   # pragma: no cover
        from distutils.ccompiler import new_compiler
        from distutils.sysconfig import customize_compiler
    compiler = new_compiler()
    customize_compiler(compiler)
    return compiler


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--prefix', required=True,
                    help='install libuv.a into PREFIX/lib and its headers into PREFIX/include')
    ap.add_argument('--cflags', default=os.environ.get('NIXLOOP_LIBUV_CFLAGS', ''),
                    help='extra C flags (default: $NIXLOOP_LIBUV_CFLAGS)')
    args = ap.parse_args(argv)
    pin = read_pin()
    prefix = os.path.abspath(args.prefix)
    try:
        inc, _objects, lib = build(tarball_path(pin), pin, os.path.join(prefix, 'build'),
                                   _default_compiler(), shlex.split(args.cflags))
    except LibuvError as exc:
        sys.exit(f'build_libuv.py: error: {exc}')
    os.makedirs(os.path.join(prefix, 'lib'), exist_ok=True)
    shutil.copy2(lib, os.path.join(prefix, 'lib', 'libuv.a'))
    shutil.rmtree(os.path.join(prefix, 'include'), ignore_errors=True)
    shutil.copytree(inc, os.path.join(prefix, 'include'))
    print(f'build_libuv.py: libuv {pin["LIBUV_VERSION"]} in {prefix}', file=sys.stderr)


if __name__ == '__main__':
    main()
