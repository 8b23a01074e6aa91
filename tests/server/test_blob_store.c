/*
 * The blob store's conformance suite (server/store/blob.h): every case
 * runs against every backend of the table below (the folder today; S3
 * joins it later). Each case gets a fresh, empty store.
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
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "store/blob.h"
#include "server_harness.h"

struct backend {
	const char			*name;
	const struct store_blob_ops	*ops;
	int	(*fresh)(char *where, size_t cap);
	void	(*remove)(const char *where);
	/* Leave what a crash in the middle of a write and of a purge of
	 * account leaves; NULL to skip. */
	int	(*crash_leftovers)(const char *where, const uint8_t *account);
	/* Count the entries a reader of the store's folder could see that
	 * are not committed blobs; -1 when the backend has no such view. */
	int	(*stray)(const char *where);
};

static int
fs_fresh(char *where, size_t cap)
{
	return srv_mkdtemp(where, cap, "coffer-blob");
}

static void
hexs(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static int
fs_crash_leftovers(const char *where, const uint8_t *account)
{
	char acct[33], path[4096];
	int fd;

	hexs(acct, account, 16);
	snprintf(path, sizeof(path), "%s/%s", where, acct);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/ab", where, acct);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/ab/.tmp-ab00-0011223344556677",
	    where, acct);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) == -1)
		return -1;
	if (write(fd, "half", 4) != 4)
		return -1;
	close(fd);
	snprintf(path, sizeof(path), "%s/.trash-%s-0011223344556677", where,
	    acct);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.trash-%s-0011223344556677/cd", where,
	    acct);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.trash-%s-0011223344556677/cd/f",
	    where, acct);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Entries whose names start with a dot, anywhere below where. */
static int
fs_stray(const char *where)
{
	struct dirent *e;
	char sub[4096];
	struct stat st;
	DIR *d;
	int n = 0;

	if ((d = opendir(where)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_name[0] == '.')
			n++;
		snprintf(sub, sizeof(sub), "%s/%s", where, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			n += fs_stray(sub);
	}
	closedir(d);
	return n;
}

static const struct backend backends[] = {
	{ "fs", &store_blob_fs_ops, fs_fresh, srv_rmtree, fs_crash_leftovers,
	    fs_stray },
};

static const struct backend *be;

struct fx {
	char			 where[4096];
	struct store_config	 cfg;
	struct store_blob	*b;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || be->fresh(f->where, sizeof(f->where)) != 0)
		return -1;
	store_config_init(&f->cfg);
	if (be->ops->open(&f->b, f->where, &f->cfg) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	be->ops->close(&f->b);
	be->remove(f->where);
	free(f);
	return 0;
}

static void
reopen(struct fx *f)
{
	be->ops->close(&f->b);
	assert_int_equal(be->ops->open(&f->b, f->where, &f->cfg), 0);
}

#define OPS	(f->b->ops)

/* Deterministic content: byte i of blob (seed) is a function of both. */
static uint8_t
byte_at(uint32_t seed, uint64_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13 ^ seed * 31 ^ i >> 8);
}

static void
fill(uint8_t *p, size_t n, uint32_t seed, uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = byte_at(seed, off + i);
}

/* Put size bytes of content seed in chunks of chunk bytes. */
static int
put(struct store_blob *b, const uint8_t *acct, const uint8_t *id,
    uint64_t size, uint32_t seed, size_t chunk)
{
	struct store_blob_writer *w = NULL;
	uint8_t buf[65536];
	uint64_t off = 0, got = 0;
	size_t n;
	int r;

	if ((r = b->ops->put_begin(b, acct, id, &w)) != 0)
		return r;
	while (off < size) {
		n = size - off < chunk ? (size_t)(size - off) : chunk;
		fill(buf, n, seed, off);
		if ((r = b->ops->put_write(w, buf, n)) != 0) {
			b->ops->put_abort(&w);
			return r;
		}
		off += n;
	}
	if ((r = b->ops->put_commit(&w, &got)) != 0)
		return r;
	return got == size ? 0 : -100;
}

