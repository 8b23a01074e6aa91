/* coffer backup mount: the backup set's snapshots as a read-only FUSE 3
 * file system, in the foreground until unmounted or interrupted.
 *
 *   MOUNTPOINT/ids/ID/...             each snapshot's files (ID: 32 hex)
 *   MOUNTPOINT/snapshots/TIME         -> ../ids/ID (local time of the
 *                                        snapshot, -ID8 added on a tie)
 *   MOUNTPOINT/snapshots/latest       -> the newest
 *   MOUNTPOINT/hosts/HOST/TIME, latest -> ../../ids/ID
 *
 * Everything under ids/ comes from the library's snapshot view
 * (coffer_backup_stat, _readdir, _read): a chunk is verified before a
 * byte of it is returned, and a chunk that fails reads as EIO. One thread
 * serves the kernel (the repository handle is used by one thread). Only
 * the CLI links libfuse3. */
#define FUSE_USE_VERSION 31

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "cli.h"
#include "commands.h"
#include "bset.h"

#define NAME_LEN	64

struct msnap {
	uint8_t		 id[COFFER_SNAPSHOT_ID_BYTES];
	char		 hex[SNAP_HEX];
	char		 name[NAME_LEN];	/* in snapshots/ and hosts/H/ */
	char		 host[256];		/* '/' replaced by '_' */
	int64_t		 time_ns;
};

struct mount {
	struct cli			*c;
	struct coffer_backup_view	*v;
	const struct coffer_backup_repo	*repo;
	struct msnap			*s;
	size_t				 n, cap;
	time_t				 when;		/* of the mount */
};

static struct mount *
ctx(void)
{
	return fuse_get_context()->private_data;
}

/* A failure worth telling (damage, the store) is said on stderr with
 * the engine's detail; the kernel gets an errno. */
static int
fail(struct mount *m, int err, const char *what, const char *path)
{
	if (err != COFFER_ERR_NOTFOUND && err != COFFER_ERR_STATE)
		fprintf(stderr, "coffer: backup mount: %s %s: %s (%s)\n", what,
		    path, coffer_strerror(err),
		    coffer_backup_error_detail(m->repo));
	switch (err) {
	case COFFER_ERR_NOTFOUND:
		return -ENOENT;
	case COFFER_ERR_NOMEM:
		return -ENOMEM;
	case COFFER_ERR_STATE:
		return -ENOTDIR;
	default:
		return -EIO;
	}
}

static int
on_snap(void *arg, const struct coffer_backup_snapshot *s)
{
	struct mount *m = arg;
	struct msnap *e;
	time_t t = (time_t)(s->time_ns / 1000000000);
	struct tm tm;
	size_t i;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		void *p = realloc(m->s, cap * sizeof(*m->s));

		if (p == NULL)
			return COFFER_ERR_NOMEM;
		m->s = p;
		m->cap = cap;
	}
	e = &m->s[m->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->id, s->id, sizeof(e->id));
	bset_snap_hex(e->hex, s->id);
	e->time_ns = s->time_ns;
	snprintf(e->host, sizeof(e->host), "%s", s->host != NULL &&
	    s->host[0] != '\0' ? s->host : "unknown");
	for (i = 0; e->host[i] != '\0'; i++)
		if (e->host[i] == '/')
			e->host[i] = '_';
	if (strcmp(e->host, ".") == 0 || strcmp(e->host, "..") == 0)
		e->host[0] = '_';
	strftime(e->name, sizeof(e->name), "%Y-%m-%dT%H:%M:%S",
	    localtime_r(&t, &tm));
	/* Listed oldest first: a tie with the one before gets its id. */
	for (i = 0; i < m->n; i++)
		if (strcmp(m->s[i].name, e->name) == 0) {
			snprintf(e->name + strlen(e->name),
			    sizeof(e->name) - strlen(e->name), "-%.8s",
			    e->hex);
			break;
		}
	m->n++;
	return 0;
}

/* Path parsing: which part of the layout ${path} is. */
enum kind { K_NONE, K_ROOT, K_DIR, K_HOST, K_LINK, K_SNAP };

