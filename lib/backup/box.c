/* Sealed metadata boxes (docs/PROTOCOL-backup.md, "Box"): pack headers,
 * index segments and refs.
 *
 *   version (1) | nonce (24) | ciphertext | tag (16)
 *   plaintext = kind (1) | body length (u32) | body | zero padding
 *
 * XChaCha20-Poly1305 under the meta key with AD = version || binding (the
 * id of the pack or segment, or the ref's name), so a box moved to another
 * object fails to open. The kind and the padding are inside the
 * ciphertext: the server sees only a size. */
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/sysendian.h"
#include "crypto/aead.h"

#define AD_MAX	(1 + BK_ID)

static int
box_ad(uint8_t ad[AD_MAX], const uint8_t *bind, size_t bindlen, size_t *adlen)
{
	if (bindlen > BK_ID || (bind == NULL && bindlen > 0))
		return COFFER_ERR_INVALID;
	ad[0] = BK_VERSION;
	if (bindlen > 0)
		memcpy(ad + 1, bind, bindlen);
	*adlen = 1 + bindlen;
	return 0;
}

int
bk_box_seal(const struct bk_keys *k, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *body, size_t len, size_t total,
    struct coffer_buf *out)
{
	return bk_box_seal_det(k, kind, bind, bindlen, body, len, total, NULL,
	    out);
}

int
bk_box_seal_det(const struct bk_keys *k, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *body, size_t len, size_t total,
    const uint8_t *nonce, struct coffer_buf *out)
{
	uint8_t ad[AD_MAX], *p;
	size_t adlen, size, plen, old = coffer_buf_len(out);
	int r;

	if ((r = box_ad(ad, bind, bindlen, &adlen)) != 0)
		return r;
	if (len > COFFER_BSTORE_BLOB_MAX - BK_BOX_OVER)
		return COFFER_ERR_TOOBIG;
	size = BK_BOX_OVER + len;
	if (total > size)
		size = total;
	if (size > COFFER_BSTORE_BLOB_MAX)
		return COFFER_ERR_TOOBIG;
	if ((r = coffer_buf_extend(out, size, &p)) != 0)
		return r;
	plen = size - (1 + BK_NONCE + BK_TAG);
	p[0] = BK_VERSION;
	if (nonce != NULL)
		memcpy(p + 1, nonce, BK_NONCE);
	else
		randombytes_buf(p + 1, BK_NONCE);
	/* Plaintext in place (the extension is zeroed: padding included). */
	p[1 + BK_NONCE] = kind;
	be32enc(p + 2 + BK_NONCE, (uint32_t)len);
	if (len > 0)
		memcpy(p + 6 + BK_NONCE, body, len);
	if ((r = aead_seal(COFFER_AEAD_DEFAULT, p + 1 + BK_NONCE,
	    p + 1 + BK_NONCE + plen, p + 1 + BK_NONCE, plen, ad, adlen,
	    p + 1, k->meta)) != 0) {
		sodium_memzero(p, size);
		coffer_buf_truncate(out, old);
	}
	return r;
}

int
bk_box_open(const struct bk_keys *k, uint8_t *kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *box, size_t len, struct coffer_buf *out)
{
	uint8_t ad[AD_MAX], *p;
	size_t adlen, plen, blen, i;
	int r;

	coffer_buf_reset(out);
	if ((r = box_ad(ad, bind, bindlen, &adlen)) != 0)
		return r;
	if (len < BK_BOX_OVER)
		return COFFER_ERR_TRUNCATED;
	if (box[0] != BK_VERSION)
		return COFFER_ERR_VERSION;
	if (len > COFFER_BSTORE_BLOB_MAX)
		return COFFER_ERR_TOOBIG;
	plen = len - (1 + BK_NONCE + BK_TAG);
	if ((r = coffer_buf_extend(out, plen, &p)) != 0)
		return r;
	if ((r = aead_open(COFFER_AEAD_DEFAULT, p, box + 1 + BK_NONCE,
	    plen, box + 1 + BK_NONCE + plen, ad, adlen, box + 1,
	    k->meta)) != 0)
		goto fail;
	if (*kind != 0 && p[0] != *kind) {
		r = COFFER_ERR_CONTEXT;
		goto fail;
	}
	blen = be32dec(p + 1);
	if (blen > plen - 5) {
		r = COFFER_ERR_FORMAT;
		goto fail;
	}
	for (i = 5 + blen; i < plen; i++)
		if (p[i] != 0) {
			r = COFFER_ERR_FORMAT;
			goto fail;
		}
	*kind = p[0];
	memmove(p, p + 5, blen);
	coffer_buf_truncate(out, blen);
	return 0;
fail:
	coffer_buf_reset(out);
	return r;
}
