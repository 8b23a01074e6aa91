/* coffer_oprf_*: RFC 9497 modeOPRF with ristretto255-SHA512. The group
 * arithmetic, the hash-to-group map and SHA-512 are libsodium's; this file
 * adds expand_message_xmd (RFC 9380 section 5.3.1) and the RFC's framing.
 * Checked against RFC 9497 appendix A.1.1 by tests/lib/test_oprf.c. */
#include <coffer/err.h>

#include "auth/oprf.h"
#include "core/sysendian.h"

#include <string.h>

#include <sodium.h>

#define NE	OPRF_ELEMENT_BYTES
#define NS	OPRF_SCALAR_BYTES
#define NH	OPRF_HASH_BYTES

_Static_assert(NE == crypto_core_ristretto255_BYTES, "element size");
_Static_assert(NS == crypto_core_ristretto255_SCALARBYTES, "scalar size");
_Static_assert(NH == crypto_hash_sha512_BYTES, "hash size");
_Static_assert(crypto_core_ristretto255_HASHBYTES == 64, "from_hash input");

/* contextString = "OPRFV1-" || I2OSP(modeOPRF = 0, 1) || "-" ||
 * "ristretto255-SHA512" (RFC 9497 section 3.1). It holds a zero byte, so
 * it is a byte array, not a C string. */
static const uint8_t context_string[] = {
	'O', 'P', 'R', 'F', 'V', '1', '-', 0x00, '-',
	'r', 'i', 's', 't', 'r', 'e', 't', 't', 'o', '2', '5', '5', '-',
	'S', 'H', 'A', '5', '1', '2',
};

#define DST_MAX	64

/* dst = prefix || contextString; returns its length. */
static size_t
make_dst(uint8_t dst[DST_MAX], const char *prefix)
{
	size_t n = strlen(prefix);

	memcpy(dst, prefix, n);
	memcpy(dst + n, context_string, sizeof(context_string));
	return n + sizeof(context_string);
}

int
oprf_expand_xmd(uint8_t *out, size_t outlen, const uint8_t *msg,
    size_t msglen, const uint8_t *dst, size_t dstlen)
{
	static const uint8_t z_pad[128];	/* s_in_bytes of SHA-512 */
	crypto_hash_sha512_state st;
	uint8_t b0[NH], bi[NH], x[NH], lib[2], ctr, dlen, zero = 0;
	size_t ell, i, j, n, done = 0;

	if (out == NULL || outlen == 0 || outlen > 65535 ||
	    (ell = (outlen + NH - 1) / NH) > 255 || dst == NULL ||
	    dstlen == 0 || dstlen > 255 || (msg == NULL && msglen != 0))
		return COFFER_ERR_INVALID;
	be16enc(lib, (uint16_t)outlen);
	dlen = (uint8_t)dstlen;

	/* b_0 = H(Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime) */
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, z_pad, sizeof(z_pad));
	if (msglen > 0)
		crypto_hash_sha512_update(&st, msg, msglen);
	crypto_hash_sha512_update(&st, lib, 2);
	crypto_hash_sha512_update(&st, &zero, 1);
	crypto_hash_sha512_update(&st, dst, dstlen);
	crypto_hash_sha512_update(&st, &dlen, 1);
	crypto_hash_sha512_final(&st, b0);

	/* b_1 = H(b_0 || 1 || DST_prime);
	 * b_i = H(strxor(b_0, b_(i-1)) || i || DST_prime) */
	memcpy(x, b0, NH);
	for (i = 1; i <= ell; i++) {
		if (i > 1)
			for (j = 0; j < NH; j++)
				x[j] = b0[j] ^ bi[j];
		ctr = (uint8_t)i;
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, x, NH);
		crypto_hash_sha512_update(&st, &ctr, 1);
		crypto_hash_sha512_update(&st, dst, dstlen);
		crypto_hash_sha512_update(&st, &dlen, 1);
		crypto_hash_sha512_final(&st, bi);
		n = outlen - done < NH ? outlen - done : NH;
		memcpy(out + done, bi, n);
		done += n;
	}
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(b0, sizeof(b0));
	sodium_memzero(bi, sizeof(bi));
	sodium_memzero(x, sizeof(x));
	return 0;
}

