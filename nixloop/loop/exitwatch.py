"""How nixloop learns that a child process exited: one home for the rule, used by
loop.subprocess_exec/_shell (nixloop/loop/subprocess.py) and by nixloop.child_process.

A pidfd (os.pidfd_open, Linux 5.3+) on a PollHandle of the loop becomes readable when the child
exits; the child is then reaped with waitpid(WNOHANG) and ``on_exit(status)`` runs once, from
the poll callback (``status`` is None when something else reaped the child, Popen.poll() for
one). Without pidfds a daemon thread blocks in waitpid and hands the status to the loop with
call_soon_threadsafe. No SIGCHLD handler is installed, so SIGCHLD stays the user's.

The loop keeps its live watches (``_nixloop_exit_watches``) and cancels them when it closes
(:func:`cancel_all`): the poll and the pidfd are released at once; with ``reap_if_cancelled``
a daemon thread then reaps the child so that it leaves no zombie (a Node child outliving the
loop), otherwise the child is left to its Popen (asyncio's subprocesses).

The pidfd has a PollHandle of its own rather than going through add_reader: the fd is private,
so add_reader's bookkeeping (its fd table, an fstat, a Handle through the ready queue) is not
needed. Each child still costs its parent the poll handle's own syscalls (uv_poll_init tests
the fd with an epoll_ctl ADD and DEL and sets it non-blocking; the close issues one more DEL)
and two fstat()s of the closed-fd guard: a few µs of the ~170 µs a parent spends per spawn
(perf/README.md, "Micro").
"""
from __future__ import annotations

import os
import threading

from .._core._loop import PollHandle, READABLE

__all__ = ['ExitWatch', 'cancel_all']


def _watches(loop) -> set:
    return loop.__dict__.setdefault('_nixloop_exit_watches', set())


class ExitWatch:
    """Calls ``on_exit(status)`` (a wait status, or None) once when child ``pid`` exits."""

    __slots__ = ('loop', 'pid', 'on_exit', 'popen', 'reap_if_cancelled', 'reaped', 'poll',
                 'pidfd', 'watches')

    def __init__(self, loop, pid: int, on_exit, popen=None, reap_if_cancelled=False) -> None:
        self.loop = loop
        self.pid = pid
        self.on_exit = on_exit
        self.popen = popen              # given a returncode when an abandoned child is reaped
        self.reap_if_cancelled = reap_if_cancelled
        self.reaped = False
        self.poll = None
        self.watches = _watches(loop)
        self.watches.add(self)
        try:
            self.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = -1
        if self.pidfd >= 0:
            try:
                self.poll = PollHandle.create(loop, self.pidfd)
                self.poll.on_event = self._ready
                self.poll.start(READABLE)
            except BaseException:
                self.cancel()
                raise
        else:
            threading.Thread(target=self._wait, name=f'nixloop-waitpid-{pid}',
                             daemon=True).start()

    def _ready(self, events, exc) -> None:
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, None    # reaped elsewhere
        if pid == 0:
            return                          # not yet (a spurious wake-up)
        self.reaped = True
        self.cancel()
        self._report(status)

    def _wait(self) -> None:
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            status = None
        try:
            self.loop.call_soon_threadsafe(self._exited_from_thread, status)
        except RuntimeError:
            pass                            # the loop was closed meanwhile

    def _exited_from_thread(self, status) -> None:
        self.watches.discard(self)
        self._report(status)

    def _report(self, status) -> None:
        on_exit, self.on_exit = self.on_exit, None
        if on_exit is not None:
            on_exit(status)

    def cancel(self) -> None:
        """Stop watching: after the exit, or when the loop closes first."""
        self.watches.discard(self)
        if self.poll is not None:
            self.poll.close()               # out of epoll at once: the pidfd goes next
            self.poll = None
            if not self.reaped and self.reap_if_cancelled:
                threading.Thread(target=self._reap_abandoned, name=f'nixloop-reap-{self.pid}',
                                 daemon=True).start()
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1

    def _reap_abandoned(self) -> None:
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return
        if self.popen is not None and self.popen.returncode is None:
            self.popen.returncode = os.waitstatus_to_exitcode(status)

    def ref(self) -> None:
        if self.poll is not None:
            self.poll.ref()

    def unref(self) -> None:
        if self.poll is not None:
            self.poll.unref()


def cancel_all(loop) -> None:
    """The loop closes: cancel every live watch (a copy: cancel() leaves the set)."""
    for watch in list(loop.__dict__.pop('_nixloop_exit_watches', ())):
        watch.cancel()
