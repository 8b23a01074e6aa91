/* The fixture of the tests that run the coffer program against a real
 * cofferd (test_cli_*.c): one server on loopback with cheap OPAQUE key
 * stretching, a temporary folder for homes and files, and helpers that
 * run `coffer --home HOME ARGS...` and check what it answered. Include
 * once per test file, after cmocka.h. */
#ifndef COFFER_TEST_CLI_FIXTURE_H
#define COFFER_TEST_CLI_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_run.h"
#include "server_harness.h"

static struct srv *fx_srv;
static char *fx_tmp;
/* "COFFER_SERVER=http://127.0.0.1:PORT", for environments. */
static char fx_server_env[300];

static int
fx_setup(void **state)
{
	char conf[600];
	const char *args[] = { "--config", conf, NULL };

	(void)state;
	if ((fx_tmp = srv_tmpdir()) == NULL)
		return -1;
	snprintf(conf, sizeof(conf), "%s/cofferd.conf", fx_tmp);
	if (srv_write_file(conf, "opaque_t_cost = 1\nopaque_m_cost = 1024\n")
	    != 0 || srv_start(&fx_srv, args) != 0)
		return -1;
	snprintf(fx_server_env, sizeof(fx_server_env), "COFFER_SERVER=%s",
	    srv_url(fx_srv, ""));
	return 0;
}

static int
fx_teardown(void **state)
{
	int r;

	(void)state;
	r = srv_stop(fx_srv);
	srv_free(&fx_srv);
	srv_rmtree(fx_tmp);
	free(fx_tmp);
	return r == 0 ? 0 : -1;
}

/* ${out} = the temporary folder + "/" + ${name}. */
static void
fx_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", fx_tmp, name);
}

/* Run coffer --home ${home} ${args} with ${env} and ${input}. */
static void
fx_run(struct cli_res *r, const char *const env[], const char *home,
    const char *input, const char *const args[])
{
	const char *argv[40];
	size_t n = 0, i;

	argv[n++] = "--home";
	argv[n++] = home;
	for (i = 0; args[i] != NULL && n + 1 < sizeof(argv) / sizeof(argv[0]);
	    i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(cli_runv(r, env, input, argv), 0);
}

/* Exit status ${want}, else fail showing what the program said. */
static void
fx_expect(const struct cli_res *r, int want, const char *what)
{
	if (r->status != want)
		fail_msg("%s: exit %d, not %d; stdout: %s; stderr: %s", what,
		    r->status, want, r->out, r->err);
}

/* Standard output as JSON (free it with json_decref). */
static json_t *
fx_json(const struct cli_res *r)
{
	json_error_t e;
	json_t *j = json_loads(r->out, 0, &e);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", e.text, r->out);
	return j;
}

/* The string member ${key} of ${j}, or a failure. */
static const char *
fx_str(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	if (s == NULL)
		fail_msg("no string member \"%s\"", key);
	return s;
}

#endif
