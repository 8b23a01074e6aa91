/* pairmsg_*: the pairing messages, CFPM v1 (docs/PROTOCOL-devices.md
 * §4.3). */
#include <coffer/err.h>
#include <coffer/kdf.h>

#include "core/reader.h"
#include "core/secret.h"
#include "core/sysendian.h"
#include "crypto/aead.h"
#include "keys/devlist.h"
#include "keys/pairmsg.h"

#include <string.h>

#include <sodium.h>

static const uint8_t msg_magic[4] = { 'C', 'F', 'P', 'M' };
static const char key_ctx[] = "coffer/pair-key/v1";

_Static_assert(PAIRMSG_NONCE_BYTES == AEAD_NONCEBYTES, "nonce size");
_Static_assert(PAIRMSG_AEAD_TAG_BYTES == AEAD_TAGBYTES, "tag size");
_Static_assert(PAIRMSG_HEADER_BYTES + 2 * PAIRMSG_POINT_BYTES +
    COFFER_DEVICE_CARD_BYTES + PAIRMSG_TAG_BYTES <= PAIRMSG_MAX,
    "steps 1 to 3 fit their cap");
_Static_assert(PAIRMSG_HEADER_BYTES + PAIRMSG_NONCE_BYTES +
    PAIRMSG_HEAD_FIXED + DEVLIST_ENTRY_MAX + PAIRMSG_AEAD_TAG_BYTES <=
    PAIRMSG_HEAD_MAX, "step 4 with the largest entry fits its cap");
_Static_assert(DEVLIST_ENTRY_MAX <= UINT16_MAX, "an entry's length is a u16");

/* Ya or Yb as the parser takes it: a canonical Ristretto255 encoding,
 * not the identity (CPace refuses both; refusing them here keeps the
 * parser's answer the whole story of a message's shape). */
static int
point_ok(const uint8_t p[PAIRMSG_POINT_BYTES])
{
	static const uint8_t identity[PAIRMSG_POINT_BYTES];

	return crypto_core_ristretto255_is_valid_point(p) == 1 &&
	    sodium_memcmp(p, identity, sizeof(identity)) != 0;
}

static void
header(uint8_t out[PAIRMSG_HEADER_BYTES], enum pairmsg_step step,
    const uint8_t pairing[PAIRMSG_ID_BYTES])
{
	memcpy(out, msg_magic, sizeof(msg_magic));
	out[4] = PAIRMSG_VERSION;
	out[5] = (uint8_t)step;
	memcpy(out + 6, pairing, PAIRMSG_ID_BYTES);
}

/* The body of steps 1 to 3, into ${m}. */
static int
read_body(struct reader *rd, struct pairmsg *m)
{
	int r;

	if (m->step == PAIRMSG_STEP_N_HELLO || m->step == PAIRMSG_STEP_E_HELLO) {
		if ((r = reader_copy(rd, m->point, sizeof(m->point))) != 0 ||
		    (r = reader_copy(rd, m->card_raw,
		    sizeof(m->card_raw))) != 0)
			return r;
	}
	if (m->step != PAIRMSG_STEP_N_HELLO &&
	    (r = reader_copy(rd, m->tag, sizeof(m->tag))) != 0)
		return r;
	if ((r = reader_end(rd)) != 0)
		return r;
	if (m->step == PAIRMSG_STEP_N_CONFIRM)
		return 0;
	if (!point_ok(m->point))
		return COFFER_ERR_FORMAT;
	return coffer_device_card_parse(&m->card, m->card_raw,
	    sizeof(m->card_raw));
}

