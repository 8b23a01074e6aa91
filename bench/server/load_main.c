/* bench-load: the driver (load.h). Usually started by
 * bench/server/load.sh, which starts cofferd first:
 *
 *   bench-load --url http://127.0.0.1:PORT --workdir DIR [--pid PID]
 *       [--mode baseline|attack|both] [--clients N] [--seconds S]
 *       [--think MIN-MAX] [--signin-slots N] [--attack-addrs N]
 *       [--slowloris N] [--trickle S] [--flood-threads N] [--note TEXT]
 *
 * Makes one account per client, then runs each phase for --seconds:
 * baseline (the clients alone), attack (the clients while the attacker
 * runs), or both back to back on the same server and accounts, then the
 * ratios attack / baseline. Prints per operation kind the count, the
 * rate, the errors and p50/p99 latency, the errors by kind, and cofferd's
 * RSS sampled each second. */
#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/version.h>

#include "load.h"

struct phase {
	const char		*name;
	int			 attack;
	struct ld_stats		 st;
	double			 seconds;
	unsigned		 planned;
	long			*rss;
	size_t			 nrss;
	struct ld_attack_stats	 as;
};

static void
usage(void)
{
	fprintf(stderr, "usage: bench-load --url http://127.0.0.1:PORT "
	    "--workdir DIR [--pid PID]\n"
	    "    [--mode baseline|attack|both] [--clients N] [--seconds S]\n"
	    "    [--think MIN-MAX] [--ksf-min T,M] [--signin-slots N] [--attack-addrs N]\n"
	    "    [--slowloris N] [--trickle S] [--flood-threads N] "
	    "[--note TEXT]\n");
	exit(2);
}

static unsigned
num(const char *opt, const char *s, unsigned min, unsigned max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "bench-load: %s: expected %u to %u\n", opt,
		    min, max);
		exit(2);
	}
	return (unsigned)v;
}

static uint16_t
port_of(const char *url)
{
	const char *p = strrchr(url, ':');

	if (strncmp(url, "http://127.0.0.1:", 17) != 0 || p == NULL) {
		fprintf(stderr, "bench-load: --url must be "
		    "http://127.0.0.1:PORT\n");
		exit(2);
	}
	return (uint16_t)num("--url port", p + 1, 1, 65535);
}

/* Every client's account, made by a few threads at once. */
struct setup_arg {
	struct ld_client	*cls;
	size_t			 n;
	pthread_mutex_t		 mu;
	size_t			 next;
	int			 rc;
};

static void *
setup_main(void *arg)
{
	struct setup_arg *s = arg;
	size_t i;
	int r;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		i = s->next++;
		pthread_mutex_unlock(&s->mu);
		if (i >= s->n)
			return NULL;
		if ((r = ld_client_setup(&s->cls[i])) != 0) {
			pthread_mutex_lock(&s->mu);
			s->rc = r;
			pthread_mutex_unlock(&s->mu);
		}
		s->cls[i].setup_rc = r;
	}
}

static int
setup_all(struct ld_client *cls, size_t n)
{
	struct setup_arg s = { cls, n, PTHREAD_MUTEX_INITIALIZER, 0, 0 };
	pthread_t th[8];
	size_t i, nth = n < 8 ? n : 8;

	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, setup_main, &s) != 0)
			return COFFER_ERR_INTERNAL;
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	return s.rc;
}

static int
cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return (a > b) - (a < b);
}

/* The median of ${n} samples from ${v} (copied, not reordered). */
static double
median_of(const long *v, size_t n)
{
	long *c;
	double m;

	if (n == 0 || (c = malloc(n * sizeof(*c))) == NULL)
		return -1;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_long);
	m = n % 2 ? (double)c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0;
	free(c);
	return m;
}

static void
print_rss(const struct phase *ph)
{
	size_t n = ph->nrss, edge, i;
	long lo, hi;

	if (n == 0) {
		printf("cofferd RSS: not sampled (no --pid)\n");
		return;
	}
	lo = hi = ph->rss[0];
	for (i = 1; i < n; i++) {
		lo = ph->rss[i] < lo ? ph->rss[i] : lo;
		hi = ph->rss[i] > hi ? ph->rss[i] : hi;
	}
	/* The first and the last minute, or halves of a shorter run. */
	edge = n >= 120 ? 60 : (n + 1) / 2;
	printf("cofferd RSS (MiB, %zu samples, one a second): min %.1f, "
	    "median %.1f, max %.1f; median of the first %zu s %.1f, of the "
	    "last %zu s %.1f\n", n, lo / 1024.0, median_of(ph->rss, n) /
	    1024.0, hi / 1024.0, edge, median_of(ph->rss, edge) / 1024.0,
	    edge, median_of(ph->rss + n - edge, edge) / 1024.0);
}

/* A latency in ms, or "-" when nothing was measured. */
static void
ms(double v, int width)
{
	if (v < 0)
		printf(" %*s", width, "-");
	else
		printf(" %*.1f", width, v);
}

