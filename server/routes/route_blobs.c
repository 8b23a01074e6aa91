/* The blob routes (routes.h): PUT, GET and DELETE /v1/blobs/{blob:blobid},
 * POST /v1/blobs/exists and GET /v1/usage.
 *
 * A blob lives in two stores (docs/STORAGE.md): its bytes in the blob
 * store, its reference (account, id, size, charged to the quota) in the
 * metadata store. The reference is what makes a blob visible: GET,
 * DELETE and the existence query look at it first, so bytes whose write
 * was cut before their reference (kill -9 between the two) are seen by no
 * one. Writes go bytes first, then the reference; deletes reference
 * first, then bytes; a failure after the bytes are written removes them.
 *
 * Two requests on one (account, id) must not interleave those steps (a
 * PUT that finds the bytes there, then a DELETE of reference and bytes,
 * then the PUT's reference: a reference to nothing), so each step pair
 * runs under one of BLOB_LOCKS mutexes chosen by the (account, id). The
 * locks are held for the short commit steps only, never while a body
 * streams in. They serialize one process; several cofferd in front of one
 * store (PostgreSQL and S3, later) will need the backends' conditional
 * writes instead.
 *
 * Quota at the door: before the first body byte is read, a PUT reserves
 * its declared length (Content-Length, which the HTTP layer requires of a
 * stream) in the metadata store, where every process sees it; the quota
 * counts committed usage and every live reservation, and an account has
 * at most app->uploads_max reservations at once. So the bytes of an
 * account's temporary files never pass what its quota has free. The
 * reservation goes when the request ends, however it ends (the sink's
 * finish or abort; abort runs on disconnects and shutdown too); one left
 * by a crash expires (app->reserve_ttl, renewed while the body flows) and
 * the maintenance sweep drops it. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "http/log.h"
#include "routes.h"
#include "store/store.h"

#define BLOB_LOCKS	64

static pthread_mutex_t blob_locks[BLOB_LOCKS];
static pthread_once_t blob_locks_once = PTHREAD_ONCE_INIT;

static void
blob_locks_init(void)
{
	size_t i;

	for (i = 0; i < BLOB_LOCKS; i++)
		pthread_mutex_init(&blob_locks[i], NULL);
}

/* Lock the mutex of (account, id) and return it for the unlock. */
static pthread_mutex_t *
blob_lock(const uint8_t *account, const uint8_t *id)
{
	pthread_mutex_t *m;
	unsigned h;

	pthread_once(&blob_locks_once, blob_locks_init);
	h = ((unsigned)id[0] | (unsigned)id[1] << 8) ^
	    ((unsigned)account[0] | (unsigned)account[1] << 8);
	m = &blob_locks[h % BLOB_LOCKS];
	pthread_mutex_lock(m);
	return m;
}

/* Answer a store error ${r}: the blob's own meanings of CONFLICT and
 * TOOBIG here, the rest as every route does (srv_reply_store). */
static int
reply_store(struct srv_req *req, int r)
{
	if (r == COFFER_ERR_CONFLICT)
		return srv_reply_error(req, SRV_E_CONFLICT, "this blob id is "
		    "held with another size");
	if (r == COFFER_ERR_TOOBIG)
		return srv_reply_error(req, SRV_E_BODY_TOO_LARGE, "the blob "
		    "is over the store's size cap");
	return srv_reply_store(req, r, "blob");
}

/* {"id": ID, "size": N} with ${status}. */
static int
reply_blob(struct srv_req *req, unsigned status, const uint8_t *id,
    uint64_t size)
{
	return srv_reply_object(req, status, json_pack("{s:o, s:I}", "id",
	    wire_json_new_id(id, COFFER_WIRE_BLOB_ID_BYTES), "size", (json_int_t)size));
}

/* --- PUT /v1/blobs/{blob:blobid} --- */

struct put {
	struct store			*st;
	uint8_t				 account[COFFER_WIRE_ID_BYTES];
	uint8_t				 id[COFFER_WIRE_BLOB_ID_BYTES];
	struct store_blob_writer	*w;
	int64_t				 rid;	/* the reservation; 0: none */
	uint64_t			 declared, got;
	unsigned			 ttl;	/* s, of the reservation */
	int64_t				 renewed; /* when it was last moved */
};

