"""``ChildProcess`` and ``fork()``: Node's child_process.fork (lib/child_process.js and
lib/internal/child_process.js) for Python scripts.

The child is started with ``subprocess.Popen`` (the same interpreter, ``sys.executable``, unless
``execPath`` says otherwise) and inherits one end of a Unix stream socketpair, whose number it
finds in ``NODE_CHANNEL_FD`` (and the message format in ``NODE_CHANNEL_SERIALIZATION_MODE``), as
a Node child does; ``nixloop.node.run`` (or nixloop.cluster) picks it up in the child (see
:mod:`._child`). The parent learns of the exit from a pidfd on the loop's poll and reaps the
child then (no SIGCHLD handler, no zombie), as nixloop's asyncio subprocesses do; without pidfds
a thread waits for it.

Events, in Node's order: ``'spawn'`` (next tick), ``'message'``, ``'disconnect'``, ``'exit'``
(code, signal), ``'close'`` (code, signal) once the process exited and the channel and the piped
stdio streams closed. ``'error'``: a spawn failure (Node's ``spawn ENOENT``...), a ``kill()``
that failed, a send on a closed channel.
"""

from __future__ import annotations

import os
import signal as _signal
import socket as _socket
import subprocess
import sys

from .._core._loop import ChannelHandle
from .._nodeenv import state_for
from ..errors import (ERR_CHILD_PROCESS_IPC_REQUIRED, ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE,
                      ERR_IPC_ONE_PIPE, system_error, validate_signal)
from ..events import EventEmitter
from ..loop.exitwatch import ExitWatch
from ..net import Socket
from ..net.common import get_loop
from ._channel import Channel
from ._serialization import SERIALIZATIONS

__all__ = ["ChildProcess", "fork"]


def _signal_name(num: int) -> str:
    try:
        return _signal.Signals(num).name
    except ValueError:
        return str(num)


def _interpreter_flags() -> list:
    """The running interpreter's options (Node's ``process.execArgv``)."""
    try:
        return list(subprocess._args_from_interpreter_flags())
    except Exception:
        return []


def _stdio_list(stdio, silent):
    """Node's getValidStdio for fork: (entries for fds 0-2, index of 'ipc')."""
    if stdio is None:
        stdio = "pipe" if silent else "inherit"
    if isinstance(stdio, str):
        if stdio not in ("pipe", "inherit", "ignore", "overlapped"):
            raise ERR_INVALID_ARG_VALUE("stdio", stdio)
        return [stdio] * 3, 3
    if not isinstance(stdio, (list, tuple)):
        raise ERR_INVALID_ARG_VALUE("stdio", stdio)
    stdio = list(stdio)
    if "ipc" not in stdio:
        raise ERR_CHILD_PROCESS_IPC_REQUIRED("options.stdio")
    if stdio.count("ipc") > 1:
        raise ERR_IPC_ONE_PIPE()
    ipc = stdio.index("ipc")
    entries = []
    for i, entry in enumerate(stdio):
        if i == ipc:
            continue
        if i >= 3 and entry not in (None, "ignore"):
            raise ERR_INVALID_ARG_VALUE("stdio", stdio, "only fds 0-2 and the IPC channel are "
                                        "supported")
        if i < 3:
            entries.append("pipe" if entry is None else entry)
    while len(entries) < 3:
        entries.append("pipe")
    return entries[:3], ipc


def _popen_stdio(entry):
    if entry in ("pipe", "overlapped"):
        return subprocess.PIPE
    if entry == "inherit":
        return None
    if entry == "ignore":
        return subprocess.DEVNULL
    if isinstance(entry, int) and not isinstance(entry, bool) and entry >= 0:
        return entry
    fileno = getattr(entry, "fileno", None)
    if fileno is not None:
        return fileno()
    raise ERR_INVALID_ARG_VALUE("stdio", entry)


