/*
 * The metadata store's conformance suite, part 1 (meta_conformance.h has
 * the backends): accounts, protection state, sessions, sign-in attempts,
 * devices, zones, account deletion, threads, reopening and schema
 * versions. Part 2, test_meta_records.c: records, the change feed, blob
 * references, quota and isolation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <pthread.h>

#include <sodium.h>

#include <coffer/err.h>

#include "meta_conformance.h"
#include "server_harness.h"
#include "store/store.h"

static void
test_accounts(void **state)
{
	struct fx *f = *state;
	struct store_account a, b, g;
	uint8_t big[COFFER_WIRE_LOGIN_MAX + 1], rec[STORE_OPAQUE_RECORD_MAX + 1];

	memset(big, 'x', sizeof(big));
	memset(rec, 9, sizeof(rec));
	mc_account(f, "alice", &a);
	assert_int_equal(a.login_len, 5);
	assert_int_equal(a.record_len, 192);
	assert_int_equal(a.created, T0);
	assert_int_equal(OPS->account_get(f->m, a.id, &g), 0);
	assert_memory_equal(g.id, a.id, COFFER_WIRE_ID_BYTES);
	assert_int_equal(g.login_len, 5);
	assert_memory_equal(g.login, "alice", 5);
	assert_int_equal(g.record_len, 192);
	assert_memory_equal(g.record, a.record, 192);
	assert_int_equal(g.created, T0);
	assert_int_equal(OPS->account_get_by_login(f->m,
	    (const uint8_t *)"alice", 5, &g), 0);
	assert_memory_equal(g.id, a.id, COFFER_WIRE_ID_BYTES);
	/* Bytes, not text: a prefix or a case change is another login. */
	assert_int_equal(OPS->account_get_by_login(f->m,
	    (const uint8_t *)"Alice", 5, &g), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_get_by_login(f->m,
	    (const uint8_t *)"alic", 4, &g), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_create(f->m, (const uint8_t *)"alice", 5,
	    rec, 10, T0, &b), COFFER_ERR_EXISTS);
	mc_account(f, "bob", &b);
	assert_memory_not_equal(a.id, b.id, COFFER_WIRE_ID_BYTES);
	/* Limits and bad arguments write nothing. */
	assert_int_equal(OPS->account_create(f->m, big, sizeof(big), rec, 10,
	    T0, &g), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->account_get_by_login(f->m, big, sizeof(big) - 1,
	    &g), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_create(f->m, (const uint8_t *)"carol",
	    5, rec, sizeof(rec), T0, &g), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->account_get_by_login(f->m,
	    (const uint8_t *)"carol", 5, &g), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_create(f->m, (const uint8_t *)"", 0, rec,
	    10, T0, &g), COFFER_ERR_INVALID);
	assert_int_equal(OPS->account_create(f->m, (const uint8_t *)"d", 1,
	    rec, 0, T0, &g), COFFER_ERR_INVALID);
	assert_int_equal(OPS->account_create(f->m, big, COFFER_WIRE_LOGIN_MAX, rec,
	    STORE_OPAQUE_RECORD_MAX, T0, &g), 0);
	/* A password change replaces the record. */
	assert_int_equal(OPS->account_set_record(f->m, a.id, rec, 50), 0);
	assert_int_equal(OPS->account_get(f->m, a.id, &g), 0);
	assert_int_equal(g.record_len, 50);
	assert_memory_equal(g.record, rec, 50);
	assert_int_equal(OPS->account_set_record(f->m, a.id, rec, sizeof(rec)),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->account_delete(f->m, a.id), 0);
	assert_int_equal(OPS->account_delete(f->m, a.id), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_get(f->m, a.id, &g), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_set_record(f->m, a.id, rec, 5),
	    COFFER_ERR_NOTFOUND);
	/* The login is free again. */
	mc_account(f, "alice", &g);
	assert_memory_not_equal(g.id, a.id, COFFER_WIRE_ID_BYTES);
}

