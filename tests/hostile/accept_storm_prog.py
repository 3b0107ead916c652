"""Run as a program: ``accept_storm_prog.py KIND [SECONDS]`` (by test_accept_storm.py and the
soak). A server of KIND runs while every fd of the process is taken, with connections waiting
to be accepted (so accept() fails with EMFILE each time it is tried), for SECONDS; then the fds
are freed. Prints one JSON line: the CPU the process used meanwhile (fraction of one core), how
many times the condition was reported (exception-handler calls or 'error' events), and whether
the waiting clients were served once fds were free again.

KIND: loop-tcp, loop-unix, loop-seqpacket (asyncio API), net-tcp, net-pipe (nixloop.net),
unix-seqpacket (nixloop.unix facade)."""
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

import nixloop

KIND = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
NCLIENTS = 3

CLIENT = r'''
import socket, sys, time
family, kind, addr = sys.argv[1], sys.argv[2], sys.argv[3]
n = int(sys.argv[4])
fam = socket.AF_INET if family == 'inet' else socket.AF_UNIX
typ = socket.SOCK_SEQPACKET if kind == 'seqpacket' else socket.SOCK_STREAM
if fam == socket.AF_INET:
    host, port = addr.rsplit(':', 1)
    addr = (host, int(port))
sys.stdin.readline()                         # go: the server has no fd left now
socks = []
for i in range(n):
    s = socket.socket(fam, typ)
    s.settimeout(30)
    s.connect(addr)
    s.sendall(b'ping%d' % i)
    socks.append(s)
print('connected', flush=True)
ok = 0
for i, s in enumerate(socks):
    try:
        if s.recv(100) == b'ping%d' % i:
            ok += 1
    except OSError:
        pass
print('served', ok, flush=True)
'''


def cpu():
    t = os.times()
    return t.user + t.system


class Echo(asyncio.Protocol):
    def connection_made(self, tr):
        self.tr = tr

    def data_received(self, data):
        self.tr.write(data)

    def message_received(self, data):
        self.tr.write(data)


async def main():
    loop = asyncio.get_running_loop()
    tmp = tempfile.mkdtemp(prefix='nlemf')
    reports = []
    server = None
    family = 'unix'
    kind = 'stream'
    if KIND == 'loop-tcp':
        loop.set_exception_handler(lambda lp, ctx: reports.append(ctx.get('message')))
        server = await loop.create_server(Echo, '127.0.0.1', 0)
        addr = '127.0.0.1:%d' % server.sockets[0].getsockname()[1]
        family = 'inet'
    elif KIND == 'loop-unix':
        loop.set_exception_handler(lambda lp, ctx: reports.append(ctx.get('message')))
        addr = os.path.join(tmp, 's')
        server = await loop.create_unix_server(Echo, addr)
    elif KIND == 'loop-seqpacket':
        loop.set_exception_handler(lambda lp, ctx: reports.append(ctx.get('message')))
        addr = os.path.join(tmp, 's')
        server = await loop.create_seqpacket_server(Echo, addr)
        kind = 'seqpacket'
    elif KIND in ('net-tcp', 'net-pipe'):
        from nixloop import net
        server = net.Server(lambda s: s.on('data', s.write))
        server.on('error', lambda err: reports.append(getattr(err, 'code', repr(err))))
        listening = loop.create_future()
        if KIND == 'net-tcp':
            server.listen(0, '127.0.0.1', lambda: listening.set_result(None))
            await listening
            addr = '127.0.0.1:%d' % server.address()['port']
            family = 'inet'
        else:
            addr = os.path.join(tmp, 's')
            server.listen(addr, lambda: listening.set_result(None))
            await listening
    elif KIND == 'unix-seqpacket':
        from nixloop import unix
        server = unix.SeqpacketServer()
        server.on('error', lambda err: reports.append(getattr(err, 'code', repr(err))))
        server.on('connection', lambda s, peer: s.on('data', s.write))
        addr = os.path.join(tmp, 's')
        server.listen(addr)
        kind = 'seqpacket'
    else:
        raise SystemExit(f'unknown kind {KIND}')

    client = subprocess.Popen([sys.executable, '-c', CLIENT, family, kind, addr, str(NCLIENTS)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    held = []
    try:
        while True:
            held.append(os.open('/dev/null', os.O_RDONLY))
    except OSError:
        pass
    client.stdin.write(b'go\n')
    client.stdin.flush()
    await asyncio.sleep(0.2)           # the connections arrive; accepting them starts failing
    c0, t0 = cpu(), time.monotonic()
    n0 = len(reports)
    await asyncio.sleep(SECONDS)
    c1, t1 = cpu(), time.monotonic()
    n1 = len(reports)
    for fd in held:
        os.close(fd)
    t2 = time.monotonic()
    line = await loop.run_in_executor(None, client.stdout.readline)   # 'connected'
    line = await loop.run_in_executor(None, client.stdout.readline)   # 'served n'
    t3 = time.monotonic()
    client.wait(timeout=30)
    served = int(line.split()[1]) if line.startswith(b'served') else -1
    if KIND.startswith('net'):
        server.close()
    else:
        server.close()
    print(json.dumps({'kind': KIND, 'fds_held': len(held), 'cpu': (c1 - c0) / (t1 - t0),
                      'seconds': t1 - t0, 'reports': n1 - n0, 'reports_total': len(reports),
                      'report_sample': reports[:2], 'served': served, 'clients': NCLIENTS,
                      'recovery_s': t3 - t2}), flush=True)


if KIND.startswith(('net', 'unix')):
    from nixloop import node
    node.run(main)
else:
    nixloop.run(main())
