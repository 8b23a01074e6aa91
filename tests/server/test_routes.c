/* The route table as data: every pattern well formed, no clashes, and
 * docs/openapi.yaml true to it both ways (every route documented with its
 * method; every operation marked "x-implemented: true" served), with
 * every error code of server/http/errors.c and its status; the test
 * routes of cofferd-test (cofferd_test.h) well formed too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cofferd_test.h"
#include "http/errors.h"
#include "http/http.h"
#include "routes/routes.h"
#include "server_harness.h"

static char *
openapi(void)
{
	char *t = srv_slurp(COFFER_SOURCE_DIR "/docs/openapi.yaml", NULL);

	assert_non_null(t);
	return t;
}

/* Does openapi.yaml document "method path"? It must have the path as a
 * key under paths: (two-space indent) and the method under it (four). */
static const char *
find_op(const char *doc, const char *path, const char *method)
{
	char key[300], m[20];
	const char *p, *end, *next;
	size_t i;

	snprintf(key, sizeof(key), "\n  %s:\n", path);
	if ((p = strstr(doc, key)) == NULL)
		return NULL;
	p += strlen(key) - 1;
	/* The block ends at the next line indented two spaces or less. */
	for (end = p; (next = strchr(end + 1, '\n')) != NULL; end = next)
		if (next[1] != '\n' && !(next[1] == ' ' && next[2] == ' ' &&
		    next[3] == ' '))
			break;
	for (i = 0; method[i] != '\0' && i + 1 < sizeof(m); i++)
		m[i] = (char)(method[i] | 0x20);
	m[i] = '\0';
	snprintf(key, sizeof(key), "\n    %s:\n", m);
	p = strstr(p, key);
	return p != NULL && (next == NULL || p < next) ? p : NULL;
}

static void
test_openapi_has_every_route(void **state)
{
	char *doc = openapi(), path[256];
	const char *m;
	size_t i;

	(void)state;
	for (i = 0; i < srv_nroutes; i++) {
		assert_int_equal(srv_route_doc_path(&srv_routes[i], path,
		    sizeof(path)), 0);
		m = srv_route_method_name(srv_routes[i].method);
		if (find_op(doc, path, m) == NULL)
			print_error("openapi.yaml lacks %s %s\n", m, path);
		assert_non_null(find_op(doc, path, m));
	}
	/* The test routes stay out of the public API. */
	assert_null(strstr(doc, "/_test/"));
	free(doc);
}

/* Every operation marked "x-implemented: true" is in the route table. */
static void
test_openapi_implemented_are_routes(void **state)
{
	static const char *const methods[] = { "get", "put", "post", "delete",
	    "patch", NULL };
	char *doc = openapi(), path[256], rp[256];
	const char *p, *q, *mark, *eol;
	size_t i, j, n, found = 0;

	(void)state;
	p = strstr(doc, "\npaths:\n");
	assert_non_null(p);
	while ((p = strstr(p + 1, "\n  /")) != NULL) {
		eol = strchr(p + 3, '\n');
		n = (size_t)(eol - (p + 3)) - 1;	/* without ':' */
		assert_true(n < sizeof(path));
		memcpy(path, p + 3, n);
		path[n] = '\0';
		for (i = 0; methods[i] != NULL; i++) {
			char upper[10];

			if ((q = find_op(doc, path, methods[i])) == NULL)
				continue;
			/* The marker sits in the operation's own block. */
			mark = strstr(q, "\n      x-implemented: true\n");
			eol = q + 1;
			while ((eol = strchr(eol, '\n')) != NULL &&
			    (eol[1] == '\n' || strncmp(eol + 1, "      ", 6) ==
			    0))
				eol++;
			if (mark == NULL || (eol != NULL && mark > eol))
				continue;
			for (j = 0; methods[i][j] != '\0'; j++)
				upper[j] = (char)(methods[i][j] & ~0x20);
			upper[j] = '\0';
			for (j = 0; j < srv_nroutes; j++) {
				assert_int_equal(srv_route_doc_path(
				    &srv_routes[j], rp, sizeof(rp)), 0);
				if (strcmp(rp, path) == 0 && strcmp(upper,
				    srv_route_method_name(srv_routes[j].method))
				    == 0)
					break;
			}
			if (j == srv_nroutes)
				print_error("openapi.yaml marks %s %s "
				    "implemented; no route has it\n", upper,
				    path);
			assert_true(j < srv_nroutes);
			found++;
		}
	}
	assert_int_equal(found, srv_nroutes);
	free(doc);
}

/* The operation block of "method path" in ${doc}: from its method line
 * to the next line indented four spaces or less. */
static size_t
op_block(const char *doc, const char *path, const char *method,
    const char **at)
{
	const char *p = find_op(doc, path, method), *eol;

	assert_non_null(p);
	eol = p + 1;
	while ((eol = strchr(eol, '\n')) != NULL && (eol[1] == '\n' ||
	    strncmp(eol + 1, "     ", 5) == 0))
		eol++;
	*at = p;
	return eol != NULL ? (size_t)(eol - p) : strlen(p);
}

/* The routes a restricted session may call (SRV_AUTH_ANY) are exactly
 * those openapi.yaml marks "x-coffer-restricted: true"; every other one
 * that takes a token documents the 403 it answers them. */
