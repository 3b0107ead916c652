# TransportBase: what every compiled asyncio transport shares (the stream transport in
# transports/stream.pyx, the SEQPACKET and Unix-datagram transports in transports/unix.pyx): the
# protocol, the server it belongs to, the extra-info dict, asyncio's write flow control
# (pause_writing() once the queued bytes pass the high-water mark, resume_writing() once they
# are back at the low one; defaults 64 KiB / 16 KiB, as asyncio's), pause/resume_reading, and
# the fatal-error path (OSErrors logged in debug mode only, anything else to the loop's
# exception handler, then _close_now). Subclasses say how many bytes are queued
# (_queued_bytes), how to stop and start reading (_reading: only called to start once
# connection_made has run) and how to close at once (_close_now). Included into _loop.pyx.
#
# contextvars: every protocol callback runs in _context, the context current when the transport
# was made (a server's connection: a copy of create_server's caller's context, made per
# connection, in which the protocol factory ran too), as asyncio and uvloop do for the callbacks
# that come from I/O. The handle enters it around its libuv callbacks (handle.context); the
# callbacks scheduled here carry it; pause_writing/resume_writing, which a write() or a drain
# calls, enter it too, so that a protocol sees one context for its whole life (uvloop's
# behaviour; stdlib runs those and a close()'s connection_lost in the caller's context).


def _run_in_context(ctx, fn, *args):
    """fn(*args) in the contextvars.Context `ctx` (entered unless it is current already, which
    Context.run refuses): for the transports written in Python (pipes)."""
    cdef int entered = nl_context_enter(ctx)
    try:
        return fn(*args)
    finally:
        if entered:
            nl_context_exit(ctx)

import sys as _sys_for_limits
cdef object _WATER_MAX = _sys_for_limits.maxsize      # PY_SSIZE_T_MAX


cdef class TransportBase:

    cdef size_t _queued_bytes(self):
        return 0

    cdef _maybe_pause_protocol(self):
        if self._protocol_paused or self._queued_bytes() <= self._high_water:
            return
        self._protocol_paused = 1
        self._flow_callback('pause_writing')

    cdef _maybe_resume_protocol(self):
        if self._protocol_paused and self._queued_bytes() <= self._low_water:
            self._protocol_paused = 0
            self._flow_callback('resume_writing')

    cdef _flow_callback(self, str name):
        # protocol.pause_writing() / resume_writing(): an error goes to the loop's handler
        cdef object ctx = self._context
        cdef int entered = nl_context_enter(ctx)
        try:
            getattr(self._protocol, name)()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self._loop.call_exception_handler({
                'message': f'protocol.{name}() failed',
                'exception': exc, 'transport': self, 'protocol': self._protocol})
        finally:
            if entered:
                nl_context_exit(ctx)

    def set_write_buffer_limits(self, high=None, low=None):
        if high is None:
            high = 64 * 1024 if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f'high ({high!r}) must be >= low ({low!r}) must be >= 0')
        # any number asyncio takes (2**64, 1.5): no buffer gets past PY_SSIZE_T_MAX anyway
        self._high_water = int(min(high, _WATER_MAX))
        self._low_water = int(min(low, _WATER_MAX))
        self._maybe_pause_protocol()

    def get_write_buffer_limits(self):
        return (self._low_water, self._high_water)

    def get_protocol(self):
        return self._protocol

    # -- start ------------------------------------------------------------------------------

    def _start(self, waiter=None):
        """Schedule connection_made, then start reading (and resolve `waiter`)."""
        self._loop._call_soon(self._connection_made, (waiter,), self._context)

    def _connection_made(self, waiter):
        # An exception from connection_made() goes to the loop's exception handler and the
        # transport carries on (reading starts, the waiter gets its result): asyncio runs
        # connection_made as a plain callback, and uvloop does the same.
        try:
            if self._closing:
                return
            self._protocol_connected = 1
            try:
                self._protocol.connection_made(self)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:
                self._loop.call_exception_handler({
                    'message': 'Exception in protocol.connection_made()',
                    'exception': exc, 'transport': self, 'protocol': self._protocol})
            if not self._closing and not self._paused_reading:
                self._reading(1)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            if waiter is not None and not waiter.done():
                waiter.set_exception(exc)
                waiter = None
            self._fatal_error(exc, 'Fatal error: could not start reading.')
        finally:
            if waiter is not None and not waiter.cancelled() and not waiter.done():
                waiter.set_result(None)

    # -- reading control --------------------------------------------------------------------

    cdef _reading(self, bint on):
        pass

    def pause_reading(self):
        if self._closing or self._paused_reading:
            return
        self._paused_reading = 1
        self._reading(0)
        if self._loop._debug:
            _logger.debug('%r pauses reading', self)

    def resume_reading(self):
        if self._closing or not self._paused_reading:
            return
        self._paused_reading = 0
        self._reading(1)
        if self._loop._debug:
            _logger.debug('%r resumes reading', self)

    def is_reading(self):
        return not self._paused_reading and not self._closing

    @property
    def _paused(self):
        # asyncio's selector transports' (and uvloop's) name for it, which tests read
        return bool(self._paused_reading)

    cdef _eof_received(self):
        """The peer shut its side down: protocol.eof_received() (optional on a protocol),
        and close unless it answers true."""
        try:
            eof_received = getattr(self._protocol, 'eof_received', None)
            keep_open = eof_received() if eof_received is not None else False
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self._fatal_error(exc, 'Fatal error: protocol.eof_received() call failed.')
            return
        if not keep_open:
            self.close()

    # -- closing ----------------------------------------------------------------------------

    def is_closing(self):
        return bool(self._closing)

    cdef _close_now(self, exc):
        pass

    def _force_close(self, exc):
        # asyncio's private name for it, which asyncio.sslproto.SSLProtocol calls
        self._close_now(exc)

    def abort(self):
        self._close_now(None)

    cdef _fatal_error(self, exc, str message):
        if isinstance(exc, OSError):
            if self._loop._debug:
                _logger.debug('%r: %s', self, message, exc_info=True)
        else:
            self._loop.call_exception_handler({
                'message': message, 'exception': exc,
                'transport': self, 'protocol': self._protocol})
        self._close_now(exc)
