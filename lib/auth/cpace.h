/* CPace, the CFRG's balanced PAKE (draft-irtf-cfrg-cpace-21), suite
 * CPACE-RISTR255-SHA512, initiator-responder mode, on libsodium's
 * ristretto255 and SHA-512; with the draft's sid_output and its key
 * confirmation (mac_key, Ta, Tb), whose MAC coffer pins to HMAC-SHA-512.
 * docs/PROTOCOL-cpace.md says what is hashed, byte for byte. Internal:
 * the client layer uses it to pair a device over a one-time code.
 *
 * A party (A, the initiator, speaks first; B answers) starts with the
 * password-related string PRS, the channel identifier CI and the session
 * id sid, which both must share (sid may be empty), sends its Y with its
 * associated data AD, and finishes with the peer's Y and both ADs into
 * the 64-byte ISK. Feed the ISK to a KDF before use; K itself never
 * leaves this module's session functions.
 *
 * Errors: COFFER_ERR_INVALID for the caller's own bad argument (NULL, a
 * length over its cap, a bad role or scalar); COFFER_ERR_TRUNCATED,
 * COFFER_ERR_TRAILING, COFFER_ERR_TOOBIG, COFFER_ERR_FORMAT for the
 * peer's bad message (short, long, AD over the cap, not a canonical
 * element or one that makes K the identity: the draft's abort);
 * COFFER_ERR_AUTH for a key confirmation tag that does not verify;
 * COFFER_ERR_STATE for a session already finished; COFFER_ERR_NOMEM;
 * COFFER_ERR_CRYPTO if libsodium fails. No output is written unless the
 * call returns 0. */
#ifndef COFFER_CPACE_H
#define COFFER_CPACE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

#define CPACE_ELEMENT_BYTES	32	/* an encoded element: g, Y */
#define CPACE_SCALAR_BYTES	32	/* a scalar y, little-endian */
#define CPACE_ISK_BYTES		64	/* ISK */
#define CPACE_SID_OUTPUT_BYTES	64	/* sid_output */
#define CPACE_MAC_KEY_BYTES	64	/* mac_key */
#define CPACE_TAG_BYTES		64	/* Ta, Tb: HMAC-SHA-512, untruncated */

/* Caps on the inputs, in bytes (each may be empty). */
#define CPACE_PRS_MAX		1024
#define CPACE_CI_MAX		1024
#define CPACE_SID_MAX		64
#define CPACE_AD_MAX		1024

/* A party's role: the initiator's Y and AD come first in transcript_ir. */
enum cpace_role {
	CPACE_INITIATOR = 0,	/* A: sends Ya, ADa */
	CPACE_RESPONDER = 1,	/* B: sends Yb, ADb */
};

/* One party's session: its scalar y (sodium_malloc memory), its own Y,
 * its role and sid. One use: cpace_finish() spends it. */
struct cpace;

/** cpace_generator(g, prs, prslen, ci, cilen, sid, sidlen): the draft's
 * calculate_generator: ${g} = element_derivation(SHA-512(
 * generator_string(DSI, PRS, CI, sid, 128))), encoded. ${g} is as secret
 * as the PRS. Returns 0 or COFFER_ERR_INVALID (NULL, or a length over its
 * cap) or COFFER_ERR_CRYPTO. */
int cpace_generator(uint8_t g[CPACE_ELEMENT_BYTES],
    const uint8_t *prs, size_t prslen, const uint8_t *ci, size_t cilen,
    const uint8_t *sid, size_t sidlen) COFFER_WUR;

/** cpace_start(out, y_out, role, prs, prslen, ci, cilen, sid, sidlen):
 * start a session as ${role}: a fresh scalar y (32 random bytes, the bits
 * from 252 up cleared: the draft's sample_scalar), ${y_out} = y * g for
 * the generator of (${prs}, ${ci}, ${sid}). ${y_out} is the Y to send
 * with this side's AD. *${out} gets the session, to pass to
 * cpace_finish() and free with cpace_free(). Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
int cpace_start(struct cpace **out, uint8_t y_out[CPACE_ELEMENT_BYTES],
    enum cpace_role role, const uint8_t *prs, size_t prslen,
    const uint8_t *ci, size_t cilen, const uint8_t *sid, size_t sidlen)
    COFFER_WUR;

/** cpace_start_det(out, y_out, role, prs, prslen, ci, cilen, sid, sidlen,
 * y): cpace_start() with the given scalar ${y}, for known-answer tests
 * only: a scalar must never be used twice. ${y} must be canonical (below
 * the group order) and not zero, else COFFER_ERR_INVALID. */
int cpace_start_det(struct cpace **out, uint8_t y_out[CPACE_ELEMENT_BYTES],
    enum cpace_role role, const uint8_t *prs, size_t prslen,
    const uint8_t *ci, size_t cilen, const uint8_t *sid, size_t sidlen,
    const uint8_t y[CPACE_SCALAR_BYTES]) COFFER_WUR;

