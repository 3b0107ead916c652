"""`make soak` (issue 15): the long versions of the hostile-input tests, about 25 minutes on 2 cores.

1. Property-based programs (fuzz_prog.py) on every facade until each has run --programs
   (default 10,000), two batches at a time (the machine has two cores), each batch a child
   process with its own seed, so that a crash is seen, not fatal.
2. --cycles (default 1,000,000) connect/close cycles against nixloop servers (asyncio TCP echo,
   nixloop.net TCP echo, nixloop.unix SEQPACKET echo) driven by the C load generator
   (perf/c/loadgen --mode connrate: connect, one round trip, close); the server's open fds and
   RSS are sampled from /proc during the run and compared after a warm-up and at the end.
3. EMFILE on accept for every server kind (accept_storm_prog.py): CPU while every fd is taken.

Prints the figures and writes them as JSON (--out). Exit status 1 if any property failed: a
crash, a hang, an untyped error, lost bytes, fds or RSS not flat, CPU above 5% under EMFILE.

    python tests/hostile/soak.py [--programs N] [--cycles N] [--minutes M] [--out FILE]
"""
import argparse
import concurrent.futures
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FACADES = ['net', 'seqpacket', 'dgram', 'transports']
STORM_KINDS = ['loop-tcp', 'loop-unix', 'loop-seqpacket', 'net-tcp', 'net-pipe',
               'unix-seqpacket']


def log(*a):
    print(*a, flush=True)


# -- 1. programs -----------------------------------------------------------------------------

def fuzz_batch(facade, examples, seed, seconds):
    logf = tempfile.NamedTemporaryFile(prefix=f'nlsoak-{facade}-', suffix='.log', delete=False)
    logf.close()
    env = dict(os.environ, NIXLOOP_FUZZ_LOG=logf.name)
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, os.path.join(HERE, 'fuzz_prog.py'), facade,
                           str(examples), str(seed), str(seconds)], capture_output=True,
                          env=env, timeout=seconds * 3 + 300)
    with open(logf.name) as f:
        last = f.read()
    os.unlink(logf.name)
    out = proc.stdout.decode().strip().splitlines()
    rep = json.loads(out[-1]) if out and out[-1].startswith('{') else None
    failure = None
    if rep is None:
        failure = (f'crash (status {proc.returncode}) running {last[:2000]}: '
                   f'{proc.stderr.decode()[-2000:]}')
    elif rep['failure']:
        failure = rep['failure']
    return {'facade': facade, 'seed': seed, 'programs': rep['programs'] if rep else 0,
            'calls': rep['calls'] if rep else 0, 'failure': failure,
            'seconds': time.monotonic() - t0}


def run_programs(target, seconds_budget):
    """Batches of BATCH examples per facade, two at a time, until every facade ran `target`
    programs or the time budget is spent."""
    batch = 200          # small enough that every facade gets its share of the time budget
    done = {f: 0 for f in FACADES}
    calls = {f: 0 for f in FACADES}
    failures = []
    seed = int(time.time())
    t_end = time.monotonic() + seconds_budget
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pending = set()
        while True:
            while len(pending) < 2 and time.monotonic() < t_end:
                todo = [f for f in FACADES if done[f] + batch * sum(
                    1 for p in pending if p.facade == f) < target]
                if not todo:
                    break
                facade = min(todo, key=lambda f: done[f])
                seed += 1
                left = max(30.0, t_end - time.monotonic())
                fut = pool.submit(fuzz_batch, facade, batch, seed, left)
                fut.facade = facade
                pending.add(fut)
            if not pending:
                break
            finished, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in finished:
                r = fut.result()
                done[r['facade']] += r['programs']
                calls[r['facade']] += r['calls']
                log(f"  programs {r['facade']}: +{r['programs']} (seed {r['seed']}, "
                    f"{r['seconds']:.0f} s) -> {done[r['facade']]}"
                    + (f"  FAILED: {r['failure'][:300]}" if r['failure'] else ''))
                if r['failure']:
                    failures.append(r)
    return {'programs': done, 'calls': calls, 'failures': failures}


# -- 2. connect/close cycles -----------------------------------------------------------------

def proc_fds(pid):
    return len(os.listdir(f'/proc/{pid}/fd'))


def proc_rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def start_server(argv):
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         cwd=ROOT)
    ready, _, _ = select.select([p.stdout], [], [], 30)
    line = p.stdout.readline() if ready else ''
    if not line.startswith('READY '):
        p.kill()
        raise RuntimeError(f'{argv} did not start: {line!r} {p.stderr.read()[-500:]!r}')
    return p, line.split()