static void
test_account_state(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_account_state s;
	uint8_t big[STORE_STATE_MAX + 1];
	uint64_t v;

	memset(big, 3, sizeof(big));
	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	assert_int_equal(OPS->account_state_get(f->m, a.id, &s), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.version, 0);
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, 10, 0, &v), 0);
	assert_int_equal(v, 1);
	/* A stale writer cannot roll it back. */
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, 5, 0, &v),
	    COFFER_ERR_CONFLICT);
	assert_int_equal(v, 1);
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, 20, 1, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, sizeof(big),
	    2, &v), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->account_state_get(f->m, a.id, &s), 0);
	assert_int_equal(s.len, 20);
	assert_int_equal(s.version, 2);
	assert_int_equal(OPS->account_state_get(f->m, b.id, &s), 0);
	assert_int_equal(s.version, 0);
	mc_fill_id(a.id, 0xee);
	assert_int_equal(OPS->account_state_get(f->m, a.id, &s),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, 1, 0, &v),
	    COFFER_ERR_NOTFOUND);
}

static void
test_sessions(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_session s, t, g;
	struct store_device d;
	uint64_t n;
	int i;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_session(&s, a.id, 1, T0, T0 + 100);
	assert_int_equal(OPS->session_create(f->m, &s), 0);
	assert_int_equal(OPS->session_create(f->m, &s), COFFER_ERR_EXISTS);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0 + 1, &g), 0);
	assert_memory_equal(g.account, a.id, COFFER_WIRE_ID_BYTES);
	assert_int_equal(g.has_device, 0);
	assert_int_equal(g.expires, T0 + 100);
	assert_int_equal(g.last_used, T0);
	/* Expired: not found, not touchable. */
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0 + 100, &g),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_touch(f->m, s.token_hash, T0 + 100,
	    T0 + 500), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_touch(f->m, s.token_hash, T0 + 50,
	    T0 + 500), 0);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0 + 200, &g),
	    0);
	assert_int_equal(g.last_used, T0 + 50);
	assert_int_equal(g.expires, T0 + 500);
	assert_int_equal(OPS->session_touch(f->m, s.token_hash, T0 + 60, 0), 0);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0 + 61, &g),
	    0);
	assert_int_equal(g.expires, T0 + 500);
	/* Bad arguments. */
	mc_session(&t, a.id, 2, T0, T0);
	assert_int_equal(OPS->session_create(f->m, &t), COFFER_ERR_INVALID);
	mc_session(&t, a.id, 2, T0, T0 + 10);
	mc_fill_id(t.account, 0xee);
	assert_int_equal(OPS->session_create(f->m, &t), COFFER_ERR_NOTFOUND);
	/* With a device: removing the device ends the session. */
	memset(&d, 0, sizeof(d));
	mc_fill_id(d.id, 0x44);
	d.card_len = 157;
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), 0);
	mc_session(&t, a.id, 2, T0, T0 + 10);
	t.has_device = 1;
	mc_fill_id(t.device, 0x45);
	assert_int_equal(OPS->session_create(f->m, &t), COFFER_ERR_NOTFOUND);
	mc_fill_id(t.device, 0x44);
	assert_int_equal(OPS->session_create(f->m, &t), 0);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g), 0);
	assert_int_equal(g.has_device, 1);
	assert_memory_equal(g.device, d.id, COFFER_WIRE_ID_BYTES);
	assert_int_equal(OPS->device_remove(f->m, a.id, d.id), 0);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g),
	    COFFER_ERR_NOTFOUND);
	/* Sign out: only the owner's, then all but one. */
	mc_session(&t, b.id, 3, T0, T0 + 1000);
	assert_int_equal(OPS->session_create(f->m, &t), 0);
	assert_int_equal(OPS->session_delete(f->m, a.id, t.token_hash),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g), 0);
	for (i = 10; i < 15; i++) {
		mc_session(&t, a.id, (uint8_t)i, T0, T0 + 1000);
		assert_int_equal(OPS->session_create(f->m, &t), 0);
	}
	assert_int_equal(OPS->session_delete(f->m, a.id, t.token_hash), 0);
	assert_int_equal(OPS->session_delete(f->m, a.id, t.token_hash),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_delete_all(f->m, a.id, s.token_hash, &n),
	    0);
	assert_int_equal(n, 4);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0, &g), 0);
	assert_int_equal(OPS->session_delete_all(f->m, a.id, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0, &g),
	    COFFER_ERR_NOTFOUND);
	/* Bob's survived all of it; pruning takes it once expired. */
	mc_session(&t, b.id, 3, T0, T0 + 1000);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g), 0);
	assert_int_equal(OPS->session_prune(f->m, T0 + 999, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->session_prune(f->m, T0 + 1000, &n), 0);
	assert_int_equal(n, 1);
}

