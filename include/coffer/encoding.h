/* Constant-time hex and base64url (RFC 4648 §5, no padding), through
 * libsodium. Decoders are strict: no white space, no padding, canonical
 * trailing bits, the whole input consumed. */
#ifndef COFFER_ENCODING_H
#define COFFER_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

/* Characters needed to encode n bytes, with the terminating NUL. */
#define COFFER_HEX_LEN(n)	((n) * 2 + 1)
#define COFFER_B64URL_LEN(n)	(((n) + 2) / 3 * 4 + 1)

/** coffer_hex_encode(out, outcap, in, n): lower-case hex of ${in}, NUL
 * terminated. Returns 0, or COFFER_ERR_INVALID if ${outcap} is below
 * COFFER_HEX_LEN(${n}). */
COFFER_API int coffer_hex_encode(char *out, size_t outcap, const uint8_t *in,
    size_t n) COFFER_WUR;

/** coffer_hex_decode(out, outcap, outlen, in, inlen): decode ${inlen}
 * characters of ${in} (either case). Returns 0 and sets *${outlen}, or
 * COFFER_ERR_FORMAT (odd length, a non-hex character) or COFFER_ERR_TOOBIG
 * (more than ${outcap} bytes). */
COFFER_API int coffer_hex_decode(uint8_t *out, size_t outcap, size_t *outlen,
    const char *in, size_t inlen) COFFER_WUR;

/** coffer_b64url_encode(out, outcap, in, n): unpadded base64url of ${in},
 * NUL terminated. Returns 0 or COFFER_ERR_INVALID (${outcap} too small). */
COFFER_API int coffer_b64url_encode(char *out, size_t outcap,
    const uint8_t *in, size_t n) COFFER_WUR;

/** coffer_b64url_decode(out, outcap, outlen, in, inlen): strict decode.
 * Returns 0 and sets *${outlen}, COFFER_ERR_FORMAT or COFFER_ERR_TOOBIG. */
COFFER_API int coffer_b64url_decode(uint8_t *out, size_t outcap,
    size_t *outlen, const char *in, size_t inlen) COFFER_WUR;

#endif
