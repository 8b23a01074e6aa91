/* What the files of the HTTP layer share, bottom up: route.c (patterns
 * and typed parameters), request.c (accessors), reply.c (replies),
 * check.c (what is checked before a handler runs), conn.c (the
 * connection watch: header deadline, body rate), daemon.c (the daemon
 * and the request's life cycle). A file calls only files listed before
 * it. Not for use outside server/http/. */
#ifndef COFFER_HTTP_INTERNAL_H
#define COFFER_HTTP_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <microhttpd.h>

#include "http.h"

#define SEGS_MAX	12	/* path segments of a pattern */
#define PARAMS_MAX	6
#define HDRS_MAX	8
/* The request line and headers: what the layer reads before it refuses
 * with 431 (libmicrohttpd's own buffer, CONN_MEMORY in daemon.c, is
 * larger: past it, its own page answers). */
#define SRV_HEADER_BLOCK_MAX	(16u * 1024)

struct seg {
	const char	*lit;	/* literal text, or NULL for a parameter */
	size_t		 len;	/* of lit, or of the parameter's name */
	const char	*name;	/* parameter name (in the pattern) */
	enum srv_ptype	 type;
};

/* A route with its pattern split into segments. */
struct compiled {
	const struct srv_route	*r;
	struct seg		 seg[SEGS_MAX];
	size_t			 nseg;
	size_t			 nlit;
};

/* How often the connection watch looks (conn.c). */
#define SRV_CONN_TICK_MS	200

struct srv_conn;

/* The connection watch (conn.c): every open connection, and a thread
 * that drops those whose header block is late or whose body is slow. */
struct srv_conn_watch {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	pthread_t		 thread;
	int			 inited, running, stop;
	struct srv_conn		*head;
	unsigned		 per_ip;		/* 0: no limit */
	unsigned		 header_timeout_s;	/* 0: none */
	unsigned		 body_rate_min;		/* bytes/s; 0: none */
	unsigned		 body_rate_grace_s;
};

struct srv_http {
	struct MHD_Daemon	*d;
	struct compiled		*routes;
	size_t			 nroutes;
	void			*app;
	srv_auth_fn		 auth;
	const char		*limited_message;
	uint16_t		 port;
	atomic_uint		 in_flight;
	atomic_int		 stopping;
	struct srv_conn_watch	 watch;
};

struct param {
	const char	*name;	/* points into the pattern */
	size_t		 namelen;
	const char	*text;	/* points into req->path */
	uint8_t		 id[COFFER_WIRE_BLOB_ID_BYTES];
	uint64_t	 u;
};

/* A streamed reply's state, shared by the response (reader) and the
 * request (bytes for the log): freed when both let go. */
struct stream {
	atomic_int	 refs;
	srv_reader_fn	 read;
	void		*cls;
	void		(*release)(void *);
	uint64_t	 start;
	atomic_ullong	 sent;
};

struct srv_req {
	struct srv_http		*h;
	struct MHD_Connection	*conn;
	const struct compiled	*c;	/* NULL: no route matched */
	char			 method[12];
	char			 peer[INET6_ADDRSTRLEN];
	char			 peer_key[SRV_PEER_KEY_MAX];
	struct timespec		 t0;
	char			*path;
	struct param		 params[PARAMS_MAX];
	size_t			 nparams;
	/* The body. */
	uint64_t		 content_length;
	uint64_t		 bytes_in;
	char			*body;		/* JSON: content_length + 1 */
	json_t			*json;
	const struct srv_sink	*sink;
	void			*sink_ctx;
	int			 sink_open;	/* neither finish nor abort */
	int			 drop_body;	/* replied: read and drop */
	/* Auth. */
	int			 authed;
	struct srv_caller	 caller;
	/* The reply. */
	struct MHD_Response	*resp;
	unsigned		 status;
	int			 queued;
	uint64_t		 bytes_out;
	struct stream		*stream;
	char			*hname[HDRS_MAX], *hvalue[HDRS_MAX];
	size_t			 nhdrs;
};

/* --- route.c --- */

/** srv_route_compile_all(c, routes, n, err, errlen): split the ${n}
 * ${routes} into ${c} (n entries) and check them as srv_route_check
 * says. Returns 0, or -1 with the reason in ${err}. */
int srv_route_compile_all(struct compiled *c, const struct srv_route *routes,
    size_t n, char *err, size_t errlen);

/** srv_route_find(c, n, path, method, out, allow, allowlen): the route of
 * the ${n} compiled ${c} for ${method} on ${path}; where several shapes
 * match, the most literal wins ("/v1/blobs/exists" over
 * "/v1/blobs/{blob:blobid}"). Returns 0 with *${out} set; 1 if no route
 * has the path's shape; 2 if some have it but none takes ${method}, with
 * their methods, comma-separated, in ${allow} (for 405's Allow). */
int srv_route_find(const struct compiled *c, size_t n, const char *path,
    const char *method, const struct compiled **out, char *allow,
    size_t allowlen);

