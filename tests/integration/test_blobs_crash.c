/* kill -9 in the middle of blob writes. A writer thread PUTs blobs of 32
 * KiB to 1 MiB, paced like a network body, and records every id the
 * server acknowledged (201). The test kills cofferd with SIGKILL, either
 * while a chosen upload is held mid-body (rounds "mid-body": the killed
 * upload must be absent) or at a random moment (rounds "random": the
 * upload in flight may have committed just before the kill, so it is
 * either absent or whole), restarts it on the same data folder, and
 * checks that every acknowledged blob reads back byte for byte, that the
 * existence batch and the usage agree, and that no temporary file is
 * left. Rounds accumulate on one data folder. */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>

#include "blob_client.h"

#define ROUNDS		20
#define ACKED_MAX	1000
#define WAIT_MS		20000

/* The blobs acknowledged (ids, lens, n), the upload in flight (cur), and
 * in mid-body rounds which upload to hold (the one after stall_after
 * acknowledgements, at stall_num / stall_den of its body). */
struct writer {
	struct srv		*s;
	struct test_account	*a;
	pthread_mutex_t		 mu;
	uint8_t			 ids[ACKED_MAX][32];
	uint64_t		 lens[ACKED_MAX];
	size_t			 n;
	uint8_t			 cur[32];
	uint64_t		 cur_len;
	int			 in_flight;
	size_t			 round_acked;
	int			 stall;
	size_t			 stall_after;
	uint64_t		 stall_num, stall_den;
	int			 stalling;	/* this upload is held */
	atomic_int		 stalled, killed;
	long			 bad_status;
	pthread_t		 thread;
	int			 running;	/* thread to join */
};

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) *
	    1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Before each piece of a body: pace it (about a millisecond a piece),
 * and hold the chosen upload before the piece that would reach its
 * fraction (so that it never ends). */
static void
writer_hook(struct bc_gen *g, size_t max)
{
	struct writer *w = g->cls;

	if (w->stalling && g->pos + max >= g->len * w->stall_num /
	    w->stall_den) {
		atomic_store(&w->stalled, 1);
		while (!atomic_load(&w->killed))
			sleep_ms(1);
		return;
	}
	sleep_ms(1);
}