/* Read from offset to the end and compare with content seed. */
static int
check(struct store_blob *b, const uint8_t *acct, const uint8_t *id,
    uint64_t offset, uint64_t size, uint32_t seed)
{
	struct store_blob_reader *rd = NULL;
	uint8_t buf[40000], want[40000];
	uint64_t total, off = offset;
	size_t got;
	int r, bad = 0;

	if ((r = b->ops->get_open(b, acct, id, offset, &rd, &total)) != 0)
		return r;
	if (total != size)
		bad = 1;
	do {
		if ((r = b->ops->get_read(rd, buf, sizeof(buf), &got)) != 0)
			break;
		fill(want, got, seed, off);
		if (memcmp(buf, want, got) != 0)
			bad = 1;
		off += got;
	} while (got > 0);
	b->ops->get_close(&rd);
	if (r == 0 && (bad || off != size))
		r = -101;
	return r;
}

static void
ids(uint8_t *acct, uint8_t a, uint8_t *id, uint8_t i)
{
	memset(acct, a, COFFER_WIRE_ID_BYTES);
	memset(id, i, COFFER_WIRE_BLOB_ID_BYTES);
}

static void
test_put_get(void **state)
{
	struct fx *f = *state;
	static const uint64_t sizes[] = { 0, 1, 4095, 4096, 65537,
	    (1u << 20) + 3 };
	uint8_t acct[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];
	struct store_blob_reader *rd = NULL;
	uint64_t size;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ids(acct, 1, id, (uint8_t)i);
		assert_int_equal(OPS->exists(f->b, acct, id),
		    COFFER_ERR_NOTFOUND);
		assert_int_equal(put(f->b, acct, id, sizes[i], (uint32_t)i,
		    1000 + i * 777), 0);
		assert_int_equal(OPS->exists(f->b, acct, id), 0);
		assert_int_equal(OPS->size(f->b, acct, id, &size), 0);
		assert_int_equal(size, sizes[i]);
		assert_int_equal(check(f->b, acct, id, 0, sizes[i],
		    (uint32_t)i), 0);
		/* Ranges: the middle, the very end (an empty read). */
		assert_int_equal(check(f->b, acct, id, sizes[i] / 2, sizes[i],
		    (uint32_t)i), 0);
		assert_int_equal(check(f->b, acct, id, sizes[i], sizes[i],
		    (uint32_t)i), 0);
		assert_int_equal(OPS->get_open(f->b, acct, id, sizes[i] + 1,
		    &rd, NULL), COFFER_ERR_INVALID);
		assert_null(rd);
	}
	ids(acct, 2, id, 0);
	assert_int_equal(OPS->get_open(f->b, acct, id, 0, &rd, NULL),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->size(f->b, acct, id, &size), COFFER_ERR_NOTFOUND);
	/* And all of it is there after a reopen. */
	reopen(f);
	ids(acct, 1, id, 5);
	assert_int_equal(check(f->b, acct, id, 0, sizes[5], 5), 0);
}

static void
test_idempotent(void **state)
{
	struct fx *f = *state;
	uint8_t acct[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];
	struct store_blob_writer *w = NULL;

	ids(acct, 1, id, 1);
	assert_int_equal(put(f->b, acct, id, 5000, 7, 999), 0);
	assert_int_equal(put(f->b, acct, id, 5000, 7, 123), 0);
	/* Same id, other size: refused, and the blob is as it was. */
	assert_int_equal(put(f->b, acct, id, 5001, 8, 999), COFFER_ERR_CONFLICT);
	assert_int_equal(put(f->b, acct, id, 10, 8, 999), COFFER_ERR_CONFLICT);
	assert_int_equal(check(f->b, acct, id, 0, 5000, 7), 0);
	/* Removed while a duplicate write was under way: retry. */
	assert_int_equal(OPS->put_begin(f->b, acct, id, &w), 0);
	assert_int_equal(OPS->remove(f->b, acct, id), 0);
	assert_int_equal(OPS->put_commit(&w, NULL), COFFER_ERR_BUSY);
	assert_null(w);
	assert_int_equal(put(f->b, acct, id, 5000, 7, 999), 0);
}

