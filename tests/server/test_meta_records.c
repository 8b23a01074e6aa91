/*
 * The metadata store's conformance suite, part 2 (meta_conformance.h has
 * the backends): records under optimistic concurrency, tombstones, the
 * change feed (paging, resumption, bad tokens, a store gone back in
 * time), blob references, quota and per-account isolation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include <coffer/err.h>

#include "meta_conformance.h"

/* The token with character i replaced. */
static void
alter(char *out, const char *tok, size_t i)
{
	memcpy(out, tok, STORE_TOKEN_LEN + 1);
	out[i] = out[i] == 'A' ? 'B' : 'A';
}

static void
test_records(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_put_result res;
	struct store_record rec;
	struct store_zone z;
	uint8_t zid[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES], r2[COFFER_WIRE_ID_BYTES];

	mc_account(f, "alice", &a);
	mc_zone(f, a.id, 1, zid);
	mc_fill_id(rid, 2);
	mc_fill_id(r2, 3);
	mc_put_ok(f, a.id, zid, rid, "one", 0, 1);
	/* 0 means "must be absent": a stale create conflicts. */
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid,
	    (const uint8_t *)"x", 1, 0, &res), COFFER_ERR_CONFLICT);
	assert_int_equal(res.version, 1);
	assert_int_equal(res.seq, 1);
	mc_put_ok(f, a.id, zid, rid, "two", 1, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid,
	    (const uint8_t *)"x", 1, 5, &res), COFFER_ERR_CONFLICT);
	assert_int_equal(res.version, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, r2,
	    (const uint8_t *)"x", 1, 3, &res), COFFER_ERR_CONFLICT);
	assert_int_equal(res.version, 0);
	memset(&rec, 0x5a, sizeof(rec));
	assert_int_equal(OPS->record_get(f->m, a.id, zid, r2, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_null(rec.data);		/* zeroed: cleanup is safe */
	store_record_cleanup(&rec);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_int_equal(rec.version, 2);
	assert_int_equal(rec.seq, 2);
	assert_int_equal(rec.deleted, 0);
	assert_int_equal(rec.len, 3);
	assert_memory_equal(rec.data, "two", 3);
	assert_memory_equal(rec.id, rid, COFFER_WIRE_ID_BYTES);
	store_record_cleanup(&rec);
	/* Delete: conditional, then a tombstone with a version bump. */
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid, 1, &res),
	    COFFER_ERR_CONFLICT);
	assert_int_equal(res.version, 2);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid,
	    STORE_VERSION_ANY, &res), 0);
	assert_int_equal(res.version, 3);
	assert_int_equal(res.seq, 3);
	assert_int_equal(res.deleted, 1);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_int_equal(rec.deleted, 1);
	assert_int_equal(rec.len, 0);
	assert_int_equal(rec.version, 3);
	store_record_cleanup(&rec);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid,
	    STORE_VERSION_ANY, &res), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, r2,
	    STORE_VERSION_ANY, &res), COFFER_ERR_NOTFOUND);
	/* A tombstone comes back by its version or by 0; versions go on. */
	mc_put_ok(f, a.id, zid, rid, "back", 3, 4);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid, 4, &res), 0);
	mc_put_ok(f, a.id, zid, rid, "again", 0, 6);
	mc_put_ok(f, a.id, zid, r2, "", 0, 1);
	assert_int_equal(OPS->zone_get(f->m, a.id, zid, &z), 0);
	assert_int_equal(z.seq, 7);
	mc_fill_id(zid, 9);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid,
	    (const uint8_t *)"x", 1, 0, &res), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec),
	    COFFER_ERR_NOTFOUND);
}

static void
test_record_limits(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_put_result res;
	struct store_record rec;
	struct store_usage u;
	struct store_zone z;
	uint8_t zid[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES], *big;

	big = malloc(COFFER_WIRE_RECORD_MAX + 1);
	assert_non_null(big);
	randombytes_buf(big, COFFER_WIRE_RECORD_MAX + 1);
	mc_account(f, "alice", &a);
	mc_zone(f, a.id, 1, zid);
	mc_fill_id(rid, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big,
	    COFFER_WIRE_RECORD_MAX + 1, 0, &res), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->zone_get(f->m, a.id, zid, &z), 0);
	assert_int_equal(z.seq, 0);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, 0);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big,
	    COFFER_WIRE_RECORD_MAX, 0, &res), 0);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big + 1,
	    COFFER_WIRE_RECORD_MAX + 1, 1, &res), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_int_equal(rec.version, 1);
	assert_int_equal(rec.len, COFFER_WIRE_RECORD_MAX);
	assert_memory_equal(rec.data, big, COFFER_WIRE_RECORD_MAX);
	store_record_cleanup(&rec);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, COFFER_WIRE_RECORD_MAX + STORE_RECORD_OVERHEAD);
	free(big);
}

