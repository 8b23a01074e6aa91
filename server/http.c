/* The daemon, the route table and the request life cycle (http.h). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_internal.h"
#include "log.h"

/* Per connection: headers and buffers. MHD reads a body in pieces of
 * about half of it, each becoming one write() of the blob store: 64 KiB
 * gave 20k recv + 20k write calls for a 660 MB backup, 256 KiB 5k each
 * and cut cofferd's CPU by ~0.17 s (0.65 -> 0.48 s). Pages are touched
 * only as used; the worst case is this times max_connections. */
#define CONN_MEMORY	(256u * 1024)

static const struct {
	const char	*name;
	enum srv_ptype	 type;
} ptypes[] = {
	{ "id", SRV_P_ID }, { "blobid", SRV_P_BLOBID }, { "uint", SRV_P_UINT },
	{ "word", SRV_P_WORD }, { "token", SRV_P_TOKEN },
};

const char *
srv_method_name(enum srv_method m)
{
	switch (m) {
	case SRV_GET:
		return "GET";
	case SRV_PUT:
		return "PUT";
	case SRV_POST:
		return "POST";
	case SRV_DELETE:
		return "DELETE";
	}
	return "?";
}

static int
lit_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '.' || ch == '_' || ch == '-';
}

/* Split r->pattern into c; -1 with a reason if malformed. */
static int
compile(struct compiled *c, const struct srv_route *r, char *err,
    size_t errlen)
{
	const char *p = r->pattern, *q, *colon;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->r = r;
	if (p == NULL || *p != '/')
		goto bad;
	while (*p == '/') {
		struct seg *s = &c->seg[c->nseg];

		if (c->nseg == SEGS_MAX)
			goto bad;
		p++;
		for (q = p; *q != '\0' && *q != '/'; q++)
			;
		if (q == p)
			goto bad;
		if (*p == '{') {
			if (q[-1] != '}' || (colon = memchr(p, ':',
			    (size_t)(q - p))) == NULL || colon == p + 1)
				goto bad;
			s->name = p + 1;
			s->len = (size_t)(colon - s->name);
			for (i = 0; i < sizeof(ptypes) / sizeof(ptypes[0]); i++)
				if (strlen(ptypes[i].name) ==
				    (size_t)(q - 1 - colon - 1) &&
				    memcmp(ptypes[i].name, colon + 1,
				    (size_t)(q - colon - 2)) == 0)
					break;
			if (i == sizeof(ptypes) / sizeof(ptypes[0]))
				goto bad;
			s->type = ptypes[i].type;
			for (i = 0; i < s->len; i++)
				if (!lit_char(s->name[i]))
					goto bad;
		} else {
			s->lit = p;
			s->len = (size_t)(q - p);
			for (i = 0; i < s->len; i++)
				if (!lit_char(p[i]))
					goto bad;
			c->nlit++;
		}
		c->nseg++;
		p = q;
	}
	if (*p != '\0' || c->nseg == 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad route pattern \"%s\"",
	    r->pattern != NULL ? r->pattern : "(null)");
	return -1;
}

/* Same segments, parameters counted equal whatever their names. */
static int
same_shape(const struct compiled *a, const struct compiled *b)
{
	size_t i;

	if (a->nseg != b->nseg)
		return 0;
	for (i = 0; i < a->nseg; i++) {
		if ((a->seg[i].lit == NULL) != (b->seg[i].lit == NULL))
			return 0;
		if (a->seg[i].lit != NULL && (a->seg[i].len != b->seg[i].len ||
		    memcmp(a->seg[i].lit, b->seg[i].lit, a->seg[i].len) != 0))
			return 0;
	}
	return 1;
}

