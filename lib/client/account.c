/* Accounts and sessions: OPAQUE registration and sign-in (lib/auth's
 * client side), the session token in the home, the session bound to this
 * device (docs/PROTOCOL-devices.md §5), the account's keys joined, and
 * sign-out. */
#include <coffer/client.h>
#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/opaque.h>
#include <coffer/sign.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "core/file.h"

#define B64(n)	COFFER_B64URL_LEN(n)
#define BIND_CONTEXT	"coffer/session-device/v1"
/* The session token: derived from the OPAQUE session key, as the server
 * does; never sent by it. */
#define TOKEN_CONTEXT	"coffer/session-token/v1"
#define TOKEN_BYTES	32
#define TICKET_MAX	512	/* characters, with the NUL */

/* The key-stretching costs the server names: {"alg", "t_cost", "m_cost"},
 * within this client's floor (the production profile unless the caller
 * lowered it) and ceiling: a server's word can neither weaken what a
 * stolen record costs to guess nor make the client spend minutes. */
static int
read_ksf(struct coffer_client *c, const json_t *j,
    struct coffer_opaque_params *p)
{
	static const char *const keys[] = { "alg", "t_cost", "m_cost", NULL };
	const json_t *k = json_object_get(j, "ksf");
	const char *alg;
	uint64_t t, m;
	char d[NET_DETAIL];

	if (!json_is_object(k) || net_json_only(k, keys, d) != 0 ||
	    net_json_str(k, "alg", &alg, d) != 0 ||
	    strcmp(alg, "argon2id") != 0 ||
	    net_json_int(k, "t_cost", &t, d) != 0 ||
	    net_json_int(k, "m_cost", &m, d) != 0)
		return cl_fail(c, COFFER_ERR_SERVER, "the server's answer: "
		    "field \"ksf\" is not a valid argon2id cost");
	if (t < c->ksf_min_t || m < c->ksf_min_m)
		return cl_fail(c, COFFER_ERR_SERVER, "the server asks for "
		    "weaker key stretching (argon2id t=%llu, m=%llu KiB) than "
		    "this client accepts (t>=%u, m>=%u KiB): refused",
		    (unsigned long long)t, (unsigned long long)m,
		    (unsigned)c->ksf_min_t, (unsigned)c->ksf_min_m);
	if (t > COFFER_CLIENT_KSF_T_MAX || m > COFFER_CLIENT_KSF_M_MAX)
		return cl_fail(c, COFFER_ERR_SERVER, "the server asks for more "
		    "key stretching (argon2id t=%llu, m=%llu KiB) than this "
		    "client spends (t<=%u, m<=%u KiB): refused",
		    (unsigned long long)t, (unsigned long long)m,
		    (unsigned)COFFER_CLIENT_KSF_T_MAX,
		    (unsigned)COFFER_CLIENT_KSF_M_MAX);
	p->t_cost = (uint32_t)t;
	p->m_cost = (uint32_t)m;
	return 0;
}

/* A ticket the server sealed (docs/PROTOCOL-opaque.md, "Tickets"): opaque
 * to the client, handed back as it came; base64url, capped. */
