"""Node.js's ``cluster`` on nixloop: one program started as a primary that forks workers (the
same script, run by the same interpreter), whose servers share the primary's listening sockets.

    from nixloop import cluster, net, node

    def main():
        if cluster.isPrimary:
            for _ in range(2):
                cluster.fork()
            cluster.on("exit", lambda worker, code, signal: print("worker", worker.id, "exited"))
        else:
            net.createServer(lambda sock: sock.end(f"worker {cluster.worker.id}\\n")).listen(8000)

    node.run(main)

As in Node, the module is the EventEmitter (``cluster.on('fork', ...)``) and its attributes are
the state: ``isPrimary``/``isMaster``, ``isWorker``, ``worker`` (in a worker), and in the
primary ``workers`` (id -> Worker), ``settings``, ``setupPrimary``/``setupMaster``, ``fork(env)``,
``disconnect(cb)``, ``schedulingPolicy`` (``SCHED_RR``, the default on Linux: the primary accepts
and hands each connection to the next worker; ``SCHED_NONE``: the workers share the listening
socket and the kernel spreads connections; ``NODE_CLUSTER_SCHED_POLICY=rr|none`` sets it too;
fixed at the first ``fork``/``setupPrimary``). Events: ``'fork'``, ``'setup'``, ``'online'``,
``'listening'`` (worker, address), ``'message'`` (worker, message, handle), ``'disconnect'``,
``'exit'`` (worker, code, signal).

A worker's ``net.Server.listen()`` (TCP, Unix path) and ``nixloop.unix.SeqpacketServer.listen()``
go through the primary (``{'exclusive': True}`` opts out, as in Node); workers that listen on
port 0 share one port. A worker runs under ``nixloop.node.run`` (which sets the worker up before
``main``), or runs asyncio code on a nixloop loop: see :func:`listenSocket` and
:func:`createServer` for serving an asyncio server (aiohttp, a Protocol) from the workers.
"""

from __future__ import annotations

import os
import sys
import types

from ..events import EventEmitter

_IS_WORKER = "NODE_UNIQUE_ID" in os.environ


class _ClusterModule(types.ModuleType, EventEmitter):
    """The module object is Node's ``cluster`` EventEmitter."""


sys.modules[__name__].__class__ = _ClusterModule
EventEmitter.__init__(sys.modules[__name__])

isWorker = _IS_WORKER
isPrimary = not _IS_WORKER
isMaster = isPrimary          # deprecated alias

from .._aliases import alias_module        # noqa: E402
from ._asyncio import listenSocket, createServer  # noqa: E402

__all__ = ["isPrimary", "isMaster", "isWorker", "worker", "Worker", "listenSocket",
           "createServer"]

worker = None      # in a worker, its Worker once nixloop.node.run (or listenSocket) set it up

if _IS_WORKER:
    from ._worker import ChildWorker as Worker  # noqa: E402
else:
    from ._primary import (SCHED_NONE, SCHED_RR, PrimaryWorker as Worker,  # noqa: E402
                           default_policy as _default_policy, disconnect, fork, setupPrimary)
    setupMaster = setupPrimary               # deprecated alias, as in Node
    workers: dict = {}
    settings: dict = {}
    schedulingPolicy = _default_policy()
    __all__ += ["SCHED_NONE", "SCHED_RR", "disconnect", "fork", "setupPrimary", "setupMaster",
                "workers", "settings", "schedulingPolicy"]

alias_module(globals())
