/*
 * loadgen.c - the load generator of the nixloop benchmark suite (single thread, epoll).
 *
 * Modes (--mode):
 *   echo      N connections; each sends one S-byte message, waits for S bytes back, repeats.
 *             Runs a warm-up of W seconds, then measures for D seconds.
 *   connrate  N concurrent slots; each iteration: connect, one S-byte round trip, close.
 *   idle      open N connections (at most --inflight handshakes at a time), do one S-byte round
 *             trip on each, print {"event":"idle_ready",...} and hold them open until stdin is
 *             closed (or --hold seconds pass), then close them.
 *
 * Target: --tcp HOST:PORT or --unix PATH. Result: one JSON object on stdout (last line).
 * --seqpacket (with --unix): the client sockets are AF_UNIX SOCK_SEQPACKET instead of SOCK_STREAM.
 * Then one request is one S-byte message (one send, which the kernel delivers whole or not at all)
 * and the reply must be exactly one message of exactly S bytes: recv(MSG_TRUNC) on a SEQPACKET
 * socket returns the full length of the message even when it is longer than the buffer, so a
 * reply of any other length counts as an error and drops the connection. Only the first 64 bytes
 * of a reply are copied out (the kernel discards the rest, which keeps the client cheap), and they
 * must equal the request's; a surplus reply of exactly S bytes would pass for the next request's.
 * An S-byte message must fit the socket's send buffer (net.core.wmem_default, ~208 KiB), else
 * send fails with EMSGSIZE, an error. connrate and idle modes work alike, message by message.
 * --udp (with --tcp HOST:PORT, echo mode only): each "connection" is a UDP socket connected to the
 * server, checked like a SEQPACKET one (one S-byte datagram out, exactly one S-byte datagram back).
 * UDP may drop a datagram: a request with no reply after 200 ms (--loss-ms) is counted as "lost"
 * and sent again (an echo that was only late then stands in for the resent one's).
 * --window W (2..64, echo mode, with --seqpacket or --udp): each connection keeps W messages in
 * flight, sending a new one for each reply (a pipelining peer); latency is per message, from its
 * send to the receipt of its reply (replies come back in order on both socket types here).
 * --http (stream sockets, any mode): each request is one fixed HTTP/1.1 keep-alive GET (--path,
 * default /); the reply must be one "HTTP/1.1 200" response framed by Content-Length, with nothing
 * after its body (pipelining is off); chunked responses and "Connection: close" are errors (the
 * result's "last_error" says why). -s is ignored; "response_bytes" is the size of a response.
 * --sync (echo mode): a fixed-count run for cost collectors (callgrind, perf stat). After the
 * warm-up (once every connection is up) no new request starts; when none is left in flight the
 * load generator prints {"event": "warm", ...} and waits for a line on stdin. Then exactly
 * --max-requests requests run (the connections start together; -d bounds the time), the result
 * is printed, and it waits for another line (or EOF) on stdin before closing the connections, so a
 * collector can be stopped before the closes. --rounds R: R such counted runs on the same
 * connections, each result followed by a wait for a stdin line (the last one's: before the closes).
 * Latency is measured per request (send of the first byte to receipt of the last byte) into a
 * log-linear histogram (lg_hist.c; 32 sub-buckets per power of two, ~3% resolution).
 * CPU time of this process (getrusage) is reported for the measured window and for the whole run.
 * To keep the client cheaper than the server, replies are received with MSG_TRUNC (TCP discards the
 * bytes in the kernel instead of copying them out; Unix stream sockets copy into a scratch buffer;
 * SEQPACKET copies 64 bytes per message); only byte counts are checked, not contents (SEQPACKET:
 * also the first 64 bytes).
 *
 * Every loop is bounded: by time (--duration, --warmup, --timeout, --hold) and by count
 * (--max-requests).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lg_hist.h"
#include "lg_http.h"

#define RBUF_SIZE (256 * 1024)
#define SEQ_HEAD 64 /* bytes of a SEQPACKET reply copied out and compared with the request */
#define WMAX 64 /* --window limit */

enum { MODE_ECHO, MODE_CONNRATE, MODE_IDLE };
enum { ST_FREE, ST_CONNECTING, ST_ACTIVE, ST_IDLE, ST_RETRY };

typedef struct {
    int fd;
    int state;
    int out_armed;
    size_t sent, rcvd;
    uint64_t t0;     /* start of the current request (or of the connect, in connrate) */
    uint64_t retry_at;
    int inflight, head;   /* --window: messages sent and not answered; oldest in t0s[head] */
    int busy;             /* a request (window 1) is being sent or awaits its reply */
    uint64_t t0s[WMAX];
    lg_http_resp_t http;  /* --http: the response being received */
} conn_t;

