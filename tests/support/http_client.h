/* A small HTTP client for the integration tests, on libcurl: one request
 * per call, the response body kept up to a cap, JSON helpers, and a raw
 * socket exchange for what curl will not send (a declared body that never
 * comes). Every function is thread-safe (one curl handle per call). */
#ifndef COFFER_TEST_HTTP_CLIENT_H
#define COFFER_TEST_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HTTP_BODY_CAP	(16u << 20)	/* default response body cap */

/** http_request(method, url, headers, body, len, status, response_body):
 * send ${method} to ${url} with the NULL-terminated "Name: value"
 * ${headers} (may be NULL) and ${len} bytes of ${body} (NULL: no body);
 * set *${status} and, if ${response_body} is not NULL, a new
 * NUL-terminated copy of the response body (at most HTTP_BODY_CAP bytes).
 * Returns 0, or -1 on a transport error (printed on stderr). */
int http_request(const char *method, const char *url,
    const char *const *headers, const void *body, size_t len, long *status,
    char **response_body);

/* upload(cls, buf, max): the next bytes of a streamed request body; 0 at
 * the end. */
typedef size_t (*http_upload_fn)(void *cls, uint8_t *buf, size_t max);

struct http_opts {
	const char		*method;
	const char		*url;
	const char *const	*headers;
	const void		*body;		/* or upload: */
	size_t			 len;
	http_upload_fn		 upload;
	void			*upload_cls;
	uint64_t		 upload_len;	/* Content-Length */
	const char		*cainfo;	/* PEM to trust for https */
	size_t			 cap;		/* 0: HTTP_BODY_CAP */
	int			 count_only;	/* keep no body: count it */
	long			 timeout_s;	/* 0: 60 */
	const char		*local_addr;	/* bind the client's socket to
						   this address (127.0.0.2...) */
};

struct http_resp {
	long		 status;
	char		*body;		/* NUL-terminated, or NULL */
	size_t		 len;		/* bytes received (all, with count_only) */
	char		*headers;	/* raw header block, NUL-terminated */
};

/** http_do(o, r): the full form. Returns 0 with ${r} filled (free with
 * http_resp_free), or -1 on a transport error (printed). */
int http_do(const struct http_opts *o, struct http_resp *r);

/** http_resp_free(r): free what ${r} holds. */
void http_resp_free(struct http_resp *r);

/** http_resp_header(r, name, buf, size): the value of the last response
 * header ${name} (any case) into ${buf}. Returns ${buf}, or NULL. */
const char *http_resp_header(const struct http_resp *r, const char *name,
    char *buf, size_t size);

/** http_json(method, url, json_body, status): send ${json_body} (NULL:
 * none) as application/json; returns the parsed response (free with
 * json_decref) or NULL if it is not JSON; *${status} is set. */
json_t *http_json(const char *method, const char *url, const char *json_body,
    long *status);

/** http_json_from(local_addr, method, url, json_body, status): as
 * http_json, from the local address ${local_addr} (NULL: any), so that a
 * test can be many clients of loopback (127.0.0.2 to 127.255.255.254). */
json_t *http_json_from(const char *local_addr, const char *method,
    const char *url, const char *json_body, long *status);

/** http_is_error(body, code): 1 if ${body} is exactly {"error": ${code},
 * "message": a non-empty string}, else 0. */
int http_is_error(const char *body, const char *code);

/** http_raw(port, request, len, response, timeout_s): connect to
 * 127.0.0.1:${port}, send ${len} bytes of ${request}, read until the
 * server closes or one whole response (headers and Content-Length bytes)
 * is in, at most ${timeout_s} seconds. Returns 0 and a new NUL-terminated
 * *${response}, or -1. */
int http_raw(unsigned port, const char *request, size_t len, char **response,
    int timeout_s);

/** http_raw_status(response): the status code of a raw response, or -1. */
int http_raw_status(const char *response);

#endif
