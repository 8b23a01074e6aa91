/* The restore target (restore_run.h): folders opened below it with no
 * symbolic link resolved and no way out of it, fresh temporary names,
 * metadata set without following a link, and the detail of a failed
 * call. Shared by the walk (restore.c) and the workers
 * (restore_files.c). */
#define _GNU_SOURCE	/* fsetxattr; syscall(2) for openat2 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <sys/syscall.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/restore_run.h"

void
rs_tmp_name(char buf[RS_TMP_MAX], const char *leaf)
{
	uint8_t r[8];
	char hex[2 * sizeof(r) + 1];
	int keep = (int)(RS_TMP_MAX - 1 - 1 - (sizeof(TMP_TAG) - 1) -
	    (sizeof(hex) - 1));

	randombytes_buf(r, sizeof(r));
	repo_hex(hex, r, sizeof(r));
	snprintf(buf, RS_TMP_MAX, ".%.*s" TMP_TAG "%s", keep, leaf, hex);
}

int
rs_open_beneath(int dfd, const char *path, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

int
rs_parent(struct rs *s, const char *path, const char **leaf)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, e;

	*leaf = slash != NULL ? slash + 1 : path;
	if (slash == NULL)
		return s->tfd;
	if ((dir = strndup(path, (size_t)(slash - path))) == NULL)
		return -1;
	fd = rs_open_beneath(s->tfd, dir, O_PATH | O_DIRECTORY);
	e = errno;
	free(dir);
	errno = e;
	return fd;
}

void
rs_close_parent(struct rs *s, int fd)
{
	if (fd >= 0 && fd != s->tfd)
		close(fd);
}

int
rs_io_fail(struct rs *s, const char *what, const char *path)
{
	int e = errno;

	return repo_fail(s->r, e == ENOSPC || e == EDQUOT ?
	    COFFER_ERR_NOSPACE : COFFER_ERR_IO, "%s %s: %s", what, path,
	    strerror(e));
}

int
rs_set_meta(struct rs *s, int fd, int dfd, const char *leaf,
    const char *path, const struct bk_node *n)
{
	struct timespec ts[2];
	const uint8_t *name, *val;
	size_t off = 0, nl, vl;
	char xname[BK_XATTR_NAME_MAX + 1];
	uint16_t i;

	if (s->root && (fd >= 0 ? fchown(fd, n->uid, n->gid) :
	    fchownat(dfd, leaf, n->uid, n->gid, AT_SYMLINK_NOFOLLOW)) != 0)
		return rs_io_fail(s, "chown", path);
	for (i = 0; i < n->nxattrs; i++) {
		bk_xattr_next(n->xattrs, &off, &name, &nl, &val, &vl);
		memcpy(xname, name, nl);
		xname[nl] = '\0';
		/* Best effort: the target's file system may refuse some. */
		if (fd >= 0)
			(void)fsetxattr(fd, xname, val, vl, 0);
	}
	if (n->type != BK_SYMLINK && (fd >= 0 ? fchmod(fd, n->mode) :
	    fchmodat(dfd, leaf, n->mode, AT_SYMLINK_NOFOLLOW)) != 0)
		return rs_io_fail(s, "chmod", path);
	ts[0].tv_sec = ts[1].tv_sec = n->mtime_ns / 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = n->mtime_ns % 1000000000;
	if ((fd >= 0 ? futimens(fd, ts) : utimensat(dfd, leaf, ts,
	    AT_SYMLINK_NOFOLLOW)) != 0)
		return rs_io_fail(s, "set times of", path);
	return 0;
}
