/* lg_http.h - HTTP/1.1 for loadgen --http: the fixed keep-alive GET request, and the framing and
 * checks of one response (status 200, Content-Length, nothing after the body: pipelining is off,
 * so a byte beyond the response is a protocol error, not the next response). */
#ifndef LG_HTTP_H
#define LG_HTTP_H
#include <stddef.h>

#define LG_HTTP_HEAD_MAX 8192 /* a longer response head is an error */

typedef struct {
    char *head;       /* LG_HTTP_HEAD_MAX bytes, owned by the caller */
    size_t hlen;      /* bytes of the head received so far (in_body == 0) */
    int in_body;
    size_t body_left; /* body bytes still expected (in_body == 1) */
    size_t resp_bytes;/* head + body of the last framed response */
} lg_http_resp_t;

/* Writes "GET path HTTP/1.1\r\nHost: host\r\n\r\n" into buf; returns its length, 0 if cap is too
 * small. */
size_t lg_http_request(char *buf, size_t cap, const char *host, const char *path);

/* Ready for the next response. */
void lg_http_reset(lg_http_resp_t *r);

/* Feeds n received bytes. Returns 1 when the response is complete (and consumed all n bytes),
 * 0 when more bytes are needed, -1 on a protocol error (*why says which). */
int lg_http_feed(lg_http_resp_t *r, const char *d, size_t n, const char **why);

#endif