class ChildProcess(EventEmitter):
    """A forked child (Node's ``ChildProcess``): ``pid``, ``connected``, ``channel``,
    ``exitCode``, ``signalCode``, ``killed``, ``stdin``/``stdout``/``stderr`` (net.Socket pipes
    with ``silent``), ``send()``, ``disconnect()``, ``kill()``, ``ref()``/``unref()``."""

    def __init__(self) -> None:
        super().__init__()
        self._closesNeeded = 1
        self._closesGot = 0
        self.connected = False
        self.channel = None
        self.signalCode = None
        self.exitCode = None
        self.killed = False
        self.spawnfile = None
        self.spawnargs: list = []
        self.pid = None
        self.stdin = self.stdout = self.stderr = None
        self.stdio: list = []
        self._watch = None
        self._popen = None
        self._exited = False

    def _spawn(self, file: str, args: list, env: dict, cwd, stdio: list, serialization: str):
        loop = get_loop()
        self._loop = loop
        ts = state_for(loop)
        self.spawnfile = file
        self.spawnargs = [file] + list(args)
        parent_end, child_end = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            env = dict(env)
            env["NODE_CHANNEL_FD"] = str(child_end.fileno())
            env["NODE_CHANNEL_SERIALIZATION_MODE"] = serialization
            try:
                popen = subprocess.Popen([file] + list(args), executable=file, env=env, cwd=cwd,
                                         stdin=_popen_stdio(stdio[0]),
                                         stdout=_popen_stdio(stdio[1]),
                                         stderr=_popen_stdio(stdio[2]),
                                         pass_fds=(child_end.fileno(),), close_fds=True)
            except OSError as exc:
                err = system_error(exc, f"spawn {file}", path=file, style="errno")
                err.path = file
                err.spawnargs = list(args)
                ts.add_tick(self.emit, ("error", err))
                parent_end.close()
                return
        finally:
            child_end.close()
        self._popen = popen
        self.pid = popen.pid
        ts.add_tick(self.emit, ("spawn",))
        for i, name in enumerate(("stdin", "stdout", "stderr")):
            f = getattr(popen, name)
            if f is None:
                self.stdio.append(None)
                continue
            fd = os.dup(f.fileno())        # the Socket's handle owns this one
            f.close()
            setattr(popen, name, None)
            sock = Socket({"fd": fd, "readable": i > 0, "writable": i == 0})
            setattr(self, name, sock)
            self.stdio.append(sock)
            if i > 0:
                self._closesNeeded += 1
                sock.on("close", lambda *_: self._maybe_close())
        self.stdio.append(None)
        handle = ChannelHandle.from_fd(loop, parent_end.detach())
        self._closesNeeded += 1
        Channel(self, handle, loop, serialization, parent=True, on_closed=self._maybe_close)
        self._watch = ExitWatch(loop, popen.pid, self._on_exit_status, popen,
                                reap_if_cancelled=True)

    def _on_exit_status(self, status) -> None:
        state_for(self._loop).invoke(self._on_exit, (status,), "child process exit")

    def _on_exit(self, status) -> None:
        self._watch = None
        self._exited = True
        if status is None:
            code, sig = 255, None
        elif os.WIFSIGNALED(status):
            code, sig = None, _signal_name(os.WTERMSIG(status))
        else:
            code, sig = os.waitstatus_to_exitcode(status), None
        if self._popen is not None:
            self._popen.returncode = code if code is not None else -os.WTERMSIG(status)
        if sig is not None:
            self.signalCode = sig
        else:
            self.exitCode = code
        if self.stdin is not None:
            self.stdin.destroy()
        self.emit("exit", self.exitCode, self.signalCode)
        state_for(self._loop).add_tick(self._flush_stdio, ())
        self._maybe_close()

    def _flush_stdio(self) -> None:
        for s in self.stdio:
            if s is not None and s.readable and not s.destroyed:
                s.resume()

    def _maybe_close(self) -> None:
        self._closesGot += 1
        if self._closesGot == self._closesNeeded:
            self.emit("close", self.exitCode, self.signalCode)

    def kill(self, sig="SIGTERM") -> bool:
        """Send ``sig`` (a name or number; default SIGTERM): True when it was delivered."""
        num = validate_signal(sig)
        if self._exited or self.pid is None:
            return False
        try:
            os.kill(self.pid, num)
        except ProcessLookupError:
            return False
        except OSError as exc:
            err = system_error(exc, "kill")
            if exc.errno in (22, 38):          # EINVAL, ENOSYS: thrown, as Node does
                raise err from None
            self.emit("error", err)
            return False
        self.killed = True
        return True

    def ref(self) -> None:
        """Let the process handle keep the loop alive (the default)."""
        if self._watch is not None:
            self._watch.ref()

    def unref(self) -> None:
        """Stop the process handle from keeping the loop alive (the channel still does)."""
        if self._watch is not None:
            self._watch.unref()

    def __repr__(self) -> str:
        return f"<nixloop.child_process.ChildProcess pid={self.pid} connected={self.connected}>"


def fork(modulePath, args=None, options=None) -> ChildProcess:
    """``fork(modulePath[, args][, options])``: run the Python script ``modulePath`` in a new
    process with an IPC channel. Options: ``execPath`` (default ``sys.executable``),
    ``execArgv`` (interpreter options; default the running interpreter's), ``env``, ``cwd``,
    ``silent``, ``stdio``, ``serialization`` (``'json'`` or ``'advanced'``)."""
    if not isinstance(modulePath, (str, os.PathLike)):
        raise ERR_INVALID_ARG_TYPE("modulePath", "string", modulePath)
    modulePath = os.fspath(modulePath)
    if args is None:
        args = []
    elif isinstance(args, dict) and options is None:
        options, args = args, []
    elif not isinstance(args, (list, tuple)):
        raise ERR_INVALID_ARG_TYPE("args", "Array", args)
    if options is None:
        options = {}
    elif not isinstance(options, dict):
        raise ERR_INVALID_ARG_TYPE("options", "object", options)
    serialization = options.get("serialization")
    if serialization is not None and serialization not in SERIALIZATIONS:
        raise ERR_INVALID_ARG_VALUE("options.serialization", serialization,
                                    "must be one of: undefined, 'json', 'advanced'")
    exec_path = options.get("execPath") or sys.executable
    exec_argv = options.get("execArgv")
    if exec_argv is None:
        exec_argv = _interpreter_flags()
    elif not isinstance(exec_argv, (list, tuple)):
        raise ERR_INVALID_ARG_TYPE("options.execArgv", "Array", exec_argv)
    env = options.get("env")
    if env is None:
        env = os.environ
    elif not isinstance(env, dict):
        raise ERR_INVALID_ARG_TYPE("options.env", "Object", env)
    stdio, _ = _stdio_list(options.get("stdio"), options.get("silent"))
    child = ChildProcess()
    child._spawn(exec_path, [*exec_argv, modulePath, *[str(a) for a in args]],
                 {k: str(v) for k, v in env.items() if v is not None}, options.get("cwd"),
                 stdio, serialization or "json")
    return child
