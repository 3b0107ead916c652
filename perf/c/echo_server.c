/*
 * echo_server.c - the "practical limit" competitor of the nixloop benchmark suite.
 *
 * A plain C echo server on the vendored libuv: one process, one loop, TCP, a Unix stream
 * socket or UDP. Every byte read is written straight back (uv_try_write first, uv_write for the
 * rest); every UDP datagram goes back to its sender (uv_udp_try_send first, uv_udp_send when the
 * socket cannot take it now).
 *
 *   echo_server tcp HOST PORT     (PORT 0 picks a free port)
 *   echo_server udp HOST PORT
 *   echo_server unix PATH
 *
 * Prints one readiness line on stdout ("READY tcp 127.0.0.1:PORT" / "READY udp 127.0.0.1:PORT" /
 * "READY unix PATH") and exits with status 0 on SIGTERM or SIGINT.
 */
#include <uv.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BUF_SIZE (256 * 1024)  /* one loop-wide read buffer: no per-connection memory */
#define WQ_HIGH (4 * 1024 * 1024)   /* stop reading when this much is queued for writing */
#define BACKLOG 1024

typedef struct {
    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_stream_t stream;
        uv_handle_t handle;
    } h;
    int reading;
} conn_t;

typedef struct {
    uv_write_t req;
    uv_buf_t buf;
    conn_t *conn;
    char data[];
} write_req_t;

static uv_loop_t *loop;
static int use_tcp, use_udp;
static uv_udp_t udp_server;
static union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_stream_t stream;
    uv_handle_t handle;
} server;
static char read_buf[READ_BUF_SIZE];
static uv_signal_t sig_term, sig_int;
static const char *unix_path;

static void die(const char *what, int err) {
    fprintf(stderr, "echo_server: %s: %s\n", what, uv_strerror(err));
    exit(2);
}

static void on_close(uv_handle_t *h) {
    free(h->data);
}

