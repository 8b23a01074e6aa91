/* The connection watch (http_internal.h): what libmicrohttpd 0.9.75 does
 * not bound by itself. Its connection timeout is an idle timeout, so a
 * header line every few seconds, or a body byte now and then, holds a
 * connection for ever. Each connection is noted when it opens, with its
 * socket; daemon.c says when its header block is in, what its body
 * brings and when its request ends; a thread looks at them a few times a
 * second and shuts down (shutdown(2)) the socket of one whose header
 * block is late or whose body is too slow, so that libmicrohttpd sees the
 * end of the stream and closes it itself, on its own thread, with the
 * request's usual end (the sink aborted, one log line).
 *
 * The socket is only touched under the lock, and a connection leaves the
 * list (MHD_CONNECTION_NOTIFY_CLOSED) before libmicrohttpd closes its
 * socket, so the number shut down is never one reused by a newer
 * connection. Calls log.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http_internal.h"
#include "log.h"

enum phase {
	PHASE_HEADERS = 0,	/* waiting for a header block */
	PHASE_BODY,		/* reading a request body */
	PHASE_OTHER		/* the handler, the reply */
};

struct srv_conn {
	struct srv_conn	*prev, *next;
	MHD_socket	 fd;
	char		 peer[INET6_ADDRSTRLEN];
	char		 key[SRV_PEER_KEY_MAX];	/* as counted: srv_peer_key */
	enum phase	 phase;
	uint64_t	 since_ms;	/* the phase's start */
	uint64_t	 body;		/* bytes of the body so far */
	int		 dropped;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Under the lock: the reason to drop ${c} at ${now}, or NULL. */
static const char *
late(const struct srv_conn_watch *w, const struct srv_conn *c, uint64_t now)
{
	uint64_t t = now - c->since_ms;

	if (c->dropped)
		return NULL;
	if (c->phase == PHASE_HEADERS && w->header_timeout_s != 0 &&
	    t >= (uint64_t)w->header_timeout_s * 1000)
		return "header_timeout";
	/* The average since the body began, once the grace is over. */
	if (c->phase == PHASE_BODY && w->body_rate_min != 0 &&
	    t >= (uint64_t)w->body_rate_grace_s * 1000 && t > 0 &&
	    c->body * 1000 < (uint64_t)w->body_rate_min * t)
		return "body_rate";
	return NULL;
}

static void *
reaper(void *arg)
{
	struct srv_conn_watch *w = arg;
	struct srv_conn *c;
	struct timespec until;
	const char *why;
	uint64_t now;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		now = now_ms();
		for (c = w->head; c != NULL; c = c->next) {
			if ((why = late(w, c, now)) == NULL)
				continue;
			c->dropped = 1;
			(void)shutdown(c->fd, SHUT_RDWR);
			srv_log(SRV_LOG_WARN, "dropped", "reason", why, "peer",
			    c->peer, (char *)NULL);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SRV_CONN_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int
srv_conn_watch_start(struct srv_conn_watch *w, unsigned per_ip,
    unsigned header_timeout_s, unsigned body_rate_min,
    unsigned body_rate_grace_s)
{
	memset(w, 0, sizeof(*w));
	w->per_ip = per_ip;
	w->header_timeout_s = header_timeout_s;
	w->body_rate_min = body_rate_min;
	w->body_rate_grace_s = body_rate_grace_s;
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->wake, NULL) != 0) {
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	w->inited = 1;
	if (header_timeout_s == 0 && body_rate_min == 0)
		return 0;
	if (pthread_create(&w->thread, NULL, reaper, w) != 0)
		return -1;
	w->running = 1;
	return 0;
}

void
srv_conn_watch_stop(struct srv_conn_watch *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->running = 0;
}

void
srv_conn_watch_cleanup(struct srv_conn_watch *w)
{
	struct srv_conn *c, *next;

	srv_conn_watch_stop(w);
	if (!w->inited)
		return;
	for (c = w->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	w->head = NULL;
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	w->inited = 0;
}

void
srv_conn_peer(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, size, "-");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)size);
}