int
oprf_hash_to_group(uint8_t p[NE], const uint8_t *in, size_t inlen)
{
	uint8_t dst[DST_MAX], u[64];
	size_t dlen;
	int r;

	if (p == NULL || inlen > OPRF_INPUT_MAX)
		return COFFER_ERR_INVALID;
	if (sodium_init() < 0)
		return COFFER_ERR_CRYPTO;
	dlen = make_dst(dst, "HashToGroup-");
	/* hash_to_ristretto255: 64 uniform bytes through the one-way map,
	 * which is libsodium's crypto_core_ristretto255_from_hash. */
	if ((r = oprf_expand_xmd(u, sizeof(u), in, inlen, dst,
	    dlen)) != 0)
		goto out;
	crypto_core_ristretto255_from_hash(p, u);
	r = sodium_is_zero(p, NE) ? COFFER_ERR_CRYPTO : 0;
out:
	sodium_memzero(u, sizeof(u));
	return r;
}

int
oprf_hash_to_scalar(uint8_t s[NS], const uint8_t *in, size_t inlen,
    const uint8_t *dst, size_t dstlen)
{
	uint8_t def[DST_MAX], u[64];
	int r;

	if (s == NULL)
		return COFFER_ERR_INVALID;
	if (dst == NULL) {
		dstlen = make_dst(def, "HashToScalar-");
		dst = def;
	}
	if ((r = oprf_expand_xmd(u, sizeof(u), in, inlen, dst,
	    dstlen)) == 0)
		crypto_core_ristretto255_scalar_reduce(s, u);
	sodium_memzero(u, sizeof(u));
	return r;
}

int
oprf_derive_key_pair(uint8_t sk[NS], uint8_t *pk, const uint8_t seed[NS],
    const uint8_t *info, size_t infolen)
{
	/* deriveInput || counter = seed || I2OSP(len(info), 2) || info ||
	 * I2OSP(counter, 1) */
	uint8_t in[NS + 2 + OPRF_INFO_MAX + 1], dst[DST_MAX], s[NS];
	size_t dlen, n;
	unsigned int counter;
	int r = COFFER_ERR_INVALID;

	if (sk == NULL || seed == NULL || infolen > OPRF_INFO_MAX ||
	    (info == NULL && infolen != 0))
		return COFFER_ERR_INVALID;
	if (sodium_init() < 0)
		return COFFER_ERR_CRYPTO;
	dlen = make_dst(dst, "DeriveKeyPair");
	memcpy(in, seed, NS);
	be16enc(in + NS, (uint16_t)infolen);
	if (infolen > 0)
		memcpy(in + NS + 2, info, infolen);
	n = NS + 2 + infolen;
	r = COFFER_ERR_CRYPTO;	/* DeriveKeyPairError, unless found */
	for (counter = 0; counter <= 255; counter++) {
		in[n] = (uint8_t)counter;
		if (oprf_hash_to_scalar(s, in, n + 1, dst, dlen) != 0) {
			r = COFFER_ERR_INVALID;
			break;
		}
		if (!sodium_is_zero(s, NS)) {
			r = 0;
			break;
		}
	}
	if (r == 0 && pk != NULL && crypto_scalarmult_ristretto255_base(pk,
	    s) != 0)
		r = COFFER_ERR_CRYPTO;
	if (r == 0)
		memcpy(sk, s, NS);
	sodium_memzero(in, sizeof(in));
	sodium_memzero(s, sizeof(s));
	return r;
}

int
oprf_element_check(const uint8_t p[NE])
{
	if (p == NULL || sodium_init() < 0)
		return COFFER_ERR_FORMAT;
	/* libsodium 1.0.18's check refuses most non-canonical encodings
	 * but ignores bit 255 (a valid element with that bit set passes,
	 * though RFC 9496 section 4.3.1 refuses s >= p), and it accepts the
	 * identity (all zeros), which RFC 9497 section 4.1 refuses. */
	if ((p[NE - 1] & 0x80) != 0 ||
	    crypto_core_ristretto255_is_valid_point(p) != 1 ||
	    sodium_is_zero(p, NE))
		return COFFER_ERR_FORMAT;
	return 0;
}

