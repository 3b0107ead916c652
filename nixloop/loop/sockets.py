"""Loop methods on raw sockets and file descriptors: add_reader/add_writer (uv_poll), sock_*,
getaddrinfo/getnameinfo. Semantics follow asyncio's selector loop."""
from __future__ import annotations

import errno
import functools
import os
import socket

from .._core._loop import PollHandle, _start_getaddrinfo, _start_getnameinfo

__all__ = ['SocketsMixin']


def _fileobj_to_fd(fileobj):
    if isinstance(fileobj, int):
        fd = fileobj
    else:
        try:
            fd = int(fileobj.fileno())
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f'Invalid file object: {fileobj!r}') from None
    if fd < 0:
        raise ValueError(f'Invalid file descriptor: {fd}')
    return fd


def _check_ssl_socket(sock):
    try:
        import ssl
    except ImportError:   # pragma: no cover
        return
    if isinstance(sock, ssl.SSLSocket):
        raise TypeError('Socket cannot be of type SSLSocket')


def _numeric_host(host, family):
    """The address family of a numeric host, or None when it needs resolving."""
    if host is None or host == '':
        return None
    if isinstance(host, bytes):
        host = host.decode('idna')
    if not isinstance(host, str):
        return None         # getaddrinfo() raises socket's TypeError, as on asyncio
    for fam in (socket.AF_INET, socket.AF_INET6):
        if family not in (0, fam):
            continue
        try:
            socket.inet_pton(fam, host.partition('%')[0] if fam == socket.AF_INET6 else host)
            return fam
        except OSError:     # (a ValueError, embedded NUL, propagates as from asyncio's check)
            pass
    return None


def _plain_lookup(host, port):
    """getaddrinfo() arguments that uv_getaddrinfo answers as the socket module does: an ASCII
    host name (or None), a port number in range or an ASCII service name (or None), not both
    None."""
    if host is None:
        if port is None:
            return False
    elif type(host) is not str or not host or not host.isascii():
        return False
    if port is None:
        return True
    if type(port) is int:
        return 0 <= port <= 65535
    return type(port) is str and port.isascii()


