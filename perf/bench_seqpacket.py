"""SEQPACKET echo vs Unix-stream echo, on nixloop and uvloop.

    python perf/bench_seqpacket.py [--seconds 2] [--clients 4] [--window 16] [--sizes 1024,16384]

Each configuration runs an echo server in a subprocess (one loop, one process) and `--clients`
client processes (plain blocking Python sockets). Every client keeps `--window` messages in
flight: it sends a window of messages, then reads their echoes back (whole messages for
SEQPACKET; the same number of bytes for streams). The figure is echoed messages per second,
summed over the clients, over the measured interval. Servers:

  nixloop seqpacket  loop.create_seqpacket_server(), protocol.message_received -> write
  nixloop stream     loop.create_unix_server(), asyncio.Protocol data_received -> write
  uvloop stream      the same protocol on uvloop
  uvloop seqpacket   uvloop has no SEQPACKET transport: loop.add_reader + socket.recv/send
                     (what one would write on uvloop today)

Target (issue 6): nixloop SEQPACKET msgs/s >= uvloop Unix-stream msgs/s at the same size.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# ---------------------------------------------------------------------------------------------
# servers (run as: bench_seqpacket.py --serve LOOP KIND PATH)

class StreamEcho(asyncio.Protocol):
    def connection_made(self, transport):
        self.write = transport.write

    def data_received(self, data):
        self.write(data)


class MessageEcho(asyncio.BaseProtocol):
    def connection_made(self, transport):
        self.write = transport.write

    def message_received(self, data):
        self.write(data)


def _uvloop_seqpacket_server(loop, path):
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    lsock.bind(path)
    lsock.listen(128)
    lsock.setblocking(False)

    def on_client(conn):
        def readable():
            while True:
                try:
                    data = conn.recv(262144)
                except BlockingIOError:
                    return
                except OSError:
                    data = b''
                if not data:
                    loop.remove_reader(conn.fileno())
                    conn.close()
                    return
                try:
                    conn.send(data)
                except BlockingIOError:
                    # good enough for an echo benchmark with a bounded window
                    conn.setblocking(True)
                    conn.send(data)
                    conn.setblocking(False)
        loop.add_reader(conn.fileno(), readable)

    def accept():
        while True:
            try:
                conn, _ = lsock.accept()
            except BlockingIOError:
                return
            conn.setblocking(False)
            on_client(conn)
    loop.add_reader(lsock.fileno(), accept)


def serve(loop_name, kind, path):
    sys.path.insert(0, ROOT)
    if loop_name == 'nixloop':
        import nixloop
        loop = nixloop.new_event_loop()
    else:
        import uvloop
        loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)

    async def start():
        if kind == 'stream':
            return await loop.create_unix_server(StreamEcho, path, backlog=128)
        if loop_name == 'nixloop':
            return await loop.create_seqpacket_server(MessageEcho, path, backlog=128)
        _uvloop_seqpacket_server(loop, path)
    loop.run_until_complete(start())
    print('ready', flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


# ---------------------------------------------------------------------------------------------
# client

def client(kind, path, size, window, seconds, start_at, out):
    stype = socket.SOCK_SEQPACKET if kind == 'seqpacket' else socket.SOCK_STREAM
    s = socket.socket(socket.AF_UNIX, stype)
    s.connect(path)
    msg = os.urandom(size)
    batch = msg * window
    buf = bytearray(max(262144, size * window))
    view = memoryview(buf)
    while time.time() < start_at:
        time.sleep(0.001)
    count = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        if kind == 'seqpacket':
            for _ in range(window):
                s.send(msg)
            for _ in range(window):
                n = s.recv_into(buf)
                if n != size:
                    raise RuntimeError(f'bad echo length {n}')
        else:
            s.sendall(batch)
            need = size * window
            while need:
                n = s.recv_into(view, min(need, len(buf)))
                if n == 0:
                    raise RuntimeError('server closed')
                need -= n
        count += window
        now = time.perf_counter()
        if now >= deadline:
            break
    s.close()
    out.put(count / (now - t0))


def run_one(loop_name, kind, size, args):
    tmp = tempfile.mkdtemp(prefix='nlbench')
    path = os.path.join(tmp, 'echo.sock')
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--serve', loop_name,
                             kind, path], stdout=subprocess.PIPE, env=env, text=True)
    try:
        line = proc.stdout.readline()
        if line.strip() != 'ready':
            raise RuntimeError(f'server {loop_name}/{kind} did not start')
        out = mp.Queue()
        start_at = time.time() + 0.3
        clients = [mp.Process(target=client, args=(kind, path, size, args.window, args.seconds,
                                                   start_at, out))
                   for _ in range(args.clients)]
        for c in clients:
            c.start()
        rates = [out.get(timeout=args.seconds + 30) for _ in clients]
        for c in clients:
            c.join(10)
        return sum(rates)
    finally:
        proc.terminate()
        proc.wait(10)
        try:
            os.unlink(path)
        except OSError:
            pass
        os.rmdir(tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--serve', nargs=3, metavar=('LOOP', 'KIND', 'PATH'), help=argparse.SUPPRESS)
    ap.add_argument('--seconds', type=float, default=2.0)
    ap.add_argument('--clients', type=int, default=4)
    ap.add_argument('--window', type=int, default=16)
    ap.add_argument('--sizes', default='1024,16384')
    ap.add_argument('--rounds', type=int, default=1, help='interleaved rounds (median kept)')
    args = ap.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    configs = [('nixloop', 'seqpacket'), ('uvloop', 'seqpacket'), ('nixloop', 'stream'),
               ('uvloop', 'stream')]
    sizes = [int(s) for s in args.sizes.split(',')]
    print(f'echo, {args.clients} clients x window {args.window}, {args.seconds:g} s per run, '
          f'{args.rounds} round(s), median msgs/s')
    for size in sizes:
        results = {c: [] for c in configs}
        for _ in range(args.rounds):
            for cfg in configs:
                results[cfg].append(run_one(cfg[0], cfg[1], size, args))
        med = {c: sorted(v)[len(v) // 2] for c, v in results.items()}
        base = med[('uvloop', 'stream')]
        print(f'\n{size} B messages')
        for cfg in configs:
            print(f'  {cfg[0]:8} {cfg[1]:10} {med[cfg]:12,.0f} msgs/s   '
                  f'x{med[cfg] / base:.2f} vs uvloop stream')
        ok = med[('nixloop', 'seqpacket')] >= base
        print(f'  target nixloop seqpacket >= uvloop stream: {"met" if ok else "NOT met"}')


if __name__ == '__main__':
    main()
