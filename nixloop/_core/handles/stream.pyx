# UVStream: the base of stream handles (TCP, pipe) over uv_stream_t.
#
# The callback API, shared by the asyncio transports and the Node-style facades:
#   read_start()/read_stop()      -> on_read(data) | on_eof() | on_error(exc)
#   zero-copy reads               -> on_buffer(size_hint) gives the buffer, on_buffer_filled(n)
#   write(data, token=None)       -> True when all was written at once; otherwise queued and
#                                    on_write_done(token, exc_or_None) follows
#   shutdown()                    -> on_shutdown(exc_or_None), after queued writes
#   listen(backlog)               -> on_connection(exc_or_None); then accept() -> a new handle, or
#                                    None when no connection waits. The listening socket is
#                                    watched by a uv_poll_t of our own and accepted with accept4()
#                                    (handles/accept.pyx), not by uv_listen(), so that running out
#                                    of fds pauses the server and is reported instead of being
#                                    shed silently by libuv. As with libuv, the socket is not
#                                    watched again until accept() is called once on_connection
#                                    returned without calling it.
#   close()                       -> on_close()
# When a StreamTransport drives the stream, events go straight to it (compiled calls) instead of
# the Python callables. Included into _loop.pyx.


cdef void _cb_stream_alloc(uv.uv_handle_t* h, size_t suggested, uv.uv_buf_t* buf) noexcept:
    nl_gil_acquire()
    cdef UVStream s = <UVStream>h.data
    cdef LoopInternals* c
    if not s._buffered:
        # Set here rather than through _on_alloc: no user code, no context, ~40 fewer
        # instructions per read (perf/callgrind_echo.py). Straight into the loop's kept bytes
        # object when the stream's reads keep one length (compat.h, nl_rx_target), else the
        # loop's read buffer.
        c = s._loop.c
        if s._rx_fit:
            buf.base = nl_rx_target(c.rx_bytes, &buf.len)
            if buf.base != NULL:
                return
        buf.base = c.read_buf
        buf.len = STREAM_READ_SIZE
        return
    _stream_alloc(s, suggested, buf)


cdef void _stream_alloc(UVStream s, size_t suggested, uv.uv_buf_t* buf) noexcept:
    # A buffered stream (BufferedProtocol): get_buffer() is user code, run in the context.
    cdef object ctx = s.context
    cdef int entered = nl_context_enter_io(ctx)
    try:
        s._on_alloc(suggested, buf)
    finally:
        if entered:
            nl_context_exit(ctx)


cdef void _cb_stream_read(uv.uv_stream_t* s, ssize_t nread, const uv.uv_buf_t* buf) noexcept:
    nl_gil_acquire()
    cdef UVStream st = <UVStream>s.data
    if nread > 0 and not st._buffered and st._transport is not None:
        _stream_data_to_transport(st, <StreamTransport>st._transport, nread, buf)
    else:
        _stream_read(st, nread, buf)


cdef void _stream_data_to_transport(UVStream s, StreamTransport t, ssize_t nread,
                                    const uv.uv_buf_t* buf) noexcept:
    # Bytes for an asyncio transport: once per echo request. One function from libuv's callback
    # to data_received, with C-level result checks instead of the try blocks of the general
    # path (_stream_read -> _on_read -> StreamTransport._on_data: Cython saves the exception
    # state at each try) and the bound method called as its function (compat.h nl_call_one).
    # What a failure leads to stays StreamTransport._data_received_error's.
    cdef object ctx = s.context
    cdef object cb = t._data_received
    cdef PyObject* data
    cdef int entered
    if cb is None:
        _stream_read(s, nread, buf)         # no protocol any more: the general path says so
        return
    entered = nl_context_enter_io(ctx)
    data = nl_rx_read_ref(&s._loop.c.rx_bytes, buf.base, nread, &s._rx_fit)
    if data == NULL:
        _stream_data_failed(s, None)        # no memory for the bytes object
    else:
        if nl_call_one(<PyObject*>cb, data) < 0:
            _stream_data_failed(s, t)
        Py_XDECREF(data)
    if entered:
        nl_context_exit(ctx)


cdef void _stream_data_failed(UVStream s, StreamTransport t) noexcept:
    # as _on_read's handlers: a failed data_received goes to the transport, anything else
    # (MemoryError making the bytes object) to the loop
    cdef object exc = nl_take_raised()
    try:
        if t is None:
            raise exc
        t._data_received_error(exc)
    except BaseException as e:
        _loop_error(s._loop, e, 'stream read callback', s)


