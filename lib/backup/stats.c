/* coffer_backup_stats: each snapshot's trees walked, its chunks marked
 * in a bit per index slot (one map for the snapshot, one for the set),
 * so a chunk is counted once per snapshot and once for the set however
 * often it is referenced. With no snapshot named, the packs of the
 * repository are sized too (the store's own sizes, padding included). */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/tcache.h"

struct sctx {
	struct coffer_backup_repo	*r;
	struct tcache			 tc;
	uint8_t				*bits[2];	/* snapshot, set */
	struct coffer_backup_stats	 st[2];
	uint64_t			 nslots;
};

/* Count chunk ${id} in the snapshot's and the set's figures, once in
 * each. */
static int
chunk(struct sctx *s, const uint8_t *id, uint8_t type)
{
	struct bk_entry e;
	uint8_t pid[BK_ID];
	char hex[2 * BK_ID + 1];
	uint64_t slot;
	int k;

	if (cidx_slot(s->r->idx, id, type, &slot) != 0 ||
	    cidx_at(s->r->idx, slot, &e, pid) != 0 || e.type != type) {
		repo_hex(hex, id, BK_ID);
		return repo_fail(s->r, COFFER_ERR_CORRUPT,
		    "chunk %s is not in the repository's index", hex);
	}
	for (k = 0; k < 2; k++) {
		if ((s->bits[k][slot / 8] & (1u << (slot % 8))) != 0)
			continue;
		s->bits[k][slot / 8] |= (uint8_t)(1u << (slot % 8));
		if (type == BK_TREE)
			s->st[k].trees++;
		else {
			s->st[k].chunks++;
			s->st[k].raw_bytes += e.rlen;
		}
		s->st[k].stored_bytes += e.slen;
	}
	return 0;
}

static int
stats_tree(struct sctx *s, const uint8_t *id, unsigned depth)
{
	struct tc_tree *t = NULL;
	const struct bk_node *n;
	size_t i;
	uint32_t c;
	int rc, k;

	if (depth > 4096)
		return repo_fail(s->r, COFFER_ERR_CORRUPT,
		    "trees nest too deep");
	if ((rc = chunk(s, id, BK_TREE)) != 0 ||
	    (rc = tc_get(&s->tc, id, &t)) != 0)
		return rc;
	for (i = 0; i < t->n && rc == 0; i++) {
		n = &t->v[i];
		for (k = 0; k < 2; k++) {
			if (n->type == BK_DIR)
				s->st[k].dirs++;
			else if (n->type == BK_FILE || n->type == BK_HARDLINK)
				s->st[k].files++;
			if (n->type == BK_FILE)
				s->st[k].bytes += n->size;
		}
		if (n->type == BK_FILE)
			for (c = 0; c < n->nchunks && rc == 0; c++)
				rc = chunk(s, n->chunks + (size_t)c * BK_ID,
				    BK_DATA);
		else if (n->type == BK_DIR)
			rc = stats_tree(s, n->subtree, depth + 1);
	}
	tc_put(&s->tc, t);
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BK_ID);
}

/* The packs the index names, sized by the store. */
static int
packs_size(struct sctx *s, struct coffer_backup_stats *st)
{
	uint8_t (*ids)[BK_ID] = NULL;
	uint64_t *sizes = NULL, slot;
	struct bk_entry e;
	size_t n = 0, u = 0, i, k;
	int rc = 0;

	if ((ids = malloc((s->nslots ? s->nslots : 1) * BK_ID)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	for (slot = 0; slot < s->nslots; slot++)
		if (cidx_at(s->r->idx, slot, &e, ids[n]) == 0)
			n++;
	qsort(ids, n, BK_ID, id_cmp);
	for (i = 0; i < n; i++)
		if (u == 0 || memcmp(ids[u - 1], ids[i], BK_ID) != 0)
			memmove(ids[u++], ids[i], BK_ID);
	if ((sizes = calloc(u ? u : 1, sizeof(*sizes))) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < u; i += k) {
		k = u - i < COFFER_BSTORE_BATCH_MAX ? u - i :
		    COFFER_BSTORE_BATCH_MAX;
		if ((rc = s->r->store.ops->exists(s->r->store.ctx,
		    (const uint8_t (*)[BK_ID])ids + i, k, sizes + i)) != 0) {
			rc = repo_fail(s->r, rc, "sizing packs: %s",
			    coffer_strerror(rc));
			goto out;
		}
	}
	for (i = 0; i < u; i++)
		if (sizes[i] != COFFER_BSTORE_ABSENT) {
			st->repo_bytes += sizes[i];
			st->repo_packs++;
		}
out:
	free(ids);
	free(sizes);
	return rc;
}

int
coffer_backup_stats(struct coffer_backup_repo *r,
    const uint8_t (*ids)[COFFER_SNAPSHOT_ID_BYTES], size_t nids,
    coffer_backup_stats_fn fn, void *arg, struct coffer_backup_stats *total)
{
	struct coffer_backup_snapshot pub;
	struct repo_snaps ss;
	struct sctx s;
	size_t i;
	int rc;

	if (r == NULL || (nids > 0 && ids == NULL))
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&ss, 0, sizeof(ss));
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.nslots = cidx_nslots(r->idx);
	if ((rc = tc_init(&s.tc, r, (size_t)64 << 20)) != 0)
		goto out;
	if ((s.bits[0] = calloc(s.nslots / 8 + 1, 1)) == NULL ||
	    (s.bits[1] = calloc(s.nslots / 8 + 1, 1)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((rc = repo_snapshots(r, ids, nids, &ss)) != 0)
		goto out;
	for (i = 0; i < ss.n && rc == 0; i++) {
		memset(s.bits[0], 0, s.nslots / 8 + 1);
		memset(&s.st[0], 0, sizeof(s.st[0]));
		s.st[0].snapshots = 1;
		s.st[1].snapshots++;
		if ((rc = stats_tree(&s, ss.v[i].root, 0)) != 0)
			break;
		repo_snap_public(&ss.v[i], ss.names[i], &pub);
		if (fn != NULL)
			rc = fn(arg, &pub, &s.st[0]);
	}
	if (rc == 0 && nids == 0)
		rc = packs_size(&s, &s.st[1]);
out:
	if (total != NULL)
		*total = s.st[1];
	repo_snaps_free(&ss);
	tc_clear(&s.tc);
	free(s.bits[0]);
	free(s.bits[1]);
	return rc;
}
