"""The child's side of the IPC channel: what Node's bootstrap does for a process started with
``NODE_CHANNEL_FD`` (lib/internal/process/pre_execution.js, ``_forkChild`` in
lib/child_process.js).

:func:`bootstrap` is called by ``nixloop.node.run`` before the main function runs (and by
nixloop.cluster for a worker that runs asyncio code instead). It takes the inherited channel fd
(removing the two environment variables, so that the child's own children do not see them),
and gives ``process`` Node's ``send()``, ``disconnect()``, ``connected`` and ``channel``. As in
Node, the channel keeps the process alive only while ``process`` has ``'message'`` or
``'disconnect'`` listeners (or a write is in flight): a child that listens for messages runs
until the parent disconnects or exits.
"""

from __future__ import annotations

import os

from .._core._loop import ChannelHandle
from ._channel import Channel

__all__ = ["bootstrap", "channel_of"]

_CHANNELS: dict = {}       # id(loop) -> (loop, Channel): the process's channel, once taken


def channel_of(loop):
    """The channel set up on ``loop``, or None."""
    entry = _CHANNELS.get(id(loop))
    return entry[1] if entry is not None and entry[0] is loop else None


def bootstrap(process, loop):
    """Attach the inherited channel to ``process`` on ``loop``; returns the Channel, or None when
    this process has no channel (or gave it to an earlier loop)."""
    existing = channel_of(loop)
    if existing is not None:
        return existing
    fd = os.environ.get("NODE_CHANNEL_FD")
    if fd is None:
        return None
    mode = os.environ.get("NODE_CHANNEL_SERIALIZATION_MODE") or "json"
    try:
        fd = int(fd)
        handle = ChannelHandle.from_fd(loop, fd)
    except (ValueError, OSError) as exc:
        raise RuntimeError(f"NODE_CHANNEL_FD={os.environ.get('NODE_CHANNEL_FD')!r} is not an "
                           f"IPC channel: {exc}") from None
    os.environ.pop("NODE_CHANNEL_FD", None)
    os.environ.pop("NODE_CHANNEL_SERIALIZATION_MODE", None)
    handle.unref()
    channel = Channel(process, handle, loop, mode if mode in ("json", "advanced") else "json",
                      parent=False)
    control = channel.control

    def counted(name) -> bool:
        return name in ("message", "disconnect") and not channel.closed

    def on_new(name, listener=None):
        if counted(name):
            control.refCounted()

    def on_remove(name, listener=None):
        if counted(name):
            control.unrefCounted()

    process.on("newListener", on_new)
    process.on("removeListener", on_remove)
    for name in ("message", "disconnect"):       # listeners added before the channel existed
        for _ in range(process.listenerCount(name)):
            control.refCounted()
    for k in [k for k, (lp, _) in _CHANNELS.items() if lp.is_closed()]:
        del _CHANNELS[k]
    _CHANNELS[id(loop)] = (loop, channel)
    return channel