static void
test_changes_paging(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_put_result res;
	struct store_changes c, d;
	uint8_t zid[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES], *big;
	char first[STORE_TOKEN_LEN + 1], end[STORE_TOKEN_LEN + 1], data[16];
	size_t i;

	mc_account(f, "alice", &a);
	mc_zone(f, a.id, 1, zid);
	mc_page(f, a.id, zid, NULL, 10, &c, 0, 0);
	store_changes_cleanup(&c);
	for (i = 0; i < 25; i++) {
		mc_fill_id(rid, (uint8_t)i);
		snprintf(data, sizeof(data), "rec %zu", i);
		mc_put_ok(f, a.id, zid, rid, data, 0, 1);
	}
	mc_page(f, a.id, zid, "", 10, &c, 10, 1);
	for (i = 0; i < 10; i++) {
		assert_int_equal(c.v[i].seq, i + 1);
		assert_int_equal(c.v[i].id[0], i);
	}
	memcpy(first, c.next, sizeof(first));
	mc_page(f, a.id, zid, first, 10, &d, 10, 1);
	assert_int_equal(d.v[0].seq, 11);
	store_changes_cleanup(&c);
	mc_page(f, a.id, zid, d.next, 10, &c, 5, 0);
	assert_int_equal(c.v[4].seq, 25);
	assert_int_equal(c.v[4].len, 6);
	assert_memory_equal(c.v[4].data, "rec 24", 6);
	memcpy(end, c.next, sizeof(end));
	store_changes_cleanup(&c);
	store_changes_cleanup(&d);
	/* At the end: nothing, and the same place. */
	mc_page(f, a.id, zid, end, 10, &c, 0, 0);
	assert_string_equal(c.next, end);
	store_changes_cleanup(&c);
	/* A tombstone and an update show up after the end token. */
	mc_fill_id(rid, 3);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid,
	    STORE_VERSION_ANY, &res), 0);
	mc_fill_id(rid, 7);
	mc_put_ok(f, a.id, zid, rid, "seven", 1, 2);
	mc_page(f, a.id, zid, end, 10, &c, 2, 0);
	assert_int_equal(c.v[0].id[0], 3);
	assert_int_equal(c.v[0].deleted, 1);
	assert_int_equal(c.v[1].id[0], 7);
	assert_int_equal(c.v[1].version, 2);
	store_changes_cleanup(&c);
	/* Resuming from the first page: each record once, latest state. */
	mc_page(f, a.id, zid, first, 0, &c, 17, 0);
	store_changes_cleanup(&c);
	mc_page(f, a.id, zid, NULL, 0, &c, 25, 0);
	for (i = 0; i < 25; i++)
		assert_int_equal(c.v[i].deleted, c.v[i].id[0] == 3);
	store_changes_cleanup(&c);
	/* Pages also stop before STORE_FEED_BYTES of data: here after the
	 * two small changes and three of the 1 MiB records. */
	big = calloc(1, COFFER_WIRE_RECORD_MAX);
	assert_non_null(big);
	for (i = 0; i < 5; i++) {
		mc_fill_id(rid, (uint8_t)(100 + i));
		assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big,
		    COFFER_WIRE_RECORD_MAX, 0, &res), 0);
	}
	free(big);
	mc_page(f, a.id, zid, end, 100, &c, 5, 1);
	mc_page(f, a.id, zid, c.next, 100, &d, 2, 0);
	store_changes_cleanup(&c);
	store_changes_cleanup(&d);
}

