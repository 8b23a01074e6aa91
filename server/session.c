/* srv_session_*: bearer tokens for sessions. */
#include "session.h"

#include <string.h>

#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/err.h>

int
srv_session_new(struct store *st, const uint8_t account[STORE_ID_BYTES],
    const uint8_t *device, int64_t now, int64_t ttl,
    char token[SRV_TOKEN_LEN + 1])
{
	struct store_session s;
	uint8_t raw[SRV_TOKEN_BYTES];
	int r;

	memset(&s, 0, sizeof(s));
	randombytes_buf(raw, sizeof(raw));
	if ((r = coffer_b64url_encode(token, SRV_TOKEN_LEN + 1, raw,
	    sizeof(raw))) != 0)
		goto out;
	store_token_hash(s.token_hash, (const uint8_t *)token, SRV_TOKEN_LEN);
	memcpy(s.account, account, STORE_ID_BYTES);
	if (device != NULL) {
		memcpy(s.device, device, STORE_ID_BYTES);
		s.has_device = 1;
	}
	s.created = now;
	s.last_used = now;
	s.expires = now + ttl;
	r = st->meta->ops->session_create(st->meta, &s);
out:
	if (r != 0)
		sodium_memzero(token, SRV_TOKEN_LEN + 1);
	sodium_memzero(raw, sizeof(raw));
	return r;
}

int
srv_session_check(struct store *st, const char *token, size_t len,
    int64_t now, struct store_session *out)
{
	uint8_t hash[STORE_TOKEN_HASH_BYTES];
	uint8_t raw[SRV_TOKEN_BYTES + 1];
	size_t n;

	/* Refuse what cannot be a token before touching the store. */
	if (len != SRV_TOKEN_LEN || coffer_b64url_decode(raw, sizeof(raw), &n,
	    token, len) != 0 || n != SRV_TOKEN_BYTES)
		return COFFER_ERR_FORMAT;
	sodium_memzero(raw, sizeof(raw));
	store_token_hash(hash, (const uint8_t *)token, len);
	return st->meta->ops->session_lookup(st->meta, hash, now, out);
}