cdef void _stream_read(UVStream s, ssize_t nread, const uv.uv_buf_t* buf) noexcept:
    # Entering the transport's context: PyContext_Enter/Exit, ~40 instructions of the ~3,700 of
    # an echo request (callgrind; perf/callgrind_echo.py, figures in the commit messages).
    cdef object ctx = s.context
    cdef int entered = nl_context_enter_io(ctx)
    try:
        s._on_read(nread, buf)
    finally:
        if entered:
            nl_context_exit(ctx)


cdef void _cb_stream_write(uv.uv_write_t* req, int status) noexcept:
    nl_gil_acquire()
    _stream_write_done(<UVStream>req.data, <WriteReq*>req, status)


cdef void _stream_write_done(UVStream s, WriteReq* req, int status) noexcept:
    cdef object ctx = s.context
    cdef int entered = nl_context_enter_io(ctx)
    try:
        s._on_write_done(req, status)
    finally:
        if entered:
            nl_context_exit(ctx)


cdef void _cb_stream_shutdown(uv.uv_shutdown_t* req, int status) noexcept:
    nl_gil_acquire()
    _stream_shutdown_done(req, status)


cdef void _stream_shutdown_done(uv.uv_shutdown_t* req, int status) noexcept:
    cdef UVStream s = <UVStream>req.data
    cdef object ctx = s.context
    cdef int entered = nl_context_enter_io(ctx)
    PyMem_RawFree(req)
    try:
        if s._transport is not None:
            (<StreamTransport>s._transport)._on_shutdown(status)
        else:
            s._dispatch(s.on_shutdown, None if status >= 0 else convert_uv_error(status))
    finally:
        if entered:
            nl_context_exit(ctx)
        Py_DECREF(s)      # the reference taken when the request was made


cdef void _cb_accept_poll(uv.uv_poll_t* h, int status, int events) noexcept:
    nl_gil_acquire()
    _stream_accept_ready(<UVStream>h.data, status)


cdef void _stream_accept_ready(UVStream s, int status) noexcept:
    # on_connection runs in the listener's context (asyncio: create_server's caller's)
    cdef object ctx = s.context
    cdef int entered = nl_context_enter_io(ctx)
    try:
        s._on_accept_ready(status)
    finally:
        if entered:
            nl_context_exit(ctx)


cdef void _cb_stream_connect(uv.uv_connect_t* req, int status) noexcept:
    nl_gil_acquire()
    _stream_connect_done(req, status)


cdef void _stream_connect_done(uv.uv_connect_t* req, int status) noexcept:
    cdef UVStream s = <UVStream>req.data
    cdef object ctx = s.context
    cdef int entered = nl_context_enter_io(ctx)
    PyMem_RawFree(req)
    try:
        s._emit_connect(status)
    finally:
        if entered:
            nl_context_exit(ctx)
        Py_DECREF(s)


cdef void _loop_error(BaseLoop loop, object exc, str where, object obj) noexcept:
    """Route an exception raised by user code inside a libuv callback."""
    try:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            if loop._pending_exc is None:
                loop._pending_exc = exc
            uv.uv_stop(loop.uvloop)
            return
        loop.call_exception_handler({'message': f'Unhandled exception in {where}',
                                     'exception': exc, 'handle': obj})
    except BaseException as exc2:
        if loop._pending_exc is None:
            loop._pending_exc = exc2
        uv.uv_stop(loop.uvloop)