static void
test_changes_tokens(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_changes c;
	uint8_t z1[COFFER_WIRE_ID_BYTES], z2[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES];
	char tok[STORE_TOKEN_LEN + 1], bad[STORE_TOKEN_LEN + 2];

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_zone(f, a.id, 1, z1);
	mc_zone(f, a.id, 2, z2);
	mc_zone(f, b.id, 1, z1);	/* bob's zone of the same id */
	mc_fill_id(rid, 1);
	mc_put_ok(f, a.id, z1, rid, "a", 0, 1);
	mc_put_ok(f, a.id, z2, rid, "a", 0, 1);
	mc_put_ok(f, b.id, z1, rid, "b", 0, 1);
	mc_page(f, a.id, z1, NULL, 0, &c, 1, 0);
	memcpy(tok, c.next, sizeof(tok));
	store_changes_cleanup(&c);
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(OPS->changes(f->m, a.id, z1, "garbage", 0, &c),
	    COFFER_ERR_FORMAT);
	assert_null(c.v);		/* zeroed: cleanup is safe */
	assert_int_equal(c.n, 0);
	store_changes_cleanup(&c);
	alter(bad, tok, 0);
	assert_int_equal(OPS->changes(f->m, a.id, z1, bad, 0, &c),
	    COFFER_ERR_VERSION);
	alter(bad, tok, 10);		/* the zone nonce */
	assert_int_equal(OPS->changes(f->m, a.id, z1, bad, 0, &c),
	    COFFER_ERR_CONTEXT);
	alter(bad, tok, 30);		/* the sequence number */
	assert_int_equal(OPS->changes(f->m, a.id, z1, bad, 0, &c),
	    COFFER_ERR_AUTH);
	alter(bad, tok, 40);		/* the tag */
	assert_int_equal(OPS->changes(f->m, a.id, z1, bad, 0, &c),
	    COFFER_ERR_AUTH);
	memcpy(bad, tok, sizeof(tok));
	bad[STORE_TOKEN_LEN - 1] = '\0';
	assert_int_equal(OPS->changes(f->m, a.id, z1, bad, 0, &c),
	    COFFER_ERR_FORMAT);
	memcpy(bad, tok, sizeof(tok));
	memcpy(bad + STORE_TOKEN_LEN, "A", 2);
	assert_int_equal(OPS->changes(f->m, a.id, z1, bad, 0, &c),
	    COFFER_ERR_FORMAT);
	/* Another zone's token, of this account or another. */
	assert_int_equal(OPS->changes(f->m, a.id, z2, tok, 0, &c),
	    COFFER_ERR_CONTEXT);
	assert_int_equal(OPS->changes(f->m, b.id, z1, tok, 0, &c),
	    COFFER_ERR_CONTEXT);
	mc_fill_id(z2, 0x77);
	assert_int_equal(OPS->changes(f->m, a.id, z2, NULL, 0, &c),
	    COFFER_ERR_NOTFOUND);
	mc_page(f, a.id, z1, tok, 0, &c, 0, 0);
	store_changes_cleanup(&c);
}

/* A store restored from an older copy: a newer token is ahead of it. */
static void
test_changes_rollback(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_changes c;
	uint8_t zid[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES];
	char tok[STORE_TOKEN_LEN + 1];

	if (f->be->snapshot == NULL)
		skip();
	mc_account(f, "alice", &a);
	mc_zone(f, a.id, 1, zid);
	mc_fill_id(rid, 1);
	mc_put_ok(f, a.id, zid, rid, "1", 0, 1);
	f->be->ops->close(&f->m);
	assert_int_equal(f->be->snapshot(f->dir, 0), 0);
	assert_int_equal(mc_open(f), 0);
	mc_put_ok(f, a.id, zid, rid, "2", 1, 2);
	mc_page(f, a.id, zid, NULL, 0, &c, 1, 0);
	memcpy(tok, c.next, sizeof(tok));
	store_changes_cleanup(&c);
	f->be->ops->close(&f->m);
	assert_int_equal(f->be->snapshot(f->dir, 1), 0);
	assert_int_equal(mc_open(f), 0);
	assert_int_equal(OPS->changes(f->m, a.id, zid, tok, 0, &c),
	    COFFER_ERR_STATE);
}

