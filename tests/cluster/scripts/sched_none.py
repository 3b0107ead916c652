"""net.Server in a cluster with SCHED_NONE (NODE_CLUSTER_SCHED_POLICY=none): the workers
listen on port 0 and share one port and one socket; the kernel picks the worker."""
import os

from nixloop import cluster, net, node

N = 8


def primary():
    print("policy", "rr" if cluster.schedulingPolicy == cluster.SCHED_RR else "none", flush=True)
    ports = []
    answers = []

    def on_listening(w, address):
        ports.append(address["port"])
        if len(ports) == 2:
            print("one port", ports[0] == ports[1] and ports[0] > 0, flush=True)
            for _ in range(N):
                client(ports[0])

    def client(port):
        s = net.connect(port, "127.0.0.1")
        data = []
        s.on("data", lambda d: data.append(bytes(d).decode()))

        def on_close(*_):
            answers.append("".join(data))
            if len(answers) == N:
                print("answered", len(answers), set(answers) <= {"w1", "w2"}, flush=True)
                cluster.disconnect()
        s.on("close", on_close)

    cluster.on("listening", on_listening)
    cluster.on("exit", lambda w, code, sig: print("exit", code, sig, w.exitedAfterDisconnect,
                                                  flush=True))
    cluster.fork()
    cluster.fork()


def worker():
    net.createServer(lambda s: s.end(f"w{cluster.worker.id}")).listen(0, "127.0.0.1")


node.run(primary if cluster.isPrimary else worker)
