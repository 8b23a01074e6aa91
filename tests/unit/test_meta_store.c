/*
 * The metadata store's conformance suite (server/store/meta.h): every case
 * runs against every backend of the table below (SQLite today; PostgreSQL
 * joins it later and must pass the same cases). Each case gets a fresh,
 * empty store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include <coffer/err.h>

#include "store/meta.h"

#define T0	1700000000	/* "now" in these tests */

/* A backend under test: how to make a fresh store location and remove
 * it; the optional hooks are what only some backends can do. */
struct backend {
	const char			*name;
	const struct store_meta_ops	*ops;
	int	(*fresh)(char *where, size_t cap, char *dir, size_t dcap);
	void	(*remove)(const char *dir);
	/* Mark the store as written by a newer version; NULL to skip. */
	int	(*future_schema)(const char *where);
	/* Copy the store aside / put the copy back (closed); NULL to skip. */
	int	(*snapshot)(const char *dir, int restore);
};

static void
rm_rf(const char *path)
{
	struct dirent *e;
	char sub[4096];
	struct stat st;
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int
sqlite_fresh(char *where, size_t cap, char *dir, size_t dcap)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, dcap, "%s/coffer-meta-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
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

static const struct backend backends[] = {
	{ "sqlite", &store_meta_sqlite_ops, sqlite_fresh, rm_rf,
	    sqlite_future_schema, sqlite_snapshot },
};

static const struct backend *be;	/* the backend of the running group */

struct fx {
	char			 where[4096], dir[4096];
	struct store_config	 cfg;
	struct store_meta	*m;
};

static int
fx_open(struct fx *f)
{
	return be->ops->open(&f->m, f->where, &f->cfg);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || be->fresh(f->where, sizeof(f->where), f->dir,
	    sizeof(f->dir)) != 0)
		return -1;
	store_config_init(&f->cfg);
	if (fx_open(f) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	be->ops->close(&f->m);
	be->remove(f->dir);
	free(f);
	return 0;
}

#define OPS	(f->m->ops)

/* A new account whose login is the text s. */
static void
mk_account(struct fx *f, const char *s, struct store_account *a)
{
	static const uint8_t rec[192] = { 1, 2, 3 };

	assert_int_equal(OPS->account_create(f->m, (const uint8_t *)s,
	    strlen(s), rec, sizeof(rec), T0, a), 0);
}

static void
fill_id(uint8_t *id, uint8_t v)
{
	memset(id, v, STORE_ID_BYTES);
}

static void
mk_zone(struct fx *f, const uint8_t *acct, uint8_t zid_byte, uint8_t *zid)
{
	struct store_zone z;

	fill_id(zid, zid_byte);
	assert_int_equal(OPS->zone_ensure(f->m, acct, zid, 7, T0, &z, NULL), 0);
}

static void
test_accounts(void **state)
{
	struct fx *f = *state;
	struct store_account a, b, g;
	uint8_t big[STORE_LOGIN_MAX + 1], rec[STORE_OPAQUE_RECORD_MAX + 1];

	memset(big, 'x', sizeof(big));
	memset(rec, 9, sizeof(rec));
	mk_account(f, "alice", &a);
	assert_int_equal(a.login_len, 5);
	assert_int_equal(a.record_len, 192);
	assert_int_equal(a.created, T0);
	assert_int_equal(OPS->account_get(f->m, a.id, &g), 0);
	assert_memory_equal(g.id, a.id, STORE_ID_BYTES);
	assert_int_equal(g.login_len, 5);
	assert_memory_equal(g.login, "alice", 5);
	assert_int_equal(g.record_len, 192);
	assert_memory_equal(g.record, a.record, 192);
	assert_int_equal(g.created, T0);
	assert_int_equal(OPS->account_get_by_login(f->m,
	    (const uint8_t *)"alice", 5, &g), 0);
	assert_memory_equal(g.id, a.id, STORE_ID_BYTES);
	/* Bytes, not text: a prefix or a case change is another login. */
	assert_int_equal(OPS->account_get_by_login(f->m,
	    (const uint8_t *)"Alice", 5, &g), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_get_by_login(f->m,
	    (const uint8_t *)"alic", 4, &g), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_create(f->m, (const uint8_t *)"alice", 5,
	    rec, 10, T0, &b), COFFER_ERR_EXISTS);
	mk_account(f, "bob", &b);
	assert_memory_not_equal(a.id, b.id, STORE_ID_BYTES);
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
	assert_int_equal(OPS->account_create(f->m, big, STORE_LOGIN_MAX, rec,
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
	mk_account(f, "alice", &g);
	assert_memory_not_equal(g.id, a.id, STORE_ID_BYTES);
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
	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	assert_int_equal(OPS->account_state_get(f->m, a.id, &s), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.version, 0);
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, 10, 0, &v), 0);
	assert_int_equal(v, 1);
	/* A stale writer cannot roll it back. */
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, 5, 0, &v),
	    STORE_ERR_CONFLICT);
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
	fill_id(a.id, 0xee);
	assert_int_equal(OPS->account_state_get(f->m, a.id, &s),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->account_state_put(f->m, a.id, big, 1, 0, &v),
	    COFFER_ERR_NOTFOUND);
}

