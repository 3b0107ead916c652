"""loop.connect_read_pipe() and loop.connect_write_pipe(): transports on pipes, FIFOs, character
devices and sockets, watched with the loop's add_reader/add_writer (uv_poll).

Semantics follow asyncio's Unix pipe transports (asyncio.unix_events):

* the object given is kept as extra info 'pipe' and closed with the transport; its fd is made
  non-blocking; anything but a pipe, FIFO, socket or character device is a ValueError;
* read side: data_received() per read (up to 256 KiB), eof_received() then connection_lost(None)
  at end of file, pause_reading()/resume_reading();
* write side: writes go out at once when they can, the rest is buffered with flow control
  (pause_writing() above the high-water mark, 64 KiB by default; resume_writing() below the low
  one); the reading end going away closes the transport (connection_lost(BrokenPipeError) when
  data was still buffered, else connection_lost(None)); write_eof() closes after the buffer;
  abort() drops it.

These are plain Python: a pipe's cost is the process at its other end, not the transport. They
subclass asyncio.ReadTransport / asyncio.WriteTransport.

contextvars: every protocol callback runs in the context current when the transport was made,
as on nixloop's compiled transports (uvloop's rule; stdlib runs a close()'s connection_lost and
write()'s pause_writing in the caller's).
"""
from __future__ import annotations

import asyncio
import contextvars
import errno
import os
import stat
import warnings

from asyncio.log import logger

from .._core._loop import _run_in_context
from .streams import wait_connected

__all__ = ['PipesMixin', 'ReadPipeTransport', 'WritePipeTransport']

_MAX_READ = 256 * 1024
_LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5


def _pipe_fd(pipe, what):
    """(fd, watch_for_reader_gone): the fd made non-blocking, and whether it is a pipe or a
    socket, whose writing end polls readable (EPOLLERR/EPOLLHUP) when the reader is gone."""
    fd = pipe.fileno()
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)):
        raise ValueError(f'{what} transport is for pipes/sockets only.')
    os.set_blocking(fd, False)
    return fd, not stat.S_ISCHR(mode)


class _PipeTransportBase:
    """State shared by both directions: the pipe, the protocol, closing and connection_lost."""

    _pipe = None          # until __init__ has checked the pipe
    _fileno = None

    def _init(self, loop, pipe, protocol):
        self._loop = loop
        self._pipe = pipe
        self._protocol = protocol
        self._closing = False
        self._extra['pipe'] = pipe
        self._context = contextvars.copy_context()

    def _call_soon(self, callback, *args):
        self._loop.call_soon(callback, *args, context=self._context)

    def _watch(self, add, callback):
        add(self._fileno, _run_in_context, self._context, callback)

    def get_protocol(self):
        return self._protocol

    def set_protocol(self, protocol):
        self._protocol = protocol

    def is_closing(self):
        return self._closing

    def _fatal_error(self, exc, message):
        if isinstance(exc, OSError) and exc.errno == errno.EIO:
            # the other end of a pty went away: an end of file, not a bug
            if self._loop.get_debug():
                logger.debug('%r: %s', self, message, exc_info=True)
        else:
            self._loop.call_exception_handler({'message': message, 'exception': exc,
                                               'transport': self, 'protocol': self._protocol})
        self._close(exc)

    def _call_connection_lost(self, exc):
        try:
            self._protocol.connection_lost(exc)
        finally:
            self._pipe.close()
            self._pipe = None
            self._protocol = None
            self._loop = None

    def __del__(self, _warn=warnings.warn):
        if self._pipe is not None:
            _warn(f'unclosed transport {self!r}', ResourceWarning, source=self)
            self._pipe.close()

    def __repr__(self):
        state = 'closed' if self._pipe is None else ('closing' if self._closing else 'open')
        return f'<{type(self).__name__} fd={self._fileno} {state}>'


