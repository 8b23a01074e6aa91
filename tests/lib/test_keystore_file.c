/* The keystore on disk (lib/keys/keystore_file.c, docs/PROTOCOL-keys.md
 * "Keystore file"): saved 0600 and atomically, loaded only from a regular
 * file of ours that no one else may read or write, of bounded size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/keystore.h>

#include "keys/device_internal.h"

static const struct coffer_keystore_params fast = { 1, 8192 };

/* Files: a private directory per test, checked for left-over temporary
 * files and removed. */
static void
tdir_make(char dir[64])
{
	memcpy(dir, "/tmp/coffer-keystore-XXXXXX", 28);
	assert_non_null(mkdtemp(dir));
}

static void
tpath(char out[128], const char *dir, const char *name)
{
	assert_true((size_t)snprintf(out, 128, "%s/%s", dir, name) < 128);
}

/* Entries of ${dir} whose name says they are temporary. */
static size_t
tdir_temps(const char *dir)
{
	struct dirent *de;
	DIR *dp = opendir(dir);
	size_t n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strstr(de->d_name, ".tmp-") != NULL)
			n++;
	closedir(dp);
	return n;
}

static void
tdir_remove(const char *dir)
{
	struct dirent *de;
	struct stat st;
	char p[128];
	DIR *dp = opendir(dir);

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		tpath(p, dir, de->d_name);
		assert_int_equal(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode))
			tdir_remove(p);
		else
			assert_int_equal(unlink(p), 0);
	}
	closedir(dp);
	assert_int_equal(rmdir(dir), 0);
}

static void
write_file(const char *path, const uint8_t *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_save_load(void **state)
{
	struct coffer_device *d = NULL, *e = NULL;
	char dir[64], path[128];
	struct stat st;

	(void)state;
	tdir_make(dir);
	tpath(path, dir, "keystore");
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_keystore_save(path, d, NULL, 0, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 126);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0), 0);
	assert_true(device_equal(d, e));
	coffer_device_free(&e);
	assert_int_equal(coffer_keystore_load(&e, path,
	    (const uint8_t *)"pc", 2), COFFER_ERR_PASSCODE);
	/* Replace it with a sealed one. */
	assert_int_equal(coffer_keystore_save(path, d, (const uint8_t *)"pc",
	    2, &fast), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 208);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
	    COFFER_ERR_PASSCODE);
	assert_int_equal(coffer_keystore_load(&e, path,
	    (const uint8_t *)"pd", 2), COFFER_ERR_PASSCODE);
	assert_null(e);
	assert_int_equal(coffer_keystore_load(&e, path,
	    (const uint8_t *)"pc", 2), 0);
	assert_true(device_equal(d, e));
	coffer_device_free(&e);
	/* A relative path: the temporary file and the sync go to ".". */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(coffer_keystore_save("rel", d, NULL, 0, NULL), 0);
	assert_int_equal(coffer_keystore_load(&e, "rel", NULL, 0), 0);
	assert_int_equal(chdir("/"), 0);
	coffer_device_free(&e);
	assert_int_equal(tdir_temps(dir), 0);
	assert_int_equal(coffer_keystore_save("", d, NULL, 0, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keystore_save(NULL, d, NULL, 0, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keystore_load(&e, NULL, NULL, 0),
	    COFFER_ERR_INVALID);
	tdir_remove(dir);
	coffer_device_free(&d);
}

static void
test_load_modes(void **state)
{
	static const struct {
		mode_t mode;
		int err;
	} cases[] = {
		{ 0600, 0 }, { 0400, 0 }, { 0700, 0 },
		{ 0644, COFFER_ERR_PERM }, { 0640, COFFER_ERR_PERM },
		{ 0604, COFFER_ERR_PERM }, { 0620, COFFER_ERR_PERM },
		{ 0602, COFFER_ERR_PERM }, { 0610, COFFER_ERR_PERM },
		{ 0601, COFFER_ERR_PERM }, { 0666, COFFER_ERR_PERM },
	};
	struct coffer_device *d = NULL, *e = NULL;
	char dir[64], path[128];
	size_t i;

	(void)state;
	tdir_make(dir);
	tpath(path, dir, "keystore");
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_keystore_save(path, d, NULL, 0, NULL), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(chmod(path, cases[i].mode), 0);
		assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
		    cases[i].err);
		assert_true(cases[i].err == 0 ? e != NULL : e == NULL);
		coffer_device_free(&e);
	}
	tdir_remove(dir);
	coffer_device_free(&d);
}

/* Not a plain file of ours: a symbolic link (even to a good keystore), a
 * directory, a FIFO (which must not block the reader), a missing file. */
static void
test_load_not_a_file(void **state)
{
	struct coffer_device *d = NULL, *e = NULL;
	char dir[64], path[128], link[128], sub[128], fifo[128], none[128];

	(void)state;
	tdir_make(dir);
	tpath(path, dir, "keystore");
	tpath(link, dir, "link");
	tpath(sub, dir, "sub");
	tpath(fifo, dir, "fifo");
	tpath(none, dir, "none");
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_keystore_save(path, d, NULL, 0, NULL), 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(coffer_keystore_load(&e, link, NULL, 0),
	    COFFER_ERR_PERM);
	assert_int_equal(coffer_keystore_load(&e, sub, NULL, 0),
	    COFFER_ERR_PERM);
	assert_int_equal(coffer_keystore_load(&e, fifo, NULL, 0),
	    COFFER_ERR_PERM);
	assert_int_equal(coffer_keystore_load(&e, none, NULL, 0),
	    COFFER_ERR_NOTFOUND);
	assert_null(e);
	tdir_remove(dir);
	coffer_device_free(&d);
}

