/* The client tests' fixture (client_fixture.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_fixture.h"

static struct srv *fx_server;
static char *fx_tmp;
static unsigned fx_homes;
static unsigned fx_logins;

int
client_fx_setup(void **state)
{
	char conf[4096];
	const char *args[] = { "--config", conf, NULL };

	(void)state;
	if ((fx_tmp = srv_tmpdir()) == NULL)
		return -1;
	(void)snprintf(conf, sizeof(conf), "%s/cofferd.conf", fx_tmp);
	if (srv_write_file(conf, "opaque_t_cost = 1\nopaque_m_cost = 1024\n"
	    "login_failures_account = 50\n") != 0)
		return -1;
	return srv_start(&fx_server, args);
}

int
client_fx_teardown(void **state)
{
	int rc;

	(void)state;
	rc = srv_stop(fx_server);
	srv_free(&fx_server);
	srv_rmtree(fx_tmp);
	free(fx_tmp);
	fx_tmp = NULL;
	return rc == 0 ? 0 : -1;
}

struct srv *
client_fx_server(void)
{
	return fx_server;
}

struct srv *
client_fx_use_server(struct srv *s)
{
	struct srv *was = fx_server;

	fx_server = s;
	return was;
}

const char *
client_fx_tmp(void)
{
	return fx_tmp;
}

void
client_fx_home(char *out, size_t cap)
{
	(void)snprintf(out, cap, "%s/home%u", fx_tmp, fx_homes++);
}

struct coffer_client *
client_fx_open(const char *home)
{
	struct coffer_client_opts o = { 0 };
	struct coffer_client *c = NULL;
	char url[256];

	o.backoff_ms = 20;
	/* The test servers' cheap profile (cofferd.conf above). */
	o.ksf_min_t = 1;
	o.ksf_min_m = 1024;
	(void)snprintf(url, sizeof(url), "%s", srv_url(fx_server, ""));
	if (coffer_client_open(&c, url, home, &o) != 0)
		return NULL;
	return c;
}

void
client_fx_login(char *out, size_t cap, const char *tag)
{
	(void)snprintf(out, cap, "%s-%u-%ld", tag, fx_logins++,
	    (long)getpid());
}

/* The new device's side of a pairing, in a thread of its own: it waits
 * while the approver answers. */
struct pair_job {
	struct coffer_client	*c;
	int			 r;
};

static void *
pair_waits(void *arg)
{
	struct pair_job *j = arg;

	j->r = coffer_client_pair_wait(j->c, 120, NULL);
	return NULL;
}

int
client_fx_pair_with(struct coffer_client *n, struct coffer_client *e,
    void (*mangle)(char *code), int *approve_r, int *wait_r)
{
	struct coffer_client_status st;
	struct pair_job j = { n, 0 };
	char code[COFFER_CLIENT_PAIR_CODE_LEN];
	pthread_t t;
	int r;

	if ((r = coffer_client_status(n, &st)) != 0 ||
	    (r = coffer_client_pair_start(n, code)) != 0)
		return r;
	if (mangle != NULL)
		mangle(code);
	if (pthread_create(&t, NULL, pair_waits, &j) != 0)
		return COFFER_ERR_INTERNAL;
	r = coffer_client_device_approve(e, st.device, code);
	(void)pthread_join(t, NULL);
	if (approve_r != NULL)
		*approve_r = r;
	if (wait_r != NULL)
		*wait_r = j.r;
	return r != 0 ? r : j.r;
}

int
client_fx_pair(struct coffer_client *n, struct coffer_client *e)
{
	return client_fx_pair_with(n, e, NULL, NULL, NULL);
}

struct coffer_client *
client_fx_device(char *home, size_t cap, const char *login,
    struct coffer_client *approver)
{
	struct coffer_client *c;

	client_fx_home(home, cap);
	if ((c = client_fx_open(home)) == NULL)
		return NULL;
	if (coffer_client_login(c, login, PW("pw")) != 0 ||
	    client_fx_pair(c, approver) != 0 ||
	    coffer_client_sync(c) != 0)
		coffer_client_free(&c);
	return c;
}

void
client_fx_three(const char *tag, char *h1, char *h2, char *h3, char *login,
    struct coffer_client **laptop, struct coffer_client **phone,
    struct coffer_client **tablet, struct coffer_client_status *ph,
    struct coffer_client_status *tb)
{
	client_fx_home(h1, 4096);
	client_fx_login(login, 64, tag);
	if ((*laptop = client_fx_open(h1)) == NULL ||
	    coffer_client_account_create(*laptop, login, PW("pw")) != 0 ||
	    (*phone = client_fx_device(h2, 4096, login, *laptop)) == NULL ||
	    (*tablet = client_fx_device(h3, 4096, login, *laptop)) == NULL ||
	    coffer_client_status(*phone, ph) != 0 ||
	    coffer_client_status(*tablet, tb) != 0) {
		fprintf(stderr, "client_fx_three: three devices of %s failed\n",
		    login);
		abort();
	}
}

int
client_fx_collect(void *arg, const uint8_t id[COFFER_RECORD_ID_BYTES],
    uint64_t version, const uint8_t *data, size_t len)
{
	struct client_fx_seen *s = arg;

	(void)id;
	(void)version;
	if (s->n < 8 && len < 64) {
		memcpy(s->text[s->n], data, len);
		s->text[s->n][len] = '\0';
	}
	s->n++;
	return 0;
}

int
client_fx_has(const struct client_fx_seen *s, const char *text)
{
	unsigned i;

	for (i = 0; i < s->n && i < 8; i++)
		if (strcmp(s->text[i], text) == 0)
			return 1;
	return 0;
}
