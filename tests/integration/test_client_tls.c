/* TLS to a server with a self-signed certificate (issue 4, point 1): the
 * client verifies the server by default and refuses an unknown
 * certificate, names the reason, and sends nothing it would regret (no
 * account is made); with the certificate as its CA file (coffer --ca) it
 * signs up, stores and reads a record. Runs the real cofferd. */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <coffer/buf.h>
#include <coffer/client.h>
#include <coffer/err.h>

#include "cli_run.h"
#include "server_harness.h"

static struct srv *S;
static char *Tmp;
static char Cert[300], Url[128];

static int
setup(void **state)
{
	char key[300], conf[300], cmd[1200];
	const char *args[] = { "--tls-cert", Cert, "--tls-key", key,
	    "--config", conf, NULL };

	(void)state;
	if ((Tmp = srv_tmpdir()) == NULL)
		return -1;
	snprintf(Cert, sizeof(Cert), "%s/cert.pem", Tmp);
	snprintf(key, sizeof(key), "%s/key.pem", Tmp);
	snprintf(conf, sizeof(conf), "%s/cofferd.conf", Tmp);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 "
	    "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s "
	    ">/dev/null 2>&1", key, Cert);
	if (system(cmd) != 0 || srv_write_file(conf,
	    "opaque_t_cost = 1\nopaque_m_cost = 1024\n") != 0 ||
	    srv_start(&S, args) != 0)
		return -1;
	snprintf(Url, sizeof(Url), "%s", srv_url(S, ""));
	if (Url[strlen(Url) - 1] == '/')
		Url[strlen(Url) - 1] = '\0';
	return strncmp(Url, "https://", 8) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	int rc;

	(void)state;
	rc = srv_stop(S);
	srv_free(&S);
	srv_rmtree(Tmp);
	free(Tmp);
	return rc == 0 ? 0 : -1;
}

static struct coffer_client *
client(const char *home, const char *ca)
{
	struct coffer_client_opts o = { 0 };
	struct coffer_client *c = NULL;
	char path[400];

	/* The test server's cheap key stretching. */
	o.ksf_min_t = 1;
	o.ksf_min_m = 1024;
	o.ca_file = ca;
	o.backoff_ms = 10;
	o.retries = 1;
	snprintf(path, sizeof(path), "%s/%s", Tmp, home);
	assert_int_equal(coffer_client_open(&c, Url, path, &o), 0);
	return c;
}

static void
test_library(void **state)
{
	static const uint8_t pw[] = "a password for tls";
	struct coffer_client *c;
	struct coffer_buf *b;
	uint8_t id[16];

	(void)state;
	/* No trust anchor: refused before anything is sent. */
	c = client("untrusted", NULL);
	assert_int_equal(coffer_client_account_create(c, "tls-user", pw,
	    sizeof(pw) - 1), COFFER_ERR_NETWORK);
	if (strstr(coffer_client_errmsg(c), "certificate") == NULL)
		fail_msg("the reason is not named: %s",
		    coffer_client_errmsg(c));
	coffer_client_free(&c);

	/* With the server's certificate as CA: the same login is free (the
	 * refused attempt made nothing), and records go both ways. */
	c = client("trusted", Cert);
	if (coffer_client_account_create(c, "tls-user", pw,
	    sizeof(pw) - 1) != 0)
		fail_msg("create: %s", coffer_client_errmsg(c));
	assert_int_equal(coffer_client_record_create(c, "notes", NULL,
	    (const uint8_t *)"over tls", 8, id), 0);
	assert_non_null(b = coffer_buf_new(64));
	assert_int_equal(coffer_client_record_get(c, "notes", NULL, id, b,
	    NULL), 0);
	assert_int_equal(coffer_buf_len(b), 8);
	assert_memory_equal(coffer_buf_data(b), "over tls", 8);
	coffer_buf_free(&b);
	coffer_client_free(&c);
}

/* The CLI's --ca. */
static void
test_cli_ca(void **state)
{
	char home[400];
	const char *env[] = { "COFFER_PASSWORD=another tls password", NULL };
	struct cli_res r;

	(void)state;
	snprintf(home, sizeof(home), "%s/cli", Tmp);
	assert_int_equal(cli_run(&r, env, NULL, "--server", Url, "--home",
	    home, "account", "create", "--login", "tls-cli", (char *)NULL), 0);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "certificate"));
	cli_res_free(&r);
	assert_int_equal(cli_run(&r, env, NULL, "--server", Url, "--home",
	    home, "--ca", Cert, "account", "create", "--login", "tls-cli",
	    (char *)NULL), 0);
	if (r.status != 0)
		fail_msg("coffer --ca: exit %d: %s", r.status, r.err);
	cli_res_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_library),
		cmocka_unit_test(test_cli_ca),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
