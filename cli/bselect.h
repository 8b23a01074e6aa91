/* What `coffer backup create` backs up (cli/bselect.c): the paths (the
 * arguments and the --files-from* lists) and what to leave out (the
 * --exclude* and related options), gathered into the engine's options
 * as restic reads them. */
#ifndef COFFER_CLI_BSELECT_H
#define COFFER_CLI_BSELECT_H

#include <stddef.h>

#include <coffer/backup.h>

#include "cli.h"

/* A list of strings, each owned. */
struct bsel_list {
	char		**v;
	size_t		  n, cap;
};

struct bsel {
	struct bsel_list	 paths, ex, iex, tags;
};

/* Gather the options of the running command into ${s} (zeroed first),
 * reading the files they name ("-": standard input). Returns CLI_OK, or
 * reports and returns CLI_USAGE (nothing to back up, a file too big) or
 * CLI_FAIL (a file unreadable); free ${s} in every case. */
int bsel_read(struct cli *c, struct bsel *s);
/* Point ${o}'s selection fields at ${s} (which must outlive them). */
void bsel_options(const struct bsel *s, struct coffer_backup_options *o);
/* Free what ${s} holds; accepts a zeroed one. */
void bsel_free(struct bsel *s);

#endif
