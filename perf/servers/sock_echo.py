"""Echo server: loop.sock_accept / sock_recv / sock_sendall on non-blocking sockets.
See _common.py for usage."""
import asyncio
import os
import socket

from _common import BACKLOG, READ_SIZE, parse_args, run_server

TASKS = set()


async def handle(loop, conn):
    try:
        while True:
            data = await loop.sock_recv(conn, READ_SIZE)
            if not data:
                break
            await loop.sock_sendall(conn, data)
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


async def accept_forever(loop, sock, tcp):
    while True:
        conn, _ = await loop.sock_accept(sock)
        conn.setblocking(False)
        if tcp:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t = loop.create_task(handle(loop, conn))
        TASKS.add(t)
        t.add_done_callback(TASKS.discard)


async def self_test(loop, sock, args):
    """One round trip through sock_accept/sock_recv/sock_sendall, so that a loop lacking them is
    reported (NotImplementedError -> SKIP) before READY rather than failing under load."""
    family = socket.AF_UNIX if args.unix else sock.family
    client = socket.socket(family, socket.SOCK_STREAM)
    client.settimeout(5)
    try:
        client.connect(sock.getsockname())
        conn, _ = await asyncio.wait_for(loop.sock_accept(sock), 5)
        conn.setblocking(False)
        try:
            client.sendall(b"ping")
            data = await asyncio.wait_for(loop.sock_recv(conn, 16), 5)
            await asyncio.wait_for(loop.sock_sendall(conn, data), 5)
            if client.recv(16) != b"ping":
                raise RuntimeError("sock_* self-test: bad echo")
        finally:
            conn.close()
    finally:
        client.close()


async def start(loop, args):
    if args.unix:
        try:
            os.unlink(args.unix)
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(args.unix)
        line = "unix " + args.unix
    else:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        host, port = sock.getsockname()[:2]
        line = f"tcp {host}:{port}"
    sock.listen(BACKLOG)
    sock.setblocking(False)
    await self_test(loop, sock, args)
    t = loop.create_task(accept_forever(loop, sock, not args.unix))
    TASKS.add(t)
    return line


if __name__ == "__main__":
    a = parse_args(__doc__)
    run_server(a, lambda loop: start(loop, a))
