/* What this device remembers of a backup set's refs, and the audit of
 * each listing against it (docs/PROTOCOL-backup.md, "Refs a server cannot
 * roll back").
 *
 * refs.seen = "CFBKSEEN" | version (u32, 1) | highest counter (u64) |
 *             INDEX floor (u64) | nsnaps (u32) | names (16) | nforgot
 *             (u32) | names (16) | BLAKE2b-256 of everything before
 *
 * Names strictly increasing, at most SEEN_MAX each. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>
#include <coffer/sign.h>

#include "backup/repo.h"
#include "backup/seen.h"
#include "core/file.h"
#include "core/reader.h"

#define MAGIC		"CFBKSEEN"
#define VERSION		1
#define SUM		32
#define FILE_MAX	(8 + 4 + 16 + 8 + 2 * (size_t)SEEN_MAX * BK_NAME + SUM)

static int
name_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BK_NAME);
}

static int
has(uint8_t (*v)[BK_NAME], size_t n, const uint8_t name[BK_NAME])
{
	return n > 0 && bsearch(name, v, n, BK_NAME, name_cmp) != NULL;
}

/* Append name to *v (kept sorted by the caller's seen_sort). */
static int
push(uint8_t (**v)[BK_NAME], size_t *n, size_t *cap, const uint8_t *name)
{
	void *nv;

	if (*n >= SEEN_MAX)
		return COFFER_ERR_TOOBIG;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 32;
		if ((nv = realloc(*v, *cap * BK_NAME)) == NULL)
			return COFFER_ERR_NOMEM;
		*v = nv;
	}
	memcpy((*v)[(*n)++], name, BK_NAME);
	return 0;
}

/* Sort and drop duplicates. */
static void
uniq(uint8_t (*v)[BK_NAME], size_t *n)
{
	size_t i, j;

	if (*n == 0)
		return;
	qsort(v, *n, BK_NAME, name_cmp);
	for (i = j = 1; i < *n; i++)
		if (memcmp(v[j - 1], v[i], BK_NAME) != 0)
			memmove(v[j++], v[i], BK_NAME);
	*n = j;
}

static int
read_list(struct reader *rd, uint8_t (**v)[BK_NAME], size_t *n, size_t *cap)
{
	const uint8_t *p;
	uint32_t c, i;
	int r;

	if ((r = reader_u32(rd, &c)) != 0)
		return r;
	if (c > SEEN_MAX)
		return COFFER_ERR_TOOBIG;
	if ((r = reader_bytes(rd, (size_t)c * BK_NAME, &p)) != 0)
		return r;
	for (i = 0; i < c; i++) {
		if (i > 0 && memcmp(p + (i - 1) * BK_NAME, p + i * BK_NAME,
		    BK_NAME) >= 0)
			return COFFER_ERR_CORRUPT;
		if ((r = push(v, n, cap, p + i * BK_NAME)) != 0)
			return r;
	}
	return 0;
}

