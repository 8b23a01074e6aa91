/* Trees (docs/PROTOCOL-backup.md, "Tree"): known-answer vectors
 * (tests/vectors/backup-tree.txt, written by --write-vectors) with every
 * node field spelled out, and the table of the decoder's rejections with
 * its precise error; the same table makes the bad vectors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>

#include "backup_vec.h"

/* ---- trees ---- */

#define NODE(nm, ty, md, u, g, us, gr, mt, ct, sz)			\
	.name = (const uint8_t *)(nm), .name_len = sizeof(nm) - 1,	\
	.type = (ty), .mode = (md), .uid = (u), .gid = (g),		\
	.user = (const uint8_t *)(us), .user_len = sizeof(us) - 1,	\
	.group = (const uint8_t *)(gr), .group_len = sizeof(gr) - 1,	\
	.mtime_ns = (mt), .ctime_ns = (ct), .size = (sz)
#define TARGET(t)	.target = (const uint8_t *)(t), .target_len = sizeof(t) - 1

static uint8_t g_ids[3 * BK_ID];

/* Extents of the sparse file: 8 KiB at 4 KiB, 4 KiB at 64 KiB. */
static const uint8_t g_ext[2 * BK_EXTENT] = {
	0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x20, 0,
	0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0,
};

/* Good trees: every kind with xattrs; a file; two minimal fifos; a hard
 * link; empty. Built by tree_make from these nodes. */
static const struct bk_node g_all[] = {
	{ NODE("a.txt", BK_FILE, 0644, 1000, 1000, "alice", "staff",
	    1700000000123456789, 1700000001000000000, 12345),
	    .chunks = g_ids, .nchunks = 2 },
	{ NODE("bin", BK_DIR, 0755, 0, 0, "root", "root", 1, 2, 0),
	    .subtree = g_ids + 2 * BK_ID },
	{ NODE("dev0", BK_CHR, 0600, 0, 6, "root", "disk", 3, 4, 0),
	    .rdev = 0x0801 },
	{ NODE("fifo", BK_FIFO, 0640, 7, 8, "", "", 5, 6, 0) },
	{ NODE("hard", BK_HARDLINK, 0644, 1000, 1000, "alice", "staff",
	    1700000000123456789, 1700000001000000000, 12345),
	    TARGET("a.txt") },
	{ NODE("link", BK_SYMLINK, 0777, 1000, 1000, "alice", "staff", 9, 10,
	    0), TARGET("../etc/x") },
	{ NODE("sock", BK_SOCK, 0755, 1, 1, "u", "g", 11, 12, 0) },
	{ NODE("zblk", BK_BLK, 0660, 0, 6, "root", "disk", 13, 14, 0),
	    .rdev = 0x0700 },
};
static const struct bk_node g_one[] = {
	{ NODE("a", BK_FILE, 0644, 1, 2, "u", "g", 3, 4, 5), .chunks = g_ids,
	    .nchunks = 1 },
};
static const struct bk_node g_fifos[] = {
	{ NODE("a", BK_FIFO, 0, 0, 0, "", "", 0, 0, 0) },
	{ NODE("b", BK_FIFO, 0, 0, 0, "", "", 0, 0, 0) },
};
static const struct bk_node g_link[] = {
	{ NODE("h", BK_HARDLINK, 0, 0, 0, "", "", 0, 0, 0), TARGET("x/y") },
};
/* A tree of version 2: a sparse file, a dense one, a file that is one
 * hole. */