/** srv_route_parse_param(t, s, n, id, u): check the ${n} characters at
 * ${s} as a parameter of type ${t}; an id or blobid is decoded into ${id}
 * (room for COFFER_WIRE_BLOB_ID_BYTES), a uint into *${u}. Returns 0 or
 * -1. */
int srv_route_parse_param(enum srv_ptype t, const char *s, size_t n,
    uint8_t *id, uint64_t *u);

/** srv_route_ptype_text(t): what a parameter of type ${t} must be, in
 * words, for error messages. */
const char *srv_route_ptype_text(enum srv_ptype t);

/* --- reply.c --- */

/** srv_reply_queue(req): hand the reply set on ${req} (500 if none) to
 * libmicrohttpd with the headers every reply carries. Returns MHD_YES, or
 * MHD_NO to close the connection. */
enum MHD_Result srv_reply_queue(struct srv_req *req);

/** srv_reply_free(req): free the reply and headers ${req} holds. */
void srv_reply_free(struct srv_req *req);

/* --- conn.c --- */

/** srv_conn_watch_start(w, per_ip, header_timeout_s, body_rate_min,
 * body_rate_grace_s): set up ${w}: a connection that opens while ${per_ip}
 * others from its address are open is shut down at once (0: no limit);
 * if either time limit is on (not 0), start its thread: a connection
 * whose header block is not in
 * ${header_timeout_s} seconds after it opened or its last request ended,
 * or whose body averages under ${body_rate_min} bytes/s once
 * ${body_rate_grace_s} seconds have passed, is shut down and logged
 * ("dropped"). Returns 0 or -1. */
int srv_conn_watch_start(struct srv_conn_watch *w, unsigned per_ip,
    unsigned header_timeout_s, unsigned body_rate_min,
    unsigned body_rate_grace_s);

/** srv_conn_watch_stop(w): stop the thread (before the daemon stops). */
void srv_conn_watch_stop(struct srv_conn_watch *w);

/** srv_conn_watch_cleanup(w): stop, and free what is left (after the
 * daemon stopped); a zeroed ${w} is fine. */
void srv_conn_watch_cleanup(struct srv_conn_watch *w);

/** srv_conn_opened(w, conn, socket_context) and srv_conn_closed(w,
 * socket_context): MHD_OPTION_NOTIFY_CONNECTION's two events. */
void srv_conn_opened(struct srv_conn_watch *w, struct MHD_Connection *conn,
    void **socket_context);
void srv_conn_closed(struct srv_conn_watch *w, void **socket_context);

/** srv_conn_of(conn): the watch's record of ${conn}, or NULL (out of
 * memory when it opened: then it is not watched). */
struct srv_conn *srv_conn_of(struct MHD_Connection *conn);

/** srv_conn_headers_in(w, c, body_follows), srv_conn_body(w, c, n),
 * srv_conn_body_in(w, c), srv_conn_request_done(w, c): the header block
 * is in (and a body follows); ${n} more bytes of it came; it is all in
 * (or will not be read); the request ended and the connection waits for
 * the next header block. ${c} may be NULL. */
void srv_conn_headers_in(struct srv_conn_watch *w, struct srv_conn *c,
    int body_follows);
void srv_conn_body(struct srv_conn_watch *w, struct srv_conn *c, size_t n);
void srv_conn_body_in(struct srv_conn_watch *w, struct srv_conn *c);
void srv_conn_request_done(struct srv_conn_watch *w, struct srv_conn *c);

/** srv_conn_peer(conn, out, size): the client's numeric address, or "-". */
void srv_conn_peer(struct MHD_Connection *conn, char *out, size_t size);

/* --- check.c: each returns 0, or -1 after an error reply. --- */

/** srv_check_auth(req): the bearer token, if the route needs one,
 * through the auth hook (401, or the hook's error), and a limited
 * caller against the route's need (403). */
int srv_check_auth(struct srv_req *req);

/** srv_check_framing(req, url): the header block of the request for
 * ${url} against what can be framed one way only: at most
 * SRV_HEADER_BLOCK_MAX bytes [431 headers_too_large]; one Content-Length,
 * at most one Transfer-Encoding and only "chunked", not both, one Host
 * [400 malformed_request]. The reply closes the connection. */
int srv_check_framing(struct srv_req *req, const char *url);

/** srv_check_params(req): every path parameter against its type; cuts
 * req->path into the parameters' texts (400 invalid_id). */
int srv_check_params(struct srv_req *req);

/** srv_check_query(req): every query parameter against the route's spec
 * (400 invalid_parameter). */
int srv_check_query(struct srv_req *req);

/** srv_check_body(req, cap): the body's framing against the route: its
 * presence, Content-Type, Content-Length and cap, set in *${cap} (411,
 * 413, 415, 400). */
int srv_check_body(struct srv_req *req, uint64_t *cap);

/** srv_check_has_body(req): 1 if the request announces a body, else 0. */
int srv_check_has_body(const struct srv_req *req);

#endif
