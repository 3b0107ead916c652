"""Node.js's ``child_process.fork`` on nixloop: a Python script in a new process, with an IPC
channel to it.

    from nixloop import child_process, node

    def main():                                   # the parent
        child = child_process.fork("worker.py", ["arg"])
        child.on("message", lambda msg, handle: print("child says", msg))
        child.on("exit", lambda code, signal: print("exit", code, signal))
        child.send({"hello": "world"})

    node.run(main)

and in ``worker.py``, run by the same interpreter::

    from nixloop import node

    def main():
        node.process.on("message", lambda msg, handle: node.process.send({"echo": msg}))

    node.run(main)

The child's ``nixloop.node.run`` finds the channel (``NODE_CHANNEL_FD``, as in Node) and gives
``node.process`` ``send()``, ``disconnect()``, ``connected``, ``channel`` and the ``'message'``
and ``'disconnect'`` events. Messages are JSON by default (Node's format: a Node parent can fork
a Python child and the reverse), or V8's format with ``serialization='advanced'`` (Maps, Sets,
bytes, big ints, dates; see ``_v8``; never pickle).

Handles travel with a message: ``send(msg, sendHandle)`` with a ``net.Server``, a ``net.Socket``
(``options={'keepOpen': True}`` keeps it usable in the sender), a ``SeqpacketServer``,
``SeqpacketSocket`` or ``DgramSocket`` (nixloop.unix), or a raw TCP/pipe handle; the receiver
gets the rebuilt object as the second argument of ``'message'``. A server whose sockets were sent
reports ``connections`` as ``None`` and counts them in the children with ``getConnections``.
Other objects raise ``ERR_INVALID_HANDLE_TYPE``.

Errors follow Node: ``ERR_IPC_CHANNEL_CLOSED`` (send after disconnect, to the callback or as
``'error'``), ``ERR_IPC_DISCONNECTED`` (disconnect twice), ``ERR_MISSING_ARGS``,
``ERR_INVALID_ARG_TYPE``, ``ERR_UNKNOWN_SIGNAL``, system errors (``write EPIPE`` when the child
is gone). Where Node crashes the process (a peer's malformed message throws a SyntaxError out of
the channel), nixloop emits ``'error'`` with the decoding error and goes on; a message over
``MAX_MESSAGE_SIZE`` (64 MiB) is refused (``EMSGSIZE``).
"""

from __future__ import annotations

from .._aliases import alias_module
from ._serialization import MAX_MESSAGE_SIZE
from ._spawn import ChildProcess, fork

__all__ = ["fork", "ChildProcess", "MAX_MESSAGE_SIZE"]

alias_module(globals())