/* Past STORE_SESSIONS_MAX the least recently used session goes. */
static void
test_session_cap(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_session s, g;
	uint8_t first[STORE_TOKEN_HASH_BYTES], second[STORE_TOKEN_HASH_BYTES];
	uint32_t i;

	mc_account(f, "alice", &a);
	for (i = 0; i <= STORE_SESSIONS_MAX; i++) {
		mc_session(&s, a.id, 0, T0 + i, T0 + 100000);
		store_token_hash(s.token_hash, (const uint8_t *)&i, sizeof(i));
		if (i == 0)
			memcpy(first, s.token_hash, sizeof(first));
		if (i == 1)
			memcpy(second, s.token_hash, sizeof(second));
		if (i == STORE_SESSIONS_MAX)	/* keep the first in use */
			assert_int_equal(OPS->session_touch(f->m, first,
			    T0 + 5000, 0), 0);
		assert_int_equal(OPS->session_create(f->m, &s), 0);
	}
	assert_int_equal(OPS->session_lookup(f->m, first, T0, &g), 0);
	assert_int_equal(OPS->session_lookup(f->m, second, T0, &g),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0, &g), 0);
}

static void
test_attempts(void **state)
{
	struct fx *f = *state;
	const uint8_t *k = (const uint8_t *)"alice", *ip = (const uint8_t *)
	    "\xc0\xa8\x00\x01";
	uint8_t big[STORE_ATTEMPT_KEY_MAX + 1];
	uint64_t n;
	int64_t at;

	memset(big, 1, sizeof(big));
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_LOGIN, k, 5, T0),
	    0);
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_LOGIN, k, 5,
	    T0 + 10), 0);
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_LOGIN, k, 5,
	    T0 + 20), 0);
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_ADDRESS, ip, 4,
	    T0 + 20), 0);
	/* A sliding window: the caller says where it starts. */
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_LOGIN, k, 5, T0,
	    &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_LOGIN, k, 5,
	    T0 + 10, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_LOGIN, k, 5,
	    T0 + 21, &n), 0);
	assert_int_equal(n, 0);
	/* Kinds and keys are apart. */
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_ADDRESS, k, 5,
	    T0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_LOGIN, k, 4, T0,
	    &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_ADDRESS, ip, 4,
	    T0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(OPS->attempt_clear(f->m, STORE_ATTEMPT_LOGIN, k, 5),
	    0);
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_LOGIN, k, 5, T0,
	    &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->attempt_prune(f->m, T0 + 20, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->attempt_prune(f->m, T0 + 21, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_LOGIN, big,
	    sizeof(big), T0), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->attempt_add(f->m, 6, k, 5, T0),
	    COFFER_ERR_INVALID);
	/* Refused device list appends, counted per account id. */
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_DEVLIST, k, 5,
	    T0), 0);
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_DEVLIST, k, 5,
	    T0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(OPS->attempt_count(f->m, STORE_ATTEMPT_LOGIN, k, 5,
	    T0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_LOGIN, k, 0, T0),
	    COFFER_ERR_INVALID);
	/* The newest failure, and forgetting it alone (a sign-in passed). */
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_PAIR, k, 5, T0),
	    0);
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_PAIR, k, 5,
	    T0 + 7), 0);
	assert_int_equal(OPS->attempt_latest(f->m, STORE_ATTEMPT_PAIR, k, 5,
	    T0, &n, &at), 0);
	assert_int_equal(n, 2);
	assert_int_equal(at, T0 + 7);
	assert_int_equal(OPS->attempt_forget_one(f->m, STORE_ATTEMPT_PAIR, k,
	    5), 0);
	assert_int_equal(OPS->attempt_latest(f->m, STORE_ATTEMPT_PAIR, k, 5,
	    T0, &n, &at), 0);
	assert_int_equal(n, 1);
	assert_int_equal(at, T0);
	assert_int_equal(OPS->attempt_forget_one(f->m, STORE_ATTEMPT_PAIR, k,
	    5), 0);
	assert_int_equal(OPS->attempt_forget_one(f->m, STORE_ATTEMPT_PAIR, k,
	    5), 0);
	assert_int_equal(OPS->attempt_latest(f->m, STORE_ATTEMPT_PAIR, k, 5,
	    T0, &n, &at), 0);
	assert_int_equal(n, 0);
	assert_int_equal(at, 0);
}