int
seen_load(struct seen *s, int dirfd)
{
	struct coffer_buf *b = NULL;
	struct reader rd;
	uint8_t sum[SUM], *p;
	const uint8_t *d;
	uint32_t v;
	ssize_t got;
	size_t len;
	int fd = -1, r;

	memset(s, 0, sizeof(*s));
	if ((fd = openat(dirfd, SEEN_FILE, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : COFFER_ERR_IO;
	if ((b = coffer_buf_new(FILE_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if ((r = coffer_buf_extend(b, 65536, &p)) != 0)
			goto out;
		if ((got = read(fd, p, 65536)) < 0 && errno == EINTR)
			got = 0;
		if (got < 0) {
			r = COFFER_ERR_IO;
			goto out;
		}
		coffer_buf_truncate(b, coffer_buf_len(b) - 65536 + (size_t)got);
		if (got == 0)
			break;
	}
	len = coffer_buf_len(b);
	d = coffer_buf_data(b);
	r = COFFER_ERR_CORRUPT;
	if (len < 8 + 4 + 16 + 8 + SUM || memcmp(d, MAGIC, 8) != 0)
		goto out;
	crypto_generichash(sum, SUM, d, len - SUM, NULL, 0);
	if (sodium_memcmp(sum, d + len - SUM, SUM) != 0)
		goto out;
	reader_init(&rd, d + 8, len - 8 - SUM);
	if ((r = reader_u32(&rd, &v)) != 0)
		goto out;
	if (v != VERSION) {
		r = COFFER_ERR_VERSION;
		goto out;
	}
	if ((r = reader_u64(&rd, &s->highest)) != 0 ||
	    (r = reader_u64(&rd, &s->floor)) != 0 ||
	    (r = read_list(&rd, &s->snaps, &s->nsnaps, &s->capsnaps)) != 0 ||
	    (r = read_list(&rd, &s->forgot, &s->nforgot,
	    &s->capforgot)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		r = r == COFFER_ERR_NOMEM || r == COFFER_ERR_TOOBIG ? r :
		    COFFER_ERR_CORRUPT;
out:
	if (fd >= 0)
		close(fd);
	coffer_buf_free(&b);
	if (r != 0)
		seen_free(s);
	return r;
}

void
seen_free(struct seen *s)
{
	seen_refs_free(s);
	free(s->snaps);
	free(s->forgot);
	free(s->skip);
	free(s->stale);
	memset(s, 0, sizeof(*s));
}

int
seen_save(const struct seen *s, int dirfd)
{
	struct coffer_buf *b = NULL;
	uint8_t *p;
	int fd = -1, r;

	if ((b = coffer_buf_new(FILE_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_append(b, MAGIC, 8)) != 0 ||
	    (r = coffer_buf_put_u32(b, VERSION)) != 0 ||
	    (r = coffer_buf_put_u64(b, s->highest)) != 0 ||
	    (r = coffer_buf_put_u64(b, s->floor)) != 0 ||
	    (r = coffer_buf_put_u32(b, (uint32_t)s->nsnaps)) != 0 ||
	    (r = coffer_buf_append(b, s->snaps, s->nsnaps * BK_NAME)) != 0 ||
	    (r = coffer_buf_put_u32(b, (uint32_t)s->nforgot)) != 0 ||
	    (r = coffer_buf_append(b, s->forgot, s->nforgot * BK_NAME)) != 0 ||
	    (r = coffer_buf_extend(b, SUM, &p)) != 0)
		goto out;
	crypto_generichash(p, SUM, coffer_buf_data(b), coffer_buf_len(b) - SUM,
	    NULL, 0);
	r = COFFER_ERR_IO;
	if ((fd = openat(dirfd, SEEN_FILE ".new", O_WRONLY | O_CREAT |
	    O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto out;
	if ((r = file_write_all(fd, coffer_buf_data(b),
	    coffer_buf_len(b))) != 0 || (r = file_sync(fd)) != 0)
		goto out;
	r = COFFER_ERR_IO;
	if (renameat(dirfd, SEEN_FILE ".new", dirfd, SEEN_FILE) != 0 ||
	    file_sync(dirfd) != 0)
		goto out;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	coffer_buf_free(&b);
	return r;
}

int
seen_skip(const struct seen *s, const uint8_t name[BK_NAME])
{
	return has(s->skip, s->nskip, name);
}

/* One listing, opened: what the audit needs of each ref. */
struct aref {
	uint8_t		 name[BK_NAME];
	uint8_t		 kind;
	struct bk_ctr	 ctr;
	int		 ok;		/* FORGET: verified */
	struct bk_forget f;
};

struct audit {
	struct coffer_backup_repo	*r;
	struct coffer_buf		*body;
	struct aref			*v;
	size_t				 n, cap;
};

static int
audit_ref(void *arg, const uint8_t name[BK_NAME], const uint8_t *data,
    size_t len)
{
	struct audit *a = arg;
	struct bk_snapshot s;
	uint8_t (*segs)[BK_ID] = NULL;
	struct aref *x;
	size_t n;
	void *nv;
	int rc;

	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 32;
		if ((nv = realloc(a->v, a->cap * sizeof(*a->v))) == NULL)
			return COFFER_ERR_NOMEM;
		a->v = nv;
	}
	if ((rc = seen_refs_keep(&a->r->seen, name, data, len)) != 0)
		return rc;
	x = &a->v[a->n];
	memset(x, 0, sizeof(*x));
	memcpy(x->name, name, BK_NAME);
	/* A ref that does not open or parse is the walks' to report. */
	if ((rc = bk_box_open(a->r->kr, &x->kind, name, BK_NAME, data, len,
	    a->body)) != 0)
		return rc == COFFER_ERR_NOMEM ? rc : 0;
	if (x->kind == BK_KIND_INDEX) {
		rc = bk_indexref_parse(coffer_buf_data(a->body),
		    coffer_buf_len(a->body), &segs, &n, &x->ctr);
		free(segs);
	} else if (x->kind == BK_KIND_SNAPSHOT) {
		if ((rc = bk_snapshot_parse(coffer_buf_data(a->body),
		    coffer_buf_len(a->body), &s)) == 0) {
			x->ctr.version = s.version;
			x->ctr.counter = s.counter;
		}
		bk_snapshot_clear(&s);
	} else if (x->kind == BK_KIND_FORGET) {
		rc = bk_forget_parse(coffer_buf_data(a->body),
		    coffer_buf_len(a->body), &x->f);
		x->ctr.counter = x->f.counter;
	} else
		rc = COFFER_ERR_CONTEXT;
	if (rc == COFFER_ERR_NOMEM)
		return rc;
	if (rc == 0)
		a->n++;
	return 0;
}

/* Whether FORGET x is signed by this account's key for this set. */
static int
audit_verify(struct coffer_backup_repo *r, struct aref *x)
{
	struct coffer_buf *m = NULL;
	int rc;

	if (!r->has_signer)
		return COFFER_ERR_STATE;
	if ((m = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = bk_forget_message(r->signer.set, x->name, &x->f, m)) == 0 &&
	    (rc = coffer_sign_verify(x->f.sig, x->f.pk, BK_FORGET_CONTEXT,
	    coffer_buf_data(m), coffer_buf_len(m))) == 0)
		rc = r->signer.trusted(r->signer.arg, x->f.pk);
	coffer_buf_free(&m);
	return rc;
}

static int
say(seen_report_fn fn, void *arg, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
say(seen_report_fn fn, void *arg, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fn != NULL ? fn(arg, level, msg) : 0;
}

/* The findings, the refs to skip and the new memory. */
static int
audit_judge(struct audit *a, seen_report_fn fn, void *arg)
{
	struct coffer_backup_repo *r = a->r;
	struct seen *s = &r->seen;
	uint8_t (*listed)[BK_NAME] = NULL;
	size_t nl = 0, cl = 0, i, j;
	uint64_t floor = s->floor, top = 0;
	size_t nforgot0;
	char hex[2 * BK_NAME + 1];
	int rc = 0;

	s->nskip = s->nstale = 0;
	nforgot0 = s->nforgot;
	for (i = 0; i < a->n; i++) {
		struct aref *x = &a->v[i];

		if (x->ctr.counter > top)
			top = x->ctr.counter;
		if (x->kind == BK_KIND_INDEX && x->ctr.floor > floor)
			floor = x->ctr.floor;
		if (x->kind != BK_KIND_FORGET)
			continue;
		sodium_bin2hex(hex, sizeof(hex), x->name, BK_NAME);
		if ((rc = audit_verify(r, x)) == 0) {
			x->ok = 1;
			for (j = 0; j < x->f.n; j++)
				if ((rc = push(&s->forgot, &s->nforgot,
				    &s->capforgot, x->f.names[j])) != 0)
					goto out;
			continue;
		}
		if (rc == COFFER_ERR_NOMEM)
			goto out;
		if (rc != COFFER_ERR_STATE && (rc = say(fn, arg, SEEN_REPLAY,
		    "FORGET ref %s fails its signature check (%s): not "
		    "made by this account's key for this backup set, the "
		    "server altered or moved it; ignored", hex,
		    coffer_strerror(rc))) != 0)
			goto out;
		rc = 0;
	}
	uniq(s->forgot, &s->nforgot);
	for (i = 0; i < a->n; i++) {
		struct aref *x = &a->v[i];

		sodium_bin2hex(hex, sizeof(hex), x->name, BK_NAME);
		if (x->kind == BK_KIND_INDEX && x->ctr.counter < floor) {
			if ((rc = push(&s->skip, &s->nskip, &s->capskip,
			    x->name)) != 0 || (rc = push(&s->stale, &s->nstale,
			    &s->capstale, x->name)) != 0 ||
			    (rc = say(fn, arg, SEEN_STALE,
			    "INDEX ref %s (counter %llu) is below the floor "
			    "%llu a prune set: a superseded index, brought "
			    "back by the server or left by an interrupted "
			    "prune; ignored", hex,
			    (unsigned long long)x->ctr.counter,
			    (unsigned long long)floor)) != 0)
				goto out;
		}
		if (x->kind != BK_KIND_SNAPSHOT)
			continue;
		if (has(s->forgot, s->nforgot, x->name)) {
			if ((rc = push(&s->skip, &s->nskip, &s->capskip,
			    x->name)) != 0 || (rc = say(fn, arg, SEEN_REPLAY,
			    "snapshot %s was forgotten (a signed forget) and "
			    "the server brought it back; not listed",
			    hex)) != 0)
				goto out;
			continue;
		}
		if ((rc = push(&listed, &nl, &cl, x->name)) != 0)
			goto out;
	}
	uniq(s->skip, &s->nskip);
	uniq(listed, &nl);
	for (i = 0; i < s->nsnaps; i++) {
		if (has(listed, nl, s->snaps[i]) ||
		    has(s->forgot, s->nforgot, s->snaps[i]))
			continue;
		sodium_bin2hex(hex, sizeof(hex), s->snaps[i], BK_NAME);
		if ((rc = say(fn, arg, SEEN_HIDDEN, "snapshot %s, which this "
		    "device saw, is gone without a signed forget: the server hides "
		    "it", hex)) != 0)
			goto out;
		/* Remembered still: reported until a signed forget comes. */
		if ((rc = push(&listed, &nl, &cl, s->snaps[i])) != 0)
			goto out;
	}
	if (top < s->highest && (rc = say(fn, arg, SEEN_HIDDEN, "the newest "
	    "ref this device saw had counter %llu, the newest the server lists has "
	    "%llu: the server withholds or removed refs",
	    (unsigned long long)s->highest, (unsigned long long)top)) != 0)
		goto out;
	uniq(listed, &nl);
	s->dirty |= nl != s->nsnaps || (nl > 0 && memcmp(listed, s->snaps,
	    nl * BK_NAME) != 0) || nforgot0 != s->nforgot ||
	    top > s->highest || floor != s->floor;
	free(s->snaps);
	s->snaps = listed;
	s->nsnaps = nl;
	s->capsnaps = cl;
	listed = NULL;
	if (top > s->highest)
		s->highest = top;
	s->floor = floor;
out:
	free(listed);
	return rc;
}

int
seen_audit(struct coffer_backup_repo *r, seen_report_fn fn, void *arg)
{
	struct audit a;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	a.r = r;
	seen_refs_free(&r->seen);
	if ((a.body = coffer_buf_new_secret(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = r->store.ops->ref_list(r->store.ctx, audit_ref, &a)) == 0)
		rc = audit_judge(&a, fn, arg);
	if (rc != 0)
		seen_refs_free(&r->seen);	/* no walk over a listing not judged */
	for (i = 0; i < a.n; i++)
		bk_forget_clear(&a.v[i].f);
	free(a.v);
	coffer_buf_free(&a.body);
	return rc;
}

int
seen_note(struct seen *s, int dirfd, const uint8_t *snap, uint64_t counter,
    const uint8_t (*forgot)[BK_NAME], size_t n, uint64_t floor)
{
	size_t i, j;
	int rc = 0;

	if (snap != NULL &&
	    (rc = push(&s->snaps, &s->nsnaps, &s->capsnaps, snap)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = push(&s->forgot, &s->nforgot, &s->capforgot, forgot[i]);
	if (rc != 0)
		return rc;
	uniq(s->snaps, &s->nsnaps);
	uniq(s->forgot, &s->nforgot);
	for (i = j = 0; i < s->nsnaps; i++)
		if (!has(s->forgot, s->nforgot, s->snaps[i]))
			memmove(s->snaps[j++], s->snaps[i], BK_NAME);
	s->nsnaps = j;
	if (counter > s->highest)
		s->highest = counter;
	if (floor > s->floor)
		s->floor = floor;
	if ((rc = seen_save(s, dirfd)) == 0)
		s->dirty = 0;
	return rc;
}
