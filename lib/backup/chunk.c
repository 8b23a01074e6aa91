/* Stored chunks (docs/PROTOCOL-backup.md, "Stored chunk"):
 *
 *   v2: version (1) | flags (1) | nonce (24) | masked key version (4) |
 *       masked id version (4) | ciphertext | tag (16)
 *   v1: version (1) | flags (1) | nonce (24) | ciphertext | tag (16)
 *
 * XChaCha20-Poly1305 under the data key of the key version, AD = id ||
 * type || version || flags || key version || id version (unmasked; v1:
 * id || type || version || flags); the plaintext is the chunk,
 * zstd-compressed when flags has BK_FLAG_ZSTD, whose HMAC under the id
 * key of the id version is its id. Version 1 names neither version: both
 * are 1. The two versions are XORed with the first 8 bytes of keyed
 * BLAKE2b-256 of the nonce under the header-protection key of the ring's
 * oldest version (as QUIC protects its packet numbers), so that a chunk's
 * start in a pack looks like two bytes then noise to the server. Whether
 * to compress is decided on a 64 KiB sample at the start, then, if that
 * does not gain, on windows of 4 KiB every 128 KiB across the rest, so
 * that incompressible data costs about a fifth of a full attempt and a
 * chunk that starts incompressible and goes on compressible (a disk
 * image's extent then zeros) is still compressed. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/sysendian.h"
#include "crypto/aead.h"

#define SAMPLE		(64u * 1024)
/* Try the whole chunk only when a sample or window shrinks below 15/16
 * of its size; then keep whichever form is smaller. */
#define GAIN_NUM	15
#define GAIN_DEN	16
/* Past a sample that does not gain: a window of PROBE bytes every
 * STRIDE. */
#define PROBE		(4u * 1024)
#define STRIDE		(128u * 1024)
/* id | type | version | flags | key version | id version */
#define AD_MAX		(BK_ID + 1 + 2 + BK_CHUNK_MASK)

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

/* AD = id | type | version | flags, then in format 2 the unmasked key
 * version and id version. */
static size_t
chunk_ad(uint8_t ad[AD_MAX], const uint8_t id[BK_ID], uint8_t type,
    const struct bk_head *h)
{
	memcpy(ad, id, BK_ID);
	ad[BK_ID] = type;
	ad[BK_ID + 1] = h->format;
	ad[BK_ID + 2] = h->flags;
	if (h->format == BK_FORMAT_V1)
		return BK_ID + 3;
	be32enc(ad + BK_ID + 3, h->key);
	be32enc(ad + BK_ID + 7, h->idv);
	return BK_ID + 11;
}

/* XOR the 8 version bytes at v with the mask of the nonce under the
 * header-protection key of the oldest version of kr. */
static void
chunk_mask(const struct bk_keyring *kr, const uint8_t *nonce, uint8_t *v)
{
	uint8_t m[crypto_generichash_BYTES];
	size_t i;

	/* Cannot fail: the lengths are within BLAKE2b's bounds. */
	(void)crypto_generichash(m, sizeof(m), nonce, BK_NONCE,
	    bk_keyring_oldest(kr)->hp, sizeof(bk_keyring_oldest(kr)->hp));
	for (i = 0; i < BK_CHUNK_MASK; i++)
		v[i] ^= m[i];
	sodium_memzero(m, sizeof(m));
}

int
bk_chunk_head(const struct bk_keyring *kr, const uint8_t *s, size_t slen,
    struct bk_head *h)
{
	uint8_t v[BK_CHUNK_MASK];

	memset(h, 0, sizeof(*h));
	if (slen < 1)
		return COFFER_ERR_TRUNCATED;
	h->format = s[0];
	if (h->format == BK_FORMAT_V1) {
		if (slen < BK_CHUNK_OVER_V1)
			return COFFER_ERR_TRUNCATED;
		h->key = h->idv = 1;
		h->len = BK_CHUNK_VERS;
	} else if (h->format == BK_FORMAT) {
		if (slen < BK_CHUNK_OVER)
			return COFFER_ERR_TRUNCATED;
		memcpy(v, s + BK_CHUNK_VERS, sizeof(v));
		chunk_mask(kr, s + BK_CHUNK_NONCE, v);
		h->key = be32dec(v);
		h->idv = be32dec(v + 4);
		h->len = BK_CHUNK_HDR;
	} else
		return COFFER_ERR_VERSION;
	h->flags = s[1];
	if ((h->flags & ~BK_FLAG_ZSTD) != 0)
		return COFFER_ERR_FORMAT;
	return 0;
}

/* Did the versions unmask to ones a writer of this ring makes? The id
 * version is the oldest of the writer's ring, which also masks, and the
 * key version its newest: an id version this ring lacks, or a key
 * version below it, means the bytes were altered or masked under
 * another ring's key, and the versions are noise. */
