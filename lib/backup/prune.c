/* coffer_backup_prune (docs/PROTOCOL-backup.md, "Maintenance"):
 *
 *   1. a temporary index from the segments; every snapshot's trees walked
 *      to mark the chunks in use (a bitmap over the index's slots);
 *   2. each pack planned from its segment entries: all used, keep; none
 *      used, delete; partly used, repack when the unused share is over
 *      the threshold; a segment naming a pack not kept is "affected";
 *   3. the used chunks of repacked packs read, verified and copied as
 *      stored into new packs; the kept packs of affected segments and
 *      the new packs written into new segments;
 *   4. one INDEX ref naming the unaffected old segments and the new ones;
 *   5. only then: the old INDEX refs, the affected segments and the packs
 *      not kept are deleted; the local index is rebuilt.
 *
 * Every step before 5 only adds objects; from 4 on the new INDEX ref
 * names everything the snapshots use, so a failure anywhere leaves every
 * snapshot readable (at worst with objects nothing names any more). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/orphan.h"

#define PACK_DEFAULT	((size_t)4 * 1024 * 1024)
#define SEG_TARGET	65536
#define PCT_DEFAULT	5

enum { P_KEEP, P_DELETE, P_REPACK };

struct pplan {
	uint8_t		id[BK_ID];
	uint32_t	len;
	size_t		seg;		/* first segment naming it */
	uint8_t		action;
	uint8_t		listed;		/* in a segment that stays */
	uint8_t		done;		/* repacked */
};

struct pr {
	struct coffer_backup_repo		*r;
	struct maint_report			 m;
	struct maint_refs			 refs;
	struct maint_index			 x;
	struct coffer_backup_prune_stats	 st;
	int					 pct;
	size_t					 pack_size;
	struct pplan				*p;
	size_t					 np, pcap;
	uint8_t					*affected;	/* by segment */
	uint64_t				*seglen;
	size_t					 cur;
	/* repacking */
	struct coffer_buf			*blob, *plain, *pack;
	struct repo_reader			 rd;
	struct bk_entry				*pe;
	size_t					 pn, pecap;
	/* the segment being written */
	struct bk_seg_pack			*sp;
	size_t					 spn, spcap, spe;
	uint8_t					(*news)[BK_ID];
	size_t					 nnew, newcap;
};

/* Whether entry e of pack is the index's copy of a used chunk (a chunk
 * stored twice is used in one pack only). */
static int
owned(struct pr *s, const uint8_t packid[BK_ID], const struct bk_entry *e)
{
	struct bk_entry got;
	uint8_t pid[BK_ID];

	return maint_index_used(&s->x, e->id, e->type) &&
	    cidx_get(s->x.idx, e->id, e->type, &got, pid) == 0 &&
	    memcmp(pid, packid, BK_ID) == 0 && got.offset == e->offset;
}

/* Pass 1: plan each pack. */
static int
plan_pack(void *arg, const struct bk_seg_pack *p)
{
	struct pr *s = arg;
	struct pplan *q;
	uint64_t total = 0, unused = 0;
	size_t i, nused = 0;
	int rc;

	for (i = 0; i < p->n; i++) {
		total += p->e[i].slen;
		if (owned(s, p->id, &p->e[i]))
			nused++;
		else
			unused += p->e[i].slen;
	}
	if ((rc = maint_grow(&s->p, &s->pcap, s->np, sizeof(*s->p))) != 0)
		return rc;
	q = &s->p[s->np++];
	memset(q, 0, sizeof(*q));
	memcpy(q->id, p->id, BK_ID);
	q->len = p->len;
	q->seg = s->cur;
	s->st.chunks_used += nused;
	s->st.chunks_unused += p->n - nused;
	if (nused == p->n)
		q->action = P_KEEP;
	else if (nused == 0)
		q->action = P_DELETE;
	else if (s->pct < 0 || unused * 100 > (uint64_t)s->pct * total)
		q->action = P_REPACK;
	else
		q->action = P_KEEP;
	if (q->action != P_KEEP)
		s->affected[s->cur] = 1;
	return 0;
}

