/* bench-load: the attacker (load.h), from other loopback addresses
 * (127.0.1.1 .. 127.0.1.N, each socket bound before it connects):
 *
 * - slowloris: one thread holds o->slow_sockets connections, each sending
 *   a request line and then one header line every o->slow_trickle_s
 *   seconds, never the blank line that ends the headers; a connection the
 *   server closes is opened again half a second later;
 * - a sign-in flood: o->flood_threads threads send POST /v1/sessions/start
 *   (a valid KE1, a random login) over keep-alive connections, one per
 *   address, as fast as the answers come. */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <coffer/encoding.h>
#include <coffer/opaque.h>

#include "load.h"

#define NKE1		8
#define SLOW_OPEN_PER_ROUND 256

struct ld_attack {
	const struct ld_opts	*o;
	atomic_int		 stop;
	pthread_t		 slow_th;
	int			 slow_started;
	pthread_t		*flood_th;
	unsigned		 nflood;
	char			 ke1[NKE1][COFFER_B64URL_LEN(COFFER_OPAQUE_KE1_BYTES)];
	atomic_uint_fast64_t	 slow_connects, slow_dropped;
	atomic_uint_fast64_t	 flood_sent, flood_200, flood_429, flood_503,
				 flood_other, flood_neterr;
	uint64_t		*open_samples;
	size_t			 nopen, capopen;
	double			 t0;
};

static void
addr_of(const struct ld_opts *o, unsigned i, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(0x7f000100u | (1 + i % o->att_addrs));
}

/* A socket from attacker address ${i}, connecting to cofferd; -1 on
 * failure. */
static int
att_connect(const struct ld_opts *o, unsigned i, int nonblock)
{
	struct sockaddr_in src, dst;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0)) < 0)
		return -1;
	addr_of(o, i, &src);
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(o->port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 &&
	    errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* --- slowloris --- */

enum { S_CLOSED, S_CONNECTING, S_OPEN };

struct slow_slot {
	int		fd;
	int		state;
	double		next;		/* reconnect, or next header line */
	unsigned	lines;
};

static void
slow_close(struct slow_slot *s, double now, struct ld_attack *a, int dropped)
{
	close(s->fd);
	s->fd = -1;
	s->state = S_CLOSED;
	s->next = now + 0.5;
	if (dropped)
		atomic_fetch_add(&a->slow_dropped, 1);
}

static void
slow_sample(struct ld_attack *a, uint64_t open)
{
	uint64_t *p;

	if (a->nopen == a->capopen) {
		if ((p = realloc(a->open_samples, (a->capopen * 2 + 64) *
		    sizeof(*p))) == NULL)
			return;
		a->open_samples = p;
		a->capopen = a->capopen * 2 + 64;
	}
	a->open_samples[a->nopen++] = open;
}

static void
slow_step(struct ld_attack *a, struct slow_slot *s, short rev, double now)
{
	static const char head[] = "GET /v1/health HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nUser-Agent: bench-load\r\n";
	char buf[512];
	ssize_t n;
	int err = 0;
	socklen_t len = sizeof(err);

	if (s->state == S_CONNECTING && (rev & (POLLOUT | POLLERR | POLLHUP))) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			slow_close(s, now, a, 0);
			return;
		}
		atomic_fetch_add(&a->slow_connects, 1);
		s->state = S_OPEN;
		s->lines = 0;
		s->next = now + a->o->slow_trickle_s;
		if (send_all(s->fd, head, sizeof(head) - 1) != 0)
			slow_close(s, now, a, 1);
		return;
	}
	if (s->state == S_OPEN && (rev & (POLLIN | POLLERR | POLLHUP))) {
		/* An answer (408, 400) or the end: either way the server
		 * let go of this connection. */
		while ((n = recv(s->fd, buf, sizeof(buf), 0)) > 0)
			;
		if (n == 0 || errno != EAGAIN)
			slow_close(s, now, a, 1);
	}
}

