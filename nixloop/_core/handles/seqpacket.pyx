# SeqpacketHandle: an AF_UNIX SOCK_SEQPACKET socket on PolledSocketHandle (handles/polled.pyx,
# where the callback API is described): listen/accept, connect, whole-message reads and writes.
# Included into _loop.pyx after polled.pyx.

cdef class SeqpacketHandle(PolledSocketHandle):
    """An AF_UNIX SOCK_SEQPACKET socket: listen/accept, connect, whole-message reads/writes."""

    @staticmethod
    def create(BaseLoop loop):
        """A new socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC)."""
        cdef SeqpacketHandle h = SeqpacketHandle.__new__(SeqpacketHandle)
        cdef int fd
        if loop._closed or not loop._internals_open:
            raise RuntimeError('Event loop is closed')
        fd = sys_.socket(sys_.AF_UNIX, sys_.SOCK_SEQPACKET | sys_.SOCK_NONBLOCK | sys_.SOCK_CLOEXEC, 0)
        if fd < 0:
            raise _unix_oserror(sys_.errno, 'socket')
        h._init_socket(loop, fd, sys_.SOCK_SEQPACKET)
        return h

    @staticmethod
    def from_fd(BaseLoop loop, int fd):
        """Wrap an existing AF_UNIX SOCK_SEQPACKET socket fd (the handle owns it from now on; it
        is made non-blocking and close-on-exec)."""
        cdef SeqpacketHandle h = SeqpacketHandle.__new__(SeqpacketHandle)
        cdef int val = 0
        cdef sys_.socklen_t vlen = sizeof(int)
        if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_TYPE, &val, &vlen) < 0:
            raise _unix_oserror(sys_.errno, 'getsockopt')
        if val != sys_.SOCK_SEQPACKET:
            raise ValueError(f'fd {fd} is not a SOCK_SEQPACKET socket')
        _set_nonblock_cloexec(fd)
        h._init_socket(loop, fd, sys_.SOCK_SEQPACKET)
        return h

    def listen(self, int backlog=511):
        self._ensure_alive()
        if sys_.listen(self.fd, backlog) < 0:
            raise _unix_oserror(sys_.errno, 'listen')
        self.listening = 1
        self._update()

    def accept(self):
        """Accept one connection: (SeqpacketHandle, peer path or '') or None (none pending)."""
        cdef sys_.sockaddr_un sa
        cdef sys_.socklen_t salen
        cdef int fd, err
        cdef SeqpacketHandle h
        self._ensure_alive()
        while True:
            salen = sizeof(sa)
            fd = sys_.accept4(self.fd, <sys_.sockaddr*>&sa, &salen,
                              sys_.SOCK_NONBLOCK | sys_.SOCK_CLOEXEC)
            if fd >= 0:
                break
            err = sys_.errno
            if err == sys_.EAGAIN or err == sys_.EWOULDBLOCK:
                return None
            if err == sys_.EINTR or err == sys_.ECONNABORTED or err == sys_.EPROTO:
                continue
            raise _unix_oserror(err, 'accept')
        h = SeqpacketHandle.__new__(SeqpacketHandle)
        h._init_socket(self._loop, fd, sys_.SOCK_SEQPACKET)
        return h, _unix_name_str(&sa, salen)
