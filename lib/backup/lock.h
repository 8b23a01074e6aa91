/* The repository lock (docs/PROTOCOL-backup.md, "Locks"): LOCK refs in
 * the set's zone, shared (backup, check) or exclusive (prune, forget),
 * taken without compare-and-swap as restic does (write, list, back off on
 * a conflicting live lock), refreshed by a thread while the run lasts.
 * Internal to lib/backup. */
#ifndef COFFER_BACKUP_LOCK_H
#define COFFER_BACKUP_LOCK_H

#include "backup/repo.h"

#define LOCK_TTL_DEFAULT	1800	/* seconds */

struct lock;

/** lock_take(r, kind, out): take a lock of ${kind} (BK_LOCK_SHARED or
 * BK_LOCK_EXCLUSIVE) on ${r}'s repository, retrying for the handle's
 * retry time, and start refreshing it; *${out} is NULL when the handle's
 * locking is disabled. Returns 0, COFFER_ERR_BUSY (a conflicting live
 * lock: the detail names its holder), COFFER_ERR_NOMEM or a store error. */
int lock_take(struct coffer_backup_repo *r, uint8_t kind, struct lock **out);

/** lock_check(r, l): 0 while ${l} (may be NULL) is held: its last write
 * is younger than its expiry; else COFFER_ERR_BUSY with a detail (the
 * refresh failed: another device may treat it as stale). Called before a
 * step that must not run unlocked. */
int lock_check(struct coffer_backup_repo *r, struct lock *l);

/** lock_drop(p): stop refreshing, delete the lock ref, free; accepts
 * NULL. */
void lock_drop(struct lock **p);

/** lock_stale(l, machine, now_ns): 1 if lock ${l} is stale for a reader
 * of machine id ${machine} at ${now_ns} (its writer's expiry passed, its
 * time is more than its ttl ahead of ${now_ns}, or it was written by this
 * installation by a process that is gone), else 0. */
int lock_stale(const struct bk_lock *l,
    const uint8_t machine[BK_LOCK_MACHINE], int64_t now_ns);

/** lock_busy(r, l): record the detail of a conflict with lock ${l} (its
 * kind, host, device, pid and time) and return COFFER_ERR_BUSY. */
int lock_busy(struct coffer_backup_repo *r, const struct bk_lock *l);

#endif
