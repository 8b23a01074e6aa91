/* Accounts and sessions: sign-up and sign-in with OPAQUE (RFC 9807), so
 * the password never reaches the server; sign-out of one or all sessions.
 * docs/openapi.yaml specifies the routes; docs/PROTOCOL-opaque.md the
 * messages they carry. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/opaque.h>
#include <coffer/sign.h>

#include "auth.h"
#include "core/sysendian.h"
#include "http/log.h"
#include "routes.h"
#include "session.h"
#include "store/store.h"

/* The stored record: the OPAQUE RegistrationRecord, then the KSF costs
 * the client used (u32 t, u32 m, big-endian), which its logins need. */
#define RECORD_STORED	(COFFER_OPAQUE_RECORD_BYTES + 8)

static json_t *
ksf_json(const struct coffer_opaque_params *p)
{
	return json_pack("{s:s, s:I, s:I}", "alg", "argon2id", "t_cost",
	    (json_int_t)p->t_cost, "m_cost", (json_int_t)p->m_cost);
}

static void
free_body(struct srv_auth_body *b)
{
	free(b->login);
	free(b->msg);
	memset(b, 0, sizeof(*b));
}

int
srv_parse_auth_body(const json_t *body, const char *field, size_t msglen,
    struct srv_auth_body *out, struct wire_json_err *e)
{
	const char *const keys[] = { "login", field, "login_id", "device",
	    NULL };
	const char *const keys2[] = { "login", field, NULL };
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	/* Finish bodies name a login_id and maybe a device; the others
	 * name a login. */
	if (strcmp(field, "ke3") == 0) {
		if (wire_json_only_keys(body, keys + 1, e) != 0 ||
		    wire_json_id(body, "login_id", 1, out->login_id,
		    COFFER_WIRE_ID_BYTES, e) != 0 ||
		    (r = wire_json_id(body, "device", 0, out->device,
		    COFFER_WIRE_ID_BYTES, e)) < 0)
			goto bad;
		out->has_device = r == 0;
	} else if (wire_json_only_keys(body, keys2, e) != 0 ||
	    wire_json_bytes(body, "login", 1, 1, COFFER_WIRE_LOGIN_MAX,
	    &out->login, &out->login_len, e) != 0)
		goto bad;
	if (wire_json_bytes(body, field, 1, msglen, msglen, &out->msg, &n,
	    e) != 0)
		goto bad;
	return 0;
bad:
	free_body(out);
	return -1;
}

/* POST /v1/accounts/register/start: the server's half of a registration;
 * nothing is stored. */
