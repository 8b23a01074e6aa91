/*
 * The SQLite metadata backend: zones, records under optimistic
 * concurrency, tombstones, and the per-zone change feed.
 *
 * A zone's seq counts its changes; every put or delete takes the next
 * number and stamps it on the record, so "the records with seq > N" is
 * exactly what changed after change N, each in its latest state.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "store/meta_sqlite.h"

#define MS(m)	((struct msq *)(void *)(m))

/* A zone as the store keeps it. */
struct zrow {
	int64_t		 zid;
	uint8_t		 nonce[STORE_ZONE_NONCE_BYTES];
	struct store_zone z;
};

static int
row_zone(sqlite3_stmt *st, struct zrow *out)
{
	size_t n;
	int r;

	out->zid = sqlite3_column_int64(st, 0);
	if ((r = msq_col_id(st, 1, out->z.id)) != 0 ||
	    (r = msq_col_copy(st, 5, out->nonce, sizeof(out->nonce), &n)) != 0)
		return r;
	if (n != sizeof(out->nonce))
		return COFFER_ERR_INTERNAL;
	out->z.category = (uint8_t)sqlite3_column_int(st, 2);
	out->z.seq = (uint64_t)sqlite3_column_int64(st, 3);
	out->z.created = sqlite3_column_int64(st, 4);
	return 0;
}

/* The zone id of the account aid: 0, NOTFOUND or an error. */
static int
zone_find(struct msq_conn *c, int64_t aid, const uint8_t *id,
    struct zrow *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, MSQ_ZONE_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		return r;
	return row_zone(st, out);
}

/* The account's zone, looked up from the public ids. */
static int
zone_of(struct msq_conn *c, const uint8_t *account, const uint8_t *zone,
    int64_t *aid, struct zrow *out)
{
	int r;

	if ((r = msq_aid(c, account, aid)) != 0)
		return r;
	return zone_find(c, *aid, zone, out);
}

