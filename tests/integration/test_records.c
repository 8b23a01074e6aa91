/* The zone, record and change-feed routes on the real cofferd
 * (server/routes/route_zones.c, route_records.c): zones by category,
 * records under optimistic concurrency with tombstones, the change feed
 * paged and resumed, its tokens checked (400 for one not of the zone, 410
 * when the store went back), the quota (507); every bad input refused
 * with its code and nothing written; another account's zones are 404;
 * bad tokens are 401. The races (clients on one record, kill -9 during
 * writes) are test_records_race.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include <coffer/encoding.h>

#include "route_fixture.h"
#include "store/store.h"
#include "wire/json.h"

static struct srv *S;
static struct test_account A, B;
static struct rt_bad_tokens Bad;
static const struct rt_group group = { &S, { &A, &B }, &Bad, NULL, NULL };

#define Z1	"0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define Z2	"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define ZNONE	"ffffffffffffffffffffffffffffffff"
#define R1	"00000000000000000000000000000001"

/* Paths. */
static const char *
zpath(const char *zone)
{
	static char p[128];

	snprintf(p, sizeof(p), "/v1/zones/%s", zone);
	return p;
}

static const char *
rpath(const char *zone, const char *record)
{
	static char p[160];

	snprintf(p, sizeof(p), "/v1/zones/%s/records/%s", zone, record);
	return p;
}

static void
record_hex(char out[33], unsigned i)
{
	snprintf(out, 33, "%032x", i + 0x100);
}

static void
zone_make(const struct test_account *a, const char *zone, const char *cat)
{
	char body[100];
	long st = 0;

	snprintf(body, sizeof(body), "{\"category\":\"%s\"}", cat);
	json_decref(rt_call(S, "PUT", zpath(zone), a->auth, body, &st));
	assert_true(st == 201 || st == 200);
}

/* PUT a record from its text: returns the new version, or fails. */
static long long
put(const struct test_account *a, const char *zone, const char *record,
    const char *text, long long version)
{
	char *b64 = rt_b64((const uint8_t *)text, strlen(text)), *body;
	size_t n = strlen(b64) + 64;
	long long v;
	json_t *j;

	assert_non_null(body = malloc(n));
	snprintf(body, n, "{\"data\":\"%s\",\"version\":%lld}", b64, version);
	j = rt_want(S, "PUT", rpath(zone, record), a->auth, body, 200, NULL);
	v = rt_int(j, "version");
	assert_int_equal(json_object_size(j), 1);
	json_decref(j);
	free(body);
	free(b64);
	return v;
}

/* The record as "text@version", "deleted@version" or "none". */
static void
state_of(const struct test_account *a, const char *zone, const char *record,
    char *out, size_t size)
{
	char *text;
	size_t n = 0;
	long st = 0;
	json_t *j;

	j = rt_call(S, "GET", rpath(zone, record), a->auth, NULL, &st);
	if (st == 200) {
		text = rt_unb64(rt_str(j, "data"), &n);
		snprintf(out, size, "%s@%lld", text, rt_int(j, "version"));
		free(text);
	} else if (st == 404 && json_is_true(json_object_get(j,
	    "deleted"))) {
		assert_true(rt_is_error(j, "no_such_object", 1));
		assert_int_equal(json_object_size(j), 4);
		snprintf(out, size, "deleted@%lld", rt_int(j, "version"));
	} else {
		assert_int_equal(st, 404);
		assert_true(rt_is_error(j, "no_such_object", 0));
		snprintf(out, size, "none");
	}
	json_decref(j);
}

static void
assert_state(const struct test_account *a, const char *zone,
    const char *record, const char *want)
{
	char got[4096];

	state_of(a, zone, record, got, sizeof(got));
	assert_string_equal(got, want);
}

/* An error with the record's state: 409 or 404 with version and deleted. */
static void
want_state(const char *method, const char *path, const char *auth,
    const char *body, long status, const char *code, long long version,
    int deleted)
{
	long st = 0;
	json_t *j = rt_call(S, method, path, auth, body, &st);

	assert_int_equal(st, status);
	assert_true(rt_is_error(j, code, 1));
	assert_int_equal(json_object_size(j), 4);
	assert_int_equal(rt_int(j, "version"), version);
	assert_true(json_is_boolean(json_object_get(j, "deleted")));
	assert_int_equal(json_is_true(json_object_get(j, "deleted")), deleted);
	json_decref(j);
}

