"""Property-based programs against nixloop, one facade per run, run as a program so that a crash
is seen by the parent (test_fuzz.py, tests/hostile/soak.py) instead of killing it:

    fuzz_prog.py FACADE EXAMPLES [SEED] [SECONDS]

FACADE: net (net.Server/net.Socket), seqpacket (unix.SeqpacketServer/SeqpacketSocket), dgram
(unix.DgramSocket), transports (the asyncio loop and its TCP/Unix/SEQPACKET transports, checked
against stdlib asyncio running the same program side by side).

Hypothesis draws random sequences of calls with bad arguments mixed in (wrong types, out of
range numbers, NaN, 2**64, bad and closed fds, paths over 108 bytes, calls on closed objects,
double close/listen/end). Properties of every program:
  * no crash (the process survives) and no hang (each program has a deadline);
  * only typed errors: an error leaving a facade (raised or emitted) carries Node's ``code``
    and is a NodeError; an error of a loop method or transport has the type stdlib asyncio
    raises for the same call (transports facade);
  * every byte (message) written before a clean end arrives exactly once and in order;
  * nothing reaches the loop's exception handler, and the fds are back where they started.
The last program is written to $NIXLOOP_FUZZ_LOG (if set) before it runs, so that a crash
can be reproduced. Prints one JSON line: {"facade", "programs", "calls", "failure"}.
"""
import asyncio
import gc
import json
import math
import os
import sys
import tempfile
import time

from hypothesis import HealthCheck, given, seed as hseed, settings, strategies as st
from hypothesis.errors import Flaky

import nixloop
from nixloop import net, unix
from nixloop.errors import NodeError

FACADE = sys.argv[1]
EXAMPLES = int(sys.argv[2])
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0      # 0: EXAMPLES decides
LOG = os.environ.get('NIXLOOP_FUZZ_LOG')
DEADLINE = 10.0          # seconds one program may take: more is a hang
TMP = tempfile.mkdtemp(prefix='nlfz')
os.chdir(TMP)       # relative paths the programs bind (Unix sockets) land here, not in the repo

stats = {'programs': 0, 'calls': 0}


class Failed(AssertionError):
    pass


# ---------------------------------------------------------------------------------------------
# hostile values

def any_callback(*args, **kwargs):
    """The hostile callable: wrong wherever a number, string or buffer is expected, and a
    valid callback wherever one is (it takes any arguments, so a callback run with Node's
    arguments never raises: a builtin like repr would, the program's own error)."""


SPECIAL = [None, True, False, -1, 0, 1, 2, 3, 1000, 65535, 65536, 2 ** 31, 2 ** 32, 2 ** 53,
           2 ** 63, 2 ** 64, -2 ** 63, 1.5, -0.0, float('inf'), float('-inf'), float('nan'),
           '', 'x', '0', '-1', '80', 'utf8', 'hex', 'base64', 'latin1', 'bogus',
           '/' + 'a' * 120, '\x00abstract', '\x00', 'a\x00b', b'', b'\xff\xfe', bytearray(b'ab'),
           memoryview(b'mv'), [], [1, 2], [-1], (1,), {}, {'fd': -1}, {'port': -1},
           {'path': 'x' * 200}, {'fd': 'x'}, object(), any_callback, 3j]
