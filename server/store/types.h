/* What both storage ops tables share: the error codes the storage adds to
 * include/coffer/err.h, the sizes of ids, and the configuration every
 * backend is opened with. docs/STORAGE.md is the long form. */
#ifndef COFFERD_STORE_TYPES_H
#define COFFERD_STORE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/err.h>
#include <coffer/wire.h>

/* Ids are COFFER_WIRE_ID_BYTES (accounts, devices, zones, records) and
 * COFFER_WIRE_BLOB_ID_BYTES (blobs); caps on what a client may hand the
 * store are the wire's too (coffer/wire.h), with the few of meta.h. */

/* Defaults of struct store_config. */
#define STORE_QUOTA_DEFAULT	((uint64_t)5 << 30)	/* 5 GiB */
#define STORE_BLOB_MAX_DEFAULT	((uint64_t)4 << 30)	/* 4 GiB */
#define STORE_CONNECTIONS_DEFAULT 8
#define STORE_BUSY_MS_DEFAULT	5000

/* The largest quota or blob size a backend must hold (signed 64-bit
 * columns in SQL backends). */
#define STORE_SIZE_MAX		((uint64_t)INT64_MAX)

struct store_config {
	/* Bytes an account may hold (blobs and records) unless its own
	 * quota is set. */
	uint64_t	quota_default;
	/* The largest blob a writer accepts. */
	uint64_t	blob_max;
	/* Metadata connections open at most at once (one per concurrent
	 * caller; a caller beyond waits for one to be free). */
	unsigned	connections;
	/* How long a write waits for a lock held by another process before
	 * COFFER_ERR_BUSY. */
	unsigned	busy_ms;
};

/** store_config_init(cfg): fill ${cfg} with the defaults above. */
void store_config_init(struct store_config *cfg);

#endif
