"""Loop methods that make stream transports and servers: create_connection, create_server,
their Unix-socket twins and connect_accepted_socket. Argument checks, error messages and
address handling follow asyncio's base loop; the transports are nixloop's libuv streams."""
from __future__ import annotations

import asyncio
import collections.abc
import errno
import functools
import itertools
import os
import socket
import sys
import weakref

from asyncio import staggered
from asyncio.log import logger

from .._core._loop import PipeHandle, TCPHandle, _new_stream_transport
from .tls import check_tls_args, new_ssl_protocol
from .server import Server, remove_stale_socket

try:
    from asyncio.trsock import TransportSocket as _TransportSocket
except ImportError:   # pragma: no cover
    _TransportSocket = None

__all__ = ['StreamsMixin']

_HAS_IPV6 = hasattr(socket, 'AF_INET6')
# asyncio removes a Unix server's socket file on close from 3.13 (its cleanup_socket argument)
_CLEANUP_SOCKET = sys.version_info >= (3, 13)


async def wait_connected(transport, waiter):
    """Await a new transport's start (connection_made has run, or a TLS handshake is done);
    close the transport if that fails."""
    try:
        await waiter
    except BaseException:
        transport.close()
        raise


def _interleave_addrinfos(addrinfos, first_address_family_count=1):
    """Alternate address families (RFC 8305 section 4), keeping each family's order."""
    by_family = collections.OrderedDict()
    for info in addrinfos:
        by_family.setdefault(info[0], []).append(info)
    families = list(by_family.values())
    result = []
    if first_address_family_count > 1:
        result.extend(families[0][:first_address_family_count - 1])
        del families[0][:first_address_family_count - 1]
    for group in itertools.zip_longest(*families):
        result.extend(a for a in group if a is not None)
    return result


def _check_backlog(backlog):
    """backlog must be an integer (socket.listen()'s TypeError for 1.1 or '1'), checked before
    any socket is made."""
    if not isinstance(backlog, int):
        raise TypeError(f'backlog must be an integer, not {type(backlog).__name__}')


def _set_reuseport(sock):
    if not hasattr(socket, 'SO_REUSEPORT'):
        raise ValueError('reuse_port not supported by socket module')
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    except OSError:
        raise ValueError('reuse_port not supported by socket module, SO_REUSEPORT defined '
                         'but not implemented.')