static void
test_blob_refs(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_usage u;
	uint8_t (*ids)[COFFER_WIRE_BLOB_ID_BYTES], present[3];
	uint64_t size;
	int added;

	ids = calloc(COFFER_WIRE_EXISTS_MAX + 1, sizeof(*ids));
	assert_non_null(ids);
	mc_account(f, "alice", &a);
	mc_blob_id(ids[0], 1);
	mc_blob_id(ids[1], 2);
	mc_blob_id(ids[2], 3);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[0], 100, &added), 0);
	assert_int_equal(added, 1);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[0], 100, &added), 0);
	assert_int_equal(added, 0);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[0], 101, &added),
	    COFFER_ERR_CONFLICT);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[2], 0, NULL), 0);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, ids[0], &size), 0);
	assert_int_equal(size, 100);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, ids[1], &size),
	    COFFER_ERR_NOTFOUND);
	memset(present, 7, sizeof(present));
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[COFFER_WIRE_BLOB_ID_BYTES])ids, 3, present), 0);
	assert_int_equal(present[0], 1);
	assert_int_equal(present[1], 0);
	assert_int_equal(present[2], 1);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[COFFER_WIRE_BLOB_ID_BYTES])ids, 0, present), 0);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[COFFER_WIRE_BLOB_ID_BYTES])ids, COFFER_WIRE_EXISTS_MAX + 1,
	    present), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, 100);
	assert_int_equal(u.quota, STORE_QUOTA_DEFAULT);
	/* The listing: ids increasing, paged by the cursor. */
	{
		struct store_blob_ref v[3];
		size_t n = 9;

		assert_int_equal(OPS->blob_ref_list(f->m, a.id, NULL, 3, v, &n),
		    0);
		assert_int_equal(n, 2);
		assert_memory_equal(v[0].id, ids[0], COFFER_WIRE_BLOB_ID_BYTES);
		assert_int_equal(v[0].size, 100);
		assert_memory_equal(v[1].id, ids[2], COFFER_WIRE_BLOB_ID_BYTES);
		assert_int_equal(v[1].size, 0);
		assert_int_equal(OPS->blob_ref_list(f->m, a.id, NULL, 1, v, &n),
		    0);
		assert_int_equal(n, 1);
		assert_int_equal(OPS->blob_ref_list(f->m, a.id, v[0].id, 3, v,
		    &n), 0);
		assert_int_equal(n, 1);
		assert_memory_equal(v[0].id, ids[2], COFFER_WIRE_BLOB_ID_BYTES);
		assert_int_equal(OPS->blob_ref_list(f->m, a.id, ids[2], 3, v,
		    &n), 0);
		assert_int_equal(n, 0);
		assert_int_equal(OPS->blob_ref_list(f->m, a.id, NULL, 0, v, &n),
		    COFFER_ERR_INVALID);
		assert_int_equal(OPS->blob_ref_list(f->m, a.id, NULL,
		    COFFER_WIRE_BLOB_LIST_MAX + 1, v, &n), COFFER_ERR_INVALID);
	}
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, ids[0]), 0);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, ids[0]),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, 0);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[1],
	    STORE_SIZE_MAX + 1, NULL), COFFER_ERR_TOOBIG);
	mc_fill_id(a.id, 0xee);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[1], 1, NULL),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[COFFER_WIRE_BLOB_ID_BYTES])ids, 1, present),
	    COFFER_ERR_NOTFOUND);
	free(ids);
}

static void
test_quota(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_put_result res;
	struct store_record rec;
	uint8_t zid[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES];
	uint8_t b1[COFFER_WIRE_BLOB_ID_BYTES], b2[COFFER_WIRE_BLOB_ID_BYTES], data[900];

	memset(data, 1, sizeof(data));
	f->be->ops->close(&f->m);
	f->cfg.quota_default = 10000;
	assert_int_equal(mc_open(f), 0);
	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_zone(f, a.id, 1, zid);
	mc_fill_id(rid, 1);
	mc_blob_id(b1, 1);
	mc_blob_id(b2, 2);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b1, 9000, NULL), 0);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b2, 1001, NULL),
	    COFFER_ERR_QUOTA);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, b2, &res.version),
	    COFFER_ERR_NOTFOUND);
	mc_assert_used(f, a.id, 9000, 10000);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b2, 1000, NULL), 0);
	mc_assert_used(f, a.id, 10000, 10000);
	/* Records count too, with their overhead. */
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 1, 0,
	    &res), COFFER_ERR_QUOTA);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, b2), 0);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 100, 0,
	    &res), 0);
	mc_assert_used(f, a.id, 9228, 10000);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 900, 1,
	    &res), COFFER_ERR_QUOTA);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 50, 1,
	    &res), 0);
	mc_assert_used(f, a.id, 9178, 10000);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid,
	    STORE_VERSION_ANY, &res), 0);
	mc_assert_used(f, a.id, 9128, 10000);
	/* The account's own quota, and back to the default. */
	assert_int_equal(OPS->quota_set(f->m, a.id, 20000), 0);
	mc_assert_used(f, a.id, 9128, 20000);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b2, 10000, NULL), 0);
	assert_int_equal(OPS->quota_set(f->m, a.id, 0), 0);
	mc_assert_used(f, a.id, 19128, 10000);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 1, 0,
	    &res), COFFER_ERR_QUOTA);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, b2), 0);
	assert_int_equal(OPS->quota_set(f->m, a.id, STORE_SIZE_MAX + 1),
	    COFFER_ERR_TOOBIG);
	mc_assert_used(f, b.id, 0, 10000);
	mc_fill_id(b.id, 0xee);
	assert_int_equal(OPS->quota_set(f->m, b.id, 5), COFFER_ERR_NOTFOUND);
}

