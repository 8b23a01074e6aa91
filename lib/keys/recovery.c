/* coffer_recovery_key_*: the recovery key code
 * (docs/PROTOCOL-recovery-key.md).
 *
 * A key is a codeword of the Reed-Solomon code over GF(32) with roots a and
 * a^2 (a = x, modulo x^5 + x^2 + 1), shortened to 28 symbols: any two
 * columns of its check matrix are independent, so every change of one or
 * two symbols breaks a check.
 *
 * The symbol values are secret. Their decoding, encoding and the GF(32)
 * arithmetic go without branches or secret-indexed tables; what the timing
 * may show is the input's length and where its separators and invalid
 * characters are. */
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/recovery.h>

#include "keys/recovery_internal.h"

#include <string.h>

#include <sodium.h>

#define NSYM	COFFER_RECOVERY_KEY_SYMBOLS
#define NDATA	COFFER_RECOVERY_KEY_DATA

static const char alphabet[32] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

_Static_assert(NSYM == NDATA + 2, "two check symbols");
_Static_assert(NSYM < 31, "a^i must be distinct for i < 28");
_Static_assert(COFFER_RECOVERY_KEY_LEN == NSYM + NSYM / 4 - 1,
    "7 groups of 4 with dashes between");

/* 1 if x == 0, else 0, for x < 2^31; without a branch. */
static unsigned int
ct_is_zero(unsigned int x)
{
	return ((x - 1u) >> 31) & 1u & ~(x >> 31);
}

uint8_t
gf32_mul(uint8_t a, uint8_t b)
{
	unsigned int r = 0, x = a & 31u, i;

	for (i = 0; i < 5; i++) {
		r ^= x & (0u - ((b >> i) & 1u));
		x <<= 1;
		x ^= 0x25u & (0u - ((x >> 5) & 1u));	/* x^5 = x^2 + 1 */
	}
	return (uint8_t)r;
}

/* v^-1 = v^30 (the multiplicative group has 31 elements); 0 for 0. Only
 * ever applied to public constants. */
static uint8_t
gf_inv(uint8_t v)
{
	uint8_t r = 1;
	int i;

	for (i = 0; i < 30; i++)
		r = gf32_mul(r, v);
	return r;
}

void
recovery_syndrome(const uint8_t sym[NSYM], uint8_t s[2])
{
	uint8_t p1 = 1, p2 = 1, s1 = 0, s2 = 0;
	size_t i;

	for (i = 0; i < NSYM; i++) {
		s1 ^= gf32_mul(sym[i], p1);
		s2 ^= gf32_mul(sym[i], p2);
		p1 = gf32_mul(p1, 2);		/* a^i */
		p2 = gf32_mul(p2, 4);		/* a^(2i) */
	}
	s[0] = s1;
	s[1] = s2;
}

/* 1 if every symbol is below 32 and both checks hold, else 0. */
static int
key_valid(const uint8_t sym[NSYM])
{
	uint8_t s[2];
	unsigned int high = 0;
	size_t i;

	for (i = 0; i < NSYM; i++)
		high |= sym[i] >> 5;
	recovery_syndrome(sym, s);
	return (int)ct_is_zero(high | s[0] | s[1]);
}

/* Set sym[26], sym[27] so that both checks hold. With P1, P2 the checks
 * of the data alone, x = a^26 and y = a^27, the checks need
 * c26 x + c27 y = P1 and c26 x^2 + c27 y^2 = P2, whose solution is
 * c26 = (P1 y + P2) / (x (x + y)) and c27 = (P1 x + P2) / (y (x + y)). */
static void
set_check(uint8_t sym[NSYM])
{
	uint8_t s[2], x = 1, y, xy;
	size_t i;

	sym[NDATA] = sym[NDATA + 1] = 0;
	recovery_syndrome(sym, s);
	for (i = 0; i < NDATA; i++)
		x = gf32_mul(x, 2);
	y = gf32_mul(x, 2);
	xy = x ^ y;
	sym[NDATA] = gf32_mul(gf32_mul(s[0], y) ^ s[1],
	    gf_inv(gf32_mul(x, xy)));
	sym[NDATA + 1] = gf32_mul(gf32_mul(s[0], x) ^ s[1],
	    gf_inv(gf32_mul(y, xy)));
	sodium_memzero(s, sizeof(s));
}

/* The value of character c in *v and 1, or 0 if c is not in the alphabet
 * (in either case). Scans all 32 symbols. */
static unsigned int
sym_decode(unsigned char c, uint8_t *v)
{
	unsigned int u = c, lower, found = 0, val = 0, eq, k;

	/* 'a' <= u <= 'z': clear the 0x20 bit to get upper case. */
	lower = (((u - 0x61u) >> 31) ^ 1u) & ((((0x7au - u) >> 31)) ^ 1u);
	u ^= lower << 5;
	for (k = 0; k < 32; k++) {
		eq = ct_is_zero(u ^ (unsigned char)alphabet[k]);
		val |= k & (0u - eq);
		found |= eq;
	}
	*v = (uint8_t)val;
	return found;
}

/* The character of symbol v (0..31). Scans all 32 symbols. */
static char
sym_encode(uint8_t v)
{
	unsigned int c = 0, k;

	for (k = 0; k < 32; k++)
		c |= (unsigned char)alphabet[k] & (0u - ct_is_zero(v ^ k));
	return (char)c;
}

