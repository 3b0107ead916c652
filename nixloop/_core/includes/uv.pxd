# Declarations of the parts of libuv 1.50 that nixloop uses. Declarations only: no code.
from libc.stdint cimport uint64_t, int64_t
from posix.types cimport gid_t, uid_t
from libc.string cimport const_char

cdef extern from "includes/compat.h":
    pass

cdef extern from "uv.h" nogil:
    ctypedef int uv_os_sock_t
    ctypedef int uv_os_fd_t

    ctypedef enum uv_run_mode:
        UV_RUN_DEFAULT = 0
        UV_RUN_ONCE
        UV_RUN_NOWAIT

    ctypedef enum uv_handle_type:
        UV_UNKNOWN_HANDLE = 0
        UV_ASYNC
        UV_CHECK
        UV_FS_EVENT
        UV_FS_POLL
        UV_HANDLE
        UV_IDLE
        UV_NAMED_PIPE
        UV_POLL
        UV_PREPARE
        UV_PROCESS
        UV_STREAM
        UV_TCP
        UV_TIMER
        UV_TTY
        UV_UDP
        UV_SIGNAL
        UV_FILE
        UV_HANDLE_TYPE_MAX

    enum:
        UV_READABLE = 1
        UV_WRITABLE = 2
        UV_DISCONNECT = 4
        UV_PRIORITIZED = 8

    enum:
        UV_TCP_IPV6ONLY = 1

    ctypedef enum uv_loop_option:
        UV_LOOP_BLOCK_SIGNAL = 0
        UV_METRICS_IDLE_TIME
        UV_LOOP_USE_IO_URING_SQPOLL

    cdef int UV_EOF
    cdef int UV_EAGAIN
    cdef int UV_EBUSY
    cdef int UV_ECANCELED
    cdef int UV_EINVAL
    cdef int UV_ENOTCONN
    cdef int UV_ENOBUFS
    cdef int UV_EBADF
    cdef int UV_ECONNRESET
    cdef int UV_EPIPE
    cdef int UV_ENOSYS
    cdef int UV_ENOTSUP
    cdef int UV_EAI_CANCELED
    cdef int UV_PIPE_NO_TRUNCATE

    ctypedef struct uv_buf_t:
        char* base
        size_t len

    ctypedef struct uv_loop_t:
        void* data
        unsigned int active_handles
        unsigned int stop_flag

    ctypedef struct uv_handle_t:
        void* data
        uv_loop_t* loop
        uv_handle_type type

    ctypedef struct uv_stream_t:
        void* data
        uv_loop_t* loop
        size_t write_queue_size

    ctypedef struct uv_tcp_t:
        void* data
        uv_loop_t* loop
        size_t write_queue_size

    ctypedef struct uv_pipe_t:
        void* data
        uv_loop_t* loop
        size_t write_queue_size
        int ipc

    ctypedef struct uv_timer_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_idle_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_check_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_prepare_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_async_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_poll_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_signal_t:
        void* data
        uv_loop_t* loop
        int signum

    ctypedef struct uv_req_t:
        void* data

    ctypedef struct uv_write_t:
        void* data
        uv_stream_t* send_handle
        uv_stream_t* handle

    ctypedef struct uv_connect_t:
        void* data
        uv_stream_t* handle

    ctypedef struct uv_shutdown_t:
        void* data
        uv_stream_t* handle

    ctypedef struct uv_getaddrinfo_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_getnameinfo_t:
        void* data
        uv_loop_t* loop
        char host[1025]
        char service[32]

    ctypedef struct uv_work_t:
        void* data


