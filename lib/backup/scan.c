/* The scanner thread of a backup run: walks the paths depth first, names
 * in byte order, and pushes one event per entry (and a begin and an end
 * per folder) in that order. Regular files that the files cache shows
 * unchanged (same device, inode, size, mtime and ctime, every chunk still
 * in the index) are done at once; the others become jobs for the
 * workers. What the options leave out (select.c) is decided from the
 * names a folder lists before anything is stat'ed, and never read. */
#define _DEFAULT_SOURCE	/* d_type: DT_DIR, DT_UNKNOWN */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/run.h"

#define XLIST_MAX	65536

static int64_t
ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static const char *
id_name(struct run *ru, int group, uint32_t id)
{
	uint64_t *c = group ? ru->gid_c : ru->uid_c;
	char (*n)[256] = group ? ru->gname : ru->uname;
	char buf[4096];
	const char *name = NULL;
	struct passwd pw, *pp = NULL;
	struct group gr, *gp = NULL;
	size_t len;
	int slot;

	for (slot = 0; slot < 2; slot++)
		if (c[slot] == (uint64_t)id + 1)
			return n[slot];
	slot = c[0] == 0 ? 0 : 1;
	if (slot == 1) {		/* keep the newest first */
		c[1] = c[0];
		memcpy(n[1], n[0], sizeof(n[0]));
		slot = 0;
	}
	n[slot][0] = '\0';
	if (group) {
		if (getgrgid_r(id, &gr, buf, sizeof(buf), &gp) == 0 &&
		    gp != NULL)
			name = gp->gr_name;
	} else if (getpwuid_r(id, &pw, buf, sizeof(buf), &pp) == 0 &&
	    pp != NULL)
		name = pp->pw_name;
	/* A name too long for the cache is left out, as none. */
	if (name != NULL && (len = strlen(name)) < sizeof(n[0]))
		memcpy(n[slot], name, len + 1);
	c[slot] = (uint64_t)id + 1;
	return n[slot];
}

static int
name_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return strcmp(x, y);	/* byte order: strcmp compares unsigned */
}

/* xattrs of path, sorted by name, into buf; the count to *n. */
static int
scan_xattrs(const char *path, struct coffer_buf *buf, uint16_t *n)
{
	char *list = NULL, **names = NULL;
	uint8_t *val = NULL;
	ssize_t len, vl;
	size_t cnt = 0, i;
	int r = 0;

	*n = 0;
	if ((len = llistxattr(path, NULL, 0)) <= 0)
		return 0;
	if (len > XLIST_MAX || (list = malloc((size_t)len)) == NULL ||
	    (len = llistxattr(path, list, (size_t)len)) <= 0)
		goto out;
	for (i = 0; i < (size_t)len; i += strlen(list + i) + 1)
		cnt++;
	if ((names = calloc(cnt, sizeof(*names))) == NULL ||
	    (val = malloc(BK_XATTR_VALUE_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0, cnt = 0; i < (size_t)len; i += strlen(list + i) + 1)
		names[cnt++] = list + i;
	qsort(names, cnt, sizeof(*names), name_cmp);
	for (i = 0; i < cnt && *n < BK_XATTRS_MAX; i++) {
		if (strlen(names[i]) == 0 ||
		    strlen(names[i]) > BK_XATTR_NAME_MAX ||
		    (vl = lgetxattr(path, names[i], val, BK_XATTR_VALUE_MAX)) < 0)
			continue;
		if ((r = bk_xattr_put(buf, names[i], strlen(names[i]), val,
		    (size_t)vl)) != 0)
			goto out;
		(*n)++;
	}
out:
	free(list);
	free(names);
	free(val);
	return r;
}

static int
hl_find(struct run *ru, const struct stat *st, const char *spath,
    const char **target)
{
	struct hl *h, **nv;
	size_t i, b;

	if (ru->hl_n * 2 >= ru->hl_cap) {
		size_t nc = ru->hl_cap ? ru->hl_cap * 2 : 256;

		if ((nv = calloc(nc, sizeof(*nv))) == NULL)
			return COFFER_ERR_NOMEM;
		for (i = 0; i < ru->hl_cap; i++)
			while ((h = ru->hl[i]) != NULL) {
				ru->hl[i] = h->next;
				b = (h->ino ^ h->dev * 31) % nc;
				h->next = nv[b];
				nv[b] = h;
			}
		free(ru->hl);
		ru->hl = nv;
		ru->hl_cap = nc;
	}
	b = ((uint64_t)st->st_ino ^ (uint64_t)st->st_dev * 31) % ru->hl_cap;
	for (h = ru->hl[b]; h != NULL; h = h->next)
		if (h->ino == st->st_ino && h->dev == st->st_dev) {
			*target = h->spath;
			return 0;
		}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->spath = strdup(spath)) == NULL) {
		free(h);
		return COFFER_ERR_NOMEM;
	}
	h->dev = st->st_dev;
	h->ino = st->st_ino;
	h->next = ru->hl[b];
	ru->hl[b] = h;
	ru->hl_n++;
	*target = NULL;
	return 0;
}

