/* Slow clients against the real cofferd (issue 10, finding 2): many
 * connections from one address, and from several, with header blocks
 * that never end or a body that trickles. The per-address limit (on by
 * default) keeps a share of the connections for everyone else; the
 * header deadline and the body rate drop the slow ones; meanwhile
 * /v1/health and a signed-in request keep answering. The deadlines are
 * configured short (2 s) so the program runs in seconds; no assertion
 * is on time: each waits for an event, with a generous bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "http_client.h"
#include "server_harness.h"

#define BOUND_S		30	/* failure bound of every wait */
#define NSOCK_MAX	64

/* cofferd-test with the settings ${conf} in a config file. */
static struct srv *
start_with(const char *conf, char *dir, size_t dirlen)
{
	char path[600];
	const char *args[] = { "--config", path, NULL };
	struct srv *s = NULL;

	assert_int_equal(srv_mkdtemp(dir, dirlen, "slowconf"), 0);
	snprintf(path, sizeof(path), "%s/cofferd.conf", dir);
	assert_int_equal(srv_write_file(path, conf), 0);
	assert_int_equal(srv_start_test(&s, args), 0);
	return s;
}

/* A connection from 127.0.0.${host} to ${port}, or -1. */
static int
connect_from(unsigned host, unsigned port)
{
	struct sockaddr_in a;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x7f000000u | host);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 if the server has closed ${fd} (end of stream or reset), else 0. */
static int
closed_by_server(int fd)
{
	char buf[512];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 1;
		if (n < 0)
			return errno == EAGAIN ? 0 : 1;
	}
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
send_text(int fd, const char *s)
{
	return send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s) ?
	    0 : -1;
}

/* /v1/health and a signed-in request answer 200 (at most 10 s each). */
static void
others_served(struct srv *s, const struct test_account *a)
{
	const char *auth[] = { a->auth, NULL };
	struct http_opts o;
	struct http_resp r;

	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.url = srv_url(s, "/v1/health");
	o.timeout_s = 10;
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 200);
	http_resp_free(&r);
	o.url = srv_url(s, "/v1/_test/whoami");
	o.headers = auth;
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 200);
	http_resp_free(&r);
}

static size_t
count_in_log(struct srv *s, const char *needle)
{
	char *log = srv_log_text(s), *p;
	size_t n = 0;

	assert_non_null(log);
	for (p = log; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(log);
	return n;
}

/* 70 never-ending header blocks from one address against 64 connections
 * in all: the default per-address limit (32) refuses 38 of them, and the
 * 32 left serve everyone else. Without a limit they take every
 * connection and the others wait in the listen queue. */
static void
test_per_address_limit(void **state)
{
	char dir[256];
	struct srv *s;
	struct test_account a;
	int fd[70];
	size_t i, closed = 0;
	unsigned waited;

	(void)state;
	s = start_with("max_connections = 64\n", dir, sizeof(dir));
	assert_int_equal(test_account_new(s, &a), 0);
	for (i = 0; i < 70; i++) {
		assert_true((fd[i] = connect_from(2, srv_port(s))) >= 0);
		(void)send_text(fd[i], "GET /v1/health HTTP/1.1\r\nHost: x\r\n");
	}
	others_served(s, &a);
	/* The 38 over the limit are closed at once; the 32 are not (yet). */
	for (waited = 0; waited < BOUND_S * 10; waited++) {
		for (i = 0, closed = 0; i < 70; i++)
			closed += (size_t)closed_by_server(fd[i]);
		if (closed >= 38)
			break;
		nap_ms(100);
	}
	assert_int_equal(closed, 38);
	for (i = 0; i < 70; i++)
		close(fd[i]);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	srv_rmtree(dir);
}

/* Header blocks that trickle, one line every 300 ms, from five
 * addresses (127.0.0.2 to .6, four each: the per-address limit), past
 * the 2 s header deadline: every one is closed and logged, and the
 * others are served meanwhile. Then a body that trickles under the
 * rate floor is cut, while a body at full speed is taken. */
static void
test_header_deadline_and_body_rate(void **state)
{
	static const char conf[] = "max_connections = 64\n"
	    "per_ip_connections = 4\n"
	    "header_timeout = 2\n"
	    "body_rate_min = 1024\n"
	    "body_rate_grace = 1\n";
	static const char put[] = "PUT /v1/_test/count HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: 100000\r\n\r\n";
	char dir[256], chunk[100];
	struct srv *s;
	struct test_account a;
	struct http_opts o;
	struct http_resp r;
	uint8_t *body;
	int fd[20], open_[20], slow;
	size_t i, n = 0, left;
	unsigned ticks;

	(void)state;
	s = start_with(conf, dir, sizeof(dir));
	assert_int_equal(test_account_new(s, &a), 0);
	for (i = 0; i < 20; i++) {
		assert_true((fd[i] = connect_from(2 + (unsigned)i / 4,
		    srv_port(s))) >= 0);
		assert_int_equal(send_text(fd[i], "GET /v1/health HTTP/1.1\r\n"
		    "Host: x\r\n"), 0);
		open_[i] = 1;
		n++;
	}
	others_served(s, &a);
	/* Trickle until the server has closed all of them. */
	for (ticks = 0, left = n; left > 0 && ticks < BOUND_S * 1000 / 300;
	    ticks++) {
		for (i = 0; i < n; i++) {
			if (!open_[i])
				continue;
			if (closed_by_server(fd[i]) ||
			    send_text(fd[i], "X-Slow: 1\r\n") != 0) {
				open_[i] = 0;
				left--;
			}
		}
		if (ticks == 2)
			others_served(s, &a);
		nap_ms(300);
	}
	assert_int_equal(left, 0);
	for (i = 0; i < n; i++)
		close(fd[i]);
	assert_true(srv_wait_log(s, "reason=header_timeout", 10000));
	assert_true(count_in_log(s, "reason=header_timeout") >= n);
	others_served(s, &a);

	/* A body at 500 bytes/s, under the 1024 floor: cut. */
	assert_true((slow = connect_from(7, srv_port(s))) >= 0);
	assert_int_equal(send_text(slow, put), 0);
	memset(chunk, 'x', sizeof(chunk) - 1);
	chunk[sizeof(chunk) - 1] = '\0';
	for (ticks = 0; ticks < BOUND_S * 1000 / 200; ticks++) {
		if (closed_by_server(slow) || send_text(slow, chunk) != 0)
			break;
		nap_ms(200);
	}
	assert_true(ticks < BOUND_S * 1000 / 200);
	close(slow);
	assert_true(srv_wait_log(s, "reason=body_rate", 10000));
	/* The same body at full speed is taken. */
	assert_non_null(body = calloc(1, 100000));
	memset(&o, 0, sizeof(o));
	o.method = "PUT";
	o.url = srv_url(s, "/v1/_test/count");
	o.headers = (const char *const[]){ "Content-Type: "
	    "application/octet-stream", NULL };
	o.body = body;
	o.len = 100000;
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 200);
	http_resp_free(&r);
	free(body);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	srv_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_address_limit),
		cmocka_unit_test(test_header_deadline_and_body_rate),
	};

	return cmocka_run_group_tests_name("http_slow", tests, NULL, NULL);
}
