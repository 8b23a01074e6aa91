/* Sealed metadata boxes (docs/PROTOCOL-backup.md, "Box"): pack headers,
 * index segments and refs.
 *
 *   v2: version (1) | key version (4) | nonce (24) | ciphertext | tag (16)
 *   v1: version (1) | nonce (24) | ciphertext | tag (16)
 *   plaintext = kind (1) | body length (u32) | body | zero padding
 *
 * XChaCha20-Poly1305 under the meta key of the key version (1 in version
 * 1) with AD = the header before the nonce || binding (the id of the pack
 * or segment, or the ref's name), so a box moved to another object fails
 * to open. The kind and the padding are inside the ciphertext: the
 * server sees only a size and a key version. */
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/sysendian.h"
#include "crypto/aead.h"

#define AD_MAX	(BK_BOX_HEAD + BK_ID)

static int
box_ad(uint8_t ad[AD_MAX], const uint8_t *box, const struct bk_head *h,
    const uint8_t *bind, size_t bindlen, size_t *adlen)
{
	if (bindlen > BK_ID || (bind == NULL && bindlen > 0))
		return COFFER_ERR_INVALID;
	memcpy(ad, box, h->len);
	if (bindlen > 0)
		memcpy(ad + h->len, bind, bindlen);
	*adlen = h->len + bindlen;
	return 0;
}

int
bk_box_head(const uint8_t *box, size_t len, struct bk_head *h)
{
	memset(h, 0, sizeof(*h));
	if (len < 1)
		return COFFER_ERR_TRUNCATED;
	h->format = box[0];
	if (h->format == BK_FORMAT_V1) {
		if (len < BK_BOX_OVER_V1)
			return COFFER_ERR_TRUNCATED;
		h->key = 1;
		h->len = 1;
	} else if (h->format == BK_FORMAT) {
		if (len < BK_BOX_OVER)
			return COFFER_ERR_TRUNCATED;
		if ((h->key = be32dec(box + 1)) == 0)
			return COFFER_ERR_FORMAT;
		h->len = BK_BOX_HEAD;
	} else
		return COFFER_ERR_VERSION;
	return 0;
}

uint32_t
bk_box_lacks(const struct bk_keyring *kr, const uint8_t *box, size_t len)
{
	struct bk_head h;

	if (bk_box_head(box, len, &h) != 0 || bk_keyring_get(kr, h.key) != NULL)
		return 0;
	return h.key;
}

int
bk_box_seal(const struct bk_keyring *kr, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *body, size_t len, size_t total,
    struct coffer_buf *out)
{
	return bk_box_seal_det(kr, kind, bind, bindlen, body, len, total, NULL,
	    out);
}

int
bk_box_seal_det(const struct bk_keyring *kr, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *body, size_t len, size_t total,
    const uint8_t *nonce, struct coffer_buf *out)
{
	const struct bk_keys *k = bk_keyring_newest(kr);
	const size_t pre = BK_BOX_HEAD + BK_NONCE;
	uint8_t ad[AD_MAX], head[BK_BOX_HEAD], *p;
	struct bk_head h;
	size_t adlen, size, plen, old = coffer_buf_len(out);
	int r;

	head[0] = BK_FORMAT;
	be32enc(head + 1, k->version);
	h.len = BK_BOX_HEAD;
	if ((r = box_ad(ad, head, &h, bind, bindlen, &adlen)) != 0)
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
	plen = size - (pre + BK_TAG);
	memcpy(p, head, BK_BOX_HEAD);
	if (nonce != NULL)
		memcpy(p + BK_BOX_HEAD, nonce, BK_NONCE);
	else
		randombytes_buf(p + BK_BOX_HEAD, BK_NONCE);
	/* Plaintext in place (the extension is zeroed: padding included). */
	p[pre] = kind;
	be32enc(p + pre + 1, (uint32_t)len);
	if (len > 0)
		memcpy(p + pre + 5, body, len);
	if ((r = aead_seal(COFFER_AEAD_DEFAULT, p + pre, p + pre + plen,
	    p + pre, plen, ad, adlen, p + BK_BOX_HEAD, k->meta)) != 0) {
		sodium_memzero(p, size);
		coffer_buf_truncate(out, old);
	}
	return r;
}

int
bk_box_open(const struct bk_keyring *kr, uint8_t *kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *box, size_t len, struct coffer_buf *out)
{
	const struct bk_keys *k;
	uint8_t ad[AD_MAX], *p;
	struct bk_head h;
	size_t adlen, plen, blen, i, pre;
	int r;

	coffer_buf_reset(out);
	if ((r = bk_box_head(box, len, &h)) != 0)
		return r;
	if ((r = box_ad(ad, box, &h, bind, bindlen, &adlen)) != 0)
		return r;
	if (len > COFFER_BSTORE_BLOB_MAX)
		return COFFER_ERR_TOOBIG;
	if ((k = bk_keyring_get(kr, h.key)) == NULL)
		return COFFER_ERR_KEY;
	pre = h.len + BK_NONCE;
	plen = len - (pre + BK_TAG);
	if ((r = coffer_buf_extend(out, plen, &p)) != 0)
		return r;
	if ((r = aead_open(COFFER_AEAD_DEFAULT, p, box + pre, plen,
	    box + pre + plen, ad, adlen, box + h.len, k->meta)) != 0)
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