/* Unchanged since the last run, with every chunk still known? A record
 * from a cache before holes were recorded is taken only for a file that
 * cannot have any (as many blocks as bytes). */
static int
scan_cached(struct run *ru, struct ev *e, const struct stat *st)
{
	struct fc_rec rec;
	uint32_t i;

	if (!fcache_r_find(ru->fc_old, (const uint8_t *)e->spath,
	    e->spath_len, &rec) || rec.dev != (uint64_t)st->st_dev ||
	    rec.ino != (uint64_t)st->st_ino ||
	    rec.size != (uint64_t)st->st_size ||
	    rec.mtime_ns != ts_ns(&st->st_mtim) ||
	    rec.ctime_ns != ts_ns(&st->st_ctim) ||
	    (rec.v1 && (uint64_t)st->st_blocks * 512 < rec.size))
		return 0;
	for (i = 0; i < rec.nchunks; i++)
		if (cidx_get(ru->r->idx, rec.chunks + (size_t)i * BK_ID,
		    BK_DATA, NULL, NULL) != 0)
			return 0;
	if (rec.nchunks > 0 && (e->chunks = malloc((size_t)rec.nchunks *
	    BK_ID)) == NULL)
		return 0;
	if (rec.nextents > 0 && (e->extents = malloc((size_t)rec.nextents *
	    BK_EXTENT)) == NULL) {
		free(e->chunks);
		e->chunks = NULL;
		return 0;
	}
	if (rec.nchunks > 0)
		memcpy(e->chunks, rec.chunks, (size_t)rec.nchunks * BK_ID);
	if (rec.nextents > 0)
		memcpy(e->extents, rec.extents,
		    (size_t)rec.nextents * BK_EXTENT);
	e->nchunks = rec.nchunks;
	e->sparse = rec.sparse;
	e->nextents = rec.nextents;
	return 1;
}

