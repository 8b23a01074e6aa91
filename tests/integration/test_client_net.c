/* The client's HTTP layer (lib/net): retries and their limits against a
 * tiny scripted HTTP server in the test (503 then 200, 429 with
 * Retry-After, a 400 never retried, a POST not sent twice, oversized and
 * malformed answers), batches run in parallel, and the real cofferd killed
 * with SIGKILL and started again under a live client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_fixture.h"
#include "net/net.h"

/* --- a scripted server: answers the n-th request with script[n] --- */

struct fake {
	int		 fd;
	unsigned	 port;
	pthread_t	 thread;
	const char	*const *script;
	unsigned	 count;		/* requests seen */
	int		 stop;
};

static void
read_request(int c)
{
	char buf[8192], *h;
	size_t got = 0, want = 0;
	ssize_t n;

	while (got < sizeof(buf) - 1) {
		if ((n = read(c, buf + got, sizeof(buf) - 1 - got)) <= 0)
			return;
		got += (size_t)n;
		buf[got] = '\0';
		if ((h = strstr(buf, "\r\n\r\n")) != NULL) {
			char *cl = strstr(buf, "Content-Length: ");

			if (cl != NULL)
				want = (size_t)strtoul(cl + 16, NULL, 10);
			if (got - (size_t)(h + 4 - buf) >= want)
				return;
		}
	}
}

static void *
fake_run(void *arg)
{
	struct fake *f = arg;
	const char *ans;
	int c;

	while (!f->stop) {
		if ((c = accept(f->fd, NULL, NULL)) < 0)
			break;
		if (f->stop) {
			close(c);
			break;
		}
		read_request(c);
		ans = f->script[f->count] != NULL ? f->script[f->count] :
		    "HTTP/1.1 500 Out of script\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n";
		if (f->script[f->count] != NULL)
			f->count++;
		if (write(c, ans, strlen(ans)) < 0)
			f->count += 1000;	/* seen as a failure */
		close(c);
	}
	return NULL;
}

/* A socket listening on 127.0.0.1, its port in *${port}. */
static int
loopback_listen(unsigned *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Connect to ${port} and go: wakes a thread blocked in accept. */
static void
loopback_poke(unsigned port)
{
	struct sockaddr_in a;
	int c;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	c = socket(AF_INET, SOCK_STREAM, 0);
	(void)connect(c, (struct sockaddr *)&a, sizeof(a));
	close(c);
}

static void
fake_start(struct fake *f, const char *const *script)
{
	memset(f, 0, sizeof(*f));
	f->script = script;
	f->fd = loopback_listen(&f->port);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_run, f), 0);
}

static void
fake_stop(struct fake *f)
{
	f->stop = 1;
	loopback_poke(f->port);
	pthread_join(f->thread, NULL);
	close(f->fd);
}

static struct net *
net_for(const struct fake *f)
{
	struct net_opts o = { 0 };
	struct net *n = NULL;
	char url[64];

	o.backoff_ms = 10;
	o.backoff_max_ms = 40;
	o.retries = 3;
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", f->port);
	assert_int_equal(net_new(&n, url, &o), 0);
	return n;
}

#define R503 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " \
	"application/json\r\nContent-Length: 44\r\nConnection: close\r\n\r\n" \
	"{\"error\":\"unavailable\",\"message\":\"later!\"}  "
#define R200 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
	"Content-Length: 13\r\nConnection: close\r\n\r\n{\"version\":7}"

/* Run one GET or POST against the fake with ${script}; its result. */
static int
one(const char *const *script, const char *method, int idempotent,
    unsigned *count, struct net_req *out)
{
	struct net_req q = { 0 };
	struct coffer_buf *reply = coffer_buf_new(1024);
	struct net *n;
	struct fake f;
	int r;

	assert_non_null(reply);
	fake_start(&f, script);
	n = net_for(&f);
	q.method = method;
	q.path = "/v1/x";
	q.idempotent = idempotent;
	q.reply = reply;
	if (strcmp(method, "POST") == 0) {
		q.content_type = "application/json";
		q.body = (const uint8_t *)"{}";
		q.body_len = 2;
	}
	r = net_run(n, &q, 1, 1);
	if (out != NULL) {
		*out = q;
		out->err = NULL;	/* freed below */
	}
	net_req_cleanup(&q);
	net_free(&n);
	fake_stop(&f);
	*count = f.count;
	coffer_buf_free(&reply);
	return r;
}

