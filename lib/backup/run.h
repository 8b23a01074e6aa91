/* One backup run (docs/PROTOCOL-backup.md, "Pipeline"): what its stages
 * share. Internal. The files, bottom up:
 *
 *   run.c      the run's state, its queues (events, packs) and its first
 *              error: below every stage
 *   match.c    exclude patterns (match.h; pure), under select.c
 *   select.c   what the run leaves out (patterns, tag files, other file
 *              systems), for the scanner; set up by run.c
 *   writer.c   chunks into packs (id, dedup, seal, pack), for the workers
 *              and the collector
 *   scan.c     the scanner thread: events in traversal order
 *   worker.c   the worker threads: read, chunk and store changed files
 *   upload.c   the uploader thread: full packs to the store, journaled
 *   collect.c  the calling thread: events in order into trees and the
 *              files cache
 *   create.c   coffer_backup_create: starts the threads, then writes the
 *              index segments, the INDEX ref and the SNAPSHOT ref */
#ifndef COFFER_BACKUP_RUN_H
#define COFFER_BACKUP_RUN_H

#include <sys/stat.h>

#include <pthread.h>
#include <time.h>

#include <coffer/backup.h>
#include <coffer/cdc.h>

#include "backup/repo.h"

#define UP_MAX		4	/* packs per put_many: the store's transfers */
#define UP_QUEUE	(2 * UP_MAX)	/* packs queued or in flight */

enum ev_kind { EV_ENTRY = 1, EV_DIR_BEGIN = 2, EV_DIR_END = 3 };

/* One scanned entry, in traversal order. */
struct ev {
	uint8_t		 kind;
	int		 need_read;	/* a worker reads its file */
	int		 done;
	int		 skip;		/* vanished or unreadable: warned */
	struct bk_node	 node;		/* strings point into buf */
	struct coffer_buf *buf;
	char		*path;		/* on disk (regular files) */
	char		*spath;		/* in the snapshot */
	size_t		 spath_len;
	uint64_t	 dev, ino;
	uint8_t		*chunks;
	uint32_t	 nchunks;
	int		 sparse;	/* holes: extents (bk_node's) */
	uint8_t		*extents;
	uint32_t	 nextents;
	struct ev	*next;		/* job queue */
};

struct pack {
	uint8_t		 id[BK_ID];
	uint32_t	 no;
	uint8_t		*data;
	size_t		 len, cap;
	struct bk_entry	*e;
	size_t		 n, ecap;
	struct pack	*next;
};

/* A thread's chunk-writing state. */
struct writer {
	struct bk_zctx	*z;
	struct bk_hmac	*h;
	struct pack	*pack;
};

struct run {
	struct coffer_backup_repo	*r;
	struct coffer_backup_progress	*pg;
	struct coffer_backup_progress	 pg_none;
	const struct coffer_backup_options *opt;
	struct coffer_cdc_params	 cdc;
	char				**top_path, **top_name;
	size_t				 ntop;
	size_t				 pack_size;
	int				 level;

	/* One lock; one condition per kind of waiter, each signalled only
	 * when its waiter may go on (a broadcast on every change woke all
	 * threads for each of ~30k events: ~250k futex calls a backup). */
	pthread_mutex_t			 lock;
	pthread_cond_t			 c_jobs;	/* workers: a job */
	pthread_cond_t			 c_head;	/* collector: head done */
	pthread_cond_t			 c_room;	/* scanner: ring room */
	pthread_cond_t			 c_up;		/* uploader: a pack */
	pthread_cond_t			 c_uproom;	/* writers: pack room */
	int				 err;	/* first error; stops all */
	/* ring of events in order */
	struct ev			**ring;
	size_t				 ring_cap, head, count;
	int				 scan_done;
	/* jobs for the workers */
	struct ev			*jobs, *jobs_tail;
	unsigned			 workers_live;
	/* packs for the uploader */
	struct pack			*up, *up_tail;
	size_t				 up_n, up_max;
	int				 up_done;
	/* the previous run's files cache (scanner only) */
	struct fcache_r			*fc_old;
	/* hard links seen: (dev, ino) -> snapshot path */
	struct hl			**hl;
	size_t				 hl_cap, hl_n;
	uint64_t			 uid_c[2], gid_c[2];
	char				 uname[2][256], gname[2][256];
	struct sel			*sel;	/* what to leave out */
};

struct hl {
	uint64_t	 dev, ino;
	char		*spath;
	struct hl	*next;
};

#define PG_ADD(ru, field, v) \
	__atomic_fetch_add(&(ru)->pg->field, (uint64_t)(v), __ATOMIC_RELAXED)

/* run.c */
/** run_init(ru, r, paths, npaths, opt): set up the run of ${r} over
 * ${paths} with ${opt} (may be NULL): defaults, the event ring, the
 * previous files cache and the top-level names (last components, sorted,
 * distinct). Call run_cleanup(ru) in every case. Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_NOTFOUND (a path) or COFFER_ERR_NOMEM,
 * with a detail in ${r} for a bad path. */
int run_init(struct run *ru, struct coffer_backup_repo *r,
    const char *const *paths, size_t npaths,
    const struct coffer_backup_options *opt);
/** run_cleanup(ru): free what the run still holds (events, packs,
 * names, hard links, the files cache reader). */
