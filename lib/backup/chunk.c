/* Stored chunks (docs/PROTOCOL-backup.md, "Stored chunk"):
 *
 *   v2: version (1) | flags (1) | key version (4) | id version (4) |
 *       nonce (24) | ciphertext | tag (16)
 *   v1: version (1) | flags (1) | nonce (24) | ciphertext | tag (16)
 *
 * XChaCha20-Poly1305 under the data key of the key version, AD = id ||
 * type || the header before the nonce; the plaintext is the chunk,
 * zstd-compressed when flags has BK_FLAG_ZSTD, whose HMAC under the id
 * key of the id version is its id. Version 1 names neither version: both
 * are 1. Whether to compress is decided on a 64 KiB sample first so that
 * incompressible data costs one small attempt. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/sysendian.h"
#include "crypto/aead.h"

#define SAMPLE		(64u * 1024)
/* Compress only when the sample shrinks below 15/16 of its size. */
#define GAIN_NUM	15
#define GAIN_DEN	16

struct bk_zctx {
	ZSTD_CCtx	*c;
	ZSTD_DCtx	*d;
	int		 level;
	uint8_t		*scratch;
	size_t		 cap;
};

int
bk_zctx_new(struct bk_zctx **out, int level)
{
	struct bk_zctx *z;

	if ((z = calloc(1, sizeof(*z))) == NULL)
		return COFFER_ERR_NOMEM;
	z->level = level;
	if ((z->c = ZSTD_createCCtx()) == NULL ||
	    (z->d = ZSTD_createDCtx()) == NULL ||
	    (level > 0 && ZSTD_isError(ZSTD_CCtx_setParameter(z->c,
	    ZSTD_c_compressionLevel, level)))) {
		bk_zctx_free(&z);
		return COFFER_ERR_NOMEM;
	}
	*out = z;
	return 0;
}

void
bk_zctx_free(struct bk_zctx **p)
{
	struct bk_zctx *z;

	if (p == NULL || (z = *p) == NULL)
		return;
	ZSTD_freeCCtx(z->c);
	ZSTD_freeDCtx(z->d);
	if (z->scratch != NULL)
		sodium_memzero(z->scratch, z->cap);
	free(z->scratch);
	free(z);
	*p = NULL;
}

static int
zctx_scratch(struct bk_zctx *z, size_t n)
{
	uint8_t *p;

	if (n <= z->cap)
		return 0;
	if ((p = malloc(n)) == NULL)
		return COFFER_ERR_NOMEM;
	if (z->scratch != NULL)
		sodium_memzero(z->scratch, z->cap);
	free(z->scratch);
	z->scratch = p;
	z->cap = n;
	return 0;
}

size_t
bk_chunk_bound(size_t len)
{
	return len + BK_CHUNK_OVER;
}

/* AD = id | type | the header before the nonce. */
static size_t
chunk_ad(uint8_t ad[BK_ID + 1 + BK_CHUNK_HEAD], const uint8_t id[BK_ID],
    uint8_t type, const uint8_t *s, const struct bk_head *h)
{
	memcpy(ad, id, BK_ID);
	ad[BK_ID] = type;
	memcpy(ad + BK_ID + 1, s, h->len);
	return BK_ID + 1 + h->len;
}

int
bk_chunk_head(const uint8_t *s, size_t slen, struct bk_head *h)
{
	memset(h, 0, sizeof(*h));
	if (slen < 1)
		return COFFER_ERR_TRUNCATED;
	h->format = s[0];
	if (h->format == BK_FORMAT_V1) {
		if (slen < BK_CHUNK_OVER_V1)
			return COFFER_ERR_TRUNCATED;
		h->key = h->idv = 1;
		h->len = 2;
	} else if (h->format == BK_FORMAT) {
		if (slen < BK_CHUNK_OVER)
			return COFFER_ERR_TRUNCATED;
		h->key = be32dec(s + 2);
		h->idv = be32dec(s + 6);
		h->len = BK_CHUNK_HEAD;
		/* Ids come from the oldest version of a ring, the seal from
		 * its newest. */
		if (h->key == 0 || h->idv == 0 || h->idv > h->key)
			return COFFER_ERR_FORMAT;
	} else
		return COFFER_ERR_VERSION;
	h->flags = s[1];
	if ((h->flags & ~BK_FLAG_ZSTD) != 0)
		return COFFER_ERR_FORMAT;
	return 0;
}

uint32_t
bk_chunk_lacks(const struct bk_keyring *kr, const uint8_t *s, size_t slen)
{
	struct bk_head h;

	if (bk_chunk_head(s, slen, &h) != 0)
		return 0;
	if (bk_keyring_get(kr, h.key) == NULL)
		return h.key;
	return bk_keyring_get(kr, h.idv) == NULL ? h.idv : 0;
}

/* Compressed length of p into dst (cap bytes) when it gains, else 0.
 * One zstd frame, streamed: a chunk over 2 * SAMPLE goes in with its
 * first SAMPLE bytes flushed first, and stops there unless they shrank
 * enough; so a compressible chunk costs no second pass over its
 * sample. */