static void
test_openapi_restricted(void **state)
{
	char *doc = openapi(), path[256], *blk;
	const char *p, *m;
	size_t i, n, any = 0;
	int marked;

	(void)state;
	for (i = 0; i < srv_nroutes; i++) {
		assert_int_equal(srv_route_doc_path(&srv_routes[i], path,
		    sizeof(path)), 0);
		m = srv_route_method_name(srv_routes[i].method);
		n = op_block(doc, path, m, &p);
		assert_non_null(blk = strndup(p, n));
		marked = strstr(blk, "\n      x-coffer-restricted: true\n") !=
		    NULL;
		if (marked != (srv_routes[i].auth == SRV_AUTH_ANY))
			print_error("%s %s: the table says %d, openapi.yaml %s "
			    "x-coffer-restricted\n", m, path, srv_routes[i].auth,
			    marked ? "has" : "lacks");
		assert_int_equal(marked, srv_routes[i].auth == SRV_AUTH_ANY);
		if (srv_routes[i].auth == SRV_AUTH_FULL &&
		    strstr(blk, "\n        \"403\"") == NULL)
			print_error("%s %s lacks its 403\n", m, path);
		if (srv_routes[i].auth == SRV_AUTH_FULL)
			assert_non_null(strstr(blk, "\n        \"403\""));
		any += srv_routes[i].auth == SRV_AUTH_ANY;
		free(blk);
	}
	assert_true(any > 0);
	free(doc);
}

/* Every error code is documented, with its status. */
static void
test_openapi_has_every_error(void **state)
{
	char *doc = openapi(), want[100];
	size_t i;

	(void)state;
	for (i = 1; i < srv_err_count(); i++) {
		snprintf(want, sizeof(want), "- %s\n", srv_err_code(i));
		if (strstr(doc, want) == NULL)
			print_error("openapi.yaml lacks error code %s\n",
			    srv_err_code(i));
		assert_non_null(strstr(doc, want));
		snprintf(want, sizeof(want), "| `%s` | %u |", srv_err_code(i),
		    srv_err_status(i));
		if (strstr(doc, want) == NULL)
			print_error("openapi.yaml lacks \"%s\"\n", want);
		assert_non_null(strstr(doc, want));
	}
	free(doc);
}

static int
dummy(struct srv_req *req)
{
	(void)req;
	return 0;
}

static void
test_route_tables(void **state)
{
	static const struct {
		const char	*pattern;
		int		 ok;
	} pats[] = {
		{ "/v1/x", 1 }, { "/v1/x/{a:id}", 1 }, { "/v1/{a:blobid}/y", 1 },
		{ "/v1/{n:uint}/{w:word}/{t:token}", 1 },
		{ "", 0 }, { "v1/x", 0 }, { "/v1//x", 0 }, { "/v1/x/", 0 },
		{ "/v1/{a}", 0 }, { "/v1/{a:nope}", 0 }, { "/v1/{:id}", 0 },
		{ "/v1/{a:id", 0 }, { "/v1/X", 0 }, { "/v1/a b", 0 },
	};
	struct srv_route r[2];
	char err[200];
	size_t i;

	(void)state;
	assert_int_equal(srv_route_check(srv_routes, srv_nroutes, err,
	    sizeof(err)), 0);
	assert_int_equal(srv_route_check(srv_test_routes, srv_ntest_routes,
	    err, sizeof(err)), 0);
	memset(r, 0, sizeof(r));
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		r[0].method = SRV_GET;
		r[0].pattern = pats[i].pattern;
		r[0].handler = dummy;
		assert_int_equal(srv_route_check(r, 1, err, sizeof(err)),
		    pats[i].ok ? 0 : -1);
	}
	/* Same method and shape twice, whatever the parameter names. */
	r[0].pattern = "/v1/z/{a:id}";
	r[1] = r[0];
	r[1].pattern = "/v1/z/{b:blobid}";
	assert_int_equal(srv_route_check(r, 2, err, sizeof(err)), -1);
	r[1].method = SRV_PUT;
	assert_int_equal(srv_route_check(r, 2, err, sizeof(err)), 0);
	r[1].body = SRV_BODY_STREAM;	/* a stream route needs a cap */
	assert_int_equal(srv_route_check(r, 2, err, sizeof(err)), -1);
	r[1].body_max = 1;
	assert_int_equal(srv_route_check(r, 2, err, sizeof(err)), 0);
	r[1].handler = NULL;
	assert_int_equal(srv_route_check(r, 2, err, sizeof(err)), -1);
	r[1].handler = dummy;
	r[1].auth = (enum srv_auth_need)3;	/* no such need */
	assert_int_equal(srv_route_check(r, 2, err, sizeof(err)), -1);
	r[1].auth = SRV_AUTH_ANY;
	assert_int_equal(srv_route_check(r, 2, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openapi_has_every_route),
		cmocka_unit_test(test_openapi_implemented_are_routes),
		cmocka_unit_test(test_openapi_has_every_error),
		cmocka_unit_test(test_openapi_restricted),
		cmocka_unit_test(test_route_tables),
	};

	return cmocka_run_group_tests_name("routes", tests, NULL, NULL);
}
