# getaddrinfo / getnameinfo on libuv's thread pool (uv_getaddrinfo, uv_getnameinfo), with
# results and errors shaped exactly as the socket module gives them. Included into _loop.pyx.


cdef object _gai_error(int status):
    """socket.gaierror for a libuv EAI_* status, with the C library's code and message."""
    name = uv.uv_err_name(status).decode('ascii')
    code = getattr(socket, name, None)
    if code is None:
        return convert_uv_error(status)
    return socket.gaierror(code, sys_.gai_strerror(code).decode('utf-8', 'replace'))


cdef object _family_enum(int family):
    try:
        return socket.AddressFamily(family)
    except ValueError:
        return family


cdef object _kind_enum(int kind):
    try:
        return socket.SocketKind(kind)
    except ValueError:
        return kind


cdef object _sockaddr_any(const sys_.sockaddr* sa):
    if sa.sa_family == sys_.AF_INET or sa.sa_family == sys_.AF_INET6:
        return sockaddr_to_tuple(sa)
    return None


cdef void _cb_getaddrinfo(uv.uv_getaddrinfo_t* req, int status, void* res) noexcept:
    nl_gil_acquire()
    _getaddrinfo_done(req, status, <sys_.addrinfo*>res)


cdef void _getaddrinfo_done(uv.uv_getaddrinfo_t* req, int status, sys_.addrinfo* res) noexcept:
    cdef object fut = <object>req.data
    cdef sys_.addrinfo* ai
    Py_DECREF(fut)
    PyMem_RawFree(req)
    try:
        if status < 0:
            if status == uv.UV_EAI_CANCELED or status == uv.UV_ECANCELED:
                return
            if not fut.done():
                fut.set_exception(_gai_error(status))
            return
        result = []
        ai = res
        while ai != NULL:
            addr = _sockaddr_any(ai.ai_addr)
            if addr is not None:
                canon = ai.ai_canonname.decode('utf-8', 'replace') if ai.ai_canonname != NULL else ''
                result.append((_family_enum(ai.ai_family), _kind_enum(ai.ai_socktype),
                               ai.ai_protocol, canon, addr))
            ai = ai.ai_next
        if not fut.done():
            fut.set_result(result)
    except BaseException as exc:
        try:
            if not fut.done():
                fut.set_exception(exc)
        except BaseException:
            pass
    finally:
        if res != NULL:
            uv.uv_freeaddrinfo(res)


def _start_getaddrinfo(BaseLoop loop, fut, host, port, int family, int type, int proto,
                       int flags):
    """Start uv_getaddrinfo; `fut` gets socket.getaddrinfo's result or exception."""
    cdef sys_.addrinfo hints
    cdef uv.uv_getaddrinfo_t* req
    cdef bytes bhost = None, bport = None
    cdef const char* chost = NULL
    cdef const char* cport = NULL
    if host is not None:
        if isinstance(host, str):
            bhost = host.encode('idna')
        else:
            bhost = bytes(host)
        chost = bhost
    if port is not None:
        if isinstance(port, int):
            bport = str(port).encode('ascii')
        elif isinstance(port, str):
            bport = port.encode('utf-8')
        else:
            bport = bytes(port)
        cport = bport
    memset(&hints, 0, sizeof(hints))
    hints.ai_family = family
    hints.ai_socktype = type
    hints.ai_protocol = proto
    hints.ai_flags = flags
    req = <uv.uv_getaddrinfo_t*>PyMem_RawMalloc(sizeof(uv.uv_getaddrinfo_t))
    if req == NULL:
        raise MemoryError()
    req.data = <void*>fut
    Py_INCREF(fut)
    err = uv.uv_getaddrinfo(loop.uvloop, req, <uv.uv_getaddrinfo_cb>_cb_getaddrinfo, chost, cport,
                            &hints)
    if err < 0:
        Py_DECREF(fut)
        PyMem_RawFree(req)
        if uv.uv_err_name(err).startswith(b'EAI_'):
            raise _gai_error(err)
        raise convert_uv_error(err)


cdef void _cb_getnameinfo(uv.uv_getnameinfo_t* req, int status, const char* host,
                          const char* service) noexcept:
    nl_gil_acquire()
    _getnameinfo_done(req, status, host, service)


cdef void _getnameinfo_done(uv.uv_getnameinfo_t* req, int status, const char* host,
                            const char* service) noexcept:
    cdef object fut = <object>req.data
    Py_DECREF(fut)
    try:
        if fut.done():
            return
        if status < 0:
            if status != uv.UV_ECANCELED:
                fut.set_exception(_gai_error(status))
            return
        fut.set_result((host.decode('utf-8', 'replace'), service.decode('utf-8', 'replace')))
    except BaseException as exc:
        try:
            if not fut.done():
                fut.set_exception(exc)
        except BaseException:
            pass
    finally:
        PyMem_RawFree(req)


def _start_getnameinfo(BaseLoop loop, fut, int family, tuple sockaddr, int flags):
    """Start uv_getnameinfo for a numeric (host, port[, flowinfo, scope_id]) address."""
    cdef sys_.sockaddr_storage ss
    cdef int n
    cdef uv.uv_getnameinfo_t* req
    sockaddr_from_tuple(family, sockaddr, &ss, &n)
    req = <uv.uv_getnameinfo_t*>PyMem_RawMalloc(sizeof(uv.uv_getnameinfo_t))
    if req == NULL:
        raise MemoryError()
    req.data = <void*>fut
    Py_INCREF(fut)
    err = uv.uv_getnameinfo(loop.uvloop, req, _cb_getnameinfo, <sys_.sockaddr*>&ss, flags)
    if err < 0:
        Py_DECREF(fut)
        PyMem_RawFree(req)
        raise _gai_error(err) if uv.uv_err_name(err).startswith(b'EAI_') else convert_uv_error(err)