static void
test_zones(void **state)
{
	json_t *j, *z;

	(void)state;
	j = rt_want(S, "PUT", zpath(Z1), A.auth, "{\"category\":\"notes\"}",
	    201, NULL);
	assert_string_equal(rt_str(j, "zone"), Z1);
	assert_string_equal(rt_str(j, "category"), "notes");
	assert_int_equal(rt_int(j, "seq"), 0);
	assert_true(rt_int(j, "created") > 0);
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
	json_decref(rt_want(S, "PUT", zpath(Z1), A.auth,
	    "{\"category\":\"notes\"}", 200, NULL));
	/* Another category: 409, naming the zone's. */
	j = rt_call(S, "PUT", zpath(Z1), A.auth, "{\"category\":\"photos\"}",
	    &(long){ 0 });
	assert_true(rt_is_error(j, "conflict", 1));
	assert_string_equal(rt_str(j, "category"), "notes");
	json_decref(j);
	/* Bad bodies. */
	rt_refused(S, "PUT", zpath(Z2), A.auth, "{\"category\":\"nope\"}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", zpath(Z2), A.auth, "{\"category\":\"Notes\"}",
	    400, "invalid_field");
	rt_refused(S, "PUT", zpath(Z2), A.auth, "{\"category\":\"\"}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", zpath(Z2), A.auth, "{\"category\":3}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", zpath(Z2), A.auth, "{\"category\":true}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", zpath(Z2), A.auth, "{}", 400, "missing_field");
	rt_refused(S, "PUT", zpath(Z2), A.auth,
	    "{\"category\":\"notes\",\"x\":1}", 400, "invalid_field");
	rt_refused(S, "PUT", zpath(Z2), A.auth, "{\"category\":\"notes\"",
	    400, "malformed_json");
	rt_refused(S, "PUT", zpath(Z2), A.auth,
	    "{\"category\":\"notes\",\"category\":\"notes\"}", 400,
	    "malformed_json");
	{
		char big[2048];

		memset(big, ' ', sizeof(big) - 1);
		big[0] = '{';
		big[sizeof(big) - 2] = '}';
		big[sizeof(big) - 1] = '\0';
		rt_refused(S, "PUT", zpath(Z2), A.auth, big, 413,
		    "body_too_large");
	}
	rt_refused(S, "PUT", "/v1/zones/0F1E2D3C4B5A69788796A5B4C3D2E1F0",
	    A.auth, "{\"category\":\"notes\"}", 400, "invalid_id");
	rt_refused(S, "GET", "/v1/zones/0f1e", A.auth, NULL, 400,
	    "invalid_id");
	rt_refused(S, "GET", "/v1/zones?x=1", A.auth, NULL, 400,
	    "invalid_parameter");
	rt_refused(S, "DELETE", zpath(Z1), A.auth, NULL, 405,
	    "method_not_allowed");
	/* None of it made Z2. */
	rt_refused(S, "GET", zpath(Z2), A.auth, NULL, 404, "no_such_object");
	zone_make(&A, Z2, "photos");
	j = rt_want(S, "GET", "/v1/zones", A.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "zones")), 2);
	z = json_array_get(json_object_get(j, "zones"), 0);
	assert_string_equal(rt_str(z, "zone"), Z1);
	assert_string_equal(rt_str(z, "category"), "notes");
	z = json_array_get(json_object_get(j, "zones"), 1);
	assert_string_equal(rt_str(z, "zone"), Z2);
	assert_string_equal(rt_str(z, "category"), "photos");
	json_decref(j);
	/* B sees none of A's zones, and has its own namespace. */
	j = rt_want(S, "GET", "/v1/zones", B.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "zones")), 0);
	json_decref(j);
	rt_refused(S, "GET", zpath(Z1), B.auth, NULL, 404, "no_such_object");
	json_decref(rt_want(S, "PUT", zpath(Z1), B.auth,
	    "{\"category\":\"photos\"}", 201, NULL));
	j = rt_want(S, "GET", zpath(Z1), A.auth, NULL, 200, NULL);
	assert_string_equal(rt_str(j, "category"), "notes");
	json_decref(j);
}

