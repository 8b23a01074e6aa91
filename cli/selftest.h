/* coffer selftest: its steps, split by what they exercise. The command
 * (cli/cmd_selftest.c) runs them; each records its outcome through
 * st_step (cli/selftest.c). */
#ifndef COFFER_CLI_SELFTEST_H
#define COFFER_CLI_SELFTEST_H

#include <jansson.h>

struct st {
	int		 failed;
	int		 steps;
	const char	*dir;	/* a private temporary folder */
	json_t		*json;	/* with --json: the steps, else NULL */
};

/* Record and print one step's outcome (cli/selftest.c). */
void st_step(struct st *st, int ok, const char *what);

/* Keys on disk, the keychain and streams (cli/selftest_keys.c). */
void st_device_keys(struct st *st);
void st_keychain(struct st *st);
void st_stream(struct st *st);

#endif
