/* Ed25519 signatures over canonical byte strings, bound to a context
 * (docs/PROTOCOL-envelope.md, "Signatures"). The signed message is
 *
 *   "CFSG" || 0x01 || len(context) || context || message
 *
 * so a signature made for one purpose never verifies for another. */
#ifndef COFFER_SIGN_H
#define COFFER_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>
#include <coffer/key.h>

#define COFFER_SIGN_BYTES	64
/* Largest message one signature covers (16 MiB). */
#define COFFER_SIGN_MAX		((size_t)16 << 20)

/** coffer_sign(sig, key, context, msg, len): sign ${len} bytes of ${msg}
 * with the Ed25519 ${key} for ${context}. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_TOOBIG, COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_sign(uint8_t sig[COFFER_SIGN_BYTES],
    const struct coffer_key *key, const char *context, const uint8_t *msg,
    size_t len) COFFER_WUR;

/** coffer_sign_verify(sig, pk, context, msg, len): check ${sig} by the
 * Ed25519 public key ${pk}. Returns 0, COFFER_ERR_AUTH (not a valid
 * signature, including non-canonical encodings libsodium rejects),
 * COFFER_ERR_INVALID, COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM. */
COFFER_API int coffer_sign_verify(const uint8_t sig[COFFER_SIGN_BYTES],
    const uint8_t pk[COFFER_PUBLIC_BYTES], const char *context,
    const uint8_t *msg, size_t len) COFFER_WUR;

#endif
