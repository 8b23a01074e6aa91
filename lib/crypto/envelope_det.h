/* The envelope seal with its randomness given: for the keys modules'
 * deterministic formats and the vector tests. */
#ifndef COFFER_CRYPTO_ENVELOPE_DET_H
#define COFFER_CRYPTO_ENVELOPE_DET_H

#include <coffer/envelope.h>

/** envelope_seal_det(out, type, key, pk, key_version, context, pt,
 * ptlen, nonce, eph): the seal with its randomness given: ${nonce} (24
 * bytes) and, for a public envelope, the ephemeral X25519 secret ${eph}.
 * ${key} is used for a secret envelope, ${pk} and ${key_version} for a
 * public one. Only tests and the two public seal calls use it. */
int envelope_seal_det(struct coffer_buf *out,
    enum coffer_envelope_type type, const struct coffer_key *key,
    const uint8_t *pk, uint32_t key_version, const char *context,
    const uint8_t *pt, size_t ptlen, const uint8_t *nonce,
    const uint8_t *eph) COFFER_WUR;

#endif