/* Fill the node of e from st (strings into e->buf). */
static int
scan_node(struct run *ru, struct ev *e, int dfd, const char *at,
    const char *name, const char *path, const struct stat *st)
{
	struct bk_node *n = &e->node;
	const char *user, *group, *hl = NULL;
	size_t o_name, o_user, o_group, o_target = 0, o_x;
	char link[BK_PATH_MAX + 1];
	ssize_t ll = 0;
	int r;

	if ((e->buf = coffer_buf_new(COFFER_BUF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: n->type = BK_FILE; break;
	case S_IFDIR: n->type = BK_DIR; break;
	case S_IFLNK: n->type = BK_SYMLINK; break;
	case S_IFIFO: n->type = BK_FIFO; break;
	case S_IFCHR: n->type = BK_CHR; break;
	case S_IFBLK: n->type = BK_BLK; break;
	case S_IFSOCK: n->type = BK_SOCK; break;
	default: return COFFER_ERR_INVALID;
	}
	if (n->type == BK_FILE && st->st_nlink > 1 &&
	    (r = hl_find(ru, st, e->spath, &hl)) != 0)
		return r;
	if (hl != NULL)
		n->type = BK_HARDLINK;
	user = id_name(ru, 0, st->st_uid);
	group = id_name(ru, 1, st->st_gid);
	o_name = 0;
	if ((r = coffer_buf_append(e->buf, name, strlen(name))) != 0)
		return r;
	o_user = coffer_buf_len(e->buf);
	if ((r = coffer_buf_append(e->buf, user, strlen(user))) != 0)
		return r;
	o_group = coffer_buf_len(e->buf);
	if ((r = coffer_buf_append(e->buf, group, strlen(group))) != 0)
		return r;
	if (n->type == BK_SYMLINK) {
		if ((ll = readlinkat(dfd, at, link, sizeof(link))) <= 0 ||
		    (size_t)ll > BK_PATH_MAX)
			return COFFER_ERR_IO;
		o_target = coffer_buf_len(e->buf);
		if ((r = coffer_buf_append(e->buf, link, (size_t)ll)) != 0)
			return r;
	} else if (hl != NULL) {
		ll = (ssize_t)strlen(hl);
		o_target = coffer_buf_len(e->buf);
		if ((r = coffer_buf_append(e->buf, hl, (size_t)ll)) != 0)
			return r;
	}
	o_x = coffer_buf_len(e->buf);
	if ((r = scan_xattrs(path, e->buf, &n->nxattrs)) != 0)
		return r;
	n->name = coffer_buf_data(e->buf) + o_name;
	n->name_len = strlen(name);
	n->user = coffer_buf_data(e->buf) + o_user;
	n->user_len = o_group - o_user;
	n->group = coffer_buf_data(e->buf) + o_group;
	n->group_len = strlen(group);
	if (ll > 0) {
		n->target = coffer_buf_data(e->buf) + o_target;
		n->target_len = (size_t)ll;
	}
	n->xattrs = coffer_buf_data(e->buf) + o_x;
	n->xattrs_len = coffer_buf_len(e->buf) - o_x;
	n->mode = st->st_mode & 07777;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->mtime_ns = ts_ns(&st->st_mtim);
	n->ctime_ns = ts_ns(&st->st_ctim);
	n->size = n->type == BK_FILE || n->type == BK_HARDLINK ?
	    (uint64_t)st->st_size : 0;
	n->rdev = n->type == BK_CHR || n->type == BK_BLK ?
	    (uint64_t)st->st_rdev : 0;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	return 0;
}

static char *
join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	if ((p = malloc(la + lb + 2)) == NULL)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

static int scan_entry(struct run *ru, int dfd, const char *at,
    const char *name, const char *path, const char *spath);

/* Whether the entry now on the selection's stack is left out, before any
 * stat unless a pattern needs to know folders and readdir did not say. */
static int
scan_skip(struct run *ru, int dfd, const struct sel_dent *de)
{
	struct stat st;
	int is_dir = de->type == DT_DIR;

	if (de->type == DT_UNKNOWN && sel_needs_type(ru)) {
		if (fstatat(dfd, de->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			return 0;	/* scan_entry warns */
		is_dir = S_ISDIR(st.st_mode);
	}
	return sel_excluded(ru, is_dir);
}

static int
scan_dir(struct run *ru, int dfd, const char *at, const char *path,
    const char *spath)
{
	struct sel_dent *v = NULL;
	char *cp, *cs;
	struct dirent *de;
	size_t n = 0, cap = 0, i;
	uint64_t tags;
	DIR *d = NULL;
	int fd, r = 0;

	if ((fd = openat(dfd, at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		PG_ADD(ru, warnings, 1);
		return 0;	/* an empty folder in the snapshot */
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			struct sel_dent *nv;

			cap = cap ? 2 * cap : 64;
			if ((nv = realloc(v, cap * sizeof(*nv))) == NULL) {
				r = COFFER_ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		if ((v[n].name = strdup(de->d_name)) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		v[n++].type = de->d_type;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), sel_dent_cmp);
	tags = sel_tags(ru, dirfd(d), v, n);
	for (i = 0; i < n && r == 0; i++) {
		if (tags != 0 && !sel_tag_keeps(ru, tags, v[i].name))
			continue;
		if ((r = sel_enter(ru, v[i].name)) != 0)
			break;
		if (scan_skip(ru, dirfd(d), &v[i])) {
			sel_leave(ru);
			continue;
		}
		if ((cp = join(path, v[i].name)) == NULL ||
		    (cs = join(spath, v[i].name)) == NULL) {
			free(cp);
			r = COFFER_ERR_NOMEM;
			break;
		}
		r = scan_entry(ru, dirfd(d), v[i].name, v[i].name, cp, cs);
		sel_leave(ru);
		free(cp);
		free(cs);
	}
out:
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	closedir(d);
	return r;
}

static int
scan_entry(struct run *ru, int dfd, const char *at, const char *name,
    const char *path, const char *spath)
{
	struct ev *e = NULL, *end = NULL;
	struct stat st;
	int r, mount = 0;

	if (ru->pg->cancel)
		return COFFER_ERR_CANCELLED;
	if (fstatat(dfd, at, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		PG_ADD(ru, warnings, 1);	/* vanished since readdir */
		return 0;
	}
	/* Another file system: a folder stays as an empty mount point
	 * (restic's rule), anything else goes. */
	if (sel_other_fs(ru, &st)) {
		if (!S_ISDIR(st.st_mode))
			return 0;
		mount = 1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->spath = strdup(spath)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	e->spath_len = strlen(spath);
	if ((r = scan_node(ru, e, dfd, at, name, path, &st)) != 0) {
		if (r == COFFER_ERR_NOMEM)
			goto out;
		PG_ADD(ru, warnings, 1);
		r = 0;
		goto out;
	}
	e->kind = e->node.type == BK_DIR ? EV_DIR_BEGIN : EV_ENTRY;
	if (e->node.type == BK_DIR)
		PG_ADD(ru, dirs, 1);
	else
		PG_ADD(ru, files, 1);
	if (e->node.type == BK_FILE) {
		PG_ADD(ru, bytes, st.st_size);
		if (!scan_cached(ru, e, &st)) {
			e->need_read = 1;
			if ((e->path = strdup(path)) == NULL) {
				r = COFFER_ERR_NOMEM;
				goto out;
			}
		}
	}
	e->done = !e->need_read;
	r = run_ev_push(ru, e);
	e = NULL;
	if (r != 0 || st.st_mode == 0 || !S_ISDIR(st.st_mode))
		goto out;
	if (!mount && (r = scan_dir(ru, dfd, at, path, spath)) != 0)
		goto out;
	if ((end = calloc(1, sizeof(*end))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	end->kind = EV_DIR_END;
	end->done = 1;
	r = run_ev_push(ru, end);
out:
	run_ev_free(e);
	return r;
}

/* A path given: its whole absolute path is matched (restic's rule). */
static int
scan_top(struct run *ru, size_t i)
{
	struct stat st;
	int r;

	if ((r = sel_top(ru, i)) != 0)
		return r;
	if (lstat(ru->top_path[i], &st) == 0 &&
	    sel_excluded(ru, S_ISDIR(st.st_mode)))
		return 0;
	return scan_entry(ru, AT_FDCWD, ru->top_path[i], ru->top_name[i],
	    ru->top_path[i], ru->top_name[i]);
}

void *
scan_main(void *arg)
{
	struct run *ru = arg;
	size_t i;
	int r = 0;

	for (i = 0; i < ru->ntop && r == 0; i++)
		r = scan_top(ru, i);
	if (r != 0)
		run_fail(ru, r);
	pthread_mutex_lock(&ru->lock);
	ru->scan_done = 1;
	pthread_cond_broadcast(&ru->c_jobs);
	pthread_cond_signal(&ru->c_head);
	pthread_mutex_unlock(&ru->lock);
	return NULL;
}
