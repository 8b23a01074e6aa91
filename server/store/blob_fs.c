/*
 * The folder blob backend: ROOT/<account hex>/<first id byte hex>/<id hex>.
 *
 * A write goes to ".tmp-<id hex>-<random>" in the blob's own folder
 * (O_EXCL, 0600), is fsynced, hard-linked to its name (so that of two
 * racing writers the first wins and the second sees EEXIST), the
 * temporary name unlinked and the folder fsynced: only then does commit
 * return. A crash at any point
 * leaves either no name or the whole blob; temporary files and purged
 * accounts (".trash-*") are swept at open, and by scan while cofferd runs
 * (a writer holds an flock on its temporary file, which tells a live
 * upload from a dead one). Everything works relative to folder
 * descriptors (openat and friends), never through symbolic links.
 *
 * Times: a blob file gets atime and mtime 0 before it takes its name,
 * its folders get them after each change, and readers open with
 * O_NOATIME, so the folder keeps no upload or read times; the kernel's
 * ctime (which no process can set) remains, and is what scan ages by.
 */
/* syscall(2), for openat2, which glibc 2.36 does not wrap; O_NOATIME. */
#define _GNU_SOURCE

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/syscall.h>

#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/err.h>

#include "store/blob.h"
#include "core/file.h"

#define ACCT_HEX	COFFER_HEX_LEN(COFFER_WIRE_ID_BYTES)
#define ID_HEX		COFFER_HEX_LEN(COFFER_WIRE_BLOB_ID_BYTES)
#define TMP_PREFIX	".tmp-"
#define TRASH_PREFIX	".trash-"
#define PROBE_PREFIX	".probe-"
#define NAME_MAX_LEN	128
#define RM_DEPTH	3	/* account / fan-out / file */

struct bfs {
	struct store_blob	 base;
	int			 rootfd;
	uint64_t		 max;
};

struct bfs_writer {
	struct store_blob_writer base;
	struct bfs		*b;
	int			 dirfd;
	int			 fd;		/* -1 when discarding */
	int			 err;		/* the error that ended it */
	int			 discard;	/* the blob exists already */
	uint8_t			 account[COFFER_WIRE_ID_BYTES];
	uint64_t		 size;		/* bytes written so far */
	char			 name[ID_HEX];
	char			 tmp[NAME_MAX_LEN];
};

struct bfs_reader {
	struct store_blob_reader base;
	int			 fd;
	uint64_t		 off;
};

#define BFS(b)	((struct bfs *)(void *)(b))

static void
hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
	/* The caps are compile-time exact: this cannot fail. */
	if (coffer_hex_encode(out, cap, p, n) != 0)
		out[0] = '\0';
}

/* Times 0 on the file or folder name under dirfd (NULL: dirfd itself),
 * so that it tells nothing of when it was written; best effort. */
static void
clear_times(int dirfd, const char *name)
{
	static const struct timespec zero[2] = { { 0, 0 }, { 0, 0 } };

	if (name == NULL)
		(void)futimens(dirfd, zero);
	else
		(void)utimensat(dirfd, name, zero, AT_SYMLINK_NOFOLLOW);
}

/* After a change in the folder of blob id of account: clear the times
 * of that folder (dirfd) and of the account's. */
static void
clear_dir_times(struct bfs *b, const uint8_t *account, int dirfd)
{
	char acct[ACCT_HEX];

	hex(acct, sizeof(acct), account, COFFER_WIRE_ID_BYTES);
	clear_times(dirfd, NULL);
	clear_times(b->rootfd, acct);
}

