/* Progress of long operations on a terminal (cli/progress.c). */
#ifndef COFFER_CLI_PROGRESS_H
#define COFFER_CLI_PROGRESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

struct cli_progress {
	int		 on;		/* drawing: stderr is a terminal */
	double		 start;		/* monotonic seconds */
	double		 sample_t;	/* time of the last rate sample */
	uint64_t	 sample_bytes;
	double		 rate;		/* bytes/s, smoothed */
	uint64_t	 files, bytes, total_bytes;
	int		 width;		/* the longest line drawn */
	pthread_mutex_t	 lock;
};

/* Start: draws only when stderr is a terminal and neither --quiet nor
 * --json was given. */
void cli_progress_init(struct cli_progress *p, const struct cli *c);
/* Files and bytes done so far, and the total bytes when known (else 0):
 * redraws at most ten times a second. Thread-safe. */
void cli_progress_update(struct cli_progress *p, uint64_t files,
    uint64_t bytes, uint64_t total_bytes);
/* Clear the line; returns the seconds since init. */
double cli_progress_end(struct cli_progress *p);
/* A thread that calls fn(arg) every tenth of a second, for counters the
 * library updates without calling back. */
struct cli_ticker {
	pthread_t	 thread;
	int		 running;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 stop;
	void		(*fn)(void *);
	void		*arg;
};

/* Start ticking (only when ${p} draws). */
void cli_ticker_start(struct cli_ticker *t, const struct cli_progress *p,
    void (*fn)(void *), void *arg);
/* Stop and join; accepts a ticker that never started. */
void cli_ticker_stop(struct cli_ticker *t);
/* ${n} bytes for people: "512 B", "3.4 MiB". */
void cli_fmt_bytes(char *buf, size_t size, double n);

#endif
