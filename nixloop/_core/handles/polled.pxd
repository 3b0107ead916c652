cdef class PolledSocketHandle(UVHandle):
    cdef readonly int fd
    cdef readonly bint reading
    cdef readonly bint listening
    cdef readonly bint connecting
    cdef int _type                    # SOCK_SEQPACKET or SOCK_DGRAM
    cdef int _events                  # the uv_poll events being watched
    cdef bint _shutdown_pending       # shutdown(SHUT_WR) once the write queue is empty
    cdef bint _shut_wr
    cdef bint _marks_on               # SO_TIMESTAMP set (see _mark_messages)
    cdef bint _retry_armed            # a timer retries the write queue / connect (no readiness)
    cdef object _wq                   # deque of (data, fds, token, dest) not yet sent
    cdef Py_ssize_t _write_bytes
    cdef Py_ssize_t _rsize            # read buffer size in use (0: not decided yet)
    cdef Py_ssize_t _rsize_req        # size asked for (0: the socket's SO_RCVBUF)
    cdef char* _rbuf                  # own read buffer when larger than the loop's shared one
    cdef bytes _connect_name
    cdef double _retry_delay
    cdef int _rbatch                  # messages read per readiness event (see _do_reads)
    cdef int _rfull                   # events in a row that found _rbatch messages
    cdef int _rgrow                   # full events that double _rbatch (see _do_reads)
    cdef AcceptPacer _pacer           # listening: the pause after accept() ran out of fds
    cdef public object on_read        # seqpacket: (data); dgram: (data, sender_path)
    cdef public object on_fds         # (list of fds) just before the on_read of their message
    cdef public object on_eof         # ()
    cdef public object on_error       # (exc): a read error; reading has stopped (seqpacket)
    cdef public object on_write_done  # (token, exc or None) for queued writes
    cdef public object on_shutdown    # (exc or None) for a deferred shutdown
    cdef public object on_connect     # (exc or None)
    cdef public object on_connection  # (exc or None): accept() now
    cdef public object on_close       # ()
    cdef public object on_callback_error  # (exc): on_read raised (else: the loop's handler)

    cdef int _open(self, BaseLoop loop, int family, int type_) except -1
    cdef int _adopt(self, BaseLoop loop, int fd, int type_, int family1, int family2) except -1
    cdef int _init_socket(self, BaseLoop loop, int fd, int type_) except -1
    cdef int _update(self) except -1
    cdef _on_poll(self, int status, int events)
    cdef _do_reads(self)
    cdef int _read_one(self) except -1
    cdef int _read_failed(self, int err) except -1
    cdef int _read_too_long(self, ssize_t n) except -1
    cdef int _read_error(self, object exc) except -1
    cdef int _ensure_rbuf(self) except -1
    cdef int _mark_messages(self) except -1
    cdef inline int _send_now(self, object data, object dest) noexcept
    cdef int _send_failed(self, int err, object path) except -1
    cdef int _write(self, object data, object fds, object token, object path) except -1
    cdef int _sendmsg(self, const char* ptr, Py_ssize_t length, object fds, object dest)
    cdef _flush(self, bint from_poll)
    cdef _fail_queue(self, object exc)
    cdef _do_shutdown(self)
    cdef _connect_attempt(self, bint first)
    cdef _connect_done(self, object exc)
    cdef object _sender_name(self, sys_.sockaddr_storage* sa, sys_.socklen_t salen)
    cdef bytes _dest_key(self, object path)
    cdef int _dest_sockaddr(self, bytes dest, sys_.sockaddr_storage* sa, sys_.socklen_t* salen)
    cdef object _dest_text(self, bytes dest)
    cdef _call(self, object cb, object arg)
    cdef _call_failed(self, object cb, object exc)
    cdef _call2(self, object cb, object arg1, object arg2)
