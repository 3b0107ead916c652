# Types of nixloop.child_process (Node's child_process.fork for Python scripts). Checked by
# stubtest (tests/typing/).
from collections.abc import Callable, Sequence
from os import PathLike
from typing import Any

from ..events import EventEmitter
from ..net import Server, Socket
from ..unix import DgramSocket, SeqpacketServer, SeqpacketSocket

__all__ = ['fork', 'ChildProcess', 'MAX_MESSAGE_SIZE']

MAX_MESSAGE_SIZE: int

_Message = str | dict[Any, Any] | list[Any] | tuple[Any, ...] | int | float | bool | bytes | None
_Handle = Server | Socket | SeqpacketServer | SeqpacketSocket | DgramSocket | Any
_SendCallback = Callable[[BaseException | None], Any]

class ChildProcess(EventEmitter):
    pid: int | None
    connected: bool
    channel: Any
    exitCode: int | None
    signalCode: str | None
    killed: bool
    spawnfile: str | None
    spawnargs: list[str]
    stdin: Socket | None
    stdout: Socket | None
    stderr: Socket | None
    stdio: list[Socket | None]
    # set up with the IPC channel (every forked child has one)
    send: Callable[..., bool]
    disconnect: Callable[[], None]
    def __init__(self) -> None: ...
    def kill(self, sig: int | str = 'SIGTERM') -> bool: ...
    def ref(self) -> None: ...
    def unref(self) -> None: ...

def fork(modulePath: str | PathLike[str], args: Sequence[Any] | dict[str, Any] | None = None,
         options: dict[str, Any] | None = None) -> ChildProcess: ...
