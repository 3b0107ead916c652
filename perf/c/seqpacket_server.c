/*
 * seqpacket_server.c - the "practical limit" for the SEQPACKET echo workloads.
 *
 * A plain C echo server on a Unix SOCK_SEQPACKET socket, driven by the vendored libuv's uv_poll
 * (libuv has no SEQPACKET stream type, so this is the same design as nixloop's SeqpacketHandle,
 * without Python). Every message read is sent back as one message.
 *
 *   seqpacket_server PATH          recv()/send(): the cheapest syscalls, but an empty message
 *                                  cannot be told from end-of-stream (both read as 0 bytes)
 *   seqpacket_server --cred PATH   SO_PASSCRED on every connection and recvmsg() with a
 *                                  control buffer, so that a 0-byte read with credentials is
 *                                  an empty message and one without is EOF
 *   seqpacket_server --tstamp PATH the same with SO_TIMESTAMP (what nixloop does): the kernel
 *                                  adds a timestamp to every message it hands out, and none at
 *                                  EOF; unlike credentials it costs the sender nothing
 *
 * A message that does not fit the read buffer (MSG_TRUNC) closes the connection. When a reply
 * cannot be sent (EAGAIN) it is kept and the connection waits for POLLOUT before reading again.
 * Prints "READY seqpacket PATH" on stdout; exits with status 0 on SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <uv.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_BUF_SIZE (256 * 1024)
#define READ_BATCH 32
#define BACKLOG 1024

typedef struct {
    uv_poll_t poll;
    int fd;
    char *pending; /* a reply that met EAGAIN, sent on POLLOUT */
    size_t pending_len;
    int batch; /* messages read per readiness event (adaptive, as nixloop's SeqpacketHandle) */
    int full;  /* events in a row that found `batch` messages */
} conn_t;

static uv_loop_t *loop;
static uv_poll_t server_poll;
static int server_fd = -1;
static int use_cred;   /* 1: SO_PASSCRED, 2: SO_TIMESTAMP (see read_message) */
static const char *unix_path;
static char read_buf[READ_BUF_SIZE];
static uv_signal_t sig_term, sig_int;

static void on_conn_closed(uv_handle_t *h) {
    conn_t *c = h->data;
    close(c->fd);
    free(c->pending);
    free(c);
}

static void conn_close(conn_t *c) {
    if (!uv_is_closing((uv_handle_t *)&c->poll)) {
        uv_poll_stop(&c->poll);
        uv_close((uv_handle_t *)&c->poll, on_conn_closed);
    }
}

/* One message into read_buf: its length, -1 at end-of-stream or on error, -2 when empty. */
static ssize_t read_message(conn_t *c) {
    ssize_t n;
    if (!use_cred) {
        do
            n = recv(c->fd, read_buf, sizeof(read_buf), MSG_TRUNC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? -2 : -1;
        if (n == 0)
            return -1; /* (or an empty message: this mode cannot tell) */
        return n > (ssize_t)sizeof(read_buf) ? -1 : n;
    }
    struct iovec iov = {read_buf, sizeof(read_buf)};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(struct timeval))];
    } cbuf;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.buf;
    msg.msg_controllen = sizeof(cbuf.buf);
    do
        n = recvmsg(c->fd, &msg, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? -2 : -1;
    if (n > (ssize_t)sizeof(read_buf) || (msg.msg_flags & MSG_TRUNC))
        return -1;
    if (n == 0 && msg.msg_controllen == 0)
        return -1; /* no credentials: end-of-stream */
    return n;
}

static void on_conn_poll(uv_poll_t *h, int status, int events);

static void conn_watch(conn_t *c) {
    int ev = c->pending ? UV_WRITABLE : UV_READABLE;
    if (uv_poll_start(&c->poll, ev, on_conn_poll) < 0)
        conn_close(c);
}

static void on_conn_poll(uv_poll_t *h, int status, int events) {
    conn_t *c = h->data;
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->pending) {
        ssize_t w = send(c->fd, c->pending, c->pending_len, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
            return;
        free(c->pending);
        c->pending = NULL;
        if (w < 0) {
            conn_close(c);
            return;
        }
        conn_watch(c);
        return;
    }
    /* Only a failed (EAGAIN) read says the queue is empty, and it costs a syscall: read as many
     * messages per event as the last events found (one for a request/response peer), and
     * double that after 8 events in a row that each found all they asked for. */
    int i;
    for (i = 0; i < c->batch; i++) {
        ssize_t n = read_message(c);
        if (n == -2) {
            c->batch = i > 1 ? i : 1;
            c->full = 0;
            return;
        }
        if (n < 0) {
            conn_close(c);
            return;
        }
        ssize_t w;
        do
            w = send(c->fd, read_buf, (size_t)n, MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        if (w >= 0)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
            conn_close(c);
            return;
        }
        c->pending = malloc((size_t)n + 1);
        if (!c->pending) {
            conn_close(c);
            return;
        }
        memcpy(c->pending, read_buf, (size_t)n);
        c->pending_len = (size_t)n;
        conn_watch(c);
        return;
    }
    if (++c->full >= 8 && c->batch < READ_BATCH) {
        c->batch *= 2;
        c->full = 0;
    }
    (void)events;
}

static void on_server_poll(uv_poll_t *h, int status, int events) {
    (void)h;
    (void)events;
    if (status < 0)
        return;
    for (;;) {
        int fd = accept4(server_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or an error to retry on the next readiness */
        int one = 1;
        if (use_cred && setsockopt(fd, SOL_SOCKET, use_cred == 1 ? SO_PASSCRED : SO_TIMESTAMP,
                                   &one, sizeof(one)) < 0) {
            close(fd);
            continue;
        }
        conn_t *c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->batch = 1;
        if (uv_poll_init_socket(loop, &c->poll, fd) < 0) {
            close(fd);
            free(c);
            continue;
        }
        c->poll.data = c;
        conn_watch(c);
    }
}

static void on_signal(uv_signal_t *h, int signum) {
    (void)h;
    (void)signum;
    if (unix_path)
        unlink(unix_path);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv) {
    int argi = 1;
    if (argc > 1 && strcmp(argv[1], "--cred") == 0) {
        use_cred = 1;
        argi++;
    } else if (argc > 1 && strcmp(argv[1], "--tstamp") == 0) {
        use_cred = 2;
        argi++;
    }
    if (argi != argc - 1) {
        fprintf(stderr, "usage: %s [--cred | --tstamp] PATH\n", argv[0]);
        return 64;
    }
    unix_path = argv[argi];
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(unix_path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "seqpacket_server: path too long\n");
        return 64;
    }
    strcpy(sa.sun_path, unix_path);
    signal(SIGPIPE, SIG_IGN);
    loop = uv_default_loop();
    unlink(unix_path);
    server_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (server_fd < 0 || bind(server_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(server_fd, BACKLOG) < 0) {
        perror("seqpacket_server");
        return 2;
    }
    int r = uv_poll_init_socket(loop, &server_poll, server_fd);
    if (r < 0 || (r = uv_poll_start(&server_poll, UV_READABLE, on_server_poll)) < 0) {
        fprintf(stderr, "seqpacket_server: uv_poll: %s\n", uv_strerror(r));
        return 2;
    }
    uv_signal_init(loop, &sig_term);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
    uv_signal_init(loop, &sig_int);
    uv_signal_start(&sig_int, on_signal, SIGINT);
    printf("READY seqpacket %s\n", unix_path);
    fflush(stdout);
    return uv_run(loop, UV_RUN_DEFAULT);
}
