/* bench-backup: time the backup engine alone over a folder store.
 *
 *   bench-backup create REPO CACHE PATH...   back up, print the id
 *   bench-backup restore REPO CACHE TARGET   restore the latest snapshot
 *   bench-backup check REPO CACHE -          check, reading every pack
 *
 * The keys are fixed (a benchmark, not a backup). Prints seconds,
 * counters and the peak RSS. Knobs: BK_PACK (bytes), BK_LEVEL (zstd),
 * BK_AVG (CDC average; min avg/2, max 8 avg), BK_THREADS, BK_KEYS (the
 * ring: versions 1 to BK_KEYS of the set's key, as after BK_KEYS - 1
 * device removals; default 1). */
#include <sys/resource.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coffer/backup.h>
#include <coffer/err.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Peak RssAnon and RssFile (kB), sampled every 10 ms: the chunk index
 * is a mapped file whose touched pages count in RSS but are reclaimable,
 * so the anonymous part is the one that says what a run needs. */
static long peak_anon, peak_file;
static volatile int sampling = 1;

static long
status_kb(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p != NULL ? strtol(p + strlen(key), NULL, 10) : 0;
}

static void *
sampler(void *arg)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char buf[4096];
	size_t n, k;
	FILE *f;
	long a, fl;

	(void)arg;
	for (n = 0; sampling; n++) {
		if ((f = fopen("/proc/self/status", "r")) != NULL) {
			k = fread(buf, 1, sizeof(buf) - 1, f);
			buf[k] = 0;
			fclose(f);
			a = status_kb(buf, "RssAnon:");
			fl = status_kb(buf, "RssFile:");
			if (a > peak_anon)
				peak_anon = a;
			if (fl > peak_file)
				peak_file = fl;
			if (getenv("BK_TRACE") != NULL)
				fprintf(stderr, "%zu0 ms anon %ld file %ld\n",
				    n, a, fl);
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static size_t
env(const char *n, size_t def)
{
	const char *v = getenv(n);

	return v != NULL ? (size_t)strtoull(v, NULL, 0) : def;
}

#define KEYS_MAX	16

int
main(int argc, char **argv)
{
	uint8_t secret[32] = { 1, 2, 3 }, kid[16] = { 9 };
	struct coffer_key *k[KEYS_MAX] = { NULL };
	struct coffer_backup_check_options co;
	struct coffer_backup_check_stats cs;
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct coffer_cdc_params cdc;
	struct coffer_backup_repo *r = NULL;
	struct coffer_bstore st;
	struct rusage ru;
	pthread_t smp;
	uint8_t id[16];
	size_t nk = env("BK_KEYS", 1), i;
	double t0;
	int rc;

	/* Version v's secret differs from version 1's ({ 1, 2, 3 }, the
	 * key before rings) in byte 3. */
	for (i = 0; i < nk && i < KEYS_MAX; i++) {
		secret[3] = (uint8_t)i;
		kid[1] = (uint8_t)i;
		if (coffer_key_import(&k[i], COFFER_KEY_SYMMETRIC, secret, kid,
		    (uint32_t)i + 1) != 0)
			return 2;
	}
	if (argc < 5 || nk < 1 || nk > KEYS_MAX ||
	    coffer_bstore_dir_open(&st, argv[2]) != 0) {
		fprintf(stderr, "usage: bench-backup create|restore|check "
		    "REPO CACHE PATH...\n");
		return 2;
	}
	if (pthread_create(&smp, NULL, sampler, NULL) != 0)
		return 2;
	t0 = now();
	if ((rc = coffer_backup_open(&r, &st,
	    (const struct coffer_key *const *)k, nk, argv[3])) != 0)
		goto fail;
	memset(&o, 0, sizeof(o));
	memset(&pg, 0, sizeof(pg));
	o.progress = &pg;
	o.pack_size = env("BK_PACK", 0);
	o.zstd_level = (int)env("BK_LEVEL", 0);
	o.threads = (unsigned)env("BK_THREADS", 0);
	if (getenv("BK_AVG") != NULL) {
		cdc.avg = env("BK_AVG", 0);
		cdc.min = cdc.avg / 2;
		cdc.max = cdc.avg * 8;
		o.cdc = &cdc;
	}
	memset(&co, 0, sizeof(co));
	co.read_data = 1;
	if (strcmp(argv[1], "create") == 0)
		rc = coffer_backup_create(r, (const char *const *)argv + 4,
		    (size_t)argc - 4, &o, id);
	else if (strcmp(argv[1], "check") == 0) {
		if ((rc = coffer_backup_check(r, &co, &cs)) == 0)
			printf("check: %llu snapshots, %llu packs read, %llu "
			    "chunks read, %llu errors\n",
			    (unsigned long long)cs.snapshots,
			    (unsigned long long)cs.packs_read,
			    (unsigned long long)cs.chunks_read,
			    (unsigned long long)cs.errors);
	} else if ((rc = coffer_backup_resolve(r, "latest", id)) == 0)
		rc = coffer_backup_restore(r, id, NULL, argv[4], &o);
	if (rc != 0)
		goto fail;
	getrusage(RUSAGE_SELF, &ru);
	sampling = 0;
	pthread_join(smp, NULL);
	printf("%s %.3f s files %llu read %llu bytes %llu new %llu stored %llu"
	    " packs %llu warnings %llu peak %ld MiB (anon %ld file %ld)\n", argv[1], now() - t0,
	    (unsigned long long)pg.files, (unsigned long long)pg.files_read,
	    (unsigned long long)pg.bytes_read,
	    (unsigned long long)pg.bytes_new,
	    (unsigned long long)pg.bytes_stored,
	    (unsigned long long)pg.packs, (unsigned long long)pg.warnings,
	    ru.ru_maxrss / 1024, peak_anon / 1024, peak_file / 1024);
	coffer_backup_close(&r);
	coffer_bstore_dir_close(&st);
	for (i = 0; i < nk; i++)
		coffer_key_free(&k[i]);
	return 0;
fail:
	fprintf(stderr, "bench-backup: %s: %s\n", coffer_strerror(rc),
	    coffer_backup_error_detail(r));
	return 1;
}
