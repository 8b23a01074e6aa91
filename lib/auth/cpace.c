/* cpace_*: CPACE-RISTR255-SHA512 of draft-irtf-cfrg-cpace-21 in
 * initiator-responder mode. The group (ristretto255 with its element
 * derivation) and SHA-512 are libsodium's; this file adds the draft's
 * length-value framing, the session state and the key confirmation that
 * docs/PROTOCOL-cpace.md pins. Checked against the draft's appendix B.3
 * by tests/lib/test_cpace.c. */
#include <coffer/err.h>

#include "auth/cpace.h"
#include "auth/oprf.h"

#include <string.h>

#include <sodium.h>

#define NE	CPACE_ELEMENT_BYTES
#define NS	CPACE_SCALAR_BYTES
#define NH	crypto_hash_sha512_BYTES

_Static_assert(NE == crypto_core_ristretto255_BYTES, "element size");
_Static_assert(NS == crypto_core_ristretto255_SCALARBYTES, "scalar size");
_Static_assert(crypto_core_ristretto255_HASHBYTES == NH, "2 * field size");
_Static_assert(CPACE_ISK_BYTES == NH && CPACE_SID_OUTPUT_BYTES == NH &&
    CPACE_MAC_KEY_BYTES == NH, "outputs are one SHA-512");
_Static_assert(CPACE_TAG_BYTES == crypto_auth_hmacsha512_BYTES, "tag size");

#define H_BLOCK	128	/* s_in_bytes of SHA-512 */
#define LEB_MAX	10	/* LEB128 of a 64-bit length */

/* G_Ristretto255.DSI, its ISK label, and the draft's two other labels. */
static const char dsi[] = "CPaceRistretto255";
static const char dsi_isk[] = "CPaceRistretto255_ISK";
static const char sid_label[] = "CPaceSidOutput";
static const char mac_label[] = "CPaceMac";

struct cpace {
	uint8_t		 y[NS];			/* secret; wiped when spent */
	uint8_t		 own[NE];		/* this side's Y */
	uint8_t		 sid[CPACE_SID_MAX];
	size_t		 sidlen;
	enum cpace_role	 role;
	int		 spent;
};

/* A string of n bytes at p is acceptable up to max bytes. */
static int
len_ok(const uint8_t *p, size_t n, size_t max)
{
	return (p != NULL || n == 0) && n <= max;
}

/* prepend_len's prefix: the LEB128 encoding of n; returns its length. */
static size_t
leb128(uint8_t out[LEB_MAX], size_t n)
{
	size_t i = 0;

	do {
		out[i] = (uint8_t)(n & 0x7f);
		n >>= 7;
		if (n != 0)
			out[i] |= 0x80;
		i++;
	} while (n != 0);
	return i;
}

/* Hash prepend_len(p[0..n)). */
static void
hash_lv(crypto_hash_sha512_state *h, const void *p, size_t n)
{
	uint8_t len[LEB_MAX];

	crypto_hash_sha512_update(h, len, leb128(len, n));
	if (n > 0)
		crypto_hash_sha512_update(h, p, n);
}

/* Hash transcript_ir(Ya, ADa, Yb, ADb) = lv_cat(Ya, ADa) ||
 * lv_cat(Yb, ADb). */
static void
hash_transcript(crypto_hash_sha512_state *h, const uint8_t ya[NE],
    const uint8_t *ada, size_t adalen, const uint8_t yb[NE],
    const uint8_t *adb, size_t adblen)
{
	hash_lv(h, ya, NE);
	hash_lv(h, ada, adalen);
	hash_lv(h, yb, NE);
	hash_lv(h, adb, adblen);
}

