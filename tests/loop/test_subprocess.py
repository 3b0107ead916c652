"""Subprocesses and pipe transports on every loop kind: loop.subprocess_exec/_shell (through
asyncio.create_subprocess_*), loop.connect_read_pipe/connect_write_pipe."""
import asyncio
import os
import signal
import sys
import tempfile
import threading

import pytest

from nltest import uvloop_differs

PIPE = asyncio.subprocess.PIPE


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def test_exec_round_trip_and_exit_codes(loop, no_fd_leak):
    async def main():
        payload = os.urandom(1 << 20)
        p = await asyncio.create_subprocess_exec('cat', stdin=PIPE, stdout=PIPE)
        out, err = await p.communicate(payload)
        assert out == payload and err is None
        assert p.returncode == 0
        p = await asyncio.create_subprocess_exec(
            sys.executable, '-c', 'import sys; print("out"); print("err", file=sys.stderr); '
                                  'sys.exit(7)', stdout=PIPE, stderr=PIPE)
        out, err = await p.communicate()
        assert (out, err, p.returncode) == (b'out\n', b'err\n', 7)
        p = await asyncio.create_subprocess_exec('true')
        assert await p.wait() == 0
        assert p.pid > 0
    run(loop, main())


def test_shell(loop, no_fd_leak):
    async def main():
        p = await asyncio.create_subprocess_shell('echo "$((6 * 7))"; exit 3', stdout=PIPE)
        out, _ = await p.communicate()
        assert out == b'42\n' and p.returncode == 3
    run(loop, main())


def test_signals(loop, no_fd_leak):
    async def main():
        p = await asyncio.create_subprocess_exec('sleep', '30')
        p.terminate()
        assert await p.wait() == -signal.SIGTERM
        p = await asyncio.create_subprocess_exec('sleep', '30')
        p.kill()
        assert await p.wait() == -signal.SIGKILL
        p = await asyncio.create_subprocess_exec(
            sys.executable, '-c', 'import signal, sys, time\n'
            'signal.signal(signal.SIGUSR1, lambda *a: sys.exit(5))\n'
            'print("ready", flush=True)\n'
            'time.sleep(30)', stdout=PIPE)
        assert await p.stdout.readline() == b'ready\n'
        p.send_signal(signal.SIGUSR1)
        assert await p.wait() == 5
    run(loop, main())


def test_child_exits_without_reading_its_stdin(loop_kind, loop, no_fd_leak):
    """The stdin pipe learns that its reader is gone (no write needed): wait() returns, and a
    later write fails on drain() rather than hanging."""
    uvloop_differs(loop_kind, 'StreamWriter.write() after the pipe closed raises RuntimeError')

    async def main():
        p = await asyncio.create_subprocess_exec('true', stdin=PIPE)
        assert await p.wait() == 0
        await asyncio.sleep(0.05)
        assert p.stdin.transport.is_closing()
        p.stdin.write(b'x' * 100000)
        with pytest.raises(ConnectionResetError):
            await p.stdin.drain()
    run(loop, main())


def test_protocol_events(loop, no_fd_leak):
    class Proto(asyncio.SubprocessProtocol):
        def __init__(self):
            self.events = []
            self.done = asyncio.get_event_loop().create_future()

        def connection_made(self, transport):
            self.events.append('made')

        def pipe_data_received(self, fd, data):
            self.events.append(('data', fd, data))

        def pipe_connection_lost(self, fd, exc):
            self.events.append(('pipe_lost', fd, exc))

        def process_exited(self):
            self.events.append('exited')

        def connection_lost(self, exc):
            self.events.append(('lost', exc))
            self.done.set_result(None)

    async def main():
        transport, proto = await loop.subprocess_exec(
            Proto, sys.executable, '-c', 'import sys; sys.stdout.write("o"); sys.exit(2)',
            stdin=None, stderr=None)
        await proto.done
        assert transport.get_returncode() == 2
        ev = proto.events
        assert ev[0] == 'made' and ev[-1] == ('lost', None)
        assert ('data', 1, b'o') in ev and ('pipe_lost', 1, None) in ev
        assert ev.count('exited') == 1
        assert ev.index(('data', 1, b'o')) < ev.index(('pipe_lost', 1, None))
        assert transport.get_pipe_transport(1) is not None
        assert transport.get_pipe_transport(0) is None
        transport.close()
    run(loop, main())


def test_bad_arguments(loop, no_fd_leak):
    async def main():
        for kw in (dict(bufsize=1), dict(universal_newlines=True), dict(text=True),
                   dict(encoding='utf-8'), dict(errors='strict')):
            with pytest.raises(ValueError):
                await loop.subprocess_exec(asyncio.SubprocessProtocol, 'true', **kw)
        with pytest.raises(ValueError):
            await loop.subprocess_exec(asyncio.SubprocessProtocol, 'true', shell=True)
        with pytest.raises(ValueError):
            await loop.subprocess_shell(asyncio.SubprocessProtocol, 'true', shell=False)
        with pytest.raises(FileNotFoundError):
            await asyncio.create_subprocess_exec('/nonexistent/program', stdout=PIPE)
    run(loop, main())


