/* The backup engine (docs/PROTOCOL-backup.md): deduplicated, compressed,
 * encrypted snapshots of folders in a repository that lives in a storage
 * ops table (coffer/backup_store.h). Everything the store receives is
 * ciphertext of padded size; the keys come from the versions of the
 * backup set's zone key (a key ring: the key rolls when a device is
 * removed).
 *
 * A repository handle is used by one thread at a time; the engine runs
 * its own threads inside create and restore. Errors are coffer error
 * codes; coffer_backup_error_detail() names the object or file concerned.
 * The library never prints. */
#ifndef COFFER_BACKUP_H
#define COFFER_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/backup_store.h>
#include <coffer/cdc.h>
#include <coffer/export.h>
#include <coffer/key.h>

#define COFFER_SNAPSHOT_ID_BYTES	16

struct coffer_backup_repo;

/* Counters of a running create or restore, updated by the engine (read
 * them from the callback; the values are a consistent picture only
 * there). Set cancel to nonzero from any thread to stop the run with
 * COFFER_ERR_CANCELLED. */
struct coffer_backup_progress {
	uint64_t	 files;		/* files seen (all kinds) */
	uint64_t	 dirs;		/* folders seen */
	uint64_t	 files_read;	/* regular files whose bytes were read */
	uint64_t	 bytes;		/* bytes of the regular files seen */
	uint64_t	 bytes_read;	/* bytes read (or written by restore) */
	uint64_t	 bytes_new;	/* plaintext bytes of new chunks */
	uint64_t	 bytes_stored;	/* bytes handed to the store */
	uint64_t	 packs;		/* packs stored */
	uint64_t	 warnings;	/* entries skipped (vanished, unreadable,
					 * special files when not root) */
	volatile int	 cancel;
	/* Called from the engine's coordinating thread now and then
	 * (may be NULL). */
	void		(*fn)(void *arg,
			    const struct coffer_backup_progress *p);
	void		*arg;
};

struct coffer_backup_options {
	const char			 *host;		/* NULL: gethostname */
	const char *const		 *excludes;	/* fnmatch patterns on
							 * names and paths */
	size_t				  nexcludes;
	unsigned			  threads;	/* 0: online CPUs */
	struct coffer_backup_progress	 *progress;	/* may be NULL */
	/* Tuning (0/NULL: the defaults of PROTOCOL-backup.md). */
	const struct coffer_cdc_params	 *cdc;
	size_t				  pack_size;
	int				  zstd_level;	/* -1: no compression */
};

struct coffer_backup_snapshot {
	uint8_t		 id[COFFER_SNAPSHOT_ID_BYTES];
	int64_t		 time_ns, end_ns;
	const char	*host;
	const char *const *paths;
	size_t		 npaths;
	uint64_t	 files, dirs, bytes, bytes_new, bytes_stored;
};

enum coffer_backup_ftype {
	COFFER_BACKUP_FILE = 1, COFFER_BACKUP_DIR = 2,
	COFFER_BACKUP_SYMLINK = 3, COFFER_BACKUP_FIFO = 4,
	COFFER_BACKUP_CHR = 5, COFFER_BACKUP_BLK = 6, COFFER_BACKUP_SOCK = 7,
	COFFER_BACKUP_HARDLINK = 8,
};

struct coffer_backup_entry {
	const char	*path;		/* inside the snapshot, '/'-separated */
	int		 type;		/* enum coffer_backup_ftype */
	uint32_t	 mode;		/* permission bits */
	uint32_t	 uid, gid;
	const char	*user, *group;
	int64_t		 mtime_ns;
	uint64_t	 size;
	const char	*target;	/* symlink or hard-link target, or NULL */
};

typedef int (*coffer_backup_snapshot_fn)(void *arg,
    const struct coffer_backup_snapshot *s);
typedef int (*coffer_backup_entry_fn)(void *arg,
    const struct coffer_backup_entry *e);

/* The most versions of a backup set's zone key a handle takes. */
#define COFFER_BACKUP_KEYS_MAX	1024

