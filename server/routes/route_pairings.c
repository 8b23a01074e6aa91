/* Pairings: the mailbox a new device and a trusted one run CPace through
 * (routes.h, docs/openapi.yaml "Pairings", docs/PROTOCOL-devices.md §4.3,
 * §7):
 *
 *	POST   /v1/pairings			open one for this session's device
 *	GET    /v1/pairings			the open ones (full sessions)
 *	PUT    /v1/pairings/{pairing}/{step}	post message 1..4, once each
 *	GET    /v1/pairings/{pairing}/{step}	read one
 *	DELETE /v1/pairings/{pairing}		end it
 *
 * Who may do what (the "who" column of §7): the opener is a session bound
 * to the device that opened the pairing; it posts steps 1 and 3. Steps 2
 * and 4 come from a full session bound to another device. Reading and
 * ending: the opener or any full session. The messages themselves are the
 * devices' (CPace, then a channel the server has no key for): the server
 * checks their size and header only. A pairing expires 10 minutes after
 * it was opened (COFFER_WIRE_PAIRING_TTL); a device has at most one open,
 * an account COFFER_WIRE_PAIRINGS_MAX. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <coffer/err.h>

#include "http/log.h"
#include "routes.h"
#include "store/store.h"

_Static_assert(SRV_PAIRING_BODY_MAX <= SRV_JSON_BODY_HARD_MAX,
    "a pairing message fits the HTTP layer");

#define STEPS		4
#define PAIRMSG_MAGIC	"CFPM"
#define PAIRMSG_VERSION	1

static const char *const open_keys[] = { "pairing", "device", NULL };
static const char *const put_keys[] = { "data", NULL };

int
srv_parse_pairing_open(const json_t *body, struct srv_pairing_open *out,
    struct wire_json_err *e)
{
	memset(out, 0, sizeof(*out));
	if (wire_json_only_keys(body, open_keys, e) != 0 ||
	    wire_json_id(body, "pairing", 1, out->pairing,
	    COFFER_WIRE_ID_BYTES, e) != 0 ||
	    wire_json_id(body, "device", 1, out->device, COFFER_WIRE_ID_BYTES,
	    e) != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

void
srv_pairing_msg_cleanup(struct srv_pairing_msg *p)
{
	free(p->data);
	memset(p, 0, sizeof(*p));
}

/* The largest message of ${step}. */
static size_t
msg_max(unsigned step)
{
	return step == STEPS ? COFFER_WIRE_PAIRING_FINAL_MAX :
	    COFFER_WIRE_PAIRING_MSG_MAX;
}

int
srv_parse_pairing_put(const json_t *body, unsigned step,
    const uint8_t pairing[COFFER_WIRE_ID_BYTES], struct srv_pairing_msg *out,
    struct wire_json_err *e)
{
	struct srv_pairing_msg p;
	json_t *v;
	size_t max = msg_max(step);

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	if (step < 1 || step > STEPS) {
		e->fault = WIRE_JSON_INVALID;
		snprintf(e->message, sizeof(e->message), "no step %u", step);
		return -1;
	}
	if (wire_json_only_keys(body, put_keys, e) != 0)
		return -1;
	v = json_object_get(body, "data");
	if (json_is_string(v) && json_string_length(v) > (max * 4 + 2) / 3) {
		e->fault = WIRE_JSON_TOO_LARGE;
		snprintf(e->message, sizeof(e->message), "field \"data\" is "
		    "over %zu bytes, the most a message of step %u holds", max,
		    step);
		return -1;
	}
	if (wire_json_bytes(body, "data", 1, 1, max, &p.data, &p.len, e) != 0)
		return -1;
	/* The header: this step of this pairing, so that a message cannot
	 * be posted under another step or pairing than it names. */
	if (p.len < SRV_PAIRMSG_HEADER ||
	    memcmp(p.data, PAIRMSG_MAGIC, 4) != 0 ||
	    p.data[4] != PAIRMSG_VERSION || p.data[5] != step ||
	    sodium_memcmp(p.data + 6, pairing, COFFER_WIRE_ID_BYTES) != 0) {
		e->fault = WIRE_JSON_INVALID;
		snprintf(e->message, sizeof(e->message), "field \"data\" is not "
		    "a pairing message (CFPM version %d) of step %u of this "
		    "pairing", PAIRMSG_VERSION, step);
		srv_pairing_msg_cleanup(&p);
		return -1;
	}
	*out = p;
	return 0;
}

