"""loop.create_datagram_endpoint(): UDP (AF_INET, AF_INET6) here, AF_UNIX in nixloop.loop.unix.

Semantics follow asyncio's selector loop (base_events.create_datagram_endpoint and
_SelectorDatagramTransport):

* ``local_addr``/``remote_addr`` are ``(host, port)`` 2-tuples, resolved with ``getaddrinfo``
  (numeric hosts without it); every (family, proto) pair that has an address for each side given
  is tried in getaddrinfo's order, the first socket that binds and connects wins, and if none
  does the first error is raised.
* ``reuse_port`` (SO_REUSEPORT; ValueError where the platform lacks it), ``allow_broadcast``
  (SO_BROADCAST; the socket is then not connected, ``remote_addr`` only becomes the default
  destination), ``sock`` (an existing SOCK_DGRAM socket: no other option may be given).
  ``reuse_address`` is refused as Python 3.10 refuses it (ValueError when true, a
  DeprecationWarning when false) and is not a parameter at all on 3.11+ (TypeError), as there.
* The transport (nixloop._loop.UDPTransport, on a UDPHandle) has extra info 'socket' (an
  ``asyncio.trsock.TransportSocket``), 'sockname' and 'peername' (None when not connected).

Where asyncio's own behaviour is accidental, nixloop is stricter: ``sendto(data)`` without an
address on an endpoint that has no default destination raises ValueError (asyncio lets the
socket module fail and closes the transport), and empty datagrams are sent on every Python
version (3.13's behaviour; 3.10-3.12 drop them).
"""
from __future__ import annotations

import os
import socket
import sys
import warnings

from .._core import _loop as _core
from .streams import _set_reuseport, wait_connected
from .unix import create_unix_datagram_endpoint

try:
    from asyncio.trsock import TransportSocket as _TransportSocket
except ImportError:   # pragma: no cover
    _TransportSocket = None

__all__ = ['UDPMixin', 'create_udp_endpoint']

_UNSET = object()
_REUSE_ADDRESS_PARAM = sys.version_info < (3, 11)


_PY313 = sys.version_info >= (3, 13)


class _NotAPair(TypeError, AssertionError):
    """A local_addr/remote_addr that is not a 2-tuple: asyncio raises TypeError from 3.11 on and
    AssertionError (an assert) on 3.10; this is both, so that either `except` catches it."""


_ADDR_ERROR = _NotAPair if sys.version_info < (3, 11) else TypeError


def _check_given_sock(sock, **given):
    """create_datagram_endpoint(sock=...): asyncio's checks, made before anything else is read
    from `sock` (its family decides between UDP and AF_UNIX only after them)."""
    if sock.type != socket.SOCK_DGRAM:
        what = 'A datagram socket' if _PY313 else 'A UDP Socket'
        raise ValueError(f'{what} was expected, got {sock!r}')
    used = [f'{name}={value}' for name, value in given.items() if value]
    if used:
        raise ValueError('socket modifier keyword arguments can not be used when sock is '
                         f'specified. ({", ".join(used)})')


async def _address_pairs(loop, local_addr, remote_addr, family, proto, flags):
    """[(family, proto, local sockaddr, remote sockaddr)] to try, in getaddrinfo's order."""
    if not (local_addr or remote_addr):
        if family == 0:
            raise ValueError('unexpected address family')
        return [(family, proto, None, None)]
    by_key = {}
    for side, addr in ((0, local_addr), (1, remote_addr)):
        if addr is None:
            continue
        if not (isinstance(addr, tuple) and len(addr) == 2):
            raise _ADDR_ERROR('2-tuple is expected')
        infos = await loop._ensure_resolved(addr, family=family, type=socket.SOCK_DGRAM,
                                            proto=proto, flags=flags)
        if not infos:
            raise OSError('getaddrinfo() returned empty list')
        for fam, _type, pro, _name, sockaddr in infos:
            by_key.setdefault((fam, pro), [None, None])[side] = sockaddr
    pairs = [(fam, pro, laddr, raddr) for (fam, pro), (laddr, raddr) in by_key.items()
             if not ((local_addr and laddr is None) or (remote_addr and raddr is None))]
    if not pairs:
        raise ValueError('can not get address information')
    return pairs


