/* The fixture of the backup engine tests (test_backup_engine.c,
 * test_backup_restore.c): a folder store that counts puts and misbehaves
 * on request, a source tree of every file kind, and a backup of it. */
#ifndef COFFER_TEST_BACKUP_FIXTURE_H
#define COFFER_TEST_BACKUP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/backup.h>
#include <coffer/backup_store.h>
#include <coffer/cdc.h>
#include <coffer/key.h>

/* Small chunks (4/16/64 KiB), so that small files make several. */
extern const struct coffer_cdc_params bfx_small_cdc;

/* A store over a folder that counts and misbehaves on request. */
struct bfx_store {
	struct coffer_bstore	 in;		/* the folder store */
	struct coffer_bstore	 out;		/* what the engine is given */
	int			 puts;		/* blobs put */
	int			 fail_after;	/* puts before failing; -1 */
	int			 corrupt;	/* flip every 32nd byte of each get */
	int			 swap;		/* get returns another blob */
	uint8_t			 other[32];
	int			 gets;		/* get_many calls */
};

#define BFX_KEYS	4

/* One test's folders (src, repo, cache, dst under base), store, key ring
 * (keys[i] is version i + 1) and open repository. */
struct bfx {
	char			 base[64];
	char			 src[96], repo[96], cache[96], dst[96];
	struct bfx_store	 ts;
	struct coffer_key	*keys[BFX_KEYS];
	size_t			 nkeys;
	struct coffer_backup_repo *r;
};

/** bfx_setup(state): cmocka setup: a fresh struct bfx into *${state}:
 * an empty source folder, the store over a new folder, a key (version 1)
 * and the repository open. bfx_teardown(state) closes and removes it
 * all. */
int bfx_setup(void **state);
int bfx_teardown(void **state);

/** bfx_open(f): open the repository of ${f} over its counting store with
 * every key of its ring (again, after the test closed it). */
void bfx_open(struct bfx *f);

/** bfx_open_ring(f, first, n): close ${f}'s repository and open it with
 * versions first + 1 to first + n of its ring; returns what
 * coffer_backup_open returned (f->r may hold a handle with a detail). */
int bfx_open_ring(struct bfx *f, size_t first, size_t n);

/** bfx_roll(f): add the next version of the set's key to the ring (as a
 * device removal does) and open the repository with the whole ring. */
void bfx_roll(struct bfx *f);

/* A test account's signer of forgets: the account key is an Ed25519 key
 * made from ${seed}; trusted() accepts that key alone; set is 16 bytes
 * of ${set}. calls counts signatures. */
struct bfx_signer {
	struct coffer_key	*key;
	uint8_t			 pk[32];
	unsigned		 calls;
	struct coffer_backup_signer s;
};

/** bfx_signer_init(s, seed, set): make it. bfx_signer_cleanup(s): free. */
void bfx_signer_init(struct bfx_signer *s, uint8_t seed, uint8_t set);
void bfx_signer_cleanup(struct bfx_signer *s);

/** bfx_sign(r): give ${r} the default test signer (seed 0x5a, set 0x01),
 * as every device of one account and set would have. */
void bfx_sign(struct coffer_backup_repo *r);

/** bfx_write_file(dir, name, p, n): make the file ${dir}/${name} with the
 * ${n} bytes at ${p}, mode 0640. */
void bfx_write_file(const char *dir, const char *name, const uint8_t *p,
    size_t n);

/** bfx_make_tree(f): fill the source folder with every file kind: big
 * (random then compressible), empty, small with an xattr and a hard
 * link, names with a line break and with non-UTF-8 bytes, nested
 * folders, a sparse file, a symbolic link and a FIFO. */
void bfx_make_tree(struct bfx *f);

/** bfx_backup(f, pg, id): back up the source folder with small chunks
 * and 256 KiB packs as host "testhost", progress into ${pg} (may be
 * NULL), the snapshot id into ${id}. Returns coffer_backup_create's
 * result. */
int bfx_backup(struct bfx *f, struct coffer_backup_progress *pg,
    uint8_t id[16]);

/** bfx_no_tmp(d): fail the running test if folder ${d} holds a
 * temporary file of a restore (".NAME.coffer-RANDOM"). */
void bfx_no_tmp(const char *d);

/** bfx_empty_dir(d): fail the running test unless folder ${d} holds
 * nothing but "." and "..". */
void bfx_empty_dir(const char *d);

#endif
