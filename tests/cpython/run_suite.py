#!/usr/bin/env python
"""Run CPython's own asyncio test suite (test.test_asyncio) with a chosen event loop swapped in.

    PYTHONPATH=. .venv/bin/python tests/cpython/run_suite.py                # nixloop, every module
    PYTHONPATH=. .venv/bin/python tests/cpython/run_suite.py --loop asyncio uvloop nixloop \
        --modules test_tasks test_locks --json out.json
    PYTHONPATH=. .venv-3.12.1/bin/python tests/cpython/run_suite.py ...     # that Python's own suite

The suite run is the one of the Python running this script (each installation ships its own
Lib/test/test_asyncio); every module in it runs by default. How the loop is swapped in is described
in swap.py (child side).

Each module runs in a subprocess with a per-module timeout and a per-test watchdog
(faulthandler): a hanging test is reported as `hang` with its traceback, and the module is resumed
after it. A module that skips itself at import (Windows-only ones) is reported as skipped.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def all_modules(python=None):
    """Every test_*.py module of test.test_asyncio of `python` (default: this one), sorted."""
    if python and python != sys.executable:
        out = subprocess.run([python, os.path.abspath(__file__), '--list-modules'],
                             stdout=subprocess.PIPE, check=True).stdout.decode()
        return out.split()
    import importlib.util
    spec = importlib.util.find_spec('test.test_asyncio')
    if spec is None:
        return []
    folder = list(spec.submodule_search_locations)[0]
    return sorted(f[:-3] for f in os.listdir(folder)
                  if f.startswith('test_') and f.endswith('.py'))


def _version(python):
    """(major, minor) of the interpreter `python`."""
    if python == sys.executable:
        return sys.version_info[:2]
    out = subprocess.run([python, '-c', 'import sys; print(*sys.version_info[:2])'],
                         stdout=subprocess.PIPE, check=True).stdout.split()
    return int(out[0]), int(out[1])


def _short_tb(text, limit=2500):
    if len(text) <= limit:
        return text
    return text[:800] + '\n   [...]\n' + text[-(limit - 800):]


def child_main(args):
    import faulthandler
    import fnmatch
    import unittest
    import warnings

    import swap

    # A child started from a background job inherits SIGINT ignored; unittest (and the Runner
    # tests of test_runners, which interrupt the main thread) expect Python's default handler.
    import signal
    signal.signal(signal.SIGINT, signal.default_int_handler)

    out = open(args.out, 'a', buffering=1)
    hang_log = open(args.out + '.hang', 'w')

    def emit(**rec):
        out.write(json.dumps(rec) + '\n')

    mod, skipped = swap.prepare_module(args.module, args.loop, adapt=not args.no_adapt)
    if mod is None:
        emit(event='module_skipped', reason=skipped)
        emit(event='done')
        out.close()
        return 0
    _Tracker = swap.Tracker

    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
    exclude = set(args.exclude or ())
    not_run = dict(item.split('=', 1) for item in args.skip or ())
    only = args.only or ()

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from flatten(t)
            else:
                yield t

    tests = [t for t in flatten(suite) if t.id() not in exclude
             and (not only or any(fnmatch.fnmatchcase(t.id(), pat) for pat in only))]
    # Tests the caller does not want run (they would wait on a real network connection that the
    # test mocks away for stdlib's loop only): reported as skipped, with the caller's reason.
    for t in tests:
        if t.id() in not_run and hasattr(t, '_testMethodName'):
            setattr(t, t._testMethodName, unittest.skip(not_run[t.id()])(
                getattr(t, t._testMethodName)))
    suite = unittest.TestSuite(tests)

    class Result(unittest.TestResult):
        _current = None

        def startTest(self, test):
            super().startTest(test)
            self._begin(test)
            if args.test_timeout:
                faulthandler.dump_traceback_later(args.test_timeout, exit=True, file=hang_log)

        def _begin(self, test):
            self._current = test.id()
            self._outcome = None
            self._detail = None
            _Tracker.count = 0
            self._t0 = time.monotonic()
            emit(event='start', test=test.id())

        def _started(self, test):
            # unittest 3.12.1 reports a decorator-skipped test (addSkip, stopTest) without
            # calling startTest first.
            if self._current != test.id():
                self._begin(test)

        def _set(self, outcome, detail=None):
            # A test can report several outcomes (subtests); the worst wins.
            order = ['pass', 'skip', 'xfail', 'uxpass', 'fail', 'error']
            if self._outcome is None or order.index(outcome) > order.index(self._outcome):
                self._outcome = outcome
                if detail is not None:
                    self._detail = detail

        def _err_text(self, test, err):
            return self._exc_info_to_string(err, test)

        def addSuccess(self, test):
            super().addSuccess(test)
            self._set('pass')

        def addError(self, test, err):
            super().addError(test, err)
            text = self._err_text(test, err)
            self._set('error', text)

        def addFailure(self, test, err):
            super().addFailure(test, err)
            text = self._err_text(test, err)
            self._set('fail', text)

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            self._started(test)
            self._set('skip', reason)

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            self._set('xfail')

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            self._set('uxpass')

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                text = self._err_text(test, err)
                failed = issubclass(err[0], test.failureException)
                self._set('fail' if failed else 'error', f'[{subtest}]\n' + text)

        def stopTest(self, test):
            if args.test_timeout:
                faulthandler.cancel_dump_traceback_later()
            super().stopTest(test)
            self._started(test)
            self._current = None
            emit(event='end', test=test.id(), outcome=self._outcome or 'pass',
                 on_loop=_Tracker.count > 0, secs=round(time.monotonic() - self._t0, 3),
                 detail=_short_tb(self._detail) if self._detail and self._outcome not in (
                     'pass', 'xfail', 'uxpass') else self._detail)

    # Keep the console quiet: tests log expected errors through the asyncio logger.
    import logging
    logging.getLogger('asyncio').setLevel(logging.CRITICAL)
    result = Result()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        # A top-level TestSuite runs setUpModule/tearDownModule and class fixtures itself.
        suite.run(result)
    emit(event='done')
    out.close()
    return 0


# ------------------------------------------------------------------------------------------------
# Parent side: one subprocess per module, resumed after a hang or crash.

def run_module(module, loop, *, python=sys.executable, timeout=600, test_timeout=60,
               max_restarts=5, env=None, no_adapt=False, only=None, skip=None):
    """Run one module for one loop; returns a dict with counts and per-test records.

    `only`: fnmatch patterns of the test ids to run; `skip`: {test id: reason} not to run
    (reported as skipped with that reason)."""
    records = {}
    order = []
    hangs = []
    crashes = []
    exclude = []
    t0 = time.monotonic()
    env = dict(os.environ if env is None else env)
    # An explicit PYTHONPATH wins (to test another build of nixloop); the repo comes after it.
    env['PYTHONPATH'] = os.pathsep.join(p for p in (env.get('PYTHONPATH'), ROOT) if p)
    env.setdefault('PYTHONFAULTHANDLER', '1')
    status = 'ok'
    with tempfile.TemporaryDirectory(prefix='cpysuite-') as tmp:
        for attempt in range(max_restarts + 1):
            out = os.path.join(tmp, f'{attempt}.jsonl')
            open(out, 'w').close()
            cmd = [python, os.path.abspath(__file__), '--child', '--loop', loop,
                   '--module', module, '--out', out, '--test-timeout', str(test_timeout)]
            if no_adapt:
                cmd.append('--no-adapt')
            for pat in only or ():
                cmd += ['--only', pat]
            for test_id, reason in (skip or {}).items():
                if test_id.startswith(f'test.test_asyncio.{module}.'):
                    cmd += ['--skip', f'{test_id}={reason}']
            for t in exclude:
                cmd += ['--exclude', t]
            remaining = timeout - (time.monotonic() - t0)
            if remaining <= 0:
                status = 'timeout'
                break
            try:
                proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, timeout=remaining, cwd=tmp)
                rc, output = proc.returncode, proc.stdout.decode(errors='replace')
            except subprocess.TimeoutExpired as exc:
                rc, output = None, (exc.stdout or b'').decode(errors='replace')
            started = None
            done = False
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
                        if rec['test'] not in records:
                            order.append(rec['test'])
                        records[rec['test']] = rec
                    elif rec['event'] == 'done':
                        done = True
                    elif rec['event'] == 'module_skipped':
                        status = 'skipped: ' + rec['reason']
            if done and rc == 0:
                break
            hang_tb = ''
            if os.path.exists(out + '.hang'):
                hang_tb = open(out + '.hang').read()
            if started is None:
                # Died outside a test (import error, module fixture, ...).
                status = 'timeout' if rc is None else f'crashed (rc={rc})'
                crashes.append({'test': None, 'rc': rc, 'output': output[-3000:]})
                break
            kind = 'hang' if (rc is None or 'Timeout (' in hang_tb) else 'crash'
            rec = {'event': 'end', 'test': started, 'outcome': kind, 'on_loop': True,
                   'detail': _short_tb((hang_tb or output)[-4000:], 4000)}
            if kind == 'crash':
                rec['detail'] = f'rc={rc}\n' + rec['detail']
                crashes.append(rec)
            else:
                hangs.append(rec)
            records[started] = rec
            order.append(started)
            exclude = list(records)   # resume after everything already recorded
        else:
            status = 'too many restarts'
    counts = {k: 0 for k in ('pass', 'fail', 'error', 'skip', 'xfail', 'uxpass', 'hang',
                             'crash')}
    on_loop = 0
    for t in order:
        counts[records[t]['outcome']] += 1
        on_loop += bool(records[t].get('on_loop'))
    return {'module': module, 'loop': loop, 'status': status, 'counts': counts,
            'total': len(order), 'on_loop': on_loop,
            'secs': round(time.monotonic() - t0, 1),
            'tests': [records[t] for t in order],
            'crash_output': '\n'.join(c['output'] for c in crashes if c.get('test') is None)}


def problems(res):
    """The tests of a module result that did not pass (fail, error, hang, crash)."""
    return [t for t in res['tests'] if t['outcome'] in ('fail', 'error', 'hang', 'crash')]


def format_table(results, loops, modules):
    cols = ['pass', 'fail', 'error', 'skip', 'xfail', 'hang']
    lines = []
    head = f'{"module":<24}' + ''.join(f' | {lp:^31}' for lp in loops)
    lines.append(head)
    lines.append(f'{"":<24}' + ''.join(' | ' + ' '.join(f'{c[:5]:>4}' for c in cols)
                                       for _ in loops))
    lines.append('-' * len(lines[-1]))
    totals = {lp: {c: 0 for c in cols} for lp in loops}
    for m in modules:
        row = f'{m:<24}'
        for lp in loops:
            r = results.get((m, lp))
            if r is None:
                row += ' | ' + ' ' * 29
                continue
            c = dict(r['counts'])
            c['error'] += c['crash']
            row += ' | ' + ' '.join(f'{c[k]:>4}' for k in cols)
            if r['status'] != 'ok' and not r['status'].startswith('skipped'):
                row += '!'
            for k in cols:
                totals[lp][k] += c[k]
        lines.append(row)
    lines.append('-' * len(lines[1]))
    lines.append(f'{"TOTAL":<24}' + ''.join(' | ' + ' '.join(f'{totals[lp][k]:>4}' for k in cols)
                                            for lp in loops))
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--loop', nargs='+', default=['nixloop'],
                    choices=['asyncio', 'uvloop', 'nixloop'])
    ap.add_argument('--modules', nargs='+', default=None,
                    help='test_asyncio modules (default: every module of the Python that runs '
                         'the suite)')
    ap.add_argument('--json', help='write the full results (per test) to this file')
    ap.add_argument('--python', default=sys.executable)
    ap.add_argument('--timeout', type=float, default=600, help='per module and loop, seconds')
    ap.add_argument('--test-timeout', type=float, default=60, help='per test watchdog, seconds')
    ap.add_argument('-j', '--jobs', type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument('-v', '--verbose', action='store_true', help='print each failure')
    ap.add_argument('--only', action='append', metavar='PATTERN',
                    help='run only tests whose id matches this fnmatch pattern (repeatable)')
    ap.add_argument('--skip-listed', action='store_true',
                    help='do not run the tests the gate does not run (expected.not_run) on the '
                         'loops other than stdlib\'s')
    ap.add_argument('--no-adapt', action='store_true',
                    help='leave test_runners/test_pep492 on their stub BaseEventLoop')
    # child mode
    ap.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--module', help=argparse.SUPPRESS)
    ap.add_argument('--out', help=argparse.SUPPRESS)
    ap.add_argument('--exclude', action='append', help=argparse.SUPPRESS)
    ap.add_argument('--skip', action='append', help=argparse.SUPPRESS)
    ap.add_argument('--list-modules', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        args.loop = args.loop[0]
        return child_main(args)
    if args.list_modules:
        print('\n'.join(all_modules()))
        return 0

    modules = [m if m.startswith('test_') else 'test_' + m
               for m in args.modules or all_modules(args.python)]
    jobs = [(m, lp) for m in modules for lp in args.loop]
    skip = {}
    if args.skip_listed:
        import expected
        skip = expected.not_run(_version(args.python))
    results = {}
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futs = {pool.submit(run_module, m, lp, python=args.python, timeout=args.timeout,
                            test_timeout=args.test_timeout, no_adapt=args.no_adapt,
                            only=args.only, skip=None if lp == 'asyncio' else skip): (m, lp)
                for m, lp in jobs}
        for fut in futs:
            m, lp = futs[fut]
            r = fut.result()
            results[(m, lp)] = r
            c = r['counts']
            print(f'{m:<24} {lp:<8} pass={c["pass"]} fail={c["fail"]} error={c["error"]} '
                  f'skip={c["skip"]} xfail={c["xfail"]} hang={c["hang"]} '
                  f'crash={c["crash"]} (on loop: {r["on_loop"]}/{r["total"]}) '
                  f'{r["status"]} {r["secs"]}s', flush=True)
            if args.verbose:
                for t in problems(r):
                    print(f'    {t["outcome"].upper()}: {t["test"]}')
                    print('      ' + (t.get('detail') or '').strip().replace('\n', '\n      '))
    print()
    print(format_table(results, args.loop, modules))
    print('\nxfail = unittest expectedFailure; crash counted as error; '
          '! = module did not finish cleanly')
    # Differences: tests that pass on stdlib and do not on another loop.
    if 'asyncio' in args.loop:
        for lp in args.loop:
            if lp == 'asyncio':
                continue
            diff = []
            for m in modules:
                a, b = results.get((m, 'asyncio')), results.get((m, lp))
                if not a or not b:
                    continue
                ok = {t['test'] for t in a['tests'] if t['outcome'] == 'pass'}
                diff += [(t['test'], t['outcome']) for t in problems(b) if t['test'] in ok]
            print(f'\npass on asyncio, not on {lp}: {len(diff)}')
            for name, outcome in diff:
                print(f'  {outcome:<6} {name}')
    summary = {
        'python': sys.version.split()[0] if args.python == sys.executable else args.python,
        'loops': args.loop, 'modules': modules,
        'results': [{k: v for k, v in r.items()} for r in results.values()],
        'summary': {f'{m}/{lp}': dict(results[(m, lp)]['counts'], status=results[(m, lp)]['status'],
                                      on_loop=results[(m, lp)]['on_loop'])
                    for (m, lp) in results},
    }
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(summary, f, indent=1)
        print(f'\nJSON written to {args.json}')
    bad = sum(len(problems(r)) for r in results.values())
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