/* Sort the plan, merge a pack named by several segments, count. */
static void
plan_finish(struct pr *s)
{
	size_t i, j;

	for (i = 0; i < s->np; i++)
		s->p[i].listed = !s->affected[s->p[i].seg];
	if (s->np > 0)
		qsort(s->p, s->np, sizeof(*s->p), maint_id_cmp);
	for (i = j = 0; i < s->np; i++) {
		if (j > 0 && memcmp(s->p[j - 1].id, s->p[i].id, BK_ID) == 0) {
			s->p[j - 1].listed |= s->p[i].listed;
			continue;
		}
		s->p[j++] = s->p[i];
	}
	s->np = j;
	s->st.packs = s->np;
	for (i = 0; i < s->np; i++)
		if (s->p[i].action == P_KEEP)
			s->st.packs_kept++;
		else if (s->p[i].action == P_DELETE)
			s->st.packs_deleted++;
		else
			s->st.packs_repacked++;
}

/* Writing: segments. */
static int
seg_flush(struct pr *s)
{
	size_t i, len;
	int rc;

	if (s->spn == 0)
		return 0;
	qsort(s->sp, s->spn, sizeof(*s->sp), maint_id_cmp);
	if ((rc = maint_grow(&s->news, &s->newcap, s->nnew, BK_ID)) != 0 ||
	    (rc = repo_put_seg(s->r, s->sp, s->spn, s->news[s->nnew],
	    &len)) != 0)
		goto out;
	s->nnew++;
	s->st.segments_new++;
	s->st.bytes_added += len;
out:
	for (i = 0; i < s->spn; i++)
		free(s->sp[i].e);
	s->spn = s->spe = 0;
	return rc;
}

