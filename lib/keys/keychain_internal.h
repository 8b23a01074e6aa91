/* Keychain internals: the key record, for the vector tests and fuzzers. */
#ifndef COFFER_KEYCHAIN_INTERNAL_H
#define COFFER_KEYCHAIN_INTERNAL_H

#include <coffer/envelope.h>
#include <coffer/keychain.h>

/* magic, version, kind, role, category, key version, key id, secret */
#define KEYRECORD_BYTES	(4 + 1 + 1 + 1 + 1 + 4 + \
				 COFFER_KEY_ID_BYTES + COFFER_KEY_BYTES)

/* The context of a key sealed to a device, and the size of that envelope
 * (PROTOCOL-envelope.md: header 8 + 21 + 16 + 4 + 32 + 24 + 4, the
 * record, the tag): a grant (keys/grant.c) carries one. */
#define KEYCHAIN_DEVICE_CONTEXT	"coffer/wrap-device/v1"
#define KEYCHAIN_DEVICE_SEALED_BYTES	(109 + KEYRECORD_BYTES + 16)

/** keyrecord_encode(out, key, role, category): append the key
 * record of ${key} as ${role} of ${category} to the secret buffer ${out}.
 * Returns 0, COFFER_ERR_INVALID (see coffer_keychain_wrap),
 * COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM; on error ${out} is unchanged. */
int keyrecord_encode(struct coffer_buf *out,
    const struct coffer_key *key, enum coffer_key_role role,
    uint8_t category) COFFER_WUR;

/** keyrecord_parse(out, role, category, p, len): strictly parse a
 * key record into a key *${out} and its *${role} and *${category}. Returns
 * 0, COFFER_ERR_TRUNCATED, COFFER_ERR_FORMAT, COFFER_ERR_VERSION,
 * COFFER_ERR_TRAILING or COFFER_ERR_NOMEM; on error *${out} is NULL. */
int keyrecord_parse(struct coffer_key **out,
    enum coffer_key_role *role, uint8_t *category, const uint8_t *p,
    size_t len) COFFER_WUR;

/** keychain_wrap_det(out, key, role, category, type, kek, pk,
 * pk_version, nonce, eph): the wrap or device seal with its randomness
 * given, as envelope_seal_det: ${kek} for a secret envelope;
 * ${pk}, ${pk_version} and the ephemeral secret ${eph} for a public one. */
int keychain_wrap_det(struct coffer_buf *out,
    const struct coffer_key *key, enum coffer_key_role role,
    uint8_t category, enum coffer_envelope_type type,
    const struct coffer_key *kek, const uint8_t *pk, uint32_t pk_version,
    const uint8_t *nonce, const uint8_t *eph) COFFER_WUR;

#endif