struct where {
	enum kind		 k;
	const struct msnap	*s;	/* K_LINK, K_SNAP */
	const char		*rest;	/* K_SNAP: path inside, "" for top */
	int			 depth;	/* K_LINK: 1 snapshots/, 2 hosts/H/ */
	const char		*host;	/* K_HOST */
	size_t			 hostlen;
};

static const struct msnap *
by_hex(const struct mount *m, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (len == SNAP_HEX - 1 && memcmp(m->s[i].hex, p, len) == 0)
			return &m->s[i];
	return NULL;
}

/* The snapshot named ${p} (a time name or "latest") among those of host
 * ${host} (NULL: all). */
static const struct msnap *
by_name(const struct mount *m, const char *host, size_t hl, const char *p)
{
	const struct msnap *last = NULL;
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (host != NULL && (strlen(m->s[i].host) != hl ||
		    memcmp(m->s[i].host, host, hl) != 0))
			continue;
		if (strcmp(p, m->s[i].name) == 0)
			return &m->s[i];
		last = &m->s[i];
	}
	return strcmp(p, "latest") == 0 ? last : NULL;
}

static void
locate(const struct mount *m, const char *path, struct where *w)
{
	const char *p = path + 1, *slash;
	size_t i;

	memset(w, 0, sizeof(*w));
	if (*p == '\0') {
		w->k = K_ROOT;
		return;
	}
	if (strcmp(p, "ids") == 0 || strcmp(p, "snapshots") == 0 ||
	    strcmp(p, "hosts") == 0) {
		w->k = K_DIR;
		return;
	}
	if (strncmp(p, "ids/", 4) == 0) {
		p += 4;
		slash = strchr(p, '/');
		if ((w->s = by_hex(m, p, slash != NULL ? (size_t)(slash - p) :
		    strlen(p))) != NULL) {
			w->k = K_SNAP;
			w->rest = slash != NULL ? slash + 1 : "";
		}
		return;
	}
	if (strncmp(p, "snapshots/", 10) == 0) {
		if ((w->s = by_name(m, NULL, 0, p + 10)) != NULL) {
			w->k = K_LINK;
			w->depth = 1;
		}
		return;
	}
	if (strncmp(p, "hosts/", 6) == 0) {
		p += 6;
		slash = strchr(p, '/');
		w->host = p;
		w->hostlen = slash != NULL ? (size_t)(slash - p) : strlen(p);
		for (i = 0; i < m->n; i++)
			if (strlen(m->s[i].host) == w->hostlen &&
			    memcmp(m->s[i].host, p, w->hostlen) == 0)
				break;
		if (i == m->n)
			return;
		if (slash == NULL)
			w->k = K_HOST;
		else if ((w->s = by_name(m, p, w->hostlen, slash + 1)) != NULL) {
			w->k = K_LINK;
			w->depth = 2;
		}
	}
}

static void
stat_dir(struct stat *st, time_t when)
{
	st->st_mode = S_IFDIR | 0555;
	st->st_nlink = 2;
	st->st_mtime = st->st_ctime = st->st_atime = when;
}

static mode_t
type_bits(int type)
{
	switch (type) {
	case COFFER_BACKUP_DIR:		return S_IFDIR;
	case COFFER_BACKUP_SYMLINK:	return S_IFLNK;
	case COFFER_BACKUP_FIFO:	return S_IFIFO;
	case COFFER_BACKUP_CHR:		return S_IFCHR;
	case COFFER_BACKUP_BLK:		return S_IFBLK;
	case COFFER_BACKUP_SOCK:	return S_IFSOCK;
	default:			return S_IFREG;	/* files, links */
	}
}