/* At most 1000 zones per account: the 1001st is 507, made nowhere. */
static void
test_zone_cap(void **state)
{
	struct test_account c;
	char zone[33];
	json_t *j;
	unsigned i;

	(void)state;
	assert_int_equal(test_account_new(S, &c), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(zone, sizeof(zone), "%032x", i + 1);
		json_decref(rt_want(S, "PUT", zpath(zone), c.auth,
		    "{\"category\":\"drive\"}", 201, NULL));
	}
	rt_refused(S, "PUT", zpath(Z1), c.auth, "{\"category\":\"notes\"}",
	    507, "quota_exceeded");
	rt_refused(S, "GET", zpath(Z1), c.auth, NULL, 404, "no_such_object");
	/* An existing zone is still found, idempotently. */
	json_decref(rt_want(S, "PUT", zpath(zone), c.auth,
	    "{\"category\":\"drive\"}", 200, NULL));
	j = rt_want(S, "GET", "/v1/zones", c.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "zones")), 1000);
	json_decref(j);
}

static void
test_records(void **state)
{
	json_t *j;
	char path[200];

	(void)state;
	zone_make(&A, Z1, "notes");
	assert_state(&A, Z1, R1, "none");
	assert_int_equal(put(&A, Z1, R1, "one", 0), 1);
	assert_state(&A, Z1, R1, "one@1");
	j = rt_want(S, "GET", rpath(Z1, R1), A.auth, NULL, 200, NULL);
	assert_int_equal(json_object_size(j), 2);
	json_decref(j);
	assert_int_equal(put(&A, Z1, R1, "two", 1), 2);
	/* Stale writes: 409 with the current state; nothing written. */
	want_state("PUT", rpath(Z1, R1), A.auth,
	    "{\"data\":\"eA\",\"version\":1}", 409, "conflict", 2, 0);
	want_state("PUT", rpath(Z1, R1), A.auth,
	    "{\"data\":\"eA\",\"version\":0}", 409, "conflict", 2, 0);
	want_state("PUT", rpath(Z1, R1), A.auth,
	    "{\"data\":\"eA\",\"version\":3}", 409, "conflict", 2, 0);
	assert_state(&A, Z1, R1, "two@2");
	/* A version for a record that is not there. */
	want_state("PUT", rpath(Z1, "0000000000000000000000000000abcd"),
	    A.auth, "{\"data\":\"eA\",\"version\":4}", 409, "conflict", 0, 0);
	/* Delete: stale is 409; then a tombstone with a new version. */
	snprintf(path, sizeof(path), "%s?version=1", rpath(Z1, R1));
	want_state("DELETE", path, A.auth, NULL, 409, "conflict", 2, 0);
	rt_refused(S, "DELETE", rpath(Z1, R1), A.auth, NULL, 400,
	    "invalid_parameter");
	assert_state(&A, Z1, R1, "two@2");
	snprintf(path, sizeof(path), "%s?version=2", rpath(Z1, R1));
	j = rt_want(S, "DELETE", path, A.auth, NULL, 200, NULL);
	assert_int_equal(rt_int(j, "version"), 3);
	json_decref(j);
	assert_state(&A, Z1, R1, "deleted@3");
	want_state("GET", rpath(Z1, R1), A.auth, NULL, 404, "no_such_object",
	    3, 1);
	/* Deleting a tombstone, or nothing, finds nothing. */
	snprintf(path, sizeof(path), "%s?version=3", rpath(Z1, R1));
	rt_refused(S, "DELETE", path, A.auth, NULL, 404, "no_such_object");
	/* A write over the tombstone from the old version is stale; from
	 * 0 (or the tombstone's version) it brings the record back, and
	 * versions go on. */
	want_state("PUT", rpath(Z1, R1), A.auth,
	    "{\"data\":\"eA\",\"version\":2}", 409, "conflict", 3, 1);
	assert_int_equal(put(&A, Z1, R1, "three", 0), 4);
	assert_state(&A, Z1, R1, "three@4");
	/* The zone counts the changes. */
	j = rt_want(S, "GET", zpath(Z1), A.auth, NULL, 200, NULL);
	assert_int_equal(rt_int(j, "seq"), 4);
	json_decref(j);
	/* A record in a zone that does not exist. */
	rt_refused(S, "PUT", rpath(ZNONE, R1), A.auth,
	    "{\"data\":\"eA\",\"version\":0}", 404, "no_such_object");
	rt_refused(S, "GET", rpath(ZNONE, R1), A.auth, NULL, 404,
	    "no_such_object");
	rt_refused(S, "GET", "/v1/zones/" ZNONE "/changes", A.auth, NULL, 404,
	    "no_such_object");
	/* The largest record, whole. */
	{
		size_t n = (size_t)1 << 20, i;
		size_t blen;
		uint8_t *p = malloc(n);
		char *b64, *body;
		json_t *g;

		assert_non_null(p);
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)(i * 7 + (i >> 11));
		b64 = rt_b64(p, n);
		blen = strlen(b64) + 64;
		assert_non_null(body = malloc(blen));
		snprintf(body, blen, "{\"version\":0,\"data\":\"%s\"}", b64);
		json_decref(rt_want(S, "PUT", rpath(Z1,
		    "000000000000000000000000000b1600"), A.auth, body, 200,
		    NULL));
		g = rt_want(S, "GET", rpath(Z1,
		    "000000000000000000000000000b1600"), A.auth, NULL, 200,
		    NULL);
		assert_string_equal(rt_str(g, "data"), b64);
		json_decref(g);
		free(body);
		free(b64);
		free(p);
	}
}

