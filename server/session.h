/* Sessions: random bearer tokens, stored only as their SHA-256 hash,
 * expiring, revocable (store/meta.h holds them). */
#ifndef COFFERD_SESSION_H
#define COFFERD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A token is 32 random bytes as unpadded base64url. */
#define SRV_TOKEN_BYTES		32
#define SRV_TOKEN_LEN		43
/* Default lifetime: 30 days. */
#define SRV_SESSION_TTL		(30 * 24 * 3600)

/** srv_session_new(st, account, device, now, ttl, token): a new session of
 * ${account} (and of ${device}, or none if NULL) valid until ${now} +
 * ${ttl}; its token, NUL terminated, in ${token}. Returns 0 or the
 * store's error (NOTFOUND: no such account or device). */
int srv_session_new(struct store *st, const uint8_t account[STORE_ID_BYTES],
    const uint8_t *device, int64_t now, int64_t ttl,
    char token[SRV_TOKEN_LEN + 1]);

/** srv_session_check(st, token, len, now, out): the live session of the
 * bearer ${token} of ${len} characters into ${out}. Returns 0,
 * COFFER_ERR_FORMAT (not a token's shape) or COFFER_ERR_NOTFOUND (no such
 * session, expired or revoked), or the store's error. */
int srv_session_check(struct store *st, const char *token, size_t len,
    int64_t now, struct store_session *out);

#endif
