/* The account's signed device list (routes.h, docs/openapi.yaml "Device
 * list", docs/PROTOCOL-devices.md §2, §5, §7):
 *
 *	GET /v1/devicelist?since=SEQ	the entries after SEQ, oldest first
 *	PUT /v1/devicelist/{seq}	append the next entry
 *
 * The server cannot sign an entry, and devices check the whole chain
 * themselves; it checks every append against the head it stores all the
 * same (the rules of §2.3 that need no key of the account: position,
 * prev, the signature under the head's account key, the actor listed,
 * what each kind may change), and that the actor is the device the
 * session is bound to, so that neither a client's bug nor a password
 * thief corrupts the chain it serves. The check and the append are one
 * compare-and-set on the head (store/meta.h, devlist_append): of two
 * racing appends one is stored, the other gets 409 with the head.
 *
 * Anyone can make an account and append to its own list, so a refusal
 * must cost little: the header is peeked and its fields checked before
 * any signature, the signature before any of the up to 100 cards, and
 * an account whose appends keep being refused is answered 429. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <coffer/err.h>

#include "auth.h"
#include "http/log.h"
#include "routes.h"
#include "session.h"
#include "store/store.h"

_Static_assert(STORE_DEVLIST_HASH_BYTES == DEVLIST_HASH_BYTES,
    "the store keeps the entry hash whole");
_Static_assert(DEVLIST_ENTRY_MAX == COFFER_WIRE_DEVLIST_ENTRY_MAX,
    "one cap for an entry");
_Static_assert(DEVLIST_DEVICES_MAX <= COFFER_WIRE_DEVICES_MAX,
    "a head's devices fit the store");
_Static_assert(SRV_DEVLIST_BODY_MAX <= SRV_JSON_BODY_HARD_MAX,
    "an entry's body fits the HTTP layer");

/* The most base64url characters an entry takes. */
#define ENTRY_B64_MAX	((COFFER_WIRE_DEVLIST_ENTRY_MAX * 4 + 2) / 3)

static const char *const put_keys[] = { "entry", NULL };

const struct srv_query_spec srv_devicelist_query[] = {
	{ "since", SRV_P_UINT }, { NULL, 0 }
};

/* Why an entry did not parse, for the message. */
static const char *
entry_reason(int r)
{
	switch (r) {
	case COFFER_ERR_TRUNCATED:
		return "is truncated";
	case COFFER_ERR_TRAILING:
		return "has bytes after its signature";
	case COFFER_ERR_VERSION:
		return "has an unknown version";
	case COFFER_ERR_AUTH:
		return "lists a card whose self-signature does not verify";
	case COFFER_ERR_TOOBIG:
		return "is over a cap";
	default:
		return "is malformed";
	}
}

int
srv_parse_devlist_put(const json_t *body, struct devlist_entry *out,
    struct wire_json_err *e)
{
	json_t *v;
	uint8_t *raw = NULL;
	size_t len = 0;
	int r, rc = -1;

	memset(out, 0, sizeof(*out));
	if (wire_json_only_keys(body, put_keys, e) != 0)
		goto out;
	/* Over the cap is a body too large: not a fault to fix. */
	v = json_object_get(body, "entry");
	if (json_is_string(v) && json_string_length(v) > ENTRY_B64_MAX) {
		e->fault = WIRE_JSON_TOO_LARGE;
		snprintf(e->message, sizeof(e->message), "field \"entry\" is "
		    "over %d bytes", COFFER_WIRE_DEVLIST_ENTRY_MAX);
		goto out;
	}
	if (wire_json_bytes(body, "entry", 1, 1, COFFER_WIRE_DEVLIST_ENTRY_MAX,
	    &raw, &len, e) != 0)
		goto out;
	if ((r = devlist_peek(out, raw, len)) != 0) {
		e->fault = r == COFFER_ERR_NOMEM || r == COFFER_ERR_CRYPTO ?
		    WIRE_JSON_INTERNAL : WIRE_JSON_INVALID;
		snprintf(e->message, sizeof(e->message), "field \"entry\" %s",
		    entry_reason(r));
		goto out;
	}
	rc = 0;
out:
	free(raw);
	return rc;
}

/* The JSON of a stored entry: its bytes. */
static json_t *
entry_json(const void *item)
{
	const struct store_devlist_entry *x = item;

	return wire_json_new_bytes(x->data, x->len);
}

