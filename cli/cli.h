/* The coffer CLI: one table of commands (cli/coffer.c) from which the
 * option parser, `coffer help`, `coffer help COMMAND` and `coffer COMMAND
 * --help` all work; each command is a function in a cmd_*.c file. Only
 * cli/ prints. */
#ifndef COFFER_CLI_H
#define COFFER_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Exit codes: 0 success, 1 the operation failed, 2 usage error. */
#define CLI_OK		0
#define CLI_FAIL	1
#define CLI_USAGE	2

/* An option of a command: --name, or --name VALUE when arg is set. */
struct cli_opt {
	const char	*name;		/* without the leading "--" */
	const char	*arg;		/* the value's name ("NAME"), NULL: flag */
	const char	*help;		/* one line */
	int		 required;	/* the command refuses to run without */
};

#define CLI_OPTS_MAX	12
/* Values after the first of the repeatable options (those whose value's
 * name ends in "...": "--snapshot ID..."), in all. */
#define CLI_MORE_MAX	64
/* The largest value of an option whose value is named "N". */
#define CLI_COUNT_MAX	1000000u

/* Command flags. */
#define CLI_SERVER	0x1	/* talks to the server */
#define CLI_HIDDEN	0x2	/* not in `coffer help` (aliases) */

struct cli;

/* One row of the command table: "coffer NAME [SUB] [OPTIONS] ARGS". */
struct cli_cmd {
	const char		*name;
	const char		*sub;		/* NULL: no subcommand */
	const char		*args;		/* positional synopsis, or NULL */
	int			 minpos;	/* positional arguments, */
	int			 maxpos;	/* -1: no upper bound */
	const struct cli_opt	*opts;		/* {NULL}-terminated, or NULL */
	const char		*summary;	/* one line for `coffer help` */
	const char		*help;		/* paragraphs for --help */
	int			(*run)(struct cli *);
	unsigned		 flags;
};

/* The state of one run of the program: global options, the parsed command
 * line of the command, its JSON answer. */
struct cli {
	const char		*server;	/* --server, COFFER_SERVER */
	const char		*home;		/* --home, COFFER_HOME, ~/.coffer */
	const char		*ca;		/* --ca */
	unsigned		 timeout;	/* --timeout, COFFER_TIMEOUT; 0:
						   the library's */
	int			 json;		/* --json */
	int			 quiet;		/* --quiet */
	const struct cli_cmd	*cmd;
	const char		*val[CLI_OPTS_MAX];	/* option values */
	const char		*more[CLI_MORE_MAX];	/* repeated ones */
	size_t			 more_idx[CLI_MORE_MAX];
	int			 nmore;
	char			**pos;			/* positional args */
	int			 npos;
	json_t			*out;		/* the --json answer */
	int			 failed;	/* an error was reported */
	char			 homebuf[4096];
};

/* cli/args.c: the global options ({NULL}-terminated), accepted before or
 * after the command. */
extern const struct cli_opt cli_global_opts[];
/* Parse the arguments of ${c}->cmd (after the command words)
 * into ${c}; global options are accepted there too. Returns CLI_OK, or
 * CLI_USAGE after printing why, or -1 when --help was asked (the caller
 * prints the command's help). */
int cli_parse(struct cli *c, int argc, char **argv);
/* Parse global options at the front of argv; *${used} tells how many
 * arguments they took. Returns CLI_OK, CLI_USAGE, or -1 for --help and
 * -2 for --version. */
int cli_parse_global(struct cli *c, int argc, char **argv, int *used);
/* The value of option --${name} of the running command (a flag gives
 * ""), or NULL when it was not given. */
const char *cli_opt(const struct cli *c, const char *name);
/* Every value of the repeatable option --${name}, in order, into
 * ${out} (at most ${max}); returns how many. */
int cli_opt_all(const struct cli *c, const char *name, const char **out,
    int max);
