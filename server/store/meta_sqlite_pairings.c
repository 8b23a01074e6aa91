/*
 * The SQLite metadata backend: pairing mailboxes (docs/PROTOCOL-devices.md
 * §4.3, §7). A pairing belongs to the device that opened it (deleting
 * the device's registration deletes it: ON DELETE CASCADE), lives until
 * its expiry, and holds four messages posted in order, each once. An
 * expired pairing is never served; the rows go when the account opens
 * its next pairing, or at pairing_prune.
 */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "store/meta_sqlite.h"

#define MS(m)	((struct msq *)(void *)(m))

#define STEPS	4

/* A pairing row (pid, id, device id, created, expires, last step). */
static int
row_pairing(sqlite3_stmt *st, int64_t *pid, struct store_pairing *out)
{
	int r;

	if (pid != NULL)
		*pid = sqlite3_column_int64(st, 0);
	if ((r = msq_col_id(st, 1, out->id)) != 0 ||
	    (r = msq_col_id(st, 2, out->device)) != 0)
		return r;
	out->created = sqlite3_column_int64(st, 3);
	out->expires = sqlite3_column_int64(st, 4);
	out->step = (unsigned)sqlite3_column_int(st, 5);
	return out->step > STEPS ? COFFER_ERR_INTERNAL : 0;
}

/* The open pairing ${id} of the account: 0, NOTFOUND or an error. */
static int
pairing_find(struct msq_conn *c, int64_t aid, const uint8_t *id,
    int64_t now, int64_t *pid, struct store_pairing *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, MSQ_PAIRING_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 3, now)) != 0 || (r = msq_row(st)) != 0)
		return r;
	return row_pairing(st, pid, out);
}

/* count(*) of a one-parameter statement. */
static int
count_of(struct msq_conn *c, enum msq_sql q, int64_t v, int64_t *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, q, &st)) != 0 || (r = msq_bind_i64(st, 1, v)) != 0 ||
	    (r = msq_row(st)) != 0)
		return r;
	*n = sqlite3_column_int64(st, 0);
	return 0;
}

int
msq_pairing_open(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, const uint8_t *device, int64_t now, int64_t expires)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid, did, n;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || device == NULL || expires <= now)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_DEVICE_DID, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, device, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	did = sqlite3_column_int64(st, 0);
	/* The account's expired pairings go first: they count for nothing
	 * and their ids are free again. */
	if ((r = msq_prep(c, MSQ_PAIRING_EXPIRE, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_i64(st, 2, now)) != 0 || (r = msq_exec(st)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_PAIRING_ID, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0)
		goto out;
	if ((r = msq_row(st)) != COFFER_ERR_NOTFOUND) {
		if (r == 0)
			r = COFFER_ERR_EXISTS;
		goto out;
	}
	if ((r = count_of(c, MSQ_PAIRING_COUNT_DEVICE, did, &n)) != 0)
		goto out;
	if (n > 0) {
		r = COFFER_ERR_CONFLICT;
		goto out;
	}
	if ((r = count_of(c, MSQ_PAIRING_COUNT, aid, &n)) != 0)
		goto out;
	if (n >= COFFER_WIRE_PAIRINGS_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_PAIRING_INSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 3, did)) != 0 ||
	    (r = msq_bind_i64(st, 4, now)) != 0 ||
	    (r = msq_bind_i64(st, 5, expires)) != 0 || (r = msq_exec(st)) != 0)
		goto out;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_pairing_get(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, int64_t now, struct store_pairing *out)
{
	struct msq_conn *c = NULL;
	struct store_pairing p;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || out == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) == 0)
		r = pairing_find(c, aid, id, now, NULL, &p);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0)
		*out = p;
	return r;
}

/* A pairing row into the item ${item} (msq_list). */
static int
pairing_item(sqlite3_stmt *st, void *item)
{
	return row_pairing(st, NULL, item);
}

int
msq_pairing_list(struct store_meta *m, const uint8_t *account, int64_t now,
    struct store_pairing *out, size_t cap, size_t *n)
{
	return msq_list(MS(m), account, MSQ_PAIRING_LIST, &now, out,
	    sizeof(*out), cap, n, pairing_item);
}

int
msq_pairing_put(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, unsigned step, const uint8_t *data, size_t len,
    int64_t now)
{
	struct msq_conn *c = NULL;
	struct store_pairing p;
	sqlite3_stmt *st;
	int64_t aid, pid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || step < 1 || step > STEPS ||
	    data == NULL || len == 0)
		goto out;
	if (len > (step == STEPS ? COFFER_WIRE_PAIRING_FINAL_MAX :
	    COFFER_WIRE_PAIRING_MSG_MAX)) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = pairing_find(c, aid, id, now, &pid, &p)) != 0)
		goto out;
	if (p.step >= step) {
		r = COFFER_ERR_EXISTS;
		goto out;
	}
	if (p.step != step - 1) {
		r = COFFER_ERR_CONFLICT;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_PAIRING_MSG_INSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, pid)) != 0 ||
	    (r = msq_bind_i64(st, 2, step)) != 0 ||
	    (r = msq_bind_blob(st, 3, data, len)) != 0 ||
	    (r = msq_exec(st)) != 0)
		goto out;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_pairing_read(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, unsigned step, int64_t now, uint8_t **data,
    size_t *len)
{
	struct msq_conn *c = NULL;
	struct store_pairing p;
	sqlite3_stmt *st;
	uint8_t *d = NULL;
	size_t n = 0;
	int64_t aid, pid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || step < 1 || step > STEPS ||
	    data == NULL || len == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = pairing_find(c, aid, id, now, &pid, &p)) != 0 ||
	    (r = msq_prep(c, MSQ_PAIRING_MSG_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, pid)) != 0 ||
	    (r = msq_bind_i64(st, 2, step)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	r = msq_col_dup(st, 0, &d, &n);
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 0, r);
	if (r == 0) {
		*data = d;
		*len = n;
	} else
		free(d);
	return r;
}

int
msq_pairing_delete(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, int64_t now)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid;
	int expired = 0, r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_PAIRING_DELETE, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	expired = sqlite3_column_int64(st, 0) <= now;
	r = msq_exec(st);
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	/* An expired one is dropped all the same, and was not there. */
	return r == 0 && expired ? COFFER_ERR_NOTFOUND : r;
}

int
msq_pairing_prune(struct store_meta *m, int64_t now, uint64_t *deleted)
{
	return msq_prune(MS(m), MSQ_PAIRING_PRUNE, now, deleted);
}
