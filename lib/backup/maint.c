/* What prune and check share (maint.h): the refs as stored, a temporary
 * index of the segments' chunks with a bitmap of the used ones, the
 * marking walk over every snapshot, and findings. Memory: the bitmap
 * (one bit per index slot), the ref lists and one blob at a time; the
 * index itself is an mmap'd file in the cache folder. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/maint.h"
#include "backup/walk.h"

#define TMPDIR	"maint.tmp"

static const char *const tmp_files[] = {
	"chunks.idx", "chunks.idx.new", "packs.lst", "segs.lst",
};

int
maint_find(struct coffer_backup_repo *r, struct maint_report *m, int level,
    int err, const char *fmt, ...)
{
	char msg[sizeof(r->detail)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level == COFFER_CHECK_INFO)
		m->infos++;
	else {
		if (m->errors++ == 0)
			memcpy(m->first, msg, sizeof(m->first));
		if (err == COFFER_ERR_KEY)
			m->keys++;
		if (err == COFFER_ERR_ROLLBACK)
			m->rollbacks++;
		if (m->strict)
			repo_fail(r, err, "%s", msg);
	}
	if (m->fn != NULL)
		m->fn(m->arg, level, msg);
	return m->strict && level != COFFER_CHECK_INFO ? err : 0;
}

int
maint_grow(void *pp, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? 2 * *cap : 16;
	if ((nv = realloc(*(void **)pp, nc * size)) == NULL)
		return COFFER_ERR_NOMEM;
	*(void **)pp = nv;
	*cap = nc;
	return 0;
}

int
maint_id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BK_ID);
}

/* Refs. */
struct mrl {
	struct coffer_backup_repo	*r;
	struct maint_report		*m;
	struct maint_refs		*o;
	struct coffer_buf		*body;
	size_t				 icap, scap, ncap;
};

static int
mrl_index(struct mrl *l, const uint8_t *name, const uint8_t *p, size_t len)
{
	uint8_t (*segs)[BK_ID] = NULL;
	size_t n, i;
	int rc;

	if ((rc = bk_indexref_parse(p, len, &segs, &n, NULL)) != 0)
		return rc;
	if ((rc = maint_grow(&l->o->index, &l->icap, l->o->nindex,
	    BK_NAME)) != 0)
		goto out;
	memcpy(l->o->index[l->o->nindex++], name, BK_NAME);
	for (i = 0; i < n; i++) {
		if ((rc = maint_grow(&l->o->segs, &l->scap, l->o->nsegs,
		    BK_ID)) != 0)
			goto out;
		memcpy(l->o->segs[l->o->nsegs++], segs[i], BK_ID);
	}
out:
	free(segs);
	return rc;
}

static int
mrl_snap(struct mrl *l, const uint8_t *name, const uint8_t *p, size_t len)
{
	struct bk_snapshot s;
	size_t c = l->ncap;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = bk_snapshot_parse(p, len, &s)) != 0)
		return rc;
	if ((rc = maint_grow(&l->o->snaps, &c, l->o->nsnaps, BK_NAME)) == 0 &&
	    (rc = maint_grow(&l->o->roots, &l->ncap, l->o->nsnaps,
	    BK_ID)) == 0) {
		memcpy(l->o->snaps[l->o->nsnaps], name, BK_NAME);
		memcpy(l->o->roots[l->o->nsnaps++], s.root, BK_ID);
	}
	bk_snapshot_clear(&s);
	return rc;
}

/* A FORGET must parse; its signature is the audit's (seen.c). */
static int
mrl_forget(const uint8_t *p, size_t len)
{
	struct bk_forget f;
	int rc = bk_forget_parse(p, len, &f);

	bk_forget_clear(&f);
	return rc;
}

/* The audit's findings: check reports a hidden snapshot or a replay as
 * an error, a superseded INDEX ref as information; prune (strict) stops
 * at what hides data and goes on past what it ignores. */
static int
mrl_audit(void *arg, int level, const char *msg)
{
	struct mrl *l = arg;

	return maint_find(l->r, l->m, level == SEEN_HIDDEN ||
	    (level == SEEN_REPLAY && !l->m->strict) ? COFFER_CHECK_ERROR :
	    COFFER_CHECK_INFO, COFFER_ERR_ROLLBACK, "%s", msg);
}

