/*
 * The storage of cofferd as one handle: the metadata store and the blob
 * store of one data folder, opened together.
 *
 *   DATA/            0700, made on first start
 *   DATA/lock        held (flock) while a cofferd uses the folder
 *   DATA/meta.sqlite SQLite metadata (with -wal and -shm beside it)
 *   DATA/blobs/      the folder blob backend
 *
 * The routes reach the data only through st->meta->ops and
 * st->blob->ops (meta.h, blob.h).
 */
#ifndef COFFERD_STORE_STORE_H
#define COFFERD_STORE_STORE_H

#include "store/blob.h"
#include "store/meta.h"
#include "store/types.h"

struct store {
	struct store_meta	*meta;
	struct store_blob	*blob;
	int			 lock_fd;	/* private */
};

/** store_open(sp, dir, cfg): open the data folder ${dir}, creating it
 * (mode 0700, not its parents) and what it should hold when missing, with
 * ${cfg} (NULL: the defaults of store_config_init). Returns 0 with *${sp}
 * set, or COFFER_ERR_INVALID, COFFER_ERR_NOTFOUND (no parent folder),
 * COFFER_ERR_EXISTS (${dir} is not a folder), COFFER_ERR_PERM (${dir} is
 * writable by group or others), COFFER_ERR_BUSY (another process has the
 * folder open), COFFER_ERR_VERSION (written by a newer cofferd),
 * COFFER_ERR_TOOBIG (a path too long), COFFER_ERR_NOMEM, COFFER_ERR_IO. */
int store_open(struct store **sp, const char *dir,
    const struct store_config *cfg);

/** store_close(sp): close both stores (every call on them must have
 * returned) and release the folder; NULL accepted; sets *${sp} = NULL. */
void store_close(struct store **sp);

#endif
