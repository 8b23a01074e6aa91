/* The daemon and the request's life cycle (http.h): the top of the
 * layer, calling route.c, check.c, reply.c and log.c. */
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

/* Route the request: 0 with req->c set, or -1 after an error reply. */
static int
route(struct srv_req *req, const char *url)
{
	struct srv_http *h = req->h;
	char allow[64] = "";

	switch (srv_route_find(h->routes, h->nroutes, url, req->method, &req->c,
	    allow, sizeof(allow))) {
	case 0:
		return 0;
	case 1:
		return srv_reply_error(req, SRV_E_NOT_FOUND, "no route for "
		    "this path"), -1;
	default:
		srv_reply_error(req, SRV_E_METHOD_NOT_ALLOWED, "allowed: %s",
		    allow);
		srv_reply_header(req, "Allow", allow);
		return -1;
	}
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

	if (srv_check_framing(req, url) != 0 || route(req, url) != 0)
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
	if (srv_check_auth(req) != 0 || srv_check_params(req) != 0 ||
	    srv_check_query(req) != 0 ||
	    srv_check_body(req, &cap) != 0)
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
		srv_conn_peer(conn, req->peer, sizeof(req->peer));
		srv_peer_key(req->peer, req->peer_key, sizeof(req->peer_key));
		atomic_fetch_add(&h->in_flight, 1);
		*con_cls = req;
		begin(req, url);
		/* A reply before a body means the body is never read (the
		 * connection then closes). Without a body, wait for MHD's
		 * next call: a reply queued now would also close it. */
		if (req->resp != NULL && srv_check_has_body(req)) {
			srv_conn_headers_in(&h->watch, srv_conn_of(conn), 0);
			return srv_reply_queue(req);
		}
		srv_conn_headers_in(&h->watch, srv_conn_of(conn),
		    srv_check_has_body(req));
		return MHD_YES;
	}
	if (*upload_size > 0) {
		srv_conn_body(&h->watch, srv_conn_of(conn), *upload_size);
		take_body(req, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->queued)
		return MHD_YES;
	srv_conn_body_in(&h->watch, srv_conn_of(conn));
	end_body(req);
	return srv_reply_queue(req);
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

	/* The next header block's deadline counts from here. */
	srv_conn_request_done(&h->watch, srv_conn_of(conn));
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
	srv_reply_free(req);
	json_decref(req->json);
	free(req->body);
	free(req->path);
	free(req);
	atomic_fetch_sub(&h->in_flight, 1);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct srv_http *h = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		srv_conn_opened(&h->watch, conn, socket_context);
	else
		srv_conn_closed(&h->watch, socket_context);
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
	if (srv_route_compile_all(h->routes, o->routes, o->nroutes, err,
	    errlen) != 0)
		goto out;
	h->nroutes = o->nroutes;
	h->app = o->app;
	h->auth = o->auth;
	h->limited_message = o->limited_message;
	atomic_init(&h->in_flight, 0);
	atomic_init(&h->stopping, 0);
	if (srv_conn_watch_start(&h->watch, o->per_ip_connections,
	    o->header_timeout,
	    o->body_rate_min, o->body_rate_grace) != 0) {
		snprintf(err, errlen, "cannot start the connection watch");
		goto out;
	}
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
	    MHD_OPTION_CONNECTION_TIMEOUT, o->connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
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
	/* The watch's thread first: the daemon's stop closes every
	 * connection, which takes each out of the watch. */
	srv_conn_watch_stop(&h->watch);
	if (h->d != NULL)
		MHD_stop_daemon(h->d);
	srv_conn_watch_cleanup(&h->watch);
	free(h->routes);
	free(h);
	*hp = NULL;
}

void
srv_http_shutdown(struct srv_http **hp, unsigned timeout_ms)
{
	unsigned left;
	char n[12];

	if (*hp == NULL)
		return;
	srv_http_quiesce(*hp);
	if ((left = srv_http_wait_idle(*hp, timeout_ms)) > 0) {
		snprintf(n, sizeof(n), "%u", left);
		srv_log(SRV_LOG_WARN, "shutdown_timeout", "abandoned", n,
		    (char *)NULL);
	}
	srv_http_stop(hp);
}