static const struct bk_node g_sparse[] = {
	{ NODE("a", BK_FILE, 0644, 1, 2, "u", "g", 3, 4, 1 << 20),
	    .chunks = g_ids, .nchunks = 1, .sparse = 1, .extents = g_ext,
	    .nextents = 2 },
	{ NODE("b", BK_FILE, 0644, 1, 2, "u", "g", 3, 4, 5), .chunks = g_ids,
	    .nchunks = 1 },
	{ NODE("h", BK_FILE, 0600, 0, 0, "", "", 0, 0, 4096), .sparse = 1 },
};
static const struct {
	const char *name;
	const struct bk_node *n;
	size_t count;
	int xattrs;	/* node 0 gets two xattrs */
} gtrees[] = {
	{ "all-kinds", g_all, BV_COUNT(g_all), 1 },
	{ "one-file", g_one, 1, 1 },
	{ "two-fifos", g_fifos, 2, 0 },
	{ "hard-link", g_link, 1, 0 },
	{ "empty", NULL, 0, 0 },
	{ "sparse", g_sparse, BV_COUNT(g_sparse), 0 },
};

static const struct bv_edit tree_edits[] = {
	{ "version-3", 1, BV_OUTER, BV_SET, 0, 3, COFFER_ERR_VERSION },
	/* version 2 is for trees with a sparse file, and the reverse */
	{ "version-2-dense", 1, BV_OUTER, BV_SET, 0, 2, COFFER_ERR_FORMAT },
	{ "sparse-in-version-1", 5, BV_OUTER, BV_SET, 0, 1,
	    COFFER_ERR_FORMAT },
	{ "extent-empty", 5, BV_OUTER, BV_SET32, 101, 0, COFFER_ERR_FORMAT },
	{ "extents-overlap", 5, BV_OUTER, BV_SET32, 109, 8192,
	    COFFER_ERR_FORMAT },
	{ "extents-touch", 5, BV_OUTER, BV_SET32, 109, 12288,
	    COFFER_ERR_FORMAT },
	{ "extent-past-size", 5, BV_OUTER, BV_SET32, 109, (1 << 20) - 100,
	    COFFER_ERR_FORMAT },
	{ "extent-whole-file", 5, BV_OUTER, BV_SET32, 101, 1 << 20,
	    COFFER_ERR_FORMAT },
	{ "nextents-over-cap", 5, BV_OUTER, BV_SET32, 85, BK_EXTENTS_MAX + 1,
	    COFFER_ERR_TOOBIG },
	{ "cut-in-extents", 5, BV_OUTER, BV_CUT, 100, 0,
	    COFFER_ERR_TRUNCATED },
	{ "empty-input", 1, BV_OUTER, BV_CUT, 0, 0, COFFER_ERR_TRUNCATED },
	{ "count-long", 1, BV_OUTER, BV_SET32, 1, 2, COFFER_ERR_TRUNCATED },
	{ "cut-in-node", 1, BV_OUTER, BV_CUT, 60, 0, COFFER_ERR_TRUNCATED },
	{ "trailing-byte", 1, BV_OUTER, BV_ADD, 0, 0, COFFER_ERR_TRAILING },
	{ "name-slash", 1, BV_OUTER, BV_SET, 7, '/', COFFER_ERR_FORMAT },
	{ "name-nul", 1, BV_OUTER, BV_SET, 7, 0, COFFER_ERR_FORMAT },
	{ "name-dot", 1, BV_OUTER, BV_SET, 7, '.', COFFER_ERR_FORMAT },
	{ "type-0", 1, BV_OUTER, BV_SET, 8, 0, COFFER_ERR_FORMAT },
	{ "type-9", 1, BV_OUTER, BV_SET, 8, 9, COFFER_ERR_FORMAT },
	{ "mode-over-07777", 1, BV_OUTER, BV_SET, 11, 0x10,
	    COFFER_ERR_FORMAT },
	{ "user-nul", 1, BV_OUTER, BV_SET, 22, 0, COFFER_ERR_FORMAT },
	{ "nchunks-over-input", 1, BV_OUTER, BV_SET32, 49, 0x200001,
	    COFFER_ERR_TRUNCATED },
	{ "xattr-value-over-cap", 1, BV_OUTER, BV_SET32, 89,
	    BK_XATTR_VALUE_MAX + 1, COFFER_ERR_TOOBIG },
	{ "xattrs-unsorted", 1, BV_OUTER, BV_SET, 88, 'z',
	    COFFER_ERR_FORMAT },
	{ "xattrs-duplicate", 1, BV_OUTER, BV_SET, 88, 'b',
	    COFFER_ERR_FORMAT },
	{ "unsorted", 2, BV_OUTER, BV_SET, 7, 'c', COFFER_ERR_FORMAT },
	{ "duplicate", 2, BV_OUTER, BV_SET, 51, 'a', COFFER_ERR_FORMAT },
	{ "hard-link-dot", 3, BV_OUTER, BV_SET, 49, '.', COFFER_ERR_FORMAT },
	{ "hard-link-absolute", 3, BV_OUTER, BV_SET, 49, '/',
	    COFFER_ERR_FORMAT },
};

