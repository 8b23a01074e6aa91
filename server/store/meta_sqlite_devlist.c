/*
 * The SQLite metadata backend: an account's signed device list
 * (docs/PROTOCOL-devices.md §2), append-only, and the devices of its head.
 *
 * An append is a compare-and-set on the head: it commits only if the
 * stored head is still the one the route verified the entry against
 * (same seq, same hash), so two racing appends cannot both extend it.
 * The head's devices (devlist_members) are what session_lookup joins to
 * tell a full session from a restricted one; a remove entry deletes the
 * removed device's registration, which cascades to its sessions and its
 * pairings, in the same transaction.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "store/meta_sqlite.h"

#define MS(m)	((struct msq *)(void *)(m))

_Static_assert(COFFER_WIRE_DEVLIST_PAGE_MAX > 0, "a page holds an entry");

/* An entry row (seq, hash, entry) into ${out}, its bytes on the heap. */
static int
row_entry(sqlite3_stmt *st, struct store_devlist_entry *out)
{
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	out->seq = (uint64_t)sqlite3_column_int64(st, 0);
	if ((r = msq_col_copy(st, 1, out->hash, sizeof(out->hash), &n)) != 0)
		return r;
	if (n != sizeof(out->hash))
		return COFFER_ERR_INTERNAL;
	return msq_col_dup(st, 2, &out->data, &out->len);
}

/* The head's seq and hash (seq 0: no list). */
static int
head_of(struct msq_conn *c, int64_t aid, uint64_t *seq,
    uint8_t hash[STORE_DEVLIST_HASH_BYTES])
{
	sqlite3_stmt *st;
	size_t n;
	int r;

	*seq = 0;
	memset(hash, 0, STORE_DEVLIST_HASH_BYTES);
	if ((r = msq_prep(c, MSQ_DEVLIST_HEAD, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0)
		return r;
	if ((r = msq_row(st)) == COFFER_ERR_NOTFOUND)
		return 0;
	if (r != 0 || (r = msq_col_copy(st, 1, hash, STORE_DEVLIST_HASH_BYTES,
	    &n)) != 0)
		return r;
	if (n != STORE_DEVLIST_HASH_BYTES)
		return COFFER_ERR_INTERNAL;
	*seq = (uint64_t)sqlite3_column_int64(st, 0);
	return 0;
}

int
msq_devlist_head(struct store_meta *m, const uint8_t *account,
    struct store_devlist_entry *out)
{
	struct msq_conn *c = NULL;
	struct store_devlist_entry e;
	sqlite3_stmt *st;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	memset(&e, 0, sizeof(e));
	if (account == NULL || out == NULL)
		goto out;
	memset(out, 0, sizeof(*out));
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_DEVLIST_HEAD, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0)
		goto out;
	if ((r = msq_row(st)) == COFFER_ERR_NOTFOUND) {
		r = 0;
		goto out;
	}
	if (r == 0)
		r = row_entry(st, &e);
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 0, r);
	if (r == 0)
		*out = e;
	else
		store_devlist_entry_cleanup(&e);
	return r;
}

int
msq_devlist_get(struct store_meta *m, const uint8_t *account, uint64_t since,
    size_t limit, struct store_devlist_page *out)
{
	struct msq_conn *c = NULL;
	struct store_devlist_page p;
	uint8_t hash[STORE_DEVLIST_HASH_BYTES];
	sqlite3_stmt *st;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	memset(&p, 0, sizeof(p));
	if (account == NULL || out == NULL)
		goto out;
	memset(out, 0, sizeof(*out));
	if (since > (uint64_t)INT64_MAX)
		since = (uint64_t)INT64_MAX;
	if (limit == 0 || limit > COFFER_WIRE_DEVLIST_PAGE_MAX)
		limit = COFFER_WIRE_DEVLIST_PAGE_MAX;
	if ((p.v = calloc(limit, sizeof(*p.v))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = head_of(c, aid, &p.head, hash)) != 0 ||
	    (r = msq_prep(c, MSQ_DEVLIST_PAGE, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_i64(st, 2, (int64_t)since)) != 0 ||
	    (r = msq_bind_i64(st, 3, (int64_t)limit)) != 0)
		goto out;
	while ((r = msq_row(st)) == 0) {
		if ((r = row_entry(st, &p.v[p.n])) != 0)
			goto out;
		p.n++;
	}
	if (r == COFFER_ERR_NOTFOUND)
		r = 0;
	p.more = p.n > 0 && p.v[p.n - 1].seq < p.head;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 0, r);
	if (r == 0)
		*out = p;
	else
		store_devlist_page_cleanup(&p);
	return r;
}

