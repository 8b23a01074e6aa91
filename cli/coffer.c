/* coffer: the command-line device client. Commands dispatch from one
 * table; `coffer help` prints it. */
#include <stdio.h>
#include <string.h>

#include <coffer/category.h>
#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/version.h>

#include "cli.h"

static int cmd_help(int, char **);
static int cmd_version(int, char **);
static int cmd_categories(int, char **);

static const struct cli_cmd cmds[] = {
	{ "help", cmd_help, "show this list of commands" },
	{ "version", cmd_version, "print the version of coffer and libcoffer" },
	{ "categories", cmd_categories,
	    "list the data categories and how each is protected" },
	{ "selftest", cmd_selftest,
	    "check this build's cryptography end to end, on this machine" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: coffer [--help] [--version] COMMAND [ARGS...]\n"
	    "\n"
	    "coffer is the device client of an end-to-end encrypted cloud: it\n"
	    "encrypts on this device, and the server stores only ciphertext.\n"
	    "Account, backup, record and sync commands arrive with the server.\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
}

static int
cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("coffer %s (libcoffer %s)\n", COFFER_VERSION, coffer_version());
	return 0;
}

static int
cmd_categories(int argc, char **argv)
{
	const struct coffer_category *c;
	size_t i, n = coffer_category_count();

	(void)argc;
	(void)argv;
	printf("%-3s %-22s %-16s %s\n", "id", "name", "protection", "title");
	for (i = 0; i < n; i++) {
		c = coffer_category_at(i);
		printf("%-3u %-22s %-16s %s\n", (unsigned)c->id, c->name,
		    coffer_category_class_name(c->cls), c->title);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	if (coffer_init() != 0) {
		fprintf(stderr, "coffer: %s\n", coffer_strerror(COFFER_ERR_CRYPTO));
		return 1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "coffer: unknown command '%s' (see 'coffer help')\n",
	    argv[1]);
	return 2;
}
