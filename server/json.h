/* Request-body JSON and the wire encodings of ids and bytes.
 *
 * Encodings, one for each kind of value (docs/openapi.yaml says the same):
 * - ids (16-byte zone, record, device, account ids; 32-byte blob ids) are
 *   lower-case hex, exactly 32 or 64 characters, in paths and in JSON;
 * - other bytes (ciphertext, public keys, signatures) are unpadded
 *   base64url (RFC 4648 section 5) in JSON strings.
 *
 * The getters check one field each and fill a struct srv_json_err that a
 * handler passes straight to srv_reply_error():
 *	if (srv_json_get_id(body, "zone", 1, zone, 16, &e) != 0)
 *		return srv_reply_json_err(req, &e);
 * They return 0 (present and valid), SRV_JSON_ABSENT (an optional field
 * that is not there; *out untouched) or -1 (e filled: missing_field or
 * invalid_field). */
#ifndef COFFERD_JSON_H
#define COFFERD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"

#define SRV_ID_LEN		16	/* zone, record, device, account */
#define SRV_BLOB_ID_LEN		32	/* blobs: content-addressed */
#define SRV_JSON_MAX_DEPTH	16	/* nesting of request bodies */
#define SRV_JSON_ABSENT		1

struct srv_json_err {
	enum srv_err	code;
	char		message[160];
};

/** srv_json_parse(text, len, max_depth, out, e): parse a request body of
 * ${len} bytes: exactly one JSON object, valid UTF-8, no duplicate keys,
 * no \u0000, nesting at most ${max_depth} arrays/objects deep, nothing
 * after it but white space. The depth is checked before jansson runs, so
 * a deep body costs no recursion. Returns 0 and a new reference in *${out},
 * or -1 with ${e} set to malformed_json (with the reason and position). */
int srv_json_parse(const char *text, size_t len, unsigned max_depth,
    json_t **out, struct srv_json_err *e);

/** srv_json_only_keys(obj, allowed, e): check that every key of ${obj} is
 * in the NULL-terminated list ${allowed}. Returns 0, or -1 with ${e} set
 * to invalid_field naming the first unknown key. */
int srv_json_only_keys(const json_t *obj, const char *const *allowed,
    struct srv_json_err *e);

/** srv_json_get_string(obj, key, required, min, max, out, e): a string of
 * ${min}..${max} bytes (UTF-8, checked by jansson); *${out} points into
 * ${obj}. Returns 0, SRV_JSON_ABSENT or -1. */
int srv_json_get_string(const json_t *obj, const char *key, int required,
    size_t min, size_t max, const char **out, struct srv_json_err *e);

/** srv_json_get_uint(obj, key, required, min, max, out, e): an integer
 * (not a real, not a string) in ${min}..${max}, at most 2^63-1. Returns
 * 0, SRV_JSON_ABSENT or -1. */
int srv_json_get_uint(const json_t *obj, const char *key, int required,
    uint64_t min, uint64_t max, uint64_t *out, struct srv_json_err *e);

/** srv_json_get_bool(obj, key, required, out, e): true or false into
 * *${out} as 1 or 0. Returns 0, SRV_JSON_ABSENT or -1. */
int srv_json_get_bool(const json_t *obj, const char *key, int required,
    int *out, struct srv_json_err *e);

/** srv_json_get_id(obj, key, required, out, n, e): an id of ${n} bytes
 * (16 or 32) written as 2*${n} lower-case hex digits. Returns 0,
 * SRV_JSON_ABSENT or -1. */
int srv_json_get_id(const json_t *obj, const char *key, int required,
    uint8_t *out, size_t n, struct srv_json_err *e);

/** srv_json_get_bytes(obj, key, required, min, max, out, outlen, e):
 * unpadded base64url decoding to ${min}..${max} bytes, into a new
 * malloc'd buffer *${out} (NULL for zero bytes) of *${outlen} bytes that
 * the caller frees. Returns 0, SRV_JSON_ABSENT or -1 (also when out of
 * memory: e is then internal). */
int srv_json_get_bytes(const json_t *obj, const char *key, int required,
    size_t min, size_t max, uint8_t **out, size_t *outlen,
    struct srv_json_err *e);

/** srv_json_get_array(obj, key, required, min, max, out, e): an array of
 * ${min}..${max} elements; *${out} is borrowed from ${obj}. Returns 0,
 * SRV_JSON_ABSENT or -1. */
int srv_json_get_array(const json_t *obj, const char *key, int required,
    size_t min, size_t max, json_t **out, struct srv_json_err *e);

/** srv_json_as_id(v, what, out, n, e): like srv_json_get_id for a value
 * ${v} already in hand (an array element), named ${what} in messages.
 * Returns 0 or -1 (invalid_field). */
int srv_json_as_id(const json_t *v, const char *what, uint8_t *out, size_t n,
    struct srv_json_err *e);

/** srv_id_decode(s, slen, out, n): decode exactly 2*${n} lower-case hex
 * characters ${s} (of length ${slen}) into ${out}. Returns 0, or -1 on
 * any other length, upper case or non-hex character. */
int srv_id_decode(const char *s, size_t slen, uint8_t *out, size_t n);

/** srv_id_encode(out, id, n): write the ${n}-byte ${id} as 2*${n}
 * lower-case hex digits and a NUL into ${out} (2*${n}+1 bytes). */
void srv_id_encode(char *out, const uint8_t *id, size_t n);

/** srv_json_id(id, n): a new JSON string holding ${id} in hex, or NULL
 * if out of memory. */
json_t *srv_json_id(const uint8_t *id, size_t n);

/** srv_json_bytes(p, n): a new JSON string holding ${p} in unpadded
 * base64url, or NULL if out of memory. */
json_t *srv_json_bytes(const uint8_t *p, size_t n);

#endif
