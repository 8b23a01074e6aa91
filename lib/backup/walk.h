/* Walking a snapshot's trees. Internal to lib/backup. */
#ifndef COFFER_BACKUP_WALK_H
#define COFFER_BACKUP_WALK_H

#include "backup/repo.h"

#define WALK_PATH_MAX	65535
#define WALK_ENTER	0
#define WALK_LEAVE	1
#define WALK_SKIP	1	/* returned for ENTER: do not descend */

typedef int (*walk_fn)(void *arg, const char *path, const struct bk_node *n,
    int ev);

/** walk_snapshot(r, snap, sub, path, fn, arg): call ${fn} for each node of
 * snapshot ${snap} at and below ${sub} (NULL: everything), with its path
 * in ${path} (WALK_PATH_MAX + 1 bytes, owned by the caller). */
int walk_snapshot(struct coffer_backup_repo *r, const uint8_t snap[BK_NAME],
    const char *sub, char *path, walk_fn fn, void *arg);

/** walk_root(r, root, path, fn, arg): the same below the tree ${root}
 * (its nodes, not the root itself). */
int walk_root(struct coffer_backup_repo *r, const uint8_t root[BK_ID],
    char *path, walk_fn fn, void *arg);

#endif
