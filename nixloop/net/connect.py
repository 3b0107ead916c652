"""Connecting a ``net.Socket`` to a host name with several addresses: Node 20's
``autoSelectFamily`` ("happy eyeballs", RFC 8305 without the parallel attempts).

Observed in Node 20 (and mirrored here):

* ``autoSelectFamily`` (option, else :func:`getDefaultAutoSelectFamily`, true by default) is in
  effect when neither ``family`` (4 or 6) nor ``localAddress`` is given; the lookup then asks
  for every address (``all: True``) and a ``'lookup'`` event follows for each of them.
* One address: the plain path. Several: the addresses are tried in turn, the families
  interleaved starting with the first address's (``::1 ::2 1.1.1.1`` -> ``::1 1.1.1.1 ::2``),
  each attempt on a fresh TCP handle, announced by ``'connectionAttempt'(ip, port, family)``.
* An attempt that fails emits ``'connectionAttemptFailed'(ip, port, family, err)``; one that
  is still pending after ``autoSelectFamilyAttemptTimeout`` ms (default 250, at least 10) is
  abandoned with ``'connectionAttemptTimeout'(ip, port, family)`` and counts as ETIMEDOUT
  (the last address has no such timer and waits for the kernel).
* When every attempt failed, the socket is destroyed with an ``AggregateError`` whose
  ``errors`` are the attempts' errors and whose ``code`` is the first one's.
"""

from __future__ import annotations

from typing import Any

from ..errors import AggregateError, ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, system_error

__all__ = ["getDefaultAutoSelectFamily", "setDefaultAutoSelectFamily",
           "getDefaultAutoSelectFamilyAttemptTimeout", "setDefaultAutoSelectFamilyAttemptTimeout",
           "auto_select_options", "interleave", "Attempts"]

_INT32_MAX = 2 ** 31 - 1
_defaults = {"family": True, "timeout": 250}


def _attempt_timeout(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ERR_INVALID_ARG_TYPE(name, "number", value)
    if value != value or value != int(value) or not 1 <= value <= _INT32_MAX:
        raise ERR_OUT_OF_RANGE(name, f">= 1 && <= {_INT32_MAX}", value)
    return max(int(value), 10)


def getDefaultAutoSelectFamily() -> bool:
    return _defaults["family"]


def setDefaultAutoSelectFamily(value: Any) -> None:
    if not isinstance(value, bool):
        raise ERR_INVALID_ARG_TYPE("value", "boolean", value)
    _defaults["family"] = value


def getDefaultAutoSelectFamilyAttemptTimeout() -> int:
    return _defaults["timeout"]


def setDefaultAutoSelectFamilyAttemptTimeout(value: Any) -> None:
    _defaults["timeout"] = _attempt_timeout(value, "value")


def auto_select_options(options: dict) -> tuple[bool, int]:
    """(autoSelectFamily, attempt timeout in ms) from connect options, validated as Node does."""
    auto = options.get("autoSelectFamily")
    if auto is None:
        auto = _defaults["family"]
    elif not isinstance(auto, bool):
        raise ERR_INVALID_ARG_TYPE("options.autoSelectFamily", "boolean", auto)
    timeout = options.get("autoSelectFamilyAttemptTimeout")
    if timeout is None:
        timeout = _defaults["timeout"]
    else:
        timeout = _attempt_timeout(timeout, "options.autoSelectFamilyAttemptTimeout")
    return auto, timeout


def interleave(addresses: list[dict]) -> list[dict]:
    """The order of the attempts: families alternate, the first address's family first."""
    if not addresses:
        return []
    first = addresses[0]["family"]
    same = [a for a in addresses if a["family"] == first]
    other = [a for a in addresses if a["family"] != first]
    out = []
    for i in range(max(len(same), len(other))):
        if i < len(same):
            out.append(same[i])
        if i < len(other):
            out.append(other[i])
    return out


class Attempts:
    """The state of one multi-address connect (Node's ``internalConnectMultiple`` context).
    The socket calls :meth:`next` to start, :meth:`failed` when an attempt's connect fails
    and :meth:`succeeded` on success."""

    __slots__ = ("sock", "addresses", "port", "local_port", "timeout", "index", "errors",
                 "timer", "current")

    def __init__(self, sock, addresses: list[dict], port: int, local_port, timeout: int) -> None:
        self.sock = sock
        self.addresses = interleave(addresses)
        self.port = port
        self.local_port = local_port
        self.timeout = timeout
        self.index = 0
        self.errors: list = []
        self.timer = None
        self.current = None

    def next(self) -> None:
        sock = self.sock
        while self.index < len(self.addresses):
            if sock.destroyed or not sock.connecting:
                return
            a = self.addresses[self.index]
            self.index += 1
            if self.index > 1:
                sock._fresh_handle()
            self.current = a
            err = sock._attempt(a["address"], self.port, a["family"], None, self.local_port)
            if err is None:
                if self.index < len(self.addresses):
                    self.timer = sock._loop.call_later(self.timeout / 1000, self._timed_out)
                return
            self.errors.append(err)
        self._all_failed()

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def failed(self, err) -> None:
        """The current attempt's connect failed (after ``'connectionAttemptFailed'``)."""
        self._stop_timer()
        self.errors.append(err)
        self.next()

    def succeeded(self) -> None:
        self._stop_timer()
        self.sock._attempts = None

    def cancel(self) -> None:
        self._stop_timer()
        self.sock._attempts = None

    def _timed_out(self) -> None:
        self.timer = None
        sock = self.sock
        if sock.destroyed or not sock.connecting or sock._attempts is not self:
            return
        a = self.current
        ts = sock._ts
        sock.emit("connectionAttemptTimeout", a["address"], self.port, a["family"])
        self.errors.append(system_error("ETIMEDOUT", "connect", a["address"], self.port))
        self.next()
        if ts.ticks:
            ts.drain_all()

    def _all_failed(self) -> None:
        sock = self.sock
        self.cancel()
        if not sock.destroyed:
            sock.connecting = False
            sock.destroy(AggregateError(self.errors))
