/* What the route tests (test_devices.c, test_records.c,
 * test_records_race.c, test_blobs.c) share: one request with its
 * checked answer, the tokens that must be refused, and a step on the
 * store while the server is stopped (to make an expired session, or lower
 * a quota: no route does either). Every function asserts (cmocka) rather
 * than returning errors. */
#ifndef COFFER_TEST_ROUTE_UTIL_H
#define COFFER_TEST_ROUTE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "account.h"
#include "server_harness.h"

struct store;

/** rt_call(s, method, path, auth, body, status): one request to ${s}:
 * ${auth} is a whole "Authorization: ..." header or NULL, ${body} a JSON
 * text (sent as application/json) or NULL. Returns the parsed answer
 * (NULL if it is not JSON: an empty 204) and sets *${status}. */
json_t *rt_call(struct srv *s, const char *method, const char *path,
    const char *auth, const char *body, long *status);

/** rt_is_error(j, code, extra): 1 if ${j} is an error of ${code} with a
 * message and, unless ${extra}, no other member; else 0. */
int rt_is_error(const json_t *j, const char *code, int extra);

/** rt_want(s, method, path, auth, body, want, code): rt_call that must
 * answer ${want}; with ${code}, an error of that code and nothing else.
 * Returns the answer (json_decref it). */
json_t *rt_want(struct srv *s, const char *method, const char *path,
    const char *auth, const char *body, long want, const char *code);

/** rt_refused(s, method, path, auth, body, want, code): rt_want for an
 * error whose answer is not needed. */
void rt_refused(struct srv *s, const char *method, const char *path,
    const char *auth, const char *body, long want, const char *code);

/** rt_int(j, key): an integer member of ${j}, or -1. */
long long rt_int(const json_t *j, const char *key);

/** rt_str(j, key): a string member of ${j}, or "". */
const char *rt_str(const json_t *j, const char *key);

/** rt_b64(p, n): ${n} bytes as unpadded base64url, in a new string. */
char *rt_b64(const uint8_t *p, size_t n);

/** rt_unb64(s, n): the bytes of the base64url string ${s},
 * NUL-terminated, in a new buffer; their count in *${n}. */
char *rt_unb64(const char *s, size_t *n);

/* Tokens every authenticated route must refuse with 401. */
struct rt_bad_tokens {
	char	signed_out[96];	/* a session signed out (deleted) */
	char	expired[96];	/* a session past its expiry */
	char	random[96];	/* well formed, of no session */
};

/* A step on the store of a stopped server. */
typedef void (*rt_store_fn)(struct store *st, void *arg);

/** rt_offline(s, fn, arg): stop ${s}, run ${fn}(store, ${arg}) on its
 * store, start it again. */
void rt_offline(struct srv *s, rt_store_fn fn, void *arg);

/** rt_bad_tokens_make(s, victim, out): sign ${victim} (an account made
 * for this) out, and fill ${out}. Restarts the server. */
void rt_bad_tokens_make(struct srv *s, const struct test_account *victim,
    struct rt_bad_tokens *out);

/** rt_unauthorized(s, t, method, path, body): the route refuses no
 * token, a malformed one, and each of ${t} with 401 unauthorized. */
void rt_unauthorized(struct srv *s, const struct rt_bad_tokens *t,
    const char *method, const char *path, const char *body);

#endif
