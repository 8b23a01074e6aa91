/* Sign-in under attack (issue 10, findings 3, 4, 8, 9) against the real
 * cofferd: a flood of first steps from dozens of loopback addresses does
 * not keep a real client out; a ticket is single use, bound to its
 * address and expires; failures naming a victim from one address do not
 * lock its owner out, and successes behind one address (a NAT) do not
 * block others there; register/start is no password oracle; a client
 * refuses key stretching below its floor or above its ceiling; the
 * pruning of what sign-ins leave. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/client.h>
#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/opaque.h>

#include "auth.h"
#include "crypto/hkdf.h"
#include "http_client.h"
#include "server_harness.h"
#include "signin.h"
#include "store/store.h"

#define CHEAP	"opaque_t_cost = 1\nopaque_m_cost = 1024\n"

static struct srv *srv;

/* The config folders of the servers started, removed at the end (a
 * restart reads the config again). */
static char *Confdirs[16];
static size_t Nconf;

/* A cofferd with ${conf} as its cofferd.conf, in *${out}. */
static int
start_with(struct srv **out, const char *conf)
{
	char path[4200];
	const char *args[] = { "--config", path, NULL };
	char *dir;

	if (Nconf == sizeof(Confdirs) / sizeof(Confdirs[0]) ||
	    (dir = srv_tmpdir()) == NULL)
		return -1;
	Confdirs[Nconf++] = dir;
	snprintf(path, sizeof(path), "%s/cofferd.conf", dir);
	return srv_write_file(path, conf) == 0 ? srv_start(out, args) : -1;
}

static int
setup(void **state)
{
	(void)state;
	return start_with(&srv, CHEAP);
}

static int
teardown(void **state)
{
	(void)state;
	if (srv_stop(srv) != 0)
		return -1;
	srv_free(&srv);
	while (Nconf > 0) {
		srv_rmtree(Confdirs[--Nconf]);
		free(Confdirs[Nconf]);
	}
	return 0;
}

/* The flood: first steps with random logins, from 127.0.0.<first> to
 * <last>, <per> from each, never finished. */
struct flood {
	unsigned	first, last, per;
	const char	*ke1;		/* base64url */
	unsigned	ok, limited, unavailable, other;
};

static void *
flood_run(void *arg)
{
	struct flood *f = arg;
	char addr[32], lb[64], login[32], body[512];
	unsigned a, i;
	long status;
	json_t *j;

	for (a = f->first; a <= f->last; a++) {
		snprintf(addr, sizeof(addr), "127.0.0.%u", a);
		for (i = 0; i < f->per; i++) {
			snprintf(login, sizeof(login), "flood-%u-%u-%u", a, i,
			    randombytes_uniform(1000000));
			assert_int_equal(coffer_b64url_encode(lb, sizeof(lb),
			    (const uint8_t *)login, strlen(login)), 0);
			snprintf(body, sizeof(body), "{\"login\":\"%s\","
			    "\"ke1\":\"%s\"}", lb, f->ke1);
			j = http_json_from(addr, "POST", srv_url(srv,
			    "/v1/sessions/start"), body, &status);
			json_decref(j);
			if (status == 200)
				f->ok++;
			else if (status == 429)
				f->limited++;
			else if (status == 503)
				f->unavailable++;
			else
				f->other++;
		}
	}
	return NULL;
}

/* Finding 3: KE1s with random logins from 59 addresses, more than the
 * old table of logins in flight held (4,096), then a real sign-in: it
 * passes, as nothing of the flood is held. */
