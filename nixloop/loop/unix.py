"""asyncio API for Unix SOCK_SEQPACKET and SOCK_DGRAM sockets (no other loop has the first).

``loop.create_seqpacket_server(protocol_factory, path, *, backlog=100, sock=None)`` ->
:class:`SeqpacketServer` (an ``asyncio.AbstractServer``) and
``loop.create_seqpacket_connection(protocol_factory, path, *, sock=None)`` -> ``(transport,
protocol)``. The transport has ``asyncio.Transport``'s API (it is compiled, in
nixloop/unix_transport.pyx, and like the stream transports and uvloop's not a subclass of it);
every ``write(data)`` is one message and the protocol receives whole messages:

* ``protocol.message_received(data)``: one call per message, never merged or split (empty
  messages included). A protocol without ``message_received`` gets ``data_received(data)``
  instead, still one message per call, so a plain ``asyncio.Protocol`` works.
* ``protocol.fds_received(fds)`` (optional), right before the ``message_received`` of the message
  that carried the fds (SCM_RIGHTS; the protocol owns them; without the method they are closed).
  ``transport.send_fds(data, fds)`` sends fds with a message (the caller keeps its own fds).
* ``eof_received()`` when the peer has shut down its sending side (a false answer closes the
  transport), ``connection_lost(exc)``, ``pause_writing()``/``resume_writing()`` at the write
  buffer limits (bytes of queued messages; default 64 KiB / 16 KiB) exactly as for streams;
  ``pause_reading``/``resume_reading``, ``write_eof`` (shutdown(SHUT_WR) after the queue),
  ``close`` (after the queue), ``abort``.
* A message longer than the read buffer (default: the socket's SO_RCVBUF, settable with
  ``transport.set_read_buffer_size(n)``) is never cut: the transport closes with
  ``connection_lost(OSError(EMSGSIZE))``.
* ``get_extra_info``: 'sockname', 'peername' (str; '' when unbound; an abstract name as bytes,
  as the socket module reports it), 'peercred' ((pid, uid, gid)), 'fd'.

``loop.create_datagram_endpoint(protocol_factory, local_addr=path, remote_addr=path,
family=socket.AF_UNIX)`` (or ``sock=`` an AF_UNIX datagram socket) makes a transport with
``asyncio.DatagramTransport``'s API on a DgramHandle: ``datagram_received(data, addr)`` with ``addr``
the sender's path (None for an unbound sender, bytes for an abstract name, as the selector loop
gives them), ``sendto(data, addr=None)`` queues on EAGAIN/ENOBUFS with flow control, errors of a
queued send go to ``error_received``. ``loop.create_datagram_endpoint`` itself is in
nixloop/loop/udp.py, which sends the other families to UDP.

Free functions with the loop as first argument (nixloop.unix re-exports them) work with any
nixloop loop; :class:`UnixMixin` puts them on ``nixloop.Loop``.
"""
from __future__ import annotations

import asyncio
import errno
import os
import socket

from asyncio.log import logger

from .._core import _loop as _core
from .streams import wait_connected
from .server import ServerBase, remove_stale_socket, unlink_if_same

__all__ = ['UnixMixin', 'SeqpacketProtocol', 'SeqpacketTransport', 'UnixDatagramTransport',
           'SeqpacketServer', 'create_seqpacket_server', 'create_seqpacket_connection',
           'create_unix_datagram_endpoint']



def _check_loop(loop):
    if not isinstance(loop, _core.BaseLoop):
        raise TypeError(f'a nixloop loop is needed, not {loop!r}')
    if loop.is_closed():
        raise RuntimeError('Event loop is closed')


class SeqpacketProtocol(asyncio.BaseProtocol):
    """Base class for protocols of SEQPACKET transports: one message_received(data) per
    message; fds_received(fds) before the message that carried them; eof_received()."""

    def message_received(self, data):
        """Called with one whole message (bytes, possibly empty)."""

    def eof_received(self):
        """The peer shut its sending side down; return a true value to keep the transport
        open for writing."""