static int
read_ticket(struct coffer_client *c, const json_t *j, char out[TICKET_MAX])
{
	const char *s;
	size_t i;
	int r;

	if ((r = net_json_str(j, "ticket", &s, c->errmsg)) != 0)
		return r;
	for (i = 0; s[i] != '\0' && i < TICKET_MAX - 1; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			break;
	if (i == 0 || s[i] != '\0')
		return cl_fail(c, COFFER_ERR_SERVER, "the server's answer: "
		    "field \"ticket\" is not a ticket");
	memcpy(out, s, i + 1);
	return 0;
}

static int
check_login(struct coffer_client *c, const char *login, const uint8_t *pw,
    size_t pwlen)
{
	if (c == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	c->status = 0;
	if (login == NULL || login[0] == '\0' ||
	    strlen(login) > COFFER_CLIENT_LOGIN_MAX)
		return cl_fail(c, COFFER_ERR_INVALID, "a login is 1 to %d "
		    "bytes", COFFER_CLIENT_LOGIN_MAX);
	if (pw == NULL || pwlen == 0 || pwlen > COFFER_OPAQUE_PASSWORD_MAX)
		return cl_fail(c, COFFER_ERR_INVALID, "a password is 1 to %d "
		    "bytes", COFFER_OPAQUE_PASSWORD_MAX);
	return 0;
}

int
coffer_client_account_create(struct coffer_client *c, const char *login,
    const uint8_t *password, size_t password_len)
{
	struct coffer_opaque_client *oc = NULL;
	struct coffer_opaque_params ksf;
	struct coffer_buf *b = NULL;
	uint8_t req[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES];
	uint8_t resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES];
	uint8_t rec[COFFER_OPAQUE_RECORD_BYTES];
	uint8_t exp[COFFER_OPAQUE_EXPORT_KEY_BYTES];
	char lb[B64(COFFER_CLIENT_LOGIN_MAX)], rb[B64(sizeof(rec))];
	char ticket[TICKET_MAX], *body = NULL;
	json_t *j = NULL;
	int r;

	if ((r = check_login(c, login, password, password_len)) != 0)
		return r;
	if ((b = coffer_buf_new(64)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_get(c, "account", b);
	coffer_buf_free(&b);
	if (r != COFFER_ERR_NOTFOUND)
		return r != 0 ? r : cl_fail(c, COFFER_ERR_STATE, "this home "
		    "belongs to an account already");
	if ((r = coffer_opaque_client_register_start(&oc, req, password,
	    password_len)) != 0 ||
	    (r = coffer_b64url_encode(lb, sizeof(lb), (const uint8_t *)login,
	    strlen(login))) != 0 ||
	    (r = coffer_b64url_encode(rb, sizeof(rb), req, sizeof(req))) != 0 ||
	    (r = net_json_body(&body, "{s:s,s:s}", "login", lb, "request",
	    rb)) != 0)
		goto out;
	/* Register/start stores nothing but a count: safe to send again. */
	if ((r = cl_json(c, "POST", "/v1/accounts/register/start", body,
	    CL_IDEMPOTENT | CL_NOAUTH, &j, NULL)) != 0)
		goto out;
	if ((r = read_ksf(c, j, &ksf)) != 0 ||
	    (r = read_ticket(c, j, ticket)) != 0 ||
	    (r = net_json_b64_exact(j, "response", resp, sizeof(resp),
	    c->errmsg)) != 0)
		goto out;
	if ((r = coffer_opaque_client_register_finish(oc, rec, exp, resp,
	    sizeof(resp), &ksf, NULL)) != 0) {
		r = cl_fail(c, COFFER_ERR_SERVER, "the server's registration "
		    "answer: %s", coffer_strerror(r));
		goto out;
	}
	free(body);
	body = NULL;
	json_decref(j);
	j = NULL;
	if ((r = coffer_b64url_encode(rb, sizeof(rb), rec, sizeof(rec))) != 0 ||
	    (r = net_json_body(&body, "{s:s,s:s,s:s}", "login", lb, "record",
	    rb, "ticket", ticket)) != 0)
		goto out;
	if ((r = cl_json(c, "POST", "/v1/accounts", body, CL_NOAUTH, &j,
	    NULL)) != 0)
		goto out;
	r = coffer_client_login(c, login, password, password_len);
out:
	sodium_memzero(exp, sizeof(exp));
	coffer_opaque_client_free(&oc);
	json_decref(j);
	free(body);
	return r;
}

/* A home belongs to one account: a server that names another for its
 * login is refused (what this home verified is that account's). */
static int
same_account(struct coffer_client *c,
    const uint8_t account[COFFER_WIRE_ID_BYTES])
{
	struct coffer_buf *b = NULL;
	int r;

	if ((b = coffer_buf_new(64)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_get(c, "account", b);
	if (r == COFFER_ERR_NOTFOUND)
		r = 0;
	else if (r == 0 && (coffer_buf_len(b) != COFFER_WIRE_ID_BYTES ||
	    sodium_memcmp(coffer_buf_data(b), account,
	    COFFER_WIRE_ID_BYTES) != 0))
		r = cl_fail(c, COFFER_ERR_SERVER, "the server names another "
		    "account for this login than the one this home belongs "
		    "to");
	coffer_buf_free(&b);
	return r;
}

/* Keep the session: the token (derived from the sign-in's session key
 * ${sk}) in the token file (0600); the account and the server, which
 * later opens of the home default to, in the state. */
static int
keep_session(struct coffer_client *c, const char *login, const json_t *j,
    const uint8_t sk[COFFER_OPAQUE_SESSION_KEY_BYTES])
{
	static const char *const keys[] = { "account", "expires", NULL };
	uint8_t account[COFFER_WIRE_ID_BYTES], raw[TOKEN_BYTES];
	char tok[B64(TOKEN_BYTES)], path[4096];
	uint64_t expires;
	int r;

	if ((r = net_json_only(j, keys, c->errmsg)) != 0 ||
	    (r = net_json_hex(j, "account", account, COFFER_WIRE_ID_BYTES,
	    c->errmsg)) != 0 ||
	    (r = net_json_int(j, "expires", &expires, c->errmsg)) != 0)
		return r;
	if ((r = same_account(c, account)) != 0)
		return r;
	if ((r = coffer_kdf(raw, sizeof(raw), sk,
	    COFFER_OPAQUE_SESSION_KEY_BYTES, TOKEN_CONTEXT, NULL, 0)) != 0 ||
	    (r = coffer_b64url_encode(tok, sizeof(tok), raw,
	    sizeof(raw))) != 0)
		goto out;
	if ((r = cl_path(path, sizeof(path), c->home, "session")) != 0 ||
	    (r = file_write_atomic(path, (const uint8_t *)tok, strlen(tok),
	    0600)) != 0) {
		r = cl_fail(c, r, "%s: %s", path, coffer_strerror(r));
		goto out;
	}
	/* What binding signs for: this session and no other. */
	crypto_hash_sha256(c->token_hash, (const uint8_t *)tok, strlen(tok));
	if ((r = net_set_token(c->net, tok)) != 0 ||
	    (r = st_set(c, "login", login, strlen(login))) != 0 ||
	    (r = st_set(c, "account", account, sizeof(account))) != 0 ||
	    (r = st_set(c, "server", c->url, strlen(c->url))) != 0)
		goto out;
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(tok, sizeof(tok));
	return r;
}

/* The device id to name at sign-in, once it is registered. */
static int
device_body(struct coffer_client *c, char hex[ID_HEX])
{
	struct coffer_buf *b = NULL;
	int r;

	hex[0] = '\0';
	if (c->device == NULL)
		return 0;
	if ((b = coffer_buf_new(8)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_get(c, "registered", b);
	coffer_buf_free(&b);
	if (r == COFFER_ERR_NOTFOUND)
		return 0;
	return r != 0 ? r : cl_hex(hex, coffer_device_id(c->device));
}

/* PUT /v1/sessions/current/device: Sig(device key, BIND_CONTEXT,
 * account id || SHA-256(token)), so that the server holds proof that this
 * device, not a password alone, holds the session. */
static int
bind_once(struct coffer_client *c, const uint8_t account[COFFER_WIRE_ID_BYTES])
{
	static const char *const keys[] = { "device", "restricted", NULL };
	uint8_t msg[COFFER_WIRE_ID_BYTES + sizeof(c->token_hash)];
	uint8_t sig[COFFER_SIGN_BYTES], dev[COFFER_WIRE_ID_BYTES];
	char hex[ID_HEX], sb[B64(COFFER_SIGN_BYTES)], *body = NULL;
	json_t *j = NULL;
	int r, restricted;

	memcpy(msg, account, COFFER_WIRE_ID_BYTES);
	memcpy(msg + COFFER_WIRE_ID_BYTES, c->token_hash,
	    sizeof(c->token_hash));
	if ((r = coffer_sign(sig, coffer_device_sign_key(c->device),
	    BIND_CONTEXT, msg, sizeof(msg))) != 0 ||
	    (r = cl_hex(hex, coffer_device_id(c->device))) != 0 ||
	    (r = coffer_b64url_encode(sb, sizeof(sb), sig, sizeof(sig))) != 0 ||
	    (r = net_json_body(&body, "{s:s,s:s}", "device", hex, "sig",
	    sb)) != 0)
		goto out;
	/* Sent again after a lost answer, it is 409: bound already. */
	r = cl_json(c, "PUT", "/v1/sessions/current/device", body,
	    CL_IDEMPOTENT, &j, NULL);
	if (r == COFFER_ERR_CONFLICT) {
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = net_json_only(j, keys, c->errmsg)) != 0 ||
	    (r = net_json_hex(j, "device", dev, sizeof(dev), c->errmsg)) != 0 ||
	    (r = net_json_bool(j, "restricted", &restricted, c->errmsg)) != 0)
		goto out;
	if (sodium_memcmp(dev, coffer_device_id(c->device), sizeof(dev)) != 0)
		r = cl_fail(c, COFFER_ERR_SERVER, "the server bound the "
		    "session to another device");
out:
	sodium_memzero(msg, sizeof(msg));
	json_decref(j);
	free(body);
	return r;
}

/* Bind the new session to this device; a card the server no longer holds
 * is registered again first. */
static int
bind_session(struct coffer_client *c,
    const uint8_t account[COFFER_WIRE_ID_BYTES])
{
	int r;

	if ((r = bind_once(c, account)) == COFFER_ERR_NOTFOUND &&
	    (r = enrol_register(c)) == 0)
		r = bind_once(c, account);
	return r;
}

/* GET /v1/account: the server's word for its list's head (the devices
 * check the list itself). */
static int
account_head(struct coffer_client *c,
    const uint8_t account[COFFER_WIRE_ID_BYTES], uint64_t *head)
{
	static const char *const keys[] = { "account", "created",
		"restricted", "devicelist_head", "device", NULL };
	uint8_t id[COFFER_WIRE_ID_BYTES];
	uint64_t created;
	json_t *j = NULL;
	int r, restricted;

	if ((r = cl_json(c, "GET", "/v1/account", NULL, CL_IDEMPOTENT, &j,
	    NULL)) != 0)
		return r;
	if ((r = net_json_only(j, keys, c->errmsg)) != 0 ||
	    (r = net_json_hex(j, "account", id, sizeof(id), c->errmsg)) != 0 ||
	    (r = net_json_int(j, "created", &created, c->errmsg)) != 0 ||
	    (r = net_json_bool(j, "restricted", &restricted, c->errmsg)) != 0 ||
	    (r = net_json_int(j, "devicelist_head", head, c->errmsg)) != 0)
		goto out;
	if (sodium_memcmp(id, account, sizeof(id)) != 0)
		r = cl_fail(c, COFFER_ERR_SERVER, "the server's answer names "
		    "another account");
out:
	json_decref(j);
	return r;
}

/* After the session is kept: this device's keys and card, the session
 * bound to it, the account's keys joined (the genesis on the first
 * device; a device not yet listed stays unapproved and pairs). */
static int
join(struct coffer_client *c)
{
	struct coffer_buf *b = NULL;
	uint8_t account[COFFER_WIRE_ID_BYTES];
	uint64_t head = 0;
	int r;

	if ((r = enrol_device(c)) != 0)
		return r;
	if ((b = coffer_buf_new(64)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_get(c, "account", b);
	if (r == 0 && coffer_buf_len(b) == sizeof(account))
		memcpy(account, coffer_buf_data(b), sizeof(account));
	else if (r == 0)
		r = COFFER_ERR_FORMAT;
	coffer_buf_free(&b);
	if (r != 0 || (r = bind_session(c, account)) != 0 ||
	    (r = account_head(c, account, &head)) != 0)
		return r;
	c->refreshed = 0;
	return kc_join(c, head);
}

static int
login_once(struct coffer_client *c, const char *login,
    const uint8_t *password, size_t password_len, int *claimed)
{
	struct coffer_opaque_client *oc = NULL;
	struct coffer_opaque_params ksf;
	struct coffer_buf *b = NULL;
	uint8_t ke1[COFFER_OPAQUE_KE1_BYTES], ke2[COFFER_OPAQUE_KE2_BYTES];
	uint8_t ke3[COFFER_OPAQUE_KE3_BYTES];
	uint8_t sk[COFFER_OPAQUE_SESSION_KEY_BYTES];
	uint8_t exp[COFFER_OPAQUE_EXPORT_KEY_BYTES];
	char lb[B64(COFFER_CLIENT_LOGIN_MAX)], kb[B64(sizeof(ke1))];
	char ticket[TICKET_MAX], dev[ID_HEX], *body = NULL;
	json_t *j = NULL;
	int r;

	if ((r = check_login(c, login, password, password_len)) != 0)
		return r;
	if ((b = coffer_buf_new(COFFER_CLIENT_LOGIN_MAX + 1)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_get(c, "login", b);
	if (r == 0 && (coffer_buf_len(b) != strlen(login) ||
	    sodium_memcmp(coffer_buf_data(b), login, strlen(login)) != 0))
		r = cl_fail(c, COFFER_ERR_STATE, "this home belongs to "
		    "another login");
	coffer_buf_free(&b);
	if (r != 0 && r != COFFER_ERR_NOTFOUND)
		return r;
	if ((r = coffer_opaque_client_login_start(&oc, ke1, password,
	    password_len)) != 0 ||
	    (r = coffer_b64url_encode(lb, sizeof(lb), (const uint8_t *)login,
	    strlen(login))) != 0 ||
	    (r = coffer_b64url_encode(kb, sizeof(kb), ke1, sizeof(ke1))) != 0 ||
	    (r = net_json_body(&body, "{s:s,s:s}", "login", lb, "ke1",
	    kb)) != 0)
		goto out;
	/* Each start counts as an attempt: not sent twice. */
	if ((r = cl_json(c, "POST", "/v1/sessions/start", body, CL_NOAUTH,
	    &j, NULL)) != 0)
		goto out;
	if ((r = read_ksf(c, j, &ksf)) != 0 ||
	    (r = net_json_b64_exact(j, "ke2", ke2, sizeof(ke2),
	    c->errmsg)) != 0 || (r = read_ticket(c, j, ticket)) != 0)
		goto out;
	if ((r = coffer_opaque_client_login_finish(oc, ke3, sk, exp, ke2,
	    sizeof(ke2), &ksf, NULL)) != 0) {
		r = cl_fail(c, r == COFFER_ERR_AUTH ? COFFER_ERR_UNAUTHORIZED :
		    COFFER_ERR_SERVER, "sign-in refused: wrong password or "
		    "unknown login");
		goto out;
	}
	free(body);
	body = NULL;
	json_decref(j);
	j = NULL;
	if ((r = device_body(c, dev)) != 0 ||
	    (r = coffer_b64url_encode(kb, sizeof(kb), ke3, sizeof(ke3))) != 0)
		goto out;
	*claimed = dev[0] != '\0';
	r = dev[0] ? net_json_body(&body, "{s:s,s:s,s:s}", "ticket", ticket,
	    "ke3", kb, "device", dev) : net_json_body(&body, "{s:s,s:s}",
	    "ticket", ticket, "ke3", kb);
	if (r != 0 || (r = cl_json(c, "POST", "/v1/sessions/finish", body,
	    CL_NOAUTH, &j, NULL)) != 0 ||
	    (r = keep_session(c, login, j, sk)) != 0)
		goto out;
	r = join(c);
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(exp, sizeof(exp));
	sodium_memzero(kb, sizeof(kb));
	coffer_opaque_client_free(&oc);
	json_decref(j);
	if (body != NULL)
		sodium_memzero(body, strlen(body));
	free(body);
	return r;
}

int
coffer_client_login(struct coffer_client *c, const char *login,
    const uint8_t *password, size_t password_len)
{
	int r, claimed = 0;

	r = login_once(c, login, password, password_len, &claimed);
	/* The server forgot this device's card (a removal deletes it): sign
	 * in again without naming it; the sign-in registers it anew, and
	 * the device list then says what happened. */
	if (r == COFFER_ERR_SERVER && claimed && c->status == 400 &&
	    st_del(c, "registered") == 0)
		r = login_once(c, login, password, password_len, &claimed);
	return r;
}

int
coffer_client_logout(struct coffer_client *c)
{
	struct net_req q = { 0 };
	char path[4096];
	int r;

	if (c == NULL)
		return COFFER_ERR_INVALID;
	q.method = "DELETE";
	q.path = "/v1/sessions/current";
	q.idempotent = 1;
	(void)net_run(c->net, &q, 1, 1);	/* best effort */
	net_req_cleanup(&q);
	(void)net_set_token(c->net, NULL);
	if ((r = cl_path(path, sizeof(path), c->home, "session")) != 0)
		return r;
	if (unlink(path) != 0 && access(path, F_OK) == 0)
		return cl_fail(c, COFFER_ERR_IO, "cannot remove %s", path);
	return 0;
}
