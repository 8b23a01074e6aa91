/* The account's devices (routes.h, docs/openapi.yaml "Devices"):
 *
 *	PUT    /v1/devices/{device}	register a signed device card
 *	GET    /v1/devices		list them
 *	GET    /v1/devices/{device}	one of them
 *	DELETE /v1/devices/{device}	remove it (and its sessions)
 *
 * A device is its card (docs/PROTOCOL-keys.md section 1.1: the id and
 * both public keys, self-signed) and a name the client encrypted: the
 * server checks the card's form and self-signature so that it never
 * stores garbage, and sees no readable name. Whether a device is trusted
 * is the account-signed device list's business, not the server's.
 *
 * A restricted session (a password alone, once there is a list) registers
 * one device, its own: the registration makes the session name it, so
 * that a trusted device's DELETE of the registration ends the session
 * that made it (docs/PROTOCOL-devices.md §5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <coffer/err.h>

#include "routes.h"
#include "session.h"
#include "store/store.h"

_Static_assert(COFFER_DEVICE_CARD_BYTES <= COFFER_WIRE_CARD_MAX,
    "a card fits the store");

static const char *const device_keys[] = { "card", "name", NULL };

void
srv_device_put_cleanup(struct srv_device_put *p)
{
	free(p->raw);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

/* Why a card was refused, for the message. */
static const char *
card_reason(int r)
{
	switch (r) {
	case COFFER_ERR_TRUNCATED:
		return "is truncated";
	case COFFER_ERR_TRAILING:
		return "has bytes after its signature";
	case COFFER_ERR_VERSION:
		return "has an unknown version";
	case COFFER_ERR_AUTH:
		return "has a signature that does not verify";
	case COFFER_ERR_FORMAT:
		return "is malformed (magic, key version or public key)";
	default:
		return "cannot be checked";
	}
}

