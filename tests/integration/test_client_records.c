/* Generic records through libcoffer's client against the real cofferd:
 * round trip, update, conflicts with and without a merge, delete; and a
 * server that lies: an older ciphertext replayed under a newer version,
 * a record's ciphertext moved to another record id, altered bytes. The
 * lies are played through the HTTP API with the home's own session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include <coffer/encoding.h>

#include "client/client_internal.h"
#include "client_fixture.h"
#include "http_client.h"

static struct coffer_client *A, *B;	/* two devices of one account */
static char HomeA[4096];

static int
setup(void **state)
{
	char h2[4096], login[64];
	struct coffer_client_status st;
	char code[COFFER_CLIENT_CODE_LEN];

	if (client_fx_setup(state) != 0)
		return -1;
	client_fx_home(HomeA, sizeof(HomeA));
	client_fx_home(h2, sizeof(h2));
	client_fx_login(login, sizeof(login), "rec");
	if ((A = client_fx_open(HomeA)) == NULL ||
	    (B = client_fx_open(h2)) == NULL ||
	    coffer_client_account_create(A, login, PW("pw")) != 0 ||
	    coffer_client_login(B, login, PW("pw")) != 0 ||
	    coffer_client_status(B, &st) != 0 ||
	    coffer_client_device_code(B, st.device, code) != 0 ||
	    coffer_client_device_approve(A, st.device, code) != 0 ||
	    coffer_client_sync(B) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	coffer_client_free(&A);
	coffer_client_free(&B);
	return client_fx_teardown(state);
}

/* "Authorization: Bearer <A's token>" from A's home. */
static void
auth_header(char *out, size_t cap)
{
	char path[4200], *tok;

	(void)snprintf(path, sizeof(path), "%s/session", HomeA);
	assert_non_null(tok = srv_slurp(path, NULL));
	(void)snprintf(out, cap, "Authorization: Bearer %s", tok);
	free(tok);
}

/* The raw record (data in base64url, version) on the server. */
static void
raw_get(const char *zone, const uint8_t id[16], char *data, size_t cap,
    long long *version)
{
	char auth[256], url_path[128], rid[33], *body = NULL;
	const char *h[] = { auth, NULL };
	json_t *j;
	long st;

	auth_header(auth, sizeof(auth));
	assert_int_equal(coffer_hex_encode(rid, sizeof(rid), id, 16), 0);
	(void)snprintf(url_path, sizeof(url_path), "/v1/zones/%s/records/%s",
	    zone, rid);
	assert_int_equal(http_request("GET", srv_url(client_fx_server(),
	    url_path), h, NULL, 0, &st, &body), 0);
	assert_int_equal(st, 200);
	assert_non_null(j = json_loads(body, 0, NULL));
	(void)snprintf(data, cap, "%s",
	    json_string_value(json_object_get(j, "data")));
	*version = json_integer_value(json_object_get(j, "version"));
	json_decref(j);
	free(body);
}

/* Write raw data over a record as the server could. */
static void
raw_put(const char *zone, const uint8_t id[16], const char *data,
    long long version)
{
	char auth[256], ct[] = "Content-Type: application/json";
	char url_path[128], rid[33], *json;
	const char *h[] = { auth, ct, NULL };
	size_t n = strlen(data) + 64;
	long st;

	auth_header(auth, sizeof(auth));
	assert_int_equal(coffer_hex_encode(rid, sizeof(rid), id, 16), 0);
	(void)snprintf(url_path, sizeof(url_path), "/v1/zones/%s/records/%s",
	    zone, rid);
	assert_non_null(json = malloc(n));
	(void)snprintf(json, n, "{\"data\":\"%s\",\"version\":%lld}", data,
	    version);
	assert_int_equal(http_request("PUT", srv_url(client_fx_server(),
	    url_path), h, json, strlen(json), &st, NULL), 0);
	assert_int_equal(st, 200);
	free(json);
}

static void
get_in(struct coffer_client *c, const char *zone, const uint8_t id[16],
    const char *want)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);

	assert_non_null(b);
	if (coffer_client_record_get(c, "notes", zone, id, b, NULL) != 0)
		fail_msg("get: %s", coffer_client_errmsg(c));
	assert_int_equal(coffer_buf_len(b), strlen(want));
	assert_memory_equal(coffer_buf_data(b), want, strlen(want));
	coffer_buf_free(&b);
}

