"""Issue 15: property-based programs (hypothesis) on every facade, each batch in a child process
so that a crash is seen, not fatal. See fuzz_prog.py for the programs and their properties.

`make test` runs a few hundred programs, bounded in time; `make soak` runs the long version
(tests/hostile/soak.py)."""
import json
import os
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# programs per facade and a time bound (seconds) for each batch
QUICK = {'net': (120, 90), 'seqpacket': (120, 60), 'dgram': (80, 45), 'transports': (80, 90)}


def run_fuzz(facade, examples, seconds, seed=0, timeout=None):
    log = tempfile.NamedTemporaryFile(prefix=f'nlfuzz-{facade}-', suffix='.log', delete=False)
    log.close()
    env = dict(os.environ, NIXLOOP_FUZZ_LOG=log.name)
    proc = subprocess.run([sys.executable, os.path.join(HERE, 'fuzz_prog.py'), facade,
                           str(examples), str(seed), str(seconds)],
                          capture_output=True, timeout=timeout or seconds * 4 + 120, env=env)
    with open(log.name) as f:
        last = f.read()
    os.unlink(log.name)
    out = proc.stdout.decode().strip().splitlines()
    report = json.loads(out[-1]) if out and out[-1].startswith('{') else None
    return proc, report, last


@pytest.mark.parametrize('facade', sorted(QUICK))
def test_fuzz(facade):
    examples, seconds = QUICK[facade]
    proc, report, last = run_fuzz(facade, examples, seconds)
    assert proc.returncode in (0, 1) and report is not None, (
        f'crashed (status {proc.returncode}) running {last}\n{proc.stderr.decode()[-3000:]}')
    assert report['failure'] is None, report['failure']
    assert report['programs'] >= 10, report