static void *
writer_run(void *cls)
{
	struct writer *w = cls;
	uint8_t id[32];
	uint64_t len;
	long st;

	while (w->n < ACKED_MAX) {
		bc_random_id(id);
		len = (32u << 10) + randombytes_uniform(1u << 20);
		pthread_mutex_lock(&w->mu);
		memcpy(w->cur, id, 32);
		w->cur_len = len;
		w->in_flight = 1;
		w->stalling = w->stall && w->round_acked == w->stall_after;
		pthread_mutex_unlock(&w->mu);
		/* A transport error: the server is gone. */
		if (bc_put_gen(w->s, w->a, id, len, NULL, writer_hook, w, &st,
		    NULL) != 0)
			break;
		if (st != 201) {
			w->bad_status = st;
			break;
		}
		pthread_mutex_lock(&w->mu);
		memcpy(w->ids[w->n], id, 32);
		w->lens[w->n++] = len;
		w->round_acked++;
		w->in_flight = 0;
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

/* Wait (at most WAIT_MS) until ${cond} holds. */
static int
wait_for(struct writer *w, int (*cond)(struct writer *, size_t), size_t arg)
{
	unsigned t;
	int ok = 0;

	for (t = 0; t < WAIT_MS && !ok; t++) {
		pthread_mutex_lock(&w->mu);
		ok = cond(w, arg);
		pthread_mutex_unlock(&w->mu);
		if (!ok)
			sleep_ms(1);
	}
	return ok;
}

static int
has_stalled(struct writer *w, size_t unused)
{
	(void)unused;
	return atomic_load(&w->stalled);
}

static int
has_acked(struct writer *w, size_t k)
{
	return w->round_acked >= k || w->bad_status != 0;
}

/* After the restart: every acknowledged blob whole, the batch answer and
 * the usage in agreement. */
static void
check_all(struct writer *w)
{
	json_t *m;
	char hex[65];
	long long sum = 0;
	size_t i, j;
	long st;

	for (i = 0; i < w->n; i++) {
		bc_check(w->s, w->a, w->ids[i], w->lens[i]);
		sum += (long long)w->lens[i];
	}
	assert_int_equal(bc_usage(w->s, w->a, NULL), sum);
	m = bc_exists(w->s, w->a, (const uint8_t (*)[32])w->ids, w->n, NULL,
	    &st);
	assert_non_null(m);
	assert_int_equal(st, 200);
	for (i = 0; i < w->n; i++) {
		/* An id acknowledged twice is not possible: ids are random. */
		for (j = 0; j < i; j++)
			assert_memory_not_equal(w->ids[i], w->ids[j], 32);
		bc_hex(hex, w->ids[i]);
		assert_int_equal(json_integer_value(json_object_get(m, hex)),
		    w->lens[i]);
	}
	assert_int_equal(json_object_size(m), w->n);
	json_decref(m);
	assert_int_equal(bc_count_files(srv_data(w->s), ".tmp-"), 0);
}

/* The writer, freed with its server even when the test fails. */
static struct writer *W;

static int
teardown(void **state)
{
	(void)state;
	if (W != NULL) {
		/* A failed assertion may leave the writer running. */
		atomic_store(&W->killed, 1);
		srv_free(&W->s);
		if (W->running)
			pthread_join(W->thread, NULL);
		pthread_mutex_destroy(&W->mu);
		free(W);
		W = NULL;
	}
	return 0;
}

static void
test_kill9_mid_write(void **state)
{
	static struct test_account a;
	struct writer *w;
	struct http_resp r;
	unsigned round, absent = 0, whole = 0;

	(void)state;
	assert_int_equal(sodium_init() < 0, 0);
	assert_non_null(w = W = calloc(1, sizeof(*w)));
	pthread_mutex_init(&w->mu, NULL);
	assert_int_equal(srv_start_test(&w->s, NULL), 0);
	assert_int_equal(test_account_new(w->s, &a), 0);
	w->a = &a;
	for (round = 0; round < ROUNDS; round++) {
		w->stall = round % 2 == 0;
		w->stall_after = randombytes_uniform(4);
		w->stall_num = 1 + randombytes_uniform(98);
		w->stall_den = 100;
		w->round_acked = 0;
		w->in_flight = 0;
		atomic_store(&w->stalled, 0);
		atomic_store(&w->killed, 0);
		assert_int_equal(pthread_create(&w->thread, NULL, writer_run,
		    w), 0);
		w->running = 1;
		if (w->stall) {
			assert_true(wait_for(w, has_stalled, 0));
			/* Let the server take in what was sent. */
			sleep_ms(20);
		} else {
			assert_true(wait_for(w, has_acked, 1 +
			    randombytes_uniform(4)));
			sleep_ms(randombytes_uniform(40));
		}
		assert_int_equal(srv_kill9(w->s), 0);
		atomic_store(&w->killed, 1);
		pthread_join(w->thread, NULL);
		w->running = 0;
		assert_int_equal(w->bad_status, 0);
		assert_int_equal(srv_restart(w->s), 0);

		/* The upload the kill cut: absent, or (random rounds only)
		 * committed whole just before the kill. */
		if (w->in_flight) {
			assert_int_equal(bc_get(w->s, w->a, w->cur, NULL, 0,
			    &r), 0);
			if (r.status == 200 && !w->stall && w->n < ACKED_MAX) {
				assert_int_equal(r.len, w->cur_len);
				assert_true(bc_match(w->cur, 0,
				    (const uint8_t *)r.body, r.len));
				memcpy(w->ids[w->n], w->cur, 32);
				w->lens[w->n++] = w->cur_len;
				whole++;
			} else {
				assert_int_equal(r.status, 404);
				bc_expect_absent(w->s, w->a, w->cur);
				absent++;
			}
			http_resp_free(&r);
		}
		check_all(w);
	}
	print_message("# %u rounds, %zu blobs acknowledged and intact; cut "
	    "uploads: %u absent, %u committed whole before the kill\n", ROUNDS,
	    w->n, absent, whole);
	assert_true(absent >= ROUNDS / 2);
	assert_int_equal(srv_stop(w->s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kill9_mid_write, teardown),
	};

	return cmocka_run_group_tests_name("blobs_crash", tests, NULL, NULL);
}