/** cpace_finish(st, isk, peer_y, peer_ylen, ada, adalen, adb, adblen):
 * K = scalar_mult_vfy(y, peer Y); abort if K is the identity; else
 * ${isk} = SHA-512(lv_cat("CPaceRistretto255_ISK", sid, K) ||
 * transcript_ir(Ya, ADa, Yb, ADb)), with this side's Y and the peer's
 * ${peer_y} placed by role. ${ada} and ${adb} are the initiator's and
 * the responder's AD, one of them this side's own (over CPACE_AD_MAX:
 * COFFER_ERR_INVALID), the other the peer's (over the cap:
 * COFFER_ERR_TOOBIG). ${peer_y} must be ${peer_ylen} = 32 bytes
 * (COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING) holding the canonical
 * encoding of an element other than the identity (COFFER_ERR_FORMAT).
 * Any call spends ${st}, whatever its result: y is wiped, and a later
 * call returns COFFER_ERR_STATE. Returns 0 or one of those errors,
 * COFFER_ERR_INVALID or COFFER_ERR_CRYPTO. */
int cpace_finish(struct cpace *st, uint8_t isk[CPACE_ISK_BYTES],
    const uint8_t *peer_y, size_t peer_ylen, const uint8_t *ada,
    size_t adalen, const uint8_t *adb, size_t adblen) COFFER_WUR;

/** cpace_free(p): wipe and free the session *${p} (NULL or a session) and
 * set *${p} to NULL. */
void cpace_free(struct cpace **p);

/** cpace_scalar_mult_vfy(out, y, x): the group's scalar_mult_vfy:
 * ${out} = encode(y * decode(x)) for a 32-byte ${x}; COFFER_ERR_FORMAT if
 * ${x} is not the canonical encoding of an element other than the
 * identity, or the product is the identity (where the draft returns
 * G.I). ${y} must be canonical and not zero (else COFFER_ERR_INVALID).
 * Returns 0 or one of those errors. */
int cpace_scalar_mult_vfy(uint8_t out[CPACE_ELEMENT_BYTES],
    const uint8_t y[CPACE_SCALAR_BYTES],
    const uint8_t x[CPACE_ELEMENT_BYTES]) COFFER_WUR;

/** cpace_sid_output(out, ya, ada, adalen, yb, adb, adblen): the draft's
 * session identifier for a session run with an empty sid: ${out} =
 * SHA-512("CPaceSidOutput" || transcript_ir(Ya, ADa, Yb, ADb)). Public;
 * equal on both sides exactly when their transcripts are. Returns 0 or
 * COFFER_ERR_INVALID (NULL, an AD over CPACE_AD_MAX). */
int cpace_sid_output(uint8_t out[CPACE_SID_OUTPUT_BYTES],
    const uint8_t ya[CPACE_ELEMENT_BYTES], const uint8_t *ada,
    size_t adalen, const uint8_t yb[CPACE_ELEMENT_BYTES],
    const uint8_t *adb, size_t adblen) COFFER_WUR;

/** cpace_mac_key(key, isk, sid, sidlen): the draft's key confirmation
 * key: ${key} = SHA-512("CPaceMac" || sid || ISK), with the session's
 * input ${sid} (empty if it had none). Returns 0 or COFFER_ERR_INVALID. */
int cpace_mac_key(uint8_t key[CPACE_MAC_KEY_BYTES],
    const uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid, size_t sidlen)
    COFFER_WUR;

/** cpace_tag(tag, isk, sid, sidlen, y, ad, adlen): the key confirmation
 * tag over one party's message: ${tag} = HMAC-SHA-512(mac_key,
 * lv_cat(Y, AD)): Ta with A's ${y} and ${ad}, Tb with B's. Returns 0 or
 * COFFER_ERR_INVALID. */
int cpace_tag(uint8_t tag[CPACE_TAG_BYTES],
    const uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid, size_t sidlen,
    const uint8_t y[CPACE_ELEMENT_BYTES], const uint8_t *ad, size_t adlen)
    COFFER_WUR;

/** cpace_tag_verify(tag, taglen, isk, sid, sidlen, y, ad, adlen): check
 * the peer's received ${tag} (${taglen} bytes) against cpace_tag() of the
 * peer's ${y} and ${ad}, in constant time. Returns 0, COFFER_ERR_AUTH
 * (wrong tag, or not CPACE_TAG_BYTES long) or COFFER_ERR_INVALID. */
int cpace_tag_verify(const uint8_t *tag, size_t taglen,
    const uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid, size_t sidlen,
    const uint8_t y[CPACE_ELEMENT_BYTES], const uint8_t *ad, size_t adlen)
    COFFER_WUR;

#endif
