/* Restore (docs/PROTOCOL-backup.md, "Restore"): the calling thread walks
 * the trees and creates folders, links and special files, and queues
 * regular files for the workers (restore_files.c), which write each one
 * so that a failure never leaves a partial file under a real name nor
 * touches one already restored. Hard links are made after every file,
 * folders' metadata last (deepest first). Both sides call down to the
 * queue (restore_run.c) and the target folder's operations
 * (restore_target.c). */
#define _GNU_SOURCE	/* mknodat */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/restore_run.h"
#include "backup/walk.h"

static struct item *
item_new(const char *path, const struct bk_node *n)
{
	struct item *it;
	size_t cl = (size_t)n->nchunks * BK_ID;
	size_t el = (size_t)n->nextents * BK_EXTENT;
	uint8_t *m;

	if ((it = calloc(1, sizeof(*it))) == NULL ||
	    (it->path = strdup(path)) == NULL ||
	    (it->mem = malloc(cl + el + n->xattrs_len + n->target_len + 1)) ==
	    NULL) {
		rs_item_free(it);
		return NULL;
	}
	it->n = *n;
	it->n.name = NULL;
	it->n.user = it->n.group = NULL;
	it->n.subtree = NULL;
	m = it->mem;
	if (cl > 0)
		memcpy(m, n->chunks, cl);
	it->n.chunks = m;
	m += cl;
	if (el > 0)
		memcpy(m, n->extents, el);
	it->n.extents = m;
	m += el;
	if (n->xattrs_len > 0)
		memcpy(m, n->xattrs, n->xattrs_len);
	it->n.xattrs = m;
	m += n->xattrs_len;
	if (n->target_len > 0)
		memcpy(m, n->target, n->target_len);
	m[n->target_len] = '\0';
	it->n.target = m;
	return it;
}

typedef int (*make_fn)(struct rs *, int, const char *,
    const struct bk_node *);

/* Make a link or special file under a fresh temporary name in its folder
 * with make() (which fails with EEXIST on a taken name), rename it over
 * path, then set its metadata (meta). */
static int
tmp_then_rename(struct rs *s, const char *path, make_fn make,
    const struct bk_node *n, int meta)
{
	char tmp[RS_TMP_MAX];
	const char *leaf;
	int dfd, rc = 0, i, made = -1;

	if ((dfd = rs_parent(s, path, &leaf)) < 0)
		return rs_io_fail(s, "open the folder of", path);
	for (i = 0; i < TMP_TRIES && made != 0; i++) {
		rs_tmp_name(tmp, leaf);
		if ((made = make(s, dfd, tmp, n)) != 0 && errno != EEXIST)
			break;
	}
	if (made != 0)
		rc = rs_io_fail(s, "create", path);
	else if (renameat(dfd, tmp, dfd, leaf) != 0) {
		rc = rs_io_fail(s, "rename", path);
		unlinkat(dfd, tmp, 0);
	} else if (meta)
		rc = rs_set_meta(s, -1, dfd, leaf, path, n);
	rs_close_parent(s, dfd);
	return rc;
}

static int
make_symlink(struct rs *s, int dfd, const char *tmp, const struct bk_node *n)
{
	char tgt[BK_PATH_MAX + 1];

	(void)s;
	memcpy(tgt, n->target, n->target_len);
	tgt[n->target_len] = '\0';
	return symlinkat(tgt, dfd, tmp);
}

static int
make_node(struct rs *s, int dfd, const char *tmp, const struct bk_node *n)
{
	mode_t m = n->type == BK_FIFO ? S_IFIFO : n->type == BK_CHR ?
	    S_IFCHR : n->type == BK_BLK ? S_IFBLK : S_IFSOCK;

	(void)s;
	return mknodat(dfd, tmp, m | 0600, (dev_t)n->rdev);
}

/* A folder: made, or one already there that is a real folder. */
static int
make_dir(struct rs *s, const char *path)
{
	struct stat st;
	const char *leaf;
	int dfd, rc = 0;

	if ((dfd = rs_parent(s, path, &leaf)) < 0)
		return rs_io_fail(s, "open the folder of", path);
	if (mkdirat(dfd, leaf, 0700) != 0) {
		if (errno != EEXIST)
			rc = rs_io_fail(s, "mkdir", path);
		else if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
			rc = rs_io_fail(s, "stat", path);
		else if (!S_ISDIR(st.st_mode))
			rc = repo_fail(s->r, COFFER_ERR_IO, "%s is in the way: "
			    "it is not a folder", path);
	}
	rs_close_parent(s, dfd);
	return rc;
}

