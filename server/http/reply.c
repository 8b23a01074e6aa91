/* Replies: JSON, errors, empty, streamed with Range (http.h). Calls
 * request.c, errors.c, log.c and range.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <coffer/err.h>

#include "http_internal.h"
#include "log.h"

#define STREAM_BLOCK	(256u * 1024)

static int
replied(const struct srv_req *req)
{
	return req->resp != NULL || req->queued;
}

static int
set_reply(struct srv_req *req, unsigned status, struct MHD_Response *resp,
    uint64_t bytes)
{
	if (resp == NULL)
		return -1;
	if (replied(req)) {
		MHD_destroy_response(resp);
		return -1;
	}
	req->resp = resp;
	req->status = status;
	req->bytes_out = bytes;
	return 0;
}

int
srv_reply_json(struct srv_req *req, unsigned status, json_t *body)
{
	struct MHD_Response *resp;
	char *s;
	size_t n;

	if (replied(req)) {
		json_decref(body);
		return -1;
	}
	s = body != NULL ? json_dumps(body, JSON_COMPACT) : strdup("{}");
	json_decref(body);
	if (s == NULL)
		return -1;
	n = strlen(s);
	if ((resp = MHD_create_response_from_buffer(n, s,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(s);
		return -1;
	}
	if (MHD_add_response_header(resp, "Content-Type",
	    "application/json") != MHD_YES) {
		MHD_destroy_response(resp);
		return -1;
	}
	return set_reply(req, status, resp, n);
}

int
srv_reply_empty(struct srv_req *req, unsigned status)
{
	if (replied(req))
		return -1;
	return set_reply(req, status, MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT), 0);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int
reply_error_v(struct srv_req *req, enum srv_err code, json_t *extra,
    const char *fmt, va_list ap)
{
	char msg[300];
	json_t *body = NULL;
	int r = -1;
	size_t i;

	if (replied(req) || (extra != NULL && !json_is_object(extra)))
		goto out;
	if (fmt == NULL)
		snprintf(msg, sizeof(msg), "%s", srv_err_summary(code));
	else
		vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Messages may quote what a client sent: keep them printable ASCII
	 * so they are valid JSON strings whatever the input. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] >= 0x7f)
			msg[i] = '?';
	if ((body = json_pack("{s:s, s:s}", "error", srv_err_code(code),
	    "message", msg)) == NULL)
		goto out;
	/* The extra fields never replace the two every error has. */
	if (extra != NULL && json_object_update_missing(body, extra) != 0)
		goto out;
	r = srv_reply_json(req, srv_err_status(code), body) == 0 ? 0 : -1;
	body = NULL;		/* consumed */
out:
	json_decref(body);
	json_decref(extra);
	return r;
}