static int
mrl_one(void *arg, const uint8_t name[BK_NAME], const uint8_t *data,
    size_t len)
{
	struct mrl *l = arg;
	char hex[2 * BK_NAME + 1];
	uint8_t kind = 0;
	int rc;

	l->o->nrefs++;
	if (seen_skip(&l->r->seen, name))
		return 0;	/* brought back by the server: reported */
	repo_hex(hex, name, BK_NAME);
	if ((rc = bk_box_open(l->r->kr, &kind, name, BK_NAME, data, len,
	    l->body)) == 0) {
		if (kind == BK_KIND_INDEX)
			rc = mrl_index(l, name, coffer_buf_data(l->body),
			    coffer_buf_len(l->body));
		else if (kind == BK_KIND_SNAPSHOT)
			rc = mrl_snap(l, name, coffer_buf_data(l->body),
			    coffer_buf_len(l->body));
		else if (kind == BK_KIND_LOCK) {
			struct bk_lock lk;

			rc = bk_lock_parse(coffer_buf_data(l->body),
			    coffer_buf_len(l->body), &lk);
		} else if (kind == BK_KIND_FORGET)
			rc = mrl_forget(coffer_buf_data(l->body),
			    coffer_buf_len(l->body));
		else
			rc = COFFER_ERR_CONTEXT;
	}
	if (rc == 0 || rc == COFFER_ERR_NOMEM)
		return rc;
	if (rc == COFFER_ERR_KEY)
		return maint_find(l->r, l->m, COFFER_CHECK_ERROR, rc,
		    "ref %s " REPO_LACKS, hex, bk_box_lacks(l->r->kr, data,
		    len));
	return maint_find(l->r, l->m, COFFER_CHECK_ERROR, COFFER_ERR_CORRUPT,
	    "ref %s fails its checks (%s)", hex, coffer_strerror(rc));
}