static int
chunk_unmasked(const struct bk_keyring *kr, const struct bk_head *h)
{
	return h->format == BK_FORMAT_V1 ||
	    (bk_keyring_get(kr, h->idv) != NULL && h->key >= h->idv);
}

uint32_t
bk_chunk_lacks(const struct bk_keyring *kr, const uint8_t *s, size_t slen)
{
	struct bk_head h;

	if (bk_chunk_head(kr, s, slen, &h) != 0 || !chunk_unmasked(kr, &h))
		return 0;
	return bk_keyring_get(kr, h.key) == NULL ? h.key : 0;
}

/* Whether a window past the first SAMPLE bytes of p gains; dst (cap
 * bytes, at least SAMPLE) is scratch. The context's parameters are set
 * again afterwards. */
static int
chunk_probe(struct bk_zctx *z, const uint8_t *p, size_t len, uint8_t *dst,
    size_t cap)
{
	size_t off, w, n;
	int gain = 0;

	for (off = SAMPLE; off + 64 <= len && !gain; off += STRIDE) {
		w = len - off < PROBE ? len - off : PROBE;
		n = ZSTD_compressCCtx(z->c, dst, cap, p + off, w, z->level);
		gain = !ZSTD_isError(n) && n * GAIN_DEN <= w * GAIN_NUM;
	}
	if (ZSTD_isError(ZSTD_CCtx_reset(z->c,
	    ZSTD_reset_session_and_parameters)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->c,
	    ZSTD_c_compressionLevel, z->level)) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(z->c, len)))
		return 0;
	return gain;
}

/* Compressed length of p into dst (cap bytes) when it gains, else 0.
 * One zstd frame, streamed: a chunk over 2 * SAMPLE goes in with its
 * first SAMPLE bytes flushed first; if they did not shrink enough, the
 * rest is probed (chunk_probe) and compressed from the start only if a
 * window gains. A compressible start costs no second pass over it. */
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
		if (ZSTD_isError(left) || left != 0)
			return 0;
		if (out.pos * GAIN_DEN > SAMPLE * GAIN_NUM) {
			if (!chunk_probe(z, p, len, dst, cap))
				return 0;
			in.pos = 0;
			out.pos = 0;
		}
	}
	in.size = len;
	left = ZSTD_compressStream2(z->c, &out, &in, ZSTD_e_end);
	/* Once tried in full, the smaller form is kept. */
	if (ZSTD_isError(left) || left != 0 || out.pos >= len)
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
	uint8_t ad[AD_MAX], *body = out + BK_CHUNK_HDR;
	uint8_t *nc = out + BK_CHUNK_NONCE;
	struct bk_head h;
	size_t n, adlen;
	int r;

	if (len > BK_CHUNK_MAX)
		return COFFER_ERR_TOOBIG;
	n = chunk_compress(z, p, len, body, len);
	h.format = out[0] = BK_FORMAT;
	h.flags = out[1] = n > 0 ? BK_FLAG_ZSTD : 0;
	h.key = k->version;
	h.idv = bk_keyring_oldest(kr)->version;
	if (nonce != NULL)
		memcpy(nc, nonce, BK_NONCE);
	else
		randombytes_buf(nc, BK_NONCE);
	be32enc(out + BK_CHUNK_VERS, h.key);
	be32enc(out + BK_CHUNK_VERS + 4, h.idv);
	chunk_mask(kr, nc, out + BK_CHUNK_VERS);
	adlen = chunk_ad(ad, id, type, &h);
	if (n > 0)
		r = aead_seal(COFFER_AEAD_DEFAULT, body, body + n, body,
		    n, ad, adlen, nc, k->data);
	else {
		n = len;
		r = aead_seal(COFFER_AEAD_DEFAULT, body, body + n, p, n,
		    ad, adlen, nc, k->data);
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
	uint8_t ad[AD_MAX], got[BK_ID];
	const uint8_t *nonce, *ct;
	struct bk_head hd;
	size_t clen, n, adlen;
	int r;

	if ((r = bk_chunk_head(kr, s, slen, &hd)) != 0)
		return r;
	if (rlen > BK_CHUNK_MAX)
		return COFFER_ERR_TOOBIG;
	if (!chunk_unmasked(kr, &hd))
		return COFFER_ERR_AUTH;
	if ((k = bk_keyring_get(kr, hd.key)) == NULL ||
	    (ik = bk_keyring_get(kr, hd.idv)) == NULL)
		return COFFER_ERR_KEY;
	nonce = s + BK_CHUNK_NONCE;
	ct = s + hd.len;
	clen = slen - hd.len - BK_TAG;
	adlen = chunk_ad(ad, id, type, &hd);
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
