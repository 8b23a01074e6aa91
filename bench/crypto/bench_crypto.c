/* bench-crypto: throughput of the AEADs and keyed hashes coffer may use,
 * as MB/s and as a ratio to memcpy measured in the same run, so that the
 * project chooses its primitives by measurement on its own CPU.
 *
 * Method: every (operation, size) is warmed up and calibrated into
 * batches of ~1/8 of a repetition; one repetition runs batches until
 * ~0.2 s of work is timed (--quick: ~0.04 s), so the run's length does not
 * grow when the machine is busy. The repetitions are interleaved (round 1
 * of every operation, then round 2, ...) so that a noisy neighbour slows
 * all of them alike, and the median of the rounds is reported. Buffers
 * are allocated once; timing is CLOCK_MONOTONIC. A benchmark: it never
 * asserts on time. */
#include "bench.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sodium.h>

#define REPS		5
#define NSIZES		2

static const size_t sizes[NSIZES] = { (size_t)64 << 10, (size_t)1 << 20 };
static const char *const size_names[NSIZES] = { "64 KiB", "1 MiB" };

struct opts {
	int	 quick;
	int	 csv;
	int	 extra;
	double	 rep_s;		/* seconds of work per repetition */
	double	 warm_s;	/* seconds of warm-up before calibrating */
};

/* One (case, size). */
struct result {
	const struct bench_case *c;
	size_t	 len;
	int	 avail;
	uint64_t batch;		/* operations per timed batch */
	uint64_t ops;		/* operations in all repetitions */
	double	 mbps[REPS];
	double	 med, min, max;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run ${n} operations; *secs = the time they took, between() excluded.
 * Returns 0, or -1 if an operation failed. */
static int
timed(const struct bench_case *c, struct bench_state *st, size_t len,
    uint64_t n, double *secs)
{
	double t0, total = 0;
	uint64_t i;

	if (c->between == NULL) {
		t0 = now();
		for (i = 0; i < n; i++)
			if (c->run(st, len) != 0)
				return -1;
		*secs = now() - t0;
		return 0;
	}
	for (i = 0; i < n; i++) {
		t0 = now();
		if (c->run(st, len) != 0)
			return -1;
		total += now() - t0;
		c->between(st);
	}
	*secs = total;
	return 0;
}

/* Warm up for ${warm_s} seconds, doubling the batch, and size a batch to
 * ~1/8 of a repetition of ${rep_s} seconds. */
static int
calibrate(struct result *r, struct bench_state *st, const struct opts *o)
{
	uint64_t batch = 1;
	double secs, spent = 0, per_op;

	for (;;) {
		if (timed(r->c, st, r->len, batch, &secs) != 0)
			return -1;
		spent += secs;
		if (spent >= o->warm_s && secs > 0)
			break;
		batch *= 2;
	}
	per_op = secs / (double)batch;
	r->batch = (uint64_t)(o->rep_s / 8 / per_op);
	if (r->batch < 1)
		r->batch = 1;
	return 0;
}

/* One repetition: re-prepare (the buffers are shared), re-warm with a
 * quarter batch, then time whole batches until ${rep_s} seconds. */
static int
repetition(struct result *r, int rep, struct bench_state *st,
    const struct opts *o)
{
	double secs, total = 0;
	uint64_t ops = 0;

	if ((r->c->prepare != NULL && r->c->prepare(st, r->len) != 0) ||
	    timed(r->c, st, r->len, r->batch / 4 + 1, &secs) != 0)
		return -1;
	while (total < o->rep_s) {
		if (timed(r->c, st, r->len, r->batch, &secs) != 0)
			return -1;
		total += secs;
		ops += r->batch;
	}
	r->ops += ops;
	r->mbps[rep] = (double)ops * (double)r->len / total / 1e6;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
summarise(struct result *r)
{
	double s[REPS];

	memcpy(s, r->mbps, sizeof(s));
	qsort(s, REPS, sizeof(s[0]), cmp_double);
	r->min = s[0];
	r->med = s[REPS / 2];
	r->max = s[REPS - 1];
}

static int
measure(struct result *res, size_t nres, struct bench_state *st,
    const struct opts *o)
{
	int tty = isatty(STDERR_FILENO);
	size_t i;
	int rep;

	for (i = 0; i < nres; i++) {
		if (tty)
			fprintf(stderr, "\rcalibrating %zu/%zu   ", i + 1, nres);
		if (!res[i].avail)
			continue;
		if ((res[i].c->prepare != NULL &&
		    res[i].c->prepare(st, res[i].len) != 0) ||
		    calibrate(&res[i], st, o) != 0)
			goto fail;
	}
	for (rep = 0; rep < REPS; rep++) {
		for (i = 0; i < nres; i++) {
			if (tty)
				fprintf(stderr, "\rround %d/%d: %zu/%zu   ",
				    rep + 1, REPS, i + 1, nres);
			if (res[i].avail && repetition(&res[i], rep, st, o) != 0)
				goto fail;
		}
	}
	if (tty)
		fprintf(stderr, "\r%40s\r", "");
	for (i = 0; i < nres; i++)
		if (res[i].avail)
			summarise(&res[i]);
	return 0;
fail:
	fprintf(stderr, "\nbench-crypto: %s %s at %zu bytes failed\n",
	    res[i].c->name, res[i].c->op, res[i].len);
	return -1;
}

/* The memcpy median at ${len}, or 0. */
static double
memcpy_at(const struct result *res, size_t nres, size_t len)
{
	size_t i;

	for (i = 0; i < nres; i++)
		if (strcmp(res[i].c->group, "base") == 0 && res[i].len == len &&
		    res[i].avail)
			return res[i].med;
	return 0;
}

static const struct result *
find(const struct result *res, size_t nres, const char *name, const char *op,
    size_t len)
{
	size_t i;

	for (i = 0; i < nres; i++)
		if (strcmp(res[i].c->name, name) == 0 &&
		    strcmp(res[i].c->op, op) == 0 && res[i].len == len)
			return res[i].avail ? &res[i] : NULL;
	return NULL;
}

static void
cpu_model(char *buf, size_t len)
{
	char line[256], *p;
	FILE *f;

	snprintf(buf, len, "unknown CPU");
	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) != 0 ||
		    (p = strchr(line, ':')) == NULL)
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		p[strcspn(p, "\n")] = '\0';
		snprintf(buf, len, "%s", p);
		break;
	}
	fclose(f);
}

