/* The backup engine end to end over a folder store (include/coffer/
 * backup.h): round trip of every file kind, dedup, incremental, resume
 * after a failed store, the chunk-size fingerprinting defence, ls and
 * sub-path restore. Small CDC and pack sizes keep it fast. The fixture is
 * backup_fixture.h; restores against a lying store or a hostile target
 * are test_backup_restore.c. */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
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
#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/backup_store.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "backup/format.h"
#include "backup/repo.h"
#include "backup/restore_run.h"
#include "core/padme.h"

#include "backup_fixture.h"
#include "tree_compare.h"

static void
test_round_trip(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	uint8_t id[16], got[16];
	char p[256], q[256], hex[33];
	struct stat a, b;

	bfx_make_tree(f);
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bfx_backup(f, &pg, id), 0);
	assert_true(pg.files >= 9);
	assert_int_equal(coffer_backup_resolve(f->r, "latest", got), 0);
	assert_memory_equal(id, got, 16);
	sodium_bin2hex(hex, sizeof(hex), id, 16);
	hex[8] = '\0';
	assert_int_equal(coffer_backup_resolve(f->r, hex, got), 0);
	assert_memory_equal(id, got, 16);
	assert_int_equal(coffer_backup_resolve(f->r, "0123", got),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	tree_compare(f->src, p);
	/* hard links share an inode; the sparse file has a hole */
	snprintf(p, sizeof(p), "%s/data/small", f->dst);
	snprintf(q, sizeof(q), "%s/data/sub/hard", f->dst);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(stat(q, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	snprintf(p, sizeof(p), "%s/data/sparse", f->dst);
	assert_int_equal(stat(p, &a), 0);
	assert_true(a.st_blocks * 512 < 512 * 1024);
}

static void
test_dedup_and_incremental(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	struct bk_snapshot s;
	uint8_t id[16], first[16], buf[5000];
	int puts;

	bfx_make_tree(f);
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bfx_backup(f, &pg, id), 0);
	assert_true(pg.files_read >= 6);
	puts = f->ts.puts;
	memcpy(first, id, 16);
	/* No change: nothing read, nothing stored; the first is the new
	 * one's parent. */
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bfx_backup(f, &pg, id), 0);
	assert_int_equal(pg.files_read, 0);
	assert_int_equal(f->ts.puts, puts);
	assert_int_equal(repo_snapshot(f->r, first, &s), 0);
	assert_false(s.has_parent);
	bk_snapshot_clear(&s);
	assert_int_equal(repo_snapshot(f->r, id, &s), 0);
	assert_true(s.has_parent);
	assert_memory_equal(s.parent, first, 16);
	bk_snapshot_clear(&s);
	/* One file changed: only it is read. */
	randombytes_buf(buf, sizeof(buf));
	bfx_write_file(f->src, "small", buf, sizeof(buf));
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bfx_backup(f, &pg, id), 0);
	assert_int_equal(pg.files_read, 1);
	/* A new cache folder: everything read again, nothing new stored
	 * but a pack of trees. */
	coffer_backup_close(&f->r);
	strcat(f->cache, "2");
	bfx_open(f);
	puts = f->ts.puts;
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bfx_backup(f, &pg, id), 0);
	assert_true(pg.files_read >= 6);
	assert_int_equal(pg.bytes_new, 0);
	assert_int_equal(f->ts.puts, puts);
}

static void
test_resume(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	uint8_t id[16];
	int before;

	bfx_make_tree(f);
	f->ts.fail_after = 3;
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bfx_backup(f, &pg, id), COFFER_ERR_NETWORK);
	assert_true(f->ts.puts >= 1);
	before = f->ts.puts;
	coffer_backup_close(&f->r);
	f->ts.fail_after = -1;
	bfx_open(f);
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(bfx_backup(f, &pg, id), 0);
	/* The packs stored before the failure were not stored again:
	 * their chunks are not new. */
	assert_true(pg.bytes_new < 3u << 20);
	assert_true(f->ts.puts > before);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
}

/* Different keys cut the same file differently; packs are Padmé. */
static int
check_padme(const char *p, const struct stat *st, int flag, struct FTW *fw)
{
	(void)fw;
	if (flag == FTW_F && strstr(p, "/blobs/") != NULL &&
	    padme_bucket((uint64_t)st->st_size) != (uint64_t)st->st_size)
		return 1;
	return 0;
}

/* The cut offsets of one chunker over a buffer. */
struct cuts {
	size_t	end[1024];
	size_t	n;
};

