"""Build of nixloop's Cython extension, statically linked against the pinned libuv.

Importing this file (as `python -m build --sdist` or pip's metadata step do) neither downloads
nor compiles anything. libuv comes from, in order:
  - NIXLOOP_USE_SYSTEM_LIBUV=1: the system libuv through pkg-config (its version checked against
    vendor/build_libuv.py's MIN_VERSION, 1.46);
  - NIXLOOP_LIBUV_PREFIX=DIR: a libuv.a built by `vendor/build_libuv.py --prefix DIR` (the
    Makefile's development build and the sanitizer build use this);
  - otherwise the pinned release tarball vendor/dl/<LIBUV_TARBALL> (an sdist carries it; in a git
    checkout `make libuv` fetches it), checked against vendor/libuv.pin and compiled by
    build_ext with the extension's own compiler (vendor/build_libuv.py): no cmake.
NIXLOOP_SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer; NIXLOOP_DEBUG=1
without optimisation. Wheels (bdist_wheel) are linked stripped.
"""
import os
import shutil
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:                                       # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'vendor'))
import build_libuv  # noqa: E402  (vendor/build_libuv.py: pure Python, no side effects)

EXT_NAME = 'nixloop._core._loop'
EXT_SOURCE = 'nixloop/_core/_loop.pyx'
CYTHON_INCLUDE = 'nixloop/_core'      # the .pyx/.pxd include and cimport root
LIBUV_LICENSE = os.path.join('vendor', 'LICENSE-libuv')


def _env_flag(name):
    return os.environ.get(name, '') not in ('', '0', 'false', 'no')


class BuildExt(build_ext):
    """Compiles libuv (unless a prebuilt or system one is asked for), then the extension."""

    strip = False          # set by bdist_wheel: wheels ship a stripped extension

    def build_extensions(self):
        from Cython.Build import cythonize
        include_dirs, objects, link_args = self._libuv()
        macros = [('NL_LIBUV_MIN_HEX', '0x%02x%02x%02x' % build_libuv.MIN_VERSION)]
        cflags = ['-O2', '-fno-strict-aliasing', '-Wno-unused-function']
        if _env_flag('NIXLOOP_SANITIZE'):
            san = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-O1', '-g']
            cflags += san
            link_args = link_args + ['-fsanitize=address,undefined']
        if _env_flag('NIXLOOP_DEBUG'):
            cflags += ['-O0', '-g3']
        for ext in self.extensions:
            ext.include_dirs[:0] = include_dirs + [os.path.join(HERE, CYTHON_INCLUDE)]
            ext.extra_objects += objects
            ext.extra_compile_args += cflags
            ext.define_macros += macros
            ext.extra_link_args += link_args + self._export_only_init(ext)
            if self.strip:
                ext.extra_link_args.append('-s')
        # cythonize() answers with new Extension objects; keep setuptools' own (finalized) ones
        # and take only the generated C sources.
        generated = cythonize(
            self.extensions, compiler_directives={'language_level': 3, 'embedsignature': True},
            annotate=_env_flag('NIXLOOP_ANNOTATE'), include_path=[os.path.join(HERE, CYTHON_INCLUDE)],
            quiet=True)
        for ext, gen in zip(self.extensions, generated, strict=True):
            ext.sources = gen.sources
        super().build_extensions()

    def _libuv(self):
        if _env_flag('NIXLOOP_USE_SYSTEM_LIBUV'):
            try:
                inc, libs = build_libuv.system_libuv()
            except build_libuv.LibuvError as exc:
                sys.exit(f'NIXLOOP_USE_SYSTEM_LIBUV=1: {exc}')
            return inc, [], libs
        prefix = os.environ.get('NIXLOOP_LIBUV_PREFIX')
        if prefix:
            archive = os.path.join(prefix, 'lib', 'libuv.a')
            if not os.path.exists(archive):
                sys.exit(f'NIXLOOP_LIBUV_PREFIX={prefix}: no {archive} (build it with '
                         f'`python vendor/build_libuv.py --prefix {prefix}`)')
            return [os.path.join(prefix, 'include')], [archive], build_libuv.LIBS
        pin = build_libuv.read_pin()
        flags = []
        if _env_flag('NIXLOOP_SANITIZE'):
            flags = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-g']
        out = os.path.join(os.path.dirname(os.path.abspath(self.build_temp)), 'libuv')
        try:
            inc, _objects, library = build_libuv.build(
                build_libuv.tarball_path(pin), pin, out, self.compiler, flags,
                jobs=self.parallel if isinstance(self.parallel, int) else None)
        except build_libuv.LibuvError as exc:
            sys.exit(f'nixloop: {exc}')
        return [inc], [library], build_libuv.LIBS

    def _export_only_init(self, ext):
        # libuv's functions are declared with default visibility; a version script keeps the
        # extension's dynamic symbol table to its PyInit function.
        script = os.path.join(os.path.abspath(self.build_temp), 'nixloop-exports.map')
        os.makedirs(os.path.dirname(script), exist_ok=True)
        with open(script, 'w', encoding='utf-8') as f:
            f.write('{ global: PyInit_%s; local: *; };\n' % ext.name.rsplit('.', 1)[-1])
        return [f'-Wl,--version-script={script}']


class BdistWheel(bdist_wheel):
    def run(self):
        BuildExt.strip = True
        super().run()


class Sdist(sdist):
    """Puts the pinned libuv tarball (checked against the pin) and its licence into the sdist."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        pin = build_libuv.read_pin()
        tarball = build_libuv.tarball_path(pin)
        try:
            build_libuv.check_tarball(tarball, pin)
        except build_libuv.LibuvError as exc:
            sys.exit(f'sdist: {exc}')
        dest = os.path.join(base_dir, os.path.relpath(tarball, HERE))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(tarball, dest)


def license_files():
    """Our LICENSE, and libuv's licence when libuv is built in (written from the tarball)."""
    files = ['LICENSE']
    if _env_flag('NIXLOOP_USE_SYSTEM_LIBUV'):
        return files
    pin = build_libuv.read_pin()
    tarball = build_libuv.tarball_path(pin)
    path = os.path.join(HERE, LIBUV_LICENSE)
    if os.path.exists(tarball):
        try:
            build_libuv.write_license(tarball, pin, path)
        except build_libuv.LibuvError as exc:
            sys.exit(f'nixloop: {exc}')
    if os.path.exists(path):
        files.append(LIBUV_LICENSE)
    return files


setup(
    ext_modules=[Extension(EXT_NAME, sources=[EXT_SOURCE])],
    cmdclass={'build_ext': BuildExt, 'bdist_wheel': BdistWheel, 'sdist': Sdist},
    license_files=license_files(),
)
