"""Faults on the IPC channel, in this process (so fds and children can be checked): a peer that
writes malformed JSON or V8 data, dies in the middle of a message, never ends its message,
sends a handle of an unknown kind; writes into a dead child; oversized messages; bad
arguments. Every test must end (no hang), leave no fd open and no zombie."""

import os
import sys

import pytest

from nixloop import child_process, node
from nixloop.child_process import _serialization
from nixloop.timers import setTimeout

HERE = os.path.dirname(os.path.abspath(__file__))
RAW_PEER = os.path.join(HERE, "peers", "raw_peer.py")
ECHO = os.path.join(HERE, "peers", "echo_child.py")


def reaped(pid):
    """True when ``pid`` is no child of ours any more (reaped: no zombie)."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0) and False
    except ChildProcessError:
        return True


def run_parent(body):
    """Run ``body(done)`` under node.run; return the log it filled. ``done`` is a list the body
    appends the forked children to, checked for reaping afterwards."""
    log, children = [], []
    node.run(lambda: body(log, children))
    for c in children:
        assert c.exitCode is not None or c.signalCode is not None, f"{c} did not exit"
        assert reaped(c.pid), f"child {c.pid} was not reaped"
    return log


def test_malformed_json_from_the_peer_is_an_error_event_and_the_next_message_arrives(no_fd_leak):
    def body(log, children):
        c = child_process.fork(RAW_PEER, ["malformed"])
        children.append(c)
        c.on("error", lambda e: log.append(("error", type(e).__name__)))

        def on_message(m, h=None):
            log.append(("message", m))
            c.disconnect()
        c.on("message", on_message)
        c.on("exit", lambda code, sig: log.append(("exit", code, sig)))

    log = run_parent(body)
    assert log == [("error", "JSONDecodeError"), ("message", {"ok": 1}), ("exit", 0, None)]


def test_malformed_v8_from_the_peer(no_fd_leak):
    def body(log, children):
        c = child_process.fork(RAW_PEER, ["bad_v8"], {"serialization": "advanced"})
        children.append(c)
        c.on("error", lambda e: log.append(("error", type(e).__name__)))

        def on_message(m, h=None):
            log.append(("message", m))
            c.disconnect()
        c.on("message", on_message)

    log = run_parent(body)
    assert log == [("error", "ValueError"), ("message", {"ok": True})]


def test_a_child_dying_mid_message(no_fd_leak):
    def body(log, children):
        c = child_process.fork(RAW_PEER, ["half"])
        children.append(c)
        c.on("message", lambda m, h=None: log.append(("message", m)))
        c.on("error", lambda e: log.append(("error", e)))
        c.on("disconnect", lambda: log.append(("disconnect", c.connected)))
        c.on("exit", lambda code, sig: log.append(("exit", code, sig)))
        c.on("close", lambda code, sig: log.append(("close", code, sig)))

    log = run_parent(body)
    # the half message is dropped with the channel; the events come as for any exit
    assert log[-1] == ("close", None, "SIGKILL")
    assert ("exit", None, "SIGKILL") in log and ("disconnect", False) in log
    assert not [e for e in log if e[0] in ("message", "error")]


def test_a_peer_message_over_the_limit_ends_the_channel(no_fd_leak, monkeypatch):
    limit = 256 * 1024
    monkeypatch.setattr(_serialization, "MAX_MESSAGE_SIZE", limit)

    def body(log, children):
        c = child_process.fork(RAW_PEER, ["endless", str(limit)])
        children.append(c)
        c.on("error", lambda e: log.append(("error", e.code, e.syscall)))
        c.on("disconnect", lambda: log.append(("disconnect",)))
        c.on("exit", lambda code, sig: log.append(("exit", code, sig)))

    log = run_parent(body)
    assert log == [("error", "EMSGSIZE", "read"), ("disconnect",), ("exit", 0, None)]


def test_an_oversized_message_is_refused_to_the_callback(no_fd_leak, monkeypatch):
    monkeypatch.setattr(_serialization, "MAX_MESSAGE_SIZE", 1024)

    def body(log, children):
        c = child_process.fork(ECHO)
        children.append(c)

        def sent(err):
            log.append(("cb", err.code, err.syscall))
            c.send("small", lambda e: log.append(("small", e)))
        log.append(("ret", c.send("x" * 2000, sent)))
        c.on("message", lambda m, h=None: (log.append(("echo", m)), c.disconnect()))

    log = run_parent(body)
    assert log == [("ret", True), ("cb", "EMSGSIZE", "write"), ("small", None),
                   ("echo", "small")]


def test_a_handle_of_an_unknown_kind_from_the_peer(no_fd_leak):
    def body(log, children):
        c = child_process.fork(RAW_PEER, ["bad_handle"])
        children.append(c)
        c.on("error", lambda e: log.append(("error", e.code)))

        def on_message(m, h=None):
            log.append(("message", m))
            c.disconnect()
        c.on("message", on_message)

    log = run_parent(body)
    assert log == [("error", "ERR_INVALID_HANDLE_TYPE"), ("message", {"after": 1})]


def test_writing_to_a_dead_child(no_fd_leak):
    """The child is SIGKILLed before it reads: sends fail with EPIPE (to the callback; without
    one, as 'error' only if the peer was gone at send() time), or once the channel closed with
    ERR_IPC_CHANNEL_CLOSED; nothing hangs."""
    def body(log, children):
        c = child_process.fork(RAW_PEER, ["die"])
        children.append(c)
        errors = []
        c.on("error", lambda e: errors.append(e.code))

        def pump():
            if not c.connected:
                c.send("late", lambda e: log.append(("late", e.code)))
                return
            c.send("y" * 65536, lambda e: e is not None and log.append(("cb", e.code)))
            setTimeout(pump, 1)
        pump()
        c.on("exit", lambda code, sig: log.append(("exit", code, sig)))
        c.on("close", lambda *a: log.append(("errors", sorted(set(errors)))))

    log = run_parent(body)
    assert ("exit", None, "SIGKILL") in log
    assert ("late", "ERR_IPC_CHANNEL_CLOSED") in log
    assert {code for tag, code, *_ in log if tag == "cb"} <= {"EPIPE", "ECONNRESET"}
    errors = [entry[1] for entry in log if entry[0] == "errors"]
    assert len(errors) == 1 and set(errors[0]) <= {"EPIPE", "ECONNRESET"}


def test_a_child_killed_right_after_send(no_fd_leak):
    """Node writes in send(): a message sent before the child was killed was written, and only
    a send() after its death fails. nixloop sends a tick's messages together after the tick, so
    both fail at that write: the first must not become an 'error' (no listener: a crash, as in
    CI once), the second's callback hears EPIPE as in Node."""
    import signal

    def body(log, children):
        c = child_process.fork(ECHO)
        children.append(c)

        def online(*_):
            c.removeAllListeners("message")
            c.on("error", lambda e: log.append(("error", e.code)))
            c.send("before")
            os.kill(c.pid, signal.SIGKILL)
            os.waitid(os.P_PID, c.pid, os.WEXITED | os.WNOWAIT)    # dead, not reaped
            c.send("after", lambda e: log.append(("cb", e and e.code)))
        c.once("message", online)
        c.send("hello")
        c.on("exit", lambda code, sig: log.append(("exit", code, sig)))

    log = run_parent(body)
    assert ("exit", None, "SIGKILL") in log
    assert [e for e in log if e[0] == "error"] == []
    assert [e for e in log if e[0] == "cb"] in ([("cb", "EPIPE")], [("cb", "ECONNRESET")])