int
cpace_generator(uint8_t g[NE], const uint8_t *prs, size_t prslen,
    const uint8_t *ci, size_t cilen, const uint8_t *sid, size_t sidlen)
{
	static const uint8_t zeros[H_BLOCK];
	crypto_hash_sha512_state h;
	uint8_t hash[NH], len[LEB_MAX];
	size_t used, zpad;

	if (g == NULL || !len_ok(prs, prslen, CPACE_PRS_MAX) ||
	    !len_ok(ci, cilen, CPACE_CI_MAX) ||
	    !len_ok(sid, sidlen, CPACE_SID_MAX))
		return COFFER_ERR_INVALID;
	if (sodium_init() < 0)
		return COFFER_ERR_CRYPTO;
	/* generator_string = lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid)
	 * with len_zpad = max(0, s_in_bytes - 1 - len(prepend_len(PRS)) -
	 * len(prepend_len(DSI))): DSI, PRS and the pad fill the first block,
	 * so a short PRS always costs the same to hash. */
	used = 1 + leb128(len, prslen) + prslen + leb128(len, sizeof(dsi) - 1) +
	    sizeof(dsi) - 1;
	zpad = used < H_BLOCK ? H_BLOCK - used : 0;
	crypto_hash_sha512_init(&h);
	hash_lv(&h, dsi, sizeof(dsi) - 1);
	hash_lv(&h, prs, prslen);
	hash_lv(&h, zeros, zpad);
	hash_lv(&h, ci, cilen);
	hash_lv(&h, sid, sidlen);
	crypto_hash_sha512_final(&h, hash);
	/* element_derivation of RFC 9496 (the one-way map on each half,
	 * added): libsodium's from_hash. */
	crypto_core_ristretto255_from_hash(g, hash);
	sodium_memzero(&h, sizeof(h));
	sodium_memzero(hash, sizeof(hash));
	return 0;
}

void
cpace_free(struct cpace **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_memzero(*p, sizeof(**p));
	sodium_free(*p);
	*p = NULL;
}

