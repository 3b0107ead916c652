# UDPHandle: an AF_INET/AF_INET6 SOCK_DGRAM socket on PolledSocketHandle (handles/polled.pyx),
# so UDP shares the datagram read batch, the EAGAIN/ENOBUFS write queue and the transport of Unix
# datagram sockets. Addresses are tuples as the socket module writes them: on_read(data,
# (host, port)) (IPv6: (host, port, flowinfo, scope_id)); write(data, path=(host, port)). A host
# that is not numeric is resolved with the socket module's getaddrinfo, as socket.sendto() does.
# The socket itself is made, bound and connected with the socket module (nixloop/loop/udp.py),
# which takes every option asyncio does; the handle gets its fd (from_fd).
# Included into _loop.pyx after dgram.pyx.

import socket as _udp_socket

DEF _ADDR_CACHE = 16            # senders remembered (see _sender_name)
DEF _ADDR_SLOT = 28             # sizeof(struct sockaddr_in6), the largest address kept


cdef class UDPHandle(PolledSocketHandle):
    """A UDP socket: on_read(data, sender_address) per datagram."""

    @staticmethod
    def from_fd(BaseLoop loop, int fd):
        """Wrap an existing AF_INET/AF_INET6 SOCK_DGRAM socket fd: on success the handle owns
        it; on failure it stays the caller's."""
        cdef UDPHandle h = UDPHandle.__new__(UDPHandle)
        cdef int dom = 0
        cdef sys_.socklen_t vlen = sizeof(int)
        h._adopt(loop, fd, sys_.SOCK_DGRAM, sys_.AF_INET, sys_.AF_INET6)
        sys_.getsockopt(fd, sys_.SOL_SOCKET, sys_.SO_DOMAIN, &dom, &vlen)
        h._family = dom
        return h

    @property
    def family(self):
        return self._family

    # A server answers the peers it hears from, so the handle remembers its last _ADDR_CACHE
    # senders: a datagram from one of them gets the same (host, port) tuple object again (no
    # inet_ntop, no new str), and sending to that very tuple finds its sockaddr by identity (no
    # inet_pton). Tuples are immutable, so identity means the same address.

    cdef int _read_one(self) except -1:
        # recvfrom rather than PolledSocketHandle's recvmsg: UDP brings no fds, and nothing
        # reads the other ancillary data, and recvfrom costs the kernel less: 3.35 against 3.57
        # us per 1 KiB sendto + receive pair on loopback (a C loop of 300,000 pairs on one CPU,
        # recvmsg with or without a control buffer and with one or two iovecs alike). The
        # datagram is copied out of the read buffer (compat.h, nl_rx_bytes), as recvfrom takes
        # one buffer only.
        cdef sys_.sockaddr_storage addr
        cdef sys_.socklen_t alen = sizeof(addr)
        cdef char* buf
        cdef ssize_t n
        if self._rsize == 0:
            self._ensure_rbuf()
        buf = self._rbuf if self._rbuf != NULL else self._loop.c.read_buf
        n = sys_.recvfrom(self.fd, buf, <size_t>self._rsize, sys_.MSG_TRUNC,
                          <sys_.sockaddr*>&addr, &alen)
        if n < 0:
            return self._read_failed(sys_.errno)
        if n > self._rsize:
            return self._read_too_long(n)
        data = nl_rx_bytes(&self._loop.c.rx_bytes, buf, n)
        self._call2(self.on_read, data, self._sender_name(&addr, alen))
        return 1

    cdef object _sender_name(self, sys_.sockaddr_storage* sa, sys_.socklen_t salen):
        cdef int i, bucket
        cdef char* slot
        if salen == 0:
            return None
        if salen > _ADDR_SLOT:
            return sockaddr_to_tuple(<sys_.sockaddr*>sa)
        # the slot that the address's bucket names first (many peers in turn: the last one met
        # is rarely the next), then all of them
        bucket = nl_addr_bucket(<const void*>sa, salen)
        i = self._ca_bucket[bucket]
        if i < self._ca_n and self._ca_len[i] == salen and \
                nl_addr_eq(&self._ca_raw[i * _ADDR_SLOT], <const void*>sa, salen):
            self._ca_hit = i
            return <object>PyList_GET_ITEM(self._ca_tuple, i)
        for i in range(self._ca_n):
            if self._ca_len[i] == salen and \
                    nl_addr_eq(&self._ca_raw[i * _ADDR_SLOT], <const void*>sa, salen):
                self._ca_hit = i
                self._ca_bucket[bucket] = i
                return <object>PyList_GET_ITEM(self._ca_tuple, i)
        t = sockaddr_to_tuple(<sys_.sockaddr*>sa)
        if self._ca_tuple is None:
            self._ca_tuple = [None] * _ADDR_CACHE
            self._ca_dest = [None] * _ADDR_CACHE
        i = self._ca_next
        self._ca_next = (i + 1) % _ADDR_CACHE
        if self._ca_n < _ADDR_CACHE:
            self._ca_n += 1
        self._ca_hit = i
        self._ca_bucket[bucket] = i
        slot = &self._ca_raw[i * _ADDR_SLOT]
        memcpy(slot, <const void*>sa, salen)
        self._ca_len[i] = salen
        self._ca_tuple[i] = t
        self._ca_dest[i] = PyBytes_FromStringAndSize(slot, salen)
        return t

    cdef object _dest_cached(self, object addr):
        """The sockaddr (bytes) of a destination tuple met before, found by identity: a sender
        tuple of _sender_name's (the last one met first: an echo answers it) or the last tuple
        sent to; None for any other."""
        cdef int i
        if self._ca_n:
            if <object>PyList_GET_ITEM(self._ca_tuple, self._ca_hit) is addr:
                return <object>PyList_GET_ITEM(self._ca_dest, self._ca_hit)
            for i in range(self._ca_n):
                if <object>PyList_GET_ITEM(self._ca_tuple, i) is addr:
                    return <object>PyList_GET_ITEM(self._ca_dest, i)
        if addr is self._last_addr and addr is not None:
            return self._last_dest
        return None

    cdef bytes _dest_key(self, object addr):
        cdef sys_.sockaddr_storage ss
        cdef int sslen = 0
        cdef bytes dest
        cdef object known = self._dest_cached(addr)
        if known is not None:
            return <bytes>known
        if addr == self._last_addr and type(addr) is tuple:
            return self._last_dest
        try:
            sockaddr_from_tuple(self._family, addr, &ss, &sslen)
        except ValueError:
            # not numeric: resolve it the way socket.sendto() does (blocking, as there)
            if not isinstance(addr, tuple) or len(addr) < 2:
                raise TypeError(f'address must be a (host, port) tuple, not {addr!r}')
            infos = _udp_socket.getaddrinfo(addr[0], addr[1], self._family,
                                            _udp_socket.SOCK_DGRAM)
            sockaddr_from_tuple(self._family, infos[0][4], &ss, &sslen)
        dest = PyBytes_FromStringAndSize(<char*>&ss, sslen)
        self._last_addr = addr
        self._last_dest = dest
        return dest

    cdef int _dest_sockaddr(self, bytes dest, sys_.sockaddr_storage* sa, sys_.socklen_t* salen):
        memcpy(sa, PyBytes_AS_STRING(dest), PyBytes_GET_SIZE(dest))
        salen[0] = <sys_.socklen_t>PyBytes_GET_SIZE(dest)
        return 0

    cdef object _dest_text(self, bytes dest):
        return sockaddr_to_tuple(<sys_.sockaddr*>PyBytes_AS_STRING(dest))