/* The JSON of a pairing. */
static json_t *
pairing_json(const void *item)
{
	const struct store_pairing *p = item;

	return json_pack("{s:o, s:o, s:I, s:I, s:I}", "pairing",
	    wire_json_new_id(p->id, COFFER_WIRE_ID_BYTES), "device",
	    wire_json_new_id(p->device, COFFER_WIRE_ID_BYTES), "created",
	    (json_int_t)p->created, "expires", (json_int_t)p->expires, "step",
	    (json_int_t)p->step);
}

/* Is the caller the pairing's opener (a session bound to its device)? */
static int
is_opener(const struct srv_caller *who, const struct store_pairing *p)
{
	return who->has_device && sodium_memcmp(who->device, p->device,
	    COFFER_WIRE_ID_BYTES) == 0;
}

/* The step of the path, 1..4: 0 and a 400 reply if not. */
static unsigned
path_step(struct srv_req *req)
{
	uint64_t step = 0;

	if (srv_req_param_uint(req, "step", &step) != 0 || step < 1 ||
	    step > STEPS) {
		srv_reply_error(req, SRV_E_INVALID_ID, "path parameter "
		    "\"step\" must be 1 to %d", STEPS);
		return 0;
	}
	return (unsigned)step;
}

/* The open pairing of the path into ${p}: 0, or -1 after a reply. */
static int
pairing_of(struct srv_req *req, struct store_pairing *p)
{
	struct store_meta *m = ((struct srv_app *)srv_req_app(req))->store->meta;
	int r;

	r = m->ops->pairing_get(m, srv_req_account(req), srv_req_param_id(req,
	    "pairing"), (int64_t)time(NULL), p);
	if (r == 0)
		return 0;
	if (r == COFFER_ERR_NOTFOUND)
		srv_reply_error(req, SRV_E_NO_SUCH_OBJECT, "no such pairing: "
		    "never opened, ended, or expired");
	else
		srv_reply_store(req, r, "pairing");
	return -1;
}