int
msq_zone_ensure(struct store_meta *m, const uint8_t *account,
    const uint8_t *id, uint8_t category, int64_t now, struct store_zone *out,
    int *created)
{
	struct msq_conn *c = NULL;
	struct zrow zr;
	sqlite3_stmt *st;
	int64_t aid;
	int made = 0, r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || category == 0 || out == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0)
		goto out;
	if ((r = zone_find(c, aid, id, &zr)) == 0) {
		if (zr.z.category != category)
			r = COFFER_ERR_EXISTS;
		goto out;
	}
	if (r != COFFER_ERR_NOTFOUND)
		goto out;
	if ((r = msq_prep(c, MSQ_ZONE_COUNT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	if (sqlite3_column_int64(st, 0) >= COFFER_WIRE_ZONES_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	/* The nonce tells this zone's tokens from those of any zone that
	 * had its id before (a store restored from an older copy). */
	memset(&zr, 0, sizeof(zr));
	randombytes_buf(zr.nonce, sizeof(zr.nonce));
	memcpy(zr.z.id, id, COFFER_WIRE_ID_BYTES);
	zr.z.category = category;
	zr.z.created = store_day(now);
	if ((r = msq_prep(c, MSQ_ZONE_INSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 3, category)) != 0 ||
	    (r = msq_bind_blob(st, 4, zr.nonce, sizeof(zr.nonce))) != 0 ||
	    (r = msq_bind_i64(st, 5, zr.z.created)) != 0 ||
	    (r = msq_exec(st)) != 0)
		goto out;
	made = 1;
out:
	if (c != NULL && (r = msq_end(MS(m), c, 1, r)) == 0) {
		*out = zr.z;
		if (created != NULL)
			*created = made;
	}
	return r;
}

int
msq_zone_get(struct store_meta *m, const uint8_t *account, const uint8_t *id,
    struct store_zone *out)
{
	struct msq_conn *c = NULL;
	struct zrow zr;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || id == NULL || out == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	r = zone_of(c, account, id, &aid, &zr);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0)
		*out = zr.z;
	return r;
}

/* A zone row into the item ${item} (msq_list). */
static int
zone_item(sqlite3_stmt *st, void *item)
{
	struct zrow zr;
	int r;

	if ((r = row_zone(st, &zr)) == 0)
		*(struct store_zone *)item = zr.z;
	return r;
}

int
msq_zone_list(struct store_meta *m, const uint8_t *account,
    struct store_zone *out, size_t cap, size_t *n)
{
	return msq_list(MS(m), account, MSQ_ZONE_LIST, NULL, out,
	    sizeof(*out), cap, n, zone_item);
}

/* A record's head: its version, seq, tombstone flag and data length;
 * exists = 0 when there is none. */
struct head {
	int		exists, deleted;
	uint64_t	version, seq;
	int64_t		len;
};

static int
record_head(struct msq_conn *c, int64_t zid, const uint8_t *id,
    struct head *h)
{
	sqlite3_stmt *st;
	int r;

	memset(h, 0, sizeof(*h));
	if ((r = msq_prep(c, MSQ_RECORD_HEAD, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, zid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0)
		return r;
	if ((r = msq_row(st)) == COFFER_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	h->exists = 1;
	h->version = (uint64_t)sqlite3_column_int64(st, 0);
	h->seq = (uint64_t)sqlite3_column_int64(st, 1);
	h->deleted = sqlite3_column_int(st, 2) != 0;
	h->len = sqlite3_column_int64(st, 3);
	return 0;
}

/* Take the zone's next sequence number and write the record with it;
 * charge the usage change first (QUOTA stops the write). */
static int
record_write(struct msq *ms, struct msq_conn *c, int64_t aid, int64_t zid,
    const uint8_t *id, const uint8_t *data, size_t len, int deleted,
    const struct head *h, struct store_put_result *res)
{
	sqlite3_stmt *st;
	int64_t delta;
	uint64_t seq;
	int r;

	delta = (int64_t)len + STORE_RECORD_OVERHEAD;
	if (h->exists)
		delta -= h->len + STORE_RECORD_OVERHEAD;
	if ((r = msq_charge(ms, c, aid, delta)) != 0)
		return r;
	if ((r = msq_prep(c, MSQ_ZONE_BUMP, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, zid)) != 0 || (r = msq_row(st)) != 0)
		return r;
	seq = (uint64_t)sqlite3_column_int64(st, 0);
	if ((r = msq_prep(c, MSQ_RECORD_UPSERT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, zid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 3, (int64_t)(h->version + 1))) != 0 ||
	    (r = msq_bind_i64(st, 4, (int64_t)seq)) != 0 ||
	    (r = msq_bind_i64(st, 5, deleted)) != 0 ||
	    (r = msq_bind_blob(st, 6, data, len)) != 0 ||
	    (r = msq_exec(st)) != 0)
		return r;
	res->version = h->version + 1;
	res->seq = seq;
	res->deleted = deleted;
	return 0;
}

static void
conflict(const struct head *h, struct store_put_result *res)
{
	res->version = h->version;
	res->seq = h->seq;
	res->deleted = h->deleted;
}

int
msq_record_put(struct store_meta *m, const uint8_t *account,
    const uint8_t *zone, const uint8_t *id, const uint8_t *data, size_t len,
    uint64_t expected, struct store_put_result *res)
{
	struct msq_conn *c = NULL;
	struct store_put_result out;
	struct zrow zr;
	struct head h;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || zone == NULL || id == NULL || res == NULL ||
	    (data == NULL && len > 0) || expected > (uint64_t)INT64_MAX - 1)
		goto out;
	if (len > COFFER_WIRE_RECORD_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = zone_of(c, account, zone, &aid, &zr)) != 0 ||
	    (r = record_head(c, zr.zid, id, &h)) != 0)
		goto out;
	/* 0: absent or a tombstone (which keeps its versions going up). */
	if (expected == 0 ? h.exists && !h.deleted :
	    !h.exists || h.version != expected) {
		conflict(&h, &out);
		r = COFFER_ERR_CONFLICT;
		goto out;
	}
	r = record_write(MS(m), c, aid, zr.zid, id, data, len, 0, &h, &out);
out:
	if (c != NULL) {
		r = msq_end(MS(m), c, 1, r);
		if (r == 0 || r == COFFER_ERR_CONFLICT)
			*res = out;
	}
	return r;
}

int
msq_record_delete(struct store_meta *m, const uint8_t *account,
    const uint8_t *zone, const uint8_t *id, uint64_t expected,
    struct store_put_result *res)
{
	struct msq_conn *c = NULL;
	struct store_put_result out;
	struct zrow zr;
	struct head h;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || zone == NULL || id == NULL || res == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = zone_of(c, account, zone, &aid, &zr)) != 0 ||
	    (r = record_head(c, zr.zid, id, &h)) != 0)
		goto out;
	if (!h.exists || h.deleted) {
		r = COFFER_ERR_NOTFOUND;
		goto out;
	}
	if (expected != STORE_VERSION_ANY && h.version != expected) {
		conflict(&h, &out);
		r = COFFER_ERR_CONFLICT;
		goto out;
	}
	r = record_write(MS(m), c, aid, zr.zid, id, NULL, 0, 1, &h, &out);
out:
	if (c != NULL) {
		r = msq_end(MS(m), c, 1, r);
		if (r == 0 || r == COFFER_ERR_CONFLICT)
			*res = out;
	}
	return r;
}

/* Columns id, version, seq, deleted, data into a record (data copied). */
static int
row_record(sqlite3_stmt *st, struct store_record *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = msq_col_id(st, 0, out->id)) != 0 ||
	    (r = msq_col_dup(st, 4, &out->data, &out->len)) != 0)
		return r;
	out->version = (uint64_t)sqlite3_column_int64(st, 1);
	out->seq = (uint64_t)sqlite3_column_int64(st, 2);
	out->deleted = sqlite3_column_int(st, 3) != 0;
	return 0;
}