int
srv_route_register_start(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct srv_auth_body b;
	struct wire_json_err e;
	uint8_t resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES];
	int r;

	if (srv_parse_auth_body(srv_req_json(req), "request",
	    COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	r = coffer_opaque_server_register(srv_auth_setup(app->auth), resp,
	    b.msg, COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES, b.login,
	    b.login_len);
	free_body(&b);
	if (r == COFFER_ERR_FORMAT)
		return srv_reply_error(req, SRV_E_INVALID_FIELD, "request is "
		    "not a valid OPAQUE registration request");
	if (r != 0)
		return srv_reply_error(req, SRV_E_INTERNAL, "OPAQUE: %s",
		    coffer_strerror(r));
	return srv_reply_json(req, 200, json_pack("{s:o, s:o}", "response",
	    wire_json_new_bytes(resp, sizeof(resp)), "ksf",
	    ksf_json(srv_auth_params(app->auth))));
}

/* POST /v1/accounts: store the registration record under the login. */
int
srv_route_account_create(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	const struct coffer_opaque_params *p = srv_auth_params(app->auth);
	struct store_account acct;
	struct srv_auth_body b;
	struct wire_json_err e;
	uint8_t rec[RECORD_STORED];
	int r;

	if (srv_parse_auth_body(srv_req_json(req), "record",
	    COFFER_OPAQUE_RECORD_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	if (coffer_opaque_server_record_check(b.msg,
	    COFFER_OPAQUE_RECORD_BYTES) != 0) {
		free_body(&b);
		return srv_reply_error(req, SRV_E_INVALID_FIELD, "record is not "
		    "a valid OPAQUE registration record");
	}
	memcpy(rec, b.msg, COFFER_OPAQUE_RECORD_BYTES);
	be32enc(rec + COFFER_OPAQUE_RECORD_BYTES, p->t_cost);
	be32enc(rec + COFFER_OPAQUE_RECORD_BYTES + 4, p->m_cost);
	r = app->store->meta->ops->account_create(app->store->meta, b.login,
	    b.login_len, rec, sizeof(rec), (int64_t)time(NULL), &acct);
	free_body(&b);
	if (r == COFFER_ERR_EXISTS)
		return srv_reply_error(req, SRV_E_CONFLICT, "that login is "
		    "taken");
	if (r != 0)
		return srv_reply_store(req, r, "account");
	srv_log(SRV_LOG_INFO, "account_created", (char *)NULL);
	return srv_reply_json(req, 201, json_pack("{s:o}", "account",
	    wire_json_new_id(acct.id, COFFER_WIRE_ID_BYTES)));
}

/* 429 if the login or the address failed too often within the window. */
static int
rate_limited(struct srv_req *req, struct srv_app *app, const uint8_t *login,
    size_t login_len, int64_t now, int *limited)
{
	const struct srv_auth_limits *l = srv_auth_limits(app->auth);
	const char *peer = srv_req_peer(req);
	struct store_meta *m = app->store->meta;
	uint64_t n_login = 0, n_addr = 0;
	int r;

	*limited = 0;
	if ((r = m->ops->attempt_count(m, STORE_ATTEMPT_LOGIN, login,
	    login_len, now - l->window, &n_login)) != 0 ||
	    (r = m->ops->attempt_count(m, STORE_ATTEMPT_ADDRESS,
	    (const uint8_t *)peer, strlen(peer), now - l->window,
	    &n_addr)) != 0)
		return srv_reply_store(req, r, "account");
	if (n_login < l->failures_account && n_addr < l->failures_address)
		return 0;
	*limited = 1;
	srv_log(SRV_LOG_WARN, "login_rate_limited", "by", n_login >=
	    l->failures_account ? "account" : "address", (char *)NULL);
	return srv_reply_retry(req, SRV_E_RATE_LIMITED, l->window, "too many "
	    "failed sign-ins %s: try again later", n_login >=
	    l->failures_account ? "for this account" : "from this address");
}

/* POST /v1/sessions/start: KE1 in, KE2 out. The attempt counts as failed
 * until its KE3 passes (RFC 9807 §10.7: a client that never sends KE3 has
 * learnt whether its guess was right). */
int
srv_route_session_start(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct coffer_opaque_server *st = NULL;
	struct coffer_opaque_params params = *srv_auth_params(app->auth);
	struct store_account acct;
	struct srv_pending p;
	struct srv_auth_body b;
	struct wire_json_err e;
	uint8_t ke2[COFFER_OPAQUE_KE2_BYTES], id[COFFER_WIRE_ID_BYTES];
	const char *peer = srv_req_peer(req);
	int64_t now = (int64_t)time(NULL);
	int r, limited, known;

	memset(&p, 0, sizeof(p));
	if (srv_parse_auth_body(srv_req_json(req), "ke1",
	    COFFER_OPAQUE_KE1_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	if ((r = rate_limited(req, app, b.login, b.login_len, now,
	    &limited)) != 0 || limited)
		goto out;
	r = m->ops->account_get_by_login(m, b.login, b.login_len, &acct);
	if (r != 0 && r != COFFER_ERR_NOTFOUND) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	known = r == 0 && acct.record_len == RECORD_STORED;
	if (known) {
		params.t_cost = be32dec(acct.record + COFFER_OPAQUE_RECORD_BYTES);
		params.m_cost = be32dec(acct.record +
		    COFFER_OPAQUE_RECORD_BYTES + 4);
	}
	/* An unknown login gets a fake KE2 that no KE3 can finish. */
	r = coffer_opaque_server_login_start(&st, ke2, srv_auth_setup(app->auth),
	    known ? acct.record : NULL, known ? COFFER_OPAQUE_RECORD_BYTES : 0,
	    b.login, b.login_len, b.msg, COFFER_OPAQUE_KE1_BYTES, &params, NULL);
	if (r == COFFER_ERR_FORMAT) {
		r = srv_reply_error(req, SRV_E_INVALID_FIELD, "ke1 is not a "
		    "valid OPAQUE KE1");
		goto out;
	}
	if (r != 0 || (r = coffer_opaque_server_state_save(st, p.state)) != 0) {
		r = srv_reply_error(req, SRV_E_INTERNAL, "OPAQUE: %s",
		    coffer_strerror(r));
		goto out;
	}
	p.has_account = known;
	if (known)
		memcpy(p.account, acct.id, COFFER_WIRE_ID_BYTES);
	memcpy(p.login, b.login, b.login_len);
	p.login_len = b.login_len;
	p.expires = now + SRV_PENDING_TTL;
	if ((r = m->ops->attempt_add(m, STORE_ATTEMPT_LOGIN, b.login,
	    b.login_len, now)) != 0 ||
	    (r = m->ops->attempt_add(m, STORE_ATTEMPT_ADDRESS,
	    (const uint8_t *)peer, strlen(peer), now)) != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	if (srv_auth_pending_put(app->auth, &p, now, id) != 0) {
		r = srv_reply_retry(req, SRV_E_UNAVAILABLE, 5, "too many "
		    "sign-ins in progress");
		goto out;
	}
	r = srv_reply_json(req, 200, json_pack("{s:o, s:o, s:o}", "login_id",
	    wire_json_new_id(id, COFFER_WIRE_ID_BYTES), "ke2", wire_json_new_bytes(ke2,
	    sizeof(ke2)), "ksf", ksf_json(&params)));
out:
	coffer_opaque_server_free(&st);
	sodium_memzero(&p, sizeof(p));
	free_body(&b);
	return r;
}

/* POST /v1/sessions/finish: KE3 in, a session token out. */
int
srv_route_session_finish(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct coffer_opaque_server *st = NULL;
	struct srv_pending p;
	struct srv_auth_body b;
	struct wire_json_err e;
	uint8_t sk[COFFER_OPAQUE_SESSION_KEY_BYTES];
	char token[SRV_TOKEN_LEN + 1];
	int64_t now = (int64_t)time(NULL);
	int r;

	memset(&p, 0, sizeof(p));
	memset(token, 0, sizeof(token));
	if (srv_parse_auth_body(srv_req_json(req), "ke3",
	    COFFER_OPAQUE_KE3_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	/* One try per login: taken here whatever follows. */
	if (srv_auth_pending_take(app->auth, b.login_id, now, &p) != 0 ||
	    coffer_opaque_server_state_load(&st, p.state, sizeof(p.state)) ||
	    coffer_opaque_server_login_finish(st, sk, b.msg,
	    COFFER_OPAQUE_KE3_BYTES) != 0 || !p.has_account) {
		srv_log(SRV_LOG_INFO, "login_failed", (char *)NULL);
		r = srv_reply_error(req, SRV_E_UNAUTHORIZED, "sign-in failed: "
		    "wrong login or password, or the sign-in expired");
		goto out;
	}
	if ((r = m->ops->attempt_clear(m, STORE_ATTEMPT_LOGIN, p.login,
	    p.login_len)) != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	r = srv_session_new(app->store, app->sessions, p.account,
	    b.has_device ? b.device : NULL, now,
	    srv_auth_limits(app->auth)->session_ttl, token);
	if (r == COFFER_ERR_NOTFOUND && b.has_device) {
		r = srv_reply_error(req, SRV_E_INVALID_FIELD, "device is not "
		    "a device of this account");
		goto out;
	}
	if (r != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	srv_log(SRV_LOG_INFO, "login", (char *)NULL);
	r = srv_reply_json(req, 200, json_pack("{s:s, s:o, s:I}", "token",
	    token, "account", wire_json_new_id(p.account, COFFER_WIRE_ID_BYTES),
	    "expires", (json_int_t)(now +
	    (int64_t)srv_auth_limits(app->auth)->session_ttl)));
out:
	coffer_opaque_server_free(&st);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(token, sizeof(token));
	sodium_memzero(&p, sizeof(p));
	free_body(&b);
	return r;
}

void
srv_req_token_hash(struct srv_req *req, uint8_t *hash)
{
	const char *h = srv_req_header(req, "Authorization");

	/* The auth hook accepted it, so it is "Bearer " and a token. */
	store_token_hash(hash, (const uint8_t *)h + 7, strlen(h + 7));
}

/* DELETE /v1/sessions/current: sign out this session. */
int
srv_route_session_delete(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	uint8_t hash[STORE_TOKEN_HASH_BYTES];
	int r;

	srv_req_token_hash(req, hash);
	r = app->store->meta->ops->session_delete(app->store->meta,
	    srv_req_account(req), hash);
	srv_session_cache_clear(app->sessions);
	if (r != 0 && r != COFFER_ERR_NOTFOUND)
		return srv_reply_store(req, r, "account");
	return srv_reply_empty(req, 204);
}

/* DELETE /v1/sessions: sign out every session of the account. */
int
srv_route_sessions_delete(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	int r;

	r = app->store->meta->ops->session_delete_all(app->store->meta,
	    srv_req_account(req), NULL, NULL);
	srv_session_cache_clear(app->sessions);
	if (r != 0)
		return srv_reply_store(req, r, "account");
	return srv_reply_empty(req, 204);
}

/* GET /v1/account: who this session is, whether it is restricted, and
 * the seq of the account's device list head (0: no list yet), so that a
 * device that signs in learns in one request whether it is the first
 * (it makes the list) or must pair, and whether its pinned head is
 * behind. The head is the server's word: devices check the list itself. */
int
srv_route_account_get(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct srv_caller *who = srv_req_caller(req);
	struct store_devlist_entry head;
	struct store_account acct;
	json_t *o;
	int r;

	memset(&head, 0, sizeof(head));
	r = m->ops->account_get(m, who->account, &acct);
	if (r == 0)
		r = m->ops->devlist_head(m, who->account, &head);
	if (r == COFFER_ERR_NOTFOUND)
		return srv_reply_error(req, SRV_E_UNAUTHORIZED, "no such account");
	if (r != 0)
		return srv_reply_store(req, r, "account");
	o = json_pack("{s:o, s:I, s:b, s:I}", "account",
	    wire_json_new_id(acct.id, COFFER_WIRE_ID_BYTES), "created",
	    (json_int_t)acct.created, "restricted", who->limited,
	    "devicelist_head", (json_int_t)head.seq);
	store_devlist_entry_cleanup(&head);
	if (o != NULL && who->has_device && json_object_set_new(o, "device",
	    wire_json_new_id(who->device, COFFER_WIRE_ID_BYTES)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return srv_reply_object(req, 200, o);
}

static const char *const bind_keys[] = { "device", "sig", NULL };

int
srv_parse_session_bind(const json_t *body, struct srv_session_bind *out,
    struct wire_json_err *e)
{
	memset(out, 0, sizeof(*out));
	if (wire_json_only_keys(body, bind_keys, e) != 0 ||
	    wire_json_id(body, "device", 1, out->device, COFFER_WIRE_ID_BYTES,
	    e) != 0 || wire_json_b64_fixed(body, "sig", 1, out->sig,
	    COFFER_SIGN_BYTES, e) != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

/* PUT /v1/sessions/current/device: bind this session to a registered
 * device that signs Sig("coffer/session-device/v1", account id ||
 * SHA-256(token)) with the key of its registered card: a password alone
 * binds no device, and a signature made for one session binds no other.
 * A session is bound once. 200 {device, restricted}. */
int
srv_route_session_bind(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const uint8_t *account = srv_req_account(req);
	struct srv_session_bind b;
	struct srv_session_info info;
	struct coffer_device_card card;
	struct store_device *d = NULL;
	struct wire_json_err e;
	uint8_t msg[COFFER_WIRE_ID_BYTES + STORE_TOKEN_HASH_BYTES];
	const char *h = srv_req_header(req, "Authorization");
	int64_t now = (int64_t)time(NULL);
	int r;

	if (srv_parse_session_bind(srv_req_json(req), &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -1;
	if ((r = m->ops->device_get(m, account, b.device, d)) != 0) {
		r = r == COFFER_ERR_NOTFOUND ? srv_reply_error(req,
		    SRV_E_NO_SUCH_OBJECT, "no card is registered for this "
		    "device: register it first") : srv_reply_store(req, r,
		    "device");
		goto out;
	}
	memcpy(msg, account, COFFER_WIRE_ID_BYTES);
	srv_req_token_hash(req, msg + COFFER_WIRE_ID_BYTES);
	if (coffer_device_card_parse(&card, d->card, d->card_len) != 0 ||
	    coffer_sign_verify(b.sig, card.sign_pk, SRV_SESSION_BIND_CONTEXT,
	    msg, sizeof(msg)) != 0) {
		r = srv_reply_error(req, SRV_E_FORBIDDEN, "the signature does "
		    "not verify under the card registered for this device");
		goto out;
	}
	r = m->ops->session_bind(m, account, msg + COFFER_WIRE_ID_BYTES,
	    b.device, d->card, d->card_len, now);
	if (r == COFFER_ERR_CONFLICT) {
		r = srv_reply_error(req, SRV_E_CONFLICT, "this session is "
		    "bound to a device already");
		goto out;
	}
	if (r == COFFER_ERR_NOTFOUND) {
		r = srv_reply_error(req, SRV_E_NO_SUCH_OBJECT, "the device's "
		    "card changed, or the session ended");
		goto out;
	}
	if (r != 0) {
		r = srv_reply_store(req, r, "session");
		goto out;
	}
	srv_session_cache_clear(app->sessions);
	/* What the session may do now (the cache is clear: the store's). */
	if ((r = srv_session_check(app->store, app->sessions, h + 7,
	    strlen(h + 7), now, &info)) != 0) {
		r = srv_reply_store(req, r, "session");
		goto out;
	}
	srv_log(SRV_LOG_INFO, "session_bound", (char *)NULL);
	r = srv_reply_object(req, 200, json_pack("{s:o, s:b}", "device",
	    wire_json_new_id(b.device, COFFER_WIRE_ID_BYTES), "restricted",
	    !info.full));
out:
	sodium_memzero(msg, sizeof(msg));
	free(d);
	return r;
}
