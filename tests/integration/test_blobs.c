/* The blob routes on the real cofferd: PUT, GET with ranges, DELETE,
 * the existence batch and usage; idempotence and size conflicts; other
 * accounts; every bad-input class with nothing written after it; the
 * quota at the door and at commit; a 256 MiB upload with the server's
 * memory flat; an upload cut off; and kill -9 in the middle of blob writes
 * (test_blobs_crash.c). */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>

#include "blob_client.h"
#include "config.h"
#include "route_fixture.h"
#include "routes/routes.h"

static struct srv *S, *Q;	/* Q: test_quota's, freed even if it fails */
static struct test_account A, B;
static char *Qdir;
static const struct rt_group group = { &S, { &A, &B }, NULL, NULL, NULL };

/* GET with a Range: status, Content-Range and the bytes. */
static void
get_range(const struct test_account *a, const uint8_t id[32], uint64_t size,
    const char *range, long want, uint64_t start, uint64_t len)
{
	struct http_resp r;
	char cr[100], want_cr[100];

	assert_int_equal(bc_get(S, a, id, range, 0, &r), 0);
	if (r.status != want)
		print_error("Range %s: %ld, want %ld\n", range, r.status, want);
	assert_int_equal(r.status, want);
	if (want == 416) {
		snprintf(want_cr, sizeof(want_cr), "bytes */%llu",
		    (unsigned long long)size);
		assert_true(http_is_error(r.body, "range_not_satisfiable"));
	} else {
		snprintf(want_cr, sizeof(want_cr), "bytes %llu-%llu/%llu",
		    (unsigned long long)start,
		    (unsigned long long)(start + len - 1),
		    (unsigned long long)size);
		assert_int_equal(r.len, len);
		assert_true(bc_match(id, start, (const uint8_t *)r.body, len));
	}
	if (want != 200) {
		assert_non_null(http_resp_header(&r, "Content-Range", cr,
		    sizeof(cr)));
		assert_string_equal(cr, want_cr);
	}
	http_resp_free(&r);
}

