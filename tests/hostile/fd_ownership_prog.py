"""Run as a program (by test_fd_ownership.py): drives the failure path of every constructor of a
compiled handle, transport, loop method and facade that takes or makes an fd, with live files
on fds 0, 1 and 2, and checks after each one that no fd the call was not given was closed or
replaced.

A failed constructor owns nothing: the fd it was given stays open and the caller's. So after a
failing call every fd that was open before must still name the same file (device, inode).

Prints one JSON line per case: {"case", "exc", "code", "changed"} and, last, {"done": n}.
Exit status 0 unless the interpreter itself dies (a SIGABRT from libuv is what this catches).
"""
import asyncio
import gc
import json
import os
import resource
import socket
import sys
import tempfile

# Live files on 0, 1, 2 before anything else opens an fd: a handle that closes "fd 0" by
# mistake closes one of these. The real stdout is kept for the report.
_report = os.fdopen(os.dup(1), 'w', buffering=1)
_tmpdir = tempfile.mkdtemp(prefix='nlfd')
for _n in (0, 1, 2):
    _f = os.open(os.path.join(_tmpdir, f'std{_n}'), os.O_RDWR | os.O_CREAT, 0o600)
    if _f != _n:
        os.dup2(_f, _n)
        os.close(_f)

import nixloop                      # noqa: E402
from nixloop import net, unix       # noqa: E402

from nixloop._core import _loop as core   # noqa: E402


def snapshot():
    # fstat over the whole fd range: listing /proc/self/fd would need a free fd, and some cases
    # run with none left
    fds = {}
    for fd in range(resource.getrlimit(resource.RLIMIT_NOFILE)[0]):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        fds[fd] = (st.st_dev, st.st_ino)
    return fds


def changed_since(before):
    now = snapshot()
    return sorted(fd for fd, ident in before.items() if now.get(fd) != ident)


results = []


def case(name, fn, *, settle=None):
    """Run fn() (expected to fail); then check the fds."""
    gc.collect()
    before = snapshot()
    exc = None
    try:
        r = fn()
        if asyncio.iscoroutine(r):
            r = settle.run_until_complete(r)
    except BaseException as e:     # noqa: BLE001 - every failure is recorded
        exc = e
    if settle is not None and not settle.is_closed():
        settle.run_until_complete(asyncio.sleep(0.005))
    gc.collect()
    ch = changed_since(before)
    rec = {'case': name, 'exc': None if exc is None else type(exc).__name__,
           'code': getattr(exc, 'code', None), 'changed': ch,
           'msg': None if exc is None else str(exc)[:160]}
    results.append(rec)
    _report.write(json.dumps(rec) + '\n')


