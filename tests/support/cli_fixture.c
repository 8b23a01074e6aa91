/* The coffer program's tests' fixture (cli_fixture.h). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <unistd.h>

#include <cmocka.h>

#include "cli_fixture.h"

char cli_fx_server_env[CLI_FX_SERVER_ENV_MAX];

static struct srv *fx_srv;
static char *fx_tmp;

int
cli_fx_setup(void **state)
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
	snprintf(cli_fx_server_env, sizeof(cli_fx_server_env),
	    "COFFER_SERVER=%s", srv_url(fx_srv, ""));
	return 0;
}

int
cli_fx_teardown(void **state)
{
	int r;

	(void)state;
	r = srv_stop(fx_srv);
	srv_free(&fx_srv);
	srv_rmtree(fx_tmp);
	free(fx_tmp);
	fx_tmp = NULL;
	return r == 0 ? 0 : -1;
}

struct srv *
cli_fx_server(void)
{
	return fx_srv;
}

void
cli_fx_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", fx_tmp, name);
}

void
cli_fx_write(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

void
cli_fx_run(struct cli_res *r, const char *const env[], const char *home,
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

void
cli_fx_expect(const struct cli_res *r, int want, const char *what)
{
	if (r->status != want)
		fail_msg("%s: exit %d, not %d; stdout: %s; stderr: %s", what,
		    r->status, want, r->out, r->err);
}

json_t *
cli_fx_json(const struct cli_res *r)
{
	json_error_t e;
	json_t *j = json_loads(r->out, 0, &e);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", e.text, r->out);
	return j;
}

const char *
cli_fx_str(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	if (s == NULL)
		fail_msg("no string member \"%s\"", key);
	return s;
}

int
cli_fx_account(const char *home, const char *const env[])
{
	struct cli_res r;
	int st;

	if (cli_run(&r, env, NULL, "--home", home, "account", "create",
	    (char *)NULL) != 0)
		return -1;
	st = r.status;
	if (st != 0)
		fprintf(stderr, "account create: %s", r.err);
	cli_res_free(&r);
	return st == 0 ? 0 : -1;
}

int
cli_fx_setup_home(void **state, char *home, size_t size,
    const char *const env[])
{
	if (cli_fx_setup(state) != 0)
		return -1;
	cli_fx_path(home, size, "home");
	return cli_fx_account(home, env);
}