static void
print_phase(struct phase *ph)
{
	struct ld_stats *st = &ph->st;
	uint64_t ok = 0, bad = 0;
	size_t i;

	printf("\n## %s: %.0f s", ph->name, ph->seconds);
	if (ph->seconds > ph->planned + 1)
		printf(" (%u planned: the last operations in flight ended "
		    "%.0f s late)", ph->planned, ph->seconds - ph->planned);
	printf("\n");
	printf("%-12s %8s %8s %7s %9s %9s %9s\n", "operation", "ok", "ops/s",
	    "errors", "p50 ms", "p99 ms", "max ms");
	for (i = 0; i < LD_NOPS; i++) {
		struct ld_samples *s = &st->lat[i];

		ok += s->n;
		bad += st->nerr[i];
		printf("%-12s %8zu %8.1f %7llu", ld_op_name((int)i), s->n,
		    (double)s->n / ph->seconds,
		    (unsigned long long)st->nerr[i]);
		ms(ld_quantile(s, 0.5), 9);
		ms(ld_quantile(s, 0.99), 9);
		ms(ld_quantile(s, 1.0), 9);
		printf("\n");
	}
	printf("%-12s %8llu %8.1f %7llu\n", "all", (unsigned long long)ok,
	    (double)ok / ph->seconds, (unsigned long long)bad);
	printf("legitimate errors: %llu\n", (unsigned long long)bad);
	for (i = 0; i < st->nerrs; i++)
		printf("  %-12s %-22s HTTP %3ld  x%-6llu e.g. %s\n",
		    ld_op_name(st->errs[i].op), coffer_err_name(st->errs[i].code),
		    st->errs[i].status, (unsigned long long)st->errs[i].count,
		    st->errs[i].example);
	if (st->errs_dropped)
		printf("  (%llu more, of other kinds)\n",
		    (unsigned long long)st->errs_dropped);
	print_rss(ph);
	if (ph->attack) {
		const struct ld_attack_stats *a = &ph->as;

		printf("attacker: slowloris sockets open median %llu, max %llu;"
		    " %llu connections opened, %llu closed by the server\n",
		    (unsigned long long)a->slow_open_med,
		    (unsigned long long)a->slow_open_max,
		    (unsigned long long)a->slow_connects,
		    (unsigned long long)a->slow_dropped);
		printf("attacker: sign-in flood %llu starts (%.0f/s): 200 x%llu,"
		    " 429 x%llu, 503 x%llu, other x%llu, connection failures "
		    "x%llu\n", (unsigned long long)a->flood_sent,
		    a->seconds > 0 ? (double)a->flood_sent / a->seconds : 0,
		    (unsigned long long)a->flood_200,
		    (unsigned long long)a->flood_429,
		    (unsigned long long)a->flood_503,
		    (unsigned long long)a->flood_other,
		    (unsigned long long)a->flood_neterr);
	}
}

static void
ratio(double a, double b)
{
	if (a > 0 && b > 0)
		printf(" %7.2fx", a / b);
	else
		printf(" %8s", "-");
}

static void
print_compare(struct phase *base, struct phase *att)
{
	size_t i;

	printf("\n## attack / baseline\n");
	printf("%-12s %9s %9s %8s %9s %9s %8s %8s %8s\n", "operation",
	    "p50 base", "p50 att", "ratio", "p99 base", "p99 att", "ratio",
	    "ops/s", "errors");
	for (i = 0; i < LD_NOPS; i++) {
		struct ld_samples *b = &base->st.lat[i], *a = &att->st.lat[i];
		double b50 = ld_quantile(b, 0.5), a50 = ld_quantile(a, 0.5);
		double b99 = ld_quantile(b, 0.99), a99 = ld_quantile(a, 0.99);

		printf("%-12s", ld_op_name((int)i));
		ms(b50, 9);
		ms(a50, 9);
		ratio(a50, b50);
		ms(b99, 9);
		ms(a99, 9);
		ratio(a99, b99);
		ratio((double)a->n / att->seconds, (double)b->n / base->seconds);
		printf(" %3llu/%-4llu\n",
		    (unsigned long long)base->st.nerr[i],
		    (unsigned long long)att->st.nerr[i]);
	}
	if (base->nrss && att->nrss)
		printf("cofferd RSS median: baseline %.1f MiB, attack %.1f MiB "
		    "(%.2fx)\n", median_of(base->rss, base->nrss) / 1024.0,
		    median_of(att->rss, att->nrss) / 1024.0,
		    median_of(att->rss, att->nrss) /
		    median_of(base->rss, base->nrss));
}