static void
test_load_not_owned(void **state)
{
	struct coffer_device *d = NULL, *e = NULL;
	char dir[64], path[128];

	(void)state;
	if (geteuid() != 0) {
		/* Only root can give a file away. */
		skip();
		return;
	}
	tdir_make(dir);
	tpath(path, dir, "keystore");
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_keystore_save(path, d, NULL, 0, NULL), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
	    COFFER_ERR_PERM);
	assert_null(e);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0), 0);
	coffer_device_free(&e);
	tdir_remove(dir);
	coffer_device_free(&d);
}

/* Files cut, grown, altered, oversized. */
static void
test_load_damaged(void **state)
{
	struct coffer_device *d = NULL, *e = NULL;
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX);
	uint8_t f[COFFER_KEYSTORE_MAX + 1];
	char dir[64], path[128];
	size_t n, len;
	int r;

	(void)state;
	tdir_make(dir);
	tpath(path, dir, "keystore");
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_keystore_encode(b, d, NULL, 0, NULL), 0);
	len = coffer_buf_len(b);
	memcpy(f, coffer_buf_data(b), len);
	for (n = 0; n < len; n++) {
		write_file(path, f, n, 0600);
		assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
		    COFFER_ERR_TRUNCATED);
	}
	f[len] = 0;
	write_file(path, f, len + 1, 0600);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
	    COFFER_ERR_TRAILING);
	/* Every single-bit error of a clear keystore is caught. */
	for (n = 0; n < len; n++) {
		f[n] ^= 0x08;
		write_file(path, f, len, 0600);
		r = coffer_keystore_load(&e, path, NULL, 0);
		assert_true(r == COFFER_ERR_FORMAT || r == COFFER_ERR_VERSION);
		assert_null(e);
		f[n] ^= 0x08;
	}
	/* Size caps: at the cap a file is read (and refused as garbage);
	 * past it, not read at all. */
	memset(f, 'C', sizeof(f));
	write_file(path, f, COFFER_KEYSTORE_MAX, 0600);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
	    COFFER_ERR_FORMAT);
	write_file(path, f, COFFER_KEYSTORE_MAX + 1, 0600);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
	    COFFER_ERR_TOOBIG);
	write_file(path, f, 0, 0600);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0),
	    COFFER_ERR_TRUNCATED);
	assert_null(e);
	tdir_remove(dir);
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

/* A save either replaces the file whole or leaves the old one: here the
 * rename fails because the target is a directory, and the directory, the
 * file inside it and a keystore beside it are as they were, with no
 * temporary file left. */
static void
test_save_atomic(void **state)
{
	struct coffer_device *a = NULL, *b = NULL, *e = NULL;
	char dir[64], path[128], sub[128], inner[128], nodir[128];
	struct stat st;

	(void)state;
	tdir_make(dir);
	tpath(path, dir, "keystore");
	tpath(sub, dir, "target");
	tpath(inner, sub, "old");
	tpath(nodir, dir, "missing/keystore");
	assert_int_equal(coffer_device_generate(&a), 0);
	assert_int_equal(coffer_device_generate(&b), 0);
	assert_int_equal(coffer_keystore_save(path, a, NULL, 0, NULL), 0);
	assert_int_equal(coffer_keystore_save(path, b, NULL, 0, NULL), 0);
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0), 0);
	assert_true(device_equal(b, e));
	coffer_device_free(&e);

	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(inner, (const uint8_t *)"old content", 11, 0600);
	assert_int_equal(coffer_keystore_save(sub, a, NULL, 0, NULL),
	    COFFER_ERR_IO);
	assert_int_equal(coffer_keystore_save(sub, a, (const uint8_t *)"p", 1,
	    &fast), COFFER_ERR_IO);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(inner, &st), 0);
	assert_int_equal(st.st_size, 11);
	assert_int_equal(tdir_temps(dir), 0);
	assert_int_equal(tdir_temps(sub), 0);
	assert_int_equal(coffer_keystore_save(nodir, a, NULL, 0, NULL),
	    COFFER_ERR_IO);
	/* The keystore beside is still b's. */
	assert_int_equal(coffer_keystore_load(&e, path, NULL, 0), 0);
	assert_true(device_equal(b, e));
	coffer_device_free(&e);
	assert_int_equal(tdir_temps(dir), 0);
	tdir_remove(dir);
	coffer_device_free(&a);
	coffer_device_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_modes),
		cmocka_unit_test(test_load_not_a_file),
		cmocka_unit_test(test_load_not_owned),
		cmocka_unit_test(test_load_damaged),
		cmocka_unit_test(test_save_atomic),
	};

	return cmocka_run_group_tests_name("keystore_file", tests, NULL, NULL);
}
