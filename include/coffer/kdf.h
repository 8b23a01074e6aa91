/* The library's one key derivation function (docs/PROTOCOL-kdf.md):
 *
 *   PRK = HKDF-Extract-SHA-512(salt = "coffer/kdf/v1", IKM)
 *   OKM = HKDF-Expand-SHA-512(PRK, len(context) || context || info, L)
 *
 * with len(context) one byte. Every use names its own context string. */
#ifndef COFFER_KDF_H
#define COFFER_KDF_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>
#include <coffer/key.h>

/* A context string: 1 to 64 printable ASCII characters, no space,
 * conventionally "coffer/<purpose>/v<N>". */
#define COFFER_CONTEXT_MAX	64

/* The largest output of one derivation: 255 SHA-512 blocks. */
#define COFFER_KDF_MAX		(255 * 64)

/** coffer_context_valid(context): 1 if ${context} follows the rule above,
 * else 0. */
COFFER_API int coffer_context_valid(const char *context);

/** coffer_kdf(out, outlen, ikm, ikmlen, context, info, infolen): derive
 * ${outlen} bytes (1 to COFFER_KDF_MAX) from the input key material for
 * ${context}, with optional ${info} (may be NULL when ${infolen} is 0).
 * Returns 0 or COFFER_ERR_INVALID. */
COFFER_API int coffer_kdf(uint8_t *out, size_t outlen, const uint8_t *ikm,
    size_t ikmlen, const char *context, const uint8_t *info, size_t infolen)
    COFFER_WUR;

/** coffer_kdf_key(out, parent, context, info, infolen, version): a
 * symmetric key derived from the secret of ${parent}: the first 32 bytes of
 * a 48-byte coffer_kdf output are the key, the last 16 its id. Returns 0,
 * COFFER_ERR_INVALID or COFFER_ERR_NOMEM. */
COFFER_API int coffer_kdf_key(struct coffer_key **out,
    const struct coffer_key *parent, const char *context, const uint8_t *info,
    size_t infolen, uint32_t version) COFFER_WUR;

#endif
