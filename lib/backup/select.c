/* What a backup run leaves out (docs/PROTOCOL-backup.md, "Selecting what
 * to back up"), for the scanner: the exclude patterns (match.c) against
 * the absolute path of each entry, kept as a stack of components that the
 * scanner pushes and pops; the folders a tag file marks (if-present,
 * CACHEDIR.TAG), decided from the names a folder lists and one read of
 * the tag; the file systems of the paths given. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/match.h"
#include "backup/run.h"

#define TAG_CONTENT_MAX	4096

struct sel_tag {
	char		*name;
	const char	*content;	/* in name's allocation */
	size_t		 content_len;
};

struct sel {
	struct match		*m;
	struct sel_tag		 tags[COFFER_BACKUP_IF_PRESENT_MAX];
	size_t			 ntags;
	int			 one_fs;
	dev_t			*devs;		/* of the paths given */
	size_t			 ndevs;
	char			**abs;		/* absolute top paths */
	struct match_comp	*st;		/* the entry's components */
	size_t			 n, cap;
	size_t			 top_n;		/* components of its top */
};

static int
sel_tag_add(struct run *ru, struct sel *s, const char *spec)
{
	struct sel_tag *t;
	const char *colon;
	size_t nlen;

	if (s->ntags == COFFER_BACKUP_IF_PRESENT_MAX)
		return repo_fail(ru->r, COFFER_ERR_INVALID, "more than %d "
		    "if-present tags", COFFER_BACKUP_IF_PRESENT_MAX);
	colon = strchr(spec, ':');
	nlen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	if (nlen == 0 || memchr(spec, '/', nlen) != NULL ||
	    (nlen == 1 && spec[0] == '.') ||
	    (nlen == 2 && spec[0] == '.' && spec[1] == '.') ||
	    (colon != NULL && strlen(colon + 1) > TAG_CONTENT_MAX))
		return repo_fail(ru->r, COFFER_ERR_INVALID, "if-present tag "
		    "'%s': want NAME or NAME:CONTENT, NAME a file name, "
		    "CONTENT at most %d bytes", spec, TAG_CONTENT_MAX);
	t = &s->tags[s->ntags];
	if ((t->name = strdup(spec)) == NULL)
		return COFFER_ERR_NOMEM;
	t->name[nlen] = '\0';
	t->content = colon != NULL ? t->name + nlen + 1 : t->name + nlen;
	t->content_len = colon != NULL ? strlen(colon + 1) : 0;
	s->ntags++;
	return 0;
}

static int
sel_patterns(struct run *ru, struct sel *s, const char *const *v, size_t n,
    unsigned flags)
{
	const char *why;
	size_t i;
	int r;

	if (n > 0 && v == NULL)
		return COFFER_ERR_INVALID;
	if (n > COFFER_BACKUP_EXCLUDES_MAX - match_count(s->m))
		return repo_fail(ru->r, COFFER_ERR_INVALID, "more than %d "
		    "exclude patterns", COFFER_BACKUP_EXCLUDES_MAX);
	for (i = 0; i < n; i++)
		if ((r = match_add(s->m, v[i], flags, &why)) != 0)
			return r == COFFER_ERR_INVALID ? repo_fail(ru->r, r,
			    "%sexclude pattern '%s': %s", flags ? "i" : "",
			    v[i] != NULL ? v[i] : "", why) : r;
	return 0;
}

/* Clean the absolute path p in place: components between '/'. */
static void
sel_clean(char *p)
{
	char *r = p, *w = p, *c;

	while (*r != '\0') {
		while (*r == '/')
			r++;
		if (*r == '\0')
			break;
		c = r;
		while (*r != '\0' && *r != '/')
			r++;
		if (r - c == 1 && c[0] == '.')
			continue;
		if (r - c == 2 && c[0] == '.' && c[1] == '.') {
			while (w > p && *--w != '/')
				;
			continue;
		}
		*w++ = '/';
		memmove(w, c, (size_t)(r - c));
		w += r - c;
	}
	if (w == p)
		*w++ = '/';
	*w = '\0';
}

/* The absolute form of path p, cleaned as restic does (filepath.Abs:
 * no ".", "..", or doubled '/'; no link followed). */
static char *
sel_abs(const char *p)
{
	char cwd[PATH_MAX], *out, *o;
	size_t len, cl = 0;

	if (p[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return NULL;
		cl = strlen(cwd);
	}
	len = cl + strlen(p) + 2;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	o = out;
	if (cl > 0) {
		memcpy(out, cwd, cl);
		o += cl;
	}
	*o++ = '/';
	memcpy(o, p, strlen(p) + 1);
	sel_clean(out);
	return out;
}

static int
sel_push(struct sel *s, const char *p, size_t len)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 64;
		struct match_comp *nv;

		if ((nv = realloc(s->st, nc * sizeof(*nv))) == NULL)
			return COFFER_ERR_NOMEM;
		s->st = nv;
		s->cap = nc;
	}
	s->st[s->n].p = p;
	s->st[s->n++].len = len;
	return 0;
}

void
sel_free(struct run *ru)
{
	struct sel *s = ru->sel;
	size_t i;

	if (s == NULL)
		return;
	match_free(&s->m);
	for (i = 0; i < s->ntags; i++)
		free(s->tags[i].name);
	for (i = 0; s->abs != NULL && i < ru->ntop; i++)
		free(s->abs[i]);
	free(s->abs);
	free(s->devs);
	free(s->st);
	free(s);
	ru->sel = NULL;
}

