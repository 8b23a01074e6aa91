/* What prune and check share (maint.c): the refs as the repository holds
 * them, a temporary chunk index built from the index segments alone (not
 * the local cache, which also holds an unfinished backup's packs), a
 * bitmap over its slots marking the chunks snapshots use, and findings.
 * Internal to lib/backup. */
#ifndef COFFER_BACKUP_MAINT_H
#define COFFER_BACKUP_MAINT_H

#include "backup/repo.h"

/* Findings: check reports each and goes on; prune (strict) stops at the
 * first error. */
struct maint_report {
	coffer_backup_problem_fn	 fn;
	void				*arg;
	int				 strict;
	uint64_t			 errors, infos;
	uint64_t			 keys;	/* errors that are
						 * COFFER_ERR_KEY */
	uint64_t			 rollbacks;	/* errors that are
							 * COFFER_ERR_ROLLBACK */
	char				 first[512];	/* the first error */
};

/** maint_find(r, m, level, err, fmt, ...): report a finding of ${level}; an
 * error is kept in ${m}->first and, when ${m} is strict, becomes the
 * detail of ${r}. Returns ${err}
 * when ${m} is strict and the finding is an error, else 0. */
int maint_find(struct coffer_backup_repo *r, struct maint_report *m, int level,
    int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** maint_grow(pp, cap, n, size): make room in the array *${pp} of *${cap}
 * items of ${size} bytes for item ${n}. Returns 0 or COFFER_ERR_NOMEM. */
int maint_grow(void *pp, size_t *cap, size_t n, size_t size);

/** maint_id_cmp(a, b): memcmp of two ids (BK_ID bytes), for qsort and
 * bsearch of arrays whose items start with one. */
int maint_id_cmp(const void *a, const void *b);

/* The refs: INDEX ref names, the union of their segments (sorted,
 * distinct), snapshot names and root trees. A ref that fails its checks
 * is reported and left out. */
struct maint_refs {
	uint8_t		(*index)[BK_NAME];
	size_t		  nindex;
	uint8_t		(*segs)[BK_ID];
	size_t		  nsegs;
	uint8_t		(*snaps)[BK_NAME];
	uint8_t		(*roots)[BK_ID];
	size_t		  nsnaps;
	size_t		  nrefs;
};

int maint_refs_load(struct coffer_backup_repo *r, struct maint_report *m,
    struct maint_refs *out);
void maint_refs_free(struct maint_refs *m);

/** maint_get(r, id, what, out): fetch the whole blob ${id} into ${out} (reset
 * first); a store error gets a detail naming ${what} ${id}. */
int maint_get(struct coffer_backup_repo *r, const uint8_t id[BK_ID],
    const char *what, struct coffer_buf *out);

/** maint_seg_each(r, m, segs, n, fn, arg): fetch and decode each segment,
 * calling ${fn}(${arg}, pack) for its packs; a segment that is missing
 * or fails its checks is reported through ${m}. */
int maint_seg_each(struct coffer_backup_repo *r, struct maint_report *m,
    const uint8_t (*segs)[BK_ID], size_t n, bk_seg_fn fn, void *arg);

/* A temporary index of the segments' chunks in the cache folder, and
 * the bitmap of used chunks over its slots. */
struct maint_index {
	struct cidx	*idx;
	int		 dirfd;
	uint8_t		*used;
	uint64_t	 nused;		/* chunks marked */
};

/** maint_index_build(r, m, refs, x, fn, arg): build ${x} from the segments of
 * ${refs}, also calling ${fn}(${arg}, pack) (may be NULL) for each pack
 * folded. maint_index_free(x): drop it and its files. */
int maint_index_build(struct coffer_backup_repo *r, struct maint_report *m,
    const struct maint_refs *refs, struct maint_index *x, bk_seg_fn fn,
    void *arg);
void maint_index_free(struct maint_index *x);

/** maint_index_used(x, id, type): 1 if chunk ${id} of ${type} is marked
 * used. */
int maint_index_used(struct maint_index *x, const uint8_t id[BK_ID],
    uint8_t type);

/** maint_index_mark(r, m, x, refs): walk every snapshot's trees (a subtree
 * already marked is not walked again) and mark each tree and content
 * chunk; a chunk the index lacks or a tree that does not load is
 * reported through ${m}. */
int maint_index_mark(struct coffer_backup_repo *r, struct maint_report *m,
    struct maint_index *x, const struct maint_refs *refs);

#endif
