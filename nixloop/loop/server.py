"""nixloop's asyncio.Server: listening libuv handles that accept into stream transports."""
from __future__ import annotations

import asyncio
import contextvars
import errno
import os
import socket
import stat
import warnings
import weakref

from asyncio.log import logger

from .._core._loop import PipeHandle, TCPHandle, _new_stream_transport
from .tls import accepted_with_tls

try:
    from asyncio.trsock import TransportSocket as _TransportSocket
except ImportError:   # pragma: no cover
    _TransportSocket = None

__all__ = ['Server', 'ServerBase', 'unlink_if_same', 'remove_stale_socket']

_RESOURCE_ERRNOS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class ServerBase(asyncio.AbstractServer):
    """What every nixloop server shares: connection accounting and the asyncio.Server API
    (Python 3.12+ semantics: wait_closed() waits for every connection to end). Subclasses
    provide _start_serving(), _stop_listening() and _socket_objects().

    contextvars: the server keeps the context of the code that made it (create_server's caller);
    each connection gets a copy of it (_connection_context) in which the protocol factory and
    every callback of its transport run, so that what one connection sets stays its own."""

    def __init__(self, loop, protocol_factory, backlog):
        self._loop = loop
        self._context = contextvars.copy_context()
        self._protocol_factory = protocol_factory
        self._backlog = backlog
        self._serving = False
        self._closed = False
        self._clients = set()
        self._waiters = []
        self._serving_forever_fut = None

    def __repr__(self):
        return f'<{type(self).__name__} sockets={self.sockets!r}>'

    def __del__(self, _warn=warnings.warn):
        # A server nobody closed (its listening handles are closed by loop.close(), which
        # drops their references to it): warn as asyncio's do through their sockets.
        if not self._closed:
            _warn(f'unclosed server <{type(self).__name__}>', ResourceWarning, source=self)

    # -- connection accounting (called by the transports) ---------------------------------------

    def _attach(self, transport):
        self._clients.add(transport)

    def _detach(self, transport):
        self._clients.discard(transport)
        if not self._clients and self._closed:
            self._wakeup()

    def _wakeup(self):
        waiters = self._waiters
        self._waiters = None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def _connection_context(self):
        return self._context.copy()

    def _start_serving(self):
        raise NotImplementedError

    def _stop_listening(self):
        raise NotImplementedError

    def _socket_objects(self):
        raise NotImplementedError

    # -- the asyncio.Server API -----------------------------------------------------------------

    def get_loop(self):
        return self._loop

    def is_serving(self):
        return self._serving

    @property
    def sockets(self):
        if self._closed:
            return ()
        socks = self._socket_objects()
        if _TransportSocket is None:
            return tuple(socks)
        return tuple(_TransportSocket(s) for s in socks)

    def close(self):
        """Stop listening and close the listening sockets; connections stay open."""
        if self._closed:
            return
        self._closed = True
        self._serving = False
        self._stop_listening()
        if self._serving_forever_fut is not None and not self._serving_forever_fut.done():
            self._serving_forever_fut.cancel()
            self._serving_forever_fut = None
        if not self._clients:
            self._wakeup()

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
        if self._closed:
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


def remove_stale_socket(path):
    """Before binding a Unix socket to `path` (not an abstract name), remove a socket file left
    there (a previous process's), as asyncio does; any other kind of file is left alone and the
    bind then fails."""
    if path[:1] in ('\0', b'\0', 0):
        return
    try:
        if stat.S_ISSOCK(os.stat(path).st_mode):
            os.remove(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        # The directory may only allow creating the socket.
        logger.error('Unable to check or remove stale UNIX socket %r: %r', path, err)


def unlink_if_same(path, ino):
    """Remove the socket file at `path` if it is still the one the server created."""
    try:
        if os.stat(path).st_ino == ino:
            os.unlink(path)
    except OSError:
        pass


class Server(ServerBase):
    """Returned by create_server()/create_unix_server(): listening libuv TCP or pipe handles
    that accept into stream transports."""

    def __init__(self, loop, sockets, protocol_factory, backlog, unix_paths=None, tls=None):
        super().__init__(loop, protocol_factory, backlog)
        self._tls = tls     # None or (SSLContext, handshake timeout, shutdown timeout)
        self._sockets = sockets
        self._listeners = []
        self._unix_paths = unix_paths or {}

    def _socket_objects(self):
        return self._sockets or ()

    def _start_serving(self):
        if self._serving or self._closed:
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
        if client is None:          # none waits (or accepting is paused: handles/accept.pyx)
            return
        try:
            ctx = self._connection_context()
            protocol = ctx.run(self._protocol_factory)
            if not is_unix:
                client.set_nodelay(True)
            if self._tls is None:
                _new_stream_transport(loop, client, protocol, self, None, is_unix, None, ctx)
            else:
                accepted_with_tls(
                    loop, lambda p: _new_stream_transport(loop, client, p, self, None, is_unix,
                                                          None, ctx),
                    protocol, *self._tls)
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

    def _stop_listening(self):
        for handle in self._listeners:
            handle.close()
        self._listeners = []
        for sock in self._sockets or ():
            ino = self._unix_paths.pop(sock, None)
            if ino is not None:
                try:
                    unlink_if_same(sock.getsockname(), ino)
                except OSError:
                    pass
            sock.close()
        self._sockets = None    # as asyncio.Server after close(): nothing left to serve on
