cdef struct WriteReq:
    uv.uv_write_t req
    PyObject* owner          # owned: the bytes object the buffer points into
    PyObject* token          # owned: what on_write_done receives (or NULL)
    size_t nbytes


cdef class UVStream(UVHandle):
    cdef readonly bint reading
    cdef bint _buffered
    cdef int _rx_fit                  # the last read had the loop's kept bytes object's length
    cdef Py_buffer _rview
    cdef bint _rview_held
    cdef object _alloc_exc
    cdef size_t _write_bytes          # bytes in queued (not yet completed) uv_write requests
    cdef Py_ssize_t _write_reqs
    cdef object _transport            # a StreamTransport, or None (facade: Python callbacks)
    cdef object _core                 # a SocketCore (nixloop.net.Socket) fed directly, or None
    cdef public object on_read        # (data: bytes) -> None
    cdef public object on_buffer      # (size_hint) -> writable buffer, for zero-copy reads
    cdef public object on_buffer_filled   # (nbytes) -> None
    cdef public object on_eof         # () -> None
    cdef public object on_error       # (exc) -> None
    cdef public object on_write_done  # (token, exc or None) -> None
    cdef public object on_shutdown    # (exc or None) -> None
    cdef public object on_connect     # (exc or None) -> None
    cdef public object on_connection  # (exc or None) -> None
    cdef public object on_close       # () -> None
    cdef uv.uv_poll_t* _acceptor      # listening: watches the socket (handles/accept.pyx)
    cdef AcceptPacer _pacer
    cdef bint _accept_called          # accept() was called from on_connection
    cdef bint _accept_waiting         # ... it was not: not watching until accept() is called

    cdef inline uv.uv_stream_t* _stream(self) noexcept
    cdef int _read_start(self) except -1
    cdef int _read_stop(self) except -1
    cdef int _write(self, object data, object token) except -1
    cdef inline int _try_write(self, char* ptr, Py_ssize_t length) noexcept
    cdef int _write_rest(self, object owner, char* ptr, Py_ssize_t length, int sent,
                         object token) except -1
    cdef int _shutdown(self) except -1
    cdef int _listen(self, int backlog) except -1
    cdef int _listen_socket(self) except -1
    cdef int _watch_accept(self, bint on) except -1
    cdef _on_accept_ready(self, int status)
    cdef int _accept_fd(self) except -2
    cdef _close_acceptor(self)
    cdef _dispatch(self, object cb, object arg)
    cdef _on_alloc(self, size_t suggested, uv.uv_buf_t* buf)
    cdef _on_read(self, ssize_t nread, const uv.uv_buf_t* buf)
    cdef _on_write_done(self, WriteReq* wr, int status)
    cdef _release_rview(self)
    cdef _emit_connect(self, int status)