static void
test_devices(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_device d, g, *list;
	size_t n;
	int i;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	memset(&d, 0, sizeof(d));
	mc_fill_id(d.id, 1);
	memset(d.card, 0xca, 157);
	d.card_len = 157;
	memset(d.name, 0x11, 40);
	d.name_len = 40;
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), 0);
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), COFFER_ERR_EXISTS);
	assert_int_equal(OPS->device_get(f->m, a.id, d.id, &g), 0);
	assert_int_equal(g.card_len, 157);
	assert_memory_equal(g.card, d.card, 157);
	assert_int_equal(g.name_len, 40);
	assert_memory_equal(g.name, d.name, 40);
	/* Kept to the day it was made (docs/METADATA.md). */
	assert_int_equal(g.created, store_day(T0));
	assert_int_equal(g.created % STORE_DAY, 0);
	assert_true(T0 - g.created < STORE_DAY);
	/* Another account neither sees nor removes it, and may use the id. */
	assert_int_equal(OPS->device_get(f->m, b.id, d.id, &g),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->device_remove(f->m, b.id, d.id),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->device_add(f->m, b.id, &d, T0), 0);
	/* Limits. */
	d.card_len = COFFER_WIRE_CARD_MAX + 1;
	mc_fill_id(d.id, 2);
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), COFFER_ERR_TOOBIG);
	d.card_len = 0;
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0),
	    COFFER_ERR_INVALID);
	d.card_len = 157;
	d.name_len = COFFER_WIRE_DEVICE_NAME_MAX + 1;
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->device_get(f->m, a.id, d.id, &g),
	    COFFER_ERR_NOTFOUND);
	d.name_len = 0;
	for (i = 2; i <= COFFER_WIRE_DEVICES_MAX; i++) {
		mc_fill_id(d.id, (uint8_t)i);
		assert_int_equal(OPS->device_add(f->m, a.id, &d, T0 + i), 0);
	}
	mc_fill_id(d.id, 0xff);
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), COFFER_ERR_TOOBIG);
	list = calloc(COFFER_WIRE_DEVICES_MAX, sizeof(*list));
	assert_non_null(list);
	assert_int_equal(OPS->device_list(f->m, a.id, list, COFFER_WIRE_DEVICES_MAX,
	    &n), 0);
	assert_int_equal(n, COFFER_WIRE_DEVICES_MAX);
	for (i = 0; i < COFFER_WIRE_DEVICES_MAX; i++)
		assert_int_equal(list[i].id[0], i + 1);	/* oldest first */
	assert_int_equal(OPS->device_list(f->m, a.id, list, 3, &n),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(n, 3);
	assert_int_equal(OPS->device_list(f->m, b.id, list, COFFER_WIRE_DEVICES_MAX,
	    &n), 0);
	assert_int_equal(n, 1);
	mc_fill_id(d.id, 1);
	assert_int_equal(OPS->device_remove(f->m, a.id, d.id), 0);
	assert_int_equal(OPS->device_remove(f->m, a.id, d.id),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->device_get(f->m, b.id, d.id, &g), 0);
	mc_fill_id(a.id, 0xee);
	assert_int_equal(OPS->device_list(f->m, a.id, list, 3, &n),
	    COFFER_ERR_NOTFOUND);
	free(list);
}

