/* Restore (docs/PROTOCOL-backup.md, "Restore"): the calling thread walks
 * the trees and creates folders, links and special files; N workers
 * fetch, verify and write regular files as NAME.coffer-tmp, set their
 * metadata and rename them into place, so a failure never leaves a
 * partial file under a real name nor touches one already restored. Hard
 * links are made after every file, folders' metadata last (deepest
 * first). All-zero chunks become holes. */
#define _GNU_SOURCE	/* fsetxattr, lsetxattr */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/walk.h"

#define QMAX	64
#define TMP_SUFFIX ".coffer-tmp"

/* A node copied out of its tree, with its target path. */
struct item {
	char		*path;		/* below the target folder */
	struct bk_node	 n;
	uint8_t		*mem;		/* chunks, xattrs, target */
	struct item	*next;
};

struct rs {
	struct coffer_backup_repo	*r;
	struct coffer_backup_progress	*pg;
	struct coffer_backup_progress	 pg_none;
	int				 tfd;	/* target folder */
	int				 root;
	pthread_mutex_t			 lock;
	pthread_cond_t			 cond;
	struct item			*q, *qt;
	size_t				 qn;
	int				 walk_done, err;
	struct item			*links, *dirs;	/* dirs: deepest first */
	size_t				 skip;	/* of hard-link targets */
};

static void
item_free(struct item *it)
{
	if (it == NULL)
		return;
	free(it->path);
	free(it->mem);
	free(it);
}