static void
stat_entry(struct stat *st, const struct coffer_backup_entry *e)
{
	struct timespec ts;

	st->st_mode = type_bits(e->type) | (e->mode & 07777);
	st->st_nlink = e->type == COFFER_BACKUP_DIR ? 2 : 1;
	st->st_uid = e->uid;
	st->st_gid = e->gid;
	st->st_size = (off_t)(e->type == COFFER_BACKUP_SYMLINK &&
	    e->target != NULL ? strlen(e->target) : e->size);
	st->st_blocks = (blkcnt_t)((e->size + 511) / 512);
	ts.tv_sec = (time_t)(e->mtime_ns / 1000000000);
	ts.tv_nsec = (long)(e->mtime_ns % 1000000000);
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	st->st_mtim = st->st_atim = st->st_ctim = ts;
}

/* The link's target: ../ids/ID or ../../ids/ID. */
static void
link_target(const struct where *w, char *buf, size_t size)
{
	snprintf(buf, size, "%sids/%s", w->depth == 2 ? "../../" : "../",
	    w->s->hex);
}

static int
m_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct mount *m = ctx();
	struct coffer_backup_entry e;
	struct where w;
	char target[128];
	int r;

	(void)fi;
	memset(st, 0, sizeof(*st));
	locate(m, path, &w);
	switch (w.k) {
	case K_ROOT: case K_DIR: case K_HOST:
		stat_dir(st, m->when);
		return 0;
	case K_LINK:
		link_target(&w, target, sizeof(target));
		st->st_mode = S_IFLNK | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(target);
		st->st_mtime = st->st_ctime = st->st_atime =
		    (time_t)(w.s->time_ns / 1000000000);
		return 0;
	case K_SNAP:
		if ((r = coffer_backup_stat(m->v, w.s->id, w.rest, &e)) != 0)
			return fail(m, r, "stat", path);
		stat_entry(st, &e);
		return 0;
	default:
		return -ENOENT;
	}
}

static int
m_readlink(const char *path, char *buf, size_t size)
{
	struct mount *m = ctx();
	struct coffer_backup_entry e;
	struct where w;
	char target[128];
	const char *t;
	int r;

	if (size == 0)
		return -EINVAL;
	locate(m, path, &w);
	if (w.k == K_LINK) {
		link_target(&w, target, sizeof(target));
		t = target;
	} else if (w.k == K_SNAP) {
		if ((r = coffer_backup_stat(m->v, w.s->id, w.rest, &e)) != 0)
			return fail(m, r, "readlink", path);
		if (e.type != COFFER_BACKUP_SYMLINK || e.target == NULL)
			return -EINVAL;
		t = e.target;
	} else
		return -ENOENT;
	snprintf(buf, size, "%s", t);
	return 0;
}

struct fill {
	void		*buf;
	fuse_fill_dir_t	 fn;
};

static int
on_dirent(void *arg, const struct coffer_backup_entry *e)
{
	struct fill *f = arg;
	struct stat st;

	memset(&st, 0, sizeof(st));
	stat_entry(&st, e);
	return f->fn(f->buf, e->path, &st, 0, 0) != 0 ? COFFER_ERR_NOMEM : 0;
}

static int
m_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct mount *m = ctx();
	struct fill f = { buf, fill };
	struct where w;
	size_t i, j;
	int r;

	(void)off;
	(void)fi;
	(void)flags;
	locate(m, path, &w);
	if (w.k == K_SNAP) {
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		if ((r = coffer_backup_readdir(m->v, w.s->id, w.rest, on_dirent,
		    &f)) != 0 && r != COFFER_ERR_NOMEM)
			return fail(m, r, "readdir", path);
		return 0;
	}
	if (w.k != K_ROOT && w.k != K_DIR && w.k != K_HOST)
		return w.k == K_NONE ? -ENOENT : -ENOTDIR;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	if (w.k == K_ROOT) {
		fill(buf, "hosts", NULL, 0, 0);
		fill(buf, "ids", NULL, 0, 0);
		fill(buf, "snapshots", NULL, 0, 0);
		return 0;
	}
	for (i = 0; i < m->n; i++) {
		if (strcmp(path, "/ids") == 0)
			fill(buf, m->s[i].hex, NULL, 0, 0);
		else if (strcmp(path, "/snapshots") == 0)
			fill(buf, m->s[i].name, NULL, 0, 0);
		else if (w.k == K_HOST) {
			if (strlen(m->s[i].host) == w.hostlen &&
			    memcmp(m->s[i].host, w.host, w.hostlen) == 0)
				fill(buf, m->s[i].name, NULL, 0, 0);
		} else {
			/* hosts/: each host once. */
			for (j = 0; j < i; j++)
				if (strcmp(m->s[j].host, m->s[i].host) == 0)
					break;
			if (j == i)
				fill(buf, m->s[i].host, NULL, 0, 0);
		}
	}
	if (m->n > 0 && (strcmp(path, "/snapshots") == 0 || w.k == K_HOST))
		fill(buf, "latest", NULL, 0, 0);
	return 0;
}

