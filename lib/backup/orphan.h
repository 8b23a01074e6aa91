/* Orphans (docs/PROTOCOL-backup.md, "Orphans"): blobs of this set (their
 * ids carry the set's tag) that no index segment names, neither as a
 * segment nor as a pack; check reports them, prune removes those past
 * the grace rule. Internal to lib/backup. */
#ifndef COFFER_BACKUP_ORPHAN_H
#define COFFER_BACKUP_ORPHAN_H

#include "backup/lock.h"
#include "backup/maint.h"

/* The packs the index names: a sorted array of items of ${stride}
 * bytes, each starting with a pack id. */
struct orphan_known {
	const struct maint_refs	*refs;
	const void		*packs;
	size_t			 npacks, stride;
};

/** orphan_report(r, m, k): report as information each orphan of ${r}'s
 * set (not named by ${k}, nor by this device's journal) and how many
 * blobs carry no tag of the set. Nothing when the store cannot list.
 * Returns 0, COFFER_ERR_NOMEM or a store error. */
int orphan_report(struct coffer_backup_repo *r, struct maint_report *m,
    const struct orphan_known *k);

/** orphan_prune(r, k, lk, opt, st): delete the orphans that an earlier
 * prune run on this device saw already, at least the grace period of
 * ${opt} ago by this device's clock, and record the others in the cache
 * (nothing deleted or recorded on a dry run); counts into ${st}. Returns
 * 0, COFFER_ERR_BUSY (the lock ${lk} is no longer held), COFFER_ERR_IO,
 * COFFER_ERR_NOMEM or a store error. */
int orphan_prune(struct coffer_backup_repo *r, const struct orphan_known *k,
    struct lock *lk, const struct coffer_backup_prune_options *opt,
    struct coffer_backup_prune_stats *st);

#endif
