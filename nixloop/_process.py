"""Node's ``process`` object: :class:`Process` and the one instance, ``process``.

Published as ``nixloop.node.process``; it lives apart from the runner in :mod:`nixloop.node` so
that the facades the runner sets up in a forked child (``timers``, ``net``, ``child_process``)
can use it without importing the runner, which imports them (no import cycle). The runner gives
it the IPC channel (``send()`` & co.) and sets ``_runner`` while ``run()`` runs; ``exit()``
raises :class:`_ProcessExit`, which the runner catches.
"""
from __future__ import annotations

import builtins
import os
import platform as _platform
import sys
import time
import warnings
from typing import Any, Callable

from . import _nodeenv
from .events import EventEmitter
from .errors import ERR_INVALID_ARG_TYPE, system_error, validate_signal

__all__ = ["Process", "process", "nextTick"]


class _ProcessExit(SystemExit):
    """``process.exit(code)``."""


_PLATFORMS = {"linux": "linux", "darwin": "darwin", "win32": "win32", "cygwin": "cygwin",
              "freebsd": "freebsd", "openbsd": "openbsd", "sunos": "sunos", "aix": "aix"}
_ARCHES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64",
           "i386": "ia32", "i686": "ia32", "x86": "ia32", "armv7l": "arm", "ppc64le": "ppc64",
           "s390x": "s390x", "riscv64": "riscv64"}


def _node_platform() -> str:
    for prefix, name in _PLATFORMS.items():
        if sys.platform.startswith(prefix):
            return name
    return sys.platform


class _HRTime:
    """``process.hrtime([previous])`` -> ``[seconds, nanoseconds]``; ``.bigint()`` -> ns."""

    __slots__ = ()

    def __call__(self, previous: Any = None) -> list:
        ns = time.monotonic_ns()
        if previous is not None:
            if not isinstance(previous, (list, tuple)) or len(previous) != 2:
                raise ERR_INVALID_ARG_TYPE("time", "an instance of Array", previous)
            ns -= previous[0] * 1_000_000_000 + previous[1]
        return [ns // 1_000_000_000, ns % 1_000_000_000]

    @staticmethod
    def bigint() -> int:
        return time.monotonic_ns()


_START = time.monotonic()


class Process(EventEmitter):
    """Node's ``process`` object, for the parts that make sense in Python.

    In a process started by ``nixloop.child_process.fork`` (or ``nixloop.cluster``), ``run``
    gives it the IPC channel: ``send()``, ``disconnect()``, ``connected``, ``channel`` and the
    ``'message'`` and ``'disconnect'`` events. Elsewhere they are None (Node: undefined)."""

    send: Any = None
    disconnect: Any = None
    connected: Any = None
    channel: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.pid = os.getpid()
        self.ppid = os.getppid()
        self.platform = _node_platform()
        self.arch = _ARCHES.get(_platform.machine().lower(), _platform.machine().lower())
        self.argv = [sys.executable] + list(sys.argv)
        self.execPath = sys.executable
        self.env = os.environ
        self.hrtime = _HRTime()
        self._exitCode: Any = None
        self._runner: Any = None        # node.run()'s runner while it runs

    @property
    def versions(self) -> dict:
        from . import __version__, libuv_version
        return {"nixloop": __version__, "uv": libuv_version(),
                "python": _platform.python_version()}

    @property
    def exitCode(self) -> Any:
        """The code ``'exit'`` gets and the runner ends with (``None`` = 0)."""
        return self._exitCode

    @exitCode.setter
    def exitCode(self, value: Any) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            if not (isinstance(value, str) and value.lstrip("-").isdigit()):
                raise ERR_INVALID_ARG_TYPE("code", "number", value)
            value = int(value)
        self._exitCode = value

    def nextTick(self, callback: Callable, *args: Any) -> None:
        """``process.nextTick``: see :func:`nixloop.timers.nextTick`."""
        _nodeenv.nextTick(callback, *args)

    def exit(self, code: Any = None) -> None:
        """End the process: raises ``SystemExit(code)``; under :func:`run` the loop stops,
        ``'exit'`` is emitted and ``run()`` raises it."""
        if code is not None:
            self.exitCode = code
        if self._runner is not None:
            self._runner.state.dead = True
        raise _ProcessExit(self._exitCode or 0)

    def cwd(self) -> str:
        return os.getcwd()

    def kill(self, pid: Any, signal: Any = "SIGTERM") -> bool:
        """``process.kill(pid[, signal])``: send a signal (a name such as 'SIGTERM', or a
        number; 0 tests for the process) and return True, or raise Node's errors
        (``ERR_INVALID_ARG_TYPE``, ``ERR_UNKNOWN_SIGNAL``, ``kill ESRCH``...)."""
        if isinstance(pid, bool) or not isinstance(pid, int) or not -2**31 <= pid < 2**31:
            raise ERR_INVALID_ARG_TYPE("pid", "number", pid)
        num = validate_signal(signal if signal is not None else "SIGTERM")
        try:
            os.kill(pid, num)
        except OSError as exc:
            raise system_error(exc, "kill") from None
        return True

    def uptime(self) -> float:
        return time.monotonic() - _START

    def emitWarning(self, warning: Any, type: Any = None, code: Any = None, *,
                    stacklevel: int = 2) -> None:
        """Issue ``warning`` through :mod:`warnings` and emit ``'warning'`` (on the next tick
        when a nixloop loop runs, as Node)."""
        if isinstance(warning, Warning):
            w = warning
        else:
            if isinstance(type, str):
                category = _warning_classes.get(type)
                if category is None:
                    category = builtins.type(type, (RuntimeWarning,), {"name": type})
                    _warning_classes[type] = category
            elif isinstance(type, builtins.type) and issubclass(type, Warning):
                category = type
            else:
                category = RuntimeWarning
            w = category(str(warning))
        if not hasattr(w, "name"):
            try:
                w.name = w.__class__.__name__
            except AttributeError:
                pass
        if code is not None:
            try:
                w.code = code
            except AttributeError:
                pass
        warnings.warn(w, stacklevel=stacklevel)
        if self.listenerCount("warning"):
            try:
                _nodeenv.current_state("process.nextTick").add_tick(self.emit, ("warning", w))
            except RuntimeError:
                self.emit("warning", w)


_warning_classes: dict = {"DeprecationWarning": DeprecationWarning}

process = Process()
"""The process emitter (Node's ``process``)."""

nextTick = process.nextTick