int
pairmsg_parse(struct pairmsg *out, const uint8_t *p, size_t len)
{
	struct pairmsg m;
	struct reader rd;
	uint8_t step;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if (len > PAIRMSG_HEAD_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	reader_init(&rd, p, len);
	if ((r = reader_header(&rd, msg_magic, sizeof(msg_magic),
	    PAIRMSG_VERSION)) != 0)
		goto out;
	if ((r = reader_u8(&rd, &step)) != 0)
		goto out;
	if (step < PAIRMSG_STEP_N_HELLO || step > PAIRMSG_STEP_E_HEAD) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	m.step = (enum pairmsg_step)step;
	if ((r = reader_copy(&rd, m.pairing, sizeof(m.pairing))) != 0)
		goto out;
	if (m.step != PAIRMSG_STEP_E_HEAD) {
		/* Steps 1 to 3 are small: the cap of §7 holds for them. */
		if (len > PAIRMSG_MAX) {
			r = COFFER_ERR_TOOBIG;
			goto out;
		}
		if ((r = read_body(&rd, &m)) != 0)
			goto out;
	} else {
		m.sealed_len = reader_left(&rd);
		if (m.sealed_len < PAIRMSG_NONCE_BYTES + PAIRMSG_HEAD_FIXED +
		    PAIRMSG_AEAD_TAG_BYTES) {
			r = COFFER_ERR_TRUNCATED;
			goto out;
		}
		if ((r = reader_bytes(&rd, m.sealed_len, &m.sealed)) != 0)
			goto out;
	}
	*out = m;
out:
	return r;
}

int
pairmsg_encode(struct coffer_buf *out, const struct pairmsg *m)
{
	struct coffer_device_card card;
	uint8_t hdr[PAIRMSG_HEADER_BYTES];
	size_t len0 = coffer_buf_len(out);
	int hello, r = COFFER_ERR_INVALID;

	if (m == NULL || m->step < PAIRMSG_STEP_N_HELLO ||
	    m->step > PAIRMSG_STEP_N_CONFIRM)
		goto out;
	hello = m->step != PAIRMSG_STEP_N_CONFIRM;
	if (hello && (!point_ok(m->point) ||
	    coffer_device_card_parse(&card, m->card_raw,
	    sizeof(m->card_raw)) != 0))
		goto out;
	header(hdr, m->step, m->pairing);
	if ((r = coffer_buf_append(out, hdr, sizeof(hdr))) != 0 ||
	    (hello && ((r = coffer_buf_append(out, m->point,
	    sizeof(m->point))) != 0 || (r = coffer_buf_append(out,
	    m->card_raw, sizeof(m->card_raw))) != 0)) ||
	    (m->step != PAIRMSG_STEP_N_HELLO && (r = coffer_buf_append(out,
	    m->tag, sizeof(m->tag))) != 0))
		goto out;
out:
	if (r != 0)
		coffer_buf_truncate(out, len0);
	return r;
}

int
pairmsg_channel_key(struct coffer_key **out, const uint8_t *isk,
    size_t isk_len, const uint8_t pairing[PAIRMSG_ID_BYTES])
{
	uint8_t k[COFFER_KEY_BYTES];
	int r = COFFER_ERR_INVALID;

	*out = NULL;
	if (isk == NULL || isk_len == 0 || pairing == NULL)
		goto out;
	if ((r = coffer_kdf(k, sizeof(k), isk, isk_len, key_ctx, NULL,
	    0)) != 0)
		goto out;
	r = coffer_key_import(out, COFFER_KEY_SYMMETRIC, k, pairing, 1);
out:
	sodium_memzero(k, sizeof(k));
	return r;
}

int
pairmsg_head_encode(struct coffer_buf *out, const struct devlist_entry *head)
{
	size_t len0 = coffer_buf_len(out);
	int r = COFFER_ERR_INVALID;

	if (head == NULL || head->raw == NULL ||
	    head->raw_len > DEVLIST_ENTRY_MAX)
		goto out;
	if ((r = coffer_buf_append(out, head->account,
	    sizeof(head->account))) != 0 ||
	    (r = coffer_buf_put_u64(out, head->seq)) != 0 ||
	    (r = coffer_buf_append(out, head->hash, sizeof(head->hash))) != 0 ||
	    (r = coffer_buf_put_u16(out, (uint16_t)head->raw_len)) != 0 ||
	    (r = coffer_buf_append(out, head->raw, head->raw_len)) != 0)
		goto out;
out:
	if (r != 0)
		coffer_buf_truncate(out, len0);
	return r;
}

int
pairmsg_seal_det(struct coffer_buf *out,
    const uint8_t pairing[PAIRMSG_ID_BYTES], const struct coffer_key *k,
    const uint8_t *pt, size_t ptlen, const uint8_t *nonce)
{
	uint8_t hdr[PAIRMSG_HEADER_BYTES], *c;
	size_t len0 = coffer_buf_len(out);
	int r = COFFER_ERR_INVALID;

	if (pairing == NULL || k == NULL || nonce == NULL ||
	    (pt == NULL && ptlen > 0) ||
	    coffer_key_kind(k) != COFFER_KEY_SYMMETRIC)
		goto out;
	if (ptlen > PAIRMSG_HEAD_MAX - PAIRMSG_HEADER_BYTES -
	    PAIRMSG_NONCE_BYTES - PAIRMSG_AEAD_TAG_BYTES) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	header(hdr, PAIRMSG_STEP_E_HEAD, pairing);
	if ((r = coffer_buf_append(out, hdr, sizeof(hdr))) != 0 ||
	    (r = coffer_buf_append(out, nonce, PAIRMSG_NONCE_BYTES)) != 0 ||
	    (r = coffer_buf_extend(out, ptlen + PAIRMSG_AEAD_TAG_BYTES,
	    &c)) != 0)
		goto out;
	r = aead_seal(COFFER_AEAD_DEFAULT, c, c + ptlen, pt, ptlen, hdr,
	    sizeof(hdr), nonce, key_secret(k));
out:
	if (r != 0)
		coffer_buf_truncate(out, len0);
	return r;
}

int
pairmsg_seal_head(struct coffer_buf *out,
    const uint8_t pairing[PAIRMSG_ID_BYTES], const struct coffer_key *k,
    const struct devlist_entry *head)
{
	struct coffer_buf *pt = NULL;
	uint8_t nonce[PAIRMSG_NONCE_BYTES];
	int r;

	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((pt = coffer_buf_new_secret(PAIRMSG_HEAD_FIXED +
	    DEVLIST_ENTRY_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	randombytes_buf(nonce, sizeof(nonce));
	if ((r = pairmsg_head_encode(pt, head)) != 0)
		goto out;
	r = pairmsg_seal_det(out, pairing, k, coffer_buf_data(pt),
	    coffer_buf_len(pt), nonce);
out:
	coffer_buf_free(&pt);
	return r;
}

/* Step 4's plaintext into ${h}: the fixed fields and the entry they must
 * agree with. */
static int
read_head(struct pairmsg_head *h, const uint8_t *p, size_t len)
{
	struct reader rd;
	const uint8_t *entry;
	uint16_t elen;
	int r;

	reader_init(&rd, p, len);
	if ((r = reader_copy(&rd, h->account, sizeof(h->account))) != 0 ||
	    (r = reader_u64(&rd, &h->seq)) != 0 ||
	    (r = reader_copy(&rd, h->hash, sizeof(h->hash))) != 0 ||
	    (r = reader_u16(&rd, &elen)) != 0 ||
	    (r = reader_bytes(&rd, elen, &entry)) != 0 ||
	    (r = reader_end(&rd)) != 0 ||
	    (r = devlist_parse(&h->entry, entry, elen)) != 0)
		return r;
	if (h->seq != h->entry.seq ||
	    sodium_memcmp(h->account, h->entry.account,
	    sizeof(h->account)) != 0 ||
	    sodium_memcmp(h->hash, h->entry.hash, sizeof(h->hash)) != 0)
		return COFFER_ERR_FORMAT;
	return 0;
}

int
pairmsg_open_head(struct pairmsg_head *out, const uint8_t *p, size_t len,
    const uint8_t pairing[PAIRMSG_ID_BYTES], const struct coffer_key *k)
{
	struct pairmsg_head h;
	struct pairmsg m;
	struct coffer_buf *pt = NULL;
	uint8_t *q;
	size_t ctlen;
	int r = COFFER_ERR_INVALID;

	memset(&h, 0, sizeof(h));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out == NULL || (p == NULL && len > 0) || pairing == NULL ||
	    k == NULL || coffer_key_kind(k) != COFFER_KEY_SYMMETRIC)
		goto out;
	if ((r = pairmsg_parse(&m, p, len)) != 0)
		goto out;
	if (m.step != PAIRMSG_STEP_E_HEAD) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	if (sodium_memcmp(m.pairing, pairing, sizeof(m.pairing)) != 0) {
		r = COFFER_ERR_AUTH;
		goto out;
	}
	ctlen = m.sealed_len - PAIRMSG_NONCE_BYTES - PAIRMSG_AEAD_TAG_BYTES;
	if ((pt = coffer_buf_new_secret(ctlen)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = coffer_buf_extend(pt, ctlen, &q)) != 0)
		goto out;
	/* The header is the additional data: bytes 0 to 21 of p. */
	if ((r = aead_open(COFFER_AEAD_DEFAULT, q, m.sealed +
	    PAIRMSG_NONCE_BYTES, ctlen, m.sealed + PAIRMSG_NONCE_BYTES + ctlen,
	    p, PAIRMSG_HEADER_BYTES, m.sealed, key_secret(k))) != 0 ||
	    (r = read_head(&h, q, ctlen)) != 0)
		goto out;
	*out = h;
	memset(&h, 0, sizeof(h));
out:
	devlist_entry_cleanup(&h.entry);
	coffer_buf_free(&pt);
	return r;
}