static void
test_flood_from_many_addresses(void **state)
{
	struct coffer_opaque_client *c = NULL;
	struct flood f[4];
	pthread_t th[4];
	uint8_t ke1[COFFER_OPAQUE_KE1_BYTES];
	char kb[256];
	unsigned i, ok = 0, unavailable = 0, other = 0;

	(void)state;
	assert_int_equal(signup_from(srv, NULL, "owner", "owner's pw"), 201);
	/* Any valid KE1 serves the flood: the server cannot tell. */
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"guess", 5), 0);
	coffer_opaque_client_free(&c);
	assert_int_equal(coffer_b64url_encode(kb, sizeof(kb), ke1,
	    sizeof(ke1)), 0);
	for (i = 0; i < 4; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].first = 2 + i * 15;
		f[i].last = i == 3 ? 60 : f[i].first + 14;
		f[i].per = 70;
		f[i].ke1 = kb;
		assert_int_equal(pthread_create(&th[i], NULL, flood_run,
		    &f[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		ok += f[i].ok;
		unavailable += f[i].unavailable;
		other += f[i].other;
	}
	print_message("flood: %u answered, %u unavailable, %u other\n", ok,
	    unavailable, other);
	assert_true(ok + unavailable >= 4096);
	assert_int_equal(other, 0);
	/* The owner, while all of it would still be held. */
	assert_int_equal(signin_from(srv, "127.0.0.1", "owner", "owner's pw",
	    NULL), 200);
	assert_int_equal(unavailable, 0);
}

/* Seal ${t} again under the server's key (${a}) for 127.0.0.1 and finish
 * with it and ${ke3} from there: the status. */
static long
finish_resealed(const struct srv_auth *a, const struct srv_ticket *t,
    const char *ke3)
{
	uint8_t sealed[SRV_TICKET_BYTES];
	char tb[512], body[1024];
	long status;
	json_t *j;

	srv_auth_ticket_seal(a, t, "127.0.0.1", sealed);
	assert_int_equal(coffer_b64url_encode(tb, sizeof(tb), sealed,
	    sizeof(sealed)), 0);
	snprintf(body, sizeof(body), "{\"ticket\":\"%s\",\"ke3\":\"%s\"}", tb,
	    ke3);
	j = http_json_from("127.0.0.1", "POST", srv_url(srv,
	    "/v1/sessions/finish"), body, &status);
	json_decref(j);
	return status;
}

/* A ticket finishes once, from its own address, before its expiry. */
static void
test_ticket_bound(void **state)
{
	struct srv_auth *a = NULL;
	struct srv_auth_limits lim = { 900, 30, 100, 3600, 5, 20, 120 };
	struct srv_ticket t;
	struct signin si;
	uint8_t raw[SRV_TICKET_BYTES];
	char err[256];
	size_t n;
	long status;
	int64_t now;
	json_t *j;

	(void)state;
	assert_int_equal(signup_from(srv, NULL, "tess", "pw"), 201);
	/* From another address: refused; from its own: it passes, once. */
	assert_int_equal(signin_prepare(srv, "127.0.0.1", "tess", "pw", &si),
	    200);
	j = http_json_from("127.0.0.2", "POST", srv_url(srv,
	    "/v1/sessions/finish"), si.finish, &status);
	json_decref(j);
	assert_int_equal(status, 401);
	j = http_json_from("127.0.0.1", "POST", srv_url(srv,
	    "/v1/sessions/finish"), si.finish, &status);
	json_decref(j);
	assert_int_equal(status, 200);
	j = http_json_from("127.0.0.1", "POST", srv_url(srv,
	    "/v1/sessions/finish"), si.finish, &status);
	json_decref(j);
	assert_int_equal(status, 401);
	/* Expired: the same sign-in's ticket sealed again, under the
	 * server's key (its data folder), with an expiry past. */
	assert_int_equal(srv_auth_open(&a, srv_data(srv), NULL, &lim, err,
	    sizeof(err)), 0);
	assert_int_equal(signin_prepare(srv, "127.0.0.1", "tess", "pw", &si),
	    200);
	assert_int_equal(coffer_b64url_decode(raw, sizeof(raw), &n, si.ticket,
	    strlen(si.ticket)), 0);
	assert_int_equal(n, sizeof(raw));
	now = (int64_t)time(NULL);
	assert_int_equal(srv_auth_ticket_open(a, raw, n, SRV_TICKET_SIGNIN,
	    "127.0.0.1", now, &t), 0);
	t.expires = now - 1;
	assert_int_equal(finish_resealed(a, &t, si.ke3), 401);
	/* The control: the same, with an expiry ahead, passes. */
	t.expires = now + 60;
	assert_int_equal(finish_resealed(a, &t, si.ke3), 200);
	sodium_memzero(&t, sizeof(t));
	srv_auth_close(&a);
}

/* Finding 4: ten failed sign-ins naming the victim from one address;
 * the victim, from another, with the right password, gets in. */
static void
test_no_lockout_of_the_owner(void **state)
{
	long st;
	int i;

	(void)state;
	assert_int_equal(signup_from(srv, NULL, "victim", "right pw"), 201);
	for (i = 0; i < 10; i++) {
		st = signin_from(srv, "127.0.0.1", "victim", "wrong", NULL);
		assert_true(st == 401 || st == 429);
	}
	assert_int_equal(signin_from(srv, "127.0.0.70", "victim", "right pw",
	    NULL), 200);
}

/* Finding 4: successes behind one address (a NAT) do not count against
 * it: with a limit of 5 failures per address, 8 sign-ins of one user
 * there, then another user's, all pass. */
static void
test_nat_successes_do_not_count(void **state)
{
	struct srv *s = NULL;
	int i;

	(void)state;
	assert_int_equal(start_with(&s, CHEAP "login_failures_address = 5\n"),
	    0);
	assert_int_equal(signup_from(s, "127.0.0.1", "nat-a", "pw a"), 201);
	assert_int_equal(signup_from(s, "127.0.0.1", "nat-b", "pw b"), 201);
	for (i = 0; i < 8; i++)
		assert_int_equal(signin_from(s, "127.0.0.1", "nat-a", "pw a",
		    NULL), 200);
	assert_int_equal(signin_from(s, "127.0.0.1", "nat-b", "pw b", NULL),
	    200);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

/* Unmask KE2's credential response with the masking key a registration
 * under ${pw} yields from register/start's answer ${resp}: 1 if it
 * shows the server's public key (the guess was right: an oracle). */
static int
unmasks(const uint8_t ke2[COFFER_OPAQUE_KE2_BYTES],
    const uint8_t resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES],
    struct coffer_opaque_client *c)
{
	uint8_t rec[COFFER_OPAQUE_RECORD_BYTES], exp[64], pad[128];
	uint8_t info[32 + 21], pk[32];
	size_t i;

	assert_int_equal(coffer_opaque_client_register_finish(c, rec, exp,
	    resp, COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES, &signin_ksf,
	    NULL), 0);
	/* RFC 9807 §6.3.2.2: pad = Expand(masking_key, masking_nonce ||
	 * "CredentialResponsePad", 128); the record holds masking_key. */
	memcpy(info, ke2 + 32, 32);
	memcpy(info + 32, "CredentialResponsePad", 21);
	assert_int_equal(hkdf_expand(COFFER_HKDF_SHA512, pad, sizeof(pad),
	    rec + 32, 64, info, sizeof(info)), 0);
	for (i = 0; i < 32; i++)
		pk[i] = ke2[64 + i] ^ pad[i];
	return sodium_memcmp(pk, resp + 32, 32) == 0;
}

/* One register/start for ${login} with the blinded ${guess}, with the
 * bearer ${tok} (NULL: none): its status; 1 in *${hit} if the answer
 * unmasks ${ke2}. */
static long
oracle_try(const char *login, const char *guess, const char *tok,
    const uint8_t ke2[COFFER_OPAQUE_KE2_BYTES], int *hit)
{
	static const char *const ct = "Content-Type: application/json";
	struct coffer_opaque_client *c = NULL;
	uint8_t req[32], resp[64];
	char auth[128], *b, *out = NULL;
	const char *h[] = { ct, tok != NULL ? auth : NULL, NULL };
	long status;
	json_t *j;

	*hit = 0;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    tok != NULL ? tok : "");
	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)guess, strlen(guess)), 0);
	b = signin_body("login", (const uint8_t *)login, strlen(login),
	    "request", req, sizeof(req));
	assert_int_equal(http_request("POST", srv_url(srv,
	    "/v1/accounts/register/start"), h, b, strlen(b), &status, &out),
	    0);
	free(b);
	if (status == 200) {
		j = json_loads(out, 0, NULL);
		assert_non_null(j);
		assert_int_equal(signin_get_bytes(j, "response", resp,
		    sizeof(resp)), sizeof(resp));
		json_decref(j);
		*hit = unmasks(ke2, resp, c);
	}
	free(out);
	coffer_opaque_client_free(&c);
	return status;
}