static void *
slow_main(void *arg)
{
	struct ld_attack *a = arg;
	const struct ld_opts *o = a->o;
	unsigned n = o->slow_sockets, i, opened;
	struct slow_slot *s = calloc(n, sizeof(*s));
	struct pollfd *pf = calloc(n, sizeof(*pf));
	unsigned *map = calloc(n, sizeof(*map));
	double now, next_sample = ld_now() + 1;
	char line[64];
	uint64_t open;
	int k, np;

	if (s == NULL || pf == NULL || map == NULL)
		goto out;
	for (i = 0; i < n; i++)
		s[i].fd = -1;
	while (!atomic_load(&a->stop)) {
		now = ld_now();
		for (i = 0, opened = 0; i < n && opened < SLOW_OPEN_PER_ROUND;
		    i++) {
			if (s[i].state != S_CLOSED || now < s[i].next)
				continue;
			opened++;
			if ((s[i].fd = att_connect(o, i, 1)) < 0)
				s[i].next = now + 0.5;
			else
				s[i].state = S_CONNECTING;
		}
		for (i = 0, np = 0; i < n; i++) {
			if (s[i].state == S_CLOSED)
				continue;
			if (s[i].state == S_OPEN && now >= s[i].next) {
				k = snprintf(line, sizeof(line),
				    "X-Slow-%u: %u\r\n", s[i].lines, i);
				s[i].lines++;
				s[i].next = now + o->slow_trickle_s;
				if (send_all(s[i].fd, line, (size_t)k) != 0) {
					slow_close(&s[i], now, a, 1);
					continue;
				}
			}
			pf[np].fd = s[i].fd;
			pf[np].events = s[i].state == S_CONNECTING ? POLLOUT :
			    POLLIN;
			pf[np].revents = 0;
			map[np++] = i;
		}
		if (poll(pf, (nfds_t)np, 100) > 0)
			for (k = 0; k < np; k++)
				if (pf[k].revents)
					slow_step(a, &s[map[k]], pf[k].revents,
					    ld_now());
		if ((now = ld_now()) >= next_sample) {
			for (i = 0, open = 0; i < n; i++)
				open += s[i].state == S_OPEN;
			slow_sample(a, open);
			next_sample += 1;
		}
	}
out:
	for (i = 0; s != NULL && i < n; i++)
		if (s[i].fd >= 0)
			close(s[i].fd);
	free(s);
	free(pf);
	free(map);
	return NULL;
}

/* --- the sign-in flood --- */

/* Read one answer from ${fd}: its status, or -1 if the connection
 * failed; *${keep} 0 if it must be closed. */
