/* coffer_device_*: device identity and the device card, see
 * docs/PROTOCOL-keys.md. */
#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/sign.h>

#include "core/reader.h"
#include "core/sysendian.h"
#include "keys/device_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const uint8_t card_magic[4] = { 'C', 'F', 'D', 'C' };
static const char card_ctx[] = "coffer/device-card/v1";

/* Bytes of a card before its signature: what the signature covers. */
#define CARD_SIGNED_BYTES	(COFFER_DEVICE_CARD_BYTES - COFFER_SIGN_BYTES)

_Static_assert(CARD_SIGNED_BYTES == 4 + 1 + COFFER_DEVICE_ID_BYTES + 4 +
    COFFER_PUBLIC_BYTES + 4 + COFFER_PUBLIC_BYTES, "device card layout");

struct coffer_device {
	uint8_t			 id[COFFER_DEVICE_ID_BYTES];
	struct coffer_key	*sign;
	struct coffer_key	*agree;
	uint8_t			 sign_pk[COFFER_PUBLIC_BYTES];
	uint8_t			 agree_pk[COFFER_PUBLIC_BYTES];
};

int
device_assemble(struct coffer_device **out,
    const uint8_t id[COFFER_DEVICE_ID_BYTES], struct coffer_key **sign,
    struct coffer_key **agree)
{
	struct coffer_device *d = NULL;
	int r = COFFER_ERR_INVALID;

	*out = NULL;
	if (id == NULL || sign == NULL || *sign == NULL || agree == NULL ||
	    *agree == NULL || coffer_key_kind(*sign) != COFFER_KEY_ED25519 ||
	    coffer_key_kind(*agree) != COFFER_KEY_X25519)
		goto out;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = coffer_key_public(*sign, d->sign_pk)) != 0 ||
	    (r = coffer_key_public(*agree, d->agree_pk)) != 0)
		goto out;
	memcpy(d->id, id, COFFER_DEVICE_ID_BYTES);
	d->sign = *sign;
	d->agree = *agree;
	*sign = NULL;
	*agree = NULL;
	*out = d;
	d = NULL;
out:
	free(d);	/* holds no key until it is handed out */
	return r;
}

int
coffer_device_generate(struct coffer_device **out)
{
	struct coffer_key *sign = NULL, *agree = NULL;
	uint8_t id[COFFER_DEVICE_ID_BYTES];
	int r;

	*out = NULL;
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	randombytes_buf(id, sizeof(id));
	if ((r = coffer_key_generate(&sign, COFFER_KEY_ED25519, 1)) != 0 ||
	    (r = coffer_key_generate(&agree, COFFER_KEY_X25519, 1)) != 0)
		goto out;
	r = device_assemble(out, id, &sign, &agree);
out:
	coffer_key_free(&sign);
	coffer_key_free(&agree);
	return r;
}

int
device_import(struct coffer_device **out,
    const uint8_t id[COFFER_DEVICE_ID_BYTES],
    const uint8_t sign_seed[COFFER_KEY_BYTES], uint32_t sign_version,
    const uint8_t agree_secret[COFFER_KEY_BYTES], uint32_t agree_version)
{
	struct coffer_key *sign = NULL, *agree = NULL;
	int r;

	*out = NULL;
	if ((r = coffer_key_import(&sign, COFFER_KEY_ED25519, sign_seed, NULL,
	    sign_version)) == 0 &&
	    (r = coffer_key_import(&agree, COFFER_KEY_X25519, agree_secret, NULL,
	    agree_version)) == 0)
		r = device_assemble(out, id, &sign, &agree);
	coffer_key_free(&sign);
	coffer_key_free(&agree);
	return r;
}

int
device_equal(const struct coffer_device *a,
    const struct coffer_device *b)
{
	return sodium_memcmp(coffer_device_id(a), coffer_device_id(b),
	    COFFER_DEVICE_ID_BYTES) == 0 &&
	    coffer_key_equal(coffer_device_sign_key(a),
	    coffer_device_sign_key(b)) &&
	    coffer_key_equal(coffer_device_agree_key(a),
	    coffer_device_agree_key(b));
}

void
coffer_device_free(struct coffer_device **p)
{
	if (p == NULL || *p == NULL)
		return;
	coffer_key_free(&(*p)->sign);
	coffer_key_free(&(*p)->agree);
	sodium_memzero(*p, sizeof(**p));
	free(*p);
	*p = NULL;
}

const uint8_t *
coffer_device_id(const struct coffer_device *d)
{
	return d->id;
}

const struct coffer_key *
coffer_device_sign_key(const struct coffer_device *d)
{
	return d->sign;
}

const struct coffer_key *
coffer_device_agree_key(const struct coffer_device *d)
{
	return d->agree;
}

const uint8_t *
coffer_device_sign_public(const struct coffer_device *d)
{
	return d->sign_pk;
}

