/* Folder helpers of the backup tests (tree_compare.h). */
#define _GNU_SOURCE	/* lgetxattr */
#include <sys/stat.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tree_compare.h"

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

void
tree_rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
tree_compare(const char *a, const char *b)
{
	struct dirent **na = NULL, **nb = NULL;
	char pa[1024], pb[1024], la[512], lb[512];
	struct stat sa, sb;
	int n, m, i;

	assert_int_equal(lstat(a, &sa), 0);
	assert_int_equal(lstat(b, &sb), 0);
	assert_int_equal(sa.st_mode, sb.st_mode);
	if (!S_ISDIR(sa.st_mode))
		assert_int_equal(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec);
	if (S_ISREG(sa.st_mode)) {
		FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
		int ca, cb;

		assert_non_null(fa);
		assert_non_null(fb);
		assert_int_equal(sa.st_size, sb.st_size);
		do {
			ca = fgetc(fa);
			cb = fgetc(fb);
			assert_int_equal(ca, cb);
		} while (ca != EOF);
		fclose(fa);
		fclose(fb);
		assert_int_equal(lgetxattr(a, "user.coffer", la, sizeof(la)),
		    lgetxattr(b, "user.coffer", lb, sizeof(lb)));
	}
	if (S_ISLNK(sa.st_mode)) {
		ssize_t x = readlink(a, la, sizeof(la)), y = readlink(b, lb,
		    sizeof(lb));

		assert_int_equal(x, y);
		assert_memory_equal(la, lb, (size_t)x);
	}
	if (!S_ISDIR(sa.st_mode))
		return;
	assert_int_equal(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec);
	n = scandir(a, &na, NULL, alphasort);
	m = scandir(b, &nb, NULL, alphasort);
	assert_int_equal(n, m);
	for (i = 0; i < n; i++) {
		assert_string_equal(na[i]->d_name, nb[i]->d_name);
		if (strcmp(na[i]->d_name, ".") != 0 &&
		    strcmp(na[i]->d_name, "..") != 0) {
			snprintf(pa, sizeof(pa), "%s/%s", a, na[i]->d_name);
			snprintf(pb, sizeof(pb), "%s/%s", b, nb[i]->d_name);
			tree_compare(pa, pb);
		}
		free(na[i]);
		free(nb[i]);
	}
	free(na);
	free(nb);
}
