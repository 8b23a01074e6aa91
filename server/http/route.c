/* Route tables: patterns split into segments, checked, matched against a
 * request path; typed path and query parameters (http.h). The bottom of
 * the layer: calls nothing else of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

static const struct {
	const char	*name;
	enum srv_ptype	 type;
} ptypes[] = {
	{ "id", SRV_P_ID }, { "blobid", SRV_P_BLOBID }, { "uint", SRV_P_UINT },
	{ "word", SRV_P_WORD }, { "token", SRV_P_TOKEN },
};

const char *
srv_route_method_name(enum srv_method m)
{
	switch (m) {
	case SRV_GET:
		return "GET";
	case SRV_PUT:
		return "PUT";
	case SRV_POST:
		return "POST";
	case SRV_DELETE:
		return "DELETE";
	}
	return "?";
}

static int
lit_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '.' || ch == '_' || ch == '-';
}

/* Split r->pattern into c; -1 with a reason if malformed. */
static int
compile(struct compiled *c, const struct srv_route *r, char *err,
    size_t errlen)
{
	const char *p = r->pattern, *q, *colon;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->r = r;
	if (p == NULL || *p != '/')
		goto bad;
	while (*p == '/') {
		struct seg *s = &c->seg[c->nseg];

		if (c->nseg == SEGS_MAX)
			goto bad;
		p++;
		for (q = p; *q != '\0' && *q != '/'; q++)
			;
		if (q == p)
			goto bad;
		if (*p == '{') {
			if (q[-1] != '}' || (colon = memchr(p, ':',
			    (size_t)(q - p))) == NULL || colon == p + 1)
				goto bad;
			s->name = p + 1;
			s->len = (size_t)(colon - s->name);
			for (i = 0; i < sizeof(ptypes) / sizeof(ptypes[0]); i++)
				if (strlen(ptypes[i].name) ==
				    (size_t)(q - 1 - colon - 1) &&
				    memcmp(ptypes[i].name, colon + 1,
				    (size_t)(q - colon - 2)) == 0)
					break;
			if (i == sizeof(ptypes) / sizeof(ptypes[0]))
				goto bad;
			s->type = ptypes[i].type;
			for (i = 0; i < s->len; i++)
				if (!lit_char(s->name[i]))
					goto bad;
		} else {
			s->lit = p;
			s->len = (size_t)(q - p);
			for (i = 0; i < s->len; i++)
				if (!lit_char(p[i]))
					goto bad;
			c->nlit++;
		}
		c->nseg++;
		p = q;
	}
	if (*p != '\0' || c->nseg == 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad route pattern \"%s\"",
	    r->pattern != NULL ? r->pattern : "(null)");
	return -1;
}

/* Same segments, parameters counted equal whatever their names. */
static int
same_shape(const struct compiled *a, const struct compiled *b)
{
	size_t i;

	if (a->nseg != b->nseg)
		return 0;
	for (i = 0; i < a->nseg; i++) {
		if ((a->seg[i].lit == NULL) != (b->seg[i].lit == NULL))
			return 0;
		if (a->seg[i].lit != NULL && (a->seg[i].len != b->seg[i].len ||
		    memcmp(a->seg[i].lit, b->seg[i].lit, a->seg[i].len) != 0))
			return 0;
	}
	return 1;
}

