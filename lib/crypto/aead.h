/* XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), two implementations of the
 * same function: libsodium's, and HChaCha20 from libsodium feeding
 * OpenSSL's ChaCha20-Poly1305 (RFC 8439), which is faster on CPUs with
 * AVX-512. Internal: the envelope and stream formats use it. */
#ifndef COFFER_AEAD_H
#define COFFER_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

#define AEAD_KEYBYTES	32
#define AEAD_NONCEBYTES	24
#define AEAD_TAGBYTES	16

enum coffer_aead_impl {
	COFFER_AEAD_DEFAULT = 0,	/* the one bench/crypto chose */
	COFFER_AEAD_SODIUM = 1,
	COFFER_AEAD_OPENSSL = 2,
};

/** aead_seal(impl, c, tag, m, mlen, ad, adlen, nonce, key): encrypt
 * ${mlen} bytes of ${m} into ${c} (may equal ${m}) and write the 16-byte
 * ${tag}. Returns 0, COFFER_ERR_INVALID or COFFER_ERR_CRYPTO. */
int aead_seal(enum coffer_aead_impl impl, uint8_t *c, uint8_t *tag,
    const uint8_t *m, size_t mlen, const uint8_t *ad, size_t adlen,
    const uint8_t *nonce, const uint8_t *key) COFFER_WUR;

/** aead_open(impl, m, c, clen, tag, ad, adlen, nonce, key): verify
 * and decrypt into ${m}. Returns 0, COFFER_ERR_AUTH (${m} then holds
 * zeros, never unauthenticated plaintext), COFFER_ERR_INVALID or
 * COFFER_ERR_CRYPTO. Callers that must leave their output untouched on
 * failure decrypt into scratch space (the envelope uses a buffer's tail). */
int aead_open(enum coffer_aead_impl impl, uint8_t *m, const uint8_t *c,
    size_t clen, const uint8_t *tag, const uint8_t *ad, size_t adlen,
    const uint8_t *nonce, const uint8_t *key) COFFER_WUR;

#endif
