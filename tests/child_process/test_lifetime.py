"""Who keeps which process alive, as in Node: the channel keeps a child alive while it listens
for 'message' (until the parent disconnects), not otherwise; in the parent the child's process
handle and the channel keep the loop alive unless unref()'d."""
import os
import time

from nixloop import child_process, node
from nixloop.timers import setTimeout

HERE = os.path.dirname(os.path.abspath(__file__))
ECHO = os.path.join(HERE, "peers", "echo_child.py")
IDLE = os.path.join(HERE, "peers", "idle_child.py")


def test_a_child_without_listeners_exits_with_the_channel_open(no_fd_leak):
    log = []

    def main():
        c = child_process.fork(IDLE)
        c.on("exit", lambda code, sig: log.append(("exit", code, sig, c.connected)))
        c.on("disconnect", lambda: log.append("disconnect"))
    node.run(main)
    assert ("exit", 0, None, True) in log or ("exit", 0, None, False) in log
    assert "disconnect" in log


def test_a_listening_child_stays_until_the_parent_disconnects(no_fd_leak):
    log = []

    def main():
        c = child_process.fork(ECHO)
        c.on("exit", lambda code, sig: log.append(("exit", code, sig)))

        def later():
            log.append(("connected", c.connected, c.exitCode))
            c.send("still there?")
        c.once("message", lambda m, h=None: (log.append(m), c.disconnect()))
        setTimeout(later, 300)
    node.run(main)
    assert log == [("connected", True, None), "still there?", ("exit", 0, None)]


def test_unref_lets_the_parent_exit_first(no_fd_leak):
    """unref() of the process and of the channel: node.run returns while the child runs; the
    child then sees the channel end and exits."""
    children = []

    def main():
        c = child_process.fork(ECHO)
        children.append(c)
        c.unref()
        c.channel.unref()
    t0 = time.monotonic()
    node.run(main)
    assert time.monotonic() - t0 < 5
    # the child ends with its channel, and nixloop reaps it (no zombie) though the loop is gone
    pid = children[0].pid
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}"):
        assert time.monotonic() < deadline, "the child is still there (running or a zombie)"
        time.sleep(0.02)