cdef class UVStream(UVHandle):
    """A libuv stream handle (see the module comment for its callback API)."""

    cdef inline uv.uv_stream_t* _stream(self) noexcept:
        return <uv.uv_stream_t*>self._handle

    cdef _dispatch(self, object cb, object arg):
        if cb is None:
            return
        try:
            cb(arg)
        except BaseException as exc:
            _loop_error(self._loop, exc, f'{type(self).__name__} callback {cb!r}', self)

    # -- reading --------------------------------------------------------------------------------

    cdef int _read_start(self) except -1:
        cdef int err
        self._ensure_alive()
        if self.reading:
            return 0
        err = uv.uv_read_start(self._stream(), _cb_stream_alloc, _cb_stream_read)
        if err < 0:
            raise convert_uv_error(err)
        self.reading = 1
        self._keepalive()
        return 0

    cdef int _read_stop(self) except -1:
        if not self.reading:
            return 0
        self.reading = 0
        if self._handle != NULL and not self._closing:
            uv.uv_read_stop(self._stream())
        return 0

    cdef _on_alloc(self, size_t suggested, uv.uv_buf_t* buf):
        # Zero-copy: read straight into the consumer's buffer (BufferedProtocol.get_buffer).
        # Unbuffered streams never come here: _cb_stream_alloc gives them the loop's buffer.
        cdef object target
        buf.base = NULL
        buf.len = 0
        try:
            if self._transport is not None:
                target = (<StreamTransport>self._transport)._get_buffer(suggested)
            else:
                target = self.on_buffer(suggested)
            PyObject_GetBuffer(target, &self._rview, PyBUF_WRITABLE)
            self._rview_held = 1
            if self._rview.len == 0:
                self._release_rview()
                raise RuntimeError('get_buffer() returned an empty buffer')
            buf.base = <char*>self._rview.buf
            buf.len = self._rview.len
        except BaseException as exc:
            self._alloc_exc = exc     # libuv now reports UV_ENOBUFS; _on_read raises this

    cdef _release_rview(self):
        if self._rview_held:
            self._rview_held = 0
            PyBuffer_Release(&self._rview)

    cdef _on_read(self, ssize_t nread, const uv.uv_buf_t* buf):
        cdef object exc
        try:
            if nread > 0:
                if self._buffered:
                    self._release_rview()
                    if self._transport is not None:
                        (<StreamTransport>self._transport)._on_buffer_filled(nread)
                    else:
                        self._dispatch(self.on_buffer_filled, nread)
                else:
                    data = nl_rx_read(&self._loop.c.rx_bytes, buf.base, nread, &self._rx_fit)
                    if self._transport is not None:
                        (<StreamTransport>self._transport)._on_data(data)
                    elif self._core is not None:
                        try:
                            (<SocketCore>self._core)._c_on_read(data)
                        except BaseException as exc:
                            _loop_error(self._loop, exc, f'{type(self).__name__} read callback',
                                        self)
                    else:
                        self._dispatch(self.on_read, data)
                return
            self._release_rview()
            if nread == 0:
                return
            if nread == uv.UV_EOF:
                if self._transport is not None:
                    (<StreamTransport>self._transport)._on_eof()
                elif self.on_eof is not None:
                    try:
                        self.on_eof()
                    except BaseException as e:
                        _loop_error(self._loop, e, 'on_eof callback', self)
                return
            if nread == uv.UV_ENOBUFS and self._alloc_exc is not None:
                exc = self._alloc_exc
                self._alloc_exc = None
            else:
                exc = convert_uv_error(<int>nread)
            self._read_stop()
            if self._transport is not None:
                (<StreamTransport>self._transport)._on_read_error(exc)
            else:
                self._dispatch(self.on_error, exc)
        except BaseException as e:
            _loop_error(self._loop, e, 'stream read callback', self)

    # -- writing --------------------------------------------------------------------------------

    cdef int _write(self, object data, object token) except -1:
        """Write data: returns 1 when it all went out at once, 0 when (part of) it was queued;
        on_write_done(token, exc) follows a queued write. Errors raise OSError."""
        cdef Py_buffer view
        cdef char* ptr
        cdef Py_ssize_t length
        self._ensure_alive()
        if PyBytes_CheckExact(data):
            ptr = PyBytes_AS_STRING(data)
            length = PyBytes_GET_SIZE(data)
            if length == 0:
                return 1
            return self._write_rest(data, ptr, length, self._try_write(ptr, length), token)
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            ptr = <char*>view.buf
            length = view.len
            if length == 0:
                return 1
            return self._write_rest(None, ptr, length, self._try_write(ptr, length), token)
        finally:
            PyBuffer_Release(&view)

    cdef inline int _try_write(self, char* ptr, Py_ssize_t length) noexcept:
        # uv_try_write's result (bytes sent, or an error), or 0 without trying when writes are
        # queued: these bytes must go after them. The handle is alive (the caller checked).
        cdef uv.uv_buf_t b
        if self._write_reqs:
            return 0
        b.base = ptr
        b.len = length
        return uv.uv_try_write(self._stream(), &b, 1)

    cdef int _write_rest(self, object owner, char* ptr, Py_ssize_t length, int sent,
                         object token) except -1:
        """What follows _try_write(ptr, length) == sent: 1 when it all went, else the rest is
        queued in a uv_write and 0 returned. owner is the bytes object that ptr points into
        (immutable: the queued write points into it too), or None for any other buffer, whose
        rest is copied."""
        cdef WriteReq* wr
        cdef uv.uv_buf_t b
        cdef int err
        if sent == length:
            return 1
        if sent < 0:
            if sent != uv.UV_EAGAIN and sent != uv.UV_ENOSYS:
                raise convert_uv_error(sent)
            sent = 0
        if owner is None:
            owner = PyBytes_FromStringAndSize(ptr + sent, length - sent)
            ptr = PyBytes_AS_STRING(owner)
        else:
            ptr += sent
        wr = <WriteReq*>PyMem_RawMalloc(sizeof(WriteReq))
        if wr == NULL:
            raise MemoryError()
        # uv_write copies the buffer list into the request: b need not outlive the call
        b.base = ptr
        b.len = length - sent
        wr.nbytes = length - sent
        wr.req.data = <void*>self
        err = uv.uv_write(&wr.req, self._stream(), &b, 1, _cb_stream_write)
        if err < 0:
            PyMem_RawFree(wr)
            raise convert_uv_error(err)
        wr.owner = <PyObject*>owner
        Py_INCREF(owner)
        if token is None:
            wr.token = NULL
        else:
            wr.token = <PyObject*>token
            Py_INCREF(token)
        self._write_bytes += wr.nbytes
        self._write_reqs += 1
        self._keepalive()
        return 0

    cdef _on_write_done(self, WriteReq* wr, int status):
        cdef object token = None
        self._write_bytes -= wr.nbytes
        self._write_reqs -= 1
        Py_DECREF(<object>wr.owner)
        if wr.token != NULL:
            token = <object>wr.token
            Py_DECREF(token)
        PyMem_RawFree(wr)
        try:
            if self._transport is not None:
                (<StreamTransport>self._transport)._on_write_done(status)
            elif self.on_write_done is not None:
                self.on_write_done(token, None if status >= 0 else convert_uv_error(status))
        except BaseException as e:
            _loop_error(self._loop, e, 'write callback', self)

    cdef int _shutdown(self) except -1:
        cdef uv.uv_shutdown_t* req
        self._ensure_alive()
        req = <uv.uv_shutdown_t*>PyMem_RawMalloc(sizeof(uv.uv_shutdown_t))
        if req == NULL:
            raise MemoryError()
        req.data = <void*>self
        err = uv.uv_shutdown(req, self._stream(), _cb_stream_shutdown)
        if err < 0:
            PyMem_RawFree(req)
            raise convert_uv_error(err)
        Py_INCREF(self)
        return 0

    cdef int _listen(self, int backlog) except -1:
        cdef uv.uv_os_fd_t fd
        cdef uv.uv_poll_t* acc
        cdef int err
        self._ensure_alive()
        self._listen_socket()
        err = uv.uv_fileno(self._handle, &fd)
        if err < 0:
            raise convert_uv_error(err)
        if sys_.listen(fd, backlog) < 0:
            raise convert_uv_error(-sys_.errno)
        if self._acceptor == NULL:
            acc = <uv.uv_poll_t*>PyMem_RawMalloc(sizeof(uv.uv_poll_t))
            if acc == NULL:
                raise MemoryError()
            err = uv.uv_poll_init(self._loop.uvloop, acc, fd)
            if err < 0:
                PyMem_RawFree(acc)
                raise convert_uv_error(err)
            acc.data = <void*>self
            self._acceptor = acc
            self._pacer = AcceptPacer()
            if not uv.uv_has_ref(self._handle):
                uv.uv_unref(<uv.uv_handle_t*>acc)
        self._watch_accept(1)
        self._keepalive()
        return 0

    cdef int _listen_socket(self) except -1:
        """Make sure the handle has a socket to listen on (TCP: one made on bind)."""
        return 0

    cdef int _watch_accept(self, bint on) except -1:
        cdef int err
        if self._acceptor == NULL or self._closing:
            return 0
        if on:
            err = uv.uv_poll_start(self._acceptor, uv.UV_READABLE, _cb_accept_poll)
            if err < 0:
                raise convert_uv_error(err)
        else:
            uv.uv_poll_stop(self._acceptor)
        return 0

    cdef _on_accept_ready(self, int status):
        try:
            if status < 0:
                # an error on the listening socket itself: report it once per pause
                self._watch_accept(0)
                self._pacer.pause(self._loop, self._resume_accept)
                self._dispatch(self.on_connection, convert_uv_error(status))
                return
            self._accept_called = 0
            self._dispatch(self.on_connection, None)
            if not self._accept_called and not self._closing and self._acceptor != NULL \
                    and self._pacer._timer is None:
                self._accept_waiting = 1
                self._watch_accept(0)
        except BaseException as exc:
            _loop_error(self._loop, exc, f'{type(self).__name__} accept callback', self)

    def _resume_accept(self):
        if not self._closing and self._acceptor != NULL and not self._accept_waiting:
            self._watch_accept(1)

    cdef int _accept_fd(self) except -2:
        """accept4() on the listening socket: the new fd, or -1 when none waits (or the
        server is paused). Running out of fds pauses the server and raises."""
        cdef uv.uv_os_fd_t lfd
        cdef int fd
        self._ensure_alive()
        if self._acceptor == NULL:
            raise OSError(_errno.EINVAL, 'the handle is not listening')
        self._accept_called = 1
        if self._accept_waiting:
            self._accept_waiting = 0
            if self._pacer._timer is None:
                self._watch_accept(1)
        if self._pacer._timer is not None:
            return -1
        uv.uv_fileno(self._handle, &lfd)
        fd = _accept4(lfd, NULL, NULL)
        if fd >= 0:
            self._pacer.accepted()
            return fd
        if fd == -sys_.EAGAIN:
            return -1
        if _accept_out_of_resources(-fd):
            self._watch_accept(0)
            self._pacer.pause(self._loop, self._resume_accept)
        raise convert_uv_error(fd)

    cdef _close_acceptor(self):
        if self._pacer is not None:
            self._pacer.cancel()
        if self._acceptor != NULL:
            # freed by its close callback (data NULL: nothing else to do there)
            self._acceptor.data = NULL
            uv.uv_close(<uv.uv_handle_t*>self._acceptor, _cb_handle_closed)
            self._acceptor = NULL

    cdef _close(self):
        if self._closing:
            return
        self._close_acceptor()      # before the stream closes the fd both watch
        UVHandle._close(self)

    def __dealloc__(self):
        if self._acceptor != NULL:
            self._acceptor.data = NULL
            if not uv.uv_is_closing(<uv.uv_handle_t*>self._acceptor):
                uv.uv_close(<uv.uv_handle_t*>self._acceptor, _cb_handle_closed)
            self._acceptor = NULL

    def ref(self):
        UVHandle.ref(self)
        if self._acceptor != NULL and not self._closing:
            uv.uv_ref(<uv.uv_handle_t*>self._acceptor)
        return self

    def unref(self):
        UVHandle.unref(self)
        if self._acceptor != NULL and not self._closing:
            uv.uv_unref(<uv.uv_handle_t*>self._acceptor)
        return self

    def is_active(self):
        if self._acceptor != NULL and not self._closing:
            return bool(uv.uv_is_active(<uv.uv_handle_t*>self._acceptor))
        return UVHandle.is_active(self)

    cdef _emit_connect(self, int status):
        self._dispatch(self.on_connect, None if status >= 0 else convert_uv_error(status))

    cdef _on_closed(self):
        self._release_rview()
        self.reading = 0
        cb = self.on_close
        self.on_read = self.on_eof = self.on_error = self.on_write_done = None
        self.on_shutdown = self.on_connect = self.on_connection = self.on_close = None
        self.on_buffer = self.on_buffer_filled = None
        self._core = None
        if self._transport is not None:
            t = self._transport
            self._transport = None
            (<StreamTransport>t)._on_stream_closed()
        if cb is not None:
            cb()

    # -- Python API -----------------------------------------------------------------------------

    def read_start(self):
        """Start reading: events go to on_read/on_eof/on_error (or on_buffer*)."""
        self._buffered = self.on_buffer is not None and self._transport is None
        self._read_start()

    def read_stop(self):
        self._read_stop()

    def set_core(self, SocketCore core):
        """Feed chunks straight to a nixloop.net socket's compiled core (instead of on_read);
        None goes back to on_read."""
        self._core = core

    def write(self, data, token=None):
        """Write bytes-like `data`; True if all of it was written at once."""
        return bool(self._write(data, token))

    def shutdown(self):
        """Half-close after the queued writes (on_shutdown follows)."""
        self._shutdown()

    def listen(self, int backlog=511):
        self._listen(backlog)

    @property
    def write_queue_size(self):
        """Bytes queued in libuv and not yet written to the kernel."""
        return self._write_bytes

    @property
    def pending_writes(self):
        return self._write_reqs

    def is_readable(self):
        return self._handle != NULL and not self._closing and bool(uv.uv_is_readable(self._stream()))

    def is_writable(self):
        return self._handle != NULL and not self._closing and bool(uv.uv_is_writable(self._stream()))