static int
rs_node(void *arg, const char *path, const struct bk_node *n, int ev)
{
	struct rs *s = arg;
	struct item *it;
	int rc;

	if ((rc = __atomic_load_n(&s->err, __ATOMIC_RELAXED)) != 0)
		return rc;
	if (s->pg->cancel)
		return COFFER_ERR_CANCELLED;
	if (ev == WALK_LEAVE)
		return 0;
	switch (n->type) {
	case BK_DIR:
		if ((rc = make_dir(s, path)) != 0)
			return rc;
		__atomic_fetch_add(&s->pg->dirs, 1, __ATOMIC_RELAXED);
		/* metadata after the contents, as for hard links */
		__attribute__((fallthrough));
	case BK_HARDLINK:
		if ((it = item_new(path, n)) == NULL)
			return COFFER_ERR_NOMEM;
		if (n->type == BK_DIR) {
			it->next = s->dirs;
			s->dirs = it;
		} else {
			it->next = s->links;
			s->links = it;
		}
		return 0;
	case BK_FILE:
		if ((it = item_new(path, n)) == NULL)
			return COFFER_ERR_NOMEM;
		return rs_queue(s, it);
	case BK_SYMLINK:
		if ((rc = tmp_then_rename(s, path, make_symlink, n, 1)) != 0)
			return rc;
		break;
	default:
		if (!s->root && n->type != BK_FIFO) {
			__atomic_fetch_add(&s->pg->warnings, 1,
			    __ATOMIC_RELAXED);
			return 0;
		}
		if ((rc = tmp_then_rename(s, path, make_node, n, 1)) != 0)
			return rc;
		break;
	}
	__atomic_fetch_add(&s->pg->files, 1, __ATOMIC_RELAXED);
	return 0;
}

/* The link's target resolved as any path below the target folder. */
static int
make_link(struct rs *s, int dfd, const char *tmp, const struct bk_node *n)
{
	const char *leaf;
	int tdfd, rc, e;

	if ((tdfd = rs_parent(s, (const char *)n->target + s->skip,
	    &leaf)) < 0)
		return -1;
	rc = linkat(tdfd, leaf, dfd, tmp, 0);
	e = errno;
	rs_close_parent(s, tdfd);
	errno = e;
	return rc;
}

/* A folder's metadata through the folder itself, opened with no symbolic
 * link resolved. */
static int
dir_meta(struct rs *s, const struct item *it)
{
	int fd, rc;

	if ((fd = rs_open_beneath(s->tfd, it->path, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW)) < 0)
		return rs_io_fail(s, "open", it->path);
	rc = rs_set_meta(s, fd, -1, NULL, it->path, &it->n);
	close(fd);
	return rc;
}

static int
rs_finish(struct rs *s, const char *sub)
{
	struct item *it;
	size_t skip = 0;
	int rc;

	/* A restored sub-path drops its parents from link targets. */
	if (sub != NULL)
		sub += strspn(sub, "/");
	if (sub != NULL && *sub != '\0') {
		const char *last = strrchr(sub, '/');

		skip = last != NULL ? (size_t)(last - sub) + 1 : 0;
	}
	s->skip = skip;
	for (it = s->links; it != NULL; it = it->next) {
		const char *t = (const char *)it->n.target;

		if (strlen(t) <= skip || (skip > 0 && strncmp(t, sub, skip) != 0) ||
		    tmp_then_rename(s, it->path, make_link, &it->n, 0) != 0) {
			__atomic_fetch_add(&s->pg->warnings, 1,
			    __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&s->pg->files, 1, __ATOMIC_RELAXED);
	}
	for (it = s->dirs; it != NULL; it = it->next)
		if ((rc = dir_meta(s, it)) != 0)
			return rc;
	return 0;
}

static void
list_free(struct item *it)
{
	struct item *nx;

	for (; it != NULL; it = nx) {
		nx = it->next;
		rs_item_free(it);
	}
}

int
coffer_backup_restore(struct coffer_backup_repo *r,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *subpath,
    const char *target, const struct coffer_backup_options *opt)
{
	struct rs s;
	pthread_t *wk = NULL;
	unsigned nw, i, started = 0;
	char *path = NULL;
	long cpus;
	int rc;

	if (r == NULL || id == NULL || target == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.pg = opt != NULL && opt->progress != NULL ? opt->progress :
	    &s.pg_none;
	s.root = geteuid() == 0;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	if ((mkdir(target, 0700) != 0 && errno != EEXIST) ||
	    (s.tfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		s.tfd = -1;
		rc = rs_io_fail(&s, "open", target);
		goto out;
	}
	/* Two workers a core: while one waits for the store, another
	 * verifies and writes on that core. */
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nw = opt != NULL && opt->threads > 0 ? opt->threads :
	    cpus > 0 ? 2 * (unsigned)cpus : 2;
	if ((wk = calloc(nw, sizeof(*wk))) == NULL ||
	    (path = malloc(WALK_PATH_MAX + 1)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < nw; i++, started++)
		if (pthread_create(&wk[i], NULL, rs_worker, &s) != 0)
			break;
	rc = started == 0 ? COFFER_ERR_NOMEM :
	    walk_snapshot(r, id, subpath, path, rs_node, &s);
	if (rc != 0)
		rs_fail(&s, rc);
	pthread_mutex_lock(&s.lock);
	s.walk_done = 1;
	pthread_cond_broadcast(&s.cond);
	pthread_mutex_unlock(&s.lock);
	for (i = 0; i < started; i++)
		pthread_join(wk[i], NULL);
	if (rc == 0 && (rc = s.err) == 0)
		rc = rs_finish(&s, subpath);
out:
	list_free(s.q);
	list_free(s.links);
	list_free(s.dirs);
	if (s.tfd >= 0)
		close(s.tfd);
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.cond);
	free(path);
	free(wk);
	return rc;
}