static void
mk_session(struct store_session *s, const uint8_t *acct, uint8_t tag,
    int64_t created, int64_t expires)
{
	memset(s, 0, sizeof(*s));
	store_token_hash(s->token_hash, &tag, 1);
	memcpy(s->account, acct, STORE_ID_BYTES);
	s->created = created;
	s->expires = expires;
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

	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	mk_session(&s, a.id, 1, T0, T0 + 100);
	assert_int_equal(OPS->session_create(f->m, &s), 0);
	assert_int_equal(OPS->session_create(f->m, &s), COFFER_ERR_EXISTS);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0 + 1, &g), 0);
	assert_memory_equal(g.account, a.id, STORE_ID_BYTES);
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
	mk_session(&t, a.id, 2, T0, T0);
	assert_int_equal(OPS->session_create(f->m, &t), COFFER_ERR_INVALID);
	mk_session(&t, a.id, 2, T0, T0 + 10);
	fill_id(t.account, 0xee);
	assert_int_equal(OPS->session_create(f->m, &t), COFFER_ERR_NOTFOUND);
	/* With a device: removing the device ends the session. */
	memset(&d, 0, sizeof(d));
	fill_id(d.id, 0x44);
	d.card_len = 157;
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), 0);
	mk_session(&t, a.id, 2, T0, T0 + 10);
	t.has_device = 1;
	fill_id(t.device, 0x45);
	assert_int_equal(OPS->session_create(f->m, &t), COFFER_ERR_NOTFOUND);
	fill_id(t.device, 0x44);
	assert_int_equal(OPS->session_create(f->m, &t), 0);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g), 0);
	assert_int_equal(g.has_device, 1);
	assert_memory_equal(g.device, d.id, STORE_ID_BYTES);
	assert_int_equal(OPS->device_remove(f->m, a.id, d.id), 0);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g),
	    COFFER_ERR_NOTFOUND);
	/* Sign out: only the owner's, then all but one. */
	mk_session(&t, b.id, 3, T0, T0 + 1000);
	assert_int_equal(OPS->session_create(f->m, &t), 0);
	assert_int_equal(OPS->session_delete(f->m, a.id, t.token_hash),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g), 0);
	for (i = 10; i < 15; i++) {
		mk_session(&t, a.id, (uint8_t)i, T0, T0 + 1000);
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
	mk_session(&t, b.id, 3, T0, T0 + 1000);
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

	mk_account(f, "alice", &a);
	for (i = 0; i <= STORE_SESSIONS_MAX; i++) {
		mk_session(&s, a.id, 0, T0 + i, T0 + 100000);
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
	assert_int_equal(OPS->attempt_add(f->m, 3, k, 5, T0),
	    COFFER_ERR_INVALID);
	assert_int_equal(OPS->attempt_add(f->m, STORE_ATTEMPT_LOGIN, k, 0, T0),
	    COFFER_ERR_INVALID);
}

static void
test_devices(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_device d, g, *list;
	size_t n;
	int i;

	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	memset(&d, 0, sizeof(d));
	fill_id(d.id, 1);
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
	assert_int_equal(g.created, T0);
	/* Another account neither sees nor removes it, and may use the id. */
	assert_int_equal(OPS->device_get(f->m, b.id, d.id, &g),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->device_remove(f->m, b.id, d.id),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->device_add(f->m, b.id, &d, T0), 0);
	/* Limits. */
	d.card_len = STORE_CARD_MAX + 1;
	fill_id(d.id, 2);
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), COFFER_ERR_TOOBIG);
	d.card_len = 0;
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0),
	    COFFER_ERR_INVALID);
	d.card_len = 157;
	d.name_len = STORE_DEVICE_NAME_MAX + 1;
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->device_get(f->m, a.id, d.id, &g),
	    COFFER_ERR_NOTFOUND);
	d.name_len = 0;
	for (i = 2; i <= STORE_DEVICES_MAX; i++) {
		fill_id(d.id, (uint8_t)i);
		assert_int_equal(OPS->device_add(f->m, a.id, &d, T0 + i), 0);
	}
	fill_id(d.id, 0xff);
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), COFFER_ERR_TOOBIG);
	list = calloc(STORE_DEVICES_MAX, sizeof(*list));
	assert_non_null(list);
	assert_int_equal(OPS->device_list(f->m, a.id, list, STORE_DEVICES_MAX,
	    &n), 0);
	assert_int_equal(n, STORE_DEVICES_MAX);
	for (i = 0; i < STORE_DEVICES_MAX; i++)
		assert_int_equal(list[i].id[0], i + 1);	/* oldest first */
	assert_int_equal(OPS->device_list(f->m, a.id, list, 3, &n),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(n, 3);
	assert_int_equal(OPS->device_list(f->m, b.id, list, STORE_DEVICES_MAX,
	    &n), 0);
	assert_int_equal(n, 1);
	fill_id(d.id, 1);
	assert_int_equal(OPS->device_remove(f->m, a.id, d.id), 0);
	assert_int_equal(OPS->device_remove(f->m, a.id, d.id),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->device_get(f->m, b.id, d.id, &g), 0);
	fill_id(a.id, 0xee);
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
	uint8_t zid[STORE_ID_BYTES];
	size_t n;
	int created;

	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	fill_id(zid, 5);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 3, T0, &z, &created),
	    0);
	assert_int_equal(created, 1);
	assert_int_equal(z.category, 3);
	assert_int_equal(z.seq, 0);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 3, T0 + 9, &g,
	    &created), 0);
	assert_int_equal(created, 0);
	assert_int_equal(g.created, T0);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 4, T0, &g, &created),
	    COFFER_ERR_EXISTS);
	assert_int_equal(OPS->zone_ensure(f->m, a.id, zid, 0, T0, &g, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(OPS->zone_get(f->m, a.id, zid, &g), 0);
	assert_memory_equal(g.id, zid, STORE_ID_BYTES);
	assert_int_equal(OPS->zone_get(f->m, b.id, zid, &g),
	    COFFER_ERR_NOTFOUND);
	/* Bob's zone of the same id and another category is his own. */
	assert_int_equal(OPS->zone_ensure(f->m, b.id, zid, 9, T0, &g, &created),
	    0);
	assert_int_equal(created, 1);
	fill_id(zid, 6);
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
	uint8_t zid[STORE_ID_BYTES];
	uint32_t i;

	mk_account(f, "alice", &a);
	memset(zid, 0, sizeof(zid));
	for (i = 0; i < STORE_ZONES_MAX; i++) {
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
put_ok(struct fx *f, const uint8_t *acct, const uint8_t *zid,
    const uint8_t *rid, const char *data, uint64_t expected,
    uint64_t version)
{
	struct store_put_result res;

	assert_int_equal(OPS->record_put(f->m, acct, zid, rid,
	    (const uint8_t *)data, strlen(data), expected, &res), 0);
	assert_int_equal(res.version, version);
	assert_int_equal(res.deleted, 0);
}

static void
test_records(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_put_result res;
	struct store_record rec;
	struct store_zone z;
	uint8_t zid[STORE_ID_BYTES], rid[STORE_ID_BYTES], r2[STORE_ID_BYTES];

	mk_account(f, "alice", &a);
	mk_zone(f, a.id, 1, zid);
	fill_id(rid, 2);
	fill_id(r2, 3);
	put_ok(f, a.id, zid, rid, "one", 0, 1);
	/* 0 means "must be absent": a stale create conflicts. */
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid,
	    (const uint8_t *)"x", 1, 0, &res), STORE_ERR_CONFLICT);
	assert_int_equal(res.version, 1);
	assert_int_equal(res.seq, 1);
	put_ok(f, a.id, zid, rid, "two", 1, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid,
	    (const uint8_t *)"x", 1, 5, &res), STORE_ERR_CONFLICT);
	assert_int_equal(res.version, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, r2,
	    (const uint8_t *)"x", 1, 3, &res), STORE_ERR_CONFLICT);
	assert_int_equal(res.version, 0);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, r2, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_int_equal(rec.version, 2);
	assert_int_equal(rec.seq, 2);
	assert_int_equal(rec.deleted, 0);
	assert_int_equal(rec.len, 3);
	assert_memory_equal(rec.data, "two", 3);
	assert_memory_equal(rec.id, rid, STORE_ID_BYTES);
	store_record_cleanup(&rec);
	/* Delete: conditional, then a tombstone with a version bump. */
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid, 1, &res),
	    STORE_ERR_CONFLICT);
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
	put_ok(f, a.id, zid, rid, "back", 3, 4);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid, 4, &res), 0);
	put_ok(f, a.id, zid, rid, "again", 0, 6);
	put_ok(f, a.id, zid, r2, "", 0, 1);
	assert_int_equal(OPS->zone_get(f->m, a.id, zid, &z), 0);
	assert_int_equal(z.seq, 7);
	fill_id(zid, 9);
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
	uint8_t zid[STORE_ID_BYTES], rid[STORE_ID_BYTES], *big;

	big = malloc(STORE_RECORD_MAX + 1);
	assert_non_null(big);
	randombytes_buf(big, STORE_RECORD_MAX + 1);
	mk_account(f, "alice", &a);
	mk_zone(f, a.id, 1, zid);
	fill_id(rid, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big,
	    STORE_RECORD_MAX + 1, 0, &res), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->zone_get(f->m, a.id, zid, &z), 0);
	assert_int_equal(z.seq, 0);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, 0);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big,
	    STORE_RECORD_MAX, 0, &res), 0);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big + 1,
	    STORE_RECORD_MAX + 1, 1, &res), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_int_equal(rec.version, 1);
	assert_int_equal(rec.len, STORE_RECORD_MAX);
	assert_memory_equal(rec.data, big, STORE_RECORD_MAX);
	store_record_cleanup(&rec);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, STORE_RECORD_MAX + STORE_RECORD_OVERHEAD);
	free(big);
}