static void
test_put_get_range(void **state)
{
	uint8_t id[32], empty[32];
	const uint64_t n = 100000;
	json_t *v = NULL;
	char hex[65];
	long st;

	(void)state;
	bc_random_id(id);
	assert_int_equal(bc_put(S, &A, id, n, NULL, &st, &v), 0);
	assert_int_equal(st, 201);
	bc_hex(hex, id);
	assert_string_equal(json_string_value(json_object_get(v, "id")), hex);
	assert_int_equal(json_integer_value(json_object_get(v, "size")), n);
	json_decref(v);
	bc_check(S, &A, id, n);
	get_range(&A, id, n, "bytes=0-99", 206, 0, 100);
	get_range(&A, id, n, "bytes=40000-49999", 206, 40000, 10000);
	get_range(&A, id, n, "bytes=-500", 206, n - 500, 500);
	get_range(&A, id, n, "bytes=-500000", 206, 0, n);
	get_range(&A, id, n, "bytes=99990-200000", 206, n - 10, 10);
	get_range(&A, id, n, "bytes=99999-", 206, n - 1, 1);
	get_range(&A, id, n, "bytes=100000-", 416, 0, 0);
	get_range(&A, id, n, "bytes=500-400", 416, 0, 0);
	/* Several ranges: the HTTP layer makes no multipart replies. */
	get_range(&A, id, n, "bytes=0-1,5-6", 416, 0, 0);
	get_range(&A, id, n, "bytes=-0", 416, 0, 0);
	/* Another unit is ignored: the whole blob. */
	get_range(&A, id, n, "items=0-1", 200, 0, n);

	/* An empty blob. */
	bc_random_id(empty);
	assert_int_equal(bc_put(S, &A, empty, 0, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	bc_check(S, &A, empty, 0);
	get_range(&A, empty, 0, "bytes=0-", 416, 0, 0);
	assert_int_equal(bc_usage(S, &A, NULL), n);
	bc_delete(S, &A, id, 204);
	bc_delete(S, &A, empty, 204);
	assert_int_equal(bc_usage(S, &A, NULL), 0);
}

/* Idempotent: the same id and size again is 200 and rewrites nothing
 * (the server answers before reading the body); another size is 409. */
static void
test_idempotent_and_conflict(void **state)
{
	uint8_t id[32], other[32];
	const uint64_t n = 3 << 20;
	long st;

	(void)state;
	bc_random_id(id);
	assert_int_equal(bc_put(S, &A, id, n, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	/* Same size, other bytes (those of another id): 200, kept as was. */
	bc_random_id(other);
	assert_int_equal(bc_put(S, &A, id, n, other, &st, NULL), 0);
	assert_int_equal(st, 200);
	bc_check(S, &A, id, n);
	/* The answer came before the body: nothing of it was read. */
	assert_true(srv_wait_log(S, "method=PUT route=/v1/blobs/{blob:blobid} "
	    "status=200 in=0 ", 5000));
	assert_int_equal(bc_put(S, &A, id, n + 1, NULL, &st, NULL), 0);
	assert_int_equal(st, 409);
	assert_int_equal(bc_put(S, &A, id, 10, NULL, &st, NULL), 0);
	assert_int_equal(st, 409);
	bc_check(S, &A, id, n);
	assert_int_equal(bc_usage(S, &A, NULL), n);
	bc_delete(S, &A, id, 204);
}

static void
test_delete(void **state)
{
	uint8_t id[32];
	long st;

	(void)state;
	bc_random_id(id);
	bc_delete(S, &A, id, 404);
	assert_int_equal(bc_put(S, &A, id, 5000, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	assert_int_equal(bc_exists_one(S, &A, id), 5000);
	bc_delete(S, &A, id, 204);
	bc_expect_absent(S, &A, id);
	bc_delete(S, &A, id, 404);
	assert_int_equal(bc_usage(S, &A, NULL), 0);
	/* Stored again after a delete: new. */
	assert_int_equal(bc_put(S, &A, id, 7000, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	bc_check(S, &A, id, 7000);
	bc_delete(S, &A, id, 204);
}

/* POST /v1/blobs/exists with a body of ${text}: status and error code. */
static void
exists_bad(const char *ct, const char *text, long want, const char *code)
{
	const char *hdrs[] = { A.auth, ct, NULL };
	char *resp = NULL;
	long st = 0;

	assert_int_equal(http_request("POST", srv_url(S, "/v1/blobs/exists"),
	    hdrs, text, strlen(text), &st, &resp), 0);
	if (st != want || !http_is_error(resp, code))
		print_error("exists %.60s: %ld %s\n", text, st, resp);
	assert_int_equal(st, want);
	assert_true(http_is_error(resp, code));
	free(resp);
}

static void
test_exists(void **state)
{
	static const char *const JSON = "Content-Type: application/json";
	uint8_t ids[4][32];
	char hex[4][65], *big;
	json_t *m;
	size_t i, off;
	long st;

	(void)state;
	for (i = 0; i < 4; i++) {
		bc_random_id(ids[i]);
		bc_hex(hex[i], ids[i]);
	}
	assert_int_equal(bc_put(S, &A, ids[0], 1000, NULL, &st, NULL), 0);
	assert_int_equal(bc_put(S, &A, ids[2], 3000, NULL, &st, NULL), 0);
	/* Mixed, with a duplicate: the present ones with their sizes. */
	assert_non_null(m = bc_exists(S, &A, (const uint8_t (*)[32])ids, 4,
	    ids[2], &st));
	assert_int_equal(st, 200);
	assert_int_equal(json_object_size(m), 2);
	assert_int_equal(json_integer_value(json_object_get(m, hex[0])), 1000);
	assert_int_equal(json_integer_value(json_object_get(m, hex[2])), 3000);
	json_decref(m);
	/* None asked, none answered. */
	assert_non_null(m = bc_exists(S, &A, NULL, 0, NULL, &st));
	assert_int_equal(st, 200);
	assert_int_equal(json_object_size(m), 0);
	json_decref(m);

	/* 1000 ids are fine, 1001 are not; a body over 128 KiB is 413. */
	assert_non_null(big = malloc(200 * 1024));
	off = (size_t)snprintf(big, 64, "{\"ids\": [");
	for (i = 0; i < 1001; i++)
		off += (size_t)snprintf(big + off, 80, "%s\"%s\"",
		    i ? "," : "", hex[i % 4]);
	snprintf(big + off, 8, "]}");
	exists_bad(JSON, big, 400, "invalid_field");
	off = strlen(big) - 2 - 67;
	snprintf(big + off, 8, "]}");
	{
		const char *hdrs[] = { A.auth, JSON, NULL };
		char *resp = NULL;

		assert_int_equal(http_request("POST", srv_url(S,
		    "/v1/blobs/exists"), hdrs, big, strlen(big), &st, &resp),
		    0);
		assert_int_equal(st, 200);
		assert_non_null(m = json_loads(resp, 0, NULL));
		assert_int_equal(json_object_size(json_object_get(m,
		    "exists")), 2);
		json_decref(m);
		free(resp);
	}
	off = (size_t)snprintf(big, 64, "{\"ids\": [");
	for (i = 0; off < SRV_BLOB_EXISTS_BODY; i++)
		off += (size_t)snprintf(big + off, 80, "%s\"%s\"",
		    i ? "," : "", hex[0]);
	snprintf(big + off, 8, "]}");
	exists_bad(JSON, big, 413, "body_too_large");
	free(big);

	exists_bad(JSON, "{\"ids\": [", 400, "malformed_json");
	exists_bad(JSON, "[]", 400, "malformed_json");
	exists_bad(JSON, "{}", 400, "missing_field");
	exists_bad(JSON, "{\"ids\": \"x\"}", 400, "invalid_field");
	exists_bad(JSON, "{\"ids\": {}}", 400, "invalid_field");
	exists_bad(JSON, "{\"ids\": [], \"more\": 1}", 400, "invalid_field");
	exists_bad(JSON, "{\"ids\": [1]}", 400, "invalid_field");
	exists_bad(JSON, "{\"ids\": [null]}", 400, "invalid_field");
	exists_bad(JSON, "{\"ids\": [\"00\"]}", 400, "invalid_field");
	/* 32-byte ids only: a 16-byte id, upper case, 65 digits. */
	exists_bad(JSON, "{\"ids\": [\"00112233445566778899aabbccddeeff\"]}",
	    400, "invalid_field");
	exists_bad(JSON, "{\"ids\": [\"00112233445566778899AABBCCDDEEFF"
	    "00112233445566778899aabbccddeeff\"]}", 400, "invalid_field");
	exists_bad(JSON, "{\"ids\": [\"00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff0\"]}", 400, "invalid_field");
	exists_bad("Content-Type: text/plain", "{\"ids\": []}", 415,
	    "unsupported_media_type");
	bc_delete(S, &A, ids[0], 204);
	bc_delete(S, &A, ids[2], 204);
}

/* Another account's blob is 404 everywhere and absent from its answers;
 * the same id in two accounts names two blobs. */
static void
test_other_account(void **state)
{
	uint8_t id[32];
	long st;

	(void)state;
	bc_random_id(id);
	assert_int_equal(bc_put(S, &A, id, 4000, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	bc_expect_absent(S, &B, id);
	bc_delete(S, &B, id, 404);
	bc_check(S, &A, id, 4000);
	assert_int_equal(bc_usage(S, &B, NULL), 0);
	/* B's own blob of that id, another size: no conflict with A's. */
	assert_int_equal(bc_put(S, &B, id, 9000, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	bc_check(S, &B, id, 9000);
	bc_check(S, &A, id, 4000);
	assert_int_equal(bc_exists_one(S, &A, id), 4000);
	assert_int_equal(bc_exists_one(S, &B, id), 9000);
	bc_delete(S, &B, id, 204);
	bc_check(S, &A, id, 4000);
	bc_delete(S, &A, id, 204);
}

/* One request; the status and the error code. */
static void
expect(const char *method, const char *path, const char *const *hdrs,
    const char *body, long want, const char *code)
{
	char *resp = NULL;
	long st = 0;

	assert_int_equal(http_request(method, srv_url(S, path), hdrs, body,
	    body != NULL ? strlen(body) : 0, &st, &resp), 0);
	if (st != want || !http_is_error(resp, code))
		print_error("%s %s: %ld %s, want %ld %s\n", method, path, st,
		    resp, want, code);
	assert_int_equal(st, want);
	assert_true(http_is_error(resp, code));
	free(resp);
}

/* A raw request (what curl will not send) with A's token. */
static void
raw(const char *head, const char *extra, int want, int timeout_s)
{
	char req[1024], *resp = NULL;
	int n;

	n = snprintf(req, sizeof(req), "%s\r\nHost: x\r\n%s\r\n%s\r\n", head,
	    A.auth, extra);
	assert_int_equal(http_raw(srv_port(S), req, (size_t)n, &resp,
	    timeout_s), 0);
	if (http_raw_status(resp) != want)
		print_error("%s: %s\n", head, resp);
	assert_int_equal(http_raw_status(resp), want);
	free(resp);
}

/* Each bad-input class, and nothing written after any of them. */
static void
test_bad_requests(void **state)
{
	static const char *const octet =
	    "Content-Type: application/octet-stream";
	const char *hdrs[] = { A.auth, octet, NULL };
	const char *nohdr[] = { octet, NULL };
	const char *forged[] = { "Authorization: Bearer "
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", octet, NULL };
	const char *json[] = { A.auth, "Content-Type: application/json", NULL };
	char path[200], head[300], hex[65];
	uint8_t id[32], held[32];
	struct test_account victim;
	struct rt_bad_tokens bad;
	long st;

	(void)state;
	bc_random_id(held);
	assert_int_equal(bc_put(S, &A, held, 2000, NULL, &st, NULL), 0);
	bc_random_id(id);
	bc_hex(hex, id);
	snprintf(path, sizeof(path), "/v1/blobs/%s", hex);

	/* Bad ids in the path. */
	expect("GET", "/v1/blobs/00112233445566778899aabbccddeeff", hdrs, NULL,
	    400, "invalid_id");
	expect("PUT", "/v1/blobs/00112233445566778899AABBCCDDEEFF"
	    "00112233445566778899aabbccddeeff", hdrs, "x", 400, "invalid_id");
	expect("DELETE", "/v1/blobs/00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeef", hdrs, NULL, 400, "invalid_id");
	/* No token, a forged one, another scheme; a signed-out session, an
	 * expired one, a random token (route_util.h). */
	expect("PUT", path, nohdr, "abc", 401, "unauthorized");
	expect("PUT", path, forged, "abc", 401, "unauthorized");
	assert_int_equal(test_account_new(S, &victim), 0);
	rt_bad_tokens_make(S, &victim, &bad);
	rt_unauthorized(S, &bad, "PUT", path, "{}");
	rt_unauthorized(S, &bad, "GET", path, NULL);
	rt_unauthorized(S, &bad, "DELETE", path, NULL);
	rt_unauthorized(S, &bad, "POST", "/v1/blobs/exists", "{\"ids\": []}");
	rt_unauthorized(S, &bad, "GET", "/v1/usage", NULL);
	/* Types and lengths. */
	expect("PUT", path, json, "{}", 415, "unsupported_media_type");
	snprintf(head, sizeof(head), "PUT %s HTTP/1.1", path);
	raw(head, "Content-Type: application/octet-stream\r\n"
	    "Transfer-Encoding: chunked\r\n", 411, 20);
	raw(head, "Content-Type: application/octet-stream\r\n"
	    "Content-Length: 268435457\r\n", 413, 20);
	/* libmicrohttpd refuses a length past 2^64 itself (413, in HTML). */
	raw(head, "Content-Type: application/octet-stream\r\n"
	    "Content-Length: 99999999999999999999999\r\n", 413, 20);
	expect("GET", path, hdrs, "body", 413, "body_too_large");
	expect("DELETE", path, hdrs, "body", 413, "body_too_large");
	expect("GET", "/v1/usage", hdrs, "body", 413, "body_too_large");
	/* Methods the routes do not have. */
	expect("POST", path, json, "{}", 405, "method_not_allowed");
	expect("GET", "/v1/blobs/exists", hdrs, NULL, 405,
	    "method_not_allowed");
	/* A HEAD reply announces a body it does not send: 1 s is plenty. */
	raw("HEAD /v1/blobs/00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff HTTP/1.1", "", 405, 1);

	/* Nothing was written. */
	bc_expect_absent(S, &A, id);
	assert_int_equal(bc_usage(S, &A, NULL), 2000);
	bc_check(S, &A, held, 2000);
	bc_delete(S, &A, held, 204);
}

/* 256 MiB, the cap, generated as it is sent; the server's peak memory
 * stays flat while it goes in and while it comes out. One byte more is
 * refused from the declared length. */
static void
test_large_upload(void **state)
{
	uint8_t id[32];
	const uint64_t n = COFFER_WIRE_BLOB_MAX;
	struct http_resp r;
	long before, after, st;

	(void)state;
	bc_random_id(id);
	before = srv_vmhwm_kib(S);
	assert_int_equal(bc_put(S, &A, id, n, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	assert_int_equal(bc_get(S, &A, id, NULL, 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, n);
	http_resp_free(&r);
	after = srv_vmhwm_kib(S);
	print_message("# 256 MiB up and down: server VmHWM %ld -> %ld KiB\n",
	    before, after);
	assert_true(before > 0 && after - before < 16 * 1024);
	get_range(&A, id, n, "bytes=0-65535", 206, 0, 65536);
	get_range(&A, id, n, "bytes=134217000-134282535", 206, 134217000,
	    65536);
	get_range(&A, id, n, "bytes=-65536", 206, n - 65536, 65536);
	assert_int_equal(bc_exists_one(S, &A, id), (long long)n);
	bc_delete(S, &A, id, 204);
	assert_int_equal(bc_usage(S, &A, NULL), 0);
}

/* Half the declared body, then the client goes away: no blob, no
 * charge, no temporary file left. */
static void
test_cut_upload(void **state)
{
	uint8_t id[32];
	char hex[65];

	(void)state;
	bc_random_id(id);
	bc_hex(hex, id);
	assert_int_equal(bc_put_cut(S, &A, id, 1 << 20, 1 << 19), 0);
	assert_true(srv_wait_log(S, "method=PUT route=/v1/blobs/{blob:blobid} "
	    "status=- in=524288 ", 10000));
	bc_expect_absent(S, &A, id);
	assert_int_equal(bc_usage(S, &A, NULL), 0);
	assert_int_equal(bc_count_files(srv_data(S), ".tmp-"), 0);
	assert_int_equal(bc_count_files(srv_data(S), hex), 0);
}

/* A small quota: refused at the door from Content-Length, and at commit
 * when two uploads race for the last free bytes. */
static void
test_quota(void **state)
{
	struct srv *q;
	struct test_account a;
	char *dir, conf[4096];
	const char *args[] = { "--config", conf, NULL };
	uint8_t id[32], id2[32];
	uint64_t quota;
	long st;

	(void)state;
	assert_non_null(dir = Qdir = srv_tmpdir());
	snprintf(conf, sizeof(conf), "%s/cofferd.conf", dir);
	assert_int_equal(srv_write_file(conf, "quota = 1M\n"), 0);
	assert_int_equal(srv_start_test(&Q, args), 0);
	q = Q;
	assert_int_equal(test_account_new(q, &a), 0);
	assert_int_equal(bc_usage(q, &a, &quota), 0);
	assert_int_equal(quota, 1 << 20);

	bc_random_id(id);
	assert_int_equal(bc_put(q, &a, id, 600 << 10, NULL, &st, NULL), 0);
	assert_int_equal(st, 201);
	bc_random_id(id2);
	assert_int_equal(bc_put(q, &a, id2, 600 << 10, NULL, &st, NULL), 0);
	assert_int_equal(st, 507);
	assert_true(srv_wait_log(q, "status=507 in=0 ", 5000));
	/* What is held stays idempotent when the quota is full. */
	assert_int_equal(bc_put(q, &a, id, 600 << 10, NULL, &st, NULL), 0);
	assert_int_equal(st, 200);
	assert_int_equal(bc_put(q, &a, id2, (1 << 20) - (600 << 10), NULL, &st,
	    NULL), 0);
	assert_int_equal(st, 201);
	assert_int_equal(bc_usage(q, &a, NULL), 1 << 20);
	bc_delete(q, &a, id, 204);
	bc_delete(q, &a, id2, 204);

	/* Two uploads at once cannot both pass the door any more: the
	 * first reserves its length (test_blobs_quota.c). */
	assert_int_equal(bc_count_files(srv_data(q), ".tmp-"), 0);
	assert_int_equal(srv_stop(q), 0);
}

static int
quota_teardown(void **state)
{
	(void)state;
	srv_free(&Q);
	if (Qdir != NULL)
		srv_rmtree(Qdir);
	free(Qdir);
	Qdir = NULL;
	return 0;
}

/* The quota setting (config.c): bytes with an optional K, M, G or T;
 * strict about the rest. */
static void
test_quota_setting(void **state)
{
	static const struct {
		const char	*text;
		uint64_t	 want;	/* UINT64_MAX: refused */
	} t[] = {
		{ "0", 0 }, { "1", 1 }, { "1048576", 1 << 20 },
		{ "1K", 1024 }, { "5G", (uint64_t)5 << 30 },
		{ "8388607T", (uint64_t)8388607 << 40 },
		{ "9223372036854775807", (uint64_t)INT64_MAX },
		{ "9223372036854775808", UINT64_MAX },
		{ "8388608T", UINT64_MAX }, { "01", UINT64_MAX },
		{ "K", UINT64_MAX }, { "1KB", UINT64_MAX }, { "1k", UINT64_MAX },
		{ "1P", UINT64_MAX }, { "-1", UINT64_MAX }, { "1 G", UINT64_MAX },
		{ "", UINT64_MAX }, { "0x10", UINT64_MAX },
	};
	struct srv_config c;
	char err[200];
	size_t i;
	int r;

	(void)state;
	assert_int_equal(srv_config_init(&c), 0);
	assert_int_equal(c.quota, (uint64_t)5 << 30);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c.quota = 7;
		r = srv_config_set(&c, "quota", t[i].text, err, sizeof(err));
		if (t[i].want == UINT64_MAX) {
			assert_int_equal(r, -1);
			assert_non_null(strstr(err, "quota"));
			assert_int_equal(c.quota, 7);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(c.quota, t[i].want);
		}
	}
	srv_config_cleanup(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota_setting),
		cmocka_unit_test(test_put_get_range),
		cmocka_unit_test(test_idempotent_and_conflict),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_exists),
		cmocka_unit_test(test_other_account),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_large_upload),
		cmocka_unit_test(test_cut_upload),
		cmocka_unit_test_teardown(test_quota, quota_teardown),
	};

	return RT_RUN_GROUP("blobs", tests, &group);
}
