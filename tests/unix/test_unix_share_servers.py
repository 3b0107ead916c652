"""Sharing a listening server with another process (issue 6, "beyond any peer").

The parent (this test, on a nixloop loop) sends the fd of a listening ``net.Server`` or
``SeqpacketServer`` to a child Python process over a SEQPACKET control socket (SCM_RIGHTS,
``write(buf, fds=[server])``); the child serves the same address with
``listen({'fd': fd})``.  node-unix-socket cannot share a server across processes.

Control protocol (one SEQPACKET message per command, child <- parent):
``serve tcp`` / ``serve seqpacket`` (with the listening fd) -> ``ready <pid> <address>``;
``pause`` -> ``paused``, then the child's loop blocks until the next control message arrives;
``resume``: nothing; ``stop`` -> the child closes its server, answers
``bye <connections> <messages>``, ends the control socket and exits 0.
"""
import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from nixloop import net
from nixloop.errors import ERR_SERVER_NOT_RUNNING
from nixloop.unix import SeqpacketServer, SeqpacketSocket

REPO_ROOT = str(Path(__file__).resolve().parents[2])
CHILD_TIMEOUT = 20.0          # seconds: every wait on the child is bounded by this

CHILD = r'''
import os, select, sys
from nixloop import net, node, unix
from nixloop.timers import setTimeout

PID = os.getpid()


def main():
    ctl_path = sys.argv[1]
    state = {'server': None, 'conns': 0, 'msgs': 0}
    pending_fds = []
    ctl = unix.SeqpacketSocket()
    # never outlive a broken test; unref'd, so it does not keep the loop alive
    setTimeout(lambda: os._exit(3), 60000).unref()

    def serve_tcp(fd):
        def on_connection(sock):
            state['conns'] += 1
            sock.end(f'child {PID}'.encode())
        server = state['server'] = net.createServer(on_connection)
        server.listen({'fd': fd}, lambda: ctl.write(
            f"ready {PID} {server.address()['port']}".encode()))

    def serve_seqpacket(fd):
        def on_connection(sock, peer):
            state['conns'] += 1

            def echo(data):
                state['msgs'] += 1
                sock.write(data)
            sock.on('data', echo)
            sock.on('end', sock.end)
            sock.write(f'child {PID}'.encode())
        server = state['server'] = unix.SeqpacketServer()
        server.on('connection', on_connection)
        server.listen({'fd': fd})
        ctl.write(f'ready {PID} {server.address()}'.encode())

    def block_until_next_command():
        # the whole loop (and so the server) is stuck here until the parent says 'resume'
        if not select.select([ctl.fileno()], [], [], 20)[0]:
            os._exit(4)

    def on_data(msg):
        cmd = msg.decode()
        if cmd.startswith('serve '):
            if len(pending_fds) != 1:
                raise AssertionError(f'expected one fd with {cmd!r}, got {pending_fds}')
            fd = pending_fds.pop()
            (serve_tcp if cmd == 'serve tcp' else serve_seqpacket)(fd)
        elif cmd == 'pause':
            blocked = []

            def block_once(err):
                if not blocked:
                    blocked.append(True)
                    block_until_next_command()
            ctl.write(b'paused', block_once)
            if ctl.writableLength == 0:
                # sent already: block now, before this loop could accept anything more
                block_once(None)
        elif cmd == 'resume':
            pass
        elif cmd == 'stop':
            state['server'].close()
            ctl.write(f"bye {state['conns']} {state['msgs']}".encode())
            ctl.end()
        else:
            raise AssertionError(f'unknown command {cmd!r}')

    def on_end():
        if state['server'] is not None:
            state['server'].close()

    ctl.on('fds', pending_fds.extend)
    ctl.on('data', on_data)
    ctl.on('end', on_end)
    ctl.connect(ctl_path)


node.run(main)
'''


def run(loop, coro, timeout=90):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def child_log(tmp_path):
    path = tmp_path / 'child.log'
    return path.read_text(errors='replace') if path.exists() else ''