int
srv_parse_device_put(const json_t *body, struct srv_device_put *out,
    struct wire_json_err *e)
{
	struct srv_device_put p;
	int r;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	if (wire_json_only_keys(body, device_keys, e) != 0 ||
	    wire_json_bytes(body, "card", 1, 1, COFFER_WIRE_CARD_MAX, &p.raw,
	    &p.raw_len, e) != 0 ||
	    wire_json_bytes(body, "name", 0, 1, COFFER_WIRE_DEVICE_NAME_MAX,
	    &p.name, &p.name_len, e) < 0)
		goto fail;
	if ((r = coffer_device_card_parse(&p.card, p.raw, p.raw_len)) != 0) {
		e->fault = r == COFFER_ERR_CRYPTO || r == COFFER_ERR_NOMEM ?
		    WIRE_JSON_INTERNAL : WIRE_JSON_INVALID;
		snprintf(e->message, sizeof(e->message), "field \"card\" %s",
		    card_reason(r));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	srv_device_put_cleanup(&p);
	return -1;
}

/* The JSON of a stored device. */
static json_t *
device_json(const void *item)
{
	const struct store_device *d = item;
	json_t *o;

	o = json_pack("{s:o, s:o, s:I}", "device", wire_json_new_id(d->id,
	    COFFER_WIRE_ID_BYTES), "card", wire_json_new_bytes(d->card, d->card_len),
	    "created", (json_int_t)d->created);
	if (o != NULL && d->name_len > 0 && json_object_set_new(o, "name",
	    wire_json_new_bytes(d->name, d->name_len)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Is the stored ${d} what ${p} asks for? (Public bytes: memcmp is fine.) */
static int
same_device(const struct store_device *d, const struct srv_device_put *p)
{
	return d->card_len == p->raw_len &&
	    memcmp(d->card, p->raw, p->raw_len) == 0 &&
	    d->name_len == p->name_len &&
	    (p->name_len == 0 || memcmp(d->name, p->name, p->name_len) == 0);
}

/* PUT /v1/devices/{device}: 201 registered, 200 the same card (and name)
 * was there, 409 another card or name holds the id, 403 a restricted
 * session that names a device already. */
int
srv_route_device_put(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const uint8_t *id = srv_req_param_id(req, "device");
	struct srv_device_put p;
	struct wire_json_err e;
	struct store_device *d = NULL;
	uint8_t hash[STORE_TOKEN_HASH_BYTES];
	unsigned status = 201;
	int r;

	if (srv_parse_device_put(srv_req_json(req), &p, &e) != 0)
		return srv_reply_json_err(req, &e);
	if (sodium_memcmp(p.card.device_id, id, COFFER_WIRE_ID_BYTES) != 0) {
		r = srv_reply_error(req, SRV_E_INVALID_FIELD, "field \"card\" "
		    "is the card of another device than the path's");
		goto out;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		r = -1;
		goto out;
	}
	memcpy(d->id, id, COFFER_WIRE_ID_BYTES);
	memcpy(d->card, p.raw, p.raw_len);
	d->card_len = p.raw_len;
	if (p.name_len > 0)
		memcpy(d->name, p.name, p.name_len);
	d->name_len = p.name_len;
	d->created = (int64_t)time(NULL);
	/* A restricted session registers one device, its own: the session
	 * then names it, and ends when a trusted device deletes it. */
	if (srv_req_caller(req)->limited) {
		srv_req_token_hash(req, hash);
		r = m->ops->device_add_claim(m, srv_req_account(req), d,
		    d->created, hash);
	} else {
		r = m->ops->device_add(m, srv_req_account(req), d, d->created);
	}
	if (r == COFFER_ERR_CONFLICT) {
		r = srv_reply_error(req, SRV_E_FORBIDDEN, "this session names "
		    "a device already: a session that is not trusted "
		    "registers one device only, its own (sign in again to "
		    "register another)");
		goto out;
	}
	if (r == COFFER_ERR_EXISTS) {
		/* Idempotent: the same device again is a success. A race
		 * with a remove between the two calls reads as 404. */
		if ((r = m->ops->device_get(m, srv_req_account(req), id,
		    d)) != 0) {
			r = srv_reply_store(req, r, "device");
			goto out;
		}
		if (!same_device(d, &p)) {
			r = srv_reply_error(req, SRV_E_CONFLICT, "another card "
			    "or name is registered under this device id");
			goto out;
		}
		status = 200;
	} else if (r == COFFER_ERR_TOOBIG) {
		r = srv_reply_error(req, SRV_E_QUOTA_EXCEEDED, "an account "
		    "holds at most %d devices", COFFER_WIRE_DEVICES_MAX);
		goto out;
	} else if (r == COFFER_ERR_QUOTA) {
		r = srv_reply_error(req, SRV_E_QUOTA_EXCEEDED, "an account "
		    "holds at most %d devices waiting for approval: remove one "
		    "from a trusted device", COFFER_WIRE_DEVICES_PENDING_MAX);
		goto out;
	} else if (r != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	r = srv_reply_object(req, status, device_json(d));
out:
	free(d);
	srv_device_put_cleanup(&p);
	return r;
}

/* GET /v1/devices/{device} */
int
srv_route_device_get(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_device *d;
	int r;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -1;
	if ((r = m->ops->device_get(m, srv_req_account(req),
	    srv_req_param_id(req, "device"), d)) != 0)
		r = srv_reply_store(req, r, "device");
	else
		r = srv_reply_object(req, 200, device_json(d));
	free(d);
	return r;
}

/* GET /v1/devices: every device of the account, oldest first. The store
 * caps them at COFFER_WIRE_DEVICES_MAX, so one reply holds them all. */
int
srv_route_device_list(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_device *v;
	size_t n = 0;
	int r;

	if ((v = calloc(COFFER_WIRE_DEVICES_MAX, sizeof(*v))) == NULL)
		return -1;
	/* TOOBIG cannot come from a store that keeps the cap. */
	r = m->ops->device_list(m, srv_req_account(req), v,
	    COFFER_WIRE_DEVICES_MAX, &n);
	r = r != 0 ? srv_reply_store(req, r, "account") :
	    srv_reply_list(req, "devices", v, n, sizeof(*v), device_json);
	free(v);
	return r;
}

/* DELETE /v1/devices/{device}: 204; the device's sessions end with it.
 * A device on the signed list is 409: the list says who is trusted, so
 * only a remove entry (PUT /v1/devicelist) takes it off. */
int
srv_route_device_delete(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	int r;

	r = m->ops->device_remove(m, srv_req_account(req),
	    srv_req_param_id(req, "device"));
	/* The device's sessions ended with it. */
	srv_session_cache_clear(app->sessions);
	if (r == COFFER_ERR_CONFLICT)
		return srv_reply_error(req, SRV_E_CONFLICT, "this device is "
		    "on the signed device list: remove it with a remove entry "
		    "(coffer device remove on a trusted device)");
	if (r != 0)
		return srv_reply_store(req, r, "device");
	return srv_reply_empty(req, 204);
}
