/* coffer_hex_*, coffer_b64url_*: strict constant-time codecs. */
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <sodium.h>

/* libsodium 1.0.18 decodes some bytes above 0x7f as if they were letters
 * of the alphabet (found by tests/fuzz/fuzz_encoding.c): refuse them
 * first, without a branch per byte. */
static int
has_high_bit(const char *in, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= (unsigned char)in[i];
	return (acc & 0x80) != 0;
}

int
coffer_hex_encode(char *out, size_t outcap, const uint8_t *in, size_t n)
{
	if (n > (SIZE_MAX - 1) / 2 || outcap < COFFER_HEX_LEN(n))
		return COFFER_ERR_INVALID;
	sodium_bin2hex(out, outcap, in, n);
	return 0;
}

int
coffer_hex_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *in,
    size_t inlen)
{
	const char *end = NULL;
	size_t n = 0;

	*outlen = 0;
	if (inlen % 2 != 0 || has_high_bit(in, inlen))
		return COFFER_ERR_FORMAT;
	if (inlen / 2 > outcap)
		return COFFER_ERR_TOOBIG;
	if (sodium_hex2bin(out, outcap, in, inlen, NULL, &n, &end) != 0 ||
	    end != in + inlen || n != inlen / 2)
		return COFFER_ERR_FORMAT;
	*outlen = n;
	return 0;
}

int
coffer_b64url_encode(char *out, size_t outcap, const uint8_t *in, size_t n)
{
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

	if (n > SIZE_MAX / 2 || outcap < sodium_base64_ENCODED_LEN(n, v))
		return COFFER_ERR_INVALID;
	sodium_bin2base64(out, outcap, in, n, v);
	return 0;
}

int
coffer_b64url_decode(uint8_t *out, size_t outcap, size_t *outlen,
    const char *in, size_t inlen)
{
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	const char *end = NULL;
	size_t n = 0;

	*outlen = 0;
	if (inlen % 4 == 1 || has_high_bit(in, inlen))
		return COFFER_ERR_FORMAT;
	if (inlen / 4 * 3 + (inlen % 4 ? inlen % 4 - 1 : 0) > outcap)
		return COFFER_ERR_TOOBIG;
	/* libsodium rejects non-zero unused bits, so decoding is canonical. */
	if (sodium_base642bin(out, outcap, in, inlen, NULL, &n, &end, v) != 0 ||
	    end != in + inlen)
		return COFFER_ERR_FORMAT;
	*outlen = n;
	return 0;
}
