/* The malicious server the client tests use (evil_proxy.h) does what each
 * rule says, and nothing when no rule matches: without this, a client test
 * that "survives a lying server" could pass against an honest one. */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "account.h"
#include "evil_proxy.h"
#include "http_client.h"
#include "route_fixture.h"
#include "server_harness.h"

#define BLOB_LEN	5000

static struct srv *S;
static struct evil *E;
static struct test_account A;
static uint8_t blob1[BLOB_LEN], blob2[BLOB_LEN];
static const char *const id1 =
    "1111111111111111111111111111111111111111111111111111111111111111";
static const char *const id2 =
    "2222222222222222222222222222222222222222222222222222222222222222";

/* method path through the proxy; the answer in *r. */
static void
via(const char *method, const char *path, const void *body, size_t len,
    struct http_resp *r)
{
	const char *hdrs[] = { A.auth,
	    "Content-Type: application/octet-stream", NULL };
	char url[256];
	struct http_opts o = { .method = method, .url = url, .headers = hdrs,
	    .body = body, .len = len };

	snprintf(url, sizeof(url), "%s%s", evil_url(E), path);
	assert_int_equal(http_do(&o, r), 0);
}

/* After the fixture's server and account: the proxy in front of the
 * server, and two blobs stored through it. */
static int
proxy_setup(void)
{
	char up[128];
	struct http_resp r;

	snprintf(up, sizeof(up), "%s", srv_url(S, ""));
	if (up[strlen(up) - 1] == '/')
		up[strlen(up) - 1] = '\0';
	if (evil_start(&E, up) != 0)
		return -1;
	randombytes_buf(blob1, sizeof(blob1));
	randombytes_buf(blob2, sizeof(blob2));
	via("PUT", "/v1/blobs/1111111111111111111111111111111111111111111111111111111111111111",
	    blob1, sizeof(blob1), &r);
	if (r.status != 201)
		return -1;
	http_resp_free(&r);
	via("PUT", "/v1/blobs/2222222222222222222222222222222222222222222222222222222222222222",
	    blob2, sizeof(blob2), &r);
	if (r.status != 201)
		return -1;
	http_resp_free(&r);
	return 0;
}

static void
proxy_teardown(void)
{
	evil_stop(&E);
}

static const struct rt_group group = { &S, { &A }, NULL, proxy_setup,
    proxy_teardown };

struct lie {
	struct evil_rule rule;
	long		 status;	/* the answer the client must get */
	size_t		 len;		/* its length */
	int		 same;		/* 1: blob1's bytes, 2: blob2's, 0: other */
};

static void
test_rules(void **state)
{
	char p1[128], p2[128];
	const struct lie table[] = {
		{ { NULL, NULL, EVIL_PASS, 0, -1, NULL, NULL, NULL }, 200,
		    BLOB_LEN, 1 },
		{ { "GET", "/v1/blobs/", EVIL_FLIP, 77, 1, NULL, NULL, NULL },
		    200, BLOB_LEN, 0 },
		{ { "GET", "/v1/blobs/", EVIL_TRUNCATE, 100, 1, NULL, NULL,
		    NULL }, 200, 100, 0 },
		{ { "GET", NULL, EVIL_NOT_FOUND, 0, 1, NULL, NULL, NULL }, 404,
		    0, 0 },
		{ { NULL, "/v1/blobs/", EVIL_ERROR_500, 0, 1, NULL, NULL,
		    NULL }, 500, 0, 0 },
		{ { "GET", "/v1/blobs/", EVIL_SWAP, 0, 1, p2, NULL, NULL }, 200,
		    BLOB_LEN, 2 },
		{ { "GET", "/v1/blobs/", EVIL_GARBAGE, 10, 1, NULL, NULL,
		    NULL }, 200, 10, 0 },
		/* A rule for other requests changes nothing. */
		{ { "PUT", "/v1/blobs/", EVIL_FLIP, 0, 1, NULL, NULL, NULL },
		    200, BLOB_LEN, 1 },
		{ { "GET", "/v1/records", EVIL_NOT_FOUND, 0, 1, NULL, NULL,
		    NULL }, 200, BLOB_LEN, 1 },
	};
	struct http_resp r;
	size_t i;

	(void)state;
	snprintf(p1, sizeof(p1), "/v1/blobs/%s", id1);
	snprintf(p2, sizeof(p2), "/v1/blobs/%s", id2);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct lie *t = &table[i];
		unsigned want_hits = t->same == 1 && i > 0 ? 0 : i > 0;

		evil_set(E, &t->rule);
		via("GET", p1, NULL, 0, &r);
		if (r.status != t->status)
			fail_msg("rule %zu: status %ld, want %ld", i, r.status,
			    t->status);
		if (t->len > 0)
			assert_int_equal(r.len, t->len);
		if (t->same == 1)
			assert_memory_equal(r.body, blob1, BLOB_LEN);
		else if (t->same == 2)
			assert_memory_equal(r.body, blob2, BLOB_LEN);
		else if (t->len == BLOB_LEN)
			assert_memory_not_equal(r.body, blob1, BLOB_LEN);
		assert_int_equal(evil_hits(E), want_hits);
		http_resp_free(&r);
		/* times = 1: the next request passes again. */
		via("GET", p1, NULL, 0, &r);
		assert_int_equal(r.status, 200);
		assert_memory_equal(r.body, blob1, BLOB_LEN);
		http_resp_free(&r);
	}
	evil_set(E, NULL);
}

/* EVIL_DROP: the write reaches the server, the client is told it failed. */
static void
test_drop(void **state)
{
	const struct evil_rule drop = { "DELETE", "/v1/blobs/", EVIL_DROP, 0,
	    1, NULL, NULL, NULL };
	char p2[128];
	struct http_resp r;

	(void)state;
	snprintf(p2, sizeof(p2), "/v1/blobs/%s", id2);
	evil_set(E, &drop);
	via("DELETE", p2, NULL, 0, &r);
	assert_int_equal(r.status, 500);
	http_resp_free(&r);
	via("GET", p2, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	http_resp_free(&r);
	assert_true(evil_requests(E) > 0);
	evil_set(E, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_drop),
	};

	return RT_RUN_GROUP("evil_proxy", tests, &group);
}