/* Every bad input class on the record routes; R1 stays as it was. */
static void
test_records_bad_input(void **state)
{
	static const char *const bodies[][2] = {
		{ "{\"data\":\"eA\"}", "missing_field" },
		{ "{\"version\":4}", "missing_field" },
		{ "{}", "missing_field" },
		{ "{\"data\":\"eA\",\"version\":4,\"x\":0}", "invalid_field" },
		{ "{\"data\":\"eA\",\"version\":-1}", "invalid_field" },
		{ "{\"data\":\"eA\",\"version\":4.0}", "invalid_field" },
		{ "{\"data\":\"eA\",\"version\":\"4\"}", "invalid_field" },
		{ "{\"data\":\"eA\",\"version\":null}", "invalid_field" },
		{ "{\"data\":\"eA\",\"version\":9223372036854775807}",
		    "invalid_field" },
		/* Past what jansson reads: not JSON it accepts. */
		{ "{\"data\":\"eA\",\"version\":18446744073709551616}",
		    "malformed_json" },
		{ "{\"data\":\"eA==\",\"version\":4}", "invalid_field" },
		{ "{\"data\":\"e+A\",\"version\":4}", "invalid_field" },
		{ "{\"data\":\"eB\",\"version\":4}", "invalid_field" },
		{ "{\"data\":\"\",\"version\":4}", "invalid_field" },
		{ "{\"data\":5,\"version\":4}", "invalid_field" },
		{ "{\"data\":[\"eA\"],\"version\":4}", "invalid_field" },
		{ "{\"data\":\"eA\",\"version\":4", "malformed_json" },
		{ "[\"eA\",4]", "malformed_json" },
		{ "{\"data\":\"eA\",\"data\":\"eA\",\"version\":4}",
		    "malformed_json" },
		{ "{\"data\":\"\xff\",\"version\":4}", "malformed_json" },
	};
	size_t i, n;
	char *big, path[200];

	(void)state;
	assert_state(&A, Z1, R1, "three@4");
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		rt_refused(S, "PUT", rpath(Z1, R1), A.auth, bodies[i][0], 400,
		    bodies[i][1]);
	/* Data over 1 MiB inside the body cap: 413, from the parser. */
	n = (((size_t)1 << 20) + 3) / 3 * 4;
	assert_non_null(big = malloc(n + 64));
	memcpy(big, "{\"version\":4,\"data\":\"", 21);
	memset(big + 21, 'A', n);
	memcpy(big + 21 + n, "\"}", 3);
	rt_refused(S, "PUT", rpath(Z1, R1), A.auth, big, 413,
	    "body_too_large");
	free(big);
	/* A body over the route's cap: 413 before it is read. */
	n = (size_t)3 << 20;
	assert_non_null(big = malloc(n + 1));
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	rt_refused(S, "PUT", rpath(Z1, R1), A.auth, big, 413,
	    "body_too_large");
	free(big);
	/* Bad ids in the path, bad query parameters. */
	rt_refused(S, "PUT", "/v1/zones/" Z1 "/records/0001", A.auth,
	    "{\"data\":\"eA\",\"version\":4}", 400, "invalid_id");
	rt_refused(S, "GET", "/v1/zones/" Z1 "/records/"
	    "0000000000000000000000000000000G", A.auth, NULL, 400, "invalid_id");
	rt_refused(S, "DELETE", "/v1/zones/xyz/records/" R1 "?version=4",
	    A.auth, NULL, 400, "invalid_id");
	snprintf(path, sizeof(path), "%s?version=-1", rpath(Z1, R1));
	rt_refused(S, "DELETE", path, A.auth, NULL, 400, "invalid_parameter");
	snprintf(path, sizeof(path), "%s?version=04", rpath(Z1, R1));
	rt_refused(S, "DELETE", path, A.auth, NULL, 400, "invalid_parameter");
	snprintf(path, sizeof(path), "%s?version=4&version=4", rpath(Z1, R1));
	rt_refused(S, "DELETE", path, A.auth, NULL, 400, "invalid_parameter");
	snprintf(path, sizeof(path), "%s?version=4&force=1", rpath(Z1, R1));
	rt_refused(S, "DELETE", path, A.auth, NULL, 400, "invalid_parameter");
	snprintf(path, sizeof(path), "%s?version=4", rpath(Z1, R1));
	rt_refused(S, "GET", path, A.auth, NULL, 400, "invalid_parameter");
	rt_refused(S, "GET", rpath(Z1, R1), A.auth, "{}", 413,
	    "body_too_large");
	rt_refused(S, "POST", rpath(Z1, R1), A.auth, NULL, 405,
	    "method_not_allowed");
	assert_state(&A, Z1, R1, "three@4");
}

