/* The account's signed device list (docs/PROTOCOL-devices.md §2): entries
 * of format CFDL v1, each a full snapshot of the account's devices, hash-
 * chained and signed by the account key in force before it. Parsing is
 * strict; signatures and the chain are checked by devlist_verify_genesis
 * and devlist_verify_next, which know the signer. The client keeps a
 * pinned head and extends it; the server checks every append against the
 * head it stores. */
#ifndef COFFER_KEYS_DEVLIST_H
#define COFFER_KEYS_DEVLIST_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/device.h>
#include <coffer/key.h>
#include <coffer/sign.h>
#include <coffer/wire.h>

#define DEVLIST_HASH_BYTES	32
#define DEVLIST_DEVICES_MAX	100
#define DEVLIST_NAMES_MAX	16384
#define DEVLIST_NAME_MAX	64
#define DEVLIST_ENTRY_MAX	40960
#define DEVLIST_DEVICE_BYTES	(COFFER_DEVICE_CARD_BYTES + 8 + 16 + 8)

enum devlist_kind {
	DEVLIST_GENESIS = 1,
	DEVLIST_ADD = 2,
	DEVLIST_REMOVE = 3,
	DEVLIST_RENAME = 4
};

/* A listed device: its card (checked) and how it got there. */
struct devlist_device {
	struct coffer_device_card	card;
	uint8_t				raw[COFFER_DEVICE_CARD_BYTES];
	uint64_t			added_seq;
	uint8_t				approver[COFFER_WIRE_ID_BYTES];
	uint64_t			added_time;
};

/* A parsed entry. names/names_len point into the entry's bytes (the
 * sealed names table, NULL and 0 when absent); devices is heap memory
 * owned by the entry. */
struct devlist_entry {
	enum devlist_kind	 kind;
	uint64_t		 seq;
	uint8_t			 account[COFFER_WIRE_ID_BYTES];
	uint8_t			 prev[DEVLIST_HASH_BYTES];
	uint64_t		 time;
	uint32_t		 epoch;
	uint8_t			 account_pk[COFFER_PUBLIC_BYTES];
	uint8_t			 root_commit[32];
	uint8_t			 actor[COFFER_WIRE_ID_BYTES];
	uint8_t			 subject[COFFER_WIRE_ID_BYTES];
	struct devlist_device	*devices;
	size_t			 ndevices;
	const uint8_t		*names;
	size_t			 names_len;
	uint8_t			 sig[COFFER_SIGN_BYTES];
	uint8_t			 hash[DEVLIST_HASH_BYTES]; /* §2.2 */
	uint8_t			*raw;		/* the entry's bytes (heap) */
	size_t			 raw_len;
};

/** devlist_parse(out, p, len): parse ${len} bytes at ${p} as an entry
 * (PROTOCOL-devices.md §2.3, parsing), keeping a copy of the bytes and
 * computing its hash; the signature is not checked. Returns 0 (release
 * with devlist_entry_cleanup), COFFER_ERR_TRUNCATED, COFFER_ERR_FORMAT,
 * COFFER_ERR_VERSION, COFFER_ERR_TRAILING, COFFER_ERR_TOOBIG,
 * COFFER_ERR_AUTH (a card's self-signature) or COFFER_ERR_NOMEM; on
 * error ${out} holds nothing. */
int devlist_parse(struct devlist_entry *out, const uint8_t *p, size_t len)
    COFFER_WUR;

/** devlist_peek(out, p, len): read ${len} bytes at ${p} as an entry as
 * devlist_parse does, but step over the devices instead of reading them:
 * the header's fields (checked as devlist_parse checks them), the names
 * table, the signature and a copy of the bytes, with the lengths exact
 * (n devices, the names' length, no trailing bytes). No card is parsed
 * or verified, so this is cheap enough to run before deciding whether an
 * entry is worth checking: ${out}->devices is NULL, ndevices 0 and hash
 * zero (devlist_parse gives those). Returns 0 (release with
 * devlist_entry_cleanup), or devlist_parse's errors but COFFER_ERR_AUTH;
 * on error ${out} holds nothing. */