static void conn_close(conn_t *c) {
    if (!uv_is_closing(&c->h.handle))
        uv_close(&c->h.handle, on_close);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)h;
    (void)suggested;
    buf->base = read_buf;
    buf->len = sizeof(read_buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void on_write(uv_write_t *req, int status) {
    write_req_t *wr = (write_req_t *)req;
    conn_t *c = wr->conn;
    free(wr);
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (!c->reading && !uv_is_closing(&c->h.handle) &&
        uv_stream_get_write_queue_size(&c->h.stream) < WQ_HIGH / 2) {
        if (uv_read_start(&c->h.stream, on_alloc, on_read) == 0)
            c->reading = 1;
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
    conn_t *c = s->data;
    if (nread < 0) {
        conn_close(c); /* UV_EOF or an error */
        return;
    }
    if (nread == 0)
        return;
    uv_buf_t b = uv_buf_init(buf->base, (unsigned int)nread);
    int r = 0;
    if (uv_stream_get_write_queue_size(s) == 0) {
        r = uv_try_write(s, &b, 1);
        if (r == (int)nread)
            return;
        if (r < 0 && r != UV_EAGAIN) {
            conn_close(c);
            return;
        }
        if (r < 0)
            r = 0;
    }
    size_t rest = (size_t)nread - (size_t)r;
    write_req_t *wr = malloc(sizeof(*wr) + rest);
    if (!wr) {
        conn_close(c);
        return;
    }
    memcpy(wr->data, buf->base + r, rest);
    wr->buf = uv_buf_init(wr->data, (unsigned int)rest);
    wr->conn = c;
    if (uv_write(&wr->req, s, &wr->buf, 1, on_write) < 0) {
        free(wr);
        conn_close(c);
        return;
    }
    if (uv_stream_get_write_queue_size(s) >= WQ_HIGH) {
        uv_read_stop(s);
        c->reading = 0;
    }
}

typedef struct {
    uv_udp_send_t req;
    uv_buf_t buf;
    char data[];
} udp_send_t;

static void on_udp_sent(uv_udp_send_t *req, int status) {
    (void)status; /* a datagram that could not be sent is lost, as UDP allows */
    free(req);
}

static void on_udp_read(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
                        unsigned flags) {
    (void)flags;
    if (nread < 0 || from == NULL) /* an error, or nothing more to read for now */
        return;
    uv_buf_t b = uv_buf_init(buf->base, (unsigned int)nread);
    int r = uv_udp_try_send(h, &b, 1, from);
    if (r >= 0 || r != UV_EAGAIN)
        return;
    udp_send_t *s = malloc(sizeof(*s) + (size_t)nread);
    if (!s)
        return;
    memcpy(s->data, buf->base, (size_t)nread);
    s->buf = uv_buf_init(s->data, (unsigned int)nread);
    if (uv_udp_send(&s->req, h, &s->buf, 1, from, on_udp_sent) < 0)
        free(s);
}

static void on_connection(uv_stream_t *srv, int status) {
    if (status < 0) {
        fprintf(stderr, "echo_server: accept: %s\n", uv_strerror(status));
        return;
    }
    conn_t *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    int r = use_tcp ? uv_tcp_init(loop, &c->h.tcp) : uv_pipe_init(loop, &c->h.pipe, 0);
    if (r < 0) {
        free(c);
        return;
    }
    c->h.handle.data = c;
    if (uv_accept(srv, &c->h.stream) < 0) {
        conn_close(c);
        return;
    }
    if (use_tcp)
        uv_tcp_nodelay(&c->h.tcp, 1);
    if (uv_read_start(&c->h.stream, on_alloc, on_read) < 0) {
        conn_close(c);
        return;
    }
    c->reading = 1;
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
    if (argc < 3 || ((strcmp(argv[1], "tcp") == 0 || strcmp(argv[1], "udp") == 0) && argc < 4)) {
        fprintf(stderr, "usage: %s tcp HOST PORT | udp HOST PORT | unix PATH\n", argv[0]);
        return 64;
    }
    signal(SIGPIPE, SIG_IGN);
    loop = uv_default_loop();
    use_tcp = strcmp(argv[1], "tcp") == 0;
    use_udp = strcmp(argv[1], "udp") == 0;
    int r;
    if (use_tcp || use_udp) {
        struct sockaddr_storage ss;
        int port = atoi(argv[3]);
        if (uv_ip4_addr(argv[2], port, (struct sockaddr_in *)&ss) != 0 &&
            uv_ip6_addr(argv[2], port, (struct sockaddr_in6 *)&ss) != 0) {
            fprintf(stderr, "echo_server: bad address %s\n", argv[2]);
            return 64;
        }
        if (use_udp) {
            if ((r = uv_udp_init(loop, &udp_server)) < 0)
                die("uv_udp_init", r);
            if ((r = uv_udp_bind(&udp_server, (struct sockaddr *)&ss, 0)) < 0)
                die("bind", r);
            if ((r = uv_udp_recv_start(&udp_server, on_alloc, on_udp_read)) < 0)
                die("uv_udp_recv_start", r);
        } else {
            if ((r = uv_tcp_init(loop, &server.tcp)) < 0)
                die("uv_tcp_init", r);
            if ((r = uv_tcp_bind(&server.tcp, (struct sockaddr *)&ss, 0)) < 0)
                die("bind", r);
        }
    } else if (strcmp(argv[1], "unix") == 0) {
        unix_path = argv[2];
        unlink(unix_path);
        if ((r = uv_pipe_init(loop, &server.pipe, 0)) < 0)
            die("uv_pipe_init", r);
        if ((r = uv_pipe_bind(&server.pipe, unix_path)) < 0)
            die("bind", r);
    } else {
        fprintf(stderr, "echo_server: unknown transport %s\n", argv[1]);
        return 64;
    }
    if (!use_udp && (r = uv_listen(&server.stream, BACKLOG, on_connection)) < 0)
        die("listen", r);

    uv_signal_init(loop, &sig_term);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
    uv_signal_init(loop, &sig_int);
    uv_signal_start(&sig_int, on_signal, SIGINT);

    if (use_tcp || use_udp) {
        struct sockaddr_storage name;
        int len = sizeof(name);
        char host[64];
        if (use_udp)
            uv_udp_getsockname(&udp_server, (struct sockaddr *)&name, &len);
        else
            uv_tcp_getsockname(&server.tcp, (struct sockaddr *)&name, &len);
        if (name.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&name;
            uv_ip6_name(a, host, sizeof(host));
            printf("READY %s %s:%d\n", argv[1], host, ntohs(a->sin6_port));
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&name;
            uv_ip4_name(a, host, sizeof(host));
            printf("READY %s %s:%d\n", argv[1], host, ntohs(a->sin_port));
        }
    } else {
        printf("READY unix %s\n", unix_path);
    }
    fflush(stdout);
    return uv_run(loop, UV_RUN_DEFAULT);
}