/* options */
static int mode = MODE_ECHO;
static int nconns = 10;
static size_t msg_size = 1024;
static double duration = 5.0, warmup = 1.0, timeout_s = 5.0, hold_s = 120.0;
static uint64_t max_requests = (uint64_t)1 << 40;
static int inflight_max = 64;
static int spin;
static int is_unix;
static int seqpacket;
static int udp;
static int msgsock; /* seqpacket or udp: one request is one message */
static int window = 1;
static int http;          /* --http */
static const char *http_path = "/";
static int sync_mode;     /* --sync */
static int rounds = 1;    /* --sync --rounds R: counted rounds on the same connections */
static uint64_t loss_ns = 200000000ull; /* --loss-ms: a UDP request unanswered this long is lost */
static struct sockaddr_storage addr;
static socklen_t addrlen;
static char target_desc[256];

/* state */
static int ep;
static conn_t *conns;
static char *sbuf, *rbuf;
static char *http_heads;  /* --http: LG_HTTP_HEAD_MAX bytes per connection */
static lg_hist_t hist;
static uint64_t requests, errors, connects, connect_retries, lost;
static uint64_t all_requests; /* warm-up included: what the server did over the whole run */
static uint64_t issued;       /* --sync: requests started in the measured phase */
static size_t response_bytes; /* --http: size of the last response */
static const char *last_error;
static int measuring;
static int draining;          /* --sync: warm-up over, no new request starts */
static int active_conns;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void cpu_split(double *user, double *sys) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void record(uint64_t ns) { lg_hist_record(&hist, ns); }

static void reset_stats(void) {
    lg_hist_reset(&hist);
    requests = errors = connects = connect_retries = lost = 0;
}

static void note_error(const char *why) {
    errors++;
    last_error = why;
}

static void usage(const char *p) {
    fprintf(stderr,
            "usage: %s (--tcp HOST:PORT | --unix PATH) [--mode echo|connrate|idle] [-c CONNS]\n"
            "          [-s SIZE] [-d SECONDS] [-w WARMUP] [--timeout S] [--hold S]\n"
            "          [--max-requests N] [--inflight N] [--spin] [--seqpacket | --udp] [--window W]\n"
            "          [--http [--path P]] [--sync [--rounds R]]\n"
            "  --spin: poll epoll without blocking (lower latency, always 100%% CPU)\n"
            "  --seqpacket: with --unix, use SOCK_SEQPACKET sockets: a request is one S-byte\n"
            "               message, the reply must be one message of exactly S bytes\n"
            "  --udp: with --tcp, echo mode: the same over connected UDP sockets\n"
            "  --window W: with --seqpacket or --udp, echo mode: W messages in flight per socket\n"
            "  --http: stream sockets: one HTTP/1.1 keep-alive GET per request, the response\n"
            "          checked by status 200 and Content-Length\n"
            "  --sync: echo mode, fixed count: warm up, print {\"event\": \"warm\"}, wait for a\n"
            "          stdin line, run --max-requests requests, print the result, wait again\n"
            "  --rounds R: with --sync, R counted runs on the same connections\n"
            "  --loss-ms MS: with --udp, a request unanswered this long is lost (default 200)\n",
            p);
    exit(64);
}

static void fail(const char *msg) {
    printf("{\"error\": \"%s\", \"errno\": %d, \"strerror\": \"%s\"}\n", msg, errno, strerror(errno));
    fflush(stdout);
    exit(1);
}

static void set_target_tcp(const char *spec) {
    const char *colon = strrchr(spec, ':');
    if (!colon)
        usage("loadgen");
    char host[128];
    size_t hl = (size_t)(colon - spec);
    if (hl >= sizeof(host))
        usage("loadgen");
    memcpy(host, spec, hl);
    host[hl] = 0;
    int port = atoi(colon + 1);
    char *h = host;
    if (h[0] == '[') {
        h++;
        h[strlen(h) - 1] = 0;
    }
    memset(&addr, 0, sizeof(addr));
    is_unix = 0;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, h, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        addrlen = sizeof(*a4);
    } else if (inet_pton(AF_INET6, h, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        addrlen = sizeof(*a6);
    } else {
        fprintf(stderr, "loadgen: bad host %s\n", h);
        exit(64);
    }
    snprintf(target_desc, sizeof(target_desc), "tcp:%s", spec);
}

