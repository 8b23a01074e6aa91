/* Strict JSON, the one reader both sides use: cofferd for request bodies,
 * the client for the server's answers.
 *
 * Encodings, one for each kind of value (docs/openapi.yaml says the same):
 * - ids (16-byte zone, record, device, account ids; 32-byte blob ids) are
 *   lower-case hex, exactly 32 or 64 characters, in paths and in JSON;
 * - other bytes (ciphertext, public keys, signatures) are unpadded
 *   base64url (RFC 4648 section 5) in JSON strings.
 *
 * Each getter checks one field and fills a struct wire_json_err that
 * names it; the server turns the fault into its error code, the client
 * into COFFER_ERR_SERVER with the message:
 *	if (wire_json_id(body, "zone", 1, zone, 16, &e) != 0)
 *		return srv_reply_json_err(req, &e);
 * Getters return 0 (present and valid), WIRE_JSON_ABSENT (an optional
 * field that is not there; the output untouched) or -1 (${e} filled). */
#ifndef COFFER_WIRE_JSON_H
#define COFFER_WIRE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <coffer/buf.h>
#include <coffer/wire.h>

#define WIRE_JSON_ABSENT	1
#define WIRE_JSON_MAX_DEPTH	16	/* nesting of any document we read */

enum wire_json_fault {
	WIRE_JSON_MALFORMED = 1,	/* not one JSON object, or too deep */
	WIRE_JSON_MISSING,		/* a required field is absent */
	WIRE_JSON_INVALID,		/* wrong type, bad value, unknown key */
	WIRE_JSON_TOO_LARGE,		/* a value over the protocol's cap */
	WIRE_JSON_INTERNAL		/* out of memory, not the input's fault */
};

struct wire_json_err {
	enum wire_json_fault	fault;
	char			message[160];
};

/** wire_json_parse(text, len, max_depth, out, e): parse ${len} bytes as
 * exactly one JSON object: valid UTF-8, no duplicate keys, no \u0000,
 * nesting at most ${max_depth} arrays/objects deep, nothing after it but
 * white space. The depth is checked before jansson runs, so a deep
 * document costs no recursion. Returns 0 and a new reference in *${out},
 * or -1 with ${e} set (malformed, with the reason and position). */
int wire_json_parse(const char *text, size_t len, unsigned max_depth,
    json_t **out, struct wire_json_err *e);

/** wire_json_only_keys(obj, allowed, e): check that every key of ${obj}
 * is in the NULL-terminated list ${allowed}. Returns 0, or -1 with ${e}
 * set (invalid, naming the first unknown key). */
int wire_json_only_keys(const json_t *obj, const char *const *allowed,
    struct wire_json_err *e);

/** wire_json_string(obj, key, required, min, max, out, e): a string of
 * ${min}..${max} bytes without NUL (UTF-8, checked by jansson); *${out}
 * points into ${obj}. Returns 0, WIRE_JSON_ABSENT or -1. */
int wire_json_string(const json_t *obj, const char *key, int required,
    size_t min, size_t max, const char **out, struct wire_json_err *e);

/** wire_json_uint(obj, key, required, min, max, out, e): an integer (not
 * a real, not a string) in ${min}..${max}, at most 2^63-1. Returns 0,
 * WIRE_JSON_ABSENT or -1. */
int wire_json_uint(const json_t *obj, const char *key, int required,
    uint64_t min, uint64_t max, uint64_t *out, struct wire_json_err *e);

/** wire_json_bool(obj, key, required, out, e): true or false into
 * *${out} as 1 or 0. Returns 0, WIRE_JSON_ABSENT or -1. */
int wire_json_bool(const json_t *obj, const char *key, int required,
    int *out, struct wire_json_err *e);

/** wire_json_id(obj, key, required, out, n, e): an id of ${n} bytes (at
 * most COFFER_WIRE_BLOB_ID_BYTES) written as 2*${n} lower-case hex
 * digits. Returns 0, WIRE_JSON_ABSENT or -1. */
int wire_json_id(const json_t *obj, const char *key, int required,
    uint8_t *out, size_t n, struct wire_json_err *e);

/** wire_json_as_id(v, what, out, n, e): wire_json_id for a value ${v}
 * already in hand (an array element), named ${what} in messages.
 * Returns 0 or -1. */
int wire_json_as_id(const json_t *v, const char *what, uint8_t *out,
    size_t n, struct wire_json_err *e);

/** wire_json_bytes(obj, key, required, min, max, out, outlen, e):
 * unpadded base64url decoding to ${min}..${max} bytes, into a new
 * malloc'd buffer *${out} (NULL for zero bytes) of *${outlen} bytes that
 * the caller frees. Returns 0, WIRE_JSON_ABSENT or -1. */
int wire_json_bytes(const json_t *obj, const char *key, int required,
    size_t min, size_t max, uint8_t **out, size_t *outlen,
    struct wire_json_err *e);

/** wire_json_b64(obj, key, required, min, max, out, e): as
 * wire_json_bytes, the bytes appended to ${out} (untouched on failure;
 * its own cap counts as too long). Returns 0, WIRE_JSON_ABSENT or -1. */
int wire_json_b64(const json_t *obj, const char *key, int required,
    size_t min, size_t max, struct coffer_buf *out, struct wire_json_err *e);

/** wire_json_b64_fixed(obj, key, required, out, n, e): unpadded
 * base64url of exactly ${n} bytes into ${out}. Returns 0,
 * WIRE_JSON_ABSENT or -1. */
int wire_json_b64_fixed(const json_t *obj, const char *key, int required,
    uint8_t *out, size_t n, struct wire_json_err *e);

/** wire_json_array(obj, key, required, min, max, out, e): an array of
 * ${min}..${max} elements; *${out} is borrowed from ${obj}. Returns 0,
 * WIRE_JSON_ABSENT or -1. */
int wire_json_array(const json_t *obj, const char *key, int required,
    size_t min, size_t max, json_t **out, struct wire_json_err *e);

/** wire_id_decode(s, slen, out, n): decode exactly 2*${n} lower-case hex
 * characters ${s} (of length ${slen}) into ${out}. Returns 0, or -1 on
 * any other length, upper case or non-hex character. */
int wire_id_decode(const char *s, size_t slen, uint8_t *out, size_t n);

/** wire_id_encode(out, id, n): write the ${n}-byte ${id} as 2*${n}
 * lower-case hex digits and a NUL into ${out} (2*${n}+1 bytes). */
void wire_id_encode(char *out, const uint8_t *id, size_t n);

/** wire_json_new_id(id, n): a new JSON string holding the ${n}-byte ${id}
 * in hex, or NULL if out of memory or ${n} is over
 * COFFER_WIRE_BLOB_ID_BYTES. */
json_t *wire_json_new_id(const uint8_t *id, size_t n);

/** wire_json_new_bytes(p, n): a new JSON string holding ${p} in unpadded
 * base64url, or NULL if out of memory. */
json_t *wire_json_new_bytes(const uint8_t *p, size_t n);

#endif