/* Read text into sym; the parse rules of the spec, in order. *pos gets
 * the 1-based position of the first bad character or extra symbol. */
static int
scan(uint8_t sym[NSYM], const char *text, size_t *pos)
{
	size_t len, i, n = 0;
	unsigned char c;
	uint8_t v = 0;
	int r = COFFER_ERR_INTERNAL;

	*pos = 0;
	if (text == NULL) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if ((len = strnlen(text, COFFER_RECOVERY_KEY_INPUT_MAX + 1)) >
	    COFFER_RECOVERY_KEY_INPUT_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)text[i];
		if (c == ' ' || c == '-')
			continue;
		if (!sym_decode(c, &v) || n == NSYM) {
			*pos = i + 1;
			r = COFFER_ERR_FORMAT;
			goto out;
		}
		sym[n++] = v;
	}
	if (n != NSYM) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	r = key_valid(sym) ? 0 : COFFER_ERR_CHECKSUM;
out:
	sodium_memzero(&v, sizeof(v));
	return r;
}

int
coffer_recovery_key_parse(struct coffer_recovery_key *rk, const char *text)
{
	uint8_t sym[NSYM];
	size_t pos;
	int r = COFFER_ERR_INVALID;

	if (rk == NULL)
		goto out;
	if ((r = scan(sym, text, &pos)) != 0)
		goto out;
	memcpy(rk->sym, sym, NSYM);
out:
	sodium_memzero(sym, sizeof(sym));
	return r;
}

int
coffer_recovery_key_problem(const char *text, size_t *position)
{
	uint8_t sym[NSYM];
	size_t pos;
	int r;

	r = scan(sym, text, &pos);
	if (position != NULL)
		*position = pos;
	sodium_memzero(sym, sizeof(sym));
	return r;
}

int
coffer_recovery_key_format(char out[COFFER_RECOVERY_KEY_LEN + 1],
    const struct coffer_recovery_key *rk)
{
	size_t i, o = 0;
	int r = COFFER_ERR_INVALID;

	if (out == NULL)
		goto out;
	out[0] = '\0';
	if (rk == NULL || !key_valid(rk->sym))
		goto out;
	for (i = 0; i < NSYM; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = sym_encode(rk->sym[i]);
	}
	out[o] = '\0';
	r = 0;
out:
	return r;
}

int
recovery_key_from_data(struct coffer_recovery_key *rk,
    const uint8_t data[NDATA])
{
	uint8_t sym[NSYM];
	unsigned int high = 0;
	size_t i;
	int r = COFFER_ERR_INVALID;

	if (rk == NULL || data == NULL)
		goto out;
	for (i = 0; i < NDATA; i++) {
		high |= data[i] >> 5;
		sym[i] = data[i];
	}
	if (high != 0)
		goto out;
	set_check(sym);
	memcpy(rk->sym, sym, NSYM);
	r = 0;
out:
	sodium_memzero(sym, sizeof(sym));
	return r;
}

int
coffer_recovery_key_generate(char out[COFFER_RECOVERY_KEY_LEN + 1])
{
	struct coffer_recovery_key rk;
	uint8_t data[NDATA];
	size_t i;
	int r = COFFER_ERR_INVALID;

	if (out == NULL)
		goto out;
	out[0] = '\0';
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	/* 32 divides 2^32: no bias; randombytes_uniform rejects anyway. */
	for (i = 0; i < NDATA; i++)
		data[i] = (uint8_t)randombytes_uniform(32);
	if ((r = recovery_key_from_data(&rk, data)) != 0)
		goto out;
	r = coffer_recovery_key_format(out, &rk);
out:
	sodium_memzero(data, sizeof(data));
	sodium_memzero(&rk, sizeof(rk));
	return r;
}

int
coffer_recovery_key_derive(struct coffer_key **out,
    const struct coffer_recovery_key *rk, const uint8_t *salt,
    size_t saltlen, uint32_t version)
{
	uint8_t okm[COFFER_KEY_BYTES + COFFER_KEY_ID_BYTES];
	struct coffer_key *k = NULL;
	int r = COFFER_ERR_INVALID;

	if (out == NULL)
		goto out;
	*out = NULL;
	if (rk == NULL || !key_valid(rk->sym) || (salt == NULL &&
	    saltlen != 0) || saltlen > COFFER_KDF_MAX)
		goto out;
	/* 130 bits from a CSPRNG need no password hashing: HKDF is enough. */
	if ((r = coffer_kdf(okm, sizeof(okm), rk->sym, NDATA,
	    COFFER_RECOVERY_KEY_CONTEXT, salt, saltlen)) != 0)
		goto out;
	if ((r = coffer_key_import(&k, COFFER_KEY_SYMMETRIC, okm,
	    okm + COFFER_KEY_BYTES, version)) != 0)
		goto out;
	*out = k;
	k = NULL;
out:
	sodium_memzero(okm, sizeof(okm));
	coffer_key_free(&k);
	return r;
}

void
coffer_recovery_key_cleanup(struct coffer_recovery_key *rk)
{
	if (rk != NULL)
		sodium_memzero(rk, sizeof(*rk));
}
