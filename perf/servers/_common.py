"""Shared helpers of the Python benchmark servers and of perf/micro.py.

A server script is run as::

    python perf/servers/<kind>_echo.py --loop asyncio|uvloop|nixloop|rloop (--tcp HOST:PORT | --unix PATH)
        [--serve forever|runner]

``--serve`` says how the loop is driven once the server is up (both are common in applications):

    forever   loop.run_until_complete(start(loop)), then loop.run_forever() (the default)
    runner    asyncio.Runner(loop_factory=...).run(main()) (asyncio.run(main()) on Python 3.10 with
              the loop set first): main() starts the server and awaits a stop future, so the loop
              runs inside run_until_complete of that task, as under ``asyncio.run(main())``.

It prints exactly one status line on stdout and flushes it:

    READY tcp 127.0.0.1:40123      the server listens (port 0 is replaced by the real port)
    READY unix /tmp/x/s.sock
    READY seqpacket /tmp/x/s.sock  a Unix SOCK_SEQPACKET server (seqpacket_echo.py, unixnet_echo.py):
                                   the harness drives it with loadgen --unix PATH --seqpacket
    READY udp 127.0.0.1:40123      a UDP server (udp_echo.py, given --tcp): loadgen --tcp ADDR --udp
    SKIP <reason>                  the loop lacks something the server needs (exit status 3)

and then serves until SIGTERM/SIGINT, on which it exits with status 0.
"""

import argparse
import asyncio
import os
import signal
import sys

LOOPS = ("asyncio", "uvloop", "nixloop", "rloop")
SERVE_MODES = ("forever", "runner")
SKIP_STATUS = 3
BACKLOG = 1024
READ_SIZE = 256 * 1024


class Skip(Exception):
    pass


def make_loop(name):
    """A new event loop of the named implementation; raises Skip if it cannot be made."""
    try:
        if name == "asyncio":
            return asyncio.SelectorEventLoop()
        if name == "uvloop":
            import uvloop
            return uvloop.new_event_loop()
        if name == "nixloop":
            import nixloop
            return nixloop.new_event_loop()
        if name == "rloop":
            import rloop
            return rloop.new_event_loop()
    except ImportError as exc:
        raise Skip(f"{name} is not importable: {exc}") from None
    except NotImplementedError as exc:
        raise Skip(f"{name}: {exc}") from None
    raise Skip(f"unknown loop {name!r}")


def loop_version(name):
    try:
        if name == "asyncio":
            return sys.version.split()[0]
        mod = __import__(name)
        return getattr(mod, "__version__", "?")
    except Exception:  # noqa: BLE001 - informative only
        return None


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--loop", choices=LOOPS, default="asyncio")
    p.add_argument("--serve", choices=SERVE_MODES, default="forever",
                   help="forever: loop.run_forever(); runner: serve from a task in asyncio.Runner")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--tcp", metavar="HOST:PORT")
    g.add_argument("--unix", metavar="PATH")
    args = p.parse_args()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        args.host, args.port = host.strip("[]") or "127.0.0.1", int(port)
    return args


def ready(line):
    sys.stdout.write("READY " + line + "\n")
    sys.stdout.flush()


def skip(reason):
    sys.stdout.write("SKIP " + " ".join(str(reason).split()) + "\n")
    sys.stdout.flush()
    os._exit(SKIP_STATUS)


def server_address(server, args):
    if args.unix:
        return "unix " + args.unix
    sock = server.sockets[0]
    host, port = sock.getsockname()[:2]
    return f"tcp {host}:{port}"


def install_stop(loop, stop):
    """Stop gracefully on SIGTERM/SIGINT; fall back to the default disposition (which also ends the
    process) when the loop does not implement add_signal_handler."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError, AttributeError, ValueError):
            signal.signal(sig, signal.SIG_DFL)


def _started(result):
    """start() returns the READY line, or (line, future): the server is done when that future is."""
    return result if isinstance(result, tuple) else (result, None)


def run_server(args, start):
    """Create the loop named by args.loop, run ``await start(loop)`` (which returns the address
    line, or (line, done future)), print READY, and serve until a stop signal (or the done
    future), from loop.run_forever() or from a task in asyncio.Runner (args.serve)."""
    try:
        if args.serve == "runner":
            _serve_in_runner(args, start)
        else:
            _serve_forever(args, start)
    finally:
        if args.unix:
            try:
                os.unlink(args.unix)
            except OSError:
                pass
    os._exit(0)


def _serve_forever(args, start):
    try:
        loop = make_loop(args.loop)
    except Skip as exc:
        skip(exc)
    asyncio.set_event_loop(loop)
    try:
        line, done = _started(loop.run_until_complete(start(loop)))
    except (NotImplementedError, AttributeError) as exc:
        skip(f"{args.loop}: {type(exc).__name__}: {exc}")
    install_stop(loop, loop.stop)
    if done is not None:
        done.add_done_callback(lambda _f: loop.stop())
    ready(line)
    loop.run_forever()


def _serve_in_runner(args, start):
    try:
        make_loop(args.loop).close()  # Skip now, before the Runner, if the loop cannot be made
    except Skip as exc:
        skip(exc)

    async def main():
        loop = asyncio.get_running_loop()
        try:
            line, done = _started(await start(loop))
        except (NotImplementedError, AttributeError) as exc:
            skip(f"{args.loop}: {type(exc).__name__}: {exc}")
        stop = loop.create_future()

        def set_stop(*_):
            if not stop.done():
                stop.set_result(None)
        install_stop(loop, set_stop)
        if done is not None:
            done.add_done_callback(set_stop)
        ready(line)
        await stop

    factory = lambda: make_loop(args.loop)  # noqa: E731
    if hasattr(asyncio, "Runner"):
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(main())
    else:  # Python 3.10: what asyncio.run(main()) does, with our loop
        loop = factory()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
