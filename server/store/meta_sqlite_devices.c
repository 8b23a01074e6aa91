/*
 * The SQLite metadata backend: an account's devices (id, signed card,
 * encrypted name). Removing a device ends its sessions (ON DELETE
 * CASCADE from sessions.did), the restricted session that registered it
 * among them (device_add_claim); a device on the device list's head is
 * removed by a remove entry only (meta_sqlite_devlist.c).
 */
#include <string.h>

#include <coffer/err.h>

#include "store/meta_sqlite.h"

#define MS(m)	((struct msq *)(void *)(m))

static int
row_device(sqlite3_stmt *st, struct store_device *out)
{
	int r;

	if ((r = msq_col_id(st, 0, out->id)) != 0 ||
	    (r = msq_col_copy(st, 1, out->card, sizeof(out->card),
	    &out->card_len)) != 0 ||
	    (r = msq_col_copy(st, 2, out->name, sizeof(out->name),
	    &out->name_len)) != 0)
		return r;
	out->created = sqlite3_column_int64(st, 3);
	return 0;
}

/* Insert ${d} for account ${aid} inside the write transaction of ${c},
 * under the caps; its row id in *${did}. */
static int
device_insert(struct msq_conn *c, int64_t aid, const struct store_device *d,
    int64_t now, int64_t *did)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, MSQ_DEVICE_DID, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, d->id, COFFER_WIRE_ID_BYTES)) != 0)
		return r;
	if ((r = msq_row(st)) != COFFER_ERR_NOTFOUND)
		return r == 0 ? COFFER_ERR_EXISTS : r;
	if ((r = msq_prep(c, MSQ_DEVICE_COUNT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		return r;
	if (sqlite3_column_int64(st, 0) >= COFFER_WIRE_DEVICES_MAX)
		return COFFER_ERR_TOOBIG;
	/* Once there is a list, a password alone (a restricted session)
	 * must not fill the account with devices nobody approved. */
	if (sqlite3_column_int(st, 2) != 0 && sqlite3_column_int64(st, 1) >=
	    COFFER_WIRE_DEVICES_PENDING_MAX)
		return COFFER_ERR_QUOTA;
	if ((r = msq_prep(c, MSQ_DEVICE_INSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, d->id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_bind_blob(st, 3, d->card, d->card_len)) != 0 ||
	    (r = msq_bind_blob(st, 4, d->name, d->name_len)) != 0 ||
	    (r = msq_bind_i64(st, 5, store_day(now))) != 0 ||
	    (r = msq_exec(st)) != 0)
		return r;
	*did = sqlite3_last_insert_rowid(c->db);
	return 0;
}

/* device_add, and with ${hash} device_add_claim: the session must name
 * no device, and names the new one. */
static int
device_add(struct store_meta *m, const uint8_t *account,
    const struct store_device *d, int64_t now, const uint8_t *hash)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid, did = 0;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || d == NULL || d->card_len == 0)
		goto out;
	if (d->card_len > COFFER_WIRE_CARD_MAX || d->name_len > COFFER_WIRE_DEVICE_NAME_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = device_insert(c, aid, d, now, &did)) != 0 || hash == NULL)
		goto out;
	if ((r = msq_prep(c, MSQ_SESSION_DID, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, aid)) != 0 ||
	    (r = msq_bind_i64(st, 3, now)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		r = COFFER_ERR_CONFLICT;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_SESSION_CLAIM, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, did)) != 0 || (r = msq_exec(st)) != 0)
		goto out;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_device_add(struct store_meta *m, const uint8_t *account,
    const struct store_device *d, int64_t now)
{
	return device_add(m, account, d, now, NULL);
}

int
msq_device_add_claim(struct store_meta *m, const uint8_t *account,
    const struct store_device *d, int64_t now, const uint8_t *hash)
{
	if (hash == NULL)
		return COFFER_ERR_INVALID;
	return device_add(m, account, d, now, hash);
}

int
msq_device_get(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, struct store_device *out)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || out == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_DEVICE_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	r = row_device(st, out);
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 0, r);
	return r;
}

/* A device row into the item ${item} (msq_list). */
static int
device_item(sqlite3_stmt *st, void *item)
{
	return row_device(st, item);
}

int
msq_device_list(struct store_meta *m, const uint8_t *account,
    struct store_device *out, size_t cap, size_t *n)
{
	return msq_list(MS(m), account, MSQ_DEVICE_LIST, NULL, out,
	    sizeof(*out), cap, n, device_item);
}

int
msq_device_remove(struct store_meta *m, const uint8_t *account,
    const uint8_t *id)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_DEVICE_LISTED, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0)
		goto out;
	/* Only a remove entry takes a device off the signed list. */
	if ((r = msq_row(st)) != COFFER_ERR_NOTFOUND) {
		if (r == 0)
			r = COFFER_ERR_CONFLICT;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_DEVICE_DELETE, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_exec(st)) != 0)
		goto out;
	if (sqlite3_changes(c->db) == 0)
		r = COFFER_ERR_NOTFOUND;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}
