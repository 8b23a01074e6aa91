/* coffer_backup_check (docs/PROTOCOL-backup.md, "Maintenance"): every
 * ref opens and parses; every INDEX ref's segments exist and parse (they
 * build a temporary index); every snapshot's trees load and name only
 * indexed chunks; every indexed pack exists with its size; with
 * read_data, each pack's header matches the index and each chunk opens
 * (AEAD, then its HMAC id). Findings go to the caller one by one; the
 * check goes on after each. An object sealed under a key version the
 * ring lacks is an error finding too, but not damage: when there is no
 * other, check returns COFFER_ERR_KEY. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/orphan.h"

struct ckpack {
	uint8_t		id[BK_ID];
	uint32_t	len;
	size_t		n;
	int		used;
	int		present;
};

struct ck {
	struct coffer_backup_repo		*r;
	struct maint_report			 m;
	struct maint_refs			 refs;
	struct maint_index			 x;
	struct ckpack				*p;
	size_t					 np, cap;
	struct coffer_backup_check_stats	 st;
};

static int
ck_pack(void *arg, const struct bk_seg_pack *p)
{
	struct ck *c = arg;

	if (maint_grow(&c->p, &c->cap, c->np, sizeof(*c->p)) != 0)
		return COFFER_ERR_NOMEM;
	memset(&c->p[c->np], 0, sizeof(c->p[0]));
	memcpy(c->p[c->np].id, p->id, BK_ID);
	c->p[c->np].len = p->len;
	c->p[c->np++].n = p->n;
	return 0;
}

/* Sort and merge the packs; mark those holding a used chunk. */
static int
ck_packs(struct ck *c)
{
	uint8_t pid[BK_ID];
	char hex[2 * BK_ID + 1];
	struct ckpack *q;
	uint64_t s, nslots = cidx_nslots(c->x.idx);
	size_t i, j;
	int rc;

	if (c->np == 0)
		return 0;
	qsort(c->p, c->np, sizeof(*c->p), maint_id_cmp);
	for (i = j = 0; i < c->np; i++) {
		if (j > 0 && memcmp(c->p[j - 1].id, c->p[i].id, BK_ID) == 0) {
			if (c->p[j - 1].len == c->p[i].len &&
			    c->p[j - 1].n == c->p[i].n)
				continue;
			repo_hex(hex, c->p[i].id, BK_ID);
			if ((rc = maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
			    COFFER_ERR_CORRUPT, "pack %s is indexed twice, "
			    "with different lengths or entries", hex)) != 0)
				return rc;
			continue;
		}
		c->p[j++] = c->p[i];
	}
	c->np = j;
	for (s = 0; s < nslots; s++)
		if ((c->x.used[s / 8] >> (s & 7) & 1) &&
		    cidx_at(c->x.idx, s, NULL, pid) == 0 &&
		    (q = bsearch(pid, c->p, c->np, sizeof(*c->p),
		    maint_id_cmp)) != NULL)
			q->used = 1;
	return 0;
}

/* Every pack exists with the length the index gives it. */
static int
ck_exists(struct ck *c)
{
	uint8_t (*ids)[BK_ID] = NULL;
	uint64_t *sizes = NULL;
	char hex[2 * BK_ID + 1];
	size_t i, j, n;
	int rc = 0;

	if ((ids = malloc(COFFER_BSTORE_BATCH_MAX * BK_ID)) == NULL ||
	    (sizes = malloc(COFFER_BSTORE_BATCH_MAX * sizeof(*sizes))) ==
	    NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < c->np && rc == 0; i += n) {
		n = c->np - i < COFFER_BSTORE_BATCH_MAX ? c->np - i :
		    COFFER_BSTORE_BATCH_MAX;
		for (j = 0; j < n; j++)
			memcpy(ids[j], c->p[i + j].id, BK_ID);
		if ((rc = c->r->store.ops->exists(c->r->store.ctx,
		    (const uint8_t (*)[BK_ID])ids, n, sizes)) != 0) {
			rc = repo_fail(c->r, rc, "asking which packs exist: %s",
			    coffer_strerror(rc));
			break;
		}
		for (j = 0; j < n && rc == 0; j++) {
			repo_hex(hex, ids[j], BK_ID);
			if (sizes[j] == COFFER_BSTORE_ABSENT)
				rc = maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
				    COFFER_ERR_NOTFOUND, "pack %s is missing "
				    "from the store", hex);
			else if (sizes[j] != c->p[i + j].len)
				rc = maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
				    COFFER_ERR_CORRUPT, "pack %s holds %llu "
				    "bytes, the index says %u", hex,
				    (unsigned long long)sizes[j],
				    c->p[i + j].len);
			else
				c->p[i + j].present = 1;
			if (rc == 0 && !c->p[i + j].used)
				rc = maint_find(c->r, &c->m,
				    COFFER_CHECK_INFO, 0, "pack %s is in the "
				    "index but no snapshot uses it (prune "
				    "deletes it)", hex);
		}
	}