int
msq_record_get(struct store_meta *m, const uint8_t *account,
    const uint8_t *zone, const uint8_t *id, struct store_record *out)
{
	struct msq_conn *c = NULL;
	struct store_record rec;
	struct zrow zr;
	sqlite3_stmt *st;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	memset(&rec, 0, sizeof(rec));
	if (account == NULL || zone == NULL || id == NULL || out == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = zone_of(c, account, zone, &aid, &zr)) != 0 ||
	    (r = msq_prep(c, MSQ_RECORD_GET, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, zr.zid)) != 0 ||
	    (r = msq_bind_blob(st, 2, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0 || (r = row_record(st, &rec)) != 0)
		goto out;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 0, r);
	if (r != 0)
		store_record_cleanup(&rec);	/* zeroes rec */
	if (out != NULL)
		*out = rec;
	return r;
}

int
msq_changes(struct store_meta *m, const uint8_t *account,
    const uint8_t *zone, const char *token, size_t limit,
    struct store_changes *out)
{
	struct msq *ms = MS(m);
	struct msq_conn *c = NULL;
	struct store_changes ch;
	struct zrow zr;
	sqlite3_stmt *st;
	uint64_t since = 0, last;
	size_t bytes = 0;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	memset(&ch, 0, sizeof(ch));
	if (account == NULL || zone == NULL || out == NULL)
		goto out;
	if (limit == 0 || limit > COFFER_WIRE_FEED_MAX)
		limit = COFFER_WIRE_FEED_MAX;
	if ((ch.v = calloc(limit, sizeof(*ch.v))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = msq_begin(ms, &c, 0)) != 0)
		goto out;
	if ((r = zone_of(c, account, zone, &aid, &zr)) != 0)
		goto out;
	if (token != NULL && *token != '\0' && (r = store_token_decode(&since,
	    token, ms->token_key, account, zone, zr.nonce)) != 0)
		goto out;
	if (since > zr.z.seq) {
		r = COFFER_ERR_STATE;
		goto out;
	}
	/* Tombstones after since were compacted away: the feed would miss
	 * those deletions. From the beginning (0) none is missed: the
	 * client never had those records. */
	if (since > 0) {
		if ((r = msq_prep(c, MSQ_ZONE_COMPACTED, &st)) != 0 ||
		    (r = msq_bind_i64(st, 1, zr.zid)) != 0 ||
		    (r = msq_row(st)) != 0)
			goto out;
		if (since < (uint64_t)sqlite3_column_int64(st, 0)) {
			r = COFFER_ERR_STATE;
			goto out;
		}
	}
	/* One row past the page says whether another page follows. */
	if ((r = msq_prep(c, MSQ_RECORD_FEED, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, zr.zid)) != 0 ||
	    (r = msq_bind_i64(st, 2, (int64_t)since)) != 0 ||
	    (r = msq_bind_i64(st, 3, (int64_t)limit + 1)) != 0)
		goto out;
	last = since;
	while ((r = msq_row(st)) == 0) {
		if (ch.n == limit || (ch.n > 0 && bytes +
		    (size_t)sqlite3_column_bytes(st, 4) > STORE_FEED_BYTES)) {
			ch.more = 1;
			break;
		}
		if ((r = row_record(st, &ch.v[ch.n])) != 0)
			goto out;
		bytes += ch.v[ch.n].len;
		last = ch.v[ch.n].seq;
		ch.n++;
	}
	if (r != 0 && r != COFFER_ERR_NOTFOUND)
		goto out;
	r = store_token_encode(ch.next, ms->token_key, account, zone,
	    zr.nonce, last);
out:
	if (c != NULL)
		r = msq_end(ms, c, 0, r);
	if (r != 0)
		store_changes_cleanup(&ch);	/* zeroes ch */
	if (out != NULL)
		*out = ch;
	return r;
}

