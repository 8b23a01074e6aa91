/* A backup set opened for a command (cli/bset.c): the client, the
 * set's store and key ring, the repository with its cache in
 * HOME/cache/backup/SET; and a snapshot's line. Shared by the backup
 * commands. */
#ifndef COFFER_CLI_BSET_H
#define COFFER_CLI_BSET_H

#include <stdint.h>

#include <coffer/backup.h>
#include <coffer/client.h>

#include "cli.h"

#define SNAP_HEX	(2 * COFFER_SNAPSHOT_ID_BYTES + 1)

/* An open backup set: the client, its store, the versions of its zone
 * key, the repository. */
struct bset {
	struct coffer_client		*cl;
	struct coffer_bstore		 store;
	struct coffer_key		*keys[COFFER_BACKUP_KEYS_MAX];
	size_t				 nkeys;
	struct coffer_backup_repo	*repo;
	const char			*name;
	unsigned			 warnings;	/* the server's doing */
};

/* Open the set --set (default "default"). Returns CLI_OK, or reports
 * and returns CLI_FAIL/CLI_USAGE; close ${b} in every case. */
int bset_open(struct cli *c, struct bset *b, const char *what);
/* Close what bset_open opened; accepts a zeroed or failed one. */
void bset_close(struct bset *b);
/* Report the engine's error ${err} of ${what} with its detail. Returns
 * CLI_FAIL. */
int bset_fail(struct cli *c, const struct bset *b, int err, const char *what);
/* The hex of a snapshot id into ${out} (SNAP_HEX bytes). */
void bset_snap_hex(char *out, const uint8_t id[COFFER_SNAPSHOT_ID_BYTES]);
/* Print a snapshot's line (between ${prefix} and ${suffix}) unless
 * --json; return its JSON object. */
json_t *bset_snap_show(struct cli *c,
    const struct coffer_backup_snapshot *s, const char *prefix,
    const char *suffix);
/* The word for an entry's type (enum coffer_backup_ftype). */
const char *bset_type_name(int type);

#endif
