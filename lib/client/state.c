/* The client's state in the home folder: one SQLite database, state.db,
 * mode 0600 (docs/PROTOCOL-client.md, "Home folder"). It holds the
 * account's names, each zone's change token, the local copy of each
 * zone's records (as the server stores them: ciphertext), the highest
 * inner counter seen per record with the hash of the bytes seen at it, and
 * every device list entry this home verified. Storage alone: what is kept
 * is decided by the callers, and nothing here calls back up into them. */
#include <coffer/err.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client_internal.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS zones(zone BLOB PRIMARY KEY,"
    " category TEXT NOT NULL, token TEXT);"
    "CREATE TABLE IF NOT EXISTS records(zone BLOB NOT NULL,"
    " record BLOB NOT NULL, version INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL, data BLOB, PRIMARY KEY(zone, record));"
    "CREATE TABLE IF NOT EXISTS seen(zone BLOB NOT NULL,"
    " record BLOB NOT NULL, counter INTEGER NOT NULL, hash BLOB,"
    " PRIMARY KEY(zone, record));"
    "CREATE TABLE IF NOT EXISTS devlist(seq INTEGER PRIMARY KEY,"
    " entry BLOB NOT NULL);";

static int
db_fail(struct coffer_client *c, const char *what)
{
	return cl_fail(c, COFFER_ERR_IO, "state.db: %s: %s", what,
	    sqlite3_errmsg(c->db));
}

/* Whether the seen table has its hash column: *${n} 1 or 0. */
static int
seen_has_hash(struct coffer_client *c, int *n)
{
	sqlite3_stmt *s = NULL;
	int r = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM "
	    "pragma_table_info('seen') WHERE name = 'hash'", -1, &s,
	    NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		r = db_fail(c, "schema");
	else
		*n = sqlite3_column_int(s, 0);
	(void)sqlite3_finalize(s);
	return r;
}

/* A home from before seen kept hashes: its seen table gains the column,
 * NULL in every row (the next bytes seen at a row's counter become its
 * reference). Asked again inside the transaction: another process may
 * have opened the home at the same time. */
static int
migrate_seen(struct coffer_client *c)
{
	int r, n = 0;

	if ((r = seen_has_hash(c, &n)) != 0 || n == 1)
		return r;
	if ((r = st_begin(c)) != 0)
		return r;
	if ((r = seen_has_hash(c, &n)) == 0 && n == 0 &&
	    sqlite3_exec(c->db, "ALTER TABLE seen ADD COLUMN hash BLOB", NULL,
	    NULL, NULL) != SQLITE_OK)
		r = db_fail(c, "migrating seen");
	return st_end(c, r);
}

int
st_open(struct coffer_client *c)
{
	char path[4096];
	int fd, r;

	if ((r = cl_path(path, sizeof(path), c->home, "state.db")) != 0)
		return r;
	/* Made 0600 before SQLite sees it; its journals take that mode. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return cl_fail(c, COFFER_ERR_IO, "%s: %s", path,
		    strerror(errno));
	(void)close(fd);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
		return db_fail(c, "open");
	(void)sqlite3_busy_timeout(c->db, 10000);
	if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(c, "schema");
	return migrate_seen(c);
}

static int
prep(struct coffer_client *c, sqlite3_stmt **s, const char *sql)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL) != SQLITE_OK)
		return db_fail(c, "prepare");
	return 0;
}

/* Step a statement that returns no row, and finalise it. */
static int
done(struct coffer_client *c, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	(void)sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(c, "write");
}

/* Step to the one row a query may return: 0 there is one,
 * COFFER_ERR_NOTFOUND there is none. */
static int
one_row(struct coffer_client *c, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? COFFER_ERR_NOTFOUND : db_fail(c, "read");
}

/* An id, bound for the statement's life (the caller's copy outlives it). */
static void
bind_id(sqlite3_stmt *s, int col, const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	(void)sqlite3_bind_blob(s, col, id, COFFER_WIRE_ID_BYTES,
	    SQLITE_STATIC);
}

static int
blob_out(sqlite3_stmt *s, int col, struct coffer_buf *out)
{
	const void *p = sqlite3_column_blob(s, col);
	int n = sqlite3_column_bytes(s, col);

	if (out == NULL || n == 0)
		return 0;
	return coffer_buf_append(out, p, (size_t)n);
}

int
st_get(struct coffer_client *c, const char *k, struct coffer_buf *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, &s, "SELECT v FROM meta WHERE k = ?")) != 0)
		return r;
	(void)sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	if ((r = one_row(c, s)) == 0)
		r = blob_out(s, 0, out);
	(void)sqlite3_finalize(s);
	return r;
}