# ---------------------------------------------------------------------------------------------
# The transports are compiled (nixloop/unix_transport.pyx): their write() and flow control run
# once per message.

SeqpacketTransport = _core.SeqpacketTransport
UnixDatagramTransport = _core.UnixDatagramTransport


# ---------------------------------------------------------------------------------------------
# SEQPACKET server

class SeqpacketServer(ServerBase):
    """Returned by create_seqpacket_server(): asyncio.Server's API (3.12+ semantics:
    wait_closed() waits for the connections to end)."""

    def __init__(self, loop, handle, sock, protocol_factory, backlog, unix_path_ino=None):
        super().__init__(loop, protocol_factory, backlog)
        self._handle = handle
        self._sock = sock
        self._unix_path_ino = unix_path_ino
        handle.on_connection = self._on_connection

    def _socket_objects(self):
        return () if self._sock is None else (self._sock,)

    def _start_serving(self):
        if self._serving or self._closed:
            return
        self._serving = True
        self._handle.listen(self._backlog)

    def _on_connection(self, exc):
        if exc is not None:
            logger.debug('error accepting a seqpacket connection', exc_info=exc)
            return
        while not self._closed:
            try:
                pair = self._handle.accept()
            except OSError as err:
                if err.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._loop.call_exception_handler({
                        'message': 'socket.accept() out of system resource',
                        'exception': err})
                return
            if pair is None:
                return
            handle, _peer = pair
            try:
                ctx = self._connection_context()
                protocol = ctx.run(self._protocol_factory)
                transport = SeqpacketTransport.new(self._loop, handle, protocol, self, None, ctx)
                transport._start()
            except (SystemExit, KeyboardInterrupt):
                handle.close()
                raise
            except BaseException as err:
                handle.close()
                self._loop.call_exception_handler({
                    'message': 'Error on transport creation for incoming connection',
                    'exception': err})

    def _stop_listening(self):
        self._handle.close()
        if self._unix_path_ino is not None:
            unlink_if_same(*self._unix_path_ino)
        if self._sock is not None:
            self._sock.close()


def _check_seqpacket_sock(sock):
    if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_SEQPACKET:
        raise ValueError(f'A UNIX Domain SEQPACKET Socket was expected, got {sock!r}')


async def create_seqpacket_server(loop, protocol_factory, path=None, *, backlog=100, sock=None,
                                  start_serving=True, cleanup_socket=True):
    """A SOCK_SEQPACKET server on `path` (a stale socket file there is replaced, and removed
    again on close, as create_unix_server does) or on a bound socket `sock`."""
    _check_loop(loop)
    path_ino = None
    if path is not None:
        if sock is not None:
            raise ValueError('path and sock can not be specified at the same time')
        path = os.fspath(path)
        remove_stale_socket(path)
        handle = _core.SeqpacketHandle.create(loop)
        try:
            handle.bind(path)
        except OSError as exc:
            handle.close()
            if exc.errno == errno.EADDRINUSE:
                raise OSError(errno.EADDRINUSE, f'Address {path!r} is already in use') from None
            raise OSError(exc.errno, exc.strerror) from None
        except BaseException:
            handle.close()
            raise
        if cleanup_socket and path[:1] not in ('\x00', b'\x00'):
            try:
                path_ino = (path, os.stat(path).st_ino)
            except OSError:
                pass
    else:
        if sock is None:
            raise ValueError('path was not specified, and no sock specified')
        _check_seqpacket_sock(sock)
        handle = _core.from_dup(_core.SeqpacketHandle.from_fd, loop, sock.fileno())
    server = SeqpacketServer(loop, handle, sock, protocol_factory, backlog, path_ino)
    if start_serving:
        try:
            server._start_serving()
        except BaseException:
            server.close()
            raise
        await asyncio.sleep(0)
    return server


