/* coffer_kdf: HKDF-SHA-512 with a context string (docs/PROTOCOL-kdf.md). */
#include <coffer/err.h>
#include <coffer/kdf.h>

#include "core/secret.h"
#include "crypto/hkdf.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const char kdf_salt[] = "coffer/kdf/v1";

int
coffer_context_valid(const char *context)
{
	size_t i;

	if (context == NULL)
		return 0;
	for (i = 0; context[i] != '\0'; i++)
		if (i >= COFFER_CONTEXT_MAX || context[i] <= 0x20 ||
		    context[i] >= 0x7f)
			return 0;
	return i > 0;
}

int
coffer_kdf(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen,
    const char *context, const uint8_t *info, size_t infolen)
{
	uint8_t prk[64];
	uint8_t label[1 + COFFER_CONTEXT_MAX];
	uint8_t *full = NULL;
	size_t clen = 0;
	int r = COFFER_ERR_INVALID;

	if (out == NULL || outlen == 0 || outlen > COFFER_KDF_MAX ||
	    !coffer_context_valid(context) || (info == NULL && infolen != 0) ||
	    infolen > COFFER_KDF_MAX)
		goto out;
	clen = strlen(context);
	label[0] = (uint8_t)clen;
	memcpy(label + 1, context, clen);
	if ((full = malloc(1 + clen + infolen)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	memcpy(full, label, 1 + clen);
	if (infolen > 0)
		memcpy(full + 1 + clen, info, infolen);
	if ((r = hkdf_extract(COFFER_HKDF_SHA512, prk,
	    (const uint8_t *)kdf_salt, sizeof(kdf_salt) - 1, ikm, ikmlen)) != 0)
		goto out;
	r = hkdf_expand(COFFER_HKDF_SHA512, out, outlen, prk,
	    sizeof(prk), full, 1 + clen + infolen);
out:
	sodium_memzero(prk, sizeof(prk));
	if (full != NULL) {
		sodium_memzero(full, 1 + clen + infolen);
		free(full);
	}
	return r;
}

int
coffer_kdf_key(struct coffer_key **out, const struct coffer_key *parent,
    const char *context, const uint8_t *info, size_t infolen,
    uint32_t version)
{
	uint8_t okm[COFFER_KEY_BYTES + COFFER_KEY_ID_BYTES];
	int r;

	*out = NULL;
	if (parent == NULL)
		return COFFER_ERR_INVALID;
	if ((r = coffer_kdf(okm, sizeof(okm), key_secret(parent),
	    COFFER_KEY_BYTES, context, info, infolen)) == 0)
		r = coffer_key_import(out, COFFER_KEY_SYMMETRIC, okm,
		    okm + COFFER_KEY_BYTES, version);
	sodium_memzero(okm, sizeof(okm));
	return r;
}