static void
put_free(struct put *p)
{
	int r;

	p->st->blob->ops->put_abort(&p->w);
	if (p->rid != 0 && (r = p->st->meta->ops->reserve_release(p->st->meta,
	    p->rid)) != 0)
		srv_log(SRV_LOG_WARN, "reservation_left", "reason",
		    coffer_strerror(r), "hint", "it expires by itself",
		    (char *)NULL);
	free(p);
}

static int
put_write(void *ctx, struct srv_req *req, const uint8_t *buf, size_t n)
{
	struct put *p = ctx;
	int64_t now;
	int r;

	/* The reservation covers the declared length, no more. */
	if (n > p->declared - p->got) {
		srv_reply_error(req, SRV_E_INVALID_PARAMETER, "body length "
		    "does not match Content-Length");
		return -1;
	}
	p->got += n;
	/* Keep a slow upload's reservation alive; a reservation pruned
	 * meanwhile no longer counts, so the upload cannot go on. */
	now = (int64_t)time(NULL);
	if (now - p->renewed >= (int64_t)(p->ttl / 2)) {
		if ((r = p->st->meta->ops->reserve_renew(p->st->meta, p->rid,
		    now, now + (int64_t)p->ttl)) != 0) {
			if (r == COFFER_ERR_NOTFOUND)
				srv_reply_error(req, SRV_E_QUOTA_EXCEEDED,
				    "the upload's quota reservation expired");
			else
				reply_store(req, r);
			return -1;
		}
		p->renewed = now;
	}
	if ((r = p->st->blob->ops->put_write(p->w, buf, n)) != 0) {
		reply_store(req, r);
		return -1;
	}
	return 0;
}

/* The whole body is in: make the bytes durable, then the reference. */
static int
put_finish(void *ctx, struct srv_req *req)
{
	struct put *p = ctx;
	struct store *st = p->st;
	pthread_mutex_t *lk;
	uint64_t size = 0, have;
	int added = 0, r, r2;

	lk = blob_lock(p->account, p->id);
	if ((r = st->blob->ops->put_commit(&p->w, &size)) == 0 &&
	    (r = st->meta->ops->blob_ref_add(st->meta, p->account, p->id,
	    size, &added)) != 0 &&
	    st->meta->ops->blob_ref_get(st->meta, p->account, p->id, &have) ==
	    COFFER_ERR_NOTFOUND) {
		/* No reference holds these bytes (the quota refused it, the
		 * metadata store failed): they must not stay. */
		r2 = st->blob->ops->remove(st->blob, p->account, p->id);
		if (r2 != 0 && r2 != COFFER_ERR_NOTFOUND)
			srv_log(SRV_LOG_ERROR, "blob_orphan_left", "reason",
			    coffer_strerror(r2), (char *)NULL);
	}
	pthread_mutex_unlock(lk);
	if (r == 0)
		r = reply_blob(req, added ? 201 : 200, p->id, size);
	else
		r = reply_store(req, r);
	put_free(p);
	return r;
}

static void
put_abort(void *ctx)
{
	put_free(ctx);
}

static const struct srv_sink put_sink = { put_write, put_finish, put_abort };