static void
test_abort_and_errors(void **state)
{
	struct fx *f = *state;
	uint8_t acct[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES], buf[600];
	struct store_blob_writer *w = NULL;

	memset(buf, 1, sizeof(buf));
	ids(acct, 1, id, 1);
	assert_int_equal(OPS->put_begin(f->b, acct, id, &w), 0);
	assert_int_equal(OPS->put_write(w, buf, sizeof(buf)), 0);
	OPS->put_abort(&w);
	assert_null(w);
	OPS->put_abort(&w);
	assert_int_equal(OPS->exists(f->b, acct, id), COFFER_ERR_NOTFOUND);
	if (be->stray != NULL)
		assert_int_equal(be->stray(f->where), 0);
	/* Past blob_max: the writer ends, nothing becomes visible. */
	f->cfg.blob_max = 1000;
	reopen(f);
	assert_int_equal(OPS->put_begin(f->b, acct, id, &w), 0);
	assert_int_equal(OPS->put_write(w, buf, sizeof(buf)), 0);
	assert_int_equal(OPS->put_write(w, buf, sizeof(buf)), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->put_write(w, buf, 1), COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->put_commit(&w, NULL), COFFER_ERR_TOOBIG);
	assert_null(w);
	assert_int_equal(OPS->exists(f->b, acct, id), COFFER_ERR_NOTFOUND);
	assert_int_equal(put(f->b, acct, id, 1000, 1, 300), 0);
	assert_int_equal(put(f->b, acct, id, 1001, 1, 300), COFFER_ERR_TOOBIG);
	if (be->stray != NULL)
		assert_int_equal(be->stray(f->where), 0);
}

static void
test_remove_purge(void **state)
{
	struct fx *f = *state;
	uint8_t a[COFFER_WIRE_ID_BYTES], b[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];
	int i;

	for (i = 0; i < 5; i++) {
		ids(a, 1, id, (uint8_t)(i * 50));
		assert_int_equal(put(f->b, a, id, 100, (uint32_t)i, 64), 0);
		ids(b, 2, id, (uint8_t)(i * 50));
		assert_int_equal(put(f->b, b, id, 100, (uint32_t)i + 9, 64), 0);
	}
	ids(a, 1, id, 0);
	assert_int_equal(OPS->remove(f->b, a, id), 0);
	assert_int_equal(OPS->remove(f->b, a, id), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->exists(f->b, a, id), COFFER_ERR_NOTFOUND);
	ids(b, 2, id, 0);
	assert_int_equal(check(f->b, b, id, 0, 100, 9), 0);
	assert_int_equal(OPS->purge_account(f->b, a), 0);
	for (i = 0; i < 5; i++) {
		ids(a, 1, id, (uint8_t)(i * 50));
		assert_int_equal(OPS->exists(f->b, a, id), COFFER_ERR_NOTFOUND);
		ids(b, 2, id, (uint8_t)(i * 50));
		assert_int_equal(check(f->b, b, id, 0, 100, (uint32_t)i + 9),
		    0);
	}
	assert_int_equal(OPS->purge_account(f->b, a), 0);
	ids(a, 1, id, 0);
	assert_int_equal(put(f->b, a, id, 10, 1, 64), 0);
	assert_int_equal(OPS->remove(f->b, a, id), 0);
	if (be->stray != NULL)
		assert_int_equal(be->stray(f->where), 0);
}

/* The same id in two accounts is two blobs. */
static void
test_isolation(void **state)
{
	struct fx *f = *state;
	uint8_t a[COFFER_WIRE_ID_BYTES], b[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];
	uint64_t size;

	ids(a, 1, id, 3);
	ids(b, 2, id, 3);
	assert_int_equal(put(f->b, a, id, 300, 1, 64), 0);
	assert_int_equal(OPS->exists(f->b, b, id), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->size(f->b, b, id, &size), COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->remove(f->b, b, id), COFFER_ERR_NOTFOUND);
	assert_int_equal(put(f->b, b, id, 400, 2, 64), 0);
	assert_int_equal(check(f->b, a, id, 0, 300, 1), 0);
	assert_int_equal(check(f->b, b, id, 0, 400, 2), 0);
	assert_int_equal(OPS->remove(f->b, b, id), 0);
	assert_int_equal(check(f->b, a, id, 0, 300, 1), 0);
}

static void
test_crash_leftovers(void **state)
{
	struct fx *f = *state;
	uint8_t a[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];

	if (be->crash_leftovers == NULL)
		skip();
	ids(a, 1, id, 0xab);
	assert_int_equal(put(f->b, a, id, 100, 1, 64), 0);
	be->ops->close(&f->b);
	assert_int_equal(be->crash_leftovers(f->where, a), 0);
	assert_int_equal(be->ops->open(&f->b, f->where, &f->cfg), 0);
	if (be->stray != NULL)
		assert_int_equal(be->stray(f->where), 0);
	assert_int_equal(check(f->b, a, id, 0, 100, 1), 0);
}