/** coffer_backup_open(out, store, keys, nkeys, cache_dir): a handle on the
 * repository in ${store} (copied; it must outlive the handle), keyed by
 * the ${nkeys} versions ${keys}[0..${nkeys}) of the backup set's
 * symmetric zone key, in any order (their coffer_key_version, distinct,
 * from 1; every version the set has had, so that everything backed up
 * before a key roll stays readable). The handle derives its own keys and
 * keeps no reference to them: new objects are sealed under the newest
 * version, chunk ids and the chunker's cuts come from the oldest (so a
 * backup after a roll deduplicates against data from before it), and
 * each object is opened under the version it names. Its local cache is
 * in ${cache_dir} (created 0700 if missing; one per repository).
 * Reconciles the cache with the repository's index and folds in the
 * packs of an interrupted backup that the store holds. Returns 0,
 * COFFER_ERR_INVALID (a NULL argument, ${nkeys} 0 or over
 * COFFER_BACKUP_KEYS_MAX, a key not symmetric, of version 0 or of a
 * version given twice), COFFER_ERR_NOMEM, COFFER_ERR_IO,
 * COFFER_ERR_KEY (a ref or index segment names a version ${keys} lacks:
 * the detail names the object and the version), COFFER_ERR_CORRUPT (an
 * index segment fails its checks: the detail names it) or a store error.
 * On an error with a detail, *${out} is still set, to a handle good only
 * for coffer_backup_error_detail and coffer_backup_close (as
 * sqlite3_open); otherwise it is set to NULL. */
COFFER_API int coffer_backup_open(struct coffer_backup_repo **out,
    const struct coffer_bstore *store, const struct coffer_key *const *keys,
    size_t nkeys, const char *cache_dir) COFFER_WUR;

/** coffer_backup_close(p): close and free *${p}, wiping its keys; sets
 * *${p} to NULL; accepts NULL. */
COFFER_API void coffer_backup_close(struct coffer_backup_repo **p);

/** coffer_backup_error_detail(r): a sentence about the last error of ${r}
 * (the pack, chunk, file or store message concerned), or "" if none;
 * owned by ${r}, valid until its next call. */
COFFER_API const char *coffer_backup_error_detail(
    const struct coffer_backup_repo *r);

/** coffer_backup_create(r, paths, npaths, opt, id): back up the ${npaths}
 * files or folders ${paths} (the snapshot's top level holds their last
 * components, which must differ) with options ${opt} (may be NULL) and
 * write the new snapshot's id to ${id}. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_NOTFOUND (a path), COFFER_ERR_CANCELLED, COFFER_ERR_NOMEM,
 * COFFER_ERR_IO, COFFER_ERR_NOSPACE (the cache's disk) or a store error;
 * packs stored before a failure are reused by the next run. */
COFFER_API int coffer_backup_create(struct coffer_backup_repo *r,
    const char *const *paths, size_t npaths,
    const struct coffer_backup_options *opt,
    uint8_t id[COFFER_SNAPSHOT_ID_BYTES]) COFFER_WUR;

/** coffer_backup_list(r, fn, arg): call ${fn}(${arg}, snapshot) for each
 * snapshot, oldest first; a nonzero return stops and is returned.
 * Returns 0, COFFER_ERR_CORRUPT (a ref fails its checks), COFFER_ERR_KEY
 * (a ref names a key version the handle lacks), COFFER_ERR_NOMEM or a
 * store error. */
COFFER_API int coffer_backup_list(struct coffer_backup_repo *r,
    coffer_backup_snapshot_fn fn, void *arg) COFFER_WUR;

/** coffer_backup_resolve(r, spec, id): the snapshot named by ${spec}:
 * "latest" (the newest) or a unique prefix of at least 8 of the 32 hex
 * digits of its id. Returns 0, COFFER_ERR_NOTFOUND, COFFER_ERR_INVALID
 * (malformed or ambiguous ${spec}) or an error of coffer_backup_list. */
