"""net.connect to a name with several addresses (autoSelectFamily): the attempt timeout, the
interleaving of families, destroy in the middle, and no handle left behind. The event orders of
the common cases are checked against node in test_differential (auto_select_family)."""

import os
import socket

import pytest

from nixloop import net, node
from nixloop.net.connect import interleave
from nixloop.timers import setImmediate, setTimeout


def _a(ip):
    return {"address": ip, "family": 6 if ":" in ip else 4}


def test_families_alternate_starting_with_the_first_address():
    got = interleave([_a("::1"), _a("::2"), _a("::3"), _a("1.1.1.1"), _a("2.2.2.2")])
    assert [a["address"] for a in got] == ["::1", "1.1.1.1", "::2", "2.2.2.2", "::3"]
    got = interleave([_a("1.1.1.1"), _a("::1")])
    assert [a["address"] for a in got] == ["1.1.1.1", "::1"]
    assert interleave([]) == []


@pytest.fixture
def stuck_port():
    """The port of a loopback listener whose accept queue is full: further SYNs are dropped,
    so a connect to it stays pending (Linux)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(0)
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(lsock.getsockname())
        except BlockingIOError:
            pass
        fillers.append(s)
    try:
        yield lsock.getsockname()[1]
    finally:
        lsock.close()
        for s in fillers:
            s.close()


def _connect_via(port, addresses, timeout_ms):
    """net.connect to a made-up name whose lookup answers `addresses` (later, as dns does)."""
    def lookup(host, opts, cb):
        setImmediate(lambda: cb(None, [_a(ip) for ip in addresses]))
    return net.connect({"port": port, "host": "x.test", "lookup": lookup,
                        "autoSelectFamilyAttemptTimeout": timeout_ms})


def test_a_pending_attempt_times_out_and_the_next_address_is_tried(stuck_port):
    log = []

    def main():
        # two addresses, both the stuck listener: the first attempt times out after
        # 50 ms, the second (the last address: no attempt timer) pends until destroyed
        c = _connect_via(stuck_port, ["127.0.0.1", "127.0.0.1"], 50)
        for ev in ("connectionAttempt", "connectionAttemptTimeout",
                   "connectionAttemptFailed", "connect", "error"):
            c.on(ev, (lambda ev: lambda *a: log.append((ev,) + a[:3]))(ev))
        c.on("close", lambda *_: log.append(("close",)))
        c.on("connectionAttemptTimeout", lambda *a: setTimeout(c.destroy, 100))

    node.run(main)
    p = stuck_port
    assert log == [
        ("connectionAttempt", "127.0.0.1", p, 4),
        ("connectionAttemptTimeout", "127.0.0.1", p, 4),
        ("connectionAttempt", "127.0.0.1", p, 4),
        ("close",),
    ], log


def test_timed_out_attempt_counts_as_etimedout_in_the_aggregate_error(stuck_port):
    log = []

    def main():
        # attempt 1: stuck (times out); attempt 2: 127.0.0.2 on the same port, refused
        c = _connect_via(stuck_port, ["127.0.0.1", "127.0.0.2"], 30)
        c.on("connectionAttemptTimeout", lambda *a: log.append("timeout " + a[0]))
        c.on("connectionAttemptFailed", lambda *a: log.append("failed " + a[0]))
        c.on("error", lambda e: log.append(
            (e.name, e.code, [(x.code, x.address, x.port) for x in e.errors])))
        c.on("close", lambda h: log.append(("close", h, c.destroyed)))

    node.run(main)
    assert log == [
        "timeout 127.0.0.1",
        "failed 127.0.0.2",   # nothing listens on 127.0.0.2:stuck_port
        ("AggregateError", "ETIMEDOUT", [("ETIMEDOUT", "127.0.0.1", stuck_port),
                                         ("ECONNREFUSED", "127.0.0.2", stuck_port)]),
        ("close", True, True),
    ], log


def test_pipe_connect_failure_emits_connection_attempt_failed(tmp_path):
    log = []

    def main():
        c = net.connect(str(tmp_path / "missing.sock"))
        c.on("connectionAttempt", lambda *a: log.append("attempt"))
        c.on("connectionAttemptFailed", lambda *a: log.append(("failed", a[0], a[3].code)))
        c.on("error", lambda e: log.append(("error", e.code)))

    node.run(main)
    path = str(tmp_path / "missing.sock")
    assert log == [("failed", path, "ENOENT"), ("error", "ENOENT")]


def test_no_fd_left_after_many_failed_attempts():
    fd_dir = "/proc/self/fd"
    before = len(os.listdir(fd_dir))

    def main():
        for _ in range(5):
            c = _connect_via(1, ["127.0.0.%d" % i for i in range(2, 12)], 250)
            c.on("error", lambda e: None)

    node.run(main)
    assert len(os.listdir(fd_dir)) <= before
