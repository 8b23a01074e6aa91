/* What the CLI says: errors on stderr as "coffer: <what>: <error>
 * (<detail>)", results on stdout, and with --json one JSON object per
 * command on stdout (errors as {"error": name, "message": text}). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <coffer/err.h>

#include "cli.h"

static const struct {
	int		 code;
	const char	*name;
} errnames[] = {
	{ COFFER_ERR_INTERNAL, "internal" },
	{ COFFER_ERR_NOMEM, "nomem" },
	{ COFFER_ERR_INVALID, "invalid" },
	{ COFFER_ERR_FORMAT, "format" },
	{ COFFER_ERR_AUTH, "auth" },
	{ COFFER_ERR_VERSION, "version" },
	{ COFFER_ERR_CONTEXT, "context" },
	{ COFFER_ERR_TOOBIG, "toobig" },
	{ COFFER_ERR_IO, "io" },
	{ COFFER_ERR_TRUNCATED, "truncated" },
	{ COFFER_ERR_TRAILING, "trailing" },
	{ COFFER_ERR_KEY, "key" },
	{ COFFER_ERR_CHECKSUM, "checksum" },
	{ COFFER_ERR_CRYPTO, "crypto" },
	{ COFFER_ERR_PERM, "perm" },
	{ COFFER_ERR_NOTFOUND, "notfound" },
	{ COFFER_ERR_EXISTS, "exists" },
	{ COFFER_ERR_PASSCODE, "passcode" },
	{ COFFER_ERR_STATE, "state" },
	{ COFFER_ERR_CONFLICT, "conflict" },
	{ COFFER_ERR_QUOTA, "quota" },
	{ COFFER_ERR_BUSY, "busy" },
	{ COFFER_ERR_NETWORK, "network" },
	{ COFFER_ERR_SERVER, "server" },
	{ COFFER_ERR_UNAUTHORIZED, "unauthorized" },
	{ COFFER_ERR_NOSPACE, "nospace" },
	{ COFFER_ERR_CORRUPT, "corrupt" },
	{ COFFER_ERR_CANCELLED, "cancelled" },
};

const char *
cli_errname(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].code == err)
			return errnames[i].name;
	return "failed";
}

/* Print "coffer: <msg>" on stderr and, with --json, replace the answer
 * by {"error": name, "message": msg}. */
static void
report(struct cli *c, const char *name, const char *msg)
{
	fprintf(stderr, "coffer: %s\n", msg);
	c->failed = 1;
	if (!c->json)
		return;
	json_decref(c->out);
	c->out = json_pack("{s:s, s:s}", "error", name, "message", msg);
}

int
cli_usage(struct cli *c, const char *fmt, ...)
{
	char msg[1024], syn[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(c, "usage", msg);
	if (c->cmd != NULL) {
		cli_synopsis(c->cmd, syn, sizeof(syn));
		fprintf(stderr, "usage: %s\n(see 'coffer %s%s%s --help')\n",
		    syn, c->cmd->name, c->cmd->sub ? " " : "",
		    c->cmd->sub ? c->cmd->sub : "");
	} else {
		fprintf(stderr, "usage: coffer [GLOBAL OPTIONS] COMMAND "
		    "[ARGS...] (see 'coffer help')\n");
	}
	return CLI_USAGE;
}

int
cli_fail(struct cli *c, int err, const char *what, const char *detail)
{
	char msg[1536];

	if (detail != NULL && *detail != '\0')
		snprintf(msg, sizeof(msg), "%s: %s (%s)", what,
		    coffer_strerror(err), detail);
	else
		snprintf(msg, sizeof(msg), "%s: %s", what, coffer_strerror(err));
	report(c, cli_errname(err), msg);
	return CLI_FAIL;
}

int
cli_failf(struct cli *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(c, "failed", msg);
	return CLI_FAIL;
}

void
cli_json_set(struct cli *c, const char *key, json_t *v)
{
	if (!c->json || c->failed) {
		json_decref(v);
		return;
	}
	if (c->out == NULL)
		c->out = json_object();
	if (c->out != NULL && v != NULL)
		json_object_set_new(c->out, key, v);
	else
		json_decref(v);
}

void
cli_json_u64(struct cli *c, const char *key, uint64_t v)
{
	cli_json_set(c, key, json_integer((json_int_t)v));
}

void
cli_print(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void
cli_note(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->json || c->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_json_flush(struct cli *c)
{
	if (!c->json)
		return;
	if (c->out == NULL)
		c->out = json_object();
	if (c->out != NULL) {
		json_dumpf(c->out, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		putchar('\n');
	}
	json_decref(c->out);
	c->out = NULL;
	fflush(stdout);
}
