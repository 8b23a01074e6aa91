/*
 * The SQLite metadata backend: which blobs an account holds, its usage
 * and its quota.
 */
#include <string.h>

#include <coffer/err.h>

#include "store/meta_sqlite.h"

#define MS(m)	((struct msq *)(void *)(m))

/* The size the account holds blob id at: 0, NOTFOUND or an error. */
static int
blob_size(struct msq_conn *c, int64_t aid, const uint8_t *id, uint64_t *size)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, MSQ_BLOB_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_BLOB_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		return r;
	*size = (uint64_t)sqlite3_column_int64(st, 0);
	return 0;
}

int
msq_blob_ref_add(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, uint64_t size, int *added)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	uint64_t have;
	int64_t aid;
	int made = 0, r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL)
		goto out;
	if (size > STORE_SIZE_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0)
		goto out;
	if ((r = blob_size(c, aid, id, &have)) == 0) {
		if (have != size)
			r = COFFER_ERR_CONFLICT;
		goto out;
	}
	if (r != COFFER_ERR_NOTFOUND ||
	    (r = msq_charge(MS(m), c, aid, (int64_t)size)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_BLOB_INSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_BLOB_ID_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 3, (int64_t)size)) != 0 ||
	    (r = msq_exec(st)) != 0)
		goto out;
	made = 1;
out:
	if (c != NULL && (r = msq_end(MS(m), c, 1, r)) == 0 && added != NULL)
		*added = made;
	return r;
}

int
msq_blob_ref_get(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, uint64_t *size)
{
	struct msq_conn *c = NULL;
	uint64_t have = 0;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || size == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0)
		goto out;
	r = blob_size(c, aid, id, &have);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0)
		*size = have;
	return r;
}

int
msq_blob_ref_exists(struct store_meta *m, const uint8_t *account,
    const uint8_t (*ids)[COFFER_WIRE_BLOB_ID_BYTES], size_t n, uint8_t *present)
{
	struct msq_conn *c = NULL;
	uint8_t found[COFFER_WIRE_EXISTS_MAX];
	uint64_t size;
	int64_t aid;
	size_t i;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || (n > 0 && (ids == NULL || present == NULL)))
		goto out;
	if (n > COFFER_WIRE_EXISTS_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	/* One snapshot for the whole batch. */
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		r = blob_size(c, aid, ids[i], &size);
		if (r != 0 && r != COFFER_ERR_NOTFOUND)
			goto out;
		found[i] = r == 0;
	}
	r = 0;
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0 && n > 0)
		memcpy(present, found, n);
	return r;
}

int
msq_blob_ref_delete(struct store_meta *m, const uint8_t *account,
    const uint8_t *id)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid, size;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_BLOB_DELETE, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_BLOB_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	size = sqlite3_column_int64(st, 0);
	r = msq_charge(MS(m), c, aid, -size);
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_blob_ref_list(struct store_meta *m, const uint8_t *account,
    const uint8_t *after, size_t limit, struct store_blob_ref *out,
    size_t *n)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid;
	size_t got = 0;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || out == NULL || n == NULL || limit == 0 ||
	    limit > COFFER_WIRE_BLOB_LIST_MAX)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	/* From the first: the empty blob sorts below every id. */
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_BLOB_LIST, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, after,
	    after != NULL ? COFFER_WIRE_BLOB_ID_BYTES : 0)) != 0 ||
	    (r = msq_bind_i64(st, 3, (int64_t)limit)) != 0)
		goto out;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != COFFER_WIRE_BLOB_ID_BYTES) {
			r = COFFER_ERR_CORRUPT;
			goto out;
		}
		memcpy(out[got].id, sqlite3_column_blob(st, 0),
		    COFFER_WIRE_BLOB_ID_BYTES);
		out[got++].size = (uint64_t)sqlite3_column_int64(st, 1);
	}
	r = r == SQLITE_DONE ? 0 : msq_err(r);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0)
		*n = got;
	return r;
}

int
msq_usage(struct store_meta *m, const uint8_t *account,
    struct store_usage *out)
{
	struct msq_conn *c = NULL;
	struct store_usage u;
	sqlite3_stmt *st;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || out == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_USAGE_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	u.used = (uint64_t)sqlite3_column_int64(st, 0);
	u.quota = sqlite3_column_type(st, 1) == SQLITE_NULL ?
	    MS(m)->quota_default : (uint64_t)sqlite3_column_int64(st, 1);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0)
		*out = u;
	return r;
}

int
msq_reserve(struct store_meta *m, const uint8_t *account, uint64_t size,
    unsigned max, int64_t now, int64_t expires, int64_t *rid)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	uint64_t used, quota, held, n;
	int64_t aid, id = 0;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || rid == NULL || expires <= now)
		goto out;
	if (size > STORE_SIZE_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_RESERVE_STATS, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_i64(st, 2, now)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	n = (uint64_t)sqlite3_column_int64(st, 0);
	held = (uint64_t)sqlite3_column_int64(st, 1);
	if (n >= max) {
		r = COFFER_ERR_BUSY;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_USAGE_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	used = (uint64_t)sqlite3_column_int64(st, 0);
	quota = sqlite3_column_type(st, 1) == SQLITE_NULL ?
	    MS(m)->quota_default : (uint64_t)sqlite3_column_int64(st, 1);
	/* Each term is at most STORE_SIZE_MAX: the sum cannot wrap. */
	if (used + held + size > quota) {
		r = COFFER_ERR_QUOTA;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_RESERVE_INSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_i64(st, 2, (int64_t)size)) != 0 ||
	    (r = msq_bind_i64(st, 3, expires)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	id = sqlite3_column_int64(st, 0);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 1, r)) == 0)
		*rid = id;
	return r;
}

int
msq_reserve_renew(struct store_meta *m, int64_t rid, int64_t now,
    int64_t expires)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int r;

	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_RESERVE_RENEW, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, rid)) != 0 ||
	    (r = msq_bind_i64(st, 2, expires)) != 0 ||
	    (r = msq_bind_i64(st, 3, now)) != 0 ||
	    (r = msq_exec(st)) != 0)
		goto out;
	if (sqlite3_changes(c->db) == 0)
		r = COFFER_ERR_NOTFOUND;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_reserve_release(struct store_meta *m, int64_t rid)
{
	return msq_prune(MS(m), MSQ_RESERVE_DELETE, rid, NULL);
}

int
msq_reserve_prune(struct store_meta *m, int64_t now, uint64_t *deleted)
{
	return msq_prune(MS(m), MSQ_RESERVE_PRUNE, now, deleted);
}

int
msq_ping(struct store_meta *m)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int r;

	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_PING, &st)) == 0)
		r = msq_row(st);
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 0, r);
	return r;
}