static void
test_retries(void **state)
{
	static const char *const s1[] = { R503, R503, R200, NULL };
	static const char *const s2[] = { R503, R503, R503, R503, R503, NULL };
	static const char *const s3[] = { "HTTP/1.1 429 Too Many\r\n"
		"Retry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n"
		"\r\n", R200, NULL };
	static const char *const s4[] = { "HTTP/1.1 400 Bad\r\nContent-Type: "
		"application/json\r\nContent-Length: 50\r\nConnection: close"
		"\r\n\r\n{\"error\":\"invalid_field\",\"message\":\"no good\"}"
		"     ", R200, NULL };
	static const char *const s5[] = { "HTTP/1.1 409 Conflict\r\n"
		"Content-Length: 42\r\nConnection: close\r\n\r\n"
		"{\"error\":\"conflict\",\"message\":\"stale\"}    ", NULL };
	struct net_req q;
	unsigned count;

	(void)state;
	/* 503, 503, then 200: success on the third attempt. */
	if (one(s1, "GET", 1, &count, &q) != 0)
		fail_msg("%s (%u)", q.detail, count);
	assert_int_equal(count, 3);
	assert_int_equal(q.status, 200);
	/* Always 503: BUSY after 1 + 3 attempts, the message kept. */
	assert_int_equal(one(s2, "GET", 1, &count, &q), COFFER_ERR_BUSY);
	assert_int_equal(count, 4);
	assert_int_equal(q.status, 503);
	assert_non_null(strstr(q.detail, "later!"));
	/* A POST that is not idempotent goes once. */
	assert_int_equal(one(s1, "POST", 0, &count, &q), COFFER_ERR_BUSY);
	assert_int_equal(count, 1);
	/* 429 with Retry-After: waits and retries. */
	if (one(s3, "GET", 1, &count, &q) != 0)
		fail_msg("%s (%u)", q.detail, count);
	assert_int_equal(count, 2);
	/* 400 is never retried; the server's code and message are kept. */
	assert_int_equal(one(s4, "GET", 1, &count, &q), COFFER_ERR_SERVER);
	assert_int_equal(count, 1);
	assert_string_equal(q.code, "invalid_field");
	assert_non_null(strstr(q.detail, "no good"));
	assert_int_equal(one(s5, "PUT", 1, &count, &q), COFFER_ERR_CONFLICT);
	assert_int_equal(count, 1);
}

static void
test_answers(void **state)
{
	static char ans[2400];
	const char *big[] = { ans, NULL };
	size_t hl;
	struct net_req q;
	char detail[NET_DETAIL];
	uint64_t v;
	json_t *j;
	unsigned count;

	(void)state;
	hl = (size_t)snprintf(ans, sizeof(ans), "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 2000\r\nConnection: close\r\n\r\n");
	memset(ans + hl, ' ', 2000);
	ans[hl + 2000] = '\0';
	/* Over the reply's cap (1024): refused, named. */
	assert_int_equal(one(big, "GET", 1, &count, &q), COFFER_ERR_SERVER);
	assert_non_null(strstr(q.detail, "over"));
	/* Strict fields. */
	assert_int_equal(net_json_load(&j, (const uint8_t *)
	    "{\"version\":\"7\",\"a\":1,\"a\":2}", 27, detail),
	    COFFER_ERR_SERVER);
	assert_int_equal(net_json_load(&j, (const uint8_t *)
	    "{\"version\":\"7\"}", 15, detail), 0);
	assert_int_equal(net_json_int(j, "version", &v, detail),
	    COFFER_ERR_SERVER);
	assert_non_null(strstr(detail, "\"version\""));
	assert_int_equal(net_json_int(j, "other", &v, detail),
	    COFFER_ERR_SERVER);
	assert_non_null(strstr(detail, "missing"));
	json_decref(j);
	assert_int_equal(net_json_load(&j, (const uint8_t *)"[1]", 3,
	    detail), COFFER_ERR_SERVER);
}

/* A port free now, for a server that must come back on the same one. */
static unsigned
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void
test_kill_and_restart(void **state)
{
	struct coffer_client_status st;
	struct coffer_client *c;
	struct srv *main_srv, *s = NULL;
	uint8_t id[16];
	char home[4096], login[64], conf[4096], listen[64];
	const char *args[] = { "--config", conf, "--listen", listen, NULL };

	(void)state;
	(void)snprintf(conf, sizeof(conf), "%s/cofferd.conf", client_fx_tmp());
	(void)snprintf(listen, sizeof(listen), "127.0.0.1:%u", free_port());
	assert_int_equal(srv_start(&s, args), 0);
	main_srv = client_fx_use_server(s);
	client_fx_home(home, sizeof(home));
	client_fx_login(login, sizeof(login), "net");
	assert_non_null(c = client_fx_open(home));
	assert_int_equal(coffer_client_account_create(c, login, PW("pw")), 0);
	assert_int_equal(coffer_client_record_create(c, "notes", NULL,
	    PW("before"), id), 0);
	/* The server dies: a network error once the retries are spent. */
	assert_int_equal(srv_kill9(s), 0);
	assert_int_equal(coffer_client_record_create(c, "notes", NULL,
	    PW("during"), id), COFFER_ERR_NETWORK);
	assert_true(strlen(coffer_client_errmsg(c)) > 0);
	/* It comes back: the same client carries on, session and all. */
	assert_int_equal(srv_restart(s), 0);
	assert_int_equal(coffer_client_record_create(c, "notes", NULL,
	    PW("after"), id), 0);
	assert_int_equal(coffer_client_sync(c), 0);
	assert_int_equal(coffer_client_status(c, &st), 0);
	assert_true(st.signed_in);
	coffer_client_free(&c);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	(void)client_fx_use_server(main_srv);
}

