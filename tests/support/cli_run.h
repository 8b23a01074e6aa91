/* Run the real coffer program from a test (build/coffer, through
 * srv_exec), with an environment of the test's choosing, standard input
 * from a string, and standard output and error captured; or on a
 * pseudo-terminal of its own, for the prompts.
 *
 *	struct cli_res r;
 *	const char *env[] = { "COFFER_PASSWORD=pw", NULL };
 *	assert_int_equal(cli_run(&r, env, NULL, "--home", home,
 *	    "account", "status", (char *)NULL), 0);
 *	assert_int_equal(r.status, 0);
 *	cli_res_free(&r); */
#ifndef COFFER_TEST_CLI_RUN_H
#define COFFER_TEST_CLI_RUN_H

#include <stddef.h>

struct cli_res {
	int	 status;	/* exit status, -1 if killed by a signal */
	char	*out;		/* standard output, NUL-terminated */
	size_t	 outlen;	/* up to its first NUL */
	char	*err;		/* standard error, NUL-terminated */
};

/** cli_run(r, env, input, ...): run COFFER_BUILD_DIR/coffer with the
 * NULL-terminated arguments after ${input}, the COFFER_* variables of this
 * process emptied (the program takes that as unset), the NULL-terminated
 * "NAME=value" list ${env} (may be NULL, at most 32) added, and ${input}
 * (NULL: /dev/null) on standard input. Killed after 120 s. Returns 0
 * with *${r} filled (free it with cli_res_free), or -1 if it could not
 * run. */
int cli_run(struct cli_res *r, const char *const env[], const char *input,
    ...);

/** cli_runv(r, env, input, args): the same with the arguments in the
 * NULL-terminated array ${args}. */
int cli_runv(struct cli_res *r, const char *const env[], const char *input,
    const char *const args[]);

/* One turn of a terminal conversation: wait for ${expect} in what the
 * program wrote, then type ${send}. */
struct cli_chat {
	const char	*expect;
	const char	*send;
};

/** cli_run_tty(r, env, chat, nchat, args): run coffer ARGS (as cli_runv)
 * on a new pseudo-terminal that is its controlling terminal and its
 * standard input, output and error; hold the ${nchat} turns of ${chat},
 * then read to the end. r->out is everything the terminal showed (input
 * echoed by the terminal included), r->err is empty. Returns 0, or -1 if
 * it could not run or a turn's text did not come within 30 s (then *${r}
 * holds what came, for the message; free it in both cases). */
int cli_run_tty(struct cli_res *r, const char *const env[],
    const struct cli_chat *chat, size_t nchat, const char *const args[]);

/* A run in the background, for a command that waits (a new device's
 * sign-in waits for approval while the test approves it). */
struct cli_bg {
	int		pid;
	int		out, err;	/* pipes, -1 once at their end */
	size_t		cap_out, cap_err;
	struct cli_res	r;		/* what came so far */
};

/** cli_spawn(b, env, args): start coffer ARGS as cli_runv does, standard
 * input /dev/null, standard output and error captured as they come.
 * Returns 0 or -1. */
int cli_spawn(struct cli_bg *b, const char *const env[],
    const char *const args[]);

/** cli_bg_line(b, n): wait (at most 30 s) until standard output holds
 * ${n} whole lines; all of it so far, or NULL. */
const char *cli_bg_line(struct cli_bg *b, size_t n);

/** cli_bg_wait(b, r): read to the end (killed after 120 s), reap, and
 * hand over what it said in *${r} (free it with cli_res_free). Returns 0,
 * or -1 if it had to be killed. */
int cli_bg_wait(struct cli_bg *b, struct cli_res *r);

/** cli_res_free(r): free the captured output; accepts a zeroed ${r}. */
void cli_res_free(struct cli_res *r);

#endif