static struct item *
item_new(const char *path, const struct bk_node *n)
{
	struct item *it;
	size_t cl = (size_t)n->nchunks * BK_ID;
	uint8_t *m;

	if ((it = calloc(1, sizeof(*it))) == NULL ||
	    (it->path = strdup(path)) == NULL ||
	    (it->mem = malloc(cl + n->xattrs_len + n->target_len + 1)) ==
	    NULL) {
		item_free(it);
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

static int
rs_fail(struct rs *s, int err)
{
	pthread_mutex_lock(&s->lock);
	if (s->err == 0)
		s->err = err;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return err;
}

static int
io_fail(struct rs *s, const char *what, const char *path)
{
	int e = errno;

	return repo_fail(s->r, e == ENOSPC || e == EDQUOT ?
	    COFFER_ERR_NOSPACE : COFFER_ERR_IO, "%s %s: %s", what, path,
	    strerror(e));
}

/* Metadata of an open file or a path (fd < 0). */
static int
set_meta(struct rs *s, int fd, const char *path, const struct bk_node *n)
{
	struct timespec ts[2];
	const uint8_t *name, *val;
	size_t off = 0, nl, vl;
	char xname[BK_XATTR_NAME_MAX + 1];
	uint16_t i;

	if (s->root && (fd >= 0 ? fchown(fd, n->uid, n->gid) :
	    fchownat(s->tfd, path, n->uid, n->gid, AT_SYMLINK_NOFOLLOW)) != 0)
		return io_fail(s, "chown", path);
	for (i = 0; i < n->nxattrs; i++) {
		bk_xattr_next(n->xattrs, &off, &name, &nl, &val, &vl);
		memcpy(xname, name, nl);
		xname[nl] = '\0';
		/* Best effort: the target's file system may refuse some. */
		if (fd >= 0)
			(void)fsetxattr(fd, xname, val, vl, 0);
	}
	if (n->type != BK_SYMLINK && (fd >= 0 ? fchmod(fd, n->mode) :
	    fchmodat(s->tfd, path, n->mode, 0)) != 0)
		return io_fail(s, "chmod", path);
	ts[0].tv_sec = ts[1].tv_sec = n->mtime_ns / 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = n->mtime_ns % 1000000000;
	if ((fd >= 0 ? futimens(fd, ts) : utimensat(s->tfd, path, ts,
	    AT_SYMLINK_NOFOLLOW)) != 0)
		return io_fail(s, "set times of", path);
	return 0;
}

static int
restore_file(struct rs *s, struct bk_reader *rd, struct coffer_buf *b,
    struct item *it)
{
	char *tmp = NULL;
	uint64_t off = 0;
	uint32_t i;
	size_t l;
	int fd = -1, rc = 0;

	l = strlen(it->path);
	if ((tmp = malloc(l + sizeof(TMP_SUFFIX))) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(tmp, it->path, l);
	memcpy(tmp + l, TMP_SUFFIX, sizeof(TMP_SUFFIX));
	if ((fd = openat(s->tfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		rc = io_fail(s, "create", tmp);
		goto out;
	}
	for (i = 0; i < it->n.nchunks; i++) {
		const uint8_t *p;
		size_t len, w = 0;
		ssize_t n;

		if (s->pg->cancel) {
			rc = COFFER_ERR_CANCELLED;
			goto out;
		}
		if ((rc = repo_read_chunk(s->r, rd, it->n.chunks +
		    (size_t)i * BK_ID, BK_DATA, b)) != 0)
			goto out;
		p = coffer_buf_data(b);
		len = coffer_buf_len(b);
		if (len > 0 && p[0] == 0 && sodium_is_zero(p, len)) {
			off += len;		/* a hole */
			continue;
		}
		while (w < len) {
			if ((n = pwrite(fd, p + w, len - w,
			    (off_t)(off + w))) < 0) {
				if (errno == EINTR)
					continue;
				rc = io_fail(s, "write", it->path);
				goto out;
			}
			w += (size_t)n;
		}
		off += len;
		__atomic_fetch_add(&s->pg->bytes_read, len, __ATOMIC_RELAXED);
	}
	if (off != it->n.size) {
		rc = repo_fail(s->r, COFFER_ERR_CORRUPT,
		    "%s: its chunks hold %llu bytes, its entry says %llu",
		    it->path, (unsigned long long)off,
		    (unsigned long long)it->n.size);
		goto out;
	}
	if (ftruncate(fd, (off_t)off) != 0) {
		rc = io_fail(s, "write", it->path);
		goto out;
	}
	if ((rc = set_meta(s, fd, it->path, &it->n)) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		rc = io_fail(s, "write", it->path);
		goto out;
	}
	fd = -1;
	if (renameat(s->tfd, tmp, s->tfd, it->path) != 0)
		rc = io_fail(s, "rename", it->path);
	__atomic_fetch_add(&s->pg->files, 1, __ATOMIC_RELAXED);
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlinkat(s->tfd, tmp, 0);
	free(tmp);
	return rc;
}

static void *
rs_worker(void *arg)
{
	struct rs *s = arg;
	struct bk_reader rd;
	struct coffer_buf *b = NULL;
	struct item *it;
	int rc;

	if ((rc = bk_reader_init(&rd, s->r->k)) != 0 ||
	    (b = coffer_buf_new_secret(BK_CHUNK_MAX)) == NULL) {
		rs_fail(s, rc != 0 ? rc : COFFER_ERR_NOMEM);
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (s->q == NULL && !s->walk_done && s->err == 0)
			pthread_cond_wait(&s->cond, &s->lock);
		if ((it = s->q) == NULL || s->err != 0) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		if ((s->q = it->next) == NULL)
			s->qt = NULL;
		s->qn--;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		rc = restore_file(s, &rd, b, it);
		item_free(it);
		if (rc != 0) {
			rs_fail(s, rc);
			break;
		}
	}
out:
	coffer_buf_free(&b);
	bk_reader_clear(&rd);
	return NULL;
}

static int
rs_queue(struct rs *s, struct item *it)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	while (s->qn >= QMAX && s->err == 0)
		pthread_cond_wait(&s->cond, &s->lock);
	if ((rc = s->err) == 0) {
		if (s->qt != NULL)
			s->qt->next = it;
		else
			s->q = it;
		s->qt = it;
		s->qn++;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	if (rc != 0)
		item_free(it);
	return rc;
}

/* Make a link or special file at its temporary name with make(), then
 * rename it over path. */
static int
tmp_then_rename(struct rs *s, const char *path, int (*make)(struct rs *,
    const char *, const struct bk_node *), const struct bk_node *n)
{
	char *tmp;
	size_t l = strlen(path);
	int rc = 0;

	if ((tmp = malloc(l + sizeof(TMP_SUFFIX))) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(tmp, path, l);
	memcpy(tmp + l, TMP_SUFFIX, sizeof(TMP_SUFFIX));
	unlinkat(s->tfd, tmp, 0);
	if (make(s, tmp, n) != 0)
		rc = io_fail(s, "create", path);
	else if (renameat(s->tfd, tmp, s->tfd, path) != 0) {
		rc = io_fail(s, "rename", path);
		unlinkat(s->tfd, tmp, 0);
	}
	free(tmp);
	return rc;
}

static int
make_symlink(struct rs *s, const char *tmp, const struct bk_node *n)
{
	char tgt[BK_PATH_MAX + 1];

	memcpy(tgt, n->target, n->target_len);
	tgt[n->target_len] = '\0';
	return symlinkat(tgt, s->tfd, tmp);
}

static int
make_node(struct rs *s, const char *tmp, const struct bk_node *n)
{
	mode_t m = n->type == BK_FIFO ? S_IFIFO : n->type == BK_CHR ?
	    S_IFCHR : n->type == BK_BLK ? S_IFBLK : S_IFSOCK;

	return mknodat(s->tfd, tmp, m | 0600, (dev_t)n->rdev);
}

static int
rs_node(void *arg, const char *path, const struct bk_node *n, int ev)
{
	struct rs *s = arg;
	struct item *it;
	int rc;

	if (s->err != 0)
		return s->err;
	if (s->pg->cancel)
		return COFFER_ERR_CANCELLED;
	if (ev == WALK_LEAVE)
		return 0;
	switch (n->type) {
	case BK_DIR:
		if (mkdirat(s->tfd, path, 0700) != 0 && errno != EEXIST)
			return io_fail(s, "mkdir", path);
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
		if ((rc = tmp_then_rename(s, path, make_symlink, n)) != 0)
			return rc;
		break;
	default:
		if (!s->root && n->type != BK_FIFO) {
			__atomic_fetch_add(&s->pg->warnings, 1,
			    __ATOMIC_RELAXED);
			return 0;
		}
		if ((rc = tmp_then_rename(s, path, make_node, n)) != 0)
			return rc;
		break;
	}
	__atomic_fetch_add(&s->pg->files, 1, __ATOMIC_RELAXED);
	if ((rc = set_meta(s, -1, path, n)) != 0)
		return rc;
	return 0;
}

static int
make_link(struct rs *s, const char *tmp, const struct bk_node *n)
{
	return linkat(s->tfd, (const char *)n->target + s->skip, s->tfd, tmp,
	    0);
}

static int
rs_finish(struct rs *s, const char *sub)
{
	struct item *it;
	size_t skip = 0;
	int rc;

	/* A restored sub-path drops its parents from link targets. */
	if (sub != NULL && sub[strspn(sub, "/")] != '\0') {
		const char *last = strrchr(sub, '/');

		skip = last != NULL ? (size_t)(last - sub) + 1 : 0;
	}
	s->skip = skip;
	for (it = s->links; it != NULL; it = it->next) {
		const char *t = (const char *)it->n.target;

		if (strlen(t) <= skip || (skip > 0 && strncmp(t, sub, skip) != 0) ||
		    tmp_then_rename(s, it->path, make_link, &it->n) != 0) {
			__atomic_fetch_add(&s->pg->warnings, 1,
			    __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&s->pg->files, 1, __ATOMIC_RELAXED);
	}
	for (it = s->dirs; it != NULL; it = it->next)
		if ((rc = set_meta(s, -1, it->path, &it->n)) != 0)
			return rc;
	return 0;
}

static void
list_free(struct item *it)
{
	struct item *nx;

	for (; it != NULL; it = nx) {
		nx = it->next;
		item_free(it);
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
		rc = io_fail(&s, "open", target);
		goto out;
	}
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nw = opt != NULL && opt->threads > 0 ? opt->threads :
	    cpus > 0 ? (unsigned)cpus : 1;
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