/* One page of changes; the caller frees it. */
static void
page(struct fx *f, const uint8_t *acct, const uint8_t *zid, const char *tok,
    size_t limit, struct store_changes *c, size_t n, int more)
{
	assert_int_equal(OPS->changes(f->m, acct, zid, tok, limit, c), 0);
	assert_int_equal(c->n, n);
	assert_int_equal(c->more, more);
	assert_int_equal(strlen(c->next), STORE_TOKEN_LEN);
}

static void
test_changes_paging(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_put_result res;
	struct store_changes c, d;
	uint8_t zid[STORE_ID_BYTES], rid[STORE_ID_BYTES], *big;
	char first[STORE_TOKEN_LEN + 1], end[STORE_TOKEN_LEN + 1], data[16];
	size_t i;

	mk_account(f, "alice", &a);
	mk_zone(f, a.id, 1, zid);
	page(f, a.id, zid, NULL, 10, &c, 0, 0);
	store_changes_cleanup(&c);
	for (i = 0; i < 25; i++) {
		fill_id(rid, (uint8_t)i);
		snprintf(data, sizeof(data), "rec %zu", i);
		put_ok(f, a.id, zid, rid, data, 0, 1);
	}
	page(f, a.id, zid, "", 10, &c, 10, 1);
	for (i = 0; i < 10; i++) {
		assert_int_equal(c.v[i].seq, i + 1);
		assert_int_equal(c.v[i].id[0], i);
	}
	memcpy(first, c.next, sizeof(first));
	page(f, a.id, zid, first, 10, &d, 10, 1);
	assert_int_equal(d.v[0].seq, 11);
	store_changes_cleanup(&c);
	page(f, a.id, zid, d.next, 10, &c, 5, 0);
	assert_int_equal(c.v[4].seq, 25);
	assert_int_equal(c.v[4].len, 6);
	assert_memory_equal(c.v[4].data, "rec 24", 6);
	memcpy(end, c.next, sizeof(end));
	store_changes_cleanup(&c);
	store_changes_cleanup(&d);
	/* At the end: nothing, and the same place. */
	page(f, a.id, zid, end, 10, &c, 0, 0);
	assert_string_equal(c.next, end);
	store_changes_cleanup(&c);
	/* A tombstone and an update show up after the end token. */
	fill_id(rid, 3);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid,
	    STORE_VERSION_ANY, &res), 0);
	fill_id(rid, 7);
	put_ok(f, a.id, zid, rid, "seven", 1, 2);
	page(f, a.id, zid, end, 10, &c, 2, 0);
	assert_int_equal(c.v[0].id[0], 3);
	assert_int_equal(c.v[0].deleted, 1);
	assert_int_equal(c.v[1].id[0], 7);
	assert_int_equal(c.v[1].version, 2);
	store_changes_cleanup(&c);
	/* Resuming from the first page: each record once, latest state. */
	page(f, a.id, zid, first, 0, &c, 17, 0);
	store_changes_cleanup(&c);
	page(f, a.id, zid, NULL, 0, &c, 25, 0);
	for (i = 0; i < 25; i++)
		assert_int_equal(c.v[i].deleted, c.v[i].id[0] == 3);
	store_changes_cleanup(&c);
	/* Pages also stop before STORE_FEED_BYTES of data: here after the
	 * two small changes and three of the 1 MiB records. */
	big = calloc(1, STORE_RECORD_MAX);
	assert_non_null(big);
	for (i = 0; i < 5; i++) {
		fill_id(rid, (uint8_t)(100 + i));
		assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, big,
		    STORE_RECORD_MAX, 0, &res), 0);
	}
	free(big);
	page(f, a.id, zid, end, 100, &c, 5, 1);
	page(f, a.id, zid, c.next, 100, &d, 2, 0);
	store_changes_cleanup(&c);
	store_changes_cleanup(&d);
}