/* Open (and with create, make) the folder of blob id of account. */
static int
blob_dir(struct bfs *b, const uint8_t *account, const uint8_t *id,
    int create, int *dirfd)
{
	char acct[ACCT_HEX], fan[COFFER_HEX_LEN(1)];
	int afd = -1, fd = -1, r = COFFER_ERR_IO;

	hex(acct, sizeof(acct), account, COFFER_WIRE_ID_BYTES);
	hex(fan, sizeof(fan), id, 1);
	if (create) {
		if (mkdirat(b->rootfd, acct, 0700) == 0) {
			if ((r = file_sync(b->rootfd)) != 0)
				goto out;
		} else if (errno != EEXIST) {
			goto out;
		}
	}
	if ((afd = openat(b->rootfd, acct, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		r = errno == ENOENT ? COFFER_ERR_NOTFOUND : COFFER_ERR_IO;
		goto out;
	}
	if (create) {
		if (mkdirat(afd, fan, 0700) == 0) {
			if ((r = file_sync(afd)) != 0)
				goto out;
		} else if (errno != EEXIST) {
			r = COFFER_ERR_IO;
			goto out;
		}
	}
	if ((fd = openat(afd, fan, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		r = errno == ENOENT ? COFFER_ERR_NOTFOUND : COFFER_ERR_IO;
		goto out;
	}
	*dirfd = fd;
	r = 0;
out:
	if (afd != -1)
		close(afd);
	return r;
}

/* The size of the regular file name in dirfd: 0, NOTFOUND or IO. */
static int
file_size(int dirfd, const char *name, uint64_t *size)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? COFFER_ERR_NOTFOUND : COFFER_ERR_IO;
	if (!S_ISREG(st.st_mode))
		return COFFER_ERR_IO;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int
bfs_put_begin(struct store_blob *bb, const uint8_t *account,
    const uint8_t *id, struct store_blob_writer **wp)
{
	struct bfs_writer *w = NULL;
	char rnd[COFFER_HEX_LEN(8)];
	uint8_t rb[8];
	uint64_t have;
	int r = COFFER_ERR_INVALID;

	if (bb == NULL || account == NULL || id == NULL || wp == NULL)
		goto out;
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	w->base.ops = &store_blob_fs_ops;
	w->b = BFS(bb);
	w->fd = w->dirfd = -1;
	memcpy(w->account, account, COFFER_WIRE_ID_BYTES);
	hex(w->name, sizeof(w->name), id, COFFER_WIRE_BLOB_ID_BYTES);
	if ((r = blob_dir(w->b, account, id, 1, &w->dirfd)) != 0)
		goto out;
	if ((r = file_size(w->dirfd, w->name, &have)) == 0) {
		w->discard = 1;
		goto out;
	}
	if (r != COFFER_ERR_NOTFOUND)
		goto out;
	randombytes_buf(rb, sizeof(rb));
	hex(rnd, sizeof(rnd), rb, sizeof(rb));
	memcpy(w->tmp, TMP_PREFIX, sizeof(TMP_PREFIX) - 1);
	memcpy(w->tmp + sizeof(TMP_PREFIX) - 1, w->name, ID_HEX - 1);
	w->tmp[sizeof(TMP_PREFIX) - 1 + ID_HEX - 1] = '-';
	memcpy(w->tmp + sizeof(TMP_PREFIX) + ID_HEX - 1, rnd, sizeof(rnd));
	if ((w->fd = openat(w->dirfd, w->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		w->tmp[0] = '\0';
		r = COFFER_ERR_IO;
		goto out;
	}
	/* Held until the writer ends: scan leaves a locked file alone. */
	if (flock(w->fd, LOCK_EX | LOCK_NB) != 0) {
		r = COFFER_ERR_IO;
		goto out;
	}
	r = 0;
out:
	if (r == 0) {
		*wp = &w->base;
		w = NULL;
	}
	if (w != NULL) {
		if (w->fd != -1)
			close(w->fd);
		if (w->tmp[0] != '\0')
			unlinkat(w->dirfd, w->tmp, 0);
		if (w->dirfd != -1)
			close(w->dirfd);
		free(w);
	}
	return r;
}

static int
bfs_put_write(struct store_blob_writer *ww, const uint8_t *buf, size_t len)
{
	struct bfs_writer *w = (struct bfs_writer *)(void *)ww;

	if (w == NULL || (buf == NULL && len > 0))
		return COFFER_ERR_INVALID;
	if (w->err != 0)
		return w->err;
	if (len > w->b->max || w->size > w->b->max - len)
		return w->err = COFFER_ERR_TOOBIG;
	w->size += len;
	if (w->discard)
		return 0;
	/* A full disk is an I/O error here as any other (blob.h). */
	if (file_write_all(w->fd, buf, len) != 0)
		return w->err = COFFER_ERR_IO;
	return 0;
}

/* Free the writer, dropping its temporary file if it still has one. */
static void
writer_free(struct bfs_writer *w)
{
	if (w->fd != -1)
		close(w->fd);
	if (w->tmp[0] != '\0')
		unlinkat(w->dirfd, w->tmp, 0);
	if (w->dirfd != -1)
		close(w->dirfd);
	free(w);
}

static int
bfs_put_commit(struct store_blob_writer **wp, uint64_t *size)
{
	struct bfs_writer *w;
	uint64_t have;
	int fd, r = COFFER_ERR_INVALID;

	if (wp == NULL || *wp == NULL)
		return r;
	w = (struct bfs_writer *)(void *)*wp;
	*wp = NULL;
	if ((r = w->err) != 0)
		goto out;
	if (w->discard) {
		/* Not compared: the id is the client's name for this content.
		 * Gone since begin: a delete raced us; the caller retries. */
		if ((r = file_size(w->dirfd, w->name, &have)) == 0 &&
		    have != w->size)
			r = COFFER_ERR_CONFLICT;
		else if (r == COFFER_ERR_NOTFOUND)
			r = COFFER_ERR_BUSY;
		goto out;
	}
	fd = w->fd;
	w->fd = -1;
	if (futimens(fd, (const struct timespec[2]){ { 0, 0 }, { 0, 0 } }) !=
	    0) {
		close(fd);
		r = COFFER_ERR_IO;
		goto out;
	}
	if ((r = file_sync(fd)) != 0) {
		close(fd);
		goto out;
	}
	if (close(fd) != 0) {
		r = COFFER_ERR_IO;
		goto out;
	}
	if (linkat(w->dirfd, w->tmp, w->dirfd, w->name, 0) != 0) {
		if (errno == EEXIST) {
			/* Another writer committed first. */
			if ((r = file_size(w->dirfd, w->name, &have)) == 0 &&
			    have != w->size)
				r = COFFER_ERR_CONFLICT;
			goto out;
		}
		if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP) {
			r = COFFER_ERR_IO;
			goto out;
		}
		/* A file system without hard links: rename, which may
		 * replace a racing writer's copy of the same content. */
		if (renameat(w->dirfd, w->tmp, w->dirfd, w->name) != 0) {
			r = COFFER_ERR_IO;
			goto out;
		}
		w->tmp[0] = '\0';
	}
	/* Drop the temporary name before the folder's fsync covers both. */
	if (w->tmp[0] != '\0' && unlinkat(w->dirfd, w->tmp, 0) == 0)
		w->tmp[0] = '\0';
	clear_dir_times(w->b, w->account, w->dirfd);
	r = file_sync(w->dirfd);
out:
	if (r == 0 && size != NULL)
		*size = w->size;
	writer_free(w);
	return r;
}

static void
bfs_put_abort(struct store_blob_writer **wp)
{
	if (wp == NULL || *wp == NULL)
		return;
	writer_free((struct bfs_writer *)(void *)*wp);
	*wp = NULL;
}

/* Open account/fan/name below the root in one openat2 call, with no
 * symbolic link and no way out of the root; -1 with errno (ENOSYS where
 * the kernel lacks openat2). */
static int
open_beneath(const struct bfs *b, const uint8_t *account, const uint8_t *id,
    const char *name)
{
	struct open_how how;
	char acct[ACCT_HEX], fan[COFFER_HEX_LEN(1)];
	char path[ACCT_HEX + COFFER_HEX_LEN(1) + ID_HEX];
	int fd;

	hex(acct, sizeof(acct), account, COFFER_WIRE_ID_BYTES);
	hex(fan, sizeof(fan), id, 1);
	snprintf(path, sizeof(path), "%s/%s/%s", acct, fan, name);
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOATIME;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, b->rootfd, path, &how, sizeof(how));
	/* O_NOATIME is the owner's: a folder copied by another user. */
	if (fd == -1 && errno == EPERM) {
		how.flags &= ~(uint64_t)O_NOATIME;
		fd = (int)syscall(SYS_openat2, b->rootfd, path, &how,
		    sizeof(how));
	}
	return fd;
}

static int
bfs_get_open(struct store_blob *bb, const uint8_t *account,
    const uint8_t *id, uint64_t offset, struct store_blob_reader **rp,
    uint64_t *size)
{
	struct bfs_reader *rd = NULL;
	char name[ID_HEX];
	struct stat st;
	int dirfd = -1, fd = -1, r = COFFER_ERR_INVALID;

	if (bb == NULL || account == NULL || id == NULL || rp == NULL)
		goto out;
	hex(name, sizeof(name), id, COFFER_WIRE_BLOB_ID_BYTES);
	/* One openat2 call where the kernel has it (Linux 5.6+), refusing
	 * symbolic links and escapes as the three openat calls do; a blob
	 * GET spends measurably less in system calls so. */
	if ((fd = open_beneath(BFS(bb), account, id, name)) == -1 &&
	    errno != ENOSYS) {
		r = errno == ENOENT ? COFFER_ERR_NOTFOUND : COFFER_ERR_IO;
		goto out;
	}
	if (fd == -1) {
		if ((r = blob_dir(BFS(bb), account, id, 0, &dirfd)) != 0)
			goto out;
		if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW | O_NOATIME)) == -1 && errno == EPERM)
			fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC |
			    O_NOFOLLOW);
		if (fd == -1) {
			r = errno == ENOENT ? COFFER_ERR_NOTFOUND :
			    COFFER_ERR_IO;
			goto out;
		}
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = COFFER_ERR_IO;
		goto out;
	}
	if (offset > (uint64_t)st.st_size) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if ((rd = calloc(1, sizeof(*rd))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	rd->base.ops = &store_blob_fs_ops;
	rd->fd = fd;
	rd->off = offset;
	fd = -1;
	if (size != NULL)
		*size = (uint64_t)st.st_size;
	*rp = &rd->base;
	r = 0;
out:
	if (fd != -1)
		close(fd);
	if (dirfd != -1)
		close(dirfd);
	return r;
}

static int
bfs_get_read(struct store_blob_reader *rr, uint8_t *buf, size_t cap,
    size_t *got)
{
	struct bfs_reader *rd = (struct bfs_reader *)(void *)rr;
	ssize_t n;

	if (rd == NULL || (buf == NULL && cap > 0) || got == NULL)
		return COFFER_ERR_INVALID;
	if (cap > SSIZE_MAX)
		cap = SSIZE_MAX;
	while ((n = pread(rd->fd, buf, cap, (off_t)rd->off)) < 0)
		if (errno != EINTR)
			return COFFER_ERR_IO;
	rd->off += (uint64_t)n;
	*got = (size_t)n;
	return 0;
}

static void
bfs_get_close(struct store_blob_reader **rp)
{
	struct bfs_reader *rd;

	if (rp == NULL || *rp == NULL)
		return;
	rd = (struct bfs_reader *)(void *)*rp;
	close(rd->fd);
	free(rd);
	*rp = NULL;
}

static int
bfs_size(struct store_blob *bb, const uint8_t *account, const uint8_t *id,
    uint64_t *size)
{
	char name[ID_HEX];
	uint64_t have;
	int dirfd = -1, r = COFFER_ERR_INVALID;

	if (bb == NULL || account == NULL || id == NULL)
		goto out;
	hex(name, sizeof(name), id, COFFER_WIRE_BLOB_ID_BYTES);
	if ((r = blob_dir(BFS(bb), account, id, 0, &dirfd)) != 0 ||
	    (r = file_size(dirfd, name, &have)) != 0)
		goto out;
	if (size != NULL)
		*size = have;
out:
	if (dirfd != -1)
		close(dirfd);
	return r;
}

static int
bfs_exists(struct store_blob *bb, const uint8_t *account, const uint8_t *id)
{
	return bfs_size(bb, account, id, NULL);
}

static int
bfs_remove(struct store_blob *bb, const uint8_t *account, const uint8_t *id)
{
	char name[ID_HEX];
	int dirfd = -1, r = COFFER_ERR_INVALID;

	if (bb == NULL || account == NULL || id == NULL)
		goto out;
	hex(name, sizeof(name), id, COFFER_WIRE_BLOB_ID_BYTES);
	if ((r = blob_dir(BFS(bb), account, id, 0, &dirfd)) != 0)
		goto out;
	if (unlinkat(dirfd, name, 0) != 0) {
		r = errno == ENOENT ? COFFER_ERR_NOTFOUND : COFFER_ERR_IO;
		goto out;
	}
	clear_dir_times(BFS(bb), account, dirfd);
	r = file_sync(dirfd);
out:
	if (dirfd != -1)
		close(dirfd);
	return r;
}

/* Remove the folder name under pfd and all it holds, at most depth deep. */
static int
rm_tree(int pfd, const char *name, int depth)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	if ((fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return errno == ENOENT ? 0 : COFFER_ERR_IO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return COFFER_ERR_IO;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			r = COFFER_ERR_IO;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth <= 1 || rm_tree(fd, e->d_name, depth - 1) != 0)
				r = COFFER_ERR_IO;
		} else if (unlinkat(fd, e->d_name, 0) != 0) {
			r = COFFER_ERR_IO;
		}
	}
	closedir(d);
	if (r == 0 && unlinkat(pfd, name, AT_REMOVEDIR) != 0)
		r = COFFER_ERR_IO;
	return r;
}