/* Finding 8: keep one KE2 of the victim's login, then ask
 * register/start to evaluate the right password, anonymously and with
 * the victim's own session: neither answer unmasks the KE2. */
static void
test_register_start_is_no_oracle(void **state)
{
	struct coffer_opaque_client *c = NULL;
	struct signin si;
	uint8_t ke1[COFFER_OPAQUE_KE1_BYTES], ke2[COFFER_OPAQUE_KE2_BYTES];
	const char *pw = "the right one";
	char *b;
	json_t *j;
	long status;
	int hit;

	(void)state;
	assert_int_equal(signup_from(srv, NULL, "oracle-victim", pw), 201);
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"a guess", 7), 0);
	coffer_opaque_client_free(&c);
	b = signin_body("login", (const uint8_t *)"oracle-victim", 13, "ke1",
	    ke1, sizeof(ke1));
	j = http_json("POST", srv_url(srv, "/v1/sessions/start"), b, &status);
	free(b);
	assert_int_equal(status, 200);
	assert_int_equal(signin_get_bytes(j, "ke2", ke2, sizeof(ke2)),
	    sizeof(ke2));
	json_decref(j);
	/* The check of the check: a wrong guess does not unmask. */
	status = oracle_try("oracle-victim", "wrong", NULL, ke2, &hit);
	assert_false(hit);
	/* Anonymous: an existing login's register/start is refused. */
	status = oracle_try("oracle-victim", pw, NULL, ke2, &hit);
	assert_false(hit);
	assert_int_equal(status, 409);
	/* The account's own full session may start a password change:
	 * under a fresh credential id, so its answer unmasks nothing. */
	assert_int_equal(signin_from(srv, NULL, "oracle-victim", pw, &si),
	    200);
	json_decref(si.reply);
	status = oracle_try("oracle-victim", pw, si.token, ke2, &hit);
	assert_int_equal(status, 200);
	assert_false(hit);
}

