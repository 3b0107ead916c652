"""Echo server: loop.sock_accept / sock_recv / sock_sendall on non-blocking sockets.
See _common.py for usage."""
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
    # Fail early (and be skipped) if the loop lacks sock_accept/sock_recv/sock_sendall.
    for name in ("sock_accept", "sock_recv", "sock_sendall"):
        getattr(loop, name)
    t = loop.create_task(accept_forever(loop, sock, not args.unix))
    TASKS.add(t)
    return line


if __name__ == "__main__":
    a = parse_args(__doc__)
    run_server(a, lambda loop: start(loop, a))
