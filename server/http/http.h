/* The HTTP layer of coffer's services (cofferd, coffer-escrowd; library
 * coffer_http): libmicrohttpd with its internal thread pool, a route
 * table given as data, validated requests, JSON and streamed replies,
 * and one error shape for every failure (errors.h). log.h is its
 * structured log; service.h what a service's main() needs around it.
 * The layer knows nothing of any service: each gives its routes, an
 * app pointer and an auth hook.
 *
 * A route is { method, pattern, handler, body kind, body cap, auth,
 * query spec }. Auth says what a route asks of the bearer token
 * (SRV_AUTH_*): none, a caller the service's auth hook grants in full, or
 * any caller, a limited one too. Which routes a limited caller may call
 * is so one column of the table, not a check in each handler. The
 * pattern names typed path parameters:
 *	"/v1/zones/{zone:id}/records/{record:id}"
 * Types: id (16 bytes as 32 lower-case hex digits), blobid (32 bytes as
 * 64 lower-case hex digits), uint (decimal, no leading zeros, < 2^63),
 * word ([a-z0-9_-], 1..32), token (base64url characters, 1..256).
 *
 * Before a handler runs, the layer has checked, in this order, and
 * answered with the error in brackets if not: the path matches a route
 * [404 not_found] and the method is one of its methods [405
 * method_not_allowed, with Allow]; the server is not shutting down [503];
 * the bearer token when the route needs one [401 unauthorized, or what the
 * auth hook says]; a limited caller on a route that asks for a full one
 * [403 forbidden]; every path parameter against its type [400 invalid_id];
 * every query parameter against the route's spec (unknown, repeated or
 * malformed ones are refused) [400 invalid_parameter]; the body: none
 * where the route takes none [413], the Content-Type [415], a
 * Content-Length where it takes one [411], the length against the
 * route's cap [413]; and for a JSON route, the body itself
 * (wire_json_parse) [400 malformed_json]. So a handler only checks
 * meaning (and headers it reads itself, which are not checked).
 *
 * Body kinds:
 * - SRV_BODY_NONE: the handler runs once the headers are in.
 * - SRV_BODY_JSON: the body is read (at most the cap, default 64 KiB)
 *   and parsed; the handler gets it from srv_req_json().
 * - SRV_BODY_STREAM (application/octet-stream): the handler runs once
 *   the headers are in, before any body byte is read. It either replies at
 *   once (404, 409, 507...: the body is then never read) or calls
 *   srv_req_set_sink(): the body then goes to the sink chunk by chunk as
 *   it arrives (memory stays flat whatever the size), and sink->finish
 *   runs after the last byte and replies.
 *
 * An oversized body is refused from its declared length, before it is
 * read. Every reply carries Cache-Control: no-store. Every request is
 * logged once it ends (method, route pattern, status, bytes in and out,
 * duration, peer); no header value or body is logged. */
#ifndef COFFER_HTTP_HTTP_H
#define COFFER_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <jansson.h>

#include "errors.h"
#include "wire/json.h"

#define SRV_JSON_BODY_DEFAULT	(64u * 1024)	/* cap when a route says 0 */
#define SRV_JSON_BODY_HARD_MAX	(16u * 1024 * 1024)
#define SRV_TOKEN_MAX		512	/* bearer token characters */

struct srv_http;
struct srv_req;

enum srv_method {
	SRV_GET = 1,
	SRV_PUT,
	SRV_POST,
	SRV_DELETE
};

enum srv_body {
	SRV_BODY_NONE = 0,
	SRV_BODY_JSON,
	SRV_BODY_STREAM
};

enum srv_ptype {
	SRV_P_ID = 1,		/* 16 bytes, 32 hex */
	SRV_P_BLOBID,		/* 32 bytes, 64 hex */
	SRV_P_UINT,		/* decimal < 2^63 */
	SRV_P_WORD,		/* [a-z0-9_-]{1,32} */
	SRV_P_TOKEN		/* [A-Za-z0-9_-]{1,256} */
};

/* What a route asks of the bearer token (struct srv_route's auth). A
 * route that takes a token asks for a full caller unless it says
 * otherwise: a new route is closed to limited callers by default. */
enum srv_auth_need {
	SRV_AUTH_NONE = 0,	/* no token */
	SRV_AUTH_FULL = 1,	/* a caller the auth hook grants in full */
	SRV_AUTH_ANY = 2	/* any caller the hook accepts, limited too */
};

/* A query parameter a route accepts; lists end with a NULL name. */
struct srv_query_spec {
	const char	*name;
	enum srv_ptype	 type;
};

/* handler(req): do the work and reply with one srv_reply_* call. Returns
 * 0; a non-zero return, or a return without a reply, answers 500. */
