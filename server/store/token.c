/* store_token_*: the change-token codec (token.h, docs/STORAGE.md). */
#include <string.h>

#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/err.h>

#include "store/token.h"

#define TOKEN_CONTEXT	"cofferd/store/change-token/v1"
#define TOKEN_TAG	16
#define TOKEN_SIGNED	(STORE_TOKEN_BYTES - TOKEN_TAG)

_Static_assert(1 + STORE_ZONE_NONCE_BYTES + 8 + TOKEN_TAG ==
    STORE_TOKEN_BYTES, "token layout");
_Static_assert(COFFER_B64URL_LEN(STORE_TOKEN_BYTES) >= STORE_TOKEN_LEN + 1,
    "token text");

static void
token_tag(uint8_t tag[TOKEN_TAG], const uint8_t key[STORE_TOKEN_KEY_BYTES],
    const uint8_t signed_part[TOKEN_SIGNED],
    const uint8_t account[COFFER_WIRE_ID_BYTES], const uint8_t zone[COFFER_WIRE_ID_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, STORE_TOKEN_KEY_BYTES, TOKEN_TAG);
	crypto_generichash_update(&st, (const uint8_t *)TOKEN_CONTEXT,
	    sizeof(TOKEN_CONTEXT) - 1);
	crypto_generichash_update(&st, signed_part, TOKEN_SIGNED);
	crypto_generichash_update(&st, account, COFFER_WIRE_ID_BYTES);
	crypto_generichash_update(&st, zone, COFFER_WIRE_ID_BYTES);
	crypto_generichash_final(&st, tag, TOKEN_TAG);
	sodium_memzero(&st, sizeof(st));
}

int
store_token_encode(char out[STORE_TOKEN_LEN + 1],
    const uint8_t key[STORE_TOKEN_KEY_BYTES],
    const uint8_t account[COFFER_WIRE_ID_BYTES], const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t nonce[STORE_ZONE_NONCE_BYTES], uint64_t seq)
{
	uint8_t b[STORE_TOKEN_BYTES];
	char text[COFFER_B64URL_LEN(STORE_TOKEN_BYTES)];
	int i, r = COFFER_ERR_INVALID;

	if (seq > (uint64_t)INT64_MAX)
		goto out;
	b[0] = STORE_TOKEN_VERSION;
	memcpy(b + 1, nonce, STORE_ZONE_NONCE_BYTES);
	for (i = 0; i < 8; i++)
		b[1 + STORE_ZONE_NONCE_BYTES + i] =
		    (uint8_t)(seq >> (56 - 8 * i));
	token_tag(b + TOKEN_SIGNED, key, b, account, zone);
	if ((r = coffer_b64url_encode(text, sizeof(text), b, sizeof(b))) != 0)
		goto out;
	if (strlen(text) != STORE_TOKEN_LEN) {
		r = COFFER_ERR_INTERNAL;
		goto out;
	}
	memcpy(out, text, STORE_TOKEN_LEN + 1);
out:
	return r;
}

int
store_token_decode(uint64_t *seq, const char *token,
    const uint8_t key[STORE_TOKEN_KEY_BYTES],
    const uint8_t account[COFFER_WIRE_ID_BYTES], const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t nonce[STORE_ZONE_NONCE_BYTES])
{
	uint8_t b[STORE_TOKEN_BYTES], tag[TOKEN_TAG];
	uint64_t s = 0;
	size_t n;
	int i, r = COFFER_ERR_FORMAT;

	if (token == NULL || strnlen(token, STORE_TOKEN_LEN + 1) !=
	    STORE_TOKEN_LEN)
		goto out;
	if (coffer_b64url_decode(b, sizeof(b), &n, token, STORE_TOKEN_LEN) !=
	    0 || n != sizeof(b))
		goto out;
	if (b[0] != STORE_TOKEN_VERSION) {
		r = COFFER_ERR_VERSION;
		goto out;
	}
	if (sodium_memcmp(b + 1, nonce, STORE_ZONE_NONCE_BYTES) != 0) {
		r = COFFER_ERR_CONTEXT;
		goto out;
	}
	token_tag(tag, key, b, account, zone);
	if (sodium_memcmp(tag, b + TOKEN_SIGNED, TOKEN_TAG) != 0) {
		r = COFFER_ERR_AUTH;
		goto out;
	}
	for (i = 0; i < 8; i++)
		s = s << 8 | b[1 + STORE_ZONE_NONCE_BYTES + i];
	if (s > (uint64_t)INT64_MAX) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	*seq = s;
	r = 0;
out:
	sodium_memzero(tag, sizeof(tag));
	return r;
}
