/* The commands over snapshots (include/coffer/backup.h): diff of two
 * snapshots with one change of every kind (each reported, sizes and
 * counts right, equal subtrees not fetched), find across three snapshots
 * (shared trees fetched once), stats with a known dedup ratio, and the
 * view: stat, readdir and reads at offsets across chunk boundaries, past
 * the end, through a hard link, and of a chunk altered in the store. */
#define _GNU_SOURCE
#include <sys/stat.h>

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

static uint8_t *
rnd(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	randombytes_buf(p, n);
	return p;
}

static void
put_random(const char *dir, const char *name, size_t n)
{
	uint8_t *p = rnd(n);

	bfx_write_file(dir, name, p, n);
	free(p);
}

static void
sub(char *out, size_t size, const char *dir, const char *name)
{
	assert_true(snprintf(out, size, "%s/%s", dir, name) < (int)size);
}

/* diff */

#define CHANGES_MAX	32

struct seen {
	char		 path[CHANGES_MAX][128];
	int		 what[CHANGES_MAX];
	uint64_t	 old_size[CHANGES_MAX], new_size[CHANGES_MAX];
	int		 n;
};

static int
on_change(void *arg, const struct coffer_backup_change *c)
{
	struct seen *s = arg;

	assert_true(s->n < CHANGES_MAX);
	snprintf(s->path[s->n], sizeof(s->path[0]), "%s", c->path);
	s->what[s->n] = c->what;
	s->old_size[s->n] = c->old_size;
	s->new_size[s->n] = c->new_size;
	s->n++;
	return 0;
}

static int
seen_find(const struct seen *s, const char *path, int what)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->path[i], path) == 0 && s->what[i] == what)
			return i;
	fail_msg("no change %c %s", what, path);
	return -1;
}

