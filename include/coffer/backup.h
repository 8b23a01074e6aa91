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

/* The content a CACHEDIR.TAG starts with (bford.info/cachedir). */
#define COFFER_CACHEDIR_TAG	"CACHEDIR.TAG"
#define COFFER_CACHEDIR_SIGNATURE \
	"Signature: 8a477f597d28d172789f06886806bc55"
/* The most exclude patterns, and if-present tags, a run takes. */
#define COFFER_BACKUP_EXCLUDES_MAX	65536
#define COFFER_BACKUP_IF_PRESENT_MAX	64

/* Options of create and restore (restore reads threads and progress).
 * Zeroed (or NULL) options are the defaults: everything below the paths
 * is backed up. What create leaves out (docs/PROTOCOL-backup.md,
 * "Selecting what to back up") is neither read nor counted, nor a
 * warning; the snapshot does not record the options. */
struct coffer_backup_options {
	const char			 *host;		/* NULL: gethostname */
	/* Exclude patterns (restic's: globs per component, "**" across
	 * folders, a leading '/' anchors at the root of the absolute path,
	 * a trailing '/' means folders only), matched against the absolute
	 * path of each entry; iexcludes ignore the case of ASCII letters. */
	const char *const		 *excludes;
	size_t				  nexcludes;
	/* Workers; 0: one per online CPU for create, two for restore
	 * (whose workers also wait for the store). */
	unsigned			  threads;
	struct coffer_backup_progress	 *progress;	/* may be NULL */
	/* Tuning (0/NULL: the defaults of PROTOCOL-backup.md). */
	const struct coffer_cdc_params	 *cdc;
	size_t				  pack_size;
	int				  zstd_level;	/* -1: no compression */
	const char *const		 *iexcludes;
	size_t				  niexcludes;
	/* "NAME" or "NAME:CONTENT": the contents of a folder holding a
	 * regular file NAME (that starts with CONTENT) are left out, but
	 * for the folder and that file. */
	const char *const		 *if_present;
	size_t				  nif_present;
	int				  exclude_caches;	/* the same for
							 * a valid CACHEDIR.TAG */
	/* Stay on the file systems of the paths given: a folder of
	 * another is kept, empty (a mount point); other entries of another
	 * are left out. */
	int				  one_file_system;
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
 * write the new snapshot's id to ${id}. Returns 0, COFFER_ERR_INVALID
 * (also a pattern or if-present tag refused, or over the caps above: the
 * detail names it and why),
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
	/* Orphans (blobs of this set no index names) are deleted when an
	 * earlier prune run on this device saw them at least this many
	 * seconds ago (this device's clock); 0: 86400; negative: any
	 * earlier run; more than a century: a century. */
	long		 orphan_grace_s;
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
	uint64_t	 orphans;		/* found this run */
	uint64_t	 orphans_deleted;	/* past the grace period */
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

/* Locks (docs/PROTOCOL-backup.md, "Locks"). create and check take a
 * shared lock of the backup set, prune and forget an exclusive one, kept
 * (refreshed) while they run; a conflicting live lock makes them return
 * COFFER_ERR_BUSY, the detail naming its holder. */
struct coffer_backup_lock_options {
	const char	*host;		/* named in the lock; NULL: gethostname */
	const char	*device;	/* this device's name; NULL: none */
	unsigned	 retry_s;	/* keep trying a conflicting lock this
					 * long; 0: fail at once */
	unsigned	 ttl_s;		/* expiry of a lock not refreshed;
					 * 0: 1800 (refreshed every sixth) */
	int		 no_lock;	/* take no lock at all */
};

/** coffer_backup_lock_configure(r, o): how the operations of ${r} lock
 * the repository from now on (${o} is copied). Returns 0 or
 * COFFER_ERR_INVALID (a NULL argument, a name over 255 bytes, a ttl over
 * 7 days). */
COFFER_API int coffer_backup_lock_configure(struct coffer_backup_repo *r,
    const struct coffer_backup_lock_options *o) COFFER_WUR;

/* A lock as coffer_backup_unlock found it. Times are the writer's clock;
 * stale: expired by this device's clock, or written on this host by a
 * process that is gone. */
struct coffer_backup_lock_info {
	uint8_t		 id[COFFER_SNAPSHOT_ID_BYTES];
	int		 exclusive;
	const char	*host, *device;	/* device "" when not named */
	uint32_t	 pid;
	int64_t		 time_ns, expires_ns;
	int		 stale, removed;
};

typedef int (*coffer_backup_lock_fn)(void *arg,
    const struct coffer_backup_lock_info *l);

/** coffer_backup_unlock(r, remove_all, fn, arg): remove the stale locks
 * of ${r}'s repository (every lock if ${remove_all}: a run still going
 * then loses its protection), calling ${fn}(${arg}, lock) (may be NULL)
 * for each lock found, removed or not. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_NOMEM, a store error, or what ${fn} returned. */
COFFER_API int coffer_backup_unlock(struct coffer_backup_repo *r,
    int remove_all, coffer_backup_lock_fn fn, void *arg) COFFER_WUR;
/* Commands over snapshots (docs/PROTOCOL-backup.md, "Commands"): diff,
 * find, stats, and a read-only view of files for mounting. */

/* What changed between two snapshots, as restic marks it. */
#define COFFER_DIFF_ADDED	'+'
#define COFFER_DIFF_REMOVED	'-'
#define COFFER_DIFF_CONTENT	'M'	/* content (chunk list, size, target) */
#define COFFER_DIFF_TYPE	'T'	/* kind of entry */
#define COFFER_DIFF_META	'U'	/* mode, owner, times or xattrs only */

struct coffer_backup_change {
	const char	*path;		/* '/'-separated, inside the snapshot */
	int		 what;		/* COFFER_DIFF_* */
	int		 type;		/* enum coffer_backup_ftype: new side's,
					 * or the old one's when removed */
	int		 old_type;	/* 0 when added */
	uint64_t	 old_size, new_size;
};

typedef int (*coffer_backup_change_fn)(void *arg,
    const struct coffer_backup_change *c);

struct coffer_backup_diff_stats {
	uint64_t	 files_added, files_removed, files_changed;
	uint64_t	 dirs_added, dirs_removed, dirs_changed;
	uint64_t	 others_added, others_removed, others_changed;
	/* Plaintext bytes of the data chunks that the changed entries of
	 * one side reference and those of the other do not. */
	uint64_t	 bytes_added, bytes_removed;
	uint64_t	 trees_loaded;	/* trees fetched: equal ones are not */
};

/** coffer_backup_diff(r, a, b, fn, arg, stats): compare snapshot ${a}
 * (old) with ${b} (new): ${fn}(${arg}, change) for every entry added,
 * removed or changed, in path order (a removed or added folder is followed
 * by its contents); subtrees with equal ids are skipped unread, files are
 * compared by chunk list. ${fn} may be NULL; ${stats} (may be NULL) gets
 * the counts. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOTFOUND (a
 * snapshot), COFFER_ERR_CORRUPT, COFFER_ERR_KEY, COFFER_ERR_NOMEM, a store
 * error, or what ${fn} returned; the detail names the object. */
COFFER_API int coffer_backup_diff(struct coffer_backup_repo *r,
    const uint8_t a[COFFER_SNAPSHOT_ID_BYTES],
    const uint8_t b[COFFER_SNAPSHOT_ID_BYTES], coffer_backup_change_fn fn,
    void *arg, struct coffer_backup_diff_stats *stats) COFFER_WUR;

struct coffer_backup_find_options {
	const char *const	*patterns;	/* globs (fnmatch): on the name,
						 * or on the whole path when
						 * the pattern holds a '/' */
	size_t			 npatterns;	/* 0: everything matches */
	int			 ignore_case;
	int64_t			 newer_ns;	/* mtime after; 0: any */
	int64_t			 older_ns;	/* mtime before; 0: any */
	const char		*host;		/* snapshots of host; NULL: any */
	const char		*path;		/* snapshots with this path;
						 * NULL: any */
};

/* A match of find: the snapshot and the entry. */
typedef int (*coffer_backup_found_fn)(void *arg,
    const struct coffer_backup_snapshot *s,
    const struct coffer_backup_entry *e);

/** coffer_backup_find(r, ids, nids, opt, fn, arg): call ${fn} for every
 * entry of the ${nids} snapshots ${ids} (0: every snapshot, oldest first)
 * that passes ${opt}'s filters and matches one of its patterns. Trees
 * shared by snapshots are fetched once per call (a cache by tree id).
 * Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOTFOUND (a snapshot),
 * COFFER_ERR_CORRUPT, COFFER_ERR_KEY, COFFER_ERR_NOMEM, a store error or
 * what ${fn} returned. */
COFFER_API int coffer_backup_find(struct coffer_backup_repo *r,
    const uint8_t (*ids)[COFFER_SNAPSHOT_ID_BYTES], size_t nids,
    const struct coffer_backup_find_options *opt, coffer_backup_found_fn fn,
    void *arg) COFFER_WUR;

struct coffer_backup_stats {
	uint64_t	 snapshots;
	uint64_t	 files, dirs;	/* entries (hard links count as files) */
	uint64_t	 bytes;		/* logical: the sum of file sizes */
	uint64_t	 chunks;	/* distinct data chunks referenced */
	uint64_t	 trees;		/* distinct trees */
	uint64_t	 raw_bytes;	/* their plaintext, once each */
	uint64_t	 stored_bytes;	/* their stored size (data and trees),
					 * once each */
	uint64_t	 repo_bytes;	/* every pack of the repository (only
					 * for the whole set) */
	uint64_t	 repo_packs;
};

typedef int (*coffer_backup_stats_fn)(void *arg,
    const struct coffer_backup_snapshot *s,
    const struct coffer_backup_stats *st);

/** coffer_backup_stats(r, ids, nids, fn, arg, total): count snapshots
 * ${ids} (${nids} 0: all of them, and then the repository's packs too):
 * ${fn}(${arg}, snapshot, its counts) for each (may be NULL), and the
 * counts of the set (chunks shared by snapshots once) into ${total}.
 * The dedup ratio is bytes / raw_bytes. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_NOTFOUND, COFFER_ERR_CORRUPT (also a chunk the index lacks),
 * COFFER_ERR_KEY, COFFER_ERR_NOMEM, a store error or what ${fn}
 * returned. */
COFFER_API int coffer_backup_stats(struct coffer_backup_repo *r,
    const uint8_t (*ids)[COFFER_SNAPSHOT_ID_BYTES], size_t nids,
    coffer_backup_stats_fn fn, void *arg, struct coffer_backup_stats *total)
    COFFER_WUR;

/* A read-only view of the snapshots' files: path lookups and reads at
 * offsets, every tree and chunk verified (AEAD and id) before a byte of
 * it is returned, with a small cache of trees and decrypted chunks. Used
 * by one thread at a time, like its repository. */
struct coffer_backup_view;

/** coffer_backup_view_open(out, r, cache_bytes): a view over the
 * snapshots of ${r} (listed once, now), caching about ${cache_bytes}
 * (0: 32 MiB) of trees and as much of decrypted chunks. ${r} must
 * outlive it. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOMEM or an
 * error of coffer_backup_list. */
COFFER_API int coffer_backup_view_open(struct coffer_backup_view **out,
    struct coffer_backup_repo *r, size_t cache_bytes) COFFER_WUR;

/** coffer_backup_view_close(p): free *${p} (wiping cached plaintext);
 * sets it to NULL; accepts NULL. */
COFFER_API void coffer_backup_view_close(struct coffer_backup_view **p);

/** coffer_backup_view_snapshots(v, fn, arg): ${fn}(${arg}, snapshot)
 * for each snapshot of the view, oldest first. Returns 0 or what ${fn}
 * returned. */
COFFER_API int coffer_backup_view_snapshots(struct coffer_backup_view *v,
    coffer_backup_snapshot_fn fn, void *arg) COFFER_WUR;

/** coffer_backup_stat(v, id, path, e): the entry at ${path} ("" or "/":
 * the snapshot's top folder) of snapshot ${id} into ${e}, its strings
 * owned by ${v} until its next call. A hard link gives its own node
 * (type COFFER_BACKUP_HARDLINK, size and target). Returns 0,
 * COFFER_ERR_NOTFOUND, COFFER_ERR_INVALID, COFFER_ERR_CORRUPT,
 * COFFER_ERR_KEY, COFFER_ERR_NOMEM or a store error. */
COFFER_API int coffer_backup_stat(struct coffer_backup_view *v,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *path,
    struct coffer_backup_entry *e) COFFER_WUR;

/** coffer_backup_readdir(v, id, path, fn, arg): ${fn}(${arg}, entry) for
 * each entry of the folder ${path} of snapshot ${id}, in name order, with
 * entry->path its name. Returns 0, COFFER_ERR_NOTFOUND, COFFER_ERR_STATE
 * (not a folder), or as coffer_backup_stat, or what ${fn} returned. */
COFFER_API int coffer_backup_readdir(struct coffer_backup_view *v,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *path,
    coffer_backup_entry_fn fn, void *arg) COFFER_WUR;

/** coffer_backup_read(v, id, path, offset, buf, len, got): up to ${len}
 * bytes of the file (or hard link) ${path} of snapshot ${id} from
 * ${offset} into ${buf}; *${got} gets how many (0 at or past the end).
 * Only the chunks the range touches are fetched, each verified first.
 * Returns 0, COFFER_ERR_NOTFOUND, COFFER_ERR_STATE (not a file),
 * COFFER_ERR_CORRUPT (a chunk fails its checks, or the chunks do not add
 * up to the file's size: nothing of it is returned), COFFER_ERR_KEY,
 * COFFER_ERR_NOMEM or a store error. */
COFFER_API int coffer_backup_read(struct coffer_backup_view *v,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *path,
    uint64_t offset, void *buf, size_t len, size_t *got) COFFER_WUR;

#endif