/* The token with character i replaced. */
static void
alter(char *out, const char *tok, size_t i)
{
	memcpy(out, tok, STORE_TOKEN_LEN + 1);
	out[i] = out[i] == 'A' ? 'B' : 'A';
}

static void
test_changes_tokens(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_changes c;
	uint8_t z1[STORE_ID_BYTES], z2[STORE_ID_BYTES], rid[STORE_ID_BYTES];
	char tok[STORE_TOKEN_LEN + 1], bad[STORE_TOKEN_LEN + 2];

	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	mk_zone(f, a.id, 1, z1);
	mk_zone(f, a.id, 2, z2);
	mk_zone(f, b.id, 1, z1);	/* bob's zone of the same id */
	fill_id(rid, 1);
	put_ok(f, a.id, z1, rid, "a", 0, 1);
	put_ok(f, a.id, z2, rid, "a", 0, 1);
	put_ok(f, b.id, z1, rid, "b", 0, 1);
	page(f, a.id, z1, NULL, 0, &c, 1, 0);
	memcpy(tok, c.next, sizeof(tok));
	store_changes_cleanup(&c);
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(OPS->changes(f->m, a.id, z1, "garbage", 0, &c),
	    COFFER_ERR_FORMAT);
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
	fill_id(z2, 0x77);
	assert_int_equal(OPS->changes(f->m, a.id, z2, NULL, 0, &c),
	    COFFER_ERR_NOTFOUND);
	page(f, a.id, z1, tok, 0, &c, 0, 0);
	store_changes_cleanup(&c);
}

