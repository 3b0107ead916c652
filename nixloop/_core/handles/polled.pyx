# Message sockets on a uv_poll_t: PolledSocketHandle (this file), the base of SOCK_SEQPACKET
# (handles/seqpacket.pyx), AF_UNIX SOCK_DGRAM (handles/dgram.pyx) and UDP (handles/udp.pyx).
# libuv has no handle for the first two; UDP runs here too so that all datagram sockets share one read batch, write
# queue and transport. A socket we create ourselves (socket(family, type|SOCK_NONBLOCK|
# SOCK_CLOEXEC)), watched by a uv_poll_t, read with recvmsg and written with send/sendto/sendmsg
# on readiness. Included into _loop.pyx.
#
# The handle owns its fd only once it has one (fd is -1 before): from the moment _init_socket
# succeeded, never before, so a constructor that fails (a bad fd, a closed loop, no fd left)
# closes nothing it was given; the fd is closed exactly once, by close(), right after uv_close()
# has taken it out of epoll (or by __dealloc__ for a handle that never started). The uv_poll_t is
# freed in the close callback, as every handle's. from_fd() takes the fd over only if it
# succeeds; create() and accept() close the socket they made if wrapping it fails. Callback API, shared by the asyncio
# transports (nixloop/loop/unix.py) and the Node-style facades (nixloop/unix.py):
#   read_start()/read_stop()  -> on_read(data) one whole message per call (dgram: on_read(data,
#                                sender_path)); on_fds(fds) right before the on_read of a message
#                                that carried SCM_RIGHTS fds (no on_fds: they are closed);
#                                on_eof() (seqpacket: end of stream; reading stops);
#                                on_error(exc) (a read error or a message longer than the read
#                                buffer: EMSGSIZE, never delivered cut; seqpacket stops reading)
#   write(data, fds=None, token=None) -> True when the message went out at once; False when it
#                                was queued (EAGAIN/ENOBUFS), then on_write_done(token, exc) follows
#                                from the poll cycle. Hard errors of an immediate send raise OSError.
#   shutdown()                -> True when done at once; otherwise on_shutdown(exc) after the queue
#   connect(path)             -> on_connect(exc or None), always from a later loop iteration
#   listen(backlog)           -> on_connection(exc or None); then accept() -> (handle, peer) | None
#   close()                   -> on_close()
# Errors are OSError with .syscall (and .address when a path is involved) set, for the facades'
# Node-style conversion.

from .includes cimport system as sys_
from libc.string cimport memcpy, strerror
from cpython.mem cimport PyMem_RawRealloc
import collections as _collections

DEF _CBUF_WORDS = 256           # control buffer (size_t words): a timestamp + 253 fds fit
DEF _MAX_SEND_FDS = 253         # SCM_MAX_FD
DEF _READ_BATCH = 32            # messages read per readable event at most
DEF _GROW_MIN = 8               # full events before the read batch doubles (see _do_reads) ...
DEF _GROW_MAX = 1024            # ... and how far failed tries push that up


cdef object _unix_oserror(int err, str syscall, object address=None):
    exc = OSError(err, strerror(err).decode('utf-8', 'replace'))
    exc.syscall = syscall
    exc.address = address
    return exc


cdef bytes _unix_name_bytes(object path):
    if isinstance(path, str):
        return (<str>path).encode('utf-8', 'surrogateescape')
    if isinstance(path, (bytes, bytearray, memoryview)):
        return bytes(path)
    if hasattr(path, '__fspath__'):
        return _unix_name_bytes(path.__fspath__())
    raise TypeError(f'a path (str or bytes) was expected, not {type(path).__name__}')


cdef int _unix_sockaddr(bytes name, sys_.sockaddr_un* sa, sys_.socklen_t* salen):
    """Fill a sockaddr_un: a filesystem path (NUL-terminated when there is room) or an abstract
    name (leading NUL) with its exact length. Returns 0 or -ENAMETOOLONG."""
    cdef Py_ssize_t n = len(name)
    cdef size_t cap = sizeof(sa.sun_path)
    if n > <Py_ssize_t>cap:
        return -sys_.ENAMETOOLONG
    memset(sa, 0, sizeof(sys_.sockaddr_un))
    sa.sun_family = sys_.AF_UNIX
    if n:
        memcpy(sa.sun_path, <const char*>name, n)
    if n > 0 and name[0] == 0:
        salen[0] = <sys_.socklen_t>(sizeof(sys_.sa_family_t) + n)
    elif n < <Py_ssize_t>cap:
        salen[0] = <sys_.socklen_t>(sizeof(sys_.sa_family_t) + n + 1)
    else:
        salen[0] = <sys_.socklen_t>(sizeof(sys_.sa_family_t) + n)
    return 0


cdef object _unix_name_str(const sys_.sockaddr_un* sa, sys_.socklen_t salen):
    """A Unix address as the facades report it: str; '' when unbound; an abstract name keeps
    its leading NUL ('\\x00name')."""
    cdef Py_ssize_t n = <Py_ssize_t>salen - <Py_ssize_t>sizeof(sys_.sa_family_t)
    if n <= 0:
        return ''
    if sa.sun_path[0] == 0:
        return sa.sun_path[:n].decode('utf-8', 'surrogateescape')
    n = sys_.strnlen(sa.sun_path, n)
    return sa.sun_path[:n].decode('utf-8', 'surrogateescape')


