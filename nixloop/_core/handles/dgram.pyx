# DgramHandle: an AF_UNIX SOCK_DGRAM socket on PolledSocketHandle (handles/polled.pyx): bind,
# send to a path (queued on EAGAIN/ENOBUFS until the socket can send again), receive with the
# sender's path ('' for an unbound sender), optional connect (a default destination), buffer
# sizes. Included into _loop.pyx after seqpacket.pyx.


cdef class DgramHandle(PolledSocketHandle):
    """An AF_UNIX SOCK_DGRAM socket: on_read(data, sender_path) per datagram."""

    @staticmethod
    def create(BaseLoop loop):
        """A new socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC)."""
        cdef DgramHandle h = DgramHandle.__new__(DgramHandle)
        cdef int fd
        if loop._closed or not loop._internals_open:
            raise RuntimeError('Event loop is closed')
        fd = sys_.socket(sys_.AF_UNIX, sys_.SOCK_DGRAM | sys_.SOCK_NONBLOCK | sys_.SOCK_CLOEXEC, 0)
        if fd < 0:
            raise _unix_oserror(sys_.errno, 'socket')
        h._init_socket(loop, fd, sys_.SOCK_DGRAM)
        return h

    @staticmethod
    def from_fd(BaseLoop loop, int fd):
        """Wrap an existing AF_UNIX SOCK_DGRAM socket fd (the handle owns it from now on)."""
        cdef DgramHandle h = DgramHandle.__new__(DgramHandle)
        cdef int val = 0
        cdef sys_.socklen_t vlen = sizeof(int)
        if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_TYPE, &val, &vlen) < 0:
            raise _unix_oserror(sys_.errno, 'getsockopt')
        if val != sys_.SOCK_DGRAM:
            raise ValueError(f'fd {fd} is not a SOCK_DGRAM socket')
        _set_nonblock_cloexec(fd)
        h._init_socket(loop, fd, sys_.SOCK_DGRAM)
        return h

    def connect(self, path):
        """Set the default destination (synchronous for datagram sockets)."""
        cdef bytes name = _unix_name_bytes(path)
        cdef sys_.sockaddr_un sa
        cdef sys_.socklen_t salen
        cdef int r
        self._ensure_alive()
        if _unix_sockaddr(name, &sa, &salen) < 0:
            raise _unix_oserror(sys_.ENAMETOOLONG, 'connect', path)
        while True:
            r = sys_.connect(self.fd, <sys_.sockaddr*>&sa, salen)
            if r == 0:
                return
            if sys_.errno != sys_.EINTR:
                raise _unix_oserror(sys_.errno, 'connect', path)

    def send(self, data, path=None, fds=None, token=None):
        """Send one datagram to `path` (None: the connected destination); see write()."""
        return self.write(data, fds, token, path)
