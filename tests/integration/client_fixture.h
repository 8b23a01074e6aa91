/* The fixture of the client tests (test_client_*.c): one real cofferd on
 * loopback with cheap OPAQUE key stretching, and client homes in a
 * temporary folder. Include once per test file. */
#ifndef COFFER_TEST_CLIENT_FIXTURE_H
#define COFFER_TEST_CLIENT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/client.h>
#include <coffer/err.h>

#include "server_harness.h"

static struct srv *S;
static char *Tmp;
static unsigned Homes;

static int
server_setup(void **state)
{
	char conf[4096];
	const char *args[] = { "--config", conf, NULL };

	(void)state;
	if ((Tmp = srv_tmpdir()) == NULL)
		return -1;
	(void)snprintf(conf, sizeof(conf), "%s/cofferd.conf", Tmp);
	if (srv_write_file(conf, "opaque_t_cost = 1\nopaque_m_cost = 1024\n"
	    "login_failures_account = 50\n") != 0)
		return -1;
	return srv_start(&S, args);
}

static int
server_teardown(void **state)
{
	int rc;

	(void)state;
	rc = srv_stop(S);
	srv_free(&S);
	srv_rmtree(Tmp);
	free(Tmp);
	return rc == 0 ? 0 : -1;
}

/* A new home folder path (not made yet) under the temporary folder. */
static void
home_path(char *out, size_t cap)
{
	(void)snprintf(out, cap, "%s/home%u", Tmp, Homes++);
}

/* A client on a home: a new one unless ${home} names one. */
static struct coffer_client *
client_at(const char *home)
{
	struct coffer_client_opts o = { 0 };
	struct coffer_client *c = NULL;
	char url[256];

	o.backoff_ms = 20;
	(void)snprintf(url, sizeof(url), "%s", srv_url(S, ""));
	if (coffer_client_open(&c, url, home, &o) != 0)
		return NULL;
	return c;
}

/* A login name nobody used yet on this server. */
static void
fresh_login(char *out, size_t cap, const char *tag)
{
	static unsigned n;

	(void)snprintf(out, cap, "%s-%u-%ld", tag, n++, (long)getpid());
}

#define PW(s)	(const uint8_t *)(s), strlen(s)

#endif
