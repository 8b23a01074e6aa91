/* coffer_hkdf_*: RFC 5869 built on libsodium's HMAC (1.0.18 has no HKDF). */
#include "crypto/hkdf.h"

#include <coffer/err.h>

#include <string.h>

#include <sodium.h>

/* One HMAC state big enough for either hash. */
union hmac_state {
	crypto_auth_hmacsha256_state s256;
	crypto_auth_hmacsha512_state s512;
};

static void
hmac_init(enum coffer_hkdf_hash h, union hmac_state *st, const uint8_t *k,
    size_t klen)
{
	if (h == COFFER_HKDF_SHA256)
		crypto_auth_hmacsha256_init(&st->s256, k, klen);
	else
		crypto_auth_hmacsha512_init(&st->s512, k, klen);
}

static void
hmac_update(enum coffer_hkdf_hash h, union hmac_state *st, const uint8_t *p,
    size_t n)
{
	if (n == 0)
		return;
	if (h == COFFER_HKDF_SHA256)
		crypto_auth_hmacsha256_update(&st->s256, p, n);
	else
		crypto_auth_hmacsha512_update(&st->s512, p, n);
}

static void
hmac_final(enum coffer_hkdf_hash h, union hmac_state *st, uint8_t *out)
{
	if (h == COFFER_HKDF_SHA256)
		crypto_auth_hmacsha256_final(&st->s256, out);
	else
		crypto_auth_hmacsha512_final(&st->s512, out);
}

size_t
hkdf_hashlen(enum coffer_hkdf_hash h)
{
	switch (h) {
	case COFFER_HKDF_SHA256:
		return 32;
	case COFFER_HKDF_SHA512:
		return 64;
	}
	return 0;
}

int
hkdf_extract(enum coffer_hkdf_hash h, uint8_t *prk, const uint8_t *salt,
    size_t saltlen, const uint8_t *ikm, size_t ikmlen)
{
	static const uint8_t zeros[64];
	union hmac_state st;
	size_t hl = hkdf_hashlen(h);

	if (hl == 0 || (salt == NULL && saltlen != 0) ||
	    (ikm == NULL && ikmlen != 0))
		return COFFER_ERR_INVALID;
	if (saltlen == 0) {
		salt = zeros;
		saltlen = hl;
	}
	hmac_init(h, &st, salt, saltlen);
	hmac_update(h, &st, ikm, ikmlen);
	hmac_final(h, &st, prk);
	sodium_memzero(&st, sizeof(st));
	return 0;
}

int
hkdf_expand(enum coffer_hkdf_hash h, uint8_t *out, size_t outlen,
    const uint8_t *prk, size_t prklen, const uint8_t *info, size_t infolen)
{
	union hmac_state st;
	uint8_t t[64];
	size_t hl = hkdf_hashlen(h), done = 0, n;
	uint8_t ctr = 0;

	if (hl == 0 || outlen > 255 * hl || prk == NULL || prklen == 0 ||
	    (info == NULL && infolen != 0))
		return COFFER_ERR_INVALID;
	while (done < outlen) {
		/* T(i) = HMAC(PRK, T(i-1) || info || i) */
		ctr++;
		hmac_init(h, &st, prk, prklen);
		if (ctr > 1)
			hmac_update(h, &st, t, hl);
		hmac_update(h, &st, info, infolen);
		hmac_update(h, &st, &ctr, 1);
		hmac_final(h, &st, t);
		n = outlen - done < hl ? outlen - done : hl;
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(t, sizeof(t));
	return 0;
}
