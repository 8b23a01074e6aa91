/* A device list made from fixed seeds, shared by the tests of the device
 * list, grants and pairing messages (test_devlist.c, test_grant.c,
 * test_pairmsg.c) and the vectors they write (docs/PROTOCOL-devices.md):
 *
 *   1 genesis  by A: A                      epoch 1, no names
 *   2 add      by A: A, B (B approved by A) epoch 1, no names
 *   3 rename   by B: A, B                   epoch 1, names of A and B
 *   4 remove   by B: B (A removed)          epoch 2, the name of B
 *
 * A_1 signs every entry (the remove too: the key in force before it); C
 * is a device no entry lists. Every secret comes from dc_fill, so the
 * same seeds make the same bytes (Ed25519 is deterministic, the names'
 * nonces are given); X25519 secrets are clamped, so every bit of one is
 * load-bearing in a vector. Helpers abort on failure: a fixture. */
#ifndef COFFER_TEST_DEVCHAIN_H
#define COFFER_TEST_DEVCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/device.h>
#include <coffer/key.h>

#include "keys/devlist.h"
#include "keys/devlist_names.h"

#define DC_DEVICES	3	/* A, B, C */
#define DC_ENTRIES	4	/* genesis, add, rename, remove */
#define DC_TIME		1700000000

struct devchain {
	struct coffer_device	*dev[DC_DEVICES];
	struct coffer_key	*acct[2];	/* A_1, A_2 (Ed25519) */
	struct coffer_key	*root[2];	/* R_1, R_2 */
	uint8_t			 account[16];
	uint8_t			 pk[2][32];	/* of acct */
	uint8_t			 commit[2][32];	/* of root */
	struct devlist_device	 listed[2];	/* A and B as listed */
	struct devlist_names	 names[DC_ENTRIES]; /* each entry's table */
	struct coffer_buf	*sealed[DC_ENTRIES]; /* and its names field */
	struct devlist_draft	 draft[DC_ENTRIES];
	struct coffer_buf	*raw[DC_ENTRIES];
	struct devlist_entry	 e[DC_ENTRIES];
};

/** dc_fill(p, n, seed): ${n} bytes that differ by ${seed} and position. */
void dc_fill(uint8_t *p, size_t n, uint8_t seed);

/** dc_clamp(x): clamp an X25519 secret in place, with bits 3 and 252
 * set, so that altering any hex digit of it changes its public key. */
void dc_clamp(uint8_t x[32]);

/** dc_device(seed): the device of id dc_fill(seed), signing seed
 * dc_fill(seed + 1), X25519 secret dc_fill(seed + 2) clamped, key
 * versions 1. */
struct coffer_device *dc_device(uint8_t seed);

/** dc_key(kind, seed, version): a key of ${kind} with secret
 * dc_fill(seed) (clamped for X25519) and, if symmetric, id
 * dc_fill(seed + 1). */
struct coffer_key *dc_key(enum coffer_key_kind kind, uint8_t seed,
    uint32_t version);

/** dc_listed(d, dev, seq, approver, time): ${dev} as an entry lists it. */
void dc_listed(struct devlist_device *d, const struct coffer_device *dev,
    uint64_t seq, const struct coffer_device *approver, uint64_t time);

/** dc_nonce(nonce, seq): the names nonce of entry ${seq} (24 bytes). */
void dc_nonce(uint8_t nonce[24], uint64_t seq);

/** dc_make(out, d, signer): devlist_make, aborting on failure. */
void dc_make(struct coffer_buf *out, const struct devlist_draft *d,
    const struct coffer_key *signer);

/** dc_parse(e, p, len): devlist_parse, aborting on failure. */
void dc_parse(struct devlist_entry *e, const uint8_t *p, size_t len);

/** dc_hash_is(p, len, hash): 0 if the entry of ${len} bytes at ${p} has
 * ${hash} (§2.2, computed here on its own: BLAKE2b-256 keyed by
 * "coffer/devlist-hash/v1" of all but the signature), else -1. Cheap:
 * the vector checks ask it first, so an altered entry fails fast. */
int dc_hash_is(const uint8_t *p, size_t len, const uint8_t hash[32]);

/** dc_init(c): the chain above; dc_cleanup(c) frees it. The drafts point
 * into ${c} (and the sealed names into heap memory ${c} owns). */
void dc_init(struct devchain *c);
void dc_cleanup(struct devchain *c);

/** dc_resign(p, len, signer): sign the entry of ${len} bytes at ${p}
 * again over all but its last 64 bytes, after an edit. */
void dc_resign(uint8_t *p, size_t len, const struct coffer_key *signer);

#endif