static void
get_text(struct coffer_client *c, const uint8_t id[16], const char *want)
{
	get_in(c, NULL, id, want);
}

static void
test_round_trip(void **state)
{
	uint8_t id[16], big_id[16], *big;
	struct coffer_buf *b;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(coffer_client_record_create(A, "notes", NULL,
	    PW("hello"), id), 0);
	get_text(A, id, "hello");
	get_text(B, id, "hello");
	assert_int_equal(coffer_client_record_update(A, "notes", NULL, id,
	    PW("hello again"), NULL, NULL), 0);
	get_text(B, id, "hello again");
	/* Another zone of the category is another place. */
	assert_non_null(b = coffer_buf_new(64));
	assert_int_equal(coffer_client_record_get(A, "notes", "work", id, b,
	    &v), COFFER_ERR_NOTFOUND);
	coffer_buf_free(&b);
	/* The largest payload goes; one byte more does not. */
	assert_non_null(big = calloc(1, COFFER_RECORD_MAX + 1));
	assert_int_equal(coffer_client_record_create(A, "notes", "big", big,
	    COFFER_RECORD_MAX, big_id), 0);
	assert_int_equal(coffer_client_record_create(A, "notes", "big", big,
	    COFFER_RECORD_MAX + 1, big_id), COFFER_ERR_TOOBIG);
	free(big);
	/* Categories that hold no generic records are refused. */
	assert_int_equal(coffer_client_record_create(A, "keychain", NULL,
	    PW("x"), id), COFFER_ERR_INVALID);
	assert_int_equal(coffer_client_record_create(A, "no-such", NULL,
	    PW("x"), id), COFFER_ERR_INVALID);
}

/* Zone sync of a zone whose records the client seals is never unchecked:
 * without its record check it refuses (white-box: no public call can
 * leave the check out). */
static void
test_sealed_zone_needs_check(void **state)
{
	struct zone z;
	uint64_t n = 0;

	(void)state;
	assert_int_equal(zn_open(A, "notes", NULL, &z), 0);
	assert_int_equal(zn_sync(A, &z, NULL, NULL, &n), COFFER_ERR_INTERNAL);
	assert_int_equal(zn_sync(A, &z, rc_check, NULL, &n), 0);
	assert_int_equal(zn_open(A, COFFER_CATEGORY_KEYCHAIN, NULL, &z), 0);
	assert_int_equal(zn_sync(A, &z, NULL, NULL, &n), 0);
}

/* A new handle on the same home (as a new run of the CLI is) finds the
 * keychain zone in the home: it writes, and reads what the first wrote. */
static void
test_reopened_home(void **state)
{
	struct coffer_client *again;
	uint8_t id[16], id2[16];

	(void)state;
	assert_int_equal(coffer_client_record_create(A, "notes", NULL,
	    PW("before"), id), 0);
	assert_non_null(again = client_fx_open(HomeA));
	get_text(again, id, "before");
	if (coffer_client_record_create(again, "reminders", NULL, PW("after"),
	    id2) != 0)
		fail_msg("create: %s", coffer_client_errmsg(again));
	coffer_client_free(&again);
	assert_int_equal(coffer_client_sync(B), 0);
	assert_int_equal(coffer_client_sync(A), 0);
}

static int
count_one(void *arg, const uint8_t id[COFFER_RECORD_ID_BYTES],
    uint64_t version, const uint8_t *data, size_t len)
{
	(void)id;
	(void)version;
	(void)data;
	(void)len;
	++*(uint64_t *)arg;
	return 0;
}