static int
bfs_purge_account(struct store_blob *bb, const uint8_t *account)
{
	char acct[ACCT_HEX], trash[NAME_MAX_LEN], rnd[COFFER_HEX_LEN(8)];
	uint8_t rb[8];
	struct bfs *b = BFS(bb);
	int r = COFFER_ERR_INVALID;

	if (bb == NULL || account == NULL)
		goto out;
	hex(acct, sizeof(acct), account, COFFER_WIRE_ID_BYTES);
	randombytes_buf(rb, sizeof(rb));
	hex(rnd, sizeof(rnd), rb, sizeof(rb));
	memcpy(trash, TRASH_PREFIX, sizeof(TRASH_PREFIX) - 1);
	memcpy(trash + sizeof(TRASH_PREFIX) - 1, acct, ACCT_HEX - 1);
	trash[sizeof(TRASH_PREFIX) - 1 + ACCT_HEX - 1] = '-';
	memcpy(trash + sizeof(TRASH_PREFIX) + ACCT_HEX - 1, rnd, sizeof(rnd));
	/* One rename makes every blob vanish at once; deleting the files
	 * after may be cut short by a crash and is finished at open. */
	if (renameat(b->rootfd, acct, b->rootfd, trash) != 0) {
		r = errno == ENOENT ? 0 : COFFER_ERR_IO;
		goto out;
	}
	if ((r = file_sync(b->rootfd)) != 0)
		goto out;
	r = rm_tree(b->rootfd, trash, RM_DEPTH);
out:
	return r;
}

