/* The keychain (docs/PROTOCOL-keys.md, "Keychain"): the keychain root, the
 * account key, versioned category keys and zone keys, the naming key, and
 * how one key is wrapped under another or sealed to a device. A wrapped
 * key is an envelope around a strict key record that names the key's
 * role, category and version; unwrapping checks them against what the
 * caller expects, so a server cannot hand one wrapped key out as
 * another. */
#ifndef COFFER_KEYCHAIN_H
#define COFFER_KEYCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/export.h>
#include <coffer/key.h>

#define COFFER_KEYRECORD_VERSION	1

/* What a key is for. Wire values: append-only. */
enum coffer_key_role {
	COFFER_ROLE_ROOT = 1,		/* keychain root: symmetric, no category */
	COFFER_ROLE_ACCOUNT = 2,	/* account key: Ed25519, no category */
	COFFER_ROLE_CATEGORY = 3,	/* category key: symmetric, a category */
	COFFER_ROLE_ZONE = 4,		/* zone key: symmetric, its category */
	COFFER_ROLE_NAMING = 5,		/* naming key: symmetric, no category;
					 * derives zone ids, never rolls */
};

/** coffer_keychain_key_generate(out, role, category, version): a fresh
 * random key for ${role}: symmetric with a random id, or Ed25519 for the
 * account key. ${category} is 0 for the root, the account key and the
 * naming key, and a known category id (coffer/category.h) for category and
 * zone keys; ${version} is 1 or more. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOMEM
 * or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_keychain_key_generate(struct coffer_key **out,
    enum coffer_key_role role, uint8_t category, uint32_t version)
    COFFER_WUR;

/** coffer_category_key_generate(out, category, version): the same for a
 * category key of the category with id ${category}. */
COFFER_API int coffer_category_key_generate(struct coffer_key **out,
    uint8_t category, uint32_t version) COFFER_WUR;

/** coffer_keychain_wrap(out, key, role, category, kek): append to ${out}
 * the envelope (context "coffer/wrap/v1") of the key record of ${key} as
 * ${role} of ${category}, under the symmetric key-encryption key ${kek}.
 * Returns 0, COFFER_ERR_INVALID (a key whose kind or version does not fit
 * ${role}, an unknown category, a non-symmetric ${kek}, ${key} wrapped
 * under itself), COFFER_ERR_TOOBIG, COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO;
 * on error ${out} is unchanged. */
COFFER_API int coffer_keychain_wrap(struct coffer_buf *out,
    const struct coffer_key *key, enum coffer_key_role role,
    uint8_t category, const struct coffer_key *kek) COFFER_WUR;

/** coffer_keychain_unwrap(out, blob, len, role, category, version, kek):
 * open the wrapped key ${blob} of ${len} bytes with ${kek} and check that
 * it is the ${role} key of ${category} at ${version}. Returns 0 and the
 * key in *${out}; COFFER_ERR_INVALID (bad arguments); the envelope's
 * errors (COFFER_ERR_FORMAT, COFFER_ERR_VERSION, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_TRAILING, COFFER_ERR_TOOBIG, COFFER_ERR_CONTEXT,
 * COFFER_ERR_KEY for another kek, COFFER_ERR_AUTH); the key record's
 * (COFFER_ERR_FORMAT, COFFER_ERR_VERSION, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_TRAILING); COFFER_ERR_KEY if the record is another role,
 * category or version than expected; COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO. On error *${out} is NULL. */
COFFER_API int coffer_keychain_unwrap(struct coffer_key **out,
    const uint8_t *blob, size_t len, enum coffer_key_role role,
    uint8_t category, uint32_t version, const struct coffer_key *kek)
    COFFER_WUR;

/** coffer_keychain_seal_to_device(out, key, role, category, device_pk,
 * device_key_version): as coffer_keychain_wrap, sealed (context
 * "coffer/wrap-device/v1") to a device's X25519 public key ${device_pk}
 * of version ${device_key_version}. Returns as coffer_keychain_wrap;
 * COFFER_ERR_INVALID also for a public key of small order. */
COFFER_API int coffer_keychain_seal_to_device(struct coffer_buf *out,
    const struct coffer_key *key, enum coffer_key_role role,
    uint8_t category, const uint8_t device_pk[COFFER_PUBLIC_BYTES],
    uint32_t device_key_version) COFFER_WUR;

/** coffer_keychain_open_from_device(out, blob, len, role, category,
 * version, device_key): as coffer_keychain_unwrap, for a key sealed to the
 * device whose X25519 key is ${device_key}; COFFER_ERR_KEY also when it
 * was sealed to another device or device key version. */
COFFER_API int coffer_keychain_open_from_device(struct coffer_key **out,
    const uint8_t *blob, size_t len, enum coffer_key_role role,
    uint8_t category, uint32_t version, const struct coffer_key *device_key)
    COFFER_WUR;

#endif
