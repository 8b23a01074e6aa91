/* Deduplication keys on a chunk's id and its type (docs/PROTOCOL-backup.md,
 * "Chunks and ids"): a file whose bytes equal a stored tree has the
 * tree's id, and must be stored as a data chunk of its own, restore,
 * check clean and survive prune beside the tree. The fixture is
 * backup_fixture.h. */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <coffer/backup.h>
#include <coffer/buf.h>
#include <coffer/err.h>

#include "backup/format.h"
#include "backup/repo.h"
#include "backup/walk.h"

#include "backup_fixture.h"
#include "tree_compare.h"

struct find_dir {
	const char	*name;
	uint8_t		 id[BK_ID];
	int		 found;
};

static int
find_dir(void *arg, const char *path, const struct bk_node *n, int ev)
{
	struct find_dir *d = arg;

	(void)path;
	if (ev == WALK_ENTER && n->type == BK_DIR &&
	    n->name_len == strlen(d->name) &&
	    memcmp(n->name, d->name, n->name_len) == 0) {
		memcpy(d->id, n->subtree, BK_ID);
		d->found = 1;
	}
	return 0;
}

static void
on_problem(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level == COFFER_CHECK_ERROR)
		print_error("check: %s\n", msg);
}

static void
check_clean(struct bfx *f)
{
	struct coffer_backup_check_options o = { 1, on_problem, NULL };
	struct coffer_backup_check_stats st;

	assert_int_equal(coffer_backup_check(f->r, &o, &st), 0);
	assert_int_equal(st.errors, 0);
}

static void
restore_compare(struct bfx *f, const uint8_t id[16])
{
	char p[256];

	tree_rm_rf(f->dst);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	tree_compare(f->src, p);
}

/* A folder of empty files has a predictable tree; a file holding exactly
 * those bytes is backed up beside it. */
static void
test_file_equal_to_tree(void **state)
{
	struct bfx *f = *state;
	struct find_dir d = { "empty", { 0 }, 0 };
	struct repo_reader rd;
	struct coffer_buf *tree;
	struct coffer_backup_policy pol;
	struct coffer_backup_prune_stats ps;
	uint8_t id1[16], id2[16];
	char p[256], *path;
	static const char *names[] = { "a", "b", "c" };
	size_t i;

	snprintf(p, sizeof(p), "%s/empty", f->src);
	assert_int_equal(mkdir(p, 0750), 0);
	for (i = 0; i < 3; i++)
		bfx_write_file(p, names[i], (const uint8_t *)"", 0);
	assert_int_equal(bfx_backup(f, NULL, id1), 0);

	/* The stored tree of "empty", read through the engine. */
	assert_non_null(path = malloc(WALK_PATH_MAX + 1));
	assert_int_equal(walk_snapshot(f->r, id1, NULL, path, find_dir, &d),
	    0);
	free(path);
	assert_true(d.found);
	assert_non_null(tree = coffer_buf_new(4096));
	assert_int_equal(repo_reader_init(&rd, f->r->kr), 0);
	assert_int_equal(repo_read_chunk(f->r, &rd, d.id, BK_TREE, tree), 0);
	repo_reader_clear(&rd);
	assert_true(coffer_buf_len(tree) > 0);
	bfx_write_file(f->src, "lookalike", coffer_buf_data(tree),
	    coffer_buf_len(tree));
	coffer_buf_free(&tree);

	assert_int_equal(bfx_backup(f, NULL, id2), 0);
	restore_compare(f, id2);
	check_clean(f);

	/* Prune keeps both chunks: with the first snapshot forgotten, the
	 * tree is still named by the second, and so is the file. */
	memset(&pol, 0, sizeof(pol));
	pol.keep_last = 1;
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	assert_int_equal(coffer_backup_prune(f->r, NULL, &ps), 0);
	check_clean(f);
	restore_compare(f, id2);

	/* A fresh cache folder rebuilds the index from the segments: both
	 * entries come back. */
	coffer_backup_close(&f->r);
	tree_rm_rf(f->cache);
	assert_int_equal(mkdir(f->cache, 0700), 0);
	bfx_open(f);
	restore_compare(f, id2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_equal_to_tree,
		    bfx_setup, bfx_teardown),
	};

	return cmocka_run_group_tests_name("backup_dedup", tests, NULL, NULL);
}
