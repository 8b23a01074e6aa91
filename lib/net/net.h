/* HTTP to a cofferd over libcurl (internal to libcoffer).
 *
 * One struct net per server: a pool of easy handles (each reused for
 * request after request, so its connection stays open: HTTP/1.1
 * keep-alive), a CURLSH share of DNS, connections and TLS sessions
 * between them, and curl multi for batches of transfers run P at a time.
 * Every request is a struct net_req; net_run runs a batch of them and
 * retries, with exponential back-off and jitter, those that failed on
 * the network, with a 5xx or with 429 (Retry-After honoured), when the
 * request is idempotent. A request that never left (no
 * connection) is retried whatever its method. Other 4xx are never retried.
 *
 * Results are coffer errors with a detail string naming the HTTP status,
 * the server's error code and message, or the curl failure. */
#ifndef COFFER_NET_H
#define COFFER_NET_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include <coffer/buf.h>

/* Caps on what is read into memory. */
#define NET_JSON_MAX	((size_t)8 << 20)	/* a JSON answer */
#define NET_ERROR_MAX	((size_t)16 << 10)	/* an error answer */
#define NET_DETAIL	256
#define NET_TOKEN_MAX	128
#define NET_NO_RETRY	0xffffffffu
#define NET_TIMEOUT_DEFAULT	30	/* s */
#define NET_MIN_RATE_DEFAULT	1024	/* bytes/s */
#define NET_LATE_DEADLINE	1
#define NET_LATE_RATE		2

struct net;

struct net_opts {
	const char	*ca_file;	/* PEM bundle to trust, or NULL */
	unsigned	 retries;	/* extra attempts; 0: 4,
					   NET_NO_RETRY: none */
	unsigned	 backoff_ms;	/* first back-off; default 250 */
	unsigned	 backoff_max_ms; /* longest back-off; default 8000 */
	unsigned	 connect_timeout_s; /* default 10 */
	/* The deadline of one attempt: timeout_s, plus the time its bytes
	 * (the body sent, and the answer's Content-Length once known) take
	 * at min_rate; and the rate floor: an attempt carrying more than
	 * min_rate * timeout_s bytes moves at least min_rate bytes/s in each
	 * window of timeout_s. Default 30 s and 1024 bytes/s. */
	unsigned	 timeout_s;
	unsigned	 min_rate;
};

/* One request. The caller fills the first block; net_run fills the
 * second. */
struct net_req {
	const char		*method;	/* "GET", "PUT", ... */
	const char		*path;		/* "/v1/zones/..." */
	const char		*content_type;	/* with a body, else NULL */
	const uint8_t		*body;
	size_t			 body_len;
	const char		*range;		/* "bytes=A-B" or NULL */
	int			 idempotent;	/* may be sent again */
	int			 no_auth;	/* no bearer token */
	struct coffer_buf	*reply;		/* a 2xx's body (appended) */

	long			 status;	/* HTTP status, 0 if none */
	int			 result;	/* 0 or a coffer error */
	char			 code[32];	/* server's error code, or "" */
	json_t			*err;		/* the server's error object */
	char			 detail[NET_DETAIL];
	/* Private to net_run. */
	size_t			 reply_len0;
	struct coffer_buf	*errbuf;
	unsigned		 attempt;
	uint64_t		 not_before_ms;
	int			 toobig;
	int			 late;		/* NET_LATE_*: why it was cut */
	uint64_t		 t0_ms, win_ms, win_bytes;
	const struct net	*owner;
	int			 state;
	void			*easy;
	struct curl_slist	*headers;
	char			*url;
};

/** net_new(out, base_url, opts): a handle for the server at ${base_url}
 * ("https://host:port", no trailing path; plain http:// only to
 * localhost, 127.x.y.z or [::1]). Returns 0, COFFER_ERR_INVALID (not
 * https://, nor http:// to this machine), COFFER_ERR_NOMEM or
 * COFFER_ERR_NETWORK (curl could not be set up). */
int net_new(struct net **out, const char *base_url,
    const struct net_opts *opts);

/** net_free(p): free *${p} and set it to NULL; accepts NULL. */
void net_free(struct net **p);

/** net_set_token(n, token): the bearer token sent from now on (copied;
 * NULL to send none). Returns 0, COFFER_ERR_INVALID or
 * COFFER_ERR_TOOBIG. */
int net_set_token(struct net *n, const char *token);

/** net_run(n, reqs, count, parallel): run ${count} requests with at most
 * ${parallel} in flight, each retried as the header says. Each gets its
 * status, result and detail. Returns 0 when every request got a 2xx,
 * else the result of the first that failed. */
int net_run(struct net *n, struct net_req *reqs, size_t count,
    unsigned parallel);

/** net_req_cleanup(q): release what net_run attached to ${q} (the error
 * object); the caller's fields stay. */
void net_req_cleanup(struct net_req *q);

/** net_status_err(status, code): the coffer error for an HTTP
 * ${status} with the server's error ${code} (may be ""). */
int net_status_err(long status, const char *code);

/* Strict reading of JSON answers: thin adapters over the wire module's
 * reader (wire/json.h), which report its faults as the client does. Each
 * getter sets ${detail} (at least NET_DETAIL bytes) to a sentence naming
 * the field when it fails with COFFER_ERR_SERVER. */

/** net_json_load(out, p, len, detail): one JSON object, no duplicate
 * keys. Returns 0 or COFFER_ERR_SERVER. */
int net_json_load(json_t **out, const uint8_t *p, size_t len, char *detail);

/** net_json_only(j, keys, detail): refuse keys of ${j} not in the
 * NULL-terminated ${keys}. Returns 0 or COFFER_ERR_SERVER. */
int net_json_only(const json_t *j, const char *const *keys, char *detail);

/** net_json_int(j, key, out, detail): a non-negative integer field. */
int net_json_int(const json_t *j, const char *key, uint64_t *out,
    char *detail);

/** net_json_bool(j, key, out, detail): a boolean field. */
int net_json_bool(const json_t *j, const char *key, int *out, char *detail);

/** net_json_str(j, key, out, detail): a string field (owned by ${j}). */
int net_json_str(const json_t *j, const char *key, const char **out,
    char *detail);

/** net_json_hex(j, key, out, n, detail): a field of exactly ${n} bytes
 * as lower-case hex. */
int net_json_hex(const json_t *j, const char *key, uint8_t *out,
    size_t n, char *detail);

/** net_json_b64(j, key, out, max, detail): a base64url field of at
 * most ${max} bytes, appended to ${out}. */
int net_json_b64(const json_t *j, const char *key, struct coffer_buf *out,
    size_t max, char *detail);

/** net_json_b64_exact(j, key, out, n, detail): a base64url field of
 * exactly ${n} bytes into ${out}. */
int net_json_b64_exact(const json_t *j, const char *key, uint8_t *out,
    size_t n, char *detail);

/** net_json_reply(q, out): parse the 2xx JSON reply of ${q} into *${out},
 * setting q->result and q->detail on failure. Returns 0 or
 * COFFER_ERR_SERVER. */
int net_json_reply(struct net_req *q, json_t **out);

/** net_json_body(out, fmt, ...): a request body built with jansson's
 * json_pack(${fmt}), serialised compactly into a new string *${out}
 * (free it). Returns 0 or COFFER_ERR_NOMEM. */
int net_json_body(char **out, const char *fmt, ...);

#endif
