# SeqpacketHandle: an AF_UNIX SOCK_SEQPACKET socket on PolledSocketHandle (handles/polled.pyx,
# where the callback API is described): listen/accept, connect, whole-message reads and writes.
# Included into _loop.pyx after polled.pyx.

cdef class SeqpacketHandle(PolledSocketHandle):
    """An AF_UNIX SOCK_SEQPACKET socket: listen/accept, connect, whole-message reads/writes."""

    @staticmethod
    def create(BaseLoop loop):
        """A new socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC)."""
        cdef SeqpacketHandle h = SeqpacketHandle.__new__(SeqpacketHandle)
        h._open(loop, sys_.AF_UNIX, sys_.SOCK_SEQPACKET)
        return h

    @staticmethod
    def from_fd(BaseLoop loop, int fd):
        """Wrap an existing AF_UNIX SOCK_SEQPACKET socket fd: on success the handle owns it
        (made non-blocking and close-on-exec); on failure it stays the caller's."""
        cdef SeqpacketHandle h = SeqpacketHandle.__new__(SeqpacketHandle)
        h._adopt(loop, fd, sys_.SOCK_SEQPACKET, sys_.AF_UNIX, sys_.AF_UNIX)
        return h

    def _update_from_timer(self):
        if not self._closing and self._handle != NULL:
            self._update()

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
        cdef int fd
        cdef SeqpacketHandle h
        self._ensure_alive()
        if self._pacer is not None and self._pacer._timer is not None:
            return None                 # paused after running out of fds (handles/accept.pyx)
        salen = sizeof(sa)
        fd = _accept4(self.fd, <sys_.sockaddr*>&sa, &salen)
        if fd == -sys_.EAGAIN:
            return None
        if fd < 0:
            if _accept_out_of_resources(-fd):
                if self._pacer is None:
                    self._pacer = AcceptPacer()
                self._pacer.pause(self._loop, self._update_from_timer)
                self._update()
            raise _unix_oserror(-fd, 'accept')
        if self._pacer is not None:
            self._pacer.accepted()
        h = SeqpacketHandle.__new__(SeqpacketHandle)
        try:
            h._init_socket(self._loop, fd, sys_.SOCK_SEQPACKET)
        except BaseException:
            sys_.close(fd)
            raise
        return h, _unix_name_str(&sa, salen)