static void
test_zones(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_zone z, g, list[4];
	uint8_t zid[COFFER_WIRE_ID_BYTES];
	size_t n;
	int created;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_fill_id(zid, 5);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 3, T0, &z, &created),
	    0);
	assert_int_equal(created, 1);
	assert_int_equal(z.category, 3);
	assert_int_equal(z.seq, 0);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 3, T0 + 9, &g,
	    &created), 0);
	assert_int_equal(created, 0);
	assert_int_equal(z.created, store_day(T0));
	assert_int_equal(g.created, store_day(T0));
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 4, T0, &g, &created),
	    COFFER_ERR_EXISTS);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 0, T0, &g, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(OPS->zone_get(f->m, a.id, zid, &g), 0);
	assert_memory_equal(g.id, zid, COFFER_WIRE_ID_BYTES);
	assert_int_equal(OPS->zone_get(f->m, b.id, zid, &g),
	    COFFER_ERR_NOTFOUND);
	/* Bob's zone of the same id and another category is his own. */
	assert_int_equal(OPS->zone_ensure(f->m, b.id, zid, 9, T0, &g, &created),
	    0);
	assert_int_equal(created, 1);
	mc_fill_id(zid, 6);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 255, T0, &g, NULL),
	    0);
	assert_int_equal(OPS->zone_list(f->m, a.id, list, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].category, 3);
	assert_int_equal(list[1].category, 255);
	assert_int_equal(OPS->zone_list(f->m, a.id, list, 1, &n),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(n, 1);
	assert_int_equal(OPS->zone_list(f->m, b.id, list, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].category, 9);
}

static void
test_zone_cap(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_zone z;
	uint8_t zid[COFFER_WIRE_ID_BYTES];
	uint32_t i;

	mc_account(f, "alice", &a);
	memset(zid, 0, sizeof(zid));
	for (i = 0; i < COFFER_WIRE_ZONES_MAX; i++) {
		memcpy(zid, &i, sizeof(i));
		assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 1, T0, &z,
		    NULL), 0);
	}
	memcpy(zid, &i, sizeof(i));
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 1, T0, &z, NULL),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->zone_get(f->m, a.id, zid, &z),
	    COFFER_ERR_NOTFOUND);
	i = 0;
	memcpy(zid, &i, sizeof(i));
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 1, T0, &z, NULL), 0);
}

static void
test_account_delete_cascade(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_session s, t, g;
	struct store_device d;
	struct store_record rec;
	struct store_zone zl[2];
	uint8_t zid[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES];
	uint8_t x[COFFER_WIRE_BLOB_ID_BYTES];
	size_t n;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	memset(&d, 0, sizeof(d));
	d.card_len = 157;
	mc_fill_id(d.id, 1);
	mc_fill_id(rid, 1);
	mc_blob_id(x, 1);
	mc_session(&s, a.id, 1, T0, T0 + 10);
	mc_session(&t, b.id, 2, T0, T0 + 10);
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), 0);
	assert_int_equal(OPS->device_add(f->m, b.id, &d, T0), 0);
	assert_int_equal(OPS->session_create(f->m, &s), 0);
	assert_int_equal(OPS->session_create(f->m, &t), 0);
	mc_zone(f, a.id, 1, zid);
	mc_zone(f, b.id, 1, zid);
	mc_put_ok(f, a.id, zid, rid, "a", 0, 1);
	mc_put_ok(f, b.id, zid, rid, "b", 0, 1);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, x, 5, NULL), 0);
	assert_int_equal(OPS->account_delete(f->m, a.id), 0);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0, &g),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g), 0);
	assert_int_equal(OPS->record_get(f->m, b.id, zid, rid, &rec), 0);
	store_record_cleanup(&rec);
	assert_int_equal(OPS->device_get(f->m, b.id, d.id, &d), 0);
	/* A new account of the same login starts empty. */
	mc_account(f, "alice", &a);
	assert_int_equal(OPS->zone_list(f->m, a.id, zl, 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->device_get(f->m, a.id, d.id, &d),
	    COFFER_ERR_NOTFOUND);
	mc_assert_used(f, a.id, 0, STORE_QUOTA_DEFAULT);
}

