/* The repository handle: open (reconcile the local index with the
 * repository and the journal), snapshots (list, resolve, load), reading
 * verified chunks, error details. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "backup/repo.h"

void
repo_hex(char *out, const uint8_t *p, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

int
repo_fail(struct coffer_backup_repo *r, int err, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&r->lock);
	if (!r->failed) {
		va_start(ap, fmt);
		vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
		va_end(ap);
		r->failed = 1;
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

void
repo_clear(struct coffer_backup_repo *r)
{
	pthread_mutex_lock(&r->lock);
	r->failed = 0;
	r->detail[0] = '\0';
	pthread_mutex_unlock(&r->lock);
}

/* The store's own words about its last failure, or NULL. */
static const char *
store_message(const struct coffer_backup_repo *r)
{
	return r->store.ops->message != NULL ?
	    r->store.ops->message(r->store.ctx) : NULL;
}

int
repo_store_fail(struct coffer_backup_repo *r, int err, const char *what,
    const uint8_t *id, size_t idlen)
{
	const char *m = store_message(r);
	char hex[2 * BK_ID + 1];

	repo_hex(hex, id, idlen);
	if (err == COFFER_ERR_NOTFOUND)
		return repo_fail(r, err, "%s %s is missing from the store",
		    what, hex);
	return repo_fail(r, err, "%s %s: %s%s%s", what, hex,
	    coffer_strerror(err), m != NULL ? ": " : "", m != NULL ? m : "");
}

int
repo_list_fail(struct coffer_backup_repo *r, int err)
{
	const char *m = store_message(r);

	return repo_fail(r, err, "listing refs: %s%s%s", coffer_strerror(err),
	    m != NULL ? ": " : "", m != NULL ? m : "");
}

const char *
coffer_backup_error_detail(const struct coffer_backup_repo *r)
{
	return r != NULL ? r->detail : "";
}

int
repo_reader_init(struct repo_reader *rd, const struct bk_keyring *kr)
{
	int r;

	memset(rd, 0, sizeof(*rd));
	if ((r = bk_zctx_new(&rd->z, 0)) != 0 ||
	    (r = bk_hmac_new(&rd->h, bk_keyring_oldest(kr))) != 0)
		repo_reader_clear(rd);
	return r;
}

void
repo_reader_clear(struct repo_reader *rd)
{
	bk_zctx_free(&rd->z);
	bk_hmac_free(&rd->h);
}

int
repo_open_chunk(struct coffer_backup_repo *r, struct repo_reader *rd,
    const uint8_t packid[BK_ID], const struct bk_entry *e, const uint8_t *s,
    size_t slen, uint8_t *out)
{
	char ph[2 * BK_ID + 1], ch[2 * BK_ID + 1];
	int rc;

	if ((rc = bk_chunk_open(rd->z, rd->h, r->kr, e->id, e->type, s, slen,
	    e->rlen, out)) == 0)
		return 0;
	if (rc == COFFER_ERR_NOMEM)
		return rc;
	repo_hex(ph, packid, BK_ID);
	repo_hex(ch, e->id, BK_ID);
	if (rc == COFFER_ERR_KEY)
		return repo_fail(r, rc, "chunk %s at offset %u of pack %s "
		    REPO_LACKS, ch, e->offset, ph,
		    bk_chunk_lacks(r->kr, s, slen));
	return repo_fail(r, COFFER_ERR_CORRUPT,
	    "chunk %s at offset %u of pack %s fails its checks (%s)", ch,
	    e->offset, ph, coffer_strerror(rc));
}

void
repo_span(uint64_t off, uint64_t len, uint32_t plen, uint64_t *start,
    uint64_t *end)
{
	*start = off / REPO_GRID * REPO_GRID;
	*end = (off + len + REPO_GRID - 1) / REPO_GRID * REPO_GRID;
	if (plen == 0)
		*end = 0;
	else if (*end > plen)
		*end = plen;
}