static int
collect_cuts(void *ctx, size_t off, size_t len)
{
	struct cuts *c = ctx;

	if (c->n == sizeof(c->end) / sizeof(c->end[0]))
		return COFFER_ERR_TOOBIG;
	c->end[c->n++] = off + len;
	return 0;
}

static void
cut_with(const struct coffer_key *zone, const uint8_t *d, size_t len,
    struct cuts *c)
{
	struct bk_keyring *kr = NULL;
	struct coffer_cdc *cdc = NULL;

	memset(c, 0, sizeof(*c));
	assert_int_equal(bk_keyring_new(&kr, &zone, 1), 0);
	assert_int_equal(coffer_cdc_new(&cdc, kr->cdc, &bfx_small_cdc), 0);
	assert_int_equal(coffer_cdc_split(cdc, d, len, collect_cuts, c), 0);
	coffer_cdc_free(&cdc);
	bk_keyring_free(&kr);
}

static void
test_fingerprint_defence(void **state)
{
	struct bfx *f = *state;
	struct coffer_key *k2 = NULL;
	struct cuts *c1, *c2, *c3;
	uint8_t *d, id[16];
	size_t len = 1 << 20, i, j, same = 0;

	bfx_make_tree(f);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(nftw(f->repo, check_padme, 16, FTW_PHYS), 0);
	assert_int_equal(coffer_key_generate(&k2, COFFER_KEY_SYMMETRIC, 1), 0);
	d = malloc(len);
	c1 = malloc(sizeof(*c1));
	c2 = malloc(sizeof(*c2));
	c3 = malloc(sizeof(*c3));
	assert_true(d != NULL && c1 != NULL && c2 != NULL && c3 != NULL);
	randombytes_buf(d, len);
	cut_with(f->keys[0], d, len, c1);
	cut_with(k2, d, len, c2);
	cut_with(f->keys[0], d, len, c3);
	/* The same key cuts the same way; another key gives another whole
	 * sequence of sizes, sharing few cut points by chance. */
	assert_true(c1->n > 8 && c2->n > 8);
	assert_int_equal(c1->n, c3->n);
	assert_memory_equal(c1->end, c3->end, c1->n * sizeof(c1->end[0]));
	assert_false(c1->n == c2->n && memcmp(c1->end, c2->end,
	    c1->n * sizeof(c1->end[0])) == 0);
	for (i = 0, j = 0; i < c1->n - 1 && j < c2->n - 1;) {
		if (c1->end[i] == c2->end[j]) {
			same++;
			i++;
			j++;
		} else if (c1->end[i] < c2->end[j])
			i++;
		else
			j++;
	}
	assert_true(same * 4 < c1->n);
	free(d);
	free(c1);
	free(c2);
	free(c3);
	coffer_key_free(&k2);
}

static int
ls_count(void *arg, const struct coffer_backup_entry *e)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

static void
test_ls_and_subpath(void **state)
{
	struct bfx *f = *state;
	uint8_t id[16];
	char p[256];
	int n = 0;

	bfx_make_tree(f);
	{
		char q[256];

		snprintf(p, sizeof(p), "%s/sub/deeper/file", f->src);
		snprintf(q, sizeof(q), "%s/sub/twin", f->src);
		assert_int_equal(link(p, q), 0);
	}
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(coffer_backup_ls(f->r, id, NULL, ls_count, &n), 0);
	assert_true(n >= 12);
	n = 0;
	assert_int_equal(coffer_backup_ls(f->r, id, "data/sub", ls_count, &n),
	    0);
	assert_int_equal(n, 5);	/* sub, deeper, deeper/file, hard, twin */
	assert_int_equal(coffer_backup_ls(f->r, id, "data/nope", ls_count,
	    &n), COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_backup_restore(f->r, id, "data/sub/deeper",
	    f->dst, NULL), 0);
	snprintf(p, sizeof(p), "%s/deeper", f->dst);
	{
		char q[256];

		snprintf(q, sizeof(q), "%s/sub/deeper", f->src);
		tree_compare(q, p);
	}
	/* A sub-path with a leading '/' keeps its hard links inside. */
	assert_int_equal(coffer_backup_restore(f->r, id, "/data/sub", f->dst,
	    NULL), 0);
	{
		struct stat a, b;

		snprintf(p, sizeof(p), "%s/sub/deeper/file", f->dst);
		assert_int_equal(lstat(p, &a), 0);
		snprintf(p, sizeof(p), "%s/sub/twin", f->dst);
		assert_int_equal(lstat(p, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_dedup_and_incremental,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_resume,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_defence,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_ls_and_subpath,
		    bfx_setup, bfx_teardown),
	};

	return cmocka_run_group_tests_name("backup_engine", tests, NULL,
	    NULL);
}
