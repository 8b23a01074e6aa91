/* Strict option parsing from the command table: every option is known to
 * the table or refused with a message that names it. Options may come
 * before, between or after positional arguments; "--" ends them. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define HELP	(-1)
#define VERSION	(-2)

/* The global options: set_global below gives each its meaning. */
const struct cli_opt cli_global_opts[] = {
	{ "server", "URL", "the server (else $COFFER_SERVER, else the one "
	    "this home signed in to)", 0 },
	{ "home", "DIR", "this device's folder (else $COFFER_HOME, "
	    "~/.coffer)", 0 },
	{ "ca", "FILE", "trust the CA certificates in FILE", 0 },
	{ "timeout", "SECONDS", "give up on a request the server has not "
	    "answered in SECONDS, more for large transfers (else "
	    "$COFFER_TIMEOUT, else 30)", 0 },
	{ "json", NULL, "one JSON object on standard output", 0 },
	{ "quiet", NULL, "no progress and no summary line", 0 },
	{ "help", NULL, "show help (also -h)", 0 },
	{ "version", NULL, "print the version", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* A decimal number in [0, ${max}]: 0, or -1 if ${v} is not one. */
static int
parse_uint(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	uintmax_t n;

	errno = 0;
	n = strtoumax(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n > max)
		return -1;
	*out = (uint64_t)n;
	return 0;
}

static const struct cli_opt *
find_opt(const struct cli_opt *opts, const char *name, size_t nlen,
    size_t *index)
{
	size_t i;

	for (i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strlen(opts[i].name) == nlen &&
		    strncmp(opts[i].name, name, nlen) == 0) {
			*index = i;
			return &opts[i];
		}
	return NULL;
}

/* --timeout or COFFER_TIMEOUT (named ${what}): 1 to 86400 seconds. */
static int
set_timeout(struct cli *c, const char *what, const char *v)
{
	uint64_t t;

	if (parse_uint(v, 86400, &t) != 0 || t == 0)
		return cli_usage(c, "%s: '%s' is not a number of seconds from "
		    "1 to 86400", what, v);
	c->timeout = (unsigned)t;
	return CLI_OK;
}

/* Store a global option's value. Returns CLI_OK, HELP or VERSION. */
static int
set_global(struct cli *c, const char *name, const char *v)
{
	if (strcmp(name, "server") == 0)
		c->server = v;
	else if (strcmp(name, "home") == 0)
		c->home = v;
	else if (strcmp(name, "ca") == 0)
		c->ca = v;
	else if (strcmp(name, "timeout") == 0)
		return set_timeout(c, "--timeout", v);
	else if (strcmp(name, "json") == 0)
		c->json = 1;
	else if (strcmp(name, "quiet") == 0)
		c->quiet = 1;
	else if (strcmp(name, "help") == 0)
		return HELP;
	else if (strcmp(name, "version") == 0)
		return VERSION;
	return CLI_OK;
}

/* An option that may be given more than once: its value's name ends in
 * "...". */
static int
repeatable(const struct cli_opt *o)
{
	size_t n = o->arg != NULL ? strlen(o->arg) : 0;

	return n > 3 && strcmp(o->arg + n - 3, "...") == 0;
}

/* One "--name[=value]" at argv[*i] (with its value maybe in argv[*i+1]),
 * looked up in the command's options (when ${cmd}) then the global ones.
 * Returns CLI_OK, CLI_USAGE, HELP or VERSION. */
static int
one_option(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv,
    int *i)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '='), *v = NULL;
	size_t nlen = eq != NULL ? (size_t)(eq - a) : strlen(a), idx;
	const struct cli_opt *o = NULL;
	uint64_t n;
	int global = 0;

	if (cmd != NULL)
		o = find_opt(cmd->opts, a, nlen, &idx);
	if (o == NULL) {
		o = find_opt(cli_global_opts, a, nlen, &idx);
		global = 1;
	}
	if (o == NULL) {
		if (cmd != NULL)
			return cli_usage(c, "unknown option '--%.*s' for "
			    "'coffer %s%s%s'", (int)nlen, a, cmd->name,
			    cmd->sub ? " " : "", cmd->sub ? cmd->sub : "");
		return cli_usage(c, "unknown option '--%.*s'", (int)nlen, a);
	}
	if (o->arg == NULL && eq != NULL)
		return cli_usage(c, "option '--%s' takes no value", o->name);
	if (o->arg != NULL) {
		if (eq != NULL)
			v = eq + 1;
		else if (*i + 1 < argc)
			v = argv[++*i];
		else
			return cli_usage(c, "option '--%s' needs a value (%s)",
			    o->name, o->arg);
		if (*v == '\0')
			return cli_usage(c, "option '--%s' has an empty value",
			    o->name);
		/* Values named N are counts: checked here, once for all. */
		if (strcmp(o->arg, "N") == 0 &&
		    parse_uint(v, CLI_COUNT_MAX, &n) != 0)
			return cli_usage(c, "option '--%s': '%s' is not a "
			    "number from 0 to %u", o->name, v,
			    (unsigned)CLI_COUNT_MAX);
	}
	if (global)
		return set_global(c, o->name, v);
	if (c->val[idx] != NULL && repeatable(o)) {
		if (c->nmore == CLI_MORE_MAX)
			return cli_usage(c, "option '--%s' given more than %d "
			    "times", o->name, CLI_MORE_MAX);
		c->more_idx[c->nmore] = idx;
		c->more[c->nmore++] = v;
		return CLI_OK;
	}
	if (c->val[idx] != NULL)
		return cli_usage(c, "option '--%s' given twice", o->name);
	c->val[idx] = v != NULL ? v : "";
	return CLI_OK;
}