int
repo_read_chunk(struct coffer_backup_repo *r, struct repo_reader *rd,
    const uint8_t id[BK_ID], uint8_t type, struct coffer_buf *out)
{
	struct coffer_bstore_xfer x;
	struct coffer_buf *s = NULL;
	struct bk_entry e;
	uint8_t packid[BK_ID], *p;
	char hex[2 * BK_ID + 1];
	uint64_t start, end;
	uint32_t plen;
	int rc;

	coffer_buf_reset(out);
	if (cidx_locate(r->idx, id, type, &e, packid, &plen) != 0) {
		repo_hex(hex, id, BK_ID);
		return repo_fail(r, COFFER_ERR_CORRUPT,
		    "chunk %s is not in the repository's index", hex);
	}
	repo_span(e.offset, e.slen, plen, &start, &end);
	if ((s = coffer_buf_new(end != 0 ? end - start : e.slen)) == NULL)
		return COFFER_ERR_NOMEM;
	memset(&x, 0, sizeof(x));
	memcpy(x.id, packid, BK_ID);
	x.offset = start;
	x.length = end != 0 ? (size_t)(end - start) : 0;
	x.out = s;
	if ((rc = r->store.ops->get_many(r->store.ctx, &x, 1)) != 0 ||
	    coffer_buf_len(s) < e.offset - start + e.slen ||
	    (x.length != 0 && coffer_buf_len(s) != x.length)) {
		rc = repo_store_fail(r, rc == COFFER_ERR_FORMAT ||
		    rc == COFFER_ERR_TRUNCATED || rc == 0 ? COFFER_ERR_CORRUPT :
		    rc, "pack", packid, BK_ID);
		goto out;
	}
	if ((rc = coffer_buf_extend(out, e.rlen, &p)) != 0)
		goto out;
	rc = repo_open_chunk(r, rd, packid, &e, coffer_buf_data(s) +
	    (e.offset - start), e.slen, p);
out:
	coffer_buf_free(&s);
	return rc;
}

/* Refs, opened: each handed to fn with its kind and body. */
struct refwalk {
	struct coffer_backup_repo	*r;
	struct coffer_buf		*body;
	int				(*fn)(void *, const uint8_t *, uint8_t,
					    const uint8_t *, size_t);
	void				*arg;
};

static int
refwalk_one(void *arg, const uint8_t name[BK_NAME], const uint8_t *data,
    size_t len)
{
	struct refwalk *w = arg;
	uint8_t kind = 0;
	char hex[2 * BK_NAME + 1];
	int rc;

	if (seen_skip(&w->r->seen, name))
		return 0;	/* brought back by the server: reported */
	if ((rc = bk_box_open(w->r->kr, &kind, name, BK_NAME, data, len,
	    w->body)) != 0) {
		if (rc == COFFER_ERR_NOMEM)
			return rc;
		repo_hex(hex, name, BK_NAME);
		if (rc == COFFER_ERR_KEY)
			return repo_fail(w->r, rc, "ref %s " REPO_LACKS, hex,
			    bk_box_lacks(w->r->kr, data, len));
		return repo_fail(w->r, COFFER_ERR_CORRUPT,
		    "ref %s fails its checks (%s)", hex, coffer_strerror(rc));
	}
	return w->fn(w->arg, name, kind, coffer_buf_data(w->body),
	    coffer_buf_len(w->body));
}

int
repo_audit(struct coffer_backup_repo *r, seen_report_fn fn, void *arg)
{
	int rc;

	if ((rc = seen_audit(r, fn, arg)) != 0)
		return r->failed ? rc : repo_list_fail(r, rc);
	/* An unchanged memory is not written again: one listing costs no
	 * fsync. */
	if (r->seen.dirty && (rc = seen_save(&r->seen, r->cachefd)) != 0)
		return repo_fail(r, rc, "saving %s in the cache folder: %s",
		    SEEN_FILE, coffer_strerror(rc));
	r->seen.dirty = 0;
	return 0;
}

int
repo_note(struct coffer_backup_repo *r, const uint8_t *snap, uint64_t counter,
    const uint8_t (*forgot)[BK_NAME], size_t n, uint64_t floor)
{
	int rc = seen_note(&r->seen, r->cachefd, snap, counter, forgot, n,
	    floor);

	return rc != 0 ? repo_fail(r, rc, "saving %s in the cache folder: %s",
	    SEEN_FILE, coffer_strerror(rc)) : 0;
}

/* A finding of the audit goes to the caller's warning callback. */
static int
repo_warn(void *arg, int hidden, const char *msg)
{
	struct coffer_backup_repo *r = arg;

	(void)hidden;
	if (r->warn != NULL)
		r->warn(r->warn_arg, msg);
	return 0;
}