static void
print_header(FILE *f, const char *pfx, const struct opts *o)
{
	char cpu[160], date[64];
	time_t t = time(NULL);
	struct tm tm;

	cpu_model(cpu, sizeof(cpu));
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(date, sizeof(date), "unknown date");
	fprintf(f, "%scoffer bench-crypto, %s%s\n", pfx, date,
	    o->quick ? " (--quick)" : "");
	fprintf(f, "%sCPU: %s, %ld online; libsodium %s (AES-NI %s, "
	    "AVX-512F %s); %s\n", pfx, cpu, sysconf(_SC_NPROCESSORS_ONLN),
	    sodium_version_string(), sodium_runtime_has_aesni() ? "yes" : "no",
	    sodium_runtime_has_avx512f() ? "yes" : "no",
	    OpenSSL_version(OPENSSL_VERSION));
	fprintf(f, "%smedian of %d interleaved repetitions of ~%.2f s each; "
	    "MB/s = 10^6 input bytes per second, one thread;\n", pfx, REPS,
	    o->rep_s);
	fprintf(f, "%sx memcpy = MB/s / memcpy MB/s at the same size in this "
	    "run; spread = (max - min) / median.\n", pfx);
}

static int
name_width(const struct result *res, size_t nres)
{
	size_t i, w = 9;

	for (i = 0; i < nres; i++)
		if (strlen(res[i].c->name) > w)
			w = strlen(res[i].c->name);
	return (int)w;
}

