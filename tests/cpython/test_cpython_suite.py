"""CPython's own asyncio tests (test.test_asyncio) with nixloop swapped in: the gate.

Every test_*.py module of the running Python's own test.test_asyncio (3.10, 3.11, 3.12 and 3.13
each ship a different one) is one parametrised case. It runs in a subprocess through run_suite.py,
which makes every loop the module builds a nixloop loop (swap.py), and must finish with every test
passing (or skipped by the test itself) except the allowed differences of this Python listed in
expected.py, each with its reason. An unlisted failure, error, hang or crash fails the build,
unless stdlib's own loop fails the same test on this machine too (it is then re-run there: that is
not a nixloop difference, and it is reported as a warning). A listed test that passes is reported
("unexpectedly passing": remove it from expected.py) but does not fail the build.

`make test` runs it on the default Python; `make test-pythons` and `make test-wheel` (in .ci/run)
on every CPython 3.10+ that pyenv provides. About 2-4 minutes per Python on 2 cores; a hanging
test is cut off by a per-test watchdog. Deselect with `-m "not cpython_suite"`. Comparison tables
(stdlib / uvloop / nixloop): `python tests/cpython/run_suite.py --help`.
"""
import importlib.util
import os
import sys
import warnings

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import expected  # noqa: E402
import run_suite  # noqa: E402

pytestmark = pytest.mark.cpython_suite

if importlib.util.find_spec('test.test_asyncio') is None:   # pragma: no cover
    pytest.skip('this Python has no test.test_asyncio (the stdlib test package)',
                allow_module_level=True)

PY = sys.version_info[:2]
MODULES = run_suite.all_modules()
ALLOWED = expected.allowed_failures(PY)
NOT_RUN = expected.not_run(PY)

# Generous limits (seconds): a whole module normally takes a fraction of them; a test that hangs
# is cut off by the watchdog and reported as such.
MODULE_TIMEOUT = 400
TEST_TIMEOUT = 45


def test_module_list():
    """The gate covers the whole suite of this Python, and its lists name only real tests."""
    assert len(MODULES) >= 25, MODULES
    for test_id in list(ALLOWED) + list(NOT_RUN):
        module = test_id.split('.')[2]
        assert module in MODULES, f'{test_id}: no module {module} in this Python\'s suite'


@pytest.mark.parametrize('module', MODULES)
def test_cpython_asyncio_module(module):
    res = run_suite.run_module(module, 'nixloop', timeout=MODULE_TIMEOUT,
                               test_timeout=TEST_TIMEOUT, max_restarts=3, skip=NOT_RUN)
    if res['status'].startswith('skipped'):
        pytest.skip(f'{module}: {res["status"]}')
    c = res['counts']
    summary = (f'{module}: {c["pass"]} passed, {c["fail"]} failed, {c["error"]} errors, '
               f'{c["skip"]} skipped, {c["hang"]} hung, {c["crash"]} crashed, of '
               f'{res["total"]} ({res["on_loop"]} on a nixloop loop), {res["secs"]} s')
    print(summary)
    assert res['status'] == 'ok', (f'{summary}: the module run did not finish '
                                   f'({res["status"]})\n{res["crash_output"]}')
    assert res['total'] > 0, f'{summary}: no tests ran'

    outcomes = {t['test']: t['outcome'] for t in res['tests']}
    for test_id in NOT_RUN:
        if test_id.startswith(f'{expected.P}{module}.'):
            assert outcomes.get(test_id) == 'skip', f'{test_id}: listed as not run, but ' \
                                                    f'{outcomes.get(test_id)}'
    for test_id in sorted(ALLOWED):
        if test_id.startswith(f'{expected.P}{module}.') and outcomes.get(test_id) == 'pass':
            warnings.warn(f'unexpectedly passing (remove it from expected.py): {test_id}',
                          UserWarning)

    unexpected = [t for t in run_suite.problems(res) if t['test'] not in ALLOWED]
    if unexpected:
        # Not a nixloop difference if stdlib's loop fails it here too.
        std = run_suite.run_module(module, 'asyncio', timeout=MODULE_TIMEOUT,
                                   test_timeout=TEST_TIMEOUT, max_restarts=3,
                                   only=[t['test'] for t in unexpected])
        std_ok = {t['test'] for t in std['tests'] if t['outcome'] == 'pass'}
        for t in unexpected:
            if t['test'] not in std_ok:
                warnings.warn(f'fails on stdlib asyncio too on this machine: {t["test"]}',
                              UserWarning)
        unexpected = [t for t in unexpected if t['test'] in std_ok]
    if unexpected:
        lines = [summary, f'{len(unexpected)} test(s) fail with nixloop outside expected.py '
                          'and pass on stdlib asyncio:']
        for t in unexpected:
            lines.append(f'--- {t["outcome"].upper()}: {t["test"]}')
            lines.append((t.get('detail') or '').rstrip()[-1500:])
        pytest.fail('\n'.join(lines), pytrace=False)
