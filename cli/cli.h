/* The coffer CLI: one table of commands (cli/coffer.c); each command is a
 * function in a file of its own. */
#ifndef COFFER_CLI_H
#define COFFER_CLI_H

struct cli_cmd {
	const char	*name;
	int		(*run)(int argc, char **argv);
	const char	*summary;
};

/* Exit codes: 0 success, 1 the operation failed, 2 usage error. */
#define CLI_OK		0
#define CLI_FAIL	1
#define CLI_USAGE	2

int cmd_selftest(int argc, char **argv);

#endif