def main():
    loop = nixloop.new_event_loop()
    asyncio.set_event_loop(loop)
    closed_loop = nixloop.new_event_loop()
    closed_loop.close()

    regular = os.open(os.path.join(_tmpdir, 'regular'), os.O_RDWR | os.O_CREAT, 0o600)
    stream_a, stream_b = socket.socketpair()                       # AF_UNIX SOCK_STREAM
    seq_a, seq_b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp6 = None
    dgram_unix = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    tcp = socket.socket()
    bad_fds = {'minus1': -1, 'closed': 1000, 'regular': regular, 'stream': stream_a.fileno(),
               'seqpacket': seq_a.fileno(), 'udp': udp.fileno(), 'unixdgram': dgram_unix.fileno(),
               'tcp_unconnected': tcp.fileno()}
    expected_type = {
        core.SeqpacketHandle: 'seqpacket', core.DgramHandle: 'unixdgram', core.UDPHandle: 'udp',
        core.TCPHandle: None, core.PipeHandle: None,
    }

    # -- compiled handles: from_fd on wrong/closed/negative fds, create/from_fd on a closed loop
    for cls, good in expected_type.items():
        for label, fd in bad_fds.items():
            if label == good:
                continue
            if cls in (core.TCPHandle, core.PipeHandle) and label not in ('minus1', 'closed'):
                continue     # libuv accepts any socket there (checked by the facades above it)
            case(f'{cls.__name__}.from_fd({label})', lambda c=cls, f=fd: c.from_fd(loop, f))
        case(f'{cls.__name__}.from_fd(closed loop)',
             lambda c=cls, f=bad_fds[good or 'stream']: c.from_fd(closed_loop, f))
        if hasattr(cls, 'create') and cls is not core.UDPHandle:
            case(f'{cls.__name__}.create(closed loop)', lambda c=cls: c.create(closed_loop))

    # -- facades
    case('unix.SeqpacketSocket(-1)', lambda: unix.SeqpacketSocket(-1, loop=loop), settle=loop)
    case('unix.SeqpacketSocket(stream fd)',
         lambda: unix.SeqpacketSocket(stream_a.fileno(), loop=loop), settle=loop)
    case('unix.SeqpacketSocket(regular file)', lambda: unix.SeqpacketSocket(regular, loop=loop),
         settle=loop)
    case('unix.SeqpacketSocket(closed loop)', lambda: unix.SeqpacketSocket(loop=closed_loop))
    case('unix.DgramSocket(closed loop)', lambda: unix.DgramSocket(loop=closed_loop))
    case('unix.SeqpacketServer(closed loop)', lambda: unix.SeqpacketServer(loop=closed_loop))

    def listen_fd(fd):
        srv = unix.SeqpacketServer(loop=loop)
        try:
            srv.listen({'fd': fd})
        finally:
            srv.close()
    for label in ('minus1', 'closed', 'regular', 'stream', 'udp'):
        case(f'unix.SeqpacketServer.listen(fd={label})', lambda f=bad_fds[label]: listen_fd(f),
             settle=loop)

    async def in_loop(fn):
        return fn()

    for label in ('minus1', 'closed', 'regular', 'udp', 'seqpacket'):
        case(f'net.Socket(fd={label})',
             lambda f=bad_fds[label]: in_loop(lambda: net.Socket({'fd': f})), settle=loop)

    async def net_listen_fd(fd):
        srv = net.Server()
        errs = []
        srv.on('error', errs.append)
        srv.listen({'fd': fd})
        await asyncio.sleep(0.01)
        srv.close()
        if errs:
            raise errs[0]
    for label in ('closed', 'regular', 'udp', 'seqpacket'):
        case(f'net.Server.listen(fd={label})', lambda f=bad_fds[label]: net_listen_fd(f),
             settle=loop)

    # -- loop methods given sockets of the wrong kind
    async def lm(coro):
        return await coro
    case('loop.create_connection(sock=udp)',
         lambda: lm(loop.create_connection(asyncio.Protocol, sock=udp)), settle=loop)
    case('loop.create_server(sock=udp)',
         lambda: lm(loop.create_server(asyncio.Protocol, sock=udp)), settle=loop)
    case('loop.connect_accepted_socket(udp)',
         lambda: lm(loop.connect_accepted_socket(asyncio.Protocol, udp)), settle=loop)
    case('loop.create_seqpacket_connection(sock=stream)',
         lambda: lm(loop.create_seqpacket_connection(asyncio.Protocol, sock=stream_a)),
         settle=loop)
    case('loop.create_seqpacket_server(sock=stream)',
         lambda: lm(loop.create_seqpacket_server(asyncio.Protocol, sock=stream_a)), settle=loop)
    case('loop.create_datagram_endpoint(sock=tcp)',
         lambda: lm(loop.create_datagram_endpoint(asyncio.DatagramProtocol, sock=tcp)),
         settle=loop)
    case('loop.create_datagram_endpoint(AF_UNIX sock=stream)',
         lambda: lm(loop.create_datagram_endpoint(asyncio.DatagramProtocol, sock=stream_a)),
         settle=loop)
    case('loop.add_reader(closed fd)', lambda: loop.add_reader(1000, print), settle=loop)

    # -- every constructor that makes a socket, with no fd left (EMFILE)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    held = []
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        while True:
            held.append(os.open('/dev/null', os.O_RDONLY))
    except OSError:
        pass
    try:
        case('SeqpacketHandle.create (EMFILE)', lambda: core.SeqpacketHandle.create(loop))
        case('DgramHandle.create (EMFILE)', lambda: core.DgramHandle.create(loop))
        case('TCPHandle.create(AF_INET) (EMFILE)',
             lambda: core.TCPHandle.create(loop, socket.AF_INET))
        case('unix.SeqpacketSocket() (EMFILE)', lambda: unix.SeqpacketSocket(loop=loop))
        case('unix.SeqpacketServer() (EMFILE)', lambda: unix.SeqpacketServer(loop=loop))
        case('unix.DgramSocket() (EMFILE)', lambda: unix.DgramSocket(loop=loop))
        case('unix.SeqpacketSocket(stream fd) (EMFILE)',
             lambda: unix.SeqpacketSocket(stream_a.fileno(), loop=loop))
        case('net.Socket(fd=udp) (EMFILE)',
             lambda: in_loop(lambda: net.Socket({'fd': udp.fileno()})), settle=loop)
        case('loop.create_server (EMFILE)',
             lambda: lm(loop.create_server(asyncio.Protocol, '127.0.0.1', 0)), settle=loop)
        case('loop.create_connection(sock=tcp) (EMFILE)',
             lambda: lm(loop.create_connection(asyncio.Protocol, sock=tcp)), settle=loop)
        case('loop.create_seqpacket_server (EMFILE)',
             lambda: lm(loop.create_seqpacket_server(asyncio.Protocol,
                                                     os.path.join(_tmpdir, 'sq'))), settle=loop)
        case('loop.create_datagram_endpoint (EMFILE)',
             lambda: lm(loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                      local_addr=('127.0.0.1', 0))), settle=loop)
        case('nixloop.new_event_loop() (EMFILE)', lambda: nixloop.new_event_loop())
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    loop.run_until_complete(asyncio.sleep(0.01))
    loop.close()

    # -- issue 15's reproduction: a failing constructor, then a new loop, twice
    async def failing():
        try:
            unix.SeqpacketSocket(-1)
        except OSError:
            pass
        await asyncio.sleep(0.01)
    for i in range(3):
        case(f'nixloop.run(failing SeqpacketSocket) #{i}', lambda: nixloop.run(failing()))
    _report.write(json.dumps({'done': len(results)}) + '\n')


if __name__ == '__main__':
    try:
        main()
    except BaseException:
        import traceback
        _report.write(json.dumps({'error': traceback.format_exc()}) + '\n')
        raise
