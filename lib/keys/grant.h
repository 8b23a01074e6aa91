/* Grants, CFRG v1 (docs/PROTOCOL-devices.md §3): an epoch's keychain root
 * sealed to one device and signed by the account key of the device-list
 * entry the grant belongs to. A sealed box alone proves nothing (anyone,
 * the server included, can seal a root of its choosing to a public key):
 * a device takes a root only from a grant that passes every check of
 * grant_open against an entry of its verified chain. The client opens
 * grants; the client makes them when it adds or removes a device. */
#ifndef COFFER_KEYS_GRANT_H
#define COFFER_KEYS_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/device.h>
#include <coffer/key.h>
#include <coffer/sign.h>
#include <coffer/wire.h>

#include "keys/devlist.h"

#define GRANT_VERSION		1
/* The sealed root: a key record sealed to a device (PROTOCOL-keys.md
 * §3.3), the only length version 1 takes. */
#define GRANT_SEALED_BYTES	185
/* Bytes before the sealed root: magic through its length. */
#define GRANT_HEADER_BYTES	119
#define GRANT_BYTES		(GRANT_HEADER_BYTES + GRANT_SEALED_BYTES + \
				 COFFER_SIGN_BYTES)

/* A parsed grant: its fields, public data only. */
struct grant {
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	uint64_t	seq;
	uint8_t		entry_hash[DEVLIST_HASH_BYTES];
	uint32_t	epoch;
	uint8_t		device[COFFER_WIRE_ID_BYTES];
	uint8_t		agree_pk[COFFER_PUBLIC_BYTES];
	uint32_t	agree_version;
	uint8_t		sealed[GRANT_SEALED_BYTES];
	uint8_t		sig[COFFER_SIGN_BYTES];
};

/** grant_parse(out, p, len): strictly parse the ${len} bytes at ${p} as a
 * grant (§3: magic, version, every field, seq, epoch and key version at
 * least 1, a sealed root of exactly GRANT_SEALED_BYTES that is a device
 * envelope to the grant's own key and version, no trailing bytes); the
 * signature is not checked. Returns 0, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_FORMAT, COFFER_ERR_VERSION, COFFER_ERR_TRAILING or
 * COFFER_ERR_CRYPTO; on error ${out} is zeroed. */
int grant_parse(struct grant *out, const uint8_t *p, size_t len) COFFER_WUR;

/** grant_make(out, entry, device_id, root, signer): append to ${out} the
 * grant of ${root} to the device ${device_id} listed in ${entry} (the
 * entry it belongs to, parsed), signed by the Ed25519 account key
 * ${signer}. Refuses what no device would accept: a device ${entry} does
 * not list, a root that is not a symmetric key of version ${entry}'s epoch
 * or does not match its root commit, a signer other than ${entry}'s
 * account key. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_TOOBIG,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO; on error ${out} is unchanged. */
int grant_make(struct coffer_buf *out, const struct devlist_entry *entry,
    const uint8_t device_id[COFFER_WIRE_ID_BYTES],
    const struct coffer_key *root, const struct coffer_key *signer)
    COFFER_WUR;

/** grant_make_det(out, g, root, signer, nonce, eph): the grant of the
 * fields of ${g} (its sealed and sig are ignored) with ${root} sealed to
 * ${g}'s key using the given ${nonce} (24 bytes) and ephemeral X25519
 * secret ${eph} (32), signed by ${signer}; no check against any entry, so
 * tests can make grants no device accepts. Returns as grant_make. */
int grant_make_det(struct coffer_buf *out, const struct grant *g,
    const struct coffer_key *root, const struct coffer_key *signer,
    const uint8_t *nonce, const uint8_t *eph) COFFER_WUR;

/** grant_open(out, p, len, entry, self, why, whylen): check the grant of
 * ${len} bytes at ${p} against ${entry}, the entry of the caller's
 * verified chain at the grant's seq, and the caller's device ${self}, in
 * the order of §3: the grant names ${entry} (account, seq, hash); its
 * signature holds under ${entry}'s account key; it is for ${self} (id,
 * X25519 key and version) and ${entry} lists ${self}'s card; its epoch
 * is ${entry}'s; the sealed root opens with ${self}'s X25519 key as the
 * root of that epoch; the root matches ${entry}'s root commit. Returns 0
 * and the root in *${out}; COFFER_ERR_TRUNCATED, COFFER_ERR_FORMAT,
 * COFFER_ERR_VERSION or COFFER_ERR_TRAILING for a malformed grant;
 * COFFER_ERR_AUTH for a check that fails, with the reason in ${why}
 * (NUL-terminated, ${whylen} bytes; may be NULL); COFFER_ERR_INVALID,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. On error *${out} is NULL. */
int grant_open(struct coffer_key **out, const uint8_t *p, size_t len,
    const struct devlist_entry *entry, const struct coffer_device *self,
    char *why, size_t whylen) COFFER_WUR;

#endif