static void set_target_unix(const char *path) {
    struct sockaddr_un *u = (struct sockaddr_un *)&addr;
    memset(&addr, 0, sizeof(addr));
    if (strlen(path) >= sizeof(u->sun_path)) {
        fprintf(stderr, "loadgen: unix path too long\n");
        exit(64);
    }
    u->sun_family = AF_UNIX;
    strcpy(u->sun_path, path);
    addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    is_unix = 1;
    snprintf(target_desc, sizeof(target_desc), "unix:%s", path);
}

static void ep_ctl(int op, conn_t *c, uint32_t events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.ptr = c;
    if (epoll_ctl(ep, op, c->fd, &ev) < 0)
        fail("epoll_ctl");
}

static void conn_drop(conn_t *c) {
    if (c->fd >= 0) {
        close(c->fd); /* also removes it from the epoll set */
        c->fd = -1;
        if (c->state == ST_ACTIVE || c->state == ST_IDLE)
            active_conns--;
    }
    c->state = ST_FREE;
    c->out_armed = 0;
    c->busy = 0;
    c->inflight = 0;
}

/* Start a non-blocking connect. Returns 0 when started or done, -1 on a hard error. */
static int conn_start(conn_t *c, uint64_t now) {
    int type = seqpacket ? SOCK_SEQPACKET : udp ? SOCK_DGRAM : SOCK_STREAM;
    int fd = socket(addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (!is_unix && !udp) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    c->fd = fd;
    c->sent = c->rcvd = 0;
    c->out_armed = 0;
    c->t0 = now;
    c->inflight = c->head = 0;
    c->busy = 0;
    int r = connect(fd, (struct sockaddr *)&addr, addrlen);
    if (r == 0) {
        c->state = ST_CONNECTING; /* treated as connected on the first EPOLLOUT */
        ep_ctl(EPOLL_CTL_ADD, c, EPOLLOUT | EPOLLIN);
        return 0;
    }
    if (errno == EINPROGRESS) {
        c->state = ST_CONNECTING;
        ep_ctl(EPOLL_CTL_ADD, c, EPOLLOUT | EPOLLIN);
        return 0;
    }
    if (errno == EAGAIN || errno == ECONNREFUSED || errno == EADDRNOTAVAIL) {
        /* Unix backlog full (EAGAIN), or out of ports: retry a little later. */
        close(fd);
        c->fd = -1;
        c->state = ST_RETRY;
        c->retry_at = now + 1000000; /* 1 ms */
        connect_retries++;
        return 0;
    }
    close(fd);
    c->fd = -1;
    return -1;
}

/* Watch c for writability (EPOLLOUT) or not. */
static void want_writable(conn_t *c, int on) {
    if (on == c->out_armed)
        return;
    ep_ctl(EPOLL_CTL_MOD, c, on ? EPOLLIN | EPOLLOUT : EPOLLIN);
    c->out_armed = on;
}

/* May a new request start? Not while --sync drains the warm-up, nor beyond --sync's count. */
static int may_start(void) {
    return !draining && !(sync_mode && measuring && issued >= max_requests);
}

/* --window: send messages until `window` are in flight. */
static void window_fill(conn_t *c) {
    while (c->inflight < window && may_start()) {
        ssize_t r = send(c->fd, sbuf, msg_size, MSG_NOSIGNAL);
        if (r == (ssize_t)msg_size) {
            c->t0s[(c->head + c->inflight) % WMAX] = now_ns();
            c->inflight++;
            if (measuring)
                issued++;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            want_writable(c, 1);
            return;
        }
        if (r < 0 && errno == EINTR)
            continue;
        note_error("send failed"); /* a message is sent whole or not at all */
        conn_drop(c);
        return;
    }
    want_writable(c, 0);
}

/* --window: the reply to the oldest message in flight came at time now. */
static void window_reply(conn_t *c, uint64_t now) {
    if (measuring)
        record(now - c->t0s[c->head]);
    requests++;
    all_requests++;
    c->head = (c->head + 1) % WMAX;
    c->inflight--;
}

static void do_send(conn_t *c) {
    if (window > 1) {
        window_fill(c);
        return;
    }
    while (c->sent < msg_size) {
        ssize_t r = send(c->fd, sbuf + c->sent, msg_size - c->sent, MSG_NOSIGNAL);
        if (r > 0) {
            c->sent += (size_t)r;
            if (msgsock && c->sent != msg_size) {
                note_error("message sent in part"); /* sent whole or not at all, else an error */
                conn_drop(c);
                return;
            }
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            want_writable(c, 1);
            return;
        }
        if (r < 0 && errno == EINTR)
            continue;
        note_error("send failed");
        conn_drop(c);
        return;
    }
    want_writable(c, 0);
}

/* Start a new request on c (window 1) if one may start; reset_t0: its latency starts now (echo
 * mode; connrate's includes the connect). */
static void start_request(conn_t *c, uint64_t now, int reset_t0) {
    if (!may_start()) {
        want_writable(c, 0);
        return;
    }
    c->sent = c->rcvd = 0;
    if (reset_t0)
        c->t0 = now;
    c->busy = 1;
    if (measuring)
        issued++;
    if (http)
        lg_http_reset(&c->http);
    do_send(c);
}

/* A round trip on c finished at time now. */
static void complete(conn_t *c, uint64_t now) {
    if (measuring)
        record(now - c->t0);
    requests++;
    all_requests++;
    c->busy = 0;
    c->sent = c->rcvd = 0;
    if (mode == MODE_ECHO) {
        start_request(c, now, 1);
    } else if (mode == MODE_CONNRATE) {
        conn_drop(c);
        if (conn_start(c, now) < 0)
            errors++;
    } else { /* idle */
        c->state = ST_IDLE;
    }
}

/* --http: read and frame one response (recv copies: the head must be parsed). */
static void read_http(conn_t *c, uint64_t now) {
    for (int i = 0; i < 64; i++) {
        ssize_t r = recv(c->fd, rbuf, RBUF_SIZE, 0);
        if (r > 0) {
            const char *why = NULL;
            int st = c->busy && c->sent == msg_size ? lg_http_feed(&c->http, rbuf, (size_t)r, &why) : -1;
            if (st < 0) {
                note_error(why ? why : "response before the request was sent");
                conn_drop(c);
                return;
            }
            if (st == 1) {
                response_bytes = c->http.resp_bytes;
                complete(c, now);
                return;
            }
            if ((size_t)r < RBUF_SIZE)
                return;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0 && errno == EINTR)
            continue;
        note_error(r == 0 ? "connection closed by the server" : "recv failed");
        conn_drop(c);
        return;
    }
}

static void read_replies(conn_t *c, uint64_t now) {
    size_t head = msg_size < SEQ_HEAD ? msg_size : SEQ_HEAD;
    if (http) {
        read_http(c, now);
        return;
    }
    for (int i = 0; i < 64; i++) {
        /* rbuf is RBUF_SIZE long, so this is safe whether or not the kernel copies. SEQPACKET:
         * only the first `head` bytes are copied out, the kernel discards the rest of the message
         * and (MSG_TRUNC) still returns its full length. */
        ssize_t r = recv(c->fd, rbuf, msgsock ? head : RBUF_SIZE, MSG_TRUNC);
        if (r > 0 && msgsock && window > 1) {
            if ((size_t)r != msg_size || c->inflight == 0 || memcmp(rbuf, sbuf, head) != 0) {
                note_error("reply is not the echo of a message sent");
                conn_drop(c);
                return;
            }
            window_reply(c, now);
            continue;
        }
        if (r > 0 && msgsock) {
            /* one message: exactly our S bytes back, starting with what we sent */
            if ((size_t)r != msg_size || c->sent < msg_size || memcmp(rbuf, sbuf, head) != 0) {
                note_error("reply is not the echo of the message sent");
                conn_drop(c);
                return;
            }
            c->rcvd = (size_t)r;
            complete(c, now);
            return;
        }
        if (r > 0) {
            c->rcvd += (size_t)r;
            if (c->rcvd >= msg_size) {
                if (c->rcvd > msg_size || c->sent < msg_size) {
                    note_error("more bytes back than sent: not an echo");
                    conn_drop(c);
                    return;
                }
                complete(c, now);
                return;
            }
            if ((size_t)r < RBUF_SIZE)
                return; /* drained for now; level-triggered epoll tells us about the rest */
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0 && errno == EINTR)
            continue;
        note_error(r == 0 ? "connection closed by the server" : "recv failed");
        conn_drop(c);
        return;
    }
}

static void on_readable(conn_t *c, uint64_t now) {
    read_replies(c, now);
    if (window > 1 && c->fd >= 0 && c->state == ST_ACTIVE && mode == MODE_ECHO)
        window_fill(c); /* one new message for each reply */
}

static void on_connected(conn_t *c, uint64_t now) {
    int err = 0;
    socklen_t el = sizeof(err);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) {
        if (err == EAGAIN || err == ECONNREFUSED) {
            close(c->fd);
            c->fd = -1;
            c->state = ST_RETRY;
            c->retry_at = now + 1000000;
            connect_retries++;
            return;
        }
        errno = err;
        errors++;
        close(c->fd);
        c->fd = -1;
        c->state = ST_FREE;
        return;
    }
    c->state = ST_ACTIVE;
    active_conns++;
    connects++;
    ep_ctl(EPOLL_CTL_MOD, c, EPOLLIN);
    c->out_armed = 0;
    if (window > 1)
        window_fill(c);
    else /* echo latency excludes the connect; connrate includes it */
        start_request(c, now, mode == MODE_ECHO);
}