/* A store restored from an older copy: a newer token is ahead of it. */
static void
test_changes_rollback(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_changes c;
	uint8_t zid[STORE_ID_BYTES], rid[STORE_ID_BYTES];
	char tok[STORE_TOKEN_LEN + 1];

	if (be->snapshot == NULL)
		skip();
	mk_account(f, "alice", &a);
	mk_zone(f, a.id, 1, zid);
	fill_id(rid, 1);
	put_ok(f, a.id, zid, rid, "1", 0, 1);
	be->ops->close(&f->m);
	assert_int_equal(be->snapshot(f->dir, 0), 0);
	assert_int_equal(fx_open(f), 0);
	put_ok(f, a.id, zid, rid, "2", 1, 2);
	page(f, a.id, zid, NULL, 0, &c, 1, 0);
	memcpy(tok, c.next, sizeof(tok));
	store_changes_cleanup(&c);
	be->ops->close(&f->m);
	assert_int_equal(be->snapshot(f->dir, 1), 0);
	assert_int_equal(fx_open(f), 0);
	assert_int_equal(OPS->changes(f->m, a.id, zid, tok, 0, &c),
	    COFFER_ERR_STATE);
}

static void
blob_id(uint8_t *id, uint8_t v)
{
	memset(id, v, STORE_BLOB_ID_BYTES);
}

