/* A backup's anonymous memory does not grow with the number of files
 * (docs/PROTOCOL-backup.md, "Memory"): 50,000 tiny files in folders of
 * 1,000, RssAnon read from /proc/self/status in the progress callback.
 * The chunk index is a mapped file (RssFile), so it is not counted. No
 * timing assertions. Skipped under AddressSanitizer (its quarantine keeps
 * freed memory resident). */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <fcntl.h>
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

#include <coffer/backup.h>
#include <coffer/backup_store.h>
#include <coffer/err.h>
#include <coffer/key.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN	1
#endif
#endif

#define NFILES		50000
#define PER_DIR		1000
/* 2 threads x (a 4 MiB pack being filled + entries) + the uploader's
 * queue of packs + read buffers: about 40 MiB measured at 200k and 1M
 * files, 16 MiB here; 500 bytes a file would add 24 MiB. */
#define ANON_MAX_KB	(40L * 1024)

static long peak_kb;

static long
rss_anon_kb(void)
{
	char buf[4096], *p;
	size_t n;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if ((p = strstr(buf, "RssAnon:")) == NULL)
		return -1;
	return strtol(p + 8, NULL, 10);
}

static void
on_progress(void *arg, const struct coffer_backup_progress *pg)
{
	long kb = rss_anon_kb();

	(void)arg;
	(void)pg;
	if (kb > peak_kb)
		peak_kb = kb;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void
make_files(const char *src)
{
	char path[256];
	uint8_t data[208];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + 7);
	for (i = 0; i < NFILES; i++) {
		if (i % PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/d%03zu", src,
			    i / PER_DIR);
			assert_int_equal(mkdir(path, 0755), 0);
		}
		snprintf(path, sizeof(path), "%s/d%03zu/f%06zu", src,
		    i / PER_DIR, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		/* 8-208 distinct bytes: every file is a new chunk. */
		memcpy(data, &i, sizeof(i));
		assert_int_equal(write(fd, data, 8 + i % 201),
		    (ssize_t)(8 + i % 201));
		close(fd);
	}
}

static void
test_anon_bounded(void **state)
{
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct coffer_backup_repo *r = NULL;
	struct coffer_bstore st;
	struct coffer_key *key = NULL;
	char base[64], src[96], repo[96], cache[96];
	const char *paths[1];
	uint8_t id[16];
	long before;

	(void)state;
#ifdef UNDER_ASAN
	skip();
#endif
	strcpy(base, "/tmp/coffer-bkmem-XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(src, sizeof(src), "%s/data", base);
	snprintf(repo, sizeof(repo), "%s/repo", base);
	snprintf(cache, sizeof(cache), "%s/cache", base);
	assert_int_equal(mkdir(src, 0755), 0);
	make_files(src);
	assert_int_equal(coffer_bstore_dir_open(&st, repo), 0);
	assert_int_equal(coffer_key_generate(&key, COFFER_KEY_SYMMETRIC, 1),
	    0);
	assert_int_equal(coffer_backup_open(&r, &st,
	    (const struct coffer_key *const *)&key, 1, cache), 0);
	memset(&o, 0, sizeof(o));
	memset(&pg, 0, sizeof(pg));
	pg.fn = on_progress;
	o.progress = &pg;
	o.host = "testhost";
	paths[0] = src;
	before = rss_anon_kb();
	assert_true(before >= 0);
	assert_int_equal(coffer_backup_create(r, paths, 1, &o, id), 0);
	on_progress(NULL, &pg);
	assert_int_equal(pg.files, NFILES);
	print_message("# RssAnon before %ld kB, peak %ld kB\n", before,
	    peak_kb);
	assert_true(peak_kb - before < ANON_MAX_KB);
	coffer_backup_close(&r);
	coffer_bstore_dir_close(&st);
	coffer_key_free(&key);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
