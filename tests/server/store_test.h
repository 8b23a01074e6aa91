/* Small helpers the storage tests share. */
#ifndef COFFER_TEST_STORE_TEST_H
#define COFFER_TEST_STORE_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void
rm_rf(const char *path)
{
	struct dirent *e;
	char sub[4096];
	struct stat st;
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
			    e->d_name) < sizeof(sub))
				rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* A new empty folder $TMPDIR/<prefix>-XXXXXX (mode 0700) into dir; 0 or
 * -1. */
static inline int
tmp_folder(char *dir, size_t cap, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, cap, "%s/%s-XXXXXX", tmp ? tmp : "/tmp", prefix);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

#endif