#define NTHREADS	4
#define NPUTS		50
#define NRACE		25

struct worker {
	struct fx	*f;
	const uint8_t	*acct, *zid;
	uint8_t		 n;
	int		 bad;		/* calls that went wrong */
	int		 conflicts;
};

/* Own records, reads of them, and a compare-and-set race on a shared
 * record: every failure but a conflict is a bug. */
static void *
worker(void *arg)
{
	struct worker *w = arg;
	struct store_meta *m = w->f->m;
	struct store_put_result res;
	struct store_record rec;
	struct store_zone z;
	uint8_t rid[COFFER_WIRE_ID_BYTES], shared[COFFER_WIRE_ID_BYTES];
	int i, won = 0, r;

	mc_fill_id(shared, 0xff);
	for (i = 0; i < NPUTS; i++) {
		mc_fill_id(rid, w->n);
		rid[1] = (uint8_t)i;
		if (m->ops->record_put(m, w->acct, w->zid, rid, rid,
		    sizeof(rid), 0, &res) != 0 || m->ops->record_get(m,
		    w->acct, w->zid, rid, &rec) != 0 || rec.len != sizeof(rid) ||
		    memcmp(rec.data, rid, sizeof(rid)) != 0)
			w->bad++;
		store_record_cleanup(&rec);
		if (m->ops->zone_get(m, w->acct, w->zid, &z) != 0)
			w->bad++;
	}
	while (won < NRACE) {
		r = m->ops->record_get(m, w->acct, w->zid, shared, &rec);
		if (r != 0 && r != COFFER_ERR_NOTFOUND) {
			w->bad++;
			break;
		}
		r = m->ops->record_put(m, w->acct, w->zid, shared, &w->n, 1,
		    r == 0 ? rec.version : 0, &res);
		store_record_cleanup(&rec);
		if (r == 0)
			won++;
		else if (r == COFFER_ERR_CONFLICT)
			w->conflicts++;
		else if (w->bad++ > 10)
			break;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_changes c;
	struct store_record rec;
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	uint8_t zid[COFFER_WIRE_ID_BYTES], shared[COFFER_WIRE_ID_BYTES];
	int i;

	/* Fewer connections than threads: callers queue for them. */
	f->be->ops->close(&f->m);
	f->cfg.connections = 2;
	assert_int_equal(mc_open(f), 0);
	mc_account(f, "alice", &a);
	mc_zone(f, a.id, 1, zid);
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ f, a.id, zid, (uint8_t)i, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
	}
	mc_fill_id(shared, 0xff);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, shared, &rec), 0);
	assert_int_equal(rec.version, NTHREADS * NRACE);
	store_record_cleanup(&rec);
	mc_page(f, a.id, zid, NULL, 0, &c, NTHREADS * NPUTS + 1, 0);
	assert_int_equal(c.v[c.n - 1].seq, NTHREADS * (NPUTS + NRACE));
	store_changes_cleanup(&c);
}