class Child:
    """The child process and the parent's end of its control socket."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.proc = None
        self.ctl = None
        self.inbox = asyncio.Queue()
        self.errors = []

    async def until(self, fut, what, timeout=CHILD_TIMEOUT):
        """Await fut, failing at once (with the child's output) if the child dies first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        fut = asyncio.ensure_future(fut)
        while not fut.done():
            exited = self.proc.poll() is not None
            # what the child sent before exiting is still to be read: a grace period then
            await asyncio.wait({fut}, timeout=1.0 if exited else 0.05)
            if fut.done():
                break
            if exited:
                fut.cancel()
                raise AssertionError(f'child exited ({self.proc.returncode}) while waiting for '
                                     f'{what}:\n{child_log(self.tmp_path)}')
            if loop.time() > deadline:
                fut.cancel()
                raise AssertionError(f'timed out waiting for {what}:\n{child_log(self.tmp_path)}')
        return fut.result()

    async def start(self):
        loop = asyncio.get_running_loop()
        ctl_path = str(self.tmp_path / 'ctl.sock')
        ctl_server = SeqpacketServer()
        conn = loop.create_future()

        def on_connection(sock, peer):
            sock.on('data', self.inbox.put_nowait)
            sock.on('end', lambda: self.inbox.put_nowait(None))
            sock.on('error', self.errors.append)
            if not conn.done():
                conn.set_result(sock)
        ctl_server.on('connection', on_connection)
        ctl_server.listen(ctl_path)
        script = self.tmp_path / 'child.py'
        script.write_text(CHILD)
        env = dict(os.environ)
        env['PYTHONPATH'] = REPO_ROOT + (os.pathsep + env['PYTHONPATH']
                                         if env.get('PYTHONPATH') else '')
        try:
            with open(self.tmp_path / 'child.log', 'wb') as log:
                # close_fds (the default): the child gets the listening socket only by SCM_RIGHTS
                self.proc = subprocess.Popen([sys.executable, str(script), ctl_path],
                                             stdout=log, stderr=subprocess.STDOUT, env=env,
                                             cwd=str(self.tmp_path), close_fds=True)
            self.ctl = await self.until(conn, 'the control connection')
        finally:
            ctl_server.close()
        assert self.ctl.peerCredentials()['pid'] == self.proc.pid

    async def recv(self, what):
        msg = await self.until(self.inbox.get(), what)
        assert msg is not None, (f'control socket ended while waiting for {what}:\n'
                                 + child_log(self.tmp_path))
        return msg.decode()

    async def serve(self, kind, server):
        """Send the listening server's fd; returns the child's (pid, address) once it serves."""
        self.ctl.write(f'serve {kind}'.encode(), fds=[server])
        ready = (await self.recv('ready')).split(' ', 2)
        assert ready[0] == 'ready', ready
        assert int(ready[1]) == self.proc.pid
        return int(ready[1]), ready[2]

    async def stop(self):
        """Stop the child; returns (connections, messages) it served. It must exit 0."""
        self.ctl.write(b'stop')
        bye = (await self.recv('bye')).split()
        assert bye[0] == 'bye', bye
        assert await self.until(self.inbox.get(), 'the end of the control socket') is None
        closed = asyncio.get_running_loop().create_future()
        self.ctl.once('close', lambda *a: closed.done() or closed.set_result(None))
        self.ctl.end()
        await self.until(closed, "the control socket's close")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CHILD_TIMEOUT
        while self.proc.poll() is None:
            assert loop.time() < deadline, 'the child did not exit:\n' + child_log(self.tmp_path)
            await asyncio.sleep(0.02)
        assert self.proc.returncode == 0, child_log(self.tmp_path)
        assert not self.errors
        return int(bye[1]), int(bye[2])

    def kill(self):
        """Cleanup after a failure: nothing may outlive the test."""
        if self.ctl is not None and not self.ctl.destroyed:
            self.ctl.destroy()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(CHILD_TIMEOUT)


def socket_inode(fd):
    return os.fstat(fd).st_ino


def process_holds_socket(inode):
    target = f'socket:[{inode}]'
    for fd in os.listdir('/proc/self/fd'):
        try:
            if os.readlink(f'/proc/self/fd/{fd}') == target:
                return True
        except OSError:
            pass
    return False


async def tcp_answer(port):
    reader, writer = await asyncio.wait_for(asyncio.open_connection('127.0.0.1', port), 10)
    try:
        return (await asyncio.wait_for(reader.read(), 10)).decode()
    finally:
        writer.close()
        await writer.wait_closed()


def blocking_tcp_answer(port):
    """A client that blocks the calling thread (and so this loop) until it has its answer."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        chunks = []
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return b''.join(chunks).decode()
            chunks.append(chunk)


async def tcp_parent_server(answer='parent'):
    """A listening net.Server on 127.0.0.1 answering ``answer``; returns (server, stats)."""
    loop = asyncio.get_running_loop()
    stats = {'conns': 0, 'errors': []}

    def on_connection(sock):
        stats['conns'] += 1
        sock.on('error', stats['errors'].append)
        sock.end(answer.encode())
    server = net.createServer(on_connection)
    server.on('error', stats['errors'].append)
    listening = loop.create_future()
    server.listen(0, '127.0.0.1', lambda: listening.set_result(None))
    await asyncio.wait_for(listening, 10)
    return server, stats


async def close_server(server):
    closed = asyncio.get_running_loop().create_future()
    server.close(lambda *a: closed.done() or closed.set_result(a))
    assert await asyncio.wait_for(closed, 10) == ()       # no ERR_SERVER_NOT_RUNNING


# ---------------------------------------------------------------------------------------------

def test_net_server_fileno(nloop, tmp_path, no_fd_leak):
    """net.Server.fileno(): the listening socket's fd, ERR_SERVER_NOT_RUNNING otherwise."""
    async def main():
        server = net.createServer()
        with pytest.raises(ERR_SERVER_NOT_RUNNING):
            server.fileno()                              # never listened
        tcp, _ = await tcp_parent_server()
        fd = tcp.fileno()
        s = socket.socket(fileno=os.dup(fd))
        with s:
            assert s.getsockname() == ('127.0.0.1', tcp.address()['port'])
            assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        await close_server(tcp)
        with pytest.raises(ERR_SERVER_NOT_RUNNING) as info:
            tcp.fileno()                                 # closed
        assert info.value.code == 'ERR_SERVER_NOT_RUNNING'
        path = str(tmp_path / 'ipc.sock')
        ipc = net.createServer()
        ipc.listen(path)
        s = socket.socket(fileno=os.dup(ipc.fileno()))
        with s:
            assert s.family == socket.AF_UNIX and s.getsockname() == path
        await close_server(ipc)
    run(nloop, main())


def test_child_serves_a_net_server_the_parent_closed(nloop, tmp_path, no_fd_leak):
    n_clients = 8

    async def main():
        child = Child(tmp_path)
        server, stats = await tcp_parent_server()
        try:
            port = server.address()['port']
            assert await tcp_answer(port) == 'parent'     # answers tell who served
            await child.start()
            pid, address = await child.serve('tcp', server)
            assert pid != os.getpid()
            assert int(address) == port                   # listen({'fd'}) on the same address
            inode = socket_inode(server.fileno())
            await close_server(server)
            # the parent holds no fd of the listening socket any more; the child does
            assert not process_holds_socket(inode)
            answers = await asyncio.gather(*(tcp_answer(port) for _ in range(n_clients)))
            assert answers == [f'child {pid}'] * n_clients
            conns, msgs = await child.stop()
            assert (conns, msgs) == (n_clients, 0)
            assert stats == {'conns': 1, 'errors': []}
            # the child exited and closed the last copy: nobody listens on the port now
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(('127.0.0.1', port), timeout=5).close()
        finally:
            child.kill()
            if server.listening:
                server.close()
    run(nloop, main())


def test_child_serves_a_seqpacket_server_the_parent_closed(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'svc.sock')
    n_clients = 5
    messages = [b'one', b'', b'x' * 5000, b'two', bytes(range(256)) * 40, b'\x00', b'end']

    async def connect():
        loop = asyncio.get_running_loop()
        sock = SeqpacketSocket()
        got = []
        expected = 1 + len(messages)                     # the greeting, then the echoes
        done = loop.create_future()
        closed = loop.create_future()

        def on_data(data):
            got.append(data)
            if len(got) == expected and not done.done():
                done.set_result(None)
        sock.on('data', on_data)
        sock.on('error', lambda err: done.done() or done.set_exception(err))
        sock.once('close', lambda *a: closed.done() or closed.set_result(None))
        connected = loop.create_future()
        sock.connect(path, lambda: connected.set_result(None))
        await asyncio.wait_for(connected, 10)
        return sock, got, done, closed

    async def converse():
        sock, got, done, closed = await connect()
        for m in messages:
            sock.write(m)
        await asyncio.wait_for(done, 10)
        sock.end()
        await asyncio.wait_for(closed, 10)
        return got

    async def main():
        child = Child(tmp_path)
        server = SeqpacketServer()
        parent_conns = []

        def on_connection(sock, peer):
            parent_conns.append(sock)
            sock.on('data', sock.write)
            sock.on('end', sock.end)
            sock.write(b'parent')
        server.on('connection', on_connection)
        server.listen(path)
        try:
            got = await converse()
            assert got == [b'parent'] + messages          # the parent serves before
            await child.start()
            pid, address = await child.serve('seqpacket', server)
            assert address == path
            inode = socket_inode(server.fileno())
            server.close()
            assert not process_holds_socket(inode)
            results = await asyncio.gather(*(converse() for _ in range(n_clients)))
            for got in results:
                # served by the child, every message echoed whole and in order (an empty
                # message stays an empty message, no two are merged)
                assert got == [f'child {pid}'.encode()] + messages
            conns, msgs = await child.stop()
            assert (conns, msgs) == (n_clients, n_clients * len(messages))
            assert len(parent_conns) == 1
            with pytest.raises(ConnectionRefusedError):
                with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
                    s.connect(path)
        finally:
            child.kill()
            server.close()
    run(nloop, main())


def test_parent_and_child_serve_one_port_at_once(nloop, tmp_path, no_fd_leak):
    n_blocked, n_paused, n_mixed = 4, 4, 40

    async def main():
        child = Child(tmp_path)
        server, stats = await tcp_parent_server()
        try:
            port = server.address()['port']
            await child.start()
            pid, _ = await child.serve('tcp', server)
            child_answer = f'child {pid}'
            # 1. the parent's loop is blocked (its clients are blocking sockets on this
            #    thread): it cannot accept, so the child serves every connection
            answers = [blocking_tcp_answer(port) for _ in range(n_blocked)]
            assert answers == [child_answer] * n_blocked
            assert stats['conns'] == 0
            # 2. the child's loop is blocked: the parent serves every connection
            child.ctl.write(b'pause')
            assert await child.recv('paused') == 'paused'
            answers = await asyncio.gather(*(tcp_answer(port) for _ in range(n_paused)))
            assert answers == ['parent'] * n_paused
            assert stats['conns'] == n_paused
            child.ctl.write(b'resume')
            # 3. both serve at once: every connection is answered by exactly one of them
            answers = await asyncio.gather(*(tcp_answer(port) for _ in range(n_mixed)))
            assert len(answers) == n_mixed
            assert set(answers) <= {'parent', child_answer}, set(answers)
            by_parent = answers.count('parent')
            assert stats['conns'] == n_paused + by_parent
            await close_server(server)
            conns, msgs = await child.stop()
            assert conns == n_blocked + (n_mixed - by_parent)
            assert stats['errors'] == []
        finally:
            child.kill()
            if server.listening:
                server.close()
    run(nloop, main())
