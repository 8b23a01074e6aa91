/*
 * kill -9 in the middle of writes loses nothing acknowledged.
 *
 * A child opens the store of a data folder and writes records (each a new
 * version of one of a few dozen records) and blobs (with their references)
 * as fast as it can, telling the parent through a pipe about each write
 * once its commit has returned. The parent kills it with SIGKILL after a
 * random while, opens the store again and checks that every acknowledged
 * write is there, whole, and that no blob is visible that is not whole.
 * Twenty rounds on the same folder, so that every round also starts from
 * what the previous crash left.
 *
 * SIGKILL tests the process side only (the kernel keeps what was written);
 * power loss is covered by the fsync argument of docs/STORAGE.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "store/store.h"
#include "server_harness.h"

#define ROUNDS		20
#define NRECORDS	48
#define MAXBLOBS	4096
#define BLOB_MAX	(200 * 1000)

enum { ACK_RECORD = 1, ACK_BLOB = 2 };

struct ack {
	uint8_t		kind;
	uint8_t		id[COFFER_WIRE_BLOB_ID_BYTES];
	uint64_t	value;		/* record version or blob size */
};

static const uint8_t account_login[] = "crash-test";
static const uint8_t zone_id[COFFER_WIRE_ID_BYTES] = { 0x2a };

/* Record id i; content of (record, version); blob id n and its size and
 * content: all functions of the ids, so the parent can check anything it
 * finds without having heard of it. */
static void
record_id(uint8_t *id, unsigned i)
{
	memset(id, 0, COFFER_WIRE_ID_BYTES);
	id[0] = (uint8_t)i;
	id[1] = 0x5c;
}

static size_t
record_content(uint8_t *out, const uint8_t *id, uint64_t version)
{
	size_t n = 16 + (size_t)(version * 37 + id[0]) % 2000, i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(i ^ version ^ id[0] * 7);
	return n;
}

static void
blob_id(uint8_t *id, uint32_t n)
{
	memset(id, 0, COFFER_WIRE_BLOB_ID_BYTES);
	memcpy(id, &n, sizeof(n));
	id[31] = 0xb1;
}

static uint64_t
blob_size(const uint8_t *id)
{
	uint32_t n;

	memcpy(&n, id, sizeof(n));
	return (uint64_t)(n * 7919u) % BLOB_MAX;
}

static uint8_t
blob_byte(const uint8_t *id, uint64_t off)
{
	return (uint8_t)(off * 131 ^ id[0] ^ id[1] << 3 ^ off >> 9);
}

static void
ack(int fd, uint8_t kind, const uint8_t *id, size_t idlen, uint64_t value)
{
	struct ack a;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	memcpy(a.id, id, idlen);
	a.value = value;
	/* At most PIPE_BUF bytes: the parent reads whole messages. */
	if (write(fd, &a, sizeof(a)) != (ssize_t)sizeof(a))
		_exit(3);
}

static int
child_blob(struct store *st, const uint8_t *acct, uint32_t n)
{
	struct store_blob_writer *w = NULL;
	uint8_t id[COFFER_WIRE_BLOB_ID_BYTES], buf[8192];
	uint64_t size, off, i;
	size_t k;
	int r;

	blob_id(id, n);
	size = blob_size(id);
	if ((r = st->blob->ops->put_begin(st->blob, acct, id, &w)) != 0)
		return r;
	for (off = 0; off < size; off += k) {
		k = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		for (i = 0; i < k; i++)
			buf[i] = blob_byte(id, off + i);
		if ((r = st->blob->ops->put_write(w, buf, k)) != 0) {
			st->blob->ops->put_abort(&w);
			return r;
		}
		/* A body arrives from the network over time: leave the
		 * kill a wide window in the middle of the writes. */
		nanosleep(&(struct timespec){ 0, 50000 }, NULL);
	}
	if ((r = st->blob->ops->put_commit(&w, NULL)) != 0 ||
	    (r = st->meta->ops->blob_ref_add(st->meta, acct, id, size,
	    NULL)) != 0)
		return r;
	return 0;
}

