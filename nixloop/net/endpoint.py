"""What ``net.Server`` and ``net.Socket`` share: the positional forms of ``listen()`` and
``connect()`` (net.js's ``normalizeArgs``), Node's port validation, the handle for an fd
(Node's ``guessHandleType``) and the default high-water mark.

Both classes import from here, so neither imports the other for helpers.
"""

from __future__ import annotations

import os
import socket as _socket
import stat
from typing import Any, Callable

from . import common as _nc
from .._core._loop import PipeHandle, TCPHandle
from ..errors import ERR_INVALID_FD_TYPE, ERR_SOCKET_BAD_PORT, system_error

__all__ = ["DEFAULT_HWM", "handle_for_fd", "normalize_args", "validate_port"]

DEFAULT_HWM = 16384


def handle_for_fd(loop, fd: int):
    """A TCPHandle or PipeHandle for a socket fd (Node's guessHandleType), or raise
    ERR_INVALID_FD_TYPE."""
    # A socket is probed in place (its family and type, then detached: no dup, no close, no
    # fstat; this runs for every connection a cluster worker is handed); anything else by fstat.
    try:
        s = _socket.socket(fileno=fd)
    except OSError:
        s = None
    if s is None:
        try:
            st = os.fstat(fd)
        except OSError as exc:
            raise system_error(exc, "open") from None
        kind = "FILE" if stat.S_ISREG(st.st_mode) else ("PIPE" if stat.S_ISFIFO(st.st_mode) else "UNKNOWN")
        if kind == "PIPE":
            return PipeHandle.from_fd(loop, fd)
        raise ERR_INVALID_FD_TYPE(kind)
    try:
        family, stype = s.family, s.type
    finally:
        s.detach()
    if stype != _socket.SOCK_STREAM:
        raise ERR_INVALID_FD_TYPE("UDP" if stype == _socket.SOCK_DGRAM else "UNKNOWN")
    if family == _socket.AF_UNIX:
        return PipeHandle.from_fd(loop, fd)
    return TCPHandle.from_fd(loop, fd)


def validate_port(port: Any, name: str = "Port", allow_zero: bool = True) -> int:
    """Node's validatePort: numbers and numeric strings in [0, 65536)."""
    if isinstance(port, bool) or not isinstance(port, (int, float, str)) or (
            isinstance(port, str) and port.strip() == ""):
        raise ERR_SOCKET_BAD_PORT(name, port, allow_zero)
    n = _nc.js_number(port)
    if n != n or n < 0 or n > 0xFFFF or n != int(n) or (n == 0 and not allow_zero):
        raise ERR_SOCKET_BAD_PORT(name, port, allow_zero)
    return int(n)


def normalize_args(args: tuple) -> tuple[dict, Callable | None]:
    """net.js's normalizeArgs: (options, cb) from the positional forms."""
    if not args:
        return {}, None
    arg0 = args[0]
    if isinstance(arg0, dict):
        options = arg0
    elif isinstance(arg0, str) and _nc.to_number(arg0) is False:
        options = {"path": arg0}
    else:
        options = {"port": arg0}
        if len(args) > 1 and isinstance(args[1], str):
            options["host"] = args[1]
    cb = args[-1]
    return options, (cb if callable(cb) and not isinstance(cb, (dict, type)) else None)


class _Normalized:
    __slots__ = ("options", "cb")

    def __init__(self, options: dict, cb) -> None:
        self.options = options
        self.cb = cb