/* Another account's zone and records do not exist for B (its own zone
 * Z1 is another zone); bad tokens are 401 on every route. */
static void
test_records_other_account(void **state)
{
	char path[200];

	(void)state;
	/* B made its own Z1 (photos) in test_zones: it is empty. */
	rt_refused(S, "GET", rpath(Z1, R1), B.auth, NULL, 404,
	    "no_such_object");
	rt_refused(S, "GET", rpath(Z2, R1), B.auth, NULL, 404,
	    "no_such_object");
	rt_refused(S, "PUT", rpath(Z2, R1), B.auth,
	    "{\"data\":\"eA\",\"version\":0}", 404, "no_such_object");
	snprintf(path, sizeof(path), "%s?version=4", rpath(Z1, R1));
	rt_refused(S, "DELETE", path, B.auth, NULL, 404, "no_such_object");
	rt_refused(S, "GET", "/v1/zones/" Z2 "/changes", B.auth, NULL, 404,
	    "no_such_object");
	rt_refused(S, "GET", zpath(Z2), B.auth, NULL, 404, "no_such_object");
	/* B's write to its own Z1 lands there, not in A's. */
	assert_int_equal(put(&B, Z1, R1, "bee", 0), 1);
	assert_state(&A, Z1, R1, "three@4");
	assert_state(&B, Z1, R1, "bee@1");
	/* Bad tokens, on every route. */
	rt_unauthorized(S, &Bad, "PUT", zpath(Z1), "{\"category\":\"notes\"}");
	rt_unauthorized(S, &Bad, "GET", zpath(Z1), NULL);
	rt_unauthorized(S, &Bad, "GET", "/v1/zones", NULL);
	rt_unauthorized(S, &Bad, "PUT", rpath(Z1, R1),
	    "{\"data\":\"eA\",\"version\":4}");
	rt_unauthorized(S, &Bad, "GET", rpath(Z1, R1), NULL);
	rt_unauthorized(S, &Bad, "DELETE", path, NULL);
	rt_unauthorized(S, &Bad, "GET", "/v1/zones/" Z1 "/changes", NULL);
	assert_state(&A, Z1, R1, "three@4");
}

/* One page of Z's feed; appends "record:version:deleted:text;" for each
 * change to log. Returns "more"; *token gets the next token. */