static void handle_event(conn_t *c, uint32_t ev, uint64_t now) {
    if (c->fd < 0)
        return;
    if (c->state == ST_CONNECTING) {
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            on_connected(c, now);
        return;
    }
    if (ev & EPOLLIN) {
        on_readable(c, now);
        if (c->fd < 0)
            return;
    }
    if (ev & EPOLLOUT && c->state == ST_ACTIVE && (c->busy || window > 1))
        do_send(c);
    if ((ev & (EPOLLERR | EPOLLHUP)) && !(ev & EPOLLIN) && c->fd >= 0) {
        errors++;
        conn_drop(c);
    }
}

static void print_result(const char *mode_name, double wall, double cu, double cs, double total_wall,
                         double total_cpu, int extra_idle) {
    double rps = wall > 0 ? requests / wall : 0;
    double mib = rps * (double)(http ? response_bytes : msg_size) / (1024.0 * 1024.0);
    printf("{\"mode\": \"%s\", \"target\": \"%s\", \"connections\": %d, \"size\": %zu, "
           "\"duration_s\": %.6f, \"requests\": %llu, \"rps\": %.3f, \"mib_s\": %.3f, "
           "\"errors\": %llu, \"connects\": %llu, \"connect_retries\": %llu, "
           "\"latency_us\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, "
           "\"max\": %.3f, \"mean\": %.3f, \"count\": %llu}, "
           "\"cpu_user_s\": %.6f, \"cpu_sys_s\": %.6f, \"cpu_share\": %.4f, "
           "\"total_wall_s\": %.6f, \"total_cpu_s\": %.6f, \"active_connections\": %d, "
           "\"lost\": %llu, \"window\": %d, \"all_requests\": %llu, \"http\": %d, "
           "\"response_bytes\": %zu, \"sync\": %d, \"last_error\": %s%s%s%s}\n",
           mode_name, target_desc, nconns, msg_size, wall, (unsigned long long)requests, rps, mib,
           (unsigned long long)errors, (unsigned long long)connects,
           (unsigned long long)connect_retries, lg_hist_percentile_us(&hist, 50), lg_hist_percentile_us(&hist, 90),
           lg_hist_percentile_us(&hist, 99), lg_hist_percentile_us(&hist, 99.9), hist.max / 1000.0, lg_hist_mean_us(&hist),
           (unsigned long long)hist.count, cu, cs, wall > 0 ? (cu + cs) / wall : 0, total_wall,
           total_cpu, active_conns, (unsigned long long)lost, window,
           (unsigned long long)all_requests, http, http ? response_bytes : 0, sync_mode,
           last_error ? "\"" : "", last_error ? last_error : "null", last_error ? "\"" : "",
           extra_idle ? ", \"idle\": true" : "");
    fflush(stdout);
}