static void
test_blob_refs(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_usage u;
	uint8_t (*ids)[STORE_BLOB_ID_BYTES], present[3];
	uint64_t size;
	int added;

	ids = calloc(STORE_EXISTS_MAX + 1, sizeof(*ids));
	assert_non_null(ids);
	mk_account(f, "alice", &a);
	blob_id(ids[0], 1);
	blob_id(ids[1], 2);
	blob_id(ids[2], 3);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[0], 100, &added), 0);
	assert_int_equal(added, 1);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[0], 100, &added), 0);
	assert_int_equal(added, 0);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[0], 101, &added),
	    STORE_ERR_CONFLICT);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[2], 0, NULL), 0);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, ids[0], &size), 0);
	assert_int_equal(size, 100);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, ids[1], &size),
	    COFFER_ERR_NOTFOUND);
	memset(present, 7, sizeof(present));
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[STORE_BLOB_ID_BYTES])ids, 3, present), 0);
	assert_int_equal(present[0], 1);
	assert_int_equal(present[1], 0);
	assert_int_equal(present[2], 1);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[STORE_BLOB_ID_BYTES])ids, 0, present), 0);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[STORE_BLOB_ID_BYTES])ids, STORE_EXISTS_MAX + 1,
	    present), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, 100);
	assert_int_equal(u.quota, STORE_QUOTA_DEFAULT);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, ids[0]), 0);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, ids[0]),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->usage(f->m, a.id, &u), 0);
	assert_int_equal(u.used, 0);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[1],
	    STORE_SIZE_MAX + 1, NULL), COFFER_ERR_TOOBIG);
	fill_id(a.id, 0xee);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, ids[1], 1, NULL),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[STORE_BLOB_ID_BYTES])ids, 1, present),
	    COFFER_ERR_NOTFOUND);
	free(ids);
}

static void
assert_used(struct fx *f, const uint8_t *acct, uint64_t used, uint64_t quota)
{
	struct store_usage u;

	assert_int_equal(OPS->usage(f->m, acct, &u), 0);
	assert_int_equal(u.used, used);
	assert_int_equal(u.quota, quota);
}

