/* Private files: atomic replacement and owner-only reads (file.h). */
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "core/file.h"

#define TMP_RAND_BYTES	8
static const char tmp_infix[] = ".tmp-";

/* ${path} plus ".tmp-" and 16 random hex digits, in the same directory;
 * and the directory itself, to sync after the rename. */
static int
tmp_paths(const char *path, char **tmp, char **dir)
{
	uint8_t rnd[TMP_RAND_BYTES];
	char hex[COFFER_HEX_LEN(TMP_RAND_BYTES)];
	const char *slash;
	size_t plen = strlen(path), dlen;
	int r = COFFER_ERR_NOMEM;

	*tmp = NULL;
	*dir = NULL;
	randombytes_buf(rnd, sizeof(rnd));
	if ((r = coffer_hex_encode(hex, sizeof(hex), rnd, sizeof(rnd))) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((*tmp = malloc(plen + sizeof(tmp_infix) - 1 + sizeof(hex))) == NULL)
		goto out;
	memcpy(*tmp, path, plen);
	memcpy(*tmp + plen, tmp_infix, sizeof(tmp_infix) - 1);
	memcpy(*tmp + plen + sizeof(tmp_infix) - 1, hex, sizeof(hex));
	if ((slash = strrchr(path, '/')) == NULL)
		dlen = 0;
	else
		dlen = slash == path ? 1 : (size_t)(slash - path);
	if ((*dir = malloc(dlen == 0 ? 2 : dlen + 1)) == NULL)
		goto out;
	if (dlen == 0)
		memcpy(*dir, ".", 2);
	else {
		memcpy(*dir, path, dlen);
		(*dir)[dlen] = '\0';
	}
	r = 0;
out:
	if (r != 0) {
		free(*tmp);
		free(*dir);
		*tmp = NULL;
		*dir = NULL;
	}
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
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

static int
sync_dir(const char *dir)
{
	int fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return COFFER_ERR_IO;
	if (fsync(fd) != 0)
		r = COFFER_ERR_IO;
	if (close(fd) != 0)
		r = COFFER_ERR_IO;
	return r;
}

int
file_write_atomic(const char *path, const uint8_t *p, size_t len)
{
	char *tmp = NULL, *dir = NULL;
	int fd = -1, created = 0, r = COFFER_ERR_INVALID;

	if (path == NULL || path[0] == '\0')
		goto out;
	if ((r = tmp_paths(path, &tmp, &dir)) != 0)
		goto out;
	r = COFFER_ERR_IO;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		goto out;
	created = 1;
	if ((r = write_all(fd, p, len)) != 0)
		goto out;
	r = COFFER_ERR_IO;
	if (fsync(fd) != 0)
		goto out;
	/* close() can report a failed write-back: check it. */
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	created = 0;
	r = sync_dir(dir);
out:
	if (fd >= 0)
		(void)close(fd);
	if (created)
		(void)unlink(tmp);
	free(tmp);
	free(dir);
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