int
st_set(struct coffer_client *c, const char *k, const void *v, size_t len)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, &s, "INSERT OR REPLACE INTO meta(k, v) "
	    "VALUES(?, ?)")) != 0)
		return r;
	(void)sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	(void)sqlite3_bind_blob(s, 2, len ? v : "", (int)len, SQLITE_STATIC);
	return done(c, s);
}

int
st_del(struct coffer_client *c, const char *k)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, &s, "DELETE FROM meta WHERE k = ?")) != 0)
		return r;
	(void)sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	return done(c, s);
}

int
st_get_u64(struct coffer_client *c, const char *k, uint64_t *v)
{
	sqlite3_stmt *s = NULL;
	const uint8_t *p;
	int r, i;

	*v = 0;
	if ((r = prep(c, &s, "SELECT v FROM meta WHERE k = ?")) != 0)
		return r;
	(void)sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	if ((r = one_row(c, s)) == 0) {
		p = sqlite3_column_blob(s, 0);
		if (sqlite3_column_bytes(s, 0) != 8 || p == NULL)
			r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: meta %s "
			    "is not a number", k);
		for (i = 0; r == 0 && i < 8; i++)
			*v = *v << 8 | p[i];
	}
	(void)sqlite3_finalize(s);
	return r;
}

int
st_set_u64(struct coffer_client *c, const char *k, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	return st_set(c, k, b, sizeof(b));
}

int
st_dl_put(struct coffer_client *c, uint64_t seq, const uint8_t *entry,
    size_t len)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (seq == 0 || seq > (uint64_t)INT64_MAX || len == 0)
		return cl_fail(c, COFFER_ERR_INVALID, "a device list entry "
		    "out of range");
	/* A seq is kept once: a verified entry never changes. */
	if ((r = prep(c, &s, "INSERT INTO devlist(seq, entry) VALUES(?, ?)"))
	    != 0)
		return r;
	(void)sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	(void)sqlite3_bind_blob(s, 2, entry, (int)len, SQLITE_STATIC);
	return done(c, s);
}

/* The entry of a devlist query's one row into ${out}, its seq into
 * *${seq} (may be NULL). */
static int
dl_row(struct coffer_client *c, sqlite3_stmt *s, uint64_t *seq,
    struct coffer_buf *out)
{
	sqlite3_int64 n;
	int r;

	if ((r = one_row(c, s)) != 0)
		return r;
	n = sqlite3_column_int64(s, 0);
	if (n < 1 || sqlite3_column_bytes(s, 1) == 0)
		return cl_fail(c, COFFER_ERR_FORMAT, "state.db: a device list "
		    "row out of shape");
	if (seq != NULL)
		*seq = (uint64_t)n;
	return blob_out(s, 1, out);
}

int
st_dl_get(struct coffer_client *c, uint64_t seq, struct coffer_buf *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (seq > (uint64_t)INT64_MAX)
		return COFFER_ERR_NOTFOUND;
	if ((r = prep(c, &s, "SELECT seq, entry FROM devlist WHERE seq = ?"))
	    != 0)
		return r;
	(void)sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	r = dl_row(c, s, NULL, out);
	(void)sqlite3_finalize(s);
	return r;
}