/* Drop the old tombstones of one zone that has some, in one
 * transaction: the rows, their charge, the zone's mark. 0 with *${n}
 * dropped (0: no zone has any), or an error. */
static int
compact_one(struct msq *ms, int64_t before, uint64_t *n)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t zid, aid, seq, top = 0;
	uint64_t k = 0;
	int r;

	*n = 0;
	if ((r = msq_begin(ms, &c, 1)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_TOMB_ZONE, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, before)) != 0)
		goto out;
	if ((r = msq_row(st)) == COFFER_ERR_NOTFOUND) {
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	zid = sqlite3_column_int64(st, 0);
	if ((r = msq_prep(c, MSQ_TOMB_DROP, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, zid)) != 0 ||
	    (r = msq_bind_i64(st, 2, before)) != 0)
		goto out;
	while ((r = msq_row(st)) == 0) {
		seq = sqlite3_column_int64(st, 0);
		if (seq > top)
			top = seq;
		k++;
	}
	if (r != COFFER_ERR_NOTFOUND)
		goto out;
	if ((r = msq_prep(c, MSQ_ZONE_COMPACT, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, zid)) != 0 ||
	    (r = msq_bind_i64(st, 2, top)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	aid = sqlite3_column_int64(st, 0);
	/* A tombstone holds no data: its charge is the row's overhead. */
	if ((r = msq_charge(ms, c, aid, -(int64_t)(k *
	    STORE_RECORD_OVERHEAD))) != 0)
		goto out;
	*n = k;
out:
	if (c != NULL)
		r = msq_end(ms, c, 1, r);
	if (r != 0)
		*n = 0;
	return r;
}

int
msq_tombstone_compact(struct store_meta *m, int64_t day, int64_t before,
    uint64_t *deleted)
{
	uint64_t n = 0, k;
	int r;

	if ((r = msq_prune(MS(m), MSQ_TOMB_STAMP, day, NULL)) != 0)
		goto out;
	/* A zone per transaction, so that writers wait for one zone's
	 * worth at most. */
	do {
		if ((r = compact_one(MS(m), before, &k)) != 0)
			goto out;
		n += k;
	} while (k > 0);
out:
	if (r == 0 && deleted != NULL)
		*deleted = n;
	return r;
}
