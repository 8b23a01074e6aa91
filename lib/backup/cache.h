/* The local cache of a backup repository, in the cache folder
 * (docs/PROTOCOL-backup.md, "Local cache"): the chunk index, the files
 * cache and the journal of uploaded packs. Internal to lib/backup. */
#ifndef COFFER_BACKUP_CACHE_H
#define COFFER_BACKUP_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "backup/format.h"

/* Chunk index (cidx.c): chunk id -> pack, offset, lengths, type, in an
 * mmap'd open-addressing file; the pack ids and the folded segment ids in
 * side files. Thread-safe. */
struct cidx;

int cidx_open(struct cidx **out, int dirfd);
/* Close; with clean, mark the file consistent (not dirty). */
void cidx_close(struct cidx **p, int clean);
/* 1 if a run that changed the index did not close it cleanly. */
int cidx_dirty(const struct cidx *c);
/* Mark dirty (before the first change of a run), durably. */
int cidx_begin(struct cidx *c);
/* Forget everything (to rebuild from the repository). */
int cidx_reset(struct cidx *c);
/* Register a pack; its number goes to *no. */
int cidx_pack(struct cidx *c, const uint8_t id[BK_ID], uint32_t *no);
/* Record the length of pack no (0: unknown). */
int cidx_pack_len(struct cidx *c, uint32_t no, uint32_t len);
/* Insert e (in pack no) unless its (id, type) is there: returns 0
 * inserted, 1 present, or an error. */
int cidx_add(struct cidx *c, uint32_t no, const struct bk_entry *e);
/* Look up (id, type): 0 (e, packid filled; either may be NULL) or
 * COFFER_ERR_NOTFOUND. The type is part of the key: a data chunk and a
 * tree of the same id are different chunks. */
int cidx_get(struct cidx *c, const uint8_t id[BK_ID], uint8_t type,
    struct bk_entry *e, uint8_t packid[BK_ID]);
/* The same, and the pack's length into *plen (0: unknown). */
int cidx_locate(struct cidx *c, const uint8_t id[BK_ID], uint8_t type,
    struct bk_entry *e, uint8_t packid[BK_ID], uint32_t *plen);
/* The segment ids folded in: cidx_has_seg is 1 if id is one. */
int cidx_has_seg(struct cidx *c, const uint8_t id[BK_ID]);
int cidx_add_seg(struct cidx *c, const uint8_t id[BK_ID]);
size_t cidx_nsegs(struct cidx *c);
const uint8_t *cidx_seg(struct cidx *c, size_t i);
size_t cidx_count(struct cidx *c);
/* The slot holding (id, type) (below cidx_nslots; stable until the next
 * add, so a bitmap over the slots marks chunks): 0 or COFFER_ERR_NOTFOUND. */
int cidx_slot(struct cidx *c, const uint8_t id[BK_ID], uint8_t type,
    uint64_t *slot);
uint64_t cidx_nslots(struct cidx *c);
/* The entry in slot: 0 (e, packid filled) or COFFER_ERR_NOTFOUND (empty). */
int cidx_at(struct cidx *c, uint64_t slot, struct bk_entry *e,
    uint8_t packid[BK_ID]);

/* Files cache (fcache.c): records in traversal order. */
struct fc_rec {
	const uint8_t	*path;
	size_t		 path_len;
	uint64_t	 dev, ino, size;
	int64_t		 mtime_ns, ctime_ns;
	const uint8_t	*chunks;
	uint32_t	 nchunks;
	int		 sparse;	/* extents as in bk_node */
	const uint8_t	*extents;
	uint32_t	 nextents;
	int		 v1;		/* from a cache before holes were
					 * recorded: describes a file read
					 * whole */
};

struct fcache_r;
struct fcache_w;

/* Open the previous run's cache (absent: an empty reader). */
int fcache_r_open(struct fcache_r **out, int dirfd);
void fcache_r_close(struct fcache_r **p);
/* Advance to path; 1 and *rec when a record for it exists, 0 if not. */
int fcache_r_find(struct fcache_r *r, const uint8_t *path, size_t len,
    struct fc_rec *rec);
int fcache_w_open(struct fcache_w **out, int dirfd);
int fcache_w_add(struct fcache_w *w, const struct fc_rec *rec);
/* Finish and replace the previous cache (commit) or drop it. */
int fcache_w_close(struct fcache_w **p, int commit);

/* Journal (journal.c): packs uploaded by the running backup. */
struct journal;

int journal_open(struct journal **out, int dirfd);
void journal_close(struct journal **p);
/* Append ${n} uploaded packs and their entries, then one fsync. */
int journal_add(struct journal *j, const struct bk_seg_pack *p, size_t n);
/* Each intact record in order (a torn tail is ignored). */
int journal_read(struct journal *j, bk_seg_fn fn, void *arg);
/* Rewrite with only the records keep(arg, pack) accepts. */
int journal_filter(struct journal *j, int (*keep)(void *, const uint8_t *),
    void *arg);
int journal_clear(struct journal *j);

#endif