int
sel_init(struct run *ru)
{
	const struct coffer_backup_options *o = ru->opt;
	struct sel *s;
	struct stat st;
	size_t i;
	int r;

	if ((s = ru->sel = calloc(1, sizeof(*s))) == NULL ||
	    (s->m = match_new()) == NULL ||
	    (s->abs = calloc(ru->ntop, sizeof(*s->abs))) == NULL ||
	    (s->devs = calloc(ru->ntop, sizeof(*s->devs))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < ru->ntop; i++)
		if ((s->abs[i] = sel_abs(ru->top_path[i])) == NULL)
			return repo_fail(ru->r, errno == ENOMEM ?
			    COFFER_ERR_NOMEM : COFFER_ERR_IO, "%s: no "
			    "absolute path: %s", ru->top_path[i],
			    strerror(errno));
	if (o == NULL)
		return 0;
	if ((r = sel_patterns(ru, s, o->excludes, o->nexcludes, 0)) != 0 ||
	    (r = sel_patterns(ru, s, o->iexcludes, o->niexcludes,
	    MATCH_ICASE)) != 0)
		return r;
	if (o->nif_present > 0 && o->if_present == NULL)
		return COFFER_ERR_INVALID;
	for (i = 0; i < o->nif_present; i++)
		if ((r = sel_tag_add(ru, s, o->if_present[i] != NULL ?
		    o->if_present[i] : "")) != 0)
			return r;
	if (o->exclude_caches && (r = sel_tag_add(ru, s, COFFER_CACHEDIR_TAG
	    ":" COFFER_CACHEDIR_SIGNATURE)) != 0)
		return r;
	if ((s->one_fs = o->one_file_system != 0))
		for (i = 0; i < ru->ntop; i++) {
			if (lstat(ru->top_path[i], &st) != 0)
				return repo_fail(ru->r, COFFER_ERR_NOTFOUND,
				    "%s: %s", ru->top_path[i],
				    strerror(errno));
			s->devs[s->ndevs++] = st.st_dev;
		}
	return 0;
}

int
sel_top(struct run *ru, size_t i)
{
	struct sel *s = ru->sel;
	const char *p = s->abs[i], *e;
	int r;

	s->n = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, '/');
		if ((r = sel_push(s, p, e != NULL ? (size_t)(e - p) :
		    strlen(p))) != 0)
			return r;
		p += s->st[s->n - 1].len;
	}
	s->top_n = s->n;
	return 0;
}

int
sel_enter(struct run *ru, const char *name)
{
	return sel_push(ru->sel, name, strlen(name));
}

void
sel_leave(struct run *ru)
{
	ru->sel->n--;
}

int
sel_needs_type(const struct run *ru)
{
	return match_dir_only(ru->sel->m);
}

int
sel_excluded(const struct run *ru, int is_dir)
{
	const struct sel *s = ru->sel;

	/* The top: no folder above it was checked, so a match may end
	 * anywhere in its path. Below: only at the entry. */
	return match_count(s->m) > 0 && match_path(s->m, s->st, s->n,
	    s->n == s->top_n ? 1 : s->n, is_dir);
}

int
sel_other_fs(const struct run *ru, const struct stat *st)
{
	const struct sel *s = ru->sel;
	size_t i;

	if (!s->one_fs)
		return 0;
	for (i = 0; i < s->ndevs; i++)
		if (s->devs[i] == st->st_dev)
			return 0;
	return 1;
}

int
sel_dent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sel_dent *)a)->name,
	    ((const struct sel_dent *)b)->name);
}

/* Does the regular file name in dfd start with content? */
static int
sel_tag_valid(int dfd, const struct sel_tag *t)
{
	char buf[TAG_CONTENT_MAX];
	struct stat st, st0;
	size_t got = 0;
	ssize_t k;
	int fd, ok = 0;

	/* Opened only if it is a regular file: opening a device can act
	 * (a tape rewinds), a FIFO waits. The flags and the check after
	 * keep a name swapped in between from being read. */
	if (fstatat(dfd, t->name, &st0, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st0.st_mode))
		return 0;
	if ((fd = openat(dfd, t->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_dev != st0.st_dev || st.st_ino != st0.st_ino)
		goto out;
	while (got < t->content_len && (k = pread(fd, buf + got,
	    t->content_len - got, (off_t)got)) > 0)
		got += (size_t)k;
	ok = got == t->content_len && memcmp(buf, t->content, got) == 0;
out:
	close(fd);
	return ok;
}

uint64_t
sel_tags(const struct run *ru, int dfd, const struct sel_dent *v, size_t n)
{
	const struct sel *s = ru->sel;
	struct sel_dent key;
	uint64_t hit = 0;
	size_t i;

	for (i = 0; i < s->ntags && n > 0; i++) {
		key.name = s->tags[i].name;
		if (bsearch(&key, v, n, sizeof(*v), sel_dent_cmp) != NULL &&
		    sel_tag_valid(dfd, &s->tags[i]))
			hit |= (uint64_t)1 << i;
	}
	return hit;
}

int
sel_tag_keeps(const struct run *ru, uint64_t hit, const char *name)
{
	const struct sel *s = ru->sel;
	size_t i;

	for (i = 0; i < s->ntags; i++)
		if ((hit >> i & 1) && strcmp(s->tags[i].name, name) == 0)
			return 1;
	return 0;
}