/* Close and open again: every committed change is there. */
static void
test_reopen(void **state)
{
	struct fx *f = *state;
	struct store_account a, g;
	struct store_put_result res;
	struct store_record rec;
	uint8_t zid[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES];

	mc_account(f, "alice", &a);
	mc_zone(f, a.id, 1, zid);
	mc_fill_id(rid, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid,
	    (const uint8_t *)"data", 4, 0, &res), 0);
	f->be->ops->close(&f->m);
	assert_null(f->m);
	assert_int_equal(mc_open(f), 0);
	assert_int_equal(OPS->account_get(f->m, a.id, &g), 0);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_int_equal(rec.len, 4);
	assert_memory_equal(rec.data, "data", 4);
	store_record_cleanup(&rec);
}

static void
test_future_schema(void **state)
{
	struct fx *f = *state;
	struct store_meta *m2 = NULL;

	if (f->be->future_schema == NULL)
		skip();
	f->be->ops->close(&f->m);
	assert_int_equal(f->be->future_schema(f->where), 0);
	assert_int_equal(f->be->ops->open(&m2, f->where, &f->cfg),
	    COFFER_ERR_VERSION);
	assert_null(m2);
	/* Leave the fixture a store to close. */
	f->be->remove(f->dir);
	assert_int_equal(f->be->fresh(f->where, sizeof(f->where), f->dir,
	    sizeof(f->dir)), 0);
	assert_int_equal(mc_open(f), 0);
}

/* store_day: the start of the UTC day, before the epoch too. */
static void
test_store_day(void **state)
{
	static const int64_t cases[][2] = {
		{ 0, 0 }, { 1, 0 }, { STORE_DAY - 1, 0 },
		{ STORE_DAY, STORE_DAY }, { T0, 1699920000 },
		{ -1, -STORE_DAY }, { -STORE_DAY, -STORE_DAY },
		{ -STORE_DAY - 1, -2 * STORE_DAY },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(store_day(cases[i][0]), cases[i][1]);
}

/* store_open: the data folder, its modes, its lock. */
static void
test_store_open(void **state)
{
	struct store *st = NULL, *st2 = NULL;
	char base[4096], dir[4200], path[4300];
	struct stat sb;
	FILE *fp;

	(void)state;
	assert_int_equal(srv_mkdtemp(base, sizeof(base), "coffer-open"), 0);
	snprintf(dir, sizeof(dir), "%s/data", base);
	assert_int_equal(store_open(&st, dir, NULL), 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/meta.sqlite", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/meta.sqlite-wal", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/blobs", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(store_open(&st2, dir, NULL), COFFER_ERR_BUSY);
	assert_null(st2);
	store_close(&st);
	assert_null(st);
	store_close(&st);
	assert_int_equal(store_open(&st, dir, NULL), 0);
	store_close(&st);
	chmod(dir, 0770);
	assert_int_equal(store_open(&st, dir, NULL), COFFER_ERR_PERM);
	snprintf(path, sizeof(path), "%s/none/data", base);
	assert_int_equal(store_open(&st, path, NULL), COFFER_ERR_NOTFOUND);
	snprintf(path, sizeof(path), "%s/file", base);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	assert_int_equal(store_open(&st, path, NULL), COFFER_ERR_EXISTS);
	assert_int_equal(store_open(&st, "", NULL), COFFER_ERR_INVALID);
	assert_null(st);
	srv_rmtree(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define CASE(fn) cmocka_unit_test_setup_teardown(fn, mc_setup, mc_teardown)
		CASE(test_accounts),
		CASE(test_account_state),
		CASE(test_sessions),
		CASE(test_session_cap),
		CASE(test_attempts),
		CASE(test_devices),
		CASE(test_zones),
		CASE(test_zone_cap),
		CASE(test_account_delete_cascade),
		CASE(test_threads),
		CASE(test_reopen),
		CASE(test_future_schema),
#undef CASE
	};

	const struct CMUnitTest once[] = {
		cmocka_unit_test(test_store_open),
		cmocka_unit_test(test_store_day),
	};
	int rc;

	if (sodium_init() < 0)
		return 1;
	rc = cmocka_run_group_tests_name("store", once, NULL, NULL);
	return rc | MC_RUN_EVERY_BACKEND("meta_store", tests);
}
