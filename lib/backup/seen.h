/* What this device remembers of a backup set's refs (seen.c), and the
 * audit of a listing against it: snapshots hidden without a signed
 * forget, forgotten snapshots and superseded INDEX refs brought back,
 * FORGET refs whose signature fails, counters rolled back. Internal to
 * lib/backup. */
#ifndef COFFER_BACKUP_SEEN_H
#define COFFER_BACKUP_SEEN_H

#include <stddef.h>
#include <stdint.h>

#include "backup/format.h"

struct coffer_backup_repo;

/* The memory (cache folder, file "refs.seen"): the snapshots seen and
 * not forgotten, the snapshots forgotten by a verified FORGET, the
 * highest counter seen and the INDEX floor seen. Names sorted. */
struct seen {
	uint64_t	  highest, floor;
	uint8_t		(*snaps)[BK_NAME];
	size_t		  nsnaps, capsnaps;
	uint8_t		(*forgot)[BK_NAME];
	size_t		  nforgot, capforgot;
	uint8_t		(*skip)[BK_NAME];	/* this listing's ignored refs */
	size_t		  nskip, capskip;
	uint8_t		(*stale)[BK_NAME];	/* of them, superseded INDEX */
	size_t		  nstale, capstale;
	struct seen_ref	 *refs;			/* the listing audited */
	size_t		  nrefs, caprefs;
	int		  dirty;		/* changed since saved */
};

/* One ref of the audited listing, as the store gave it. */
struct seen_ref {
	uint8_t		 name[BK_NAME];
	uint8_t		*data;
	size_t		 len;
};

#define SEEN_FILE	"refs.seen"
#define SEEN_MAX	(1u << 20)	/* names of each list */

/** seen_load(s, dirfd): read the memory from ${dirfd} (none yet: empty).
 * Returns 0, COFFER_ERR_CORRUPT (a bad magic, checksum or list),
 * COFFER_ERR_VERSION, COFFER_ERR_TOOBIG, COFFER_ERR_NOMEM or
 * COFFER_ERR_IO. seen_free(s) releases it. */
int seen_load(struct seen *s, int dirfd);
void seen_free(struct seen *s);
/** seen_save(s, dirfd): replace the file durably. Returns 0,
 * COFFER_ERR_NOMEM, COFFER_ERR_NOSPACE or COFFER_ERR_IO. */
int seen_save(const struct seen *s, int dirfd);

/* A finding's level: what hides data (a snapshot gone without a signed
 * forget, refs rolled back); a replay, ignored (a forgotten snapshot
 * back, a FORGET that fails its signature); a superseded INDEX ref,
 * ignored (an interrupted prune leaves them too: prune deletes them). */
#define SEEN_HIDDEN	2
#define SEEN_REPLAY	1
#define SEEN_STALE	0
typedef int (*seen_report_fn)(void *arg, int level, const char *msg);

/** seen_audit(r, fn, arg): list the refs of ${r}, compare them with its
 * memory, tell ${fn} each finding, set the refs the walks must ignore
 * (seen_skip), keep the listing for the walks (seen_walk) and update the
 * memory (the caller saves it: repo_audit).
 * Refs that do not open are left to the walks. Returns 0, what ${fn}
 * returned, COFFER_ERR_NOMEM, COFFER_ERR_TOOBIG or a store error (no
 * detail). */
int seen_audit(struct coffer_backup_repo *r, seen_report_fn fn, void *arg);
/** seen_skip(s, name): 1 if the last audit ignores ref ${name}. */
int seen_skip(const struct seen *s, const uint8_t name[BK_NAME]);
/** seen_walk(s, fn, arg): hand ${fn} each ref of the listing the last
 * audit judged. The walks never list again: a server answering a second
 * listing otherwise than the first would bypass the audit. Returns 0 or
 * what ${fn} returned. */
int seen_walk(const struct seen *s, int (*fn)(void *,
    const uint8_t name[BK_NAME], const uint8_t *, size_t), void *arg);
/** seen_refs_keep(s, name, data, len): add a copy of one ref to the
 * listing kept. Returns 0, COFFER_ERR_TOOBIG (over SEEN_MAX refs) or
 * COFFER_ERR_NOMEM. seen_refs_free(s): forget the listing kept. */
int seen_refs_keep(struct seen *s, const uint8_t name[BK_NAME],
    const uint8_t *data, size_t len);
void seen_refs_free(struct seen *s);
/** seen_note(s, dirfd, snap, counter, forgot, n, floor): after this
 * device stored snapshot ${snap} (may be NULL), a FORGET of the ${n}
 * names ${forgot}, or an INDEX ref with ${floor} (0: none), at
 * ${counter}: remember it and save. Returns as seen_save, or
 * COFFER_ERR_TOOBIG. */
int seen_note(struct seen *s, int dirfd, const uint8_t *snap,
    uint64_t counter, const uint8_t (*forgot)[BK_NAME], size_t n,
    uint64_t floor);

#endif