int
st_dl_head(struct coffer_client *c, uint64_t *seq, struct coffer_buf *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	*seq = 0;
	if ((r = prep(c, &s, "SELECT seq, entry FROM devlist ORDER BY seq DESC "
	    "LIMIT 1")) != 0)
		return r;
	r = dl_row(c, s, seq, out);
	(void)sqlite3_finalize(s);
	return r;
}

int
st_zone_token(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], char *tok, size_t cap)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int r;

	if ((r = prep(c, &s, "SELECT token FROM zones WHERE zone = ?")) != 0)
		return r;
	bind_id(s, 1, zone);
	tok[0] = '\0';
	if ((r = one_row(c, s)) == 0 &&
	    (t = sqlite3_column_text(s, 0)) != NULL)
		(void)snprintf(tok, cap, "%s", (const char *)t);
	(void)sqlite3_finalize(s);
	return r;
}

int
st_zone_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], const char *category,
    const char *token)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, &s, "INSERT INTO zones(zone, category, token) "
	    "VALUES(?1, ?2, ?3) ON CONFLICT(zone) DO UPDATE SET "
	    "token = ?3")) != 0)
		return r;
	bind_id(s, 1, zone);
	(void)sqlite3_bind_text(s, 2, category, -1, SQLITE_STATIC);
	if (token != NULL && token[0] != '\0')
		(void)sqlite3_bind_text(s, 3, token, -1, SQLITE_STATIC);
	return done(c, s);
}

int
st_zones(struct coffer_client *c, uint8_t **ids, size_t *n)
{
	sqlite3_stmt *s = NULL;
	uint8_t *p;
	int r, rc;

	*ids = NULL;
	*n = 0;
	if ((r = prep(c, &s, "SELECT zone FROM zones ORDER BY zone")) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) != COFFER_WIRE_ID_BYTES)
			continue;
		if ((p = realloc(*ids, (*n + 1) * COFFER_WIRE_ID_BYTES)) ==
		    NULL) {
			r = COFFER_ERR_NOMEM;
			break;
		}
		*ids = p;
		memcpy(p + *n * COFFER_WIRE_ID_BYTES, sqlite3_column_blob(s, 0),
		    COFFER_WIRE_ID_BYTES);
		(*n)++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(c, "read");
	(void)sqlite3_finalize(s);
	if (r != 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return r;
}

int
st_zone_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], struct zone *z)
{
	sqlite3_stmt *s = NULL;
	const char *cat;
	int r;

	memset(z, 0, sizeof(*z));
	if ((r = prep(c, &s, "SELECT category FROM zones WHERE zone = ?")) != 0)
		return r;
	bind_id(s, 1, zone);
	if ((r = one_row(c, s)) == 0) {
		cat = (const char *)sqlite3_column_text(s, 0);
		memcpy(z->id, zone, COFFER_WIRE_ID_BYTES);
		z->cat = coffer_category_by_name(cat != NULL ? cat : "");
		if (z->cat == NULL)
			r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: a zone of "
			    "an unknown category");
	}
	(void)sqlite3_finalize(s);
	return r;
}

int
st_rec_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *rec,
    struct coffer_buf *data)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, &s, "SELECT version, deleted, data FROM records "
	    "WHERE zone = ? AND record = ?")) != 0)
		return r;
	bind_id(s, 1, zone);
	bind_id(s, 2, id);
	if ((r = one_row(c, s)) == 0) {
		memcpy(rec->id, id, COFFER_WIRE_ID_BYTES);
		rec->version = (uint64_t)sqlite3_column_int64(s, 0);
		rec->deleted = sqlite3_column_int(s, 1) != 0;
		r = blob_out(s, 2, data);
	}
	(void)sqlite3_finalize(s);
	return r;
}

int
st_rec_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], const struct rec *rec,
    const uint8_t *data, size_t len)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, &s, "INSERT OR REPLACE INTO records(zone, record, "
	    "version, deleted, data) VALUES(?, ?, ?, ?, ?)")) != 0)
		return r;
	bind_id(s, 1, zone);
	bind_id(s, 2, rec->id);
	(void)sqlite3_bind_int64(s, 3, (sqlite3_int64)rec->version);
	(void)sqlite3_bind_int(s, 4, rec->deleted != 0);
	if (data != NULL && !rec->deleted)
		(void)sqlite3_bind_blob(s, 5, data, (int)len, SQLITE_STATIC);
	return done(c, s);
}

