/* The maintenance sweep (maint.h): a thread waiting on a condition
 * variable with a monotonic deadline, so that stop wakes it at once. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coffer/err.h>

#include "auth.h"
#include "http/log.h"
#include "maint.h"
#include "routes/routes.h"
#include "store/store.h"

#define DAY	86400

struct srv_maint {
	struct srv_app		*app;
	struct srv_maint_config	 cfg;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 stop;
	uint64_t		 tick;
};

/* A job: what it does at Unix time now; the count of what it dropped in
 * *n. 0 or a COFFER_ERR_*. */
typedef int (*maint_fn)(struct srv_maint *m, int64_t now, uint64_t *n);

static int job_reservations(struct srv_maint *, int64_t, uint64_t *);
static int job_orphans(struct srv_maint *, int64_t, uint64_t *);
static int job_tombstones(struct srv_maint *, int64_t, uint64_t *);
static int job_sign_ins(struct srv_maint *, int64_t, uint64_t *);

static const struct job {
	const char	*name;
	unsigned	 every;		/* ticks */
	maint_fn	 fn;
} jobs[] = {
	{ "reservations", 1, job_reservations },
	{ "orphans", 1, job_orphans },
	{ "tombstones", 1, job_tombstones },
	{ "sign_ins", 1, job_sign_ins },
};
#define NJOBS	(sizeof(jobs) / sizeof(jobs[0]))

static int
job_reservations(struct srv_maint *m, int64_t now, uint64_t *n)
{
	struct store_meta *meta = m->app->store->meta;

	return meta->ops->reserve_prune(meta, now, n);
}

struct orphans {
	struct store	*st;
	uint64_t	 n;
};

static int
orphan_one(void *ctx, const uint8_t *account, const uint8_t *id)
{
	struct orphans *o = ctx;
	int r;

	if ((r = srv_blob_drop_orphan(o->st, account, id)) < 0)
		return r;
	o->n += (uint64_t)r;
	return 0;
}

static int
job_orphans(struct srv_maint *m, int64_t now, uint64_t *n)
{
	struct store *st = m->app->store;
	struct orphans o = { st, 0 };
	uint64_t tmp = 0;
	int r;

	r = st->blob->ops->scan(st->blob, now - (int64_t)m->cfg.orphan_grace,
	    orphan_one, &o, &tmp);
	*n = o.n + tmp;
	return r;
}

static int
job_tombstones(struct srv_maint *m, int64_t now, uint64_t *n)
{
	struct store_meta *meta = m->app->store->meta;
	int64_t g, day;

	/* Stamp to the end of the day, so that a tombstone looks younger
	 * than it is (kept longer, never less); a retention under a day
	 * (tests) is kept to the second. */
	g = m->cfg.tombstone_retention >= DAY ? DAY : 1;
	day = (now + g - 1) / g * g;
	return meta->ops->tombstone_compact(meta, day,
	    now - (int64_t)m->cfg.tombstone_retention, n);
}

static int
job_sign_ins(struct srv_maint *m, int64_t now, uint64_t *n)
{
	return srv_auth_prune(m->app->auth, m->app->store->meta, now, n);
}

static void
run(struct srv_maint *m)
{
	char counts[NJOBS][24];
	uint64_t n;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int r;

	for (i = 0; i < NJOBS; i++) {
		snprintf(counts[i], sizeof(counts[i]), "-");
		if (m->tick % jobs[i].every != 0)
			continue;
		n = 0;
		if ((r = jobs[i].fn(m, now, &n)) != 0)
			srv_log(SRV_LOG_WARN, "maint_failed", "job",
			    jobs[i].name, "reason", coffer_strerror(r),
			    (char *)NULL);
		snprintf(counts[i], sizeof(counts[i]), "%llu",
		    (unsigned long long)n);
	}
	srv_log(SRV_LOG_INFO, "maint_run", jobs[0].name, counts[0],
	    jobs[1].name, counts[1], jobs[2].name, counts[2], jobs[3].name,
	    counts[3], (char *)NULL);
}

static void *
loop(void *arg)
{
	struct srv_maint *m = arg;
	struct timespec at;

	pthread_mutex_lock(&m->mu);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += (time_t)m->cfg.interval;
		while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu,
		    &at) == 0)
			;
		if (m->stop)
			break;
		m->tick++;
		pthread_mutex_unlock(&m->mu);
		run(m);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

int
srv_maint_start(struct srv_maint **mp, struct srv_app *app,
    const struct srv_maint_config *cfg)
{
	struct srv_maint *m;
	pthread_condattr_t ca;

	_Static_assert(NJOBS == 4, "run() logs four jobs");
	*mp = NULL;
	if (cfg->interval == 0 || (m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->app = app;
	m->cfg = *cfg;
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&m->thread, NULL, loop, m) != 0) {
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
		free(m);
		return -1;
	}
	*mp = m;
	return 0;
}

void
srv_maint_stop(struct srv_maint **mp)
{
	struct srv_maint *m;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
	*mp = NULL;
}