const uint8_t *
coffer_device_agree_public(const struct coffer_device *d)
{
	return d->agree_pk;
}

/* The signed part of a card, into a fixed array. */
static void
card_signed_bytes(uint8_t out[CARD_SIGNED_BYTES],
    const struct coffer_device_card *c)
{
	uint8_t *p = out;

	memcpy(p, card_magic, sizeof(card_magic));
	p += sizeof(card_magic);
	*p++ = COFFER_DEVICE_CARD_VERSION;
	memcpy(p, c->device_id, COFFER_DEVICE_ID_BYTES);
	p += COFFER_DEVICE_ID_BYTES;
	be32enc(p, c->sign_version);
	p += 4;
	memcpy(p, c->sign_pk, COFFER_PUBLIC_BYTES);
	p += COFFER_PUBLIC_BYTES;
	be32enc(p, c->agree_version);
	p += 4;
	memcpy(p, c->agree_pk, COFFER_PUBLIC_BYTES);
}

int
device_card_write(struct coffer_buf *out,
    const struct coffer_device_card *card)
{
	uint8_t b[CARD_SIGNED_BYTES];
	size_t start = coffer_buf_len(out);
	int r;

	card_signed_bytes(b, card);
	if ((r = coffer_buf_append(out, b, sizeof(b))) != 0 ||
	    (r = coffer_buf_append(out, card->sig, COFFER_SIGN_BYTES)) != 0)
		coffer_buf_truncate(out, start);
	return r;
}

int
coffer_device_card_encode(struct coffer_buf *out,
    const struct coffer_device *d)
{
	struct coffer_device_card c;
	uint8_t b[CARD_SIGNED_BYTES];
	int r;

	memset(&c, 0, sizeof(c));
	memcpy(c.device_id, d->id, COFFER_DEVICE_ID_BYTES);
	c.sign_version = coffer_key_version(d->sign);
	memcpy(c.sign_pk, d->sign_pk, COFFER_PUBLIC_BYTES);
	c.agree_version = coffer_key_version(d->agree);
	memcpy(c.agree_pk, d->agree_pk, COFFER_PUBLIC_BYTES);
	card_signed_bytes(b, &c);
	if ((r = coffer_sign(c.sig, d->sign, card_ctx, b, sizeof(b))) != 0)
		return r;
	return device_card_write(out, &c);
}

/* An X25519 public key we accept from a peer: the canonical encoding of a
 * field element (top bit clear, below 2^255 - 19) and not of small order
 * (a clamped scalar times it would be the identity). */
static int
x25519_public_ok(const uint8_t pk[COFFER_PUBLIC_BYTES])
{
	static const uint8_t probe[32] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
	    0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	    0x2c, 0x2d, 0x2e, 0x2f };
	uint8_t q[32];
	size_t i;
	int ones = 1, ok;

	if (pk[31] & 0x80)
		return 0;
	/* p = 2^255 - 19 is 0xed ff..ff 0x7f (little-endian). */
	for (i = 1; i < 31; i++)
		ones &= pk[i] == 0xff;
	if (ones && pk[31] == 0x7f && pk[0] >= 0xed)
		return 0;
	ok = crypto_scalarmult(q, probe, pk) == 0;
	sodium_memzero(q, sizeof(q));
	return ok;
}

int
coffer_device_card_parse(struct coffer_device_card *card, const uint8_t *p,
    size_t len)
{
	struct reader rd;
	struct coffer_device_card c;
	int r;

	memset(card, 0, sizeof(*card));
	memset(&c, 0, sizeof(c));
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	reader_init(&rd, p, len);
	if ((r = reader_header(&rd, card_magic, sizeof(card_magic),
	    COFFER_DEVICE_CARD_VERSION)) != 0)
		goto out;
	if ((r = reader_copy(&rd, c.device_id, sizeof(c.device_id))) != 0 ||
	    (r = reader_u32(&rd, &c.sign_version)) != 0 ||
	    (r = reader_copy(&rd, c.sign_pk, sizeof(c.sign_pk))) != 0 ||
	    (r = reader_u32(&rd, &c.agree_version)) != 0 ||
	    (r = reader_copy(&rd, c.agree_pk, sizeof(c.agree_pk))) != 0 ||
	    (r = reader_copy(&rd, c.sig, sizeof(c.sig))) != 0 ||
	    (r = reader_end(&rd)) != 0)
		goto out;
	if (c.sign_version == 0 || c.agree_version == 0 ||
	    crypto_core_ed25519_is_valid_point(c.sign_pk) != 1 ||
	    !x25519_public_ok(c.agree_pk)) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	if ((r = coffer_sign_verify(c.sig, c.sign_pk, card_ctx, p,
	    CARD_SIGNED_BYTES)) != 0)
		goto out;
	*card = c;
out:
	return r;
}
