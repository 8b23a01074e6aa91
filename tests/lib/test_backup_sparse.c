/* Sparse files (docs/PROTOCOL-backup.md, "Tree", "Restore"): backup reads
 * only a file's data extents (SEEK_DATA, SEEK_HOLE) and records its holes,
 * restore writes only the extents and sets the size. Each case checks the
 * apparent size, the allocated size (st_blocks * 512 within 5 % of the
 * original's) and the bytes. The test's file system must keep holes (the
 * test skips, saying so, when it does not). lseek is wrapped (see
 * tests/CMakeLists.txt) to play a file system without SEEK_DATA and a
 * file written while it is read. */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "backup_fixture.h"
#include "tree_compare.h"

#define KIB	((off_t)1024)
#define MIB	(1024 * KIB)

/* ---- lseek, wrapped ---- */

off_t __real_lseek(int fd, off_t off, int whence);
off_t __wrap_lseek(int fd, off_t off, int whence);

static int g_no_seek_data;	/* SEEK_DATA and SEEK_HOLE fail: EINVAL */
static int g_data_seeks;	/* SEEK_DATA calls from offset 0 */
static const char *g_change;	/* write into this file's hole ... */
static int g_change_at;		/* ... at this SEEK_DATA from offset 0 */

off_t
__wrap_lseek(int fd, off_t off, int whence)
{
	int w;

	if ((whence == SEEK_DATA || whence == SEEK_HOLE) && g_no_seek_data) {
		errno = EINVAL;
		return -1;
	}
	if (whence == SEEK_DATA && off == 0 && ++g_data_seeks == g_change_at &&
	    g_change != NULL) {
		assert_true((w = open(g_change, O_WRONLY)) >= 0);
		assert_int_equal(pwrite(w, "changed", 7, 2 * MIB), 7);
		close(w);
	}
	return __real_lseek(fd, off, whence);
}

/* ---- files ---- */

struct ext {
	off_t	off, len;
};

/* Make ${name} in ${dir}: ${size} bytes, random bytes in the extents. */
static void
make_sparse(const char *dir, const char *name, off_t size,
    const struct ext *e, size_t n)
{
	char p[256];
	uint8_t *b;
	size_t i;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640)) >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	for (i = 0; i < n; i++) {
		assert_non_null(b = malloc((size_t)e[i].len));
		randombytes_buf(b, (size_t)e[i].len);
		assert_int_equal(pwrite(fd, b, (size_t)e[i].len, e[i].off),
		    e[i].len);
		free(b);
	}
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

/* Does the test's file system keep holes? */
static int
holes_kept(const char *dir)
{
	char p[256];
	struct stat st;
	int fd, ok;

	snprintf(p, sizeof(p), "%s/.holes", dir);
	assert_true((fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(ftruncate(fd, 4 * MIB), 0);
	assert_int_equal(pwrite(fd, "x", 1, 2 * MIB), 1);
	ok = fsync(fd) == 0 && fstat(fd, &st) == 0 &&
	    st.st_blocks * 512 < MIB &&
	    __real_lseek(fd, 0, SEEK_DATA) >= MIB;
	close(fd);
	unlink(p);
	return ok;
}

#define NEED_HOLES(f) do {						\
	if (!holes_kept((f)->src)) {					\
		print_message("skipped: the file system of %s keeps no "\
		    "holes (SEEK_DATA)\n", (f)->src);			\
		skip();							\
	}								\
} while (0)

/* The restored ${name} against the source's: apparent size, allocated
 * size within 5 %, bytes. */
static void
check_file(struct bfx *f, const char *name)
{
	char a[256], b[256];
	struct stat sa, sb;
	off_t da, db;

	snprintf(a, sizeof(a), "%s/%s", f->src, name);
	snprintf(b, sizeof(b), "%s/data/%s", f->dst, name);
	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(b, &sb), 0);
	assert_int_equal(sa.st_size, sb.st_size);
	da = sa.st_blocks * 512;
	db = sb.st_blocks * 512;
	if ((db > da ? db - da : da - db) > da / 20)
		fail_msg("%s: %lld bytes allocated, the original %lld", name,
		    (long long)db, (long long)da);
}

static void
same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb;

	assert_non_null(fa);
	assert_non_null(fb);
	do {
		ca = getc(fa);
		cb = getc(fb);
		assert_int_equal(ca, cb);
	} while (ca != EOF);
	fclose(fa);
	fclose(fb);
}

static void
backup_restore(struct bfx *f, struct coffer_backup_progress *pg)
{
	uint8_t id[16];
	char p[256];

	assert_int_equal(bfx_backup(f, pg, id), 0);
	tree_rm_rf(f->dst);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	tree_compare(f->src, p);
}

/* ---- tests ---- */

static const char *const g_names[] = { "one-extent", "one-hole",
    "ends-in-hole", "starts-with-data", "big" };

/* The five files (the 64 MiB one with ${big}). */
static void
make_set(struct bfx *f, int big_too)
{
	static const struct ext one[] = { { 1 * MIB + 4 * KIB, 4 * KIB } };
	static const struct ext tail[] = { { 0, 64 * KIB },
	    { 512 * KIB, 100 * KIB } };
	static const struct ext head[] = { { 0, 128 * KIB },
	    { 1 * MIB, 64 * KIB } };
	struct ext big[12];
	size_t i;

	make_sparse(f->src, g_names[0], 4 * MIB, one, 1);
	make_sparse(f->src, g_names[1], 3 * MIB, NULL, 0);
	make_sparse(f->src, g_names[2], 2 * MIB, tail, 2);
	make_sparse(f->src, g_names[3], 1 * MIB + 64 * KIB, head, 2);
	/* A dozen random extents of 4-260 KiB, one per 5 MiB slot. */
	for (i = 0; i < 12; i++) {
		big[i].off = (off_t)i * 5 * MIB +
		    (off_t)randombytes_uniform(1024) * 4 * KIB;
		big[i].len = 4 * KIB + (off_t)randombytes_uniform(64) * 4 * KIB;
	}
	if (big_too)
		make_sparse(f->src, g_names[4], 64 * MIB, big, 12);
}