cdef void _cb_unix_poll(uv.uv_poll_t* h, int status, int events) noexcept:
    nl_gil_acquire()
    _polled_poll(<PolledSocketHandle>h.data, status, events)


cdef void _polled_poll(PolledSocketHandle p, int status, int events) noexcept:
    cdef object ctx = p.context
    cdef int entered = nl_context_enter_io(ctx)
    try:
        p._on_poll(status, events)
    finally:
        if entered:
            nl_context_exit(ctx)


cdef int _set_nonblock_cloexec(int fd) except -1:
    cdef int fl = sys_.fcntl(fd, sys_.F_GETFL)
    if fl < 0 or sys_.fcntl(fd, sys_.F_SETFL, fl | sys_.O_NONBLOCK) < 0:
        raise _unix_oserror(sys_.errno, 'fcntl')
    fl = sys_.fcntl(fd, sys_.F_GETFD)
    if fl < 0 or sys_.fcntl(fd, sys_.F_SETFD, fl | sys_.FD_CLOEXEC) < 0:
        raise _unix_oserror(sys_.errno, 'fcntl')
    return 0


cdef int _check_socket_fd(int fd, int type_, int family1, int family2) except -1:
    """Raise unless `fd` is an open socket of `type_` in family1 or family2: OSError (EBADF,
    ENOTSOCK) for what is not a socket, ValueError for a socket of another kind."""
    cdef int val = 0
    cdef int dom = 0
    cdef sys_.socklen_t vlen = sizeof(int)
    if fd < 0:
        raise _unix_oserror(sys_.EBADF, 'getsockopt')
    if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_TYPE, &val, &vlen) < 0:
        raise _unix_oserror(sys_.errno, 'getsockopt')
    vlen = sizeof(int)
    if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_DOMAIN, &dom, &vlen) < 0:
        raise _unix_oserror(sys_.errno, 'getsockopt')
    if val != type_ or (dom != family1 and dom != family2):
        raise ValueError(f'fd {fd} is not a {_SOCK_KIND.get((family1, type_), "suitable")} socket')
    return 0


import stat as _stat_mod


def guess_handle_type(int fd):
    """What `fd` is, by the names of Node's guessHandleType (libuv's uv_guess_handle): 'TCP',
    'PIPE' (a Unix stream socket or a FIFO), 'UDP', 'FILE', 'TTY' or 'UNKNOWN' (a SEQPACKET
    or Unix datagram socket, ...); OSError (EBADF) for a closed fd. Opens no fd."""
    cdef stat_t st
    cdef int val = 0
    cdef int dom = 0
    cdef sys_.socklen_t vlen = sizeof(int)
    if fd < 0 or fstat(fd, &st) != 0:
        raise _unix_oserror(sys_.EBADF if fd < 0 else sys_.errno, 'fstat')
    mode = st.st_mode
    if _stat_mod.S_ISREG(mode):
        return 'FILE'
    if _stat_mod.S_ISCHR(mode):
        return 'TTY' if _handle_os.isatty(fd) else 'FILE'
    if _stat_mod.S_ISFIFO(mode):
        return 'PIPE'
    if not _stat_mod.S_ISSOCK(mode):
        return 'UNKNOWN'
    if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_TYPE, &val, &vlen) < 0:
        return 'UNKNOWN'
    vlen = sizeof(int)
    if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_DOMAIN, &dom, &vlen) < 0:
        return 'UNKNOWN'
    if val == sys_.SOCK_STREAM:
        if dom == sys_.AF_INET or dom == sys_.AF_INET6:
            return 'TCP'
        return 'PIPE' if dom == sys_.AF_UNIX else 'UNKNOWN'
    if val == sys_.SOCK_DGRAM and (dom == sys_.AF_INET or dom == sys_.AF_INET6):
        return 'UDP'
    return 'UNKNOWN'


_SOCK_KIND = {(sys_.AF_UNIX, sys_.SOCK_SEQPACKET): 'AF_UNIX SOCK_SEQPACKET',
              (sys_.AF_UNIX, sys_.SOCK_DGRAM): 'AF_UNIX SOCK_DGRAM',
              (sys_.AF_INET, sys_.SOCK_DGRAM): 'AF_INET/AF_INET6 SOCK_DGRAM'}


