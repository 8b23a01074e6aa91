/* signin_* / signup_*: OPAQUE flows against a test cofferd (signin.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/kdf.h>

#include "http_client.h"
#include "signin.h"

const struct coffer_opaque_params signin_ksf = { 1, 1024 };

char *
signin_body(const char *k1, const uint8_t *v1, size_t n1, const char *k2,
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

size_t
signin_get_bytes(json_t *j, const char *key, uint8_t *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(j, key));
	size_t n = 0;

	assert_non_null(s);
	assert_int_equal(coffer_b64url_decode(out, cap, &n, s, strlen(s)), 0);
	return n;
}

long
signup_from(struct srv *s, const char *addr, const char *login,
    const char *pw)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t req[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES];
	uint8_t resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES];
	uint8_t rec[COFFER_OPAQUE_RECORD_BYTES], exp[64];
	char lb[512], rb[512], tb[512], *b;
	json_t *j;
	long status;

	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)pw, strlen(pw)), 0);
	b = signin_body("login", (const uint8_t *)login, strlen(login),
	    "request", req, sizeof(req));
	j = http_json_from(addr, "POST", srv_url(s,
	    "/v1/accounts/register/start"), b, &status);
	free(b);
	if (status != 200) {
		json_decref(j);
		coffer_opaque_client_free(&c);
		return status;
	}
	assert_int_equal(signin_get_bytes(j, "response", resp, sizeof(resp)),
	    sizeof(resp));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "ksf"), "t_cost")), signin_ksf.t_cost);
	assert_non_null(json_string_value(json_object_get(j, "ticket")));
	snprintf(tb, sizeof(tb), "%s", json_string_value(json_object_get(j,
	    "ticket")));
	json_decref(j);
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, exp,
	    resp, sizeof(resp), &signin_ksf, NULL), 0);
	coffer_opaque_client_free(&c);
	assert_int_equal(coffer_b64url_encode(lb, sizeof(lb),
	    (const uint8_t *)login, strlen(login)), 0);
	assert_int_equal(coffer_b64url_encode(rb, sizeof(rb), rec,
	    sizeof(rec)), 0);
	b = malloc(2048);
	assert_non_null(b);
	snprintf(b, 2048, "{\"login\":\"%s\",\"record\":\"%s\",\"ticket\":"
	    "\"%s\"}", lb, rb, tb);
	j = http_json_from(addr, "POST", srv_url(s, "/v1/accounts"), b,
	    &status);
	free(b);
	json_decref(j);
	return status;
}

void
signin_token(const uint8_t sk[COFFER_OPAQUE_SESSION_KEY_BYTES], char out[64])
{
	uint8_t raw[32];

	assert_int_equal(coffer_kdf(raw, sizeof(raw), sk,
	    COFFER_OPAQUE_SESSION_KEY_BYTES, "coffer/session-token/v1", NULL,
	    0), 0);
	assert_int_equal(coffer_b64url_encode(out, 64, raw, sizeof(raw)), 0);
}

long
signin_prepare(struct srv *s, const char *addr, const char *login,
    const char *pw, struct signin *out)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t ke1[COFFER_OPAQUE_KE1_BYTES], ke2[COFFER_OPAQUE_KE2_BYTES];
	uint8_t ke3[COFFER_OPAQUE_KE3_BYTES], sk[64], exp[64];
	const char *t;
	char *b, ke3s[128];
	json_t *j;
	long status;
	int r;

	memset(out, 0, sizeof(*out));
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)pw, strlen(pw)), 0);
	b = signin_body("login", (const uint8_t *)login, strlen(login), "ke1",
	    ke1, sizeof(ke1));
	j = http_json_from(addr, "POST", srv_url(s, "/v1/sessions/start"), b,
	    &status);
	free(b);
	out->start_status = out->status = status;
	if (status != 200) {
		json_decref(j);
		coffer_opaque_client_free(&c);
		return status;
	}
	assert_int_equal(signin_get_bytes(j, "ke2", ke2, sizeof(ke2)),
	    sizeof(ke2));
	r = coffer_opaque_client_login_finish(c, ke3, sk, exp, ke2,
	    sizeof(ke2), &signin_ksf, NULL);
	coffer_opaque_client_free(&c);
	out->password_ok = r == 0;
	/* A wrong password fails on the client: send a KE3 anyway, as an
	 * attacker would, to see the server refuse it. */
	if (r != 0)
		memset(ke3, 0x5a, sizeof(ke3));
	else
		signin_token(sk, out->token);
	t = json_string_value(json_object_get(j, "ticket"));
	assert_non_null(t);
	snprintf(out->ticket, sizeof(out->ticket), "%s", t);
	json_decref(j);
	assert_int_equal(coffer_b64url_encode(ke3s, sizeof(ke3s), ke3,
	    sizeof(ke3)), 0);
	snprintf(out->ke3, sizeof(out->ke3), "%s", ke3s);
	snprintf(out->finish, sizeof(out->finish),
	    "{\"ticket\":\"%s\",\"ke3\":\"%s\"}", out->ticket, ke3s);
	return status;
}

long
signin_from(struct srv *s, const char *addr, const char *login,
    const char *pw, struct signin *out)
{
	struct signin dummy;
	json_t *j;
	long status;

	if (out == NULL)
		out = &dummy;
	if ((status = signin_prepare(s, addr, login, pw, out)) != 200)
		return status;
	j = http_json_from(addr, "POST", srv_url(s, "/v1/sessions/finish"),
	    out->finish, &status);
	out->status = status;
	if (status == 200)
		assert_true(out->password_ok);
	if (out == &dummy)
		json_decref(j);
	else
		out->reply = j;
	return status;
}

long
signin_with_token(struct srv *s, const char *method, const char *path,
    const char *tok)
{
	char auth[128];
	const char *h[] = { auth, NULL };
	long status = 0;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	assert_int_equal(http_request(method, srv_url(s, path), h, NULL, 0,
	    &status, NULL), 0);
	return status;
}
