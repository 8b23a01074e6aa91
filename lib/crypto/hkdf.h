/* HKDF (RFC 5869) over libsodium's HMAC-SHA-256 and HMAC-SHA-512.
 * Internal: the library's one KDF (coffer_kdf) and, later, OPAQUE use it. */
#ifndef COFFER_HKDF_H
#define COFFER_HKDF_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

enum coffer_hkdf_hash {
	COFFER_HKDF_SHA256 = 1,
	COFFER_HKDF_SHA512 = 2,
};

/** hkdf_hashlen(h): 32 or 64, or 0 for an unknown ${h}. */
size_t hkdf_hashlen(enum coffer_hkdf_hash h);

/** hkdf_extract(h, prk, salt, saltlen, ikm, ikmlen): PRK =
 * HMAC-Hash(salt, IKM) into ${prk} (hashlen bytes). An empty salt means
 * hashlen zero bytes, as the RFC says. Returns 0 or COFFER_ERR_INVALID. */
int hkdf_extract(enum coffer_hkdf_hash h, uint8_t *prk,
    const uint8_t *salt, size_t saltlen, const uint8_t *ikm, size_t ikmlen)
    COFFER_WUR;

/** hkdf_expand(h, out, outlen, prk, prklen, info, infolen): OKM of
 * ${outlen} bytes (at most 255 * hashlen). Returns 0 or COFFER_ERR_INVALID. */
int hkdf_expand(enum coffer_hkdf_hash h, uint8_t *out, size_t outlen,
    const uint8_t *prk, size_t prklen, const uint8_t *info, size_t infolen)
    COFFER_WUR;

#endif