int
cli_parse_global(struct cli *c, int argc, char **argv, int *used)
{
	int i, r;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0)
			return HELP;
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			if (argv[i][0] == '-' && argv[i][1] != '\0')
				return cli_usage(c, "unknown option '%s'",
				    argv[i]);
			break;
		}
		if ((r = one_option(c, NULL, argc, argv, &i)) != CLI_OK)
			return r;
	}
	*used = i;
	return CLI_OK;
}

int
cli_parse(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd = c->cmd;
	int i, r, dashdash = 0;

	c->npos = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && strcmp(a, "-h") == 0)
			return HELP;
		if (!dashdash && strncmp(a, "--", 2) == 0) {
			if ((r = one_option(c, cmd, argc, argv, &i)) != CLI_OK)
				return r;
			continue;
		}
		if (!dashdash && a[0] == '-' && a[1] != '\0')
			return cli_usage(c, "unknown option '%s'", a);
		/* Positional arguments are gathered at the front of argv. */
		argv[c->npos++] = argv[i];
	}
	c->pos = argv;
	for (i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++)
		if (cmd->opts[i].required && c->val[i] == NULL)
			return cli_usage(c, "option '--%s %s' is required",
			    cmd->opts[i].name, cmd->opts[i].arg);
	if (c->npos < cmd->minpos)
		return cli_usage(c, "missing argument%s: %s",
		    cmd->minpos - c->npos > 1 ? "s" : "",
		    cmd->args != NULL ? cmd->args : "");
	if (cmd->maxpos >= 0 && c->npos > cmd->maxpos)
		return cli_usage(c, "unexpected argument '%s'",
		    c->pos[cmd->maxpos]);
	return CLI_OK;
}

const char *
cli_opt(const struct cli *c, const char *name)
{
	size_t i;

	if (c->cmd == NULL)
		return NULL;
	if (find_opt(c->cmd->opts, name, strlen(name), &i) == NULL)
		return NULL;
	return c->val[i];
}

int
cli_opt_all(const struct cli *c, const char *name, const char **out, int max)
{
	size_t idx;
	int i, n = 0;

	if (c->cmd == NULL || max <= 0 ||
	    find_opt(c->cmd->opts, name, strlen(name), &idx) == NULL ||
	    c->val[idx] == NULL)
		return 0;
	out[n++] = c->val[idx];
	for (i = 0; i < c->nmore && n < max; i++)
		if (c->more_idx[i] == idx)
			out[n++] = c->more[i];
	return n;
}

int
cli_opt_uint(struct cli *c, const char *name, uint64_t max, uint64_t *out)
{
	const char *v = cli_opt(c, name);

	if (v == NULL)
		return CLI_OK;
	if (parse_uint(v, max, out) != 0)
		return cli_usage(c, "option '--%s': '%s' is not a number "
		    "from 0 to %" PRIu64, name, v, max);
	return CLI_OK;
}

int
cli_defaults(struct cli *c)
{
	const char *h;
	struct passwd *pw;

	if (c->server == NULL && (h = getenv("COFFER_SERVER")) != NULL &&
	    *h != '\0')
		c->server = h;
	if (c->timeout == 0 && (h = getenv("COFFER_TIMEOUT")) != NULL &&
	    *h != '\0' && set_timeout(c, "COFFER_TIMEOUT", h) != CLI_OK)
		return CLI_USAGE;
	if (c->home != NULL)
		return CLI_OK;
	if ((h = getenv("COFFER_HOME")) != NULL && *h != '\0') {
		c->home = h;
		return CLI_OK;
	}
	if ((h = getenv("HOME")) == NULL || *h == '\0') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL)
			return cli_failf(c, "no home folder: give --home DIR "
			    "or set COFFER_HOME");
		h = pw->pw_dir;
	}
	if ((size_t)snprintf(c->homebuf, sizeof(c->homebuf), "%s/.coffer",
	    h) >= sizeof(c->homebuf))
		return cli_failf(c, "home folder path too long: %s", h);
	c->home = c->homebuf;
	return CLI_OK;
}
