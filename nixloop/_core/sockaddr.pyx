# Conversions between Python address tuples (as the socket module writes them) and C sockaddrs.
# Included into _loop.pyx.
from .includes cimport system as sys_


cdef int sockaddr_from_tuple(int family, object addr, sys_.sockaddr_storage* out,
                             int* outlen) except -1:
    """Fill `out` from a numeric (host, port[, flowinfo, scope_id]) tuple."""
    cdef sys_.sockaddr_in* a4
    cdef sys_.sockaddr_in6* a6
    cdef bytes host
    cdef int port
    if not isinstance(addr, tuple) or len(addr) < 2:
        raise TypeError(f'address must be a (host, port) tuple, not {addr!r}')
    host_s = addr[0]
    if isinstance(host_s, (bytes, bytearray)):
        host_s = bytes(host_s).decode('ascii')
    elif host_s is not None and not isinstance(host_s, str):
        raise TypeError(f'str, bytes or bytearray expected, not {type(host_s).__name__}')
    port = addr[1]
    if port < 0 or port > 65535:
        raise OverflowError('port must be 0-65535.')
    if family == sys_.AF_INET:
        a4 = <sys_.sockaddr_in*>out
        memset(out, 0, sizeof(sys_.sockaddr_in))
        a4.sin_family = sys_.AF_INET
        a4.sin_port = sys_.htons(<uint16_t>port)
        host = (host_s or '0.0.0.0').encode('ascii')
        if sys_.inet_pton(sys_.AF_INET, host, &a4.sin_addr) != 1:
            raise ValueError(f'not a numeric IPv4 address: {host_s!r}')
        outlen[0] = sizeof(sys_.sockaddr_in)
        return 0
    if family == sys_.AF_INET6:
        a6 = <sys_.sockaddr_in6*>out
        memset(out, 0, sizeof(sys_.sockaddr_in6))
        a6.sin6_family = sys_.AF_INET6
        a6.sin6_port = sys_.htons(<uint16_t>port)
        hs = host_s or '::'
        if '%' in hs:
            hs, _, scope = hs.partition('%')
            a6.sin6_scope_id = int(scope) if scope.isdigit() else sys_.if_nametoindex(scope.encode())
        host = hs.encode('ascii')
        if sys_.inet_pton(sys_.AF_INET6, host, &a6.sin6_addr) != 1:
            raise ValueError(f'not a numeric IPv6 address: {host_s!r}')
        if len(addr) > 2:
            a6.sin6_flowinfo = sys_.htonl(addr[2])
        if len(addr) > 3 and addr[3]:
            a6.sin6_scope_id = addr[3]
        outlen[0] = sizeof(sys_.sockaddr_in6)
        return 0
    raise ValueError(f'unsupported address family {family}')


cdef object sockaddr_to_tuple(const sys_.sockaddr* sa):
    """(host, port) for IPv4, (host, port, flowinfo, scope_id) for IPv6, like socket does."""
    cdef char buf[64]
    cdef const sys_.sockaddr_in* a4
    cdef const sys_.sockaddr_in6* a6
    if sa.sa_family == sys_.AF_INET:
        a4 = <const sys_.sockaddr_in*>sa
        sys_.inet_ntop(sys_.AF_INET, &a4.sin_addr, buf, sizeof(buf))
        return (buf.decode('ascii'), sys_.ntohs(a4.sin_port))
    if sa.sa_family == sys_.AF_INET6:
        a6 = <const sys_.sockaddr_in6*>sa
        sys_.inet_ntop(sys_.AF_INET6, &a6.sin6_addr, buf, sizeof(buf))
        return (buf.decode('ascii'), sys_.ntohs(a6.sin6_port), sys_.ntohl(a6.sin6_flowinfo),
                a6.sin6_scope_id)
    return None


cdef object unix_path_from_bytes(const char* buf, size_t n):
    """A Unix socket name as Python's socket module reports it: str for a filesystem path,
    bytes for an abstract name (leading NUL), '' when unbound."""
    if n == 0:
        return ''
    if buf[0] == 0:
        return buf[:n]
    return buf[:n].decode('utf-8', 'surrogateescape')
