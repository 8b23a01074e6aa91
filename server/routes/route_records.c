/* Records of a zone and its change feed (routes.h, docs/openapi.yaml
 * "Records"):
 *
 *	PUT    /v1/zones/{zone}/records/{record}		write, if the version
 *								is the one last seen
 *	GET    /v1/zones/{zone}/records/{record}		read
 *	DELETE /v1/zones/{zone}/records/{record}?version=N	leave a tombstone
 *	GET    /v1/zones/{zone}/changes?since=T&limit=N		what changed after T
 *
 * A record is ciphertext the server cannot read, with a version for
 * optimistic concurrency: a write names the version its client last saw
 * (0: none, or a tombstone) and loses with 409 and the current version if
 * another write came first. Nothing here reads a clock or holds a lock:
 * the store does each call atomically (store/meta.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "http/log.h"
#include "routes.h"
#include "store/store.h"

_Static_assert(SRV_RECORD_BODY_MAX <= SRV_JSON_BODY_HARD_MAX,
    "a record body fits the HTTP layer");

/* The most base64url characters COFFER_WIRE_RECORD_MAX bytes take. */
#define RECORD_B64_MAX	((COFFER_WIRE_RECORD_MAX * 4 + 2) / 3)

/* The largest version a client can name: the store refuses 2^63 - 1 as
 * an expected version (the next would not fit its columns). */
#define VERSION_MAX	((uint64_t)INT64_MAX - 1)

static const char *const record_keys[] = { "data", "version", NULL };

const struct srv_query_spec srv_record_delete_query[] = {
	{ "version", SRV_P_UINT }, { NULL, 0 }
};
const struct srv_query_spec srv_changes_query[] = {
	{ "since", SRV_P_TOKEN }, { "limit", SRV_P_UINT }, { NULL, 0 }
};

void
srv_record_put_cleanup(struct srv_record_put *p)
{
	free(p->data);
	memset(p, 0, sizeof(*p));
}

int
srv_parse_record_put(const json_t *body, struct srv_record_put *out,
    struct wire_json_err *e)
{
	struct srv_record_put p;
	json_t *data;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	/* The cheap checks first: a bad version costs no 1 MiB decode. */
	if (wire_json_only_keys(body, record_keys, e) != 0 ||
	    wire_json_uint(body, "version", 1, 0, VERSION_MAX, &p.version,
	    e) != 0)
		return -1;
	/* Data over the cap is a body too large, not a malformed one: the
	 * client must split it, not fix it. */
	data = json_object_get(body, "data");
	if (json_is_string(data) && json_string_length(data) > RECORD_B64_MAX) {
		e->fault = WIRE_JSON_TOO_LARGE;
		snprintf(e->message, sizeof(e->message), "field \"data\" is "
		    "over %zu bytes", COFFER_WIRE_RECORD_MAX);
		return -1;
	}
	if (wire_json_bytes(body, "data", 1, 1, COFFER_WIRE_RECORD_MAX,
	    &p.data, &p.len, e) != 0)
		return -1;
	*out = p;
	return 0;
}

/* The current state of a record after a lost race: 409 with it. */
static int
reply_conflict(struct srv_req *req, uint64_t expected,
    const struct store_put_result *cur)
{
	json_t *extra;

	extra = json_pack("{s:I, s:b}", "version", (json_int_t)cur->version,
	    "deleted", cur->deleted);
	if (extra == NULL)
		return -1;
	if (cur->version == 0)
		return srv_reply_error_with(req, SRV_E_CONFLICT, extra, "the "
		    "record does not exist: write it with version 0");
	if (expected == 0)
		return srv_reply_error_with(req, SRV_E_CONFLICT, extra, "the "
		    "record exists already, at version %llu",
		    (unsigned long long)cur->version);
	return srv_reply_error_with(req, SRV_E_CONFLICT, extra, "version %llu "
	    "is stale: the record is at version %llu%s",
	    (unsigned long long)expected, (unsigned long long)cur->version,
	    cur->deleted ? " (deleted)" : "");
}

/* PUT /v1/zones/{zone}/records/{record}: 200 {"version": new}. */
int
srv_route_record_put(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_put_result res;
	struct srv_record_put p;
	struct wire_json_err e;
	int r;

	if (srv_parse_record_put(srv_req_json(req), &p, &e) != 0)
		return srv_reply_json_err(req, &e);
	memset(&res, 0, sizeof(res));
	r = m->ops->record_put(m, srv_req_account(req),
	    srv_req_param_id(req, "zone"), srv_req_param_id(req, "record"),
	    p.data, p.len, p.version, &res);
	if (r == 0)
		r = srv_reply_object(req, 200, json_pack("{s:I}", "version",
		    (json_int_t)res.version));
	else if (r == COFFER_ERR_CONFLICT)
		r = reply_conflict(req, p.version, &res);
	else
		r = srv_reply_store(req, r, "zone");
	srv_record_put_cleanup(&p);
	return r;
}

/* GET /v1/zones/{zone}/records/{record}: 200 {"data", "version"}; a
 * tombstone is 404 with its version and "deleted": true. */