/* --sync: is a request (or a windowed message) of some connection still in flight? */
static int any_busy(void) {
    for (int i = 0; i < nconns; i++)
        if (conns[i].fd >= 0 && (conns[i].busy || conns[i].inflight > 0))
            return 1;
    return 0;
}

/* --sync: block until a line (or EOF) arrives on stdin. */
static void wait_stdin(void) {
    char ch;
    for (;;) {
        ssize_t r = read(0, &ch, 1);
        if (r == 0 || (r == 1 && ch == '\n') || (r < 0 && errno != EINTR))
            return;
    }
}

/* --sync: a counted round starts on every connection (the stats start afresh). */
static void begin_round(uint64_t now) {
    reset_stats();
    issued = 0;
    for (int i = 0; i < nconns; i++)
        if (conns[i].state == ST_ACTIVE) {
            if (window > 1)
                window_fill(&conns[i]);
            else
                start_request(&conns[i], now, 1);
        }
}

static void raise_nofile(int need) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)need) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv) {
    int have_target = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()        \
    do {               \
        if (!v)        \
            usage(argv[0]); \
        i++;           \
    } while (0)
        if (!strcmp(a, "--tcp")) {
            NEEDV();
            set_target_tcp(v);
            have_target = 1;
        } else if (!strcmp(a, "--unix")) {
            NEEDV();
            set_target_unix(v);
            have_target = 1;
        } else if (!strcmp(a, "--mode")) {
            NEEDV();
            if (!strcmp(v, "echo"))
                mode = MODE_ECHO;
            else if (!strcmp(v, "connrate"))
                mode = MODE_CONNRATE;
            else if (!strcmp(v, "idle"))
                mode = MODE_IDLE;
            else
                usage(argv[0]);
        } else if (!strcmp(a, "-c")) {
            NEEDV();
            nconns = atoi(v);
        } else if (!strcmp(a, "-s")) {
            NEEDV();
            msg_size = (size_t)atol(v);
        } else if (!strcmp(a, "-d")) {
            NEEDV();
            duration = atof(v);
        } else if (!strcmp(a, "-w")) {
            NEEDV();
            warmup = atof(v);
        } else if (!strcmp(a, "--timeout")) {
            NEEDV();
            timeout_s = atof(v);
        } else if (!strcmp(a, "--hold")) {
            NEEDV();
            hold_s = atof(v);
        } else if (!strcmp(a, "--max-requests")) {
            NEEDV();
            max_requests = strtoull(v, NULL, 10);
        } else if (!strcmp(a, "--seqpacket")) {
            seqpacket = 1;
        } else if (!strcmp(a, "--udp")) {
            udp = 1;
        } else if (!strcmp(a, "--window")) {
            NEEDV();
            window = atoi(v);
        } else if (!strcmp(a, "--http")) {
            http = 1;
        } else if (!strcmp(a, "--path")) {
            NEEDV();
            http_path = v;
        } else if (!strcmp(a, "--sync")) {
            sync_mode = 1;
        } else if (!strcmp(a, "--loss-ms")) {
            NEEDV();
            loss_ns = (uint64_t)(atof(v) * 1e6);
        } else if (!strcmp(a, "--rounds")) {
            NEEDV();
            rounds = atoi(v);
        } else if (!strcmp(a, "--spin")) {
            spin = 1;
        } else if (!strcmp(a, "--inflight")) {
            NEEDV();
            inflight_max = atoi(v);
        } else {
            usage(argv[0]);
        }
    }
    if (!have_target || nconns <= 0 || nconns > 1000000 || msg_size == 0 || msg_size > (64u << 20) ||
        duration <= 0 || warmup < 0 || inflight_max <= 0 || (seqpacket && !is_unix) ||
        (udp && (is_unix || seqpacket || mode != MODE_ECHO || msg_size > 65507)) ||
        window < 1 || window > WMAX || (window > 1 && (!(seqpacket || udp) || mode != MODE_ECHO)) ||
        (http && (seqpacket || udp || http_path[0] != '/' || strpbrk(http_path, " \r\n"))) ||
        (sync_mode && (mode != MODE_ECHO || max_requests >= ((uint64_t)1 << 40))) ||
        rounds < 1 || rounds > 1000 || (rounds > 1 && !sync_mode) || loss_ns < 1000000)
        usage(argv[0]);
    msgsock = seqpacket || udp;
    if (udp) /* "tcp:HOST:PORT" -> "udp:HOST:PORT" */
        memcpy(target_desc, "udp", 3);
    if (seqpacket) /* the result's "target" says which socket type was used: seqpacket:PATH */
        snprintf(target_desc, sizeof(target_desc), "seqpacket:%s",
                 ((struct sockaddr_un *)&addr)->sun_path);

    signal(SIGPIPE, SIG_IGN);
    raise_nofile(nconns + 64);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        fail("epoll_create1");
    conns = calloc((size_t)nconns, sizeof(conn_t));
    if (http) { /* the request is the message; -s is ignored */
        char req[2048];
        msg_size = lg_http_request(req, sizeof(req), is_unix ? "localhost" : target_desc + 4, http_path);
        sbuf = msg_size ? malloc(msg_size) : NULL;
        if (sbuf)
            memcpy(sbuf, req, msg_size);
        http_heads = malloc((size_t)nconns * LG_HTTP_HEAD_MAX);
        if (!http_heads)
            fail("malloc");
    } else {
        sbuf = malloc(msg_size);
        if (sbuf)
            for (size_t i = 0; i < msg_size; i++)
                sbuf[i] = (char)('a' + i % 26);
    }
    rbuf = malloc(RBUF_SIZE);
    if (!conns || !sbuf || !rbuf)
        fail("malloc");
    for (int i = 0; i < nconns; i++) {
        conns[i].fd = -1;
        conns[i].state = ST_FREE;
        if (http)
            conns[i].http.head = http_heads + (size_t)i * LG_HTTP_HEAD_MAX;
    }

    struct epoll_event evs[1024];
    uint64_t t_start = now_ns();
    double cpu_start = cpu_s();
    uint64_t timeout_ns = (uint64_t)(timeout_s * 1e9);
    const char *mode_name = mode == MODE_ECHO ? "echo" : mode == MODE_CONNRATE ? "connrate" : "idle";

    if (mode == MODE_IDLE) {
        /* Open nconns connections, at most inflight_max handshakes (connect + round trip) at once. */
        int next = 0, idle_count = 0;
        uint64_t deadline = t_start + (uint64_t)(timeout_s * 1e9) + (uint64_t)nconns * 5000000ull;
        uint64_t last_progress = t_start;
        for (;;) {
            uint64_t now = now_ns();
            int inflight = 0;
            idle_count = 0;
            /* count states (bounded by nconns) */
            for (int i = 0; i < next; i++) {
                int st = conns[i].state;
                if (st == ST_IDLE)
                    idle_count++;
                else if (st == ST_CONNECTING || st == ST_ACTIVE || st == ST_RETRY)
                    inflight++;
                if (st == ST_RETRY && now >= conns[i].retry_at)
                    if (conn_start(&conns[i], now) < 0)
                        errors++;
                if (st == ST_FREE) {
                    /* dropped by an error: try again */
                    if (conn_start(&conns[i], now) < 0)
                        errors++;
                }
            }
            if (idle_count == nconns)
                break;
            while (next < nconns && inflight < inflight_max) {
                if (conn_start(&conns[next], now) < 0) {
                    errors++;
                    conns[next].state = ST_RETRY;
                    conns[next].retry_at = now + 10000000;
                }
                next++;
                inflight++;
            }
            if (now > deadline || now - last_progress > timeout_ns || errors > (uint64_t)nconns) {
                printf("{\"error\": \"could not open all idle connections\", \"idle\": %d, "
                       "\"wanted\": %d, \"errors\": %llu}\n",
                       idle_count, nconns, (unsigned long long)errors);
                fflush(stdout);
                return 1;
            }
            int n = epoll_wait(ep, evs, 1024, 5);
            now = now_ns();
            for (int i = 0; i < n; i++) {
                conn_t *c = evs[i].data.ptr;
                int before = c->state;
                handle_event(c, evs[i].events, now);
                if (c->state != before)
                    last_progress = now;
            }
        }
        double setup_wall = (now_ns() - t_start) / 1e9;
        printf("{\"event\": \"idle_ready\", \"connections\": %d, \"setup_s\": %.3f}\n", idle_count,
               setup_wall);
        fflush(stdout);
        /* Hold until stdin closes / becomes readable, or hold_s passes. Watch for server closes. */
        uint64_t hold_end = now_ns() + (uint64_t)(hold_s * 1e9);
        struct epoll_event sev = {.events = EPOLLIN | EPOLLHUP, .data.ptr = NULL};
        int stdin_ok = epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev) == 0;
        int done = 0;
        while (!done && now_ns() < hold_end) {
            int n = epoll_wait(ep, evs, 1024, stdin_ok ? 200 : 50);
            for (int i = 0; i < n; i++) {
                if (evs[i].data.ptr == NULL) {
                    done = 1;
                    continue;
                }
                conn_t *c = evs[i].data.ptr;
                errors++; /* an idle connection should never become readable */
                conn_drop(c);
            }
        }
        int still_open = active_conns;
        for (int i = 0; i < nconns; i++)
            conn_drop(&conns[i]);
        active_conns = still_open;
        double cu, cs;
        cpu_split(&cu, &cs);
        print_result(mode_name, setup_wall, cu, cs, (now_ns() - t_start) / 1e9, cpu_s() - cpu_start, 1);
        return 0;
    }

    /* echo and connrate */
    for (int i = 0; i < nconns; i++)
        if (conn_start(&conns[i], t_start) < 0)
            fail("connect");

    uint64_t warm_end = t_start + (uint64_t)(warmup * 1e9);
    uint64_t end = warm_end + (uint64_t)(duration * 1e9);
    uint64_t t_meas = t_start;
    double cu0 = 0, cs0 = 0;
    uint64_t last_req = 0, last_progress = t_start;
    if (warmup == 0 && !sync_mode) {
        measuring = 1;
        cpu_split(&cu0, &cs0);
    }
    uint64_t now = t_start;
    int round_done = 0;
    while (sync_mode ? !(measuring && (now >= end || (issued >= max_requests && !any_busy())))
                     : (now < end && requests < max_requests)) {
        int n = epoll_wait(ep, evs, 1024, spin ? 0 : 1);
        now = now_ns();
        for (int i = 0; i < n; i++)
            handle_event(evs[i].data.ptr, evs[i].events, now);
        if (sync_mode && !measuring && now >= warm_end) {
            draining = 1; /* no new request: wait until every connection is up and idle */
            if (active_conns == nconns && !any_busy()) {
                printf("{\"event\": \"warm\", \"requests\": %llu, \"errors\": %llu}\n",
                       (unsigned long long)all_requests, (unsigned long long)errors);
                fflush(stdout);
                wait_stdin();
                draining = 0;
                measuring = 1;
                now = t_meas = last_progress = now_ns();
                end = now + (uint64_t)(duration * 1e9);
                cpu_split(&cu0, &cs0);
                begin_round(now);
            }
        }
        if (sync_mode && measuring && round_done < rounds - 1 && issued >= max_requests &&
            !any_busy()) {
            /* a round (not the last) is complete: its result, then wait for the next */
            double cu1, cs1;
            cpu_split(&cu1, &cs1);
            print_result(mode_name, (now - t_meas) / 1e9, cu1 - cu0, cs1 - cs0,
                         (now_ns() - t_start) / 1e9, cpu_s() - cpu_start, 0);
            wait_stdin();
            round_done++;
            now = t_meas = last_progress = now_ns();
            end = now + (uint64_t)(duration * 1e9);
            cpu_split(&cu0, &cs0);
            begin_round(now);
        }
        if (!sync_mode && !measuring && now >= warm_end) {
            measuring = 1;
            reset_stats();
            t_meas = now;
            cpu_split(&cu0, &cs0);
        }
        if (requests != last_req) {
            last_req = requests;
            last_progress = now;
        } else if (now - last_progress > timeout_ns) {
            fprintf(stderr, "loadgen: no progress for %.1f s\n", timeout_s);
            break;
        }
        /* retries and replacement of dropped connections, resends of lost UDP requests
         * (bounded by nconns per pass) */
        for (int i = 0; i < nconns; i++) {
            conn_t *c = &conns[i];
            if (udp && window > 1 && c->state == ST_ACTIVE && c->inflight > 0 &&
                now > c->t0s[c->head] && now - c->t0s[c->head] > loss_ns) {
                /* (t0s are read after `now` was: a message sent in this pass is newer) */
                lost++; /* give the oldest up and send a new one */
                c->head = (c->head + 1) % WMAX;
                c->inflight--;
                if (sync_mode && measuring && issued > 0)
                    issued--; /* --sync counts answered messages: the new one stands in */
                window_fill(c);
                continue;
            }
            if (udp && c->state == ST_ACTIVE && c->busy && c->sent == msg_size &&
                now - c->t0 > loss_ns) {
                lost++;
                c->sent = c->rcvd = 0;
                c->t0 = now;
                do_send(c);
                continue;
            }
            if ((c->state == ST_RETRY && now >= c->retry_at) ||
                (c->state == ST_FREE && mode == MODE_CONNRATE)) {
                if (conn_start(c, now) < 0)
                    errors++;
            }
        }
        if (mode == MODE_ECHO && active_conns == 0) {
            int pending = 0;
            for (int i = 0; i < nconns; i++)
                pending += conns[i].state == ST_CONNECTING || conns[i].state == ST_RETRY;
            if (!pending) {
                fprintf(stderr, "loadgen: all connections lost\n");
                break;
            }
        }
    }
    double cu1, cs1;
    cpu_split(&cu1, &cs1);
    double wall = (now - t_meas) / 1e9;
    if (!measuring) {
        reset_stats();
        wall = 0;
    }
    if (sync_mode) { /* the result first, then wait: a collector stops before the closes */
        print_result(mode_name, wall, cu1 - cu0, cs1 - cs0, (now_ns() - t_start) / 1e9,
                     cpu_s() - cpu_start, 0);
        wait_stdin();
        for (int i = 0; i < nconns; i++)
            conn_drop(&conns[i]);
        return requests > 0 ? 0 : 1;
    }
    int open = active_conns;
    for (int i = 0; i < nconns; i++)
        conn_drop(&conns[i]);
    active_conns = open;
    print_result(mode_name, wall, cu1 - cu0, cs1 - cs0, (now_ns() - t_start) / 1e9, cpu_s() - cpu_start, 0);
    return requests > 0 ? 0 : 1;
}
