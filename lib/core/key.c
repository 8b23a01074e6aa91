/* coffer_key: secrets in sodium_malloc memory, wiped on free. */
#include <coffer/err.h>
#include <coffer/key.h>

#include "core/secret.h"

#include <string.h>

#include <sodium.h>

struct coffer_key {
	uint8_t			secret[COFFER_KEY_BYTES];
	uint8_t			id[COFFER_KEY_ID_BYTES];
	uint32_t		version;
	enum coffer_key_kind	kind;
};

static const char keyid_ctx[] = "coffer/key-id/v1";

int
coffer_init(void)
{
	return sodium_init() < 0 ? COFFER_ERR_CRYPTO : 0;
}

static int
kind_valid(enum coffer_key_kind kind)
{
	return kind == COFFER_KEY_SYMMETRIC || kind == COFFER_KEY_X25519 ||
	    kind == COFFER_KEY_ED25519;
}

static int
public_of(enum coffer_key_kind kind, const uint8_t *secret, uint8_t *pk)
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	int r = COFFER_ERR_INVALID;

	if (kind == COFFER_KEY_X25519)
		r = crypto_scalarmult_base(pk, secret) == 0 ? 0 :
		    COFFER_ERR_CRYPTO;
	else if (kind == COFFER_KEY_ED25519)
		r = crypto_sign_seed_keypair(pk, sk, secret) == 0 ? 0 :
		    COFFER_ERR_CRYPTO;
	sodium_memzero(sk, sizeof(sk));
	return r;
}

int
coffer_key_id_of_public(enum coffer_key_kind kind,
    const uint8_t pk[COFFER_PUBLIC_BYTES], uint8_t id[COFFER_KEY_ID_BYTES])
{
	crypto_generichash_state st;
	uint8_t h[32], k = (uint8_t)kind;

	if (kind != COFFER_KEY_X25519 && kind != COFFER_KEY_ED25519)
		return COFFER_ERR_INVALID;
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	crypto_generichash_init(&st, (const uint8_t *)keyid_ctx,
	    sizeof(keyid_ctx) - 1, sizeof(h));
	crypto_generichash_update(&st, &k, 1);
	crypto_generichash_update(&st, pk, COFFER_PUBLIC_BYTES);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(id, h, COFFER_KEY_ID_BYTES);
	return 0;
}

int
coffer_key_import(struct coffer_key **out, enum coffer_key_kind kind,
    const uint8_t secret[COFFER_KEY_BYTES], const uint8_t *id,
    uint32_t version)
{
	struct coffer_key *k = NULL;
	uint8_t pk[COFFER_PUBLIC_BYTES];
	int r = COFFER_ERR_INTERNAL;

	*out = NULL;
	if (!kind_valid(kind) || secret == NULL ||
	    (kind == COFFER_KEY_SYMMETRIC && id == NULL)) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((k = sodium_malloc(sizeof(*k))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	memcpy(k->secret, secret, COFFER_KEY_BYTES);
	k->kind = kind;
	k->version = version;
	if (id != NULL)
		memcpy(k->id, id, COFFER_KEY_ID_BYTES);
	else if ((r = public_of(kind, secret, pk)) != 0 ||
	    (r = coffer_key_id_of_public(kind, pk, k->id)) != 0)
		goto out;
	*out = k;
	k = NULL;
	r = 0;
out:
	coffer_key_free(&k);
	return r;
}

int
coffer_key_generate(struct coffer_key **out, enum coffer_key_kind kind,
    uint32_t version)
{
	uint8_t secret[COFFER_KEY_BYTES], id[COFFER_KEY_ID_BYTES];
	int r;

	*out = NULL;
	if (!kind_valid(kind))
		return COFFER_ERR_INVALID;
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(secret, sizeof(secret));
	randombytes_buf(id, sizeof(id));
	r = coffer_key_import(out, kind, secret,
	    kind == COFFER_KEY_SYMMETRIC ? id : NULL, version);
	sodium_memzero(secret, sizeof(secret));
	return r;
}

void
coffer_key_free(struct coffer_key **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_free(*p);	/* wipes before unmapping */
	*p = NULL;
}

enum coffer_key_kind
coffer_key_kind(const struct coffer_key *k)
{
	return k->kind;
}

uint32_t
coffer_key_version(const struct coffer_key *k)
{
	return k->version;
}

const uint8_t *
coffer_key_id(const struct coffer_key *k)
{
	return k->id;
}

const uint8_t *
key_secret(const struct coffer_key *k)
{
	return k->secret;
}

int
coffer_key_public(const struct coffer_key *k, uint8_t pk[COFFER_PUBLIC_BYTES])
{
	return public_of(k->kind, k->secret, pk);
}

int
coffer_key_equal(const struct coffer_key *a, const struct coffer_key *b)
{
	if (a->kind != b->kind || a->version != b->version)
		return 0;
	return (sodium_memcmp(a->id, b->id, sizeof(a->id)) |
	    sodium_memcmp(a->secret, b->secret, sizeof(a->secret))) == 0;
}
