/* Accounts and sign-in with OPAQUE against the real cofferd: sign-up,
 * sign-in, wrong passwords, unknown logins, rate limits (429), sign-out of
 * one and all sessions, every bad-input class of these routes, and a data
 * folder that holds nothing a password can be read or tried from. The
 * client side is libcoffer's OPAQUE, with cheap key stretching set in the
 * server's config (the costs are part of the protocol). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/opaque.h>

#include "http_client.h"
#include "server_harness.h"

static const struct coffer_opaque_params ksf = { 1, 1024 };
static struct srv *srv;
static char *confdir;

/* A JSON body: {"k1": "v1", ...} with values base64url of bytes. */
static char *
body2(const char *k1, const uint8_t *v1, size_t n1, const char *k2,
    const uint8_t *v2, size_t n2)
{
	char a[1024], b[1024], *out;

	assert_int_equal(coffer_b64url_encode(a, sizeof(a), v1, n1), 0);
	assert_int_equal(coffer_b64url_encode(b, sizeof(b), v2, n2), 0);
	n1 = strlen(a) + strlen(b) + 64;
	out = malloc(n1);
	assert_non_null(out);
	snprintf(out, n1, "{\"%s\":\"%s\",\"%s\":\"%s\"}", k1, a, k2, b);
	return out;
}

static size_t
get_bytes(json_t *j, const char *key, uint8_t *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(j, key));
	size_t n = 0;

	assert_non_null(s);
	assert_int_equal(coffer_b64url_decode(out, cap, &n, s, strlen(s)), 0);
	return n;
}

static long
signup(const char *login, const char *pw)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t req[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES];
	uint8_t resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES];
	uint8_t rec[COFFER_OPAQUE_RECORD_BYTES], exp[64];
	char *b;
	json_t *j;
	long status;

	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)pw, strlen(pw)), 0);
	b = body2("login", (const uint8_t *)login, strlen(login), "request",
	    req, sizeof(req));
	j = http_json("POST", srv_url(srv, "/v1/accounts/register/start"), b,
	    &status);
	free(b);
	assert_int_equal(status, 200);
	assert_int_equal(get_bytes(j, "response", resp, sizeof(resp)),
	    sizeof(resp));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "ksf"), "t_cost")), ksf.t_cost);
	json_decref(j);
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, exp,
	    resp, sizeof(resp), &ksf, NULL), 0);
	coffer_opaque_client_free(&c);
	b = body2("login", (const uint8_t *)login, strlen(login), "record",
	    rec, sizeof(rec));
	j = http_json("POST", srv_url(srv, "/v1/accounts"), b, &status);
	free(b);
	json_decref(j);
	return status;
}

/* Sign in: the final status; the token in tok (if 200). start_status
 * gets the first step's status. */
static long
signin(const char *login, const char *pw, char tok[64], long *start_status)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t ke1[COFFER_OPAQUE_KE1_BYTES], ke2[COFFER_OPAQUE_KE2_BYTES];
	uint8_t ke3[COFFER_OPAQUE_KE3_BYTES], sk[64], exp[64];
	const char *id;
	char *b, ke3s[128];
	json_t *j;
	long status;
	int r;

	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)pw, strlen(pw)), 0);
	b = body2("login", (const uint8_t *)login, strlen(login), "ke1", ke1,
	    sizeof(ke1));
	j = http_json("POST", srv_url(srv, "/v1/sessions/start"), b, &status);
	free(b);
	*start_status = status;
	if (status != 200) {
		json_decref(j);
		coffer_opaque_client_free(&c);
		return status;
	}
	assert_int_equal(get_bytes(j, "ke2", ke2, sizeof(ke2)), sizeof(ke2));
	r = coffer_opaque_client_login_finish(c, ke3, sk, exp, ke2,
	    sizeof(ke2), &ksf, NULL);
	coffer_opaque_client_free(&c);
	/* A wrong password fails on the client: send a KE3 anyway, as an
	 * attacker would, to see the server refuse it. */
	if (r != 0)
		memset(ke3, 0x5a, sizeof(ke3));
	id = json_string_value(json_object_get(j, "login_id"));
	assert_non_null(id);
	assert_int_equal(coffer_b64url_encode(ke3s, sizeof(ke3s), ke3,
	    sizeof(ke3)), 0);
	b = malloc(256);
	snprintf(b, 256, "{\"login_id\":\"%s\",\"ke3\":\"%s\"}", id, ke3s);
	json_decref(j);
	j = http_json("POST", srv_url(srv, "/v1/sessions/finish"), b, &status);
	free(b);
	if (status == 200) {
		assert_int_equal(r, 0);
		snprintf(tok, 64, "%s",
		    json_string_value(json_object_get(j, "token")));
	}
	json_decref(j);
	return status;
}