class SocketsMixin:
    """add_reader & co., sock_* and name resolution."""

    # -- fd watchers ----------------------------------------------------------------------------

    def _poll_for(self, fd, create):
        polls = self.__dict__.setdefault('_polls', {})
        poll = polls.get(fd)
        if poll is not None:
            try:
                ident = os.fstat(fd)
                ident = (ident.st_dev, ident.st_ino)
            except OSError:
                ident = None
            if poll.closed or ident != poll._nl_ident:
                # The fd was closed (and maybe reused) while watched: start afresh.
                del polls[fd]
                poll.close()
                poll = None
        if poll is None and create:
            poll = PollHandle.create(self, fd)
            st = os.fstat(fd)
            poll._nl_ident = (st.st_dev, st.st_ino)
            polls[fd] = poll
        return poll

    def _release_poll(self, fd, poll):
        if poll.get_reader() is None and poll.get_writer() is None:
            self._polls.pop(fd, None)
            poll.close()

    def _ensure_fd_no_transport(self, fd):
        fileno = _fileobj_to_fd(fd)
        transports = self.__dict__.get('_transports')
        if transports:
            transport = transports.get(fileno)
            if transport is not None and not transport.is_closing():
                raise RuntimeError(f'File descriptor {fd!r} is used by transport {transport!r}')

    def _add_reader(self, fd, callback, *args):
        if self.is_closed():
            raise RuntimeError('Event loop is closed')
        fd = _fileobj_to_fd(fd)
        handle = self._new_handle(callback, args)
        poll = self._poll_for(fd, True)
        old = poll.get_reader()
        poll.set_reader(handle)
        if old is not None:
            old.cancel()
        return handle

    def _add_writer(self, fd, callback, *args):
        if self.is_closed():
            raise RuntimeError('Event loop is closed')
        fd = _fileobj_to_fd(fd)
        handle = self._new_handle(callback, args)
        poll = self._poll_for(fd, True)
        old = poll.get_writer()
        poll.set_writer(handle)
        if old is not None:
            old.cancel()
        return handle

    def _remove_reader(self, fd):
        if self.is_closed():
            return False
        fd = _fileobj_to_fd(fd)
        poll = self.__dict__.get('_polls', {}).get(fd)
        if poll is None or poll.closed or poll.get_reader() is None:
            return False
        handle = poll.get_reader()
        poll.set_reader(None)
        handle.cancel()
        self._release_poll(fd, poll)
        return True

    def _remove_writer(self, fd):
        if self.is_closed():
            return False
        fd = _fileobj_to_fd(fd)
        poll = self.__dict__.get('_polls', {}).get(fd)
        if poll is None or poll.closed or poll.get_writer() is None:
            return False
        handle = poll.get_writer()
        poll.set_writer(None)
        handle.cancel()
        self._release_poll(fd, poll)
        return True

    def add_reader(self, fd, callback, *args):
        """Call callback(*args) whenever fd is readable (level-triggered, like asyncio)."""
        self._ensure_fd_no_transport(fd)
        self._add_reader(fd, callback, *args)

    def remove_reader(self, fd):
        self._ensure_fd_no_transport(fd)
        return self._remove_reader(fd)

    def add_writer(self, fd, callback, *args):
        self._ensure_fd_no_transport(fd)
        self._add_writer(fd, callback, *args)

    def remove_writer(self, fd):
        self._ensure_fd_no_transport(fd)
        return self._remove_writer(fd)

    def _close_polls(self):
        for poll in list(self.__dict__.get('_polls', {}).values()):
            poll.close()
        self.__dict__.get('_polls', {}).clear()
        # the loop closes under pending sock_* calls: their sockets are let go (see _sock_hold)
        held = self.__dict__.pop('_held_socks', {})
        for sock in held.values():
            sock._decref_socketios()

    # -- sockets closed under a pending sock_* call ---------------------------------------------
    # Closing a socket while a sock_* call waits on it (issue 14): stdlib asyncio's call then
    # never completes (the fd is closed under its selector registration); uvloop's completes.
    # nixloop does as uvloop: while a call waits, it holds a reference on the socket object
    # (socket._io_refs, the counter that socket.makefile() uses), so that sock.close() only marks
    # it closed; the call goes on to its normal outcome, and the fd is closed when it is done
    # (completed, failed or cancelled) or when the loop closes.

    def _sock_hold(self, sock, fut):
        if type(getattr(sock, '_io_refs', None)) is not int:
            return          # not a socket.socket (a stand-in such as a mock): nothing to hold
        sock._io_refs += 1
        self.__dict__.setdefault('_held_socks', {})[fut] = sock
        fut.add_done_callback(self._sock_unhold)

    def _sock_unhold(self, fut):
        sock = self.__dict__.get('_held_socks', {}).pop(fut, None)
        if sock is not None:
            sock._decref_socketios()     # closes it if close() was called meanwhile

    # -- sock_* ---------------------------------------------------------------------------------

    def _check_sock(self, sock):
        _check_ssl_socket(sock)
        if self.get_debug() and sock.gettimeout() != 0:
            raise ValueError('the socket must be non-blocking')

    def _sock_read_done(self, fd, fut, handle=None):
        if handle is None or not handle.cancelled():
            self.remove_reader(fd)

    def _sock_write_done(self, fd, fut, handle=None):
        if handle is None or not handle.cancelled():
            self.remove_writer(fd)

    async def _sock_wait(self, sock, attempt, writable=False):
        """Call attempt() (non-blocking socket calls) each time sock is ready, until it stops
        raising BlockingIOError; its result or exception becomes the awaited outcome."""
        fut = self.create_future()
        fd = sock.fileno()
        self._ensure_fd_no_transport(fd)

        def on_ready():
            if fut.done():
                return
            try:
                result = attempt()
            except (BlockingIOError, InterruptedError):
                return
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                fut.set_exception(exc)
            else:
                fut.set_result(result)

        if writable:
            handle = self._add_writer(fd, on_ready)
            done = self._sock_write_done
        else:
            handle = self._add_reader(fd, on_ready)
            done = self._sock_read_done
        fut.add_done_callback(functools.partial(done, fd, handle=handle))
        self._sock_hold(sock, fut)      # after: the fd is unwatched before it may close
        try:
            return await fut
        finally:
            fut = None   # no reference cycle through an exception's traceback

    async def _sock_call(self, sock, attempt, writable=False):
        """attempt() at once, and again whenever sock is ready if it would block."""
        self._check_sock(sock)
        try:
            return attempt()
        except (BlockingIOError, InterruptedError):
            pass
        return await self._sock_wait(sock, attempt, writable)

    async def sock_recv(self, sock, n):
        """Receive up to n bytes from a non-blocking socket."""
        return await self._sock_call(sock, lambda: sock.recv(n))

    async def sock_recv_into(self, sock, buf):
        return await self._sock_call(sock, lambda: sock.recv_into(buf))

    async def sock_recvfrom(self, sock, bufsize):
        return await self._sock_call(sock, lambda: sock.recvfrom(bufsize))

    async def sock_recvfrom_into(self, sock, buf, nbytes=0):
        nbytes = nbytes or len(buf)
        return await self._sock_call(sock, lambda: sock.recvfrom_into(buf, nbytes))

    async def sock_sendto(self, sock, data, address):
        return await self._sock_call(sock, lambda: sock.sendto(data, address), writable=True)

    async def sock_sendall(self, sock, data):
        """Send all of data; returns once it is all in the kernel."""
        self._check_sock(sock)
        try:
            n = sock.send(data)
        except (BlockingIOError, InterruptedError):
            n = 0
        if n == len(data):
            return
        view = memoryview(data).cast('B')
        pos = [n]

        def send_more():
            pos[0] += sock.send(view[pos[0]:])
            if pos[0] < len(view):
                raise BlockingIOError   # wait for room again

        return await self._sock_wait(sock, send_more, writable=True)

    async def sock_connect(self, sock, address):
        """Connect a non-blocking socket; host names are resolved first."""
        self._check_sock(sock)
        if sock.family == socket.AF_INET or (hasattr(socket, 'AF_INET6')
                                              and sock.family == socket.AF_INET6):
            resolved = await self._ensure_resolved(address, family=sock.family, type=sock.type,
                                                   proto=sock.proto)
            _, _, _, _, address = resolved[0]
        try:
            sock.connect(address)
            return
        except (BlockingIOError, InterruptedError):
            pass

        def connected():
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err != 0:
                raise OSError(err, f'Connect call failed {address}')

        return await self._sock_wait(sock, connected, writable=True)

    async def sock_accept(self, sock):
        """Accept a connection: returns (conn, address), conn non-blocking."""
        def accept():
            conn, address = sock.accept()
            conn.setblocking(False)
            return conn, address

        return await self._sock_call(sock, accept)

    # -- name resolution ------------------------------------------------------------------------

    async def getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
        """socket.getaddrinfo() on libuv's thread pool (uv_getaddrinfo)."""
        if not _plain_lookup(host, port):
            # Anything but the plain forms goes to the socket module itself, so that odd
            # arguments get exactly its answer or exception (libuv would differ: EINVAL for an
            # empty host, other codes for odd ports).
            return await self.run_in_executor(None, socket.getaddrinfo, host, port, family,
                                              type, proto, flags)
        fut = self.create_future()
        try:
            _start_getaddrinfo(self, fut, host, port, family, type, proto, flags)
        except OSError as exc:
            # (exc.__class__: `type` is an argument here)
            if exc.__class__ is not OSError or exc.errno != errno.EINVAL:
                raise
            # libuv refuses at once what the C library answers itself (neither host nor port,
            # an empty host, a host name of more than 256 bytes): the socket module gives its
            # own answer (socket.gaierror, as asyncio and uvloop raise).
            return await self.run_in_executor(None, socket.getaddrinfo, host, port, family,
                                              type, proto, flags)
        return await fut

    async def getnameinfo(self, sockaddr, flags=0):
        """socket.getnameinfo() on libuv's thread pool (uv_getnameinfo) for numeric addresses;
        anything else goes through the socket module in the default executor."""
        family = None
        if isinstance(sockaddr, tuple) and 2 <= len(sockaddr) <= 4 and \
                isinstance(sockaddr[0], str) and isinstance(sockaddr[1], int):
            family = _numeric_host(sockaddr[0], 0)
            if family == socket.AF_INET and len(sockaddr) != 2:
                family = None
        if family is None:
            return await self.run_in_executor(None, socket.getnameinfo, sockaddr, flags)
        fut = self.create_future()
        _start_getnameinfo(self, fut, family, sockaddr, flags)
        return await fut

    async def _ensure_resolved(self, address, *, family=0, type=socket.SOCK_STREAM, proto=0,
                               flags=0):
        host, port = address[:2]
        nport = None
        if host is not None and proto in (0, socket.IPPROTO_TCP, socket.IPPROTO_UDP) and \
                type in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            # asyncio's _ipaddr_info: the port as an int first, whatever the host (so that
            # port=inf raises its OverflowError, and port=1.5 or '80' is a number)
            if port is None or (isinstance(port, (bytes, str)) and not port):
                nport = 0
            else:
                try:
                    nport = int(port)
                except (TypeError, ValueError):
                    nport = None
        fam = _numeric_host(host, family) if nport is not None else None
        if fam is not None:
            # Numeric address: no need to go through getaddrinfo's thread.
            if isinstance(host, bytes):
                host = host.decode('idna')
            port = nport
            if fam == socket.AF_INET6:
                flowinfo = address[2] if len(address) > 2 else 0
                scope = address[3] if len(address) > 3 else 0
                if '%' in host:
                    return await self.getaddrinfo(host, port, family=family, type=type,
                                                  proto=proto, flags=flags)
                return [(fam, type, proto or _default_proto(type), '',
                         (host, port, flowinfo, scope))]
            return [(fam, type, proto or _default_proto(type), '', (host, port))]
        return await self.getaddrinfo(host, port, family=family, type=type, proto=proto,
                                      flags=flags)


def _default_proto(type_):
    if type_ == socket.SOCK_STREAM:
        return socket.IPPROTO_TCP
    if type_ == socket.SOCK_DGRAM:
        return socket.IPPROTO_UDP
    return 0
