/* Help generated from the command table (which the caller passes): the
 * listing of `coffer help`, and per command its synopsis, long text and
 * options. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
cmd_words(const struct cli_cmd *cmd, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", cmd->name, cmd->sub ? " " : "",
	    cmd->sub ? cmd->sub : "");
}

static void
print_opts(const struct cli_opt *opts, FILE *f)
{
	char left[64];
	size_t i;

	for (i = 0; opts != NULL && opts[i].name != NULL; i++) {
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
		    opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(f, "  %-22s %s\n", left, opts[i].help);
	}
}

static json_t *
cmd_json(const struct cli_cmd *cmd)
{
	char words[64], syn[512];
	json_t *o, *opts = json_array();
	size_t i;

	cmd_words(cmd, words, sizeof(words));
	cli_synopsis(cmd, syn, sizeof(syn));
	for (i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++)
		json_array_append_new(opts, json_pack("{s:s, s:s?, s:s}",
		    "name", cmd->opts[i].name, "arg", cmd->opts[i].arg,
		    "help", cmd->opts[i].help));
	o = json_pack("{s:s, s:s, s:s, s:o, s:b}", "command", words,
	    "synopsis", syn, "summary", cmd->summary, "options", opts,
	    "server", (cmd->flags & CLI_SERVER) != 0);
	return o;
}

void
cli_help_all(struct cli *c, const struct cli_cmd *cmds, size_t ncmds)
{
	char words[64];
	json_t *a;
	size_t i;

	if (c->json) {
		a = json_array();
		for (i = 0; i < ncmds; i++)
			if (!(cmds[i].flags & CLI_HIDDEN))
				json_array_append_new(a, cmd_json(&cmds[i]));
		cli_json_set(c, "commands", a);
		return;
	}
	printf("usage: coffer [GLOBAL OPTIONS] COMMAND [ARGS...]\n"
	    "\n"
	    "coffer is the device client of an end-to-end encrypted cloud: it\n"
	    "encrypts on this device, and the server stores only ciphertext.\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < ncmds; i++) {
		if (cmds[i].flags & CLI_HIDDEN)
			continue;
		cmd_words(&cmds[i], words, sizeof(words));
		printf("  %-18s %s\n", words, cmds[i].summary);
	}
	printf("\nglobal options (before or after the command):\n");
	print_opts(cli_global_opts, stdout);
	printf("\n'coffer help COMMAND' or 'coffer COMMAND --help' tells more.\n");
}

/* "usage: SYNOPSIS", wrapped at spaces outside brackets to 79 columns. */
static void
print_usage(const struct cli_cmd *cmd)
{
	char syn[512];
	const char *p, *brk = NULL;
	size_t col = 7, depth = 0;

	cli_synopsis(cmd, syn, sizeof(syn));
	fputs("usage: ", stdout);
	for (p = syn; *p != '\0'; p++) {
		if (*p == ' ' && depth == 0) {
			/* The next unit: up to the next space at depth 0. */
			size_t d = 0, n = 1;

			for (brk = p + 1; *brk != '\0' && (d > 0 ||
			    *brk != ' '); brk++, n++)
				d += *brk == '[' ? 1 : *brk == ']' ? (size_t)-1 : 0;
			if (col + n > 79) {
				fputs("\n             ", stdout);
				col = 13;
				continue;
			}
		}
		depth += *p == '[' ? 1 : *p == ']' ? (size_t)-1 : 0;
		putchar(*p);
		col++;
	}
	putchar('\n');
}

static void
print_cmd(const struct cli_cmd *cmd, int full)
{
	print_usage(cmd);
	if (!full) {
		printf("  %s\n", cmd->summary);
		return;
	}
	printf("\n%s\n", cmd->help != NULL ? cmd->help : cmd->summary);
	if (cmd->opts != NULL && cmd->opts[0].name != NULL) {
		printf("\noptions:\n");
		print_opts(cmd->opts, stdout);
	}
	printf("\nglobal options: see 'coffer help'.\n");
}

int
cli_help_cmd(struct cli *c, const struct cli_cmd *cmds, size_t ncmds,
    const char *name, const char *sub)
{
	size_t i, n = 0, only = 0;
	json_t *a = json_array();

	for (i = 0; i < ncmds; i++) {
		const struct cli_cmd *cmd = &cmds[i];

		if (strcmp(cmd->name, name) != 0 || (sub != NULL &&
		    (cmd->sub == NULL || strcmp(cmd->sub, sub) != 0)))
			continue;
		if (n++ == 0)
			only = i;
		json_array_append_new(a, cmd_json(cmd));
	}
	if (n == 0) {
		json_decref(a);
		if (sub != NULL)
			return cli_usage(c, "unknown command '%s %s' (see "
			    "'coffer help')", name, sub);
		return cli_usage(c, "unknown command '%s' (see 'coffer help')",
		    name);
	}
	if (c->json) {
		cli_json_set(c, "commands", a);
		return CLI_OK;
	}
	json_decref(a);
	/* One row: its full help; a group: a synopsis per subcommand. */
	if (n == 1) {
		print_cmd(&cmds[only], 1);
		return CLI_OK;
	}
	for (i = 0; i < ncmds; i++)
		if (strcmp(cmds[i].name, name) == 0)
			print_cmd(&cmds[i], 0);
	printf("\n'coffer help %s SUBCOMMAND' tells more.\n", name);
	return CLI_OK;
}
