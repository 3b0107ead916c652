"""The harness behind `python -m perf`: the workload and server lists, the references of the
ratios, and one short end-to-end run with every cost collector (C tools built for the tests)."""
import json
import os
import subprocess
import sys
import types

import pytest

from perf_helpers import PY_ENV, ROOT
from perf.harness import stats, workloads


def test_list_has_the_http_workload():
    r = subprocess.run([sys.executable, '-m', 'perf', '--list'], capture_output=True, text=True,
                       cwd=ROOT, env=PY_ENV, timeout=60)
    assert r.returncode == 0, r.stderr
    assert 'http-tcp-hello-c50' in r.stdout.split()


def test_both_ways_of_serving_and_the_http_servers():
    env = types.SimpleNamespace(want=set())
    http = workloads.Workload('http', 'tcp', None, 50).servers(env)
    names = [s.name for s in http]
    for fw in ('aiohttp', 'uvicorn'):
        for loop in ('asyncio', 'uvloop', 'nixloop', 'rloop'):
            assert f'{loop}/{fw}' in names and f'{loop}/{fw}@runner' in names
    assert 'node/http' in names and len(names) == 17
    spec = next(s for s in http if s.name == 'nixloop/uvicorn@runner')
    argv = spec.command('tcp', '/unused')
    assert argv[1].endswith('uvicorn_hello.py') and argv[argv.index('--serve') + 1] == 'runner'
    echo = workloads.Workload('echo', 'tcp', 1024, 10).servers(env)
    assert {s.name for s in echo} >= {'rloop/protocol@runner', 'nixloop/net', 'C/libuv'}
    net = next(s for s in echo if s.name == 'nixloop/net')
    assert '--serve' not in net.command('tcp', '/unused')  # the facade has its own runner
    assert not workloads.Workload('connrate', 'tcp', 64, 10).serves[1:]


def test_references_follow_kind_and_way_of_serving():
    env = types.SimpleNamespace(want=set())
    rows = [stats.Row('w', s) for s in workloads.Workload('echo', 'tcp', 1024, 10).servers(env)]
    by = {r.spec.name: r for r in rows}
    ref = stats.reference_row(rows, by['nixloop/protocol@runner'].spec, 'uvloop')
    assert ref.spec.name == 'uvloop/protocol@runner'
    assert stats.reference_row(rows, by['node/net'].spec, 'rloop').spec.name == 'rloop/protocol'
    assert stats.reference_row(rows, by['nixloop/net'].spec, 'c').spec.name == 'C/libuv'
    by['uvloop/protocol@runner'].status = 'failed'
    ref = stats.reference_row(rows, by['nixloop/protocol@runner'].spec, 'uvloop')
    assert ref.spec.name == 'uvloop/protocol'  # its run_forever row stands in


