"""node-unix-socket's API on nixloop: ``SeqpacketServer``, ``SeqpacketSocket``, ``DgramSocket``,
``createReuseportFd``, ``closeFd`` (see ../shared/reference/node-behaviour.md section 1), plus the
asyncio-side free functions ``create_seqpacket_server``, ``create_seqpacket_connection`` and
``create_unix_datagram_endpoint`` (they take the loop; the same methods exist on ``nixloop.Loop``).

The facades are EventEmitters driving the compiled handles of nixloop/_core/handles/seqpacket.pyx and
dgram.pyx (a uv_poll_t on a socket we create with SOCK_NONBLOCK|SOCK_CLOEXEC). They must be used
from code running on a nixloop loop (``nixloop.node.run(main)``, ``nixloop.run(main())``), or be
given one with ``loop=``.

Where node-unix-socket 0.2.7 is wrong, we are right:

* a message longer than the read buffer is never cut: recvmsg reports MSG_TRUNC and the socket
  emits ``'error'`` (``code`` ``'EMSGSIZE'``, ``syscall`` ``'read'``) then ``'close'``;
  ``setInternalReadBufferSize(n)`` raises the limit (default: the socket's SO_RCVBUF, at least
  64 KiB);
* ``sendTo`` honours ``offset``; abstract names (leading NUL, ``'\\x00name'``) are bound with
  their exact length and reported back as given;
* every error carries Node's ``code``, ``errno`` (negative) and ``syscall`` (and ``address``);
  a path longer than 108 bytes gives ``ENAMETOOLONG``, a missing directory ``ENOENT`` (syscall
  ``'bind'`` or ``'connect'``), a leftover file at a listen path ``EADDRINUSE`` (not unlinked,
  as Node and the peer do);
* callbacks are never called synchronously from inside ``write``/``sendTo``/``end``/``connect``.

Callbacks: ``write``/``sendTo`` callbacks get ``cb(err)`` with ``err`` ``None`` on success (Node's
``cb(undefined)``); ``connect(path, cb)`` and ``end(cb)`` callbacks get no argument (``cb`` of
``connect`` is a once-listener on ``'connect'``). ``'close'`` of a socket is emitted from the
next loop iteration (Node's nextTick), after ``'error'`` when there is one; ``SeqpacketServer``
emits ``'close'`` synchronously from ``close()`` (as the peer). ``write`` returns ``False`` once
16 KiB or more are queued; ``'drain'`` follows when the queue is empty again.

contextvars: the listeners of a socket's I/O events run in the context current when it was
connected (``connect()``), bound (``DgramSocket.bind()``) or made from an fd; a server's in the
context of ``listen()``, and each accepted socket in its own copy of that (``'connection'`` in
another copy), so that what one connection's listeners set stays theirs.

Beyond any peer:

* fd passing (SCM_RIGHTS): ``socket.write(buf, fds=[fd, ...])`` (also ``DgramSocket.sendTo(...,
  fds=[...])``) sends the fds with that message; the caller keeps its own fds (the kernel, or a
  queued message, holds duplicates). Items may be ints or objects with ``fileno()`` (sockets,
  files, a ``SeqpacketServer`` or any facade with ``fileno()``). On the receiving side the
  ``'fds'`` event (``fds``: list of ints, close-on-exec, owned by the listener) is emitted right
  before the ``'data'`` of the message that carried them; with no ``'fds'`` listener they are
  closed. ``SeqpacketServer.listen({'fd': fd})`` serves on a listening SEQPACKET socket received
  that way, so several processes can serve one address.
* ``peerCredentials()`` -> ``{'pid', 'uid', 'gid'}`` (SO_PEERCRED) on connected seqpacket sockets.
* Linux note: a SEQPACKET socket that reads has SO_TIMESTAMP on (the kernel marks every message
  it hands out, which is how an empty message is told from end-of-stream); it changes nothing
  else, and an unbound client stays unbound (peer path ``''``).

snake_case aliases (``get_internal_read_buffer_size``, ``send_to``, ``create_reuseport_fd``, ...)
come from nixloop._aliases.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import socket as _socket

from . import _cluster_hook
from ._core import _loop as _core
from ._aliases import alias_module
from .errors import (node_error, system_error, ERR_OUT_OF_RANGE, ERR_INVALID_ARG_TYPE,
                     ERR_INVALID_ARG_VALUE, ERR_INVALID_FD_TYPE, NodeError)
from .events import EventEmitter

__all__ = [
    'SeqpacketServer', 'SeqpacketSocket', 'DgramSocket', 'createReuseportFd', 'closeFd',
    'SeqpacketProtocol', 'create_seqpacket_server', 'create_seqpacket_connection',
    'create_unix_datagram_endpoint',
]

_HIGH_WATER = 16384


def _get_loop(loop=None):
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError('nixloop.unix needs a running nixloop loop: create these objects '
                               'from code run by nixloop.node.run(main) or nixloop.run(main()), '
                               'or pass loop=') from None
    if not isinstance(loop, _core.BaseLoop):
        raise RuntimeError(f'nixloop.unix needs a nixloop loop, not {type(loop).__module__}.'
                           f'{type(loop).__qualname__}: run the program with nixloop.node.run() '
                           'or nixloop.run()')
    if loop.is_closed():
        raise node_error('ERR_INVALID_STATE', 'Invalid state: the event loop is closed')
    return loop


def _hcall(fn, *args, syscall=None, address=None, closed='ERR_SOCKET_CLOSED'):
    """Call the handle layer; what it raises leaves the facade as a Node error: an OSError as
    a system error (its syscall and address), a closed handle as `closed`."""
    try:
        return fn(*args)
    except NodeError:
        raise
    except OSError as exc:
        raise _node_error(exc, syscall, address) from None
    except RuntimeError as exc:          # the handle (or its loop) is closed
        raise node_error(closed, f'{closed}: {exc}') from None


def _node_error(exc, syscall=None, address=None):
    """An OSError from the handle layer as a Node system error."""
    if not isinstance(exc, OSError) or exc.errno is None or hasattr(exc, 'code'):
        return exc
    syscall = getattr(exc, 'syscall', None) or syscall or 'unknown'
    if address is None:
        address = getattr(exc, 'address', None)
    if isinstance(address, bytes):
        address = address.decode('utf-8', 'surrogateescape')
    err = system_error(exc.errno, syscall, address=address)
    if exc.errno == 90 and 'read buffer' in str(exc.strerror):   # EMSGSIZE from a read
        err._node_message = f'{syscall} EMSGSIZE: {exc.strerror}'
    return err


def _fileno(f, name='fd'):
    """An fd argument: an int32, or an object with fileno() (a socket, a file, a facade)."""
    if isinstance(f, int) and not isinstance(f, bool):
        if not -2 ** 31 <= f < 2 ** 31:
            raise ERR_OUT_OF_RANGE(name, '>= 0 && <= 2147483647', f)
        return f
    fileno = getattr(f, 'fileno', None)
    if fileno is None or not callable(fileno):
        raise ERR_INVALID_ARG_TYPE(name, ['number', 'an object with fileno()'], f)
    return _fileno(_hcall(fileno, syscall='fileno'), name)


_MAX_FDS = 253      # SCM_MAX_FD: what one message can carry


def _fds_arg(fds):
    if fds is None:
        return None
    if not isinstance(fds, (list, tuple)):
        raise ERR_INVALID_ARG_TYPE('fds', 'Array', fds)
    if len(fds) > _MAX_FDS:
        raise ERR_OUT_OF_RANGE('fds.length', f'<= {_MAX_FDS}', len(fds))
    return [_fileno(f, f'fds[{i}]') for i, f in enumerate(fds)]


def _path_arg(path, name='path'):
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise ERR_INVALID_ARG_TYPE(name, 'string', path)
    return path


def _seqpacket_from_fd(loop, fd, syscall):
    """A SeqpacketHandle taking `fd` over (which stays the caller's if this fails)."""
    fd = _fileno(fd)
    try:
        return _hcall(_core.SeqpacketHandle.from_fd, loop, fd, syscall=syscall)
    except ValueError:          # a socket of another kind
        raise ERR_INVALID_FD_TYPE(_core.guess_handle_type(fd)) from None

def _slice(buf, offset, length, name='buf'):
    if isinstance(buf, str):
        buf = buf.encode('utf-8')
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise ERR_INVALID_ARG_TYPE(name, ['Buffer', 'string'], buf)
    size = len(buf) if not isinstance(buf, memoryview) else buf.nbytes
    if offset is None:
        offset = 0
    if not isinstance(offset, int) or offset < 0 or offset > size:
        raise ERR_OUT_OF_RANGE('offset', f'>= 0 && <= {size}', offset)
    if length is None:
        length = size - offset
    if not isinstance(length, int) or length < 0 or offset + length > size:
        raise ERR_OUT_OF_RANGE('length', f'>= 0 && <= {size - offset}', length)
    if offset == 0 and length == size:
        return buf
    return memoryview(buf).cast('B')[offset:offset + length]


def _call_cb(cb, *args):
    cb(*args)


# ---------------------------------------------------------------------------------------------
# SeqpacketServer

class SeqpacketServer(EventEmitter):
    """A SOCK_SEQPACKET server. Events: 'connection'(socket, peerPath), 'error'(err), 'close'."""

    def __init__(self, *, loop=None):
        super().__init__()
        self._loop = _get_loop(loop)
        self._handle = _hcall(_core.SeqpacketHandle.create, self._loop, syscall='socket')
        self._handle.on_connection = self._on_connection
        self._closed = False
        self._listening = False
        self._unref = False
        self._path = None

    def _check(self):
        if self._closed:
            raise node_error('ERR_SERVER_NOT_RUNNING', 'SeqpacketServer has been closed')

    def listen(self, bindpath, backlog=511):
        """bind + listen, synchronously (raises on failure). ``bindpath`` may also be
        ``{'fd': fd}``: serve on that listening SEQPACKET socket (the server owns it).

        In a nixloop.cluster worker the primary makes the socket (and, with round-robin
        scheduling, accepts and hands the connections out), so the worker's listen() completes
        later: ``'listening'`` is emitted then, or ``'error'`` (``bind`` errors)."""
        self._check()
        if not isinstance(backlog, int) or isinstance(backlog, bool) or \
                not -2 ** 31 <= backlog < 2 ** 31:
            raise ERR_INVALID_ARG_TYPE('backlog', 'number', backlog) if not isinstance(
                backlog, int) or isinstance(backlog, bool) else ERR_OUT_OF_RANGE(
                'backlog', '>= -2147483648 && <= 2147483647', backlog)
        if self._listening:
            raise node_error('ERR_SERVER_ALREADY_LISTEN',
                             'Listen method has been called more than once without closing.')
        self._handle.context = contextvars.copy_context()
        if _cluster_hook.listen is not None and not isinstance(bindpath, dict):
            _path_arg(bindpath, 'bindpath')
            self._listen_in_cluster(os.fsdecode(bindpath), backlog)
            return
        if isinstance(bindpath, dict) and 'fd' in bindpath:
            handle = _seqpacket_from_fd(self._loop, bindpath['fd'], 'listen')
            handle.context = self._handle.context
            self._handle.close()
            self._handle = handle
            handle.on_connection = self._on_connection
            if self._unref:
                handle.unref()
            _hcall(handle.listen, backlog, syscall='listen')
            self._path = _hcall(handle.getsockname, syscall='getsockname')
            self._listening = True
            return
        _path_arg(bindpath, 'bindpath')
        address = os.fsdecode(bindpath)
        _hcall(self._handle.bind, bindpath, syscall='bind', address=address)
        _hcall(self._handle.listen, backlog, syscall='listen', address=address)
        self._path = address
        self._listening = True

    def _listen_in_cluster(self, path, backlog):
        self._listening = True      # a second listen() while the primary answers is refused too

        def on_handle(errno, handle):
            if self._closed:
                if handle is not None:
                    handle.close()
                return
            if errno:
                self._listening = False
                self.emit('error', system_error(errno, 'bind', address=path))
                return
            handle.context = self._handle.context    # listen()'s (set there)
            self._handle.close()
            self._handle = handle
            handle.on_connection = self._on_connection
            if self._unref:
                handle.unref()
            try:
                handle.listen(backlog)
            except OSError as exc:
                self._listening = False
                self.emit('error', _node_error(exc, 'listen', path))
                return
            self._path = path
            self.emit('listening')

        _cluster_hook.listen(self, {'address': path, 'port': -1, 'addressType': 'seqpacket',
                                    'fd': None, 'backlog': backlog}, on_handle)

    def address(self):
        """The bound path (as given; an abstract name keeps its leading NUL)."""
        self._check()
        if self._path is not None:
            return self._path
        return _hcall(self._handle.getsockname, syscall='getsockname')

    def fileno(self):
        """The listening socket's fd (to pass it to another process with write(fds=...))."""
        self._check()
        return _hcall(self._handle.fileno, syscall='fileno')

    def _on_connection(self, exc):
        if exc is not None:
            self.emit('error', _node_error(exc, 'accept'))
            return
        while not self._closed:
            try:
                pair = self._handle.accept()
            except OSError as exc:
                self.emit('error', _node_error(exc, 'accept'))
                return
            if pair is None:
                return
            handle, peer = pair
            ctx = self._handle.context or contextvars.copy_context()
            handle.context = ctx.copy()
            sock = SeqpacketSocket._accepted(self._loop, handle)
            ctx.copy().run(self.emit, 'connection', sock, peer)

    def close(self):
        """Stop accepting (existing connections stay); synchronous and idempotent; emits 'close'.
        The socket file is not removed (as the peer)."""
        if self._closed:
            return
        self._closed = True
        self._handle.close()
        self.emit('close')

    def ref(self):
        self._unref = False
        self._handle.ref()
        return self

    def unref(self):
        self._unref = True
        self._handle.unref()
        return self


# ---------------------------------------------------------------------------------------------
# SeqpacketSocket

class SeqpacketSocket(EventEmitter):
    """A SOCK_SEQPACKET socket. Events: 'connect', 'data'(buf) one message each, 'fds'(fds),
    'end', 'drain', 'error'(err), 'close'."""

    def __init__(self, fd=None, *, loop=None):
        super().__init__()
        loop = _get_loop(loop)
        if fd is None:
            handle = _hcall(_core.SeqpacketHandle.create, loop, syscall='socket')
        else:
            handle = _seqpacket_from_fd(loop, fd, 'open')
        self._setup(loop, handle)
        handle.context = contextvars.copy_context()
        if fd is not None:
            self._connected = True
            handle.read_start()

    @classmethod
    def _accepted(cls, loop, handle):
        self = cls.__new__(cls)
        EventEmitter.__init__(self)
        self._setup(loop, handle)
        self._connected = True
        handle.read_start()
        return self

    def _setup(self, loop, handle):
        self._loop = loop
        self._handle = handle
        self._destroyed = False
        self._ending = False
        self._write_ended = False
        self._got_eof = False
        self._connected = False
        self._need_drain = False
        self._end_cbs = []
        # each message goes from the handle straight to emit('data', message): no frame of ours
        handle.on_read = functools.partial(self.emit, 'data')
        handle.on_fds = self._on_fds
        handle.on_eof = self._on_eof
        handle.on_error = self._on_error
        handle.on_write_done = self._on_write_done
        handle.on_shutdown = self._on_shutdown
        handle.on_connect = self._on_connect

    # -- handle events ----------------------------------------------------------------------

    def _on_fds(self, fds):
        if self._events.get('fds') is not None:
            self.emit('fds', fds)
        else:
            for fd in fds:
                os.close(fd)

    def _on_eof(self):
        self._got_eof = True
        self.emit('end')
        self._maybe_auto_close()

    def _on_error(self, exc):
        self._destroy(_node_error(exc, 'read'))

    def _on_write_done(self, cb, exc):
        err = None if exc is None else _node_error(exc, 'write')
        if cb is not None:
            cb(err)
        if err is not None:
            self._destroy(err)
        elif self._need_drain and not self._destroyed and self._handle.write_queue_size == 0:
            self._need_drain = False
            self.emit('drain')

    def _on_shutdown(self, exc):
        if exc is not None:
            self._destroy(_node_error(exc, 'shutdown'))
            return
        self._write_ended = True
        cbs, self._end_cbs = self._end_cbs, []
        for cb in cbs:
            cb()
        self._maybe_auto_close()

    def _on_connect(self, exc):
        if self._destroyed:
            return
        if exc is not None:
            self._destroy(_node_error(exc, 'connect'))
            return
        self._connected = True
        try:
            self._handle.read_start()
        except OSError as err:
            self._destroy(_node_error(err))
            return
        self.emit('connect')

    def _maybe_auto_close(self):
        if self._got_eof and self._write_ended and not self._destroyed:
            self.destroy()

    # -- API --------------------------------------------------------------------------------

    def connect(self, bindpath, cb=None):
        """Connect to a SeqpacketServer's path; 'connect' (and cb) follow. A failure known at
        once (ENOENT, ECONNREFUSED, a too long path) raises after closing the socket."""
        if self._destroyed:
            raise node_error('ERR_SOCKET_CLOSED', 'SeqpacketSocket has been destroyed')
        _path_arg(bindpath, 'bindpath')
        if cb is not None:
            self.once('connect', cb)
        self._handle.context = contextvars.copy_context()
        try:
            _hcall(self._handle.connect, bindpath, syscall='connect',
                   address=os.fsdecode(bindpath))
        except NodeError:
            self._destroy(None)
            raise
        return self

    def write(self, buf, offset=0, length=None, cb=None, *, fds=None):
        """Send one message (buf[offset:offset+length]); fds: SCM_RIGHTS fds to send with it.
        Raises after destroy() or end(), as the peer."""
        if (buf.__class__ is bytes and offset == 0 and length is None and cb is None
                and fds is None and not self._destroyed and not self._ending):
            # the common case (one whole bytes message, no callback), without the argument work
            try:
                if self._handle.write(buf):
                    return True
            except OSError as exc:
                self._destroy(_node_error(exc, 'write'))
                return False
            if self._handle.write_queue_size >= _HIGH_WATER:
                self._need_drain = True
                return False
            return True
        if callable(offset) and cb is None and length is None:
            cb, offset = offset, 0
        if self._destroyed:
            raise node_error('ERR_SOCKET_CLOSED', 'SeqpacketSocket has been destroyed')
        if self._ending:
            raise node_error('ERR_STREAM_WRITE_AFTER_END', 'socket has been shutdown')
        data = _slice(buf, offset, length)
        if cb is not None and not callable(cb):
            raise ERR_INVALID_ARG_TYPE('cb', 'function', cb)
        fdlist = _fds_arg(fds)
        try:
            sent = self._handle.write(data, fdlist, cb)
        except OSError as exc:
            err = _node_error(exc, 'write')
            if cb is not None:
                self._loop.call_soon(_call_cb, cb, err)
            self._destroy(err)
            return False
        if sent:
            if cb is not None:
                self._loop.call_soon(_call_cb, cb, None)
            return True
        if self._handle.write_queue_size >= _HIGH_WATER:
            self._need_drain = True
            return False
        return True

    def end(self, cb=None):
        """Shut down the sending side once the queued messages are sent."""
        if self._destroyed:
            raise node_error('ERR_SOCKET_CLOSED', 'SeqpacketSocket has been destroyed')
        if cb is not None:
            if self._write_ended:
                self._loop.call_soon(cb)
            else:
                self._end_cbs.append(cb)
        if self._ending:
            return self
        self._ending = True
        try:
            done = self._handle.shutdown()
        except OSError as exc:
            self._destroy(_node_error(exc, 'shutdown'))
            return self
        if done:
            self._loop.call_soon(self._shutdown_now)
        return self

    def _shutdown_now(self):
        if not self._destroyed and not self._write_ended:
            self._on_shutdown(None)

    def _destroy(self, err):
        if self._destroyed:
            return
        self._destroyed = True
        self._handle.close()
        self._loop.call_soon(self._emit_close, err)

    def _emit_close(self, err):
        if err is not None:
            self.emit('error', err)
        self.emit('close')

    def destroy(self):
        """Close the socket (idempotent); 'close' follows."""
        self._destroy(None)

    close = destroy

    @property
    def destroyed(self):
        return self._destroyed

    @property
    def writableLength(self):
        return 0 if self._destroyed else self._handle.write_queue_size

    def getInternalReadBufferSize(self):
        return _hcall(getattr, self._handle, 'read_buffer_size', syscall='getsockopt')

    def setInternalReadBufferSize(self, size):
        if not isinstance(size, int) or isinstance(size, bool) or not 0 < size < 2 ** 31:
            raise ERR_OUT_OF_RANGE('size', '> 0 && < 2147483648', size)
        _hcall(setattr, self._handle, 'read_buffer_size', size, syscall='setsockopt')

    def peerCredentials(self):
        """{'pid', 'uid', 'gid'} of the peer process (SO_PEERCRED, taken at connect time)."""
        if self._destroyed:
            raise node_error('ERR_SOCKET_CLOSED', 'SeqpacketSocket has been destroyed')
        try:
            pid, uid, gid = self._handle.peer_credentials()
        except OSError as exc:
            raise _node_error(exc) from None
        return {'pid': pid, 'uid': uid, 'gid': gid}

    def fileno(self):
        return _hcall(self._handle.fileno, syscall='fileno')

    def ref(self):
        self._handle.ref()
        return self

    def unref(self):
        self._handle.unref()
        return self


# ---------------------------------------------------------------------------------------------
# DgramSocket

class DgramSocket(EventEmitter):
    """An AF_UNIX SOCK_DGRAM socket. Events: 'data'(buf, remotePath), 'fds'(fds), 'error',
    'close'. Receiving starts at once. ``fd``: wrap that SOCK_DGRAM socket (owned from then on;
    how a socket received from another process is rebuilt)."""

    def __init__(self, *, loop=None, fd=None):
        super().__init__()
        self._loop = _get_loop(loop)
        if fd is None:
            self._handle = _hcall(_core.DgramHandle.create, self._loop, syscall='socket')
        else:
            fdn = _fileno(fd)
            try:
                self._handle = _hcall(_core.DgramHandle.from_fd, self._loop, fdn, syscall='open')
            except ValueError:          # a socket of another kind
                raise ERR_INVALID_FD_TYPE(_core.guess_handle_type(fdn)) from None
        self._closed = False
        h = self._handle
        h.context = contextvars.copy_context()     # (bind() makes it bind()'s)
        h.on_read = self._on_data
        h.on_fds = self._on_fds
        h.on_error = self._on_error
        h.on_write_done = self._on_write_done
        h.read_start()

    def _check(self):
        if self._closed:
            raise node_error('ERR_SOCKET_DGRAM_NOT_RUNNING', 'DgramSocket has been closed')

    def _on_data(self, data, sender):
        self.emit('data', data, sender)

    def _on_fds(self, fds):
        if self._events.get('fds') is not None:
            self.emit('fds', fds)
        else:
            for fd in fds:
                os.close(fd)

    def _on_error(self, exc):
        self.emit('error', _node_error(exc, 'recvmsg'))

    def _on_write_done(self, cb, exc):
        err = None if exc is None else _node_error(exc, 'send')
        if cb is not None:
            cb(err)
        elif err is not None:
            self.emit('error', err)

    def bind(self, path):
        self._check()
        _path_arg(path)
        self._handle.context = contextvars.copy_context()
        _hcall(self._handle.bind, path, syscall='bind', address=os.fsdecode(path))

    def sendTo(self, buf, offset, length, destPath, cb=None, *, fds=None):
        """Send buf[offset:offset+length] to destPath; cb(err) from a later iteration."""
        self._check()
        data = _slice(buf, offset, length)
        _path_arg(destPath, 'destPath')
        if cb is not None and not callable(cb):
            raise ERR_INVALID_ARG_TYPE('cb', 'function', cb)
        fdlist = _fds_arg(fds)
        try:
            sent = self._handle.send(data, destPath, fdlist, cb)
        except OSError as exc:
            err = _node_error(exc, 'send', os.fsdecode(destPath))
            if cb is not None:
                self._loop.call_soon(_call_cb, cb, err)
            else:
                self._loop.call_soon(self._emit_send_error, err)
            return
        if sent and cb is not None:
            self._loop.call_soon(_call_cb, cb, None)

    def _emit_send_error(self, err):
        if not self._closed:
            self.emit('error', err)

    def address(self):
        """The bound path; '' before bind()."""
        self._check()
        return _hcall(self._handle.getsockname, syscall='getsockname')

    def _opt(self, option, value=None):
        self._check()
        try:
            if value is None:
                return self._handle.getsockopt_int(_socket.SOL_SOCKET, option)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2 ** 31:
                raise ERR_OUT_OF_RANGE('size', '> 0 && < 2147483648', value)
            self._handle.setsockopt_int(_socket.SOL_SOCKET, option, value)
            if option == _socket.SO_RCVBUF:
                self._handle.read_buffer_size = 0      # follow the new receive buffer
        except OSError as exc:
            raise _node_error(exc) from None

    def getRecvBufferSize(self):
        return self._opt(_socket.SO_RCVBUF)

    def setRecvBufferSize(self, size):
        self._opt(_socket.SO_RCVBUF, size)

    def getSendBufferSize(self):
        return self._opt(_socket.SO_SNDBUF)

    def setSendBufferSize(self, size):
        self._opt(_socket.SO_SNDBUF, size)

    def fileno(self):
        return _hcall(self._handle.fileno, syscall='fileno')

    def close(self):
        """Close (idempotent); 'close' follows."""
        if self._closed:
            return
        self._closed = True
        self._handle.close()
        self._loop.call_soon(self.emit, 'close')

    def ref(self):
        self._handle.ref()
        return self

    def unref(self):
        self._handle.unref()
        return self


# ---------------------------------------------------------------------------------------------
# createReuseportFd / closeFd

def createReuseportFd(port=0, host='0.0.0.0'):
    """A bound (not listening) TCP socket fd with SO_REUSEADDR and SO_REUSEPORT, for
    ``net.Server.listen({'fd': fd})`` in several processes. Close it with closeFd()."""
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port < 65536:
        from .errors import ERR_SOCKET_BAD_PORT
        raise ERR_SOCKET_BAD_PORT('options.port', port)
    family = _socket.AF_INET6 if ':' in host else _socket.AF_INET
    sock = _socket.socket(family, _socket.SOCK_STREAM)
    try:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise system_error(exc.errno, 'bind', address=host, port=port) from None
    return sock.detach()


def closeFd(fd):
    """Close a file descriptor (from createReuseportFd)."""
    try:
        os.close(fd)
    except OSError as exc:
        raise system_error(exc.errno, 'close') from None


# ---------------------------------------------------------------------------------------------
# asyncio side (implemented in nixloop/loop/unix.py)

from .loop.unix import (SeqpacketProtocol, create_seqpacket_server,  # noqa: E402
                        create_seqpacket_connection, create_unix_datagram_endpoint)

alias_module(globals())
