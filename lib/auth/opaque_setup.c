/* coffer_opaque_server_setup_*: the server's long-term OPAQUE secrets, the
 * OPRF seed and the AKE key pair (RFC 9807 section 3.1), and their saved
 * form "CFOS" (docs/PROTOCOL-opaque.md). */
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/key.h>
#include <coffer/opaque.h>

#include "auth/opaque_internal.h"
#include "auth/oprf.h"
#include "core/reader.h"

#include <string.h>

#include <sodium.h>

static const uint8_t setup_magic[4] = { 'C', 'F', 'O', 'S' };
#define SETUP_VERSION	1

_Static_assert(COFFER_OPAQUE_SETUP_MAX ==
    sizeof(setup_magic) + 2 + COFFER_OPAQUE_SEED_MAX + OPQ_NSK, "setup size");
_Static_assert(COFFER_OPAQUE_PRIVATE_KEY_BYTES == OPQ_NSK, "key size");

void
coffer_opaque_server_setup_free(struct coffer_opaque_server_setup **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_memzero(*p, sizeof(**p));
	sodium_free(*p);
	*p = NULL;
}

int
coffer_opaque_server_setup_import(struct coffer_opaque_server_setup **out,
    const uint8_t *oprf_seed, size_t seedlen, const uint8_t private_key[32])
{
	struct coffer_opaque_server_setup *s = NULL;
	int r = COFFER_ERR_INVALID;

	if (out == NULL || oprf_seed == NULL ||
	    seedlen < COFFER_OPAQUE_SEED_MIN ||
	    seedlen > COFFER_OPAQUE_SEED_MAX || private_key == NULL)
		goto out;
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if (oprf_scalar_check(private_key) != 0)
		goto out;
	if ((s = sodium_malloc(sizeof(*s))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	memset(s, 0, sizeof(*s));
	memcpy(s->oprf_seed, oprf_seed, seedlen);
	s->seedlen = seedlen;
	memcpy(s->sk, private_key, OPQ_NSK);
	if (crypto_scalarmult_ristretto255_base(s->pk, s->sk) != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	coffer_opaque_server_setup_free(&s);
	return r;
}

int
coffer_opaque_server_setup_generate(struct coffer_opaque_server_setup **out)
{
	uint8_t seed[COFFER_OPAQUE_SEED_MAX], sk[OPQ_NSK];
	int r;

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(seed, sizeof(seed));
	crypto_core_ristretto255_scalar_random(sk);
	r = coffer_opaque_server_setup_import(out, seed, sizeof(seed), sk);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	return r;
}

int
coffer_opaque_server_setup_public_key(
    const struct coffer_opaque_server_setup *setup,
    uint8_t pk[COFFER_OPAQUE_PUBLIC_KEY_BYTES])
{
	if (setup == NULL || pk == NULL)
		return COFFER_ERR_INVALID;
	memcpy(pk, setup->pk, OPQ_NPK);
	return 0;
}

int
coffer_opaque_server_setup_save(const struct coffer_opaque_server_setup *setup,
    struct coffer_buf *out)
{
	uint8_t b[COFFER_OPAQUE_SETUP_MAX];
	size_t n = 0;
	int r;

	if (setup == NULL || out == NULL)
		return COFFER_ERR_INVALID;
	memcpy(b, setup_magic, sizeof(setup_magic));
	n += sizeof(setup_magic);
	b[n++] = SETUP_VERSION;
	b[n++] = (uint8_t)setup->seedlen;
	memcpy(b + n, setup->oprf_seed, setup->seedlen);
	n += setup->seedlen;
	memcpy(b + n, setup->sk, OPQ_NSK);
	n += OPQ_NSK;
	r = coffer_buf_append(out, b, n);	/* all or nothing */
	sodium_memzero(b, sizeof(b));
	return r;
}

int
coffer_opaque_server_setup_load(struct coffer_opaque_server_setup **out,
    const uint8_t *p, size_t len)
{
	struct reader rd;
	const uint8_t *seed, *sk;
	uint8_t version, seedlen;
	int r;

	if (out == NULL || (p == NULL && len != 0))
		return COFFER_ERR_INVALID;
	reader_init(&rd, p, len);
	if ((r = reader_magic(&rd, setup_magic,
	    sizeof(setup_magic))) != 0 ||
	    (r = reader_u8(&rd, &version)) != 0)
		return r;
	if (version != SETUP_VERSION)
		return COFFER_ERR_VERSION;
	if ((r = reader_u8(&rd, &seedlen)) != 0)
		return r;
	if (seedlen < COFFER_OPAQUE_SEED_MIN ||
	    seedlen > COFFER_OPAQUE_SEED_MAX)
		return COFFER_ERR_FORMAT;
	if ((r = reader_bytes(&rd, seedlen, &seed)) != 0 ||
	    (r = reader_bytes(&rd, OPQ_NSK, &sk)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		return r;
	if (oprf_scalar_check(sk) != 0)
		return COFFER_ERR_FORMAT;
	return coffer_opaque_server_setup_import(out, seed, seedlen, sk);
}

int
coffer_opaque_server_setup_derive(const struct coffer_opaque_server_setup *setup,
    const char *context, uint8_t *out, size_t outlen)
{
	if (setup == NULL || context == NULL || out == NULL)
		return COFFER_ERR_INVALID;
	return coffer_kdf(out, outlen, setup->oprf_seed, setup->seedlen,
	    context, NULL, 0);
}