/* Finding 9: a server that names t=1, m=8 KiB is refused by a client
 * with the production floor; one that names t=64 by any client. */
static void
test_client_bounds_stretching(void **state)
{
	struct coffer_client_opts o;
	struct coffer_client *c = NULL;
	struct srv *s = NULL;
	char *home;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(start_with(&s, "opaque_t_cost = 1\n"
	    "opaque_m_cost = 8\n"), 0);
	assert_non_null(home = srv_tmpdir());
	assert_int_equal(coffer_client_open(&c, srv_url(s, ""), home, &o), 0);
	assert_int_equal(coffer_client_account_create(c, "weak",
	    (const uint8_t *)"pw", 2), COFFER_ERR_SERVER);
	assert_non_null(strstr(coffer_client_errmsg(c), "weaker"));
	coffer_client_free(&c);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	srv_rmtree(home);
	free(home);

	assert_int_equal(start_with(&s, "opaque_t_cost = 64\n"
	    "opaque_m_cost = 1024\n"), 0);
	assert_non_null(home = srv_tmpdir());
	o.ksf_min_t = 1;
	o.ksf_min_m = 1024;
	assert_int_equal(coffer_client_open(&c, srv_url(s, ""), home, &o), 0);
	assert_int_equal(coffer_client_account_create(c, "slow",
	    (const uint8_t *)"pw", 2), COFFER_ERR_SERVER);
	assert_non_null(strstr(coffer_client_errmsg(c), "more key"));
	coffer_client_free(&c);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	srv_rmtree(home);
	free(home);
}