cdef class PolledSocketHandle(UVHandle):
    """An AF_UNIX SOCK_SEQPACKET or SOCK_DGRAM socket on a uv_poll_t (see the module comment)."""

    def __cinit__(self):
        self.fd = -1        # owns no fd until _init_socket succeeded

    cdef int _open(self, BaseLoop loop, int family, int type_) except -1:
        """create(): a new non-blocking, close-on-exec socket, owned from here on."""
        cdef int fd
        if loop._closed or not loop._internals_open:
            raise RuntimeError('Event loop is closed')
        fd = sys_.socket(family, type_ | sys_.SOCK_NONBLOCK | sys_.SOCK_CLOEXEC, 0)
        if fd < 0:
            raise _unix_oserror(sys_.errno, 'socket')
        try:
            self._init_socket(loop, fd, type_)
        except BaseException:
            sys_.close(fd)
            raise
        return 0

    cdef int _adopt(self, BaseLoop loop, int fd, int type_, int family1, int family2) except -1:
        """from_fd(): take `fd` over if it is a socket of the right kind; on failure it stays
        the caller's, open."""
        if loop._closed or not loop._internals_open:
            raise RuntimeError('Event loop is closed')
        _check_socket_fd(fd, type_, family1, family2)
        _set_nonblock_cloexec(fd)
        self._init_socket(loop, fd, type_)
        return 0

    cdef int _init_socket(self, BaseLoop loop, int fd, int type_) except -1:
        """Own `fd` from the moment this succeeds; on failure the fd is left to the caller."""
        cdef int err
        self._alloc(loop, sizeof(uv.uv_poll_t))
        err = uv.uv_poll_init(loop.uvloop, <uv.uv_poll_t*>self._handle, fd)
        if err < 0:
            PyMem_RawFree(self._handle)
            self._handle = NULL
            self._closing = 1
            raise convert_uv_error(err)
        self.fd = fd
        self._type = type_
        self._wq = _collections.deque()
        self._retry_delay = 0.001
        self._rbatch = 1
        self._rgrow = _GROW_MIN
        return 0

    # -- helpers ------------------------------------------------------------------------------

    cdef _call(self, object cb, object arg):
        # cb(arg): once per message read. The call's result is checked in C (compat.h
        # nl_call_one) rather than in a try block, whose entry saves the exception state even
        # when nothing is raised. _call2 likewise.
        if cb is None:
            return
        if nl_call_one(<PyObject*>cb, <PyObject*>arg) < 0:
            self._call_failed(cb, nl_take_raised())

    cdef _call_failed(self, object cb, object exc):
        handler = self.on_callback_error
        if handler is not None and not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            # the owner (an asyncio transport) fails itself, as asyncio does when
            # protocol.data_received() raises; the protocol callback is called directly
            # (no Python frame of the transport in between)
            try:
                handler(exc)
            except BaseException as exc2:
                _loop_error(self._loop, exc2, f'{type(self).__name__} on_callback_error', self)
        else:
            _loop_error(self._loop, exc, f'{type(self).__name__} callback {cb!r}', self)

    cdef _call2(self, object cb, object arg1, object arg2):
        if cb is None:
            return
        if nl_call_two(<PyObject*>cb, <PyObject*>arg1, <PyObject*>arg2) < 0:
            _loop_error(self._loop, nl_take_raised(), f'{type(self).__name__} callback {cb!r}',
                        self)

    cdef int _update(self) except -1:
        cdef int events = 0
        cdef int err
        if self._handle == NULL or self._closing:
            return 0
        if self.reading or (self.listening and
                            (self._pacer is None or self._pacer._timer is None)):
            events |= uv.UV_READABLE
        if self.connecting and not self._retry_armed:
            events |= uv.UV_WRITABLE
        if nl_deque_len(<PyObject*>self._wq) and not self._retry_armed:
            events |= uv.UV_WRITABLE
        if events == self._events:
            return 0
        if events == 0:
            uv.uv_poll_stop(<uv.uv_poll_t*>self._handle)
        else:
            err = uv.uv_poll_start(<uv.uv_poll_t*>self._handle, events, _cb_unix_poll)
            if err < 0:
                raise convert_uv_error(err)
            self._keepalive()
        self._events = events
        return 0

    # -- poll events --------------------------------------------------------------------------

    cdef _on_poll(self, int status, int events):
        cdef object exc
        try:
            if status < 0:
                exc = convert_uv_error(status)
                exc.syscall = 'poll'
                if self.connecting:
                    self._connect_done(exc)
                elif self.listening:
                    self._call(self.on_connection, exc)
                else:
                    # Let the syscalls report the actual error.
                    events = uv.UV_READABLE | uv.UV_WRITABLE
            if events & uv.UV_WRITABLE and not self._closing:
                if self.connecting:
                    self._connect_attempt(0)
                elif nl_deque_len(<PyObject*>self._wq):
                    self._flush(True)
            if events & (uv.UV_READABLE | uv.UV_DISCONNECT) and not self._closing:
                if self.listening:
                    self._call(self.on_connection, None)
                elif self.reading:
                    self._do_reads()
            if not self._closing:
                self._update()
        except BaseException as e:
            _loop_error(self._loop, e, f'{type(self).__name__} poll callback', self)

    # -- reading ------------------------------------------------------------------------------

    cdef int _ensure_rbuf(self) except -1:
        cdef int val = 0
        cdef sys_.socklen_t vlen = sizeof(int)
        cdef Py_ssize_t size = self._rsize_req
        cdef char* p
        if size <= 0:
            if sys_.getsockopt(self.fd, sys_.SOL_SOCKET, sys_.SO_RCVBUF, &val, &vlen) < 0:
                raise _unix_oserror(sys_.errno, 'getsockopt')
            size = val if val > 65536 else 65536
        if size == self._rsize:
            return 0
        if size > READ_BUF_SIZE:
            p = <char*>PyMem_RawRealloc(self._rbuf, size)
            if p == NULL:
                raise MemoryError()
            self._rbuf = p
        elif self._rbuf != NULL:
            PyMem_RawFree(self._rbuf)
            self._rbuf = NULL
        self._rsize = size
        return 0

    cdef _do_reads(self):
        # How many messages to read per readiness event adapts to the traffic, because the
        # only way to learn that the queue is empty is a recvmsg that fails with EAGAIN, a
        # syscall as costly as a read. A request/response peer has one message queued at a
        # time: read one, and the level-triggered poll reports the socket again when more
        # come. _rgrow events in a row that each found as many messages as were asked for
        # double the batch (up to _READ_BATCH, for a peer that pipelines); a read that finds
        # the queue empty sets it to what was there and doubles _rgrow (up to _GROW_MAX), so
        # that a request/response peer stops paying for a failed try every ninth event: a
        # fixed _rgrow of 8 cost 1.11 recvmsg per SEQPACKET echo request (python -m perf
        # --only seqpacket --costs syscalls), backing off brings it to ~1.00. A full batch of
        # two or more (a pipelining peer) sets _rgrow back to 8.
        cdef int n = 0
        cdef int batch = self._rbatch
        while n < batch:
            if not self.reading or self._closing:
                return
            if self._read_one() <= 0:
                self._rbatch = n if n > 1 else 1
                self._rfull = 0
                if self._rgrow < _GROW_MAX:
                    self._rgrow *= 2
                return
            n += 1
        if batch > 1:
            self._rgrow = _GROW_MIN
        self._rfull += 1
        if self._rfull >= self._rgrow and batch < _READ_BATCH:
            self._rbatch = batch * 2
            self._rfull = 0

    cdef int _read_one(self) except -1:
        """One recvmsg: 1 when a message (or error/EOF) was handled and more may follow, 0 when
        the socket has nothing more for now."""
        cdef sys_.msghdr msg
        cdef sys_.iovec iov[2]
        cdef size_t cbuf[_CBUF_WORDS]
        cdef sys_.sockaddr_storage addr
        cdef sys_.cmsghdr* cm
        cdef char* buf
        cdef ssize_t n
        cdef int err, i, nfds, iovcnt
        cdef int* fdp
        cdef bint is_msg = 0
        cdef object fds = None
        cdef bint dgram = self._type == sys_.SOCK_DGRAM
        if self._rsize == 0:
            self._ensure_rbuf()
        buf = self._rbuf if self._rbuf != NULL else self._loop.c.read_buf
        # the kept bytes object first, the buffer for the rest (compat.h, nl_rx_iov): a message
        # of the last length is read straight into the object handed to on_read
        iovcnt = nl_rx_iov(self._loop.c.rx_bytes, iov, buf, <size_t>self._rsize)
        memset(&msg, 0, sizeof(msg))
        if dgram:
            msg.msg_name = &addr
            msg.msg_namelen = sizeof(addr)
        msg.msg_iov = iov
        msg.msg_iovlen = iovcnt
        msg.msg_control = cbuf
        msg.msg_controllen = sizeof(cbuf)
        n = sys_.recvmsg(self.fd, &msg, sys_.MSG_TRUNC | sys_.MSG_CMSG_CLOEXEC)
        if n < 0:
            return self._read_failed(sys_.errno)
        if msg.msg_controllen:
            cm = sys_.CMSG_FIRSTHDR(&msg)
            while cm != NULL:
                if cm.cmsg_level == sys_.SOL_SOCKET:
                    if cm.cmsg_type == sys_.SCM_RIGHTS:
                        nfds = <int>((cm.cmsg_len - sys_.CMSG_LEN(0)) // sizeof(int))
                        fdp = <int*>sys_.CMSG_DATA(cm)
                        if fds is None:
                            fds = []
                        for i in range(nfds):
                            fds.append(fdp[i])
                is_msg = 1
                cm = sys_.CMSG_NXTHDR(&msg, cm)
        if n == 0 and not dgram and not is_msg:
            # recvmsg gives 0 both for an empty message and at the end of the stream; the
            # timestamp that SO_TIMESTAMP adds to every message handed out tells them apart
            # (see _mark_messages).
            self.reading = 0
            self._update()
            if self.on_eof is not None:
                try:
                    self.on_eof()
                except BaseException as e:
                    _loop_error(self._loop, e, 'on_eof callback', self)
            return 0
        if n > self._rsize or msg.msg_flags & sys_.MSG_TRUNC:
            if fds is not None:
                for i in fds:
                    sys_.close(i)
            return self._read_too_long(n)
        data = nl_rx_gather(&self._loop.c.rx_bytes, iov, iovcnt, n)
        if fds is not None:
            if self.on_fds is not None:
                self._call(self.on_fds, fds)
            else:
                for i in fds:
                    sys_.close(i)
        if dgram:
            self._call2(self.on_read, data, self._sender_name(&addr, msg.msg_namelen))
        else:
            self._call(self.on_read, data)
        return 1

    cdef int _read_failed(self, int err) except -1:
        """_read_one's result for a read that failed with errno `err`: EAGAIN ends the batch;
        another error goes to on_error (a SEQPACKET socket stops reading, a datagram socket
        reads on)."""
        if err == sys_.EAGAIN or err == sys_.EWOULDBLOCK:
            return 0
        if err == sys_.EINTR:
            return 1
        return self._read_error(_unix_oserror(err, 'read'))

    cdef int _read_too_long(self, ssize_t n) except -1:
        """A message of n bytes did not fit the read buffer: EMSGSIZE, never delivered cut."""
        exc = OSError(sys_.EMSGSIZE,
                      f'message of {n} bytes is larger than the read buffer '
                      f'({self._rsize} bytes): not delivered')
        exc.syscall = 'read'
        exc.address = None
        return self._read_error(exc)

    cdef int _read_error(self, object exc) except -1:
        cdef bint dgram = self._type == sys_.SOCK_DGRAM
        if not dgram:
            self.reading = 0
            self._update()
        self._call(self.on_error, exc)
        return 1 if dgram else 0

    def read_start(self):
        """Start delivering messages to on_read."""
        cdef int one = 1
        self._ensure_alive()
        if self.reading:
            return
        if self._type == sys_.SOCK_SEQPACKET:
            self._mark_messages()
        self._ensure_rbuf()
        self.reading = 1
        self._update()

    cdef int _mark_messages(self) except -1:
        # SO_TIMESTAMP: the kernel then adds a control message (a timestamp) to every message
        # that recvmsg hands out, empty ones included, and none at end-of-stream, where recvmsg
        # also returns 0. It is decided when a message is read (so it covers messages queued
        # before this call) and costs the sender nothing. (SO_PASSCRED would do the same at
        # more cost: credentials are taken per message when it is sent, and Linux auto-binds an
        # unbound socket that connects with it on.) On AF_UNIX sockets it does not turn on the
        # network stack's packet timestamping.
        cdef int one = 1
        if self._marks_on:
            return 0
        if sys_.setsockopt(self.fd, sys_.SOL_SOCKET, sys_.SO_TIMESTAMP, &one, sizeof(int)) < 0:
            raise _unix_oserror(sys_.errno, 'setsockopt')
        self._marks_on = 1
        return 0

    def read_stop(self):
        if not self.reading:
            return
        self.reading = 0
        self._update()

    @property
    def read_buffer_size(self):
        """Bytes one recvmsg can take: a longer message is reported (EMSGSIZE), not cut."""
        if self._handle != NULL and not self._closing:
            self._ensure_rbuf()
        return self._rsize

    @read_buffer_size.setter
    def read_buffer_size(self, Py_ssize_t size):
        if size < 0:
            raise ValueError('read buffer size must be >= 0 (0: the socket receive buffer)')
        self._rsize_req = size
        if self._handle != NULL and not self._closing:
            self._ensure_rbuf()

    # -- writing ------------------------------------------------------------------------------

    cdef int _sendmsg(self, const char* ptr, Py_ssize_t length, object fds, object dest):
        """One sendmsg: 0 or a negative errno."""
        cdef sys_.msghdr msg
        cdef sys_.iovec iov
        cdef size_t cbuf[_CBUF_WORDS]
        cdef sys_.cmsghdr* cm
        cdef sys_.sockaddr_storage sa
        cdef sys_.socklen_t salen = 0
        cdef int* fdp
        cdef Py_ssize_t i, nfds
        cdef ssize_t n
        cdef int err
        if dest is not None:
            err = self._dest_sockaddr(<bytes>dest, &sa, &salen)
            if err < 0:
                return err
        if fds is None:
            # a plain message: send()/sendto() skip sendmsg's msghdr and iovec copies
            while True:
                if dest is None:
                    n = sys_.send(self.fd, ptr, <size_t>length, sys_.MSG_NOSIGNAL)
                else:
                    n = sys_.sendto(self.fd, ptr, <size_t>length, sys_.MSG_NOSIGNAL,
                                    <sys_.sockaddr*>&sa, salen)
                if n >= 0:
                    return 0
                err = sys_.errno
                if err != sys_.EINTR:
                    return -err
        memset(&msg, 0, sizeof(msg))
        iov.iov_base = <void*>ptr
        iov.iov_len = <size_t>length
        msg.msg_iov = &iov
        msg.msg_iovlen = 1
        if dest is not None:
            msg.msg_name = &sa
            msg.msg_namelen = salen
        if fds is not None:
            nfds = len(fds)
            if nfds:
                msg.msg_control = cbuf
                msg.msg_controllen = sys_.CMSG_SPACE(nfds * sizeof(int))
                cm = sys_.CMSG_FIRSTHDR(&msg)
                cm.cmsg_level = sys_.SOL_SOCKET
                cm.cmsg_type = sys_.SCM_RIGHTS
                cm.cmsg_len = sys_.CMSG_LEN(nfds * sizeof(int))
                fdp = <int*>sys_.CMSG_DATA(cm)
                for i in range(nfds):
                    fdp[i] = <int>fds[i]
        while True:
            n = sys_.sendmsg(self.fd, &msg, sys_.MSG_NOSIGNAL)
            if n >= 0:
                return 0
            err = sys_.errno
            if err != sys_.EINTR:
                return -err

    # Addresses of datagrams, overridden by UDPHandle (handles/udp.pyx): the sender as on_read
    # reports it, the destination as it is queued (bytes), and the sockaddr sent to.

    cdef object _sender_name(self, sys_.sockaddr_storage* sa, sys_.socklen_t salen):
        return _unix_name_str(<sys_.sockaddr_un*>sa, salen)

    cdef bytes _dest_key(self, object path):
        cdef bytes dest = _unix_name_bytes(path)
        if len(dest) > 108:
            raise _unix_oserror(sys_.ENAMETOOLONG, 'send', path)
        return dest

    cdef int _dest_sockaddr(self, bytes dest, sys_.sockaddr_storage* sa, sys_.socklen_t* salen):
        return _unix_sockaddr(dest, <sys_.sockaddr_un*>sa, salen)

    cdef object _dest_text(self, bytes dest):
        return dest.decode('utf-8', 'surrogateescape')

    def write(self, data, fds=None, token=None, path=None):
        """Send one message (`path`: the destination of a datagram). True when it was sent at
        once, False when it was queued (on_write_done(token, exc) follows). See the module
        comment."""
        return self._write(data, fds, token, path) == 1

    cdef inline int _send_now(self, object data, object dest) noexcept:
        """write(data) of a bytes object without fds, to the connected peer (dest None) or to
        dest (a sockaddr as bytes, as _dest_key makes), when nothing is queued: one send() or
        sendto(), a SEQPACKET or UDP echo request's write. 1 when it went; 0 when it was not
        tried (the general path, _write, is to decide all); -errno when it failed with nothing
        sent (a message goes whole or not at all), which the caller hands to _send_failed: a
        second try could succeed where the first consumed a socket error (an ICMP port
        unreachable), which would then never be reported."""
        cdef ssize_t n
        if (self._handle == NULL or self._closing or self._shut_wr or self._shutdown_pending
                or self.connecting or nl_deque_len(<PyObject*>self._wq)):
            return 0
        while True:
            if dest is None:
                n = sys_.send(self.fd, PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data),
                              sys_.MSG_NOSIGNAL)
            else:
                n = sys_.sendto(self.fd, PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data),
                                sys_.MSG_NOSIGNAL, <sys_.sockaddr*>PyBytes_AS_STRING(dest),
                                <sys_.socklen_t>PyBytes_GET_SIZE(dest))
            if n >= 0:
                return 1
            if sys_.errno != sys_.EINTR:
                return -sys_.errno

    cdef int _send_failed(self, int err, object path) except -1:
        """A send of a message to path (None: the peer) failed with -err: 0 when the message is
        to be queued (the socket buffer is full), else the OSError is raised."""
        if err != -sys_.EAGAIN and err != -sys_.EWOULDBLOCK and err != -sys_.ENOBUFS:
            raise _unix_oserror(-err, 'write' if path is None else 'send', path)
        return 0

    cdef int _write(self, object data, object fds, object token, object path) except -1:
        """write() for C callers: 1 sent, 0 queued."""
        cdef Py_buffer view
        cdef bint is_bytes = PyBytes_CheckExact(data)
        cdef const char* ptr
        cdef Py_ssize_t length
        cdef int err
        cdef object dest = None
        cdef list dups
        self._ensure_alive()
        if self._shut_wr or self._shutdown_pending:
            raise _unix_oserror(32, 'write')     # EPIPE: after shutdown
        if path is not None:
            dest = self._dest_key(path)
        if fds is not None:
            fds = tuple(int(f) for f in fds)
            if len(fds) > _MAX_SEND_FDS:
                raise ValueError(f'at most {_MAX_SEND_FDS} fds can be sent with one message')
            if not fds:
                fds = None
        if is_bytes:
            ptr = PyBytes_AS_STRING(data)
            length = PyBytes_GET_SIZE(data)
        else:
            PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
            ptr = <const char*>view.buf
            length = view.len
        try:
            if not nl_deque_len(<PyObject*>self._wq) and not self.connecting:
                err = self._sendmsg(ptr, length, fds, dest)
                if err == 0:
                    return 1
                self._send_failed(err, path)
            # Queue a copy of what the caller may change or close: the bytes, and the fds (dup'd,
            # close-on-exec; the caller keeps its own).
            if not is_bytes:
                data = PyBytes_FromStringAndSize(ptr, length)
            if fds is not None:
                dups = []
                try:
                    for f in fds:
                        err = sys_.fcntl(<int>f, sys_.F_DUPFD_CLOEXEC, 0)
                        if err < 0:
                            raise _unix_oserror(sys_.errno, 'write')
                        dups.append(err)
                except BaseException:
                    for f in dups:
                        sys_.close(<int>f)
                    raise
                fds = tuple(dups)
            self._wq.append((data, fds, token, dest))
            self._write_bytes += length
            self._update()
            return 0
        finally:
            if not is_bytes:
                PyBuffer_Release(&view)

    cdef _flush(self, bint from_poll):
        cdef int err
        cdef Py_ssize_t sent = 0
        cdef tuple entry
        cdef bytes data
        while len(self._wq) and not self._closing:
            entry = <tuple>self._wq[0]
            data = <bytes>entry[0]
            err = self._sendmsg(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), entry[1],
                                entry[3])
            if err == -sys_.EAGAIN or err == -sys_.EWOULDBLOCK or err == -sys_.ENOBUFS:
                if from_poll and sent == 0 and not self._retry_armed:
                    # Writable by poll but still refused (a datagram receiver's queue is full:
                    # the sender's poll does not see it): retry from a timer, never spin.
                    self._retry_armed = 1
                    self._loop.call_later(self._retry_delay, self._retry, context=self.context)
                    if self._retry_delay < 0.05:
                        self._retry_delay *= 2
                break
            self._wq.popleft()
            self._write_bytes -= PyBytes_GET_SIZE(data)
            if entry[1] is not None:
                for f in entry[1]:
                    sys_.close(<int>f)
            if err == 0:
                sent += 1
                self._retry_delay = 0.001
                self._call2(self.on_write_done, entry[2], None)
                continue
            exc = _unix_oserror(-err, 'write' if entry[3] is None else 'send',
                                None if entry[3] is None else self._dest_text(entry[3]))
            self._call2(self.on_write_done, entry[2], exc)
            if self._type == sys_.SOCK_SEQPACKET:
                # A connection that refuses one message refuses the rest.
                self._fail_queue(exc)
        if not len(self._wq) and self._shutdown_pending and not self._closing:
            self._shutdown_pending = 0
            self._do_shutdown()
        if not self._closing:
            self._update()

    def _retry(self):
        self._retry_armed = 0
        if self._closing or self._handle == NULL:
            return
        try:
            if self.connecting:
                self._connect_attempt(0)
            else:
                self._flush(False)
            self._update()
        except BaseException as e:
            _loop_error(self._loop, e, f'{type(self).__name__} retry', self)

    cdef _fail_queue(self, object exc):
        cdef tuple entry
        while len(self._wq):
            entry = <tuple>self._wq.popleft()
            self._write_bytes -= PyBytes_GET_SIZE(entry[0])
            if entry[1] is not None:
                for f in entry[1]:
                    sys_.close(<int>f)
            self._call2(self.on_write_done, entry[2], exc)
        if self._shutdown_pending:
            self._shutdown_pending = 0
            self._call(self.on_shutdown, exc)

    cdef _do_shutdown(self):
        cdef object exc = None
        if sys_.shutdown(self.fd, sys_.SHUT_WR) < 0:
            exc = _unix_oserror(sys_.errno, 'shutdown')
        else:
            self._shut_wr = 1
        self._call(self.on_shutdown, exc)

    def shutdown(self):
        """shutdown(SHUT_WR) once the queue is flushed: True when done now (no on_shutdown
        then), False when on_shutdown(exc) follows."""
        self._ensure_alive()
        if self._shut_wr or self._shutdown_pending:
            return True
        if len(self._wq) or self.connecting:
            self._shutdown_pending = 1
            return False
        if sys_.shutdown(self.fd, sys_.SHUT_WR) < 0:
            raise _unix_oserror(sys_.errno, 'shutdown')
        self._shut_wr = 1
        return True

    @property
    def write_queue_size(self):
        """Bytes of the queued (not yet sent) messages."""
        return self._write_bytes

    @property
    def pending_writes(self):
        return len(self._wq) if self._wq is not None else 0

    # -- addresses ------------------------------------------------------------------------------

    def bind(self, path):
        """Bind to a filesystem path or an abstract name (leading NUL) of exact length."""
        cdef bytes name = _unix_name_bytes(path)
        cdef sys_.sockaddr_un sa
        cdef sys_.socklen_t salen
        self._ensure_alive()
        if _unix_sockaddr(name, &sa, &salen) < 0:
            raise _unix_oserror(sys_.ENAMETOOLONG, 'bind', path)
        if sys_.bind(self.fd, <sys_.sockaddr*>&sa, salen) < 0:
            raise _unix_oserror(sys_.errno, 'bind', path)

    def getsockname(self):
        cdef sys_.sockaddr_un sa
        cdef sys_.socklen_t salen = sizeof(sa)
        self._ensure_alive()
        if sys_.getsockname(self.fd, <sys_.sockaddr*>&sa, &salen) < 0:
            raise _unix_oserror(sys_.errno, 'getsockname')
        return _unix_name_str(&sa, salen)

    def getpeername(self):
        cdef sys_.sockaddr_un sa
        cdef sys_.socklen_t salen = sizeof(sa)
        self._ensure_alive()
        if sys_.getpeername(self.fd, <sys_.sockaddr*>&sa, &salen) < 0:
            raise _unix_oserror(sys_.errno, 'getpeername')
        return _unix_name_str(&sa, salen)

    def getsockopt_int(self, int level, int option):
        cdef int val = 0
        cdef sys_.socklen_t vlen = sizeof(int)
        self._ensure_alive()
        if sys_.getsockopt(self.fd, level, option, &val, &vlen) < 0:
            raise _unix_oserror(sys_.errno, 'getsockopt')
        return val

    def setsockopt_int(self, int level, int option, int value):
        self._ensure_alive()
        if sys_.setsockopt(self.fd, level, option, &value, sizeof(int)) < 0:
            raise _unix_oserror(sys_.errno, 'setsockopt')

    def peer_credentials(self):
        """SO_PEERCRED of a connected socket: (pid, uid, gid) of the peer at connect time."""
        cdef sys_.ucred cr
        cdef sys_.socklen_t clen = sizeof(cr)
        self._ensure_alive()
        if sys_.getsockopt(self.fd, sys_.SOL_SOCKET, sys_.SO_PEERCRED, &cr, &clen) < 0:
            raise _unix_oserror(sys_.errno, 'getsockopt')
        return (cr.pid, cr.uid, cr.gid)

    # -- connecting -----------------------------------------------------------------------------

    def connect(self, path):
        """Connect; on_connect(exc or None) follows from a later loop iteration. Failures known
        at once (ENOENT, ECONNREFUSED, a too long path) raise."""
        cdef bytes name = _unix_name_bytes(path)
        self._ensure_alive()
        if self.connecting:
            raise _unix_oserror(114, 'connect', path)     # EALREADY
        if len(name) > 108:
            raise _unix_oserror(sys_.ENAMETOOLONG, 'connect', path)
        self._connect_name = name
        self.connecting = 1
        self._keepalive()
        try:
            self._connect_attempt(1)
        except BaseException:
            self.connecting = 0
            raise

    cdef _connect_attempt(self, bint first):
        cdef sys_.sockaddr_un sa
        cdef sys_.socklen_t salen
        cdef int r, err = 0
        cdef int soerr = 0
        cdef sys_.socklen_t elen = sizeof(int)
        if self._events & uv.UV_WRITABLE:
            # EINPROGRESS earlier: the outcome is in SO_ERROR.
            if sys_.getsockopt(self.fd, sys_.SOL_SOCKET, sys_.SO_ERROR, &soerr, &elen) < 0:
                soerr = sys_.errno
            if soerr == 0:
                self._connect_done(None)
                return
            if soerr != sys_.EAGAIN:
                self._connect_done(_unix_oserror(soerr, 'connect',
                                                 self._connect_name.decode('utf-8', 'surrogateescape')))
                return
        _unix_sockaddr(self._connect_name, &sa, &salen)
        while True:
            r = sys_.connect(self.fd, <sys_.sockaddr*>&sa, salen)
            if r == 0:
                break
            err = sys_.errno
            if err != sys_.EINTR:
                break
        path = self._connect_name.decode('utf-8', 'surrogateescape')
        if r == 0 or err == 106:      # EISCONN
            # Connected at once: report it from the next iteration, never from inside connect().
            self._loop._call_soon(self._connect_done_cb, (None,), self.context)
            return
        if err == sys_.EAGAIN or err == sys_.EWOULDBLOCK:
            # The listener's backlog is full: a Unix socket does not become writable when it
            # frees up, so try again from a timer (backing off up to 50 ms).
            self._retry_armed = 1
            self._loop.call_later(self._retry_delay, self._retry, context=self.context)
            if self._retry_delay < 0.05:
                self._retry_delay *= 2
            self._update()
            return
        if err == sys_.EINPROGRESS or err == 114:     # EALREADY
            self._update()
            return
        exc = _unix_oserror(err, 'connect', path)
        if first:
            raise exc
        self._connect_done(exc)

    def _connect_done_cb(self, exc):
        if self._closing or not self.connecting:
            return
        self._connect_done(exc)

    cdef _connect_done(self, object exc):
        self.connecting = 0
        self._retry_delay = 0.001
        self._update()
        if exc is None and (len(self._wq) or self._shutdown_pending):
            self._flush(False)
        elif exc is not None:
            self._fail_queue(exc)
        self._call(self.on_connect, exc)

    # -- closing --------------------------------------------------------------------------------

    cdef _close(self):
        cdef tuple entry
        cdef int fd
        if self._closing:
            return
        if self._pacer is not None:
            self._pacer.cancel()
        self.reading = 0
        self.listening = 0
        self.connecting = 0
        UVHandle._close(self)
        # uv_close() has taken the fd out of epoll: it can go now.
        fd = self.fd
        self.fd = -1
        if fd >= 0:
            sys_.close(fd)

    cdef _on_closed(self):
        cdef tuple entry
        cb = self.on_close
        if self._wq is not None:
            while len(self._wq):
                entry = <tuple>self._wq.popleft()
                if entry[1] is not None:
                    for f in entry[1]:
                        sys_.close(<int>f)
            self._write_bytes = 0
        if self._rbuf != NULL:
            PyMem_RawFree(self._rbuf)
            self._rbuf = NULL
        self.on_read = self.on_fds = self.on_eof = self.on_error = self.on_write_done = None
        self.on_callback_error = None
        self.on_shutdown = self.on_connect = self.on_connection = self.on_close = None
        if cb is not None:
            cb()

    def __dealloc__(self):
        # (a handle that never started: nothing else will close its fd)
        if self.fd >= 0:
            sys_.close(self.fd)
            self.fd = -1
        if self._rbuf != NULL:
            PyMem_RawFree(self._rbuf)
            self._rbuf = NULL

    def fileno(self):
        self._ensure_alive()
        return self.fd

    def __repr__(self):
        kind = 'seqpacket' if self._type == sys_.SOCK_SEQPACKET else 'dgram'
        state = 'closed' if self._closing else ('listening' if self.listening else 'open')
        return f'<{type(self).__name__} {kind} fd={self.fd} {state}>'
