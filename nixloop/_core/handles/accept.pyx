# Accepting connections, for every listening handle (the TCP and pipe streams of stream.pyx, the
# SEQPACKET sockets of seqpacket.pyx): one accept4() wrapper and one policy for running out of
# fds or memory. Included into _loop.pyx before stream.pyx.
#
# A listening socket stays readable while connections wait in its backlog, and epoll is
# level-triggered, so a server that answers EMFILE by trying again on the next readiness event
# spins: a full core and ~150,000 failed accepts a second (issue 15). Here the listener stops
# watching its socket instead and tries again from a loop timer, after 50 ms, then twice as
# long each time it fails again, up to 1 s (asyncio waits 1 s, always); a successful accept
# starts over at 50 ms. Each failed try raises once to the server, which reports it (exception
# handler, or 'error' on a facade): at most a few reports in the first seconds, then one a
# second. The waiting connections stay in the backlog and are served once fds are free again
# (libuv's TCP server instead accepts and drops them with a reserve fd, and reports nothing).

DEF _ACCEPT_PAUSE_FIRST = 0.05
DEF _ACCEPT_PAUSE_MAX = 1.0


cdef inline bint _accept_out_of_resources(int err):
    """accept() failed for want of fds or memory: pause (see the module comment)."""
    return err == sys_.EMFILE or err == sys_.ENFILE or err == sys_.ENOBUFS or err == sys_.ENOMEM


cdef int _accept4(int listen_fd, sys_.sockaddr* sa, sys_.socklen_t* salen):
    """accept4(listen_fd, NONBLOCK|CLOEXEC): the new fd, or -errno (-EAGAIN: none pending).
    Connections that died in the backlog (ECONNABORTED, EPROTO) and EINTR are skipped."""
    cdef int fd, err
    while True:
        fd = sys_.accept4(listen_fd, sa, salen, sys_.SOCK_NONBLOCK | sys_.SOCK_CLOEXEC)
        if fd >= 0:
            return fd
        err = sys_.errno
        if err == sys_.EAGAIN or err == sys_.EWOULDBLOCK:
            return -sys_.EAGAIN
        if err == sys_.EINTR or err == sys_.ECONNABORTED or err == sys_.EPROTO:
            continue
        return -err


cdef class AcceptPacer:
    """The pause of a listener after accept() ran out of fds or memory (module comment)."""

    cdef pause(self, BaseLoop loop, object resume):
        """Call resume() after the current pause; the next pause will be twice as long."""
        if self._timer is not None:
            return
        if self._delay <= 0:
            self._delay = _ACCEPT_PAUSE_FIRST
        self._resume = resume
        self._timer = loop.call_later(self._delay, self._end_pause)
        self._delay = self._delay * 2 if self._delay * 2 < _ACCEPT_PAUSE_MAX else _ACCEPT_PAUSE_MAX

    def _end_pause(self):
        resume = self._resume
        self._timer = None
        self._resume = None
        if resume is not None:
            resume()

    cdef void accepted(self):
        self._delay = 0

    cdef cancel(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._resume = None

    @property
    def paused(self):
        return self._timer is not None