/* The child: write until killed. Blob numbers start at first. */
static void
child(const char *dir, int fd, uint32_t first)
{
	struct store *st = NULL;
	struct store_account a;
	struct store_put_result res;
	struct store_record rec;
	struct store_zone z;
	uint8_t rid[COFFER_WIRE_ID_BYTES], data[4096];
	uint64_t version;
	size_t len;
	uint32_t i, n;
	int r;

	if (store_open(&st, dir, NULL) != 0)
		_exit(10);
	r = st->meta->ops->account_get_by_login(st->meta, account_login,
	    sizeof(account_login), &a);
	if (r == COFFER_ERR_NOTFOUND)
		r = st->meta->ops->account_create(st->meta, account_login,
		    sizeof(account_login), (const uint8_t *)"rec", 3, 1, &a);
	if (r != 0 || st->meta->ops->zone_ensure(st->meta, a.id, zone_id, 1,
	    1, &z, NULL) != 0)
		_exit(11);
	for (i = 0;; i++) {
		record_id(rid, i % NRECORDS);
		r = st->meta->ops->record_get(st->meta, a.id, zone_id, rid,
		    &rec);
		if (r != 0 && r != COFFER_ERR_NOTFOUND)
			_exit(12);
		version = r == 0 ? rec.version : 0;
		store_record_cleanup(&rec);
		len = record_content(data, rid, version + 1);
		if (st->meta->ops->record_put(st->meta, a.id, zone_id, rid,
		    data, len, version, &res) != 0 || res.version != version + 1)
			_exit(13);
		ack(fd, ACK_RECORD, rid, sizeof(rid), res.version);
		n = first + i / 3;
		if (i % 3 == 0 && i / 3 < MAXBLOBS) {
			if (child_blob(st, a.id, n) != 0)
				_exit(14);
			ack(fd, ACK_BLOB, (const uint8_t *)&n, sizeof(n), 0);
		}
	}
}

struct state {
	uint64_t	version[NRECORDS];	/* acknowledged */
	uint32_t	*blobs;			/* acknowledged blob numbers */
	size_t		nblobs;
	uint32_t	next_blob;
	size_t		checked;
};

/* The blob is there, of its size; and, if it is of this round (its
 * number at least first), byte for byte. Older blobs were read whole in
 * their round, and blobs never change. */
static void
check_blob(struct store *st, const uint8_t *acct, const uint8_t *id,
    uint32_t first)
{
	struct store_blob_reader *rd = NULL;
	uint8_t buf[16384];
	uint64_t size, off = 0;
	size_t got, i;
	uint32_t n;

	memcpy(&n, id, sizeof(n));
	assert_int_equal(st->blob->ops->get_open(st->blob, acct, id, 0, &rd,
	    &size), 0);
	assert_int_equal(size, blob_size(id));
	if (n < first) {
		st->blob->ops->get_close(&rd);
		return;
	}
	do {
		assert_int_equal(st->blob->ops->get_read(rd, buf, sizeof(buf),
		    &got), 0);
		for (i = 0; i < got; i++)
			if (buf[i] != blob_byte(id, off + i))
				fail_msg("blob byte %llu differs",
				    (unsigned long long)(off + i));
		off += got;
	} while (got > 0);
	st->blob->ops->get_close(&rd);
	assert_int_equal(off, size);
}

/* Every file in the blob folder is either a whole blob or nothing. */
static size_t
check_visible(struct store *st, const uint8_t *acct, const char *dir,
    uint32_t first)
{
	struct dirent *e;
	uint8_t id[COFFER_WIRE_BLOB_ID_BYTES];
	unsigned v;
	char sub[4096];
	DIR *d;
	size_t n = 0, i;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0)
			fail_msg("left over after open: %s/%s", dir, e->d_name);
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (strlen(e->d_name) != 64) {
			n += check_visible(st, acct, sub, first);
			continue;
		}
		for (i = 0; i < COFFER_WIRE_BLOB_ID_BYTES; i++) {
			assert_int_equal(sscanf(e->d_name + 2 * i, "%2x", &v),
			    1);
			id[i] = (uint8_t)v;
		}
		check_blob(st, acct, id, first);
		n++;
	}
	closedir(d);
	return n;
}

