"""nixloop's asyncio.Server: listening libuv handles that accept into stream transports."""
from __future__ import annotations

import asyncio
import errno
import os
import socket
import weakref

from asyncio.log import logger

from ._loop import PipeHandle, TCPHandle, _new_stream_transport

try:
    from asyncio.trsock import TransportSocket as _TransportSocket
except ImportError:   # pragma: no cover
    _TransportSocket = None

__all__ = ['Server']

_RESOURCE_ERRNOS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class Server(asyncio.AbstractServer):
    """Returned by create_server()/create_unix_server(); behaves as asyncio's Server
    (Python 3.12+ semantics: wait_closed() waits for every connection to end)."""

    def __init__(self, loop, sockets, protocol_factory, backlog, unix_paths=None):
        self._loop = loop
        self._sockets = sockets
        self._listeners = []
        self._active_count = 0
        self._waiters = []
        self._protocol_factory = protocol_factory
        self._backlog = backlog
        self._serving = False
        self._serving_forever_fut = None
        self._clients = weakref.WeakSet()
        self._unix_paths = unix_paths or {}

    def __repr__(self):
        return f'<{type(self).__name__} sockets={self.sockets!r}>'

    # -- connection accounting (called by the transports) ---------------------------------------

    def _attach(self, transport):
        self._active_count += 1
        self._clients.add(transport)

    def _detach(self, transport):
        self._active_count -= 1
        self._clients.discard(transport)
        if self._active_count == 0 and self._sockets is None:
            self._wakeup()

    def _wakeup(self):
        waiters = self._waiters
        self._waiters = None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    # -- serving --------------------------------------------------------------------------------

    def _start_serving(self):
        if self._serving or self._sockets is None:
            return
        self._serving = True
        for sock in self._sockets:
            fd = os.dup(sock.fileno())
            try:
                if sock.family == socket.AF_UNIX:
                    handle = PipeHandle.from_fd(self._loop, fd)
                else:
                    handle = TCPHandle.from_fd(self._loop, fd)
            except BaseException:
                os.close(fd)
                raise
            is_unix = sock.family == socket.AF_UNIX
            handle.on_connection = lambda exc, h=handle, u=is_unix, s=sock: self._accept(h, u, s, exc)
            handle.listen(self._backlog)
            self._listeners.append(handle)

    def _accept(self, handle, is_unix, sock, exc):
        loop = self._loop
        if exc is not None:
            self._accept_failed(exc, sock)
            return
        try:
            client = handle.accept()
        except OSError as exc:
            self._accept_failed(exc, sock)
            return
        try:
            protocol = self._protocol_factory()
            if not is_unix:
                client.set_nodelay(True)
            _new_stream_transport(loop, client, protocol, self, None, is_unix)
        except (SystemExit, KeyboardInterrupt):
            client.close()
            raise
        except BaseException as exc:
            client.close()
            loop.call_exception_handler({
                'message': 'Error on transport creation for incoming connection',
                'exception': exc,
            })

    def _accept_failed(self, exc, sock):
        if isinstance(exc, OSError) and exc.errno in _RESOURCE_ERRNOS:
            self._loop.call_exception_handler({
                'message': 'socket.accept() out of system resource',
                'exception': exc,
                'socket': _TransportSocket(sock) if _TransportSocket else sock,
            })
        elif self._loop.get_debug():
            logger.debug('error accepting a connection on %r', sock, exc_info=exc)

    def get_loop(self):
        return self._loop

    def is_serving(self):
        return self._serving

    @property
    def sockets(self):
        if self._sockets is None:
            return ()
        if _TransportSocket is None:
            return tuple(self._sockets)
        return tuple(_TransportSocket(s) for s in self._sockets)

    def close(self):
        """Stop listening and close the listening sockets; connections stay open."""
        sockets = self._sockets
        if sockets is None:
            return
        self._sockets = None
        for handle in self._listeners:
            handle.close()
        self._listeners = []
        for sock in sockets:
            self._cleanup_unix_path(sock)
            sock.close()
        self._serving = False
        if self._serving_forever_fut is not None and not self._serving_forever_fut.done():
            self._serving_forever_fut.cancel()
            self._serving_forever_fut = None
        if self._active_count == 0:
            self._wakeup()

    def _cleanup_unix_path(self, sock):
        ino = self._unix_paths.pop(sock, None)
        if ino is None:
            return
        try:
            path = sock.getsockname()
            if os.stat(path).st_ino == ino:
                os.unlink(path)
        except OSError:
            pass

    def close_clients(self):
        for transport in list(self._clients):
            transport.close()

    def abort_clients(self):
        for transport in list(self._clients):
            transport.abort()

    async def start_serving(self):
        self._start_serving()
        await asyncio.sleep(0)

    async def serve_forever(self):
        if self._serving_forever_fut is not None:
            raise RuntimeError(f'server {self!r} is already being awaited on serve_forever()')
        if self._sockets is None:
            raise RuntimeError(f'server {self!r} is closed')
        self._start_serving()
        self._serving_forever_fut = self._loop.create_future()
        try:
            await self._serving_forever_fut
        except asyncio.CancelledError:
            try:
                self.close()
                await self.wait_closed()
            finally:
                raise
        finally:
            self._serving_forever_fut = None

    async def wait_closed(self):
        """Wait until the server is closed and its last connection has ended."""
        if self._waiters is None:
            return
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        await waiter

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
        await self.wait_closed()
