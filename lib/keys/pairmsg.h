/* Pairing messages, CFPM v1 (docs/PROTOCOL-devices.md §4.3): the four
 * messages a new device N and a trusted device E exchange through the
 * server's mailbox while pairing. Steps 1 to 3 carry the CPace exchange
 * (its points and confirmation tags as bytes: lib/auth computes them) and
 * the two device cards; step 4 carries the list head from E to N, sealed
 * under the channel key the CPace key gives. Parsing is strict. */
#ifndef COFFER_KEYS_PAIRMSG_H
#define COFFER_KEYS_PAIRMSG_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/device.h>
#include <coffer/key.h>
#include <coffer/wire.h>

#include "keys/devlist.h"

#define PAIRMSG_VERSION		1
#define PAIRMSG_ID_BYTES	16	/* the pairing id, CPace's sid */
#define PAIRMSG_HEADER_BYTES	(4 + 1 + 1 + PAIRMSG_ID_BYTES)
#define PAIRMSG_POINT_BYTES	32	/* Ya, Yb: Ristretto255 encodings */
/* Ta, Tb: CPace's key confirmation tags (PROTOCOL-cpace.md). The one
 * place their size is written. */
#define PAIRMSG_TAG_BYTES	64
#define PAIRMSG_NONCE_BYTES	24
#define PAIRMSG_AEAD_TAG_BYTES	16
/* Caps (§7): steps 1 to 3, and step 4, which carries a list entry. */
#define PAIRMSG_MAX		1024
#define PAIRMSG_HEAD_MAX	(DEVLIST_ENTRY_MAX + 128)
/* Step 4's plaintext before the entry: account, seq, hash, entry length. */
#define PAIRMSG_HEAD_FIXED	(COFFER_WIRE_ID_BYTES + 8 + \
				 DEVLIST_HASH_BYTES + 2)

enum pairmsg_step {
	PAIRMSG_STEP_N_HELLO = 1,	/* N: Ya, N's card */
	PAIRMSG_STEP_E_HELLO = 2,	/* E: Yb, E's card, Tb */
	PAIRMSG_STEP_N_CONFIRM = 3,	/* N: Ta */
	PAIRMSG_STEP_E_HEAD = 4		/* E: the list head, sealed */
};

/* A parsed message. Which fields hold depends on the step; sealed points
 * into the parsed bytes. */
struct pairmsg {
	enum pairmsg_step		 step;
	uint8_t				 pairing[PAIRMSG_ID_BYTES];
	uint8_t				 point[PAIRMSG_POINT_BYTES];	/* 1, 2 */
	uint8_t				 card_raw[COFFER_DEVICE_CARD_BYTES];
	struct coffer_device_card	 card;		/* 1, 2: checked */
	uint8_t				 tag[PAIRMSG_TAG_BYTES];	/* 2, 3 */
	const uint8_t			*sealed;	/* 4: nonce, ciphertext */
	size_t				 sealed_len;
};

/* What step 4 carries: the head N pins, as E sent it. */
struct pairmsg_head {
	uint8_t			account[COFFER_WIRE_ID_BYTES];
	uint64_t		seq;
	uint8_t			hash[DEVLIST_HASH_BYTES];
	struct devlist_entry	entry;	/* parsed; the rest agrees with it */
};

/** pairmsg_parse(out, p, len): strictly parse a message (§4.3: size cap,
 * magic, version, a step of 1 to 4, the pairing id, then the step's body:
 * exact sizes, a point that is a canonical Ristretto255 encoding other
 * than the identity, a card that parses and whose self-signature holds,
 * a sealed head at least a nonce, the fixed fields and a tag long).
 * Returns 0, COFFER_ERR_TOOBIG, COFFER_ERR_TRUNCATED, COFFER_ERR_FORMAT,
 * COFFER_ERR_VERSION, COFFER_ERR_TRAILING, COFFER_ERR_AUTH (a card's
 * self-signature) or COFFER_ERR_CRYPTO; on error ${out} is zeroed. */