def test_shell_command_must_be_a_string(loop_kind, loop, no_fd_leak):
    uvloop_differs(loop_kind, 'a list command is a TypeError from os.fspath')

    async def main():
        with pytest.raises(ValueError):
            await loop.subprocess_shell(asyncio.SubprocessProtocol, ['true'])
    run(loop, main())


def test_many_children_at_once(loop, no_fd_leak):
    async def main():
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, '-c', f'import sys; sys.exit({i % 5})') for i in range(20)]
        codes = await asyncio.gather(*(p.wait() for p in procs))
        assert codes == [i % 5 for i in range(20)]
    run(loop, main())


class PipeProto(asyncio.Protocol):
    def __init__(self):
        self.events = []
        self.data = bytearray()
        self.lost = asyncio.get_event_loop().create_future()

    def connection_made(self, transport):
        self.events.append('made')

    def data_received(self, data):
        self.data += data

    def eof_received(self):
        self.events.append('eof')

    def pause_writing(self):
        self.events.append('pause')

    def resume_writing(self):
        self.events.append('resume')

    def connection_lost(self, exc):
        self.events.append(('lost', exc))
        self.lost.set_result(exc)


def test_read_and_write_pipes(loop, no_fd_leak):
    async def main():
        r, w = os.pipe()
        rt, rp = await loop.connect_read_pipe(PipeProto, open(r, 'rb', buffering=0))
        wt, wp = await loop.connect_write_pipe(PipeProto, open(w, 'wb', buffering=0))
        assert rt.get_extra_info('pipe').fileno() == r
        payload = os.urandom(3 << 20)
        wt.write(payload)       # far more than the pipe holds: buffered, with flow control
        assert wt.get_write_buffer_size() > 0
        assert wp.events == ['made', 'pause']
        rt.pause_reading()
        await asyncio.sleep(0.05)
        assert len(rp.data) < len(payload)
        rt.resume_reading()
        wt.close()              # after the buffer
        assert await wp.lost is None
        assert await rp.lost is None
        assert bytes(rp.data) == payload
        assert wp.events == ['made', 'pause', 'resume', ('lost', None)]
        assert rp.events == ['made', 'eof', ('lost', None)]
    run(loop, main())


def test_pipe_transports_are_asyncio_transports(loop_kind, loop, no_fd_leak):
    uvloop_differs(loop_kind, 'pipe transports are not asyncio.ReadTransport/WriteTransport')

    async def main():
        r, w = os.pipe()
        rt, _ = await loop.connect_read_pipe(PipeProto, open(r, 'rb', buffering=0))
        wt, wp = await loop.connect_write_pipe(PipeProto, open(w, 'wb', buffering=0))
        assert isinstance(rt, asyncio.ReadTransport) and isinstance(wt, asyncio.WriteTransport)
        wt.close()
        rt.close()
        await wp.lost
    run(loop, main())


def test_write_pipe_reader_gone(loop, no_fd_leak):
    async def main():
        r, w = os.pipe()
        wt, wp = await loop.connect_write_pipe(PipeProto, open(w, 'wb', buffering=0))
        wt.write(b'z' * (1 << 20))
        os.close(r)
        assert isinstance(await wp.lost, BrokenPipeError)     # data was still buffered
        r, w = os.pipe()
        wt, wp = await loop.connect_write_pipe(PipeProto, open(w, 'wb', buffering=0))
        os.close(r)
        assert await wp.lost is None                          # nothing was lost
    run(loop, main())


def test_pipe_transports_refuse_regular_files(loop_kind, loop, no_fd_leak):
    uvloop_differs(loop_kind, 'a regular file aborts the process (libuv assertion)')

    async def main():
        with tempfile.TemporaryFile() as f:
            with pytest.raises(ValueError):
                await loop.connect_read_pipe(PipeProto, f)
            with pytest.raises(ValueError):
                await loop.connect_write_pipe(PipeProto, f)
    run(loop, main())


@pytest.mark.filterwarnings('ignore::ResourceWarning')   # the transport is left unclosed
def test_loop_closed_with_a_child_running(nloop, no_fd_leak):
    """nixloop: closing the loop stops watching the child (its pidfd is closed)."""
    async def main():
        return await asyncio.create_subprocess_exec('sleep', '30')
    p = run(nloop, main())
    nloop.close()
    os.kill(p.pid, signal.SIGKILL)
    os.waitpid(p.pid, 0)


def test_exit_learnt_from_a_thread_without_pidfds(nloop, no_fd_leak, monkeypatch):
    """nixloop: where pidfd_open fails (Linux < 5.3, some sandboxes) a thread waits for each
    child; exit codes, signals and a child reaped elsewhere still reach the transport."""
    def no_pidfd(pid, flags=0):
        raise OSError(38, 'Function not implemented')
    monkeypatch.setattr(os, 'pidfd_open', no_pidfd)

    async def main():
        p = await asyncio.create_subprocess_exec(sys.executable, '-c', 'raise SystemExit(5)')
        assert await p.wait() == 5
        p = await asyncio.create_subprocess_exec('sleep', '30')
        assert f'nixloop-waitpid-{p.pid}' in {t.name for t in threading.enumerate()}
        p.send_signal(signal.SIGTERM)
        assert await p.wait() == -signal.SIGTERM
        p = await asyncio.create_subprocess_exec('true', stdout=PIPE)
        assert await p.stdout.read() == b''
        return await p.wait()
    assert run(nloop, main()) == 0
