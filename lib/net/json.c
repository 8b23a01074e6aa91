/* The server's JSON answers, read by the wire module's strict reader and
 * reported as the client reports them; and request bodies (net.h). */
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "wire/json.h"

/* The fault of a wire getter as the client reports it: the server sent
 * something it should not have. */
static int
refuse(char *detail, const struct wire_json_err *e)
{
	(void)snprintf(detail, NET_DETAIL, "the server's answer: %s",
	    e->message);
	return e->fault == WIRE_JSON_INTERNAL ? COFFER_ERR_NOMEM :
	    COFFER_ERR_SERVER;
}

int
net_json_load(json_t **out, const uint8_t *p, size_t len, char *detail)
{
	struct wire_json_err e;

	return wire_json_parse((const char *)p, len, WIRE_JSON_MAX_DEPTH, out,
	    &e) == 0 ? 0 : refuse(detail, &e);
}

int
net_json_only(const json_t *j, const char *const *keys, char *detail)
{
	struct wire_json_err e;

	return wire_json_only_keys(j, keys, &e) == 0 ? 0 : refuse(detail, &e);
}

int
net_json_int(const json_t *j, const char *key, uint64_t *out, char *detail)
{
	struct wire_json_err e;

	return wire_json_uint(j, key, 1, 0, INT64_MAX, out, &e) == 0 ? 0 :
	    refuse(detail, &e);
}

int
net_json_bool(const json_t *j, const char *key, int *out, char *detail)
{
	struct wire_json_err e;

	return wire_json_bool(j, key, 1, out, &e) == 0 ? 0 :
	    refuse(detail, &e);
}

int
net_json_str(const json_t *j, const char *key, const char **out, char *detail)
{
	struct wire_json_err e;

	return wire_json_string(j, key, 1, 0, SIZE_MAX, out, &e) == 0 ? 0 :
	    refuse(detail, &e);
}

int
net_json_hex(const json_t *j, const char *key, uint8_t *out, size_t n,
    char *detail)
{
	struct wire_json_err e;

	return wire_json_id(j, key, 1, out, n, &e) == 0 ? 0 :
	    refuse(detail, &e);
}

int
net_json_b64(const json_t *j, const char *key, struct coffer_buf *out,
    size_t max, char *detail)
{
	struct wire_json_err e;

	return wire_json_b64(j, key, 1, 0, max, out, &e) == 0 ? 0 :
	    refuse(detail, &e);
}

int
net_json_b64_exact(const json_t *j, const char *key, uint8_t *out,
    size_t n, char *detail)
{
	struct wire_json_err e;

	return wire_json_b64_fixed(j, key, 1, out, n, &e) == 0 ? 0 :
	    refuse(detail, &e);
}

int
net_json_reply(struct net_req *q, json_t **out)
{
	int r;

	*out = NULL;
	if (q->reply == NULL) {
		q->result = COFFER_ERR_INTERNAL;
		return q->result;
	}
	r = net_json_load(out, coffer_buf_data(q->reply) + q->reply_len0,
	    coffer_buf_len(q->reply) - q->reply_len0, q->detail);
	if (r != 0)
		q->result = r;
	return r;
}

int
net_json_body(char **out, const char *fmt, ...)
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