static void
test_quota(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_put_result res;
	struct store_record rec;
	uint8_t zid[STORE_ID_BYTES], rid[STORE_ID_BYTES];
	uint8_t b1[STORE_BLOB_ID_BYTES], b2[STORE_BLOB_ID_BYTES], data[900];

	memset(data, 1, sizeof(data));
	be->ops->close(&f->m);
	f->cfg.quota_default = 10000;
	assert_int_equal(fx_open(f), 0);
	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	mk_zone(f, a.id, 1, zid);
	fill_id(rid, 1);
	blob_id(b1, 1);
	blob_id(b2, 2);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b1, 9000, NULL), 0);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b2, 1001, NULL),
	    STORE_ERR_QUOTA);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, b2, &res.version),
	    COFFER_ERR_NOTFOUND);
	assert_used(f, a.id, 9000, 10000);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b2, 1000, NULL), 0);
	assert_used(f, a.id, 10000, 10000);
	/* Records count too, with their overhead. */
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 1, 0,
	    &res), STORE_ERR_QUOTA);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, b2), 0);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 100, 0,
	    &res), 0);
	assert_used(f, a.id, 9228, 10000);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 900, 1,
	    &res), STORE_ERR_QUOTA);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 50, 1,
	    &res), 0);
	assert_used(f, a.id, 9178, 10000);
	assert_int_equal(OPS->record_delete(f->m, a.id, zid, rid,
	    STORE_VERSION_ANY, &res), 0);
	assert_used(f, a.id, 9128, 10000);
	/* The account's own quota, and back to the default. */
	assert_int_equal(OPS->quota_set(f->m, a.id, 20000), 0);
	assert_used(f, a.id, 9128, 20000);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, b2, 10000, NULL), 0);
	assert_int_equal(OPS->quota_set(f->m, a.id, 0), 0);
	assert_used(f, a.id, 19128, 10000);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid, data, 1, 0,
	    &res), STORE_ERR_QUOTA);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, b2), 0);
	assert_int_equal(OPS->quota_set(f->m, a.id, STORE_SIZE_MAX + 1),
	    COFFER_ERR_TOOBIG);
	assert_used(f, b.id, 0, 10000);
	fill_id(b.id, 0xee);
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
	uint8_t zid[STORE_ID_BYTES], only_b[STORE_ID_BYTES], rid[STORE_ID_BYTES];
	uint8_t x[STORE_BLOB_ID_BYTES], present;
	uint64_t size;

	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	mk_zone(f, a.id, 1, zid);
	mk_zone(f, b.id, 1, zid);
	mk_zone(f, b.id, 2, only_b);
	fill_id(rid, 1);
	put_ok(f, a.id, zid, rid, "alice's", 0, 1);
	put_ok(f, b.id, zid, rid, "bob's", 0, 1);
	put_ok(f, b.id, only_b, rid, "bob's", 0, 1);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, rid, &rec), 0);
	assert_memory_equal(rec.data, "alice's", 7);
	store_record_cleanup(&rec);
	page(f, a.id, zid, NULL, 0, &c, 1, 0);
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
	blob_id(x, 9);
	assert_int_equal(OPS->blob_ref_add(f->m, b.id, x, 5, NULL), 0);
	assert_int_equal(OPS->blob_ref_get(f->m, a.id, x, &size),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_exists(f->m, a.id,
	    (const uint8_t (*)[STORE_BLOB_ID_BYTES])&x, 1, &present), 0);
	assert_int_equal(present, 0);
	assert_int_equal(OPS->blob_ref_delete(f->m, a.id, x),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, x, 7, NULL), 0);
	assert_int_equal(OPS->blob_ref_get(f->m, b.id, x, &size), 0);
	assert_int_equal(size, 5);
	assert_used(f, b.id, 5 + 2 * (5 + STORE_RECORD_OVERHEAD),
	    STORE_QUOTA_DEFAULT);
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
	uint8_t zid[STORE_ID_BYTES], rid[STORE_ID_BYTES];
	uint8_t x[STORE_BLOB_ID_BYTES];
	size_t n;

	mk_account(f, "alice", &a);
	mk_account(f, "bob", &b);
	memset(&d, 0, sizeof(d));
	d.card_len = 157;
	fill_id(d.id, 1);
	fill_id(rid, 1);
	blob_id(x, 1);
	mk_session(&s, a.id, 1, T0, T0 + 10);
	mk_session(&t, b.id, 2, T0, T0 + 10);
	assert_int_equal(OPS->device_add(f->m, a.id, &d, T0), 0);
	assert_int_equal(OPS->device_add(f->m, b.id, &d, T0), 0);
	assert_int_equal(OPS->session_create(f->m, &s), 0);
	assert_int_equal(OPS->session_create(f->m, &t), 0);
	mk_zone(f, a.id, 1, zid);
	mk_zone(f, b.id, 1, zid);
	put_ok(f, a.id, zid, rid, "a", 0, 1);
	put_ok(f, b.id, zid, rid, "b", 0, 1);
	assert_int_equal(OPS->blob_ref_add(f->m, a.id, x, 5, NULL), 0);
	assert_int_equal(OPS->account_delete(f->m, a.id), 0);
	assert_int_equal(OPS->session_lookup(f->m, s.token_hash, T0, &g),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->session_lookup(f->m, t.token_hash, T0, &g), 0);
	assert_int_equal(OPS->record_get(f->m, b.id, zid, rid, &rec), 0);
	store_record_cleanup(&rec);
	assert_int_equal(OPS->device_get(f->m, b.id, d.id, &d), 0);
	/* A new account of the same login starts empty. */
	mk_account(f, "alice", &a);
	assert_int_equal(OPS->zone_list(f->m, a.id, zl, 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(OPS->device_get(f->m, a.id, d.id, &d),
	    COFFER_ERR_NOTFOUND);
	assert_used(f, a.id, 0, STORE_QUOTA_DEFAULT);
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
	uint8_t rid[STORE_ID_BYTES], shared[STORE_ID_BYTES];
	int i, won = 0, r;

	fill_id(shared, 0xff);
	for (i = 0; i < NPUTS; i++) {
		fill_id(rid, w->n);
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
		else if (r == STORE_ERR_CONFLICT)
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
	uint8_t zid[STORE_ID_BYTES], shared[STORE_ID_BYTES];
	int i;

	/* Fewer connections than threads: callers queue for them. */
	be->ops->close(&f->m);
	f->cfg.connections = 2;
	assert_int_equal(fx_open(f), 0);
	mk_account(f, "alice", &a);
	mk_zone(f, a.id, 1, zid);
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ f, a.id, zid, (uint8_t)i, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
	}
	fill_id(shared, 0xff);
	assert_int_equal(OPS->record_get(f->m, a.id, zid, shared, &rec), 0);
	assert_int_equal(rec.version, NTHREADS * NRACE);
	store_record_cleanup(&rec);
	page(f, a.id, zid, NULL, 0, &c, NTHREADS * NPUTS + 1, 0);
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
	uint8_t zid[STORE_ID_BYTES], rid[STORE_ID_BYTES];

	mk_account(f, "alice", &a);
	mk_zone(f, a.id, 1, zid);
	fill_id(rid, 2);
	assert_int_equal(OPS->record_put(f->m, a.id, zid, rid,
	    (const uint8_t *)"data", 4, 0, &res), 0);
	be->ops->close(&f->m);
	assert_null(f->m);
	assert_int_equal(fx_open(f), 0);
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

	if (be->future_schema == NULL)
		skip();
	be->ops->close(&f->m);
	assert_int_equal(be->future_schema(f->where), 0);
	assert_int_equal(be->ops->open(&m2, f->where, &f->cfg),
	    COFFER_ERR_VERSION);
	assert_null(m2);
	/* Leave the fixture a store to close. */
	be->remove(f->dir);
	assert_int_equal(be->fresh(f->where, sizeof(f->where), f->dir,
	    sizeof(f->dir)), 0);
	assert_int_equal(fx_open(f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		CASE(test_accounts),
		CASE(test_account_state),
		CASE(test_sessions),
		CASE(test_session_cap),
		CASE(test_attempts),
		CASE(test_devices),
		CASE(test_zones),
		CASE(test_zone_cap),
		CASE(test_records),
		CASE(test_record_limits),
		CASE(test_changes_paging),
		CASE(test_changes_tokens),
		CASE(test_changes_rollback),
		CASE(test_blob_refs),
		CASE(test_quota),
		CASE(test_isolation),
		CASE(test_account_delete_cascade),
		CASE(test_threads),
		CASE(test_reopen),
		CASE(test_future_schema),
#undef CASE
	};
	size_t i;
	int rc = 0;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		be = &backends[i];
		rc |= cmocka_run_group_tests_name(be->name, tests, NULL, NULL);
	}
	return rc;
}