int devlist_peek(struct devlist_entry *out, const uint8_t *p, size_t len)
    COFFER_WUR;

/** devlist_verify_sig(e, pk): check the signature of the peeked or
 * parsed entry ${e} under the account key ${pk} (the previous entry's;
 * at genesis its own). Returns 0, COFFER_ERR_AUTH or COFFER_ERR_INVALID
 * (no bytes). */
int devlist_verify_sig(const struct devlist_entry *e,
    const uint8_t pk[COFFER_PUBLIC_BYTES]) COFFER_WUR;

/** devlist_entry_cleanup(e): free what ${e} holds and zero it (a zeroed
 * entry is fine). */
void devlist_entry_cleanup(struct devlist_entry *e);

/** devlist_verify_genesis(e): check a parsed entry as a genesis (§2.3:
 * seq 1, prev zero, epoch 1, one device that is actor, subject and its
 * own approver, added seq 1, signed by its own account key). Returns 0,
 * COFFER_ERR_FORMAT (a rule) or COFFER_ERR_AUTH (the signature). */
int devlist_verify_genesis(const struct devlist_entry *e) COFFER_WUR;

/** devlist_verify_next(prev, e, why, whylen): check that ${e} extends the
 * verified entry ${prev} (§2.3, rules 1-5). Returns 0, or COFFER_ERR_AUTH
 * with the rule that failed in ${why} (NUL-terminated, ${whylen} bytes;
 * may be NULL). */
int devlist_verify_next(const struct devlist_entry *prev,
    const struct devlist_entry *e, char *why, size_t whylen) COFFER_WUR;

/** devlist_refuse(why, whylen, fmt, ...): write the reason a check
 * refused something into ${why} (NUL-terminated, ${whylen} bytes; may be
 * NULL) and return COFFER_ERR_AUTH: how the chain rules and the grant
 * checks say which check failed, for the client's messages. */
int devlist_refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** devlist_id_cmp(a, b): the order of device ids ${a} and ${b} (16 bytes
 * each, public): negative, 0 or positive, as memcmp. */
int devlist_id_cmp(const uint8_t *a, const uint8_t *b);

/** devlist_find(e, device_id): the entry's device of that id, or NULL. */
const struct devlist_device *devlist_find(const struct devlist_entry *e,
    const uint8_t device_id[COFFER_WIRE_ID_BYTES]);

/* What a new entry holds; devlist_make signs and encodes it. */
struct devlist_draft {
	enum devlist_kind		 kind;
	uint64_t			 seq;
	const uint8_t			*account;	/* 16 bytes */
	const uint8_t			*prev;		/* 32; NULL at genesis */
	uint64_t			 time;
	uint32_t			 epoch;
	const uint8_t			*account_pk;	/* 32 */
	const uint8_t			*root_commit;	/* 32 */
	const uint8_t			*actor;		/* 16 */
	const uint8_t			*subject;	/* 16 */
	const struct devlist_device	*devices;	/* any order */
	size_t				 ndevices;
	const uint8_t			*names;		/* sealed table or NULL */
	size_t				 names_len;
};

/** devlist_make(out, d, signer): encode ${d} (devices sorted by id) and
 * sign it with the Ed25519 account key ${signer} (the previous entry's
 * account key; at genesis the entry's own). Appends to ${out}. Returns
 * 0, COFFER_ERR_INVALID (a field out of range, duplicate device ids, a
 * signer that is not an Ed25519 key), COFFER_ERR_TOOBIG or
 * COFFER_ERR_NOMEM; on error ${out} is unchanged. */
int devlist_make(struct coffer_buf *out, const struct devlist_draft *d,
    const struct coffer_key *signer) COFFER_WUR;

/** devlist_root_commit(out, root): KDF(root, "coffer/root-commit/v1"),
 * the root commit of an epoch (§1). Returns 0, COFFER_ERR_INVALID or
 * COFFER_ERR_CRYPTO. */
int devlist_root_commit(uint8_t out[32], const struct coffer_key *root)
    COFFER_WUR;

#endif