out:
	free(ids);
	free(sizes);
	return rc;
}

/* One header entry against the index, then its bytes. */
static int
ck_entry(struct ck *c, struct repo_reader *rd, struct coffer_buf *plain,
    const struct ckpack *p, const uint8_t *data, const struct bk_entry *e)
{
	struct bk_entry got;
	uint8_t pid[BK_ID], *out;
	char ph[2 * BK_ID + 1], ch[2 * BK_ID + 1];
	int rc;

	repo_hex(ph, p->id, BK_ID);
	repo_hex(ch, e->id, BK_ID);
	if (cidx_get(c->x.idx, e->id, e->type, &got, pid) != 0)
		return maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
		    COFFER_ERR_CORRUPT, "pack %s: chunk %s of its header is "
		    "not in the index", ph, ch);
	if (memcmp(pid, p->id, BK_ID) == 0 && (got.offset != e->offset ||
	    got.slen != e->slen || got.rlen != e->rlen))
		return maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
		    COFFER_ERR_CORRUPT, "pack %s: the index entry of chunk %s "
		    "differs from the pack's header", ph, ch);
	coffer_buf_reset(plain);
	if ((rc = coffer_buf_extend(plain, e->rlen, &out)) != 0)
		return rc;
	c->st.chunks_read++;
	if ((rc = bk_chunk_open(rd->z, rd->h, c->r->kr, e->id, e->type,
	    data + e->offset, e->slen, e->rlen, out)) == COFFER_ERR_KEY)
		return maint_find(c->r, &c->m, COFFER_CHECK_ERROR, rc,
		    "pack %s: chunk %s at offset %u " REPO_LACKS, ph, ch,
		    e->offset, bk_chunk_lacks(c->r->kr, data + e->offset,
		    e->slen));
	if (rc != 0 && rc != COFFER_ERR_NOMEM)
		return maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
		    COFFER_ERR_CORRUPT, "pack %s: chunk %s at offset %u fails "
		    "its checks (%s)", ph, ch, e->offset, coffer_strerror(rc));
	return rc;
}