int
srv_route_blob_put(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store *st = app->store;
	const uint8_t *account = srv_req_account(req);
	const uint8_t *id = srv_req_param_id(req, "blob");
	uint64_t len = srv_req_content_length(req), have = 0;
	struct store_usage u;
	struct put *p = NULL;
	pthread_mutex_t *lk;
	int64_t now = (int64_t)time(NULL);
	int held, r;

	/* Held already: the answer needs no byte of the body. Else drop
	 * bytes no reference holds (a write cut between its two steps), so
	 * that the bytes stored are the ones this request sends. */
	lk = blob_lock(account, id);
	r = st->meta->ops->blob_ref_get(st->meta, account, id, &have);
	held = r == 0;
	if (r == COFFER_ERR_NOTFOUND &&
	    (r = st->blob->ops->exists(st->blob, account, id)) == 0)
		r = st->blob->ops->remove(st->blob, account, id);
	if (r == COFFER_ERR_NOTFOUND)
		r = 0;
	pthread_mutex_unlock(lk);
	if (r != 0)
		return reply_store(req, r);
	if (held && have == len)
		return reply_blob(req, 200, id, have);
	if (held)
		return srv_reply_error(req, SRV_E_CONFLICT, "this blob id is "
		    "held with %llu bytes, not %llu", (unsigned long long)have,
		    (unsigned long long)len);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return srv_reply_error(req, SRV_E_INTERNAL, "out of memory");
	p->st = st;
	memcpy(p->account, account, COFFER_WIRE_ID_BYTES);
	memcpy(p->id, id, COFFER_WIRE_BLOB_ID_BYTES);
	p->declared = len;
	p->ttl = app->reserve_ttl;
	p->renewed = now;
	/* Reserve the declared length before the first byte is read;
	 * blob_ref_add checks the quota again at the end. */
	r = st->meta->ops->reserve(st->meta, account, len, app->uploads_max,
	    now, now + (int64_t)app->reserve_ttl, &p->rid);
	if (r == COFFER_ERR_BUSY) {
		free(p);
		return srv_reply_retry(req, SRV_E_RATE_LIMITED, 1, "%u uploads "
		    "of this account are in flight already (or the store is "
		    "busy): retry when one ends", app->uploads_max);
	}
	if (r == COFFER_ERR_QUOTA && st->meta->ops->usage(st->meta, account,
	    &u) == 0) {
		free(p);
		return srv_reply_error(req, SRV_E_QUOTA_EXCEEDED, "the blob "
		    "has %llu bytes; the quota is %llu, of which %llu are "
		    "used and more are held by uploads in flight",
		    (unsigned long long)len, (unsigned long long)u.quota,
		    (unsigned long long)u.used);
	}
	if (r != 0) {
		free(p);
		return reply_store(req, r);
	}
	if ((r = st->blob->ops->put_begin(st->blob, account, id, &p->w)) !=
	    0) {
		put_free(p);
		return reply_store(req, r);
	}
	if (srv_req_set_sink(req, &put_sink, p) != 0) {
		put_free(p);
		return srv_reply_error(req, SRV_E_INTERNAL, "no sink");
	}
	return 0;
}

int
srv_blob_drop_orphan(struct store *st, const uint8_t *account,
    const uint8_t *id)
{
	pthread_mutex_t *lk;
	uint64_t have;
	int r;

	/* Under the lock a PUT holds from its commit to its reference. */
	lk = blob_lock(account, id);
	r = st->meta->ops->blob_ref_get(st->meta, account, id, &have);
	if (r == COFFER_ERR_NOTFOUND) {
		r = st->blob->ops->remove(st->blob, account, id);
		r = r == 0 ? 1 : r == COFFER_ERR_NOTFOUND ? 0 : r;
	}
	pthread_mutex_unlock(lk);
	return r;
}

/* --- GET /v1/blobs/{blob:blobid} --- */

struct get {
	struct store_blob		*b;
	uint8_t				 account[COFFER_WIRE_ID_BYTES];
	uint8_t				 id[COFFER_WIRE_BLOB_ID_BYTES];
	struct store_blob_reader	*r;
	uint64_t			 pos;	/* where r reads next */
};

static void
get_release(void *cls)
{
	struct get *g = cls;

	g->b->ops->get_close(&g->r);
	free(g);
}

/* The HTTP layer reads in order; a jump (it should not happen) reopens
 * the reader where asked. */
static ssize_t
get_read(void *cls, uint64_t pos, uint8_t *buf, size_t max)
{
	struct get *g = cls;
	size_t got, n = 0;

	if (g->r == NULL || pos != g->pos) {
		g->b->ops->get_close(&g->r);
		if (g->b->ops->get_open(g->b, g->account, g->id, pos, &g->r,
		    NULL) != 0)
			return -1;
		g->pos = pos;
	}
	while (n < max) {
		if (g->b->ops->get_read(g->r, buf + n, max - n, &got) != 0)
			return -1;
		if (got == 0)
			break;
		n += got;
	}
	g->pos += n;
	return n > 0 ? (ssize_t)n : -1;
}