/* --- a server that trickles its answer: 2 bytes every 250 ms --- */

struct trickle {
	int		 fd;
	unsigned	 port;
	pthread_t	 thread;
	const char	*head;		/* sent whole first, or trickled if NULL */
	unsigned	 conns;
	int		 stop;
};

static void *
trickle_run(void *arg)
{
	static const char slow_head[] = "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: 13\r\n\r\n{\"version\":7}";
	const struct timespec tick = { 0, 250 * 1000 * 1000 };
	struct trickle *t = arg;
	size_t i;
	int c;

	while (!t->stop) {
		if ((c = accept(t->fd, NULL, NULL)) < 0)
			break;
		if (t->stop) {
			close(c);
			break;
		}
		t->conns++;
		read_request(c);
		if (t->head != NULL && send(c, t->head, strlen(t->head),
		    MSG_NOSIGNAL) < 0) {
			close(c);
			continue;
		}
		/* Until the client gives up (or a bound of 2 minutes). */
		for (i = 0; i < 480 && !t->stop; i++) {
			const char *p = t->head != NULL ? "  " :
			    slow_head + (2 * i) % (sizeof(slow_head) - 2);

			if (send(c, p, 2, MSG_NOSIGNAL) < 0)
				break;
			nanosleep(&tick, NULL);
		}
		close(c);
	}
	return NULL;
}

static void
trickle_start(struct trickle *t, const char *head)
{
	memset(t, 0, sizeof(*t));
	t->head = head;
	t->fd = loopback_listen(&t->port);
	assert_int_equal(pthread_create(&t->thread, NULL, trickle_run, t), 0);
}

static void
trickle_stop(struct trickle *t)
{
	t->stop = 1;
	loopback_poke(t->port);
	pthread_join(t->thread, NULL);
	close(t->fd);
}

/* A server that trickles 8 bytes/s holds no request past its deadline
 * (1 s here): an answer trickled from its first byte hits the deadline,
 * one that announces 10 MB and trickles it hits the rate floor. Neither
 * is retried, and the error names the server. */
static void
test_deadline(void **state)
{
	static const char *const heads[] = { NULL,
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 10000000\r\n\r\n" };
	static const char *const want[] = { "did not answer GET /v1/x within",
	    "answered GET /v1/x slower than 1024 bytes/s" };
	struct net_opts o = { 0 };
	struct net_req q;
	struct coffer_buf *reply;
	struct trickle t;
	struct net *n = NULL;
	char url[64];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_non_null(reply = coffer_buf_new(16u << 20));
		trickle_start(&t, heads[i]);
		(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u",
		    t.port);
		o.timeout_s = 1;
		o.backoff_ms = 10;
		assert_int_equal(net_new(&n, url, &o), 0);
		memset(&q, 0, sizeof(q));
		q.method = "GET";
		q.path = "/v1/x";
		q.idempotent = 1;
		q.reply = reply;
		assert_int_equal(net_run(n, &q, 1, 1), COFFER_ERR_NETWORK);
		if (strstr(q.detail, want[i]) == NULL ||
		    strstr(q.detail, url) == NULL)
			print_error("detail: %s\n", q.detail);
		assert_non_null(strstr(q.detail, want[i]));
		assert_non_null(strstr(q.detail, url));
		net_req_cleanup(&q);
		net_free(&n);
		trickle_stop(&t);
		assert_int_equal(t.conns, 1);	/* not retried */
		coffer_buf_free(&reply);
	}
}

/* The CLI's --timeout reaches the library: sign-up against a trickling
 * server ends with an error naming it. */
static void
test_cli_timeout(void **state)
{
	struct trickle t;
	char url[64], *home, *out = NULL, *err = NULL, henv[300];
	const char *env[] = { "COFFER_PASSWORD=correct horse battery",
	    henv, NULL };
	const char *args[] = { "--server", url, "--timeout", "1", "account",
	    "create", "--login", "slow@example.org", NULL };
	int status = 0;

	(void)state;
	assert_non_null(home = srv_tmpdir());
	(void)snprintf(henv, sizeof(henv), "COFFER_HOME=%s/home", home);
	trickle_start(&t, NULL);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", t.port);
	assert_int_equal(srv_exec("coffer", args, env, NULL, 60, &status,
	    &out, &err), 0);
	if (status == 0 || strstr(err, "did not answer") == NULL ||
	    strstr(err, url) == NULL)
		print_error("status %d, stderr: %s\n", status, err);
	assert_true(status != 0);
	assert_non_null(strstr(err, "did not answer"));
	assert_non_null(strstr(err, url));
	free(out);
	free(err);
	trickle_stop(&t);
	srv_rmtree(home);
	free(home);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_kill_and_restart),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_cli_timeout),
	};

	return cmocka_run_group_tests(tests, client_fx_setup,
	    client_fx_teardown);
}
