/* What the route tests (test_devices.c, test_records.c) share: one
 * request with its checked answer, the tokens that must be refused, and a
 * step on the store while the server is stopped (to make an expired
 * session, or lower a quota: no route does either).
 * Header-only: tests/integration builds each test_*.c alone. Every
 * function asserts (cmocka) rather than returning errors. */
#ifndef COFFER_TEST_ROUTE_UTIL_H
#define COFFER_TEST_ROUTE_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include <coffer/encoding.h>

#include "account.h"
#include "http_client.h"
#include "wire/json.h"
#include "server_harness.h"
#include "session.h"
#include "store/store.h"

#define RT_UNUSED	__attribute__((unused))

/* One request: ${auth} is a whole "Authorization: ..." header or NULL,
 * ${body} a JSON text (sent as application/json) or NULL. Returns the
 * parsed answer (NULL if it is not JSON: an empty 204) and its status. */
static RT_UNUSED json_t *
rt_call(struct srv *s, const char *method, const char *path,
    const char *auth, const char *body, long *status)
{
	const char *hdrs[3];
	char *resp = NULL;
	json_t *j;
	size_t n = 0;

	if (auth != NULL)
		hdrs[n++] = auth;
	if (body != NULL)
		hdrs[n++] = "Content-Type: application/json";
	hdrs[n] = NULL;
	assert_int_equal(http_request(method, srv_url(s, path), hdrs, body,
	    body != NULL ? strlen(body) : 0, status, &resp), 0);
	j = resp != NULL && *resp != '\0' ? json_loads(resp,
	    JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(resp);
	return j;
}

/* Is ${j} an error of ${code} with a message and, unless ${extra}, no
 * other member? */
static RT_UNUSED int
rt_is_error(const json_t *j, const char *code, int extra)
{
	const json_t *e = json_object_get(j, "error");
	const json_t *m = json_object_get(j, "message");

	return json_is_string(e) && strcmp(json_string_value(e), code) == 0 &&
	    json_is_string(m) && json_string_length(m) > 0 &&
	    (extra || json_object_size(j) == 2);
}

/* One request that must answer ${want}; with ${code}, an error of that
 * code and nothing else. Returns the answer (json_decref it). */
static RT_UNUSED json_t *
rt_want(struct srv *s, const char *method, const char *path,
    const char *auth, const char *body, long want, const char *code)
{
	json_t *j;
	char *dump;
	long st = 0;

	j = rt_call(s, method, path, auth, body, &st);
	if (st != want || (code != NULL && !rt_is_error(j, code, 0))) {
		dump = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		print_error("%s %s %.200s: got %ld %.300s, want %ld %s\n",
		    method, path, body != NULL ? body : "", st,
		    dump != NULL ? dump : "(no JSON)", want,
		    code != NULL ? code : "");
		free(dump);
	}
	assert_int_equal(st, want);
	if (code != NULL)
		assert_true(rt_is_error(j, code, 0));
	return j;
}

/* rt_want for an error whose answer is not needed. */
static RT_UNUSED void
rt_refused(struct srv *s, const char *method, const char *path,
    const char *auth, const char *body, long want, const char *code)
{
	json_decref(rt_want(s, method, path, auth, body, want, code));
}

/* An integer member of ${j}, or -1. */
static RT_UNUSED long long
rt_int(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* A string member of ${j}, or "". */
static RT_UNUSED const char *
rt_str(const json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

/* ${n} bytes as unpadded base64url, in a new string. */
static RT_UNUSED char *
rt_b64(const uint8_t *p, size_t n)
{
	char *s = malloc(COFFER_B64URL_LEN(n));

	assert_non_null(s);
	assert_int_equal(coffer_b64url_encode(s, COFFER_B64URL_LEN(n), p, n),
	    0);
	return s;
}

/* The bytes of the base64url string ${s}, NUL-terminated, in a new
 * buffer; their count in *${n}. */
static RT_UNUSED char *
rt_unb64(const char *s, size_t *n)
{
	size_t cap = strlen(s) / 4 * 3 + 4;
	char *p = malloc(cap);

	assert_non_null(p);
	assert_int_equal(coffer_b64url_decode((uint8_t *)p, cap - 1, n, s,
	    strlen(s)), 0);
	p[*n] = '\0';
	return p;
}

/* Tokens every authenticated route must refuse with 401. */
struct rt_bad_tokens {
	char	signed_out[96];	/* a session signed out (deleted) */
	char	expired[96];	/* a session past its expiry */
	char	random[96];	/* well formed, of no session */
};

/* A step on the store of ${s}, with the server stopped. */
typedef void (*rt_store_fn)(struct store *st, void *arg);

static RT_UNUSED void
rt_offline(struct srv *s, rt_store_fn fn, void *arg)
{
	struct store *st = NULL;

	assert_int_equal(srv_stop(s), 0);
	assert_int_equal(store_open(&st, srv_data(s), NULL), 0);
	fn(st, arg);
	store_close(&st);
	assert_int_equal(srv_restart(s), 0);
}

struct rt_tokens_arg {
	const struct test_account	*victim;
	struct rt_bad_tokens		*out;
};

static void
rt_make_tokens(struct store *st, void *arg)
{
	struct rt_tokens_arg *a = arg;
	uint8_t id[COFFER_WIRE_ID_BYTES], raw[SRV_TOKEN_BYTES];
	char token[SRV_TOKEN_LEN + 1];
	int64_t now = (int64_t)time(NULL);

	assert_int_equal(wire_id_decode(a->victim->id, 32, id, sizeof(id)), 0);
	/* A session that ended a while ago. */
	assert_int_equal(srv_session_new(st, id, NULL, now - 3600, 60, token),
	    0);
	snprintf(a->out->expired, sizeof(a->out->expired),
	    "Authorization: Bearer %s", token);
	randombytes_buf(raw, sizeof(raw));
	assert_int_equal(coffer_b64url_encode(token, sizeof(token), raw,
	    sizeof(raw)), 0);
	snprintf(a->out->random, sizeof(a->out->random),
	    "Authorization: Bearer %s", token);
}

/** rt_bad_tokens_make(s, victim, out): sign ${victim} (an account made
 * for this) out, and fill ${out}. Restarts the server. */
static RT_UNUSED void
rt_bad_tokens_make(struct srv *s, const struct test_account *victim,
    struct rt_bad_tokens *out)
{
	struct rt_tokens_arg a = { victim, out };

	/* Its token was good; signed out, it is good for nothing. */
	rt_refused(s, "DELETE", "/v1/sessions/current", victim->auth, NULL,
	    204, NULL);
	snprintf(out->signed_out, sizeof(out->signed_out), "%s",
	    victim->auth);
	rt_offline(s, rt_make_tokens, &a);
}

/** rt_unauthorized(s, t, method, path, body): the route refuses no token,
 * a malformed one, and each of ${t} with 401 unauthorized. */
static RT_UNUSED void
rt_unauthorized(struct srv *s, const struct rt_bad_tokens *t,
    const char *method, const char *path, const char *body)
{
	rt_refused(s, method, path, NULL, body, 401, "unauthorized");
	rt_refused(s, method, path, "Authorization: Bearer !!", body, 401,
	    "unauthorized");
	rt_refused(s, method, path, "Authorization: Basic dXNlcjpwYXNz", body,
	    401, "unauthorized");
	rt_refused(s, method, path, t->signed_out, body, 401, "unauthorized");
	rt_refused(s, method, path, t->expired, body, 401, "unauthorized");
	rt_refused(s, method, path, t->random, body, 401, "unauthorized");
}

#endif
