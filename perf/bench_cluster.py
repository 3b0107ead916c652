"""The cost of nixloop.cluster's round-robin hand-off: connection rate (loadgen --mode connrate:
connect, one 64-byte round trip, close) against the cluster echo server (servers/cluster_echo.py)
with 0 (one plain process), 1 and 2 workers under SCHED_RR, and 1 and 2 under SCHED_NONE, with the
CPU time each process of the server used per connection (from /proc, primary and workers apart).
Node's cluster (servers/node_cluster_echo.js) runs the same configurations when `node` is on PATH.

    python -m perf.bench_cluster [--duration 3] [--reps 2] [--conns 10] [--no-node] [--configs rr-1,rr-2]

Prints one line per configuration and a JSON summary on the last line. Every run is bounded
(loadgen's --duration/--timeout; the server is stopped with SIGTERM, then killed)."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LOADGEN = os.path.join(ROOT, "perf", "build", "loadgen")
SERVER = os.path.join(HERE, "servers", "cluster_echo.py")
NODE_SERVER = os.path.join(HERE, "servers", "node_cluster_echo.js")
CONFIGS = [("single", 0, "rr"), ("rr-1", 1, "rr"), ("rr-2", 2, "rr"),
           ("none-1", 1, "none"), ("none-2", 2, "none")]
TICK = os.sysconf("SC_CLK_TCK")


def tree(pid):
    """pid and its descendants (the workers)."""
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            kids.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except OSError:
        return 0.0


def run_one(cmd, workers, policy, duration, conns):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NODE_CLUSTER_SCHED_POLICY", None)
    server = subprocess.Popen(cmd + ["--tcp", "127.0.0.1:0", "--workers",
                               str(workers), "--policy", policy], stdout=subprocess.PIPE,
                              text=True, env=env, start_new_session=True)
    try:
        line = server.stdout.readline().split()
        if line[:2] != ["READY", "tcp"]:
            raise RuntimeError(f"server did not start: {line}")
        target = line[2]
        pids = tree(server.pid)
        before = {p: cpu(p) for p in pids}
        lg = subprocess.run([LOADGEN, "--tcp", target, "--mode", "connrate", "-c", str(conns),
                             "-s", "64", "-d", str(duration), "-w", "1", "--timeout", "5"],
                            capture_output=True, text=True, timeout=duration + 40)
        after = {p: cpu(p) for p in pids}
        res = json.loads(lg.stdout.strip().splitlines()[-1])
        # CPU over the whole run (warm-up included) per connection made in it
        total = res["connects"]
        primary = (after[server.pid] - before[server.pid]) / total * 1e6
        workers_us = sum(after[p] - before[p] for p in pids if p != server.pid) / total * 1e6
        return {"rate": res["rps"], "primary_us": primary,
                "workers_us": workers_us, "errors": res.get("errors", 0)}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--duration", type=float, default=3)
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--conns", type=int, default=10)
    p.add_argument("--no-node", action="store_true", help="skip Node's cluster")
    p.add_argument("--configs", default=",".join(c[0] for c in CONFIGS),
                   help="comma-separated subset of: %(default)s")
    args = p.parse_args()
    subprocess.run(["make", "-s", "-C", os.path.join(HERE, "c"), "loadgen"], check=True)
    servers = [("nixloop", [sys.executable, SERVER])]
    node = shutil.which("node")
    if node and not args.no_node:
        servers.append(("node", [node, NODE_SERVER]))
    summary = {}
    wanted = args.configs.split(",")
    for name, workers, policy in [c for c in CONFIGS if c[0] in wanted]:
        for server, cmd in servers:
            runs = [run_one(cmd, workers, policy, args.duration, args.conns)
                    for _ in range(args.reps)]
            row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            summary[f"{server} {name}"] = row
            print(f"{server:7s} {name:7s} {row['rate']:7.0f} conn/s   primary "
                  f"{row['primary_us']:6.1f} us/conn   workers {row['workers_us']:6.1f} us/conn   "
                  f"errors {row['errors']:.0f}", flush=True)
    print(json.dumps({"cpus": os.cpu_count(), "duration": args.duration, "reps": args.reps,
                      "conns": args.conns, "results": summary}))


if __name__ == "__main__":
    main()
