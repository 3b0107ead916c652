cdef class PollHandle(UVHandle):
    cdef readonly int fd
    cdef int _events
    cdef Handle _reader
    cdef Handle _writer
    cdef public object on_event       # (events: int, exc or None) -> None, when no reader/writer
    cdef public object _nl_ident      # (st_dev, st_ino) of the fd when watching began
    cdef unsigned long long _dev        # identity of the watched file, to notice a closed or
    cdef unsigned long long _ino        # reused fd before libuv hands it to epoll
    cdef bint _dirty

    @staticmethod
    cdef PollHandle new(BaseLoop loop, int fd)
    cdef int _update(self) except -1
    cdef bint _fd_still_valid(self)
    cdef _on_poll(self, int status, int events)