/* Tree i's plaintext into b. */
static void
tree_make(size_t i, struct coffer_buf *b)
{
	struct coffer_buf *x = coffer_buf_new(1024);
	struct bk_node n;
	size_t j;

	bv_fill(g_ids, sizeof(g_ids), 0x21);
	if (x == NULL || bk_xattr_put(x, "a", 1, (const uint8_t *)"1", 1) != 0 ||
	    bk_xattr_put(x, "b", 1, (const uint8_t *)"xyz", 3) != 0 ||
	    bk_tree_begin(b) != 0)
		abort();
	for (j = 0; j < gtrees[i].count; j++) {
		n = gtrees[i].n[j];
		if (j == 0 && gtrees[i].xattrs) {
			n.xattrs = coffer_buf_data(x);
			n.xattrs_len = coffer_buf_len(x);
			n.nxattrs = 2;
		}
		if (bk_tree_add(b, &n, j ? gtrees[i].n[j - 1].name : NULL,
		    j ? gtrees[i].n[j - 1].name_len : 0) != 0)
			abort();
	}
	if (bk_tree_end(b, (uint32_t)gtrees[i].count) != 0)
		abort();
	coffer_buf_free(&x);
}

static int
tree_reject(const struct bv_edit *e, struct coffer_buf *b)
{
	struct bk_node *n = NULL;
	size_t count;
	int r;

	tree_make((size_t)e->base, b);
	bv_apply(b, e);
	r = bk_tree_decode(coffer_buf_data(b), coffer_buf_len(b), &n, &count);
	free(n);
	return r;
}

/* A quoted field as bytes (freed by the caller), or -1. */
static int
tree_str(const struct vec *v, const char *f, const uint8_t **p, size_t *len)
{
	char *s = vec_str(v, f);

	if (s == NULL)
		return -1;
	*p = (const uint8_t *)s;
	*len = strlen(s);
	return 0;
}

/* Node i of the vector into n; strings and bytes are appended to keep
 * (freed by the caller). */
static int
tree_field_node(const struct vec *v, size_t i, struct bk_node *n,
    struct coffer_buf *x, uint8_t **keep, size_t *nkeep)
{
	static const char *const nums[] = { "type", "mode", "uid", "gid",
	    "mtime", "ctime", "size", "nxattrs" };
	uint64_t u[8], j;
	uint8_t *h;
	size_t l;
	char f[64], *val;

	memset(n, 0, sizeof(*n));
	for (j = 0; j < 8; j++) {
		snprintf(f, sizeof(f), "n%zu_%s", i, nums[j]);
		if (vec_u64(v, f, &u[j]))
			return -1;
	}
	if (u[0] > 255 || u[1] > UINT32_MAX || u[2] > UINT32_MAX ||
	    u[3] > UINT32_MAX || u[7] > 2)
		return -1;
	n->type = (uint8_t)u[0];
	n->mode = (uint32_t)u[1];
	n->uid = (uint32_t)u[2];
	n->gid = (uint32_t)u[3];
	n->mtime_ns = (int64_t)u[4];
	n->ctime_ns = (int64_t)u[5];
	n->size = u[6];
	n->nxattrs = (uint16_t)u[7];
#define STR(fl, p, len) do {						\
	snprintf(f, sizeof(f), "n%zu_%s", i, fl);			\
	if (tree_str(v, f, &p, &len))					\
		return -1;						\
	keep[(*nkeep)++] = (uint8_t *)(uintptr_t)p;			\
} while (0)
	STR("name", n->name, n->name_len);
	STR("user", n->user, n->user_len);
	STR("group", n->group, n->group_len);
	if (n->type == BK_SYMLINK || n->type == BK_HARDLINK)
		STR("target", n->target, n->target_len);