/* GET /v1/devicelist?since=SEQ: {entries: [b64], head, more}. A since
 * past the head answers no entries and the head: the device that pinned
 * more than the server shows sees it (a rollback, §2.3). */
int
srv_route_devicelist_get(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct store_devlist_page p;
	json_t *o = NULL, *a = NULL;
	uint64_t since = 0;
	size_t i;
	int r;

	(void)srv_req_query_uint(req, "since", &since);
	if ((r = m->ops->devlist_get(m, srv_req_account(req), since, 0,
	    &p)) != 0)
		return srv_reply_store(req, r, "account");
	if ((a = json_array()) == NULL)
		goto out;
	for (i = 0; i < p.n; i++)
		if (json_array_append_new(a, entry_json(&p.v[i])) != 0)
			goto out;
	o = json_pack("{s:o, s:I, s:b}", "entries", a, "head",
	    (json_int_t)p.head, "more", p.more);
	a = NULL;
out:
	json_decref(a);
	store_devlist_page_cleanup(&p);
	return srv_reply_object(req, 200, o);
}

/* A refused append of the caller's account: counted (what the rate
 * limit reads), then ${r}, the reply. A failure to count is logged; the
 * refusal stands. */
static int
counted(struct srv_req *req, int r)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;

	if (m->ops->attempt_add(m, STORE_ATTEMPT_DEVLIST, srv_req_account(req),
	    COFFER_WIRE_ID_BYTES, (int64_t)time(NULL)) != 0)
		srv_log(SRV_LOG_WARN, "devicelist_refusal_not_counted",
		    (char *)NULL);
	return r;
}

/* 429 once the account's appends were refused SRV_DEVLIST_REFUSED_MAX
 * times within the sign-in window: a refused append costs the server a
 * signature check or more, and a client that keeps making them is broken
 * or hostile. *${limited} says whether the reply was sent. */
static int
rate_limited(struct srv_req *req, int *limited)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	unsigned window = srv_auth_limits(app->auth)->window;
	uint64_t n = 0;
	int r;

	*limited = 0;
	if ((r = m->ops->attempt_count(m, STORE_ATTEMPT_DEVLIST,
	    srv_req_account(req), COFFER_WIRE_ID_BYTES,
	    (int64_t)time(NULL) - window, &n)) != 0) {
		*limited = 1;
		return srv_reply_store(req, r, "account");
	}
	if (n < SRV_DEVLIST_REFUSED_MAX)
		return 0;
	*limited = 1;
	srv_log(SRV_LOG_WARN, "devicelist_rate_limited", (char *)NULL);
	return srv_reply_retry(req, SRV_E_RATE_LIMITED, window, "%d appends "
	    "of this account's device list were refused lately: try again "
	    "later", SRV_DEVLIST_REFUSED_MAX);
}

/* 409 with the head the append must extend. */
static int
reply_head(struct srv_req *req, uint64_t head, uint64_t seq)
{
	json_t *extra = json_pack("{s:I}", "head", (json_int_t)head);

	if (extra == NULL)
		return -1;
	return srv_reply_error_with(req, SRV_E_CONFLICT, extra, "the list's "
	    "head is %llu: the next entry is %llu, not %llu",
	    (unsigned long long)head, (unsigned long long)head + 1,
	    (unsigned long long)seq);
}

/* The fields a refusal needs before any card is verified: the entry
 * ${h} (peeked) is the path's ${seq}, of the caller's account, made by
 * the device its session is bound to. 0, or the reply sent. */
static int
check_header(struct srv_req *req, const struct devlist_entry *h, uint64_t seq,
    int *refused)
{
	const struct srv_caller *who = srv_req_caller(req);

	*refused = 1;
	if (h->seq != seq)
		return srv_reply_error(req, SRV_E_INVALID_FIELD, "field "
		    "\"entry\" is entry %llu, not the path's %llu",
		    (unsigned long long)h->seq, (unsigned long long)seq);
	if (sodium_memcmp(h->account, who->account, COFFER_WIRE_ID_BYTES) != 0)
		return srv_reply_error(req, SRV_E_INVALID_FIELD, "field "
		    "\"entry\" is an entry of another account");
	/* Only the device that made the entry appends it, from a session
	 * it bound with its own key. */
	if (!who->has_device || sodium_memcmp(h->actor, who->device,
	    COFFER_WIRE_ID_BYTES) != 0)
		return srv_reply_error(req, SRV_E_FORBIDDEN, "%s",
		    who->has_device ? "the entry's actor is not the device "
		    "this session is bound to" : "bind this session to its "
		    "device first (PUT /v1/sessions/current/device)");
	*refused = 0;
	return 0;
}

