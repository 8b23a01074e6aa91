/* A backup store in a local folder (include/coffer/backup_store.h):
 *
 *   DIR/blobs/xx/<64 hex>   blobs, xx the id's first byte in hex
 *   DIR/refs/<32 hex>       refs
 *   DIR/tmp/                files being written
 *
 * Every object is written to a temporary name, fsynced, renamed (a ref:
 * hard-linked, so an existing name is never replaced) and its folder
 * fsynced, so a crash leaves whole objects or none. */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/backup_store.h>
#include <coffer/err.h>

#include "core/file.h"

struct sdir {
	int		 fd;		/* DIR */
	pthread_mutex_t	 lock;
	char		 msg[256];
};

static int
sdir_err(struct sdir *s, int e, const char *what, const char *name)
{
	int r = e == ENOENT ? COFFER_ERR_NOTFOUND : e == ENOSPC ||
	    e == EDQUOT ? COFFER_ERR_NOSPACE : e == ENOMEM ? COFFER_ERR_NOMEM :
	    COFFER_ERR_IO;

	pthread_mutex_lock(&s->lock);
	snprintf(s->msg, sizeof(s->msg), "%s %s: %s", what, name, strerror(e));
	pthread_mutex_unlock(&s->lock);
	return r;
}

static void
blob_path(char *out, size_t n, const uint8_t id[COFFER_BSTORE_ID_BYTES])
{
	char hex[2 * COFFER_BSTORE_ID_BYTES + 1];

	sodium_bin2hex(hex, sizeof(hex), id, COFFER_BSTORE_ID_BYTES);
	snprintf(out, n, "blobs/%.2s/%s", hex, hex);
}

static void
ref_path(char *out, size_t n, const uint8_t name[COFFER_BSTORE_NAME_BYTES])
{
	char hex[2 * COFFER_BSTORE_NAME_BYTES + 1];

	sodium_bin2hex(hex, sizeof(hex), name, COFFER_BSTORE_NAME_BYTES);
	snprintf(out, n, "refs/%s", hex);
}

