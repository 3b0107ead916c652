"""nixloop.cluster beyond the differential scenarios of tests/child_process (which compare
round-robin, worker exits and re-forks with node): a SeqpacketServer in a cluster under both
scheduling policies, net.Server with SCHED_NONE and port 0, and the asyncio recipes (the
documented examples/cluster_asyncio.py, aiohttp from N workers). Each program runs as a fresh
process in its own session, bounded in time, and must leave no process behind."""

import os
import re
import signal
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import clusterrun  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
EXAMPLE = os.path.join(clusterrun.ROOT, "examples", "cluster_asyncio.py")


@pytest.mark.parametrize("policy", ["rr", "none"])
def test_seqpacket_server_in_a_cluster(policy, tmp_path):
    rc, out, err = clusterrun.run(os.path.join(SCRIPTS, "seqpacket.py"), tmp_path,
                                  NODE_CLUSTER_SCHED_POLICY=policy)
    assert rc == 0, err
    assert out[0] == f"policy {policy}"
    assert out[1] == "listening [(1, 'seqpacket'), (2, 'seqpacket')]"
    answers = out[2].split()[1:]
    assert len(answers) == 6 and set(answers) <= {"w1", "w2"}
    if policy == "rr":
        # the primary hands connections out in turn
        assert answers == ["w1", "w2"] * 3 or answers == ["w2", "w1"] * 3
    assert out[3] == "disconnected 0"
    assert sorted(out[4:]) == ["exit 1 0 None True", "exit 2 0 None True"]


def test_net_server_sched_none_workers_share_port_zero(tmp_path):
    rc, out, err = clusterrun.run(os.path.join(SCRIPTS, "sched_none.py"), tmp_path,
                                  NODE_CLUSTER_SCHED_POLICY="none")
    assert rc == 0, err
    assert out == ["policy none", "one port True", "answered 8 True",
                   "exit 0 None True", "exit 0 None True"]


def test_aiohttp_app_from_two_workers(tmp_path):
    pytest.importorskip("aiohttp")
    rc, out, err = clusterrun.run(os.path.join(SCRIPTS, "aiohttp_workers.py"), tmp_path)
    assert rc == 0, err
    assert out == ["one port True", "answers [(200, 'loop nixloop')]", "disconnected",
                   "exit 0 None", "exit 0 None"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_listening(proc, count, deadline):
    lines = []
    while len(lines) < count:
        assert time.monotonic() < deadline, f"only {lines} after the deadline"
        line = proc.stdout.readline()
        assert line, f"the primary ended early: {proc.stderr.read()}"
        if line.startswith("worker "):
            lines.append(line.strip())
    return lines


def _ask(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"hello")
        return s.recv(100)


def test_documented_asyncio_recipe(tmp_path):
    """examples/cluster_asyncio.py: two workers serve an asyncio Protocol from one port; a worker
    killed with SIGKILL is replaced; SIGTERM to the primary ends everything."""
    port = _free_port()
    proc = clusterrun.start([sys.executable, EXAMPLE, str(port), "2"], tmp_path)
    try:
        deadline = time.monotonic() + 30
        first = _read_listening(proc, 2, deadline)
        assert sorted(first) == [f"worker 1 listening on {port}", f"worker 2 listening on {port}"]
        pids = set()
        for _ in range(20):
            answer = _ask(port)
            m = re.fullmatch(rb"pid (\d+): hello", answer)
            assert m, answer
            pids.add(int(m.group(1)))
        assert pids and all(pid != proc.pid for pid in pids)
        # kill one worker: the primary forks worker 3, which listens on the same port
        victim = pids.pop()
        os.kill(victim, signal.SIGKILL)
        assert _read_listening(proc, 1, deadline) == [f"worker 3 listening on {port}"]
        for _ in range(10):
            assert re.fullmatch(rb"pid (\d+): hello", _ask(port))
        proc.send_signal(signal.SIGTERM)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    rc, _, err = clusterrun.finish(proc)
    assert rc == 0, err


def test_workers_exit_when_the_primary_is_killed(tmp_path):
    """A primary that dies without disconnecting (SIGKILL): its workers see the channel end and
    exit by themselves, as Node's do; none is left running."""
    script = os.path.join(clusterrun.ROOT, "perf", "servers", "cluster_echo.py")
    proc = clusterrun.start([sys.executable, script, "--tcp", "127.0.0.1:0", "--workers", "2"],
                            tmp_path)
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY tcp "), proc.stderr.read()
        workers = [pid for pid, _ in clusterrun.group_members(proc.pid) if pid != proc.pid]
        assert len(workers) == 2
        port = int(line.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"ping")
            assert s.recv(10) == b"ping"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        # the workers are re-parented (not our children): wait for them to vanish
        while any(os.path.exists(f"/proc/{pid}") and _state(pid) != "Z" for pid in workers):
            assert time.monotonic() < deadline, "workers outlived their primary"
            time.sleep(0.05)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.stdout.close()
        proc.stderr.close()


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
