"""Instructions per echo request of a benchmark server, counted by callgrind.

    .venv/bin/python perf/callgrind_echo.py --loop nixloop --server protocol_echo --size 1024
    .venv/bin/python perf/callgrind_echo.py --transport seqpacket     # seqpacket_echo
    .venv/bin/python perf/callgrind_echo.py --transport udp           # udp_echo

The server (perf/servers/<server>.py) runs under `valgrind --tool=callgrind`; the C load generator
(perf/build/loadgen, `make -C perf/c loadgen`) makes one connection (--connections C: C) and sends
N requests of SIZE bytes, one at a time on each connection, each echoed back. This is done for two counts N1 < N2; the difference of the
server's total instruction counts divided by N2 - N1 is the cost of one request (start-up,
connection set-up and shutdown cancel out). On one connection the counts are deterministic enough
under callgrind to compare builds (a few instructions of noise per request); with more, how many
requests share a loop iteration varies from run to run, and so does the count, by up to ~7% for
the cheapest servers (nixnet_echo: 1,100-1,187). Wall time under valgrind means nothing.
With --top K the same difference is taken per function (callgrind_annotate, exclusive counts):
the K functions that cost the most per request, which is where perf/README's breakdowns come from.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LOADGEN = os.path.join(HERE, 'build', 'loadgen')


def total_instructions(out_file):
    with open(out_file) as f:
        for line in f:
            m = re.match(r'(?:summary|totals):\s+(\d+)', line)
            if m:
                return int(m.group(1))
    raise RuntimeError(f'no instruction total in {out_file}')


def per_function(out_file):
    """{function: exclusive instructions} from callgrind_annotate's table."""
    text = subprocess.run(['callgrind_annotate', '--threshold=100', '--auto=no', out_file],
                          check=True, capture_output=True, text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r'\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S.*)$', line)
        if m and 'PROGRAM TOTALS' not in line:
            name = m.group(2).split(' [')[0]
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(',', ''))
    return costs


# --transport: the server's listen option and the load generator's flags for its READY address.
TRANSPORTS = {
    'tcp': (lambda sock: ['--tcp', '127.0.0.1:0'], lambda addr: ['--tcp', addr]),
    'unix': (lambda sock: ['--unix', sock], lambda addr: ['--unix', addr]),
    'seqpacket': (lambda sock: ['--unix', sock],
                  lambda addr: ['--unix', addr, '--seqpacket']),
    'udp': (lambda sock: ['--tcp', '127.0.0.1:0'], lambda addr: ['--tcp', addr, '--udp']),
}
# the server script of a transport when --server is not given
DEFAULT_SERVER = {'seqpacket': 'seqpacket_echo', 'udp': 'udp_echo'}


def one_run(args, requests, tmp):
    out = os.path.join(tmp, f'callgrind.{requests}.out')
    listen, connect = TRANSPORTS[args.transport]
    server = subprocess.Popen(
        ['valgrind', '--tool=callgrind', f'--callgrind-out-file={out}', sys.executable,
         os.path.join(HERE, 'servers', args.server + '.py'), '--loop', args.loop]
        + listen(os.path.join(tmp, f'echo.{requests}.sock')),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT, PYTHONHASHSEED='0'))
    try:
        line = server.stdout.readline().split()
        if line[:2] != ['READY', args.transport] or len(line) < 3:
            raise RuntimeError(f'server did not start as a {args.transport} server: {line}')
        subprocess.run([LOADGEN] + connect(line[2]) + ['--mode', 'echo',
                        '-c', str(args.connections),
                        '-s', str(args.size), '-w', '0', '-d', '600', '--timeout', '600',
                        '--max-requests', str(requests)] + (['--http'] if args.http else []),
                       check=True, stdout=subprocess.DEVNULL, timeout=900)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--loop', default='nixloop')
    ap.add_argument('--server', default=None,
                    help='a perf/servers script (default: protocol_echo; seqpacket_echo and '
                         'udp_echo for --transport seqpacket and udp)')
    ap.add_argument('--transport', choices=sorted(TRANSPORTS), default='tcp')
    ap.add_argument('--size', type=int, default=1024)
    ap.add_argument('--http', action='store_true',
                    help="HTTP/1.1 keep-alive GETs (the load generator's --http): with --server "
                         "uvicorn_hello or aiohttp_hello")
    ap.add_argument('--requests', type=int, nargs=2, default=(2000, 6000), metavar=('N1', 'N2'))
    ap.add_argument('--connections', type=int, default=1,
                    help='concurrent connections (10: a saturated server, as python -m perf)')
    ap.add_argument('--top', type=int, default=0, metavar='K',
                    help='also print the K functions costing the most instructions per request')
    args = ap.parse_args()
    if args.server is None:
        args.server = DEFAULT_SERVER.get(args.transport, 'protocol_echo')
    if not os.path.exists(LOADGEN):
        subprocess.run(['make', '-s', '-C', os.path.join(HERE, 'c'), 'loadgen'], check=True)
    n1, n2 = args.requests
    with tempfile.TemporaryDirectory(prefix='cg-echo-') as tmp:
        o1 = one_run(args, n1, tmp)
        o2 = one_run(args, n2, tmp)
        i1, i2 = total_instructions(o1), total_instructions(o2)
        per = (i2 - i1) / (n2 - n1)
        what = 'HTTP GET' if args.http else f'{args.size}-byte'
        print(f'{args.server} on {args.loop}, {what} requests: {per:,.0f} instructions '
              f'per request ({n1}: {i1:,}; {n2}: {i2:,})')
        if args.top:
            f1, f2 = per_function(o1), per_function(o2)
            diff = {k: (f2.get(k, 0) - f1.get(k, 0)) / (n2 - n1) for k in set(f1) | set(f2)}
            for name, cost in sorted(diff.items(), key=lambda kv: -kv[1])[:args.top]:
                print(f'{cost:8.1f}  {name}')


if __name__ == '__main__':
    main()
