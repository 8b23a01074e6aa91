/* Restore under attack or failure (include/coffer/backup.h): a store
 * that lies (corrupt, missing, swapped bytes), a truncated index segment,
 * a full disk, symlinks planted in the target, and names that clash with
 * temporary names; each with its precise error, nothing restored before
 * damaged. The fixture is backup_fixture.h. */
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

#include "backup_fixture.h"
#include "tree_compare.h"

/* Remove every pack blob but keep the index: a precise NOTFOUND. */
static char *found_blob;

static int
first_blob(const char *p, const struct stat *st, int flag, struct FTW *fw)
{
	(void)st; (void)fw;
	if (flag == FTW_F && strstr(p, "/blobs/") != NULL &&
	    st->st_size > 200000 && found_blob == NULL)
		found_blob = strdup(p);
	return 0;
}

static void
test_lying_store(void **state)
{
	struct bfx *f = *state;
	uint8_t id[16];
	char p[512], out[256];

	bfx_make_tree(f);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(mkdir(f->dst, 0700), 0);
	/* corrupt bytes */
	f->ts.corrupt = 1;
	snprintf(out, sizeof(out), "%s/a", f->dst);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL),
	    COFFER_ERR_CORRUPT);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "pack"));
	f->ts.corrupt = 0;
	/* another blob's bytes */
	f->ts.swap = 1;
	memset(f->ts.other, 0xab, 32);
	snprintf(out, sizeof(out), "%s/b", f->dst);
	assert_int_not_equal(coffer_backup_restore(f->r, id, NULL, out, NULL),
	    0);
	f->ts.swap = 0;
	/* A good restore, then a failing one into the same place leaves
	 * the restored files intact. */
	snprintf(out, sizeof(out), "%s/c", f->dst);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL), 0);
	f->ts.corrupt = 1;
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL),
	    COFFER_ERR_CORRUPT);
	f->ts.corrupt = 0;
	snprintf(p, sizeof(p), "%s/data", out);
	tree_compare(f->src, p);
	snprintf(p, sizeof(p), "%s/data", out);
	bfx_no_tmp(p);
	/* Restoring over the files replaces them whole. */
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL), 0);
	snprintf(p, sizeof(p), "%s/data", out);
	tree_compare(f->src, p);
	snprintf(p, sizeof(p), "%s/data", out);
	bfx_no_tmp(p);
	/* a missing pack */
	nftw(f->repo, first_blob, 16, FTW_PHYS);
	{
		char *victim = found_blob;

		found_blob = NULL;
		assert_non_null(victim);
		assert_int_equal(unlink(victim), 0);
		free(victim);
	}
	snprintf(out, sizeof(out), "%s/d", f->dst);
	{
		int rc = coffer_backup_restore(f->r, id, NULL, out, NULL);

		assert_true(rc == COFFER_ERR_NOTFOUND);
		assert_non_null(strstr(coffer_backup_error_detail(f->r),
		    "missing"));
	}
}

/* The first index segment an INDEX ref names. */
struct segfind {
	struct bk_keyring *k;
	uint8_t		 id[32];
	int		 found;
};

static int
find_seg(void *arg, const uint8_t name[16], const uint8_t *p, size_t len)
{
	struct segfind *sf = arg;
	struct coffer_buf *body = coffer_buf_new_secret(1 << 20);
	uint8_t kind = BK_KIND_INDEX, (*segs)[BK_ID] = NULL;
	size_t n;

	assert_non_null(body);
	if (!sf->found && bk_box_open(sf->k, &kind, name, 16, p, len,
	    body) == 0 && bk_indexref_parse(coffer_buf_data(body),
	    coffer_buf_len(body), &segs, &n, NULL) == 0 && n > 0) {
		memcpy(sf->id, segs[0], 32);
		sf->found = 1;
	}
	free(segs);
	coffer_buf_free(&body);
	return 0;
}

/* A truncated index segment: a fresh cache cannot fold it; the open
 * fails as CORRUPT and its detail names the segment. */
static void
test_truncated_segment(void **state)
{
	struct bfx *f = *state;
	struct segfind sf;
	uint8_t id[16];
	char hex[65], path[256];
	struct stat st;

	bfx_make_tree(f);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	memset(&sf, 0, sizeof(sf));
	assert_int_equal(bk_keyring_new(&sf.k,
	    (const struct coffer_key *const *)f->keys, f->nkeys), 0);
	assert_int_equal(f->ts.in.ops->ref_list(f->ts.in.ctx, find_seg, &sf),
	    0);
	bk_keyring_free(&sf.k);
	assert_true(sf.found);
	repo_hex(hex, sf.id, 32);
	snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", f->repo, hex, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	coffer_backup_close(&f->r);
	tree_rm_rf(f->cache);
	assert_int_equal(bfx_open_ring(f, 0, f->nkeys), COFFER_ERR_CORRUPT);
	assert_non_null(f->r);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "index segment"));
	assert_non_null(strstr(coffer_backup_error_detail(f->r), hex));
	/* Cut below a box's size: the same. */
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(bfx_open_ring(f, 0, f->nkeys), COFFER_ERR_CORRUPT);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), hex));
}

