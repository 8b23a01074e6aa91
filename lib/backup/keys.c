/* The repository's keys (docs/PROTOCOL-backup.md, "Keys"), Padmé sizes and
 * chunk ids (HMAC-SHA-256 through OpenSSL's EVP_MAC, one context per
 * thread, re-initialised with its key kept). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include <coffer/err.h>
#include <coffer/kdf.h>

#include "backup/format.h"
#include "core/secret.h"

#define CTX_ID		"coffer/backup-id/v1"
#define CTX_DATA	"coffer/backup-data/v1"
#define CTX_META	"coffer/backup-meta/v1"
#define CTX_CDC		"coffer/backup-cdc/v1"

int
bk_keys_new(struct bk_keys **out, const struct coffer_key *zone)
{
	struct bk_keys *k = NULL;
	const uint8_t *s;
	int r = COFFER_ERR_INTERNAL;

	if (out == NULL || zone == NULL ||
	    coffer_key_kind(zone) != COFFER_KEY_SYMMETRIC) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if ((k = sodium_malloc(sizeof(*k))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	memset(k, 0, sizeof(*k));
	s = key_secret(zone);
	if ((r = coffer_kdf(k->id, sizeof(k->id), s, COFFER_KEY_BYTES, CTX_ID,
	    NULL, 0)) != 0 ||
	    (r = coffer_kdf(k->data, sizeof(k->data), s, COFFER_KEY_BYTES,
	    CTX_DATA, NULL, 0)) != 0 ||
	    (r = coffer_kdf(k->meta, sizeof(k->meta), s, COFFER_KEY_BYTES,
	    CTX_META, NULL, 0)) != 0 ||
	    (r = coffer_kdf_key(&k->cdc, zone, CTX_CDC, NULL, 0, 1)) != 0)
		goto out;
	*out = k;
	k = NULL;
out:
	bk_keys_free(&k);
	return r;
}

void
bk_keys_free(struct bk_keys **p)
{
	struct bk_keys *k;

	if (p == NULL || (k = *p) == NULL)
		return;
	coffer_key_free(&k->cdc);
	sodium_memzero(k, sizeof(*k));
	sodium_free(k);
	*p = NULL;
}

uint64_t
bk_padme(uint64_t len)
{
	unsigned e = 0, s = 0, low;
	uint64_t v, mask;

	if (len < 2)
		return len;
	for (v = len; v > 1; v >>= 1)
		e++;
	for (v = e; v > 0; v >>= 1)
		s++;
	low = e - s;
	mask = ((uint64_t)1 << low) - 1;
	return (len + mask) & ~mask;
}

struct bk_hmac {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
};

int
bk_hmac_new(struct bk_hmac **out, const struct bk_keys *k)
{
	struct bk_hmac *h;
	OSSL_PARAM params[2];
	char digest[] = "SHA256";

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return COFFER_ERR_NOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (h->ctx = EVP_MAC_CTX_new(h->mac)) == NULL ||
	    EVP_MAC_init(h->ctx, k->id, sizeof(k->id), params) != 1) {
		bk_hmac_free(&h);
		return COFFER_ERR_CRYPTO;
	}
	*out = h;
	return 0;
}

void
bk_hmac_free(struct bk_hmac **p)
{
	struct bk_hmac *h;

	if (p == NULL || (h = *p) == NULL)
		return;
	EVP_MAC_CTX_free(h->ctx);	/* OpenSSL wipes the key schedule */
	EVP_MAC_free(h->mac);
	free(h);
	*p = NULL;
}

int
bk_hmac(struct bk_hmac *h, const uint8_t *p, size_t len, uint8_t id[BK_ID])
{
	size_t outl = 0;

	/* A NULL key re-initialises HMAC with the key already set. */
	if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(h->ctx, p, len) != 1 ||
	    EVP_MAC_final(h->ctx, id, &outl, BK_ID) != 1 || outl != BK_ID)
		return COFFER_ERR_CRYPTO;
	return 0;
}