/* srv_auth_prune: attempts past the window, expired sessions and spent
 * tickets past their expiry go; the rest stays. */
static void
test_prune(void **state)
{
	struct srv_auth_limits lim = { 900, 30, 100, 3600, 5, 20, 120 };
	struct store_config cfg;
	struct store_account acct;
	struct store_session ses, got;
	struct store *st = NULL;
	struct srv_auth *a = NULL;
	struct store_meta *m;
	uint8_t ticket[STORE_TICKET_HASH_BYTES], rec[200];
	const int64_t t0 = 1700000000;
	char *dir, err[256];
	uint64_t n;

	(void)state;
	assert_non_null(dir = srv_tmpdir());
	store_config_init(&cfg);
	assert_int_equal(store_open(&st, dir, &cfg), 0);
	assert_int_equal(srv_auth_open(&a, dir, NULL, &lim, err, sizeof(err)),
	    0);
	m = st->meta;
	memset(rec, 1, sizeof(rec));
	assert_int_equal(m->ops->account_create(m, (const uint8_t *)"p", 1,
	    rec, 100, t0, &acct), 0);
	memset(&ses, 0, sizeof(ses));
	randombytes_buf(ses.token_hash, sizeof(ses.token_hash));
	memcpy(ses.account, acct.id, sizeof(ses.account));
	ses.created = ses.last_used = t0;
	ses.expires = t0 + 100;
	assert_int_equal(m->ops->session_create(m, &ses), 0);
	assert_int_equal(m->ops->attempt_add(m, STORE_ATTEMPT_PAIR,
	    (const uint8_t *)"old", 3, t0), 0);
	assert_int_equal(m->ops->attempt_add(m, STORE_ATTEMPT_PAIR,
	    (const uint8_t *)"new", 3, t0 + 1000), 0);
	randombytes_buf(ticket, sizeof(ticket));
	assert_int_equal(m->ops->ticket_spend(m, ticket, t0 + 120, t0), 0);
	assert_int_equal(m->ops->ticket_spend(m, ticket, t0 + 120, t0),
	    COFFER_ERR_EXISTS);
	/* 1,000 s on, with a window of 900. */
	assert_int_equal(srv_auth_prune(a, m, t0 + 1000, NULL), 0);
	assert_int_equal(m->ops->attempt_count(m, STORE_ATTEMPT_PAIR,
	    (const uint8_t *)"old", 3, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(m->ops->attempt_count(m, STORE_ATTEMPT_PAIR,
	    (const uint8_t *)"new", 3, 0, &n), 0);
	assert_int_equal(n, 1);
	/* Looked up as of before it expired: gone all the same. */
	assert_int_equal(m->ops->session_lookup(m, ses.token_hash, t0, &got),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(m->ops->ticket_spend(m, ticket, t0 + 2000, t0 + 1000),
	    0);
	srv_auth_close(&a);
	store_close(&st);
	srv_rmtree(dir);
	free(dir);
}

/* An account stored before logins were hashed (its login as typed, its
 * record made under the login as credential id): the next start hashes
 * its login, and it still signs in. */
static void
test_legacy_login_upgrade(void **state)
{
	struct coffer_opaque_client *c = NULL;
	struct store_config cfg;
	struct store_account acct;
	struct store *st = NULL;
	struct srv_auth *a = NULL;
	struct srv *s = NULL;
	const char *login = "legacy@example.org";
	uint8_t req[32], resp[64], exp[64];
	uint8_t rec[SRV_RECORD_LEGACY];
	char path[4200], err[256], cmd[4400];

	(void)state;
	assert_int_equal(start_with(&s, CHEAP), 0);
	assert_int_equal(srv_stop(s), 0);
	snprintf(path, sizeof(path), "%s", srv_data(s));
	store_config_init(&cfg);
	assert_int_equal(store_open(&st, path, &cfg), 0);
	assert_int_equal(srv_auth_open(&a, path, NULL, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)"old pw", 6), 0);
	assert_int_equal(coffer_opaque_server_register(srv_auth_setup(a), resp,
	    req, sizeof(req), (const uint8_t *)login, strlen(login)), 0);
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, exp,
	    resp, sizeof(resp), &signin_ksf, NULL), 0);
	coffer_opaque_client_free(&c);
	memset(rec + COFFER_OPAQUE_RECORD_BYTES, 0, 8);
	rec[COFFER_OPAQUE_RECORD_BYTES + 3] = (uint8_t)signin_ksf.t_cost;
	rec[COFFER_OPAQUE_RECORD_BYTES + 6] = (uint8_t)(signin_ksf.m_cost >> 8);
	assert_int_equal(st->meta->ops->account_create(st->meta,
	    (const uint8_t *)login, strlen(login), rec, sizeof(rec),
	    (int64_t)time(NULL), &acct), 0);
	srv_auth_close(&a);
	store_close(&st);
	snprintf(cmd, sizeof(cmd), "grep -rqaF -- '%s' '%s'", login, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(srv_restart(s), 0);
	assert_true(srv_wait_log(s, "logins_hashed", 10000));
	assert_int_not_equal(system(cmd), 0);
	assert_int_equal(signin_from(s, NULL, login, "old pw", NULL), 200);
	assert_int_equal(signin_from(s, NULL, login, "wrong", NULL), 401);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

/* A bare first step for ${login} from ${addr}, never finished (a
 * guesser's KE1 ${ke1}, base64url): its status. */
static long
start_only(struct srv *s, const char *addr, const char *login,
    const char *ke1)
{
	char lb[128], body[512];
	long status;
	json_t *j;

	assert_int_equal(coffer_b64url_encode(lb, sizeof(lb),
	    (const uint8_t *)login, strlen(login)), 0);
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"ke1\":\"%s\"}",
	    lb, ke1);
	j = http_json_from(addr, "POST", srv_url(s, "/v1/sessions/start"),
	    body, &status);
	json_decref(j);
	return status;
}

static void
guess_ke1(char out[COFFER_B64URL_LEN(COFFER_OPAQUE_KE1_BYTES)])
{
	struct coffer_opaque_client *c = NULL;
	uint8_t ke1[COFFER_OPAQUE_KE1_BYTES];

	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"guess", 5), 0);
	coffer_opaque_client_free(&c);
	assert_int_equal(coffer_b64url_encode(out,
	    COFFER_B64URL_LEN(COFFER_OPAQUE_KE1_BYTES), ke1, sizeof(ke1)), 0);
}