/* read_data: every present pack, whole. */
static int
ck_read(struct ck *c)
{
	struct coffer_buf *b = NULL, *plain = NULL;
	struct repo_reader rd;
	struct bk_entry *e = NULL;
	char hex[2 * BK_ID + 1];
	size_t i, j, n;
	int rc;

	if ((rc = repo_reader_init(&rd, c->r->kr)) != 0)
		return rc;
	if ((b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL ||
	    (plain = coffer_buf_new_secret(BK_CHUNK_MAX)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < c->np && rc == 0; i++) {
		if (!c->p[i].present)
			continue;
		repo_hex(hex, c->p[i].id, BK_ID);
		if ((rc = maint_get(c->r, c->p[i].id, "pack", b)) != 0) {
			if (rc == COFFER_ERR_NOTFOUND ||
			    rc == COFFER_ERR_CORRUPT)
				rc = maint_find(c->r, &c->m,
				    COFFER_CHECK_ERROR, rc,
				    "pack %s cannot be read (%s)", hex,
				    coffer_strerror(rc));
			continue;
		}
		c->st.packs_read++;
		free(e);
		e = NULL;
		if ((rc = bk_pack_parse(c->r->kr, c->p[i].id,
		    coffer_buf_data(b), coffer_buf_len(b), &e, &n)) != 0) {
			if (rc == COFFER_ERR_KEY)
				rc = maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
				    rc, "pack %s: its header " REPO_LACKS, hex,
				    bk_pack_lacks(c->r->kr, c->p[i].id,
				    coffer_buf_data(b),
				    coffer_buf_len(b)));
			else if (rc != COFFER_ERR_NOMEM)
				rc = maint_find(c->r, &c->m, COFFER_CHECK_ERROR,
				    COFFER_ERR_CORRUPT, "pack %s: its header "
				    "fails its checks (%s)", hex,
				    coffer_strerror(rc));
			continue;
		}
		if (n != c->p[i].n && (rc = maint_find(c->r, &c->m,
		    COFFER_CHECK_ERROR, COFFER_ERR_CORRUPT, "pack %s: its "
		    "header lists %zu chunks, the index %zu", hex, n,
		    c->p[i].n)) != 0)
			break;
		for (j = 0; j < n && rc == 0; j++)
			rc = ck_entry(c, &rd, plain, &c->p[i],
			    coffer_buf_data(b), &e[j]);
	}
out:
	free(e);
	coffer_buf_free(&b);
	coffer_buf_free(&plain);
	repo_reader_clear(&rd);
	return rc;
}

int
coffer_backup_check(struct coffer_backup_repo *r,
    const struct coffer_backup_check_options *opt,
    struct coffer_backup_check_stats *stats)
{
	struct ck c;
	struct lock *lk = NULL;
	struct orphan_known ok;
	int rc;

	if (r == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&c, 0, sizeof(c));
	c.x.dirfd = -1;
	c.r = r;
	if (opt != NULL) {
		c.m.fn = opt->fn;
		c.m.arg = opt->arg;
	}
	/* Shared: a prune deleting packs meanwhile would show as damage. */
	if ((rc = lock_take(r, BK_LOCK_SHARED, &lk)) != 0)
		goto out;
	if ((rc = maint_refs_load(r, &c.m, &c.refs)) != 0 ||
	    (rc = maint_index_build(r, &c.m, &c.refs, &c.x, ck_pack,
	    &c)) != 0 ||
	    (rc = maint_index_mark(r, &c.m, &c.x, &c.refs)) != 0 ||
	    (rc = ck_packs(&c)) != 0 || (rc = ck_exists(&c)) != 0)
		goto out;
	if (opt != NULL && opt->read_data && (rc = ck_read(&c)) != 0)
		goto out;
	ok.refs = &c.refs;
	ok.packs = c.p;
	ok.npacks = c.np;
	ok.stride = sizeof(*c.p);
	rc = orphan_report(r, &c.m, &ok);
out:
	lock_drop(&lk);
	c.st.refs = c.refs.nrefs;
	c.st.snapshots = c.refs.nsnaps;
	c.st.segments = c.refs.nsegs;
	c.st.packs = c.np;
	c.st.chunks = c.x.idx != NULL ? cidx_count(c.x.idx) : 0;
	c.st.errors = c.m.errors;
	c.st.infos = c.m.infos;
	if (stats != NULL)
		*stats = c.st;
	/* Damage wins over a missing key version: both are in the
	 * findings, the detail holds the first. */
	if (rc == 0 && c.m.errors > 0) {
		repo_clear(r);
		rc = repo_fail(r, c.m.errors > c.m.keys + c.m.rollbacks ?
		    COFFER_ERR_CORRUPT : c.m.keys > 0 ? COFFER_ERR_KEY :
		    COFFER_ERR_ROLLBACK, "%s", c.m.first);
	}
	maint_index_free(&c.x);
	maint_refs_free(&c.refs);
	free(c.p);
	return rc;
}
