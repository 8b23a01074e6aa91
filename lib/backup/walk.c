/* Walking a snapshot's trees (ls, restore): each tree is fetched and
 * verified (AEAD, then its HMAC id), decoded strictly, and its nodes
 * handed over in name order, folders before and after their contents. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/walk.h"

static int
walk_tree(struct coffer_backup_repo *r, struct repo_reader *rd,
    const uint8_t id[BK_ID], char *path, size_t plen, walk_fn fn, void *arg,
    unsigned depth)
{
	struct coffer_buf *b = NULL;
	struct bk_node *v = NULL;
	size_t n = 0, i;
	int rc;

	if (depth > 4096)
		return repo_fail(r, COFFER_ERR_CORRUPT, "trees nest too deep");
	if ((b = coffer_buf_new_secret(BK_CHUNK_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = repo_read_chunk(r, rd, id, BK_TREE, b)) != 0)
		goto out;
	if ((rc = bk_tree_decode(coffer_buf_data(b), coffer_buf_len(b), &v,
	    &n)) != 0) {
		char hex[2 * BK_ID + 1];

		repo_hex(hex, id, BK_ID);
		rc = repo_fail(r, COFFER_ERR_CORRUPT,
		    "tree %s does not parse (%s)", hex, coffer_strerror(rc));
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		size_t l = plen;

		if (plen + 1 + v[i].name_len > WALK_PATH_MAX) {
			rc = repo_fail(r, COFFER_ERR_TOOBIG, "path too long");
			break;
		}
		if (plen > 0)
			path[l++] = '/';
		memcpy(path + l, v[i].name, v[i].name_len);
		l += v[i].name_len;
		path[l] = '\0';
		if ((rc = fn(arg, path, &v[i], WALK_ENTER)) == WALK_SKIP)
			rc = 0;
		else if (rc == 0 && v[i].type == BK_DIR &&
		    (rc = walk_tree(r, rd, v[i].subtree, path, l, fn, arg,
		    depth + 1)) == 0) {
			path[l] = '\0';
			rc = fn(arg, path, &v[i], WALK_LEAVE);
		}
		path[plen] = '\0';
	}
out:
	free(v);
	coffer_buf_free(&b);
	return rc;
}

/* Find the node at sub below tree id: a copy of its tree's bytes keeps it
 * valid. */
static int
walk_find(struct coffer_backup_repo *r, struct repo_reader *rd,
    const uint8_t root[BK_ID], const char *sub, struct coffer_buf *keep,
    struct bk_node *out)
{
	uint8_t id[BK_ID];
	struct bk_node *v = NULL;
	const char *p = sub, *slash;
	size_t n, i, cl;
	int rc;

	memcpy(id, root, BK_ID);
	for (;;) {
		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		cl = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if ((rc = repo_read_chunk(r, rd, id, BK_TREE, keep)) != 0) {
			free(v);
			return rc;
		}
		free(v);
		v = NULL;
		if ((rc = bk_tree_decode(coffer_buf_data(keep),
		    coffer_buf_len(keep), &v, &n)) != 0)
			return repo_fail(r, COFFER_ERR_CORRUPT,
			    "a tree does not parse (%s)", coffer_strerror(rc));
		for (i = 0; i < n; i++)
			if (v[i].name_len == cl &&
			    memcmp(v[i].name, p, cl) == 0)
				break;
		if (i == n) {
			free(v);
			return repo_fail(r, COFFER_ERR_NOTFOUND,
			    "no %s in the snapshot", sub);
		}
		p += cl;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			*out = v[i];
			free(v);
			return 0;
		}
		if (v[i].type != BK_DIR) {
			free(v);
			return repo_fail(r, COFFER_ERR_NOTFOUND,
			    "no %s in the snapshot", sub);
		}
		memcpy(id, v[i].subtree, BK_ID);
	}
}

int
walk_root(struct coffer_backup_repo *r, const uint8_t root[BK_ID],
    char *path, walk_fn fn, void *arg)
{
	struct repo_reader rd;
	int rc;

	path[0] = '\0';
	if ((rc = repo_reader_init(&rd, r->kr)) != 0)
		return rc;
	rc = walk_tree(r, &rd, root, path, 0, fn, arg, 0);
	repo_reader_clear(&rd);
	return rc;
}

int
walk_snapshot(struct coffer_backup_repo *r, const uint8_t snap[BK_NAME],
    const char *sub, char *path, walk_fn fn, void *arg)
{
	struct bk_snapshot s;
	struct repo_reader rd;
	struct coffer_buf *keep = NULL;
	struct bk_node node;
	size_t l;
	int rc;

	memset(&s, 0, sizeof(s));
	path[0] = '\0';
	if ((rc = repo_snapshot(r, snap, &s)) != 0)
		return rc;
	if ((rc = repo_reader_init(&rd, r->kr)) != 0)
		goto out;
	if (sub == NULL || sub[strspn(sub, "/")] == '\0') {
		rc = walk_tree(r, &rd, s.root, path, 0, fn, arg, 0);
		goto out;
	}
	if ((keep = coffer_buf_new_secret(BK_CHUNK_MAX)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((rc = walk_find(r, &rd, s.root, sub, keep, &node)) != 0)
		goto out;
	if (node.name_len >= WALK_PATH_MAX) {
		rc = COFFER_ERR_TOOBIG;
		goto out;
	}
	memcpy(path, node.name, node.name_len);
	path[l = node.name_len] = '\0';
	if ((rc = fn(arg, path, &node, WALK_ENTER)) == WALK_SKIP)
		rc = 0;
	else if (rc == 0 && node.type == BK_DIR &&
	    (rc = walk_tree(r, &rd, node.subtree, path, l, fn, arg, 1)) == 0) {
		path[l] = '\0';
		rc = fn(arg, path, &node, WALK_LEAVE);
	}
out:
	coffer_buf_free(&keep);
	repo_reader_clear(&rd);
	bk_snapshot_clear(&s);
	return rc;
}

/* ls */
struct lsctx {
	coffer_backup_entry_fn	 fn;
	void			*arg;
};

static int
ls_one(void *arg, const char *path, const struct bk_node *n, int ev)
{
	struct lsctx *l = arg;
	struct coffer_backup_entry e;
	char user[256], group[256], target[BK_PATH_MAX + 1];

	if (ev != WALK_ENTER)
		return 0;
	memset(&e, 0, sizeof(e));
	memcpy(user, n->user, n->user_len);
	user[n->user_len] = '\0';
	memcpy(group, n->group, n->group_len);
	group[n->group_len] = '\0';
	e.path = path;
	e.type = n->type;
	e.mode = n->mode;
	e.uid = n->uid;
	e.gid = n->gid;
	e.user = user;
	e.group = group;
	e.mtime_ns = n->mtime_ns;
	e.size = n->size;
	if (n->target != NULL) {
		memcpy(target, n->target, n->target_len);
		target[n->target_len] = '\0';
		e.target = target;
	}
	return l->fn(l->arg, &e);
}

int
coffer_backup_ls(struct coffer_backup_repo *r,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *subpath,
    coffer_backup_entry_fn fn, void *arg)
{
	struct lsctx l = { fn, arg };
	char *path;
	int rc;

	if (r == NULL || id == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	if ((path = malloc(WALK_PATH_MAX + 1)) == NULL)
		return COFFER_ERR_NOMEM;
	rc = walk_snapshot(r, id, subpath, path, ls_one, &l);
	free(path);
	return rc;
}
