/*
 * The SQLite metadata backend's base: connections (pragmas), the pool,
 * transactions and the helpers the verb files share (meta_sqlite_*.c).
 * Opening, the schema and the ops table sit above them, in
 * meta_sqlite_open.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <coffer/err.h>

#include "store/meta_sqlite.h"

static const char *const msq_sql_text[MSQ_NSQL] = {
#define X(name, text) text,
	MSQ_STATEMENTS
#undef X
};


int
msq_err(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return COFFER_ERR_EXISTS;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return COFFER_ERR_BUSY;
	case SQLITE_NOMEM:
		return COFFER_ERR_NOMEM;
	case SQLITE_TOOBIG:
		return COFFER_ERR_TOOBIG;
	case SQLITE_CONSTRAINT:		/* CHECK, FOREIGN KEY: we validate */
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
		return COFFER_ERR_INTERNAL;
	default:
		return COFFER_ERR_IO;
	}
}

int
msq_prep(struct msq_conn *c, enum msq_sql id, sqlite3_stmt **st)
{
	int rc;

	if (c->st[id] == NULL) {
		rc = sqlite3_prepare_v3(c->db, msq_sql_text[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->st[id], NULL);
		if (rc != SQLITE_OK) {
			c->st[id] = NULL;
			return rc == SQLITE_NOMEM ? COFFER_ERR_NOMEM :
			    COFFER_ERR_INTERNAL;
		}
	}
	sqlite3_reset(c->st[id]);
	sqlite3_clear_bindings(c->st[id]);
	*st = c->st[id];
	return 0;
}

int
msq_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	if (n > INT32_MAX)
		return COFFER_ERR_TOOBIG;
	/* A NULL pointer would bind SQL NULL, not an empty blob. */
	return msq_err(sqlite3_bind_blob(st, i, n == 0 ? "" : p, (int)n,
	    SQLITE_STATIC));
}

int
msq_bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
	return msq_err(sqlite3_bind_int64(st, i, v));
}

int
msq_col_copy(sqlite3_stmt *st, int col, uint8_t *out, size_t cap,
    size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (n < 0 || (size_t)n > cap || (n > 0 && p == NULL))
		return n > 0 && p == NULL ? COFFER_ERR_NOMEM :
		    COFFER_ERR_INTERNAL;
	if (n > 0)
		memcpy(out, p, (size_t)n);
	*len = (size_t)n;
	return 0;
}

int
msq_col_id(sqlite3_stmt *st, int col, uint8_t out[COFFER_WIRE_ID_BYTES])
{
	size_t n;
	int r;

	if ((r = msq_col_copy(st, col, out, COFFER_WIRE_ID_BYTES, &n)) != 0)
		return r;
	return n == COFFER_WIRE_ID_BYTES ? 0 : COFFER_ERR_INTERNAL;
}

int
msq_col_dup(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	uint8_t *q;

	if (n < 0 || (n > 0 && p == NULL))
		return n < 0 ? COFFER_ERR_INTERNAL : COFFER_ERR_NOMEM;
	if ((q = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		return COFFER_ERR_NOMEM;
	if (n > 0)
		memcpy(q, p, (size_t)n);
	*out = q;
	*len = (size_t)n;
	return 0;
}

int
msq_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return COFFER_ERR_NOTFOUND;
	return msq_err(rc);
}

int
msq_exec(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : msq_err(rc);
}

int
msq_aid(struct msq_conn *c, const uint8_t id[COFFER_WIRE_ID_BYTES], int64_t *aid)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, MSQ_ACCOUNT_AID, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		return r;
	*aid = sqlite3_column_int64(st, 0);
	return 0;
}

