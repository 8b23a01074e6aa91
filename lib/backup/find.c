/* coffer_backup_find: every chosen snapshot's trees walked, names (or
 * paths) matched against globs. The tree cache is sized so that a tree
 * shared by snapshots is fetched once in a run. */
#define _GNU_SOURCE	/* FNM_CASEFOLD */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/tcache.h"
#include "backup/walk.h"

/* Trees kept for the run: shared ones are then fetched once. */
#define FIND_CACHE	((size_t)256 << 20)

struct fctx {
	struct coffer_backup_repo		*r;
	struct tcache				 tc;
	const struct coffer_backup_find_options	*o;
	const struct coffer_backup_snapshot	*snap;
	coffer_backup_found_fn			 fn;
	void					*arg;
	char					*buf;	/* "/" then the path */
	struct tc_ent				 ent;
};

static int
matches(const struct fctx *f, const struct bk_node *n, const char *name)
{
	const struct coffer_backup_find_options *o = f->o;
	int flags = o->ignore_case ? FNM_CASEFOLD : 0;
	size_t i;

	if ((o->newer_ns != 0 && n->mtime_ns <= o->newer_ns) ||
	    (o->older_ns != 0 && n->mtime_ns >= o->older_ns))
		return 0;
	if (o->npatterns == 0)
		return 1;
	for (i = 0; i < o->npatterns; i++) {
		const char *p = o->patterns[i];

		if (strchr(p, '/') != NULL) {
			/* A path pattern: "/a/b" from the top, "a/b" too. */
			if (fnmatch(p, p[0] == '/' ? f->buf : f->buf + 1,
			    flags) == 0)
				return 1;
		} else if (fnmatch(p, name, flags) == 0)
			return 1;
	}
	return 0;
}

static int
find_tree(struct fctx *f, const uint8_t *id, size_t plen, unsigned depth)
{
	struct tc_tree *t = NULL;
	const struct bk_node *n;
	char *path = f->buf + 1;
	size_t i, l;
	int rc;

	if (depth > 4096)
		return repo_fail(f->r, COFFER_ERR_CORRUPT,
		    "trees nest too deep");
	if ((rc = tc_get(&f->tc, id, &t)) != 0)
		return rc;
	for (i = 0; i < t->n && rc == 0; i++) {
		n = &t->v[i];
		if (plen + 1 + n->name_len > WALK_PATH_MAX) {
			rc = repo_fail(f->r, COFFER_ERR_TOOBIG,
			    "path too long");
			break;
		}
		l = plen;
		if (plen > 0)
			path[l++] = '/';
		memcpy(path + l, n->name, n->name_len);
		path[l + n->name_len] = '\0';
		if (matches(f, n, path + l)) {
			tc_entry(&f->ent, n, path);
			rc = f->fn(f->arg, f->snap, &f->ent.e);
		}
		if (rc == 0 && n->type == BK_DIR)
			rc = find_tree(f, n->subtree, l + n->name_len,
			    depth + 1);
		path[plen] = '\0';
	}
	tc_put(&f->tc, t);
	return rc;
}

static int
chosen(const struct coffer_backup_find_options *o,
    const struct bk_snapshot *s)
{
	size_t i;

	if (o->host != NULL && (s->host == NULL ||
	    strcmp(o->host, s->host) != 0))
		return 0;
	if (o->path == NULL)
		return 1;
	for (i = 0; i < s->npaths; i++)
		if (strcmp(s->paths[i], o->path) == 0)
			return 1;
	return 0;
}

int
coffer_backup_find(struct coffer_backup_repo *r,
    const uint8_t (*ids)[COFFER_SNAPSHOT_ID_BYTES], size_t nids,
    const struct coffer_backup_find_options *opt, coffer_backup_found_fn fn,
    void *arg)
{
	static const struct coffer_backup_find_options none;
	struct coffer_backup_snapshot pub;
	struct repo_snaps ss;
	struct fctx *f = NULL;
	size_t i;
	int rc;

	if (r == NULL || fn == NULL || (nids > 0 && ids == NULL) ||
	    (opt != NULL && opt->npatterns > 0 && opt->patterns == NULL))
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&ss, 0, sizeof(ss));
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return COFFER_ERR_NOMEM;
	f->r = r;
	f->o = opt != NULL ? opt : &none;
	f->fn = fn;
	f->arg = arg;
	if ((rc = tc_init(&f->tc, r, FIND_CACHE)) != 0)
		goto out;
	if ((f->buf = malloc(WALK_PATH_MAX + 2)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	f->buf[0] = '/';
	f->buf[1] = '\0';
	if ((rc = repo_snapshots(r, ids, nids, &ss)) != 0)
		goto out;
	for (i = 0; i < ss.n && rc == 0; i++) {
		if (!chosen(f->o, &ss.v[i]))
			continue;
		repo_snap_public(&ss.v[i], ss.names[i], &pub);
		f->snap = &pub;
		rc = find_tree(f, ss.v[i].root, 0, 0);
	}
out:
	repo_snaps_free(&ss);
	tc_clear(&f->tc);
	free(f->buf);
	free(f);
	return rc;
}
