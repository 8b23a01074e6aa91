/* What the layer checks before a handler runs, in the order daemon.c
 * calls them (http.h says which answer each failure gets). Calls route.c,
 * request.c and reply.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"

int
srv_check_params(struct srv_req *req)
{
	const struct compiled *c = req->c;
	char *p = req->path, *q;
	size_t i;

	for (i = 0; i < c->nseg; i++) {
		/* matches() saw "/seg" for each segment; cutting at each '/'
		 * leaves every parameter NUL-terminated. */
		*p++ = '\0';
		for (q = p; *q != '\0' && *q != '/'; q++)
			;
		if (c->seg[i].lit == NULL) {
			struct param *pa = &req->params[req->nparams++];

			pa->name = c->seg[i].name;
			pa->namelen = c->seg[i].len;
			pa->text = p;
			if (srv_route_parse_param(c->seg[i].type, p, (size_t)(q - p),
			    pa->id, &pa->u) != 0)
				return srv_reply_error(req, SRV_E_INVALID_ID,
				    "path parameter \"%.*s\" must be %s",
				    (int)pa->namelen, pa->name,
				    srv_route_ptype_text(c->seg[i].type)), -1;
		}
		p = q;
	}
	return 0;
}

/* What srv_check_framing counts over the header lines. */
struct fstate {
	unsigned	cl, te, host;
	int		te_other;	/* a Transfer-Encoding not "chunked" */
	size_t		bytes;		/* of the header lines, as sent */
};

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct fstate *st = cls;

	(void)kind;
	/* "Name: value\r\n"; MHD drops the blanks around the value, so
	 * this undercounts by those at most. */
	st->bytes += strlen(key) + (value != NULL ? strlen(value) : 0) + 4;
	if (strcasecmp(key, "Content-Length") == 0)
		st->cl++;
	else if (strcasecmp(key, "Host") == 0)
		st->host++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		st->te++;
		if (value == NULL || strcasecmp(value, "chunked") != 0)
			st->te_other = 1;
	}
	return MHD_YES;
}

static int
refuse_framing(struct srv_req *req, enum srv_err code, const char *msg)
{
	srv_reply_error(req, code, "%s", msg);
	/* What follows on this connection cannot be framed: close it. */
	srv_reply_header(req, "Connection", "close");
	return -1;
}

int
srv_check_framing(struct srv_req *req, const char *url)
{
	struct fstate st;

	memset(&st, 0, sizeof(st));
	/* The request line: "METHOD URL HTTP/1.1\r\n". */
	st.bytes = strlen(req->method) + strlen(url) + 11;
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, count_header,
	    &st);
	if (st.bytes > SRV_HEADER_BLOCK_MAX)
		return refuse_framing(req, SRV_E_HEADERS_TOO_LARGE, "the "
		    "request line and headers are over 16 KiB");
	/* RFC 9112 6.3: a proxy in front may frame by the other header
	 * (request smuggling), so none of these is guessed at. */
	if (st.cl > 1)
		return refuse_framing(req, SRV_E_MALFORMED_REQUEST,
		    "Content-Length given more than once");
	if (st.te > 1 || st.te_other)
		return refuse_framing(req, SRV_E_MALFORMED_REQUEST,
		    "the only Transfer-Encoding understood is one \"chunked\"");
	if (st.te > 0 && st.cl > 0)
		return refuse_framing(req, SRV_E_MALFORMED_REQUEST,
		    "Transfer-Encoding and Content-Length together");
	if (st.host > 1)
		return refuse_framing(req, SRV_E_MALFORMED_REQUEST,
		    "Host given more than once");
	return 0;
}

struct qstate {
	struct srv_req	*req;
	unsigned	 seen;
	char		 msg[120];
};

static enum MHD_Result
check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct qstate *st = cls;
	const struct srv_query_spec *q = st->req->c->r->query;
	uint8_t id[COFFER_WIRE_BLOB_ID_BYTES];
	uint64_t u;
	size_t i;

	(void)kind;
	for (i = 0; q != NULL && q[i].name != NULL && i < 32; i++)
		if (strcmp(q[i].name, key) == 0)
			break;
	if (q == NULL || q[i].name == NULL || i == 32) {
		snprintf(st->msg, sizeof(st->msg), "unknown query parameter "
		    "\"%.40s\"", key);
		return MHD_NO;
	}
	if (st->seen & (1u << i)) {
		snprintf(st->msg, sizeof(st->msg), "query parameter \"%s\" "
		    "given twice", q[i].name);
		return MHD_NO;
	}
	st->seen |= 1u << i;
	if (value == NULL || srv_route_parse_param(q[i].type, value, strlen(value),
	    id, &u) != 0) {
		snprintf(st->msg, sizeof(st->msg), "query parameter \"%s\" "
		    "must be %s", q[i].name, srv_route_ptype_text(q[i].type));
		return MHD_NO;
	}
	return MHD_YES;
}