def cycles_against(build, server_argv, target_kind, cycles, conc=16):
    """Run `cycles` connect/round-trip/close cycles against one server; sample its fds/RSS."""
    p, fields = start_server(server_argv)
    try:
        args = [os.path.join(build, 'loadgen'), '--mode', 'connrate', '-c', str(conc), '-s', '64',
                '-w', '0', '-d', '3600', '--timeout', '10']
        if fields[1] == 'tcp':
            args += ['--tcp', fields[2]]
        else:
            args += ['--unix', fields[2]] + (['--seqpacket'] if fields[1] == 'seqpacket' else [])
        warm = min(20000, cycles // 10)
        r = subprocess.run(args + ['--max-requests', str(warm)], capture_output=True, text=True,
                           timeout=600)
        time.sleep(0.3)
        fds0, rss0 = proc_fds(p.pid), proc_rss_kib(p.pid)
        lg = subprocess.Popen(args + ['--max-requests', str(cycles - warm)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak_fds, peak_rss = fds0, rss0
        t0 = time.monotonic()
        while lg.poll() is None:
            time.sleep(0.2)
            try:
                peak_fds = max(peak_fds, proc_fds(p.pid))
                peak_rss = max(peak_rss, proc_rss_kib(p.pid))
            except OSError:
                break
        out, err = lg.communicate()
        secs = time.monotonic() - t0
        time.sleep(0.5)
        fds1, rss1 = proc_fds(p.pid), proc_rss_kib(p.pid)
        res = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        alive = p.poll() is None
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
    return {'server': target_kind, 'cycles': warm + int(res.get('requests', 0)),
            'errors': int(res.get('errors', 0)) + (0 if r.returncode == 0 else 1),
            'seconds': secs, 'fds_after_warmup': fds0, 'fds_end': fds1, 'peak_fds': peak_fds,
            'rss_kib_after_warmup': rss0, 'rss_kib_end': rss1, 'peak_rss_kib': peak_rss,
            'server_alive': alive, 'loadgen_status': lg.returncode}


def run_cycles(total):
    if not (shutil.which('make') and shutil.which('cc')):
        return {'skipped': 'make and cc are needed for the load generator'}
    build = tempfile.mkdtemp(prefix='nlsoakbuild')
    r = subprocess.run(['make', '-s', '-C', os.path.join(ROOT, 'perf', 'c'), f'BUILD={build}',
                        'loadgen'], capture_output=True, text=True, timeout=300)
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    tmp = tempfile.mkdtemp(prefix='nlsoaks')
    py = sys.executable
    servers = [
        ('asyncio-API TCP (protocol_echo)', [py, 'perf/servers/protocol_echo.py', '--loop',
                                            'nixloop', '--tcp', '127.0.0.1:0'], 0.4),
        ('nixloop.net TCP (nixnet_echo)', [py, 'perf/servers/nixnet_echo.py', '--loop',
                                          'nixloop', '--tcp', '127.0.0.1:0'], 0.3),
        ('nixloop.unix SEQPACKET (unixnet_echo)', [py, 'perf/servers/unixnet_echo.py', '--loop',
                                                  'nixloop', '--unix',
                                                  os.path.join(tmp, 'sq.sock')], 0.3),
    ]
    results = []
    for name, argv, share in servers:
        n = int(total * share)
        log(f'  cycles: {n} against {name}')
        res = cycles_against(build, argv, name, n)
        log('   ', json.dumps(res))
        results.append(res)
    return {'runs': results, 'total': sum(r['cycles'] for r in results)}


# -- 3. EMFILE -------------------------------------------------------------------------------

def run_storms(seconds):
    out = []
    for kind in STORM_KINDS:
        p = subprocess.run([sys.executable, os.path.join(HERE, 'accept_storm_prog.py'), kind,
                            str(seconds)], capture_output=True, text=True, timeout=300)
        res = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else \
            {'kind': kind, 'error': p.stderr[-1000:]}
        log('   ', json.dumps(res))
        out.append(res)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--programs', type=int, default=10000)
    ap.add_argument('--cycles', type=int, default=1000000)
    # 40,000 programs take ~20 minutes on this 2-core machine (net, seqpacket, dgram ~40 per
    # second with two batches at a time, transports ~24: each runs on nixloop and on asyncio);
    # the budget is a cap, the run ends once every facade has its --programs
    ap.add_argument('--minutes', type=float, default=30.0, help='time budget of the programs')
    ap.add_argument('--storm-seconds', type=float, default=5.0)
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    t0 = time.monotonic()
    figures = {}
    log(f'== 1. property-based programs: {a.programs} per facade')
    figures['programs'] = run_programs(a.programs, a.minutes * 60)
    log(f'== 2. {a.cycles} connect/close cycles')
    figures['cycles'] = run_cycles(a.cycles)
    log('== 3. EMFILE on accept, every server kind')
    figures['emfile'] = run_storms(a.storm_seconds)
    figures['seconds'] = time.monotonic() - t0
    problems = []
    for f in FACADES:
        if figures['programs']['programs'][f] < a.programs:
            problems.append(f'{f}: only {figures["programs"]["programs"][f]} programs ran')
    for r in figures['programs']['failures']:
        problems.append(f"{r['facade']} (seed {r['seed']}): {r['failure'][:500]}")
    for r in figures['cycles'].get('runs', []):
        if not r['server_alive'] or r['errors']:
            problems.append(f"cycles against {r['server']}: server alive {r['server_alive']}, "
                            f"errors {r['errors']}")
        if r['fds_end'] > r['fds_after_warmup'] + 2:
            problems.append(f"cycles against {r['server']}: fds {r['fds_after_warmup']} -> "
                            f"{r['fds_end']}")
        if r['rss_kib_end'] > r['rss_kib_after_warmup'] * 1.10 + 4096:
            problems.append(f"cycles against {r['server']}: RSS {r['rss_kib_after_warmup']} -> "
                            f"{r['rss_kib_end']} KiB")
    if figures['cycles'].get('total', a.cycles) < a.cycles * 0.99:
        problems.append(f"only {figures['cycles'].get('total')} cycles")
    for r in figures['emfile']:
        if 'error' in r or r['cpu'] >= 0.05 or r['served'] != r['clients'] or r['reports'] < 1:
            problems.append(f'EMFILE: {r}')
    figures['problems'] = problems
    log('== figures')
    log(json.dumps(figures, indent=1, default=str)[:20000])
    if a.out:
        with open(a.out, 'w') as f:
            json.dump(figures, f, indent=1, default=str)
    log('== ' + ('PASS' if not problems else 'FAIL:\n  ' + '\n  '.join(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