/* A restore that fills the target's disk (a 2 MiB tmpfs, as root):
 * COFFER_ERR_NOSPACE naming the file; the files restored before it are
 * whole, and no temporary file is left. */
static void
test_restore_disk_full(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_options o;
	uint8_t id[16], *d;
	char name[16], p[256], q[256];
	struct stat st;
	int i, rc;

	if (geteuid() != 0) {
		print_message("skipped: mounting a small tmpfs needs root\n");
		return;
	}
	d = malloc(4 << 20);
	assert_non_null(d);
	randombytes_buf(d, 4 << 20);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		bfx_write_file(f->src, name, d + i * 65536, 65536);
	}
	bfx_write_file(f->src, "zbig", d, 4 << 20);
	free(d);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(mkdir(f->dst, 0700), 0);
	if (mount("tmpfs", f->dst, "tmpfs", 0, "size=2m") != 0) {
		print_message("skipped: mount tmpfs: %s\n", strerror(errno));
		return;
	}
	/* One worker: the files are restored in name order. */
	memset(&o, 0, sizeof(o));
	o.threads = 1;
	rc = coffer_backup_restore(f->r, id, NULL, f->dst, &o);
	assert_int_equal(rc, COFFER_ERR_NOSPACE);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "zbig"));
	for (i = 0; i < 8; i++) {
		snprintf(p, sizeof(p), "%s/data/a%d", f->dst, i);
		snprintf(q, sizeof(q), "%s/a%d", f->src, i);
		tree_compare(q, p);
	}
	snprintf(p, sizeof(p), "%s/data/zbig", f->dst);
	assert_int_not_equal(lstat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	bfx_no_tmp(p);
	assert_int_equal(umount(f->dst), 0);
}

/* A symbolic link planted in the target where the snapshot has a folder
 * is refused, and nothing lands where it points; links restored from
 * the snapshot are never followed either. */
static void
test_restore_symlink_escape(void **state)
{
	struct bfx *f = *state;
	struct rs s;
	const char *leaf;
	uint8_t id[16];
	char outside[128], p[256];

	snprintf(outside, sizeof(outside), "%s/outside", f->base);
	assert_int_equal(mkdir(outside, 0700), 0);
	assert_int_equal(mkdir(f->dst, 0700), 0);
	bfx_write_file(f->src, "file", (const uint8_t *)"secret", 6);
	assert_int_equal(symlink(outside, strcat(strcpy(p, f->src), "/s")),
	    0);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	/* planted: out/data -> outside */
	snprintf(p, sizeof(p), "%s/data", f->dst);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    COFFER_ERR_IO);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "data"));
	bfx_empty_dir(outside);
	/* A good restore puts the snapshot's own link s back as a link. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	tree_compare(f->src, p);
	bfx_empty_dir(outside);
	/* Paths through it (as a hard link's target) do not resolve. */
	memset(&s, 0, sizeof(s));
	s.tfd = open(f->dst, O_RDONLY | O_DIRECTORY);
	assert_true(s.tfd >= 0);
	assert_int_equal(rs_parent(&s, "data/s/x", &leaf), -1);
	assert_int_equal(rs_parent(&s, "data/../../x", &leaf), -1);
	assert_true((s.tfd = rs_parent(&s, "data/file", &leaf)) >= 0);
	assert_string_equal(leaf, "file");
	close(s.tfd);
}

/* A file named like an old temporary name restores beside its twin. */
static void
test_restore_tmp_names(void **state)
{
	struct bfx *f = *state;
	uint8_t id[16];
	char p[256];

	bfx_write_file(f->src, "x", (const uint8_t *)"one", 3);
	bfx_write_file(f->src, "x.coffer-tmp", (const uint8_t *)"two!", 4);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	tree_compare(f->src, p);
	/* again, over the restored files */
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	tree_compare(f->src, p);
	bfx_no_tmp(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lying_store,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_segment,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_restore_disk_full,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_restore_symlink_escape,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_restore_tmp_names,
		    bfx_setup, bfx_teardown),
	};

	return cmocka_run_group_tests_name("backup_restore", tests, NULL,
	    NULL);
}