class ReadPipeTransport(_PipeTransportBase, asyncio.ReadTransport):
    def __init__(self, loop, pipe, protocol, waiter=None, extra=None):
        super().__init__(extra)
        self._fileno = _pipe_fd(pipe, 'Pipe')[0]
        self._init(loop, pipe, protocol)
        self._paused = False
        self._call_soon(self._protocol.connection_made, self)
        # reading starts once connection_made() has run, then the waiter learns of it
        self._call_soon(self._start_reading)
        if waiter is not None:
            self._call_soon(_set_result_unless_cancelled, waiter, None)

    def _start_reading(self):
        if not self._closing and not self._paused:
            self._watch(self._loop._add_reader, self._read_ready)

    def _read_ready(self):
        try:
            data = os.read(self._fileno, _MAX_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fatal_error(exc, 'Fatal read error on pipe transport')
            return
        if data:
            self._protocol.data_received(data)
            return
        if self._loop.get_debug():
            logger.info('%r was closed by peer', self)
        self._closing = True
        self._loop._remove_reader(self._fileno)
        self._call_soon(self._protocol.eof_received)
        self._call_soon(self._call_connection_lost, None)

    def pause_reading(self):
        if self._closing or self._paused:
            return
        self._paused = True
        self._loop._remove_reader(self._fileno)

    def resume_reading(self):
        if self._closing or not self._paused:
            return
        self._paused = False
        self._watch(self._loop._add_reader, self._read_ready)

    def is_reading(self):
        return not self._paused and not self._closing

    def close(self):
        if not self._closing:
            self._close(None)

    def _close(self, exc):
        self._closing = True
        self._loop._remove_reader(self._fileno)
        self._call_soon(self._call_connection_lost, exc)


class WritePipeTransport(_PipeTransportBase, asyncio.Transport):
    # a Transport (read side included, raising NotImplementedError), as asyncio's write pipe
    # transport is
    def __init__(self, loop, pipe, protocol, waiter=None, extra=None):
        super().__init__(extra)
        self._fileno, watch_reader = _pipe_fd(pipe, 'Pipe')
        self._init(loop, pipe, protocol)
        self._buffer = bytearray()
        self._conn_lost = 0
        self._protocol_paused = False
        self._high_water = 64 * 1024
        self._low_water = 16 * 1024
        self._call_soon(self._protocol.connection_made, self)
        # A pipe's or socket's writing end becomes "readable" (EPOLLERR/EPOLLHUP) when the
        # reading end is closed: that is how the transport learns that its reader went away
        # without writing anything. (Not for a character device such as a pty, which is
        # readable with data: its fd may be another transport's reading end.)
        if watch_reader:
            self._call_soon(self._watch, loop._add_reader, self._read_ready)
        if waiter is not None:
            self._call_soon(_set_result_unless_cancelled, waiter, None)

    # -- flow control --------------------------------------------------------------------------

    def get_write_buffer_size(self):
        return len(self._buffer)

    def get_write_buffer_limits(self):
        return (self._low_water, self._high_water)

    def set_write_buffer_limits(self, high=None, low=None):
        if high is None:
            high = 64 * 1024 if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f'high ({high!r}) must be >= low ({low!r}) must be >= 0')
        self._high_water, self._low_water = high, low
        self._maybe_pause_protocol()

    def _maybe_pause_protocol(self):
        if not self._protocol_paused and len(self._buffer) > self._high_water:
            self._protocol_paused = True
            self._flow_call('pause_writing')

    def _maybe_resume_protocol(self):
        if self._protocol_paused and len(self._buffer) <= self._low_water:
            self._protocol_paused = False
            self._flow_call('resume_writing')

    def _flow_call(self, name):
        try:
            _run_in_context(self._context, getattr(self._protocol, name))
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._loop.call_exception_handler({'message': f'protocol.{name}() failed',
                                               'exception': exc, 'transport': self,
                                               'protocol': self._protocol})

    # -- writing -------------------------------------------------------------------------------

    def _read_ready(self):
        # the reading end is gone
        if self._buffer:
            self._close(BrokenPipeError())
        else:
            self._close()

    def write(self, data):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f'data argument must be a bytes-like object, not '
                            f'{type(data).__name__!r}')
        if not data:
            return
        if self._conn_lost or self._closing:
            if self._conn_lost >= _LOG_THRESHOLD_FOR_CONNLOST_WRITES:
                logger.warning('pipe closed by peer or os.write(pipe, data) raised exception.')
            self._conn_lost += 1
            return
        if not self._buffer:
            try:
                n = os.write(self._fileno, data)
            except (BlockingIOError, InterruptedError):
                n = 0
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._conn_lost += 1
                self._fatal_error(exc, 'Fatal write error on pipe transport')
                return
            if n == len(data):
                return
            data = memoryview(data)[n:]
            self._watch(self._loop._add_writer, self._write_ready)
        self._buffer += data
        self._maybe_pause_protocol()

    def _write_ready(self):
        try:
            n = os.write(self._fileno, self._buffer)
        except (BlockingIOError, InterruptedError):
            return
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._buffer.clear()
            self._conn_lost += 1
            self._loop._remove_writer(self._fileno)
            self._fatal_error(exc, 'Fatal write error on pipe transport')
            return
        del self._buffer[:n]
        if self._buffer:
            return
        self._loop._remove_writer(self._fileno)
        self._maybe_resume_protocol()
        if self._closing:
            self._loop._remove_reader(self._fileno)
            self._call_connection_lost(None)

    def can_write_eof(self):
        return True

    def write_eof(self):
        if self._closing:
            return
        self._closing = True
        if not self._buffer:
            self._loop._remove_reader(self._fileno)
            self._call_soon(self._call_connection_lost, None)

    def close(self):
        if self._pipe is not None and not self._closing:
            self.write_eof()

    def abort(self):
        self._close(None)

    def _close(self, exc=None):
        self._closing = True
        if self._buffer:
            self._loop._remove_writer(self._fileno)
        self._buffer.clear()
        self._loop._remove_reader(self._fileno)
        self._call_soon(self._call_connection_lost, exc)


def _set_result_unless_cancelled(fut, result):
    if not fut.cancelled():
        fut.set_result(result)


class PipesMixin:
    """nixloop.Loop.connect_read_pipe / connect_write_pipe."""

    async def connect_read_pipe(self, protocol_factory, pipe):
        """Read from a pipe-like file object; returns (transport, protocol)."""
        return await self._connect_pipe(ReadPipeTransport, protocol_factory, pipe)

    async def connect_write_pipe(self, protocol_factory, pipe):
        """Write to a pipe-like file object; returns (transport, protocol)."""
        return await self._connect_pipe(WritePipeTransport, protocol_factory, pipe)

    async def _connect_pipe(self, transport_class, protocol_factory, pipe):
        protocol = protocol_factory()
        waiter = self.create_future()
        transport = transport_class(self, pipe, protocol, waiter)
        await wait_connected(transport, waiter)
        return transport, protocol