COFFER_API int coffer_backup_resolve(struct coffer_backup_repo *r,
    const char *spec, uint8_t id[COFFER_SNAPSHOT_ID_BYTES]) COFFER_WUR;

/** coffer_backup_ls(r, id, subpath, fn, arg): call ${fn}(${arg}, entry)
 * for every entry of snapshot ${id} below ${subpath} (NULL or "" for all),
 * folders before their contents, names in byte order. Returns 0,
 * COFFER_ERR_NOTFOUND (snapshot or path), COFFER_ERR_CORRUPT,
 * COFFER_ERR_KEY (a tree sealed under a key version the handle lacks),
 * a store error, or what ${fn} returned. */
COFFER_API int coffer_backup_ls(struct coffer_backup_repo *r,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *subpath,
    coffer_backup_entry_fn fn, void *arg) COFFER_WUR;

/** coffer_backup_restore(r, id, subpath, target, opt): restore snapshot
 * ${id} (or only ${subpath} in it) into the folder ${target} (created if
 * missing). Files are written under a random temporary name
 * (.NAME.coffer-RANDOM, created exclusively) and renamed when whole and
 * verified; no symbolic link below ${target} is followed; modes, times,
 * xattrs (and owners when root) are set last, folders' after their
 * contents. ${opt} may be NULL (threads and progress
 * are used). Returns 0, COFFER_ERR_NOTFOUND (snapshot, path, or a pack
 * the store lacks: the detail names it), COFFER_ERR_CORRUPT (a chunk
 * fails its checks: the detail names pack and chunk), COFFER_ERR_KEY (a
 * chunk sealed under a key version the handle lacks: the detail names
 * chunk, pack and version; nothing of it is decrypted),
 * COFFER_ERR_NOSPACE (the detail names the file), COFFER_ERR_IO,
 * COFFER_ERR_CANCELLED or a store error. */
COFFER_API int coffer_backup_restore(struct coffer_backup_repo *r,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *subpath,
    const char *target, const struct coffer_backup_options *opt)
    COFFER_WUR;

/* Snapshots a server cannot hide (docs/PROTOCOL-backup.md, "Refs a
 * server cannot roll back"). A forget is a FORGET ref signed by the
 * account key; the engine stays free of the account: it signs and trusts
 * through these callbacks, which the client fills (lib/client: the
 * account key this device holds, the verified device list). */
#define COFFER_BACKUP_SIGNER_V1		1
#define COFFER_BACKUP_SET_BYTES		16

struct coffer_backup_signer {
	unsigned	 version;	/* COFFER_BACKUP_SIGNER_V1 */
	/* The backup set's id (the client: its zone's id): a FORGET's
	 * signature covers it, so one set's forget never counts in another. */
	uint8_t		 set[COFFER_BACKUP_SET_BYTES];
	/* Sign ${len} bytes of ${msg} for ${context} with the account key
	 * (coffer_sign), its public key to ${pk}. 0 or an error. May be NULL
	 * (a device that only verifies: forget is refused). */
	int		(*sign)(void *arg, const char *context,
			    const uint8_t *msg, size_t len,
			    uint8_t sig[64], uint8_t pk[32]);
	/* 0 if ${pk} is an account key of this account (as the verified
	 * device list says), COFFER_ERR_AUTH if not, or another error. */
	int		(*trusted)(void *arg, const uint8_t pk[32]);
	void		*arg;
};

/** coffer_backup_set_signer(r, s): sign forgets and check FORGET refs of
 * ${r} with ${s} (copied; NULL removes it). Without a signer forget is
 * refused and no FORGET counts, so a snapshot this device saw that a
 * FORGET removed is reported as hidden. Returns 0 or COFFER_ERR_INVALID
 * (a NULL ${r}, an unknown version, no trusted callback). */
COFFER_API int coffer_backup_set_signer(struct coffer_backup_repo *r,
    const struct coffer_backup_signer *s) COFFER_WUR;

/* Called with a sentence naming a snapshot or ref the server hid,
 * brought back or altered (see coffer_backup_set_warn). */