#undef STR
	snprintf(f, sizeof(f), "n%zu_rdev", i);
	if ((n->type == BK_CHR || n->type == BK_BLK) &&
	    vec_u64(v, f, &n->rdev))
		return -1;
	snprintf(f, sizeof(f), "n%zu_%s", i, n->type == BK_DIR ? "subtree" :
	    "chunks");
	if (n->type == BK_DIR || n->type == BK_FILE) {
		if (vec_hex(v, f, &h, &l) || (keep[(*nkeep)++] = h, 0) ||
		    l % BK_ID != 0 || (n->type == BK_DIR && l != BK_ID))
			return -1;
		n->subtree = n->type == BK_DIR ? h : NULL;
		n->chunks = n->type == BK_FILE ? h : NULL;
		n->nchunks = n->type == BK_FILE ? (uint32_t)(l / BK_ID) : 0;
	}
	snprintf(f, sizeof(f), "n%zu_extents", i);
	if (n->type == BK_FILE && vec_get(v, f) != NULL) {
		if (vec_hex(v, f, &h, &l) || (keep[(*nkeep)++] = h, 0) ||
		    l % BK_EXTENT != 0)
			return -1;
		n->sparse = 1;
		n->extents = h;
		n->nextents = (uint32_t)(l / BK_EXTENT);
	}
	coffer_buf_reset(x);
	for (j = 0; j < n->nxattrs; j++) {
		snprintf(f, sizeof(f), "n%zu_x%u_name", i, (unsigned)j);
		if ((val = vec_str(v, f)) == NULL)
			return -1;
		keep[(*nkeep)++] = (uint8_t *)val;
		snprintf(f, sizeof(f), "n%zu_x%u_value", i, (unsigned)j);
		if (vec_hex(v, f, &h, &l) || (keep[(*nkeep)++] = h, 0) ||
		    bk_xattr_put(x, val, strlen(val), h, l) != 0)
			return -1;
	}
	return 0;
}

static int
node_eq(const struct bk_node *a, const struct bk_node *b)
{
#define BEQ(p, l) (a->l == b->l && (a->l == 0 || memcmp(a->p, b->p, a->l) == 0))
	return BEQ(name, name_len) && a->type == b->type &&
	    a->mode == b->mode && a->uid == b->uid && a->gid == b->gid &&
	    BEQ(user, user_len) && BEQ(group, group_len) &&
	    a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
	    a->size == b->size && a->rdev == b->rdev &&
	    BEQ(target, target_len) && a->nchunks == b->nchunks &&
	    a->sparse == b->sparse && a->nextents == b->nextents &&
	    (a->nextents == 0 || memcmp(a->extents, b->extents,
	    (size_t)a->nextents * BK_EXTENT) == 0) &&
	    (a->nchunks == 0 || memcmp(a->chunks, b->chunks,
	    (size_t)a->nchunks * BK_ID) == 0) &&
	    (a->subtree == NULL) == (b->subtree == NULL) &&
	    (a->subtree == NULL || memcmp(a->subtree, b->subtree, BK_ID) == 0) &&
	    a->nxattrs == b->nxattrs && BEQ(xattrs, xattrs_len);
#undef BEQ
}