static int
page(const struct test_account *a, const char *zone, const char *since,
    unsigned limit, char *token, size_t tsize, char *log, size_t lsize,
    size_t *count)
{
	char path[300], line[300], *text;
	json_t *j, *c;
	size_t i, n;
	int more;

	snprintf(path, sizeof(path), "/v1/zones/%s/changes%s%s%s", zone,
	    since != NULL || limit > 0 ? "?" : "", since != NULL ? "since=" :
	    "", since != NULL ? since : "");
	if (limit > 0)
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    "%slimit=%u", since != NULL ? "&" : "", limit);
	j = rt_want(S, "GET", path, a->auth, NULL, 200, NULL);
	assert_int_equal(json_object_size(j), 3);
	assert_true(json_is_boolean(json_object_get(j, "more")));
	more = json_is_true(json_object_get(j, "more"));
	assert_int_equal(strlen(rt_str(j, "token")), 55);
	snprintf(token, tsize, "%s", rt_str(j, "token"));
	if (limit > 0)
		assert_true(json_array_size(json_object_get(j, "changes")) <=
		    limit);
	json_array_foreach(json_object_get(j, "changes"), i, c) {
		int del = json_is_true(json_object_get(c, "deleted"));

		if (del) {
			assert_null(json_object_get(c, "data"));
			assert_int_equal(json_object_size(c), 3);
			text = calloc(1, 1);
		} else {
			text = rt_unb64(rt_str(c, "data"), &n);
			assert_int_equal(json_object_size(c), 4);
		}
		snprintf(line, sizeof(line), "%.4s:%lld:%d:%.100s;",
		    rt_str(c, "record") + 28, rt_int(c, "version"), del, text);
		free(text);
		strncat(log, line, lsize - strlen(log) - 1);
		(*count)++;
	}
	json_decref(j);
	return more;
}

/* The whole feed from since (NULL: the start) in pages of limit. */
static void
sync_all(const struct test_account *a, const char *zone, const char *since,
    unsigned limit, char *token, size_t tsize, char *log, size_t lsize,
    size_t *pages)
{
	char t[64];
	size_t count = 0, before;

	log[0] = '\0';
	*pages = 0;
	if (since != NULL)
		snprintf(t, sizeof(t), "%s", since);
	for (;;) {
		before = count;
		(*pages)++;
		if (!page(a, zone, since != NULL || *pages > 1 ? t : NULL,
		    limit, t, sizeof(t), log, lsize, &count))
			break;
		/* "more" means a page that is not empty follows. */
		assert_true(count > before);
	}
	snprintf(token, tsize, "%s", t);
}