/* "  ------ title ------", ${w} wide after the two spaces. */
static void
print_title(const char *title, int w)
{
	int len = (int)strlen(title) + 2, left = (w - len) / 2, i;

	printf("  ");
	for (i = 0; i < left; i++)
		putchar('-');
	printf(" %s ", title);
	for (i = left + len; i < w; i++)
		putchar('-');
}

static void
print_table(const struct result *res, size_t nres, const struct opts *o)
{
	const char *titles[] = { "base", "baseline", "aead", "AEAD",
	    "mac", "keyed hashes, MACs and SHA-256" };
	const struct result *r;
	int w = name_width(res, nres), s;
	size_t i, t;
	double base;

	print_header(stdout, "", o);
	printf("\n%-*s %-8s", w, "", "");
	for (s = 0; s < NSIZES; s++)
		print_title(size_names[s], 26);
	printf("\n%-*s %-8s", w, "benchmark", "op");
	for (s = 0; s < NSIZES; s++)
		printf("  %8s %9s %7s", "MB/s", "x memcpy", "spread");
	printf("\n");
	for (t = 0; t < sizeof(titles) / sizeof(titles[0]); t += 2) {
		printf("-- %s\n", titles[t + 1]);
		/* Rows are the cases in table order, with both sizes. */
		for (i = 0; i < nres; i += NSIZES) {
			if (strcmp(res[i].c->group, titles[t]) != 0)
				continue;
			printf("%-*s %-8s", w, res[i].c->name, res[i].c->op);
			for (s = 0; s < NSIZES; s++) {
				r = &res[i + (size_t)s];
				base = memcpy_at(res, nres, r->len);
				if (!r->avail)
					printf("  %8s %9s %7s", "n/a", "", "");
				else
					printf("  %8.0f %9.4f %6.1f%%", r->med,
					    base > 0 ? r->med / base : 0,
					    100 * (r->max - r->min) / r->med);
			}
			printf("\n");
		}
	}
}

static void
print_csv(const struct result *res, size_t nres)
{
	const struct result *r;
	double base;
	size_t i;

	printf("group,benchmark,op,bytes,mbps_median,mbps_min,mbps_max,"
	    "ratio_memcpy,ops,reps\n");
	for (i = 0; i < nres; i++) {
		r = &res[i];
		if (!r->avail) {
			printf("%s,%s,%s,%zu,,,,,,0\n", r->c->group, r->c->name,
			    r->c->op, r->len);
			continue;
		}
		base = memcpy_at(res, nres, r->len);
		printf("%s,%s,%s,%zu,%.1f,%.1f,%.1f,%.5f,%llu,%d\n",
		    r->c->group, r->c->name, r->c->op, r->len, r->med, r->min,
		    r->max, base > 0 ? r->med / base : 0,
		    (unsigned long long)r->ops, REPS);
	}
}

/* Seal-then-open throughput: the harmonic mean of the two medians. */
static double
seal_open(const struct result *res, size_t nres, const char *name,
    size_t len)
{
	const struct result *s = find(res, nres, name, "seal", len);
	const struct result *o = find(res, nres, name, "open", len);

	if (s == NULL || o == NULL)
		return 0;
	return 2 / (1 / s->med + 1 / o->med);
}

/* The fastest AEAD (by seal-then-open), among names starting with
 * ${prefix}; the envelope is a wrapper, not a candidate. */
static const char *
fastest_aead(const struct result *res, size_t nres, const char *prefix,
    size_t len, double *best)
{
	const char *name = NULL;
	double v;
	size_t i;

	*best = 0;
	for (i = 0; i < nres; i++) {
		if (strcmp(res[i].c->group, "aead") != 0 ||
		    strcmp(res[i].c->op, "seal") != 0 || res[i].len != len ||
		    strncmp(res[i].c->name, prefix, strlen(prefix)) != 0 ||
		    strncmp(res[i].c->name, "coffer_envelope", 15) == 0)
			continue;
		if ((v = seal_open(res, nres, res[i].c->name, len)) > *best) {
			*best = v;
			name = res[i].c->name;
		}
	}
	return name;
}

