/* One backup run: the scanner, the workers, the uploader and the
 * collector share this (docs/PROTOCOL-backup.md, "Pipeline"). Internal. */
#ifndef COFFER_BACKUP_RUN_H
#define COFFER_BACKUP_RUN_H

#include <pthread.h>

#include <coffer/backup.h>
#include <coffer/cdc.h>

#include "backup/repo.h"

#define UP_MAX		3	/* packs per put_many */

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
	pthread_cond_t			 c_uproom;	/* pack_flush: room */
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
};

struct hl {
	uint64_t	 dev, ino;
	char		*spath;
	struct hl	*next;
};

/* scan.c: the scanner thread. */
void *scan_main(void *arg);
void ev_free(struct ev *e);
/* create.c */
int run_fail(struct run *ru, int err);
void run_cond_init(struct run *ru);
void run_cond_destroy(struct run *ru);
int run_push(struct run *ru, struct ev *e);
int writer_init(struct run *ru, struct writer *w);
void writer_clear(struct writer *w);
int pack_flush(struct run *ru, struct pack **pp);
void *worker_main(void *arg);
void *upload_main(void *arg);
void upload_drain(struct run *ru);
int writer_chunk(struct run *ru, struct writer *w, uint8_t type,
    const uint8_t *p, size_t len, uint8_t id[BK_ID]);
#define PG_ADD(ru, field, v) \
	__atomic_fetch_add(&(ru)->pg->field, (uint64_t)(v), __ATOMIC_RELAXED)

#endif