/* Starts racing each other from one address for one login: each is
 * counted before the limit is read, so no more than the per-pair limit
 * (5) pass however many run at once (review of issue 10, F2). */
struct racer {
	struct srv		*s;
	pthread_barrier_t	*bar;
	const char		*ke1;
	long			 status;
};

static void *
racer_run(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->bar);
	r->status = start_only(r->s, "127.0.0.9", "raced", r->ke1);
	return NULL;
}

static void
test_limits_hold_under_a_race(void **state)
{
	char ke1[COFFER_B64URL_LEN(COFFER_OPAQUE_KE1_BYTES)];
	struct srv *s = NULL;
	struct racer r[32];
	pthread_t th[32];
	pthread_barrier_t bar;
	unsigned i, ok = 0;

	(void)state;
	guess_ke1(ke1);
	assert_int_equal(start_with(&s, CHEAP "threads = 16\n"), 0);
	assert_int_equal(signup_from(s, NULL, "raced", "pw"), 201);
	assert_int_equal(pthread_barrier_init(&bar, NULL, 32), 0);
	for (i = 0; i < 32; i++) {
		r[i] = (struct racer){ s, &bar, ke1, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, racer_run,
		    &r[i]), 0);
	}
	for (i = 0; i < 32; i++) {
		pthread_join(th[i], NULL);
		assert_true(r[i].status == 200 || r[i].status == 429);
		ok += r[i].status == 200;
	}
	pthread_barrier_destroy(&bar);
	assert_true(ok <= 5);
	assert_int_equal(start_only(s, "127.0.0.9", "raced", ke1), 429);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

