/* Restore's shared state (docs/PROTOCOL-backup.md, "Restore"): the walk
 * (restore.c) queues regular files that the workers (restore_files.c)
 * fetch in batches, verify and write. Internal to lib/backup. */
#ifndef COFFER_BACKUP_RESTORE_H
#define COFFER_BACKUP_RESTORE_H

#include <pthread.h>
#include <stddef.h>

#include <coffer/backup.h>

#include "backup/repo.h"

#define TMP_SUFFIX ".coffer-tmp"

/* A node copied out of its tree, with its target path. */
struct item {
	char		*path;		/* below the target folder */
	struct bk_node	 n;
	uint8_t		*mem;		/* chunks, xattrs, target */
	struct item	*next;
};

struct rs {
	struct coffer_backup_repo	*r;
	struct coffer_backup_progress	*pg;
	struct coffer_backup_progress	 pg_none;
	int				 tfd;	/* target folder */
	int				 root;
	pthread_mutex_t			 lock;
	pthread_cond_t			 cond;	/* the queue changed */
	struct item			*q, *qt;
	size_t				 qn;
	int				 walk_done, err;
	struct item			*links, *dirs;	/* dirs: deepest first */
	size_t				 skip;	/* of hard-link targets */
};

void rs_item_free(struct item *it);
/** rs_tmp_name(path): malloc'd path TMP_SUFFIX, or NULL. */
char *rs_tmp_name(const char *path);
/** rs_fail(s, err): record the run's first error and wake everyone. */
int rs_fail(struct rs *s, int err);
/** rs_io_fail(s, what, path): the detail and code of errno. */
int rs_io_fail(struct rs *s, const char *what, const char *path);
/** rs_set_meta(s, fd, path, n): owner (root), xattrs, mode and times of
 * an open file, or of path when fd < 0. */
int rs_set_meta(struct rs *s, int fd, const char *path,
    const struct bk_node *n);
/** rs_take(s, wait): the next queued file, or NULL (none yet and not
 * waiting; or the walk is over, or the run failed). */
struct item *rs_take(struct rs *s, int wait);
/** rs_worker(s): a restoring thread. */
void *rs_worker(void *arg);

#endif
