/*
 * Change tokens: where a client stands in a zone's change feed, as
 * STORE_TOKEN_LEN characters of base64url. The client keeps them as
 * opaque text; the store makes and checks them (docs/STORAGE.md, "Change
 * tokens"). Every metadata backend uses this one codec.
 *
 *   offset size field
 *   0      1    version (1)
 *   1      16   zone nonce: random, made with the zone
 *   17     8    sequence number, big-endian
 *   25     16   tag: keyed BLAKE2b-128 under the store's token key over
 *                "cofferd/store/change-token/v1" || bytes 0..25 ||
 *                account id || zone id
 */
#ifndef COFFERD_STORE_TOKEN_H
#define COFFERD_STORE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "store/meta.h"

#define STORE_TOKEN_VERSION	1
#define STORE_TOKEN_BYTES	41
#define STORE_TOKEN_KEY_BYTES	32
#define STORE_ZONE_NONCE_BYTES	16

/** store_token_encode(out, key, account, zone, nonce, seq): the token for
 * sequence number ${seq} of zone ${zone} of ${account}, whose nonce is
 * ${nonce}, under ${key}, into ${out} (NUL terminated). Returns 0, or
 * COFFER_ERR_INVALID (${seq} over INT64_MAX). */
int store_token_encode(char out[STORE_TOKEN_LEN + 1],
    const uint8_t key[STORE_TOKEN_KEY_BYTES],
    const uint8_t account[COFFER_WIRE_ID_BYTES], const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t nonce[STORE_ZONE_NONCE_BYTES], uint64_t seq);

/** store_token_decode(seq, token, key, account, zone, nonce): check
 * ${token} (NUL terminated) against the zone and set *${seq}. Returns 0,
 * or in this order COFFER_ERR_FORMAT (not STORE_TOKEN_LEN characters of
 * canonical base64url), COFFER_ERR_VERSION, COFFER_ERR_CONTEXT (another
 * zone's nonce), COFFER_ERR_AUTH (the tag does not match),
 * COFFER_ERR_FORMAT (an authentic sequence number over INT64_MAX, which
 * no store makes). *${seq} is untouched on error. */
int store_token_decode(uint64_t *seq, const char *token,
    const uint8_t key[STORE_TOKEN_KEY_BYTES],
    const uint8_t account[COFFER_WIRE_ID_BYTES], const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t nonce[STORE_ZONE_NONCE_BYTES]);

#endif