static int
check_tree(const struct vec *v)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	struct coffer_buf *x = coffer_buf_new(1 << 20);
	struct bk_node *got = NULL, n, prev;
	uint8_t *tree = NULL, *keep[8 * 16 + 8];
	uint64_t count;
	size_t len, ngot, i, nkeep = 0;
	int expect, bad = 1;

	memset(&prev, 0, sizeof(prev));
	if (b == NULL || x == NULL || vec_err(v, "expect", &expect) ||
	    vec_hex(v, "tree", &tree, &len) ||
	    bk_tree_decode(tree, len, &got, &ngot) != expect)
		goto out;
	if (expect == 0) {
		if (vec_u64(v, "count", &count) || count != ngot || count > 8 ||
		    bk_tree_begin(b) != 0)
			goto out;
		for (i = 0; i < count; i++) {
			if (tree_field_node(v, i, &n, x, keep, &nkeep))
				goto out;
			n.xattrs = coffer_buf_data(x);
			n.xattrs_len = coffer_buf_len(x);
			if (bk_tree_add(b, &n, prev.name, prev.name_len) != 0 ||
			    !node_eq(&n, &got[i]))
				goto out;
			prev = n;
		}
		if (bk_tree_end(b, (uint32_t)count) != 0 ||
		    coffer_buf_len(b) != len ||
		    memcmp(coffer_buf_data(b), tree, len) != 0)
			goto out;
	}
	bad = 0;
out:
	while (nkeep > 0)
		free(keep[--nkeep]);
	coffer_buf_free(&b);
	coffer_buf_free(&x);
	free(got);
	free(tree);
	return bad;
}

static void
w_str(FILE *f, const char *field, const uint8_t *p, size_t len)
{
	char s[256];

	memcpy(s, p, len);
	s[len] = '\0';
	vec_w_str(f, field, s);
}

static void
w_node(FILE *f, size_t i, const struct bk_node *n)
{
	size_t off = 0, j, nl, vl;
	const uint8_t *np, *vp;
	char fl[64];

#define FL(x)	(snprintf(fl, sizeof(fl), "n%zu_%s", i, x), fl)
	w_str(f, FL("name"), n->name, n->name_len);
	vec_w_u64(f, FL("type"), n->type);
	vec_w_u64(f, FL("mode"), n->mode);
	vec_w_u64(f, FL("uid"), n->uid);
	vec_w_u64(f, FL("gid"), n->gid);
	w_str(f, FL("user"), n->user, n->user_len);
	w_str(f, FL("group"), n->group, n->group_len);
	vec_w_u64(f, FL("mtime"), (uint64_t)n->mtime_ns);
	vec_w_u64(f, FL("ctime"), (uint64_t)n->ctime_ns);
	vec_w_u64(f, FL("size"), n->size);
	if (n->type == BK_FILE)
		vec_w_hex(f, FL("chunks"), n->chunks,
		    (size_t)n->nchunks * BK_ID);
	if (n->type == BK_FILE && n->sparse)
		vec_w_hex(f, FL("extents"), n->extents,
		    (size_t)n->nextents * BK_EXTENT);
	if (n->type == BK_DIR)
		vec_w_hex(f, FL("subtree"), n->subtree, BK_ID);
	if (n->type == BK_SYMLINK || n->type == BK_HARDLINK)
		w_str(f, FL("target"), n->target, n->target_len);
	if (n->type == BK_CHR || n->type == BK_BLK)
		vec_w_u64(f, FL("rdev"), n->rdev);
	vec_w_u64(f, FL("nxattrs"), n->nxattrs);
#undef FL
	for (j = 0; j < n->nxattrs; j++) {
		bk_xattr_next(n->xattrs, &off, &np, &nl, &vp, &vl);
		snprintf(fl, sizeof(fl), "n%zu_x%zu_name", i, j);
		w_str(f, fl, np, nl);
		snprintf(fl, sizeof(fl), "n%zu_x%zu_value", i, j);
		vec_w_hex(f, fl, vp, vl);
	}
}

