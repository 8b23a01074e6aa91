/* The helpers every file of lib/client uses, at the bottom of its calls:
 * an error sentence into the handle, JSON requests to the server, a path
 * in the home, an id in hex. */
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/client_internal.h"

int
cl_fail(struct coffer_client *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

/* Run one request; a failure's status and detail go into the handle. */
static int
run_one(struct coffer_client *c, struct net_req *q)
{
	int r;

	r = net_run(c->net, q, 1, 1);
	if (r != 0) {
		c->status = q->status;
		(void)snprintf(c->errmsg, sizeof(c->errmsg), "%s", q->detail);
	}
	return r;
}

int
cl_json(struct coffer_client *c, const char *method, const char *path,
    const char *body, int flags, json_t **out, json_t **err)
{
	struct net_req q = { 0 };
	struct coffer_buf *reply = NULL;
	int r;

	if (out != NULL)
		*out = NULL;
	if (err != NULL)
		*err = NULL;
	if (out != NULL && (reply = coffer_buf_new(flags & CL_BIG ?
	    NET_JSON_MAX * 2 : NET_JSON_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	q.method = method;
	q.path = path;
	if (body != NULL) {
		q.content_type = "application/json";
		q.body = (const uint8_t *)body;
		q.body_len = strlen(body);
	}
	q.idempotent = (flags & CL_IDEMPOTENT) != 0;
	q.no_auth = (flags & CL_NOAUTH) != 0;
	q.reply = reply;
	if ((r = run_one(c, &q)) == 0 && out != NULL &&
	    (r = net_json_reply(&q, out)) != 0)
		(void)cl_fail(c, r, "%s", q.detail);
	if (err != NULL) {
		*err = q.err;
		q.err = NULL;
	}
	net_req_cleanup(&q);
	coffer_buf_free(&reply);
	return r;
}

int
cl_list(struct coffer_client *c, const char *path, const char *key,
    json_t **out, json_t **array)
{
	int r;

	*array = NULL;
	if ((r = cl_json(c, "GET", path, NULL, CL_IDEMPOTENT, out,
	    NULL)) != 0)
		return r;
	*array = json_object_get(*out, key);
	if (json_object_size(*out) != 1 || !json_is_array(*array)) {
		json_decref(*out);
		*out = NULL;
		*array = NULL;
		return cl_fail(c, COFFER_ERR_SERVER, "the server's answer: "
		    "field \"%s\" is not an array", key);
	}
	return 0;
}

int
cl_b64(struct coffer_client *c, const json_t *v, struct coffer_buf *out,
    size_t max, const char *what)
{
	size_t mark = coffer_buf_len(out), n = 0;
	uint8_t *p;

	if (json_is_string(v) && json_string_length(v) <= COFFER_B64URL_LEN(max)
	    && coffer_buf_extend(out, max, &p) == 0) {
		if (coffer_b64url_decode(p, max, &n, json_string_value(v),
		    json_string_length(v)) == 0) {
			coffer_buf_truncate(out, mark + n);
			return 0;
		}
		coffer_buf_truncate(out, mark);
	}
	return cl_fail(c, COFFER_ERR_SERVER, "the server's answer: %s is not "
	    "base64url of at most %zu bytes", what, max);
}

int
cl_path(char *out, size_t cap, const char *home, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", home, name);

	return n < 0 || (size_t)n >= cap ? COFFER_ERR_TOOBIG : 0;
}

int
cl_hex(char out[ID_HEX], const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	return coffer_hex_encode(out, ID_HEX, id, COFFER_WIRE_ID_BYTES);
}
