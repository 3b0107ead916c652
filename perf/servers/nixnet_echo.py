"""Echo server on the Node-style facade: nixloop.net.createServer + 'data' -> socket.write, run by
nixloop.node.run (Node's process lifetime). Usage as the other servers (--loop is ignored; the
facade always runs on nixloop). Prints SKIP when the facade is not there yet."""
import os
import signal
import sys

from _common import BACKLOG, parse_args, ready, skip


def main():
    args = parse_args(__doc__)
    try:
        from nixloop import net, node
        create_server = net.createServer
        run = node.run
    except (ImportError, AttributeError) as exc:
        skip(f"nixloop.net facade not available: {exc}")

    def on_connection(sock):
        if not args.unix:
            sock.setNoDelay(True)
        sock.on("data", sock.write)
        sock.on("error", lambda err: sock.destroy())

    def start():
        server = create_server(on_connection)

        def listening():
            if args.unix:
                ready("unix " + args.unix)
            else:
                a = server.address()
                ready(f"tcp {a['address']}:{a['port']}")

        server.on("error", lambda err: (sys.stderr.write(f"{err}\n"), os._exit(2)))
        if args.unix:
            try:
                os.unlink(args.unix)
            except FileNotFoundError:
                pass
            server.listen({"path": args.unix, "backlog": BACKLOG}, listening)
        else:
            server.listen({"host": args.host, "port": args.port, "backlog": BACKLOG}, listening)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    try:
        run(start)
    except (NotImplementedError, AttributeError, TypeError) as exc:
        skip(f"nixloop.net: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