static void
test_isolation(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_put_result res;
	struct store_record rec;
	struct store_changes c;
	struct store_zone z;
	uint8_t zid[COFFER_WIRE_ID_BYTES], only_b[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES];
	uint8_t x[COFFER_WIRE_BLOB_ID_BYTES], present;
	uint64_t size;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_zone(f, a.id, 1, zid);
	mc_zone(f, b.id, 1, zid);
	mc_zone(f, b.id, 2, only_b);
	mc_fill_id(rid, 1);
	mc_put_ok(f, a.id, zid, rid, "alice's", 0, 1);
	mc_put_ok(f, b.id, zid, rid, "bob's", 0, 1);
	mc_put_ok(f, b.id, only_b, rid, "bob's", 0, 1);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_memory_equal(rec.data, "alice's", 7);
	store_record_cleanup(&rec);
	mc_page(f, a.id, zid, NULL, 0, &c, 1, 0);
	assert_memory_equal(c.v[0].data, "alice's", 7);
	store_changes_cleanup(&c);
	/* Bob's zone is not there for Alice, whatever she tries. */
	assert_int_equal(OPS->zone_get(f->m, a.id, only_b, &z),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->record_get(f->m, a.id, only_b, rid, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->record_put(f->m, a.id, only_b, rid,
	    (const uint8_t *)"x", 1, 1, &res), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->record_delete(f->m, a.id, only_b, rid,
	    STORE_VERSION_ANY, &res), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->changes(f->m, a.id, only_b, NULL, 0, &c),
	    COFFER_ERR_NOTFOUND);
	/* Nor his blobs. */
	mc_blob_id(x, 9);
	assert_int_equal(OPS->blob_ref_add(f->m, b.id, x, 5, NULL), 0);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, x, &size),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[COFFER_WIRE_BLOB_ID_BYTES])&x, 1, &present), 0);
	assert_int_equal(present, 0);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, x),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, x, 7, NULL), 0);
	assert_int_equal(OPS->blob_ref_get(f->m, b.id, x, &size), 0);
	assert_int_equal(size, 5);
	mc_assert_used(f, b.id, 5 + 2 * (5 + STORE_RECORD_OVERHEAD),
	    STORE_QUOTA_DEFAULT);
}

/* The sweep's tombstone compaction: a tombstone is stamped with the day
 * the sweep first saw it and dropped only on a later day past the
 * retention; then a token from before it is refused (the client resyncs)
 * rather than answered without the deletion. */