/* Start a session with the scalar y, or a fresh one if y is NULL. */
static int
session_start(struct cpace **out, uint8_t y_out[NE], enum cpace_role role,
    const uint8_t *prs, size_t prslen, const uint8_t *ci, size_t cilen,
    const uint8_t *sid, size_t sidlen, const uint8_t *y)
{
	struct cpace *st = NULL;
	uint8_t g[NE];
	int r;

	if (out == NULL || y_out == NULL || (role != CPACE_INITIATOR &&
	    role != CPACE_RESPONDER) || !len_ok(sid, sidlen, CPACE_SID_MAX) ||
	    (y != NULL && oprf_scalar_check(y) != 0))
		return COFFER_ERR_INVALID;
	if ((r = cpace_generator(g, prs, prslen, ci, cilen, sid,
	    sidlen)) != 0)
		goto out;
	/* A multiple of 16, so that sodium_malloc's pointer (placed against
	 * its guard page) is aligned. */
	if ((st = sodium_malloc((sizeof(*st) + 15) & ~(size_t)15)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	memset(st, 0, sizeof(*st));
	if (y != NULL)
		memcpy(st->y, y, NS);
	else {
		/* sample_scalar: 32 random bytes, bits 252 and up cleared
		 * (below 2^252, so below the group order). */
		randombytes_buf(st->y, NS);
		st->y[NS - 1] &= 0x0f;
	}
	/* Fails only for the identity: y = 0, or g the identity. */
	if (crypto_scalarmult_ristretto255(st->own, st->y, g) != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	st->role = role;
	st->sidlen = sidlen;
	if (sidlen > 0)
		memcpy(st->sid, sid, sidlen);
	memcpy(y_out, st->own, NE);
	*out = st;
	st = NULL;			/* transferred */
	r = 0;
out:
	cpace_free(&st);
	sodium_memzero(g, sizeof(g));
	return r;
}

int
cpace_start(struct cpace **out, uint8_t y_out[NE], enum cpace_role role,
    const uint8_t *prs, size_t prslen, const uint8_t *ci, size_t cilen,
    const uint8_t *sid, size_t sidlen)
{
	return session_start(out, y_out, role, prs, prslen, ci, cilen, sid,
	    sidlen, NULL);
}

int
cpace_start_det(struct cpace **out, uint8_t y_out[NE], enum cpace_role role,
    const uint8_t *prs, size_t prslen, const uint8_t *ci, size_t cilen,
    const uint8_t *sid, size_t sidlen, const uint8_t y[NS])
{
	if (y == NULL)
		return COFFER_ERR_INVALID;
	return session_start(out, y_out, role, prs, prslen, ci, cilen, sid,
	    sidlen, y);
}

int
cpace_scalar_mult_vfy(uint8_t out[NE], const uint8_t y[NS],
    const uint8_t x[NE])
{
	uint8_t k[NE];
	int r = 0;

	if (out == NULL || x == NULL || oprf_scalar_check(y) != 0)
		return COFFER_ERR_INVALID;
	/* decode(X) must succeed: a canonical encoding (libsodium 1.0.18
	 * does not look at bit 255, oprf_element_check does), and one of
	 * an element other than the identity, whose product would be the
	 * identity anyway. For a canonical non-zero y below the prime
	 * order, y * X is then never the identity; libsodium checks that
	 * too. */
	if (oprf_element_check(x) != 0 ||
	    crypto_scalarmult_ristretto255(k, y, x) != 0)
		r = COFFER_ERR_FORMAT;
	else
		memcpy(out, k, NE);
	sodium_memzero(k, sizeof(k));
	return r;
}

int
cpace_finish(struct cpace *st, uint8_t isk[CPACE_ISK_BYTES],
    const uint8_t *peer_y, size_t peer_ylen, const uint8_t *ada,
    size_t adalen, const uint8_t *adb, size_t adblen)
{
	crypto_hash_sha512_state h;
	uint8_t k[NE], out[NH];
	const uint8_t *ya, *yb;
	size_t ownlen, peerlen;
	int r;

	if (st == NULL)
		return COFFER_ERR_INVALID;
	if (st->spent)
		return COFFER_ERR_STATE;
	memset(&h, 0, sizeof(h));
	memset(k, 0, sizeof(k));
	memset(out, 0, sizeof(out));
	ownlen = st->role == CPACE_INITIATOR ? adalen : adblen;
	peerlen = st->role == CPACE_INITIATOR ? adblen : adalen;
	if (isk == NULL || (peer_y == NULL && peer_ylen != 0) ||
	    (ada == NULL && adalen != 0) ||
	    (adb == NULL && adblen != 0) || ownlen > CPACE_AD_MAX) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if (peer_ylen != NE) {
		r = peer_ylen < NE ? COFFER_ERR_TRUNCATED : COFFER_ERR_TRAILING;
		goto out;
	}
	if (peerlen > CPACE_AD_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	/* K = scalar_mult_vfy(y, peer Y); the draft's abort on K = G.I */
	if ((r = cpace_scalar_mult_vfy(k, st->y, peer_y)) != 0)
		goto out;
	ya = st->role == CPACE_INITIATOR ? st->own : peer_y;
	yb = st->role == CPACE_INITIATOR ? peer_y : st->own;
	/* ISK = H(lv_cat(DSI || "_ISK", sid, K) || transcript_ir(...)) */
	crypto_hash_sha512_init(&h);
	hash_lv(&h, dsi_isk, sizeof(dsi_isk) - 1);
	hash_lv(&h, st->sid, st->sidlen);
	hash_lv(&h, k, NE);
	hash_transcript(&h, ya, ada, adalen, yb, adb, adblen);
	crypto_hash_sha512_final(&h, out);
	memcpy(isk, out, NH);
	r = 0;
out:
	/* One use, whatever happened: the scalar must never serve twice. */
	sodium_memzero(st->y, sizeof(st->y));
	st->spent = 1;
	sodium_memzero(&h, sizeof(h));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(out, sizeof(out));
	return r;
}

int
cpace_sid_output(uint8_t out[CPACE_SID_OUTPUT_BYTES], const uint8_t ya[NE],
    const uint8_t *ada, size_t adalen, const uint8_t yb[NE],
    const uint8_t *adb, size_t adblen)
{
	crypto_hash_sha512_state h;

	if (out == NULL || ya == NULL || yb == NULL ||
	    !len_ok(ada, adalen, CPACE_AD_MAX) ||
	    !len_ok(adb, adblen, CPACE_AD_MAX))
		return COFFER_ERR_INVALID;
	/* H.hash(b"CPaceSidOutput" || transcript_ir(Ya, ADa, Yb, ADb)):
	 * the label is not length-prefixed. */
	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h, (const uint8_t *)sid_label,
	    sizeof(sid_label) - 1);
	hash_transcript(&h, ya, ada, adalen, yb, adb, adblen);
	crypto_hash_sha512_final(&h, out);
	sodium_memzero(&h, sizeof(h));
	return 0;
}

int
cpace_mac_key(uint8_t key[CPACE_MAC_KEY_BYTES],
    const uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid, size_t sidlen)
{
	crypto_hash_sha512_state h;

	if (key == NULL || isk == NULL || !len_ok(sid, sidlen, CPACE_SID_MAX))
		return COFFER_ERR_INVALID;
	/* H.hash(b"CPaceMac" || sid || ISK): plain concatenation, as the
	 * draft writes it (sid is the session's input, ISK fixed-size). */
	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h, (const uint8_t *)mac_label,
	    sizeof(mac_label) - 1);
	if (sidlen > 0)
		crypto_hash_sha512_update(&h, sid, sidlen);
	crypto_hash_sha512_update(&h, isk, CPACE_ISK_BYTES);
	crypto_hash_sha512_final(&h, key);
	sodium_memzero(&h, sizeof(h));
	return 0;
}

int
cpace_tag(uint8_t tag[CPACE_TAG_BYTES], const uint8_t isk[CPACE_ISK_BYTES],
    const uint8_t *sid, size_t sidlen, const uint8_t y[NE],
    const uint8_t *ad, size_t adlen)
{
	crypto_auth_hmacsha512_state m;
	uint8_t key[CPACE_MAC_KEY_BYTES], len[LEB_MAX];
	int r;

	if (tag == NULL || y == NULL || !len_ok(ad, adlen, CPACE_AD_MAX))
		return COFFER_ERR_INVALID;
	if ((r = cpace_mac_key(key, isk, sid, sidlen)) != 0)
		return r;
	/* HMAC-SHA-512 (RFC 2104) under the whole 64-byte mac_key, over
	 * lv_cat(Y, AD); the tag is not truncated. */
	crypto_auth_hmacsha512_init(&m, key, sizeof(key));
	crypto_auth_hmacsha512_update(&m, len, leb128(len, NE));
	crypto_auth_hmacsha512_update(&m, y, NE);
	crypto_auth_hmacsha512_update(&m, len, leb128(len, adlen));
	if (adlen > 0)
		crypto_auth_hmacsha512_update(&m, ad, adlen);
	crypto_auth_hmacsha512_final(&m, tag);
	sodium_memzero(&m, sizeof(m));
	sodium_memzero(key, sizeof(key));
	return 0;
}

int
cpace_tag_verify(const uint8_t *tag, size_t taglen,
    const uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid, size_t sidlen,
    const uint8_t y[NE], const uint8_t *ad, size_t adlen)
{
	uint8_t want[CPACE_TAG_BYTES];
	int r;

	if (tag == NULL)
		return COFFER_ERR_INVALID;
	if ((r = cpace_tag(want, isk, sid, sidlen, y, ad, adlen)) != 0)
		goto out;
	r = taglen == sizeof(want) && sodium_memcmp(tag, want,
	    sizeof(want)) == 0 ? 0 : COFFER_ERR_AUTH;
out:
	sodium_memzero(want, sizeof(want));
	return r;
}
