#!/usr/bin/env python
"""Run uvloop's own test suite on uvloop and on nixloop, and compare them test by test.

    .venv/bin/python tests/uvloop_suite/run_suite.py              # both loops, compare, gate
    .venv/bin/python tests/uvloop_suite/run_suite.py -v           # ... and print every failure
    .venv/bin/python tests/uvloop_suite/run_suite.py --loop nixloop --only '*test_context*'

What runs: the `tests/` directory of the uvloop sdist pinned in uvloop.pin (fetched with
`pip download --no-binary uvloop`, sha256 checked, cached under build/uvloop-suite/; nothing of
uvloop's is committed here). Only its UV test classes (subclasses of uvloop._testbase.UVTestCase)
run, minus the modules in allowed.EXCLUDED_MODULES, which test uvloop's internals.

How nixloop goes in: shim/sitecustomize.py, on PYTHONPATH with NIXLOOP_UVLOOP_SUITE=nixloop, puts
nixloop's new_event_loop/Loop/EventLoopPolicy/run/install in place of uvloop's in the test process
and in every Python subprocess the tests start. The tests are otherwise unchanged: they keep
`implementation == 'uvloop'`, so nixloop is held to uvloop's expectations.

The gate: every test that passes on uvloop passes on nixloop, except those listed in
allowed.ALLOWED_DIFFERENCES with their reason. A hang or crash is never allowed. Each loop runs in
a child process with a per-test watchdog (faulthandler); after a hang or crash the child is
restarted after the tests already recorded.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHIM = os.path.join(HERE, 'shim')
CACHE = os.path.join(ROOT, 'build', 'uvloop-suite')
OUTCOMES = ('pass', 'fail', 'error', 'skip', 'xfail', 'uxpass', 'hang', 'crash')


def read_pin():
    pin = {}
    with open(os.path.join(HERE, 'uvloop.pin')) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                key, _, value = line.partition('=')
                pin[key.strip()] = value.strip()
    return pin['UVLOOP_VERSION'], pin['UVLOOP_SDIST_SHA256']


def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 16), b''):
            h.update(block)
    return h.hexdigest()


def prepare(python=sys.executable):
    """Fetch the pinned sdist (if not cached), check it, extract its tests/; returns the directory
    that holds the `tests` package."""
    version, sha = read_pin()
    os.makedirs(CACHE, exist_ok=True)
    tarball = os.path.join(CACHE, f'uvloop-{version}.tar.gz')
    if not os.path.exists(tarball) or _sha256(tarball) != sha:
        if os.path.exists(tarball):
            os.unlink(tarball)
        with tempfile.TemporaryDirectory(prefix='uvloop-sdist-') as tmp:
            # --no-binary uvloop (not :all:): the sdist of uvloop itself; its build requirements,
            # which pip installs to read its metadata, may come as wheels (building Cython from
            # source took over 10 minutes).
            subprocess.run([python, '-m', 'pip', 'download', '-q', '--no-binary', 'uvloop',
                            '--no-deps', f'uvloop=={version}', '-d', tmp], check=True)
            got = [n for n in os.listdir(tmp) if n.endswith('.tar.gz')]
            if len(got) != 1:
                raise SystemExit(f'pip download gave {got}, expected one uvloop sdist')
            path = os.path.join(tmp, got[0])
            actual = _sha256(path)
            if actual != sha:
                raise SystemExit(f'uvloop {version} sdist sha256 mismatch: {actual} != {sha} '
                                 '(uvloop.pin)')
            os.replace(path, tarball)
    dest = os.path.join(CACHE, f'uvloop-{version}')
    stamp = os.path.join(dest, '.extracted')
    if not os.path.exists(stamp) or open(stamp).read() != sha:
        prefix = f'uvloop-{version}/tests/'
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers()
                       if m.name.startswith(prefix) and (m.isfile() or m.isdir())
                       and '..' not in m.name.split('/')]
            for m in members:
                m.name = m.name[len(f'uvloop-{version}/'):]
            tar.extractall(dest, members=members)
        with open(stamp, 'w') as f:
            f.write(sha)
    return dest


def check_installed_uvloop(python=sys.executable):
    version, _ = read_pin()
    got = subprocess.run([python, '-c', 'import uvloop; print(uvloop.__version__)'],
                         capture_output=True, text=True)
    if got.returncode != 0 or got.stdout.strip() != version:
        raise SystemExit(f'the suite is uvloop {version}\'s; this Python has uvloop '
                         f'{got.stdout.strip() or "(none)"}: pip install uvloop=={version}')


# ------------------------------------------------------------------------------------------------
# Child side: runs the UV classes on one loop in this process.

def _flatten(suite):
    import unittest
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


def select_tests(tests_root):
    """The UV tests to run (and the import errors, as pseudo-tests that fail)."""
    import unittest
    from allowed import EXCLUDED_MODULES
    from uvloop import _testbase as tb
    loader = unittest.TestLoader()
    suite = loader.discover(os.path.join(tests_root, 'tests'), top_level_dir=tests_root)
    chosen, broken = [], []
    for t in _flatten(suite):
        if type(t).__name__ == '_FailedTest':
            broken.append(t)
        elif isinstance(t, tb.UVTestCase) and t.id().split('.')[1] not in EXCLUDED_MODULES:
            chosen.append(t)
    return chosen, broken


def child_main(args):
    import faulthandler
    import fnmatch
    import unittest
    sys.path.insert(0, args.tests_root)
    sys.path.insert(0, HERE)
    if args.loop != 'uvloop':
        import uvloop
        if getattr(uvloop, 'SWAPPED_IN', None) != args.loop:
            raise SystemExit(f'{args.loop} was not swapped in (shim/sitecustomize.py not loaded)')
    chosen, broken = select_tests(args.tests_root)
    exclude = set(args.exclude or ())
    tests = [t for t in chosen + broken if t.id() not in exclude
             and (not args.only or any(fnmatch.fnmatchcase(t.id(), p) for p in args.only))]
    out = open(args.out, 'a', buffering=1)
    hang_log = open(args.out + '.hang', 'w')

    def emit(**rec):
        out.write(json.dumps(rec) + '\n')

    class Result(unittest.TestResult):
        def startTest(self, test):
            super().startTest(test)
            self._outcome, self._detail = None, None
            self._t0 = time.monotonic()
            emit(event='start', test=test.id())
            faulthandler.dump_traceback_later(args.test_timeout, exit=True, file=hang_log)

        def _set(self, outcome, detail=None):
            order = ['pass', 'skip', 'xfail', 'uxpass', 'fail', 'error']
            if self._outcome is None or order.index(outcome) > order.index(self._outcome):
                self._outcome, self._detail = outcome, detail

        def addSuccess(self, test):
            self._set('pass')

        def addError(self, test, err):
            self._set('error', self._exc_info_to_string(err, test))

        def addFailure(self, test, err):
            self._set('fail', self._exc_info_to_string(err, test))

        def addSkip(self, test, reason):
            self._set('skip', reason)

        def addExpectedFailure(self, test, err):
            self._set('xfail')

        def addUnexpectedSuccess(self, test):
            self._set('uxpass')

        def addSubTest(self, test, subtest, err):
            if err is not None:
                kind = 'fail' if issubclass(err[0], test.failureException) else 'error'
                self._set(kind, f'[{subtest}]\n' + self._exc_info_to_string(err, test))

        def stopTest(self, test):
            faulthandler.cancel_dump_traceback_later()
            super().stopTest(test)
            detail = self._detail
            if detail and len(detail) > 3000:
                detail = detail[:1000] + '\n[...]\n' + detail[-2000:]
            emit(event='end', test=test.id(), outcome=self._outcome or 'pass',
                 secs=round(time.monotonic() - self._t0, 3), detail=detail)

    unittest.TestSuite(tests).run(Result())
    emit(event='done')
    out.close()
    return 0


# ------------------------------------------------------------------------------------------------
# Parent side.

def run_loop(loop, tests_root, *, python=sys.executable, test_timeout=60, timeout=900,
             only=None, max_restarts=10):
    """Run the suite on `loop` in child processes; returns {test id: record} in run order."""
    records = {}
    t0 = time.monotonic()
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (SHIM, env.get('PYTHONPATH'), ROOT) if p)
    env['NIXLOOP_UVLOOP_SUITE'] = loop
    env.setdefault('PYTHONFAULTHANDLER', '1')
    with tempfile.TemporaryDirectory(prefix='uvsuite-') as tmp:
        for attempt in range(max_restarts + 1):
            out = os.path.join(tmp, f'{attempt}.jsonl')
            open(out, 'w').close()
            cmd = [python, os.path.abspath(__file__), '--child', '--loop', loop, '--out', out,
                   '--tests-root', tests_root, '--test-timeout', str(test_timeout)]
            for pat in only or ():
                cmd += ['--only', pat]
            for t in records:
                cmd += ['--exclude', t]
            remaining = timeout - (time.monotonic() - t0)
            if remaining <= 0:
                break
            try:
                proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, timeout=remaining, cwd=tmp,
                                      stdin=subprocess.DEVNULL)
                rc, output = proc.returncode, proc.stdout.decode(errors='replace')
            except subprocess.TimeoutExpired as exc:
                rc, output = None, (exc.stdout or b'').decode(errors='replace')
            started, done = None, False
            with open(out) as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        continue
                    if rec['event'] == 'start':
                        started = rec['test']
                    elif rec['event'] == 'end':
                        started = None
                        records[rec['test']] = rec
                    elif rec['event'] == 'done':
                        done = True
            if done and rc == 0:
                return records
            if started is None:
                raise SystemExit(f'{loop}: the suite process died outside a test (rc={rc}):\n'
                                 + output[-3000:])
            hang_tb = open(out + '.hang').read() if os.path.exists(out + '.hang') else ''
            kind = 'hang' if (rc is None or 'Timeout (' in hang_tb) else 'crash'
            records[started] = {'event': 'end', 'test': started, 'outcome': kind,
                                'detail': f'rc={rc}\n' + (hang_tb or output)[-3000:]}
    raise SystemExit(f'{loop}: the suite did not finish ({len(records)} tests recorded)')


def _module(test_id):
    return test_id.split('.')[1]


def compare(results, allowed):
    """Sort the tests into the gate's categories."""
    uv, nx = results['uvloop'], results['nixloop']
    out = {'unexpected': [], 'allowed': [], 'stale': [], 'nixloop_only': [], 'unknown': []}
    for test, rec in uv.items():
        b = nx.get(test, {}).get('outcome', 'missing')
        if rec['outcome'] == 'pass' and b != 'pass':
            if test in allowed and b not in ('hang', 'crash'):
                out['allowed'].append((test, b))
            else:
                out['unexpected'].append((test, b))
        elif b == 'pass' and rec['outcome'] != 'pass':
            out['nixloop_only'].append((test, rec['outcome']))
    for test in allowed:
        if test not in uv:
            out['unknown'].append(test)
        elif nx.get(test, {}).get('outcome') == 'pass':
            out['stale'].append(test)
    return out