/* A handle opened without a URL talks to the server the home signed in
 * to; a home that never signed in has none. sync_count counts what
 * another device changed in the zones this home knows, once. */
static void
test_remembered_url_and_sync_count(void **state)
{
	struct coffer_client *c = NULL;
	uint8_t id[16], id2[16];
	uint64_t n = 99, z = 99;
	char fresh[4096];

	(void)state;
	assert_int_equal(coffer_client_open(&c, NULL, HomeA, NULL), 0);
	assert_string_equal(coffer_client_server_url(c),
	    srv_url(client_fx_server(), ""));
	assert_int_equal(coffer_client_record_create(c, "bookmarks", "count",
	    PW("one"), id), 0);
	coffer_client_free(&c);
	client_fx_home(fresh, sizeof(fresh));
	assert_int_equal(coffer_client_open(&c, NULL, fresh, NULL),
	    COFFER_ERR_STATE);
	assert_null(c);

	/* B learns the zone, then A adds, changes and deletes. */
	assert_int_equal(coffer_client_record_list(B, "bookmarks", "count",
	    count_one, &n), 0);
	assert_int_equal(coffer_client_sync_count(B, &n, &z), 0);
	assert_true(n == 0 && z == 0);
	assert_int_equal(coffer_client_record_create(A, "bookmarks", "count",
	    PW("two"), id2), 0);
	assert_int_equal(coffer_client_record_update(A, "bookmarks", "count",
	    id, PW("uno"), NULL, NULL), 0);
	assert_int_equal(coffer_client_sync_count(B, &n, &z), 0);
	assert_true(n == 2 && z == 1);
	assert_int_equal(coffer_client_sync_count(B, &n, &z), 0);
	assert_true(n == 0 && z == 0);
	assert_int_equal(coffer_client_record_delete(A, "bookmarks", "count",
	    id2), 0);
	assert_int_equal(coffer_client_sync_count(B, &n, NULL), 0);
	assert_true(n == 1);
	/* A's own writes are no news to A. */
	assert_int_equal(coffer_client_sync_count(A, &n, &z), 0);
	assert_true(n == 0 && z == 0);
}

static int
merge_concat(void *arg, const uint8_t *theirs, size_t tl,
    const uint8_t *mine, size_t ml, struct coffer_buf *out)
{
	(void)arg;
	if (coffer_buf_append(out, theirs, tl) != 0 ||
	    coffer_buf_append(out, "+", 1) != 0)
		return COFFER_ERR_NOMEM;
	return coffer_buf_append(out, mine, ml);
}

static void
test_conflict_and_delete(void **state)
{
	uint8_t id[16];

	(void)state;
	assert_int_equal(coffer_client_record_create(A, "notes", NULL,
	    PW("v1"), id), 0);
	get_text(B, id, "v1");
	assert_int_equal(coffer_client_record_update(A, "notes", NULL, id,
	    PW("a's v2"), NULL, NULL), 0);
	/* B still holds v1: its write is refused, and it learns v2. */
	assert_int_equal(coffer_client_record_update(B, "notes", NULL, id,
	    PW("b's v2"), NULL, NULL), COFFER_ERR_CONFLICT);
	assert_int_equal(coffer_client_http_status(B), 409);
	get_text(B, id, "a's v2");
	assert_int_equal(coffer_client_record_update(B, "notes", NULL, id,
	    PW("b's v3"), NULL, NULL), 0);
	/* With a merge callback A's stale write becomes a merge. */
	assert_int_equal(coffer_client_record_update(A, "notes", NULL, id,
	    PW("a's v4"), merge_concat, NULL), 0);
	get_text(B, id, "b's v3+a's v4");
	/* Delete: gone on both; deleting twice is NOTFOUND. */
	assert_int_equal(coffer_client_record_delete(B, "notes", NULL, id), 0);
	{
		struct coffer_buf *b = coffer_buf_new(64);

		assert_int_equal(coffer_client_record_get(A, "notes", NULL, id,
		    b, NULL), COFFER_ERR_NOTFOUND);
		coffer_buf_free(&b);
	}
	assert_int_equal(coffer_client_record_delete(A, "notes", NULL, id),
	    COFFER_ERR_NOTFOUND);
}

