"""Echo server on the Node-style SEQPACKET facade: nixloop.unix.SeqpacketServer + each 'data'
message -> socket.write (one reply message per request message), run by nixloop.node.run (Node's
process lifetime), as node-unix-socket code would be. Usage as the other servers (see _common.py;
--loop is ignored: the facade always runs on nixloop), but --unix only; prints
``READY seqpacket PATH``. Prints SKIP when the facade is not available or with --tcp."""
import os
import signal
import sys

from _common import BACKLOG, parse_args, ready, skip


def main():
    args = parse_args(__doc__)
    if not args.unix:
        skip("SOCK_SEQPACKET needs --unix PATH")
    try:
        from nixloop import node, unix
        server_class = unix.SeqpacketServer
        run = node.run
    except (ImportError, AttributeError) as exc:
        skip(f"nixloop.unix facade not available: {exc}")

    def on_connection(sock, _peer):
        sock.on("data", sock.write)
        sock.on("end", sock.destroy)
        sock.on("error", lambda err: sock.destroy())

    def start():
        server = server_class()
        server.on("connection", on_connection)
        server.on("error", lambda err: (sys.stderr.write(f"{err}\n"), os._exit(2)))
        try:
            os.unlink(args.unix)  # the facade, as Node, does not replace a leftover file
        except FileNotFoundError:
            pass
        server.listen(args.unix, BACKLOG)  # synchronous: listening when it returns
        ready("seqpacket " + args.unix)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    try:
        run(start)
    except (NotImplementedError, AttributeError, TypeError) as exc:
        skip(f"nixloop.unix: {type(exc).__name__}: {exc}")
    finally:
        try:
            os.unlink(args.unix)
        except OSError:
            pass


if __name__ == "__main__":
    main()