def table(results, loops):
    modules = sorted({_module(t) for r in results.values() for t in r})
    cols = ('pass', 'fail', 'error', 'skip', 'hang')
    lines = [f'{"module":<14}' + ''.join(f' | {lp:^29}' for lp in loops),
             f'{"":<14}' + ''.join(' | ' + ' '.join(f'{c:>5}' for c in cols) for _ in loops)]
    lines.append('-' * len(lines[-1]))
    totals = {lp: dict.fromkeys(cols, 0) for lp in loops}
    for m in modules:
        row = f'{m:<14}'
        for lp in loops:
            counts = dict.fromkeys(OUTCOMES, 0)
            for t, rec in results[lp].items():
                if _module(t) == m:
                    counts[rec['outcome']] += 1
            counts['error'] += counts['crash'] + counts['uxpass']
            counts['skip'] += counts['xfail']
            row += ' | ' + ' '.join(f'{counts[c]:>5}' for c in cols)
            for c in cols:
                totals[lp][c] += counts[c]
        lines.append(row)
    lines.append(lines[2])
    lines.append(f'{"TOTAL":<14}' + ''.join(' | ' + ' '.join(f'{totals[lp][c]:>5}' for c in cols)
                                          for lp in loops))
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--loop', nargs='+', default=['uvloop', 'nixloop'],
                    choices=['uvloop', 'nixloop', 'asyncio'],
                    help='asyncio: stdlib\'s loop in uvloop\'s place, to classify differences '
                         '(not gated)')
    ap.add_argument('--only', action='append', metavar='PATTERN',
                    help='only tests whose id matches this fnmatch pattern (repeatable; '
                         'no gate then)')
    ap.add_argument('--test-timeout', type=float, default=60, help='per-test watchdog, seconds')
    ap.add_argument('--json', help='write every test record to this file')
    ap.add_argument('-v', '--verbose', action='store_true', help='print each difference\'s '
                                                                 'traceback')
    ap.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--out', help=argparse.SUPPRESS)
    ap.add_argument('--tests-root', help=argparse.SUPPRESS)
    ap.add_argument('--exclude', action='append', help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        args.loop = args.loop[0]
        return child_main(args)

    sys.path.insert(0, HERE)
    from allowed import ALLOWED_DIFFERENCES, EXCLUDED_MODULES
    check_installed_uvloop()
    tests_root = prepare()
    results = {}
    for lp in args.loop:
        t0 = time.monotonic()
        results[lp] = run_loop(lp, tests_root, test_timeout=args.test_timeout, only=args.only)
        n = sum(r['outcome'] == 'pass' for r in results[lp].values())
        print(f'{lp}: {n} of {len(results[lp])} pass ({time.monotonic() - t0:.0f} s)', flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    version, _ = read_pin()
    print(f'\nuvloop {version}\'s tests/, UV classes (excluded modules: '
          f'{", ".join(sorted(EXCLUDED_MODULES))})')
    print(table(results, args.loop))
    if args.verbose or len(args.loop) == 1:
        for lp in args.loop:
            for t, rec in results[lp].items():
                if rec['outcome'] not in ('pass', 'skip') and (args.verbose or lp == 'nixloop'):
                    print(f'\n{lp} {rec["outcome"].upper()}: {t}\n  '
                          + (rec.get('detail') or '').strip().replace('\n', '\n  '))
    if not {'uvloop', 'nixloop'} <= set(args.loop):
        return 0
    cmp = compare(results, {} if args.only else ALLOWED_DIFFERENCES)
    print(f'\npass on uvloop, not on nixloop: {len(cmp["allowed"]) + len(cmp["unexpected"])} '
          f'({len(cmp["allowed"])} allowed, listed in allowed.py with their reasons)')
    aio = results.get('asyncio', {})

    def stdlib(test):
        return f'  (stdlib: {aio[test]["outcome"]})' if test in aio else ''
    for test, outcome in cmp['allowed']:
        print(f'  allowed  {outcome:<5} {test}{stdlib(test)}')
    for test, outcome in cmp['unexpected']:
        print(f'  NOT ALLOWED  {outcome:<5} {test}{stdlib(test)}')
        if args.verbose:
            print('    ' + (results['nixloop'][test].get('detail') or '').strip()
                  .replace('\n', '\n    '))
    if cmp['nixloop_only']:
        print(f'\npass on nixloop, not on uvloop: {len(cmp["nixloop_only"])}')
        for test, outcome in cmp['nixloop_only']:
            print(f'  uvloop {outcome:<5} {test}')
    for test in cmp['stale']:
        print(f'warning: {test} is listed in allowed.py but passes on nixloop now: remove it')
    if args.only:
        return 0
    for test in cmp['unknown']:
        print(f'error: allowed.py lists {test}, which the suite does not have')
    ok = not cmp['unexpected'] and not cmp['unknown']
    print('\nuvloop suite: ' + ('OK' if ok else 'FAILED (differences not in allowed.py)'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
