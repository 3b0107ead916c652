#!/usr/bin/env python
"""Run CPython's own asyncio test suite (test.test_asyncio) with a chosen event loop swapped in.

    PYTHONPATH=. .venv/bin/python tests/cpython/run_suite.py --loop nixloop
    PYTHONPATH=. .venv/bin/python tests/cpython/run_suite.py --loop asyncio uvloop nixloop \
        --modules test_tasks test_locks --json out.json

How the loop is swapped in (in a child process per module):
  * the default policy class's `_loop_factory` is replaced, so `asyncio.new_event_loop()`,
    `asyncio.get_event_loop_policy().new_event_loop()`, `asyncio.run()`, `asyncio.Runner()` and
    `unittest.IsolatedAsyncioTestCase` (which goes through `asyncio.Runner`) all build the loop under
    test; `asyncio.set_event_loop_policy(None)` (every module's tearDownModule) keeps it that way,
    since a fresh default policy uses the patched class;
  * test_events: the stdlib builds its loop-test classes on `asyncio.SelectorEventLoop(<selector>)`
    directly; those classes are dropped (stdlib-only) and replaced by one class with the same mixins
    whose `create_event_loop()` builds the loop under test (for `--loop asyncio` this is the default
    SelectorEventLoop, so all three loops run the same test list);
  * tests written against `test_utils.TestLoop` (a BaseEventLoop subclass with a fake clock, used by
    test_tasks/test_futures through `new_test_loop()`) stay on TestLoop: they test the task and
    future implementations rather than the loop. Each test's record says whether it built a loop
    under test (`on_loop`), so those can be counted apart.

Each module runs in a subprocess with a per-module timeout and a per-test watchdog
(faulthandler): a hanging test is reported as `hang` with its traceback, and the module is resumed
after it. A failure whose traceback shows a nixloop `NotImplementedError` ("not implemented yet") is
counted as `notimpl` rather than a failure: it belongs to a later issue (sockets, pipes,
subprocesses).
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

# The areas issue 2 names (core), plus test_events (loop methods; the socket ones wait for the I/O
# issue).
CORE_MODULES = ['test_tasks', 'test_futures', 'test_futures2', 'test_locks', 'test_queues',
                'test_taskgroups', 'test_timeouts', 'test_runners', 'test_context',
                'test_waitfor', 'test_pep492', 'test_threads']
DEFAULT_MODULES = CORE_MODULES + ['test_events']

# Modules that test stdlib internals (selector/proactor/unix loop classes, BaseEventLoop with a
# mocked selector, Windows) rather than the AbstractEventLoop contract: swapping a loop in does not
# make them exercise it. They can still be run explicitly with --modules.
STDLIB_ONLY = {
    'test_base_events': 'BaseEventLoop internals (TestLoop/mocked selectors, _run_once, '
                        '_selector); a handful of tests use new_event_loop() but assert on '
                        'BaseEventLoop attributes',
    'test_selector_events': 'BaseSelectorEventLoop and _SelectorTransport internals',
    'test_proactor_events': 'Windows proactor internals',
    'test_unix_events': '_UnixSelectorEventLoop internals, child watchers, unix pipe transports',
    'test_windows_events': 'Windows only',
    'test_windows_utils': 'Windows only',
    'test_sslproto': 'asyncio.sslproto.SSLProtocol internals',
}
# Modules that need sockets/transports/subprocesses: meaningful once the I/O issue lands.
IO_MODULES = ['test_streams', 'test_server', 'test_sock_lowlevel', 'test_sendfile', 'test_ssl',
              'test_subprocess', 'test_buffered_proto', 'test_protocols', 'test_transports']

def _is_notimpl(text):
    """A nixloop NotImplementedError ("nixloop: ... not implemented yet (<issue area>)")."""
    return 'NotImplementedError: nixloop' in text and 'not implemented yet' in text

# test_events classes built on asyncio.SelectorEventLoop(<selector>) directly.
EVENTS_SELECTOR_CLASSES = ('KqueueEventLoopTests', 'EPollEventLoopTests', 'PollEventLoopTests',
                           'SelectEventLoopTests', 'ProactorEventLoopTests')


# ------------------------------------------------------------------------------------------------
# Child side: runs one module in this process.

def _loop_factory(kind):
    if kind == 'asyncio':
        import asyncio
        return asyncio.SelectorEventLoop
    if kind == 'uvloop':
        import uvloop
        return uvloop.new_event_loop
    if kind == 'nixloop':
        import nixloop
        return nixloop.new_event_loop
    raise ValueError(kind)


class _Tracker:
    """Counts the loops under test built while the current test runs."""
    count = 0


def _install(kind):
    """Make every default-policy loop a loop of `kind`. Returns the counted factory."""
    import asyncio
    import warnings
    base_factory = _loop_factory(kind)

    def factory():
        _Tracker.count += 1
        return base_factory()

    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        policy_cls = asyncio.DefaultEventLoopPolicy
        # BaseDefaultEventLoopPolicy.new_event_loop() calls self._loop_factory(). (For asyncio
        # itself this only adds the counting.)
        policy_cls._loop_factory = staticmethod(factory)
        # Python 3.13+: asyncio.EventLoop is the Runner's default loop class on some paths.
        if kind != 'asyncio' and hasattr(asyncio, 'EventLoop'):
            asyncio.EventLoop = factory
        asyncio.set_event_loop_policy(None)
    return factory


def _patch_test_events(mod, factory):
    """Replace the selector-specific loop test classes by one on the loop under test."""
    import unittest
    test_utils = mod.test_utils
    mixins = []
    if hasattr(mod, 'UnixEventLoopTestsMixin'):
        mixins.append(mod.UnixEventLoopTestsMixin)
    else:
        mixins.append(mod.EventLoopTestsMixin)
    if hasattr(mod, 'SubprocessTestsMixin'):
        mixins.append(mod.SubprocessTestsMixin)
    for name in EVENTS_SELECTOR_CLASSES:
        if hasattr(mod, name):
            delattr(mod, name)

    def create_event_loop(self):
        return factory()

    cls = type('LoopUnderTestEventLoopTests', tuple(mixins) + (test_utils.TestCase,),
               {'create_event_loop': create_event_loop, '__module__': mod.__name__})
    setattr(mod, cls.__name__, cls)
    return unittest


def _shim_close_loop(mod):
    """uvloop has no `_default_executor` attribute, which test_utils.TestCase.close_loop reads
    after every test; without this shim nearly every uvloop test would error in its cleanup. (nixloop
    provides the attribute, so it runs unshimmed.)"""
    test_utils = getattr(mod, 'test_utils', None)
    if test_utils is None:
        from test.test_asyncio import utils as test_utils
    orig = test_utils.TestCase.close_loop

    def close_loop(loop):
        if not hasattr(loop, '_default_executor'):
            if not loop.is_closed():
                loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
            return
        orig(loop)
    test_utils.TestCase.close_loop = staticmethod(close_loop)


def _adapt_stub_loops(mod, module, factory):
    """test_runners and test_pep492 run on `asyncio.BaseEventLoop()` with a mocked selector; put
    the loop under test there instead, keeping the instrumentation the tests rely on."""
    if module == 'test_runners':
        def new_loop(self):
            loop = factory()
            loop.shutdown_ag_run = False

            async def shutdown_asyncgens():
                loop.shutdown_ag_run = True
            loop.shutdown_asyncgens = shutdown_asyncgens
            return loop
        mod.BaseTest.new_loop = new_loop
    elif module == 'test_pep492':
        def setUp(self):
            mod.test_utils.TestCase.setUp(self)
            self.loop = factory()
            self.set_event_loop(self.loop)
        mod.BaseTest.setUp = setUp


# Modules whose stub loop _adapt_stub_loops replaces by the loop under test.
ADAPTED_MODULES = ('test_runners', 'test_pep492')


def _short_tb(text, limit=2500):
    if len(text) <= limit:
        return text
    return text[:800] + '\n   [...]\n' + text[-(limit - 800):]


def child_main(args):
    import faulthandler
    import fnmatch
    import importlib
    import unittest
    import warnings

    factory = _install(args.loop)
    out = open(args.out, 'a', buffering=1)
    hang_log = open(args.out + '.hang', 'w')

    def emit(**rec):
        out.write(json.dumps(rec) + '\n')

    modname = 'test.test_asyncio.' + args.module
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        mod = importlib.import_module(modname)
    if args.module == 'test_events':
        _patch_test_events(mod, factory)
    if args.module in ADAPTED_MODULES and not args.no_adapt:
        _adapt_stub_loops(mod, args.module, factory)

    if args.loop == 'uvloop':
        _shim_close_loop(mod)
    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
    exclude = set(args.exclude or ())
    only = args.only or ()

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from flatten(t)
            else:
                yield t

    tests = [t for t in flatten(suite) if t.id() not in exclude
             and (not only or any(fnmatch.fnmatchcase(t.id(), pat) for pat in only))]
    suite = unittest.TestSuite(tests)

    class Result(unittest.TestResult):
        def startTest(self, test):
            super().startTest(test)
            self._outcome = None
            self._detail = None
            _Tracker.count = 0
            self._t0 = time.monotonic()
            emit(event='start', test=test.id())
            if args.test_timeout:
                faulthandler.dump_traceback_later(args.test_timeout, exit=True, file=hang_log)

        def _set(self, outcome, detail=None):
            # A test can report several outcomes (subtests); the worst wins.
            order = ['pass', 'skip', 'xfail', 'uxpass', 'notimpl', 'fail', 'error']
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
            self._set('notimpl' if _is_notimpl(text) else 'error', text)

        def addFailure(self, test, err):
            super().addFailure(test, err)
            text = self._err_text(test, err)
            self._set('notimpl' if _is_notimpl(text) else 'fail', text)

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
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
                if _is_notimpl(text):
                    self._set('notimpl', text)
                else:
                    self._set('fail' if failed else 'error', f'[{subtest}]\n' + text)

        def stopTest(self, test):
            if args.test_timeout:
                faulthandler.cancel_dump_traceback_later()
            super().stopTest(test)
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
               max_restarts=5, env=None, no_adapt=False, only=None):
    """Run one module for one loop; returns a dict with counts and per-test records."""
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
    counts = {k: 0 for k in ('pass', 'fail', 'error', 'skip', 'xfail', 'uxpass', 'notimpl',
                             'hang', 'crash')}
    on_loop = 0
    for t in order:
        counts[records[t]['outcome']] += 1
        on_loop += bool(records[t].get('on_loop'))
    return {'module': module, 'loop': loop, 'status': status, 'counts': counts,
            'total': len(order), 'on_loop': on_loop,
            'secs': round(time.monotonic() - t0, 1),
            'tests': [records[t] for t in order]}


def problems(res):
    """The tests of a module result that did not pass (fail, error, hang, crash)."""
    return [t for t in res['tests'] if t['outcome'] in ('fail', 'error', 'hang', 'crash')]


def format_table(results, loops, modules):
    cols = ['pass', 'fail', 'error', 'skip', 'notimpl', 'hang']
    lines = []
    head = f'{"module":<18}' + ''.join(f' | {lp:^31}' for lp in loops)
    lines.append(head)
    lines.append(f'{"":<18}' + ''.join(' | ' + ' '.join(f'{c[:5]:>4}' for c in cols)
                                       for _ in loops))
    lines.append('-' * len(lines[-1]))
    totals = {lp: {c: 0 for c in cols} for lp in loops}
    for m in modules:
        row = f'{m:<18}'
        for lp in loops:
            r = results.get((m, lp))
            if r is None:
                row += ' | ' + ' ' * 29
                continue
            c = dict(r['counts'])
            c['error'] += c['crash']
            row += ' | ' + ' '.join(f'{c[k]:>4}' for k in cols)
            if r['status'] != 'ok':
                row += '!'
            for k in cols:
                totals[lp][k] += c[k]
        lines.append(row)
    lines.append('-' * len(lines[1]))
    lines.append(f'{"TOTAL":<18}' + ''.join(' | ' + ' '.join(f'{totals[lp][k]:>4}' for k in cols)
                                            for lp in loops))
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--loop', nargs='+', default=['nixloop'],
                    choices=['asyncio', 'uvloop', 'nixloop'])
    ap.add_argument('--modules', nargs='+', default=None,
                    help='test_asyncio modules (default: core + test_events); "core", "io" and '
                         '"all" expand to groups')
    ap.add_argument('--json', help='write the full results (per test) to this file')
    ap.add_argument('--python', default=sys.executable)
    ap.add_argument('--timeout', type=float, default=600, help='per module and loop, seconds')
    ap.add_argument('--test-timeout', type=float, default=60, help='per test watchdog, seconds')
    ap.add_argument('-j', '--jobs', type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument('-v', '--verbose', action='store_true', help='print each failure')
    ap.add_argument('--only', action='append', metavar='PATTERN',
                    help='run only tests whose id matches this fnmatch pattern (repeatable)')
    ap.add_argument('--no-adapt', action='store_true',
                    help='leave test_runners/test_pep492 on their stub BaseEventLoop')
    # child mode
    ap.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--module', help=argparse.SUPPRESS)
    ap.add_argument('--out', help=argparse.SUPPRESS)
    ap.add_argument('--exclude', action='append', help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        args.loop = args.loop[0]
        return child_main(args)

    modules = []
    for m in args.modules or DEFAULT_MODULES:
        if m == 'core':
            modules += CORE_MODULES
        elif m == 'io':
            modules += IO_MODULES
        elif m == 'all':
            modules += DEFAULT_MODULES + IO_MODULES
        else:
            modules.append(m if m.startswith('test_') else 'test_' + m)
    skipped = {m: STDLIB_ONLY[m] for m in STDLIB_ONLY if m not in modules}
    jobs = [(m, lp) for m in modules for lp in args.loop]
    results = {}
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futs = {pool.submit(run_module, m, lp, python=args.python, timeout=args.timeout,
                            test_timeout=args.test_timeout, no_adapt=args.no_adapt,
                            only=args.only): (m, lp)
                for m, lp in jobs}
        for fut in futs:
            m, lp = futs[fut]
            r = fut.result()
            results[(m, lp)] = r
            c = r['counts']
            print(f'{m:<18} {lp:<8} pass={c["pass"]} fail={c["fail"]} error={c["error"]} '
                  f'skip={c["skip"]} notimpl={c["notimpl"]} hang={c["hang"]} '
                  f'crash={c["crash"]} (on loop: {r["on_loop"]}/{r["total"]}) '
                  f'{r["status"]} {r["secs"]}s', flush=True)
            if args.verbose:
                for t in problems(r):
                    print(f'    {t["outcome"].upper()}: {t["test"]}')
                    print('      ' + (t.get('detail') or '').strip().replace('\n', '\n      '))
    print()
    print(format_table(results, args.loop, modules))
    print('\nnotimpl = nixloop NotImplementedError (a later issue); '
          'crash counted as error; ! = module did not finish cleanly')
    if skipped:
        print('\nstdlib-only modules, not run (pass them to --modules to run anyway):')
        for m, why in skipped.items():
            print(f'  {m}: {why}')
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
        'loops': args.loop, 'modules': modules, 'stdlib_only_not_run': skipped,
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