void run_cleanup(struct run *ru);
/** run_fail(ru, err): record the run's first error and wake every
 * thread. Returns ${err}. */
int run_fail(struct run *ru, int err);
/** run_ev_push(ru, e): append event ${e} to the ring (waiting for room),
 * and to the workers' jobs when it needs reading. Returns 0, or the
 * run's error after freeing ${e}. */
int run_ev_push(struct run *ru, struct ev *e);
/** run_ev_free(e): free an event; accepts NULL. */
void run_ev_free(struct ev *e);
/** run_pack_push(ru, p): queue the closed pack ${p} for the uploader
 * (waiting for room). Returns 0, or the run's error after freeing
 * ${p}. */
int run_pack_push(struct run *ru, struct pack *p);
/** run_pack_free(p): free a pack; accepts NULL. */
void run_pack_free(struct pack *p);

/* writer.c */
/** writer_init(ru, w): a thread's compression and HMAC contexts, no pack
 * yet. writer_clear(w) frees them and an unflushed pack. */
int writer_init(struct run *ru, struct writer *w);
void writer_clear(struct writer *w);
/** writer_chunk(ru, w, type, p, len, id): the id of the ${len} bytes at
 * ${p} into ${id}; unless the index has it, seal it into the writer's
 * pack (a full pack goes to the uploader). Returns 0 or an error. */
int writer_chunk(struct run *ru, struct writer *w, uint8_t type,
    const uint8_t *p, size_t len, uint8_t id[BK_ID]);
/** writer_flush(ru, w): close the writer's pack (header, padding) and
 * queue it for the uploader; nothing for no pack or an empty one.
 * Returns 0 or an error. */
int writer_flush(struct run *ru, struct writer *w);

/* select.c: what the run leaves out (scanner only, but set-up). */
/* A name a folder lists, and its d_type (DT_UNKNOWN: ask lstat). */
struct sel_dent {
	char		*name;
	unsigned char	 type;
};
/** sel_init(ru): compile ${ru}'s options (patterns, tags) and note the
 * absolute path and device of each top path. Returns 0,
 * COFFER_ERR_INVALID (a pattern or tag: the detail says which and why),
 * COFFER_ERR_NOTFOUND, COFFER_ERR_IO or COFFER_ERR_NOMEM. sel_free(ru)
 * frees it (run_cleanup calls it). */
int sel_init(struct run *ru);
void sel_free(struct run *ru);
/** sel_top(ru, i): the entry is top path ${i}; sel_enter(ru, name): the
 * entry is ${name} in the current one (0 or COFFER_ERR_NOMEM; ${name}
 * must stay until sel_leave(ru) goes back up). */
int sel_top(struct run *ru, size_t i);
int sel_enter(struct run *ru, const char *name);
void sel_leave(struct run *ru);
/** sel_needs_type(ru): whether sel_excluded needs to know folders. */
int sel_needs_type(const struct run *ru);
/** sel_excluded(ru, is_dir): whether a pattern excludes the entry. */
int sel_excluded(const struct run *ru, int is_dir);
/** sel_other_fs(ru, st): whether --one-file-system leaves ${st} out (or
 * empty, for a folder). */
int sel_other_fs(const struct run *ru, const struct stat *st);
/** sel_tags(ru, dfd, v, n): the tags (a bit each) that folder ${dfd},
 * whose ${n} names ${v} are sorted by sel_dent_cmp, holds and that are
 * valid; sel_tag_keeps(ru, hit, name): whether ${name} is one of them
 * (kept while the rest of the folder is left out). */
uint64_t sel_tags(const struct run *ru, int dfd, const struct sel_dent *v,
    size_t n);
int sel_tag_keeps(const struct run *ru, uint64_t hit, const char *name);
int sel_dent_cmp(const void *a, const void *b);

/* scan.c: the scanner thread. */
void *scan_main(void *arg);
/* worker.c: a worker thread. */
void *worker_main(void *arg);
/* upload.c: the uploader thread. */
void *upload_main(void *arg);

/* collect.c: the collector, on the calling thread. */
/* A tree being built: one per open folder, the root at the bottom. */
struct tb {
	struct coffer_buf	*b;
	uint32_t		 count;
	uint8_t			 last[BK_NAME_MAX];
	size_t			 last_len;
	struct ev		*dir;
};

struct coll {
	struct run		*ru;
	struct writer		 w;
	struct tb		*st;
	size_t			 depth, cap;
	struct fcache_w		*fc;
	struct timespec		 last_cb;
};

/** collect_init(c, ru): the collector of ${ru}: its writer, the new
 * files cache and the root tree. Call collect_clear(c) in every case. */
int collect_init(struct coll *c, struct run *ru);
/** collect_loop(c): take the events in order as they finish, until the
 * scanner is done and the ring empty. Returns 0 or the run's error. */
int collect_loop(struct coll *c);
/** collect_root(c, root): close and store the root tree (its id into
 * ${root}) and flush the collector's pack. */
int collect_root(struct coll *c, uint8_t root[BK_ID]);
/** collect_progress(c, force): call the progress callback, at most ten
 * times a second unless ${force}. */
void collect_progress(struct coll *c, int force);
/** collect_commit(c): replace the previous files cache by the new one. */
int collect_commit(struct coll *c);
/** collect_clear(c): drop what the collector holds (an uncommitted
 * files cache is removed). */
void collect_clear(struct coll *c);

#endif