def test_end_to_end_run_with_costs(build, tmp_path):
    """uvloop (always included, both ways of serving) and the C server on TCP 1 KiB: throughput,
    CPU, syscalls and instructions per request land in results.json and results.md."""
    env = dict(PY_ENV, NIXLOOP_PERF_BUILD=build)
    r = subprocess.run([sys.executable, '-m', 'perf', '--only', 'echo-tcp-1KiB', '--competitors', 'c',
                        '--reps', '1', '--duration', '0.3', '--warmup', '0.1', '--out', str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads((tmp_path / 'latest' / 'results.json').read_text())
    (w,) = doc['workloads']
    rows = {row['server']: row for row in w['rows']}
    assert set(rows) == {'uvloop/protocol', 'uvloop/protocol@runner', 'C/libuv'}
    tools = doc['cost_tools']
    for name, row in rows.items():
        assert row['status'] == 'ok', row
        assert row['runs'][0]['rps'] > 0
        assert row['costs']['cpu']['per_request_us'] > 0
        if tools['syscalls']:
            assert 1.5 < row['costs']['syscalls']['per_request'] < 10, row['costs']
        if tools['instructions']:
            assert 100 < row['costs']['instructions']['per_request'] < 100000, row['costs']
    md = (tmp_path / 'latest' / 'results.md').read_text()
    assert 'Cost per request' in md and 'uvloop/protocol@runner' in md


def _row(rows_spec, competitor, kind, serve, cpu_us, instr, sc):
    row = stats.Row('w', workloads.ServerSpec(competitor, kind, serve))
    # one run of 1000 requests whose CPU time gives cpu_us per request (all user time)
    row.runs = [{'all_requests': 1000, 'server_cpu_user_s': cpu_us * 1e-3, 'server_cpu_sys_s': 0.0,
                 'rps': 1000.0, 'latency_us': {'p50': 100, 'p90': 150, 'p99': 200}}]
    row.costs = {'instructions': {'per_request': instr}, 'syscalls': {'per_request': sc}}
    rows_spec.append(row)
    return row


def test_headline_ratios_to_uvloop_rloop_and_c(tmp_path):
    """The headline table and chart: nixloop's run_forever row divided by uvloop's, rloop's and
    the C server's figures, each cost separately; rows served from a Runner are left out."""
    from perf.harness import charts, report
    w = workloads.Workload('echo', 'tcp', 1024, 10)
    rows = []
    _row(rows, 'nixloop', 'protocol', 'forever', 6.0, 3000, 2.0)
    _row(rows, 'nixloop', 'protocol', 'runner', 60.0, 30000, 20.0)
    _row(rows, 'uvloop', 'protocol', 'forever', 8.0, 6000, 2.5)
    _row(rows, 'rloop', 'protocol', 'forever', 7.5, 4000, 4.0)
    _row(rows, 'c', 'c', 'forever', 5.0, 1000, 2.0)
    ((hw, hrow, figs),) = report.headline([(w, rows)])
    assert hrow.spec.name == 'nixloop/protocol'
    assert figs['cpu'][0] == pytest.approx(6.0)
    assert figs['cpu'][1] == pytest.approx({'uvloop': 0.75, 'rloop': 0.8, 'C/node': 1.2})
    assert figs['instructions'][1] == pytest.approx({'uvloop': 0.5, 'rloop': 0.75, 'C/node': 3.0})
    assert figs['syscalls'][1] == pytest.approx({'uvloop': 0.8, 'rloop': 0.5, 'C/node': 1.0})
    head, (line,) = report.headline_table([(w, rows)])
    assert line[:6] == ['echo-tcp-1KiB-c10', 'nixloop/protocol', '6.00', '0.75x', '0.80x', '1.20x']
    made = charts.charts(str(tmp_path), [(w, rows)], [], [])
    if made and made[0].startswith('charts skipped'):
        pytest.skip(made[0])
    assert str(tmp_path / 'cost_headline.png') in made
    assert (tmp_path / 'cost_headline.png').stat().st_size > 1000


def test_summary_tables_from_results_json(tmp_path):
    """python -m perf --summary DIR: the README's tables, rebuilt from results.json."""
    w = workloads.Workload('echo', 'tcp', 1024, 10)
    rows = []
    _row(rows, 'nixloop', 'protocol', 'forever', 6.0, 3000, 2.0)
    _row(rows, 'nixloop', 'protocol', 'runner', 6.5, 3100, 2.0)
    _row(rows, 'uvloop', 'protocol', 'forever', 8.0, 6000, 2.5)
    _row(rows, 'rloop', 'protocol', 'forever', 7.5, 4000, 4.0)
    _row(rows, 'rloop', 'protocol', 'runner', 22.5, 4000, 4.0)
    _row(rows, 'c', 'c', 'forever', 5.0, 1000, 2.0)
    doc = {'command': 'python -m perf --quick', 'started': '2026-12-01T06:00:00+00:00',
           'mode': 'quick', 'pinning': 'test',
           'micro': [{'bench': 'call_soon', 'loop': 'uvloop', 'status': 'ok', 'runs': [100.0, 110.0]},
                     {'bench': 'call_soon', 'loop': 'nixloop', 'status': 'ok', 'runs': [250.0, 220.0]}],
           'workloads': [{'id': w.id, 'group': 'echo', 'transport': 'tcp', 'size': 1024,
                          'connections': 10, 'rows': [r.to_json() for r in rows]}]}
    (tmp_path / 'results.json').write_text(json.dumps(doc))
    r = subprocess.run([sys.executable, '-m', 'perf', '--summary', str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT, env=PY_ENV, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert '| echo TCP 1 KiB | 6.00 | 8.00 (0.75x) | 7.50 (0.80x) | 5.00 (1.20x) |' in lines
    assert '| echo TCP 1 KiB | 3,000 | 6,000 (0.50x) | 4,000 (0.75x) | 1,000 (3.00x) |' in lines
    assert '| chained call_soon | - | 105 | 235 (2.25x) | - |' in lines  # paired: 2.5, 2.0
    assert any(l.startswith('| echo TCP 1 KiB |') and '7.50 / 22.50' in l and '6.00 / 6.50' in l
               for l in lines)
