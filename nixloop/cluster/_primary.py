"""The cluster in the primary process (lib/internal/cluster/primary.js): ``setupPrimary``,
``fork``, ``disconnect``, the workers' lifecycle events, and the answers to the workers'
``queryServer`` requests (a :class:`~._handles.RoundRobinHandle` or
:class:`~._handles.SharedHandle` per distinct listen).

The state (``settings``, ``workers``, ``schedulingPolicy``) lives on the ``nixloop.cluster``
module object, which is the EventEmitter the events are emitted on.
"""

from __future__ import annotations

import os
import sys

from .. import _nodeenv
from ..child_process import fork as _fork
from ..child_process._spawn import _interpreter_flags
from ..errors import ERR_SOCKET_BAD_PORT
from ..events import EventEmitter
from ._common import Worker, internal, send_helper
from ._handles import RoundRobinHandle, SharedHandle

__all__ = ["setupPrimary", "fork", "disconnect", "PrimaryWorker"]

SCHED_NONE = 1
SCHED_RR = 2

_handles: dict = {}
_ids = [0]
_initialized = [False]
_policy = [None]
_intercom = EventEmitter()


def _cluster():
    return sys.modules["nixloop.cluster"]


def _next_tick(fn, *args) -> None:
    try:
        _nodeenv.current_state("cluster").add_tick(fn, args)
    except RuntimeError:
        fn(*args)              # no loop yet (setupPrimary at import time): now


def default_policy() -> int:
    env = os.environ.get("NODE_CLUSTER_SCHED_POLICY")
    if env == "none":
        return SCHED_NONE
    return SCHED_RR


def setupPrimary(settings=None) -> None:
    """Set the defaults of later forks: ``exec`` (the script; default this one), ``args``,
    ``execArgv``, ``silent``, ``cwd``, ``serialization``, ``stdio``; emits ``'setup'``."""
    cluster = _cluster()
    merged = {"args": sys.argv[1:],
              "exec": os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else "",
              "execArgv": _interpreter_flags(), "silent": False,
              **cluster.settings, **(settings or {})}
    cluster.settings = merged
    if not _initialized[0]:
        _initialized[0] = True
        policy = cluster.schedulingPolicy
        if policy not in (SCHED_NONE, SCHED_RR):
            raise AssertionError(f"Bad cluster.schedulingPolicy: {policy}")
        _policy[0] = policy                  # frozen from here on, as in Node
    _next_tick(cluster.emit, "setup", merged)


def _create_worker_process(wid: int, env):
    settings = _cluster().settings
    if "inspectPort" in settings and settings["inspectPort"] is None:
        raise ERR_SOCKET_BAD_PORT("Port", None, True)
    worker_env = {**os.environ, **(env or {}), "NODE_UNIQUE_ID": str(wid)}
    options = {"env": worker_env, "execArgv": list(settings.get("execArgv") or []),
               "silent": settings.get("silent")}
    for name in ("cwd", "serialization", "stdio", "execPath"):
        if settings.get(name) is not None:
            options[name] = settings[name]
    return _fork(settings["exec"], list(settings.get("args") or []), options)


def _remove_worker(worker) -> None:
    cluster = _cluster()
    cluster.workers.pop(worker.id, None)
    if not cluster.workers:
        _intercom.emit("disconnect")


def _remove_handles_for_worker(worker) -> None:
    for key, handle in list(_handles.items()):
        if handle.remove(worker):
            _handles.pop(key, None)


class PrimaryWorker(Worker):
    """A worker seen from the primary."""

    def disconnect(self) -> "PrimaryWorker":
        """Ask the worker to close its servers and disconnect (it exits then)."""
        self.exitedAfterDisconnect = True
        send_helper(self.process, {"act": "disconnect"})
        _remove_handles_for_worker(self)
        _remove_worker(self)
        return self

    def destroy(self, signo="SIGTERM") -> None:
        """``kill()``: close the channel (no ``exitedAfterDisconnect``, as in Node: the worker
        did not ask to go), then send ``signo``."""
        proc = self.process
        signo = signo or "SIGTERM"
        _remove_handles_for_worker(self)
        _remove_worker(self)
        if self.isConnected():
            self.once("disconnect", lambda *_: proc.kill(signo))
            proc.disconnect()
            return
        proc.kill(signo)