static void
test_feed(void **state)
{
	char rec[33], text[40], path[300], token[64], t2[64], forged[64];
	char *log, *want, line[100];
	size_t i, pages;
	long long v;

	(void)state;
	assert_non_null(log = calloc(1, 8192));
	assert_non_null(want = calloc(1, 8192));
	zone_make(&A, Z2, "photos");
	/* An empty zone: no change, a token all the same. */
	sync_all(&A, Z2, NULL, 0, token, sizeof(token), log, 8192, &pages);
	assert_string_equal(log, "");
	assert_int_equal(pages, 1);
	/* 30 records; 0..9 written again, 10..14 deleted. */
	for (i = 0; i < 30; i++) {
		record_hex(rec, (unsigned)i);
		snprintf(text, sizeof(text), "r%zu", i);
		assert_int_equal(put(&A, Z2, rec, text, 0), 1);
	}
	for (i = 0; i < 10; i++) {
		record_hex(rec, (unsigned)i);
		snprintf(text, sizeof(text), "r%zu-b", i);
		assert_int_equal(put(&A, Z2, rec, text, 1), 2);
	}
	for (i = 10; i < 15; i++) {
		record_hex(rec, (unsigned)i);
		snprintf(path, sizeof(path), "%s?version=1", rpath(Z2, rec));
		json_decref(rt_want(S, "DELETE", path, A.auth, NULL, 200,
		    NULL));
	}
	/* Each record once, in its latest state, in the order of its last
	 * change: 15..29 first (untouched since), then 0..9, then 10..14. */
	for (i = 15; i < 30; i++) {
		snprintf(line, sizeof(line), "%04zx:1:0:r%zu;", i + 0x100, i);
		strcat(want, line);
	}
	for (i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "%04zx:2:0:r%zu-b;", i + 0x100, i);
		strcat(want, line);
	}
	for (i = 10; i < 15; i++) {
		snprintf(line, sizeof(line), "%04zx:2:1:;", i + 0x100);
		strcat(want, line);
	}
	sync_all(&A, Z2, NULL, 7, token, sizeof(token), log, 8192, &pages);
	assert_string_equal(log, want);
	assert_int_equal(pages, 5);		/* 7 + 7 + 7 + 7 + 2 */
	sync_all(&A, Z2, NULL, 0, t2, sizeof(t2), log, 8192, &pages);
	assert_string_equal(log, want);
	assert_int_equal(pages, 1);
	/* A limit over the cap is the cap. */
	sync_all(&A, Z2, NULL, 5000, t2, sizeof(t2), log, 8192, &pages);
	assert_string_equal(log, want);
	assert_int_equal(pages, 1);
	/* Nothing new after the saved token: an empty page, same token. */
	sync_all(&A, Z2, token, 7, t2, sizeof(t2), log, 8192, &pages);
	assert_string_equal(log, "");
	assert_string_equal(t2, token);
	/* New changes, then resume from the saved token: only those. */
	record_hex(rec, 20);
	assert_int_equal(put(&A, Z2, rec, "r20-b", 1), 2);
	record_hex(rec, 21);
	snprintf(path, sizeof(path), "%s?version=1", rpath(Z2, rec));
	json_decref(rt_want(S, "DELETE", path, A.auth, NULL, 200, NULL));
	record_hex(rec, 30);
	assert_int_equal(put(&A, Z2, rec, "r30", 0), 1);
	record_hex(rec, 12);	/* back from the dead */
	v = put(&A, Z2, rec, "r12-c", 0);
	assert_int_equal(v, 3);
	sync_all(&A, Z2, token, 2, t2, sizeof(t2), log, 8192, &pages);
	assert_string_equal(log, "0114:2:0:r20-b;0115:2:1:;011e:1:0:r30;"
	    "010c:3:0:r12-c;");
	assert_int_equal(pages, 2);
	/* Bad tokens: not a token, another zone's, another account's,
	 * forged; bad parameters. */
	snprintf(path, sizeof(path), "/v1/zones/%s/changes?since=abc", Z2);
	rt_refused(S, "GET", path, A.auth, NULL, 400, "invalid_change_token");
	{
		char other[64];

		sync_all(&A, Z1, NULL, 0, other, sizeof(other), log, 8192,
		    &pages);
		snprintf(path, sizeof(path), "/v1/zones/%s/changes?since=%s",
		    Z2, other);
		rt_refused(S, "GET", path, A.auth, NULL, 400,
		    "invalid_change_token");
		/* B's zone Z1 has A's Z1 id, not its nonce. */
		snprintf(path, sizeof(path), "/v1/zones/%s/changes?since=%s",
		    Z1, other);
		rt_refused(S, "GET", path, B.auth, NULL, 400,
		    "invalid_change_token");
	}
	for (i = 0; i < 55; i += 6) {
		snprintf(forged, sizeof(forged), "%s", token);
		forged[i] = forged[i] == 'A' ? 'B' : 'A';
		snprintf(path, sizeof(path), "/v1/zones/%s/changes?since=%s",
		    Z2, forged);
		rt_refused(S, "GET", path, A.auth, NULL, 400,
		    "invalid_change_token");
	}
	snprintf(path, sizeof(path), "/v1/zones/%s/changes?since=%sA", Z2,
	    token);
	rt_refused(S, "GET", path, A.auth, NULL, 400, "invalid_change_token");
	snprintf(path, sizeof(path), "/v1/zones/%s/changes?since=%.54s", Z2,
	    token);
	rt_refused(S, "GET", path, A.auth, NULL, 400, "invalid_change_token");
	{
		static const char *const bad[] = { "?limit=0", "?limit=-1",
		    "?limit=x", "?limit=01", "?since=", "?since=a+b",
		    "?since=a%2Fb", "?limit=1&limit=2", "?cursor=1", NULL };

		for (i = 0; bad[i] != NULL; i++) {
			snprintf(path, sizeof(path), "/v1/zones/%s/changes%s",
			    Z2, bad[i]);
			rt_refused(S, "GET", path, A.auth, NULL, 400,
			    "invalid_parameter");
		}
	}
	rt_refused(S, "GET", "/v1/zones/xyz/changes", A.auth, NULL, 400,
	    "invalid_id");
	free(log);
	free(want);
}