static void
test_tombstone_compact(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_put_result res;
	struct store_changes c;
	struct store_record rec;
	struct store_usage u0, u1;
	uint8_t zid[COFFER_WIRE_ID_BYTES], r1[COFFER_WIRE_ID_BYTES], r2[COFFER_WIRE_ID_BYTES];
	char before[STORE_TOKEN_LEN + 1], after[STORE_TOKEN_LEN + 1];
	const int64_t day = (int64_t)20000 * 86400;
	uint64_t n;

	mc_account(f, "alice", &a);
	mc_zone(f, a.id, 1, zid);
	mc_fill_id(r1, 1);
	mc_fill_id(r2, 2);
	mc_put_ok(f, a.id, zid, r1, "one", 0, 1);
	mc_put_ok(f, a.id, zid, r2, "two", 0, 1);
	mc_page(f, a.id, zid, NULL, 0, &c, 2, 0);
	memcpy(before, c.next, sizeof(before));
	store_changes_cleanup(&c);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, r1,
	    STORE_VERSION_ANY, &res), 0);
	mc_page(f, a.id, zid, before, 0, &c, 1, 0);
	memcpy(after, c.next, sizeof(after));
	store_changes_cleanup(&c);
	assert_int_equal(OPS->usage(f->m, a.id, &u0), 0);
	/* The first sweep only stamps; a second on the same day drops nothing. */
	n = 99;
	assert_int_equal(OPS->tombstone_compact(f->m, day, day, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->tombstone_compact(f->m, day, day, &n), 0);
	assert_int_equal(n, 0);
	mc_page(f, a.id, zid, before, 0, &c, 1, 0);
	assert_int_equal(c.v[0].deleted, 1);
	store_changes_cleanup(&c);
	/* Past the retention: gone, its quota back, the old token refused. */
	assert_int_equal(OPS->tombstone_compact(f->m, day + 86400,
	    day + 86400, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, r1, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->usage(f->m, a.id, &u1), 0);
	assert_int_equal(u0.used - u1.used, STORE_RECORD_OVERHEAD);
	memset(&c, 0, sizeof(c));
	assert_int_equal(OPS->changes(f->m, a.id, zid, before, 0, &c),
	    COFFER_ERR_STATE);
	store_changes_cleanup(&c);
	/* A token at or past the mark, and a feed from the start, still work. */
	mc_page(f, a.id, zid, after, 0, &c, 0, 0);
	store_changes_cleanup(&c);
	mc_page(f, a.id, zid, NULL, 0, &c, 1, 0);
	assert_memory_equal(c.v[0].id, r2, COFFER_WIRE_ID_BYTES);
	store_changes_cleanup(&c);
	/* The record written again is alive and unstamped. */
	mc_put_ok(f, a.id, zid, r1, "again", 0, 1);
	assert_int_equal(OPS->tombstone_compact(f->m, day + 2 * 86400,
	    day + 2 * 86400, &n), 0);
	assert_int_equal(n, 0);
}

/* Upload reservations: they count against the quota while live, at
 * most max at once, and a lapsed one is neither counted nor revived. */
static void
test_reservations(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	const int64_t t = 1000000;
	int64_t r1, r2, r3;
	uint64_t n;

	mc_account(f, "alice", &a);
	assert_int_equal(OPS->quota_set(f->m, a.id, 1000), 0);
	assert_int_equal(OPS->reserve(f->m, a.id, 600, 2, t, t + 10, &r1), 0);
	assert_int_equal(OPS->reserve(f->m, a.id, 500, 2, t, t + 10, &r2),
	    COFFER_ERR_QUOTA);
	assert_int_equal(OPS->reserve(f->m, a.id, 400, 2, t, t + 100, &r2), 0);
	assert_int_equal(OPS->reserve(f->m, a.id, 0, 2, t, t + 10, &r3),
	    COFFER_ERR_BUSY);
	assert_int_equal(OPS->reserve(f->m, a.id, 1, 3, t, t, &r3),
	    COFFER_ERR_INVALID);
	/* Renewed while live; once lapsed, not revived, and not counted. */
	assert_int_equal(OPS->reserve_renew(f->m, r1, t + 5, t + 20), 0);
	assert_int_equal(OPS->reserve_renew(f->m, r1, t + 20, t + 40),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->reserve(f->m, a.id, 600, 2, t + 20, t + 30,
	    &r3), 0);
	assert_int_equal(OPS->reserve_prune(f->m, t + 20, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(OPS->reserve_renew(f->m, r1, t + 20, t + 40),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->reserve_release(f->m, r2), 0);
	assert_int_equal(OPS->reserve_release(f->m, r2), 0);
	assert_int_equal(OPS->reserve(f->m, a.id, 400, 2, t + 20, t + 30,
	    &r2), 0);
	assert_int_equal(OPS->reserve(f->m, a.id, 1, 3, t + 20, t + 30, &r1),
	    COFFER_ERR_QUOTA);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define CASE(fn) cmocka_unit_test_setup_teardown(fn, mc_setup, mc_teardown)
		CASE(test_records),
		CASE(test_record_limits),
		CASE(test_changes_paging),
		CASE(test_changes_tokens),
		CASE(test_changes_rollback),
		CASE(test_blob_refs),
		CASE(test_quota),
		CASE(test_isolation),
		CASE(test_tombstone_compact),
		CASE(test_reservations),
#undef CASE
	};

	if (sodium_init() < 0)
		return 1;
	return MC_RUN_EVERY_BACKEND("meta_records", tests);
}
