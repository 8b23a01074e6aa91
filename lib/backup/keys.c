/* The repository's key ring (docs/PROTOCOL-backup.md, "Keys"): the keys
 * of every version of the backup set's zone key, sorted by version;
 * chunk ids (HMAC-SHA-256 through OpenSSL's EVP_MAC, one
 * context per thread, re-initialised with its key kept). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/err.h>
#include <coffer/kdf.h>

#include "backup/format.h"
#include "core/secret.h"

#define CTX_ID		"coffer/backup-id/v1"
#define CTX_DATA	"coffer/backup-data/v1"
#define CTX_META	"coffer/backup-meta/v1"
#define CTX_CDC		"coffer/backup-cdc/v1"
#define CTX_HP		"coffer/backup-hp/v1"
#define CTX_BLOB	"coffer/backup-blob/v1"
#define BLOB_TAG	16

static int
keys_derive(struct bk_keys *k, const struct coffer_key *zone)
{
	const uint8_t *s = key_secret(zone);
	int r;

	k->version = coffer_key_version(zone);
	if ((r = coffer_kdf(k->id, sizeof(k->id), s, COFFER_KEY_BYTES, CTX_ID,
	    NULL, 0)) != 0 ||
	    (r = coffer_kdf(k->data, sizeof(k->data), s, COFFER_KEY_BYTES,
	    CTX_DATA, NULL, 0)) != 0 ||
	    (r = coffer_kdf(k->hp, sizeof(k->hp), s, COFFER_KEY_BYTES, CTX_HP,
	    NULL, 0)) != 0 ||
	    (r = coffer_kdf(k->blob, sizeof(k->blob), s, COFFER_KEY_BYTES,
	    CTX_BLOB, NULL, 0)) != 0)
		return r;
	return coffer_kdf(k->meta, sizeof(k->meta), s, COFFER_KEY_BYTES,
	    CTX_META, NULL, 0);
}

int
bk_keyring_new(struct bk_keyring **out, const struct coffer_key *const *zones,
    size_t n)
{
	struct bk_keyring *kr = NULL;
	const struct coffer_key *oldest = NULL;
	struct bk_keys t;
	size_t i, j;
	int r = COFFER_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || zones == NULL || n == 0 ||
	    n > COFFER_BACKUP_KEYS_MAX) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (zones[i] == NULL ||
		    coffer_key_kind(zones[i]) != COFFER_KEY_SYMMETRIC ||
		    coffer_key_version(zones[i]) == 0) {
			r = COFFER_ERR_INVALID;
			goto out;
		}
	if ((kr = calloc(1, sizeof(*kr))) == NULL ||
	    (kr->v = sodium_malloc(n * sizeof(*kr->v))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	memset(kr->v, 0, n * sizeof(*kr->v));
	kr->n = n;
	/* Derive, keeping the array sorted by version (insertion: a ring
	 * grows by one a device removal); a version given twice is
	 * refused. */
	for (i = 0; i < n; i++) {
		if ((r = keys_derive(&kr->v[i], zones[i])) != 0)
			goto out;
		if (oldest == NULL ||
		    coffer_key_version(zones[i]) < coffer_key_version(oldest))
			oldest = zones[i];
		for (j = i; j > 0 && kr->v[j - 1].version >= kr->v[j].version;
		    j--) {
			if (kr->v[j - 1].version == kr->v[j].version) {
				r = COFFER_ERR_INVALID;
				goto out;
			}
			t = kr->v[j];
			kr->v[j] = kr->v[j - 1];
			kr->v[j - 1] = t;
		}
	}
	if ((r = coffer_kdf_key(&kr->cdc, oldest, CTX_CDC, NULL, 0, 1)) != 0)
		goto out;
	*out = kr;
	kr = NULL;
out:
	sodium_memzero(&t, sizeof(t));
	bk_keyring_free(&kr);
	return r;
}

void
bk_keyring_free(struct bk_keyring **p)
{
	struct bk_keyring *kr;

	if (p == NULL || (kr = *p) == NULL)
		return;
	coffer_key_free(&kr->cdc);
	if (kr->v != NULL) {
		sodium_memzero(kr->v, kr->n * sizeof(*kr->v));
		sodium_free(kr->v);
	}
	free(kr);
	*p = NULL;
}

const struct bk_keys *
bk_keyring_get(const struct bk_keyring *kr, uint32_t version)
{
	size_t lo = 0, hi = kr->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kr->v[mid].version == version)
			return &kr->v[mid];
		if (kr->v[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct bk_keys *
bk_keyring_newest(const struct bk_keyring *kr)
{
	return &kr->v[kr->n - 1];
}

const struct bk_keys *
bk_keyring_oldest(const struct bk_keyring *kr)
{
	return &kr->v[0];
}

struct bk_hmac {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
	uint32_t	 version;	/* of the id key it holds */
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
	h->version = k->version;
	*out = h;
	return 0;
}

int
bk_hmac_key(struct bk_hmac *h, const struct bk_keys *k)
{
	if (h->version == k->version)
		return 0;
	/* The digest set at creation stays. */
	if (EVP_MAC_init(h->ctx, k->id, sizeof(k->id), NULL) != 1)
		return COFFER_ERR_CRYPTO;
	h->version = k->version;
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

static void
blob_tag(const struct bk_keyring *kr, const uint8_t rnd[BK_ID - BLOB_TAG],
    uint8_t tag[BLOB_TAG])
{
	const struct bk_keys *o = bk_keyring_oldest(kr);

	(void)crypto_generichash(tag, BLOB_TAG, rnd, BK_ID - BLOB_TAG, o->blob,
	    sizeof(o->blob));
}

void
bk_blob_id(const struct bk_keyring *kr, uint8_t id[BK_ID])
{
	randombytes_buf(id, BK_ID - BLOB_TAG);
	blob_tag(kr, id, id + BK_ID - BLOB_TAG);
}

int
bk_blob_ours(const struct bk_keyring *kr, const uint8_t id[BK_ID])
{
	uint8_t tag[BLOB_TAG];
	int ours;

	blob_tag(kr, id, tag);
	ours = crypto_verify_16(tag, id + BK_ID - BLOB_TAG) == 0;
	sodium_memzero(tag, sizeof(tag));
	return ours;
}