class StreamsMixin:
    """Stream connections and servers on libuv TCP and pipe handles."""

    # -- transports from sockets ----------------------------------------------------------------

    def _register_transport(self, transport, fd):
        transports = self.__dict__.get('_transports')
        if transports is None:
            transports = self.__dict__['_transports'] = weakref.WeakValueDictionary()
        transports[fd] = transport

    def _make_stream_transport(self, sock, protocol, waiter=None, server=None, own_sock=True):
        """Hand the socket's fd to a libuv stream and wrap it in a transport."""
        is_unix = sock.family == socket.AF_UNIX
        extra = {}
        sock.setblocking(False)
        if own_sock:
            fd = sock.detach()
        else:
            # The caller's socket object stays theirs: libuv gets a duplicate of the fd and the
            # socket object is shown as the transport's 'socket'.
            fd = os.dup(sock.fileno())
            extra['socket'] = _TransportSocket(sock) if _TransportSocket else sock
        try:
            stream = (PipeHandle if is_unix else TCPHandle).from_fd(self, fd)
        except BaseException:
            os.close(fd)
            raise
        if not is_unix:
            try:
                stream.set_nodelay(True)
            except OSError:
                pass
        if not own_sock:
            stream.on_close = sock.close   # the transport owns the caller's socket from now on
        transport = _new_stream_transport(self, stream, protocol, server, waiter, is_unix, extra)
        self._register_transport(transport, fd)
        if not own_sock:
            # the caller's socket object keeps its own fd: add_reader() & co. refuse both
            self._register_transport(transport, sock.fileno())
        return transport

    async def _create_connection_transport(self, sock, protocol_factory, own_sock=True,
                                           tls=None):
        """tls: None, or (ssl, server_side, server_hostname, handshake_timeout,
        shutdown_timeout) for an SSLProtocol between the stream and the protocol (see
        nixloop.loop.tls); the transport returned is then its TLS transport."""
        sock.setblocking(False)
        protocol = protocol_factory()
        waiter = self.create_future()
        if tls is None:
            transport = self._make_stream_transport(sock, protocol, waiter, own_sock=own_sock)
        else:
            ssl_protocol = new_ssl_protocol(self, protocol, tls[0], waiter, *tls[1:])
            self._make_stream_transport(sock, ssl_protocol, None, own_sock=own_sock)
            transport = ssl_protocol._app_transport
        try:
            await wait_connected(transport, waiter)
        except BaseException:
            if not own_sock:
                # The caller's socket object is closed at once (its fd too; the transport's
                # duplicate goes with the transport), as asyncio and uvloop leave it.
                sock.close()
            raise
        return transport, protocol

    # -- create_connection ----------------------------------------------------------------------

    async def _connect_sock(self, exceptions, addr_info, local_addr_infos=None):
        my_exceptions = []
        exceptions.append(my_exceptions)
        family, type_, proto, _, address = addr_info
        sock = None
        try:
            sock = socket.socket(family=family, type=type_, proto=proto)
            sock.setblocking(False)
            if local_addr_infos is not None:
                for lfamily, _, _, _, laddr in local_addr_infos:
                    if lfamily != family:
                        continue
                    try:
                        sock.bind(laddr)
                        break
                    except OSError as exc:
                        msg = (f'error while attempting to bind on address {laddr!r}: '
                               f'{str(exc.strerror).lower()}')
                        my_exceptions.append(OSError(exc.errno, msg))
                else:
                    if my_exceptions:
                        raise my_exceptions.pop()
                    raise OSError(f'no matching local address with family={family} found')
            await self.sock_connect(sock, address)
            return sock
        except OSError as exc:
            my_exceptions.append(exc)
            if sock is not None:
                sock.close()
            raise
        except BaseException:
            if sock is not None:
                sock.close()
            raise
        finally:
            exceptions = my_exceptions = None

    async def create_connection(self, protocol_factory, host=None, port=None, *, ssl=None,
                                family=0, proto=0, flags=0, sock=None, local_addr=None,
                                server_hostname=None, ssl_handshake_timeout=None,
                                ssl_shutdown_timeout=None, happy_eyeballs_delay=None,
                                interleave=None, all_errors=False):
        """Open a TCP connection; returns (transport, protocol)."""
        check_tls_args(ssl, server_hostname, ssl_handshake_timeout, ssl_shutdown_timeout)
        if ssl and server_hostname is None:
            if not host:
                raise ValueError('You must set server_hostname when using ssl without a host')
            server_hostname = host
        if happy_eyeballs_delay is not None and interleave is None:
            interleave = 1
        own_sock = True
        if host is not None or port is not None:
            if sock is not None:
                raise ValueError('host/port and sock can not be specified at the same time')
            infos = await self._ensure_resolved((host, port), family=family,
                                                type=socket.SOCK_STREAM, proto=proto,
                                                flags=flags)
            if not infos:
                raise OSError('getaddrinfo() returned empty list')
            laddr_infos = None
            if local_addr is not None:
                laddr_infos = await self._ensure_resolved(local_addr, family=family,
                                                          type=socket.SOCK_STREAM,
                                                          proto=proto, flags=flags)
                if not laddr_infos:
                    raise OSError('getaddrinfo() returned empty list')
            if interleave:
                infos = _interleave_addrinfos(infos, interleave)
            exceptions = []
            if happy_eyeballs_delay is None:
                for addrinfo in infos:
                    try:
                        sock = await self._connect_sock(exceptions, addrinfo, laddr_infos)
                        break
                    except OSError:
                        continue
            else:
                sock, _, _ = await staggered.staggered_race(
                    (functools.partial(self._connect_sock, exceptions, addrinfo, laddr_infos)
                     for addrinfo in infos),
                    happy_eyeballs_delay, loop=self)
            if sock is None:
                exceptions = [exc for sub in exceptions for exc in sub]
                try:
                    if all_errors:
                        raise ExceptionGroup('create_connection failed', exceptions)
                    if len(exceptions) == 1:
                        raise exceptions[0]
                    model = str(exceptions[0])
                    if all(str(exc) == model for exc in exceptions):
                        raise exceptions[0]
                    raise OSError('Multiple exceptions: {}'.format(
                        ', '.join(str(exc) for exc in exceptions)))
                finally:
                    exceptions = None
        else:
            if sock is None:
                raise ValueError('host and port was not specified and no sock specified')
            if sock.type != socket.SOCK_STREAM:
                raise ValueError(f'A Stream Socket was expected, got {sock!r}')
            own_sock = False
        tls = (ssl, False, server_hostname, ssl_handshake_timeout,
               ssl_shutdown_timeout) if ssl else None
        transport, protocol = await self._create_connection_transport(sock, protocol_factory,
                                                                      own_sock, tls)
        if self.get_debug():
            logger.debug('%r connected to %s:%r: (%r, %r)', sock, host, port, transport,
                         protocol)
        return transport, protocol

    async def create_unix_connection(self, protocol_factory, path=None, *, ssl=None, sock=None,
                                     server_hostname=None, ssl_handshake_timeout=None,
                                     ssl_shutdown_timeout=None):
        """Open a Unix stream socket connection; returns (transport, protocol)."""
        check_tls_args(ssl, server_hostname, ssl_handshake_timeout, ssl_shutdown_timeout)
        if ssl and server_hostname is None:
            raise ValueError('you have to pass server_hostname when using ssl')
        own_sock = True
        if path is not None:
            if sock is not None:
                raise ValueError('path and sock can not be specified at the same time')
            path = os.fspath(path)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0)
            try:
                sock.setblocking(False)
                await self.sock_connect(sock, path)
            except BaseException:
                sock.close()
                raise
        else:
            if sock is None:
                raise ValueError('no path and sock were specified')
            if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_STREAM:
                raise ValueError(f'A UNIX Domain Stream Socket was expected, got {sock!r}')
            sock.setblocking(False)
            own_sock = False
        tls = (ssl, False, server_hostname, ssl_handshake_timeout,
               ssl_shutdown_timeout) if ssl else None
        return await self._create_connection_transport(sock, protocol_factory, own_sock, tls)

    async def connect_accepted_socket(self, protocol_factory, sock, *, ssl=None,
                                      ssl_handshake_timeout=None, ssl_shutdown_timeout=None):
        """Wrap an already accepted connection in a transport."""
        if sock.type != socket.SOCK_STREAM:
            raise ValueError(f'A Stream Socket was expected, got {sock!r}')
        check_tls_args(ssl, None, ssl_handshake_timeout, ssl_shutdown_timeout)
        tls = (ssl, True, None, ssl_handshake_timeout, ssl_shutdown_timeout) if ssl else None
        return await self._create_connection_transport(sock, protocol_factory, False, tls)

    # -- servers --------------------------------------------------------------------------------

    async def _create_server_getaddrinfo(self, host, port, family, flags):
        infos = await self._ensure_resolved((host, port), family=family,
                                            type=socket.SOCK_STREAM, flags=flags)
        if not infos:
            raise OSError(f'getaddrinfo({host!r}) returned empty list')
        return infos

    async def create_server(self, protocol_factory, host=None, port=None, *,
                            family=socket.AF_UNSPEC, flags=socket.AI_PASSIVE, sock=None,
                            backlog=100, ssl=None, reuse_address=None, reuse_port=None,
                            keep_alive=None, ssl_handshake_timeout=None,
                            ssl_shutdown_timeout=None, start_serving=True):
        """A TCP server on host(s)/port or on a bound socket; returns a Server."""
        check_tls_args(ssl, None, ssl_handshake_timeout, ssl_shutdown_timeout, server=True)
        _check_backlog(backlog)
        if host is not None or port is not None:
            if sock is not None:
                raise ValueError('host/port and sock can not be specified at the same time')
            if reuse_address is None:
                reuse_address = os.name == 'posix' and sys.platform != 'cygwin'
            sockets = []
            if host == '':
                hosts = [None]
            elif isinstance(host, str) or not isinstance(host, collections.abc.Iterable):
                hosts = [host]
            else:
                hosts = host
            infos = await asyncio.gather(*[
                self._create_server_getaddrinfo(h, port, family, flags) for h in hosts])
            infos = set(itertools.chain.from_iterable(infos))
            completed = False
            try:
                for af, socktype, proto, _canon, sa in infos:
                    try:
                        sock = socket.socket(af, socktype, proto)
                    except OSError:
                        if self.get_debug():
                            logger.warning('create_server() failed to create socket.socket(%r, '
                                           '%r, %r)', af, socktype, proto, exc_info=True)
                        continue
                    sockets.append(sock)
                    if reuse_address:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
                    if reuse_port:
                        _set_reuseport(sock)
                    if keep_alive:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, True)
                    if _HAS_IPV6 and af == socket.AF_INET6 and hasattr(socket, 'IPPROTO_IPV6'):
                        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, True)
                    try:
                        sock.bind(sa)
                    except OSError as err:
                        msg = ('error while attempting to bind on address %r: %s'
                               % (sa, str(err.strerror).lower()))
                        if err.errno == errno.EADDRNOTAVAIL:
                            # An address family the host cannot bind (e.g. ::1 without IPv6).
                            sockets.pop()
                            sock.close()
                            if self.get_debug():
                                logger.warning(msg)
                            continue
                        raise OSError(err.errno, msg) from None
                # (before 3.13 asyncio returns a server with no socket when nothing resolved,
                # e.g. for host=b'', an empty iterable of hosts)
                if not sockets and (infos or sys.version_info >= (3, 13)):
                    raise OSError('could not bind on any address out of %r'
                                  % ([info[4] for info in infos],))
                completed = True
            finally:
                if not completed:
                    for s in sockets:
                        s.close()
        else:
            if sock is None:
                raise ValueError('Neither host/port nor sock were specified')
            if sock.type != socket.SOCK_STREAM:
                raise ValueError(f'A Stream Socket was expected, got {sock!r}')
            sockets = [sock]
        for s in sockets:
            s.setblocking(False)
        server = Server(self, sockets, protocol_factory, backlog,
                        tls=(ssl, ssl_handshake_timeout, ssl_shutdown_timeout) if ssl else None)
        if start_serving:
            server._start_serving()
            await asyncio.sleep(0)
        if self.get_debug():
            logger.info('%r is serving', server)
        return server

    async def create_unix_server(self, protocol_factory, path=None, *, sock=None, backlog=100,
                                 ssl=None, ssl_handshake_timeout=None,
                                 ssl_shutdown_timeout=None, start_serving=True,
                                 cleanup_socket=_CLEANUP_SOCKET):
        """A Unix stream socket server; a stale socket file at `path` is replaced, and the file
        is removed again when the server closes if cleanup_socket: by default on Python 3.13+,
        whose asyncio does it, not before (the running Python's asyncio is followed)."""
        check_tls_args(ssl, None, ssl_handshake_timeout, ssl_shutdown_timeout, server=True)
        _check_backlog(backlog)
        if path is not None:
            if sock is not None:
                raise ValueError('path and sock can not be specified at the same time')
            path = os.fspath(path)
            # asyncio and uvloop read path[0] to tell an abstract name (leading NUL) from a
            # file: an empty path is their IndexError, not an autobound address
            path[0]
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            remove_stale_socket(path)
            try:
                sock.bind(path)
            except OSError as exc:
                sock.close()
                if exc.errno == errno.EADDRINUSE:
                    raise OSError(errno.EADDRINUSE, f'Address {path!r} is already in use') from None
                raise
            except BaseException:
                sock.close()
                raise
        else:
            if sock is None:
                raise ValueError('path was not specified, and no sock specified')
            if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_STREAM:
                raise ValueError(f'A UNIX Domain Stream Socket was expected, got {sock!r}')
        unix_paths = {}
        if cleanup_socket:
            name = sock.getsockname()
            if name and name[0] not in (0, '\x00'):
                try:
                    unix_paths[sock] = os.stat(name).st_ino
                except FileNotFoundError:
                    pass
        sock.setblocking(False)
        server = Server(self, [sock], protocol_factory, backlog, unix_paths,
                        tls=(ssl, ssl_handshake_timeout, ssl_shutdown_timeout) if ssl else None)
        if start_serving:
            server._start_serving()
            await asyncio.sleep(0)
        return server
