"""Build of nixloop's Cython extension, statically linked against the vendored libuv.

vendor/fetch_libuv.sh fetches and builds the pinned libuv into vendor/prefix (run here when the
archive is missing). NIXLOOP_USE_SYSTEM_LIBUV=1 links the system libuv through pkg-config.
NIXLOOP_SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer.
"""
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = os.path.join(HERE, 'vendor', 'prefix')


def _env_flag(name):
    return os.environ.get(name, '') not in ('', '0', 'false', 'no')


def libuv_flags():
    if _env_flag('NIXLOOP_USE_SYSTEM_LIBUV'):
        try:
            cflags = subprocess.check_output(['pkg-config', '--cflags', 'libuv'], text=True)
            libs = subprocess.check_output(['pkg-config', '--libs', 'libuv'], text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f'NIXLOOP_USE_SYSTEM_LIBUV=1 but pkg-config cannot find libuv: {exc}')
        inc = [f[2:] for f in shlex.split(cflags) if f.startswith('-I')]
        return inc, [], shlex.split(libs)
    archive = os.path.join(PREFIX, 'lib', 'libuv.a')
    if not os.path.exists(archive):
        subprocess.check_call(['bash', os.path.join(HERE, 'vendor', 'fetch_libuv.sh')])
    return [os.path.join(PREFIX, 'include')], [archive], ['-lpthread', '-ldl', '-lrt']


def extensions():
    from Cython.Build import cythonize
    include_dirs, objects, link_args = libuv_flags()
    cflags = ['-O2', '-fno-strict-aliasing', '-Wno-unused-function']
    directives = {
        'language_level': 3,
        'embedsignature': True,
    }
    if _env_flag('NIXLOOP_SANITIZE'):
        san = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-O1', '-g']
        cflags += san
        link_args += ['-fsanitize=address,undefined']
    if _env_flag('NIXLOOP_DEBUG'):
        cflags += ['-O0', '-g3']
    ext = Extension(
        'nixloop._core._loop',
        sources=['nixloop/_core/_loop.pyx'],
        include_dirs=include_dirs + [os.path.join(HERE, 'nixloop', '_core')],
        extra_objects=objects,
        extra_compile_args=cflags,
        extra_link_args=link_args,
    )
    return cythonize([ext], compiler_directives=directives,
                     annotate=_env_flag('NIXLOOP_ANNOTATE'),
                     include_path=[os.path.join(HERE, 'nixloop', '_core')])


setup(ext_modules=extensions())
