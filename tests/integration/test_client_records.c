/* Generic records through libcoffer's client against the real cofferd:
 * round trip, update, conflicts with and without a merge, delete; and a
 * server that lies: an older ciphertext replayed under a newer version,
 * a deleted record put back (over its tombstone, or after dropping it),
 * two different records at one counter, a record's ciphertext moved to
 * another record id, altered bytes; a home from before seen kept hashes.
 * The lies are played through the HTTP API with the home's own session
 * (operator.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/encoding.h>

#include "client/client_internal.h"
#include "client_fixture.h"
#include "operator.h"

static struct coffer_client *A, *B;	/* two devices of one account */
static char HomeA[4096], Login[64];

static int
setup(void **state)
{
	char h2[4096];

	if (client_fx_setup(state) != 0)
		return -1;
	client_fx_home(HomeA, sizeof(HomeA));
	client_fx_login(Login, sizeof(Login), "rec");
	if ((A = client_fx_open(HomeA)) == NULL ||
	    coffer_client_account_create(A, Login, PW("pw")) != 0 ||
	    (B = client_fx_device(h2, sizeof(h2), Login, A)) == NULL)
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

/* The operator's hand, with A's session. */
static void
raw_get(const char *zone, const uint8_t id[16], char *data, size_t cap,
    long long *version)
{
	op_get(client_fx_server(), HomeA, zone, id, data, cap, version);
}

static void
raw_put(const char *zone, const uint8_t id[16], const char *data,
    long long version)
{
	op_put(client_fx_server(), HomeA, zone, id, data, version);
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

/* A get that must be refused as not authentic, the message naming
 * ${why}, and nothing given out. */
static void
get_refused(struct coffer_client *c, const char *zone, const uint8_t id[16],
    const char *why)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);

	assert_non_null(b);
	assert_int_equal(coffer_client_record_get(c, "notes", zone, id, b,
	    NULL), COFFER_ERR_AUTH);
	if (strstr(coffer_client_errmsg(c), why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"",
		    coffer_client_errmsg(c), why);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
}

/* A get of a deleted record. */
static void
get_gone(struct coffer_client *c, const char *zone, const uint8_t id[16])
{
	struct coffer_buf *b = coffer_buf_new(64);

	assert_non_null(b);
	assert_int_equal(coffer_client_record_get(c, "notes", zone, id, b,
	    NULL), COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
}

/* Record ${id} of notes/${zone} sealed by hand at ${counter}, as
 * base64url: what a device that holds the zone key could have sealed (a
 * write the server refused, say), which the server kept. */
static void
forge(const char *zone, const uint8_t id[16], uint64_t counter,
    const char *text, char *out, size_t cap)
{
	const struct coffer_key *k;
	struct coffer_buf *b = coffer_buf_new(4096);
	struct zone z;

	assert_non_null(b);
	assert_int_equal(zn_open(A, "notes", zone, &z), 0);
	assert_int_equal(kc_zone_key(A, &z, 0, 0, &k), 0);
	assert_int_equal(rf_seal(b, k, z.id, id, counter, 0,
	    (const uint8_t *)text, strlen(text), NULL), 0);
	assert_int_equal(coffer_b64url_encode(out, cap, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	coffer_buf_free(&b);
}

/* What ${c}'s home has seen of a record: the counter, and whether its
 * hash is that of the base64url bytes ${b64} (-1: no hash kept). */
static int
seen_is(struct coffer_client *c, const char *zone, const uint8_t id[16],
    const char *b64, uint64_t *counter)
{
	uint8_t raw[4096], want[SEEN_HASH_BYTES], got[SEEN_HASH_BYTES];
	struct zone z;
	size_t n;
	int has;

	/* A fresh handle holds no naming key until its first refresh. */
	assert_int_equal(kc_ready(c), 0);
	assert_int_equal(zn_open(c, "notes", zone, &z), 0);
	assert_int_equal(st_seen_get(c, z.id, id, counter, got, &has), 0);
	if (!has)
		return -1;
	assert_int_equal(coffer_b64url_decode(raw, sizeof(raw), &n, b64,
	    strlen(b64)), 0);
	assert_int_equal(crypto_generichash(want, sizeof(want), raw, n, NULL,
	    0), 0);
	return memcmp(want, got, sizeof(got)) == 0;
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
	op_zone_of(client_fx_server(), HomeA, id, zone);
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

/* A note A makes in notes/${zname}, which B reads; what the operator
 * sees of it: its zone, its data and version. */
static void
shared_note(const char *zname, const char *text, uint8_t id[16],
    char zone[OP_HEX], char *data, size_t cap, long long *version)
{
	assert_int_equal(coffer_client_record_create(A, "notes", zname,
	    PW(text), id), 0);
	get_in(B, zname, id, text);
	op_zone_of(client_fx_server(), HomeA, id, zone);
	raw_get(zone, id, data, cap, version);
}

/* Deleted is deleted for every verb, on both devices; the server sees an
 * update, not a delete; the old ciphertext put back over the tombstone
 * is a replay to both. */
static void
test_deleted_stays_deleted(void **state)
{
	char zone[OP_HEX], old[4096], tomb[4096];
	long long v_old, v_tomb;
	uint8_t id[16];
	uint64_t n = 0;

	(void)state;
	shared_note("gone", "a secret note", id, zone, old, sizeof(old),
	    &v_old);
	assert_int_equal(coffer_client_record_delete(A, "notes", "gone", id),
	    0);
	get_gone(A, "gone", id);
	assert_int_equal(coffer_client_record_update(A, "notes", "gone", id,
	    PW("again"), NULL, NULL), COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_client_record_delete(A, "notes", "gone", id),
	    COFFER_ERR_NOTFOUND);
	/* B, not synced, writes over the version it knows: refused, and
	 * what it learns is the tombstone. */
	assert_int_equal(coffer_client_record_update(B, "notes", "gone", id,
	    PW("b was here"), merge_concat, NULL), COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_client_sync(B), 0);
	get_gone(B, "gone", id);
	assert_int_equal(coffer_client_record_delete(B, "notes", "gone", id),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_client_record_list(B, "notes", "gone",
	    count_one, &n), 0);
	assert_true(n == 0);

	/* To the server the tombstone is the record's next version. */
	raw_get(zone, id, tomb, sizeof(tomb), &v_tomb);
	assert_true(v_tomb == v_old + 1);
	assert_string_not_equal(tomb, old);
	/* It puts the old ciphertext back under a newer version. */
	raw_put(zone, id, old, v_tomb);
	get_refused(A, "gone", id, "replay");
	get_refused(B, "gone", id, "replay");
	assert_int_equal(coffer_client_sync(A), COFFER_ERR_AUTH);
	assert_non_null(strstr(coffer_client_errmsg(A), "replay"));
	assert_int_equal(coffer_client_sync(B), COFFER_ERR_AUTH);
	assert_int_equal(coffer_client_record_list(A, "notes", "gone",
	    count_one, &n), COFFER_ERR_AUTH);
	assert_true(n == 0);
	/* The tombstone back: all is well again, and still deleted. */
	raw_put(zone, id, tomb, v_tomb + 1);
	assert_int_equal(coffer_client_sync(A), 0);
	assert_int_equal(coffer_client_sync(B), 0);
	get_gone(A, "gone", id);
}

/* One counter, one record: other bytes at a counter seen are refused; a
 * write the server refused moves nothing, so the write it took is what
 * the loser then takes. */
static void
test_one_counter_one_record(void **state)
{
	char zone[OP_HEX], cur[4096], other[4096];
	long long v;
	uint8_t id[16];
	uint64_t n;

	(void)state;
	shared_note("fork", "first", id, zone, cur, sizeof(cur), &v);
	forge("fork", id, 1, "second", other, sizeof(other));
	raw_put(zone, id, other, v);
	get_refused(A, "fork", id, "two different records with counter 1");
	get_refused(B, "fork", id, "two different records with counter 1");
	assert_int_equal(coffer_client_sync(B), COFFER_ERR_AUTH);
	raw_put(zone, id, cur, v + 1);
	get_in(A, "fork", id, "first");
	assert_int_equal(coffer_client_sync(B), 0);

	/* B's write at counter 2 loses to A's. */
	assert_int_equal(coffer_client_record_update(A, "notes", "fork", id,
	    PW("a's"), NULL, NULL), 0);
	assert_int_equal(coffer_client_record_update(B, "notes", "fork", id,
	    PW("b's"), NULL, NULL), COFFER_ERR_CONFLICT);
	raw_get(zone, id, cur, sizeof(cur), &v);
	assert_int_equal(seen_is(B, "fork", id, cur, &n), 1);
	assert_true(n == 2);
	assert_int_equal(seen_is(A, "fork", id, cur, &n), 1);
	get_in(B, "fork", id, "a's");
}

/* The server drops the tombstone outright and brings the old record back
 * as new: every device that saw the tombstone refuses it. A device added
 * afterwards never saw it and cannot tell (the limit, PROTOCOL-client.md
 * §4). */
static void
test_tombstone_dropped(void **state)
{
	struct coffer_client *C;
	char zone[OP_HEX], old[4096], tomb[4096], hc[4096];
	long long v, v_tomb;
	uint8_t id[16];

	(void)state;
	shared_note("dropped", "was here", id, zone, old, sizeof(old), &v);
	assert_int_equal(coffer_client_record_delete(A, "notes", "dropped",
	    id), 0);
	assert_int_equal(coffer_client_sync(B), 0);
	raw_get(zone, id, tomb, sizeof(tomb), &v_tomb);

	op_delete(client_fx_server(), HomeA, zone, id, v_tomb);
	/* Withheld: the server can always do that. */
	assert_int_equal(coffer_client_sync(A), 0);
	get_gone(A, "dropped", id);
	raw_put(zone, id, old, 0);
	get_refused(A, "dropped", id, "replay");
	get_refused(B, "dropped", id, "replay");
	assert_int_equal(coffer_client_sync(A), COFFER_ERR_AUTH);
	assert_int_equal(coffer_client_sync(B), COFFER_ERR_AUTH);

	assert_non_null(C = client_fx_device(hc, sizeof(hc), Login, A));
	get_in(C, "dropped", id, "was here");
	coffer_client_free(&C);

	raw_get(zone, id, old, sizeof(old), &v);
	raw_put(zone, id, tomb, v);
	assert_int_equal(coffer_client_sync(A), 0);
	assert_int_equal(coffer_client_sync(B), 0);
}

/* A home from before seen kept hashes: its seen table gains the column in
 * place, rows kept without a hash; the next bytes seen at a row's counter
 * become the reference, and other bytes after them are refused. */
static void
test_home_from_before(void **state)
{
	struct coffer_client *E;
	char he[4096], zone[OP_HEX], cur[4096], other[4096];
	long long v;
	uint8_t id[16];
	uint64_t n;

	(void)state;
	assert_non_null(E = client_fx_device(he, sizeof(he), Login, A));
	assert_int_equal(coffer_client_record_create(A, "notes", "old-home",
	    PW("v1"), id), 0);
	get_in(E, "old-home", id, "v1");
	/* state.db as a home from before had it. */
	assert_int_equal(sqlite3_exec(E->db, "CREATE TABLE seen_old(zone BLOB "
	    "NOT NULL, record BLOB NOT NULL, counter INTEGER NOT NULL, "
	    "PRIMARY KEY(zone, record)); INSERT INTO seen_old SELECT zone, "
	    "record, counter FROM seen; DROP TABLE seen; ALTER TABLE seen_old "
	    "RENAME TO seen;", NULL, NULL, NULL), SQLITE_OK);
	coffer_client_free(&E);

	assert_non_null(E = client_fx_open(he));
	op_zone_of(client_fx_server(), HomeA, id, zone);
	raw_get(zone, id, cur, sizeof(cur), &v);
	assert_int_equal(seen_is(E, "old-home", id, cur, &n), -1);
	assert_true(n == 1);
	get_in(E, "old-home", id, "v1");
	assert_int_equal(seen_is(E, "old-home", id, cur, &n), 1);
	forge("old-home", id, 1, "v1, forged", other, sizeof(other));
	raw_put(zone, id, other, v);
	get_refused(E, "old-home", id, "two different records");
	raw_put(zone, id, cur, v + 1);
	get_in(E, "old-home", id, "v1");
	coffer_client_free(&E);
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
		cmocka_unit_test(test_deleted_stays_deleted),
		cmocka_unit_test(test_one_counter_one_record),
		cmocka_unit_test(test_tombstone_dropped),
		cmocka_unit_test(test_home_from_before),
		/* Last: it leaves its lies on the server. */
		cmocka_unit_test(test_replay_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
