/* file_*: every write, sync and atomic replacement of the project, and
 * owner-only reads (file.h). */
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "core/file.h"

#ifndef PATH_MAX
#define PATH_MAX	4096
#endif

#define TMP_RAND_BYTES	8
static const char tmp_infix[] = ".tmp-";

/* ${path} plus ".tmp-" and 16 random hex digits, in the same directory. */
static int
tmp_path(const char *path, char **tmp)
{
	uint8_t rnd[TMP_RAND_BYTES];
	char hex[COFFER_HEX_LEN(TMP_RAND_BYTES)];
	size_t plen = strlen(path);
	int r;

	*tmp = NULL;
	randombytes_buf(rnd, sizeof(rnd));
	if ((r = coffer_hex_encode(hex, sizeof(hex), rnd, sizeof(rnd))) != 0)
		return r;
	if ((*tmp = malloc(plen + sizeof(tmp_infix) - 1 + sizeof(hex))) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(*tmp, path, plen);
	memcpy(*tmp + plen, tmp_infix, sizeof(tmp_infix) - 1);
	memcpy(*tmp + plen + sizeof(tmp_infix) - 1, hex, sizeof(hex));
	return 0;
}

int
file_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return errno == ENOSPC || errno == EDQUOT ?
			    COFFER_ERR_NOSPACE : COFFER_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = pwrite(fd, p, len, off)) < 0) {
			if (errno == EINTR)
				continue;
			return errno == ENOSPC || errno == EDQUOT ?
			    COFFER_ERR_NOSPACE : COFFER_ERR_IO;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_sync(int fd)
{
	while (fsync(fd) != 0)
		if (errno != EINTR)
			return COFFER_ERR_IO;
	return 0;
}

int
file_datasync(int fd)
{
	while (fdatasync(fd) != 0)
		if (errno != EINTR)
			return COFFER_ERR_IO;
	return 0;
}

int
file_sync_dir_at(int dirfd, const char *path)
{
	int fd, r, e;

	if ((fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return COFFER_ERR_IO;
	r = file_sync(fd);
	e = errno;
	if (close(fd) != 0 && r == 0)
		r = COFFER_ERR_IO;
	else
		errno = e;
	return r;
}

int
file_sync_parent(const char *path)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);

	/* Drop trailing slashes, then the last name, then the slashes
	 * before it: what is left is the parent ("." or "/" at the top). */
	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0) {
		memcpy(dir, ".", 2);
	} else {
		if (n >= sizeof(dir))
			return COFFER_ERR_TOOBIG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	return file_sync_dir_at(AT_FDCWD, dir);
}

int
file_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return file_sync_parent(path);
	if (errno == ENOENT)
		return COFFER_ERR_NOTFOUND;
	if (errno != EEXIST)
		return COFFER_ERR_IO;
	if (stat(path, &st) != 0)
		return COFFER_ERR_IO;
	return S_ISDIR(st.st_mode) ? 0 : COFFER_ERR_EXISTS;
}

int
file_write_atomic(const char *path, const uint8_t *p, size_t len,
    mode_t mode)
{
	char *tmp = NULL;
	int fd = -1, created = 0, r = COFFER_ERR_INVALID;

	if (path == NULL || path[0] == '\0')
		goto out;
	if ((r = tmp_path(path, &tmp)) != 0)
		goto out;
	r = COFFER_ERR_IO;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) < 0)
		goto out;
	created = 1;
	if ((r = file_write_all(fd, p, len)) != 0 || (r = file_sync(fd)) != 0)
		goto out;
	/* close() can report a failed write-back: check it. */
	r = COFFER_ERR_IO;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	created = 0;
	r = file_sync_parent(path);
out:
	if (fd >= 0)
		(void)close(fd);
	if (created)
		(void)unlink(tmp);
	free(tmp);
	return r;
}

/* Read the whole regular file behind ${fd} into ${b}: at most ${max}
 * bytes, which is all ${b} needs room for; one byte more is
 * COFFER_ERR_TOOBIG (the file grew since fstat). */
static int
read_capped(int fd, size_t max, struct coffer_buf *b)
{
	uint8_t *p, extra;
	size_t got = 0;
	ssize_t n;
	int r;

	if ((r = coffer_buf_extend(b, max, &p)) != 0)
		return r;
	for (;;) {
		n = got < max ? read(fd, p + got, max - got) :
		    read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return COFFER_ERR_IO;
		if (n == 0)
			break;
		if (got == max)
			return COFFER_ERR_TOOBIG;
		got += (size_t)n;
	}
	coffer_buf_truncate(b, coffer_buf_len(b) - max + got);
	return 0;
}

int
file_read_private(const char *path, size_t max, struct coffer_buf *out)
{
	struct stat st;
	size_t len0 = coffer_buf_len(out);
	int fd = -1, r = COFFER_ERR_INVALID;

	if (path == NULL || path[0] == '\0')
		goto out;
	/* No symbolic link, and no blocking on a FIFO planted there. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0) {
		r = errno == ENOENT ? COFFER_ERR_NOTFOUND :
		    errno == ELOOP ? COFFER_ERR_PERM : COFFER_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = COFFER_ERR_IO;
		goto out;
	}
	/* As ssh does for private keys: ours alone, or not at all. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = COFFER_ERR_PERM;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = read_capped(fd, max, out)) != 0)
		coffer_buf_truncate(out, len0);
out:
	if (fd >= 0)
		(void)close(fd);
	return r;
}