static long
with_token(const char *method, const char *path, const char *tok)
{
	char auth[128];
	const char *h[] = { auth, NULL };
	long status = 0;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	assert_int_equal(http_request(method, srv_url(srv, path), h, NULL, 0,
	    &status, NULL), 0);
	return status;
}

static int
setup(void **state)
{
	char path[4096];
	const char *args[] = { "--config", path, NULL };

	(void)state;
	confdir = srv_tmpdir();
	snprintf(path, sizeof(path), "%s/cofferd.conf", confdir);
	if (srv_write_file(path, "opaque_t_cost = 1\nopaque_m_cost = 1024\n"
	    "login_failures_account = 3\nlogin_window = 600\n") != 0)
		return -1;
	return srv_start(&srv, args);
}

static int
teardown(void **state)
{
	(void)state;
	if (srv_stop(srv) != 0)
		return -1;
	srv_free(&srv);
	srv_rmtree(confdir);
	free(confdir);
	return 0;
}

static void
test_signup_signin(void **state)
{
	char tok[64], tok2[64];
	long st;

	(void)state;
	assert_int_equal(signup("alice", "correct horse"), 201);
	assert_int_equal(signup("alice", "another"), 409);
	assert_int_equal(signin("alice", "correct horse", tok, &st), 200);
	assert_int_equal(with_token("GET", "/v1/account", tok), 200);
	assert_int_equal(signin("alice", "correct horse", tok2, &st), 200);
	assert_string_not_equal(tok, tok2);
	/* Sign out one: that token is dead, the other lives. */
	assert_int_equal(with_token("DELETE", "/v1/sessions/current", tok),
	    204);
	assert_int_equal(with_token("GET", "/v1/account", tok), 401);
	assert_int_equal(with_token("GET", "/v1/account", tok2), 200);
	/* Sign out all. */
	assert_int_equal(signin("alice", "correct horse", tok, &st), 200);
	assert_int_equal(with_token("DELETE", "/v1/sessions", tok2), 204);
	assert_int_equal(with_token("GET", "/v1/account", tok), 401);
	assert_int_equal(with_token("GET", "/v1/account", tok2), 401);
	/* The key file survives a restart: accounts still sign in. */
	assert_int_equal(srv_stop(srv), 0);
	assert_int_equal(srv_restart(srv), 0);
	assert_int_equal(signin("alice", "correct horse", tok, &st), 200);
}

static void
test_wrong_password_and_rate_limit(void **state)
{
	char tok[64];
	long st;
	int i;

	(void)state;
	assert_int_equal(signup("bob", "hunter2"), 201);
	/* An unknown login looks the same until its KE3 fails. */
	assert_int_equal(signin("nobody", "x", tok, &st), 401);
	assert_int_equal(st, 200);
	for (i = 0; i < 3; i++) {
		assert_int_equal(signin("bob", "wrong", tok, &st), 401);
		assert_int_equal(st, 200);
	}
	/* Three failures within the window: the right password is held
	 * off too, with a clear 429 at the first step. */
	assert_int_equal(signin("bob", "hunter2", tok, &st), 429);
	/* Other accounts are not affected. */
	assert_int_equal(signup("carol", "pw"), 201);
	assert_int_equal(signin("carol", "pw", tok, &st), 200);
}

static void
test_login_id_single_use(void **state)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t ke1[96], ke2[320], ke3[64], sk[64], exp[64];
	char *b, ke3s[128], fin[256];
	json_t *j;
	long status;

	(void)state;
	assert_int_equal(signup("dave", "pw"), 201);
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"pw", 2), 0);
	b = body2("login", (const uint8_t *)"dave", 4, "ke1", ke1, 96);
	j = http_json("POST", srv_url(srv, "/v1/sessions/start"), b, &status);
	free(b);
	assert_int_equal(status, 200);
	get_bytes(j, "ke2", ke2, sizeof(ke2));
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, sk, exp,
	    ke2, 320, &ksf, NULL), 0);
	coffer_opaque_client_free(&c);
	assert_int_equal(coffer_b64url_encode(ke3s, sizeof(ke3s), ke3, 64), 0);
	snprintf(fin, sizeof(fin), "{\"login_id\":\"%s\",\"ke3\":\"%s\"}",
	    json_string_value(json_object_get(j, "login_id")), ke3s);
	json_decref(j);
	j = http_json("POST", srv_url(srv, "/v1/sessions/finish"), fin,
	    &status);
	json_decref(j);
	assert_int_equal(status, 200);
	/* The same KE3 again (a replay): refused. */
	j = http_json("POST", srv_url(srv, "/v1/sessions/finish"), fin,
	    &status);
	json_decref(j);
	assert_int_equal(status, 401);
}

