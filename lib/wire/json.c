/* wire_json_*, wire_id_*: the strict JSON reader of both sides (json.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/wire.h>

#include "wire/json.h"

static int
fail(struct wire_json_err *e, enum wire_json_fault fault, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct wire_json_err *e, enum wire_json_fault fault, const char *fmt,
    ...)
{
	va_list ap;

	e->fault = fault;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Is [ and { nested deeper than max outside strings? Stops early. */
static int
too_deep(const char *s, size_t len, unsigned max, size_t *where)
{
	unsigned depth = 0;
	int in_str = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max) {
				*where = i;
				return 1;
			}
		} else if ((ch == ']' || ch == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int
wire_json_parse(const char *text, size_t len, unsigned max_depth,
    json_t **out, struct wire_json_err *e)
{
	json_error_t je;
	json_t *v;
	size_t where;

	*out = NULL;
	if (text == NULL)
		text = "";
	if (too_deep(text, len, max_depth, &where))
		return fail(e, WIRE_JSON_MALFORMED, "nested deeper than %u "
		    "levels (at byte %zu)", max_depth, where);
	/* jansson refuses a top level that is not an array or object, text
	 * after the value, invalid UTF-8 and \u0000 by default. */
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		return fail(e, WIRE_JSON_MALFORMED, "%s (at byte %d)",
		    je.text, je.position);
	if (!json_is_object(v)) {
		json_decref(v);
		return fail(e, WIRE_JSON_MALFORMED, "the body must be a JSON "
		    "object");
	}
	*out = v;
	return 0;
}

int
wire_json_only_keys(const json_t *obj, const char *const *allowed,
    struct wire_json_err *e)
{
	const char *key;
	json_t *v;
	size_t i;

	/* json_object_foreach takes a non-const object. */
	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return fail(e, WIRE_JSON_INVALID, "unknown field "
			    "\"%.64s\"", key);
	}
	return 0;
}

/* The field ${key} of ${obj}: 0 with *v, WIRE_JSON_ABSENT or -1. */
static int
field(const json_t *obj, const char *key, int required, json_t **v,
    struct wire_json_err *e)
{
	if ((*v = json_object_get(obj, key)) != NULL)
		return 0;
	if (required)
		return fail(e, WIRE_JSON_MISSING, "field \"%s\" is "
		    "missing", key);
	return WIRE_JSON_ABSENT;
}

int
wire_json_string(const json_t *obj, const char *key, int required,
    size_t min, size_t max, const char **out, struct wire_json_err *e)
{
	json_t *v;
	size_t n;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_string(v))
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be a "
		    "string", key);
	n = json_string_length(v);
	if (n < min || n > max || strlen(json_string_value(v)) != n)
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be "
		    "%zu to %zu bytes long", key, min, max);
	*out = json_string_value(v);
	return 0;
}

int
wire_json_uint(const json_t *obj, const char *key, int required,
    uint64_t min, uint64_t max, uint64_t *out, struct wire_json_err *e)
{
	json_t *v;
	json_int_t i;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_integer(v))
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be an "
		    "integer", key);
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be "
		    "from %llu to %llu", key, (unsigned long long)min,
		    (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

int
wire_json_bool(const json_t *obj, const char *key, int required,
    int *out, struct wire_json_err *e)
{
	json_t *v;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_boolean(v))
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be true "
		    "or false", key);
	*out = json_is_true(v);
	return 0;
}

int
wire_id_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t i, got;

	if (slen != 2 * n)
		return -1;
	for (i = 0; i < slen; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	if (coffer_hex_decode(out, n, &got, s, slen) != 0 || got != n)
		return -1;
	return 0;
}

void
wire_id_encode(char *out, const uint8_t *id, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	/* Ids are not secret: a plain table lookup is fine. */
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * n] = '\0';
}

int
wire_json_as_id(const json_t *v, const char *what, uint8_t *out, size_t n,
    struct wire_json_err *e)
{
	if (!json_is_string(v) || wire_id_decode(json_string_value(v),
	    json_string_length(v), out, n) != 0)
		return fail(e, WIRE_JSON_INVALID, "%s must be %zu lower-case "
		    "hex digits", what, 2 * n);
	return 0;
}

int
wire_json_id(const json_t *obj, const char *key, int required,
    uint8_t *out, size_t n, struct wire_json_err *e)
{
	char what[80];
	json_t *v;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	snprintf(what, sizeof(what), "field \"%s\"", key);
	return wire_json_as_id(v, what, out, n, e);
}

/* The base64url string of field ${key}, checked to decode to at most
 * ${max} bytes by its length alone: 0 with *s and *slen, ABSENT or -1. */
