/* The repository handle and what create, restore and ls share. Internal
 * to lib/backup. */
#ifndef COFFER_BACKUP_REPO_H
#define COFFER_BACKUP_REPO_H

#include <inttypes.h>
#include <pthread.h>

#include <coffer/backup.h>

#include "backup/cache.h"
#include "backup/format.h"
#include "backup/seen.h"

/* How the handle locks (coffer_backup_lock_configure). */
struct repo_lockcfg {
	char			 host[BK_LOCK_STR_MAX + 1];	/* "": ours */
	char			 device[BK_LOCK_STR_MAX + 1];
	uint32_t		 retry_s, ttl_s;
	int			 disabled;
};

struct coffer_backup_repo {
	struct coffer_bstore	 store;
	struct bk_keyring	*kr;
	int			 cachefd;
	struct cidx		*idx;
	struct journal		*jn;
	int			 need_sync;	/* a run failed: refold */
	struct repo_lockcfg	 lk;
	struct seen		 seen;		/* this device's memory */
	struct coffer_backup_signer signer;
	int			 has_signer;
	coffer_backup_warn_fn	 warn;
	void			*warn_arg;
	pthread_mutex_t		 lock;
	int			 failed;	/* detail set by this call */
	char			 detail[512];
};

/* Per-thread crypto state for reading chunks. */
struct repo_reader {
	struct bk_zctx	*z;
	struct bk_hmac	*h;
};

/* The words of a COFFER_ERR_KEY detail, after the object it names: the
 * object was sealed under a version of the zone key the ring lacks. */
#define REPO_LACKS	"needs version %" PRIu32 " of the backup set's " \
			"key, which the key ring given lacks"

/** repo_fail(r, err, fmt, ...): record a detail (the first of a call
 * wins) and return ${err}. repo_clear(r): start a new call. */
int repo_fail(struct coffer_backup_repo *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void repo_clear(struct coffer_backup_repo *r);
/** repo_list_fail(r, err): the detail for a failed listing of the refs,
 * with the store's own words (a ref the server put back, say). Returns
 * ${err}. */
int repo_list_fail(struct coffer_backup_repo *r, int err);

/** repo_store_fail(r, err, what, id, idlen): the detail for a store
 * error about object ${id}, with the store's own message. */
int repo_store_fail(struct coffer_backup_repo *r, int err, const char *what,
    const uint8_t *id, size_t idlen);
/** repo_hex(out, p, n): the lower-case hex of the ${n} bytes at ${p}
 * into ${out} (2 ${n} + 1 bytes), for details. */
void repo_hex(char *out, const uint8_t *p, size_t n);

/** repo_sync(r): fold the repository's index segments and the journal's
 * surviving packs into the local index. */
int repo_sync(struct coffer_backup_repo *r);
/** repo_seg_fold(idx, p): a bk_seg_fn adding pack ${p} and its entries to
 * the chunk index ${idx} (a struct cidx). */
int repo_seg_fold(void *idx, const struct bk_seg_pack *p);
/** repo_put_seg(r, packs, n, id, len): seal an index segment of the ${n}
 * ${packs} (sorted by id) as a blob of a fresh random id and store it;
 * its id into ${id}, its size into *${len} (${len} may be NULL). Returns
 * 0, an error of bk_seg_encode, COFFER_ERR_NOMEM, or a store error with
 * a detail. */
int repo_put_seg(struct coffer_backup_repo *r, const struct bk_seg_pack *packs,
    size_t n, uint8_t id[BK_ID], size_t *len);

/** repo_reader_init(rd, kr): a thread's contexts for reading chunks under
 * the ring ${kr}. repo_reader_clear(rd) frees them. Returns 0,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
int repo_reader_init(struct repo_reader *rd, const struct bk_keyring *kr);
void repo_reader_clear(struct repo_reader *rd);

/* Reads of packs are aligned to this grid (docs/PROTOCOL-backup.md,
 * "Restore"): the server sees which cells of a pack are read, never
 * where a chunk starts or ends. */
#define REPO_GRID	((uint64_t)256 * 1024)

/** repo_span(off, len, plen, start, end): the span of a pack to read for
 * the ${len} bytes at ${off}: ${off} rounded down to REPO_GRID into
 * *${start}, the end rounded up into *${end}, clipped at the pack's
 * length ${plen}; 0 in *${end} when ${plen} is unknown (0): read to the
 * pack's end. */
void repo_span(uint64_t off, uint64_t len, uint32_t plen, uint64_t *start,
    uint64_t *end);

/** repo_read_chunk(r, rd, id, type, out): fetch, authenticate and verify
 * chunk ${id} into ${out} (reset first). Returns 0, COFFER_ERR_CORRUPT,
 * COFFER_ERR_KEY (sealed under a version the ring lacks),
 * COFFER_ERR_NOTFOUND (pack missing) or a store error, with a detail. */
int repo_read_chunk(struct coffer_backup_repo *r, struct repo_reader *rd,
    const uint8_t id[BK_ID], uint8_t type, struct coffer_buf *out);

/** repo_open_chunk(r, rd, packid, e, s, out): check the stored chunk
 * ${s} (as fetched) of entry ${e} into ${out} (e->rlen bytes). Returns
 * 0, COFFER_ERR_NOMEM, COFFER_ERR_KEY or COFFER_ERR_CORRUPT, with a
 * detail. */
int repo_open_chunk(struct coffer_backup_repo *r, struct repo_reader *rd,
    const uint8_t packid[BK_ID], const struct bk_entry *e, const uint8_t *s,
    size_t slen, uint8_t *out);

/** repo_audit(r, fn, arg): seen_audit, then save the memory; a failure
 * gets a detail. repo_note(r, snap, counter, forgot, n, floor): seen_note
 * with a detail. */
int repo_audit(struct coffer_backup_repo *r, seen_report_fn fn, void *arg);
int repo_note(struct coffer_backup_repo *r, const uint8_t *snap,
    uint64_t counter, const uint8_t (*forgot)[BK_NAME], size_t n,
    uint64_t floor);

/** repo_snapshot(r, id, s): load snapshot ${id}. */
int repo_snapshot(struct coffer_backup_repo *r,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], struct bk_snapshot *s);

/* Snapshots loaded at once, with their names. */
struct repo_snaps {
	struct bk_snapshot	*v;
	uint8_t			(*names)[BK_NAME];
	size_t			 n;
};

/** repo_snaps_all(r, out): every snapshot, oldest first (repo.c). */
int repo_snaps_all(struct coffer_backup_repo *r, struct repo_snaps *out);
/** repo_snapshots(r, ids, nids, out) (snaps.c): the ${nids} snapshots ${ids} in that
 * order (0: every snapshot, oldest first) with one listing of the refs.
 * Returns 0, COFFER_ERR_NOTFOUND (with a detail), COFFER_ERR_NOMEM or an
 * error of the listing. repo_snaps_free(s) frees them. */
int repo_snapshots(struct coffer_backup_repo *r,
    const uint8_t (*ids)[COFFER_SNAPSHOT_ID_BYTES], size_t nids,
    struct repo_snaps *out);
void repo_snaps_free(struct repo_snaps *s);
/** repo_snap_public(b, name, out) (repo.c): snapshot ${b} named ${name}
 * as the public struct (its strings stay ${b}'s). */
void repo_snap_public(const struct bk_snapshot *b, const uint8_t name[BK_NAME],
    struct coffer_backup_snapshot *out);

#endif
