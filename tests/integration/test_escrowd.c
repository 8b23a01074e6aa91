/* coffer-escrowd as a process, on the HTTP layer it shares with cofferd:
 * GET /v1/health, the layer's JSON 404 and 405, the command line (help,
 * version, usage errors, plain HTTP refused off loopback), and SIGTERM
 * stopping it gracefully with exit 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "http_client.h"
#include "server_harness.h"

/* Run coffer-escrowd with ${args}: its exit status, and that stdout or
 * stderr holds ${want} (NULL: not checked). */
static void
run_expect(const char *const args[], int want_status, const char *want)
{
	char *out = NULL, *err = NULL;
	int st = -2;

	assert_int_equal(srv_exec(SRV_ESCROWD, args, NULL, NULL, 30, &st, &out,
	    &err), 0);
	if (st != want_status || (want != NULL && strstr(out, want) == NULL &&
	    strstr(err, want) == NULL))
		print_error("coffer-escrowd %s: exit %d, stdout \"%s\", stderr "
		    "\"%s\"\n", args[0] != NULL ? args[0] : "", st, out, err);
	assert_int_equal(st, want_status);
	if (want != NULL)
		assert_true(strstr(out, want) != NULL ||
		    strstr(err, want) != NULL);
	free(out);
	free(err);
}

static void
test_command_line(void **state)
{
	const char *version[] = { "--version", NULL };
	const char *help[] = { "--help", NULL };
	const char *bogus[] = { "--bogus", NULL };
	const char *data[] = { "--data", "x", NULL };
	const char *twice[] = { "--listen", "127.0.0.1:0", "--listen",
	    "127.0.0.1:0", NULL };
	const char *bad_listen[] = { "--listen", "localhost:1", NULL };
	const char *half_tls[] = { "--tls-cert", "/nonexistent", NULL };
	const char *remote[] = { "--listen", "0.0.0.0:0", NULL };
	const char *log_xml[] = { "--log-format", "xml", NULL };

	(void)state;
	run_expect(version, 0, "coffer-escrowd 0.1.0\n");
	run_expect(help, 0, "usage: coffer-escrowd");
	run_expect(bogus, 2, "coffer-escrowd: unknown argument");
	run_expect(data, 2, "coffer-escrowd: ");
	run_expect(twice, 2, "given twice");
	run_expect(bad_listen, 2, "bad listen address");
	run_expect(half_tls, 2, "TLS needs both");
	run_expect(remote, 2, "refusing plain HTTP");
	run_expect(log_xml, 2, "coffer-escrowd: ");
}

/* ${method} ${path} answers ${status} with the JSON error ${code}. */
static void
expect_error(struct srv *s, const char *method, const char *path,
    long status, const char *code)
{
	char *body = NULL;
	long st = 0;

	assert_int_equal(http_request(method, srv_url(s, path), NULL, NULL, 0,
	    &st, &body), 0);
	assert_int_equal(st, status);
	assert_true(http_is_error(body, code));
	free(body);
}

static void
test_serve_and_stop(void **state)
{
	const char *args[] = { "--log-format", "json", NULL };
	struct srv *s = NULL;
	char *body = NULL, *log, path[400];
	json_t *j;
	long st = 0;

	(void)state;
	assert_int_equal(srv_start_prog(&s, SRV_ESCROWD, args), 0);

	assert_int_equal(http_request("GET", srv_url(s, "/v1/health"), NULL,
	    NULL, 0, &st, &body), 0);
	assert_int_equal(st, 200);
	assert_non_null(j = json_loads(body, JSON_REJECT_DUPLICATES, NULL));
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	    "ok");
	assert_string_equal(json_string_value(json_object_get(j, "version")),
	    "0.1.0");
	json_decref(j);
	free(body);

	expect_error(s, "GET", "/v1/escrow", 404, "not_found");
	expect_error(s, "POST", "/v1/health/x", 404, "not_found");
	expect_error(s, "DELETE", "/v1/health", 405, "method_not_allowed");

	/* SIGTERM: a clean stop, logged, the port file removed. */
	assert_int_equal(srv_stop(s), 0);
	snprintf(path, sizeof(path), "%s/port", srv_dir(s));
	assert_int_not_equal(access(path, F_OK), 0);
	assert_non_null(log = srv_log_text(s));
	assert_non_null(strstr(log, "\"event\":\"listening\""));
	assert_non_null(strstr(log, "\"event\":\"stopping\",\"signal\":"
	    "\"TERM\""));
	assert_non_null(strstr(log, "\"event\":\"stopped\""));
	free(log);
	srv_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_serve_and_stop),
	};

	return cmocka_run_group_tests_name("escrowd", tests, NULL, NULL);
}