int
msq_charge(struct msq *ms, struct msq_conn *c, int64_t aid, int64_t delta)
{
	sqlite3_stmt *st;
	uint64_t used, quota;
	int r;

	if ((r = msq_prep(c, MSQ_USAGE_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		return r;
	used = (uint64_t)sqlite3_column_int64(st, 0);
	quota = sqlite3_column_type(st, 1) == SQLITE_NULL ?
	    ms->quota_default : (uint64_t)sqlite3_column_int64(st, 1);
	/* used and delta are below 2^63: the sum cannot wrap. */
	if (delta > 0 && used + (uint64_t)delta > quota)
		return COFFER_ERR_QUOTA;
	if ((r = msq_prep(c, MSQ_USAGE_ADD, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_i64(st, 2, delta)) != 0)
		return r;
	return msq_exec(st);
}

int
msq_list(struct msq *ms, const uint8_t *account, enum msq_sql q,
    const int64_t *now, void *out, size_t size, size_t cap, size_t *n,
    msq_row_fn row)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid;
	size_t i = 0;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || (out == NULL && cap > 0) || n == NULL)
		goto out;
	if ((r = msq_begin(ms, &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, q, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (now != NULL && (r = msq_bind_i64(st, 2, *now)) != 0))
		goto out;
	while ((r = msq_row(st)) == 0) {
		if (i == cap) {
			r = COFFER_ERR_TOOBIG;
			break;
		}
		if ((r = row(st, (uint8_t *)out + i * size)) != 0)
			goto out;
		i++;
	}
	if (r == COFFER_ERR_NOTFOUND)
		r = 0;
out:
	if (c != NULL) {
		r = msq_end(ms, c, 0, r);
		if (r == 0 || r == COFFER_ERR_TOOBIG)
			*n = i;
	}
	return r;
}

int
msq_prune(struct msq *ms, enum msq_sql q, int64_t v, uint64_t *deleted)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	uint64_t n = 0;
	int r;

	if ((r = msq_begin(ms, &c, 1)) != 0)
		goto out;
	if ((r = msq_prep(c, q, &st)) != 0 || (r = msq_bind_i64(st, 1, v)) !=
	    0 || (r = msq_exec(st)) != 0)
		goto out;
	n = (uint64_t)sqlite3_changes(c->db);
out:
	if (c != NULL && (r = msq_end(ms, c, 1, r)) == 0 && deleted != NULL)
		*deleted = n;
	return r;
}

int
msq_conn_open(struct msq *ms, struct msq_conn **cp)
{
	static const char *const pragmas =
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA trusted_schema = OFF;"
	    "PRAGMA journal_size_limit = 67108864;";
	struct msq_conn *c;
	sqlite3_stmt *st = NULL;
	int rc, r = COFFER_ERR_IO;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return COFFER_ERR_NOMEM;
	/* Not SQLITE_OPEN_NOFOLLOW: it refuses a link anywhere in the path,
	 * and data folders are often reached through one. precreate() has
	 * refused a link in the file's own place. */
	rc = sqlite3_open_v2(ms->path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = msq_err(rc);
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, (int)ms->busy_ms);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	/* journal_mode answers with the mode it is in: insist on WAL. */
	if ((rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1,
	    &st, NULL)) != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = msq_err(rc);
		goto out;
	}
	if (sqlite3_column_text(st, 0) == NULL || strcmp((const char *)
	    sqlite3_column_text(st, 0), "wal") != 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL)) != SQLITE_OK) {
		r = msq_err(rc);
		goto out;
	}
	/* A build without foreign keys would take the pragma silently. */
	if ((rc = sqlite3_prepare_v2(c->db, "PRAGMA foreign_keys", -1, &st,
	    NULL)) != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW ||
	    sqlite3_column_int(st, 0) != 1) {
		r = COFFER_ERR_INTERNAL;
		goto out;
	}
	*cp = c;
	c = NULL;
	r = 0;
out:
	sqlite3_finalize(st);
	if (c != NULL) {
		sqlite3_close(c->db);
		free(c);
	}
	return r;
}

void
msq_conn_close(struct msq_conn *c)
{
	size_t i;

	for (i = 0; i < MSQ_NSQL; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
}

static int
pool_get(struct msq *ms, struct msq_conn **cp)
{
	struct msq_conn *c;
	int r;

	pthread_mutex_lock(&ms->mu);
	while (ms->idle == NULL && ms->nconn >= ms->maxconn)
		pthread_cond_wait(&ms->cv, &ms->mu);
	if ((c = ms->idle) != NULL) {
		ms->idle = c->next;
		pthread_mutex_unlock(&ms->mu);
		c->next = NULL;
		*cp = c;
		return 0;
	}
	ms->nconn++;
	pthread_mutex_unlock(&ms->mu);
	if ((r = msq_conn_open(ms, cp)) != 0) {
		pthread_mutex_lock(&ms->mu);
		ms->nconn--;
		pthread_cond_signal(&ms->cv);
		pthread_mutex_unlock(&ms->mu);
	}
	return r;
}

void
msq_pool_put(struct msq *ms, struct msq_conn *c)
{
	pthread_mutex_lock(&ms->mu);
	c->next = ms->idle;
	ms->idle = c;
	pthread_cond_signal(&ms->cv);
	pthread_mutex_unlock(&ms->mu);
}

int
msq_begin(struct msq *ms, struct msq_conn **cp, int write)
{
	struct msq_conn *c = NULL;
	int rc, r;

	if (write)
		pthread_mutex_lock(&ms->wmu);
	if ((r = pool_get(ms, &c)) != 0)
		goto out;
	rc = sqlite3_exec(c->db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL,
	    NULL, NULL);
	if (rc != SQLITE_OK) {
		r = msq_err(rc);
		msq_pool_put(ms, c);
		goto out;
	}
	*cp = c;
out:
	if (r != 0 && write)
		pthread_mutex_unlock(&ms->wmu);
	return r;
}

int
msq_checkpoint(struct msq *ms)
{
	struct msq_conn *c = NULL;
	int r;

	pthread_mutex_lock(&ms->wmu);
	if ((r = pool_get(ms, &c)) == 0) {
		r = msq_err(sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)",
		    NULL, NULL, NULL));
		msq_pool_put(ms, c);
	}
	pthread_mutex_unlock(&ms->wmu);
	return r;
}

int
msq_end(struct msq *ms, struct msq_conn *c, int write, int r)
{
	size_t i;
	int rc;

	/* No statement stays active past its transaction, and no binding
	 * keeps pointing at the caller's memory. */
	for (i = 0; i < MSQ_NSQL; i++)
		if (c->st[i] != NULL) {
			sqlite3_reset(c->st[i]);
			sqlite3_clear_bindings(c->st[i]);
		}
	if (r == 0 && (rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL,
	    NULL)) != SQLITE_OK)
		r = msq_err(rc);
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	msq_pool_put(ms, c);
	if (write)
		pthread_mutex_unlock(&ms->wmu);
	return r;
}
