/* A malicious server against the real coffer CLI (issue 4, point 6): a
 * backup goes through an honest proxy, then restores go through one that
 * flips a byte of every blob, says a blob is missing, cuts an index
 * segment short, garbles the change feed, serves another blob's bytes, or
 * fails twice and recovers; and a restore runs into a full disk. Each
 * failure exits 1 with an error naming what it is about; every file left
 * in the target is whole and equal to its source (nothing already
 * restored is damaged, no temporary file is left); an honest restore
 * afterwards is exact. */
#define _GNU_SOURCE	/* memmem */

#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "cli_run.h"
#include "evil_proxy.h"
#include "server_harness.h"

#define NSMALL	24

static struct srv *S;
static struct evil *E;
static char *Tmp;
static char Home[512], Src[512], Pw[512], Blob2[128];
static unsigned Targets;

static void
write_random(const char *path, size_t len)
{
	uint8_t *p = malloc(len);
	FILE *f;

	assert_non_null(p);
	randombytes_buf(p, len);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(p);
}

/* Run coffer through the proxy; its exit status, stderr in *err. */
static int
coffer(const char *const *args, char **err)
{
	const char *argv[32];
	struct cli_res r;
	size_t i, n = 0;
	int st;

	argv[n++] = "--server";
	argv[n++] = evil_url(E);
	argv[n++] = "--home";
	argv[n++] = Home;
	argv[n++] = "--quiet";
	for (i = 0; args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(cli_runv(&r, NULL, NULL, argv), 0);
	st = r.status;
	if (err != NULL) {
		*err = r.err;
		r.err = NULL;
	}
	cli_res_free(&r);
	return st;
}

static void
coffer_ok(const char *const *args)
{
	char *err = NULL;
	int st = coffer(args, &err);

	if (st != 0)
		fail_msg("coffer %s %s: exit %d: %s", args[0], args[1], st,
		    err != NULL ? err : "");
	free(err);
}

/* Every regular file under ${dir} equals its twin under ${src}; no
 * temporary file is left. Returns how many files were compared. */
static const char *Cmp_src;
static size_t Cmp_root_len, Cmp_count;

static int
cmp_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char twin[1200];
	char *a, *b;
	size_t la, lb;

	(void)sb;
	(void)ftw;
	if (strstr(path, "/.") != NULL && strstr(path, ".coffer-") != NULL)
		fail_msg("a temporary file is left: %s", path);
	if (type != FTW_F)
		return 0;
	snprintf(twin, sizeof(twin), "%s%s", Cmp_src, path + Cmp_root_len);
	a = srv_slurp(path, &la);
	b = srv_slurp(twin, &lb);
	if (a == NULL || b == NULL || la != lb || memcmp(a, b, la) != 0)
		fail_msg("%s differs from %s", path, twin);
	free(a);
	free(b);
	Cmp_count++;
	return 0;
}

static size_t
compare_tree(const char *restored)
{
	char top[700];

	/* The snapshot's top level holds the source folder's name. */
	snprintf(top, sizeof(top), "%s/src", restored);
	Cmp_src = Src;
	Cmp_root_len = strlen(top);
	Cmp_count = 0;
	if (access(top, F_OK) != 0)
		return 0;
	assert_int_equal(nftw(top, cmp_one, 16, FTW_PHYS), 0);
	return Cmp_count;
}

static void
new_target(char *out, size_t cap)
{
	snprintf(out, cap, "%s/target%u", Tmp, Targets++);
}

/* Forget the local cache, so the next run reads the index from the
 * server. */
static void
drop_cache(void)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/cache", Home);
	srv_rmtree(path);
}

/* The name of some blob the server holds (its folder's first file). */
static int
find_blob(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	if (type == FTW_F && strlen(path + ftw->base) == 64 &&
	    Blob2[0] == '\0') {
		snprintf(Blob2, sizeof(Blob2), "/v1/blobs/%s", path + ftw->base);
		return 1;
	}
	return 0;
}