static void
test_diff(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_diff_stats st;
	uint8_t a[16], b[16];
	struct seen s;
	char p[256];
	int i, gets;

	/* A folder of folders that stays the same. */
	sub(p, sizeof(p), f->src, "same");
	assert_int_equal(mkdir(p, 0755), 0);
	for (i = 0; i < 5; i++) {
		char d[300];

		snprintf(d, sizeof(d), "%s/sub%d", p, i);
		assert_int_equal(mkdir(d, 0755), 0);
		put_random(d, "f", 3000);
	}
	put_random(f->src, "mod.txt", 10000);
	put_random(f->src, "gone.txt", 5000);
	put_random(f->src, "meta.txt", 2000);
	put_random(f->src, "kind", 4000);
	assert_int_equal(bfx_backup(f, NULL, a), 0);

	put_random(f->src, "mod.txt", 20000);
	sub(p, sizeof(p), f->src, "gone.txt");
	assert_int_equal(unlink(p), 0);
	put_random(f->src, "new.txt", 7000);
	sub(p, sizeof(p), f->src, "meta.txt");
	assert_int_equal(chmod(p, 0600), 0);
	sub(p, sizeof(p), f->src, "kind");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	put_random(p, "inner.txt", 3000);
	sub(p, sizeof(p), f->src, "newdir");
	assert_int_equal(mkdir(p, 0755), 0);
	put_random(p, "x.txt", 1000);
	assert_int_equal(bfx_backup(f, NULL, b), 0);

	memset(&s, 0, sizeof(s));
	gets = f->ts.gets;
	assert_int_equal(coffer_backup_diff(f->r, a, b, on_change, &s, &st),
	    0);
	/* Two roots, two "data" folders, the new "kind" and "newdir":
	 * "same" and its five folders are equal on both sides, unread. */
	assert_int_equal(st.trees_loaded, 6);
	assert_int_equal(f->ts.gets - gets, 6);

	i = seen_find(&s, "data/mod.txt", COFFER_DIFF_CONTENT);
	assert_int_equal(s.old_size[i], 10000);
	assert_int_equal(s.new_size[i], 20000);
	i = seen_find(&s, "data/gone.txt", COFFER_DIFF_REMOVED);
	assert_int_equal(s.old_size[i], 5000);
	i = seen_find(&s, "data/new.txt", COFFER_DIFF_ADDED);
	assert_int_equal(s.new_size[i], 7000);
	seen_find(&s, "data/meta.txt", COFFER_DIFF_META);
	i = seen_find(&s, "data/kind", COFFER_DIFF_TYPE);
	assert_int_equal(s.old_size[i], 4000);
	seen_find(&s, "data/kind/inner.txt", COFFER_DIFF_ADDED);
	seen_find(&s, "data/newdir", COFFER_DIFF_ADDED);
	seen_find(&s, "data/newdir/x.txt", COFFER_DIFF_ADDED);
	seen_find(&s, "data", COFFER_DIFF_META);	/* its mtime */
	assert_int_equal(s.n, 9);
	for (i = 0; i < s.n; i++)
		assert_null(strstr(s.path[i], "same"));

	assert_int_equal(st.files_added, 3);
	assert_int_equal(st.files_removed, 1);
	assert_int_equal(st.files_changed, 2);
	assert_int_equal(st.dirs_added, 1);
	assert_int_equal(st.dirs_removed, 0);
	assert_int_equal(st.dirs_changed, 2);	/* data (U), kind (T) */
	/* Random contents: every chunk is its file's own. */
	assert_int_equal(st.bytes_added, 20000 + 7000 + 3000 + 1000);
	assert_int_equal(st.bytes_removed, 10000 + 5000 + 4000);

	/* The other way round, and a snapshot with itself. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(coffer_backup_diff(f->r, b, a, on_change, &s, &st),
	    0);
	seen_find(&s, "data/new.txt", COFFER_DIFF_REMOVED);
	seen_find(&s, "data/gone.txt", COFFER_DIFF_ADDED);
	assert_int_equal(st.bytes_added, 10000 + 5000 + 4000);
	memset(&s, 0, sizeof(s));
	assert_int_equal(coffer_backup_diff(f->r, a, a, on_change, &s, &st),
	    0);
	assert_int_equal(s.n, 0);
	assert_int_equal(st.trees_loaded, 0);
}

/* find */

struct found {
	int		 n;
	int		 per[3];
	uint8_t		 ids[3][16];
	uint64_t	 size;
};

static int
on_found(void *arg, const struct coffer_backup_snapshot *s,
    const struct coffer_backup_entry *e)
{
	struct found *fd = arg;
	int i;

	for (i = 0; i < 3; i++)
		if (memcmp(fd->ids[i], s->id, 16) == 0)
			fd->per[i]++;
	fd->n++;
	fd->size = e->size;
	return 0;
}

static void
test_find(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_find_options o;
	struct coffer_backup_stats total;
	const char *pat[2];
	struct found fd;
	char p[256];
	int i, gets;

	for (i = 0; i < 4; i++) {
		char d[300];

		snprintf(d, sizeof(d), "%s/dir%d", f->src, i);
		assert_int_equal(mkdir(d, 0755), 0);
		put_random(d, "Photo.JPG", 1000 + (size_t)i);
		put_random(d, "notes.txt", 500);
	}
	memset(&fd, 0, sizeof(fd));
	assert_int_equal(bfx_backup(f, NULL, fd.ids[0]), 0);
	sub(p, sizeof(p), f->src, "dir0");
	put_random(p, "late.jpg", 777);
	assert_int_equal(bfx_backup(f, NULL, fd.ids[1]), 0);
	sub(p, sizeof(p), f->src, "dir1/notes.txt");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(bfx_backup(f, NULL, fd.ids[2]), 0);

	/* Every tree of the three snapshots fetched once. */
	bfx_open(f);
	assert_int_equal(coffer_backup_stats(f->r, NULL, 0, NULL, NULL,
	    &total), 0);
	bfx_open(f);
	memset(&o, 0, sizeof(o));
	pat[0] = "*.jpg";
	o.patterns = pat;
	o.npatterns = 1;
	gets = f->ts.gets;
	assert_int_equal(coffer_backup_find(f->r, NULL, 0, &o, on_found, &fd),
	    0);
	assert_int_equal(f->ts.gets - gets, (int)total.trees);
	assert_int_equal(fd.n, 2);	/* late.jpg, in the last two */
	assert_int_equal(fd.per[0], 0);
	assert_int_equal(fd.size, 777);

	memset(fd.per, 0, sizeof(fd.per));
	fd.n = 0;
	o.ignore_case = 1;
	assert_int_equal(coffer_backup_find(f->r, NULL, 0, &o, on_found, &fd),
	    0);
	assert_int_equal(fd.per[0], 4);
	assert_int_equal(fd.per[1], 5);
	assert_int_equal(fd.per[2], 5);

	/* Two patterns, one a path; only the snapshots named. */
	memset(fd.per, 0, sizeof(fd.per));
	fd.n = 0;
	pat[0] = "notes.txt";
	pat[1] = "/data/dir3/*.JPG";
	o.npatterns = 2;
	o.ignore_case = 0;
	assert_int_equal(coffer_backup_find(f->r,
	    (const uint8_t (*)[16])fd.ids + 1, 2, &o, on_found, &fd), 0);
	assert_int_equal(fd.per[0], 0);
	assert_int_equal(fd.per[1], 5);
	assert_int_equal(fd.per[2], 4);

	/* Filters on host and on time. */
	fd.n = 0;
	o.host = "otherhost";
	assert_int_equal(coffer_backup_find(f->r, NULL, 0, &o, on_found, &fd),
	    0);
	assert_int_equal(fd.n, 0);
	o.host = "testhost";
	o.npatterns = 0;
	o.older_ns = 1;		/* nothing is older than 1970 */
	assert_int_equal(coffer_backup_find(f->r, NULL, 0, &o, on_found, &fd),
	    0);
	assert_int_equal(fd.n, 0);
}

/* stats */

struct per {
	int				 n;
	struct coffer_backup_stats	 st[2];
};

static int
on_stats(void *arg, const struct coffer_backup_snapshot *s,
    const struct coffer_backup_stats *st)
{
	struct per *p = arg;

	(void)s;
	assert_true(p->n < 2);
	p->st[p->n++] = *st;
	return 0;
}

static void
test_stats(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_stats total, one;
	uint8_t a[16], b[16], ids[2][16];
	struct per per;

	put_random(f->src, "big", 300000);
	put_random(f->src, "small", 1234);
	assert_int_equal(bfx_backup(f, NULL, a), 0);
	/* The same data again: a second snapshot of the same chunks. */
	assert_int_equal(bfx_backup(f, NULL, b), 0);

	memcpy(ids[0], a, 16);
	memcpy(ids[1], b, 16);
	memset(&per, 0, sizeof(per));
	assert_int_equal(coffer_backup_stats(f->r,
	    (const uint8_t (*)[16])ids, 2, on_stats, &per, &total), 0);
	assert_int_equal(per.n, 2);
	one = per.st[0];
	assert_int_equal(one.snapshots, 1);
	assert_int_equal(one.files, 2);
	assert_int_equal(one.dirs, 1);
	assert_int_equal(one.bytes, 301234);
	assert_int_equal(one.raw_bytes, 301234);
	assert_true(one.chunks >= 5);		/* 300 KB in <= 64 KiB */
	assert_true(one.stored_bytes > 301234);	/* random: no gain */
	assert_int_equal(total.snapshots, 2);
	assert_int_equal(total.bytes, 2 * 301234);
	/* Shared chunks once: stored and raw as one snapshot's. */
	assert_int_equal(total.raw_bytes, one.raw_bytes);
	assert_int_equal(total.stored_bytes, one.stored_bytes);
	assert_int_equal(total.chunks, one.chunks);
	assert_int_equal(total.bytes / total.raw_bytes, 2);	/* dedup 2 */
	assert_int_equal(total.bytes % total.raw_bytes, 0);
	assert_int_equal(total.repo_bytes, 0);

	assert_int_equal(coffer_backup_stats(f->r, NULL, 0, NULL, NULL,
	    &total), 0);
	assert_int_equal(total.snapshots, 2);
	assert_true(total.repo_packs >= 1);
	assert_true(total.repo_bytes >= total.stored_bytes);
}

/* view */

struct names {
	char	 v[8][32];
	int	 type[8];
	int	 n;
};

static int
on_name(void *arg, const struct coffer_backup_entry *e)
{
	struct names *nm = arg;

	assert_true(nm->n < 8);
	snprintf(nm->v[nm->n], sizeof(nm->v[0]), "%s", e->path);
	nm->type[nm->n++] = e->type;
	return 0;
}

static void
read_cmp(struct coffer_backup_view *v, const uint8_t id[16],
    const char *path, const uint8_t *src, size_t size, uint64_t off,
    size_t len)
{
	uint8_t *buf = malloc(len + 1);
	size_t got = 12345, want;

	assert_non_null(buf);
	want = off >= size ? 0 : (size - off < len ? size - off : len);
	assert_int_equal(coffer_backup_read(v, id, path, off, buf, len, &got),
	    0);
	assert_int_equal(got, want);
	if (want > 0)
		assert_memory_equal(buf, src + off, want);
	free(buf);
}

static void
test_view(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_view *v = NULL;
	struct coffer_backup_entry e;
	const size_t size = 400000;
	uint8_t id[16], *src = rnd(size), buf[64];
	struct names nm;
	char p[256], q[256];
	size_t got, i;

	bfx_write_file(f->src, "file", src, size);
	sub(p, sizeof(p), f->src, "file");
	sub(q, sizeof(q), f->src, "link");
	assert_int_equal(link(p, q), 0);
	sub(q, sizeof(q), f->src, "sym");
	assert_int_equal(symlink("file", q), 0);
	sub(q, sizeof(q), f->src, "dir");
	assert_int_equal(mkdir(q, 0750), 0);
	put_random(q, "other", 200000);
	assert_int_equal(bfx_backup(f, NULL, id), 0);

	assert_int_equal(coffer_backup_view_open(&v, f->r, 0), 0);
	assert_int_equal(coffer_backup_stat(v, id, "", &e), 0);
	assert_int_equal(e.type, COFFER_BACKUP_DIR);
	assert_int_equal(coffer_backup_stat(v, id, "data/file", &e), 0);
	assert_int_equal(e.type, COFFER_BACKUP_FILE);
	assert_int_equal(e.size, size);
	assert_int_equal(e.mode, 0640);
	assert_int_equal(coffer_backup_stat(v, id, "/data//sym", &e), 0);
	assert_int_equal(e.type, COFFER_BACKUP_SYMLINK);
	assert_string_equal(e.target, "file");
	assert_int_equal(coffer_backup_stat(v, id, "data/dir", &e), 0);
	assert_int_equal(e.mode, 0750);
	assert_int_equal(coffer_backup_stat(v, id, "data/nope", &e),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_backup_stat(v, id, "data/file/x", &e),
	    COFFER_ERR_NOTFOUND);

	memset(&nm, 0, sizeof(nm));
	assert_int_equal(coffer_backup_readdir(v, id, "data", on_name, &nm),
	    0);
	assert_int_equal(nm.n, 4);
	assert_string_equal(nm.v[0], "dir");
	assert_string_equal(nm.v[1], "file");
	assert_string_equal(nm.v[2], "link");
	assert_int_equal(nm.type[2], COFFER_BACKUP_HARDLINK);
	assert_string_equal(nm.v[3], "sym");
	assert_int_equal(coffer_backup_readdir(v, id, "data/file", on_name,
	    &nm), COFFER_ERR_STATE);

	/* Whole, in 4 KiB steps (crossing every chunk boundary), across
	 * many boundaries at once, backwards, at and past the end. */
	read_cmp(v, id, "data/file", src, size, 0, size);
	for (i = 0; i < size; i += 4096)
		read_cmp(v, id, "data/file", src, size, i, 4096);
	read_cmp(v, id, "data/file", src, size, 70000, 250000);
	for (i = 10; i > 0; i--)
		read_cmp(v, id, "data/file", src, size, i * 37000 + 11, 9000);
	read_cmp(v, id, "data/file", src, size, size - 5, 100);
	read_cmp(v, id, "data/file", src, size, size, 100);
	read_cmp(v, id, "data/file", src, size, size + 1000000, 100);
	read_cmp(v, id, "data/link", src, size, 123456, 5000);
	assert_int_equal(coffer_backup_read(v, id, "data/dir", 0, buf,
	    sizeof(buf), &got), COFFER_ERR_STATE);

	/* A chunk altered in the store: an error, and not a byte of it. */
	f->ts.corrupt = 1;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(coffer_backup_read(v, id, "data/dir/other", 100000,
	    buf, sizeof(buf), &got), COFFER_ERR_CORRUPT);
	assert_int_equal(got, 0);
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	f->ts.corrupt = 0;
	read_cmp(v, id, "data/file", src, size, 0, 10);	/* cached */
	coffer_backup_view_close(&v);
	coffer_backup_view_close(&v);
	free(src);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_diff, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test_setup_teardown(test_find, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test_setup_teardown(test_stats, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test_setup_teardown(test_view, bfx_setup,
		    bfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