/* --${name} as a number in [0, ${max}] into *${out}; *${out} is left
 * alone when the option is absent. Returns CLI_OK or CLI_USAGE. */
int cli_opt_uint(struct cli *c, const char *name, uint64_t max,
    uint64_t *out);
/* Fill the home folder default (COFFER_HOME, then $HOME/.coffer). */
int cli_defaults(struct cli *c);

/* cli/synopsis.c: "coffer NAME SUB [--opt ARG]... ARGS" of ${cmd} into
 * ${buf}. */
void cli_synopsis(const struct cli_cmd *cmd, char *buf, size_t size);

/* cli/help.c, over the command table ${cmds} of ${ncmds} rows. */
/* The listing of `coffer help`: every row not hidden, and the global
 * options. */
void cli_help_all(struct cli *c, const struct cli_cmd *cmds, size_t ncmds);
/* Help for every row named ${name} (and ${sub} when not NULL). Returns
 * CLI_OK, or CLI_USAGE when there is none. */
int cli_help_cmd(struct cli *c, const struct cli_cmd *cmds, size_t ncmds,
    const char *name, const char *sub);

/* cli/out.c: errors and the --json answer. */
/* Report a usage error ("coffer: <msg>" and the usage line of the running
 * command on stderr; {"error":"usage"} with --json). Returns CLI_USAGE. */
int cli_usage(struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report a failure: "coffer: <what>: <coffer_strerror(err)> (<detail>)"
 * on stderr (detail omitted when NULL or empty); with --json also
 * {"error": coffer_err_name(err), "message": line} on stdout. Returns
 * CLI_FAIL. */
int cli_fail(struct cli *c, int err, const char *what, const char *detail);
/* Report a failure that has no coffer error code. Returns CLI_FAIL. */
int cli_failf(struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set ${key} of the JSON answer (steals ${v}). */
void cli_json_set(struct cli *c, const char *key, json_t *v);
/* Set ${key} of the JSON answer to the number ${v}. */
void cli_json_u64(struct cli *c, const char *key, uint64_t v);
/* Print a line on stdout unless --json (text for people or scripts). */
void cli_print(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print a line on stderr unless --quiet or --json (a summary). */
void cli_note(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* With --json, print ${v} (stolen) at once as one line and flush: an
 * answer a script reads while the command still runs. */
void cli_json_line(struct cli *c, json_t *v);
/* Print the JSON answer, if --json, at the end of the command. */
void cli_json_flush(struct cli *c);

/* cli/password.c: the secret of an account. */
struct cli_secret {
	char	*p;	/* sodium_malloc'd, NUL-terminated */
	size_t	 len;
};
/* Read the password: --password-file (first line), COFFER_PASSWORD, or a
 * no-echo prompt on the terminal (asked twice when ${confirm}). Returns
 * CLI_OK, or CLI_FAIL/CLI_USAGE after reporting why. */
int cli_password(struct cli *c, struct cli_secret *s, int confirm);
/* Wipe and free. */
void cli_secret_free(struct cli_secret *s);
/* The login name: --login, COFFER_LOGIN, or a prompt on the terminal into
 * ${buf}. Returns CLI_OK or reports and returns CLI_FAIL/CLI_USAGE. */
int cli_login_name(struct cli *c, char *buf, size_t size, const char **out);
/* Ask ${question} on the terminal: CLI_OK for an answer starting with y,
 * CLI_FAIL for anything else, CLI_USAGE (nothing reported) when there is
 * no terminal. */
int cli_confirm(struct cli *c, const char *question);

/* Ask ${question} on the terminal and read one line into ${buf}. Returns
 * CLI_OK, CLI_FAIL after reporting why, or CLI_USAGE (nothing reported)
 * when there is no terminal. */
int cli_ask(struct cli *c, const char *question, char *buf, size_t size);

/* Commands. */
int cmd_selftest(struct cli *c);

#endif
