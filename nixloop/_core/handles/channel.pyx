# ChannelHandle: the IPC channel of nixloop.child_process, an AF_UNIX SOCK_STREAM socket (one end
# of the socketpair a forked child inherits) on PolledSocketHandle (handles/polled.pyx, where the
# callback API is described). Reads, the write queue, fd passing and closing are the base's; what
# differs is the stream's write: a message may leave in several sends (the base sends a message in
# one), its SCM_RIGHTS fds going with its first byte only. Linux's recvmsg hands fds out with the
# data up to the end of the send that carried them and stops there, so the receiver gets a
# message's fds no later than the message's first byte (nixloop/child_process/_channel.py relies on
# that). Included into _loop.pyx after polled.pyx.


cdef class ChannelHandle(PolledSocketHandle):
    """A Unix stream socket carrying newline- or length-framed messages with fds."""

    @staticmethod
    def from_fd(BaseLoop loop, int fd):
        """Wrap an AF_UNIX SOCK_STREAM socket fd; the handle owns it once this returns (it is
        made non-blocking and close-on-exec). Other fds raise and stay the caller's."""
        cdef ChannelHandle h = ChannelHandle.__new__(ChannelHandle)
        cdef int val = 0
        cdef sys_.socklen_t vlen = sizeof(int)
        if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_TYPE, &val, &vlen) < 0:
            raise _unix_oserror(sys_.errno, 'getsockopt')
        if val != sys_.SOCK_STREAM:
            raise ValueError(f'fd {fd} is not a stream socket')
        vlen = sizeof(int)
        if sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_DOMAIN, &val, &vlen) < 0:
            raise _unix_oserror(sys_.errno, 'getsockopt')
        if val != sys_.AF_UNIX:
            raise ValueError(f'fd {fd} is not a Unix socket')
        _set_nonblock_cloexec(fd)
        h._init_socket(loop, fd, sys_.SOCK_STREAM)
        h._sent = 0
        return h

    cdef int _sendmsg(self, const char* ptr, Py_ssize_t length, object fds, object dest):
        """Send what is left of the message at the head of the queue (the base calls this with the
        same message until it returns 0 or an error): 0 when all of it went out, -EAGAIN when the
        socket is full (self._sent remembers how far it got), another -errno on failure."""
        cdef sys_.msghdr msg
        cdef sys_.iovec iov
        cdef size_t cbuf[_CBUF_WORDS]
        cdef sys_.cmsghdr* cm
        cdef int* fdp
        cdef Py_ssize_t i, nfds = 0
        cdef Py_ssize_t off = self._sent
        cdef ssize_t n
        cdef int err
        if fds is not None:
            nfds = len(fds)
        while off < length:
            if off == 0 and nfds:
                memset(&msg, 0, sizeof(msg))
                iov.iov_base = <void*>ptr
                iov.iov_len = <size_t>length
                msg.msg_iov = &iov
                msg.msg_iovlen = 1
                msg.msg_control = cbuf
                msg.msg_controllen = sys_.CMSG_SPACE(nfds * sizeof(int))
                cm = sys_.CMSG_FIRSTHDR(&msg)
                cm.cmsg_level = sys_.SOL_SOCKET
                cm.cmsg_type = sys_.SCM_RIGHTS
                cm.cmsg_len = sys_.CMSG_LEN(nfds * sizeof(int))
                fdp = <int*>sys_.CMSG_DATA(cm)
                for i in range(nfds):
                    fdp[i] = <int>fds[i]
                n = sys_.sendmsg(self.fd, &msg, sys_.MSG_NOSIGNAL)
            else:
                n = sys_.send(self.fd, ptr + off, <size_t>(length - off), sys_.MSG_NOSIGNAL)
            if n >= 0:
                off += n
                continue
            err = sys_.errno
            if err == sys_.EINTR:
                continue
            if err == sys_.EAGAIN or err == sys_.EWOULDBLOCK or err == sys_.ENOBUFS:
                self._sent = off
                return -err
            self._sent = 0
            return -err
        self._sent = 0
        return 0

    def __repr__(self):
        state = 'closed' if self._closing else 'open'
        return f'<ChannelHandle fd={self.fd} {state} queued={self._write_bytes}>'