static int
is_hex_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* Drop every ".tmp-*" in the folder name under pfd. */
static int
sweep_tmp(int pfd, const char *name)
{
	struct dirent *e;
	DIR *d;
	int fd, r = 0;

	if ((fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return COFFER_ERR_IO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return COFFER_ERR_IO;
	}
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) ==
		    0 && unlinkat(fd, e->d_name, 0) != 0 && errno != ENOENT)
			r = COFFER_ERR_IO;
	closedir(d);
	return r;
}

/* What crashes left: unfinished writes and purges. */
static int
sweep(int rootfd)
{
	struct dirent *e, *f;
	DIR *d, *ad;
	int fd, afd, r = 0;

	if ((fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return COFFER_ERR_IO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return COFFER_ERR_IO;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, PROBE_PREFIX, sizeof(PROBE_PREFIX) - 1) ==
		    0) {
			if (unlinkat(rootfd, e->d_name, 0) != 0 &&
			    errno != ENOENT)
				r = COFFER_ERR_IO;
			continue;
		}
		if (strncmp(e->d_name, TRASH_PREFIX, sizeof(TRASH_PREFIX) - 1) ==
		    0) {
			if (rm_tree(rootfd, e->d_name, RM_DEPTH) != 0)
				r = COFFER_ERR_IO;
			continue;
		}
		if (!is_hex_name(e->d_name, ACCT_HEX - 1))
			continue;
		if ((afd = openat(rootfd, e->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		if ((ad = fdopendir(afd)) == NULL) {
			close(afd);
			r = COFFER_ERR_IO;
			continue;
		}
		while ((f = readdir(ad)) != NULL)
			if (is_hex_name(f->d_name, 2) &&
			    sweep_tmp(afd, f->d_name) != 0)
				r = COFFER_ERR_IO;
		closedir(ad);
	}
	closedir(d);
	return r;
}

/* A temporary file of fd's folder: drop it if no writer holds it and it
 * changed before ${before}. 1 if dropped, 0 if kept, or an error. */
static int
scan_tmp(int fd, const char *name, int64_t before)
{
	struct stat st;
	int tfd, r = 0;

	if ((tfd = openat(fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1)
		return errno == ENOENT ? 0 : COFFER_ERR_IO;
	if (flock(tfd, LOCK_EX | LOCK_NB) != 0) {
		r = errno == EWOULDBLOCK ? 0 : COFFER_ERR_IO;
		goto out;
	}
	if (fstat(tfd, &st) != 0) {
		r = COFFER_ERR_IO;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (int64_t)st.st_ctime < before) {
		if (unlinkat(fd, name, 0) == 0)
			r = 1;
		else if (errno != ENOENT)
			r = COFFER_ERR_IO;
	}
out:
	close(tfd);	/* releases the flock */
	return r;
}

/* One fan-out folder of one account: dead temporary files go, blobs
 * older than ${before} go to fn. */
static int
scan_fan(int afd, const uint8_t *account, const char *fan, int64_t before,
    store_blob_scan_fn fn, void *ctx, uint64_t *dropped)
{
	uint8_t id[COFFER_WIRE_BLOB_ID_BYTES];
	struct dirent *e;
	struct stat st;
	DIR *d;
	size_t n;
	int fd, k, r = 0, r2;

	if ((fd = openat(afd, fan, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return errno == ENOENT ? 0 : COFFER_ERR_IO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return COFFER_ERR_IO;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) ==
		    0) {
			if ((k = scan_tmp(fd, e->d_name, before)) < 0)
				r = k;
			else
				*dropped += (uint64_t)k;
			continue;
		}
		if (!is_hex_name(e->d_name, ID_HEX - 1) ||
		    coffer_hex_decode(id, sizeof(id), &n, e->d_name,
		    ID_HEX - 1) != 0 || n != sizeof(id) ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || (int64_t)st.st_ctime >= before)
			continue;
		if ((r2 = fn(ctx, account, id)) != 0)
			r = r2;
	}
	closedir(d);
	return r;
}

static int
bfs_scan(struct store_blob *bb, int64_t before, store_blob_scan_fn fn,
    void *ctx, uint64_t *dropped)
{
	uint8_t account[COFFER_WIRE_ID_BYTES];
	struct dirent *e, *f;
	uint64_t k = 0;
	DIR *d = NULL, *ad;
	size_t n;
	int fd, afd, r = COFFER_ERR_INVALID, r2;

	if (bb == NULL || fn == NULL)
		goto out;
	if ((fd = openat(BFS(bb)->rootfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		r = COFFER_ERR_IO;
		goto out;
	}
	r = 0;
	while ((e = readdir(d)) != NULL) {
		if (!is_hex_name(e->d_name, ACCT_HEX - 1) ||
		    coffer_hex_decode(account, sizeof(account), &n, e->d_name,
		    ACCT_HEX - 1) != 0 || n != sizeof(account))
			continue;
		if ((afd = openat(BFS(bb)->rootfd, e->d_name, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;	/* purged meanwhile */
		if ((ad = fdopendir(afd)) == NULL) {
			close(afd);
			r = COFFER_ERR_IO;
			continue;
		}
		while ((f = readdir(ad)) != NULL)
			if (is_hex_name(f->d_name, 2) && (r2 = scan_fan(afd,
			    account, f->d_name, before, fn, ctx, &k)) != 0)
				r = r2;
		closedir(ad);
	}
out:
	if (d != NULL)
		closedir(d);
	if (dropped != NULL)
		*dropped = k;
	return r;
}

static int
bfs_probe(struct store_blob *bb)
{
	char name[sizeof(PROBE_PREFIX) + COFFER_HEX_LEN(8)];
	char rnd[COFFER_HEX_LEN(8)];
	uint8_t rb[8];
	struct stat st;
	int fd, r = COFFER_ERR_IO;

	if (bb == NULL)
		return COFFER_ERR_INVALID;
	if (fstat(BFS(bb)->rootfd, &st) != 0 || !S_ISDIR(st.st_mode))
		return COFFER_ERR_IO;
	randombytes_buf(rb, sizeof(rb));
	hex(rnd, sizeof(rnd), rb, sizeof(rb));
	snprintf(name, sizeof(name), "%s%s", PROBE_PREFIX, rnd);
	if ((fd = openat(BFS(bb)->rootfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		return COFFER_ERR_IO;
	if (file_write_all(fd, rb, 1) == 0)
		r = 0;
	close(fd);
	if (unlinkat(BFS(bb)->rootfd, name, 0) != 0)
		r = COFFER_ERR_IO;
	return r;
}

static void
bfs_close(struct store_blob **bp)
{
	struct bfs *b;

	if (bp == NULL || *bp == NULL)
		return;
	b = BFS(*bp);
	close(b->rootfd);
	free(b);
	*bp = NULL;
}

static int
bfs_open(struct store_blob **bp, const char *where,
    const struct store_config *cfg)
{
	struct bfs *b = NULL;
	int r = COFFER_ERR_INVALID;

	if (bp == NULL || where == NULL || *where == '\0' || cfg == NULL)
		goto out;
	*bp = NULL;
	if (sodium_init() < 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((r = file_mkdir(where)) != 0)
		goto out;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	b->base.ops = &store_blob_fs_ops;
	b->rootfd = -1;
	b->max = cfg->blob_max ? cfg->blob_max : STORE_BLOB_MAX_DEFAULT;
	if ((b->rootfd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		r = COFFER_ERR_IO;
		goto out;
	}
	if ((r = sweep(b->rootfd)) != 0)
		goto out;
	*bp = &b->base;
	b = NULL;
out:
	if (b != NULL) {
		if (b->rootfd != -1)
			close(b->rootfd);
		free(b);
	}
	return r;
}

const struct store_blob_ops store_blob_fs_ops = {
	.version = STORE_BLOB_OPS_VERSION,
	.name = "fs",
	.open = bfs_open,
	.close = bfs_close,
	.put_begin = bfs_put_begin,
	.put_write = bfs_put_write,
	.put_commit = bfs_put_commit,
	.put_abort = bfs_put_abort,
	.get_open = bfs_get_open,
	.get_read = bfs_get_read,
	.get_close = bfs_get_close,
	.size = bfs_size,
	.exists = bfs_exists,
	.remove = bfs_remove,
	.purge_account = bfs_purge_account,
	.scan = bfs_scan,
	.probe = bfs_probe,
};
