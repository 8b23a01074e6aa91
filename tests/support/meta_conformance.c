/* The metadata store's conformance fixture (meta_conformance.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "meta_conformance.h"
#include "server_harness.h"

static int
sqlite_fresh(char *where, size_t cap, char *dir, size_t dcap)
{
	if (srv_mkdtemp(dir, dcap, "coffer-meta") != 0)
		return -1;
	snprintf(where, cap, "%s/meta.sqlite", dir);
	return 0;
}

static int
sqlite_future_schema(const char *where)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(where, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, 0)",
	    NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *a, *b;
	size_t n;
	int r = 0;

	if ((a = fopen(from, "rb")) == NULL) {
		unlink(to);		/* absent: absent in the copy too */
		return 0;
	}
	if ((b = fopen(to, "wb")) == NULL) {
		fclose(a);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		if (fwrite(buf, 1, n, b) != n)
			r = -1;
	fclose(a);
	return fclose(b) != 0 ? -1 : r;
}

static int
sqlite_snapshot(const char *dir, int restore)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char live[4096], saved[4096];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(live, sizeof(live), "%s/meta.sqlite%s", dir, suffix[i]);
		snprintf(saved, sizeof(saved), "%s/saved.sqlite%s", dir,
		    suffix[i]);
		if ((restore ? copy_file(saved, live) : copy_file(live, saved))
		    != 0)
			return -1;
	}
	return 0;
}

/* Version 2 undone (meta_sqlite_open.c's migration 2, backwards). */
static int
sqlite_past_schema(const char *where)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(where, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, "BEGIN;"
	    /* 3 */
	    "DROP TABLE reservations; DROP INDEX records_tombstones;"
	    "ALTER TABLE records DROP COLUMN deleted_at;"
	    "ALTER TABLE zones DROP COLUMN compacted;"
	    "DROP TABLE tickets_used;"
	    /* 2 */
	    "DROP TABLE pairing_msgs; DROP TABLE pairings;"
	    "DROP TABLE devlist_members; DROP TABLE devlist;"
	    "ALTER TABLE sessions DROP COLUMN bound;"
	    "DELETE FROM schema_version WHERE version > 1;"
	    "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static const struct mc_backend backends[] = {
	{ "sqlite", &store_meta_sqlite_ops, sqlite_fresh, srv_rmtree,
	    sqlite_future_schema, sqlite_snapshot, sqlite_past_schema },
};

/* The backend of the running group: mc_setup gives it to each case's
 * fixture. */
static const struct mc_backend *running;

int
mc_open(struct fx *f)
{
	return f->be->ops->open(&f->m, f->where, &f->cfg);
}

int
mc_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->be = running;
	if (f->be->fresh(f->where, sizeof(f->where), f->dir,
	    sizeof(f->dir)) != 0) {
		free(f);
		return -1;
	}
	store_config_init(&f->cfg);
	if (mc_open(f) != 0)
		return -1;
	*state = f;
	return 0;
}

int
mc_teardown(void **state)
{
	struct fx *f = *state;

	f->be->ops->close(&f->m);
	f->be->remove(f->dir);
	free(f);
	return 0;
}

void
mc_account(struct fx *f, const char *s, struct store_account *a)
{
	static const uint8_t rec[192] = { 1, 2, 3 };

	assert_int_equal(OPS->account_create(f->m, (const uint8_t *)s,
	    strlen(s), rec, sizeof(rec), T0, a), 0);
}

void
mc_fill_id(uint8_t *id, uint8_t v)
{
	memset(id, v, COFFER_WIRE_ID_BYTES);
}

void
mc_zone(struct fx *f, const uint8_t *acct, uint8_t zid_byte, uint8_t *zid)
{
	struct store_zone z;

	mc_fill_id(zid, zid_byte);
	assert_int_equal(OPS->zone_ensure(f->m, acct, zid, 7, T0, &z, NULL), 0);
}

void
mc_session(struct store_session *s, const uint8_t *acct, uint8_t tag,
    int64_t created, int64_t expires)
{
	memset(s, 0, sizeof(*s));
	store_token_hash(s->token_hash, &tag, 1);
	memcpy(s->account, acct, COFFER_WIRE_ID_BYTES);
	s->created = created;
	s->expires = expires;
}

void
mc_device(struct fx *f, const uint8_t *acct, uint8_t id_byte,
    uint8_t card_byte)
{
	struct store_device d;

	memset(&d, 0, sizeof(d));
	mc_fill_id(d.id, id_byte);
	memset(d.card, card_byte, 157);
	d.card_len = 157;
	assert_int_equal(OPS->device_add(f->m, acct, &d, T0), 0);
}

void
mc_put_ok(struct fx *f, const uint8_t *acct, const uint8_t *zid,
    const uint8_t *rid, const char *data, uint64_t expected,
    uint64_t version)
{
	struct store_put_result res;

	assert_int_equal(OPS->record_put(f->m, acct, zid, rid,
	    (const uint8_t *)data, strlen(data), expected, &res), 0);
	assert_int_equal(res.version, version);
	assert_int_equal(res.deleted, 0);
}

void
mc_page(struct fx *f, const uint8_t *acct, const uint8_t *zid,
    const char *tok, size_t limit, struct store_changes *c, size_t n,
    int more)
{
	assert_int_equal(OPS->changes(f->m, acct, zid, tok, limit, c), 0);
	assert_int_equal(c->n, n);
	assert_int_equal(c->more, more);
	assert_int_equal(strlen(c->next), STORE_TOKEN_LEN);
}

void
mc_blob_id(uint8_t *id, uint8_t v)
{
	memset(id, v, COFFER_WIRE_BLOB_ID_BYTES);
}

void
mc_assert_used(struct fx *f, const uint8_t *acct, uint64_t used,
    uint64_t quota)
{
	struct store_usage u;

	assert_int_equal(OPS->usage(f->m, acct, &u), 0);
	assert_int_equal(u.used, used);
	assert_int_equal(u.quota, quota);
}

int
mc_run_every_backend(const char *suite, const struct CMUnitTest *tests,
    size_t n)
{
	char name[64];
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		running = &backends[i];
		snprintf(name, sizeof(name), "%s/%s", suite, running->name);
		rc |= _cmocka_run_group_tests(name, tests, n, NULL, NULL);
	}
	return rc;
}