static void
print_summary(FILE *f, const char *pfx, const struct result *res,
    size_t nres)
{
	const struct result *s, *op;
	const char *name;
	double best;
	size_t i;
	int k;

	fprintf(f, "\n");
	for (k = 0; k < NSIZES; k++) {
		if ((name = fastest_aead(res, nres, "", sizes[k], &best)) != NULL)
			fprintf(f, "%sfastest AEAD at %s (seal+open): %s, "
			    "%.0f MB/s\n", pfx, size_names[k], name, best);
		if ((name = fastest_aead(res, nres, "coffer_aead", sizes[k],
		    &best)) != NULL)
			fprintf(f, "%sfastest coffer_aead implementation at %s "
			    "(seal+open): %s, %.0f MB/s\n", pfx, size_names[k],
			    name + 12, best);
	}
	for (k = 0; k < NSIZES; k++) {
		name = NULL;
		best = 0;
		for (i = 0; i < nres; i++)
			if (res[i].c->keyed && res[i].avail &&
			    res[i].len == sizes[k] && res[i].med > best) {
				best = res[i].med;
				name = res[i].c->name;
			}
		if (name != NULL)
			fprintf(f, "%sfastest keyed hash at %s: %s, %.0f MB/s\n",
			    pfx, size_names[k], name, best);
	}
	fprintf(f, "%stime of open / time of seal (seal MB/s / open MB/s; "
	    "above 1.00 = open is slower):\n", pfx);
	for (i = 0; i < nres; i += NSIZES) {
		if (strcmp(res[i].c->group, "aead") != 0 ||
		    strcmp(res[i].c->op, "seal") != 0)
			continue;
		fprintf(f, "%s  %-40s", pfx, res[i].c->name);
		for (k = 0; k < NSIZES; k++) {
			s = find(res, nres, res[i].c->name, "seal", sizes[k]);
			op = find(res, nres, res[i].c->name, "open", sizes[k]);
			if (s != NULL && op != NULL)
				fprintf(f, "  %s %.2f", size_names[k],
				    s->med / op->med);
		}
		fprintf(f, "\n");
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench-crypto [--quick] [--csv] [--extra]\n"
	    "  --quick  ~0.04 s per repetition (about 10 s in all)\n"
	    "  --csv    comma-separated values on stdout, summary on stderr\n"
	    "  --extra  also time aead_open of forged tags\n");
}

int
main(int argc, char **argv)
{
	struct opts o = { 0, 0, 0, 0.2, 0.05 };
	struct bench_state *st = NULL;
	struct result *res = NULL;
	size_t i, nres = 0;
	int a, s, rc = 1;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--quick") == 0)
			o.quick = 1;
		else if (strcmp(argv[a], "--csv") == 0)
			o.csv = 1;
		else if (strcmp(argv[a], "--extra") == 0)
			o.extra = 1;
		else if (strcmp(argv[a], "--help") == 0 ||
		    strcmp(argv[a], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (o.quick) {
		o.rep_s = 0.04;
		o.warm_s = 0.01;
	}
	if ((st = bench_state_new()) == NULL ||
	    (res = calloc(bench_ncases * NSIZES, sizeof(*res))) == NULL) {
		fprintf(stderr, "bench-crypto: setup failed\n");
		goto out;
	}
	for (i = 0; i < bench_ncases; i++) {
		if (bench_cases[i].extra && !o.extra)
			continue;
		for (s = 0; s < NSIZES; s++) {
			res[nres].c = &bench_cases[i];
			res[nres].len = sizes[s];
			res[nres].avail = bench_cases[i].avail == NULL ||
			    bench_cases[i].avail(st);
			nres++;
		}
	}
	if (measure(res, nres, st, &o) != 0)
		goto out;
	if (o.csv) {
		print_header(stderr, "# ", &o);
		print_csv(res, nres);
		print_summary(stderr, "# ", res, nres);
	} else {
		print_table(res, nres, &o);
		print_summary(stdout, "", res, nres);
	}
	rc = 0;
out:
	free(res);
	bench_state_free(&st);
	return rc;
}