typedef void (*coffer_backup_warn_fn)(void *arg, const char *message);

/** coffer_backup_set_warn(r, fn, arg): hear, from every call that lists
 * the refs (list, resolve, create, forget, ls, restore), what this
 * device's memory of the set (its cache folder) says the server did: a
 * snapshot seen here that is gone without a signed forget, a forgotten
 * snapshot or a superseded INDEX ref that came back (not listed, not
 * used), a FORGET whose signature fails, refs rolled back below the
 * highest counter seen. ${fn} NULL: nobody hears (check reports them as
 * errors either way). */
COFFER_API void coffer_backup_set_warn(struct coffer_backup_repo *r,
    coffer_backup_warn_fn fn, void *arg);

/* Maintenance (docs/PROTOCOL-backup.md, "Maintenance"). */

/* Why forget keeps a snapshot: a bit per rule that kept it. */
#define COFFER_KEEP_LAST	0x01
#define COFFER_KEEP_HOURLY	0x02
#define COFFER_KEEP_DAILY	0x04
#define COFFER_KEEP_WEEKLY	0x08
#define COFFER_KEEP_MONTHLY	0x10
#define COFFER_KEEP_YEARLY	0x20

/* Which snapshots forget keeps (restic's rules): the newest keep_last;
 * for each period kind, the newest snapshot of each of the keep_<kind>
 * newest periods that hold one (periods in local time; weeks are ISO
 * weeks). A snapshot kept by any rule is kept. Only the snapshots whose
 * host equals host (NULL: any) and whose paths equal paths (npaths 0:
 * any) are considered; the others are neither kept nor removed. All
 * counts 0 is refused unless remove_all is set. */
struct coffer_backup_policy {
	unsigned		 keep_last, keep_hourly, keep_daily;
	unsigned		 keep_weekly, keep_monthly, keep_yearly;
	const char		*host;
	const char *const	*paths;
	size_t			 npaths;
	int			 remove_all;
};

/* Called by forget for each snapshot considered, oldest first: keep is 1
 * or 0, reasons the COFFER_KEEP_* bits. A nonzero return stops forget
 * (before it removes anything) and is returned. */
typedef int (*coffer_backup_forget_fn)(void *arg,
    const struct coffer_backup_snapshot *s, int keep, unsigned reasons);

struct coffer_backup_forget_options {
	int			 dry_run;	/* report only */
	coffer_backup_forget_fn	 fn;		/* may be NULL */
	void			*arg;
};

/** coffer_backup_forget(r, policy, opt): remove the snapshot refs of
 * ${r} that ${policy} does not keep (no data: prune frees it), calling
 * ${opt}->fn for each snapshot considered; with ${opt}->dry_run nothing
 * is removed. Before removing, a FORGET ref naming them, signed by the
 * account key through the handle's signer, is stored. ${opt} may be
 * NULL. Returns 0, COFFER_ERR_STATE (snapshots to remove and no signer
 * that signs), COFFER_ERR_INVALID (a NULL
 * argument, or a policy that keeps nothing without remove_all),
 * COFFER_ERR_CORRUPT (a ref fails its checks), COFFER_ERR_KEY (a ref
 * names a key version the handle lacks), COFFER_ERR_NOMEM, a store
 * error, or what the callback returned. */
COFFER_API int coffer_backup_forget(struct coffer_backup_repo *r,
    const struct coffer_backup_policy *policy,
    const struct coffer_backup_forget_options *opt) COFFER_WUR;

struct coffer_backup_prune_options {
	int		 dry_run;	/* plan and count only */
	int		 allow_journal;	/* run although an interrupted backup
					 * left packs (they are kept) */
	/* A partly used pack is repacked when more than this percentage
	 * of its bytes is unused; 0: 5; -1: every partly used pack; 100:
	 * never. */
	int		 max_unused_pct;
	size_t		 pack_size;	/* of new packs; 0: the default */
};