/* Add a pack (already stored) and its entries to the segment. */
static int
seg_add(struct pr *s, const struct bk_seg_pack *p)
{
	struct bk_seg_pack *q;
	int rc;

	if ((rc = maint_grow(&s->sp, &s->spcap, s->spn, sizeof(*s->sp))) != 0)
		return rc;
	q = &s->sp[s->spn];
	*q = *p;
	if ((q->e = malloc((p->n ? p->n : 1) * sizeof(*p->e))) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(q->e, p->e, p->n * sizeof(*p->e));
	s->spn++;
	if ((s->spe += p->n) >= SEG_TARGET)
		return seg_flush(s);
	return 0;
}

/* Writing: new packs of stored chunks copied as they are. */
static int
pack_flush(struct pr *s)
{
	struct coffer_bstore_xfer x;
	struct bk_seg_pack sp;
	size_t chunks = coffer_buf_len(s->pack);
	int rc;

	if (s->pn == 0)
		return 0;
	memset(&x, 0, sizeof(x));
	bk_blob_id(s->r->kr, x.id);
	if ((rc = bk_pack_trailer(s->r->kr, x.id, s->pe, s->pn, chunks,
	    s->pack)) != 0)
		goto out;
	x.data = coffer_buf_data(s->pack);
	x.len = coffer_buf_len(s->pack);
	if ((rc = s->r->store.ops->put_many(s->r->store.ctx, &x, 1)) != 0) {
		rc = repo_store_fail(s->r, rc, "storing pack", x.id, BK_ID);
		goto out;
	}
	s->st.packs_new++;
	s->st.bytes_added += x.len;
	memcpy(sp.id, x.id, BK_ID);
	sp.len = (uint32_t)x.len;
	sp.e = s->pe;
	sp.n = s->pn;
	rc = seg_add(s, &sp);
out:
	coffer_buf_reset(s->pack);
	s->pn = 0;
	return rc;
}

static int
pack_add(struct pr *s, const struct bk_entry *e, const uint8_t *stored)
{
	struct bk_entry *q;
	int rc;

	if (s->pn > 0 && (coffer_buf_len(s->pack) + e->slen > s->pack_size ||
	    s->pn >= BK_PACK_ENTRIES_MAX) && (rc = pack_flush(s)) != 0)
		return rc;
	if ((rc = maint_grow(&s->pe, &s->pecap, s->pn, sizeof(*s->pe))) != 0)
		return rc;
	q = &s->pe[s->pn];
	*q = *e;
	q->offset = (uint32_t)coffer_buf_len(s->pack);
	if ((rc = coffer_buf_append(s->pack, stored, e->slen)) != 0)
		return rc;
	s->pn++;
	s->st.bytes_repacked += e->slen;
	return 0;
}

/* Copy the used chunks of pack p, each verified first. */
static int
repack(struct pr *s, const struct bk_seg_pack *p)
{
	const uint8_t *d;
	uint8_t *out;
	size_t i, len;
	int rc;

	if ((rc = maint_get(s->r, p->id, "pack", s->blob)) != 0)
		return rc;
	d = coffer_buf_data(s->blob);
	len = coffer_buf_len(s->blob);
	for (i = 0; i < p->n; i++) {
		if (!owned(s, p->id, &p->e[i]))
			continue;
		if ((uint64_t)p->e[i].offset + p->e[i].slen > len)
			return repo_store_fail(s->r, COFFER_ERR_CORRUPT,
			    "pack (shorter than its index entries)", p->id,
			    BK_ID);
		coffer_buf_reset(s->plain);
		if ((rc = coffer_buf_extend(s->plain, p->e[i].rlen,
		    &out)) != 0 ||
		    (rc = repo_open_chunk(s->r, &s->rd, p->id, &p->e[i],
		    d + p->e[i].offset, p->e[i].slen, out)) != 0 ||
		    (rc = pack_add(s, &p->e[i], d + p->e[i].offset)) != 0)
			return rc;
	}
	return 0;
}

/* Pass 2, over the affected segments. */
static int
write_pack(void *arg, const struct bk_seg_pack *p)
{
	struct pr *s = arg;
	struct pplan *q;

	q = bsearch(p->id, s->p, s->np, sizeof(*s->p), maint_id_cmp);
	if (q == NULL)
		return COFFER_ERR_INTERNAL;
	if (q->action == P_KEEP && !q->listed) {
		q->listed = 1;
		return seg_add(s, p);
	}
	if (q->action == P_REPACK && !q->done) {
		q->done = 1;
		return repack(s, p);
	}
	return 0;
}

/* Steps 3 and 4. */
static int
commit_index(struct pr *s)
{
	struct bk_ctr ctr;
	uint8_t (*all)[BK_ID] = NULL, name[BK_NAME];
	struct coffer_buf *b = NULL;
	size_t i, n = 0, cap = 0, k;
	int rc = 0;

	for (i = 0; i < s->refs.nsegs && rc == 0; i++)
		if (s->affected[i])
			rc = maint_seg_each(s->r, &s->m,
			    (const uint8_t (*)[BK_ID])s->refs.segs + i, 1,
			    write_pack, s);
	if (rc != 0 || (rc = pack_flush(s)) != 0 || (rc = seg_flush(s)) != 0)
		goto out;
	for (i = 0; i < s->refs.nsegs + s->nnew; i++) {
		if (i < s->refs.nsegs && s->affected[i])
			continue;
		if ((rc = maint_grow(&all, &cap, n, BK_ID)) != 0)
			goto out;
		memcpy(all[n++], i < s->refs.nsegs ? s->refs.segs[i] :
		    s->news[i - s->refs.nsegs], BK_ID);
	}
	if (n > 0)
		qsort(all, n, BK_ID, maint_id_cmp);
	if ((b = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	/* Every new INDEX ref gets one counter above all the refs listed
	 * and names it as the floor: the INDEX refs this prune supersedes
	 * (and deletes below) are all under it, so a server that brings one
	 * back is found out. */
	memset(&ctr, 0, sizeof(ctr));
	ctr.version = BK_REF_V2;
	ctr.counter = ctr.floor = s->r->seen.highest + 1;
	/* At least one ref, empty if no segment is left: it holds the
	 * floor. */
	i = 0;
	do {
		k = n - i < BK_INDEX_SEGS_MAX ? n - i : BK_INDEX_SEGS_MAX;
		randombytes_buf(name, sizeof(name));
		coffer_buf_reset(b);
		if ((rc = bk_indexref_encode(s->r->kr, name,
		    (const uint8_t (*)[BK_ID])all + i, k, &ctr, b)) != 0)
			goto out;
		if ((rc = s->r->store.ops->ref_put(s->r->store.ctx, name,
		    coffer_buf_data(b), coffer_buf_len(b))) != 0) {
			rc = repo_store_fail(s->r, rc, "storing index ref",
			    name, BK_NAME);
			goto out;
		}
		i += k;
	} while (i < n);
	rc = repo_note(s->r, NULL, ctr.counter, NULL, 0, ctr.floor);
out:
	coffer_buf_free(&b);
	free(all);
	return rc;
}

/* Step 5: a missing object was deleted by an earlier, interrupted run. */
static int
del_blob(struct pr *s, const uint8_t id[BK_ID], const char *what)
{
	int rc = s->r->store.ops->del(s->r->store.ctx, id);

	if (rc == COFFER_ERR_NOTFOUND)
		rc = 0;
	return rc != 0 ? repo_store_fail(s->r, rc, what, id, BK_ID) : 0;
}

/* Superseded INDEX refs (an interrupted prune's, or brought back by the
 * server): the listing ignores them, prune deletes them. */
static int
del_stale(struct coffer_backup_repo *r)
{
	size_t i;
	int rc;

	for (i = 0; i < r->seen.nstale; i++) {
		rc = r->store.ops->ref_del(r->store.ctx, r->seen.stale[i]);
		if (rc != 0 && rc != COFFER_ERR_NOTFOUND)
			return repo_store_fail(r, rc, "deleting index ref",
			    r->seen.stale[i], BK_NAME);
	}
	return 0;
}

static int
delete_old(struct pr *s)
{
	size_t i;
	int rc;

	for (i = 0; i < s->refs.nindex; i++) {
		rc = s->r->store.ops->ref_del(s->r->store.ctx,
		    s->refs.index[i]);
		if (rc != 0 && rc != COFFER_ERR_NOTFOUND)
			return repo_store_fail(s->r, rc, "deleting index ref",
			    s->refs.index[i], BK_NAME);
	}
	if ((rc = del_stale(s->r)) != 0)
		return rc;
	for (i = 0; i < s->refs.nsegs; i++) {
		if (!s->affected[i])
			continue;
		if ((rc = del_blob(s, s->refs.segs[i],
		    "deleting index segment")) != 0)
			return rc;
		s->st.segments_deleted++;
		s->st.bytes_deleted += s->seglen[i];
	}
	for (i = 0; i < s->np; i++) {
		if (s->p[i].action == P_KEEP)
			continue;
		if ((rc = del_blob(s, s->p[i].id, "deleting pack")) != 0)
			return rc;
		s->st.bytes_deleted += s->p[i].len;
	}
	return 0;
}

static int
count_rec(void *arg, const struct bk_seg_pack *p)
{
	(void)p;
	(*(size_t *)arg)++;
	return 0;
}

/* Pass 1 over each segment, noting its length. */
static int
plan_all(struct pr *s)
{
	struct coffer_buf *b = NULL;
	size_t i;
	int rc = 0;

	if ((s->affected = calloc(s->refs.nsegs + 1, 1)) == NULL ||
	    (s->seglen = calloc(s->refs.nsegs + 1, sizeof(*s->seglen))) ==
	    NULL || (b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL)
		rc = COFFER_ERR_NOMEM;
	for (i = 0; i < s->refs.nsegs && rc == 0; i++) {
		s->cur = i;
		if ((rc = maint_get(s->r, s->refs.segs[i], "index segment",
		    b)) == 0)
			rc = bk_seg_decode(s->r->kr, s->refs.segs[i],
			    coffer_buf_data(b), coffer_buf_len(b), plan_pack,
			    s);
		s->seglen[i] = coffer_buf_len(b);
	}
	coffer_buf_free(&b);
	if (rc == 0)
		plan_finish(s);
	return rc;
}

static void
pr_free(struct pr *s)
{
	size_t i;

	for (i = 0; i < s->spn; i++)
		free(s->sp[i].e);
	free(s->sp);
	free(s->news);
	free(s->pe);
	free(s->p);
	free(s->affected);
	free(s->seglen);
	coffer_buf_free(&s->blob);
	coffer_buf_free(&s->plain);
	coffer_buf_free(&s->pack);
	repo_reader_clear(&s->rd);
	maint_index_free(&s->x);
	maint_refs_free(&s->refs);
}

int
coffer_backup_prune(struct coffer_backup_repo *r,
    const struct coffer_backup_prune_options *opt,
    struct coffer_backup_prune_stats *stats)
{
	struct pr s;
	struct lock *lk = NULL;
	struct orphan_known ok;
	size_t jn = 0, i;
	int rc, any = 0;

	if (r == NULL || (opt != NULL && (opt->max_unused_pct < -1 ||
	    opt->max_unused_pct > 100)))
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&s, 0, sizeof(s));
	s.x.dirfd = -1;
	s.r = r;
	s.m.strict = 1;
	s.pct = opt != NULL && opt->max_unused_pct != 0 ?
	    opt->max_unused_pct : PCT_DEFAULT;
	s.pack_size = opt != NULL && opt->pack_size != 0 ? opt->pack_size :
	    PACK_DEFAULT;
	if (s.pack_size > COFFER_BSTORE_BLOB_MAX / 2) {
		rc = COFFER_ERR_INVALID;
		goto out;
	}
	if ((rc = journal_read(r->jn, count_rec, &jn)) != 0)
		goto out;
	if (jn > 0 && (opt == NULL || !opt->allow_journal)) {
		rc = repo_fail(r, COFFER_ERR_STATE, "an interrupted backup "
		    "left %zu packs: finish it (run the backup again) first",
		    jn);
		goto out;
	}
	/* Exclusive, even for a dry run: its counts need a still set. */
	if ((rc = lock_take(r, BK_LOCK_EXCLUSIVE, &lk)) != 0)
		goto out;
	if ((rc = maint_refs_load(r, &s.m, &s.refs)) != 0 ||
	    (rc = maint_index_build(r, &s.m, &s.refs, &s.x, NULL, NULL)) != 0 ||
	    (rc = maint_index_mark(r, &s.m, &s.x, &s.refs)) != 0 ||
	    (rc = plan_all(&s)) != 0)
		goto out;
	s.st.snapshots = s.refs.nsnaps;
	for (i = 0; i < s.refs.nsegs; i++)
		any |= s.affected[i];
	ok.refs = &s.refs;
	ok.packs = s.p;
	ok.npacks = s.np;
	ok.stride = sizeof(*s.p);
	if ((rc = orphan_prune(r, &ok, lk, opt, &s.st)) != 0)
		goto out;
	if (opt != NULL && opt->dry_run)
		goto out;
	if (!any) {
		rc = del_stale(r);
		goto out;
	}
	if ((s.blob = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL ||
	    (s.plain = coffer_buf_new_secret(BK_CHUNK_MAX)) == NULL ||
	    (s.pack = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((rc = repo_reader_init(&s.rd, r->kr)) != 0 ||
	    (rc = commit_index(&s)) != 0)
		goto out;
	/* From here the local index names objects being deleted: only
	 * under a lock still held. */
	if ((rc = lock_check(r, lk)) != 0)
		goto out;
	r->need_sync = 1;
	if ((rc = delete_old(&s)) != 0)
		goto out;
	rc = repo_sync(r);
out:
	lock_drop(&lk);
	if (stats != NULL)
		*stats = s.st;
	pr_free(&s);
	return rc;
}