/* The store goes back in time (restored from an older copy): a token
 * from after the copy is 410 resync; from the start is fine. */
static void
test_feed_resync(void **state)
{
	char cmd[4200], token[64], path[300], rec[33], *log;
	size_t pages;

	(void)state;
	assert_non_null(log = calloc(1, 8192));
	assert_int_equal(srv_stop(S), 0);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s/copy'", srv_data(S),
	    srv_dir(S));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(srv_restart(S), 0);
	record_hex(rec, 40);
	assert_int_equal(put(&A, Z2, rec, "after the copy", 0), 1);
	sync_all(&A, Z2, NULL, 0, token, sizeof(token), log, 8192, &pages);
	assert_int_equal(srv_stop(S), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mv '%s/copy' '%s'",
	    srv_data(S), srv_dir(S), srv_data(S));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(srv_restart(S), 0);
	snprintf(path, sizeof(path), "/v1/zones/%s/changes?since=%s", Z2,
	    token);
	rt_refused(S, "GET", path, A.auth, NULL, 410, "resync");
	sync_all(&A, Z2, NULL, 0, token, sizeof(token), log, 8192, &pages);
	assert_null(strstr(log, "after the copy"));
	free(log);
}

/* A record that would pass the account's quota: 507, nothing written. */
struct quota_arg {
	const struct test_account	*a;
	uint64_t			 quota;
};

static void
set_quota(struct store *st, void *arg)
{
	struct quota_arg *q = arg;
	uint8_t id[16];

	assert_int_equal(wire_id_decode(q->a->id, 32, id, sizeof(id)), 0);
	assert_int_equal(st->meta->ops->quota_set(st->meta, id, q->quota), 0);
}

static void
test_quota(void **state)
{
	struct test_account c;
	struct quota_arg q;
	char *text;

	(void)state;
	assert_int_equal(test_account_new(S, &c), 0);
	zone_make(&c, Z1, "notes");
	q.a = &c;
	q.quota = 2000;		/* records cost their size + 128 */
	rt_offline(S, set_quota, &q);
	assert_non_null(text = malloc(2001));
	memset(text, 'q', 1000);
	text[1000] = '\0';
	assert_int_equal(put(&c, Z1, R1, text, 0), 1);
	/* 1000 + 128 + 900 + 128 > 2000: a second record is refused, and
	 * R1 may not grow to 1900 bytes either. */
	memset(text, 'r', 1900);
	text[1900] = '\0';
	{
		char *b64 = rt_b64((uint8_t *)text, 900), body[3000];

		snprintf(body, sizeof(body), "{\"data\":\"%s\",\"version\":0}",
		    b64);
		rt_refused(S, "PUT", rpath(Z1,
		    "00000000000000000000000000000002"), c.auth, body, 507,
		    "quota_exceeded");
		free(b64);
		b64 = rt_b64((uint8_t *)text, 1900);
		/* Growing R1 past the quota is refused too. */
		snprintf(body, sizeof(body), "{\"data\":\"%s\",\"version\":1}",
		    b64);
		rt_refused(S, "PUT", rpath(Z1, R1), c.auth, body, 507,
		    "quota_exceeded");
		free(b64);
	}
	assert_state(&c, Z1, "00000000000000000000000000000002", "none");
	memset(text, 'q', 1000);
	text[1000] = '\0';
	{
		char want[1100];

		snprintf(want, sizeof(want), "%s@1", text);
		assert_state(&c, Z1, R1, want);
	}
	/* Shrinking is always allowed. */
	assert_int_equal(put(&c, Z1, R1, "small", 1), 2);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_zone_cap),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_records_bad_input),
		cmocka_unit_test(test_records_other_account),
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_feed_resync),
		cmocka_unit_test(test_quota),
	};

	return RT_RUN_GROUP("records", tests, &group);
}
