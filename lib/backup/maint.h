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
struct mreport {
	coffer_backup_problem_fn	 fn;
	void				*arg;
	int				 strict;
	uint64_t			 errors, infos;
	char				 first[512];	/* the first error */
};

/** mfind(r, m, level, err, fmt, ...): report a finding of ${level}; an
 * error is kept in ${m}->first and, when ${m} is strict, becomes the
 * detail of ${r}. Returns ${err}
 * when ${m} is strict and the finding is an error, else 0. */
int mfind(struct coffer_backup_repo *r, struct mreport *m, int level,
    int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** mgrow(pp, cap, n, size): make room in the array *${pp} of *${cap}
 * items of ${size} bytes for item ${n}. Returns 0 or COFFER_ERR_NOMEM. */
int mgrow(void *pp, size_t *cap, size_t n, size_t size);

/** mid_cmp(a, b): memcmp of two ids (BK_ID bytes), for qsort and
 * bsearch of arrays whose items start with one. */
int mid_cmp(const void *a, const void *b);

/* The refs: INDEX ref names, the union of their segments (sorted,
 * distinct), snapshot names and root trees. A ref that fails its checks
 * is reported and left out. */
struct mrefs {
	uint8_t		(*index)[BK_NAME];
	size_t		  nindex;
	uint8_t		(*segs)[BK_ID];
	size_t		  nsegs;
	uint8_t		(*snaps)[BK_NAME];
	uint8_t		(*roots)[BK_ID];
	size_t		  nsnaps;
	size_t		  nrefs;
};

int mrefs_load(struct coffer_backup_repo *r, struct mreport *m,
    struct mrefs *out);
void mrefs_free(struct mrefs *m);

/** mget(r, id, what, out): fetch the whole blob ${id} into ${out} (reset
 * first); a store error gets a detail naming ${what} ${id}. */
int mget(struct coffer_backup_repo *r, const uint8_t id[BK_ID],
    const char *what, struct coffer_buf *out);

/** mseg_each(r, m, segs, n, fn, arg): fetch and decode each segment,
 * calling ${fn}(${arg}, pack) for its packs; a segment that is missing
 * or fails its checks is reported through ${m}. */
int mseg_each(struct coffer_backup_repo *r, struct mreport *m,
    const uint8_t (*segs)[BK_ID], size_t n, bk_seg_fn fn, void *arg);

/* A temporary index of the segments' chunks in the cache folder, and
 * the bitmap of used chunks over its slots. */
struct mindex {
	struct cidx	*idx;
	int		 dirfd;
	uint8_t		*used;
	uint64_t	 nused;		/* chunks marked */
};

/** mindex_build(r, m, refs, x, fn, arg): build ${x} from the segments of
 * ${refs}, also calling ${fn}(${arg}, pack) (may be NULL) for each pack
 * folded. mindex_free(x): drop it and its files. */
int mindex_build(struct coffer_backup_repo *r, struct mreport *m,
    const struct mrefs *refs, struct mindex *x, bk_seg_fn fn, void *arg);
void mindex_free(struct mindex *x);

/** mindex_used(x, id): 1 if chunk ${id} is marked used. */
int mindex_used(struct mindex *x, const uint8_t id[BK_ID]);

/** mindex_mark(r, m, x, refs): walk every snapshot's trees (a subtree
 * already marked is not walked again) and mark each tree and content
 * chunk; a chunk the index lacks or a tree that does not load is
 * reported through ${m}. */
int mindex_mark(struct coffer_backup_repo *r, struct mreport *m,
    struct mindex *x, const struct mrefs *refs);

#endif