# Callback types are outside the nogil block: libuv calls them on the loop's thread, which holds
# the GIL but for the poll, so nixloop's callbacks are GIL-holding functions that take it back
# with nl_gil_acquire() (the GIL rule in _loop.pyx). C-only nogil callbacks fit them too.
cdef extern from "uv.h":
    ctypedef void (*uv_close_cb)(uv_handle_t* handle) noexcept
    ctypedef void (*uv_walk_cb)(uv_handle_t* handle, void* arg) noexcept
    ctypedef void (*uv_timer_cb)(uv_timer_t* handle) noexcept
    ctypedef void (*uv_idle_cb)(uv_idle_t* handle) noexcept
    ctypedef void (*uv_check_cb)(uv_check_t* handle) noexcept
    ctypedef void (*uv_prepare_cb)(uv_prepare_t* handle) noexcept
    ctypedef void (*uv_async_cb)(uv_async_t* handle) noexcept
    ctypedef void (*uv_poll_cb)(uv_poll_t* handle, int status, int events) noexcept
    ctypedef void (*uv_signal_cb)(uv_signal_t* handle, int signum) noexcept
    ctypedef void (*uv_alloc_cb)(uv_handle_t* handle, size_t suggested_size, uv_buf_t* buf) noexcept
    ctypedef void (*uv_read_cb)(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept
    ctypedef void (*uv_write_cb)(uv_write_t* req, int status) noexcept
    ctypedef void (*uv_connect_cb)(uv_connect_t* req, int status) noexcept
    ctypedef void (*uv_shutdown_cb)(uv_shutdown_t* req, int status) noexcept
    ctypedef void (*uv_connection_cb)(uv_stream_t* server, int status) noexcept
    ctypedef void (*uv_getaddrinfo_cb)(uv_getaddrinfo_t* req, int status, void* res) noexcept
    ctypedef void (*uv_getnameinfo_cb)(uv_getnameinfo_t* req, int status,
                                       const char* hostname, const char* service) noexcept


cdef extern from "uv.h" nogil:
    # errors
    const char* uv_strerror(int err)
    const char* uv_err_name(int err)
    int uv_translate_sys_error(int sys_errno)

    # version
    unsigned int uv_version()
    const char* uv_version_string()

    # loop
    int uv_loop_init(uv_loop_t* loop)
    int uv_loop_close(uv_loop_t* loop)
    int uv_loop_alive(const uv_loop_t* loop)
    int uv_loop_fork(uv_loop_t* loop)
    int uv_loop_configure(uv_loop_t* loop, uv_loop_option option, ...)
    int uv_run(uv_loop_t*, uv_run_mode mode)
    void uv_stop(uv_loop_t*)
    int uv_backend_fd(const uv_loop_t*)
    int uv_backend_timeout(const uv_loop_t*)
    uint64_t uv_now(const uv_loop_t*)
    void uv_update_time(uv_loop_t*)
    uint64_t uv_hrtime()
    void uv_walk(uv_loop_t* loop, uv_walk_cb walk_cb, void* arg)

    # handles
    void uv_close(uv_handle_t* handle, uv_close_cb close_cb)
    int uv_is_active(const uv_handle_t* handle)
    int uv_is_closing(const uv_handle_t* handle)
    void uv_ref(uv_handle_t*)
    void uv_unref(uv_handle_t*)
    int uv_has_ref(const uv_handle_t*)
    int uv_fileno(const uv_handle_t* handle, uv_os_fd_t* fd)
    int uv_send_buffer_size(uv_handle_t* handle, int* value)
    int uv_recv_buffer_size(uv_handle_t* handle, int* value)

    uv_buf_t uv_buf_init(char* base, unsigned int len)

    # timer
    int uv_timer_init(uv_loop_t*, uv_timer_t* handle)
    int uv_timer_start(uv_timer_t* handle, uv_timer_cb cb, uint64_t timeout, uint64_t repeat)
    int uv_timer_stop(uv_timer_t* handle)
    int uv_timer_again(uv_timer_t* handle)
    void uv_timer_set_repeat(uv_timer_t* handle, uint64_t repeat)
    uint64_t uv_timer_get_repeat(const uv_timer_t* handle)
    uint64_t uv_timer_get_due_in(const uv_timer_t* handle)

    # idle / check / prepare
    int uv_idle_init(uv_loop_t*, uv_idle_t* idle)
    int uv_idle_start(uv_idle_t* idle, uv_idle_cb cb)
    int uv_idle_stop(uv_idle_t* idle)
    int uv_check_init(uv_loop_t*, uv_check_t* check)
    int uv_check_start(uv_check_t* check, uv_check_cb cb)
    int uv_check_stop(uv_check_t* check)
    int uv_prepare_init(uv_loop_t*, uv_prepare_t* prepare)
    int uv_prepare_start(uv_prepare_t* prepare, uv_prepare_cb cb)
    int uv_prepare_stop(uv_prepare_t* prepare)

    # async
    int uv_async_init(uv_loop_t*, uv_async_t* async_, uv_async_cb async_cb)
    int uv_async_send(uv_async_t* async_)

    # poll
    int uv_poll_init(uv_loop_t* loop, uv_poll_t* handle, int fd)
    int uv_poll_init_socket(uv_loop_t* loop, uv_poll_t* handle, uv_os_sock_t socket)
    int uv_poll_start(uv_poll_t* handle, int events, uv_poll_cb cb)
    int uv_poll_stop(uv_poll_t* handle)

    # signal
    int uv_signal_init(uv_loop_t* loop, uv_signal_t* handle)
    int uv_signal_start(uv_signal_t* handle, uv_signal_cb signal_cb, int signum)
    int uv_signal_stop(uv_signal_t* handle)

    # streams
    int uv_listen(uv_stream_t* stream, int backlog, uv_connection_cb cb)
    int uv_accept(uv_stream_t* server, uv_stream_t* client)
    int uv_read_start(uv_stream_t*, uv_alloc_cb alloc_cb, uv_read_cb read_cb)
    int uv_read_stop(uv_stream_t*)
    int uv_write(uv_write_t* req, uv_stream_t* handle, const uv_buf_t bufs[],
                 unsigned int nbufs, uv_write_cb cb)
    int uv_try_write(uv_stream_t* handle, const uv_buf_t bufs[], unsigned int nbufs)
    int uv_shutdown(uv_shutdown_t* req, uv_stream_t* handle, uv_shutdown_cb cb)
    int uv_is_readable(const uv_stream_t* handle)
    int uv_is_writable(const uv_stream_t* handle)
    int uv_stream_set_blocking(uv_stream_t* handle, int blocking)
    size_t uv_stream_get_write_queue_size(const uv_stream_t* stream)

    # tcp
    int uv_tcp_init(uv_loop_t*, uv_tcp_t* handle)
    int uv_tcp_init_ex(uv_loop_t*, uv_tcp_t* handle, unsigned int flags)
    int uv_tcp_open(uv_tcp_t* handle, uv_os_sock_t sock)
    int uv_tcp_nodelay(uv_tcp_t* handle, int enable)
    int uv_tcp_keepalive(uv_tcp_t* handle, int enable, unsigned int delay)
    int uv_tcp_simultaneous_accepts(uv_tcp_t* handle, int enable)
    int uv_tcp_bind(uv_tcp_t* handle, const void* addr, unsigned int flags)
    int uv_tcp_getsockname(const uv_tcp_t* handle, void* name, int* namelen)
    int uv_tcp_getpeername(const uv_tcp_t* handle, void* name, int* namelen)
    int uv_tcp_close_reset(uv_tcp_t* handle, uv_close_cb close_cb)
    int uv_tcp_connect(uv_connect_t* req, uv_tcp_t* handle, const void* addr, uv_connect_cb cb)

    # pipe
    int uv_pipe_init(uv_loop_t*, uv_pipe_t* handle, int ipc)
    int uv_pipe_open(uv_pipe_t*, uv_os_fd_t file)
    int uv_pipe_bind2(uv_pipe_t* handle, const char* name, size_t namelen, unsigned int flags)
    int uv_pipe_connect2(uv_connect_t* req, uv_pipe_t* handle, const char* name, size_t namelen,
                         unsigned int flags, uv_connect_cb cb)
    int uv_pipe_getsockname(const uv_pipe_t* handle, char* buffer, size_t* size)
    int uv_pipe_getpeername(const uv_pipe_t* handle, char* buffer, size_t* size)
    int uv_pipe_chmod(uv_pipe_t* handle, int flags)
    int uv_pipe_pending_count(uv_pipe_t* handle)

    # dns
    int uv_getaddrinfo(uv_loop_t* loop, uv_getaddrinfo_t* req, uv_getaddrinfo_cb getaddrinfo_cb,
                       const char* node, const char* service, const void* hints)
    void uv_freeaddrinfo(void* ai)
    int uv_getnameinfo(uv_loop_t* loop, uv_getnameinfo_t* req, uv_getnameinfo_cb getnameinfo_cb,
                       const void* addr, int flags)
    int uv_cancel(uv_req_t* req)
