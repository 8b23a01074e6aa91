/* coffer_sign_*: Ed25519 with a context prefix (libsodium, pure Ed25519). */
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/sign.h>

#include "core/secret.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const uint8_t sig_magic[5] = { 'C', 'F', 'S', 'G', 0x01 };

/* The bytes actually signed: magic, version, context, message. */
static int
sign_input(uint8_t **out, size_t *outlen, const char *context,
    const uint8_t *msg, size_t len)
{
	size_t clen, n;
	uint8_t *p;

	*out = NULL;
	if (!coffer_context_valid(context) || (msg == NULL && len > 0))
		return COFFER_ERR_INVALID;
	if (len > COFFER_SIGN_MAX)
		return COFFER_ERR_TOOBIG;
	clen = strlen(context);
	n = sizeof(sig_magic) + 1 + clen + len;
	if ((p = malloc(n)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(p, sig_magic, sizeof(sig_magic));
	p[sizeof(sig_magic)] = (uint8_t)clen;
	memcpy(p + sizeof(sig_magic) + 1, context, clen);
	if (len > 0)
		memcpy(p + sizeof(sig_magic) + 1 + clen, msg, len);
	*out = p;
	*outlen = n;
	return 0;
}

int
coffer_sign(uint8_t sig[COFFER_SIGN_BYTES], const struct coffer_key *key,
    const char *context, const uint8_t *msg, size_t len)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t *m = NULL;
	size_t mlen = 0;
	int r = COFFER_ERR_INVALID;

	if (key == NULL || coffer_key_kind(key) != COFFER_KEY_ED25519)
		goto out;
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((r = sign_input(&m, &mlen, context, msg, len)) != 0)
		goto out;
	if (crypto_sign_seed_keypair(pk, sk, key_secret(key)) != 0 ||
	    crypto_sign_detached(sig, NULL, m, mlen, sk) != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	r = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	free(m);
	return r;
}

int
coffer_sign_verify(const uint8_t sig[COFFER_SIGN_BYTES],
    const uint8_t pk[COFFER_PUBLIC_BYTES], const char *context,
    const uint8_t *msg, size_t len)
{
	uint8_t *m = NULL;
	size_t mlen = 0;
	int r;

	if (sig == NULL || pk == NULL)
		return COFFER_ERR_INVALID;
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	if ((r = sign_input(&m, &mlen, context, msg, len)) != 0)
		return r;
	r = crypto_sign_verify_detached(sig, m, mlen, pk) == 0 ? 0 :
	    COFFER_ERR_AUTH;
	free(m);
	return r;
}