int
srv_route_record_get(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_record rec;
	int r;

	r = m->ops->record_get(m, srv_req_account(req),
	    srv_req_param_id(req, "zone"), srv_req_param_id(req, "record"),
	    &rec);
	if (r != 0)
		r = srv_reply_store(req, r, "record");
	else if (rec.deleted)
		r = srv_reply_error_with(req, SRV_E_NO_SUCH_OBJECT,
		    json_pack("{s:I, s:b}", "version", (json_int_t)rec.version,
		    "deleted", 1), "the record was deleted at version %llu",
		    (unsigned long long)rec.version);
	else
		r = srv_reply_object(req, 200, json_pack("{s:o, s:I}", "data",
		    wire_json_new_bytes(rec.data, rec.len), "version",
		    (json_int_t)rec.version));
	store_record_cleanup(&rec);
	return r;
}

/* DELETE /v1/zones/{zone}/records/{record}?version=N: 200 {"version":
 * the tombstone's}. The version is required: a blind delete could
 * drop a write its client never saw. */
int
srv_route_record_delete(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_put_result res;
	uint64_t version;
	int r;

	if (srv_req_query_uint(req, "version", &version) != 0)
		return srv_reply_error(req, SRV_E_INVALID_PARAMETER, "query "
		    "parameter \"version\" (the version last seen) is "
		    "required");
	memset(&res, 0, sizeof(res));
	r = m->ops->record_delete(m, srv_req_account(req),
	    srv_req_param_id(req, "zone"), srv_req_param_id(req, "record"),
	    version, &res);
	if (r == 0)
		return srv_reply_object(req, 200, json_pack("{s:I}", "version",
		    (json_int_t)res.version));
	if (r == COFFER_ERR_CONFLICT)
		return reply_conflict(req, version, &res);
	return srv_reply_store(req, r, "record (or it is deleted already)");
}

/* One change of the feed: a tombstone has no data. */
static json_t *
change_json(const struct store_record *rec)
{
	json_t *o;

	o = json_pack("{s:o, s:I, s:b}", "record", wire_json_new_id(rec->id,
	    COFFER_WIRE_ID_BYTES), "version", (json_int_t)rec->version, "deleted",
	    rec->deleted);
	if (o != NULL && !rec->deleted && json_object_set_new(o, "data",
	    wire_json_new_bytes(rec->data, rec->len)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The store's verdict on a change token, as the client should read it. */
static int
reply_token(struct srv_req *req, int r)
{
	switch (r) {
	case COFFER_ERR_FORMAT:
		return srv_reply_error(req, SRV_E_INVALID_CHANGE_TOKEN,
		    "\"since\" is not a change token");
	case COFFER_ERR_VERSION:
		return srv_reply_error(req, SRV_E_INVALID_CHANGE_TOKEN,
		    "\"since\" is a change token of an unknown version");
	case COFFER_ERR_CONTEXT:
		return srv_reply_error(req, SRV_E_INVALID_CHANGE_TOKEN,
		    "\"since\" is a change token of another zone");
	case COFFER_ERR_AUTH:
		return srv_reply_error(req, SRV_E_INVALID_CHANGE_TOKEN,
		    "\"since\" is not a change token this server made");
	case COFFER_ERR_STATE:
		return srv_reply_error(req, SRV_E_RESYNC, "the zone is behind "
		    "the change token (restored from an older copy): sync "
		    "from the start and upload what the server lacks");
	default:
		return srv_reply_store(req, r, "zone");
	}
}

/* GET /v1/zones/{zone}/changes?since=TOKEN&limit=N: one page of the feed,
 * {"changes": [...], "token": resume here, "more": another page now}. */
int
srv_route_changes(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_changes ch;
	json_t *list = NULL, *o;
	uint64_t limit = COFFER_WIRE_FEED_MAX;
	size_t i;
	int r;

	memset(&ch, 0, sizeof(ch));
	if (srv_req_query_uint(req, "limit", &limit) == 0 && limit == 0)
		return srv_reply_error(req, SRV_E_INVALID_PARAMETER, "query "
		    "parameter \"limit\" must be at least 1");
	/* More than a page holds is a page: the client follows "more". */
	if (limit > COFFER_WIRE_FEED_MAX)
		limit = COFFER_WIRE_FEED_MAX;
	if ((r = m->ops->changes(m, srv_req_account(req),
	    srv_req_param_id(req, "zone"), srv_req_query(req, "since"),
	    (size_t)limit, &ch)) != 0)
		return reply_token(req, r);
	r = -1;
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; i < ch.n; i++) {
		if ((o = change_json(&ch.v[i])) == NULL ||
		    json_array_append_new(list, o) != 0)
			goto out;
		/* A page holds up to 4 MiB: keep one copy of it, not two. */
		store_record_cleanup(&ch.v[i]);
	}
	r = srv_reply_object(req, 200, json_pack("{s:O, s:s, s:b}",
	    "changes", list, "token", ch.next, "more", ch.more));
out:
	json_decref(list);
	store_changes_cleanup(&ch);
	return r;
}