int
srv_reply_error(struct srv_req *req, enum srv_err code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = reply_error_v(req, code, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int
srv_reply_error_with(struct srv_req *req, enum srv_err code, json_t *extra,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = reply_error_v(req, code, extra, fmt, ap);
	va_end(ap);
	return r;
}

int
srv_reply_retry(struct srv_req *req, enum srv_err code, unsigned seconds,
    const char *fmt, ...)
{
	char msg[300], after[16];
	va_list ap;

	if (replied(req))
		return -1;
	if (fmt == NULL) {
		snprintf(msg, sizeof(msg), "%s", srv_err_summary(code));
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	snprintf(after, sizeof(after), "%u", seconds);
	if (srv_reply_header(req, "Retry-After", after) != 0)
		return -1;
	return srv_reply_error(req, code, "%s", msg);
}
#pragma GCC diagnostic pop

int
srv_reply_json_err(struct srv_req *req, const struct wire_json_err *e)
{
	return srv_reply_error(req, srv_err_of_json(e->fault), "%s",
	    e->message);
}

int
srv_reply_object(struct srv_req *req, unsigned status, json_t *o)
{
	if (o == NULL)
		return -1;
	return srv_reply_json(req, status, o);
}

int
srv_reply_list(struct srv_req *req, const char *key, const void *items,
    size_t n, size_t size, json_t *(*to_json)(const void *item))
{
	json_t *list, *o;
	size_t i;
	int r = -1;

	if ((list = json_array()) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((o = to_json((const uint8_t *)items + i * size)) == NULL ||
		    json_array_append_new(list, o) != 0)
			goto out;
	r = srv_reply_object(req, 200, json_pack("{s:O}", key, list));
out:
	json_decref(list);
	return r;
}

int
srv_reply_store(struct srv_req *req, int r, const char *what)
{
	switch (r) {
	case COFFER_ERR_NOTFOUND:
		return srv_reply_error(req, SRV_E_NO_SUCH_OBJECT, "no such %s",
		    what);
	case COFFER_ERR_QUOTA:
		return srv_reply_error(req, SRV_E_QUOTA_EXCEEDED, NULL);
	case COFFER_ERR_BUSY:
		return srv_reply_retry(req, SRV_E_UNAVAILABLE, 1, "the store "
		    "is busy");
	default:
		srv_log(SRV_LOG_ERROR, "store_failed", "route",
		    srv_req_route(req)->pattern, "reason", coffer_strerror(r),
		    (char *)NULL);
		return srv_reply_error(req, SRV_E_INTERNAL, NULL);
	}
}

int
srv_reply_header(struct srv_req *req, const char *name, const char *value)
{
	char *n, *v;

	if (req->nhdrs == HDRS_MAX || req->queued)
		return -1;
	n = strdup(name);
	v = strdup(value);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return -1;
	}
	req->hname[req->nhdrs] = n;
	req->hvalue[req->nhdrs++] = v;
	return 0;
}

enum MHD_Result
srv_reply_queue(struct srv_req *req)
{
	size_t i;

	if (req->queued)
		return MHD_YES;
	if (req->resp == NULL &&
	    srv_reply_error(req, SRV_E_INTERNAL, "no reply") != 0)
		return MHD_NO;
	if (MHD_add_response_header(req->resp, "Cache-Control", "no-store") !=
	    MHD_YES || MHD_add_response_header(req->resp,
	    "X-Content-Type-Options", "nosniff") != MHD_YES)
		return MHD_NO;
	for (i = 0; i < req->nhdrs; i++)
		if (MHD_add_response_header(req->resp, req->hname[i],
		    req->hvalue[i]) != MHD_YES)
			return MHD_NO;
	req->queued = 1;
	if (req->c == NULL || req->c->r->body == SRV_BODY_NONE ||
	    req->bytes_in < req->content_length)
		req->drop_body = 1;
	return MHD_queue_response(req->conn, req->status, req->resp);
}

static void
stream_unref(struct stream *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
		if (s->release != NULL)
			s->release(s->cls);
		free(s);
	}
}

void
srv_reply_free(struct srv_req *req)
{
	size_t i;

	if (req->resp != NULL)
		MHD_destroy_response(req->resp);
	req->resp = NULL;
	stream_unref(req->stream);
	req->stream = NULL;
	for (i = 0; i < req->nhdrs; i++) {
		free(req->hname[i]);
		free(req->hvalue[i]);
	}
	req->nhdrs = 0;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	ssize_t n;

	n = s->read(s->cls, s->start + pos, (uint8_t *)buf, max);
	if (n <= 0 || (size_t)n > max)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	atomic_fetch_add(&s->sent, (unsigned long long)n);
	return n;
}

static void
stream_free(void *cls)
{
	stream_unref(cls);
}

#define SMALL_REPLY	((uint64_t)64 << 10)

/* Content-Range of a 206 for [start, start + len) of size. */
static int
content_range(struct MHD_Response *resp, uint64_t start, uint64_t len,
    uint64_t size)
{
	char cr[80];

	snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu",
	    (unsigned long long)start, (unsigned long long)(start + len - 1),
	    (unsigned long long)size);
	return MHD_add_response_header(resp, "Content-Range", cr) == MHD_YES ?
	    0 : -1;
}

/* srv_reply_stream for at most SMALL_REPLY bytes: read them all first. */
static int
reply_small(struct srv_req *req, int rr, uint64_t size, uint64_t start,
    uint64_t len, srv_reader_fn reader, void *cls)
{
	struct MHD_Response *resp;
	uint8_t *buf;
	size_t off = 0;
	ssize_t n;

	if ((buf = malloc(len > 0 ? (size_t)len : 1)) == NULL)
		return -1;
	while (off < len) {
		n = reader(cls, start + off, buf + off, (size_t)len - off);
		if (n <= 0 || (size_t)n > len - off) {
			free(buf);
			return srv_reply_error(req, SRV_E_INTERNAL, "the object "
			    "could not be read");
		}
		off += (size_t)n;
	}
	if ((resp = MHD_create_response_from_buffer((size_t)len, buf,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(buf);
		return -1;
	}
	if (MHD_add_response_header(resp, "Content-Type",
	    "application/octet-stream") != MHD_YES ||
	    MHD_add_response_header(resp, "Accept-Ranges", "bytes") != MHD_YES ||
	    (rr == 1 && content_range(resp, start, len, size) != 0)) {
		MHD_destroy_response(resp);
		return -1;
	}
	return set_reply(req, rr == 1 ? 206 : 200, resp, (size_t)len);
}

int
srv_reply_stream(struct srv_req *req, uint64_t size, srv_reader_fn reader,
    void *cls, void (*release)(void *))
{
	struct MHD_Response *resp = NULL;
	struct stream *s = NULL;
	uint64_t start = 0, len = size;
	char cr[80];
	int rr, r = -1;

	if (replied(req))
		goto out;
	rr = srv_range_parse(srv_req_header(req, "Range"), size, &start, &len);
	if (rr < 0) {
		snprintf(cr, sizeof(cr), "bytes */%llu",
		    (unsigned long long)size);
		srv_reply_header(req, "Content-Range", cr);
		r = srv_reply_error(req, SRV_E_RANGE_NOT_SATISFIABLE, "the "
		    "object has %llu bytes; give one range inside it",
		    (unsigned long long)size);
		goto out;
	}
	/* A small object goes out in one buffer: headers and body then
	 * leave in one send, where a callback reply takes two (a 4 KiB blob
	 * GET was measured 3-5% faster so). */
	if (len <= SMALL_REPLY) {
		r = reply_small(req, rr, size, start, len, reader, cls);
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto out;
	atomic_init(&s->refs, 1);
	atomic_init(&s->sent, 0);
	s->read = reader;
	s->cls = cls;
	s->release = release;
	s->start = start;
	release = NULL;			/* s owns cls now */
	if ((resp = MHD_create_response_from_callback(len, STREAM_BLOCK,
	    stream_read, s, stream_free)) == NULL)
		goto out;
	atomic_fetch_add(&s->refs, 1);	/* the response's, for stream_free */
	if (MHD_add_response_header(resp, "Content-Type",
	    "application/octet-stream") != MHD_YES ||
	    MHD_add_response_header(resp, "Accept-Ranges", "bytes") != MHD_YES)
		goto out;
	if (rr == 1 && content_range(resp, start, len, size) != 0)
		goto out;
	r = set_reply(req, rr == 1 ? 206 : 200, resp, 0);
	resp = NULL;
	if (r == 0) {
		req->stream = s;	/* the request's reference */
		s = NULL;
	}
out:
	if (resp != NULL)
		MHD_destroy_response(resp);
	stream_unref(s);
	if (release != NULL)
		release(cls);
	return r;
}
