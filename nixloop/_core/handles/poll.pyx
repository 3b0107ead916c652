# PollHandle: uv_poll_t watching a raw fd for readability/writability.
#
# libuv registers a watcher with epoll lazily, at the next poll, and aborts the process if
# epoll_ctl fails then (EBADF for an fd closed meanwhile). A poll handle whose events changed is
# therefore checked right before the poll (BaseLoop._check_dirty_polls): if its fd was closed or
# now names another file, the handle is stopped and closed instead of crashing the process. Serves add_reader /
# add_writer (a Handle per direction, run through the ready queue as asyncio does), and, through
# on_event(events, exc), sockets that libuv has no handle type for (SOCK_SEQPACKET, Unix
# datagrams). Included into _loop.pyx.

READABLE = uv.UV_READABLE
WRITABLE = uv.UV_WRITABLE
DISCONNECT = uv.UV_DISCONNECT


cdef void _cb_poll(uv.uv_poll_t* h, int status, int events) noexcept:
    nl_gil_acquire()
    (<PollHandle>h.data)._on_poll(status, events)


cdef class PollHandle(UVHandle):
    """A libuv poll handle on a file descriptor it does not own."""

    @staticmethod
    cdef PollHandle new(BaseLoop loop, int fd):
        cdef PollHandle h = PollHandle.__new__(PollHandle)
        h._alloc(loop, sizeof(uv.uv_poll_t))
        err = uv.uv_poll_init(loop.uvloop, <uv.uv_poll_t*>h._handle, fd)
        if err < 0:
            PyMem_RawFree(h._handle)
            h._handle = NULL
            raise convert_uv_error(err)
        h.fd = fd
        if not h._fd_still_valid():
            pass   # uv_poll_init succeeded, so fstat failing here is a race: caught before poll
        return h

    cdef bint _fd_still_valid(self):
        """True while self.fd names the file it named when the handle was made."""
        cdef stat_t st
        if fstat(self.fd, &st) != 0:
            return False
        if self._dev == 0 and self._ino == 0:
            self._dev = st.st_dev
            self._ino = st.st_ino
            return True
        return <unsigned long long>st.st_dev == self._dev and \
            <unsigned long long>st.st_ino == self._ino

    @staticmethod
    def create(BaseLoop loop, int fd):
        return PollHandle.new(loop, fd)

    cdef int _update(self) except -1:
        cdef int events = 0
        if self._reader is not None:
            events |= uv.UV_READABLE
        if self._writer is not None:
            events |= uv.UV_WRITABLE
        self._set_events(events)
        return 0

    def _set_events(self, int events):
        self._ensure_alive()
        if events == self._events:
            return
        if events == 0:
            uv.uv_poll_stop(<uv.uv_poll_t*>self._handle)
        else:
            err = uv.uv_poll_start(<uv.uv_poll_t*>self._handle, events, _cb_poll)
            if err < 0:
                raise convert_uv_error(err)
            self._keepalive()
            if not self._dirty:
                self._dirty = 1
                self._loop._dirty_polls.append(self)
                self._loop.c.polls_dirty = 1
        self._events = events

    def start(self, int events):
        """Watch for UV_READABLE | UV_WRITABLE (| UV_DISCONNECT); on_event(events, exc) fires."""
        self._set_events(events)

    def stop(self):
        if self._handle != NULL and not self._closing:
            self._set_events(0)

    @property
    def events(self):
        return self._events

    def set_reader(self, Handle h):
        self._reader = h
        self._update()

    def set_writer(self, Handle h):
        self._writer = h
        self._update()

    def get_reader(self):
        return self._reader

    def get_writer(self):
        return self._writer

    cdef _on_poll(self, int status, int events):
        cdef BaseLoop loop = self._loop
        try:
            if self._reader is None and self._writer is None:
                if self.on_event is not None:
                    self.on_event(events, None if status >= 0 else convert_uv_error(status))
                return
            if status < 0:
                # An error on the fd: wake both sides so that their next call sees it.
                events = uv.UV_READABLE | uv.UV_WRITABLE
            if events & (uv.UV_READABLE | uv.UV_DISCONNECT) and self._reader is not None:
                if not self._reader._cancelled:
                    loop._append_ready(self._reader)
            if events & uv.UV_WRITABLE and self._writer is not None:
                if not self._writer._cancelled:
                    loop._append_ready(self._writer)
        except BaseException as exc:
            _loop_error(loop, exc, 'poll callback', self)

    cdef _on_closed(self):
        self._reader = None
        self._writer = None
        self.on_event = None