static int
compile_all(struct compiled *c, const struct srv_route *routes, size_t n,
    char *err, size_t errlen)
{
	size_t i, j, np;

	for (i = 0; i < n; i++) {
		const struct srv_route *r = &routes[i];

		if (compile(&c[i], r, err, errlen) != 0)
			return -1;
		for (j = 0, np = 0; j < c[i].nseg; j++)
			np += c[i].seg[j].lit == NULL;
		if (np > PARAMS_MAX || r->handler == NULL ||
		    srv_method_name(r->method)[0] == '?' ||
		    (r->body == SRV_BODY_JSON &&
		    r->body_max > SRV_JSON_BODY_HARD_MAX) ||
		    (r->body == SRV_BODY_STREAM && r->body_max == 0) ||
		    (r->body == SRV_BODY_NONE && r->body_max != 0)) {
			snprintf(err, errlen, "route %s %s: bad handler, "
			    "method, body cap or parameter count",
			    srv_method_name(r->method), r->pattern);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (routes[j].method == r->method &&
			    same_shape(&c[i], &c[j])) {
				snprintf(err, errlen, "routes %s and %s clash",
				    routes[j].pattern, r->pattern);
				return -1;
			}
	}
	return 0;
}

int
srv_route_check(const struct srv_route *routes, size_t n, char *err,
    size_t errlen)
{
	struct compiled *c;
	int r;

	if ((c = calloc(n + 1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = compile_all(c, routes, n, err, errlen);
	free(c);
	return r;
}

int
srv_route_doc_path(const struct srv_route *r, char *buf, size_t size)
{
	const char *p;
	size_t o = 0;
	int skip = 0;

	for (p = r->pattern; *p != '\0'; p++) {
		if (*p == ':' && !skip) {
			skip = 1;
			continue;
		}
		if (*p == '}')
			skip = 0;
		if (skip)
			continue;
		if (o + 1 >= size)
			return -1;
		buf[o++] = *p;
	}
	if (o >= size)
		return -1;
	buf[o] = '\0';
	return 0;
}

/* Does path (split at '/') have c's shape? Parameter segments match any
 * non-empty text; their types are checked later, for a precise 400. */
static int
matches(const struct compiled *c, const char *path)
{
	const char *p = path, *q;
	size_t i;

	for (i = 0; i < c->nseg; i++) {
		if (*p != '/')
			return 0;
		p++;
		for (q = p; *q != '\0' && *q != '/'; q++)
			;
		if (q == p)
			return 0;
		if (c->seg[i].lit != NULL && ((size_t)(q - p) != c->seg[i].len ||
		    memcmp(p, c->seg[i].lit, c->seg[i].len) != 0))
			return 0;
		p = q;
	}
	return *p == '\0';
}

/* Route the request: 0 with req->c set, or -1 after an error reply. */
static int
route(struct srv_req *req, const char *url)
{
	struct srv_http *h = req->h;
	const struct compiled *best = NULL;
	char allow[64] = "";
	size_t i, o = 0;

	/* The most literal shape wins: "/v1/blobs/check" over
	 * "/v1/blobs/{blob:blobid}". */
	for (i = 0; i < h->nroutes; i++)
		if (matches(&h->routes[i], url) &&
		    (best == NULL || h->routes[i].nlit > best->nlit))
			best = &h->routes[i];
	if (best == NULL)
		return srv_reply_error(req, SRV_E_NOT_FOUND, "no route for "
		    "this path"), -1;
	for (i = 0; i < h->nroutes; i++) {
		const struct compiled *c = &h->routes[i];
		const char *m = srv_method_name(c->r->method);

		if (!same_shape(c, best))
			continue;
		if (strcmp(m, req->method) == 0) {
			req->c = c;
			return 0;
		}
		o += (size_t)snprintf(allow + o, sizeof(allow) - o, "%s%s",
		    o > 0 ? ", " : "", m);
		if (o >= sizeof(allow))
			o = sizeof(allow) - 1;
	}
	srv_reply_error(req, SRV_E_METHOD_NOT_ALLOWED, "allowed: %s", allow);
	srv_reply_header(req, "Allow", allow);
	return -1;
}

static void
set_peer(struct srv_req *req)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	strcpy(req->peer, "-");
	ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, req->peer, sizeof(req->peer));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, req->peer, sizeof(req->peer));
}

static void
call_handler(struct srv_req *req)
{
	int rc = req->c->r->handler(req);

	if (req->resp == NULL && req->sink == NULL)
		srv_reply_error(req, SRV_E_INTERNAL, rc != 0 ? NULL :
		    "the handler gave no reply");
}

/* The headers are in: route, check, and run what can run now. */
static void
begin(struct srv_req *req, const char *url)
{
	uint64_t cap;

	if (route(req, url) != 0)
		return;
	if (atomic_load(&req->h->stopping)) {
		srv_reply_error(req, SRV_E_UNAVAILABLE, "shutting down");
		srv_reply_header(req, "Connection", "close");
		return;
	}
	if ((req->path = strdup(url)) == NULL) {
		srv_reply_error(req, SRV_E_INTERNAL, "out of memory");
		return;
	}
	if (srv__req_check_auth(req) != 0 || srv__req_check_params(req) != 0 ||
	    srv__req_check_query(req) != 0 ||
	    srv__req_check_body(req, &cap) != 0)
		return;
	switch (req->c->r->body) {
	case SRV_BODY_NONE:
	case SRV_BODY_STREAM:
		call_handler(req);
		break;
	case SRV_BODY_JSON:
		/* Content-Length is known and within the cap: one buffer. */
		if ((req->body = malloc(req->content_length + 1)) == NULL)
			srv_reply_error(req, SRV_E_INTERNAL, "out of memory");
		break;
	}
}

static void
take_body(struct srv_req *req, const char *data, size_t n)
{
	const struct srv_route *r = req->c != NULL ? req->c->r : NULL;

	req->bytes_in += n;
	if (req->drop_body || r == NULL)
		return;
	if (r->body == SRV_BODY_JSON && req->body != NULL &&
	    req->bytes_in <= req->content_length) {
		memcpy(req->body + req->bytes_in - n, data, n);
	} else if (r->body == SRV_BODY_STREAM && req->sink_open) {
		if (req->sink->write(req->sink_ctx, req, (const uint8_t *)data,
		    n) != 0) {
			req->sink_open = 0;
			req->sink->abort(req->sink_ctx);
			if (req->resp == NULL)
				srv_reply_error(req, SRV_E_INTERNAL,
				    "storing the body failed");
			req->drop_body = 1;
		}
	} else if (req->resp == NULL) {
		srv_reply_error(req, SRV_E_BODY_TOO_LARGE, NULL);
		req->drop_body = 1;
	}
}

/* The body is in. */
static void
end_body(struct srv_req *req)
{
	struct wire_json_err e;
	const struct srv_route *r;

	if (req->resp != NULL || req->c == NULL)
		return;
	r = req->c->r;
	if (req->bytes_in != req->content_length) {
		srv_reply_error(req, SRV_E_INVALID_PARAMETER, "body length "
		    "does not match Content-Length");
		return;
	}
	if (r->body == SRV_BODY_JSON) {
		if (wire_json_parse(req->body, req->content_length,
		    WIRE_JSON_MAX_DEPTH, &req->json, &e) != 0) {
			srv_reply_json_err(req, &e);
			return;
		}
		call_handler(req);
	} else if (r->body == SRV_BODY_STREAM && req->sink_open) {
		req->sink_open = 0;
		if (req->sink->finish(req->sink_ctx, req) != 0 &&
		    req->resp == NULL)
			srv_reply_error(req, SRV_E_INTERNAL, NULL);
		else if (req->resp == NULL)
			srv_reply_error(req, SRV_E_INTERNAL, "the sink gave "
			    "no reply");
	}
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **con_cls)
{
	struct srv_http *h = cls;
	struct srv_req *req = *con_cls;

	(void)version;
	if (req == NULL) {
		if ((req = calloc(1, sizeof(*req))) == NULL)
			return MHD_NO;
		req->h = h;
		req->conn = conn;
		clock_gettime(CLOCK_MONOTONIC, &req->t0);
		snprintf(req->method, sizeof(req->method), "%s", method);
		set_peer(req);
		atomic_fetch_add(&h->in_flight, 1);
		*con_cls = req;
		begin(req, url);
		/* A reply before a body means the body is never read (the
		 * connection then closes). Without a body, wait for MHD's
		 * next call: a reply queued now would also close it. */
		if (req->resp != NULL && srv__req_check_has_body(req))
			return srv__req_queue(req);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		take_body(req, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->queued)
		return MHD_YES;
	end_body(req);
	return srv__req_queue(req);
}

static const char *
end_name(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "ok";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client_abort";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read_error";
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
	default:
		return "error";
	}
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct srv_http *h = cls;
	struct srv_req *req = *con_cls;
	struct timespec t1;
	char status[8], in[24], out[24], ms[24];
	long long us;

	(void)conn;
	if (req == NULL)
		return;
	*con_cls = NULL;
	if (req->sink_open) {
		req->sink_open = 0;
		req->sink->abort(req->sink_ctx);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (long long)(t1.tv_sec - req->t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - req->t0.tv_nsec) / 1000;
	snprintf(status, sizeof(status), "%u", req->status);
	snprintf(in, sizeof(in), "%llu", (unsigned long long)req->bytes_in);
	snprintf(out, sizeof(out), "%llu", (unsigned long long)
	    (req->stream != NULL ? atomic_load(&req->stream->sent) :
	    req->bytes_out));
	snprintf(ms, sizeof(ms), "%lld.%03lld", us / 1000, us % 1000);
	srv_log(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? SRV_LOG_INFO :
	    SRV_LOG_WARN, "request", "method", req->method, "route",
	    req->c != NULL ? req->c->r->pattern : "-", "status",
	    req->status != 0 ? status : "-", "in", in, "out", out, "ms", ms,
	    "peer", req->peer, "end", end_name(toe), (char *)NULL);
	srv__req_free_reply(req);
	json_decref(req->json);
	free(req->body);
	free(req->path);
	free(req);
	atomic_fetch_sub(&h->in_flight, 1);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[300];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	srv_log(SRV_LOG_WARN, "http", "message", msg, (char *)NULL);
}
#pragma GCC diagnostic pop

int
srv_http_start(struct srv_http **out, const struct srv_http_opts *o,
    char *err, size_t errlen)
{
	struct srv_http *h = NULL;
	const union MHD_DaemonInfo *di;
	unsigned flags, threads = o->threads;
	long cores;
	int r = -1;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->routes = calloc(o->nroutes + 1, sizeof(*h->routes))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (compile_all(h->routes, o->routes, o->nroutes, err, errlen) != 0)
		goto out;
	h->nroutes = o->nroutes;
	h->app = o->app;
	h->auth = o->auth;
	atomic_init(&h->in_flight, 0);
	atomic_init(&h->stopping, 0);
	if (threads == 0) {
		cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores < 1 ? 1 : cores > 64 ? 64 : (unsigned)cores;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG;
	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ?
	    MHD_USE_EPOLL : MHD_USE_POLL;
	if (o->addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert_pem != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS");
			goto out;
		}
		flags |= MHD_USE_TLS;
	}
	/* A NULL key/cert pair must not reach MHD_OPTION_HTTPS_MEM_*: the
	 * option list ends early (MHD_OPTION_END) for plain HTTP. */
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_SOCK_ADDR, o->addr,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, o->connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    o->tls_cert_pem != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    o->tls_cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, o->tls_key_pem,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot listen (address in use, no "
		    "permission, or a bad TLS certificate or key)");
		goto out;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di != NULL ? di->port : 0;
	*out = h;
	h = NULL;
	r = 0;
out:
	srv_http_stop(&h);
	return r;
}

uint16_t
srv_http_port(const struct srv_http *h)
{
	return h->port;
}

void
srv_http_quiesce(struct srv_http *h)
{
	MHD_socket s;

	atomic_store(&h->stopping, 1);
	if (h->d != NULL && (s = MHD_quiesce_daemon(h->d)) != MHD_INVALID_SOCKET)
		close(s);
}

unsigned
srv_http_wait_idle(struct srv_http *h, unsigned timeout_ms)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	unsigned waited = 0, n;

	while ((n = atomic_load(&h->in_flight)) > 0 && waited < timeout_ms) {
		nanosleep(&tick, NULL);
		waited += 10;
	}
	return n;
}

void
srv_http_stop(struct srv_http **hp)
{
	struct srv_http *h = *hp;

	if (h == NULL)
		return;
	if (h->d != NULL)
		MHD_stop_daemon(h->d);
	free(h->routes);
	free(h);
	*hp = NULL;
}
