"""Node.js's ``net`` module on nixloop: ``createServer``, ``createConnection`` /
``connect``, ``isIP`` / ``isIPv4`` / ``isIPv6``, :class:`Server`, :class:`Socket`.

The facade drives nixloop's compiled TCP and pipe handles directly and must run
on a nixloop loop: from the Node-style runner (``nixloop.node.run(main)``) or
from ``async def`` code (``asyncio.run(main(), loop_factory=nixloop.new_event_loop)``
or ``nixloop.run(main())``).  On any other loop it raises a RuntimeError that says so.

Names are Node's (camelCase) with snake_case aliases (``create_server``,
``set_no_delay``, ...).  Node's plain objects are dicts, Buffers are ``bytes``
(``str`` after ``setEncoding``), ``null``/``undefined`` are ``None``.

    from nixloop import net, node

    def main():
        def on_connection(sock):
            sock.on("data", sock.write)          # echo
        server = net.createServer(on_connection)
        server.listen(0, "127.0.0.1", lambda: print(server.address()))

    node.run(main)
"""

from __future__ import annotations

from typing import Any, Callable

from .._aliases import alias_module
from .common import AbortController, AbortSignal, isIP, isIPv4, isIPv6
from .connect import (getDefaultAutoSelectFamily, getDefaultAutoSelectFamilyAttemptTimeout,
                          setDefaultAutoSelectFamily, setDefaultAutoSelectFamilyAttemptTimeout)
from .server import Server
from .endpoint import _Normalized, normalize_args
from .socket import Socket, Stream

__all__ = ["createServer", "createConnection", "connect", "isIP", "isIPv4", "isIPv6",
           "Server", "Socket", "Stream", "AbortController", "AbortSignal",
           "getDefaultAutoSelectFamily", "setDefaultAutoSelectFamily",
           "getDefaultAutoSelectFamilyAttemptTimeout", "setDefaultAutoSelectFamilyAttemptTimeout"]


def createServer(options: Any = None, connectionListener: Callable | None = None) -> Server:
    """A new :class:`Server`; ``connectionListener`` becomes a ``'connection'`` listener."""
    return Server(options, connectionListener)


def connect(*args) -> Socket:
    """createConnection(options[, cb]) / (port[, host][, cb]) / (path[, cb]): a new
    :class:`Socket` that connects; ``cb`` is a once-listener for ``'connect'``.
    Options: those of ``Socket`` and of ``Socket.connect`` plus ``timeout``."""
    options, cb = normalize_args(args)
    sock = Socket(options)
    timeout = options.get("timeout")
    if timeout:
        sock.setTimeout(timeout)
    return sock.connect(_Normalized(options, cb))


createConnection = connect


alias_module(globals())
