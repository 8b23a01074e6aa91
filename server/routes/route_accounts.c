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
#include <coffer/kdf.h>
#include <coffer/opaque.h>
#include <coffer/sign.h>

#include "auth.h"
#include "core/sysendian.h"
#include "http/log.h"
#include "routes.h"
#include "session.h"
#include "store/store.h"

/* The session token: derived from the OPAQUE session key on both sides
 * (docs/PROTOCOL-opaque.md, "Using it on the server"), never sent. */
#define TOKEN_CONTEXT	"coffer/session-token/v1"

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
	sodium_memzero(b, sizeof(*b));
}

int
srv_parse_auth_body(const json_t *body, const char *field, size_t msglen,
    struct srv_auth_body *out, struct wire_json_err *e)
{
	const char *const fin[] = { "ticket", field, "device", NULL };
	const char *const rec[] = { "login", field, "ticket", NULL };
	const char *const start[] = { "login", field, NULL };
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	/* Finish bodies carry the ticket and maybe a device; a record
	 * carries the login and the registration's ticket; the others
	 * name a login. */
	if (strcmp(field, "ke3") == 0) {
		if (wire_json_only_keys(body, fin, e) != 0 ||
		    wire_json_b64_fixed(body, "ticket", 1, out->ticket,
		    SRV_TICKET_BYTES, e) != 0 ||
		    (r = wire_json_id(body, "device", 0, out->device,
		    COFFER_WIRE_ID_BYTES, e)) < 0)
			goto bad;
		out->has_device = r == 0;
	} else if (wire_json_only_keys(body, strcmp(field, "record") == 0 ?
	    rec : start, e) != 0 ||
	    wire_json_bytes(body, "login", 1, 1, COFFER_WIRE_LOGIN_MAX,
	    &out->login, &out->login_len, e) != 0 ||
	    (strcmp(field, "record") == 0 && wire_json_b64_fixed(body,
	    "ticket", 1, out->ticket, SRV_TICKET_BYTES, e) != 0))
		goto bad;
	if (wire_json_bytes(body, field, 1, msglen, msglen, &out->msg, &n,
	    e) != 0)
		goto bad;
	return 0;
bad:
	free_body(out);
	return -1;
}

/* 429 with Retry-After ${after} s, and the reason logged. */
static int
limited_reply(struct srv_req *req, const char *by, unsigned after,
    const char *why)
{
	srv_log(SRV_LOG_WARN, "login_rate_limited", "by", by, (char *)NULL);
	return srv_reply_retry(req, SRV_E_RATE_LIMITED, after, "%s: try again "
	    "later", why);
}

/* The account of the bearer token of ${req}, if it has one and the
 * session is full; else 0. */
static int
full_session_of(struct srv_req *req, struct srv_app *app, int64_t now,
    const uint8_t account[COFFER_WIRE_ID_BYTES])
{
	const char *h = srv_req_header(req, "Authorization");
	struct srv_session_info info;

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0 ||
	    srv_session_check(app->store, app->sessions, h + 7, strlen(h + 7),
	    now, &info) != 0)
		return 0;
	return info.full && sodium_memcmp(info.account, account,
	    COFFER_WIRE_ID_BYTES) == 0;
}

/* POST /v1/accounts/register/start: the server's half of a registration,
 * under a fresh credential id (never an existing account's: the OPRF key
 * of a sign-in is no oracle), which a sealed ticket carries to
 * POST /v1/accounts. An existing login is registered again (a password
 * change) only by a full session of its account. Nothing is stored but a
 * count per address, which limits the rate. */