static int
run_phase(struct phase *ph, struct ld_client *cls, size_t n,
    const struct ld_opts *o)
{
	struct ld_attack *a = NULL;
	struct ld_rss *rss;
	double t;
	size_t i;

	fprintf(stderr, "bench-load: %s phase, %u s\n", ph->name, o->seconds);
	if (ph->attack && (a = ld_attack_start(o)) == NULL)
		return -1;
	rss = ld_rss_start(o->pid);
	t = ld_now();
	ld_clients_run(cls, n, o->seconds);
	ph->seconds = ld_now() - t;
	ph->planned = o->seconds;
	ld_rss_stop(&rss, &ph->rss, &ph->nrss);
	ld_attack_stop(&a, &ph->as);
	for (i = 0; i < n; i++)
		ld_stats_merge(&ph->st, &cls[i].st);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ld_opts o = { .clients = 100, .seconds = 600,
	    .think_min_ms = 100, .think_max_ms = 500, .signin_slots = 4,
	    .att_addrs = 64, .slow_sockets = 1000, .slow_trickle_s = 15,
	    .flood_threads = 3 };
	struct phase ph[2];
	struct ld_client *cls = NULL;
	const char *mode = "baseline", *note = NULL;
	struct rlimit rl;
	size_t nph = 0, i;
	char *dash;
	int k, rc = 1;

	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (v == NULL)
			usage();
		k++;
		if (strcmp(a, "--url") == 0)
			o.url = v;
		else if (strcmp(a, "--workdir") == 0)
			o.workdir = v;
		else if (strcmp(a, "--pid") == 0)
			o.pid = (long)num(a, v, 1, INT_MAX);
		else if (strcmp(a, "--mode") == 0)
			mode = v;
		else if (strcmp(a, "--clients") == 0)
			o.clients = num(a, v, 1, 10000);
		else if (strcmp(a, "--seconds") == 0)
			o.seconds = num(a, v, 1, 24 * 3600);
		else if (strcmp(a, "--think") == 0) {
			if ((dash = strchr(v, '-')) == NULL)
				usage();
			*dash = '\0';
			o.think_min_ms = num(a, v, 0, 60000);
			o.think_max_ms = num(a, dash + 1, o.think_min_ms,
			    60000);
		} else if (strcmp(a, "--ksf-min") == 0) {
			if ((dash = strchr(v, ',')) == NULL)
				usage();
			*dash = '\0';
			o.ksf_min_t = num(a, v, 1, 10);
			o.ksf_min_m = num(a, dash + 1, 8, 1048576);
		} else if (strcmp(a, "--signin-slots") == 0)
			o.signin_slots = num(a, v, 1, 1000);
		else if (strcmp(a, "--attack-addrs") == 0)
			o.att_addrs = num(a, v, 1, 254);
		else if (strcmp(a, "--slowloris") == 0)
			o.slow_sockets = num(a, v, 0, 100000);
		else if (strcmp(a, "--trickle") == 0)
			o.slow_trickle_s = num(a, v, 1, 3600);
		else if (strcmp(a, "--flood-threads") == 0)
			o.flood_threads = num(a, v, 0, 64);
		else if (strcmp(a, "--note") == 0)
			note = v;
		else
			usage();
	}
	if (o.url == NULL || o.workdir == NULL)
		usage();
	o.port = port_of(o.url);
	memset(ph, 0, sizeof(ph));
	if (strcmp(mode, "baseline") == 0 || strcmp(mode, "both") == 0)
		ph[nph++].name = "baseline";
	if (strcmp(mode, "attack") == 0 || strcmp(mode, "both") == 0) {
		ph[nph].name = "attack";
		ph[nph++].attack = 1;
	}
	if (nph == 0)
		usage();
	/* Slowloris holds a socket each; so may every client. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (coffer_init() != 0) {
		fprintf(stderr, "bench-load: cannot initialise libcoffer\n");
		return 1;
	}
	ld_signin_slots_init(o.signin_slots);
	if ((cls = calloc(o.clients, sizeof(*cls))) == NULL)
		return 1;
	for (i = 0; i < o.clients; i++) {
		cls[i].idx = (unsigned)i;
		cls[i].o = &o;
	}
	fprintf(stderr, "bench-load: making %u accounts\n", o.clients);
	{
		double t = ld_now();

		if (setup_all(cls, o.clients) != 0)
			goto out;
		fprintf(stderr, "bench-load: accounts made in %.1f s\n",
		    ld_now() - t);
	}
	for (i = 0; i < nph; i++)
		if (run_phase(&ph[i], cls, o.clients, &o) != 0)
			goto out;

	printf("# bench-load (libcoffer %s): %u clients from 127.0.0.1, think "
	    "%u-%u ms, %u s a phase, mode %s\n", coffer_version(), o.clients,
	    o.think_min_ms, o.think_max_ms, o.seconds, mode);
	if (nph > 1 || ph[0].attack)
		printf("# attacker from 127.0.1.1-%u: slowloris %u sockets, a "
		    "header line every %u s; sign-in flood %u threads\n",
		    o.att_addrs, o.slow_sockets, o.slow_trickle_s,
		    o.flood_threads);
	if (note != NULL)
		printf("# %s\n", note);
	for (i = 0; i < nph; i++)
		print_phase(&ph[i]);
	if (nph == 2)
		print_compare(&ph[0], &ph[1]);
	rc = 0;
out:
	for (i = 0; i < o.clients; i++)
		ld_client_free(&cls[i]);
	for (i = 0; i < nph; i++) {
		ld_stats_free(&ph[i].st);
		free(ph[i].rss);
	}
	free(cls);
	return rc;
}
