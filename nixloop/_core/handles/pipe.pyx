# PipeHandle: uv_pipe_t for Unix stream sockets. Bind (filesystem or abstract names), listen,
# accept, connect, open an existing fd, names, chmod. Included into _loop.pyx.


cdef bytes _pipe_name(object path):
    if isinstance(path, str):
        return path.encode('utf-8', 'surrogateescape')
    if isinstance(path, (bytes, bytearray, memoryview)):
        return bytes(path)
    if hasattr(path, '__fspath__'):
        return _pipe_name(path.__fspath__())
    raise TypeError(f'a path (str or bytes) was expected, not {type(path).__name__}')


cdef class PipeHandle(UVStream):
    """A libuv pipe handle on a Unix stream socket."""

    @staticmethod
    cdef PipeHandle new(BaseLoop loop):
        cdef PipeHandle h = PipeHandle.__new__(PipeHandle)
        h._alloc(loop, sizeof(uv.uv_pipe_t))
        err = uv.uv_pipe_init(loop.uvloop, <uv.uv_pipe_t*>h._handle, 0)
        if err < 0:
            PyMem_RawFree(h._handle)
            h._handle = NULL
            raise convert_uv_error(err)
        return h

    @staticmethod
    def create(BaseLoop loop):
        return PipeHandle.new(loop)

    @staticmethod
    def from_fd(BaseLoop loop, int fd):
        """Wrap an existing Unix stream socket fd (the handle then owns it)."""
        cdef PipeHandle h = PipeHandle.new(loop)
        err = uv.uv_pipe_open(<uv.uv_pipe_t*>h._handle, fd)
        if err < 0:
            h._handle.data = NULL
            uv.uv_close(h._handle, _cb_handle_closed)
            h._handle = NULL
            h._closing = 1
            raise convert_uv_error(err)
        return h

    def bind(self, path):
        """Bind to a filesystem path, or an abstract name (leading NUL, Linux) of exact length."""
        cdef bytes name = _pipe_name(path)
        self._ensure_alive()
        err = uv.uv_pipe_bind2(<uv.uv_pipe_t*>self._handle, name, len(name), 0)
        if err < 0:
            raise convert_uv_error(err)

    def connect(self, path):
        cdef bytes name = _pipe_name(path)
        cdef uv.uv_connect_t* req
        self._ensure_alive()
        req = <uv.uv_connect_t*>PyMem_RawMalloc(sizeof(uv.uv_connect_t))
        if req == NULL:
            raise MemoryError()
        req.data = <void*>self
        err = uv.uv_pipe_connect2(req, <uv.uv_pipe_t*>self._handle, name, len(name), 0,
                                  _cb_stream_connect)
        if err < 0:
            PyMem_RawFree(req)
            raise convert_uv_error(err)
        Py_INCREF(self)
        self._keepalive()

    def accept(self):
        cdef PipeHandle client
        self._ensure_alive()
        client = PipeHandle.new(self._loop)
        err = uv.uv_accept(self._stream(), client._stream())
        if err < 0:
            client._close()
            raise convert_uv_error(err)
        return client

    def chmod(self, int flags):
        """uv_pipe_chmod: flags 1 = readable by all, 2 = writable by all."""
        self._ensure_alive()
        err = uv.uv_pipe_chmod(<uv.uv_pipe_t*>self._handle, flags)
        if err < 0:
            raise convert_uv_error(err)

    def getsockname(self):
        cdef char buf[256]
        cdef size_t n = sizeof(buf)
        self._ensure_alive()
        err = uv.uv_pipe_getsockname(<uv.uv_pipe_t*>self._handle, buf, &n)
        if err < 0:
            raise convert_uv_error(err)
        return unix_path_from_bytes(buf, n)

    def getpeername(self):
        cdef char buf[256]
        cdef size_t n = sizeof(buf)
        self._ensure_alive()
        err = uv.uv_pipe_getpeername(<uv.uv_pipe_t*>self._handle, buf, &n)
        if err < 0:
            raise convert_uv_error(err)
        return unix_path_from_bytes(buf, n)