#define NTHREADS	4

struct worker {
	struct store_blob	*b;
	uint8_t			 n;
	int			 bad;
};

/* Own blobs written and read back, and one blob everybody writes. */
/* The folder backend follows no symbolic link: a blob file, a fan-out
 * folder or an account folder replaced by a link (to another account's
 * blobs, or out of the store) reads as absent or fails, never as the
 * link's target. */
static void
test_fs_no_symlinks(void **state)
{
	struct fx *f = *state;
	struct store_blob_reader *rd = NULL;
	uint8_t a[COFFER_WIRE_ID_BYTES], b[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];
	char ah[33], bh[33], idh[65], p[8192], q[8192], outside[4200];
	uint64_t size;

	if (strcmp(be->name, "fs") != 0)
		skip();
	ids(a, 1, id, 7);
	ids(b, 2, id, 7);
	assert_int_equal(put(f->b, a, id, 100, 1, 100), 0);
	assert_int_equal(put(f->b, b, id, 100, 2, 100), 0);
	sodium_bin2hex(ah, sizeof(ah), a, sizeof(a));
	sodium_bin2hex(bh, sizeof(bh), b, sizeof(b));
	sodium_bin2hex(idh, sizeof(idh), id, sizeof(id));
	/* The file itself: a link to a file outside the store. */
	snprintf(outside, sizeof(outside), "%s.outside", f->where);
	assert_int_equal(srv_write_file(outside, "secret"), 0);
	snprintf(p, sizeof(p), "%s/%s/07/%s", f->where, ah, idh);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_not_equal(OPS->get_open(f->b, a, id, 0, &rd, &size), 0);
	assert_null(rd);
	/* An account folder: a link to another account's folder. */
	snprintf(p, sizeof(p), "%s/%s", f->where, ah);
	snprintf(q, sizeof(q), "%s/%s", f->where, bh);
	srv_rmtree(p);
	assert_int_equal(symlink(q, p), 0);
	assert_int_not_equal(OPS->get_open(f->b, a, id, 0, &rd, &size), 0);
	assert_null(rd);
	/* The other account still reads its own. */
	assert_int_equal(check(f->b, b, id, 0, 100, 2), 0);
	unlink(p);
	unlink(outside);
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	uint8_t acct[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];
	int i, r;

	for (i = 0; i < 20; i++) {
		ids(acct, 1, id, (uint8_t)(w->n * 20 + i));
		if (put(w->b, acct, id, 3000 + (uint64_t)i * 100, w->n, 700) !=
		    0 || check(w->b, acct, id, 0, 3000 + (uint64_t)i * 100,
		    w->n) != 0)
			w->bad++;
		ids(acct, 1, id, 0xff);
		r = put(w->b, acct, id, 50000, 77, 4096);
		if (r != 0 || check(w->b, acct, id, 0, 50000, 77) != 0)
			w->bad++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fx *f = *state;
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ f->b, (uint8_t)i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
	}
	if (be->stray != NULL)
		assert_int_equal(be->stray(f->where), 0);
}

static long
max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 96 MiB through a writer and a reader: memory stays flat. */
static void
test_memory_flat(void **state)
{
	struct fx *f = *state;
	const uint64_t size = (uint64_t)96 << 20;
	uint8_t acct[COFFER_WIRE_ID_BYTES], id[COFFER_WIRE_BLOB_ID_BYTES];
	long before;

	ids(acct, 1, id, 1);
	before = max_rss_kib();
	assert_int_equal(put(f->b, acct, id, size, 3, 65536), 0);
	assert_int_equal(check(f->b, acct, id, size - 1000, size, 3), 0);
	assert_int_equal(check(f->b, acct, id, 0, size, 3), 0);
	assert_true(max_rss_kib() - before < 16 * 1024);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		CASE(test_put_get),
		CASE(test_idempotent),
		CASE(test_abort_and_errors),
		CASE(test_remove_purge),
		CASE(test_isolation),
		CASE(test_crash_leftovers),
		CASE(test_threads),
		CASE(test_memory_flat),
		CASE(test_fs_no_symlinks),
#undef CASE
	};
	size_t i;
	int rc = 0;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		be = &backends[i];
		rc |= cmocka_run_group_tests_name(be->name, tests, NULL, NULL);
	}
	return rc;
}
