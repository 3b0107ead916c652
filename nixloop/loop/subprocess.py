"""loop.subprocess_exec() / loop.subprocess_shell() (and so asyncio.create_subprocess_exec/_shell).

The child is started with subprocess.Popen, as asyncio's Unix loop does, and the transport is
asyncio's own BaseSubprocessTransport (its pipes come through the loop's connect_read_pipe /
connect_write_pipe, nixloop/loop/pipes.py). What is nixloop's is how the exit is learnt: a pidfd
on the loop's poll, or a thread blocked in waitpid where there are no pidfds
(nixloop/loop/exitwatch.py). No SIGCHLD handler is installed and no child watcher is needed, on
any Python version. If an asyncio child watcher
other than the defaults (Threaded, Pidfd) has been set on the policy (Python < 3.14,
asyncio.set_child_watcher()), it is used instead, as asyncio's own loop does: a FastChildWatcher,
for one, reaps every child of the process.

Argument checks and errors are asyncio's: universal_newlines/text/encoding/errors must stay
unset, bufsize must be 0, ``shell`` must match the method, and subprocess_shell() wants a str or
bytes command.
"""
from __future__ import annotations

import asyncio
import contextvars
import os
import subprocess
import sys

from asyncio import base_subprocess
from asyncio.log import logger

from .exitwatch import ExitWatch, cancel_all

__all__ = ['SubprocessMixin']


# The watchers asyncio installs by default (Threaded before 3.12, Pidfd from 3.12): they wait
# for the children they are given only, as nixloop's own pidfd does, so they need not be used.
_DEFAULT_WATCHERS = tuple(getattr(asyncio, name) for name in
                          ('ThreadedChildWatcher', 'PidfdChildWatcher') if hasattr(asyncio, name))


def _installed_child_watcher():
    """The asyncio child watcher set on the current policy (Python < 3.14 has them), unless it
    is one of asyncio's defaults; None otherwise."""
    watcher = getattr(asyncio.get_event_loop_policy(), '_watcher', None)
    if watcher is None or type(watcher) in _DEFAULT_WATCHERS:
        return None
    return watcher


class SubprocessTransport(base_subprocess.BaseSubprocessTransport):
    """asyncio.SubprocessTransport of a nixloop loop. Its protocol's callbacks run in the context
    current when it was made (uvloop's rule), also those that a child exit seen by a waiting
    thread or a write_eof() from elsewhere trigger."""

    def __init__(self, *args, **kwargs):
        self._context = contextvars.copy_context()
        super().__init__(*args, **kwargs)

    def _call(self, cb, *data):
        if self._pending_calls is not None:
            self._pending_calls.append((cb, data))
        else:
            self._loop.call_soon(cb, *data, context=self._context)

    def _start(self, args, shell, stdin, stdout, stderr, bufsize, **kwargs):
        self._proc = subprocess.Popen(args, shell=shell, stdin=stdin, stdout=stdout,
                                      stderr=stderr, universal_newlines=False, bufsize=bufsize,
                                      **kwargs)

    def _exit_status(self, status):
        # the ExitWatch's report: a wait status, or None when the child was reaped elsewhere
        if status is not None:
            code = os.waitstatus_to_exitcode(status)
        else:
            code = self._proc.returncode
            if code is None:
                logger.warning('Unknown child process pid %d, will report returncode 255',
                               self._proc.pid)
                code = 255
        if self._returncode is None:
            self._process_exited(code)


class SubprocessMixin:
    """nixloop.Loop.subprocess_exec / subprocess_shell."""

    async def subprocess_exec(self, protocol_factory, program, *args, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=False, shell=False, bufsize=0,
                              encoding=None, errors=None, text=None, **kwargs):
        """Run `program` with `args`; returns (transport, protocol)."""
        if shell:
            raise ValueError('shell must be False')
        _check_popen_args(universal_newlines, bufsize, encoding, errors, text)
        protocol = protocol_factory()
        transport = await self._make_subprocess_transport(
            protocol, (program,) + args, False, stdin, stdout, stderr, bufsize, **kwargs)
        return transport, protocol

    async def subprocess_shell(self, protocol_factory, cmd, *, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=False, shell=True, bufsize=0,
                               encoding=None, errors=None, text=None, **kwargs):
        """Run `cmd` through the shell; returns (transport, protocol)."""
        if not isinstance(cmd, (bytes, str)):
            raise ValueError('cmd must be a string')
        if not shell:
            raise ValueError('shell must be True')
        _check_popen_args(universal_newlines, bufsize, encoding, errors, text)
        protocol = protocol_factory()
        transport = await self._make_subprocess_transport(
            protocol, cmd, True, stdin, stdout, stderr, bufsize, **kwargs)
        return transport, protocol

    async def _make_subprocess_transport(self, protocol, args, shell, stdin, stdout, stderr,
                                         bufsize, extra=None, **kwargs):
        watcher = _installed_child_watcher()
        if watcher is not None:
            # Someone installed an asyncio child watcher (a FastChildWatcher reaps every
            # child, ours included): let it report the exit, as asyncio's loop does.
            with watcher as entered:
                if sys.version_info < (3, 12):
                    watcher = entered       # what asyncio's loop asks before 3.12
                if not watcher.is_active():
                    raise RuntimeError('asyncio.get_child_watcher() is not activated, '
                                       'subprocess support is not installed.')
                transport, waiter = self._new_subprocess(protocol, args, shell, stdin, stdout,
                                                         stderr, bufsize, extra, kwargs)
                watcher.add_child_handler(transport.get_pid(), self._child_exited, transport)
        else:
            transport, waiter = self._new_subprocess(protocol, args, shell, stdin, stdout,
                                                     stderr, bufsize, extra, kwargs)
            ExitWatch(self, transport.get_pid(), transport._exit_status)
        try:
            await waiter
        except BaseException:
            transport.close()
            await transport._wait()
            raise
        return transport

    def _new_subprocess(self, protocol, args, shell, stdin, stdout, stderr, bufsize, extra,
                        kwargs):
        waiter = self.create_future()
        transport = SubprocessTransport(self, protocol, args, shell, stdin, stdout, stderr,
                                        bufsize, waiter=waiter, extra=extra, **kwargs)
        return transport, waiter

    def _child_exited(self, pid, returncode, transport):
        # an asyncio child watcher's callback: any thread
        self.call_soon_threadsafe(transport._process_exited, returncode)

    def _cancel_exit_watches(self, _cancel_all=cancel_all):
        # bound at definition: close() also runs from __del__ at interpreter exit, when this
        # module's globals may already be None
        _cancel_all(self)


def _check_popen_args(universal_newlines, bufsize, encoding, errors, text):
    if universal_newlines:
        raise ValueError('universal_newlines must be False')
    if bufsize != 0:
        raise ValueError('bufsize must be 0')
    if text:
        raise ValueError('text must be False')
    if encoding is not None:
        raise ValueError('encoding must be None')
    if errors is not None:
        raise ValueError('errors must be None')