async def create_seqpacket_connection(loop, protocol_factory, path=None, *, sock=None):
    """Connect a SOCK_SEQPACKET socket to `path` (or wrap a connected `sock`); returns
    (transport, protocol)."""
    _check_loop(loop)
    if path is not None:
        if sock is not None:
            raise ValueError('path and sock can not be specified at the same time')
        handle = _core.SeqpacketHandle.create(loop)
        fut = loop.create_future()

        def on_connect(exc):
            if not fut.done():
                if exc is None:
                    fut.set_result(None)
                else:
                    fut.set_exception(OSError(exc.errno, exc.strerror))
        handle.on_connect = on_connect
        try:
            handle.connect(path)
            await fut
        except OSError as exc:
            handle.close()
            raise OSError(exc.errno, exc.strerror) from None
        except BaseException:
            handle.close()
            raise
        handle.on_connect = None
    else:
        if sock is None:
            raise ValueError('no path and sock were specified')
        _check_seqpacket_sock(sock)
        handle = _core.from_dup(_core.SeqpacketHandle.from_fd, loop, sock.fileno())
        handle.on_close = sock.close       # the transport owns the caller's socket from now on
    protocol = protocol_factory()
    waiter = loop.create_future()
    transport = SeqpacketTransport.new(loop, handle, protocol)
    transport._start(waiter)
    await wait_connected(transport, waiter)
    return transport, protocol


# ---------------------------------------------------------------------------------------------
# Unix datagram endpoint

async def create_unix_datagram_endpoint(loop, protocol_factory, local_addr=None,
                                        remote_addr=None, *, sock=None):
    """An AF_UNIX SOCK_DGRAM endpoint: bound to `local_addr` and/or connected to
    `remote_addr` (paths), or on `sock`; returns (transport, protocol)."""
    _check_loop(loop)
    if sock is not None:
        if local_addr or remote_addr:
            raise ValueError('socket modifier keyword arguments can not be used when sock is '
                             'specified.')
        if sock.type != socket.SOCK_DGRAM or sock.family != socket.AF_UNIX:
            raise ValueError(f'A UNIX Domain Datagram Socket was expected, got {sock!r}')
        handle = _core.from_dup(_core.DgramHandle.from_fd, loop, sock.fileno())
        handle.on_close = sock.close
        # A connected socket sends to its peer when sendto() has no address, also when that
        # peer has no name (a socketpair: getpeername() gives ''), as on uvloop.
        try:
            address = sock.getpeername()
        except OSError:
            address = None
    else:
        handle = _core.DgramHandle.create(loop)
        address = None
        try:
            if local_addr is not None:
                if isinstance(local_addr, tuple):
                    raise TypeError('AF_UNIX addresses are paths, not tuples')
                if isinstance(local_addr, (str, bytes)) and local_addr:
                    remove_stale_socket(local_addr)
                handle.bind(local_addr)
            if remote_addr is not None:
                handle.connect(remote_addr)
                address = remote_addr
        except OSError as exc:
            handle.close()
            raise OSError(exc.errno, exc.strerror) from None
        except BaseException:
            handle.close()
            raise
    protocol = protocol_factory()
    waiter = loop.create_future()
    transport = UnixDatagramTransport.new(loop, handle, protocol, address, sock)
    transport._start(waiter)
    await wait_connected(transport, waiter)
    return transport, protocol


class UnixMixin:
    """nixloop.Loop's SEQPACKET methods (create_datagram_endpoint for AF_UNIX comes through
    nixloop.loop.udp.UDPMixin)."""

    async def create_seqpacket_server(self, protocol_factory, path=None, *, backlog=100,
                                      sock=None, start_serving=True, cleanup_socket=True):
        """A SOCK_SEQPACKET server (see nixloop.loop.unix)."""
        return await create_seqpacket_server(self, protocol_factory, path, backlog=backlog,
                                             sock=sock, start_serving=start_serving,
                                             cleanup_socket=cleanup_socket)

    async def create_seqpacket_connection(self, protocol_factory, path=None, *, sock=None):
        """A SOCK_SEQPACKET connection (see nixloop.loop.unix)."""
        return await create_seqpacket_connection(self, protocol_factory, path, sock=sock)
