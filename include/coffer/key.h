/* Keys in guarded memory. A struct coffer_key holds one 32-byte secret
 * (a symmetric key, an X25519 secret scalar or an Ed25519 seed) in
 * sodium_malloc memory, with a 16-byte key id and a version. */
#ifndef COFFER_KEY_H
#define COFFER_KEY_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

#define COFFER_KEY_BYTES	32
#define COFFER_KEY_ID_BYTES	16
#define COFFER_PUBLIC_BYTES	32

enum coffer_key_kind {
	COFFER_KEY_SYMMETRIC = 1,	/* AEAD and KDF key */
	COFFER_KEY_X25519 = 2,		/* key agreement: sealing to a device */
	COFFER_KEY_ED25519 = 3,		/* signing */
};

struct coffer_key;

/** coffer_init(): prepare the library (libsodium); safe to call from any
 * thread, any number of times. Returns 0 or COFFER_ERR_CRYPTO. Every
 * function that needs it calls it too. */
COFFER_API int coffer_init(void) COFFER_WUR;

/** coffer_key_generate(out, kind, version): a fresh random key of ${kind}.
 * A symmetric key gets a random id; an asymmetric key the id of its public
 * key (coffer_key_id_of_public). Returns 0, COFFER_ERR_INVALID or
 * COFFER_ERR_NOMEM. */
COFFER_API int coffer_key_generate(struct coffer_key **out,
    enum coffer_key_kind kind, uint32_t version) COFFER_WUR;

/** coffer_key_import(out, kind, secret, id, version): a key holding a copy
 * of ${secret}. ${id} may be NULL for an asymmetric key (then derived from
 * the public key) and must not be NULL for a symmetric one. Returns 0,
 * COFFER_ERR_INVALID or COFFER_ERR_NOMEM. */
COFFER_API int coffer_key_import(struct coffer_key **out,
    enum coffer_key_kind kind, const uint8_t secret[COFFER_KEY_BYTES],
    const uint8_t *id, uint32_t version) COFFER_WUR;

/** coffer_key_free(p): wipe and free *${p}, set it to NULL; accepts NULL. */
COFFER_API void coffer_key_free(struct coffer_key **p);

/** coffer_key_kind(k), coffer_key_version(k), coffer_key_id(k): the
 * key's kind, version and 16-byte id (owned by ${k}). */
COFFER_API enum coffer_key_kind coffer_key_kind(const struct coffer_key *k);
COFFER_API uint32_t coffer_key_version(const struct coffer_key *k);
COFFER_API const uint8_t *coffer_key_id(const struct coffer_key *k);

/** coffer_key_public(k, pk): the public key of an X25519 or Ed25519 key.
 * Returns 0, or COFFER_ERR_INVALID for a symmetric key. */
COFFER_API int coffer_key_public(const struct coffer_key *k,
    uint8_t pk[COFFER_PUBLIC_BYTES]) COFFER_WUR;

/** coffer_key_id_of_public(kind, pk, id): the key id of a public key:
 * the first 16 bytes of BLAKE2b-256 keyed by "coffer/key-id/v1" over
 * kind || pk. Returns 0 or COFFER_ERR_INVALID. */
COFFER_API int coffer_key_id_of_public(enum coffer_key_kind kind,
    const uint8_t pk[COFFER_PUBLIC_BYTES],
    uint8_t id[COFFER_KEY_ID_BYTES]) COFFER_WUR;

/** coffer_key_equal(a, b): 1 if both hold the same kind, id, version and
 * secret (compared in constant time), else 0. */
COFFER_API int coffer_key_equal(const struct coffer_key *a,
    const struct coffer_key *b);

#endif