typedef int (*srv_handler_fn)(struct srv_req *req);

struct srv_route {
	enum srv_method			 method;
	const char			*pattern;
	srv_handler_fn			 handler;
	enum srv_body			 body;
	uint64_t			 body_max; /* 0: the kind's default */
	enum srv_auth_need		 auth;	/* what it asks of the token */
	const struct srv_query_spec	*query;	/* NULL: no query allowed */
};

/* A sink for a SRV_BODY_STREAM body. Exactly one of finish and abort is
 * called, and each frees ${ctx}. */
struct srv_sink {
	/* write(ctx, req, p, n): take the next ${n} bytes. Returns 0, or -1
	 * to stop: the reply set before returning (say srv_reply_error with
	 * 507) is sent, or 500 if none; abort(ctx) follows, and the rest of
	 * the body is read and dropped. */
	int	(*write)(void *ctx, struct srv_req *req, const uint8_t *p,
		    size_t n);
	/* finish(ctx, req): the whole body has arrived: commit and reply.
	 * Returns 0, or non-zero for 500 when no reply was set. */
	int	(*finish)(void *ctx, struct srv_req *req);
	/* abort(ctx): the request ended without finish (client gone, an
	 * error, shutdown): discard what was written. */
	void	(*abort)(void *ctx);
};

/* Who a bearer token stands for, as the service's auth hook says. */
struct srv_caller {
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	uint8_t		device[COFFER_WIRE_ID_BYTES];	/* zeros unless
							   has_device */
	int		has_device;	/* the token is bound to a device */
	int		limited;	/* SRV_AUTH_ANY routes only */
};

/* auth(app, token, len, who): check the bearer ${token} of ${len}
 * characters and fill ${who} (zeroed before the call). Returns
 * SRV_E_NONE, or the error to answer (SRV_E_UNAUTHORIZED,
 * SRV_E_RATE_LIMITED, SRV_E_UNAVAILABLE...). Runs on the pool threads:
 * must be thread-safe. */
typedef enum srv_err (*srv_auth_fn)(void *app, const char *token,
    size_t len, struct srv_caller *who);

struct srv_http_opts {
	const struct sockaddr	*addr;
	socklen_t		 addrlen;
	const char		*tls_cert_pem;	/* NULL: plain HTTP */
	const char		*tls_key_pem;
	unsigned		 threads;	/* 0: one per core */
	unsigned		 max_connections;
	unsigned		 per_ip_connections;	/* 0: no limit */
	unsigned		 connection_timeout;	/* seconds idle */
	/* Seconds from a connection's accept, or its last request's end, to
	 * the end of the next header block; later, it is closed. 0: none. */
	unsigned		 header_timeout;
	/* A request body averaging under body_rate_min bytes/s once
	 * body_rate_grace seconds have passed is cut. 0: none. */
	unsigned		 body_rate_min;
	unsigned		 body_rate_grace;
	const struct srv_route	*routes;
	size_t			 nroutes;
	void			*app;		/* srv_req_app() */
	srv_auth_fn		 auth;		/* NULL: every token is 401 */
	/* The message of the 403 a limited caller gets on a route that
	 * asks for a full one (NULL: the code's summary). */
	const char		*limited_message;
};

/** srv_http_start(out, opts, err, errlen): check the route table and
 * start listening as ${opts} says. Returns 0 and the server in *${out},
 * or -1 with a reason in ${err} (a bad route pattern or duplicate route,
 * TLS unavailable, the address in use, out of memory). */
int srv_http_start(struct srv_http **out, const struct srv_http_opts *opts,
    char *err, size_t errlen);

/** srv_http_port(h): the bound port (the real one when 0 was asked). */
uint16_t srv_http_port(const struct srv_http *h);

/** srv_http_quiesce(h): stop accepting connections; requests that arrive
 * on open connections from now on get 503 and the connection closes. */
void srv_http_quiesce(struct srv_http *h);

/** srv_http_wait_idle(h, timeout_ms): wait until no request is in flight,
 * at most ${timeout_ms}. Returns 0 if idle, or the number still in flight. */
unsigned srv_http_wait_idle(struct srv_http *h, unsigned timeout_ms);

/** srv_http_stop(h): close every connection, stop the threads, free
 * *${h} and set it to NULL; accepts NULL. */
void srv_http_stop(struct srv_http **h);

/** srv_http_shutdown(h, timeout_ms): the graceful stop: quiesce *${h},
 * wait at most ${timeout_ms} for the requests in flight (logging
 * "shutdown_timeout" with the number abandoned), then srv_http_stop.
 * Accepts a NULL *${h}. */
