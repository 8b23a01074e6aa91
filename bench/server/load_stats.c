/* bench-load: latencies, error kinds, cofferd's RSS (load.h). */
#include <sys/random.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load.h"

static const char *const op_names[LD_NOPS] = {
	"signin", "signout", "record_put", "record_get", "blob_put",
	"blob_get", "blob_delete",
};

const char *
ld_op_name(int op)
{
	return op >= 0 && op < LD_NOPS ? op_names[op] : "?";
}

double
ld_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* xorshift64*: the workload's choices, not secrets. */
uint64_t
ld_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

void
ld_seed(uint64_t *s)
{
	if (getrandom(s, sizeof(*s), 0) != (ssize_t)sizeof(*s))
		*s = (uint64_t)time(NULL);
	*s |= 1;
}

void
ld_sleep_ms(unsigned ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static void
push(struct ld_samples *s, double v)
{
	double *p;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 1024;
		if ((p = realloc(s->v, cap * sizeof(*p))) == NULL)
			return;		/* a lost sample, not a lost run */
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
}

void
ld_record(struct ld_stats *st, int op, double ms)
{
	push(&st->lat[op], ms);
}

static void
add_err(struct ld_stats *st, int op, int code, long status, uint64_t count,
    const char *msg)
{
	struct ld_err *e;
	size_t i;

	for (i = 0; i < st->nerrs; i++) {
		e = &st->errs[i];
		if (e->op == op && e->code == code && e->status == status) {
			e->count += count;
			return;
		}
	}
	if (st->nerrs == LD_ERR_KINDS) {
		st->errs_dropped += count;
		return;
	}
	e = &st->errs[st->nerrs++];
	e->op = op;
	e->code = code;
	e->status = status;
	e->count = count;
	(void)snprintf(e->example, sizeof(e->example), "%s", msg ? msg : "");
}

void
ld_record_err(struct ld_stats *st, int op, int code, long status,
    const char *msg)
{
	st->nerr[op]++;
	add_err(st, op, code, status, 1, msg);
}

void
ld_stats_merge(struct ld_stats *into, struct ld_stats *from)
{
	size_t i, j;

	for (i = 0; i < LD_NOPS; i++)
		for (j = 0; j < from->lat[i].n; j++)
			push(&into->lat[i], from->lat[i].v[j]);
	for (i = 0; i < from->nerrs; i++)
		add_err(into, from->errs[i].op, from->errs[i].code,
		    from->errs[i].status, from->errs[i].count,
		    from->errs[i].example);
	into->errs_dropped += from->errs_dropped;
	for (i = 0; i < LD_NOPS; i++)
		into->nerr[i] += from->nerr[i];
	ld_stats_free(from);
}

void
ld_stats_free(struct ld_stats *st)
{
	size_t i;

	for (i = 0; i < LD_NOPS; i++)
		free(st->lat[i].v);
	memset(st, 0, sizeof(*st));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
ld_quantile(struct ld_samples *s, double q)
{
	size_t i;

	if (s->n == 0)
		return -1;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	i = (size_t)ceil(q * (double)s->n);
	return s->v[i > 0 ? i - 1 : 0];
}

/* --- cofferd's RSS, once a second --- */

struct ld_rss {
	long		 pid;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;
	long		*kb;
	size_t		 n, cap;
};

static long
rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static void *
rss_main(void *arg)
{
	struct ld_rss *r = arg;
	struct timespec until;
	long kb, *p;

	clock_gettime(CLOCK_REALTIME, &until);
	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		pthread_mutex_unlock(&r->mu);
		if ((kb = rss_kb(r->pid)) >= 0 && r->n < r->cap)
			r->kb[r->n++] = kb;
		else if (kb >= 0 && (p = realloc(r->kb, (r->cap * 2 + 64) *
		    sizeof(*p))) != NULL) {
			r->kb = p;
			r->cap = r->cap * 2 + 64;
			r->kb[r->n++] = kb;
		}
		until.tv_sec++;
		pthread_mutex_lock(&r->mu);
		while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu,
		    &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct ld_rss *
ld_rss_start(long pid)
{
	struct ld_rss *r;

	if (pid <= 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->pid = pid;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->th, NULL, rss_main, r) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

void
ld_rss_stop(struct ld_rss **p, long **out, size_t *n)
{
	struct ld_rss *r = *p;

	*out = NULL;
	*n = 0;
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	*out = r->kb;
	*n = r->n;
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
	*p = NULL;
}
