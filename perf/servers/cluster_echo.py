"""Echo server on the nixloop.net facade in a nixloop.cluster: ``--workers N`` worker processes
(N = 0: no cluster, one process, as nixnet_echo.py), ``--policy rr|none`` (SCHED_RR: the primary
accepts and hands each connection to a worker; SCHED_NONE: the workers accept from the shared
socket). TCP only. Prints READY once every worker listens; on SIGTERM/SIGINT the primary
disconnects the workers and exits when they are gone. Used by perf/bench_cluster.py."""
import argparse
import asyncio
import os
import signal
import sys


def parse():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tcp", metavar="HOST:PORT", required=True)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--policy", choices=("rr", "none"), default="rr")
    args = p.parse_args()
    host, _, port = args.tcp.rpartition(":")
    args.host, args.port = host or "127.0.0.1", int(port)
    return args


def serve(host, port, on_listening):
    from nixloop import net

    def on_connection(sock):
        sock.setNoDelay(True)
        sock.on("data", sock.write)
        sock.on("error", lambda err: sock.destroy())
    server = net.createServer(on_connection)
    server.listen({"host": host, "port": port, "backlog": 1024}, lambda: on_listening(server))
    return server


def main():
    args = parse()
    if args.workers:
        os.environ.setdefault("NODE_CLUSTER_SCHED_POLICY", args.policy)
    from nixloop import cluster, node

    def ready(port):
        sys.stdout.write(f"READY tcp {args.host}:{port}\n")
        sys.stdout.flush()

    def single():
        server = serve(args.host, args.port, lambda s: ready(s.address()["port"]))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, server.close)

    def primary():
        ports = []

        def on_listening(worker, address):
            ports.append(address["port"])
            if len(ports) == args.workers:
                ready(ports[0])
        cluster.on("listening", on_listening)
        for _ in range(args.workers):
            cluster.fork()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, cluster.disconnect)

    def worker():
        serve(args.host, args.port, lambda s: None)

    if not args.workers:
        node.run(single)
    elif cluster.isPrimary:
        node.run(primary)
    else:
        node.run(worker)


if __name__ == "__main__":
    main()