void srv_http_shutdown(struct srv_http **h, unsigned timeout_ms);

/* --- Route tables (route.c). --- */

/** srv_route_check(routes, n, err, errlen): check a route table: each
 * pattern well formed (starts with "/", literal segments of
 * [a-z0-9._-], parameters "{name:type}" with a known type, no empty
 * segment), no two routes with the same method and shape, a handler
 * everywhere, caps within limits, a known auth need. Returns 0 or -1
 * with the reason. */
int srv_route_check(const struct srv_route *routes, size_t n, char *err,
    size_t errlen);

/** srv_route_doc_path(r, buf, size): the OpenAPI form of ${r}'s pattern
 * ("{zone:id}" becomes "{zone}") into ${buf}. Returns 0, or -1 if
 * ${size} is too small. */
int srv_route_doc_path(const struct srv_route *r, char *buf, size_t size);

/** srv_route_method_name(m): "GET", "PUT", "POST", "DELETE", or "?" */
const char *srv_route_method_name(enum srv_method m);

/* --- The request (request.c). Pointers stay valid until the request
 * ends. --- */

/** srv_req_app(req): the app pointer given to srv_http_start. */
void *srv_req_app(const struct srv_req *req);

/** srv_req_route(req): the route that matched. */
const struct srv_route *srv_req_route(const struct srv_req *req);

/** srv_req_param(req, name): the text of path parameter ${name}, or NULL
 * if the route has none by that name. */
const char *srv_req_param(const struct srv_req *req, const char *name);

/** srv_req_param_id(req, name): the decoded bytes of an id or blobid
 * path parameter (16 or 32 bytes), or NULL. */
const uint8_t *srv_req_param_id(const struct srv_req *req, const char *name);

/** srv_req_param_uint(req, name, out): a uint path parameter. Returns 0,
 * or -1 if there is none by that name. */
int srv_req_param_uint(const struct srv_req *req, const char *name,
    uint64_t *out);

/** srv_req_query(req, name): the (checked) value of query parameter
 * ${name}, or NULL if absent. */
const char *srv_req_query(const struct srv_req *req, const char *name);

/** srv_req_query_uint(req, name, out): a uint query parameter. Returns 0,
 * or WIRE_JSON_ABSENT if absent (*${out} untouched). */
int srv_req_query_uint(const struct srv_req *req, const char *name,
    uint64_t *out);

/** srv_req_header(req, name): the value of request header ${name} (any
 * case), or NULL. Not checked: parse it strictly. */
const char *srv_req_header(const struct srv_req *req, const char *name);

/** srv_req_peer(req): the client's numeric address ("127.0.0.1", "::1"). */
const char *srv_req_peer(const struct srv_req *req);

/* The longest srv_req_peer_key, with its NUL. */
#define SRV_PEER_KEY_MAX	(46 + 3)

/** srv_req_peer_key(req): the client's address as per-address limits
 * count it: an IPv4 address (also one mapped into IPv6) as itself, an
 * IPv6 address by its /64 ("2001:db8:1:2::/64"), since one host usually
 * holds a whole /64. */
const char *srv_req_peer_key(const struct srv_req *req);

/** srv_peer_key(peer, out, size): the numeric address ${peer} as
 * srv_req_peer_key counts it, in ${out} (SRV_PEER_KEY_MAX fits any). */
void srv_peer_key(const char *peer, char *out, size_t size);

/** srv_req_json(req): the parsed body of a SRV_BODY_JSON route
 * (borrowed), or NULL for other kinds. */
json_t *srv_req_json(const struct srv_req *req);

/** srv_req_account(req): the 16-byte account id the auth hook gave, or
 * NULL on a route without auth. */
const uint8_t *srv_req_account(const struct srv_req *req);

/** srv_req_caller(req): who the bearer token stands for, as the auth
 * hook gave it, or NULL on a route without auth. */
const struct srv_caller *srv_req_caller(const struct srv_req *req);

/** srv_req_content_length(req): the declared body length (0 if none). */
uint64_t srv_req_content_length(const struct srv_req *req);

/** srv_req_set_sink(req, sink, ctx): in a SRV_BODY_STREAM handler,
 * receive the body through ${sink} with ${ctx}. Returns 0, or -1 if the
 * route is not a stream route or a reply or sink is already set (${ctx} is
 * then not taken). */
int srv_req_set_sink(struct srv_req *req, const struct srv_sink *sink,
    void *ctx);

/* --- Replies (reply.c). Each request gets one reply; a second
 * srv_reply_* call fails and changes nothing. --- */

/** srv_reply_json(req, status, body): reply ${status} with ${body}
 * (consumed, even on failure; NULL for {}) as application/json. Returns 0,
 * or -1 (out of memory, already replied). */
