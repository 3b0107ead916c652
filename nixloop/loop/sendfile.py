"""loop.sock_sendfile() and loop.sendfile(), with asyncio's semantics and errors.

* ``sock_sendfile(sock, file, offset=0, count=None, *, fallback=True)``: ``os.sendfile`` from a
  regular file to a non-blocking SOCK_STREAM socket, waiting on the loop (uv_poll) whenever the
  socket is full. What cannot use it (no fileno, not a regular file, a socket sendfile refuses
  before the first byte) falls back to reading the file in the default executor and
  ``sock_sendall``, unless ``fallback=False`` (then ``asyncio.SendfileNotAvailableError``).
* ``sendfile(transport, file, offset=0, count=None, *, fallback=True)``: on nixloop's stream
  transports and TLS transports, the file is read in the executor and written through the
  transport, with its flow control (the transport's protocol is swapped for the duration, as
  asyncio does, and put back after); meanwhile a plain ``transport.write()`` raises RuntimeError
  ("sendfile is in progress"), as on asyncio's socket transports. The stream's fd belongs to
  libuv, whose write queue must keep its order, so there is no zero-copy path here: with
  ``fallback=False`` it is a RuntimeError, as for any transport without native sendfile.
  Transports that cannot send files at all (pipes, datagrams) raise RuntimeError.
* Both return the bytes sent and leave the file position after them.
"""
from __future__ import annotations

import asyncio
import io
import os
import socket

from asyncio import constants

__all__ = ['SendfileMixin']

_CHUNK = 256 * 1024
_NATIVE_MAX = 0x7fff_f000      # the most Linux sendfile() moves per call


def _check_sendfile_params(sock, file, offset, count):
    if 'b' not in getattr(file, 'mode', 'b'):
        raise ValueError('file should be opened in binary mode')
    if not sock.type == socket.SOCK_STREAM:
        raise ValueError('only SOCK_STREAM type sockets are supported')
    _check_range(offset, count)


def _check_range(offset, count):
    if count is not None:
        if not isinstance(count, int):
            raise TypeError(f'count must be a positive integer (got {count!r})')
        if count <= 0:
            raise ValueError(f'count must be a positive integer (got {count!r})')
    if not isinstance(offset, int):
        raise TypeError(f'offset must be a non-negative integer (got {offset!r})')
    if offset < 0:
        raise ValueError(f'offset must be a non-negative integer (got {offset!r})')


async def _read_chunks(loop, file, offset, count, send):
    """The fallback of both: read the file in the executor, `await send(view)` each chunk."""
    if offset:
        file.seek(offset)
    size = min(count, _CHUNK) if count else _CHUNK
    buf = bytearray(size)
    total = 0
    try:
        while True:
            if count:
                size = min(count - total, size)
                if size <= 0:
                    return total
            view = memoryview(buf)[:size]
            n = await loop.run_in_executor(None, file.readinto, view)
            if not n:
                return total
            await send(view[:n])
            total += n
    finally:
        if total > 0 and hasattr(file, 'seek'):
            file.seek(offset + total)


class _FlowWatch(asyncio.Protocol):
    """Stands in for a transport's protocol while sendfile() writes: learns pause/resume_writing
    (so that writing waits for the buffer to drain) and passes connection_lost on."""

    def __init__(self, loop, transport):
        self._loop = loop
        self._transport = transport
        self._proto = transport.get_protocol()
        self._was_reading = transport.is_reading()
        self._was_paused = bool(getattr(transport, '_protocol_paused', False))
        self._ready = loop.create_future() if self._was_paused else None
        transport.pause_reading()
        transport.set_protocol(self)

    async def drain(self):
        if self._transport.is_closing():
            raise ConnectionError('Connection closed by peer')
        if self._ready is not None:
            await self._ready

    def connection_made(self, transport):
        raise RuntimeError('Invalid state: connection should have been established already.')

    def connection_lost(self, exc):
        if self._ready is not None:
            if exc is None:
                self._ready.set_result(None)
            else:
                self._ready.set_exception(exc)
            self._ready = None
        self._proto.connection_lost(exc)

    def pause_writing(self):
        if self._ready is None:
            self._ready = self._loop.create_future()

    def resume_writing(self):
        if self._ready is not None:
            self._ready.set_result(None)
            self._ready = None

    def data_received(self, data):
        raise RuntimeError('Invalid state: reading should be paused')

    def eof_received(self):
        raise RuntimeError('Invalid state: reading should be paused')

    def restore(self):
        self._transport.set_protocol(self._proto)
        if self._was_reading:
            self._transport.resume_reading()
        if self._ready is not None:
            self._ready.cancel()
        if self._was_paused:
            self._proto.resume_writing()