/* Write data to a new temporary file; its name goes to tmp. */
static int
sdir_write_tmp(struct sdir *s, const uint8_t *data, size_t len, char *tmp,
    size_t tmpn)
{
	uint8_t rnd[12];
	char hex[25];
	int fd, e;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(tmp, tmpn, "tmp/%s", hex);
	if ((fd = openat(s->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0)
		return sdir_err(s, errno, "create", tmp);
	/* The family leaves errno as the failed call set it: the detail
	 * below names it. */
	if (file_write_all(fd, data, len) != 0 || file_sync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(s->fd, tmp, 0);
	return sdir_err(s, e, "write", tmp);
}

static int
sdir_put_one(struct sdir *s, struct coffer_bstore_xfer *x)
{
	char path[128], dir[16], tmp[64];
	struct stat st;
	int r;

	if (x->len > COFFER_BSTORE_BLOB_MAX)
		return COFFER_ERR_TOOBIG;
	blob_path(path, sizeof(path), x->id);
	if (fstatat(s->fd, path, &st, 0) == 0)
		return (uint64_t)st.st_size == x->len ? 0 : COFFER_ERR_CONFLICT;
	memcpy(dir, path, 8);
	dir[8] = '\0';
	if (mkdirat(s->fd, dir, 0700) != 0 && errno != EEXIST)
		return sdir_err(s, errno, "mkdir", dir);
	if ((r = sdir_write_tmp(s, x->data, x->len, tmp, sizeof(tmp))) != 0)
		return r;
	if (renameat(s->fd, tmp, s->fd, path) != 0) {
		r = sdir_err(s, errno, "rename", path);
		unlinkat(s->fd, tmp, 0);
		return r;
	}
	if (file_sync_dir_at(s->fd, dir) != 0)
		return sdir_err(s, errno, "fsync", dir);
	return 0;
}

static int
sdir_put_many(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	size_t i;
	int first = 0;

	for (i = 0; i < n; i++)
		if ((x[i].result = sdir_put_one(ctx, &x[i])) != 0 && first == 0)
			first = x[i].result;
	return first;
}

static int
sdir_get_one(struct sdir *s, struct coffer_bstore_xfer *x)
{
	char path[128];
	struct stat st;
	uint8_t *p;
	size_t want, off = 0;
	ssize_t n;
	int fd, r = 0;

	blob_path(path, sizeof(path), x->id);
	if ((fd = openat(s->fd, path, O_RDONLY | O_CLOEXEC)) < 0)
		return sdir_err(s, errno, "open", path);
	if (fstat(fd, &st) != 0) {
		r = sdir_err(s, errno, "stat", path);
		goto out;
	}
	if (x->offset > (uint64_t)st.st_size || (x->length > 0 &&
	    x->offset + x->length > (uint64_t)st.st_size)) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	want = x->length > 0 ? x->length :
	    (size_t)((uint64_t)st.st_size - x->offset);
	if ((r = coffer_buf_extend(x->out, want, &p)) != 0)
		goto out;
	while (off < want) {
		n = pread(fd, p + off, want - off, (off_t)(x->offset + off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = sdir_err(s, errno, "read", path);
			goto out;
		}
		if (n == 0) {
			r = COFFER_ERR_TRUNCATED;
			goto out;
		}
		off += (size_t)n;
	}
out:
	close(fd);
	return r;
}

static int
sdir_get_many(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	size_t i;
	int first = 0;

	for (i = 0; i < n; i++)
		if ((x[i].result = sdir_get_one(ctx, &x[i])) != 0 && first == 0)
			first = x[i].result;
	return first;
}

static int
sdir_exists(void *ctx, const uint8_t (*ids)[COFFER_BSTORE_ID_BYTES], size_t n,
    uint64_t *sizes)
{
	struct sdir *s = ctx;
	char path[128];
	struct stat st;
	size_t i;

	if (n > COFFER_BSTORE_BATCH_MAX)
		return COFFER_ERR_INVALID;
	for (i = 0; i < n; i++) {
		blob_path(path, sizeof(path), ids[i]);
		if (fstatat(s->fd, path, &st, 0) == 0)
			sizes[i] = (uint64_t)st.st_size;
		else if (errno == ENOENT)
			sizes[i] = COFFER_BSTORE_ABSENT;
		else
			return sdir_err(s, errno, "stat", path);
	}
	return 0;
}

static int
sdir_del(void *ctx, const uint8_t id[COFFER_BSTORE_ID_BYTES])
{
	struct sdir *s = ctx;
	char path[128];

	blob_path(path, sizeof(path), id);
	if (unlinkat(s->fd, path, 0) != 0)
		return sdir_err(s, errno, "delete", path);
	return 0;
}

static int
sdir_ref_put(void *ctx, const uint8_t name[COFFER_BSTORE_NAME_BYTES],
    const uint8_t *data, size_t len)
{
	struct sdir *s = ctx;
	char path[64], tmp[64];
	int r = 0;

	if (len > COFFER_BSTORE_REF_MAX)
		return COFFER_ERR_TOOBIG;
	ref_path(path, sizeof(path), name);
	if ((r = sdir_write_tmp(s, data, len, tmp, sizeof(tmp))) != 0)
		return r;
	if (linkat(s->fd, tmp, s->fd, path, 0) != 0)
		r = errno == EEXIST ? COFFER_ERR_EXISTS :
		    sdir_err(s, errno, "link", path);
	unlinkat(s->fd, tmp, 0);
	if (r == 0 && file_sync_dir_at(s->fd, "refs") != 0)
		r = sdir_err(s, errno, "fsync", "refs");
	return r;
}

static int
sdir_ref_read(struct sdir *s, const char *path, uint8_t *buf, size_t *len)
{
	ssize_t n;
	size_t off = 0;
	int fd, r = 0;

	if ((fd = openat(s->fd, path, O_RDONLY | O_CLOEXEC)) < 0)
		return sdir_err(s, errno, "open", path);
	for (;;) {
		n = read(fd, buf + off, COFFER_BSTORE_REF_MAX + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = sdir_err(s, errno, "read", path);
			break;
		}
		if (n == 0)
			break;
		if ((off += (size_t)n) > COFFER_BSTORE_REF_MAX) {
			r = COFFER_ERR_TOOBIG;
			break;
		}
	}
	close(fd);
	*len = off;
	return r;
}

static int
sdir_ref_list(void *ctx, coffer_bstore_ref_fn fn, void *arg)
{
	struct sdir *s = ctx;
	uint8_t name[COFFER_BSTORE_NAME_BYTES], *buf = NULL;
	struct dirent *de;
	char path[64];
	size_t len = 0, bl;
	DIR *d = NULL;
	int fd, r = 0;

	if ((buf = malloc(COFFER_BSTORE_REF_MAX + 1)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((fd = openat(s->fd, "refs", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL) {
		r = sdir_err(s, errno, "open", "refs");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 2 * COFFER_BSTORE_NAME_BYTES ||
		    sodium_hex2bin(name, sizeof(name), de->d_name,
		    strlen(de->d_name), NULL, &bl, NULL) != 0 ||
		    bl != sizeof(name))
			continue;
		snprintf(path, sizeof(path), "refs/%.32s", de->d_name);
		if ((r = sdir_ref_read(s, path, buf, &len)) == COFFER_ERR_NOTFOUND)
			continue;	/* deleted while listing */
		if (r != 0 || (r = fn(arg, name, buf, len)) != 0)
			break;
	}
out:
	if (d != NULL)
		closedir(d);
	free(buf);
	return r;
}

static int
sdir_ref_del(void *ctx, const uint8_t name[COFFER_BSTORE_NAME_BYTES])
{
	struct sdir *s = ctx;
	char path[64];

	ref_path(path, sizeof(path), name);
	if (unlinkat(s->fd, path, 0) != 0)
		return sdir_err(s, errno, "delete", path);
	return 0;
}

static const char *
sdir_message(void *ctx)
{
	struct sdir *s = ctx;

	return s->msg[0] != '\0' ? s->msg : NULL;
}

static int
sdir_id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, COFFER_BSTORE_ID_BYTES);
}

/* One subfolder blobs/xx: its ids sorted, then each reported. */
static int
sdir_list_sub(struct sdir *s, unsigned sub, coffer_bstore_blob_fn fn,
    void *arg)
{
	uint8_t (*ids)[COFFER_BSTORE_ID_BYTES] = NULL, (*nv)[COFFER_BSTORE_ID_BYTES];
	char path[128];
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0, i, bl;
	DIR *d = NULL;
	int fd, r = 0;

	snprintf(path, sizeof(path), "blobs/%02x", sub);
	if ((fd = openat(s->fd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		r = errno == ENOENT ? 0 : sdir_err(s, errno, "open", path);
		goto out;
	}
	if ((d = fdopendir(fd)) == NULL) {
		r = sdir_err(s, errno, "open", path);
		close(fd);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((nv = realloc(ids, cap * sizeof(*ids))) == NULL) {
				r = COFFER_ERR_NOMEM;
				goto out;
			}
			ids = nv;
		}
		if (strlen(de->d_name) == 2 * COFFER_BSTORE_ID_BYTES &&
		    sodium_hex2bin(ids[n], sizeof(ids[n]), de->d_name,
		    strlen(de->d_name), NULL, &bl, NULL) == 0 &&
		    bl == sizeof(ids[n]) && ids[n][0] == sub)
			n++;
	}
	if (n > 0)
		qsort(ids, n, sizeof(*ids), sdir_id_cmp);
	for (i = 0; i < n; i++) {
		blob_path(path, sizeof(path), ids[i]);
		if (fstatat(s->fd, path, &st, 0) != 0) {
			if (errno == ENOENT)
				continue;	/* deleted while listing */
			r = sdir_err(s, errno, "stat", path);
			goto out;
		}
		if ((r = fn(arg, ids[i], (uint64_t)st.st_size)) != 0)
			goto out;
	}
out:
	if (d != NULL)
		closedir(d);
	free(ids);
	return r;
}

static int
sdir_list(void *ctx, coffer_bstore_blob_fn fn, void *arg)
{
	unsigned sub;
	int r = 0;

	for (sub = 0; sub < 256 && r == 0; sub++)
		r = sdir_list_sub(ctx, sub, fn, arg);
	return r;
}

static const struct coffer_bstore_ops sdir_ops = {
	sdir_put_many, sdir_get_many, sdir_exists, sdir_del, sdir_ref_put,
	sdir_ref_list, sdir_ref_del, sdir_message, sdir_list,
};

int
coffer_bstore_dir_open(struct coffer_bstore *out, const char *dir)
{
	static const char *const sub[] = { "blobs", "refs", "tmp" };
	struct sdir *s = NULL;
	size_t i;
	int r = COFFER_ERR_INTERNAL;

	if (out == NULL || dir == NULL)
		return COFFER_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return COFFER_ERR_NOMEM;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		r = sdir_err(s, errno, "mkdir", dir);
		goto out;
	}
	if ((s->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = sdir_err(s, errno, "open", dir);
		goto out;
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (mkdirat(s->fd, sub[i], 0700) != 0 && errno != EEXIST) {
			r = sdir_err(s, errno, "mkdir", sub[i]);
			goto out;
		}
	out->ops = &sdir_ops;
	out->ctx = s;
	s = NULL;
	r = 0;
out:
	if (s != NULL) {
		if (s->fd >= 0)
			close(s->fd);
		pthread_mutex_destroy(&s->lock);
		free(s);
	}
	return r;
}

void
coffer_bstore_dir_close(struct coffer_bstore *st)
{
	struct sdir *s;

	if (st == NULL || st->ops != &sdir_ops || (s = st->ctx) == NULL)
		return;
	close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	st->ops = NULL;
	st->ctx = NULL;
}
