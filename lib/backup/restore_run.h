/* Restore's shared state (docs/PROTOCOL-backup.md, "Restore"): the walk
 * (restore.c) queues regular files that the workers (restore_files.c)
 * fetch in batches, verify and write. Both call down to the queue
 * (restore_run.c) and the target folder's operations
 * (restore_target.c). Internal to lib/backup. */
#ifndef COFFER_BACKUP_RESTORE_RUN_H
#define COFFER_BACKUP_RESTORE_RUN_H

#include <pthread.h>
#include <stddef.h>

#include <coffer/backup.h>

#include "backup/repo.h"

/* Temporary names: ".NAME.coffer-" and 16 random hex digits, NAME cut
 * so that the whole fits NAME_MAX. */
#define TMP_TAG		".coffer-"
#define RS_TMP_MAX	256
#define TMP_TRIES	16

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

/* restore_run.c: the queue and the first error. */
/** rs_item_free(it): free a queued item; accepts NULL. */
void rs_item_free(struct item *it);
/** rs_fail(s, err): record the run's first error and wake everyone. */
int rs_fail(struct rs *s, int err);
/** rs_queue(s, it): queue the file ${it} for the workers, waiting for
 * room. Returns 0, or the run's error after freeing ${it}. */
int rs_queue(struct rs *s, struct item *it);
/** rs_take(s, wait): the next queued file, or NULL (none yet and not
 * waiting; or the walk is over, or the run failed). */
struct item *rs_take(struct rs *s, int wait);

/* restore_target.c: the target folder. */
/** rs_tmp_name(buf, leaf): a fresh unpredictable temporary name for the
 * entry leaf, in the same folder. */
void rs_tmp_name(char buf[RS_TMP_MAX], const char *leaf);
/** rs_open_beneath(dfd, path, flags): open ${path} below ${dfd} with
 * ${flags}, with no symbolic link resolved and no way out of ${dfd}; -1
 * with errno (ENOSYS before Linux 5.6). */
int rs_open_beneath(int dfd, const char *path, int flags);
/** rs_parent(s, path, leaf): the folder holding path (below the target),
 * opened with no symbolic link resolved on the way and no way out of the
 * target (the target's fd itself for a top-level name: close with
 * rs_close_parent), with *leaf its last component; -1 with errno. */
int rs_parent(struct rs *s, const char *path, const char **leaf);
/** rs_close_parent(s, fd): close a folder from rs_parent. */
void rs_close_parent(struct rs *s, int fd);
/** rs_io_fail(s, what, path): the detail and code of errno. */
int rs_io_fail(struct rs *s, const char *what, const char *path);
/** rs_set_meta(s, fd, dfd, leaf, path, n): owner (root), xattrs, mode
 * and times of an open file, or when fd < 0 of the entry leaf in folder
 * dfd, never following a symbolic link; path names it in errors. */
int rs_set_meta(struct rs *s, int fd, int dfd, const char *leaf,
    const char *path, const struct bk_node *n);

/* restore_bufs.c: a worker's transfer buffers, kept between rounds. */
#define RS_BUFS_MAX	64
struct rs_bufs {
	struct coffer_buf	*b[RS_BUFS_MAX];
	size_t			 n, bytes;	/* bytes: their caps */
};
/** rs_buf_take(p, len): an empty buffer for a transfer of ${len} bytes
 * (a kept one if one fits, else a new one), or NULL without memory. */
struct coffer_buf *rs_buf_take(struct rs_bufs *p, size_t len);
/** rs_buf_give(p, bp): keep *${bp} for a later round (or free it past
 * the cap), and set *${bp} to NULL. */
void rs_buf_give(struct rs_bufs *p, struct coffer_buf **bp);
/** rs_bufs_clear(p): free the kept buffers. */
void rs_bufs_clear(struct rs_bufs *p);

/* restore_files.c */
/** rs_worker(s): a restoring thread. */
void *rs_worker(void *arg);

#endif