void
srv_peer_key(const char *peer, char *out, size_t size)
{
	struct in6_addr a;
	char p[INET6_ADDRSTRLEN];

	/* IPv4, and "-": the address itself. */
	if (inet_pton(AF_INET6, peer, &a) != 1) {
		snprintf(out, size, "%s", peer);
		return;
	}
	/* An IPv4 address mapped into IPv6 counts as itself. */
	if (IN6_IS_ADDR_V4MAPPED(&a)) {
		inet_ntop(AF_INET, a.s6_addr + 12, p, sizeof(p));
		snprintf(out, size, "%s", p);
		return;
	}
	/* One host of IPv6 usually has its whole /64: count it as one. */
	memset(a.s6_addr + 8, 0, 8);
	inet_ntop(AF_INET6, &a, p, sizeof(p));
	snprintf(out, size, "%s/64", p);
}

/* Under the lock: the connections listed from ${key} (srv_peer_key). */
static unsigned
same_peer(const struct srv_conn_watch *w, const char *key)
{
	const struct srv_conn *c;
	unsigned n = 0;

	for (c = w->head; c != NULL; c = c->next)
		if (!c->dropped && strcmp(c->key, key) == 0)
			n++;
	return n;
}

void
srv_conn_opened(struct srv_conn_watch *w, struct MHD_Connection *conn,
    void **socket_context)
{
	const union MHD_ConnectionInfo *ci;
	struct srv_conn *c;

	*socket_context = NULL;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	/* Out of memory: the connection is not watched, only idle-timed. */
	if (ci == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->fd = ci->connect_fd;
	srv_conn_peer(conn, c->peer, sizeof(c->peer));
	srv_peer_key(c->peer, c->key, sizeof(c->key));
	c->phase = PHASE_HEADERS;
	c->since_ms = now_ms();
	pthread_mutex_lock(&w->lock);
	/* Counted here, not by MHD_OPTION_PER_IP_CONNECTION_LIMIT, which
	 * counts per thread of the pool. The one over the limit stays
	 * listed (and counted) until libmicrohttpd closes it. */
	if (w->per_ip != 0 && same_peer(w, c->key) >= w->per_ip) {
		c->dropped = 1;
		(void)shutdown(c->fd, SHUT_RDWR);
		srv_log(SRV_LOG_WARN, "dropped", "reason", "per_ip_limit",
		    "peer", c->peer, (char *)NULL);
	}
	c->next = w->head;
	if (w->head != NULL)
		w->head->prev = c;
	w->head = c;
	pthread_mutex_unlock(&w->lock);
	*socket_context = c;
}

void
srv_conn_closed(struct srv_conn_watch *w, void **socket_context)
{
	struct srv_conn *c = *socket_context;

	if (c == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&w->lock);
	free(c);
	*socket_context = NULL;
}

struct srv_conn *
srv_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

static void
set_phase(struct srv_conn_watch *w, struct srv_conn *c, enum phase p)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	c->phase = p;
	c->since_ms = now_ms();
	c->body = 0;
	pthread_mutex_unlock(&w->lock);
}

void
srv_conn_headers_in(struct srv_conn_watch *w, struct srv_conn *c,
    int body_follows)
{
	set_phase(w, c, body_follows ? PHASE_BODY : PHASE_OTHER);
}

void
srv_conn_body(struct srv_conn_watch *w, struct srv_conn *c, size_t n)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	c->body += n;
	pthread_mutex_unlock(&w->lock);
}

void
srv_conn_body_in(struct srv_conn_watch *w, struct srv_conn *c)
{
	set_phase(w, c, PHASE_OTHER);
}

void
srv_conn_request_done(struct srv_conn_watch *w, struct srv_conn *c)
{
	set_phase(w, c, PHASE_HEADERS);
}
