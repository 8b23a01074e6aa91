/* coffer_aead_*: XChaCha20-Poly1305 through libsodium or OpenSSL EVP. */
#include "crypto/aead.h"

#include <coffer/err.h>

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

/* Chosen by bench/crypto on the reference machine: see
 * docs/PROTOCOL-envelope.md, "Implementation choice". */
#ifndef COFFER_AEAD_BUILD_DEFAULT
#define COFFER_AEAD_BUILD_DEFAULT COFFER_AEAD_OPENSSL
#endif

_Static_assert(AEAD_KEYBYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "key size");
_Static_assert(AEAD_NONCEBYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    "nonce size");
_Static_assert(AEAD_TAGBYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "tag size");

/* XChaCha20: subkey = HChaCha20(key, nonce[0..16]), and the RFC 8439 nonce
 * is four zero bytes followed by nonce[16..24]. */
static void
xchacha_subkey(uint8_t subkey[32], uint8_t iv[12], const uint8_t *nonce,
    const uint8_t *key)
{
	crypto_core_hchacha20(subkey, nonce, key, NULL);
	memset(iv, 0, 4);
	memcpy(iv + 4, nonce + 16, 8);
}

/* Feed n bytes through EVP in int-sized steps. */
static int
evp_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t n)
{
	int step, outl;

	while (n > 0) {
		step = n > (size_t)INT_MAX ? INT_MAX : (int)n;
		if (EVP_CipherUpdate(ctx, out, &outl, in, step) != 1 ||
		    outl != step)
			return COFFER_ERR_CRYPTO;
		if (out != NULL)
			out += step;
		in += step;
		n -= (size_t)step;
	}
	return 0;
}

/* One EVP pass: enc = 1 seals and writes tag, enc = 0 sets the expected tag
 * and checks it at the end. */
static int
evp_chacha(int enc, uint8_t *out, uint8_t *tag, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen, const uint8_t *nonce, const uint8_t *key)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t subkey[32], iv[12], fin[16];
	int outl, r = COFFER_ERR_CRYPTO;

	xchacha_subkey(subkey, iv, nonce, key);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, subkey, iv,
	    enc) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	    AEAD_TAGBYTES, tag) != 1)
		goto out;
	if ((adlen > 0 && evp_update(ctx, NULL, ad, adlen) != 0) ||
	    evp_update(ctx, out, in, n) != 0)
		goto out;
	/* A stream cipher's final step writes nothing; give it a spare
	 * buffer rather than out + n, which is NULL + 0 for empty input. */
	if (EVP_CipherFinal_ex(ctx, fin, &outl) != 1 || outl != 0) {
		r = enc ? COFFER_ERR_CRYPTO : COFFER_ERR_AUTH;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    AEAD_TAGBYTES, tag) != 1)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	sodium_memzero(subkey, sizeof(subkey));
	return r;
}

static enum coffer_aead_impl
pick(enum coffer_aead_impl impl)
{
	return impl == COFFER_AEAD_DEFAULT ? COFFER_AEAD_BUILD_DEFAULT : impl;
}

int
aead_seal(enum coffer_aead_impl impl, uint8_t *c, uint8_t *tag,
    const uint8_t *m, size_t mlen, const uint8_t *ad, size_t adlen,
    const uint8_t *nonce, const uint8_t *key)
{
	if ((m == NULL && mlen > 0) || (ad == NULL && adlen > 0) ||
	    tag == NULL || nonce == NULL || key == NULL)
		return COFFER_ERR_INVALID;
	switch (pick(impl)) {
	case COFFER_AEAD_SODIUM:
		return crypto_aead_xchacha20poly1305_ietf_encrypt_detached(c,
		    tag, NULL, m, mlen, ad, adlen, NULL, nonce, key) == 0 ? 0 :
		    COFFER_ERR_CRYPTO;
	case COFFER_AEAD_OPENSSL:
		return evp_chacha(1, c, tag, m, mlen, ad, adlen, nonce, key);
	default:
		return COFFER_ERR_INVALID;
	}
}

int
aead_open(enum coffer_aead_impl impl, uint8_t *m, const uint8_t *c,
    size_t clen, const uint8_t *tag, const uint8_t *ad, size_t adlen,
    const uint8_t *nonce, const uint8_t *key)
{
	int r;

	if ((c == NULL && clen > 0) || (ad == NULL && adlen > 0) ||
	    tag == NULL || nonce == NULL || key == NULL)
		return COFFER_ERR_INVALID;
	switch (pick(impl)) {
	case COFFER_AEAD_SODIUM:
		/* libsodium checks the tag before it decrypts a byte. */
		r = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(m,
		    NULL, c, clen, tag, ad, adlen, nonce, key) == 0 ? 0 :
		    COFFER_ERR_AUTH;
		break;
	case COFFER_AEAD_OPENSSL:
		/* EVP decrypts before the final tag check: wipe on failure. */
		r = evp_chacha(0, m, (uint8_t *)(uintptr_t)tag, c, clen, ad,
		    adlen, nonce, key);
		break;
	default:
		return COFFER_ERR_INVALID;
	}
	if (r != 0 && m != NULL && clen > 0)
		sodium_memzero(m, clen);
	return r;
}
