/* OPAQUE sign-up and sign-in against a test cofferd, step by step with
 * libcoffer's OPAQUE (no client handle), from any loopback address, so
 * that tests can play clients and attackers of the accounts routes. The
 * server must use the cheap profile SIGNIN_KSF (opaque_t_cost = 1,
 * opaque_m_cost = 1024 in its config). */
#ifndef COFFER_TEST_SIGNIN_H
#define COFFER_TEST_SIGNIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <coffer/opaque.h>

#include "server_harness.h"

extern const struct coffer_opaque_params signin_ksf;

/* What a sign-in left, for tests that go on with it. */
struct signin {
	long	start_status;		/* of POST /v1/sessions/start */
	long	status;			/* of the finish (or the start) */
	char	token[64];		/* derived from the session key */
	char	ticket[512];		/* the start's, as sent back */
	char	ke3[128];		/* base64url */
	char	finish[1024];		/* the finish body sent */
	int	password_ok;		/* the client's finish passed */
	json_t	*reply;			/* the finish's answer (decref) */
};

/** signin_body(k1, v1, n1, k2, v2, n2): {"k1": b64url(v1), "k2":
 * b64url(v2)}, a new string (free it). */
char *signin_body(const char *k1, const uint8_t *v1, size_t n1,
    const char *k2, const uint8_t *v2, size_t n2);

/** signin_get_bytes(j, key, out, cap): decode the base64url field ${key}
 * of ${j} into ${out}; its length. Fails the test if absent. */
size_t signin_get_bytes(json_t *j, const char *key, uint8_t *out,
    size_t cap);

/** signup_from(s, addr, login, pw): register ${login} with ${pw} from the
 * local address ${addr} (NULL: any). The final status (201), or the
 * first step's if it failed. */
long signup_from(struct srv *s, const char *addr, const char *login,
    const char *pw);

/** signin_prepare(s, addr, login, pw, out): the first step of a sign-in
 * from ${addr} and the client's finish, without sending it: the start's
 * status; ${out} has the ticket, the KE3 and the finish body. */
long signin_prepare(struct srv *s, const char *addr, const char *login,
    const char *pw, struct signin *out);

/** signin_from(s, addr, login, pw, out): sign in from ${addr}; a wrong
 * password's KE3 is sent anyway (garbage), as an attacker would. The
 * final status; ${out} (may be NULL) gets the details. */
long signin_from(struct srv *s, const char *addr, const char *login,
    const char *pw, struct signin *out);

/** signin_token(sk, out): the session token both sides derive from the
 * OPAQUE session key ${sk}. */
void signin_token(const uint8_t sk[COFFER_OPAQUE_SESSION_KEY_BYTES],
    char out[64]);

/** signin_with_token(s, method, path, tok): the status of a request with
 * the bearer ${tok}. */
long signin_with_token(struct srv *s, const char *method, const char *path,
    const char *tok);

#endif