async def _open_socket(loop, fam, pro, laddr, raddr, reuse_port, allow_broadcast):
    sock = socket.socket(fam, socket.SOCK_DGRAM, pro)
    try:
        if reuse_port:
            _set_reuseport(sock)
        if allow_broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setblocking(False)
        if laddr is not None:
            sock.bind(laddr)
        if raddr is not None and not allow_broadcast:
            await loop.sock_connect(sock, raddr)
    except BaseException:
        sock.close()
        raise
    return sock


def _sock_info(sock, what):
    try:
        return getattr(sock, what)()
    except OSError:
        return None


async def create_udp_endpoint(loop, protocol_factory, local_addr=None, remote_addr=None, *,
                              family=0, proto=0, flags=0, reuse_port=None,
                              allow_broadcast=None, sock=None):
    """A UDP endpoint (see the module docstring); returns (transport, protocol)."""
    if sock is not None:
        _check_given_sock(sock, local_addr=local_addr, remote_addr=remote_addr, family=family,
                          proto=proto, flags=flags, reuse_port=reuse_port,
                          allow_broadcast=allow_broadcast)
        sock.setblocking(False)
        r_addr = _sock_info(sock, 'getpeername')
    else:
        errors = []
        for fam, pro, laddr, raddr in await _address_pairs(loop, local_addr, remote_addr,
                                                           family, proto, flags):
            try:
                sock = await _open_socket(loop, fam, pro, laddr if local_addr else None,
                                          raddr if remote_addr else None, reuse_port,
                                          allow_broadcast)
            except OSError as exc:
                errors.append(exc)
                continue
            r_addr = raddr if remote_addr else None
            break
        else:
            raise errors[0]
    try:
        # The handle works on its own duplicate of the fd; the socket object stays the
        # transport's 'socket' and is closed with the handle.
        handle = _core.from_dup(_core.UDPHandle.from_fd, loop, sock.fileno())
    except BaseException:
        sock.close()
        raise
    handle.on_close = sock.close
    extra = {'socket': _TransportSocket(sock) if _TransportSocket else sock,
             'sockname': _sock_info(sock, 'getsockname'),
             'peername': _sock_info(sock, 'getpeername')}
    protocol = protocol_factory()
    waiter = loop.create_future()
    transport = _core.UDPTransport.new(loop, handle, protocol, r_addr, extra)
    # add_reader() & co. refuse the fds of a transport (the socket's and the handle's)
    loop._register_transport(transport, sock.fileno())
    loop._register_transport(transport, handle.fd)
    transport._start(waiter)
    await wait_connected(transport, waiter)
    return transport, protocol


class UDPMixin:
    """nixloop.Loop.create_datagram_endpoint (UDP and AF_UNIX)."""

    async def create_datagram_endpoint(self, protocol_factory, local_addr=None,
                                       remote_addr=None, *, family=0, proto=0, flags=0,
                                       reuse_address=_UNSET, reuse_port=None,
                                       allow_broadcast=None, sock=None):
        """A datagram endpoint: UDP for AF_INET/AF_INET6 (see nixloop.loop.udp), SOCK_DGRAM
        for AF_UNIX (see nixloop.loop.unix). Returns (transport, protocol)."""
        if reuse_address is not _UNSET:
            if not _REUSE_ADDRESS_PARAM:
                raise TypeError("create_datagram_endpoint() got an unexpected keyword argument "
                                "'reuse_address'")
            if reuse_address:
                raise ValueError('Passing `reuse_address=True` is no longer supported, as the '
                                 'usage of SO_REUSEPORT in UDP poses a significant security '
                                 'concern.')
            warnings.warn('The *reuse_address* parameter has been deprecated as of 3.5.10 and '
                          'is scheduled for removal in 3.11.', DeprecationWarning, stacklevel=2)
        if sock is not None:
            _check_given_sock(sock, local_addr=local_addr, remote_addr=remote_addr,
                              family=family, proto=proto, flags=flags, reuse_port=reuse_port,
                              allow_broadcast=allow_broadcast)
        if family == socket.AF_UNIX or (sock is not None and sock.family == socket.AF_UNIX):
            if reuse_port or allow_broadcast:
                raise ValueError('reuse_port and allow_broadcast are not for AF_UNIX sockets')
            return await create_unix_datagram_endpoint(self, protocol_factory, local_addr,
                                                       remote_addr, sock=sock)
        return await create_udp_endpoint(self, protocol_factory, local_addr, remote_addr,
                                         family=family, proto=proto, flags=flags,
                                         reuse_port=reuse_port,
                                         allow_broadcast=allow_broadcast, sock=sock)