class SendfileMixin:
    """nixloop.Loop.sock_sendfile / sendfile."""

    async def sock_sendfile(self, sock, file, offset=0, count=None, *, fallback=True):
        """Send a file over a socket; returns the bytes sent."""
        if self.get_debug() and sock.gettimeout() != 0:
            raise ValueError('the socket must be non-blocking')
        _check_sendfile_params(sock, file, offset, count)
        try:
            return await self._sock_sendfile_native(sock, file, offset, count)
        except asyncio.SendfileNotAvailableError:
            if not fallback:
                raise
        return await _read_chunks(self, file, offset, count,
                                  lambda view: self.sock_sendall(sock, view))

    async def _sock_sendfile_native(self, sock, file, offset, count):
        try:
            fileno = file.fileno()
        except (AttributeError, io.UnsupportedOperation) as err:
            raise asyncio.SendfileNotAvailableError('not a regular file') from err
        try:
            size = os.fstat(fileno).st_size
        except OSError as err:
            raise asyncio.SendfileNotAvailableError('not a regular file') from err
        end = min(offset + count, size) if count else size
        total = 0
        try:
            while offset + total < end:
                n = min(end - offset - total, _NATIVE_MAX)
                pos = offset + total

                def attempt(pos=pos, n=n):
                    return os.sendfile(sock.fileno(), fileno, pos, n)
                try:
                    sent = await self._sock_call(sock, attempt, writable=True)
                except OSError as exc:
                    if total == 0 and not isinstance(exc, ConnectionError):
                        # sendfile() refuses this pair: the fallback may still work
                        raise asyncio.SendfileNotAvailableError(str(exc)) from exc
                    raise
                if sent == 0:
                    break           # the file is shorter than it was
                total += sent
            return total
        finally:
            if total > 0:
                file.seek(offset + total)

    async def sendfile(self, transport, file, offset=0, count=None, *, fallback=True):
        """Send a file through a transport; returns the bytes sent."""
        if transport.is_closing():
            raise RuntimeError('Transport is closing')
        mode = getattr(transport, '_sendfile_compatible', constants._SendfileMode.UNSUPPORTED)
        if mode is constants._SendfileMode.UNSUPPORTED:
            raise RuntimeError(f'sendfile is not supported for transport {transport!r}')
        if not fallback:
            raise RuntimeError(f'fallback is disabled and native sendfile is not supported for '
                               f'transport {transport!r}')
        _check_range(offset, count)
        if count == 0:
            return 0
        watch = _FlowWatch(self, transport)
        # nixloop's stream transports refuse other writes meanwhile, as asyncio's socket
        # transports do during their sendfile (a TLS transport takes writes, as asyncio's)
        begin = getattr(transport, '_sendfile_begin', None)
        write = getattr(transport, '_sendfile_write', transport.write)

        async def send(view):
            await watch.drain()
            write(bytes(view))
        if begin is not None:
            begin()
        try:
            return await _read_chunks(self, file, offset, count, send)
        finally:
            if begin is not None:
                transport._sendfile_end()
            watch.restore()