static void
verify(const char *dir, struct state *s, uint32_t first)
{
	struct store *st = NULL;
	struct store_account a;
	struct store_record rec;
	uint8_t rid[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES], want[4096];
	char blobs[4096 + 8];
	uint64_t size;
	size_t i, len;
	int r;

	assert_int_equal(store_open(&st, dir, NULL), 0);
	r = st->meta->ops->account_get_by_login(st->meta, account_login,
	    sizeof(account_login), &a);
	if (r == COFFER_ERR_NOTFOUND) {
		/* Killed before its first write: nothing to check. */
		for (i = 0; i < NRECORDS; i++)
			assert_int_equal(s->version[i], 0);
		assert_int_equal(s->nblobs, 0);
		store_close(&st);
		return;
	}
	assert_int_equal(r, 0);
	for (i = 0; i < NRECORDS; i++) {
		record_id(rid, (unsigned)i);
		r = st->meta->ops->record_get(st->meta, a.id, zone_id, rid,
		    &rec);
		if (s->version[i] == 0 && r == COFFER_ERR_NOTFOUND)
			continue;
		assert_int_equal(r, 0);
		/* Committed but not yet acknowledged writes may be there. */
		assert_true(rec.version >= s->version[i]);
		len = record_content(want, rid, rec.version);
		assert_int_equal(rec.len, len);
		assert_memory_equal(rec.data, want, len);
		s->version[i] = rec.version;
		store_record_cleanup(&rec);
		s->checked++;
	}
	for (i = 0; i < s->nblobs; i++) {
		blob_id(id, s->blobs[i]);
		check_blob(st, a.id, id, first);
		assert_int_equal(st->meta->ops->blob_ref_get(st->meta, a.id,
		    id, &size), 0);
		assert_int_equal(size, blob_size(id));
		s->checked++;
	}
	snprintf(blobs, sizeof(blobs), "%s/blobs", dir);
	assert_true(check_visible(st, a.id, blobs, first) >= s->nblobs);
	store_close(&st);
}

static void
round_once(const char *dir, struct state *s)
{
	struct ack a;
	uint32_t n;
	ssize_t got;
	pid_t pid;
	int p[2], status;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child(dir, p[1], s->next_blob);
		_exit(0);
	}
	close(p[1]);
	/* 10 to 120 ms of writing, then SIGKILL, whatever it is doing. */
	nanosleep(&(struct timespec){ 0, (long)(10 + randombytes_uniform(110)) *
	    1000000L }, NULL);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	while ((got = read(p[0], &a, sizeof(a))) == (ssize_t)sizeof(a)) {
		if (a.kind == ACK_RECORD) {
			assert_true(a.id[0] < NRECORDS);
			s->version[a.id[0]] = a.value;
		} else {
			assert_int_equal(a.kind, ACK_BLOB);
			memcpy(&n, a.id, sizeof(n));
			assert_true(s->nblobs < (size_t)MAXBLOBS * ROUNDS);
			s->blobs[s->nblobs++] = n;
		}
	}
	assert_int_equal(got, 0);
	close(p[0]);
	/* Blob numbers of the next round start past any this one reached. */
	s->next_blob += MAXBLOBS;
	verify(dir, s, s->next_blob - MAXBLOBS);
}

static void
test_kill9_rounds(void **state)
{
	struct state s;
	struct timespec t0, t1;
	char dir[4096];
	int i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.blobs = calloc((size_t)MAXBLOBS * ROUNDS, sizeof(*s.blobs));
	assert_non_null(s.blobs);
	assert_int_equal(srv_mkdtemp(dir, sizeof(dir), "coffer-crash"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ROUNDS; i++)
		round_once(dir, &s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("%d rounds, %zu acknowledged writes checked (%zu blobs),"
	    " %.2f s\n", ROUNDS, s.checked, s.nblobs, (double)(t1.tv_sec -
	    t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_true(s.nblobs > 0);
	srv_rmtree(dir);
	free(s.blobs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_rounds),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store_crash", tests, NULL, NULL);
}