int pairmsg_parse(struct pairmsg *out, const uint8_t *p, size_t len)
    COFFER_WUR;

/** pairmsg_encode(out, m): append the message of step 1, 2 or 3 that
 * ${m} holds (the fields of its step). Returns 0, COFFER_ERR_INVALID
 * (another step, a point or card pairmsg_parse would refuse),
 * COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM; on error ${out} is unchanged. */
int pairmsg_encode(struct coffer_buf *out, const struct pairmsg *m)
    COFFER_WUR;

/** pairmsg_channel_key(out, isk, isk_len, pairing): the channel key
 * k = KDF(ISK, "coffer/pair-key/v1") of §4.2, from CPace's ${isk_len}
 * bytes of ISK, as a symmetric key whose id is the ${pairing} id.
 * Returns 0, COFFER_ERR_INVALID or COFFER_ERR_NOMEM. */
int pairmsg_channel_key(struct coffer_key **out, const uint8_t *isk,
    size_t isk_len, const uint8_t pairing[PAIRMSG_ID_BYTES]) COFFER_WUR;

/** pairmsg_head_encode(out, head): append step 4's plaintext for the
 * parsed entry ${head}: its account id, seq, hash, then its length and
 * bytes. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_TOOBIG or
 * COFFER_ERR_NOMEM; on error ${out} is unchanged. */
int pairmsg_head_encode(struct coffer_buf *out,
    const struct devlist_entry *head) COFFER_WUR;

/** pairmsg_seal_det(out, pairing, k, pt, ptlen, nonce): append the step 4
 * message of the ${pairing} id that carries ${ptlen} bytes of ${pt}
 * sealed under the channel key ${k} with the 24-byte ${nonce}
 * (XChaCha20-Poly1305, the message's 22-byte header as additional data).
 * For pairmsg_seal_head and vectors. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_TOOBIG (over PAIRMSG_HEAD_MAX), COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO; on error ${out} is unchanged. */
int pairmsg_seal_det(struct coffer_buf *out,
    const uint8_t pairing[PAIRMSG_ID_BYTES], const struct coffer_key *k,
    const uint8_t *pt, size_t ptlen, const uint8_t *nonce) COFFER_WUR;

/** pairmsg_seal_head(out, pairing, k, head): append step 4 for the parsed
 * entry ${head}, sealed under ${k} with a random nonce. Returns as
 * pairmsg_seal_det. */
int pairmsg_seal_head(struct coffer_buf *out,
    const uint8_t pairing[PAIRMSG_ID_BYTES], const struct coffer_key *k,
    const struct devlist_entry *head) COFFER_WUR;

/** pairmsg_open_head(out, p, len, pairing, k): parse the ${len} bytes at
 * ${p} as step 4 of the pairing ${pairing}, open it with the channel key
 * ${k}, and parse what it carries: the fixed fields, then an entry of
 * exactly the length given that devlist_parse takes and whose account
 * id, seq and hash are the ones given. The caller still checks that the
 * account is its own and that the entry lists its card (§4.3, flow 5).
 * Returns 0 (release with devlist_entry_cleanup(&${out}->entry));
 * pairmsg_parse's errors, COFFER_ERR_FORMAT for another step;
 * COFFER_ERR_AUTH (another pairing, another key, or altered);
 * COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING or COFFER_ERR_FORMAT for the
 * plaintext (FORMAT also when its fields disagree with the entry);
 * devlist_parse's errors for the entry; COFFER_ERR_INVALID,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. On error ${out} holds nothing. */
int pairmsg_open_head(struct pairmsg_head *out, const uint8_t *p,
    size_t len, const uint8_t pairing[PAIRMSG_ID_BYTES],
    const struct coffer_key *k) COFFER_WUR;

#endif