static int
read_answer(int fd, int *keep)
{
	char buf[8192], *end, *p;
	size_t have = 0, need;
	long status, clen = 0;
	ssize_t n;

	*keep = 0;
	for (;;) {
		if (have == sizeof(buf) - 1)
			return -1;
		if ((n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	if (strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return -1;
	status = strtol(buf + 9, NULL, 10);
	*end = '\0';
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++) {
		if (strncasecmp(p + 1, "content-length:", 15) == 0)
			clen = strtol(p + 16, NULL, 10);
		else if (strncasecmp(p + 1, "connection: close", 17) == 0)
			return (int)status;
	}
	if (clen < 0 || clen > 1 << 20)
		return (int)status;
	need = (size_t)clen;
	have -= (size_t)(end + 4 - buf);
	while (have < need) {
		n = recv(fd, buf, need - have < sizeof(buf) ? need - have :
		    sizeof(buf), 0);
		if (n <= 0)
			return (int)status;
		have += (size_t)n;
	}
	*keep = have == need;
	return (int)status;
}

struct flood_arg {
	struct ld_attack	*a;
	unsigned		 t;
};

static void *
flood_main(void *arg)
{
	struct flood_arg *fa = arg;
	struct ld_attack *a = fa->a;
	const struct ld_opts *o = a->o;
	unsigned t = fa->t, naddr = 0, i, cur = 0;
	char login[32], login64[64], body[512], req[1024];
	int fds[256], status, keep, k;
	struct timeval tv = { 5, 0 };
	uint64_t rng, v;

	free(fa);
	ld_seed(&rng);
	for (i = t; i < o->att_addrs && naddr < 256; i += o->flood_threads)
		fds[naddr++] = -1;
	while (naddr > 0 && !atomic_load(&a->stop)) {
		i = cur;
		cur = (cur + 1) % naddr;
		if (fds[i] < 0) {
			if ((fds[i] = att_connect(o, t + i * o->flood_threads,
			    0)) < 0) {
				atomic_fetch_add(&a->flood_neterr, 1);
				ld_sleep_ms(10);
				continue;
			}
			(void)setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv,
			    sizeof(tv));
			(void)setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv,
			    sizeof(tv));
		}
		v = ld_rand(&rng);
		(void)snprintf(login, sizeof(login), "flood-%016llx",
		    (unsigned long long)v);
		if (coffer_b64url_encode(login64, sizeof(login64),
		    (const uint8_t *)login, strlen(login)) != 0)
			break;
		k = snprintf(body, sizeof(body), "{\"login\":\"%s\",\"ke1\":"
		    "\"%s\"}", login64, a->ke1[v % NKE1]);
		k = snprintf(req, sizeof(req),
		    "POST /v1/sessions/start HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    "Content-Type: application/json\r\nContent-Length: %d\r\n"
		    "\r\n%s", k, body);
		atomic_fetch_add(&a->flood_sent, 1);
		if (send_all(fds[i], req, (size_t)k) != 0 ||
		    (status = read_answer(fds[i], &keep)) < 0) {
			atomic_fetch_add(&a->flood_neterr, 1);
			close(fds[i]);
			fds[i] = -1;
			continue;
		}
		if (status == 200)
			atomic_fetch_add(&a->flood_200, 1);
		else if (status == 429)
			atomic_fetch_add(&a->flood_429, 1);
		else if (status == 503)
			atomic_fetch_add(&a->flood_503, 1);
		else
			atomic_fetch_add(&a->flood_other, 1);
		if (!keep) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (i = 0; i < naddr; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return NULL;
}

struct ld_attack *
ld_attack_start(const struct ld_opts *o)
{
	struct coffer_opaque_client *st = NULL;
	uint8_t ke1[COFFER_OPAQUE_KE1_BYTES];
	struct ld_attack *a;
	struct flood_arg *fa;
	unsigned i;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->o = o;
	/* Real KE1s, so the server does a sign-in's work for each. */
	for (i = 0; i < NKE1; i++) {
		if (coffer_opaque_client_login_start(&st, ke1,
		    (const uint8_t *)"guess", 5) != 0 ||
		    coffer_b64url_encode(a->ke1[i], sizeof(a->ke1[i]), ke1,
		    sizeof(ke1)) != 0) {
			fprintf(stderr, "bench-load: cannot make a KE1\n");
			coffer_opaque_client_free(&st);
			free(a);
			return NULL;
		}
		coffer_opaque_client_free(&st);
	}
	a->t0 = ld_now();
	if (o->flood_threads > 0 &&
	    (a->flood_th = calloc(o->flood_threads, sizeof(pthread_t))) == NULL)
		goto fail;
	for (i = 0; i < o->flood_threads; i++) {
		if ((fa = malloc(sizeof(*fa))) == NULL)
			goto fail;
		fa->a = a;
		fa->t = i;
		if (pthread_create(&a->flood_th[i], NULL, flood_main, fa) != 0) {
			free(fa);
			goto fail;
		}
		a->nflood++;
	}
	/* The flood's keep-alive connections first: on a server whose
	 * connection slots slowloris fills, both attacks then land. */
	ld_sleep_ms(o->flood_threads > 0 ? 1000 : 0);
	if (o->slow_sockets > 0) {
		if (pthread_create(&a->slow_th, NULL, slow_main, a) != 0)
			goto fail;
		a->slow_started = 1;
	}
	return a;
fail:
	fprintf(stderr, "bench-load: cannot start the attacker's threads\n");
	ld_attack_stop(&a, NULL);
	return NULL;
}

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

void
ld_attack_stop(struct ld_attack **p, struct ld_attack_stats *out)
{
	struct ld_attack *a = *p;
	unsigned i;

	if (a == NULL)
		return;
	atomic_store(&a->stop, 1);
	if (a->slow_started)
		pthread_join(a->slow_th, NULL);
	for (i = 0; i < a->nflood; i++)
		pthread_join(a->flood_th[i], NULL);
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->seconds = ld_now() - a->t0;
		out->slow_connects = atomic_load(&a->slow_connects);
		out->slow_dropped = atomic_load(&a->slow_dropped);
		if (a->nopen > 0) {
			qsort(a->open_samples, a->nopen, sizeof(uint64_t),
			    cmp_u64);
			out->slow_open_med = a->open_samples[a->nopen / 2];
			out->slow_open_max = a->open_samples[a->nopen - 1];
		}
		out->flood_sent = atomic_load(&a->flood_sent);
		out->flood_200 = atomic_load(&a->flood_200);
		out->flood_429 = atomic_load(&a->flood_429);
		out->flood_503 = atomic_load(&a->flood_503);
		out->flood_other = atomic_load(&a->flood_other);
		out->flood_neterr = atomic_load(&a->flood_neterr);
	}
	free(a->flood_th);
	free(a->open_samples);
	free(a);
	*p = NULL;
}