static void
test_replay_refused(void **state)
{
	char zone[33], old[4096], cur[4096];
	long long v_old, v_cur;
	uint8_t id[16];

	(void)state;
	assert_int_equal(coffer_client_record_create(A, "notes", "replay",
	    PW("balance: 100"), id), 0);
	/* Zone ids hide their names: find the one holding the record. */
	{
		char auth[256], *body = NULL, p[128], rid[33];
		const char *z;
		const char *h[] = { auth, NULL };
		json_t *j, *a, *e;
		size_t i;
		long st;

		auth_header(auth, sizeof(auth));
		assert_int_equal(coffer_hex_encode(rid, sizeof(rid), id, 16),
		    0);
		assert_int_equal(http_request("GET",
		    srv_url(client_fx_server(), "/v1/zones"), h, NULL, 0, &st,
		    &body), 0);
		j = json_loads(body, 0, NULL);
		a = json_object_get(j, "zones");
		json_array_foreach(a, i, e) {
			z = json_string_value(json_object_get(e, "zone"));
			(void)snprintf(p, sizeof(p), "/v1/zones/%s/records/%s",
			    z, rid);
			assert_int_equal(http_request("GET",
			    srv_url(client_fx_server(), p), h, NULL, 0, &st,
			    NULL), 0);
			if (st == 200)
				(void)snprintf(zone, sizeof(zone), "%s", z);
		}
		json_decref(j);
		free(body);
	}
	raw_get(zone, id, old, sizeof(old), &v_old);
	assert_int_equal(coffer_client_record_update(A, "notes", "replay", id,
	    PW("balance: 0"), NULL, NULL), 0);
	get_in(B, "replay", id, "balance: 0");
	raw_get(zone, id, cur, sizeof(cur), &v_cur);
	/* The server puts the old ciphertext back under a newer version. */
	raw_put(zone, id, old, v_cur);
	{
		struct coffer_buf *b = coffer_buf_new(1 << 20);

		assert_int_equal(coffer_client_record_get(A, "notes", "replay",
		    id, b, NULL), COFFER_ERR_AUTH);
		assert_non_null(strstr(coffer_client_errmsg(A), "replay"));
		assert_int_equal(coffer_client_record_get(B, "notes", "replay",
		    id, b, NULL), COFFER_ERR_AUTH);
		assert_int_equal(coffer_buf_len(b), 0);
		coffer_buf_free(&b);
	}
	/* A sync refuses it too. */
	assert_int_equal(coffer_client_sync(B), COFFER_ERR_AUTH);
	/* The right bytes back: all is well again. */
	raw_put(zone, id, cur, v_cur + 1);
	get_in(A, "replay", id, "balance: 0");
	assert_int_equal(coffer_client_sync(B), 0);

	/* The ciphertext moved to another record id does not open. */
	{
		uint8_t other[16];
		struct coffer_buf *b = coffer_buf_new(1 << 20);

		memset(other, 0x42, sizeof(other));
		raw_put(zone, other, cur, 0);
		assert_int_equal(coffer_client_record_get(A, "notes", "replay",
		    other, b, NULL), COFFER_ERR_AUTH);
		assert_non_null(strstr(coffer_client_errmsg(A), "another"));
		/* Altered bytes do not open either. */
		cur[40] = cur[40] == 'A' ? 'B' : 'A';
		raw_put(zone, id, cur, v_cur + 2);
		assert_int_equal(coffer_client_record_get(A, "notes", "replay",
		    id, b, NULL), COFFER_ERR_AUTH);
		coffer_buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sealed_zone_needs_check),
		cmocka_unit_test(test_reopened_home),
		cmocka_unit_test(test_remembered_url_and_sync_count),
		cmocka_unit_test(test_conflict_and_delete),
		cmocka_unit_test(test_replay_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
