/* Open the client library for the global options; errors and ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/encoding.h>
#include <coffer/err.h>

#include "session.h"

/* $COFFER_KSF_MIN, "T,M": the least key stretching accepted from a
 * server (a test server's); unset or empty: the production profile. */
static int
ksf_min(struct cli *c, struct coffer_client_opts *o)
{
	const char *v = getenv("COFFER_KSF_MIN");
	unsigned t, m;
	int n = 0;

	if (v == NULL || *v == '\0')
		return CLI_OK;
	if (sscanf(v, "%u,%u%n", &t, &m, &n) != 2 || v[n] != '\0' ||
	    t == 0 || m == 0)
		return cli_usage(c, "COFFER_KSF_MIN is \"T,M\": Argon2id "
		    "passes and KiB");
	o->ksf_min_t = t;
	o->ksf_min_m = m;
	return CLI_OK;
}

int
cli_client_open(struct cli *c, struct coffer_client **out)
{
	struct coffer_client_opts o;
	struct coffer_client *cl = NULL;
	int r;

	memset(&o, 0, sizeof(o));
	o.ca_file = c->ca;
	o.timeout_s = c->timeout;
	if ((r = ksf_min(c, &o)) != CLI_OK)
		return r;
	/* Without --server, the library takes the one the home signed in
	 * to last. */
	r = coffer_client_open(&cl, c->server, c->home, &o);
	if (r == COFFER_ERR_STATE && c->server == NULL)
		return cli_usage(c, "no server: give --server URL or set "
		    "COFFER_SERVER (this home has not signed in to one yet)");
	if (r != 0)
		return cli_fail(c, r, "opening the client", c->home);
	*out = cl;
	return CLI_OK;
}

int
cli_client_fail(struct cli *c, const struct coffer_client *cl, int err,
    const char *what)
{
	return cli_fail(c, err, what, cl != NULL ? coffer_client_errmsg(cl) :
	    NULL);
}

int
cli_parse_id(struct cli *c, const char *arg, uint8_t *out, size_t n,
    const char *what)
{
	size_t len = 0;

	if (strlen(arg) != 2 * n || coffer_hex_decode(out, n, &len, arg,
	    strlen(arg)) != 0 || len != n)
		return cli_usage(c, "'%s' is not a %s (%zu hex digits)", arg,
		    what, 2 * n);
	return CLI_OK;
}

void
cli_hex(char *out, const uint8_t *in, size_t n)
{
	if (coffer_hex_encode(out, 2 * n + 1, in, n) != 0)
		out[0] = '\0';
}
