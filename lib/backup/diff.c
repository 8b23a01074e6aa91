/* coffer_backup_diff: two snapshots' trees merged by name. A pair of
 * folders with the same subtree id is equal all the way down and is not
 * fetched; files compare by size and chunk list. The bytes added and
 * removed are counted over chunk ids (a bit per index slot on each
 * side), so a chunk that moved between changed files costs nothing. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/tcache.h"
#include "backup/walk.h"

struct dctx {
	struct coffer_backup_repo	*r;
	struct tcache			 tc;
	coffer_backup_change_fn		 fn;
	void				*arg;
	struct coffer_backup_diff_stats	 st;
	char				*path;
	uint8_t				*bits[2];	/* 0 old, 1 new */
	uint64_t			 nslots;
};

static void
count(struct dctx *d, int what, int type)
{
	uint64_t *f, *dr, *o;

	if (what == COFFER_DIFF_ADDED) {
		f = &d->st.files_added;
		dr = &d->st.dirs_added;
		o = &d->st.others_added;
	} else if (what == COFFER_DIFF_REMOVED) {
		f = &d->st.files_removed;
		dr = &d->st.dirs_removed;
		o = &d->st.others_removed;
	} else {
		f = &d->st.files_changed;
		dr = &d->st.dirs_changed;
		o = &d->st.others_changed;
	}
	if (type == BK_FILE || type == BK_HARDLINK)
		(*f)++;
	else if (type == BK_DIR)
		(*dr)++;
	else
		(*o)++;
}

static int
emit(struct dctx *d, int what, const struct bk_node *old,
    const struct bk_node *new)
{
	struct coffer_backup_change c;

	memset(&c, 0, sizeof(c));
	c.path = d->path;
	c.what = what;
	c.type = new != NULL ? new->type : old->type;
	c.old_type = old != NULL ? old->type : 0;
	c.old_size = old != NULL ? old->size : 0;
	c.new_size = new != NULL ? new->size : 0;
	count(d, what, c.type);
	return d->fn != NULL ? d->fn(d->arg, &c) : 0;
}

/* Note the data chunks of a file on one side. */
static void
mark(struct dctx *d, int side, const struct bk_node *n)
{
	uint64_t slot;
	uint32_t i;

	if (n->type != BK_FILE || d->bits[side] == NULL)
		return;
	for (i = 0; i < n->nchunks; i++)
		if (cidx_slot(d->r->idx, n->chunks + (size_t)i * BK_ID,
		    BK_DATA, &slot) == 0)
			d->bits[side][slot / 8] |= (uint8_t)(1u << (slot % 8));
}

static int
push(struct dctx *d, size_t plen, const struct bk_node *n, size_t *l)
{
	*l = plen;
	if (plen + 1 + n->name_len > WALK_PATH_MAX)
		return repo_fail(d->r, COFFER_ERR_TOOBIG, "path too long");
	if (plen > 0)
		d->path[(*l)++] = '/';
	memcpy(d->path + *l, n->name, n->name_len);
	*l += n->name_len;
	d->path[*l] = '\0';
	return 0;
}

static int side_tree(struct dctx *, int, const uint8_t *, size_t,
    unsigned);

/* A node only one side has (side 0: removed, 1: added), and everything
 * below it. */
static int
side_node(struct dctx *d, int side, const struct bk_node *n, size_t l,
    unsigned depth)
{
	int rc;

	if ((rc = emit(d, side ? COFFER_DIFF_ADDED : COFFER_DIFF_REMOVED,
	    side ? NULL : n, side ? n : NULL)) != 0)
		return rc;
	mark(d, side, n);
	if (n->type == BK_DIR)
		return side_tree(d, side, n->subtree, l, depth + 1);
	return 0;
}

static int
side_tree(struct dctx *d, int side, const uint8_t *id, size_t plen,
    unsigned depth)
{
	struct tc_tree *t = NULL;
	size_t i, l;
	int rc;

	if (depth > 4096)
		return repo_fail(d->r, COFFER_ERR_CORRUPT,
		    "trees nest too deep");
	if ((rc = tc_get(&d->tc, id, &t)) != 0)
		return rc;
	for (i = 0; i < t->n && rc == 0; i++)
		if ((rc = push(d, plen, &t->v[i], &l)) == 0)
			rc = side_node(d, side, &t->v[i], l, depth);
	d->path[plen] = '\0';
	tc_put(&d->tc, t);
	return rc;
}

