# Types of nixloop's public API: the asyncio loop and its entry points. The facades have their
# own stubs (events, timers, node, net/__init__, unix, errors). Checked against the runtime by
# mypy's stubtest (tests/typing/).
import asyncio
import socket
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .unix import SeqpacketProtocol

__all__ = ['Loop', 'new_event_loop', 'run', 'install', 'EventLoopPolicy', 'libuv_version']
__version__: str

_T = TypeVar('_T')
_SeqP = TypeVar('_SeqP', bound=SeqpacketProtocol)


# Every asyncio.AbstractEventLoop method is implemented at runtime; their types are asyncio's, taken
# from the base class here, so mypy sees them as abstract: make loops with new_event_loop() (mypy
# refuses a direct Loop() call).
class Loop(asyncio.AbstractEventLoop):  # type: ignore[misc]
    """nixloop's asyncio event loop on libuv."""
    slow_callback_duration: float
    def run_until_idle(self) -> None: ...
    async def create_seqpacket_server(
        self, protocol_factory: Callable[[], SeqpacketProtocol], path: str | bytes | None = None,
        *, backlog: int = 100, sock: socket.socket | None = None, start_serving: bool = True,
        cleanup_socket: bool = True) -> asyncio.AbstractServer: ...
    async def create_seqpacket_connection(
        self, protocol_factory: Callable[[], _SeqP], path: str | bytes | None = None,
        *, sock: socket.socket | None = None) -> tuple[asyncio.BaseTransport, _SeqP]: ...

class EventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self) -> Loop: ...

def new_event_loop() -> Loop: ...
def run(main: Coroutine[Any, Any, _T], *,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
        debug: bool | None = None, **run_kwargs: Any) -> _T: ...
def install() -> None: ...
def libuv_version() -> str: ...
