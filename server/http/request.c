/* The request's accessors (http.h): what a handler reads. Calls only
 * route.c. */
#include <string.h>

#include "http_internal.h"

void *
srv_req_app(const struct srv_req *req)
{
	return req->h->app;
}

const struct srv_route *
srv_req_route(const struct srv_req *req)
{
	return req->c != NULL ? req->c->r : NULL;
}

static const struct param *
find_param(const struct srv_req *req, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < req->nparams; i++)
		if (req->params[i].namelen == n &&
		    memcmp(req->params[i].name, name, n) == 0)
			return &req->params[i];
	return NULL;
}

static enum srv_ptype
param_type(const struct srv_req *req, const struct param *pa)
{
	size_t i;

	for (i = 0; i < req->c->nseg; i++)
		if (req->c->seg[i].name == pa->name)
			return req->c->seg[i].type;
	return 0;
}

const char *
srv_req_param(const struct srv_req *req, const char *name)
{
	const struct param *pa = find_param(req, name);

	return pa != NULL ? pa->text : NULL;
}

const uint8_t *
srv_req_param_id(const struct srv_req *req, const char *name)
{
	const struct param *pa = find_param(req, name);
	enum srv_ptype t;

	if (pa == NULL)
		return NULL;
	t = param_type(req, pa);
	return t == SRV_P_ID || t == SRV_P_BLOBID ? pa->id : NULL;
}

int
srv_req_param_uint(const struct srv_req *req, const char *name,
    uint64_t *out)
{
	const struct param *pa = find_param(req, name);

	if (pa == NULL || param_type(req, pa) != SRV_P_UINT)
		return -1;
	*out = pa->u;
	return 0;
}

const char *
srv_req_query(const struct srv_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

int
srv_req_query_uint(const struct srv_req *req, const char *name,
    uint64_t *out)
{
	const char *v = srv_req_query(req, name);
	uint8_t unused[COFFER_WIRE_BLOB_ID_BYTES];

	if (v == NULL || srv_route_parse_param(SRV_P_UINT, v, strlen(v), unused,
	    out) != 0)
		return WIRE_JSON_ABSENT;
	return 0;
}

const char *
srv_req_header(const struct srv_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
srv_req_peer(const struct srv_req *req)
{
	return req->peer;
}

const char *
srv_req_peer_key(const struct srv_req *req)
{
	return req->peer_key;
}

json_t *
srv_req_json(const struct srv_req *req)
{
	return req->json;
}

const uint8_t *
srv_req_account(const struct srv_req *req)
{
	return req->authed ? req->caller.account : NULL;
}

const struct srv_caller *
srv_req_caller(const struct srv_req *req)
{
	return req->authed ? &req->caller : NULL;
}

uint64_t
srv_req_content_length(const struct srv_req *req)
{
	return req->content_length;
}

int
srv_req_set_sink(struct srv_req *req, const struct srv_sink *sink, void *ctx)
{
	if (req->c == NULL || req->c->r->body != SRV_BODY_STREAM ||
	    req->resp != NULL || req->sink != NULL || sink == NULL)
		return -1;
	req->sink = sink;
	req->sink_ctx = ctx;
	req->sink_open = 1;
	return 0;
}
