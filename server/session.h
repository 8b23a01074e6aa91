/* Sessions: bearer tokens (derived from the sign-in's OPAQUE session key,
 * or random), stored only as their SHA-256 hash,
 * expiring, revocable (store/meta.h holds them), and bound to a device
 * (docs/PROTOCOL-devices.md §5). A session is full when its account has
 * no device list yet, or when it is bound to a device the list's head
 * holds with the card the device is registered with; else restricted:
 * the routes a restricted session may call are marked in the route table
 * (routes.c, SRV_AUTH_ANY). */
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

struct srv_session_cache;

/** srv_session_new(st, cache, account, device, now, ttl, raw, token): a
 * new session of ${account} (and of ${device}, or none if NULL) valid
 * until ${now} + ${ttl}; its token, NUL terminated, in ${token}: the
 * SRV_TOKEN_BYTES of ${raw} (a sign-in derives them from the OPAQUE
 * session key), or random ones if ${raw} is NULL. Making room
 * for it may end older sessions of the account (store/meta.h,
 * session_create), so ${cache} (NULL accepted) is cleared. Returns 0 or
 * the store's error (NOTFOUND: no such account or device). */
int srv_session_new(struct store *st, struct srv_session_cache *cache,
    const uint8_t account[COFFER_WIRE_ID_BYTES], const uint8_t *device,
    int64_t now, int64_t ttl, const uint8_t *raw,
    char token[SRV_TOKEN_LEN + 1]);

/* The context of the signature that binds a session to a device:
 * Sig(device, this, account id || SHA-256(session token)). */
#define SRV_SESSION_BIND_CONTEXT	"coffer/session-device/v1"

/* What a live session stands for. */
struct srv_session_info {
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	uint8_t		device[COFFER_WIRE_ID_BYTES];	/* zeros unless bound */
	int		bound;		/* bound to device (proven) */
	int		full;		/* not restricted (above) */
};

/* A small cache of sessions checked lately, so that a busy client's
 * requests skip the store's lookup. An entry is trusted for at most
 * SRV_SESSION_CACHE_TTL seconds and never past its session's expiry;
 * whatever ends sessions or changes what they may do in this process
 * (sign-out, a sign-in that made room, device removal, a binding, a
 * device list append) clears the cache, so that the change is
 * immediate. */
#define SRV_SESSION_CACHE_SLOTS	1024
#define SRV_SESSION_CACHE_TTL	5	/* s */
/* A session's last use is recorded when a lookup in the store finds it
 * older than this (s). */
#define SRV_SESSION_TOUCH_EVERY	60


/** srv_session_cache_new(out): an empty cache. Returns 0 or
 * COFFER_ERR_NOMEM. */
int srv_session_cache_new(struct srv_session_cache **out);

/** srv_session_cache_free(p): free *${p}; NULL accepted. */
void srv_session_cache_free(struct srv_session_cache **p);

/** srv_session_cache_clear(c): forget every entry (NULL accepted): call
 * after ending any session or changing what sessions may do. */
void srv_session_cache_clear(struct srv_session_cache *c);

/** srv_session_check(st, cache, token, len, now, out): what the live
 * session of the bearer ${token} of ${len} characters stands for, from
 * ${cache} (may be NULL) or the store (which then records its use, at
 * most every SRV_SESSION_TOUCH_EVERY seconds). Returns 0, COFFER_ERR_FORMAT (not a
 * token's shape) or COFFER_ERR_NOTFOUND (no such session, expired or
 * revoked), or the store's error. */
int srv_session_check(struct store *st, struct srv_session_cache *cache,
    const char *token, size_t len, int64_t now,
    struct srv_session_info *out);

#endif
