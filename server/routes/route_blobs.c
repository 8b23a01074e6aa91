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
 * writes instead. */
#include <pthread.h>
#include <stdio.h>
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
};

static void
put_free(struct put *p)
{
	p->st->blob->ops->put_abort(&p->w);
	free(p);
}

static int
put_write(void *ctx, struct srv_req *req, const uint8_t *buf, size_t n)
{
	struct put *p = ctx;
	int r;

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
	/* Refuse at once what cannot fit; blob_ref_add checks again at the
	 * end, against what others wrote meanwhile. */
	if ((r = st->meta->ops->usage(st->meta, account, &u)) != 0)
		return reply_store(req, r);
	if (u.used > u.quota || len > u.quota - u.used)
		return srv_reply_error(req, SRV_E_QUOTA_EXCEEDED, "the blob "
		    "has %llu bytes; %llu of the quota's %llu are free",
		    (unsigned long long)len, (unsigned long long)(u.used >
		    u.quota ? 0 : u.quota - u.used),
		    (unsigned long long)u.quota);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return srv_reply_error(req, SRV_E_INTERNAL, "out of memory");
	p->st = st;
	memcpy(p->account, account, COFFER_WIRE_ID_BYTES);
	memcpy(p->id, id, COFFER_WIRE_BLOB_ID_BYTES);
	if ((r = st->blob->ops->put_begin(st->blob, account, id, &p->w)) !=
	    0) {
		free(p);
		return reply_store(req, r);
	}
	if (srv_req_set_sink(req, &put_sink, p) != 0) {
		put_free(p);
		return srv_reply_error(req, SRV_E_INTERNAL, "no sink");
	}
	return 0;
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
