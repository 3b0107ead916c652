"""nixloop.unix DgramSocket (AF_UNIX SOCK_DGRAM), createReuseportFd, closeFd."""
import asyncio
import errno
import os
import random
import socket

import pytest

from nixloop.errors import NodeError
from nixloop.unix import DgramSocket, createReuseportFd, closeFd


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def test_send_and_receive_paths(nloop, tmp_path, no_fd_leak):
    a_path, b_path = str(tmp_path / 'a'), str(tmp_path / 'b')

    async def main():
        loop = asyncio.get_running_loop()
        a, b, anon = DgramSocket(), DgramSocket(), DgramSocket()
        assert a.address() == ''
        a.bind(a_path)
        b.bind(b_path)
        assert a.address() == a_path
        got = []
        fut = loop.create_future()

        def on_data(data, sender):
            got.append((data, sender))
            if len(got) == 2:
                fut.set_result(None)
        a.on('data', on_data)
        calls = []
        b.sendTo(b'from b', 0, 6, a_path, lambda err: calls.append(err))
        assert calls == []                     # never from inside sendTo
        anon.sendTo(b'xxfrom anonxx', 2, 9, a_path)  # offset honoured
        await fut
        for s in (a, b, anon):
            s.close()
        return got, calls
    got, calls = run(nloop, main())
    assert sorted(got) == sorted([(b'from b', b_path), (b'from anon', '')])
    assert calls == [None]


def test_1024_sends_complete_and_queue(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'r')

    async def main():
        loop = asyncio.get_running_loop()
        r, s = DgramSocket(), DgramSocket()
        r.bind(path)
        done, got = [], []
        fut = loop.create_future()

        def on_data(data, sender):
            got.append(data)
            if len(got) == 1024:
                fut.set_result(None)
        r.on('data', on_data)
        for i in range(1024):
            s.sendTo(i.to_bytes(4, 'big') * 256, 0, 1024, path, lambda err: done.append(err))
        await fut
        while len(done) < 1024:
            await asyncio.sleep(0.001)
        r.close()
        s.close()
        return done, got
    done, got = run(nloop, main())
    assert done == [None] * 1024
    assert got == [i.to_bytes(4, 'big') * 256 for i in range(1024)]


def test_send_errors(nloop, tmp_path, no_fd_leak):
    async def main():
        s = DgramSocket()
        errs = []
        s.sendTo(b'x', 0, 1, str(tmp_path / 'missing'), errs.append)
        s.sendTo(b'x', 0, 1, '/' + 'a' * 200, errs.append)
        fut = asyncio.get_running_loop().create_future()
        s.once('error', fut.set_result)
        s.sendTo(b'x', 0, 1, str(tmp_path / 'missing'))   # no callback: 'error'
        err3 = await fut
        await asyncio.sleep(0)
        s.close()
        with pytest.raises(NodeError):
            s.address()
        return errs + [err3]
    errs = run(nloop, main())
    assert [e.code for e in errs] == ['ENOENT', 'ENAMETOOLONG', 'ENOENT']
    assert isinstance(errs[0], FileNotFoundError) and errs[0].errno == -errno.ENOENT
    assert errs[0].syscall == 'send'


def test_abstract_and_big_datagram_and_buffer_sizes(nloop, no_fd_leak):
    name = f'\x00nixloop-dg-{os.getpid()}-{random.randrange(1 << 30)}'

    async def main():
        loop = asyncio.get_running_loop()
        r, s = DgramSocket(), DgramSocket()
        r.bind(name)
        assert r.address() == name
        s.bind(name + '-sender')
        r.setRecvBufferSize(2 * 1024 * 1024)
        s.setSendBufferSize(2 * 1024 * 1024)
        sizes = (r.getRecvBufferSize(), s.getSendBufferSize())
        fut = loop.create_future()
        r.on('data', lambda d, p: fut.set_result((d, p)))
        big = os.urandom(1024 * 1024)
        s.sendTo(big, 0, len(big), name)
        data, sender = await fut
        r.close()
        s.close()
        return sizes, data == big, sender
    sizes, same, sender = run(nloop, main())
    assert sizes == (4 * 1024 * 1024, 4 * 1024 * 1024)        # Linux reads back double
    assert same
    assert sender == name + '-sender'


def test_rebind_after_unlink_and_close_in_callback(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'x')

    async def main():
        loop = asyncio.get_running_loop()
        a = DgramSocket()
        a.bind(path)
        a.close()
        closed = loop.create_future()
        os.unlink(path)
        b = DgramSocket()
        b.bind(path)
        b.on('data', lambda d, p: b.close())
        b.on('close', lambda: closed.set_result(True))
        c = DgramSocket()
        c.sendTo(b'bye', 0, 3, path, lambda err: c.close())
        return await closed
    assert run(nloop, main()) is True


def test_fds_over_dgram(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 'fd')
    r_fd, w_fd = os.pipe()

    async def main():
        loop = asyncio.get_running_loop()
        a, b = DgramSocket(), DgramSocket()
        a.bind(path)
        fut = loop.create_future()
        a.on('fds', lambda fds: fut.set_result(fds))
        b.sendTo(b'fd', 0, 2, path, fds=[w_fd])
        fds = await fut
        os.write(fds[0], b'via dgram')
        os.close(fds[0])
        a.close()
        b.close()
    try:
        run(nloop, main())
        os.close(w_fd)
        assert os.read(r_fd, 100) == b'via dgram'
    finally:
        os.close(r_fd)


def test_create_reuseport_fd():
    fd1 = createReuseportFd(0, '127.0.0.1')
    try:
        s1 = socket.socket(fileno=os.dup(fd1))
        port = s1.getsockname()[1]
        assert s1.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        assert s1.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 1
        s1.close()
        fd2 = createReuseportFd(port, '127.0.0.1')     # same port: allowed
        closeFd(fd2)
    finally:
        closeFd(fd1)
    with pytest.raises(OSError) as info:
        closeFd(fd1)
    assert info.value.code == 'EBADF'
    with pytest.raises(ValueError):
        createReuseportFd(70000)