static int
repo_refs(struct coffer_backup_repo *r, int (*fn)(void *, const uint8_t *,
    uint8_t, const uint8_t *, size_t), void *arg)
{
	struct refwalk w = { r, NULL, fn, arg };
	int rc;

	if ((rc = repo_audit(r, repo_warn, r)) != 0)
		return rc;
	if ((w.body = coffer_buf_new_secret(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	rc = seen_walk(&r->seen, refwalk_one, &w);
	if (rc != 0 && !r->failed)
		rc = repo_list_fail(r, rc);
	coffer_buf_free(&w.body);
	return rc;
}

/* The union of the INDEX refs' segments. */
struct segset {
	uint8_t	(*v)[BK_ID];
	size_t	  n, cap;
};

static int
segset_ref(void *arg, const uint8_t *name, uint8_t kind, const uint8_t *p,
    size_t len)
{
	struct segset *ss = arg;
	uint8_t (*segs)[BK_ID] = NULL, (*nv)[BK_ID];
	size_t n, i;
	int rc;

	(void)name;
	if (kind != BK_KIND_INDEX)
		return 0;
	if ((rc = bk_indexref_parse(p, len, &segs, &n, NULL)) != 0)
		return rc == COFFER_ERR_NOMEM ? rc : COFFER_ERR_CORRUPT;
	for (i = 0; i < n; i++) {
		if (ss->n == ss->cap) {
			ss->cap = ss->cap ? 2 * ss->cap : 64;
			if ((nv = realloc(ss->v, ss->cap * BK_ID)) == NULL) {
				free(segs);
				return COFFER_ERR_NOMEM;
			}
			ss->v = nv;
		}
		memcpy(ss->v[ss->n++], segs[i], BK_ID);
	}
	free(segs);
	return 0;
}

int
repo_seg_fold(void *arg, const struct bk_seg_pack *p)
{
	struct cidx *idx = arg;
	uint32_t no;
	size_t i;
	int rc;

	if ((rc = cidx_pack(idx, p->id, &no)) != 0 ||
	    (rc = cidx_pack_len(idx, no, p->len)) != 0)
		return rc;
	for (i = 0; i < p->n; i++)
		if ((rc = cidx_add(idx, no, &p->e[i])) < 0)
			return rc;
	return 0;
}

int
repo_put_seg(struct coffer_backup_repo *r, const struct bk_seg_pack *packs,
    size_t n, uint8_t id[BK_ID], size_t *len)
{
	struct coffer_bstore_xfer x;
	struct coffer_buf *b = NULL;
	int rc;

	memset(&x, 0, sizeof(x));
	bk_blob_id(r->kr, x.id);
	if ((b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = bk_seg_encode(r->kr, x.id, packs, n, b)) != 0)
		goto out;
	x.data = coffer_buf_data(b);
	x.len = coffer_buf_len(b);
	if ((rc = r->store.ops->put_many(r->store.ctx, &x, 1)) != 0) {
		rc = repo_store_fail(r, rc, "storing index segment", x.id,
		    BK_ID);
		goto out;
	}
	memcpy(id, x.id, BK_ID);
	if (len != NULL)
		*len = x.len;
out:
	coffer_buf_free(&b);
	return rc;
}

static int
repo_fold_seg(struct coffer_backup_repo *r, const uint8_t id[BK_ID])
{
	struct coffer_bstore_xfer x;
	int rc;

	memset(&x, 0, sizeof(x));
	memcpy(x.id, id, BK_ID);
	if ((x.out = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = r->store.ops->get_many(r->store.ctx, &x, 1)) != 0)
		rc = repo_store_fail(r, rc == COFFER_ERR_FORMAT ||
		    rc == COFFER_ERR_TRUNCATED ? COFFER_ERR_CORRUPT : rc,
		    "index segment", id, BK_ID);
	else if ((rc = bk_seg_decode(r->kr, id, coffer_buf_data(x.out),
	    coffer_buf_len(x.out), repo_seg_fold, r->idx)) != 0) {
		char hex[2 * BK_ID + 1];

		repo_hex(hex, id, BK_ID);
		if (rc == COFFER_ERR_KEY)
			rc = repo_fail(r, rc, "index segment %s " REPO_LACKS,
			    hex, bk_box_lacks(r->kr, coffer_buf_data(x.out),
			    coffer_buf_len(x.out)));
		else if (rc != COFFER_ERR_NOMEM && rc != COFFER_ERR_NOSPACE &&
		    rc != COFFER_ERR_IO) {
			rc = repo_fail(r, COFFER_ERR_CORRUPT,
			    "index segment %s fails its checks (%s)", hex,
			    coffer_strerror(rc));
		}
	} else
		rc = cidx_add_seg(r->idx, id);
	coffer_buf_free(&x.out);
	return rc;
}

/* Journal packs the store holds: collected, checked in batches. */
struct jcheck {
	uint8_t		(*ids)[BK_ID];
	uint64_t	*sizes;
	uint32_t	*lens;
	size_t		  n, cap;
};

static int
jcheck_collect(void *arg, const struct bk_seg_pack *p)
{
	struct jcheck *j = arg;
	void *a, *b, *c;

	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 64;
		a = realloc(j->ids, j->cap * BK_ID);
		b = a != NULL ? realloc(j->sizes, j->cap * 8) : NULL;
		c = b != NULL ? realloc(j->lens, j->cap * 4) : NULL;
		if (a != NULL)
			j->ids = a;
		if (b != NULL)
			j->sizes = b;
		if (c == NULL)
			return COFFER_ERR_NOMEM;
		j->lens = c;
	}
	memcpy(j->ids[j->n], p->id, BK_ID);
	j->lens[j->n++] = p->len;
	return 0;
}

static int
jcheck_keep(void *arg, const uint8_t *id)
{
	struct jcheck *j = arg;
	size_t i;

	for (i = 0; i < j->n; i++)
		if (memcmp(j->ids[i], id, BK_ID) == 0)
			return j->sizes[i] == j->lens[i];
	return 0;
}

static int
journal_fold(void *arg, const struct bk_seg_pack *p)
{
	struct coffer_backup_repo *r = arg;

	return repo_seg_fold(r->idx, p);
}

static int
repo_fold_journal(struct coffer_backup_repo *r)
{
	struct jcheck j;
	size_t i, n;
	int rc;

	memset(&j, 0, sizeof(j));
	if ((rc = journal_read(r->jn, jcheck_collect, &j)) != 0)
		goto out;
	for (i = 0; i < j.n; i += n) {
		n = j.n - i < COFFER_BSTORE_BATCH_MAX ? j.n - i :
		    COFFER_BSTORE_BATCH_MAX;
		if ((rc = r->store.ops->exists(r->store.ctx,
		    (const uint8_t (*)[BK_ID])j.ids + i, n, j.sizes + i)) != 0) {
			rc = repo_fail(r, rc, "checking journal packs: %s",
			    coffer_strerror(rc));
			goto out;
		}
	}
	if ((rc = journal_filter(r->jn, jcheck_keep, &j)) == 0)
		rc = journal_read(r->jn, journal_fold, r);
out:
	free(j.ids);
	free(j.sizes);
	free(j.lens);
	return rc;
}

static int
repo_sync_inner(struct coffer_backup_repo *r)
{
	struct segset ss;
	size_t i, j;
	int rc, stale = cidx_dirty(r->idx) || r->need_sync;

	memset(&ss, 0, sizeof(ss));
	if ((rc = repo_refs(r, segset_ref, &ss)) != 0)
		goto out;
	for (i = 0; i < cidx_nsegs(r->idx) && !stale; i++) {
		for (j = 0; j < ss.n; j++)
			if (memcmp(ss.v[j], cidx_seg(r->idx, i), BK_ID) == 0)
				break;
		stale = j == ss.n;	/* a segment was removed (prune) */
	}
	if ((rc = cidx_begin(r->idx)) != 0)
		goto out;
	if (stale && (rc = cidx_reset(r->idx)) != 0)
		goto out;
	for (i = 0; i < ss.n; i++)
		if (!cidx_has_seg(r->idx, ss.v[i]) &&
		    (rc = repo_fold_seg(r, ss.v[i])) != 0)
			goto out;
	if ((rc = repo_fold_journal(r)) != 0)
		goto out;
	r->need_sync = 0;
out:
	free(ss.v);
	return rc;
}

int
repo_sync(struct coffer_backup_repo *r)
{
	int rc = repo_sync_inner(r);

	if (rc != 0)
		r->need_sync = 1;
	return rc;
}

int
coffer_backup_open(struct coffer_backup_repo **out,
    const struct coffer_bstore *store, const struct coffer_key *const *keys,
    size_t nkeys, const char *cache_dir)
{
	struct coffer_backup_repo *r = NULL;
	int rc = COFFER_ERR_INTERNAL;

	if (out == NULL || store == NULL || store->ops == NULL ||
	    keys == NULL || cache_dir == NULL)
		return COFFER_ERR_INVALID;
	*out = NULL;
	if ((rc = coffer_init()) != 0)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return COFFER_ERR_NOMEM;
	pthread_mutex_init(&r->lock, NULL);
	r->store = *store;
	r->cachefd = -1;
	if ((rc = bk_keyring_new(&r->kr, keys, nkeys)) != 0)
		goto out;
	if ((mkdir(cache_dir, 0700) != 0 && errno != EEXIST) ||
	    (r->cachefd = open(cache_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		rc = repo_fail(r, COFFER_ERR_IO, "cache folder %s: %s",
		    cache_dir, strerror(errno));
		goto out;
	}
	if ((rc = seen_load(&r->seen, r->cachefd)) != 0) {
		repo_fail(r, rc, "cache folder %s: %s: %s (remove it to "
		    "start this device's memory of the set anew)", cache_dir,
		    SEEN_FILE, coffer_strerror(rc));
		goto out;
	}
	if ((rc = cidx_open(&r->idx, r->cachefd)) != 0 ||
	    (rc = journal_open(&r->jn, r->cachefd)) != 0) {
		repo_fail(r, rc, "cache folder %s: %s", cache_dir,
		    coffer_strerror(rc));
		goto out;
	}
	if ((rc = repo_sync(r)) != 0)
		goto out;
out:
	/* As sqlite3_open: a failure that has a detail hands the handle
	 * back so the caller can read it (and must close it). */
	if (rc == 0 || r->failed) {
		*out = r;
		r = NULL;
	} else
		*out = NULL;
	coffer_backup_close(&r);
	return rc;
}

void
coffer_backup_close(struct coffer_backup_repo **p)
{
	struct coffer_backup_repo *r;

	if (p == NULL || (r = *p) == NULL)
		return;
	if (r->idx != NULL)
		cidx_close(&r->idx, !r->need_sync);
	journal_close(&r->jn);
	if (r->cachefd >= 0)
		close(r->cachefd);
	bk_keyring_free(&r->kr);
	seen_free(&r->seen);
	pthread_mutex_destroy(&r->lock);
	free(r);
	*p = NULL;
}

int
coffer_backup_set_signer(struct coffer_backup_repo *r,
    const struct coffer_backup_signer *s)
{
	if (r == NULL || (s != NULL && (s->version != COFFER_BACKUP_SIGNER_V1 ||
	    s->trusted == NULL)))
		return COFFER_ERR_INVALID;
	memset(&r->signer, 0, sizeof(r->signer));
	r->has_signer = s != NULL;
	if (s != NULL)
		r->signer = *s;
	return 0;
}

void
coffer_backup_set_warn(struct coffer_backup_repo *r, coffer_backup_warn_fn fn,
    void *arg)
{
	if (r == NULL)
		return;
	r->warn = fn;
	r->warn_arg = arg;
}

/* Snapshots. */
void
repo_snap_public(const struct bk_snapshot *b, const uint8_t name[BK_NAME],
    struct coffer_backup_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->id, name, BK_NAME);
	out->time_ns = b->time_ns;
	out->end_ns = b->end_ns;
	out->host = b->host;
	out->paths = (const char *const *)b->paths;
	out->npaths = b->npaths;
	out->files = b->files;
	out->dirs = b->dirs;
	out->bytes = b->bytes;
	out->bytes_new = b->bytes_new;
	out->bytes_stored = b->bytes_stored;
}

struct snaplist {
	struct coffer_backup_repo	*r;
	struct bk_snapshot		*v;
	uint8_t				(*names)[BK_NAME];
	size_t				 n, cap;
};

static int
snaplist_ref(void *arg, const uint8_t *name, uint8_t kind, const uint8_t *p,
    size_t len)
{
	struct snaplist *sl = arg;
	char hex[2 * BK_NAME + 1];
	void *a, *b;
	int rc;

	if (kind != BK_KIND_SNAPSHOT)
		return 0;
	if (sl->n == sl->cap) {
		sl->cap = sl->cap ? 2 * sl->cap : 16;
		a = realloc(sl->v, sl->cap * sizeof(*sl->v));
		if (a != NULL)
			sl->v = a;
		b = a != NULL ? realloc(sl->names, sl->cap * BK_NAME) : NULL;
		if (b == NULL)
			return COFFER_ERR_NOMEM;
		sl->names = b;
	}
	if ((rc = bk_snapshot_parse(p, len, &sl->v[sl->n])) != 0) {
		repo_hex(hex, name, BK_NAME);
		return repo_fail(sl->r, COFFER_ERR_CORRUPT,
		    "snapshot %s does not parse (%s)", hex,
		    coffer_strerror(rc));
	}
	memcpy(sl->names[sl->n++], name, BK_NAME);
	return 0;
}

static void
snaplist_free(struct snaplist *sl)
{
	size_t i;

	for (i = 0; i < sl->n; i++)
		bk_snapshot_clear(&sl->v[i]);
	free(sl->v);
	free(sl->names);
}

static int
snaplist_load(struct coffer_backup_repo *r, struct snaplist *sl)
{
	size_t i, j;
	int rc;

	memset(sl, 0, sizeof(*sl));
	sl->r = r;
	if ((rc = repo_refs(r, snaplist_ref, sl)) != 0)
		return rc;
	/* Insertion sort by time, then name: lists are small. */
	for (i = 1; i < sl->n; i++)
		for (j = i; j > 0 && (sl->v[j - 1].time_ns > sl->v[j].time_ns ||
		    (sl->v[j - 1].time_ns == sl->v[j].time_ns &&
		    memcmp(sl->names[j - 1], sl->names[j], BK_NAME) > 0)); j--) {
			struct bk_snapshot t = sl->v[j];
			uint8_t tn[BK_NAME];

			sl->v[j] = sl->v[j - 1];
			sl->v[j - 1] = t;
			memcpy(tn, sl->names[j], BK_NAME);
			memcpy(sl->names[j], sl->names[j - 1], BK_NAME);
			memcpy(sl->names[j - 1], tn, BK_NAME);
		}
	return 0;
}

int
coffer_backup_list(struct coffer_backup_repo *r, coffer_backup_snapshot_fn fn,
    void *arg)
{
	struct coffer_backup_snapshot s;
	struct snaplist sl;
	size_t i;
	int rc;

	if (r == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	if ((rc = snaplist_load(r, &sl)) == 0)
		for (i = 0; i < sl.n; i++) {
			repo_snap_public(&sl.v[i], sl.names[i], &s);
			if ((rc = fn(arg, &s)) != 0)
				break;
		}
	snaplist_free(&sl);
	return rc;
}

int
coffer_backup_resolve(struct coffer_backup_repo *r, const char *spec,
    uint8_t id[COFFER_SNAPSHOT_ID_BYTES])
{
	struct snaplist sl;
	char hex[2 * BK_NAME + 1];
	size_t i, len, found = 0;
	int rc;

	if (r == NULL || spec == NULL || id == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	len = strlen(spec);
	if (strcmp(spec, "latest") != 0 && (len < 8 || len > 2 * BK_NAME ||
	    strspn(spec, "0123456789abcdefABCDEF") != len))
		return repo_fail(r, COFFER_ERR_INVALID,
		    "not a snapshot id: %s", spec);
	if ((rc = snaplist_load(r, &sl)) != 0)
		return rc;
	if (strcmp(spec, "latest") == 0) {
		if (sl.n > 0) {
			memcpy(id, sl.names[sl.n - 1], BK_NAME);
			found = 1;
		}
	} else
		for (i = 0; i < sl.n; i++) {
			repo_hex(hex, sl.names[i], BK_NAME);
			if (strncasecmp(hex, spec, len) == 0) {
				memcpy(id, sl.names[i], BK_NAME);
				found++;
			}
		}
	snaplist_free(&sl);
	if (found == 0)
		return repo_fail(r, COFFER_ERR_NOTFOUND, "no snapshot %s",
		    spec);
	if (found > 1)
		return repo_fail(r, COFFER_ERR_INVALID,
		    "snapshot prefix %s is ambiguous", spec);
	return 0;
}

int
repo_snapshot(struct coffer_backup_repo *r,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], struct bk_snapshot *s)
{
	struct snaplist sl;
	char hex[2 * BK_NAME + 1];
	size_t i;
	int rc;

	if ((rc = snaplist_load(r, &sl)) != 0)
		return rc;
	rc = COFFER_ERR_NOTFOUND;
	for (i = 0; i < sl.n; i++)
		if (memcmp(sl.names[i], id, BK_NAME) == 0) {
			*s = sl.v[i];
			memset(&sl.v[i], 0, sizeof(sl.v[i]));
			rc = 0;
		}
	snaplist_free(&sl);
	if (rc != 0) {
		repo_hex(hex, id, BK_NAME);
		rc = repo_fail(r, rc, "no snapshot %s", hex);
	}
	return rc;
}

int
repo_snaps_all(struct coffer_backup_repo *r, struct repo_snaps *out)
{
	struct snaplist sl;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = snaplist_load(r, &sl)) != 0) {
		snaplist_free(&sl);
		return rc;
	}
	out->v = sl.v;
	out->names = sl.names;
	out->n = sl.n;
	return 0;
}
