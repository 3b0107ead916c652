/* lg_http.c - see lg_http.h. Only what a hello-world benchmark needs: one response per request,
 * framed by Content-Length; chunked bodies and "Connection: close" are refused as errors, so every
 * server is measured on the same keep-alive, fixed-length exchange. */
#define _GNU_SOURCE
#include "lg_http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t lg_http_request(char *buf, size_t cap, const char *host, const char *path) {
    int n = snprintf(buf, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

void lg_http_reset(lg_http_resp_t *r) {
    r->hlen = 0;
    r->in_body = 0;
    r->body_left = 0;
}

/* Does the header value v (length n) contain the token tok, case-insensitively? */
static int has_token(const char *v, size_t n, const char *tok) {
    size_t t = strlen(tok);
    for (size_t i = 0; i + t <= n; i++)
        if (strncasecmp(v + i, tok, t) == 0)
            return 1;
    return 0;
}

/* Parses the head (hl bytes, ending with CRLF CRLF). Returns the Content-Length, or -1. */
static long long parse_head(const char *h, size_t hl, const char **why) {
    if (hl < 12 || strncmp(h, "HTTP/1.1 ", 9) != 0) {
        *why = "not an HTTP/1.1 response";
        return -1;
    }
    if (strncmp(h + 9, "200", 3) != 0) {
        *why = "status is not 200";
        return -1;
    }
    long long cl = -1;
    const char *end = h + hl - 2; /* the final empty line */
    const char *line = memchr(h, '\n', hl);
    while (line && ++line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            eol = end;
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon) {
            *why = "malformed header line";
            return -1;
        }
        size_t nl = (size_t)(colon - line);
        const char *v = colon + 1;
        size_t vl = (size_t)(eol - v);
        while (vl && (*v == ' ' || *v == '\t')) {
            v++;
            vl--;
        }
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        if (nl == 14 && strncasecmp(line, "content-length", 14) == 0) {
            if (vl == 0 || vl > 12) {
                *why = "bad Content-Length";
                return -1;
            }
            long long x = 0;
            for (size_t i = 0; i < vl; i++) {
                if (!isdigit((unsigned char)v[i])) {
                    *why = "bad Content-Length";
                    return -1;
                }
                x = x * 10 + (v[i] - '0');
            }
            if (cl >= 0 && cl != x) {
                *why = "two different Content-Length headers";
                return -1;
            }
            cl = x;
        } else if (nl == 17 && strncasecmp(line, "transfer-encoding", 17) == 0) {
            *why = "Transfer-Encoding in the response (Content-Length required)";
            return -1;
        } else if (nl == 10 && strncasecmp(line, "connection", 10) == 0 && has_token(v, vl, "close")) {
            *why = "the server closes the connection (keep-alive required)";
            return -1;
        }
        line = eol;
    }
    if (cl < 0)
        *why = "no Content-Length in the response";
    return cl;
}

int lg_http_feed(lg_http_resp_t *r, const char *d, size_t n, const char **why) {
    if (r->in_body) {
        if (n > r->body_left) {
            *why = "bytes after the response body (pipelining is off)";
            return -1;
        }
        r->body_left -= n;
        return r->body_left == 0;
    }
    size_t room = LG_HTTP_HEAD_MAX - r->hlen;
    size_t take = n < room ? n : room;
    size_t from = r->hlen >= 3 ? r->hlen - 3 : 0;
    memcpy(r->head + r->hlen, d, take);
    r->hlen += take;
    const char *e = memmem(r->head + from, r->hlen - from, "\r\n\r\n", 4);
    if (!e) {
        if (r->hlen == LG_HTTP_HEAD_MAX) {
            *why = "response head too long";
            return -1;
        }
        return 0;
    }
    size_t hl = (size_t)(e + 4 - r->head);
    long long cl = parse_head(r->head, hl, why);
    if (cl < 0)
        return -1;
    size_t body_here = (r->hlen - hl) + (n - take);
    if (body_here > (size_t)cl) {
        *why = "bytes after the response body (pipelining is off)";
        return -1;
    }
    r->in_body = 1;
    r->body_left = (size_t)cl - body_here;
    r->resp_bytes = hl + (size_t)cl;
    return r->body_left == 0;
}
