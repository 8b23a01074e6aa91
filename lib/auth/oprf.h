/* The OPRF of RFC 9497, mode 0x00 (modeOPRF), suite ristretto255-SHA512,
 * on libsodium's ristretto255 and SHA-512, with expand_message_xmd of
 * RFC 9380 section 5.3.1. Internal: OPAQUE (lib/auth/opaque_*.c) and the
 * tests use it. Elements and scalars are their 32-byte encodings
 * (SerializeElement, SerializeScalar of RFC 9497 section 4.1).
 *
 * Received elements go through oprf_element_check() (the RFC's
 * DeserializeElement: a canonical ristretto255 encoding that is not the
 * identity); errors are COFFER_ERR_FORMAT for peer input and
 * COFFER_ERR_INVALID for a caller's own bad argument. */
#ifndef COFFER_OPRF_H
#define COFFER_OPRF_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

#define OPRF_ELEMENT_BYTES	32	/* Ne */
#define OPRF_SCALAR_BYTES	32	/* Ns */
#define OPRF_HASH_BYTES		64	/* Nh, the output */
/* Longest PrivateInput or PublicInput (RFC 9497 section 5.1: below 2^16 -
 * 1 bytes); DeriveKeyPair's info is capped lower, at 1024 bytes. */
#define OPRF_INPUT_MAX		65534
#define OPRF_INFO_MAX		1024

/** oprf_expand_xmd(out, outlen, msg, msglen, dst, dstlen):
 * expand_message_xmd with SHA-512 (RFC 9380 section 5.3.1): ${outlen}
 * (1..255 * 64, at most 65535) uniform bytes from ${msg} under the domain
 * separation tag ${dst} (1..255 bytes). Returns 0 or COFFER_ERR_INVALID. */
int oprf_expand_xmd(uint8_t *out, size_t outlen, const uint8_t *msg,
    size_t msglen, const uint8_t *dst, size_t dstlen) COFFER_WUR;

/** oprf_hash_to_group(p, in, inlen): HashToGroup: hash_to_ristretto255
 * with DST "HashToGroup-" || contextString. Returns 0,
 * COFFER_ERR_INVALID (${inlen} over OPRF_INPUT_MAX) or
 * COFFER_ERR_CRYPTO (the point is the identity: InvalidInputError). */
int oprf_hash_to_group(uint8_t p[OPRF_ELEMENT_BYTES],
    const uint8_t *in, size_t inlen) COFFER_WUR;

/** oprf_hash_to_scalar(s, in, inlen, dst, dstlen): HashToScalar:
 * 64 bytes of expand_message_xmd under ${dst} (NULL for the default
 * "HashToScalar-" || contextString), as a little-endian integer reduced
 * modulo the group order. Returns 0 or COFFER_ERR_INVALID. */
int oprf_hash_to_scalar(uint8_t s[OPRF_SCALAR_BYTES],
    const uint8_t *in, size_t inlen, const uint8_t *dst, size_t dstlen)
    COFFER_WUR;

/** oprf_derive_key_pair(sk, pk, seed, info, infolen): DeriveKeyPair
 * (RFC 9497 section 3.2.1) from a 32-byte ${seed} and ${info} (at most
 * OPRF_INFO_MAX bytes). ${pk} may be NULL. Returns 0,
 * COFFER_ERR_INVALID or COFFER_ERR_CRYPTO (DeriveKeyPairError: 256
 * counters gave the zero scalar). */
int oprf_derive_key_pair(uint8_t sk[OPRF_SCALAR_BYTES],
    uint8_t *pk, const uint8_t seed[OPRF_SCALAR_BYTES],
    const uint8_t *info, size_t infolen) COFFER_WUR;

/** oprf_blind(blind, blinded, in, inlen): Blind with a fresh random
 * ${blind}; ${blinded} = blind * HashToGroup(in). Returns 0 or the errors
 * of oprf_hash_to_group(). */
int oprf_blind(uint8_t blind[OPRF_SCALAR_BYTES],
    uint8_t blinded[OPRF_ELEMENT_BYTES], const uint8_t *in,
    size_t inlen) COFFER_WUR;

/** oprf_blind_with(blind, blinded, in, inlen): Blind with the given
 * ${blind} (for known-answer tests), which must be a canonical non-zero
 * scalar. Returns 0, COFFER_ERR_INVALID or COFFER_ERR_CRYPTO. */
int oprf_blind_with(const uint8_t blind[OPRF_SCALAR_BYTES],
    uint8_t blinded[OPRF_ELEMENT_BYTES], const uint8_t *in,
    size_t inlen) COFFER_WUR;

/** oprf_blind_evaluate(evaluated, sk, blinded): BlindEvaluate:
 * ${evaluated} = sk * blinded, for a received ${blinded}. Returns 0,
 * COFFER_ERR_FORMAT (${blinded} does not deserialize),
 * COFFER_ERR_INVALID (${sk} is not a canonical non-zero scalar) or
 * COFFER_ERR_CRYPTO. ${evaluated} is written only on success. */
int oprf_blind_evaluate(uint8_t evaluated[OPRF_ELEMENT_BYTES],
    const uint8_t sk[OPRF_SCALAR_BYTES],
    const uint8_t blinded[OPRF_ELEMENT_BYTES]) COFFER_WUR;

/** oprf_finalize(out, in, inlen, blind, evaluated): Finalize:
 * ${out} = SHA-512(I2OSP(len(in), 2) || in || I2OSP(32, 2) ||
 * blind^-1 * evaluated || "Finalize"), for a received ${evaluated}.
 * Returns 0, COFFER_ERR_FORMAT (${evaluated} does not deserialize),
 * COFFER_ERR_INVALID or COFFER_ERR_CRYPTO. ${out} is written only on
 * success. */
int oprf_finalize(uint8_t out[OPRF_HASH_BYTES],
    const uint8_t *in, size_t inlen,
    const uint8_t blind[OPRF_SCALAR_BYTES],
    const uint8_t evaluated[OPRF_ELEMENT_BYTES]) COFFER_WUR;

/** oprf_element_check(p): DeserializeElement's validation: 0 if ${p}
 * is the canonical encoding of a ristretto255 element other than the
 * identity, else COFFER_ERR_FORMAT. */
int oprf_element_check(const uint8_t p[OPRF_ELEMENT_BYTES])
    COFFER_WUR;

/** oprf_scalar_check(s): 0 if ${s} is a canonical scalar (below the
 * group order, DeserializeScalar) and not zero, else COFFER_ERR_FORMAT.
 * Constant time in ${s}. */
int oprf_scalar_check(const uint8_t s[OPRF_SCALAR_BYTES])
    COFFER_WUR;

#endif