static int
setup(void **state)
{
	char path[700], up[128];
	const char *args[] = { "--config", path, NULL };
	unsigned i;

	(void)state;
	if (sodium_init() < 0 || (Tmp = srv_tmpdir()) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/cofferd.conf", Tmp);
	if (srv_write_file(path, "opaque_t_cost = 1\nopaque_m_cost = 1024\n")
	    != 0 || srv_start(&S, args) != 0)
		return -1;
	snprintf(up, sizeof(up), "%s", srv_url(S, ""));
	up[strcspn(up, "\n")] = '\0';
	if (up[strlen(up) - 1] == '/')
		up[strlen(up) - 1] = '\0';
	if (evil_start(&E, up) != 0)
		return -1;
	snprintf(Home, sizeof(Home), "%s/home", Tmp);
	snprintf(Src, sizeof(Src), "%s/src", Tmp);
	snprintf(Pw, sizeof(Pw), "%s/pw", Tmp);
	if (srv_write_file(Pw, "a password for the evil tests\n") != 0 ||
	    mkdir(Src, 0755) != 0)
		return -1;
	/* Small files first in name order, so a restore that fails on the
	 * big ones has finished some. */
	for (i = 0; i < NSMALL; i++) {
		snprintf(path, sizeof(path), "%s/a%02u.bin", Src, i);
		write_random(path, 1000 + i * 997);
	}
	snprintf(path, sizeof(path), "%s/big1.bin", Src);
	write_random(path, (size_t)5 << 20);
	snprintf(path, sizeof(path), "%s/big2.bin", Src);
	write_random(path, (size_t)7 << 20);
	{
		const char *create[] = { "account", "create", "--login", "evil",
		    "--password-file", Pw, NULL };
		const char *backup[] = { "backup", "create", Src, NULL };

		coffer_ok(create);
		coffer_ok(backup);
	}
	(void)nftw(srv_data(S), find_blob, 16, FTW_PHYS);
	return Blob2[0] != '\0' ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	evil_stop(&E);
	if (S != NULL)
		srv_stop(S);
	srv_free(&S);
	srv_rmtree(Tmp);
	free(Tmp);
	return 0;
}

struct lie {
	const char		*name;
	struct evil_rule	 rule;
	int			 cold;		/* drop the cache first */
	const char		*want[3];	/* in stderr, all of them */
};

/* A 64-hex-digit id appears in ${s}. */
static int
names_an_id(const char *s)
{
	size_t run = 0;

	for (; *s != '\0'; s++) {
		run = ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')) ?
		    run + 1 : 0;
		if (run == 64)
			return 1;
	}
	return 0;
}

static void
test_lies(void **state)
{
	const struct lie table[] = {
		{ "flipped byte", { "GET", "/v1/blobs/", EVIL_FLIP, 150, -1,
		    NULL, NULL, NULL }, 0, { "corrupt", NULL } },
		{ "missing blob", { "GET", "/v1/blobs/", EVIL_NOT_FOUND, 0, -1,
		    NULL, NULL, NULL }, 0, { "not found", NULL } },
		{ "another blob's bytes", { "GET", "/v1/blobs/", EVIL_SWAP, 0,
		    -1, Blob2, NULL, NULL }, 0, { "corrupt", NULL } },
		{ "garbled change feed", { "GET", "/v1/zones/", EVIL_GARBAGE,
		    0, -1, NULL, NULL, NULL }, 1, { "server", NULL } },
		{ "truncated index", { "GET", "/v1/blobs/", EVIL_TRUNCATE, 40,
		    1, NULL, NULL, NULL }, 1, { NULL } },
	};
	const char *restore[] = { "backup", "restore", "latest", "--target",
	    NULL, NULL };
	char target[700], *err;
	size_t i, k;
	int st;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct lie *t = &table[i];

		if (t->cold)
			drop_cache();
		new_target(target, sizeof(target));
		restore[4] = target;
		evil_set(E, &t->rule);
		st = coffer(restore, &err);
		if (st != 1)
			fail_msg("%s: exit %d, want 1: %s", t->name, st,
			    err != NULL ? err : "");
		assert_true(evil_hits(E) > 0);
		for (k = 0; t->want[k] != NULL; k++)
			if (strcasestr(err, t->want[k]) == NULL)
				fail_msg("%s: \"%s\" not in: %s", t->name,
				    t->want[k], err);
		if (strncmp(t->rule.path_prefix, "/v1/blobs/", 10) == 0 &&
		    !names_an_id(err))
			fail_msg("%s: the error names no object: %s", t->name,
			    err);
		print_message("# %s: %s", t->name, err);
		free(err);
		(void)compare_tree(target);
		evil_set(E, NULL);
	}
	/* The repository is intact: an honest restore is exact. */
	drop_cache();
	new_target(target, sizeof(target));
	restore[4] = target;
	coffer_ok(restore);
	assert_int_equal(compare_tree(target), NSMALL + 2);
}

/* Two 500s in a row are retried through; the restore is exact. */
static void
test_transient_errors(void **state)
{
	const struct evil_rule twice = { "GET", "/v1/blobs/", EVIL_ERROR_500,
	    0, 2, NULL, NULL, NULL };
	const char *restore[] = { "backup", "restore", "latest", "--target",
	    NULL, NULL };
	char target[700];

	(void)state;
	new_target(target, sizeof(target));
	restore[4] = target;
	evil_set(E, &twice);
	coffer_ok(restore);
	assert_int_equal(evil_hits(E), 2);
	assert_int_equal(compare_tree(target), NSMALL + 2);
	evil_set(E, NULL);
}

/* A full disk: NOSPACE naming the file (its path in the snapshot);
 * what was restored is whole. */
static void
test_full_disk(void **state)
{
	const char *restore[] = { "backup", "restore", "latest", "--target",
	    NULL, NULL };
	char mnt[700], *err;
	int st;

	(void)state;
	if (geteuid() != 0) {
		print_message("# skipped: a small tmpfs needs root\n");
		return;
	}
	snprintf(mnt, sizeof(mnt), "%s/small", Tmp);
	assert_int_equal(mkdir(mnt, 0755), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=3m") != 0) {
		print_message("# skipped: cannot mount a tmpfs here\n");
		return;
	}
	restore[4] = mnt;
	st = coffer(restore, &err);
	if (st != 1 || strcasestr(err, "space") == NULL ||
	    strstr(err, "src/") == NULL)
		fail_msg("full disk: exit %d: %s", st, err != NULL ? err : "");
	print_message("# full disk: %s", err);
	free(err);
	(void)compare_tree(mnt);
	assert_int_equal(umount(mnt), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lies),
		cmocka_unit_test(test_transient_errors),
		cmocka_unit_test(test_full_disk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
