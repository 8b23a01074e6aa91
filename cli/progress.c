/* Progress of a long operation on the terminal: one line on stderr,
 * redrawn with \r at most ten times a second, cleared at the end. Nothing
 * when stderr is not a terminal, or with --quiet or --json. Fed from the
 * library's progress callbacks, which may come from several threads. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_S	0.1
#define RATE_ALPHA	0.3	/* weight of the newest rate sample */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
cli_fmt_bytes(char *buf, size_t size, double n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (n >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		n /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%.0f B", n);
	else
		snprintf(buf, size, "%.1f %s", n, unit[u]);
}

void
cli_progress_init(struct cli_progress *p, const struct cli *c)
{
	memset(p, 0, sizeof(*p));
	p->on = !c->quiet && !c->json && isatty(STDERR_FILENO);
	p->start = p->sample_t = now_s();
	pthread_mutex_init(&p->lock, NULL);
}

static void
draw(struct cli_progress *p, double t)
{
	char line[160], b[32], tb[32], r[32], eta[32];
	double left;
	int n;

	cli_fmt_bytes(b, sizeof(b), (double)p->bytes);
	cli_fmt_bytes(r, sizeof(r), p->rate);
	eta[0] = tb[0] = '\0';
	if (p->total_bytes > 0) {
		cli_fmt_bytes(tb + 3, sizeof(tb) - 3, (double)p->total_bytes);
		memcpy(tb, " / ", 3);
		if (p->rate > 0 && p->total_bytes > p->bytes) {
			left = (double)(p->total_bytes - p->bytes) / p->rate;
			snprintf(eta, sizeof(eta), "  ETA %u:%02u",
			    (unsigned)(left / 60), (unsigned)left % 60);
		}
	}
	n = snprintf(line, sizeof(line), "%" PRIu64 " files  %s%s  %s/s%s  "
	    "%u:%02u", p->files, b, tb, r, eta, (unsigned)((t - p->start) / 60),
	    (unsigned)(t - p->start) % 60);
	if (n < 0)
		return;
	/* Pad over what a longer line before left on the terminal. */
	fprintf(stderr, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
	fflush(stderr);
	if (n > p->width)
		p->width = n;
}

void
cli_progress_update(struct cli_progress *p, uint64_t files, uint64_t bytes,
    uint64_t total_bytes)
{
	double t, dt;

	if (!p->on)
		return;
	pthread_mutex_lock(&p->lock);
	t = now_s();
	p->files = files;
	p->bytes = bytes;
	p->total_bytes = total_bytes;
	if ((dt = t - p->sample_t) >= REDRAW_S) {
		double sample = bytes >= p->sample_bytes ?
		    (double)(bytes - p->sample_bytes) / dt : 0;

		p->rate = p->rate == 0 ? sample :
		    RATE_ALPHA * sample + (1 - RATE_ALPHA) * p->rate;
		p->sample_t = t;
		p->sample_bytes = bytes;
		draw(p, t);
	}
	pthread_mutex_unlock(&p->lock);
}

double
cli_progress_end(struct cli_progress *p)
{
	double t = now_s() - p->start;

	if (p->on && p->width > 0) {
		fprintf(stderr, "\r%*s\r", p->width, "");
		fflush(stderr);
	}
	pthread_mutex_destroy(&p->lock);
	p->on = 0;
	return t;
}

static void *
tick(void *arg)
{
	struct cli_ticker *t = arg;
	struct timespec ts;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(REDRAW_S * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->cond, &t->lock, &ts);
		if (!t->stop)
			t->fn(t->arg);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

void
cli_ticker_start(struct cli_ticker *t, const struct cli_progress *p,
    void (*fn)(void *), void *arg)
{
	memset(t, 0, sizeof(*t));
	if (!p->on)
		return;
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->running = pthread_create(&t->thread, NULL, tick, t) == 0;
	if (!t->running) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
	}
}

void
cli_ticker_stop(struct cli_ticker *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = 1;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	t->running = 0;
}