int
srv_route_blob_get(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store *st = app->store;
	const uint8_t *account = srv_req_account(req);
	const uint8_t *id = srv_req_param_id(req, "blob");
	uint64_t size, have = 0, start = 0, len;
	struct get *g;
	int rr, r;

	if ((r = st->meta->ops->blob_ref_get(st->meta, account, id, &size)) !=
	    0)
		return reply_store(req, r);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return srv_reply_error(req, SRV_E_INTERNAL, "out of memory");
	g->b = st->blob;
	memcpy(g->account, account, COFFER_WIRE_ID_BYTES);
	memcpy(g->id, id, COFFER_WIRE_BLOB_ID_BYTES);
	/* Open where the reply starts, so that a missing file is a clean
	 * error rather than a cut body; a bad range needs no reader
	 * (srv_reply_stream answers 416). */
	rr = srv_range_parse(srv_req_header(req, "Range"), size, &start, &len);
	if (rr >= 0) {
		g->pos = rr == 1 ? start : 0;
		r = st->blob->ops->get_open(st->blob, account, id, g->pos,
		    &g->r, &have);
		if (r == 0 && have != size) {
			srv_log(SRV_LOG_ERROR, "blob_size_mismatch",
			    (char *)NULL);
			r = COFFER_ERR_IO;
		}
		/* Gone with its reference: a DELETE won the race. */
		if (r == COFFER_ERR_NOTFOUND && st->meta->ops->blob_ref_get(
		    st->meta, account, id, &have) == 0) {
			srv_log(SRV_LOG_ERROR, "blob_missing", (char *)NULL);
			r = COFFER_ERR_IO;
		}
		if (r != 0) {
			get_release(g);
			return reply_store(req, r);
		}
	}
	return srv_reply_stream(req, size, get_read, g, get_release);
}

/* --- DELETE /v1/blobs/{blob:blobid} --- */

int
srv_route_blob_delete(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store *st = app->store;
	const uint8_t *account = srv_req_account(req);
	const uint8_t *id = srv_req_param_id(req, "blob");
	pthread_mutex_t *lk;
	int r, r2 = 0;

	lk = blob_lock(account, id);
	if ((r = st->meta->ops->blob_ref_delete(st->meta, account, id)) == 0)
		r2 = st->blob->ops->remove(st->blob, account, id);
	pthread_mutex_unlock(lk);
	if (r != 0)
		return reply_store(req, r);
	/* The reference is gone, so the blob is: unreferenced bytes are
	 * invisible, and the next PUT of this id drops them. */
	if (r2 != 0 && r2 != COFFER_ERR_NOTFOUND)
		srv_log(SRV_LOG_ERROR, "blob_orphan_left", "reason",
		    coffer_strerror(r2), (char *)NULL);
	return srv_reply_empty(req, 204);
}

/* --- POST /v1/blobs/exists --- */

void
srv_blob_ids_cleanup(struct srv_blob_ids *ids)
{
	free(ids->ids);
	memset(ids, 0, sizeof(*ids));
}

int
srv_parse_blob_exists(const json_t *body, struct srv_blob_ids *out,
    struct wire_json_err *e)
{
	static const char *const keys[] = { "ids", NULL };
	json_t *arr, *v;
	char what[32];
	size_t i, n;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(body)) {
		e->fault = WIRE_JSON_MALFORMED;
		snprintf(e->message, sizeof(e->message), "the body must be "
		    "a JSON object");
		return -1;
	}
	if (wire_json_only_keys(body, keys, e) != 0 ||
	    wire_json_array(body, "ids", 1, 0, COFFER_WIRE_EXISTS_MAX, &arr,
	    e) != 0)
		return -1;
	if ((n = json_array_size(arr)) == 0)
		return 0;
	if ((out->ids = calloc(n, sizeof(*out->ids))) == NULL) {
		e->fault = WIRE_JSON_INTERNAL;
		snprintf(e->message, sizeof(e->message), "out of memory");
		return -1;
	}
	json_array_foreach(arr, i, v) {
		snprintf(what, sizeof(what), "ids[%zu]", i);
		if (wire_json_as_id(v, what, out->ids[i], COFFER_WIRE_BLOB_ID_BYTES,
		    e) != 0) {
			srv_blob_ids_cleanup(out);
			return -1;
		}
	}
	out->n = n;
	return 0;
}