/* The signature of the peeked ${h} under the account key in force: the
 * stored ${head}'s (peeked: it was checked when appended), at genesis
 * the entry's own. 0, COFFER_ERR_AUTH, or another error. */
static int
signed_for(const struct store_devlist_entry *head,
    const struct devlist_entry *h)
{
	struct devlist_entry prev;
	int r;

	if (head->seq == 0)
		return devlist_verify_sig(h, h->account_pk);
	if ((r = devlist_peek(&prev, head->data, head->len)) != 0)
		return COFFER_ERR_INTERNAL;
	r = devlist_verify_sig(h, prev.account_pk);
	devlist_entry_cleanup(&prev);
	return r;
}

/* Check ${e} against the stored ${head} (seq 0: none): 0, or a reason
 * in ${why}. */
static int
extends(const struct store_devlist_entry *head, const struct devlist_entry *e,
    char *why, size_t whylen)
{
	struct devlist_entry prev;
	int r;

	if (head->seq == 0) {
		if ((r = devlist_verify_genesis(e)) != 0)
			snprintf(why, whylen, "is not a valid genesis (%s)",
			    r == COFFER_ERR_AUTH ? "its signature" :
			    "its fields");
		return r;
	}
	/* The stored head passed these checks when it was appended. */
	if ((r = devlist_parse(&prev, head->data, head->len)) != 0) {
		snprintf(why, whylen, "cannot be checked: the stored head "
		    "does not parse");
		return COFFER_ERR_INTERNAL;
	}
	r = devlist_verify_next(&prev, e, why, whylen);
	devlist_entry_cleanup(&prev);
	return r;
}

/* A device the entry ${e} brings (the genesis's, an add's subject) must
 * not be registered with another card than the one the entry lists:
 * fullness needs both equal, so such an entry would leave the device
 * restricted for good (at genesis: the account with no full session).
 * 0, or a reason in ${why} and COFFER_ERR_AUTH; or the store's error. */
static int
registered_as_listed(struct store_meta *m, const uint8_t *account,
    const struct devlist_entry *e, char *why, size_t whylen)
{
	const struct devlist_device *d;
	struct store_device *reg;
	int r;

	if (e->kind != DEVLIST_GENESIS && e->kind != DEVLIST_ADD)
		return 0;
	if ((d = devlist_find(e, e->subject)) == NULL)
		return 0;	/* extends() refused it already */
	if ((reg = calloc(1, sizeof(*reg))) == NULL)
		return COFFER_ERR_NOMEM;
	r = m->ops->device_get(m, account, e->subject, reg);
	/* An add may name a device that registers later, with that card. */
	if (r == COFFER_ERR_NOTFOUND && e->kind == DEVLIST_ADD)
		r = 0;
	else if (r == 0 && (reg->card_len != sizeof(d->raw) ||
	    sodium_memcmp(reg->card, d->raw, sizeof(d->raw)) != 0))
		r = devlist_refuse(why, whylen, "lists the %s device with "
		    "another card than the one it is registered with",
		    e->kind == DEVLIST_GENESIS ? "genesis" : "added");
	else if (r == COFFER_ERR_NOTFOUND)
		r = devlist_refuse(why, whylen, "lists a device that is not "
		    "registered");
	free(reg);
	return r;
}

/* The store's append of the checked ${e}: the head's devices, and the
 * device a removal takes. */
