/* This installation's machine id (machine.c): 16 random bytes kept in
 * the cache folder, written into each LOCK so that a reader judges the
 * liveness of a lock's pid only for locks of its own installation (two
 * hosts of one name, cloned VMs and containers do not share it).
 * Internal to lib/backup. */
#ifndef COFFER_BACKUP_MACHINE_H
#define COFFER_BACKUP_MACHINE_H

#include <stdint.h>

#include "backup/format.h"

#define MACHINE_FILE	"machine.id"

/** machine_id(dirfd, out): the id kept in ${dirfd}, made (random, durably
 * written) if there is none yet. Returns 0, COFFER_ERR_CORRUPT (a file
 * of another size, or all zero) or COFFER_ERR_IO. */
int machine_id(int dirfd, uint8_t out[BK_LOCK_MACHINE]);

#endif
