/* store_fs_*: the few file-system steps durability rests on. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "store/fsutil.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

int
store_fs_sync_fd(int fd)
{
	while (fsync(fd) != 0)
		if (errno != EINTR)
			return COFFER_ERR_IO;
	return 0;
}

int
store_fs_sync_parent(const char *path)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);
	int fd, r;

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
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return COFFER_ERR_IO;
	r = store_fs_sync_fd(fd);
	close(fd);
	return r;
}

int
store_fs_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return store_fs_sync_parent(path);
	if (errno == ENOENT)
		return COFFER_ERR_NOTFOUND;
	if (errno != EEXIST)
		return COFFER_ERR_IO;
	if (stat(path, &st) != 0)
		return COFFER_ERR_IO;
	return S_ISDIR(st.st_mode) ? 0 : COFFER_ERR_EXISTS;
}
