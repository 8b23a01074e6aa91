/* Device names in the signed device list (docs/PROTOCOL-devices.md §2.1,
 * "names"): a table of (device id, name) in device id order, sealed in a
 * secret envelope under names_e = KDF(R_e, "coffer/devlist-names/v1"), so
 * the server stores and relays names it cannot read. Every entry carries
 * the whole table (or none); a rename changes nothing else. */
#ifndef COFFER_KEYS_DEVLIST_NAMES_H
#define COFFER_KEYS_DEVLIST_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/key.h>
#include <coffer/wire.h>

#include "keys/devlist.h"

/* One named device; the name is 1 to DEVLIST_NAME_MAX bytes of UTF-8
 * (devlist_names_valid), NUL-terminated here, not on the wire. */
struct devlist_name {
	uint8_t	device[COFFER_WIRE_ID_BYTES];
	char	name[DEVLIST_NAME_MAX + 1];
};

/* A names table: at most one name per listed device. */
struct devlist_names {
	size_t			n;
	struct devlist_name	v[DEVLIST_DEVICES_MAX];
};

/** devlist_names_valid(name, len): 1 if the ${len} bytes at ${name} make
 * a name the list may carry (§2.1: 1 to 64 bytes of shortest-form UTF-8
 * of code points up to U+10FFFF, no surrogates, no control characters
 * (U+0000..U+001F, U+007F..U+009F), no line or paragraph separator
 * (U+2028, U+2029) and no bidirectional formatting character (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069)), else 0. */
int devlist_names_valid(const char *name, size_t len);

/** devlist_names_find(t, device_id): the name of ${device_id} in ${t}, or
 * NULL. */
const char *devlist_names_find(const struct devlist_names *t,
    const uint8_t device_id[COFFER_WIRE_ID_BYTES]);

/** devlist_names_encode(out, t): append the plain table of ${t} (its
 * names in device id order) to the secret buffer ${out}. Returns 0,
 * COFFER_ERR_INVALID (no names, more than DEVLIST_DEVICES_MAX, a name
 * devlist_names_valid refuses, a device named twice), COFFER_ERR_TOOBIG
 * or COFFER_ERR_NOMEM; on error ${out} is unchanged. */
int devlist_names_encode(struct coffer_buf *out,
    const struct devlist_names *t) COFFER_WUR;

/** devlist_names_parse(out, p, len): strictly parse a plain table (§2.1:
 * at least one name, device ids strictly increasing, lengths 1..64, each
 * name devlist_names_valid, at most DEVLIST_DEVICES_MAX names, nothing
 * after the last). Returns 0, COFFER_ERR_TRUNCATED or COFFER_ERR_FORMAT;
 * on error ${out} is zeroed. */
int devlist_names_parse(struct devlist_names *out, const uint8_t *p,
    size_t len) COFFER_WUR;

/** devlist_names_key(out, root): names_e, the key that seals the names
 * of an entry of ${root}'s epoch: coffer_kdf_key(${root},
 * "coffer/devlist-names/v1"), of ${root}'s version. Returns 0,
 * COFFER_ERR_INVALID (not a symmetric key) or COFFER_ERR_NOMEM. */
int devlist_names_key(struct coffer_key **out, const struct coffer_key *root)
    COFFER_WUR;

/** devlist_names_seal(out, t, root): append to ${out} the envelope of the
 * table ${t} under the names key of ${root} (context
 * "coffer/devlist-names/v1"): the names field of an entry of ${root}'s
 * epoch. Returns as devlist_names_encode, or COFFER_ERR_CRYPTO; on error
 * ${out} is unchanged. */
int devlist_names_seal(struct coffer_buf *out, const struct devlist_names *t,
    const struct coffer_key *root) COFFER_WUR;

/** devlist_names_seal_det(out, t, root, nonce): the same with the
 * envelope's 24-byte ${nonce} given, for vectors. */
int devlist_names_seal_det(struct coffer_buf *out,
    const struct devlist_names *t, const struct coffer_key *root,
    const uint8_t *nonce) COFFER_WUR;

/** devlist_names_open(out, e, root): the names of the entry ${e}, opened
 * with the root of its epoch ${root}: none if it has no names field; else
 * the envelope must open (its errors: COFFER_ERR_TRUNCATED,
 * COFFER_ERR_FORMAT, COFFER_ERR_VERSION, COFFER_ERR_TRAILING,
 * COFFER_ERR_TOOBIG, COFFER_ERR_CONTEXT, COFFER_ERR_KEY for a root of
 * another epoch, COFFER_ERR_AUTH), the table parse (COFFER_ERR_TRUNCATED,
 * COFFER_ERR_FORMAT), and name only devices ${e} lists
 * (COFFER_ERR_FORMAT). Returns 0, those, COFFER_ERR_INVALID or
 * COFFER_ERR_NOMEM; on error ${out} is zeroed. */
int devlist_names_open(struct devlist_names *out,
    const struct devlist_entry *e, const struct coffer_key *root) COFFER_WUR;

#endif
