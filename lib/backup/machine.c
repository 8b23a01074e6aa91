/* This installation's machine id (machine.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/machine.h"
#include "core/file.h"

static int
machine_read(int dirfd, uint8_t out[BK_LOCK_MACHINE])
{
	uint8_t b[BK_LOCK_MACHINE + 1];
	ssize_t got;
	int fd, r;

	if ((fd = openat(dirfd, MACHINE_FILE, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0)
		return errno == ENOENT ? COFFER_ERR_NOTFOUND : COFFER_ERR_IO;
	got = read(fd, b, sizeof(b));
	(void)close(fd);
	if (got < 0)
		return COFFER_ERR_IO;
	r = got == BK_LOCK_MACHINE && !sodium_is_zero(b, BK_LOCK_MACHINE) ?
	    0 : COFFER_ERR_CORRUPT;
	if (r == 0)
		memcpy(out, b, BK_LOCK_MACHINE);
	return r;
}

int
machine_id(int dirfd, uint8_t out[BK_LOCK_MACHINE])
{
	uint8_t id[BK_LOCK_MACHINE], t[8];
	char tmp[sizeof(MACHINE_FILE) + 24];
	int fd, r;

	if ((r = machine_read(dirfd, out)) != COFFER_ERR_NOTFOUND)
		return r;
	do
		randombytes_buf(id, sizeof(id));
	while (sodium_is_zero(id, sizeof(id)));
	/* Written whole under a name of its own, then linked: a racing
	 * handle either wins the link or reads the winner's id. */
	randombytes_buf(t, sizeof(t));
	memcpy(tmp, MACHINE_FILE ".", sizeof(MACHINE_FILE));
	sodium_bin2hex(tmp + sizeof(MACHINE_FILE), sizeof(tmp) -
	    sizeof(MACHINE_FILE), t, sizeof(t));
	r = COFFER_ERR_IO;
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0)
		return COFFER_ERR_IO;
	if (file_write_all(fd, id, sizeof(id)) == 0 && file_sync(fd) == 0)
		r = 0;
	(void)close(fd);
	if (r == 0 && linkat(dirfd, tmp, dirfd, MACHINE_FILE, 0) != 0 &&
	    errno != EEXIST)
		r = COFFER_ERR_IO;
	(void)unlinkat(dirfd, tmp, 0);
	if (r == 0 && (r = file_sync(dirfd)) == 0)
		r = machine_read(dirfd, out);
	sodium_memzero(id, sizeof(id));
	return r;
}