static int
m_open(const char *path, struct fuse_file_info *fi)
{
	struct mount *m = ctx();
	struct where w;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	locate(m, path, &w);
	if (w.k != K_SNAP)
		return w.k == K_NONE ? -ENOENT : -EISDIR;
	fi->keep_cache = 1;	/* a snapshot never changes */
	return 0;
}

static int
m_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mount *m = ctx();
	struct where w;
	size_t got = 0;
	int r;

	(void)fi;
	if (off < 0)
		return -EINVAL;
	locate(m, path, &w);
	if (w.k != K_SNAP)
		return -ENOENT;
	if ((r = coffer_backup_read(m->v, w.s->id, w.rest, (uint64_t)off,
	    buf, size, &got)) != 0)
		return r == COFFER_ERR_STATE ? -EISDIR : fail(m, r, "read",
		    path);
	return (int)got;
}

static const struct fuse_operations ops = {
	.getattr = m_getattr,
	.readlink = m_readlink,
	.readdir = m_readdir,
	.open = m_open,
	.read = m_read,
};

int
cmd_backup_mount(struct cli *c)
{
	char *argv[] = { "coffer", "-o", "ro,fsname=coffer,subtype=coffer",
	    NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse *fu = NULL;
	struct mount m;
	struct bset set;
	int r, mounted = 0;

	memset(&m, 0, sizeof(m));
	m.c = c;
	m.when = time(NULL);
	if ((r = bset_open(c, &set, "backup mount")) != CLI_OK)
		goto out;
	m.repo = set.repo;
	if ((r = coffer_backup_view_open(&m.v, set.repo, 0)) != 0 ||
	    (r = coffer_backup_view_snapshots(m.v, on_snap, &m)) != 0) {
		r = bset_fail(c, &set, r, "backup mount");
		goto out;
	}
	if ((fu = fuse_new(&args, &ops, sizeof(ops), &m)) == NULL) {
		r = cli_failf(c, "backup mount: FUSE refused its options");
		goto out;
	}
	if (fuse_mount(fu, c->pos[0]) != 0) {
		r = cli_failf(c, "backup mount: cannot mount on %s (is FUSE 3 "
		    "installed, /dev/fuse usable and the folder empty?)",
		    c->pos[0]);
		goto out;
	}
	mounted = 1;
	if (fuse_set_signal_handlers(fuse_get_session(fu)) != 0) {
		r = cli_failf(c, "backup mount: cannot catch signals");
		goto out;
	}
	cli_note(c, "mounted %zu snapshot%s on %s; unmount with "
	    "'fusermount3 -u %s' or Ctrl-C", m.n, m.n == 1 ? "" : "s",
	    c->pos[0], c->pos[0]);
	r = fuse_loop(fu) < 0 ? cli_failf(c, "backup mount: the FUSE loop "
	    "failed") : CLI_OK;
	fuse_remove_signal_handlers(fuse_get_session(fu));
	cli_json_set(c, "mountpoint", json_string(c->pos[0]));
	cli_json_u64(c, "snapshots", m.n);
out:
	if (mounted)
		fuse_unmount(fu);
	if (fu != NULL)
		fuse_destroy(fu);
	fuse_opt_free_args(&args);
	coffer_backup_view_close(&m.v);
	free(m.s);
	bset_close(&set);
	return r;
}
