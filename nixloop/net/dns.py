"""Name lookups for the ``net`` facade (Node's ``dns.lookup`` as net uses it).

``lookup(host, options, callback)``: ``callback(err, address, family)`` (or
``callback(err, [{'address', 'family'}, ...])`` with ``options['all']``).  IP
literals answer on the next tick; names are resolved with ``getaddrinfo`` in a
worker thread while a referenced ``uv_async_t`` keeps the process alive (Node's
pending ``GetAddrInfoReqWrap``).  Errors carry Node's ``code`` (``ENOTFOUND``
for unknown names), ``syscall`` ``'getaddrinfo'`` and ``hostname``.
"""

from __future__ import annotations

import concurrent.futures
import socket
from typing import Any, Callable

from . import common as _nc
from .._core._loop import UVAsync
from ..errors import system_error

__all__ = ["lookup"]

_pool: concurrent.futures.ThreadPoolExecutor | None = None


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="nixloop-dns")
    return _pool


def _dns_error(exc: BaseException, host: str):
    code = {socket.EAI_NONAME: "EAI_NONAME", socket.EAI_AGAIN: "EAI_AGAIN",
            socket.EAI_FAIL: "EAI_FAIL"}.get(getattr(exc, "errno", None), "EAI_NONAME")
    if getattr(socket, "EAI_NODATA", None) == getattr(exc, "errno", None):
        code = "EAI_NODATA"
    err = system_error(code, "getaddrinfo", host)
    if code in ("EAI_NONAME", "EAI_NODATA"):
        err.code = "ENOTFOUND"
    elif code == "EAI_AGAIN":
        err.code = "EAI_AGAIN"
    err._node_message = f"getaddrinfo {err.code} {host}"
    err.hostname = host
    return err


def lookup(host: str, options: Any, callback: Callable) -> None:
    """Resolve ``host`` (see the module doc)."""
    if isinstance(options, int):
        options = {"family": options}
    options = options or {}
    family = options.get("family") or 0
    want_all = bool(options.get("all"))
    fam = _nc.isIP(host)
    if fam:
        if want_all:
            _nc.next_tick(callback, None, [{"address": host, "family": fam}])
        else:
            _nc.next_tick(callback, None, host, fam)
        return
    loop = _nc.get_loop()
    ts = _nc.tick_state(loop)
    box: list = []

    def work() -> None:
        try:
            af = {4: socket.AF_INET, 6: socket.AF_INET6}.get(family, socket.AF_UNSPEC)
            box.append(socket.getaddrinfo(host, None, af, socket.SOCK_STREAM, 0,
                                          socket.AI_ADDRCONFIG))
        except BaseException as exc:  # noqa: BLE001 - delivered to the callback
            box.append(exc)
        try:
            keep.send()
        except RuntimeError:
            pass

    def done() -> None:
        keep.close()
        if ts.ticks:
            ts.drain_all()
        res = box[0] if box else OSError("lookup failed")
        if isinstance(res, BaseException):
            err = _dns_error(res, host)
            if want_all:
                callback(err, None)
            else:
                callback(err, None, None)
        else:
            seen = []
            for fam_, _, _, _, sa in res:
                entry = {"address": sa[0], "family": 6 if fam_ == socket.AF_INET6 else 4}
                if entry not in seen:
                    seen.append(entry)
            if not seen:
                err = _dns_error(socket.gaierror(socket.EAI_NONAME, "no address"), host)
                callback(err, None) if want_all else callback(err, None, None)
            elif want_all:
                callback(None, seen)
            else:
                callback(None, seen[0]["address"], seen[0]["family"])
        if ts.ticks:
            ts.drain_all()

    keep = UVAsync.create(loop, done)
    _executor().submit(work)