struct coffer_backup_prune_stats {
	uint64_t	 snapshots;	/* walked */
	uint64_t	 packs;		/* in the index before */
	uint64_t	 packs_kept, packs_deleted, packs_repacked;
	uint64_t	 packs_new;	/* written by repacking */
	uint64_t	 chunks_used, chunks_unused;
	uint64_t	 segments_deleted, segments_new;
	uint64_t	 bytes_deleted;	/* packs and segments deleted */
	uint64_t	 bytes_added;	/* packs and segments written */
	uint64_t	 bytes_repacked;	/* stored chunks copied */
};

/** coffer_backup_prune(r, opt, stats): delete from ${r} what no snapshot
 * uses: packs none of whose chunks is used, and (repacked into new packs
 * first) packs whose unused share exceeds ${opt}->max_unused_pct; then
 * rewrite the index segments that named them. New packs, segments and
 * INDEX ref are stored before any old ref, segment or pack is deleted,
 * so a failure at any step leaves a repository where every snapshot
 * restores. Refreshes the local index. ${opt} may be NULL; ${stats} (may
 * be NULL) gets the counts. Returns 0, COFFER_ERR_STATE (an interrupted
 * backup's packs are in the journal and allow_journal is not set),
 * COFFER_ERR_CORRUPT (a ref, segment, tree or repacked chunk fails its
 * checks, or a tree names a chunk the index lacks: nothing is deleted),
 * COFFER_ERR_KEY (one of them names a key version the handle lacks:
 * nothing is deleted), COFFER_ERR_NOTFOUND (a segment or pack is missing),
 * COFFER_ERR_NOMEM,
 * COFFER_ERR_IO, COFFER_ERR_INVALID or a store error; the detail names
 * the object. */
COFFER_API int coffer_backup_prune(struct coffer_backup_repo *r,
    const struct coffer_backup_prune_options *opt,
    struct coffer_backup_prune_stats *stats) COFFER_WUR;

#define COFFER_CHECK_INFO	0	/* worth knowing, not damage */
#define COFFER_CHECK_ERROR	1	/* damage */

/* Called by check for each finding, with a sentence naming the object. */
typedef void (*coffer_backup_problem_fn)(void *arg, int level,
    const char *message);

struct coffer_backup_check_options {
	int				 read_data;	/* every pack's bytes */
	coffer_backup_problem_fn	 fn;		/* may be NULL */
	void				*arg;
};

struct coffer_backup_check_stats {
	uint64_t	 refs, snapshots, segments, packs, chunks;
	uint64_t	 packs_read, chunks_read;	/* read_data */
	uint64_t	 errors, infos;
};

/** coffer_backup_check(r, opt, stats): verify the repository of ${r}:
 * every ref opens and parses, every INDEX ref's segments exist and
 * parse, every snapshot's trees load and name only chunks the index
 * holds, every pack the index names exists with its size; with
 * ${opt}->read_data, every pack is read and its header and every chunk
 * (AEAD and id) checked against the index. Each finding goes to
 * ${opt}->fn (packs no snapshot uses are reported as information). The
 * local index is not used (a temporary one is built from the segments in
 * the cache folder). ${opt} and ${stats} may be NULL. Returns 0 when no
 * error was found, COFFER_ERR_CORRUPT when any was (the detail holds the
 * first), COFFER_ERR_KEY when the only errors were objects sealed under a
 * key version the handle lacks (reported as errors: they cannot be
 * checked), COFFER_ERR_ROLLBACK when the only errors were the server's
 * doing that this device's memory of the set reveals (a snapshot hidden,
 * a forgotten snapshot or superseded INDEX ref brought back, a FORGET
 * that fails its signature, refs rolled back), COFFER_ERR_NOMEM,
 * COFFER_ERR_IO, COFFER_ERR_INVALID or a store error that stopped the
 * check. */
COFFER_API int coffer_backup_check(struct coffer_backup_repo *r,
    const struct coffer_backup_check_options *opt,
    struct coffer_backup_check_stats *stats) COFFER_WUR;

#endif