/* POST /v1/pairings: 201 the pairing. */
int
srv_route_pairing_open(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct srv_caller *who = srv_req_caller(req);
	struct srv_pairing_open b;
	struct store_pairing p;
	struct wire_json_err e;
	int64_t now = (int64_t)time(NULL);
	int r;

	if (srv_parse_pairing_open(srv_req_json(req), &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	if (!who->has_device || sodium_memcmp(who->device, b.device,
	    COFFER_WIRE_ID_BYTES) != 0)
		return srv_reply_error(req, SRV_E_FORBIDDEN, "%s",
		    who->has_device ? "a session opens pairings for its own "
		    "device only" : "bind this session to its device first "
		    "(PUT /v1/sessions/current/device)");
	r = m->ops->pairing_open(m, who->account, b.pairing, b.device, now,
	    now + COFFER_WIRE_PAIRING_TTL);
	switch (r) {
	case 0:
		break;
	case COFFER_ERR_EXISTS:
		return srv_reply_error(req, SRV_E_CONFLICT, "a pairing of this "
		    "id is open already");
	case COFFER_ERR_CONFLICT:
		return srv_reply_error(req, SRV_E_CONFLICT, "this device has a "
		    "pairing open already: end it, or let it expire");
	case COFFER_ERR_TOOBIG:
		return srv_reply_error(req, SRV_E_QUOTA_EXCEEDED, "an account "
		    "has at most %d pairings open", COFFER_WIRE_PAIRINGS_MAX);
	default:
		return srv_reply_store(req, r, "device");
	}
	memset(&p, 0, sizeof(p));
	memcpy(p.id, b.pairing, COFFER_WIRE_ID_BYTES);
	memcpy(p.device, b.device, COFFER_WIRE_ID_BYTES);
	p.created = now;
	p.expires = now + COFFER_WIRE_PAIRING_TTL;
	srv_log(SRV_LOG_INFO, "pairing_open", (char *)NULL);
	return srv_reply_object(req, 201, pairing_json(&p));
}

/* GET /v1/pairings: the open ones, oldest first (at most
 * COFFER_WIRE_PAIRINGS_MAX: no paging). */
int
srv_route_pairing_list(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_pairing v[COFFER_WIRE_PAIRINGS_MAX];
	size_t n = 0;
	int r;

	r = m->ops->pairing_list(m, srv_req_account(req), (int64_t)time(NULL),
	    v, COFFER_WIRE_PAIRINGS_MAX, &n);
	if (r != 0 && r != COFFER_ERR_TOOBIG)
		return srv_reply_store(req, r, "account");
	return srv_reply_list(req, "pairings", v, n, sizeof(*v), pairing_json);
}

/* PUT /v1/pairings/{pairing}/{step}: 201 the pairing after it. */
int
srv_route_pairing_put(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct srv_caller *who = srv_req_caller(req);
	struct srv_pairing_msg msg;
	struct store_pairing p;
	struct wire_json_err e;
	unsigned step;
	int r;

	if ((step = path_step(req)) == 0)
		return 0;
	if (srv_parse_pairing_put(srv_req_json(req), step,
	    srv_req_param_id(req, "pairing"), &msg, &e) != 0)
		return srv_reply_json_err(req, &e);
	if (pairing_of(req, &p) != 0) {
		r = 0;
		goto out;
	}
	/* Steps 1 and 3 are the opener's; 2 and 4 another device's full
	 * session's. */
	if (step % 2 == 1 ? !is_opener(who, &p) : who->limited ||
	    !who->has_device || is_opener(who, &p)) {
		r = srv_reply_error(req, SRV_E_FORBIDDEN, "step %u is posted by "
		    "%s", step, step % 2 == 1 ? "the device that opened the "
		    "pairing" : "a trusted device other than the one that "
		    "opened the pairing, from a session bound to it");
		goto out;
	}
	r = m->ops->pairing_put(m, who->account, p.id, step, msg.data, msg.len,
	    (int64_t)time(NULL));
	switch (r) {
	case 0:
		p.step = step;
		r = srv_reply_object(req, 201, pairing_json(&p));
		break;
	case COFFER_ERR_EXISTS:
		r = srv_reply_error(req, SRV_E_CONFLICT, "step %u is posted "
		    "already: each step is posted once", step);
		break;
	case COFFER_ERR_CONFLICT:
		r = srv_reply_error(req, SRV_E_CONFLICT, "step %u is not "
		    "posted yet: steps are posted in order", step - 1);
		break;
	case COFFER_ERR_NOTFOUND:
		r = srv_reply_error(req, SRV_E_NO_SUCH_OBJECT, "no such "
		    "pairing: ended, or expired");
		break;
	default:
		r = srv_reply_store(req, r, "pairing");
		break;
	}
out:
	srv_pairing_msg_cleanup(&msg);
	return r;
}

/* GET /v1/pairings/{pairing}/{step}: 200 {data}, 404 while not posted. */
int
srv_route_pairing_get(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct srv_caller *who = srv_req_caller(req);
	struct store_pairing p;
	uint8_t *data = NULL;
	size_t len = 0;
	unsigned step;
	int r;

	if ((step = path_step(req)) == 0 || pairing_of(req, &p) != 0)
		return 0;
	if (who->limited && !is_opener(who, &p))
		return srv_reply_error(req, SRV_E_FORBIDDEN, "a pairing is read "
		    "by the device that opened it, or a trusted device");
	r = m->ops->pairing_read(m, who->account, p.id, step,
	    (int64_t)time(NULL), &data, &len);
	if (r == COFFER_ERR_NOTFOUND)
		return srv_reply_error(req, SRV_E_NO_SUCH_OBJECT, "step %u is "
		    "not posted yet (or the pairing ended)", step);
	if (r != 0)
		return srv_reply_store(req, r, "pairing");
	r = srv_reply_object(req, 200, json_pack("{s:o}", "data",
	    wire_json_new_bytes(data, len)));
	free(data);
	return r;
}

/* DELETE /v1/pairings/{pairing}: 204. */
int
srv_route_pairing_delete(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct srv_caller *who = srv_req_caller(req);
	struct store_pairing p;
	int r;

	if (pairing_of(req, &p) != 0)
		return 0;
	if (who->limited && !is_opener(who, &p))
		return srv_reply_error(req, SRV_E_FORBIDDEN, "a pairing is ended "
		    "by the device that opened it, or a trusted device");
	r = m->ops->pairing_delete(m, who->account, p.id, (int64_t)time(NULL));
	if (r == COFFER_ERR_NOTFOUND)
		return srv_reply_error(req, SRV_E_NO_SUCH_OBJECT, "no such "
		    "pairing: ended, or expired");
	if (r != 0)
		return srv_reply_store(req, r, "pairing");
	return srv_reply_empty(req, 204);
}