int srv_reply_json(struct srv_req *req, unsigned status, json_t *body);

/** srv_reply_empty(req, status): reply ${status} (e.g. 204) without a
 * body. Returns 0 or -1. */
int srv_reply_empty(struct srv_req *req, unsigned status);

/** srv_reply_error(req, code, fmt, ...): reply {"error": CODE, "message":
 * TEXT} with ${code}'s status; ${fmt} NULL uses the code's summary.
 * Returns 0 (so a handler can return it), or -1 (already replied, out of
 * memory). */
int srv_reply_error(struct srv_req *req, enum srv_err code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/** srv_reply_error_with(req, code, extra, fmt, ...): srv_reply_error with
 * the members of the JSON object ${extra} (consumed, even on failure) added
 * beside "error" and "message", which ${extra} cannot replace: say
 * {"version": 7, "deleted": false} with a 409. Returns as srv_reply_error
 * (also -1 if ${extra} is not an object). */
int srv_reply_error_with(struct srv_req *req, enum srv_err code,
    json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** srv_reply_json_err(req, e): srv_reply_error with ${e}'s code and
 * message (a failed wire_json_* getter). Returns as srv_reply_error. */
int srv_reply_json_err(struct srv_req *req, const struct wire_json_err *e);

/** srv_reply_object(req, status, o): srv_reply_json of ${o}, where a NULL
 * ${o} (a failed json_pack) is out of memory, not "{}". Returns 0, or -1
 * (500). */
int srv_reply_object(struct srv_req *req, unsigned status, json_t *o);

/** srv_reply_list(req, key, items, n, size, to_json): reply 200 with
 * {KEY: [...]}, the JSON of each of the ${n} ${items} of ${size} bytes as
 * ${to_json}(item) makes it. Returns as srv_reply_object: -1 (500) when
 * out of memory or ${to_json} returns NULL. */
int srv_reply_list(struct srv_req *req, const char *key, const void *items,
    size_t n, size_t size, json_t *(*to_json)(const void *item));

/** srv_reply_store(req, r, what): answer the COFFER_ERR_* ${r} of a
 * store (a service's database, folder or key store) for a request about
 * a ${what} ("zone", "record"...): NOTFOUND 404 no_such_object, QUOTA
 * 507, BUSY 503 with Retry-After, anything else 500 (logged as
 * "store_failed" with the route). Returns as srv_reply_error. */
int srv_reply_store(struct srv_req *req, int r, const char *what);

/** srv_reply_header(req, name, value): add a header to the reply, before
 * or after the srv_reply_* call (Retry-After with 429, ETag...). At most
 * 8. Returns 0 or -1. */
int srv_reply_header(struct srv_req *req, const char *name,
    const char *value);

/** srv_reply_retry(req, code, seconds, fmt, ...): srv_reply_error with a
 * Retry-After of ${seconds}: for SRV_E_RATE_LIMITED (429, which must carry
 * it) and SRV_E_UNAVAILABLE (503). Returns as srv_reply_error. */
int srv_reply_retry(struct srv_req *req, enum srv_err code, unsigned seconds,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* reader(cls, pos, buf, max): copy up to ${max} bytes from absolute
 * offset ${pos} of the object. Returns the count (> 0) or -1 on error
 * (the connection is then cut: the client sees a short body). */
typedef ssize_t (*srv_reader_fn)(void *cls, uint64_t pos, uint8_t *buf,
    size_t max);

/** srv_reply_stream(req, size, reader, cls, release): reply with an
 * application/octet-stream object of ${size} bytes read through
 * ${reader}, honouring one Range of the request ("bytes=A-B", "bytes=A-",
 * "bytes=-N"): 200 with the whole object, 206 with Content-Range, or 416
 * (with Content-Range: bytes * /SIZE) for a malformed, multiple or
 * unsatisfiable range. ${release}(cls) runs once the reply is done with
 * ${cls}, also on failure (NULL: nothing to release). Returns 0 or -1. */
int srv_reply_stream(struct srv_req *req, uint64_t size, srv_reader_fn reader,
    void *cls, void (*release)(void *));

/* --- The Range header (range.c). --- */

/** srv_range_parse(h, size, start, len): parse a Range header value ${h}
 * against an object of ${size} bytes. Returns 0 (no range or a unit other
 * than bytes: the whole object), 1 with [*${start}, *${start} + *${len})
 * for one satisfiable byte range, or -1 (malformed, several ranges, or
 * unsatisfiable: 416). */
int srv_range_parse(const char *h, uint64_t size, uint64_t *start,
    uint64_t *len);

#endif