int
srv_route_blobs_exists(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const uint8_t *account = srv_req_account(req);
	struct srv_blob_ids ids;
	struct wire_json_err e;
	uint8_t *present = NULL;
	json_t *map = NULL;
	char hex[2 * COFFER_WIRE_BLOB_ID_BYTES + 1];
	uint64_t size;
	size_t i;
	int r;

	if (srv_parse_blob_exists(srv_req_json(req), &ids, &e) != 0)
		return srv_reply_json_err(req, &e);
	if ((map = json_object()) == NULL ||
	    (present = calloc(ids.n + 1, 1)) == NULL) {
		r = srv_reply_error(req, SRV_E_INTERNAL, "out of memory");
		goto out;
	}
	if (ids.n > 0 && (r = m->ops->blob_ref_exists(m, account,
	    (const uint8_t (*)[COFFER_WIRE_BLOB_ID_BYTES])ids.ids, ids.n,
	    present)) != 0) {
		r = reply_store(req, r);
		goto out;
	}
	for (i = 0; i < ids.n; i++) {
		if (!present[i])
			continue;
		r = m->ops->blob_ref_get(m, account, ids.ids[i], &size);
		if (r == COFFER_ERR_NOTFOUND)	/* deleted meanwhile */
			continue;
		if (r != 0) {
			r = reply_store(req, r);
			goto out;
		}
		wire_id_encode(hex, ids.ids[i], COFFER_WIRE_BLOB_ID_BYTES);
		if (json_object_set_new(map, hex, json_integer((json_int_t)
		    size)) != 0) {
			r = srv_reply_error(req, SRV_E_INTERNAL,
			    "out of memory");
			goto out;
		}
	}
	r = srv_reply_object(req, 200, json_pack("{s:o}", "exists", map));
	map = NULL;		/* taken by json_pack, even when it fails */
out:
	json_decref(map);
	free(present);
	srv_blob_ids_cleanup(&ids);
	return r;
}

/* --- GET /v1/usage --- */

int
srv_route_usage(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_usage u;
	int r;

	if ((r = m->ops->usage(m, srv_req_account(req), &u)) != 0)
		return reply_store(req, r);
	return srv_reply_object(req, 200, json_pack("{s:I, s:I}", "used",
	    (json_int_t)u.used, "quota", (json_int_t)u.quota));
}

/* --- GET /v1/blobs --- */

const struct srv_query_spec srv_blob_list_query[] = {
	{ "after", SRV_P_BLOBID }, { "limit", SRV_P_UINT }, { NULL, 0 }
};

/* 200 {"blobs": [{"id", "size"}...], "more": bool}: a page of the
 * account's blobs after the cursor (the last id of the page before),
 * ids increasing; "more" when the page is full (the next may be
 * empty). */
int
srv_route_blob_list(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_blob_ref *v = NULL;
	uint8_t after[COFFER_WIRE_BLOB_ID_BYTES];
	char hex[2 * COFFER_WIRE_BLOB_ID_BYTES + 1];
	const char *a = srv_req_query(req, "after");
	uint64_t limit = COFFER_WIRE_BLOB_LIST_MAX;
	json_t *list = NULL, *o;
	size_t i, n = 0;
	int r;

	if (srv_req_query_uint(req, "limit", &limit) == 0 && limit == 0)
		return srv_reply_error(req, SRV_E_INVALID_PARAMETER, "query "
		    "parameter \"limit\" must be at least 1");
	if (limit > COFFER_WIRE_BLOB_LIST_MAX)
		limit = COFFER_WIRE_BLOB_LIST_MAX;
	/* The HTTP layer checked its form: 64 lower-case hex digits. */
	if (a != NULL && wire_id_decode(a, strlen(a), after,
	    sizeof(after)) != 0)
		return srv_reply_error(req, SRV_E_INVALID_PARAMETER, "query "
		    "parameter \"after\" must be 64 lower-case hex digits");
	if ((v = calloc((size_t)limit, sizeof(*v))) == NULL)
		return srv_reply_error(req, SRV_E_INTERNAL, "out of memory");
	if ((r = m->ops->blob_ref_list(m, srv_req_account(req),
	    a != NULL ? after : NULL, (size_t)limit, v, &n)) != 0) {
		r = reply_store(req, r);
		goto out;
	}
	r = -1;
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		wire_id_encode(hex, v[i].id, COFFER_WIRE_BLOB_ID_BYTES);
		if ((o = json_pack("{s:s, s:I}", "id", hex, "size",
		    (json_int_t)v[i].size)) == NULL ||
		    json_array_append_new(list, o) != 0)
			goto out;
	}
	r = srv_reply_object(req, 200, json_pack("{s:O, s:b}", "blobs", list,
	    "more", n == (size_t)limit));
out:
	json_decref(list);
	free(v);
	return r;
}