static const struct {
	const char *path, *body, *code;
} bad[] = {
	{ "/v1/accounts/register/start", "{", "malformed_json" },
	{ "/v1/accounts/register/start", "{\"login\":\"YQ\"}", "missing_field" },
	{ "/v1/accounts/register/start", "{\"login\":1,\"request\":\"AA\"}",
	    "invalid_field" },
	{ "/v1/accounts/register/start",
	    "{\"login\":\"YQ\",\"request\":\"AAAA\"}", "invalid_field" },
	{ "/v1/accounts/register/start", "{\"login\":\"YQ\",\"request\":"
	    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"x\":1}",
	    "invalid_field" },
	{ "/v1/accounts/register/start", "{\"login\":\"\",\"request\":"
	    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", "invalid_field" },
	{ "/v1/accounts", "{\"login\":\"YQ\",\"record\":\"AA\"}",
	    "invalid_field" },
	{ "/v1/accounts", "{\"login\":\"YQ\",\"login\":\"YQ\"}",
	    "malformed_json" },
	{ "/v1/sessions/start", "{\"login\":\"YQ\",\"ke1\":\"!!\"}",
	    "invalid_field" },
	{ "/v1/sessions/finish", "{\"login_id\":\"00\",\"ke3\":\"AA\"}",
	    "invalid_field" },
	{ "/v1/sessions/finish", "{\"ke3\":\"AA\"}", "missing_field" },
};

static void
test_bad_input(void **state)
{
	char *body;
	size_t i;
	long status;
	const char *h[] = { "Content-Type: text/plain", NULL };

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *hj[] = { "Content-Type: application/json", NULL };

		body = NULL;
		assert_int_equal(http_request("POST", srv_url(srv, bad[i].path),
		    hj, bad[i].body, strlen(bad[i].body), &status, &body), 0);
		if (status != 400 || !http_is_error(body, bad[i].code))
			fail_msg("%s %s: %ld %s", bad[i].path, bad[i].body,
			    status, body);
		free(body);
	}
	/* A record that is 192 bytes of zeros: not a valid public key. */
	{
		uint8_t zero[COFFER_OPAQUE_RECORD_BYTES] = { 0 };
		char *b = body2("login", (const uint8_t *)"zed", 3, "record",
		    zero, sizeof(zero));
		json_t *j = http_json("POST", srv_url(srv, "/v1/accounts"), b,
		    &status);

		json_decref(j);
		free(b);
		assert_int_equal(status, 400);
	}
	body = NULL;
	assert_int_equal(http_request("POST", srv_url(srv, "/v1/accounts"), h,
	    "{}", 2, &status, &body), 0);
	assert_int_equal(status, 415);
	free(body);
	/* Nothing was written by any of them: "zed" can sign up now. */
	assert_int_equal(signup("zed", "pw"), 201);
}

/* Neither the password nor anything derived from it alone is stored:
 * the data folder holds no copy of it, and the database without the
 * key file cannot answer a sign-in. */
static void
test_nothing_to_guess_from(void **state)
{
	char cmd[4096];
	const char *pw = "a very particular password 8a7e1c";

	(void)state;
	assert_int_equal(signup("erin", pw), 201);
	snprintf(cmd, sizeof(cmd), "grep -rqaF -- '%s' '%s'", pw,
	    srv_data(srv));
	assert_int_not_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "grep -rqaF -- 'erin' '%s'", srv_data(srv));
	assert_int_equal(system(cmd), 0);	/* the scan sees the store */
	/* The OPRF key lives in its own file, mode 0600, apart from the
	 * database. */
	snprintf(cmd, sizeof(cmd), "test \"$(stat -c %%a '%s/opaque.key')\" = "
	    "600", srv_data(srv));
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signup_signin),
		cmocka_unit_test(test_wrong_password_and_rate_limit),
		cmocka_unit_test(test_login_id_single_use),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_nothing_to_guess_from),
	};

	return cmocka_run_group_tests_name("accounts", tests, setup, teardown);
}