static void
test_sparse_round_trip(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	size_t i;

	NEED_HOLES(f);
	make_set(f, 1);
	memset(&pg, 0, sizeof(pg));
	backup_restore(f, &pg);
	for (i = 0; i < sizeof(g_names) / sizeof(g_names[0]); i++)
		check_file(f, g_names[i]);
	/* Holes are never read: only the extents' bytes. */
	assert_true(pg.bytes_read < 4 * MIB);
}

/* An unchanged sparse file is not read again, and its holes stay. */
static void
test_sparse_unchanged(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	size_t i;

	NEED_HOLES(f);
	make_set(f, 0);
	memset(&pg, 0, sizeof(pg));
	backup_restore(f, &pg);
	assert_int_equal(pg.files_read, 4);
	memset(&pg, 0, sizeof(pg));
	backup_restore(f, &pg);
	assert_int_equal(pg.files_read, 0);
	for (i = 0; i < 4; i++)
		check_file(f, g_names[i]);
}

/* The choice for a dense file of zeros: read as data (as restic does:
 * nothing says its zeros are holes), and restored with a hole for each
 * all-zero chunk, as before holes were recorded (snapshots from then
 * hold sparse files as dense ones: this is how they come back sparse). */
static void
test_dense_zeros(void **state)
{
	struct bfx *f = *state;
	uint8_t *z;
	char p[256];
	struct stat st;

	NEED_HOLES(f);
	assert_non_null(z = calloc(1, 1 * MIB));
	bfx_write_file(f->src, "zeros", z, 1 * MIB);
	free(z);
	backup_restore(f, NULL);
	snprintf(p, sizeof(p), "%s/data/zeros", f->dst);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1 * MIB);
	assert_true(st.st_blocks * 512 < 64 * KIB);
}

/* A file system without SEEK_DATA: files are read whole, and come back
 * with a hole for each all-zero chunk. */
static void
test_no_seek_data(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;

	NEED_HOLES(f);
	make_set(f, 0);
	g_no_seek_data = 1;
	memset(&pg, 0, sizeof(pg));
	backup_restore(f, &pg);
	g_no_seek_data = 0;
	assert_true(pg.bytes_read >= 10 * MIB);
}

/* A file written while read (between reading its extents and checking
 * them again) is read again whole: the snapshot holds its new bytes. */
static void
test_changed_while_read(void **state)
{
	struct bfx *f = *state;
	char p[256];

	NEED_HOLES(f);
	make_set(f, 0);
	snprintf(p, sizeof(p), "%s/%s", f->src, g_names[0]);
	g_change = p;
	g_data_seeks = 0;
	/* the first SEEK_DATA from 0 finds the extents, the second checks
	 * them after the read */
	g_change_at = 2;
	{
		uint8_t id[16];
		char q[256];

		/* only this file has holes to look up */
		snprintf(q, sizeof(q), "%s/%s", f->src, g_names[1]);
		unlink(q);
		snprintf(q, sizeof(q), "%s/%s", f->src, g_names[2]);
		unlink(q);
		snprintf(q, sizeof(q), "%s/%s", f->src, g_names[3]);
		unlink(q);
		assert_int_equal(bfx_backup(f, NULL, id), 0);
		g_change = NULL;
		assert_true(g_data_seeks >= 2);
		assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst,
		    NULL), 0);
		/* its bytes (its mtime is the one before the change) */
		snprintf(q, sizeof(q), "%s/data/%s", f->dst, g_names[0]);
		same_bytes(p, q);
	}
}

/* A sparse file read through the snapshot view (coffer_backup_read, what
 * backup mount serves): holes read as zeros, extents as stored, in
 * pieces that cross every boundary. */
static void
test_sparse_view(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_view *v = NULL;
	uint8_t id[16], *want, *got;
	char p[256], path[64];
	struct stat st;
	size_t i, n, step = 100003;
	uint64_t off;
	FILE *fp;

	NEED_HOLES(f);
	make_set(f, 0);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(coffer_backup_view_open(&v, f->r, 0), 0);
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->src, g_names[i]);
		snprintf(path, sizeof(path), "data/%s", g_names[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_non_null(want = malloc((size_t)st.st_size));
		assert_non_null(got = malloc((size_t)st.st_size + step));
		assert_non_null(fp = fopen(p, "rb"));
		assert_int_equal(fread(want, 1, (size_t)st.st_size, fp),
		    (size_t)st.st_size);
		fclose(fp);
		memset(got, 0xa5, (size_t)st.st_size + step);
		for (off = 0; off < (uint64_t)st.st_size; off += n) {
			assert_int_equal(coffer_backup_read(v, id, path, off,
			    got + off, step, &n), 0);
			assert_true(n > 0);
		}
		assert_int_equal(off, (uint64_t)st.st_size);
		assert_memory_equal(got, want, (size_t)st.st_size);
		free(want);
		free(got);
	}
	coffer_backup_view_close(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sparse_round_trip,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_sparse_unchanged,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_dense_zeros,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_no_seek_data,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_changed_while_read,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_sparse_view,
		    bfx_setup, bfx_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
