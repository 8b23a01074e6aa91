/* Records under races, on the real cofferd: clients racing on one record
 * with read-modify-write (exactly one wins per version, the others get
 * 409 with the current version), and kill -9 in the middle of record
 * writes, twenty rounds, after each of which every acknowledged write is
 * there, whole. The routes one by one are test_records.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>

#include "http_client.h"
#include "route_fixture.h"

#define Z2		"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define RACE_PATH	"/v1/zones/" Z2 "/records/0000000000000000000000000000" \
			"0ace"

static struct srv *S;
static struct test_account A;

/* The zone the races write in. */
static int
make_zone(void)
{
	long st = 0;

	json_decref(rt_call(S, "PUT", "/v1/zones/" Z2, A.auth,
	    "{\"category\":\"notes\"}", &st));
	return st == 201 ? 0 : -1;
}

static const struct rt_group group = { &S, { &A }, NULL, make_zone, NULL };

/* The path of a record of Z2 (per thread: the writers run at once). */
static void
record_path(char *out, size_t size, unsigned i)
{
	snprintf(out, size, "/v1/zones/%s/records/%032x", Z2, i);
}

/* ---- Clients racing on one record. ---- */

#define RACERS		4
#define RACE_ROUNDS	30

struct race {
	pthread_mutex_t	lock;
	uint64_t	won[RACERS * (RACE_ROUNDS + 1)];
	size_t		nwon;
	unsigned	lost;
	int		bad;
};

static struct race Race;

static void *
racer(void *arg)
{
	char body[200], path[200];
	long long seen = 0, v;
	long st;
	json_t *j;
	int i, k = (int)(intptr_t)arg;

	snprintf(path, sizeof(path), "%s", RACE_PATH);
	for (i = 0; i <= RACE_ROUNDS; i++) {
		/* Read (except the first round: all create at once). */
		if (i > 0) {
			j = rt_call(S, "GET", path, A.auth, NULL, &st);
			seen = st == 200 ? rt_int(j, "version") : -1;
			json_decref(j);
			if (seen < 1) {
				Race.bad = 1;
				return NULL;
			}
		}
		/* Modify and write with the version seen. */
		snprintf(body, sizeof(body), "{\"data\":\"%s%c\",\"version\":"
		    "%lld}", "cmFjZXI", 'A' + k, seen);
		j = rt_call(S, "PUT", path, A.auth, body, &st);
		v = rt_int(j, "version");
		pthread_mutex_lock(&Race.lock);
		if (st == 200 && v == seen + 1) {
			Race.won[Race.nwon++] = (uint64_t)v;
		} else if (st == 409 && rt_is_error(j, "conflict", 1) &&
		    v > seen && json_is_false(json_object_get(j, "deleted"))) {
			Race.lost++;
		} else {
			print_error("racer %d: %ld after version %lld\n", k,
			    st, seen);
			Race.bad = 1;
		}
		pthread_mutex_unlock(&Race.lock);
		json_decref(j);
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
test_race(void **state)
{
	pthread_t t[RACERS];
	size_t i;
	json_t *j;

	(void)state;
	memset(&Race, 0, sizeof(Race));
	pthread_mutex_init(&Race.lock, NULL);
	for (i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, racer,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < RACERS; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&Race.lock);
	assert_false(Race.bad);
	/* Every write won or lost, and the winners hold 1, 2, ... n: one
	 * winner per version. */
	assert_int_equal(Race.nwon + Race.lost, RACERS * (RACE_ROUNDS + 1));
	qsort(Race.won, Race.nwon, sizeof(Race.won[0]), cmp_u64);
	for (i = 0; i < Race.nwon; i++)
		assert_int_equal(Race.won[i], i + 1);
	/* The racers did race: some lost. */
	assert_true(Race.lost > 0);
	j = rt_want(S, "GET", RACE_PATH, A.auth, NULL, 200, NULL);
	assert_int_equal(rt_int(j, "version"), (long long)Race.nwon);
	json_decref(j);
}

/* ---- kill -9 in the middle of record writes. ---- */

#define WRITERS		2
#define PER_WRITER	8
#define KILL_ROUNDS	20

struct writer {
	int		 k;
	long long	 acked[PER_WRITER];	/* last version answered 200 */
	unsigned	 writes;
	int		 bad;
};

/* Content of (record, version): a function of both, some KiB long. */
static char *
content(unsigned rec, long long version)
{
	size_t n = 600 + (size_t)(version * 131 + rec * 17) % 3000, i;
	char *p = malloc(n + 1);

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + (size_t)version + rec) % 26);
	snprintf(p, n + 1, "%u/%lld/", rec, version);
	p[strlen(p)] = 'x';
	p[n] = '\0';
	return p;
}