int
oprf_scalar_check(const uint8_t s[NS])
{
	uint8_t wide[64] = { 0 }, red[NS];
	int bad;

	if (s == NULL)
		return COFFER_ERR_FORMAT;
	/* Canonical iff reducing it modulo the order changes nothing. */
	memcpy(wide, s, NS);
	crypto_core_ristretto255_scalar_reduce(red, wide);
	bad = (sodium_memcmp(red, s, NS) != 0) | sodium_is_zero(s, NS);
	sodium_memzero(wide, sizeof(wide));
	sodium_memzero(red, sizeof(red));
	return bad ? COFFER_ERR_FORMAT : 0;
}

int
oprf_blind_with(const uint8_t blind[NS], uint8_t blinded[NE],
    const uint8_t *in, size_t inlen)
{
	uint8_t p[NE];
	int r;

	if (blinded == NULL || oprf_scalar_check(blind) != 0)
		return COFFER_ERR_INVALID;
	if ((r = oprf_hash_to_group(p, in, inlen)) != 0)
		goto out;
	r = crypto_scalarmult_ristretto255(blinded, blind, p) == 0 ? 0 :
	    COFFER_ERR_CRYPTO;
out:
	sodium_memzero(p, sizeof(p));
	return r;
}

int
oprf_blind(uint8_t blind[NS], uint8_t blinded[NE], const uint8_t *in,
    size_t inlen)
{
	int r;

	if (blind == NULL)
		return COFFER_ERR_INVALID;
	if (sodium_init() < 0)
		return COFFER_ERR_CRYPTO;
	crypto_core_ristretto255_scalar_random(blind);	/* never zero */
	if ((r = oprf_blind_with(blind, blinded, in, inlen)) != 0)
		sodium_memzero(blind, NS);
	return r;
}

int
oprf_blind_evaluate(uint8_t evaluated[NE], const uint8_t sk[NS],
    const uint8_t blinded[NE])
{
	uint8_t e[NE];
	int r;

	if (evaluated == NULL)
		return COFFER_ERR_INVALID;
	if ((r = oprf_element_check(blinded)) != 0)
		return r;
	if (oprf_scalar_check(sk) != 0)
		return COFFER_ERR_INVALID;
	if (crypto_scalarmult_ristretto255(e, sk, blinded) != 0)
		return COFFER_ERR_CRYPTO;
	memcpy(evaluated, e, NE);
	return 0;
}

int
oprf_finalize(uint8_t out[NH], const uint8_t *in, size_t inlen,
    const uint8_t blind[NS], const uint8_t evaluated[NE])
{
	static const char fin[] = "Finalize";
	crypto_hash_sha512_state st;
	uint8_t inv[NS], n[NE], len[2];
	int r;

	if (out == NULL || inlen > OPRF_INPUT_MAX ||
	    (in == NULL && inlen != 0))
		return COFFER_ERR_INVALID;
	if ((r = oprf_element_check(evaluated)) != 0)
		return r;
	if (oprf_scalar_check(blind) != 0)
		return COFFER_ERR_INVALID;
	r = COFFER_ERR_CRYPTO;
	if (crypto_core_ristretto255_scalar_invert(inv, blind) != 0 ||
	    crypto_scalarmult_ristretto255(n, inv, evaluated) != 0)
		goto out;
	crypto_hash_sha512_init(&st);
	be16enc(len, (uint16_t)inlen);
	crypto_hash_sha512_update(&st, len, 2);
	if (inlen > 0)
		crypto_hash_sha512_update(&st, in, inlen);
	len[0] = 0;
	len[1] = NE;
	crypto_hash_sha512_update(&st, len, 2);
	crypto_hash_sha512_update(&st, n, NE);
	crypto_hash_sha512_update(&st, (const uint8_t *)fin, sizeof(fin) - 1);
	crypto_hash_sha512_final(&st, out);
	r = 0;
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(inv, sizeof(inv));
	sodium_memzero(n, sizeof(n));
	return r;
}
