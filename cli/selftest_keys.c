/* coffer selftest: device keys on disk, the keychain, streams. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/category.h>
#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/keychain.h>
#include <coffer/keystore.h>
#include <coffer/stream.h>

#include "selftest.h"

static void
path_in(char *out, size_t cap, const struct st *st, const char *name)
{
	snprintf(out, cap, "%s/%s", st->dir, name);
}

void
st_device_keys(struct st *st)
{
	static const uint8_t pass[] = "correct horse battery staple";
	struct coffer_keystore_params params = coffer_keystore_params_default();
	struct coffer_device *d = NULL, *back = NULL;
	char path[4096], what[160];
	struct stat sb;
	int ok;

	path_in(path, sizeof(path), st, "device.keys");
	ok = coffer_device_generate(&d) == 0 &&
	    coffer_keystore_save(path, d, pass, sizeof(pass) - 1, &params) == 0 &&
	    stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600;
	snprintf(what, sizeof(what), "device keys saved, mode 0600, sealed "
	    "under a passcode (Argon2id, %u passes, %u MiB)",
	    (unsigned)params.opslimit, (unsigned)(params.memlimit_kib / 1024));
	st_step(st, ok, what);
	if (ok) {
		ok = coffer_keystore_load(&back, path, pass, sizeof(pass) - 1) ==
		    0 && sodium_memcmp(coffer_device_id(back), coffer_device_id(d),
		    16) == 0;
		st_step(st, ok, "device keys loaded back with the passcode");
		coffer_device_free(&back);
		ok = coffer_keystore_load(&back, path, (const uint8_t *)"guess",
		    5) == COFFER_ERR_PASSCODE && back == NULL;
		st_step(st, ok, "a wrong passcode: refused, nothing loaded");
		ok = chmod(path, 0644) == 0 &&
		    coffer_keystore_load(&back, path, pass, sizeof(pass) - 1) ==
		    COFFER_ERR_PERM;
		st_step(st, ok, "the same file made readable by others: refused");
	}
	coffer_device_free(&back);
	coffer_device_free(&d);
	unlink(path);
}

void
st_keychain(struct st *st)
{
	const struct coffer_category *notes = coffer_category_by_name("notes");
	const struct coffer_category *health = coffer_category_by_name("health");
	struct coffer_key *root = NULL, *ck = NULL, *back = NULL;
	struct coffer_buf *w = coffer_buf_new(4096);
	int ok;

	ok = w != NULL && notes != NULL && health != NULL &&
	    coffer_keychain_key_generate(&root, COFFER_ROLE_ROOT, 0, 1) == 0 &&
	    coffer_category_key_generate(&ck, notes->id, 1) == 0 &&
	    coffer_keychain_wrap(w, ck, COFFER_ROLE_CATEGORY, notes->id,
	    root) == 0 &&
	    coffer_keychain_unwrap(&back, coffer_buf_data(w), coffer_buf_len(w),
	    COFFER_ROLE_CATEGORY, notes->id, 1, root) == 0;
	st_step(st, ok, "the notes key wrapped under the keychain root and "
	    "unwrapped");
	coffer_key_free(&back);
	if (ok) {
		ok = coffer_keychain_unwrap(&back, coffer_buf_data(w),
		    coffer_buf_len(w), COFFER_ROLE_CATEGORY, health->id, 1,
		    root) == COFFER_ERR_KEY && back == NULL;
		st_step(st, ok, "the same wrapped key offered as the health key: "
		    "refused");
	}
	coffer_key_free(&root);
	coffer_key_free(&ck);
	coffer_buf_free(&w);
}

/* Write n pseudo-random bytes to a new file; returns its fd or -1. */
static int
file_with(const char *path, size_t n)
{
	uint8_t block[65536];
	size_t left = n, k;
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	while (left > 0) {
		k = left < sizeof(block) ? left : sizeof(block);
		randombytes_buf(block, k);
		if (write(fd, block, k) != (ssize_t)k) {
			close(fd);
			return -1;
		}
		left -= k;
	}
	return lseek(fd, 0, SEEK_SET) == 0 ? fd : (close(fd), -1);
}

/* Compare two files from the start. */
static int
same_files(int a, int b)
{
	uint8_t x[65536], y[65536];
	ssize_t n, m;

	if (lseek(a, 0, SEEK_SET) != 0 || lseek(b, 0, SEEK_SET) != 0)
		return 0;
	do {
		n = read(a, x, sizeof(x));
		m = read(b, y, sizeof(y));
		if (n != m || n < 0 || (n > 0 && sodium_memcmp(x, y, (size_t)n) != 0))
			return 0;
	} while (n > 0);
	return 1;
}

void
st_stream(struct st *st)
{
	const size_t size = (size_t)24 << 20;
	struct coffer_key *k = NULL;
	char pin[4096], pse[4096], pout[4096];
	int in = -1, se = -1, out = -1, ok;
	off_t len;

	path_in(pin, sizeof(pin), st, "plain");
	path_in(pse, sizeof(pse), st, "sealed");
	path_in(pout, sizeof(pout), st, "opened");
	ok = coffer_key_generate(&k, COFFER_KEY_SYMMETRIC, 1) == 0 &&
	    (in = file_with(pin, size)) >= 0 &&
	    (se = open(pse, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0 &&
	    (out = open(pout, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0 &&
	    coffer_stream_seal_fd(k, "coffer/selftest/v1", 0, in, se) == 0 &&
	    lseek(se, 0, SEEK_SET) == 0 &&
	    coffer_stream_open_fd(k, "coffer/selftest/v1", se, out) == 0 &&
	    same_files(in, out);
	st_step(st, ok, "a 24 MiB file streamed through 64 KiB chunks and "
	    "back, byte for byte");
	if (ok) {
		/* Cut the last chunk off: the stream must not pass as whole. */
		len = lseek(se, 0, SEEK_END);
		ok = len > 65536 && ftruncate(se, len - 65536) == 0 &&
		    lseek(se, 0, SEEK_SET) == 0 && ftruncate(out, 0) == 0 &&
		    lseek(out, 0, SEEK_SET) == 0 &&
		    coffer_stream_open_fd(k, "coffer/selftest/v1", se, out) ==
		    COFFER_ERR_TRUNCATED;
		st_step(st, ok, "the same stream cut short: refused as "
		    "truncated");
	}
	if (in >= 0)
		close(in);
	if (se >= 0)
		close(se);
	if (out >= 0)
		close(out);
	unlink(pin);
	unlink(pse);
	unlink(pout);
	coffer_key_free(&k);
}
