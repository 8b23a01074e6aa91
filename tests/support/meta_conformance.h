/* The metadata store's conformance fixture, shared by
 * test_meta_store.c and test_meta_records.c: the table of backends every
 * case runs against (SQLite today; PostgreSQL joins it later and must
 * pass the same cases), a fresh empty store per case (struct fx, made by
 * mc_setup), and small helpers that assert (cmocka). */
#ifndef COFFER_TEST_META_CONFORMANCE_H
#define COFFER_TEST_META_CONFORMANCE_H

#include <stddef.h>
#include <stdint.h>

#include "store/meta.h"

struct CMUnitTest;

#define T0	1700000000	/* "now" in these tests */

/* A backend under test: how to make a fresh store location and remove
 * it; the optional hooks are what only some backends can do. */
struct mc_backend {
	const char			*name;
	const struct store_meta_ops	*ops;
	int	(*fresh)(char *where, size_t cap, char *dir, size_t dcap);
	void	(*remove)(const char *dir);
	/* Mark the store as written by a newer version; NULL to skip. */
	int	(*future_schema)(const char *where);
	/* Copy the store aside / put the copy back (closed); NULL to skip. */
	int	(*snapshot)(const char *dir, int restore);
	/* Take a closed store back to schema version 1, as a cofferd of
	 * version 1 left it (its data of version 1 kept); NULL to skip. */
	int	(*past_schema)(const char *where);
};

/* One case's store: its location and folder, config and handle. */
struct fx {
	const struct mc_backend	*be;
	char			 where[4096], dir[4096];
	struct store_config	 cfg;
	struct store_meta	*m;
};

#define OPS	(f->m->ops)	/* the ops of the case's store */

/** mc_setup(state), mc_teardown(state): a case's setup (a fresh store
 * of the running backend, open, as *${state}, a struct fx) and
 * teardown (closed and removed). Return 0, or -1. */
int mc_setup(void **state);
int mc_teardown(void **state);

/** mc_open(f): open ${f}'s store again (after a close). Returns the
 * backend's open. */
int mc_open(struct fx *f);

/** mc_account(f, s, a): a new account whose login is the text ${s}. */
void mc_account(struct fx *f, const char *s, struct store_account *a);

/** mc_fill_id(id, v), mc_blob_id(id, v): an id (16 bytes) or a blob id
 * (32 bytes) of bytes ${v}. */
void mc_fill_id(uint8_t *id, uint8_t v);
void mc_blob_id(uint8_t *id, uint8_t v);

/** mc_zone(f, acct, zid_byte, zid): zone mc_fill_id(zid_byte) of
 * ${acct}, made (category 7) if absent; its id in ${zid}. */
void mc_zone(struct fx *f, const uint8_t *acct, uint8_t zid_byte,
    uint8_t *zid);

/** mc_session(s, acct, tag, created, expires): a session of ${acct}
 * whose token hash is that of the byte ${tag}. */
void mc_session(struct store_session *s, const uint8_t *acct, uint8_t tag,
    int64_t created, int64_t expires);

/** mc_device(f, acct, id_byte, card_byte): register device
 * mc_fill_id(${id_byte}) of ${acct} with a 157-byte card of bytes
 * ${card_byte}. */
void mc_device(struct fx *f, const uint8_t *acct, uint8_t id_byte,
    uint8_t card_byte);

/** mc_put_ok(f, acct, zid, rid, data, expected, version): record_put of
 * the text ${data} over ${expected} succeeds at ${version}. */
void mc_put_ok(struct fx *f, const uint8_t *acct, const uint8_t *zid,
    const uint8_t *rid, const char *data, uint64_t expected,
    uint64_t version);

/** mc_page(f, acct, zid, tok, limit, c, n, more): one page of changes
 * after ${tok} holds ${n} and says ${more}; the caller frees ${c}. */
void mc_page(struct fx *f, const uint8_t *acct, const uint8_t *zid,
    const char *tok, size_t limit, struct store_changes *c, size_t n,
    int more);

/** mc_assert_used(f, acct, used, quota): ${acct}'s usage is ${used} of
 * ${quota}. */
void mc_assert_used(struct fx *f, const uint8_t *acct, uint64_t used,
    uint64_t quota);

/** mc_run_every_backend(suite, tests, n): run the ${n} cases once per
 * backend, each run a cmocka group named "<suite>/<backend>". Returns
 * nonzero if any failed. */
int mc_run_every_backend(const char *suite, const struct CMUnitTest *tests,
    size_t n);

#define MC_RUN_EVERY_BACKEND(suite, tests) \
	mc_run_every_backend(suite, tests, sizeof(tests) / sizeof(tests[0]))

#endif