int
srv_route_compile_all(struct compiled *c, const struct srv_route *routes,
    size_t n, char *err, size_t errlen)
{
	size_t i, j, np;

	for (i = 0; i < n; i++) {
		const struct srv_route *r = &routes[i];

		if (compile(&c[i], r, err, errlen) != 0)
			return -1;
		for (j = 0, np = 0; j < c[i].nseg; j++)
			np += c[i].seg[j].lit == NULL;
		if (np > PARAMS_MAX || r->handler == NULL ||
		    srv_route_method_name(r->method)[0] == '?' ||
		    (r->body == SRV_BODY_JSON &&
		    r->body_max > SRV_JSON_BODY_HARD_MAX) ||
		    (r->body == SRV_BODY_STREAM && r->body_max == 0) ||
		    (r->body == SRV_BODY_NONE && r->body_max != 0) ||
		    (r->auth != SRV_AUTH_NONE && r->auth != SRV_AUTH_FULL &&
		    r->auth != SRV_AUTH_ANY)) {
			snprintf(err, errlen, "route %s %s: bad handler, "
			    "method, body cap, auth or parameter count",
			    srv_route_method_name(r->method), r->pattern);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (routes[j].method == r->method &&
			    same_shape(&c[i], &c[j])) {
				snprintf(err, errlen, "routes %s and %s clash",
				    routes[j].pattern, r->pattern);
				return -1;
			}
	}
	return 0;
}

int
srv_route_check(const struct srv_route *routes, size_t n, char *err,
    size_t errlen)
{
	struct compiled *c;
	int r;

	if ((c = calloc(n + 1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = srv_route_compile_all(c, routes, n, err, errlen);
	free(c);
	return r;
}

int
srv_route_doc_path(const struct srv_route *r, char *buf, size_t size)
{
	const char *p;
	size_t o = 0;
	int skip = 0;

	for (p = r->pattern; *p != '\0'; p++) {
		if (*p == ':' && !skip) {
			skip = 1;
			continue;
		}
		if (*p == '}')
			skip = 0;
		if (skip)
			continue;
		if (o + 1 >= size)
			return -1;
		buf[o++] = *p;
	}
	if (o >= size)
		return -1;
	buf[o] = '\0';
	return 0;
}

/* Does path (split at '/') have c's shape? Parameter segments match any
 * non-empty text; their types are checked later, for a precise 400. */
static int
matches(const struct compiled *c, const char *path)
{
	const char *p = path, *q;
	size_t i;

	for (i = 0; i < c->nseg; i++) {
		if (*p != '/')
			return 0;
		p++;
		for (q = p; *q != '\0' && *q != '/'; q++)
			;
		if (q == p)
			return 0;
		if (c->seg[i].lit != NULL && ((size_t)(q - p) != c->seg[i].len ||
		    memcmp(p, c->seg[i].lit, c->seg[i].len) != 0))
			return 0;
		p = q;
	}
	return *p == '\0';
}

int
srv_route_find(const struct compiled *c, size_t n, const char *path,
    const char *method, const struct compiled **out, char *allow,
    size_t allowlen)
{
	const struct compiled *best = NULL;
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (matches(&c[i], path) &&
		    (best == NULL || c[i].nlit > best->nlit))
			best = &c[i];
	if (best == NULL)
		return 1;
	allow[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *m = srv_route_method_name(c[i].r->method);

		if (!same_shape(&c[i], best))
			continue;
		if (strcmp(m, method) == 0) {
			*out = &c[i];
			return 0;
		}
		o += (size_t)snprintf(allow + o, allowlen - o, "%s%s",
		    o > 0 ? ", " : "", m);
		if (o >= allowlen)
			o = allowlen - 1;
	}
	return 2;
}

int
srv_route_parse_param(enum srv_ptype t, const char *s, size_t n, uint8_t *id,
    uint64_t *u)
{
	uint64_t v = 0;
	size_t i;

	switch (t) {
	case SRV_P_ID:
		return wire_id_decode(s, n, id, COFFER_WIRE_ID_BYTES);
	case SRV_P_BLOBID:
		return wire_id_decode(s, n, id, COFFER_WIRE_BLOB_ID_BYTES);
	case SRV_P_UINT:
		if (n == 0 || n > 19 || (s[0] == '0' && n > 1))
			return -1;
		for (i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (uint64_t)(s[i] - '0');
		}
		if (v > INT64_MAX)
			return -1;
		*u = v;
		return 0;
	case SRV_P_WORD:
		if (n == 0 || n > 32)
			return -1;
		for (i = 0; i < n; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			    s[i] == '-'))
				return -1;
		return 0;
	case SRV_P_TOKEN:
		if (n == 0 || n > 256)
			return -1;
		for (i = 0; i < n; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			    s[i] == '-'))
				return -1;
		return 0;
	}
	return -1;
}

const char *
srv_route_ptype_text(enum srv_ptype t)
{
	switch (t) {
	case SRV_P_ID:
		return "32 lower-case hex digits";
	case SRV_P_BLOBID:
		return "64 lower-case hex digits";
	case SRV_P_UINT:
		return "a decimal number below 2^63";
	case SRV_P_WORD:
		return "1 to 32 of [a-z0-9_-]";
	case SRV_P_TOKEN:
		return "1 to 256 base64url characters";
	}
	return "?";
}
