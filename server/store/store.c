/*
 * store_open / store_close: the data folder, its lock and its two stores
 * (the top of store/: it names the backends' ops tables); and
 * store_config_init.
 */
#define _DEFAULT_SOURCE		/* flock(2) */

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include <coffer/err.h>

#include "core/file.h"
#include "store/store.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

void
store_config_init(struct store_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->quota_default = STORE_QUOTA_DEFAULT;
	cfg->blob_max = STORE_BLOB_MAX_DEFAULT;
	cfg->connections = STORE_CONNECTIONS_DEFAULT;
	cfg->busy_ms = STORE_BUSY_MS_DEFAULT;
}

static int
join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? COFFER_ERR_TOOBIG : 0;
}

int
store_open(struct store **sp, const char *dir, const struct store_config *cfg)
{
	struct store_config defaults;
	struct store *s = NULL;
	char path[PATH_MAX];
	struct stat st;
	int r = COFFER_ERR_INVALID;

	if (sp == NULL || dir == NULL || *dir == '\0')
		goto out;
	*sp = NULL;
	if (cfg == NULL) {
		store_config_init(&defaults);
		cfg = &defaults;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	s->lock_fd = -1;
	if ((r = file_mkdir(dir)) != 0)
		goto out;
	/* Others who can write here could swap our files. */
	if (stat(dir, &st) != 0) {
		r = COFFER_ERR_IO;
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		r = COFFER_ERR_PERM;
		goto out;
	}
	/* One cofferd per folder: the blob store sweeps temporary files at
	 * open, which would break another process's writes in flight. */
	if ((r = join(path, sizeof(path), dir, "lock")) != 0)
		goto out;
	if ((s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		r = COFFER_ERR_IO;
		goto out;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		r = errno == EWOULDBLOCK ? COFFER_ERR_BUSY : COFFER_ERR_IO;
		goto out;
	}
	if ((r = join(path, sizeof(path), dir, "meta.sqlite")) != 0 ||
	    (r = store_meta_sqlite_ops.open(&s->meta, path, cfg)) != 0)
		goto out;
	if ((r = join(path, sizeof(path), dir, "blobs")) != 0 ||
	    (r = store_blob_fs_ops.open(&s->blob, path, cfg)) != 0)
		goto out;
	*sp = s;
	s = NULL;
out:
	store_close(&s);
	return r;
}

void
store_close(struct store **sp)
{
	struct store *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	if (s->blob != NULL)
		s->blob->ops->close(&s->blob);
	if (s->meta != NULL)
		s->meta->ops->close(&s->meta);
	if (s->lock_fd != -1)
		close(s->lock_fd);	/* releases the flock */
	free(s);
	*sp = NULL;
}
