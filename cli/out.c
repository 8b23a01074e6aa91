/* What the CLI says: errors on stderr as "coffer: <what>: <error>
 * (<detail>)", results on stdout, and with --json one JSON object per
 * command on stdout (errors as {"error": name, "message": text}). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <coffer/err.h>

#include "cli.h"

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
	report(c, coffer_err_name(err), msg);
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
cli_json_line(struct cli *c, json_t *v)
{
	if (c->json && v != NULL) {
		json_dumpf(v, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		putchar('\n');
		fflush(stdout);
	}
	json_decref(v);
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