def test_bad_arguments(no_fd_leak):
    from nixloop.errors import NodeError

    def codes(fn):
        try:
            fn()
        except NodeError as e:
            return e.code
        return None

    assert codes(lambda: child_process.fork(123)) == "ERR_INVALID_ARG_TYPE"
    assert codes(lambda: child_process.fork(ECHO, "notalist")) == "ERR_INVALID_ARG_TYPE"
    assert codes(lambda: child_process.fork(ECHO, [], {"serialization": "pickle"})) == \
        "ERR_INVALID_ARG_VALUE"
    assert codes(lambda: child_process.fork(ECHO, [], {"stdio": ["pipe", "pipe", "pipe"]})) == \
        "ERR_CHILD_PROCESS_IPC_REQUIRED"
    assert codes(lambda: child_process.fork(ECHO, [], {"stdio": ["ipc", "ipc"]})) == \
        "ERR_IPC_ONE_PIPE"

    def body(log, children):
        c = child_process.fork(ECHO)
        children.append(c)
        log.append(codes(lambda: c.send()))
        log.append(codes(lambda: c.send(object())))
        log.append(codes(lambda: c.send("x", object())))
        log.append(codes(lambda: c.send("x", None, "opts")))
        log.append(codes(lambda: c.kill("SIGNOPE")))
        c.disconnect()
        c.on("error", lambda e: log.append(("error", e.code)))
        c.disconnect()                   # twice: 'error' ERR_IPC_DISCONNECTED, at once

    log = run_parent(body)
    assert log == ["ERR_MISSING_ARGS", "ERR_INVALID_ARG_TYPE", "ERR_INVALID_HANDLE_TYPE",
                   "ERR_INVALID_ARG_TYPE", "ERR_UNKNOWN_SIGNAL",
                   ("error", "ERR_IPC_DISCONNECTED")]


def test_spawn_failure_is_an_error_event(no_fd_leak):
    def body(log, children):
        c = child_process.fork(ECHO, [], {"execPath": "/nonexistent/python"})
        c.on("error", lambda e: log.append((e.code, e.syscall)))
        log.append(c.pid)

    log = run_parent(body)
    assert log == [None, ("ENOENT", "spawn /nonexistent/python")]


def test_many_forks_leave_nothing_behind(no_fd_leak):
    """Ten children, each echoing one message and exiting on disconnect."""
    def body(log, children):
        for i in range(10):
            c = child_process.fork(ECHO)
            children.append(c)
            c.on("message", lambda m, h=None, c=c: (log.append(m), c.disconnect()))
            c.send(i)

    log = run_parent(body)
    assert sorted(log) == list(range(10))


def test_advanced_serialization_round_trip(no_fd_leak):
    import datetime
    value = {"map": {1: "one", (2, 3): None} if False else {1: "one"}, "set": {1, 2},
             "bytes": b"\x00\xff", "big": 2 ** 70, "float": 1.5, "neg": -7,
             "date": datetime.datetime(2020, 1, 2, 3, 4, 5, 678000,
                                       tzinfo=datetime.timezone.utc),
             "nested": [[], {}, [None, True, False, "é"]]}

    def body(log, children):
        c = child_process.fork(ECHO, [], {"serialization": "advanced"})
        children.append(c)
        c.on("message", lambda m, h=None: (log.append(m), c.disconnect()))
        c.send(value)

    log = run_parent(body)
    got = log[0]
    assert got["map"] == {1: "one"} and got["set"] == {1, 2} and got["bytes"] == b"\x00\xff"
    assert got["big"] == 2 ** 70 and got["float"] == 1.5 and got["neg"] == -7
    assert got["date"].timestamp() == value["date"].timestamp()
    assert got["nested"] == [[], {}, [None, True, False, "é"]]


if sys.platform != "linux":
    pytestmark = pytest.mark.skip("SCM_RIGHTS channel tests are Linux-only")