/* Check what an append may hold before any transaction. */
static int
append_check(const struct store_devlist_append *a)
{
	size_t i;

	if (a == NULL || a->seq == 0 || a->seq > (uint64_t)INT64_MAX ||
	    a->hash == NULL || a->data == NULL || a->len == 0 ||
	    (a->seq == 1) != (a->prev == NULL) ||
	    a->members == NULL || a->nmembers == 0)
		return COFFER_ERR_INVALID;
	if (a->len > COFFER_WIRE_DEVLIST_ENTRY_MAX ||
	    a->nmembers > COFFER_WIRE_DEVICES_MAX)
		return COFFER_ERR_TOOBIG;
	for (i = 0; i < a->nmembers; i++) {
		if (a->members[i].id == NULL || a->members[i].card == NULL ||
		    a->members[i].card_len == 0)
			return COFFER_ERR_INVALID;
		if (a->members[i].card_len > COFFER_WIRE_CARD_MAX)
			return COFFER_ERR_TOOBIG;
	}
	return 0;
}

/* The head's devices become ${a}'s members. */
static int
set_members(struct msq_conn *c, int64_t aid,
    const struct store_devlist_append *a)
{
	sqlite3_stmt *st;
	size_t i;
	int r;

	if ((r = msq_prep(c, MSQ_MEMBERS_CLEAR, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_exec(st)) != 0)
		return r;
	for (i = 0; i < a->nmembers; i++)
		if ((r = msq_prep(c, MSQ_MEMBER_INSERT, &st)) != 0 ||
		    (r = msq_bind_i64(st, 1, aid)) != 0 ||
		    (r = msq_bind_blob(st, 2, a->members[i].id,
		    COFFER_WIRE_ID_BYTES)) != 0 ||
		    (r = msq_bind_blob(st, 3, a->members[i].card,
		    a->members[i].card_len)) != 0 || (r = msq_exec(st)) != 0)
			return r;
	return 0;
}

int
msq_devlist_append(struct store_meta *m, const uint8_t *account,
    const struct store_devlist_append *a, uint64_t *head)
{
	struct msq_conn *c = NULL;
	uint8_t hash[STORE_DEVLIST_HASH_BYTES];
	sqlite3_stmt *st;
	uint64_t seq = 0;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || head == NULL ||
	    (r = append_check(a)) != 0)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = head_of(c, aid, &seq, hash)) != 0)
		goto out;
	/* The compare of the compare-and-set: the head the route checked
	 * the entry against. The hash is the chain's link: compared as
	 * anything that authenticates is. */
	if (seq != a->seq - 1 || (a->prev != NULL && sodium_memcmp(hash,
	    a->prev, STORE_DEVLIST_HASH_BYTES) != 0)) {
		r = COFFER_ERR_CONFLICT;
		goto out;
	}
	if (seq >= STORE_DEVLIST_ENTRIES_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	/* The list is outside the quota: its own cap on bytes. */
	if ((r = msq_prep(c, MSQ_DEVLIST_BYTES, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	if ((uint64_t)sqlite3_column_int64(st, 0) + a->len >
	    STORE_DEVLIST_BYTES_MAX) {
		r = COFFER_ERR_QUOTA;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_DEVLIST_INSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_i64(st, 2, (int64_t)a->seq)) != 0 ||
	    (r = msq_bind_blob(st, 3, a->hash, STORE_DEVLIST_HASH_BYTES)) != 0 ||
	    (r = msq_bind_blob(st, 4, a->data, a->len)) != 0 ||
	    (r = msq_exec(st)) != 0 || (r = set_members(c, aid, a)) != 0)
		goto out;
	/* A removal takes the device's registration, and with it (ON
	 * DELETE CASCADE) its sessions and pairings. */
	if (a->removed != NULL && ((r = msq_prep(c, MSQ_DEVICE_DELETE,
	    &st)) != 0 || (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, a->removed, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_exec(st)) != 0))
		goto out;
	seq = a->seq;
out:
	if (c != NULL) {
		r = msq_end(MS(m), c, 1, r);
		if (r == 0 || r == COFFER_ERR_CONFLICT)
			*head = seq;
	}
	return r;
}
