"""A SeqpacketServer in a cluster: two workers listen on one path through the primary (which,
with SCHED_RR, accepts and hands each connection to the next worker; with SCHED_NONE the
workers accept from the shared socket). The primary's clients print which worker answered."""
import os
import sys

from nixloop import cluster, node, unix

PATH = os.path.abspath("cluster.sock")
N = 6


def primary():
    print("policy", "rr" if cluster.schedulingPolicy == cluster.SCHED_RR else "none", flush=True)
    listening = []
    answers = []

    def on_listening(w, address):
        listening.append((w.id, address["addressType"]))
        if len(listening) == 2:
            print("listening", sorted(listening), flush=True)
            client()

    def client():
        s = unix.SeqpacketSocket()

        def on_data(d):
            answers.append(bytes(d).decode())
            s.destroy()
            if len(answers) < N:
                client()
            else:
                print("answers", " ".join(answers), flush=True)
                cluster.disconnect(lambda: print("disconnected", len(cluster.workers),
                                                 flush=True))
        s.on("data", on_data)
        s.on("connect", lambda: s.write(b"who"))
        s.connect(PATH)

    cluster.on("listening", on_listening)
    cluster.on("exit", lambda w, code, sig: print("exit", w.id, code, sig,
                                                  w.exitedAfterDisconnect, flush=True))
    cluster.fork()
    cluster.fork()


def worker():
    server = unix.SeqpacketServer()

    def on_connection(sock, peer=None):
        sock.on("data", lambda d: sock.write(b"w%d" % cluster.worker.id))
    server.on("connection", on_connection)
    server.on("error", lambda e: print("worker error", e, file=sys.stderr, flush=True))
    server.listen(PATH)


node.run(primary if cluster.isPrimary else worker)