int
srv_check_query(struct srv_req *req)
{
	struct qstate st;

	memset(&st, 0, sizeof(st));
	st.req = req;
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, check_arg,
	    &st);
	if (st.msg[0] != '\0')
		return srv_reply_error(req, SRV_E_INVALID_PARAMETER, "%s",
		    st.msg), -1;
	return 0;
}

static int
b64token_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
	    ch == '~' || ch == '+' || ch == '/';
}

static int
refuse_auth(struct srv_req *req, enum srv_err code, const char *msg)
{
	srv_reply_error(req, code, "%s", msg);
	if (code == SRV_E_UNAUTHORIZED)
		srv_reply_header(req, "WWW-Authenticate", "Bearer");
	return -1;
}

int
srv_check_auth(struct srv_req *req)
{
	const char *h, *tok;
	size_t n, i;
	enum srv_err e;

	if (req->c->r->auth == SRV_AUTH_NONE)
		return 0;
	h = srv_req_header(req, "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return refuse_auth(req, SRV_E_UNAUTHORIZED, "a bearer token is "
		    "required");
	/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
	tok = h + 7;
	n = strlen(tok);
	for (i = 0; i < n && b64token_char(tok[i]); i++)
		;
	while (i < n && tok[i] == '=')
		i++;
	if (n == 0 || i != n || n > SRV_TOKEN_MAX || tok[0] == '=')
		return refuse_auth(req, SRV_E_UNAUTHORIZED, "malformed bearer "
		    "token");
	memset(&req->caller, 0, sizeof(req->caller));
	e = req->h->auth != NULL ? req->h->auth(req->h->app, tok, n,
	    &req->caller) : SRV_E_UNAUTHORIZED;
	if (e != SRV_E_NONE)
		return refuse_auth(req, e, e == SRV_E_UNAUTHORIZED ?
		    "the token is not valid" : srv_err_summary(e));
	if (req->caller.limited && req->c->r->auth != SRV_AUTH_ANY)
		return refuse_auth(req, SRV_E_FORBIDDEN,
		    req->h->limited_message != NULL ?
		    req->h->limited_message : srv_err_summary(SRV_E_FORBIDDEN));
	req->authed = 1;
	return 0;
}

/* "application/json", optionally with "; charset=utf-8". */
static int
media_ok(const char *ct, const char *want, int charset_ok)
{
	size_t n = strlen(want);

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	if (*ct == '\0')
		return 1;
	if (!charset_ok)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (*ct++ != ';')
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strcasecmp(ct, "charset=utf-8") == 0 ||
	    strcasecmp(ct, "charset=\"utf-8\"") == 0;
}

int
srv_check_has_body(const struct srv_req *req)
{
	const char *te = srv_req_header(req, "Transfer-Encoding");
	const char *cl = srv_req_header(req, "Content-Length");

	return te != NULL || (cl != NULL && strcmp(cl, "0") != 0);
}

int
srv_check_body(struct srv_req *req, uint64_t *cap)
{
	const struct srv_route *r = req->c->r;
	const char *te = srv_req_header(req, "Transfer-Encoding");
	const char *cl = srv_req_header(req, "Content-Length");
	const char *ct = srv_req_header(req, "Content-Type");
	uint64_t len;
	uint8_t unused[COFFER_WIRE_BLOB_ID_BYTES];
	int has_body = srv_check_has_body(req);

	*cap = r->body_max != 0 ? r->body_max : r->body == SRV_BODY_JSON ?
	    SRV_JSON_BODY_DEFAULT : 0;
	if (r->body == SRV_BODY_NONE) {
		if (has_body)
			return srv_reply_error(req, SRV_E_BODY_TOO_LARGE,
			    "this route takes no body"), -1;
		return 0;
	}
	if (r->body == SRV_BODY_JSON ? !media_ok(ct, "application/json", 1) :
	    !media_ok(ct, "application/octet-stream", 0))
		return srv_reply_error(req, SRV_E_UNSUPPORTED_MEDIA_TYPE,
		    "the body must be %s", r->body == SRV_BODY_JSON ?
		    "application/json" : "application/octet-stream"), -1;
	if (te != NULL || cl == NULL)
		return srv_reply_error(req, SRV_E_LENGTH_REQUIRED, NULL), -1;
	if (srv_route_parse_param(SRV_P_UINT, cl, strlen(cl), unused, &len) != 0)
		return srv_reply_error(req, SRV_E_INVALID_PARAMETER,
		    "malformed Content-Length"), -1;
	if (len > *cap)
		return srv_reply_error(req, SRV_E_BODY_TOO_LARGE, "the body "
		    "is %llu bytes; this route takes at most %llu",
		    (unsigned long long)len, (unsigned long long)*cap), -1;
	req->content_length = len;
	return 0;
}

