/* Device identity (docs/PROTOCOL-keys.md, "Device"): a random 16-byte
 * device id, an Ed25519 signing key and an X25519 agreement key, both made
 * on the device; their private halves never leave it (coffer/keystore.h
 * stores them). The public "device card" is what the server stores and
 * other devices check: the id and both public keys, signed by the device's
 * own signing key. It carries no name: names are encrypted by clients. */
#ifndef COFFER_DEVICE_H
#define COFFER_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/export.h>
#include <coffer/key.h>
#include <coffer/sign.h>
#include <coffer/wire.h>

#define COFFER_DEVICE_ID_BYTES		COFFER_WIRE_ID_BYTES
#define COFFER_DEVICE_CARD_VERSION	1
/* The encoded size of a version 1 device card. */
#define COFFER_DEVICE_CARD_BYTES	157

struct coffer_device;

/* A parsed device card: public data only. */
struct coffer_device_card {
	uint8_t		device_id[COFFER_DEVICE_ID_BYTES];
	uint32_t	sign_version;
	uint8_t		sign_pk[COFFER_PUBLIC_BYTES];
	uint32_t	agree_version;
	uint8_t		agree_pk[COFFER_PUBLIC_BYTES];
	uint8_t		sig[COFFER_SIGN_BYTES];
};

/** coffer_device_generate(out): a new device with a random id and fresh
 * Ed25519 and X25519 keys, both of version 1. Returns 0, COFFER_ERR_NOMEM
 * or COFFER_ERR_CRYPTO; on error *${out} is NULL. */
COFFER_API int coffer_device_generate(struct coffer_device **out) COFFER_WUR;

/** coffer_device_free(p): wipe and free *${p} and set it to NULL. Accepts
 * NULL and a pointer to NULL. */
COFFER_API void coffer_device_free(struct coffer_device **p);

/** coffer_device_id(d): the 16-byte device id of ${d}, owned by ${d}. */
COFFER_API const uint8_t *coffer_device_id(const struct coffer_device *d);

/** coffer_device_sign_key(d): the Ed25519 key of ${d}, owned by ${d}. */
COFFER_API const struct coffer_key *coffer_device_sign_key(
    const struct coffer_device *d);

/** coffer_device_agree_key(d): the X25519 key of ${d}, owned by ${d}. */
COFFER_API const struct coffer_key *coffer_device_agree_key(
    const struct coffer_device *d);

/** coffer_device_sign_public(d): the 32-byte Ed25519 public key of ${d},
 * owned by ${d}. */
COFFER_API const uint8_t *coffer_device_sign_public(
    const struct coffer_device *d);

/** coffer_device_agree_public(d): the 32-byte X25519 public key of ${d},
 * owned by ${d}. */
COFFER_API const uint8_t *coffer_device_agree_public(
    const struct coffer_device *d);

/** coffer_device_card_encode(out, d): append to ${out} the device card of
 * ${d} (COFFER_DEVICE_CARD_BYTES bytes), signed by its Ed25519 key.
 * Returns 0, COFFER_ERR_TOOBIG (${out} full), COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO; on error ${out} is unchanged. */
COFFER_API int coffer_device_card_encode(struct coffer_buf *out,
    const struct coffer_device *d) COFFER_WUR;

/** coffer_device_card_parse(card, p, len): strictly parse the ${len}
 * bytes at ${p} as a device card into ${card} and check its public keys
 * and self-signature. Returns 0, COFFER_ERR_TRUNCATED, COFFER_ERR_FORMAT
 * (bad magic, a public key that is not canonical or of small order),
 * COFFER_ERR_VERSION, COFFER_ERR_TRAILING, COFFER_ERR_AUTH (the
 * signature does not hold) or COFFER_ERR_CRYPTO. On error ${card} is
 * zeroed. A card that
 * parses proves only that its signing key vouches for its agreement key;
 * whether the device belongs to an account is the signed device list's
 * business. */
COFFER_API int coffer_device_card_parse(struct coffer_device_card *card,
    const uint8_t *p, size_t len) COFFER_WUR;

#endif