int
maint_refs_load(struct coffer_backup_repo *r, struct maint_report *m,
    struct maint_refs *out)
{
	struct mrl l;
	size_t i, j;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	l.r = r;
	l.m = m;
	l.o = out;
	if ((rc = repo_audit(r, mrl_audit, &l)) != 0)
		return rc;
	if ((l.body = coffer_buf_new_secret(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	rc = seen_walk(&r->seen, mrl_one, &l);
	if (rc != 0 && !r->failed)
		rc = repo_list_fail(r, rc);
	coffer_buf_free(&l.body);
	if (rc != 0) {
		maint_refs_free(out);
		return rc;
	}
	if (out->nsegs > 0)
		qsort(out->segs, out->nsegs, BK_ID, maint_id_cmp);
	for (i = j = 0; i < out->nsegs; i++)
		if (j == 0 ||
		    memcmp(out->segs[j - 1], out->segs[i], BK_ID) != 0)
			memmove(out->segs[j++], out->segs[i], BK_ID);
	out->nsegs = j;
	return 0;
}

void
maint_refs_free(struct maint_refs *m)
{
	free(m->index);
	free(m->segs);
	free(m->snaps);
	free(m->roots);
	memset(m, 0, sizeof(*m));
}

int
maint_get(struct coffer_backup_repo *r, const uint8_t id[BK_ID],
    const char *what, struct coffer_buf *out)
{
	struct coffer_bstore_xfer x;
	int rc;

	coffer_buf_reset(out);
	memset(&x, 0, sizeof(x));
	memcpy(x.id, id, BK_ID);
	x.out = out;
	if ((rc = r->store.ops->get_many(r->store.ctx, &x, 1)) != 0)
		rc = repo_store_fail(r, rc == COFFER_ERR_FORMAT ||
		    rc == COFFER_ERR_TRUNCATED ? COFFER_ERR_CORRUPT : rc, what,
		    id, BK_ID);
	return rc;
}

/* A segment callback whose own errors are told apart from the segment's. */
struct mseg {
	bk_seg_fn	 fn;
	void		*arg;
	int		 err;
};

static int
mseg_pack(void *arg, const struct bk_seg_pack *p)
{
	struct mseg *s = arg;

	return s->err = s->fn(s->arg, p);
}

int
maint_seg_each(struct coffer_backup_repo *r, struct maint_report *m,
    const uint8_t (*segs)[BK_ID], size_t n, bk_seg_fn fn, void *arg)
{
	struct coffer_buf *b;
	struct mseg s = { fn, arg, 0 };
	char hex[2 * BK_ID + 1];
	size_t i;
	int rc = 0;

	if ((b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		repo_hex(hex, segs[i], BK_ID);
		if ((rc = maint_get(r, segs[i], "index segment", b)) != 0) {
			if (rc == COFFER_ERR_NOTFOUND ||
			    rc == COFFER_ERR_CORRUPT)
				rc = maint_find(r, m, COFFER_CHECK_ERROR, rc,
				    "index segment %s %s", hex,
				    rc == COFFER_ERR_NOTFOUND ?
				    "is missing from the store" :
				    "cannot be read whole");
			continue;
		}
		s.err = 0;
		rc = bk_seg_decode(r->kr, segs[i], coffer_buf_data(b),
		    coffer_buf_len(b), mseg_pack, &s);
		if (rc == COFFER_ERR_KEY && s.err == 0)
			rc = maint_find(r, m, COFFER_CHECK_ERROR, rc,
			    "index segment %s " REPO_LACKS, hex,
			    bk_box_lacks(r->kr, coffer_buf_data(b),
			    coffer_buf_len(b)));
		else if (rc != 0 && s.err == 0 && rc != COFFER_ERR_NOMEM)
			rc = maint_find(r, m, COFFER_CHECK_ERROR,
			    COFFER_ERR_CORRUPT,
			    "index segment %s fails its checks (%s)", hex,
			    coffer_strerror(rc));
	}
	coffer_buf_free(&b);
	return rc;
}

/* The temporary index. */
static void
tmp_clean(int dirfd)
{
	size_t i;

	for (i = 0; i < sizeof(tmp_files) / sizeof(tmp_files[0]); i++)
		unlinkat(dirfd, tmp_files[i], 0);
}

struct mbuild {
	struct cidx	*idx;
	bk_seg_fn	 fn;
	void		*arg;
};

static int
mbuild_pack(void *arg, const struct bk_seg_pack *p)
{
	struct mbuild *b = arg;
	int rc;

	if ((rc = repo_seg_fold(b->idx, p)) != 0)
		return rc;
	return b->fn != NULL ? b->fn(b->arg, p) : 0;
}

int
maint_index_build(struct coffer_backup_repo *r, struct maint_report *m,
    const struct maint_refs *refs, struct maint_index *x, bk_seg_fn fn,
    void *arg)
{
	struct mbuild b;
	int rc;

	memset(x, 0, sizeof(*x));
	if ((mkdirat(r->cachefd, TMPDIR, 0700) != 0 && errno != EEXIST) ||
	    (x->dirfd = openat(r->cachefd, TMPDIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		x->dirfd = -1;
		return repo_fail(r, COFFER_ERR_IO, "cache folder %s: %s",
		    TMPDIR, strerror(errno));
	}
	tmp_clean(x->dirfd);
	if ((rc = cidx_open(&x->idx, x->dirfd)) != 0) {
		repo_fail(r, rc, "temporary index: %s", coffer_strerror(rc));
		goto out;
	}
	b.idx = x->idx;
	b.fn = fn;
	b.arg = arg;
	if ((rc = maint_seg_each(r, m, (const uint8_t (*)[BK_ID])refs->segs,
	    refs->nsegs, mbuild_pack, &b)) != 0)
		goto out;
	/* The table no longer grows: slots are stable from here on. */
	if ((x->used = calloc(cidx_nslots(x->idx) / 8 + 1, 1)) == NULL)
		rc = COFFER_ERR_NOMEM;
out:
	if (rc != 0)
		maint_index_free(x);
	return rc;
}

void
maint_index_free(struct maint_index *x)
{
	cidx_close(&x->idx, 0);
	if (x->dirfd >= 0) {
		tmp_clean(x->dirfd);
		close(x->dirfd);
	}
	free(x->used);
	memset(x, 0, sizeof(*x));
	x->dirfd = -1;
}

/* Mark id: 1 if it was marked already, 0 if now marked, or
 * COFFER_ERR_NOTFOUND. */
static int
maint_index_set(struct maint_index *x, const uint8_t id[BK_ID], uint8_t type)
{
	uint64_t s;
	uint8_t bit;

	if (cidx_slot(x->idx, id, type, &s) != 0)
		return COFFER_ERR_NOTFOUND;
	bit = (uint8_t)(1u << (s & 7));
	if (x->used[s / 8] & bit)
		return 1;
	x->used[s / 8] |= bit;
	x->nused++;
	return 0;
}

int
maint_index_used(struct maint_index *x, const uint8_t id[BK_ID],
    uint8_t type)
{
	uint64_t s;

	return cidx_slot(x->idx, id, type, &s) == 0 &&
	    (x->used[s / 8] >> (s & 7) & 1);
}

/* The marking walk. */
struct mmark {
	struct coffer_backup_repo	*r;
	struct maint_report		*m;
	struct maint_index		*x;
	char				 snap[2 * BK_NAME + 1];
};

/* A chunk the index lacks is damage, unless an index segment was left
 * out for naming a key version the ring lacks: it may be there. */
static int
mmark_missing(const struct maint_report *m)
{
	return m->keys > 0 ? COFFER_ERR_KEY : COFFER_ERR_CORRUPT;
}

static int
mmark_node(void *arg, const char *path, const struct bk_node *n, int ev)
{
	struct mmark *k = arg;
	char hex[2 * BK_ID + 1];
	uint32_t i;
	int rc;

	if (ev != WALK_ENTER)
		return 0;
	if (n->type == BK_DIR) {
		if ((rc = maint_index_set(k->x, n->subtree, BK_TREE)) == 1)
			return WALK_SKIP;	/* walked already */
		if (rc == 0)
			return 0;
		repo_hex(hex, n->subtree, BK_ID);
		rc = maint_find(k->r, k->m, COFFER_CHECK_ERROR,
		    mmark_missing(k->m),
		    "snapshot %s: the tree %s of %s is not in the index",
		    k->snap, hex, path);
		return rc != 0 ? rc : WALK_SKIP;
	}
	for (i = 0; n->type == BK_FILE && i < n->nchunks; i++) {
		if (maint_index_set(k->x, n->chunks + (size_t)i * BK_ID,
		    BK_DATA) >= 0)
			continue;
		repo_hex(hex, n->chunks + (size_t)i * BK_ID, BK_ID);
		if ((rc = maint_find(k->r, k->m, COFFER_CHECK_ERROR,
		    mmark_missing(k->m), "snapshot %s: chunk %s of %s is not "
		    "in the index", k->snap, hex, path)) != 0)
			return rc;
	}
	return 0;
}

int
maint_index_mark(struct coffer_backup_repo *r, struct maint_report *m,
    struct maint_index *x, const struct maint_refs *refs)
{
	struct mmark k = { r, m, x, "" };
	struct cidx *keep = r->idx;
	char *path, hex[2 * BK_ID + 1], msg[sizeof(r->detail)];
	size_t i;
	int rc = 0, set;

	if ((path = malloc(WALK_PATH_MAX + 1)) == NULL)
		return COFFER_ERR_NOMEM;
	/* Trees are read through the segments' index, not the cache's. */
	r->idx = x->idx;
	for (i = 0; i < refs->nsnaps && rc == 0; i++) {
		repo_hex(k.snap, refs->snaps[i], BK_NAME);
		if ((set = maint_index_set(x, refs->roots[i], BK_TREE)) == 1)
			continue;	/* the same tree as an earlier one */
		if (set != 0) {
			repo_hex(hex, refs->roots[i], BK_ID);
			rc = maint_find(r, m, COFFER_CHECK_ERROR,
			    mmark_missing(m), "snapshot %s: its root tree %s "
			    "is not in the index", k.snap, hex);
			continue;
		}
		/* The walk's own detail names what failed. */
		repo_clear(r);
		rc = walk_root(r, refs->roots[i], path, mmark_node, &k);
		if (rc != 0 && rc != COFFER_ERR_NOMEM && !m->strict) {
			memcpy(msg, r->detail, sizeof(msg));
			rc = maint_find(r, m, COFFER_CHECK_ERROR, rc,
			    "snapshot %s: %s", k.snap, msg);
		}
	}
	r->idx = keep;
	free(path);
	return rc;
}
