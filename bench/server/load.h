/* bench-load: cofferd under mixed legitimate load, with or without an
 * attacker (bench/README.md, "Load under attack"). The driver
 * (load_main.c) sets up the accounts and runs the phases; the legitimate
 * clients (load_client.c) use libcoffer's public API from 127.0.0.1; the
 * attacker (load_attack.c) uses raw sockets bound to 127.0.1.x; the
 * figures are gathered by load_stats.c. A benchmark, not a test: nothing
 * here asserts on time. */
#ifndef LOAD_H
#define LOAD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <coffer/backup_store.h>
#include <coffer/client.h>

/* The kinds of operation a legitimate client times. */
enum ld_op {
	LD_SIGNIN,		/* coffer_client_login (OPAQUE, list refresh) */
	LD_SIGNOUT,		/* coffer_client_logout */
	LD_REC_PUT,		/* coffer_client_record_create, 64 B-2 KiB */
	LD_REC_GET,		/* coffer_client_record_get of one it made */
	LD_BLOB_PUT,		/* one blob of 4 KiB-1 MiB through the store */
	LD_BLOB_GET,		/* one blob it stored, whole */
	LD_BLOB_DEL,		/* the oldest of its blobs, past LD_BLOBS_KEPT */
	LD_NOPS
};

#define LD_BLOB_MIN		((size_t)4096)
#define LD_BLOB_MAX		((size_t)1 << 20)
#define LD_BLOBS_KEPT		8	/* per client: the disk stays small */
#define LD_RECS_KEPT		64	/* ids remembered for reads */
#define LD_ERR_KINDS		32	/* distinct (op, error, status) kept */
#define LD_MSG_MAX		160

/* Latencies of one kind, in milliseconds. */
struct ld_samples {
	double		*v;
	size_t		 n, cap;
};

/* One kind of failure and how often it happened. */
struct ld_err {
	int		 op;
	int		 code;		/* coffer error */
	long		 status;	/* HTTP status, 0 if none */
	uint64_t	 count;
	char		 example[LD_MSG_MAX];
};

/* What one phase measured (merged from every client). */
struct ld_stats {
	struct ld_samples lat[LD_NOPS];
	struct ld_err	 errs[LD_ERR_KINDS];
	size_t		 nerrs;
	uint64_t	 errs_dropped;	/* kinds past LD_ERR_KINDS */
	uint64_t	 nerr[LD_NOPS];
};

/* A run's settings. */
struct ld_opts {
	const char	*url;		/* http://127.0.0.1:PORT */
	const char	*workdir;	/* client homes go below */
	long		 pid;		/* cofferd's, for its RSS; 0: none */
	unsigned	 clients;
	unsigned	 seconds;	/* per phase */
	unsigned	 think_min_ms, think_max_ms;
	unsigned	 signin_slots;	/* sign-ins stretching at once */
	unsigned	 ksf_min_t, ksf_min_m;	/* the least stretching
					   accepted; 0: the production profile */
	/* attacker */
	unsigned	 att_addrs;	/* 127.0.1.1 .. 127.0.1.N */
	unsigned	 slow_sockets;
	unsigned	 slow_trickle_s;
	unsigned	 flood_threads;
	uint16_t	 port;
};

/* One legitimate client: its handle, what it made, what it measured. */
struct ld_client {
	unsigned		 idx;
	const struct ld_opts	*o;
	struct coffer_client	*c;
	struct coffer_bstore	 store;
	int			 has_store;
	char			 login[32];
	uint8_t			 password[24];
	uint8_t			 recs[LD_RECS_KEPT][COFFER_RECORD_ID_BYTES];
	size_t			 nrec;		/* ids made, ring */
	uint8_t			 blobs[LD_BLOBS_KEPT][COFFER_BSTORE_ID_BYTES];
	size_t			 bsize[LD_BLOBS_KEPT];
	size_t			 bhead, nblob;	/* oldest, count */
	struct coffer_buf	*getbuf;
	uint64_t		 rng;
	int			 signed_in;	/* across phases */
	unsigned		 backoff;	/* ms before the next sign-in */
	struct ld_stats		 st;
	pthread_t		 th;
	int			 setup_rc;
};

/* What the attacker saw in a phase. */
struct ld_attack_stats {
	uint64_t	slow_connects;	/* connections opened */
	uint64_t	slow_dropped;	/* closed by the server */
	uint64_t	slow_open_med, slow_open_max;	/* sampled each second */
	uint64_t	flood_sent;
	uint64_t	flood_200, flood_429, flood_503, flood_other,
			flood_neterr;
	double		seconds;
};

struct ld_attack;

/* --- load_stats.c --- */
double ld_now(void);
uint64_t ld_rand(uint64_t *s);
void ld_seed(uint64_t *s);
void ld_sleep_ms(unsigned ms);
void ld_record(struct ld_stats *st, int op, double ms);
void ld_record_err(struct ld_stats *st, int op, int code, long status,
    const char *msg);
void ld_stats_merge(struct ld_stats *into, struct ld_stats *from);
void ld_stats_free(struct ld_stats *st);
const char *ld_op_name(int op);
/* ld_quantile(s, q): the q-quantile of ${s} (sorted in place), or -1. */
double ld_quantile(struct ld_samples *s, double q);

/* The RSS sampler: one thread reading /proc/PID/status every second. */
struct ld_rss;
struct ld_rss *ld_rss_start(long pid);
/* ld_rss_stop(p, out, n): stop, hand the samples (kB, one a second) in
 * *out (free() them), their count in *n. */
void ld_rss_stop(struct ld_rss **p, long **out, size_t *n);

/* --- load_client.c --- */
/* ld_client_setup(cl): make the client's home and account. 0 or an
 * error (message printed). */
int ld_client_setup(struct ld_client *cl);
/* ld_clients_run(cls, n, seconds): run every client's loop for ${seconds}. */
void ld_clients_run(struct ld_client *cls, size_t n, unsigned seconds);
void ld_client_free(struct ld_client *cl);
void ld_signin_slots_init(unsigned n);

/* --- load_attack.c --- */
/* ld_attack_start(o): start slowloris and the sign-in flood; NULL on
 * failure (message printed). */
struct ld_attack *ld_attack_start(const struct ld_opts *o);
void ld_attack_stop(struct ld_attack **p, struct ld_attack_stats *out);

#endif