static int
bytes_eq(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

static int
content_eq(const struct bk_node *a, const struct bk_node *b)
{
	switch (a->type) {
	case BK_FILE:
		return a->size == b->size && a->nchunks == b->nchunks &&
		    bytes_eq(a->chunks, (size_t)a->nchunks * BK_ID, b->chunks,
		    (size_t)b->nchunks * BK_ID) && a->sparse == b->sparse &&
		    bytes_eq(a->extents, (size_t)a->nextents * BK_EXTENT,
		    b->extents, (size_t)b->nextents * BK_EXTENT);
	case BK_SYMLINK: case BK_HARDLINK:
		return a->size == b->size && bytes_eq(a->target, a->target_len,
		    b->target, b->target_len);
	case BK_CHR: case BK_BLK:
		return a->rdev == b->rdev;
	default:
		return 1;
	}
}

static int
meta_eq(const struct bk_node *a, const struct bk_node *b)
{
	return a->mode == b->mode && a->uid == b->uid && a->gid == b->gid &&
	    a->mtime_ns == b->mtime_ns &&
	    bytes_eq(a->user, a->user_len, b->user, b->user_len) &&
	    bytes_eq(a->group, a->group_len, b->group, b->group_len) &&
	    a->nxattrs == b->nxattrs &&
	    bytes_eq(a->xattrs, a->xattrs_len, b->xattrs, b->xattrs_len);
}

static int pair_tree(struct dctx *, const uint8_t *, const uint8_t *, size_t,
    unsigned);

/* The same name on both sides. */
static int
pair_node(struct dctx *d, const struct bk_node *a, const struct bk_node *b,
    size_t l, unsigned depth)
{
	int rc;

	if (a->type != b->type) {
		if ((rc = emit(d, COFFER_DIFF_TYPE, a, b)) != 0)
			return rc;
		mark(d, 0, a);
		mark(d, 1, b);
		if (a->type == BK_DIR &&
		    (rc = side_tree(d, 0, a->subtree, l, depth + 1)) != 0)
			return rc;
		d->path[l] = '\0';
		if (b->type == BK_DIR &&
		    (rc = side_tree(d, 1, b->subtree, l, depth + 1)) != 0)
			return rc;
		return 0;
	}
	if (!content_eq(a, b)) {
		mark(d, 0, a);
		mark(d, 1, b);
		return emit(d, COFFER_DIFF_CONTENT, a, b);
	}
	if (!meta_eq(a, b) && (rc = emit(d, COFFER_DIFF_META, a, b)) != 0)
		return rc;
	if (a->type == BK_DIR && memcmp(a->subtree, b->subtree, BK_ID) != 0)
		return pair_tree(d, a->subtree, b->subtree, l, depth + 1);
	return 0;
}

static int
pair_tree(struct dctx *d, const uint8_t *ida, const uint8_t *idb,
    size_t plen, unsigned depth)
{
	struct tc_tree *ta = NULL, *tb = NULL;
	size_t i = 0, j = 0, l;
	int rc, c;

	if (depth > 4096)
		return repo_fail(d->r, COFFER_ERR_CORRUPT,
		    "trees nest too deep");
	if ((rc = tc_get(&d->tc, ida, &ta)) != 0 ||
	    (rc = tc_get(&d->tc, idb, &tb)) != 0)
		goto out;
	while (rc == 0 && (i < ta->n || j < tb->n)) {
		if (i == ta->n)
			c = 1;
		else if (j == tb->n)
			c = -1;
		else
			c = tc_name_cmp(&ta->v[i], &tb->v[j]);
		if (c < 0) {
			if ((rc = push(d, plen, &ta->v[i], &l)) == 0)
				rc = side_node(d, 0, &ta->v[i], l, depth);
			i++;
		} else if (c > 0) {
			if ((rc = push(d, plen, &tb->v[j], &l)) == 0)
				rc = side_node(d, 1, &tb->v[j], l, depth);
			j++;
		} else {
			if ((rc = push(d, plen, &ta->v[i], &l)) == 0)
				rc = pair_node(d, &ta->v[i], &tb->v[j], l,
				    depth);
			i++;
			j++;
		}
		d->path[plen] = '\0';
	}
out:
	tc_put(&d->tc, ta);
	tc_put(&d->tc, tb);
	return rc;
}

/* The plaintext bytes of chunks marked on ${side} and not on the other. */
static uint64_t
only_bytes(struct dctx *d, int side)
{
	struct bk_entry e;
	uint64_t s, sum = 0;
	uint8_t pid[BK_ID];

	for (s = 0; s < d->nslots; s++)
		if ((d->bits[side][s / 8] & (1u << (s % 8))) != 0 &&
		    (d->bits[!side][s / 8] & (1u << (s % 8))) == 0 &&
		    cidx_at(d->r->idx, s, &e, pid) == 0)
			sum += e.rlen;
	return sum;
}

int
coffer_backup_diff(struct coffer_backup_repo *r,
    const uint8_t a[COFFER_SNAPSHOT_ID_BYTES],
    const uint8_t b[COFFER_SNAPSHOT_ID_BYTES], coffer_backup_change_fn fn,
    void *arg, struct coffer_backup_diff_stats *stats)
{
	struct bk_snapshot sa, sb;
	struct dctx d;
	int rc;

	if (r == NULL || a == NULL || b == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	memset(&d, 0, sizeof(d));
	d.r = r;
	d.fn = fn;
	d.arg = arg;
	if ((rc = tc_init(&d.tc, r, (size_t)16 << 20)) != 0)
		goto out;
	if ((rc = repo_snapshot(r, a, &sa)) != 0 ||
	    (rc = repo_snapshot(r, b, &sb)) != 0)
		goto out;
	d.nslots = cidx_nslots(r->idx);
	if ((d.path = malloc(WALK_PATH_MAX + 1)) == NULL ||
	    (d.bits[0] = calloc(d.nslots / 8 + 1, 1)) == NULL ||
	    (d.bits[1] = calloc(d.nslots / 8 + 1, 1)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	d.path[0] = '\0';
	if (memcmp(sa.root, sb.root, BK_ID) != 0 &&
	    (rc = pair_tree(&d, sa.root, sb.root, 0, 0)) != 0)
		goto out;
	d.st.bytes_added = only_bytes(&d, 1);
	d.st.bytes_removed = only_bytes(&d, 0);
out:
	d.st.trees_loaded = d.tc.loads;
	if (stats != NULL)
		*stats = d.st;
	tc_clear(&d.tc);
	free(d.path);
	free(d.bits[0]);
	free(d.bits[1]);
	bk_snapshot_clear(&sa);
	bk_snapshot_clear(&sb);
	return rc;
}