static size_t
chunk_compress(struct bk_zctx *z, const uint8_t *p, size_t len,
    uint8_t *dst, size_t cap)
{
	ZSTD_inBuffer in = { p, 0, 0 };
	ZSTD_outBuffer out = { dst, cap, 0 };
	size_t left;

	if (z->level <= 0 || len < 64)
		return 0;
	if (ZSTD_isError(ZSTD_CCtx_reset(z->c, ZSTD_reset_session_only)) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(z->c, len)))
		return 0;
	if (len > 2 * SAMPLE) {
		in.size = SAMPLE;
		left = ZSTD_compressStream2(z->c, &out, &in, ZSTD_e_flush);
		if (ZSTD_isError(left) || left != 0 ||
		    out.pos * GAIN_DEN > SAMPLE * GAIN_NUM)
			return 0;
	}
	in.size = len;
	left = ZSTD_compressStream2(z->c, &out, &in, ZSTD_e_end);
	if (ZSTD_isError(left) || left != 0 ||
	    out.pos * GAIN_DEN > len * GAIN_NUM)
		return 0;
	return out.pos;
}

int
bk_chunk_seal(struct bk_zctx *z, const struct bk_keyring *kr,
    const uint8_t id[BK_ID], uint8_t type, const uint8_t *p, size_t len,
    uint8_t *out, size_t *outlen)
{
	return bk_chunk_seal_det(z, kr, id, type, p, len, NULL, out, outlen);
}

int
bk_chunk_seal_det(struct bk_zctx *z, const struct bk_keyring *kr,
    const uint8_t id[BK_ID], uint8_t type, const uint8_t *p, size_t len,
    const uint8_t *nonce, uint8_t *out, size_t *outlen)
{
	const struct bk_keys *k = bk_keyring_newest(kr);
	uint8_t ad[BK_ID + 1 + BK_CHUNK_HEAD], *body = out + BK_CHUNK_HDR;
	struct bk_head h;
	size_t n, adlen;
	int r;

	if (len > BK_CHUNK_MAX)
		return COFFER_ERR_TOOBIG;
	n = chunk_compress(z, p, len, body, len);
	out[0] = BK_FORMAT;
	out[1] = n > 0 ? BK_FLAG_ZSTD : 0;
	be32enc(out + 2, k->version);
	be32enc(out + 6, bk_keyring_oldest(kr)->version);
	if (nonce != NULL)
		memcpy(out + BK_CHUNK_HEAD, nonce, BK_NONCE);
	else
		randombytes_buf(out + BK_CHUNK_HEAD, BK_NONCE);
	h.len = BK_CHUNK_HEAD;
	adlen = chunk_ad(ad, id, type, out, &h);
	if (n > 0)
		r = aead_seal(COFFER_AEAD_DEFAULT, body, body + n, body,
		    n, ad, adlen, out + BK_CHUNK_HEAD, k->data);
	else {
		n = len;
		r = aead_seal(COFFER_AEAD_DEFAULT, body, body + n, p, n,
		    ad, adlen, out + BK_CHUNK_HEAD, k->data);
	}
	if (r != 0)
		return r;
	*outlen = BK_CHUNK_OVER + n;
	return 0;
}

int
bk_chunk_open(struct bk_zctx *z, struct bk_hmac *h, const struct bk_keyring *kr,
    const uint8_t id[BK_ID], uint8_t type, const uint8_t *s, size_t slen,
    size_t rlen, uint8_t *out)
{
	const struct bk_keys *k, *ik;
	uint8_t ad[BK_ID + 1 + BK_CHUNK_HEAD], got[BK_ID];
	const uint8_t *nonce, *ct;
	struct bk_head hd;
	size_t clen, n, adlen;
	int r;

	if ((r = bk_chunk_head(s, slen, &hd)) != 0)
		return r;
	if (rlen > BK_CHUNK_MAX)
		return COFFER_ERR_TOOBIG;
	if ((k = bk_keyring_get(kr, hd.key)) == NULL ||
	    (ik = bk_keyring_get(kr, hd.idv)) == NULL)
		return COFFER_ERR_KEY;
	nonce = s + hd.len;
	ct = nonce + BK_NONCE;
	clen = slen - hd.len - BK_NONCE - BK_TAG;
	adlen = chunk_ad(ad, id, type, s, &hd);
	if (hd.flags == 0) {
		if (clen != rlen)
			return COFFER_ERR_FORMAT;
		if ((r = aead_open(COFFER_AEAD_DEFAULT, out, ct, clen,
		    ct + clen, ad, adlen, nonce, k->data)) != 0)
			return r;
	} else {
		if ((r = zctx_scratch(z, clen)) != 0)
			return r;
		if ((r = aead_open(COFFER_AEAD_DEFAULT, z->scratch, ct, clen,
		    ct + clen, ad, adlen, nonce, k->data)) != 0)
			return r;
		n = ZSTD_decompressDCtx(z->d, out, rlen, z->scratch, clen);
		if (ZSTD_isError(n) || n != rlen)
			return COFFER_ERR_FORMAT;
	}
	if ((r = bk_hmac_key(h, ik)) != 0 ||
	    (r = bk_hmac(h, out, rlen, got)) != 0)
		return r;
	if (sodium_memcmp(got, id, BK_ID) != 0)
		return COFFER_ERR_AUTH;
	return 0;
}