def fork(env=None) -> PrimaryWorker:
    """Start a worker running ``settings['exec']`` (this script by default) with ``env`` added
    to its environment; returns its :class:`Worker` (``'fork'`` follows on the next tick)."""
    cluster = _cluster()
    setupPrimary()
    _ids[0] += 1
    wid = _ids[0]
    proc = _create_worker_process(wid, env)
    worker = PrimaryWorker({"id": wid, "process": proc})
    worker.on("message", lambda message, handle=None: cluster.emit("message", worker, message,
                                                                   handle))

    def on_exit(code, signal):
        if not worker.isConnected():
            _remove_handles_for_worker(worker)
            _remove_worker(worker)
        worker.exitedAfterDisconnect = bool(worker.exitedAfterDisconnect)
        worker.state = "dead"
        worker.emit("exit", code, signal)
        cluster.emit("exit", worker, code, signal)

    def on_disconnect():
        _remove_handles_for_worker(worker)
        if worker.isDead():
            _remove_worker(worker)
        worker.exitedAfterDisconnect = bool(worker.exitedAfterDisconnect)
        worker.state = "disconnected"
        worker.emit("disconnect")
        cluster.emit("disconnect", worker)

    proc.once("exit", on_exit)
    proc.once("disconnect", on_disconnect)
    proc.on("internalMessage", internal(worker, _on_message))
    _next_tick(cluster.emit, "fork", worker)
    cluster.workers[wid] = worker
    return worker


def disconnect(cb=None) -> None:
    """Disconnect every worker; ``cb()`` once all are gone."""
    cluster = _cluster()
    if not cluster.workers:
        _next_tick(_intercom.emit, "disconnect")
    else:
        for worker in list(cluster.workers.values()):
            if worker.isConnected():
                worker.disconnect()
    if callable(cb):
        _intercom.once("disconnect", cb)


# -- the workers' requests ----------------------------------------------------------------------

def _on_message(worker, message, handle) -> None:
    fn = _ACTS.get(message.get("act"))
    if fn is not None:
        fn(worker, message)


def _online(worker, message) -> None:
    worker.state = "online"
    worker.emit("online")
    _cluster().emit("online", worker)


def _exited_after_disconnect(worker, message) -> None:
    worker.exitedAfterDisconnect = True
    send_helper(worker.process, {"ack": message.get("seq")})


def _js(value) -> str:
    return "null" if value is None else str(value)


def _query_server(worker, message) -> None:
    if worker.exitedAfterDisconnect:
        return
    key = (f"{_js(message.get('address'))}:{_js(message.get('port'))}:"
           f"{_js(message.get('addressType'))}:{_js(message.get('fd'))}:"
           f"{_js(message.get('index'))}")
    handle = _handles.get(key)
    if handle is None:
        address = message.get("address")
        port = message.get("port")
        if isinstance(address, str) and (port is None or port < 0):
            # the shorter of the absolute and relative path (sun_path has ~100 bytes)
            rel = os.path.relpath(address)
            if len(rel) < len(address):
                address = rel
        if (_policy[0] != SCHED_RR or message.get("addressType") in ("udp4", "udp6")
                or message.get("shared")):
            handle = SharedHandle(key, address, message)
        else:
            handle = RoundRobinHandle(key, address, message)
        _handles[key] = handle
    if not handle.data:
        handle.data = message.get("data")

    def reply(errno, extra, shared_handle):
        current = _handles.get(key)
        data = current.data if current is not None else None
        if errno:
            _handles.pop(key, None)        # another worker may try again
        send_helper(worker.process, {"errno": errno, "key": key, "ack": message.get("seq"),
                                     "data": data, **(extra or {})}, shared_handle)

    handle.add(worker, reply)


def _listening(worker, message) -> None:
    info = {"addressType": message.get("addressType"), "address": message.get("address"),
            "port": message.get("port")}
    if message.get("fd") is not None:
        info["fd"] = message["fd"]
    worker.state = "listening"
    worker.emit("listening", info)
    _cluster().emit("listening", worker, info)


def _close(worker, message) -> None:
    key = message.get("key")
    handle = _handles.get(key)
    if handle is not None and handle.remove(worker):
        _handles.pop(key, None)


_ACTS = {"close": _close, "exitedAfterDisconnect": _exited_after_disconnect,
         "listening": _listening, "online": _online, "queryServer": _query_server}
