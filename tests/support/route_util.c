/* What the route tests share (route_util.h). */
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

#include "http_client.h"
#include "route_util.h"
#include "session.h"
#include "store/store.h"
#include "wire/json.h"

json_t *
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

int
rt_is_error(const json_t *j, const char *code, int extra)
{
	const json_t *e = json_object_get(j, "error");
	const json_t *m = json_object_get(j, "message");

	return json_is_string(e) && strcmp(json_string_value(e), code) == 0 &&
	    json_is_string(m) && json_string_length(m) > 0 &&
	    (extra || json_object_size(j) == 2);
}

json_t *
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

void
rt_refused(struct srv *s, const char *method, const char *path,
    const char *auth, const char *body, long want, const char *code)
{
	json_decref(rt_want(s, method, path, auth, body, want, code));
}

long long
rt_int(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

const char *
rt_str(const json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

char *
rt_b64(const uint8_t *p, size_t n)
{
	char *s = malloc(COFFER_B64URL_LEN(n));

	assert_non_null(s);
	assert_int_equal(coffer_b64url_encode(s, COFFER_B64URL_LEN(n), p, n),
	    0);
	return s;
}

char *
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



void
rt_offline(struct srv *s, rt_store_fn fn, void *arg)
{
	struct store *st = NULL;

	assert_int_equal(srv_stop(s), 0);
	assert_int_equal(store_open(&st, srv_data(s), NULL), 0);
	fn(st, arg);
	store_close(&st);
	assert_int_equal(srv_restart(s), 0);
}

struct tokens_arg {
	const struct test_account	*victim;
	struct rt_bad_tokens		*out;
};

static void
make_tokens(struct store *st, void *arg)
{
	struct tokens_arg *a = arg;
	uint8_t id[COFFER_WIRE_ID_BYTES], raw[SRV_TOKEN_BYTES];
	char token[SRV_TOKEN_LEN + 1];
	int64_t now = (int64_t)time(NULL);

	assert_int_equal(wire_id_decode(a->victim->id, 32, id, sizeof(id)), 0);
	/* A session that ended a while ago. */
	assert_int_equal(srv_session_new(st, NULL, id, NULL, now - 3600, 60, NULL,
	    token),
	    0);
	snprintf(a->out->expired, sizeof(a->out->expired),
	    "Authorization: Bearer %s", token);
	randombytes_buf(raw, sizeof(raw));
	assert_int_equal(coffer_b64url_encode(token, sizeof(token), raw,
	    sizeof(raw)), 0);
	snprintf(a->out->random, sizeof(a->out->random),
	    "Authorization: Bearer %s", token);
}

void
rt_bad_tokens_make(struct srv *s, const struct test_account *victim,
    struct rt_bad_tokens *out)
{
	struct tokens_arg a = { victim, out };

	/* Its token was good; signed out, it is good for nothing. */
	rt_refused(s, "DELETE", "/v1/sessions/current", victim->auth, NULL,
	    204, NULL);
	snprintf(out->signed_out, sizeof(out->signed_out), "%s",
	    victim->auth);
	rt_offline(s, make_tokens, &a);
}

void
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
