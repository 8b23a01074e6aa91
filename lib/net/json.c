/* Strict reading of the server's JSON answers, and request bodies (net.h).
 * Every getter names the field it refused. */
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

static int
bad(char *detail, const char *key, const char *why)
{
	(void)snprintf(detail, NET_DETAIL, "the server's answer: "
	    "field \"%s\" %s", key, why);
	return COFFER_ERR_SERVER;
}

int
coffer_json_load(json_t **out, const uint8_t *p, size_t len, char *detail)
{
	json_error_t e;
	json_t *j;

	*out = NULL;
	if (p == NULL)
		p = (const uint8_t *)"";
	j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		(void)snprintf(detail, NET_DETAIL, "the server's "
		    "answer is not a JSON object%s%s", j == NULL ? ": " : "",
		    j == NULL ? e.text : "");
		return COFFER_ERR_SERVER;
	}
	*out = j;
	return 0;
}

int
coffer_json_only(const json_t *j, const char *const *keys, char *detail)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)(uintptr_t)j, k, v) {
		(void)v;
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL)
			return bad(detail, k, "is not expected");
	}
	return 0;
}

static const json_t *
field(const json_t *j, const char *key)
{
	return json_object_get(j, key);
}

int
coffer_json_int(const json_t *j, const char *key, uint64_t *out,
    char *detail)
{
	const json_t *v = field(j, key);

	if (v == NULL)
		return bad(detail, key, "is missing");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(detail, key, "is not a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int
coffer_json_bool(const json_t *j, const char *key, int *out, char *detail)
{
	const json_t *v = field(j, key);

	if (v == NULL)
		return bad(detail, key, "is missing");
	if (!json_is_boolean(v))
		return bad(detail, key, "is not a boolean");
	*out = json_is_true(v);
	return 0;
}

int
coffer_json_str(const json_t *j, const char *key, const char **out,
    char *detail)
{
	const json_t *v = field(j, key);

	if (v == NULL)
		return bad(detail, key, "is missing");
	if (!json_is_string(v))
		return bad(detail, key, "is not a string");
	*out = json_string_value(v);
	return 0;
}

int
coffer_json_hex(const json_t *j, const char *key, uint8_t *out, size_t n,
    char *detail)
{
	const char *s;
	size_t i, got = 0;
	int r;

	if ((r = coffer_json_str(j, key, &s, detail)) != 0)
		return r;
	/* Lower case only, as the API writes ids. */
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			return bad(detail, key, "is not lower-case hex");
	if (strlen(s) != n * 2 ||
	    coffer_hex_decode(out, n, &got, s, strlen(s)) != 0 || got != n)
		return bad(detail, key, "is not an id of the right size");
	return 0;
}

int
coffer_json_b64(const json_t *j, const char *key, struct coffer_buf *out,
    size_t max, char *detail)
{
	const char *s;
	uint8_t *p;
	size_t len, cap, got = 0, len0 = coffer_buf_len(out);
	int r;

	if ((r = coffer_json_str(j, key, &s, detail)) != 0)
		return r;
	len = strlen(s);
	cap = len / 4 * 3 + 3;
	if (cap > max + 3)
		return bad(detail, key, "is too long");
	if ((r = coffer_buf_extend(out, cap, &p)) != 0)
		return r == COFFER_ERR_TOOBIG ? bad(detail, key, "is too long") :
		    r;
	if (coffer_b64url_decode(p, cap, &got, s, len) != 0 || got > max) {
		coffer_buf_truncate(out, len0);
		return bad(detail, key, got > max ? "is too long" :
		    "is not base64url");
	}
	coffer_buf_truncate(out, len0 + got);
	return 0;
}

int
coffer_json_b64_exact(const json_t *j, const char *key, uint8_t *out,
    size_t n, char *detail)
{
	const char *s;
	size_t got = 0;
	int r;

	if ((r = coffer_json_str(j, key, &s, detail)) != 0)
		return r;
	if (coffer_b64url_decode(out, n, &got, s, strlen(s)) != 0 || got != n)
		return bad(detail, key, "is not base64url of the right size");
	return 0;
}

int
coffer_json_reply(struct net_req *q, json_t **out)
{
	int r;

	*out = NULL;
	if (q->reply == NULL) {
		q->result = COFFER_ERR_INTERNAL;
		return q->result;
	}
	r = coffer_json_load(out, coffer_buf_data(q->reply) + q->reply_len0,
	    coffer_buf_len(q->reply) - q->reply_len0, q->detail);
	if (r != 0)
		q->result = r;
	return r;
}

int
coffer_json_body(char **out, const char *fmt, ...)
{
	json_error_t e;
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	j = json_vpack_ex(&e, 0, fmt, ap);
	va_end(ap);
	*out = NULL;
	if (j != NULL)
		*out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return *out == NULL ? COFFER_ERR_NOMEM : 0;
}