/* A guesser that keeps asking from a few addresses, past the login's
 * ceiling, cannot hold the login's slot against its owner: the owner's
 * right password from a clean address passes at once, every time
 * (review of issue 10, F1). */
struct poller {
	struct srv	*s;
	const char	*ke1;
	volatile int	 stop;
	unsigned	 asked;
};

static void *
poller_run(void *arg)
{
	struct poller *p = arg;
	char addr[32];

	while (!p->stop) {
		snprintf(addr, sizeof(addr), "127.0.0.%u", 10 + p->asked % 3);
		(void)start_only(p->s, addr, "pressed", p->ke1);
		p->asked++;
	}
	return NULL;
}

static void
test_owner_gets_the_slot(void **state)
{
	char ke1[COFFER_B64URL_LEN(COFFER_OPAQUE_KE1_BYTES)];
	struct srv *s = NULL;
	struct poller p;
	pthread_t th;
	unsigned i;

	(void)state;
	guess_ke1(ke1);
	assert_int_equal(start_with(&s, CHEAP "login_failures_account = 1\n"),
	    0);
	assert_int_equal(signup_from(s, NULL, "pressed", "right pw"), 201);
	p = (struct poller){ s, ke1, 0, 0 };
	assert_int_equal(pthread_create(&th, NULL, poller_run, &p), 0);
	while (p.asked < 50)
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(signin_from(s, "127.0.0.200", "pressed",
		    "right pw", NULL), 200);
	/* The guesser meanwhile: past its own limits, refused. */
	assert_int_equal(start_only(s, "127.0.0.10", "pressed", ke1), 429);
	p.stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

/* An owner who mistyped once at an address, then retries there at once
 * and again: each retry the slowdown refuses is not counted, so the
 * owner is let in within the delay, never locked out by waiting badly
 * (second review of issue 10, N3). */
static void
test_retrying_owner_gets_in(void **state)
{
	struct srv *s = NULL;
	long st = 0;
	int i;

	(void)state;
	assert_int_equal(start_with(&s, CHEAP "login_failures_account = 1\n"),
	    0);
	assert_int_equal(signup_from(s, NULL, "typo", "right pw"), 201);
	assert_int_equal(signin_from(s, "127.0.0.201", "typo", "wrong pw",
	    NULL), 401);
	for (i = 0; i < 40 && st != 200; i++) {
		st = signin_from(s, "127.0.0.201", "typo", "right pw", NULL);
		assert_true(st == 200 || st == 429);
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	}
	assert_int_equal(st, 200);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

/* POST ${path} with ${body} and the bearer ${tok} (NULL: none): the
 * status; the answer's JSON in *${out} if ${out} (decref it). */
static long
post_as(const char *path, const char *body, const char *tok, json_t **out)
{
	static const char *const ct = "Content-Type: application/json";
	char auth[128], *ans = NULL;
	const char *h[] = { ct, tok != NULL ? auth : NULL, NULL };
	long status;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    tok != NULL ? tok : "");
	assert_int_equal(http_request("POST", srv_url(srv, path), h, body,
	    strlen(body), &status, &ans), 0);
	if (out != NULL)
		assert_non_null(*out = json_loads(ans, 0, NULL));
	free(ans);
	return status;
}

/* A password change's finish body for ${login} to ${pw}, its start sent
 * with the bearer ${tok}: a new string (free it). */
static char *
change_body(const char *login, const char *pw, const char *tok)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t req[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES];
	uint8_t resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES];
	uint8_t rec[COFFER_OPAQUE_RECORD_BYTES], exp[64];
	char lb[128], rb[512], *b;
	json_t *j;

	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)pw, strlen(pw)), 0);
	b = signin_body("login", (const uint8_t *)login, strlen(login),
	    "request", req, sizeof(req));
	assert_int_equal(post_as("/v1/accounts/register/start", b, tok, &j),
	    200);
	free(b);
	assert_int_equal(signin_get_bytes(j, "response", resp, sizeof(resp)),
	    sizeof(resp));
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, exp,
	    resp, sizeof(resp), &signin_ksf, NULL), 0);
	coffer_opaque_client_free(&c);
	assert_int_equal(coffer_b64url_encode(lb, sizeof(lb),
	    (const uint8_t *)login, strlen(login)), 0);
	assert_int_equal(coffer_b64url_encode(rb, sizeof(rb), rec,
	    sizeof(rec)), 0);
	assert_non_null(b = malloc(2048));
	snprintf(b, 2048, "{\"login\":\"%s\",\"record\":\"%s\",\"ticket\":"
	    "\"%s\"}", lb, rb, json_string_value(json_object_get(j, "ticket")));
	json_decref(j);
	return b;
}

