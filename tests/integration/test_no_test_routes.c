/* The test routes stay out of the production cofferd: it has no option
 * that turns them on (--test-routes is an unknown argument, exit 2) and
 * answers every /v1/_test/ path of the test table, with every method,
 * with the JSON 404 not_found; cofferd-test still serves each of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cofferd_test.h"
#include "http_client.h"
#include "server_harness.h"

static const char *const methods[] = { "GET", "PUT", "POST", "DELETE",
    NULL };

/* The path of test route ${r}, with a valid value for each parameter. */
static void
concrete_path(const struct srv_route *r, char *out, size_t size)
{
	static const struct {
		const char	*type;
		const char	*value;
	} samples[] = {
		{ "id}", "00112233445566778899aabbccddeeff" },
		{ "blobid}", "000102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1f" },
		{ "uint}", "1" },
		{ "word}", "a" },
		{ "token}", "a" },
	};
	const char *p = r->pattern, *colon, *end;
	size_t o = 0, i;

	while (*p != '\0') {
		assert_true(o + 70 < size);
		if (*p != '{') {
			out[o++] = *p++;
			continue;
		}
		assert_non_null(colon = strchr(p, ':'));
		assert_non_null(end = strchr(p, '}'));
		for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
			if (strncmp(colon + 1, samples[i].type,
			    (size_t)(end + 1 - colon - 1)) == 0)
				break;
		assert_true(i < sizeof(samples) / sizeof(samples[0]));
		o += (size_t)snprintf(out + o, size - o, "%s",
		    samples[i].value);
		p = end + 1;
	}
	out[o] = '\0';
}

static void
test_option_refused(void **state)
{
	const char *args[] = { "--test-routes", NULL };
	char *err = NULL;
	int st = -1;

	(void)state;
	assert_int_equal(srv_run(args, &st, NULL, &err), 0);
	assert_int_equal(st, 2);
	assert_non_null(strstr(err, "cofferd: unknown argument "
	    "\"--test-routes\""));
	free(err);
}

static void
test_production_has_none(void **state)
{
	struct srv *s = NULL;
	char path[256], *body;
	size_t i, m;
	long st;

	(void)state;
	assert_true(srv_ntest_routes > 0);
	assert_int_equal(srv_start(&s, NULL), 0);
	for (i = 0; i < srv_ntest_routes; i++) {
		assert_non_null(strstr(srv_test_routes[i].pattern,
		    "/v1/_test/"));
		concrete_path(&srv_test_routes[i], path, sizeof(path));
		for (m = 0; methods[m] != NULL; m++) {
			body = NULL;
			st = 0;
			assert_int_equal(http_request(methods[m], srv_url(s,
			    path), NULL, NULL, 0, &st, &body), 0);
			if (st != 404 || !http_is_error(body, "not_found"))
				print_error("%s %s: %ld %s\n", methods[m], path,
				    st, body != NULL ? body : "");
			assert_int_equal(st, 404);
			assert_true(http_is_error(body, "not_found"));
			free(body);
		}
	}
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

static void
test_test_program_has_all(void **state)
{
	struct srv *s = NULL;
	const struct srv_route *r;
	char path[256], *body;
	size_t i;
	long st;

	(void)state;
	assert_int_equal(srv_start_test(&s, NULL), 0);
	for (i = 0; i < srv_ntest_routes; i++) {
		r = &srv_test_routes[i];
		concrete_path(r, path, sizeof(path));
		body = NULL;
		st = 0;
		assert_int_equal(http_request(srv_route_method_name(r->method),
		    srv_url(s, path), NULL, NULL, 0, &st, &body), 0);
		/* Routed: whatever it answers without a body or a token,
		 * it is not "no such route". */
		if (st == 404)
			print_error("%s %s: %ld %s\n",
			    srv_route_method_name(r->method), path, st,
			    body != NULL ? body : "");
		assert_int_not_equal(st, 404);
		assert_false(http_is_error(body, "not_found"));
		free(body);
	}
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_refused),
		cmocka_unit_test(test_production_has_none),
		cmocka_unit_test(test_test_program_has_all),
	};

	return cmocka_run_group_tests_name("no_test_routes", tests, NULL, NULL);
}
