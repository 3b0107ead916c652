"""TLS on nixloop's stream transports: asyncio's own SSLProtocol (asyncio.sslproto) between the
stream transport and the application's protocol, as asyncio's selector loop does it.

* ``create_connection(ssl=...)`` / ``create_unix_connection(ssl=...)``: the raw transport's
  protocol is an SSLProtocol; the caller gets its application transport once the handshake is
  done. ``ssl=True`` uses ``ssl.create_default_context()`` (SSLProtocol makes it), and
  ``server_hostname`` defaults to ``host`` (a Unix connection must pass it), as on asyncio.
* ``create_server(ssl=ctx)`` / ``create_unix_server(ssl=ctx)``: each accepted connection gets a
  server-side SSLProtocol; a failed handshake closes that connection (reported to the exception
  handler in debug mode only, as asyncio does).
* ``connect_accepted_socket(ssl=ctx)``: server side.
* ``loop.start_tls(transport, protocol, sslcontext, ...)``: upgrades an open stream transport
  in place (reading paused while the protocols are swapped).

contextvars: the application protocol's callbacks run in the stream transport's context (see
transports/base.pyx), also those that SSLProtocol (3.11+) calls or schedules from an application
call made elsewhere: pause_writing/resume_writing from the TLS transport's write(), the reads that
resume_reading() schedules (_SSLProtocol below).

``ssl_handshake_timeout`` and ``ssl_shutdown_timeout`` are SSLProtocol's (the latter from Python
3.11; on 3.10 it is accepted and has no effect, as 3.10's SSLProtocol has no shutdown timeout).
TLS runs in Python here, as on asyncio: nixloop's speed-up is the transport underneath.
"""
from __future__ import annotations

import inspect

from asyncio import sslproto
from asyncio.log import logger

from .._core._loop import _run_in_context

try:
    import ssl as _ssl
except ImportError:   # pragma: no cover - a Python without the ssl module
    _ssl = None

__all__ = ['TLSMixin', 'new_ssl_protocol', 'check_tls_args']

_HAS_SHUTDOWN_TIMEOUT = 'ssl_shutdown_timeout' in inspect.signature(
    sslproto.SSLProtocol).parameters


def check_tls_args(ssl, server_hostname=None, ssl_handshake_timeout=None,
                   ssl_shutdown_timeout=None, server=False):
    """asyncio's argument errors: TLS options without ssl, a non-context ssl for a server."""
    if server and ssl is not None and not _is_context(ssl):
        raise TypeError('ssl argument must be an SSLContext or None')
    if server_hostname is not None and not ssl:
        raise ValueError('server_hostname is only meaningful with ssl')
    if ssl_handshake_timeout is not None and not ssl:
        raise ValueError('ssl_handshake_timeout is only meaningful with ssl')
    if ssl_shutdown_timeout is not None and not ssl:
        raise ValueError('ssl_shutdown_timeout is only meaningful with ssl')
    if ssl and _ssl is None:
        raise RuntimeError('Python ssl module is not available')


def _is_context(obj):
    return _ssl is not None and isinstance(obj, _ssl.SSLContext)


class _SSLProtocol(sslproto.SSLProtocol):
    """asyncio's SSLProtocol, which runs what an application call triggers in the context of the
    stream transport under it (nixloop's transports have one: `_context`)."""

    _nl_context = None

    def connection_made(self, transport):
        self._nl_context = getattr(transport, '_context', None)
        super().connection_made(transport)

    if hasattr(sslproto.SSLProtocol, '_control_app_writing'):     # Python 3.11+
        def _control_app_writing(self, *args):
            ctx = self._nl_context
            if ctx is None:
                return super()._control_app_writing(*args)
            return _run_in_context(ctx, super()._control_app_writing, *args)

        def _resume_reading(self, *args):
            ctx = self._nl_context
            if ctx is None:
                return super()._resume_reading(*args)
            return _run_in_context(ctx, super()._resume_reading, *args)


def new_ssl_protocol(loop, app_protocol, ssl, waiter, server_side, server_hostname,
                     handshake_timeout, shutdown_timeout, call_connection_made=True):
    """An SSLProtocol for `app_protocol` (ssl: an SSLContext, or True for the default one)."""
    kwargs = {'ssl_handshake_timeout': handshake_timeout,
              'call_connection_made': call_connection_made}
    if _HAS_SHUTDOWN_TIMEOUT:
        kwargs['ssl_shutdown_timeout'] = shutdown_timeout
    return _SSLProtocol(loop, app_protocol, None if isinstance(ssl, bool) else ssl,
                                waiter, server_side, server_hostname, **kwargs)


def accepted_with_tls(loop, raw_start, app_protocol, ssl, handshake_timeout, shutdown_timeout):
    """Server side of an accepted connection: raw_start(protocol) makes the stream transport
    with the SSLProtocol; a failed handshake closes the connection."""
    waiter = loop.create_future()
    ssl_protocol = new_ssl_protocol(loop, app_protocol, ssl, waiter, True, None,
                                    handshake_timeout, shutdown_timeout)
    raw_start(ssl_protocol)

    def handshake_done(fut):
        if fut.cancelled() or fut.exception() is None:
            return
        exc = fut.exception()
        ssl_protocol._app_transport.close()
        if loop.get_debug():
            loop.call_exception_handler({
                'message': 'Error on transport creation for incoming connection',
                'exception': exc, 'protocol': app_protocol,
                'transport': ssl_protocol._app_transport})
    waiter.add_done_callback(handshake_done)
    return ssl_protocol


class TLSMixin:
    """nixloop.Loop.start_tls."""

    async def start_tls(self, transport, protocol, sslcontext, *, server_side=False,
                        server_hostname=None, ssl_handshake_timeout=None,
                        ssl_shutdown_timeout=None):
        """Upgrade `transport` to TLS; returns the new (TLS) transport."""
        if _ssl is None:
            raise RuntimeError('Python ssl module is not available')
        if not _is_context(sslcontext):
            raise TypeError(f'sslcontext is expected to be an instance of ssl.SSLContext, '
                            f'got {sslcontext!r}')
        if not getattr(transport, '_start_tls_compatible', False):
            raise TypeError(f'transport {transport!r} is not supported by start_tls()')
        waiter = self.create_future()
        ssl_protocol = new_ssl_protocol(self, protocol, sslcontext, waiter, server_side,
                                        server_hostname, ssl_handshake_timeout,
                                        ssl_shutdown_timeout, call_connection_made=False)
        # Reading stays paused until the SSLProtocol has seen connection_made(), so that no
        # data reaches it before.
        transport.pause_reading()
        transport.set_protocol(ssl_protocol)
        # in the transport's context, where its reads deliver (nixloop's transports have one)
        ctx = getattr(transport, '_context', None)
        made = self.call_soon(ssl_protocol.connection_made, transport, context=ctx)
        resume = self.call_soon(transport.resume_reading, context=ctx)
        try:
            await waiter
        except BaseException:
            transport.close()
            made.cancel()
            resume.cancel()
            raise
        if self.get_debug():
            logger.debug('%r upgraded to TLS', transport)
        return ssl_protocol._app_transport
