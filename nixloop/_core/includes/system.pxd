# POSIX declarations used by the handles (sockets, addresses). Declarations only.
from libc.stdint cimport uint16_t, uint32_t

cdef extern from "<sys/socket.h>" nogil:
    ctypedef unsigned int socklen_t
    ctypedef unsigned short sa_family_t
    struct sockaddr:
        sa_family_t sa_family
    struct sockaddr_storage:
        sa_family_t ss_family
    int AF_UNSPEC
    int AF_INET
    int AF_INET6
    int AF_UNIX
    int SOCK_STREAM
    int SOCK_DGRAM
    int SOCK_SEQPACKET
    int SOCK_NONBLOCK
    int SOCK_CLOEXEC
    int SOL_SOCKET
    int SO_ERROR
    int SO_REUSEADDR
    int SO_REUSEPORT
    int SO_TYPE
    int SO_DOMAIN
    int SO_RCVBUF
    int SO_SNDBUF
    int SHUT_WR
    int getsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen)
    int setsockopt(int fd, int level, int optname, const void* optval, socklen_t optlen)
    int getsockname(int fd, sockaddr* addr, socklen_t* addrlen)
    int getpeername(int fd, sockaddr* addr, socklen_t* addrlen)

cdef extern from "<netinet/in.h>" nogil:
    struct in_addr:
        uint32_t s_addr
    struct in6_addr:
        unsigned char s6_addr[16]
    struct sockaddr_in:
        sa_family_t sin_family
        uint16_t sin_port
        in_addr sin_addr
    struct sockaddr_in6:
        sa_family_t sin6_family
        uint16_t sin6_port
        uint32_t sin6_flowinfo
        in6_addr sin6_addr
        uint32_t sin6_scope_id
    uint16_t htons(uint16_t)
    uint16_t ntohs(uint16_t)
    uint32_t htonl(uint32_t)
    uint32_t ntohl(uint32_t)

cdef extern from "<sys/un.h>" nogil:
    struct sockaddr_un:
        sa_family_t sun_family
        char sun_path[108]

cdef extern from "<arpa/inet.h>" nogil:
    int inet_pton(int af, const char* src, void* dst)
    const char* inet_ntop(int af, const void* src, char* dst, socklen_t size)
    int INET6_ADDRSTRLEN

cdef extern from "<net/if.h>" nogil:
    unsigned int if_nametoindex(const char* ifname)

cdef extern from "<unistd.h>" nogil:
    int close(int fd)
    int dup(int fd)

cdef extern from "<fcntl.h>" nogil:
    int fcntl(int fd, int cmd, ...)
    int F_DUPFD_CLOEXEC

cdef extern from "<errno.h>" nogil:
    int errno


# -- Unix SOCK_SEQPACKET / SOCK_DGRAM sockets (handles/seqpacket.pyx, handles/dgram.pyx) ------
cdef extern from "<sys/types.h>" nogil:
    ctypedef int pid_t
    ctypedef unsigned int uid_t
    ctypedef unsigned int gid_t

cdef extern from "<sys/uio.h>" nogil:
    struct iovec:
        void* iov_base
        size_t iov_len

cdef extern from "<sys/socket.h>" nogil:
    struct msghdr:
        void* msg_name
        socklen_t msg_namelen
        iovec* msg_iov
        size_t msg_iovlen
        void* msg_control
        size_t msg_controllen
        int msg_flags
    struct cmsghdr:
        size_t cmsg_len
        int cmsg_level
        int cmsg_type
    struct ucred:          # needs _GNU_SOURCE (pyconfig.h defines it)
        pid_t pid
        uid_t uid
        gid_t gid
    cmsghdr* CMSG_FIRSTHDR(msghdr* msg)
    cmsghdr* CMSG_NXTHDR(msghdr* msg, cmsghdr* cmsg)
    unsigned char* CMSG_DATA(cmsghdr* cmsg)
    size_t CMSG_SPACE(size_t length)
    size_t CMSG_LEN(size_t length)
    int SCM_RIGHTS
    int SCM_CREDENTIALS
    int SO_PASSCRED
    int SO_TIMESTAMP
    int SO_PEERCRED
    int SOMAXCONN
    int MSG_TRUNC
    int MSG_CTRUNC
    int MSG_DONTWAIT
    int MSG_NOSIGNAL
    int MSG_CMSG_CLOEXEC
    int SHUT_RD
    int SHUT_RDWR
    int socket "socket" (int domain, int type, int protocol)
    int bind "bind" (int fd, const sockaddr* addr, socklen_t addrlen)
    int listen "listen" (int fd, int backlog)
    int connect "connect" (int fd, const sockaddr* addr, socklen_t addrlen)
    int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags)
    int shutdown "shutdown" (int fd, int how)
    ssize_t recvmsg(int fd, msghdr* msg, int flags)
    ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* src, socklen_t* srclen)
    ssize_t sendmsg(int fd, const msghdr* msg, int flags)
    ssize_t send "send" (int fd, const void* buf, size_t n, int flags)
    ssize_t sendto "sendto" (int fd, const void* buf, size_t n, int flags, const sockaddr* addr,
                             socklen_t addrlen)

cdef extern from "<fcntl.h>" nogil:
    int F_GETFL
    int F_SETFL
    int F_GETFD
    int F_SETFD
    int FD_CLOEXEC
    int O_NONBLOCK

cdef extern from "<errno.h>" nogil:
    int EAGAIN
    int EWOULDBLOCK
    int EINTR
    int EINPROGRESS
    int ENOBUFS
    int EMSGSIZE
    int ENAMETOOLONG
    int EBADF
    int ECONNABORTED
    int EMFILE
    int ENFILE
    int ENOMEM
    int EPROTO
    int ENOTCONN

cdef extern from "<string.h>" nogil:
    size_t strnlen(const char* s, size_t maxlen)

cdef extern from "<netdb.h>" nogil:
    struct addrinfo:
        int ai_flags
        int ai_family
        int ai_socktype
        int ai_protocol
        socklen_t ai_addrlen
        sockaddr* ai_addr
        char* ai_canonname
        addrinfo* ai_next
    const char* gai_strerror(int errcode)
    int EAI_NONAME
