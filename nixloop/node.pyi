# Types of nixloop.node (Node's process object and runner). Checked by stubtest (tests/typing/).
import os
from collections.abc import Callable, Coroutine
from typing import Any

from .events import EventEmitter

__all__ = ['process', 'Process', 'run', 'ProcessCrash', 'nextTick', 'next_tick']

class ProcessCrash(SystemExit):
    """What nixloop.node.run raises when the program crashed as a Node process would."""
    error: BaseException
    def __init__(self, error: BaseException) -> None: ...

class _HRTime:
    def __call__(self, previous: list[int] | tuple[int, int] | None = None) -> list[int]: ...
    @staticmethod
    def bigint() -> int: ...

class Process(EventEmitter):
    pid: int
    ppid: int
    platform: str
    arch: str
    argv: list[str]
    execPath: str
    env: os._Environ[str]
    hrtime: _HRTime
    # The IPC channel of a forked process (nixloop.child_process, nixloop.cluster); None without.
    send: Callable[..., bool] | None
    disconnect: Callable[[], None] | None
    connected: bool | None
    channel: Any
    def __init__(self) -> None: ...
    @property
    def versions(self) -> dict[str, str]: ...
    @property
    def exitCode(self) -> int | None: ...
    @exitCode.setter
    def exitCode(self, value: int | str | None) -> None: ...
    def nextTick(self, callback: Callable[..., Any], *args: Any) -> None: ...
    def exit(self, code: int | str | None = None) -> None: ...
    def cwd(self) -> str: ...
    def kill(self, pid: int, signal: int | str = 'SIGTERM') -> bool: ...
    def uptime(self) -> float: ...
    def emitWarning(self, warning: str | Warning, type: str | None = None,
                    code: str | None = None, *, stacklevel: int = 2) -> None: ...
    exit_code = exitCode
    next_tick = nextTick
    emit_warning = emitWarning

process: Process

def nextTick(callback: Callable[..., Any], *args: Any) -> None: ...
def run(main: Callable[..., Any] | Coroutine[Any, Any, Any], *args: Any) -> Any: ...

next_tick = nextTick