static void *
writer(void *arg)
{
	struct writer *w = arg;
	char path[200], *text, *b64, *body;
	long long cur[PER_WRITER];
	unsigned i;
	size_t n;
	long st;
	json_t *j;

	memcpy(cur, w->acked, sizeof(cur));
	for (i = 0;; i = (i + 1) % PER_WRITER) {
		unsigned rec = (unsigned)w->k * PER_WRITER + i;

		record_path(path, sizeof(path), 0x900 + rec);
		text = content(rec, cur[i] + 1);
		b64 = rt_b64((uint8_t *)text, strlen(text));
		n = strlen(b64) + 64;
		assert_non_null(body = malloc(n));
		snprintf(body, n, "{\"data\":\"%s\",\"version\":%lld}", b64,
		    cur[i]);
		j = NULL;
		st = 0;
		{
			const char *hdrs[] = { A.auth, "Content-Type: "
			    "application/json", NULL };
			char *resp = NULL;

			/* A transport error: the server is gone. */
			if (http_request("PUT", srv_url(S, path), hdrs, body,
			    strlen(body), &st, &resp) != 0) {
				free(resp);
				free(body);
				free(b64);
				free(text);
				return NULL;
			}
			j = json_loads(resp, 0, NULL);
			free(resp);
		}
		if (st == 200 && rt_int(j, "version") == cur[i] + 1) {
			cur[i]++;
			w->acked[i] = cur[i];
			w->writes++;
		} else if (st == 409 && rt_int(j, "version") > cur[i]) {
			/* A write the last crash took before its answer:
			 * seen committed, so it must last as acknowledged. */
			cur[i] = rt_int(j, "version");
			w->acked[i] = cur[i];
		} else {
			print_error("writer %d: %ld after version %lld\n",
			    w->k, st, cur[i]);
			w->bad = 1;
		}
		json_decref(j);
		free(body);
		free(b64);
		free(text);
		if (w->bad)
			return NULL;
	}
}

static void
test_kill9(void **state)
{
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	char path[200], *text, *b64;
	unsigned round, i, k, total = 0;
	long st;
	json_t *j;

	(void)state;
	memset(w, 0, sizeof(w));
	for (round = 0; round < KILL_ROUNDS; round++) {
		for (k = 0; k < WRITERS; k++) {
			w[k].k = (int)k;
			assert_int_equal(pthread_create(&t[k], NULL, writer,
			    &w[k]), 0);
		}
		nanosleep(&(struct timespec){ 0, 50000000 +
		    (long)randombytes_uniform(250000000) }, NULL);
		assert_int_equal(srv_kill9(S), 0);
		for (k = 0; k < WRITERS; k++)
			pthread_join(t[k], NULL);
		assert_int_equal(srv_restart(S), 0);
		/* Every acknowledged write is there: the record is at that
		 * version or later (an unanswered write may have landed),
		 * and whole. */
		for (k = 0; k < WRITERS; k++) {
			assert_false(w[k].bad);
			for (i = 0; i < PER_WRITER; i++) {
				unsigned rec = k * PER_WRITER + i;

				record_path(path, sizeof(path), 0x900 + rec);
				j = rt_call(S, "GET", path, A.auth, NULL,
				    &st);
				if (w[k].acked[i] == 0 && st == 404) {
					json_decref(j);
					continue;
				}
				assert_int_equal(st, 200);
				assert_true(rt_int(j, "version") >=
				    w[k].acked[i]);
				assert_true(rt_int(j, "version") <=
				    w[k].acked[i] + 1);
				text = content(rec, rt_int(j, "version"));
				b64 = rt_b64((uint8_t *)text, strlen(text));
				assert_string_equal(rt_str(j, "data"), b64);
				free(b64);
				free(text);
				json_decref(j);
			}
		}
	}
	for (k = 0; k < WRITERS; k++)
		total += w[k].writes;
	/* The rounds did write (a few hundred acknowledged writes). */
	print_message("kill9: %u acknowledged writes over %u rounds\n", total,
	    KILL_ROUNDS);
	assert_true(total > KILL_ROUNDS * 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_kill9),
	};

	return RT_RUN_GROUP("records_race", tests, &group);
}
