/* GET /v1/blobs on the real cofferd (docs/openapi.yaml, listBlobs): pages
 * in increasing id order through the cursor, the last page's `more`
 * false, limit default, 1, 1000 and above (clamped), 0 and non-numeric
 * refused like a malformed `after` (short, upper-case, not hex) or an
 * unknown parameter (400 `invalid_parameter`), no session (401), a
 * restricted session (403 `forbidden`), and another account's blobs never
 * listed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "blob_client.h"
#include "devtrust.h"
#include "route_fixture.h"

#define NB	5

static struct srv *S;
static struct test_account A, B;
static const struct rt_group group = { &S, { &A, &B }, NULL, NULL, NULL };

/* A's blobs (ids sorted, hex) and sizes; B holds one of its own. */
static char Hex[NB][65];
static long long Size[NB];

static int
cmp_hex(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
put_blobs(void)
{
	uint8_t id[32];
	long st;
	size_t i;

	for (i = 0; i < NB; i++) {
		bc_random_id(id);
		bc_hex(Hex[i], id);
		if (bc_put(S, &A, id, 100 + i, NULL, &st, NULL) != 0 ||
		    st != 201)
			return -1;
	}
	qsort(Hex, NB, sizeof(Hex[0]), cmp_hex);
	for (i = 0; i < NB; i++)
		Size[i] = -1;
	bc_random_id(id);
	return bc_put(S, &B, id, 7, NULL, &st, NULL) == 0 && st == 201 ? 0 : -1;
}

/* One page: its ids must be Hex[from..from+n), its `more` ${more}. */
static void
page(const char *query, size_t from, size_t n, int more)
{
	char path[200];
	json_t *j, *list, *v;
	size_t i;

	snprintf(path, sizeof(path), "/v1/blobs%s", query);
	j = rt_want(S, "GET", path, A.auth, NULL, 200, NULL);
	list = json_object_get(j, "blobs");
	assert_int_equal(json_object_size(j), 2);
	assert_int_equal(json_array_size(list), n);
	assert_true(json_is_boolean(json_object_get(j, "more")));
	assert_int_equal(json_is_true(json_object_get(j, "more")), more);
	json_array_foreach(list, i, v) {
		assert_int_equal(json_object_size(v), 2);
		assert_string_equal(rt_str(v, "id"), Hex[from + i]);
		/* sizes 100..104 in put order: each a size A put */
		assert_true(rt_int(v, "size") >= 100 &&
		    rt_int(v, "size") < 100 + NB);
		if (Size[from + i] < 0)
			Size[from + i] = rt_int(v, "size");
		assert_int_equal(rt_int(v, "size"), Size[from + i]);
	}
	json_decref(j);
}

static void
test_pages(void **state)
{
	char q[200];

	(void)state;
	assert_int_equal(put_blobs(), 0);
	/* the default page holds all five: not full, no more */
	page("", 0, NB, 0);
	page("?limit=1000", 0, NB, 0);
	page("?limit=1001", 0, NB, 0);		/* clamped to 1000 */
	page("?limit=999999999999", 0, NB, 0);
	/* pages of two through the cursor */
	page("?limit=2", 0, 2, 1);
	snprintf(q, sizeof(q), "?limit=2&after=%s", Hex[1]);
	page(q, 2, 2, 1);
	snprintf(q, sizeof(q), "?after=%s&limit=2", Hex[3]);
	page(q, 4, 1, 0);
	/* a full last page says more; the next is empty */
	snprintf(q, sizeof(q), "?limit=1&after=%s", Hex[3]);
	page(q, 4, 1, 1);
	snprintf(q, sizeof(q), "?limit=1&after=%s", Hex[4]);
	page(q, 0, 0, 0);
	/* a cursor that names no blob: the next id after it */
	snprintf(q, sizeof(q), "?after=%.63s0", Hex[2]);
	page(q, Hex[2][63] == '0' ? 3 : 2, Hex[2][63] == '0' ? NB - 3 : NB - 2,
	    0);
	page("?after=00000000000000000000000000000000"
	    "00000000000000000000000000000000", 0, NB, 0);
}

/* Every malformed query is 400 invalid_parameter, before any listing. */
static void
test_bad_query(void **state)
{
	static const char *const bad[] = {
		"?limit=0", "?limit=", "?limit=abc", "?limit=-1", "?limit=1x",
		"?limit=0x10",
		"?after=",
		"?after=0123456789abcdef",
		"?after=0123456789ABCDEF0123456789ABCDEF"
		    "0123456789ABCDEF0123456789ABCDEF",
		"?after=0123456789abcdeg0123456789abcdef"
		    "0123456789abcdef0123456789abcdef",
		"?after=0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef0",
		"?cursor=1", "?limit=2&limit=3",
	};
	char path[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/v1/blobs%s", bad[i]);
		rt_refused(S, "GET", path, A.auth, NULL, 400,
		    "invalid_parameter");
	}
}

/* No session, a bad token: 401. A restricted session (the account has a
 * device list; this session's device is not on it): 403 forbidden. */
static void
test_auth(void **state)
{
	struct test_account c, r;
	struct dt_device d;
	struct dt_chain ch;
	struct coffer_buf *e;
	json_t *j;
	long st = 0;

	(void)state;
	rt_refused(S, "GET", "/v1/blobs", NULL, NULL, 401, "unauthorized");
	rt_refused(S, "GET", "/v1/blobs", "Authorization: Bearer "
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, 401,
	    "unauthorized");
	assert_int_equal(test_account_new(S, &c), 0);
	dt_device_new(&d);
	dt_register(S, &c, &d);
	assert_int_equal(dt_bind(S, &c, &d), 0);
	dt_chain_init(&ch, c.id);
	e = dt_entry(&ch, DEVLIST_GENESIS, &d, &d, NULL, 1);
	j = dt_put(S, &c, 1, e, &st);
	assert_int_equal(st, 201);
	json_decref(j);
	coffer_buf_free(&e);
	dt_session(S, c.id, NULL, &r);
	assert_int_equal(dt_restricted(S, &r), 1);
	j = rt_want(S, "GET", "/v1/blobs", r.auth, NULL, 403, "forbidden");
	json_decref(j);
	/* the bound session of the listed device lists (nothing yet) */
	j = rt_want(S, "GET", "/v1/blobs", c.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "blobs")), 0);
	json_decref(j);
	dt_chain_free(&ch);
	dt_device_free(&d);
}

/* B sees its one blob, never A's; A's pages never hold B's. */
static void
test_other_account(void **state)
{
	json_t *j, *list, *v;
	size_t i, k;

	(void)state;
	j = rt_want(S, "GET", "/v1/blobs", B.auth, NULL, 200, NULL);
	list = json_object_get(j, "blobs");
	assert_int_equal(json_array_size(list), 1);
	v = json_array_get(list, 0);
	for (k = 0; k < NB; k++)
		assert_string_not_equal(rt_str(v, "id"), Hex[k]);
	assert_int_equal(rt_int(v, "size"), 7);
	json_decref(j);
	/* B's cursor before every id: still only its own */
	j = rt_want(S, "GET", "/v1/blobs?after=0000000000000000000000000000"
	    "000000000000000000000000000000000000", B.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "blobs")), 1);
	json_decref(j);
	j = rt_want(S, "GET", "/v1/blobs", A.auth, NULL, 200, NULL);
	json_array_foreach(json_object_get(j, "blobs"), i, v)
		assert_int_not_equal(rt_int(v, "size"), 7);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_bad_query),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_other_account),
	};

	return RT_RUN_GROUP("blobs_list", tests, &group);
}