int
srv_route_register_start(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct srv_auth_limits *l = srv_auth_limits(app->auth);
	const char *peer = srv_req_peer(req), *key = srv_req_peer_key(req);
	struct store_account acct;
	struct srv_auth_body b;
	struct srv_ticket t;
	struct wire_json_err e;
	uint8_t resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES];
	uint8_t ticket[SRV_TICKET_BYTES];
	int64_t now = (int64_t)time(NULL);
	uint64_t n = 0;
	int r;

	memset(&t, 0, sizeof(t));
	if (srv_parse_auth_body(srv_req_json(req), "request",
	    COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	/* Counted first, then read: racing starts see each other. */
	if ((r = m->ops->attempt_add(m, STORE_ATTEMPT_REGISTER,
	    (const uint8_t *)key, strlen(key), now)) != 0 ||
	    (r = m->ops->attempt_count(m, STORE_ATTEMPT_REGISTER,
	    (const uint8_t *)key, strlen(key), now - l->window, &n)) != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	if (n > l->register_address) {
		r = limited_reply(req, "register", l->window, "too many "
		    "registrations from this address");
		goto out;
	}
	srv_auth_login_hash(app->auth, b.login, b.login_len, t.login);
	r = m->ops->account_get_by_login(m, t.login, sizeof(t.login), &acct);
	if (r == 0) {
		if (!full_session_of(req, app, now, acct.id)) {
			r = srv_reply_error(req, SRV_E_CONFLICT, "that login is "
			    "taken (a password change needs a session of its "
			    "account)");
			goto out;
		}
		memcpy(t.account, acct.id, COFFER_WIRE_ID_BYTES);
		t.has_account = 1;
	} else if (r != COFFER_ERR_NOTFOUND) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	t.kind = SRV_TICKET_REGISTER;
	t.expires = now + l->ticket_ttl;
	randombytes_buf(t.cred, sizeof(t.cred));
	r = coffer_opaque_server_register(srv_auth_setup(app->auth), resp,
	    b.msg, COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES, t.cred,
	    sizeof(t.cred));
	if (r == COFFER_ERR_FORMAT) {
		r = srv_reply_error(req, SRV_E_INVALID_FIELD, "request is "
		    "not a valid OPAQUE registration request");
		goto out;
	}
	if (r != 0) {
		r = srv_reply_error(req, SRV_E_INTERNAL, "OPAQUE: %s",
		    coffer_strerror(r));
		goto out;
	}
	srv_auth_ticket_seal(app->auth, &t, peer, ticket);
	r = srv_reply_json(req, 200, json_pack("{s:o, s:o, s:o}", "response",
	    wire_json_new_bytes(resp, sizeof(resp)), "ksf",
	    ksf_json(srv_auth_params(app->auth)), "ticket",
	    wire_json_new_bytes(ticket, sizeof(ticket))));
out:
	sodium_memzero(&t, sizeof(t));
	free_body(&b);
	return r;
}

/* POST /v1/accounts: store the registration record under the login's
 * keyed hash, with the credential id its ticket names; a ticket of a
 * password change replaces the record of its account. */
int
srv_route_account_create(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	const struct coffer_opaque_params *p = srv_auth_params(app->auth);
	struct store_account acct;
	struct srv_auth_body b;
	struct srv_ticket t;
	struct wire_json_err e;
	uint8_t rec[SRV_RECORD_BYTES], lh[SRV_LOGIN_HASH_BYTES];
	uint8_t used[STORE_TICKET_HASH_BYTES], keep[STORE_TOKEN_HASH_BYTES];
	const char *h;
	int64_t now = (int64_t)time(NULL);
	int r;

	memset(&t, 0, sizeof(t));
	if (srv_parse_auth_body(srv_req_json(req), "record",
	    COFFER_OPAQUE_RECORD_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	if (coffer_opaque_server_record_check(b.msg,
	    COFFER_OPAQUE_RECORD_BYTES) != 0) {
		r = srv_reply_error(req, SRV_E_INVALID_FIELD, "record is not "
		    "a valid OPAQUE registration record");
		goto out;
	}
	srv_auth_login_hash(app->auth, b.login, b.login_len, lh);
	if ((r = srv_auth_ticket_open(app->auth, b.ticket, sizeof(b.ticket),
	    SRV_TICKET_REGISTER, srv_req_peer(req), now, &t)) != 0 ||
	    sodium_memcmp(t.login, lh, sizeof(lh)) != 0) {
		r = srv_reply_error(req, SRV_E_INVALID_FIELD, "ticket is not "
		    "this login's registration ticket from this address, or "
		    "it expired: start again");
		goto out;
	}
	/* A password change is finished by a full session of its account,
	 * as it was started: a ticket outliving the session (signed out)
	 * changes nothing. Each ticket is spent once, in the store. */
	if (t.has_account && !full_session_of(req, app, now, t.account)) {
		r = srv_reply_error(req, SRV_E_CONFLICT, "that login is taken "
		    "(a password change needs a session of its account)");
		goto out;
	}
	srv_auth_ticket_hash(b.ticket, used);
	if ((r = m->ops->ticket_spend(m, used, t.expires, now)) != 0) {
		if (r == COFFER_ERR_EXISTS)
			r = srv_reply_error(req, SRV_E_INVALID_FIELD, "ticket "
			    "was used already: start again");
		else
			r = srv_reply_store(req, r, "account");
		goto out;
	}
	memcpy(rec, b.msg, COFFER_OPAQUE_RECORD_BYTES);
	be32enc(rec + COFFER_OPAQUE_RECORD_BYTES, p->t_cost);
	be32enc(rec + COFFER_OPAQUE_RECORD_BYTES + 4, p->m_cost);
	memcpy(rec + SRV_RECORD_LEGACY, t.cred, SRV_CRED_BYTES);
	if (t.has_account) {
		/* The new password ends every other session: one a thief
		 * holds cannot outlive the change. */
		h = srv_req_header(req, "Authorization");
		store_token_hash(keep, (const uint8_t *)h + 7, strlen(h + 7));
		if ((r = m->ops->account_set_record(m, t.account, rec,
		    sizeof(rec))) != 0 || (r = m->ops->session_delete_all(m,
		    t.account, keep, NULL)) != 0) {
			r = srv_reply_store(req, r, "account");
			goto out;
		}
		srv_session_cache_clear(app->sessions);
		srv_log(SRV_LOG_INFO, "account_password_changed", (char *)NULL);
		r = srv_reply_json(req, 200, json_pack("{s:o}", "account",
		    wire_json_new_id(t.account, COFFER_WIRE_ID_BYTES)));
		goto out;
	}
	/* Creation times are kept to the day: exactness serves nobody. */
	r = m->ops->account_create(m, lh, sizeof(lh), rec, sizeof(rec),
	    now / 86400 * 86400, &acct);
	if (r == COFFER_ERR_EXISTS) {
		r = srv_reply_error(req, SRV_E_CONFLICT, "that login is "
		    "taken");
		goto out;
	}
	if (r != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	srv_log(SRV_LOG_INFO, "account_created", (char *)NULL);
	r = srv_reply_json(req, 201, json_pack("{s:o}", "account",
	    wire_json_new_id(acct.id, COFFER_WIRE_ID_BYTES)));
out:
	sodium_memzero(&t, sizeof(t));
	free_body(&b);
	return r;
}

/* The keys a sign-in is counted under: the login's hash, the pair of it
 * and the address, the address (as srv_req_peer_key counts it). */
struct counted {
	uint8_t		login[SRV_LOGIN_HASH_BYTES];
	uint8_t		pair[SRV_LOGIN_HASH_BYTES + 64];
	size_t		pair_len;
	const char	*peer;
};

static void
counted_init(struct counted *k, const uint8_t login[SRV_LOGIN_HASH_BYTES],
    const char *peer)
{
	size_t n = strnlen(peer, 64);

	memcpy(k->login, login, SRV_LOGIN_HASH_BYTES);
	memcpy(k->pair, login, SRV_LOGIN_HASH_BYTES);
	memcpy(k->pair + SRV_LOGIN_HASH_BYTES, peer, n);
	k->pair_len = SRV_LOGIN_HASH_BYTES + n;
	k->peer = peer;
}

/* A sign-in passed: the failure its start counted is forgotten, so
 * successes never count against a login or an address. */
static int
uncount_start(struct store_meta *m, const struct counted *k)
{
	int r;

	if ((r = m->ops->attempt_forget_one(m, STORE_ATTEMPT_LOGIN, k->login,
	    sizeof(k->login))) != 0 ||
	    (r = m->ops->attempt_forget_one(m, STORE_ATTEMPT_PAIR, k->pair,
	    k->pair_len)) != 0 ||
	    (r = m->ops->attempt_forget_one(m, STORE_ATTEMPT_ADDRESS,
	    (const uint8_t *)k->peer, strlen(k->peer))) != 0)
		return r;
	return 0;
}

/* The limits of docs/OPERATING.md ("Sign-in limits"): failures of a login
 * from one address and of one address stop it for the window (429);
 * failures of a login from everywhere only slow it, one start per delay
 * that doubles per failure beyond the ceiling, up to a minute, and never
 * an address with no failure of this login in the window: its owner from
 * a clean address gets through however hard the login is pressed. A start
 * counts as a failure until its KE3 passes.
 *
 * The start is counted first and the counts read after, so that starts
 * racing each other see each other (at most the limit pass). A start
 * refused by its pair's or its address's limit stays counted against
 * them (asking again and again keeps the asker stopped), never against
 * the login, whose slot it must not hold. Sets *${limited} and replies
 * when refused. */
static int
signin_gate(struct srv_req *req, struct srv_app *app,
    const struct counted *k, int64_t now, int *limited)
{
	const struct srv_auth_limits *l = srv_auth_limits(app->auth);
	struct store_meta *m = app->store->meta;
	uint64_t n_pair = 0, n_addr = 0, n_login = 0, over;
	int64_t last = 0, delay;
	const char *by = NULL, *why = NULL;
	unsigned after = l->window;
	int r;

	*limited = 0;
	/* The login's newest start before this one: its slowdown's clock. */
	if ((r = m->ops->attempt_latest(m, STORE_ATTEMPT_LOGIN, k->login,
	    sizeof(k->login), now - l->window, &n_login, &last)) != 0 ||
	    (r = m->ops->attempt_add(m, STORE_ATTEMPT_LOGIN, k->login,
	    sizeof(k->login), now)) != 0 ||
	    (r = m->ops->attempt_add(m, STORE_ATTEMPT_PAIR, k->pair,
	    k->pair_len, now)) != 0 ||
	    (r = m->ops->attempt_add(m, STORE_ATTEMPT_ADDRESS,
	    (const uint8_t *)k->peer, strlen(k->peer), now)) != 0 ||
	    (r = m->ops->attempt_count(m, STORE_ATTEMPT_PAIR, k->pair,
	    k->pair_len, now - l->window, &n_pair)) != 0 ||
	    (r = m->ops->attempt_count(m, STORE_ATTEMPT_ADDRESS,
	    (const uint8_t *)k->peer, strlen(k->peer), now - l->window,
	    &n_addr)) != 0)
		return srv_reply_store(req, r, "account");
	if (n_pair > l->failures_pair) {
		by = "pair";
		why = "too many failed sign-ins for this login from this address";
	} else if (n_addr > l->failures_address) {
		by = "address";
		why = "too many failed sign-ins from this address";
	} else if (n_pair > 1 && n_login >= l->failures_account) {
		over = n_login - l->failures_account;
		delay = over >= 6 ? 60 : (int64_t)1 << over;
		if (now - last < delay) {
			by = "account";
			why = "too many failed sign-ins for this account: they "
			    "are slowed";
			after = (unsigned)(delay - (now - last));
		}
	}
	if (by == NULL)
		return 0;
	*limited = 1;
	/* Refused by the login's slowdown, the start is not counted at
	 * all: an owner who once mistyped here, told to wait, is not kept
	 * out longer by waiting as told. */
	r = strcmp(by, "account") == 0 ? uncount_start(m, k) :
	    m->ops->attempt_forget_one(m, STORE_ATTEMPT_LOGIN, k->login,
	    sizeof(k->login));
	if (r != 0)
		return srv_reply_store(req, r, "account");
	return limited_reply(req, by, after, why);
}

/* POST /v1/sessions/start: KE1 in, KE2 and a sealed ticket out; nothing
 * is kept but the attempt, which counts as failed until its KE3 passes
 * (RFC 9807 §10.7: a client that never sends KE3 has learnt whether its
 * guess was right). */
int
srv_route_session_start(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct coffer_opaque_server *st = NULL;
	struct coffer_opaque_params params = *srv_auth_params(app->auth);
	struct store_account acct;
	struct srv_ticket t;
	struct srv_auth_body b;
	struct wire_json_err e;
	struct counted k;
	uint8_t ke2[COFFER_OPAQUE_KE2_BYTES], ticket[SRV_TICKET_BYTES];
	uint8_t fake[SRV_CRED_BYTES];
	const uint8_t *cred;
	size_t cred_len;
	const char *peer = srv_req_peer(req);
	int64_t now = (int64_t)time(NULL);
	int r, limited, known;

	memset(&t, 0, sizeof(t));
	if (srv_parse_auth_body(srv_req_json(req), "ke1",
	    COFFER_OPAQUE_KE1_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	srv_auth_login_hash(app->auth, b.login, b.login_len, t.login);
	counted_init(&k, t.login, srv_req_peer_key(req));
	if ((r = signin_gate(req, app, &k, now, &limited)) != 0 ||
	    limited)
		goto out;
	r = m->ops->account_get_by_login(m, t.login, sizeof(t.login), &acct);
	if (r != 0 && r != COFFER_ERR_NOTFOUND) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	known = r == 0 && acct.record_len > SRV_RECORD_LEGACY;
	if (known) {
		params.t_cost = be32dec(acct.record + COFFER_OPAQUE_RECORD_BYTES);
		params.m_cost = be32dec(acct.record +
		    COFFER_OPAQUE_RECORD_BYTES + 4);
		cred = acct.record + SRV_RECORD_LEGACY;
		cred_len = acct.record_len - SRV_RECORD_LEGACY;
		if (cred_len == 1 && cred[0] == SRV_CRED_TYPED) {
			cred = b.login;		/* an account from before */
			cred_len = b.login_len;
		}
	} else {
		/* An unknown login: a fake KE2 under a stable fake id with
		 * the current costs, which no KE3 can finish. */
		srv_auth_fake_cred(app->auth, t.login, fake);
		cred = fake;
		cred_len = sizeof(fake);
	}
	r = coffer_opaque_server_login_start(&st, ke2, srv_auth_setup(app->auth),
	    known ? acct.record : NULL, known ? COFFER_OPAQUE_RECORD_BYTES : 0,
	    cred, cred_len, b.msg, COFFER_OPAQUE_KE1_BYTES, &params, NULL);
	if (r == COFFER_ERR_FORMAT) {
		r = srv_reply_error(req, SRV_E_INVALID_FIELD, "ke1 is not a "
		    "valid OPAQUE KE1");
		goto out;
	}
	if (r != 0 || (r = coffer_opaque_server_state_save(st, t.state)) != 0) {
		r = srv_reply_error(req, SRV_E_INTERNAL, "OPAQUE: %s",
		    coffer_strerror(r));
		goto out;
	}
	t.kind = SRV_TICKET_SIGNIN;
	t.expires = now + srv_auth_limits(app->auth)->ticket_ttl;
	t.has_account = known;
	if (known)
		memcpy(t.account, acct.id, COFFER_WIRE_ID_BYTES);
	srv_auth_ticket_seal(app->auth, &t, peer, ticket);
	r = srv_reply_json(req, 200, json_pack("{s:o, s:o, s:o}", "ticket",
	    wire_json_new_bytes(ticket, sizeof(ticket)), "ke2",
	    wire_json_new_bytes(ke2, sizeof(ke2)), "ksf", ksf_json(&params)));
out:
	coffer_opaque_server_free(&st);
	sodium_memzero(&t, sizeof(t));
	sodium_memzero(&acct, sizeof(acct));
	free_body(&b);
	return r;
}

/* POST /v1/sessions/finish: the ticket and KE3 in, a session out, whose
 * token both sides derive from the OPAQUE session key. */
int
srv_route_session_finish(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store_meta *m = app->store->meta;
	struct coffer_opaque_server *st = NULL;
	struct srv_ticket t;
	struct srv_auth_body b;
	struct wire_json_err e;
	struct counted k;
	uint8_t sk[COFFER_OPAQUE_SESSION_KEY_BYTES];
	uint8_t raw[SRV_TOKEN_BYTES], used[STORE_TICKET_HASH_BYTES];
	char token[SRV_TOKEN_LEN + 1];
	const char *peer = srv_req_peer(req);
	int64_t now = (int64_t)time(NULL);
	int r;

	memset(&t, 0, sizeof(t));
	memset(token, 0, sizeof(token));
	memset(sk, 0, sizeof(sk));
	memset(raw, 0, sizeof(raw));
	if (srv_parse_auth_body(srv_req_json(req), "ke3",
	    COFFER_OPAQUE_KE3_BYTES, &b, &e) != 0)
		return srv_reply_json_err(req, &e);
	srv_auth_ticket_hash(b.ticket, used);
	/* One try per ticket: spent here, in the store, whatever follows. */
	if ((r = srv_auth_ticket_open(app->auth, b.ticket, sizeof(b.ticket),
	    SRV_TICKET_SIGNIN, peer, now, &t)) != 0 ||
	    (r = m->ops->ticket_spend(m, used, t.expires, now)) != 0 ||
	    coffer_opaque_server_state_load(&st, t.state, sizeof(t.state)) ||
	    coffer_opaque_server_login_finish(st, sk, b.msg,
	    COFFER_OPAQUE_KE3_BYTES) != 0 || !t.has_account) {
		if (r != 0 && r != COFFER_ERR_AUTH && r != COFFER_ERR_STATE &&
		    r != COFFER_ERR_FORMAT && r != COFFER_ERR_EXISTS) {
			r = srv_reply_store(req, r, "account");
			goto out;
		}
		srv_log(SRV_LOG_INFO, "login_failed", (char *)NULL);
		r = srv_reply_error(req, SRV_E_UNAUTHORIZED, "sign-in failed: "
		    "wrong login or password, or the sign-in expired, was "
		    "used, or came from another address");
		goto out;
	}
	counted_init(&k, t.login, srv_req_peer_key(req));
	if ((r = uncount_start(m, &k)) != 0 ||
	    (r = coffer_kdf(raw, sizeof(raw), sk, sizeof(sk), TOKEN_CONTEXT,
	    NULL, 0)) != 0) {
		r = srv_reply_store(req, r, "account");
		goto out;
	}
	r = srv_session_new(app->store, app->sessions, t.account,
	    b.has_device ? b.device : NULL, now,
	    srv_auth_limits(app->auth)->session_ttl, raw, token);
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
	r = srv_reply_json(req, 200, json_pack("{s:o, s:I}", "account",
	    wire_json_new_id(t.account, COFFER_WIRE_ID_BYTES), "expires",
	    (json_int_t)(now +
	    (int64_t)srv_auth_limits(app->auth)->session_ttl)));
out:
	coffer_opaque_server_free(&st);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(token, sizeof(token));
	sodium_memzero(&t, sizeof(t));
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