static int
append(struct store_meta *m, const uint8_t *account,
    const struct store_devlist_entry *head, const struct devlist_entry *e,
    uint64_t *now_head)
{
	struct store_devlist_member *mem;
	struct store_devlist_append a;
	size_t i;
	int r;

	if ((mem = calloc(e->ndevices, sizeof(*mem))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < e->ndevices; i++) {
		mem[i].id = e->devices[i].card.device_id;
		mem[i].card = e->devices[i].raw;
		mem[i].card_len = sizeof(e->devices[i].raw);
	}
	memset(&a, 0, sizeof(a));
	a.seq = e->seq;
	a.prev = head->seq == 0 ? NULL : head->hash;
	a.hash = e->hash;
	a.data = e->raw;
	a.len = e->raw_len;
	a.members = mem;
	a.nmembers = e->ndevices;
	a.removed = e->kind == DEVLIST_REMOVE ? e->subject : NULL;
	r = m->ops->devlist_append(m, account, &a, now_head);
	free(mem);
	return r;
}

/* PUT /v1/devicelist/{seq}: 201 {head}. The cheap checks come first:
 * the header's fields, the head's seq, the signature; only an entry the
 * account key signed for this place has its cards verified. */
int
srv_route_devicelist_put(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct srv_caller *who = srv_req_caller(req);
	struct store_devlist_entry head;
	struct devlist_entry h, e;
	struct wire_json_err je;
	char why[160];
	uint64_t seq = 0, now_head = 0;
	int r, no;

	memset(&head, 0, sizeof(head));
	memset(&e, 0, sizeof(e));
	memset(&h, 0, sizeof(h));
	why[0] = '\0';
	if ((r = rate_limited(req, &no)) != 0 || no)
		return r;
	if (srv_parse_devlist_put(srv_req_json(req), &h, &je) != 0)
		return je.fault == WIRE_JSON_INTERNAL ? srv_reply_json_err(req,
		    &je) : counted(req, srv_reply_json_err(req, &je));
	(void)srv_req_param_uint(req, "seq", &seq);
	if ((r = check_header(req, &h, seq, &no)) != 0 || no) {
		r = counted(req, r);
		goto out;
	}
	if ((r = m->ops->devlist_head(m, who->account, &head)) != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	if (seq != head.seq + 1) {
		r = counted(req, reply_head(req, head.seq, seq));
		goto out;
	}
	if ((r = signed_for(&head, &h)) != 0) {
		r = r != COFFER_ERR_AUTH ? srv_reply_error(req, SRV_E_INTERNAL,
		    "entry %llu cannot be checked: the stored head does not "
		    "parse", (unsigned long long)seq) : counted(req,
		    srv_reply_error(req, SRV_E_INVALID_FIELD, "entry %llu is "
		    "not signed by the account key", (unsigned long long)seq));
		goto out;
	}
	if ((r = devlist_parse(&e, h.raw, h.raw_len)) != 0) {
		r = r == COFFER_ERR_NOMEM || r == COFFER_ERR_CRYPTO ?
		    srv_reply_error(req, SRV_E_INTERNAL, "entry %llu cannot be "
		    "parsed", (unsigned long long)seq) : counted(req,
		    srv_reply_error(req, SRV_E_INVALID_FIELD, "field \"entry\" "
		    "%s", entry_reason(r)));
		goto out;
	}
	if ((r = extends(&head, &e, why, sizeof(why))) == 0)
		r = registered_as_listed(m, who->account, &e, why, sizeof(why));
	if (r != 0) {
		r = r != COFFER_ERR_AUTH && r != COFFER_ERR_FORMAT ?
		    srv_reply_error(req, SRV_E_INTERNAL, "entry %llu %s",
		    (unsigned long long)seq, why[0] != '\0' ? why :
		    "cannot be checked") : counted(req,
		    srv_reply_error(req, SRV_E_INVALID_FIELD, "entry %llu does "
		    "not extend the list: %s", (unsigned long long)seq, why));
		goto out;
	}
	r = append(m, who->account, &head, &e, &now_head);
	if (r == COFFER_ERR_CONFLICT) {
		r = reply_head(req, now_head, seq);
		goto out;
	}
	if (r == COFFER_ERR_TOOBIG || r == COFFER_ERR_QUOTA) {
		r = counted(req, r == COFFER_ERR_TOOBIG ? srv_reply_error(req,
		    SRV_E_QUOTA_EXCEEDED, "a device list holds at most %d "
		    "entries", STORE_DEVLIST_ENTRIES_MAX) : srv_reply_error(req,
		    SRV_E_QUOTA_EXCEEDED, "a device list holds at most %d MiB",
		    (int)(STORE_DEVLIST_BYTES_MAX >> 20)));
		goto out;
	}
	if (r != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	/* Sessions of a removed device ended with it; an added device's
	 * are full from now on: no cached answer may say otherwise. */
	srv_session_cache_clear(app->sessions);
	srv_log(SRV_LOG_INFO, "devicelist_append", "kind",
	    e.kind == DEVLIST_GENESIS ? "genesis" : e.kind == DEVLIST_ADD ?
	    "add" : e.kind == DEVLIST_REMOVE ? "remove" : "rename",
	    (char *)NULL);
	r = srv_reply_object(req, 201, json_pack("{s:I}", "head",
	    (json_int_t)now_head));
out:
	store_devlist_entry_cleanup(&head);
	devlist_entry_cleanup(&h);
	devlist_entry_cleanup(&e);
	return r;
}
