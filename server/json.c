/* Request JSON and wire encodings (json.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/encoding.h>

#include "json.h"

static int
fail(struct srv_json_err *e, enum srv_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct srv_json_err *e, enum srv_err code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* The deepest nesting of [ and { outside strings; stops early past max. */
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
srv_json_parse(const char *text, size_t len, unsigned max_depth,
    json_t **out, struct srv_json_err *e)
{
	json_error_t je;
	json_t *v;
	size_t where;

	*out = NULL;
	if (too_deep(text, len, max_depth, &where))
		return fail(e, SRV_E_MALFORMED_JSON, "nested deeper than %u "
		    "levels (at byte %zu)", max_depth, where);
	/* jansson refuses a top level that is not an array or object, text
	 * after the value, invalid UTF-8 and \u0000 by default. */
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		return fail(e, SRV_E_MALFORMED_JSON, "%s (at byte %d)",
		    je.text, je.position);
	if (!json_is_object(v)) {
		json_decref(v);
		return fail(e, SRV_E_MALFORMED_JSON, "the body must be a JSON "
		    "object");
	}
	*out = v;
	return 0;
}

int
srv_json_only_keys(const json_t *obj, const char *const *allowed,
    struct srv_json_err *e)
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
			return fail(e, SRV_E_INVALID_FIELD, "unknown field "
			    "\"%.64s\"", key);
	}
	return 0;
}

/* The field ${key} of ${obj}: 0 with *v, SRV_JSON_ABSENT or -1. */
static int
field(const json_t *obj, const char *key, int required, json_t **v,
    struct srv_json_err *e)
{
	if ((*v = json_object_get(obj, key)) != NULL)
		return 0;
	if (required)
		return fail(e, SRV_E_MISSING_FIELD, "field \"%s\" is "
		    "required", key);
	return SRV_JSON_ABSENT;
}

int
srv_json_get_string(const json_t *obj, const char *key, int required,
    size_t min, size_t max, const char **out, struct srv_json_err *e)
{
	json_t *v;
	size_t n;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_string(v))
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must be a "
		    "string", key);
	n = json_string_length(v);
	if (n < min || n > max || strlen(json_string_value(v)) != n)
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must be "
		    "%zu to %zu bytes long", key, min, max);
	*out = json_string_value(v);
	return 0;
}

int
srv_json_get_uint(const json_t *obj, const char *key, int required,
    uint64_t min, uint64_t max, uint64_t *out, struct srv_json_err *e)
{
	json_t *v;
	json_int_t i;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_integer(v))
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must be an "
		    "integer", key);
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must be "
		    "from %llu to %llu", key, (unsigned long long)min,
		    (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

int
srv_json_get_bool(const json_t *obj, const char *key, int required,
    int *out, struct srv_json_err *e)
{
	json_t *v;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_boolean(v))
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must be true "
		    "or false", key);
	*out = json_is_true(v);
	return 0;
}

int
srv_id_decode(const char *s, size_t slen, uint8_t *out, size_t n)
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
srv_id_encode(char *out, const uint8_t *id, size_t n)
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
srv_json_as_id(const json_t *v, const char *what, uint8_t *out, size_t n,
    struct srv_json_err *e)
{
	if (!json_is_string(v) || srv_id_decode(json_string_value(v),
	    json_string_length(v), out, n) != 0)
		return fail(e, SRV_E_INVALID_FIELD, "%s must be %zu lower-case "
		    "hex digits", what, 2 * n);
	return 0;
}

int
srv_json_get_id(const json_t *obj, const char *key, int required,
    uint8_t *out, size_t n, struct srv_json_err *e)
{
	char what[80];
	json_t *v;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	snprintf(what, sizeof(what), "field \"%s\"", key);
	return srv_json_as_id(v, what, out, n, e);
}

int
srv_json_get_bytes(const json_t *obj, const char *key, int required,
    size_t min, size_t max, uint8_t **out, size_t *outlen,
    struct srv_json_err *e)
{
	uint8_t *p = NULL;
	json_t *v;
	size_t slen, cap, n = 0;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_string(v))
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must be a "
		    "base64url string", key);
	slen = json_string_length(v);
	/* Bound the work before decoding: 4 characters per 3 bytes. */
	if (slen / 4 * 3 > max + 3)
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" is longer "
		    "than %zu bytes", key, max);
	cap = slen / 4 * 3 + 3;
	if (cap > 0 && (p = malloc(cap)) == NULL)
		return fail(e, SRV_E_INTERNAL, "out of memory");
	if (slen > 0 && coffer_b64url_decode(p, cap, &n, json_string_value(v),
	    slen) != 0) {
		free(p);
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" is not "
		    "unpadded base64url", key);
	}
	if (n < min || n > max) {
		free(p);
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must decode "
		    "to %zu to %zu bytes", key, min, max);
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
srv_json_get_array(const json_t *obj, const char *key, int required,
    size_t min, size_t max, json_t **out, struct srv_json_err *e)
{
	json_t *v;
	int r;

	if ((r = field(obj, key, required, &v, e)) != 0)
		return r;
	if (!json_is_array(v))
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must be an "
		    "array", key);
	if (json_array_size(v) < min || json_array_size(v) > max)
		return fail(e, SRV_E_INVALID_FIELD, "field \"%s\" must hold "
		    "%zu to %zu elements", key, min, max);
	*out = v;
	return 0;
}

json_t *
srv_json_id(const uint8_t *id, size_t n)
{
	char hex[2 * SRV_BLOB_ID_LEN + 1];

	if (n > SRV_BLOB_ID_LEN)
		return NULL;
	srv_id_encode(hex, id, n);
	return json_string(hex);
}

json_t *
srv_json_bytes(const uint8_t *p, size_t n)
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