hostile = st.one_of(st.sampled_from(SPECIAL), st.integers(-2 ** 70, 2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.binary(max_size=16))
chunk = st.one_of(st.binary(min_size=1, max_size=2048),
                  st.text(min_size=1, max_size=300).map(lambda s: s.encode('utf-8')),
                  st.integers(1, 300000).map(lambda n: bytes(range(256)) * (n // 256 + 1)))


_handed = []


def fd_arg(value):
    """An fd for a call that takes ownership of one: a number that may be open in this process
    (the loop's own fds, another handle's) is replaced by a fresh fd of some kind made for the
    call (a SEQPACKET or stream socket, a file) or by a number that is surely closed, so that
    the program never hands over an fd that something else owns. What a failed call leaves
    open is closed by the program afterwards (close_handed))."""
    import socket
    if isinstance(value, dict) and 'fd' in value:
        return dict(value, fd=fd_arg(value['fd']))
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 20:
        return value
    kind = value % 4
    if kind == 0:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    elif kind == 1:
        a, b = socket.socketpair()
    elif kind == 2:
        fd = os.open('/dev/null', os.O_RDONLY)
        _handed.append((fd, os.fstat(fd).st_ino))
        return fd
    else:
        return (1 << 20) + value          # above any fd this process has
    b.close()
    fd = a.detach()
    _handed.append((fd, os.fstat(fd).st_ino))
    return fd


def close_handed(taken):
    """Close the fds fd_arg made whose call failed (the caller keeps those); one taken over
    by a successful call belongs to its new owner."""
    while _handed:
        fd, ino = _handed.pop()
        if taken:
            continue
        try:
            if os.fstat(fd).st_ino == ino:
                os.close(fd)
        except OSError:
            pass


def tname(exc):
    return None if exc is None else type(exc).__name__


def log_program(prog):
    if LOG:
        with open(LOG, 'w') as f:
            f.write(repr(prog))


def check_node_error(exc, where):
    """An error leaving a facade: Node's code on a NodeError (system errors are NodeErrors)."""
    if not isinstance(exc, NodeError) or not getattr(exc, 'code', None):
        raise Failed(f'untyped error from {where}: {type(exc).__name__}: {exc!r}')


def fds_now():
    return len(os.listdir('/proc/self/fd'))


def run_program(body, prog):
    """Run one program on a fresh nixloop loop with a deadline; fail on a hang, on anything that
    reaches the exception handler, and on an fd leak."""
    stats['programs'] += 1
    log_program(prog)
    gc.collect()
    fds0 = fds_now()
    loop = nixloop.new_event_loop()
    handled = []
    loop.set_exception_handler(lambda lp, ctx: handled.append(ctx))
    asyncio.set_event_loop(loop)
    try:
        try:
            loop.run_until_complete(asyncio.wait_for(body(loop), DEADLINE))
        except asyncio.TimeoutError:
            raise Failed(f'hang: the program did not finish in {DEADLINE} s') from None
        loop.run_until_complete(asyncio.sleep(0.005))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    if handled:
        ctx = handled[0]
        raise Failed(f"exception handler called: {ctx.get('message')}: {ctx.get('exception')!r}")
    gc.collect()
    fds1 = fds_now()
    if fds1 > fds0:
        time.sleep(0.05)
        gc.collect()
        fds1 = fds_now()
        if fds1 > fds0:
            raise Failed(f'fd leak: {fds0} -> {fds1} fds')


async def wait_for_event(emitter, name, timeout=5.0):
    fut = asyncio.get_running_loop().create_future()
    emitter.once(name, lambda *a: fut.done() or fut.set_result(a))
    return await asyncio.wait_for(fut, timeout)


def call(fn, where, *args, **kw):
    """A facade call: returns (ok, result); an error must be a NodeError with a code."""
    stats['calls'] += 1
    try:
        return True, fn(*args, **kw)
    except Exception as exc:  # noqa: BLE001
        check_node_error(exc, where)
        return False, exc


# ---------------------------------------------------------------------------------------------
# nixloop.net

NET_OPS = st.one_of(
    st.tuples(st.just('write'), st.sampled_from('cs'), chunk),
    st.tuples(st.just('write'), st.sampled_from('cs'), chunk),
    st.tuples(st.just('write_bad'), st.sampled_from('cs'), hostile, hostile),
    st.tuples(st.just('end'), st.sampled_from('cs'), st.one_of(st.none(), chunk)),
    st.tuples(st.just('destroy'), st.sampled_from('cs')),
    st.tuples(st.sampled_from(['pause', 'resume', 'cork', 'uncork', 'ref', 'unref', 'address',
                               'sleep', 'resetAndDestroy']), st.sampled_from('cs')),
    st.tuples(st.just('setEncoding'), st.sampled_from('cs'),
              st.one_of(st.sampled_from(['utf8', 'hex', 'latin1', 'base64']), hostile)),
    st.tuples(st.sampled_from(['setNoDelay', 'setTimeout', 'setKeepAlive']),
              st.sampled_from('cs'), hostile, hostile),
    st.tuples(st.sampled_from(['listen_again', 'new_socket', 'connect_bad', 'server_close',
                               'getConnections', 'server_misc']), hostile, hostile),
)


def decode_chunks(chunks, enc):
    if enc is None:
        return b''.join(chunks)
    text = ''.join(chunks)
    if enc == 'hex':
        return bytes.fromhex(text)
    if enc == 'base64':
        import base64
        return base64.b64decode(text)
    if enc == 'latin1':
        return text.encode('latin-1')
    return text.encode('utf-8')


class NetEnd:
    def __init__(self, sock):
        self.sock = sock
        self.got = []
        self.sent = bytearray()
        self.clean = True           # no error/destroy on this connection: integrity applies
        self.enc = None
        self.ended_write = False
        self.eof = False
        sock.on('data', self.got.append)
        sock.on('error', self.on_error)
        sock.on('end', self.on_end)

    def on_error(self, err):
        check_node_error(err, "'error' event")
        self.clean = False

    def on_end(self):
        self.eof = True


async def net_body(loop, ops):
    accepted = []
    server = net.Server(accepted.append)
    server_errors = []
    server.on('error', lambda e: (check_node_error(e, 'server error'), server_errors.append(e)))
    fut = loop.create_future()
    server.listen(0, '127.0.0.1', lambda: fut.set_result(None))
    await asyncio.wait_for(fut, 5)
    port = server.address()['port']
    client = net.connect(port, '127.0.0.1')
    c = NetEnd(client)
    await wait_for_event(client, 'connect')
    while not accepted:
        await asyncio.sleep(0.001)
    s = NetEnd(accepted[0])
    ends = {'c': c, 's': s}
    extra = []
    for op in ops:
        kind = op[0]
        e = ends.get(op[1]) if len(op) > 1 and op[1] in ('c', 's') else None
        if kind == 'write':
            ok, res = call(e.sock.write, 'write', op[2])
            if ok and not e.ended_write:
                e.sent += op[2]
            elif not ok:
                c.clean = s.clean = False
        elif kind == 'write_bad':
            ok, _ = call(e.sock.write, 'write', op[2], op[3])
            if ok:
                c.clean = s.clean = False      # whatever it wrote is not tracked
        elif kind == 'end':
            if op[2] is not None:
                ok, _ = call(e.sock.end, 'end', op[2])
                if ok and not e.ended_write:
                    e.sent += op[2]
            else:
                call(e.sock.end, 'end')
            e.ended_write = True
        elif kind in ('destroy', 'resetAndDestroy'):
            call(getattr(e.sock, kind), kind)
            c.clean = s.clean = False
        elif kind == 'sleep':
            await asyncio.sleep(0.002)
        elif kind in ('pause', 'resume', 'cork', 'uncork', 'ref', 'unref', 'address'):
            call(getattr(e.sock, kind), kind)
        elif kind == 'setEncoding':
            if e is c:
                peer = s
            else:
                peer = c
            ok, _ = call(e.sock.setEncoding, 'setEncoding', op[2])
            if ok:
                if e.got:       # data already read in another form: stop checking
                    c.clean = s.clean = False
                e.enc = op[2] if op[2] in ('utf8', 'hex', 'latin1', 'base64') else None
                if op[2] not in ('utf8', 'hex', 'latin1', 'base64'):
                    c.clean = s.clean = False
        elif kind == 'setNoDelay':      # one argument (Python's arity errors are not Node's)
            call(e.sock.setNoDelay, kind, op[2])
        elif kind == 'setKeepAlive':
            call(e.sock.setKeepAlive, kind, op[2], op[3])
        elif kind == 'setTimeout':
            ok, _ = call(e.sock.setTimeout, 'setTimeout', op[2], op[3])
        elif kind == 'listen_again':
            call(server.listen, 'listen', op[1], op[2])
        elif kind == 'new_socket':
            ok, sock = call(net.Socket, 'net.Socket', fd_arg(op[1]))
            close_handed(ok)
            if ok:
                sock.on('error', lambda err: check_node_error(err, 'Socket error'))
                extra.append(sock)
        elif kind == 'connect_bad':
            ok, sock = call(net.connect, 'net.connect', op[1], op[2])
            if ok:
                sock.on('error', lambda err: check_node_error(err, 'connect error'))
                extra.append(sock)
        elif kind == 'server_close':
            call(server.close, 'server.close', op[1])
        elif kind == 'getConnections':
            call(server.getConnections, 'getConnections', op[1])
        elif kind == 'server_misc':
            call(server.address, 'server.address')
            call(server.ref, 'server.ref')
    # a clean end: both sides end, everything written before arrives once and in order
    for e in (c, s):
        if not e.sock.destroyed:
            call(e.sock.resume, 'resume')
    if c.clean and s.clean and not c.sock.destroyed and not s.sock.destroyed:
        for e in (c, s):
            if not e.ended_write:
                call(e.sock.end, 'end')
        t0 = time.monotonic()
        while not (c.eof and s.eof) and c.clean and s.clean:
            if time.monotonic() - t0 > 5:
                raise Failed('hang: no end after end() on both sides')
            await asyncio.sleep(0.002)
        if c.clean and s.clean:
            for me, peer in ((c, s), (s, c)):
                got = decode_chunks(peer.got, peer.enc)
                want = bytes(me.sent)
                if peer.enc == 'utf8':      # invalid UTF-8 arrives as U+FFFD, as in Node
                    want = want.decode('utf-8', 'replace').encode('utf-8')
                if got != want:
                    raise Failed(f'data lost or changed: sent {len(me.sent)} bytes, '
                                 f'received {len(got)} (encoding {peer.enc})')
    for e in (c, s):
        e.sock.destroy()
    for sock in extra:
        try:
            sock.destroy()
        except Exception as exc:  # noqa: BLE001
            check_node_error(exc, 'destroy')
    closed = loop.create_future()
    server.close(lambda *a: closed.done() or closed.set_result(None))
    await asyncio.wait_for(closed, 5)
    await asyncio.sleep(0.002)


# ---------------------------------------------------------------------------------------------
# nixloop.unix: SEQPACKET

fdsarg = st.one_of(st.none(), st.sampled_from([[], [0], [-1], [99999], ['x'], 5, 'ab', [1.5],
                                                [0] * 300, None]))
SEQ_OPS = st.one_of(
    st.tuples(st.just('write'), st.sampled_from('cs'), st.binary(max_size=4096)),
    st.tuples(st.just('write'), st.sampled_from('cs'), st.binary(max_size=64)),
    st.tuples(st.just('write_bad'), st.sampled_from('cs'), hostile, hostile, hostile, fdsarg),
    st.tuples(st.sampled_from(['end', 'destroy', 'sleep', 'peerCredentials', 'ref', 'unref',
                               'getInternalReadBufferSize', 'fileno']), st.sampled_from('cs')),
    st.tuples(st.just('setInternalReadBufferSize'), st.sampled_from('cs'), hostile),
    st.tuples(st.sampled_from(['listen_again', 'new_socket', 'connect_bad', 'server_close',
                               'server_misc']), hostile),
)


class SeqEnd:
    def __init__(self, sock):
        self.sock = sock
        self.got = []
        self.sent = []
        self.clean = True
        self.ended = False
        self.eof = False
        sock.on('data', self.got.append)
        sock.on('error', self.on_error)
        sock.on('end', self.on_end)

    def on_error(self, err):
        check_node_error(err, "'error' event")
        self.clean = False

    def on_end(self):
        self.eof = True


async def seqpacket_body(loop, ops):
    path = os.path.join(TMP, f's{os.getpid()}')
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    server = unix.SeqpacketServer()
    accepted = []
    server.on('connection', lambda sock, peer: accepted.append(sock))
    server.on('error', lambda err: check_node_error(err, 'server error'))
    server.listen(path)
    client = unix.SeqpacketSocket()
    c = SeqEnd(client)
    client.connect(path)
    await wait_for_event(client, 'connect')
    while not accepted:
        await asyncio.sleep(0.001)
    s = SeqEnd(accepted[0])
    ends = {'c': c, 's': s}
    extra = []
    for op in ops:
        kind = op[0]
        e = ends.get(op[1]) if len(op) > 1 and op[1] in ('c', 's') else None
        if kind == 'write':
            ok, _ = call(e.sock.write, 'write', op[2])
            if ok and not e.ended:
                e.sent.append(op[2])
            elif not ok:
                c.clean = s.clean = False
        elif kind == 'write_bad':
            ok, _ = call(e.sock.write, 'write', op[2], op[3], op[4], fds=op[5])
            if ok:
                c.clean = s.clean = False
        elif kind == 'end':
            call(e.sock.end, 'end')
            e.ended = True
        elif kind == 'destroy':
            call(e.sock.destroy, 'destroy')
            c.clean = s.clean = False
        elif kind == 'sleep':
            await asyncio.sleep(0.002)
        elif kind in ('peerCredentials', 'ref', 'unref', 'getInternalReadBufferSize', 'fileno'):
            call(getattr(e.sock, kind), kind)
        elif kind == 'setInternalReadBufferSize':
            ok, _ = call(e.sock.setInternalReadBufferSize, kind, op[2])
            if ok:
                c.clean = s.clean = False     # a small buffer makes long messages errors
        elif kind == 'listen_again':
            call(server.listen, 'listen', op[1])
        elif kind == 'new_socket':
            ok, sock = call(unix.SeqpacketSocket, 'SeqpacketSocket', fd_arg(op[1]))
            close_handed(ok)
            if ok:
                sock.on('error', lambda err: check_node_error(err, 'socket error'))
                extra.append(sock)
        elif kind == 'connect_bad':
            sock = unix.SeqpacketSocket()
            sock.on('error', lambda err: check_node_error(err, 'connect error'))
            call(sock.connect, 'connect', op[1])
            extra.append(sock)
        elif kind == 'server_close':
            call(server.close, 'server.close')
        elif kind == 'server_misc':
            call(server.address, 'server.address')
            call(server.fileno, 'server.fileno')
    if c.clean and s.clean and not c.sock.destroyed and not s.sock.destroyed:
        for e in (c, s):
            if not e.ended:
                call(e.sock.end, 'end')
        t0 = time.monotonic()
        while not (c.eof and s.eof) and c.clean and s.clean:
            if time.monotonic() - t0 > 5:
                raise Failed('hang: no end after end() on both sides')
            await asyncio.sleep(0.002)
        if c.clean and s.clean:
            for me, peer in ((c, s), (s, c)):
                if peer.got != me.sent:
                    raise Failed(f'messages lost or changed: sent {len(me.sent)}, '
                                 f'received {len(peer.got)}')
    for e in (c, s):
        e.sock.destroy()
    for sock in extra:
        sock.destroy()
    server.close()
    await asyncio.sleep(0.003)


# ---------------------------------------------------------------------------------------------
# nixloop.unix: DgramSocket

DGRAM_OPS = st.one_of(
    st.tuples(st.just('send'), st.sampled_from('ab'), st.binary(max_size=2048)),
    st.tuples(st.just('send_bad'), st.sampled_from('ab'), hostile, hostile, hostile, hostile,
              fdsarg),
    st.tuples(st.sampled_from(['close', 'sleep', 'address', 'getRecvBufferSize',
                               'getSendBufferSize', 'ref', 'unref', 'fileno']),
              st.sampled_from('ab')),
    st.tuples(st.sampled_from(['bind', 'setRecvBufferSize', 'setSendBufferSize']),
              st.sampled_from('ab'), hostile),
)


async def dgram_body(loop, ops):
    socks = {}
    got = {'a': [], 'b': [], }
    paths = {}
    clean = [True]
    for name in 'ab':
        path = os.path.join(TMP, f'd{os.getpid()}{name}')
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        sock = unix.DgramSocket()
        sock.bind(path)
        paths[name] = path
        sock.on('data', lambda data, sender, n=name: got[n].append(data))
        sock.on('error', lambda err: (check_node_error(err, "'error' event"),
                                      clean.__setitem__(0, False)))
        socks[name] = sock
    sent = {'a': [], 'b': []}
    closed = set()
    for op in ops:
        kind, who = op[0], op[1]
        sock = socks[who]
        other = 'b' if who == 'a' else 'a'
        if kind == 'send':
            done = []
            ok, _ = call(sock.sendTo, 'sendTo', op[2], 0, len(op[2]), paths[other],
                         lambda err: done.append(err))
            if ok and who not in closed and other not in closed:
                sent[other].append(op[2])
            else:
                clean[0] = False
        elif kind == 'send_bad':
            ok, _ = call(sock.sendTo, 'sendTo', op[2], op[3], op[4], op[5], fds=op[6])
            if ok:
                clean[0] = False
        elif kind == 'close':
            call(sock.close, 'close')
            closed.add(who)
            clean[0] = False
        elif kind == 'sleep':
            await asyncio.sleep(0.002)
        elif kind in ('address', 'getRecvBufferSize', 'getSendBufferSize', 'ref', 'unref',
                      'fileno'):
            call(getattr(sock, kind), kind)
        else:
            ok, _ = call(getattr(sock, kind), kind, op[2])
            if ok and kind == 'setRecvBufferSize':
                clean[0] = False
    if clean[0]:
        t0 = time.monotonic()
        while (len(got['a']) < len(sent['a']) or len(got['b']) < len(sent['b'])) and clean[0]:
            if time.monotonic() - t0 > 5:
                raise Failed('hang: datagrams did not arrive')
            await asyncio.sleep(0.002)
        if clean[0] and (got['a'] != sent['a'] or got['b'] != sent['b']):
            raise Failed('datagrams lost, duplicated or reordered')
    for sock in socks.values():
        sock.close()
    await asyncio.sleep(0.002)


# ---------------------------------------------------------------------------------------------
# asyncio transports and loop methods, against stdlib asyncio

class Proto(asyncio.Protocol):
    def __init__(self):
        self.got = bytearray()
        self.eof = False
        self.lost = None
        self.lost_called = False
        self.msgs = []

    def connection_made(self, tr):
        self.tr = tr

    def data_received(self, data):
        self.got += data

    def message_received(self, data):
        self.msgs.append(data)

    def eof_received(self):
        self.eof = True
        return True

    def connection_lost(self, exc):
        self.lost_called = True
        self.lost = exc


LOOP_OPS = st.one_of(
    st.tuples(st.just('write'), st.sampled_from('cs'), chunk),
    st.tuples(st.just('write'), st.sampled_from('cs'), chunk),
    st.tuples(st.sampled_from(['write_bad', 'writelines', 'set_write_buffer_limits',
                               'get_extra_info']), st.sampled_from('cs'), hostile, hostile),
    st.tuples(st.sampled_from(['write_eof', 'pause_reading', 'resume_reading', 'is_closing',
                               'get_write_buffer_size', 'can_write_eof', 'sleep', 'abort',
                               'close']), st.sampled_from('cs')),
    st.tuples(st.sampled_from(['call_later', 'call_at']),
              st.one_of(st.integers(-2 ** 70, 2 ** 70), st.floats(), st.sampled_from(
                  [2 ** 64, 1e300, -1e300, 0, -0.0])), st.none()),
    st.tuples(st.sampled_from(['create_connection', 'create_server', 'call_soon', 'sock_recv', 'sock_sendall', 'add_reader',
                               'create_unix_connection', 'create_unix_server', 'getaddrinfo',
                               'getnameinfo', 'create_datagram_endpoint', 'run_in_executor',
                               'remove_reader', 'sock_connect', 'set_debug_bad',
                               'shutdown_asyncgens']), hostile, hostile),
)

_NUMERIC_HOSTS = st.sampled_from(['127.0.0.1', '::1', 'localhost', '', None, 5, 5.5, b'127.0.0.1',
                                  ['127.0.0.1', 5], object(), ('127.0.0.1',), '0.0.0.0'])


async def loop_method(loop, name, a, b, listening_port, unix_path):
    """One loop method call with hostile arguments; returns the exception or None. Anything it
    creates is closed again."""
    def proto():
        return Proto()
    try:
        if name == 'create_connection':
            host = a if not isinstance(a, str) or a in ('127.0.0.1', '::1', 'localhost', '') \
                else '127.0.0.1'
            port = b if not isinstance(b, (int, float)) or isinstance(b, bool) else listening_port
            tr, _ = await asyncio.wait_for(loop.create_connection(proto, host, port), 3)
            tr.close()
        elif name == 'create_server':
            host = a if not isinstance(a, str) else '127.0.0.1'
            srv = await loop.create_server(proto, host, b if not isinstance(b, int) else 0)
            srv.close()
            await srv.wait_closed()
        elif name in ('call_later', 'call_at'):
            h = getattr(loop, name)(a, lambda: None)
            h.cancel()
        elif name == 'call_soon':
            h = loop.call_soon(a)
            h.cancel()
        elif name == 'sock_recv':
            await asyncio.wait_for(loop.sock_recv(a, b), 1)
        elif name == 'sock_sendall':
            await asyncio.wait_for(loop.sock_sendall(a, b), 1)
        elif name == 'sock_connect':
            await asyncio.wait_for(loop.sock_connect(a, b), 1)
        elif name == 'add_reader':
            if isinstance(a, int) and not isinstance(a, bool) and 0 <= a < 1024:
                a = 10 ** 6      # never one of the process's fds
            loop.add_reader(a, lambda: None)
            loop.remove_reader(a)
        elif name == 'remove_reader':
            if isinstance(a, int) and not isinstance(a, bool) and 0 <= a < 1024:
                a = 10 ** 6
            loop.remove_reader(a)
        elif name == 'create_unix_connection':
            p = a if not isinstance(a, str) else unix_path
            tr, _ = await asyncio.wait_for(loop.create_unix_connection(proto, p), 3)
            tr.close()
        elif name == 'create_unix_server':
            if isinstance(a, str) and len(a.encode('utf-8', 'surrogatepass')) <= 100:
                a = os.path.join(TMP, 'u' + str(abs(hash(a)) % 1000))
            srv = await loop.create_unix_server(proto, a)
            srv.close()
            await srv.wait_closed()
        elif name == 'getaddrinfo':
            host = a if not isinstance(a, str) or a in ('127.0.0.1', '::1', 'localhost', '') \
                else '127.0.0.1'
            await asyncio.wait_for(loop.getaddrinfo(host, b), 3)
        elif name == 'getnameinfo':
            await asyncio.wait_for(loop.getnameinfo(a if not isinstance(a, tuple) else
                                                    ('127.0.0.1', 80), b if isinstance(b, int)
                                                    and not isinstance(b, bool) else 0), 3)
        elif name == 'create_datagram_endpoint':
            tr, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, local_addr=a if not isinstance(a, tuple) else
                ('127.0.0.1', 0), family=b if isinstance(b, int) and b in (0, 2, 10) else 0)
            tr.close()
        elif name == 'run_in_executor':
            await asyncio.wait_for(loop.run_in_executor(None, a), 3)
        elif name == 'set_debug_bad':
            loop.slow_callback_duration = 0.1
            loop.set_exception_handler(a if not callable(a) else None)
        elif name == 'shutdown_asyncgens':
            await loop.shutdown_asyncgens()
    except asyncio.TimeoutError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001
        return exc
    return None


async def transports_world(loop, ops, results):
    """The program on one loop; results gets one entry per call: the exception type's name (or
    None); the data each side received is checked at a clean end."""
    server_protos = []

    def sproto():
        p = Proto()
        server_protos.append(p)
        return p
    srv = await loop.create_server(sproto, '127.0.0.1', 0)
    port = srv.sockets[0].getsockname()[1]
    upath = os.path.join(TMP, f'us{id(loop)}')
    usrv = await loop.create_unix_server(Proto, upath)
    ctr, cp = await loop.create_connection(Proto, '127.0.0.1', port)
    while not server_protos:
        await asyncio.sleep(0.001)
    sp = server_protos[0]
    ends = {'c': (ctr, cp), 's': (sp.tr, sp)}
    sent = {'c': bytearray(), 's': bytearray()}
    clean = True
    eofed = set()
    for op in ops:
        kind = op[0]
        tr, pr = ends.get(op[1], (None, None)) if len(op) > 1 and op[1] in ('c', 's') else \
            (None, None)
        exc = None
        stats['calls'] += 1
        try:
            if kind == 'write':
                tr.write(op[2])
                if not tr.is_closing() and op[1] not in eofed:
                    sent[op[1]] += op[2]
            elif kind == 'write_bad':
                tr.write(op[2])
                clean = False
            elif kind == 'writelines':
                tr.writelines(op[2])
                clean = False
            elif kind == 'set_write_buffer_limits':
                tr.set_write_buffer_limits(op[2], op[3])
            elif kind == 'get_extra_info':
                tr.get_extra_info(op[2] if isinstance(op[2], str) else 'peername', None)
            elif kind == 'write_eof':
                tr.write_eof()
                eofed.add(op[1])
            elif kind in ('pause_reading', 'resume_reading', 'is_closing',
                          'get_write_buffer_size', 'can_write_eof'):
                getattr(tr, kind)()
            elif kind in ('abort', 'close'):
                getattr(tr, kind)()
                clean = False
            elif kind == 'sleep':
                await asyncio.sleep(0.002)
            else:
                exc = await loop_method(loop, kind, op[1], op[2], port, upath)
        except Exception as e:  # noqa: BLE001
            exc = e
        results.append((kind, tname(exc), repr(exc)[:200] if exc is not None else None,
                        () if exc is None else tuple(c.__name__ for c in type(exc).__mro__)))
        if exc is not None and kind in ('write', 'write_eof'):
            clean = False
    data_ok = None
    if clean:
        for tr, pr in ends.values():
            if tr.is_reading() if hasattr(tr, 'is_reading') else True:
                pass
            try:
                tr.resume_reading()
            except Exception:  # noqa: BLE001
                pass
        for name, (tr, pr) in ends.items():
            if name not in eofed:
                tr.write_eof()
        t0 = time.monotonic()
        while not (cp.eof and sp.eof) and time.monotonic() - t0 < 5:
            await asyncio.sleep(0.002)
        data_ok = (cp.eof and sp.eof, bytes(sp.got) == bytes(sent['c']),
                   bytes(cp.got) == bytes(sent['s']))
    for tr, pr in ends.values():
        tr.abort()
    srv.close()
    usrv.close()
    await asyncio.sleep(0.005)
    return data_ok


def transports_check(ops):
    """Run the program on nixloop and on stdlib asyncio; the calls must fail alike."""
    stats['programs'] += 1
    log_program(ops)
    outcome = {}
    for kind, factory in (('nixloop', nixloop.new_event_loop),
                          ('asyncio', asyncio.new_event_loop)):
        gc.collect()
        fds0 = fds_now()
        loop = factory()
        handled = []
        loop.set_exception_handler(lambda lp, ctx: handled.append(ctx))
        results = []
        try:
            try:
                data_ok = loop.run_until_complete(
                    asyncio.wait_for(transports_world(loop, ops, results), DEADLINE))
            except asyncio.TimeoutError:
                if kind == 'nixloop':
                    raise Failed(f'{kind}: hang: the program did not finish in {DEADLINE} s') \
                        from None
                # the reference itself hangs on this program (stdlib asyncio's own problem):
                # nothing to compare with
                results = None
                data_ok = None
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
        gc.collect()
        fds1 = fds_now()
        if fds1 > fds0:
            time.sleep(0.05)
            gc.collect()
            fds1 = fds_now()
        outcome[kind] = (results, data_ok, handled, fds1 - fds0)
    nres, ndata, nhandled, nleak = outcome['nixloop']
    ares, adata, _ahandled, _aleak = outcome['asyncio']
    for i, (n, a) in enumerate(zip(nres, ares or ())):
        if n[0] == 'write_eof' and n[1] is None and a[1] in ('OSError', 'BrokenPipeError',
                                                             'ConnectionResetError'):
            # asyncio's shutdown(SHUT_WR) is synchronous and raises when the peer is gone
            # already; libuv's is a request whose failure ends the connection (connection_lost)
            continue
        # an exception class of nixloop's that is also stdlib's class counts as the same (on 3.10
        # create_datagram_endpoint's bad address is both TypeError and AssertionError: asyncio
        # 3.10 asserts, 3.11+ raises TypeError)
        if n[1] != a[1] and a[1] not in n[3]:
            raise Failed(f'call {i} {n[0]}: nixloop raised {n[1]} ({n[2]}), stdlib {a[1]} '
                         f'({a[2]})')
    if ndata is not None and ndata != (True, True, True):
        if adata == (True, True, True):
            raise Failed(f'nixloop lost data or the end of stream: {ndata}')
    if nhandled:
        ctx = nhandled[0]
        raise Failed(f"exception handler called: {ctx.get('message')}: {ctx.get('exception')!r}")
    if nleak > 0:
        raise Failed(f'fd leak: {nleak}')


# ---------------------------------------------------------------------------------------------

BODIES = {'net': (NET_OPS, net_body), 'seqpacket': (SEQ_OPS, seqpacket_body),
          'dgram': (DGRAM_OPS, dgram_body), 'transports': (LOOP_OPS, None)}


def describe(exc):
    """The failure (and the minimal program hypothesis found) in a few lines."""
    subs = getattr(exc, 'exceptions', None)
    if subs:
        return '\n--\n'.join(describe(e) for e in subs[:3])
    notes = '\n'.join(getattr(exc, '__notes__', ()))
    if isinstance(exc, Failed):
        text = str(exc)
    else:
        import traceback
        text = ''.join(traceback.format_exception(exc))[-1500:]
    return f'{text[:1500]}\n{notes[:2500]}'.strip()


def main():
    ops_strategy, body = BODIES[FACADE]
    t_end = time.monotonic() + SECONDS if SECONDS else None

    @hseed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(st.lists(ops_strategy, max_size=30))
    def program(ops):
        if t_end is not None and time.monotonic() > t_end:
            return
        if body is None:
            transports_check(ops)
        else:
            run_program(lambda loop: body(loop, ops), ops)

    # warm-up: what libuv and asyncio open once per process (libuv's signal lock pipe, the
    # executor) is not a leak of the first program
    try:
        if body is None:
            transports_check([])
        else:
            run_program(lambda loop: body(loop, []), [])
    except Failed:
        pass
    stats['programs'] = stats['calls'] = 0

    failure = None
    try:
        program()
    except Exception as exc:  # noqa: BLE001 - a bug in the program itself is a failure too
        failure = describe(exc)
    print(json.dumps({'facade': FACADE, 'programs': stats['programs'], 'calls': stats['calls'],
                      'failure': failure}), flush=True)
    return 1 if failure else 0


if __name__ == '__main__':
    sys.exit(main())
