/* Keystore internals for the vector tests and the fuzzer. */
#ifndef COFFER_KEYSTORE_INTERNAL_H
#define COFFER_KEYSTORE_INTERNAL_H

#include <coffer/keystore.h>

#define KEYSTORE_SALT_BYTES	16
#define KEYSTORE_NONCE_BYTES	24

/** keystore_encode_det(out, device, passcode, passcode_len, params,
 * salt, nonce): coffer_keystore_encode with its randomness given: the
 * Argon2 ${salt} (16 bytes) and the envelope ${nonce} (24 bytes), both
 * ignored without a passcode. ${params} must not be NULL with a passcode.
 * Only tests and coffer_keystore_encode use it. */
int keystore_encode_det(struct coffer_buf *out,
    const struct coffer_device *device, const uint8_t *passcode,
    size_t passcode_len, const struct coffer_keystore_params *params,
    const uint8_t *salt, const uint8_t *nonce) COFFER_WUR;

/** keystore_peek(sealed, p, len): check the structure of the
 * keystore ${p} of ${len} bytes as coffer_keystore_parse does before it
 * looks at the passcode (everything of a clear keystore but its payload
 * fields; everything of a sealed one but Argon2 and the AEAD tag), and set
 * *${sealed} to 1 if it needs a passcode. Returns 0 or the error
 * coffer_keystore_parse gives for that structure. */
int keystore_peek(int *sealed, const uint8_t *p, size_t len)
    COFFER_WUR;

#endif