int
st_rec_drop_zone(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES])
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, &s, "DELETE FROM records WHERE zone = ?")) != 0)
		return r;
	bind_id(s, 1, zone);
	return done(c, s);
}

int
st_rec_each(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], st_rec_fn fn, void *arg)
{
	sqlite3_stmt *s = NULL;
	struct rec rec;
	int r, rc;

	if ((r = prep(c, &s, "SELECT record, version, data FROM records "
	    "WHERE zone = ? AND deleted = 0 ORDER BY record")) != 0)
		return r;
	bind_id(s, 1, zone);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) != COFFER_WIRE_ID_BYTES)
			continue;
		memcpy(rec.id, sqlite3_column_blob(s, 0),
		    COFFER_WIRE_ID_BYTES);
		rec.version = (uint64_t)sqlite3_column_int64(s, 1);
		rec.deleted = 0;
		if ((r = fn(arg, &rec, sqlite3_column_blob(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2))) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(c, "read");
	(void)sqlite3_finalize(s);
	return r;
}

int
st_seen_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *counter,
    uint8_t hash[SEEN_HASH_BYTES], int *has_hash)
{
	sqlite3_stmt *s = NULL;
	sqlite3_int64 n;
	int r, len;

	*counter = 0;
	*has_hash = 0;
	if ((r = prep(c, &s, "SELECT counter, hash FROM seen WHERE zone = ? "
	    "AND record = ?")) != 0)
		return r;
	bind_id(s, 1, zone);
	bind_id(s, 2, id);
	if ((r = one_row(c, s)) == COFFER_ERR_NOTFOUND) {
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	n = sqlite3_column_int64(s, 0);
	len = sqlite3_column_bytes(s, 1);
	if (n < 0 || (sqlite3_column_type(s, 1) != SQLITE_NULL &&
	    len != SEEN_HASH_BYTES)) {
		r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: a seen row out of "
		    "shape");
		goto out;
	}
	*counter = (uint64_t)n;
	if (len == SEEN_HASH_BYTES) {
		memcpy(hash, sqlite3_column_blob(s, 1), SEEN_HASH_BYTES);
		*has_hash = 1;
	}
out:
	(void)sqlite3_finalize(s);
	return r;
}

int
st_seen_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter,
    const uint8_t hash[SEEN_HASH_BYTES])
{
	sqlite3_stmt *s = NULL;
	int r;

	if (counter > (uint64_t)INT64_MAX)
		return cl_fail(c, COFFER_ERR_INVALID, "a counter past 2^63");
	/* Only ever up; at the same counter a hash only where none is. */
	if ((r = prep(c, &s, "INSERT INTO seen(zone, record, counter, hash) "
	    "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(zone, record) DO UPDATE SET "
	    "counter = excluded.counter, hash = excluded.hash WHERE "
	    "excluded.counter > seen.counter OR (excluded.counter = "
	    "seen.counter AND seen.hash IS NULL)")) != 0)
		return r;
	bind_id(s, 1, zone);
	bind_id(s, 2, id);
	(void)sqlite3_bind_int64(s, 3, (sqlite3_int64)counter);
	(void)sqlite3_bind_blob(s, 4, hash, SEEN_HASH_BYTES, SQLITE_STATIC);
	return done(c, s);
}

int
st_begin(struct coffer_client *c)
{
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(c, "begin");
	return 0;
}

int
st_in_tx(struct coffer_client *c)
{
	return sqlite3_get_autocommit(c->db) == 0;
}

int
st_end(struct coffer_client *c, int r)
{
	if (r == 0) {
		if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK)
			r = db_fail(c, "commit");
		else
			return 0;
	}
	(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}