/* A password change is finished by a session of its account, once per
 * ticket: a replayed finish, or one whose session is gone, changes
 * nothing (review of issue 10, F8); it ends the account's other sessions
 * (second review, N4). */
static void
test_password_change_once(void **state)
{
	struct signin si, other;
	char *b;

	(void)state;
	assert_int_equal(signup_from(srv, NULL, "changer", "old pw"), 201);
	assert_int_equal(signin_from(srv, NULL, "changer", "old pw", &other),
	    200);
	json_decref(other.reply);
	assert_int_equal(signin_from(srv, NULL, "changer", "old pw", &si),
	    200);
	json_decref(si.reply);
	b = change_body("changer", "new pw", si.token);
	assert_int_equal(post_as("/v1/accounts", b, si.token, NULL), 200);
	/* Every other session ends with the old password; this one stays. */
	assert_int_equal(signin_with_token(srv, "GET", "/v1/account",
	    other.token), 401);
	assert_int_equal(signin_with_token(srv, "GET", "/v1/account",
	    si.token), 200);
	assert_int_equal(post_as("/v1/accounts", b, si.token, NULL), 400);
	free(b);
	/* Started with the session, finished without it: refused. */
	b = change_body("changer", "third pw", si.token);
	assert_int_equal(post_as("/v1/accounts", b, NULL, NULL), 409);
	free(b);
	assert_int_equal(signin_from(srv, NULL, "changer", "third pw", NULL),
	    401);
	assert_int_equal(signin_from(srv, NULL, "changer", "new pw", &si),
	    200);
	json_decref(si.reply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_from_many_addresses),
		cmocka_unit_test(test_ticket_bound),
		cmocka_unit_test(test_no_lockout_of_the_owner),
		cmocka_unit_test(test_nat_successes_do_not_count),
		cmocka_unit_test(test_limits_hold_under_a_race),
		cmocka_unit_test(test_owner_gets_the_slot),
		cmocka_unit_test(test_retrying_owner_gets_in),
		cmocka_unit_test(test_password_change_once),
		cmocka_unit_test(test_register_start_is_no_oracle),
		cmocka_unit_test(test_client_bounds_stretching),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_legacy_login_upgrade),
	};

	return cmocka_run_group_tests_name("signin_attack", tests, setup,
	    teardown);
}