static int
w_tree(FILE *f)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	struct bk_node *n = NULL;
	size_t i, j, count;
	int r;

	fprintf(f, "# Tree plaintexts (the content of type-1 chunks): version | "
	    "count | nodes sorted\n# by name. Good ones rebuild from the "
	    "fields of each node n<i>_...\n");
	for (i = 0; i < BV_COUNT(gtrees); i++) {
		tree_make(i, b);
		if (bk_tree_decode(coffer_buf_data(b), coffer_buf_len(b), &n,
		    &count) != 0)
			return -1;
		vec_w_begin(f, gtrees[i].name);
		vec_w_u64(f, "count", count);
		for (j = 0; j < count; j++)
			w_node(f, j, &n[j]);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "tree", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
		free(n);
		n = NULL;
	}
	for (i = 0; i < BV_COUNT(tree_edits); i++) {
		if ((r = tree_reject(&tree_edits[i], b)) !=
		    tree_edits[i].expect) {
			fprintf(stderr, "tree %s: got %s\n", tree_edits[i].name,
			    vec_errword(r));
			return -1;
		}
		vec_w_begin(f, tree_edits[i].name);
		vec_w_word(f, "expect", vec_errword(tree_edits[i].expect));
		vec_w_hex(f, "tree", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	coffer_buf_free(&b);
	return 0;
}

static void
test_tree_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-tree.txt", check_tree, 20);
}

/* The rejection table, live. */
static void
test_rejections(void **state)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	size_t i;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < BV_COUNT(tree_edits); i++)
		assert_int_equal(tree_reject(&tree_edits[i], b),
		    tree_edits[i].expect);
	coffer_buf_free(&b);
}

/* The encoder refuses what the decoder would: a node out of order, a
 * bad name, an unknown type (they share node_valid). */
static void
test_encoder_refuses(void **state)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	struct bk_node n = g_fifos[0];

	(void)state;
	assert_non_null(b);
	assert_int_equal(bk_tree_begin(b), 0);
	assert_int_equal(bk_tree_add(b, &g_fifos[1], NULL, 0), 0);
	assert_int_equal(bk_tree_add(b, &n, g_fifos[1].name, 1),
	    COFFER_ERR_FORMAT);
	assert_int_equal(bk_tree_add(b, &n, n.name, 1), COFFER_ERR_FORMAT);
	n.name = (const uint8_t *)"..";
	n.name_len = 2;
	assert_int_equal(bk_tree_add(b, &n, NULL, 0), COFFER_ERR_FORMAT);
	n = g_fifos[0];
	n.type = 0;
	assert_int_equal(bk_tree_add(b, &n, NULL, 0), COFFER_ERR_FORMAT);
	n = g_fifos[0];
	n.mode = 010000;
	assert_int_equal(bk_tree_add(b, &n, NULL, 0), COFFER_ERR_FORMAT);
	/* sparse files: chunks without extents, extents without chunks,
	 * size 0, extents over the cap */
	n = g_sparse[2];
	n.chunks = g_ids;
	n.nchunks = 1;
	assert_int_equal(bk_tree_add(b, &n, NULL, 0), COFFER_ERR_FORMAT);
	n = g_sparse[0];
	n.nchunks = 0;
	assert_int_equal(bk_tree_add(b, &n, NULL, 0), COFFER_ERR_FORMAT);
	n = g_sparse[2];
	n.size = 0;
	assert_int_equal(bk_tree_add(b, &n, NULL, 0), COFFER_ERR_FORMAT);
	n = g_sparse[0];
	n.nextents = BK_EXTENTS_MAX + 1;
	assert_int_equal(bk_tree_add(b, &n, NULL, 0), COFFER_ERR_TOOBIG);
	/* a tree of dense files stays version 1, one with a sparse file is
	 * version 2 */
	assert_int_equal(coffer_buf_data(b)[0], 1);
	assert_int_equal(bk_tree_add(b, &g_sparse[0], NULL, 0), 0);
	assert_int_equal(coffer_buf_data(b)[0], 2);
	coffer_buf_free(&b);
}

static int
write_vectors(const char *dir)
{
	static const struct bv_file files[] = {
		{ "backup-tree.txt", w_tree },
	};

	return bv_write_files(dir, files, BV_COUNT(files));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_vectors),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_encoder_refuses),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("backup_tree", tests, NULL, NULL);
}
