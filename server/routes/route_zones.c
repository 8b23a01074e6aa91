/* The account's zones (routes.h, docs/openapi.yaml "Zones"):
 *
 *	PUT /v1/zones/{zone}	make a zone of a data category (idempotent)
 *	GET /v1/zones		list them, each with its change sequence
 *	GET /v1/zones/{zone}	one of them
 *
 * A zone holds records of one category (include/coffer/category.h); the
 * category is the one thing about a zone the server must read (escrow
 * policy depends on it). Clients name it by its slug ("notes"): a typo
 * is refused by name, and the slugs are as stable as the wire ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coffer/category.h>
#include <coffer/err.h>

#include "routes.h"
#include "store/store.h"

#define CATEGORY_NAME_MAX	64

static const char *const zone_keys[] = { "category", NULL };

int
srv_parse_zone_put(const json_t *body, uint8_t *category,
    struct wire_json_err *e)
{
	const struct coffer_category *c;
	const char *name;

	if (wire_json_only_keys(body, zone_keys, e) != 0)
		return -1;
	if (json_is_integer(json_object_get(body, "category"))) {
		e->fault = WIRE_JSON_INVALID;
		snprintf(e->message, sizeof(e->message), "field \"category\" "
		    "must be a category name such as \"notes\", not a number");
		return -1;
	}
	if (wire_json_string(body, "category", 1, 1, CATEGORY_NAME_MAX,
	    &name, e) != 0)
		return -1;
	if ((c = coffer_category_by_name(name)) == NULL) {
		e->fault = WIRE_JSON_INVALID;
		/* The name is at most 64 bytes: quote it whole. */
		snprintf(e->message, sizeof(e->message), "field \"category\": "
		    "no category is named \"%s\"", name);
		return -1;
	}
	*category = c->id;
	return 0;
}

/* The JSON of a zone; NULL if out of memory or of a category this build
 * does not know (no route makes one: categories are append-only). */
static json_t *
zone_json(const void *item)
{
	const struct store_zone *z = item;
	const struct coffer_category *c = coffer_category_by_id(z->category);

	if (c == NULL)
		return NULL;
	return json_pack("{s:o, s:s, s:I, s:I}", "zone", wire_json_new_id(z->id,
	    COFFER_WIRE_ID_BYTES), "category", c->name, "seq", (json_int_t)z->seq,
	    "created", (json_int_t)z->created);
}

/* PUT /v1/zones/{zone}: 201 made, 200 it was there with this category,
 * 409 with another (named in the reply). */
int
srv_route_zone_put(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const uint8_t *id = srv_req_param_id(req, "zone");
	const struct coffer_category *c;
	struct wire_json_err e;
	struct store_zone z;
	uint8_t category = 0;
	int r, created = 0;

	if (srv_parse_zone_put(srv_req_json(req), &category, &e) != 0)
		return srv_reply_json_err(req, &e);
	r = m->ops->zone_ensure(m, srv_req_account(req), id, category,
	    (int64_t)time(NULL), &z, &created);
	if (r == COFFER_ERR_EXISTS) {
		if ((r = m->ops->zone_get(m, srv_req_account(req), id,
		    &z)) != 0)
			return srv_reply_store(req, r, "zone");
		c = coffer_category_by_id(z.category);
		return srv_reply_error_with(req, SRV_E_CONFLICT,
		    json_pack("{s:s}", "category", c != NULL ? c->name : "?"),
		    "the zone exists with category \"%s\"",
		    c != NULL ? c->name : "?");
	}
	if (r == COFFER_ERR_TOOBIG)
		return srv_reply_error(req, SRV_E_QUOTA_EXCEEDED, "an account "
		    "holds at most %d zones", COFFER_WIRE_ZONES_MAX);
	if (r != 0)
		return srv_reply_store(req, r, "account");
	return srv_reply_object(req, created ? 201 : 200, zone_json(&z));
}

/* GET /v1/zones/{zone} */
int
srv_route_zone_get(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_zone z;
	int r;

	if ((r = m->ops->zone_get(m, srv_req_account(req),
	    srv_req_param_id(req, "zone"), &z)) != 0)
		return srv_reply_store(req, r, "zone");
	return srv_reply_object(req, 200, zone_json(&z));
}

/* GET /v1/zones: every zone of the account, oldest first; the store caps
 * them at COFFER_WIRE_ZONES_MAX (about 100 KiB of JSON), so one reply holds
 * them all. */
int
srv_route_zone_list(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_zone *v;
	size_t n = 0;
	int r;

	if ((v = calloc(COFFER_WIRE_ZONES_MAX, sizeof(*v))) == NULL)
		return -1;
	r = m->ops->zone_list(m, srv_req_account(req), v,
	    COFFER_WIRE_ZONES_MAX, &n);
	r = r != 0 ? srv_reply_store(req, r, "account") :
	    srv_reply_list(req, "zones", v, n, sizeof(*v), zone_json);
	free(v);
	return r;
}