static int
b64_field(const json_t *obj, const char *key, int required, size_t max,
    const char **s, size_t *slen, struct wire_json_err *e)
{
	json_t *v;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_string(v))
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be a "
		    "base64url string", key);
	*s = json_string_value(v);
	*slen = json_string_length(v);
	/* Bound the work before decoding: 4 characters per 3 bytes. */
	if (*slen / 4 * 3 > max + 3)
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" is longer "
		    "than %zu bytes", key, max);
	return 0;
}

/* Decode ${s} into ${p} (room for slen / 4 * 3 + 3) and check the
 * length against ${min}..${max}. Returns 0 with *n, or -1. */
static int
b64_decode(const char *key, const char *s, size_t slen, size_t min,
    size_t max, uint8_t *p, size_t *n, struct wire_json_err *e)
{
	*n = 0;
	if (slen > 0 && coffer_b64url_decode(p, slen / 4 * 3 + 3, n, s,
	    slen) != 0)
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" is not "
		    "unpadded base64url", key);
	if (*n < min || *n > max)
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must decode "
		    "to %zu to %zu bytes", key, min, max);
	return 0;
}

int
wire_json_bytes(const json_t *obj, const char *key, int required,
    size_t min, size_t max, uint8_t **out, size_t *outlen,
    struct wire_json_err *e)
{
	const char *s;
	uint8_t *p = NULL;
	size_t slen, n;
	int r;

	if ((r = b64_field(obj, key, required, max, &s, &slen, e)) != 0)
		return r;
	if ((p = malloc(slen / 4 * 3 + 3)) == NULL)
		return fail(e, WIRE_JSON_INTERNAL, "out of memory");
	if (b64_decode(key, s, slen, min, max, p, &n, e) != 0) {
		free(p);
		return -1;
	}
	if (n == 0) {
		free(p);
		p = NULL;
	}
	*out = p;
	*outlen = n;
	return 0;
}

int
wire_json_b64(const json_t *obj, const char *key, int required,
    size_t min, size_t max, struct coffer_buf *out, struct wire_json_err *e)
{
	const char *s;
	uint8_t *p;
	size_t slen, n, len0 = coffer_buf_len(out);
	int r;

	if ((r = b64_field(obj, key, required, max, &s, &slen, e)) != 0)
		return r;
	if ((r = coffer_buf_extend(out, slen / 4 * 3 + 3, &p)) != 0)
		return r == COFFER_ERR_TOOBIG ? fail(e, WIRE_JSON_INVALID,
		    "field \"%s\" is longer than %zu bytes", key,
		    coffer_buf_max(out) - len0) :
		    fail(e, WIRE_JSON_INTERNAL, "out of memory");
	if (b64_decode(key, s, slen, min, max, p, &n, e) != 0) {
		coffer_buf_truncate(out, len0);
		return -1;
	}
	coffer_buf_truncate(out, len0 + n);
	return 0;
}

int
wire_json_b64_fixed(const json_t *obj, const char *key, int required,
    uint8_t *out, size_t n, struct wire_json_err *e)
{
	const char *s;
	size_t slen, got = 0;
	int r;

	if ((r = b64_field(obj, key, required, n, &s, &slen, e)) != 0)
		return r;
	if (coffer_b64url_decode(out, n, &got, s, slen) != 0 || got != n)
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be "
		    "unpadded base64url of %zu bytes", key, n);
	return 0;
}

int
wire_json_array(const json_t *obj, const char *key, int required,
    size_t min, size_t max, json_t **out, struct wire_json_err *e)
{
	json_t *v;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_array(v))
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must be an "
		    "array", key);
	if (json_array_size(v) < min || json_array_size(v) > max)
		return fail(e, WIRE_JSON_INVALID, "field \"%s\" must hold "
		    "%zu to %zu elements", key, min, max);
	*out = v;
	return 0;
}

json_t *
wire_json_new_id(const uint8_t *id, size_t n)
{
	char hex[COFFER_WIRE_BLOB_ID_HEX + 1];

	if (n > COFFER_WIRE_BLOB_ID_BYTES)
		return NULL;
	wire_id_encode(hex, id, n);
	return json_string(hex);
}

json_t *
wire_json_new_bytes(const uint8_t *p, size_t n)
{
	size_t cap = COFFER_B64URL_LEN(n);
	char *s;
	json_t *v = NULL;

	if ((s = malloc(cap)) == NULL)
		return NULL;
	if (coffer_b64url_encode(s, cap, p, n) == 0)
		v = json_string(s);
	free(s);
	return v;
}
