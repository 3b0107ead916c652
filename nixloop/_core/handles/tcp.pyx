# TCPHandle: uv_tcp_t. Bind, listen, accept, connect, Nagle and keep-alive, addresses, RST close.
# Included into _loop.pyx.


cdef class TCPHandle(UVStream):
    """A libuv TCP handle. Create with TCPHandle.create(loop, family=AF_UNSPEC)."""

    @staticmethod
    cdef TCPHandle new(BaseLoop loop, int family):
        cdef TCPHandle h = TCPHandle.__new__(TCPHandle)
        h._alloc(loop, sizeof(uv.uv_tcp_t))
        err = uv.uv_tcp_init_ex(loop.uvloop, <uv.uv_tcp_t*>h._handle, <unsigned int>family)
        if err < 0:
            PyMem_RawFree(h._handle)
            h._handle = NULL
            raise convert_uv_error(err)
        h._family = family
        return h

    @staticmethod
    def create(BaseLoop loop, int family=0):
        """A new, unconnected TCP handle on `loop` (family 0: the socket is made on bind)."""
        return TCPHandle.new(loop, family)

    @staticmethod
    def from_fd(BaseLoop loop, int fd):
        """Wrap an existing connected or listening TCP socket fd (the handle then owns it)."""
        cdef TCPHandle h = TCPHandle.new(loop, 0)
        err = uv.uv_tcp_open(<uv.uv_tcp_t*>h._handle, fd)
        if err < 0:
            h._handle.data = NULL
            uv.uv_close(h._handle, _cb_handle_closed)
            h._handle = NULL
            h._closing = 1
            raise convert_uv_error(err)
        return h

    def bind(self, tuple addr, bint ipv6only=False):
        cdef sys_.sockaddr_storage ss
        cdef int n
        self._ensure_alive()
        family = sys_.AF_INET6 if ':' in (addr[0] or '') else sys_.AF_INET
        sockaddr_from_tuple(family, addr, &ss, &n)
        err = uv.uv_tcp_bind(<uv.uv_tcp_t*>self._handle, <sys_.sockaddr*>&ss,
                             uv.UV_TCP_IPV6ONLY if ipv6only else 0)
        if err < 0:
            raise convert_uv_error(err)

    def connect(self, tuple addr):
        """Connect to a numeric address; on_connect(exc_or_None) follows."""
        cdef sys_.sockaddr_storage ss
        cdef int n
        cdef uv.uv_connect_t* req
        self._ensure_alive()
        family = sys_.AF_INET6 if ':' in (addr[0] or '') else sys_.AF_INET
        sockaddr_from_tuple(family, addr, &ss, &n)
        req = <uv.uv_connect_t*>PyMem_RawMalloc(sizeof(uv.uv_connect_t))
        if req == NULL:
            raise MemoryError()
        req.data = <void*>self
        err = uv.uv_tcp_connect(req, <uv.uv_tcp_t*>self._handle, <sys_.sockaddr*>&ss,
                                _cb_stream_connect)
        if err < 0:
            PyMem_RawFree(req)
            raise convert_uv_error(err)
        Py_INCREF(self)
        self._keepalive()

    def accept(self):
        """Accept one pending connection (call from on_connection) as a new TCPHandle."""
        cdef TCPHandle client
        self._ensure_alive()
        client = TCPHandle.new(self._loop, 0)
        err = uv.uv_accept(self._stream(), client._stream())
        if err < 0:
            client._close()
            raise convert_uv_error(err)
        return client

    def set_nodelay(self, bint enable=True):
        self._ensure_alive()
        err = uv.uv_tcp_nodelay(<uv.uv_tcp_t*>self._handle, enable)
        if err < 0:
            raise convert_uv_error(err)

    def set_keepalive(self, bint enable=True, unsigned int delay=0):
        self._ensure_alive()
        err = uv.uv_tcp_keepalive(<uv.uv_tcp_t*>self._handle, enable, delay)
        if err < 0:
            raise convert_uv_error(err)

    def getsockname(self):
        cdef sys_.sockaddr_storage ss
        cdef int n = sizeof(ss)
        self._ensure_alive()
        err = uv.uv_tcp_getsockname(<uv.uv_tcp_t*>self._handle, <sys_.sockaddr*>&ss, &n)
        if err < 0:
            raise convert_uv_error(err)
        return sockaddr_to_tuple(<sys_.sockaddr*>&ss)

    def getpeername(self):
        cdef sys_.sockaddr_storage ss
        cdef int n = sizeof(ss)
        self._ensure_alive()
        err = uv.uv_tcp_getpeername(<uv.uv_tcp_t*>self._handle, <sys_.sockaddr*>&ss, &n)
        if err < 0:
            raise convert_uv_error(err)
        return sockaddr_to_tuple(<sys_.sockaddr*>&ss)

    def close_reset(self):
        """Close with a TCP RST instead of a FIN (uv_tcp_close_reset)."""
        if self._closing or self._handle == NULL:
            return
        self._closing = 1
        self._keepalive()
        err = uv.uv_tcp_close_reset(<uv.uv_tcp_t*>self._handle, _cb_handle_closed)
        if err < 0:
            # Not a connected TCP socket (or writes pending): close normally.
            uv.uv_close(self._handle, _cb_handle_closed)
