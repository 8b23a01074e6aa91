/* The backup engine end to end over a folder store (include/coffer/
 * backup.h): round trip of every file kind, dedup, incremental, resume
 * after a failed store, and a store that lies (corrupt, missing, swapped
 * bytes), each with its precise error. Small CDC and pack sizes keep it
 * fast. */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include <coffer/backup_store.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "backup/format.h"
#include "backup/repo.h"
#include "backup/restore.h"

static const struct coffer_cdc_params small_cdc = { 4096, 16384, 65536 };

/* A store over a folder that counts and misbehaves on request. */
struct tstore {
	struct coffer_bstore	 in;
	struct coffer_bstore	 out;
	int			 puts;		/* blobs put */
	int			 fail_after;	/* puts before failing; -1 */
	int			 corrupt;	/* flip a byte of each get */
	int			 swap;		/* get returns another blob */
	uint8_t			 other[32];
};

static int
ts_put(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct tstore *t = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		if (t->fail_after >= 0 && t->puts + (int)i >= t->fail_after) {
			for (; i < n; i++)
				x[i].result = COFFER_ERR_NETWORK;
			return COFFER_ERR_NETWORK;
		}
	t->puts += (int)n;
	return t->in.ops->put_many(t->in.ctx, x, n);
}

static int
ts_get(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct tstore *t = ctx;
	size_t i;
	int r;

	if (t->swap)
		for (i = 0; i < n; i++)
			memcpy(x[i].id, t->other, 32);
	if ((r = t->in.ops->get_many(t->in.ctx, x, n)) != 0)
		return r;
	if (t->corrupt)
		for (i = 0; i < n; i++)
			if (coffer_buf_len(x[i].out) > 0)
				coffer_buf_mutable(x[i].out)[
				    coffer_buf_len(x[i].out) / 2] ^= 1;
	return 0;
}

static int
ts_exists(void *ctx, const uint8_t (*ids)[32], size_t n, uint64_t *s)
{
	struct tstore *t = ctx;

	return t->in.ops->exists(t->in.ctx, ids, n, s);
}

static int
ts_del(void *ctx, const uint8_t id[32])
{
	struct tstore *t = ctx;

	return t->in.ops->del(t->in.ctx, id);
}

static int
ts_ref_put(void *ctx, const uint8_t name[16], const uint8_t *d, size_t l)
{
	struct tstore *t = ctx;

	return t->in.ops->ref_put(t->in.ctx, name, d, l);
}

static int
ts_ref_list(void *ctx, coffer_bstore_ref_fn fn, void *arg)
{
	struct tstore *t = ctx;

	return t->in.ops->ref_list(t->in.ctx, fn, arg);
}

static int
ts_ref_del(void *ctx, const uint8_t name[16])
{
	struct tstore *t = ctx;

	return t->in.ops->ref_del(t->in.ctx, name);
}

static const char *
ts_message(void *ctx)
{
	struct tstore *t = ctx;

	return t->in.ops->message(t->in.ctx);
}

static const struct coffer_bstore_ops ts_ops = {
	ts_put, ts_get, ts_exists, ts_del, ts_ref_put, ts_ref_list,
	ts_ref_del, ts_message,
};

struct fx {
	char			 base[64];
	char			 src[96], repo[96], cache[96], dst[96];
	struct tstore		 ts;
	struct coffer_key	*key;
	struct coffer_backup_repo *r;
};

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void
rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void
fx_open(struct fx *f)
{
	f->ts.out.ops = &ts_ops;
	f->ts.out.ctx = &f->ts;
	assert_int_equal(coffer_backup_open(&f->r, &f->ts.out, f->key,
	    f->cache), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->base, "/tmp/coffer-bk-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->src, sizeof(f->src), "%s/data", f->base);
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->base);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->base);
	snprintf(f->dst, sizeof(f->dst), "%s/out", f->base);
	assert_int_equal(mkdir(f->src, 0755), 0);
	assert_int_equal(coffer_bstore_dir_open(&f->ts.in, f->repo), 0);
	f->ts.fail_after = -1;
	assert_int_equal(coffer_key_generate(&f->key, COFFER_KEY_SYMMETRIC,
	    1), 0);
	fx_open(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	coffer_backup_close(&f->r);
	coffer_bstore_dir_close(&f->ts.in);
	coffer_key_free(&f->key);
	if (geteuid() == 0)
		(void)umount2(f->dst, MNT_DETACH);	/* a failed disk-full test */
	rm_rf(f->base);
	free(f);
	return 0;
}

static int
backup(struct fx *f, struct coffer_backup_progress *pg, uint8_t id[16])
{
	struct coffer_backup_options o;
	const char *paths[1];

	memset(&o, 0, sizeof(o));
	o.cdc = &small_cdc;
	o.pack_size = 256 * 1024;
	o.progress = pg;
	o.host = "testhost";
	paths[0] = f->src;
	return coffer_backup_create(f->r, paths, 1, &o, id);
}

/* Compare two trees entry by entry: kinds, bytes, modes, mtimes, link
 * targets, xattrs. */
static void
same_tree(const char *a, const char *b)
{
	struct dirent **na = NULL, **nb = NULL;
	char pa[1024], pb[1024], la[512], lb[512];
	struct stat sa, sb;
	int n, m, i;

	assert_int_equal(lstat(a, &sa), 0);
	assert_int_equal(lstat(b, &sb), 0);
	assert_int_equal(sa.st_mode, sb.st_mode);
	if (!S_ISDIR(sa.st_mode))
		assert_int_equal(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec);
	if (S_ISREG(sa.st_mode)) {
		FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
		int ca, cb;

		assert_non_null(fa);
		assert_non_null(fb);
		assert_int_equal(sa.st_size, sb.st_size);
		do {
			ca = fgetc(fa);
			cb = fgetc(fb);
			assert_int_equal(ca, cb);
		} while (ca != EOF);
		fclose(fa);
		fclose(fb);
		assert_int_equal(lgetxattr(a, "user.coffer", la, sizeof(la)),
		    lgetxattr(b, "user.coffer", lb, sizeof(lb)));
	}
	if (S_ISLNK(sa.st_mode)) {
		ssize_t x = readlink(a, la, sizeof(la)), y = readlink(b, lb,
		    sizeof(lb));

		assert_int_equal(x, y);
		assert_memory_equal(la, lb, (size_t)x);
	}
	if (!S_ISDIR(sa.st_mode))
		return;
	assert_int_equal(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec);
	n = scandir(a, &na, NULL, alphasort);
	m = scandir(b, &nb, NULL, alphasort);
	assert_int_equal(n, m);
	for (i = 0; i < n; i++) {
		assert_string_equal(na[i]->d_name, nb[i]->d_name);
		if (strcmp(na[i]->d_name, ".") != 0 &&
		    strcmp(na[i]->d_name, "..") != 0) {
			snprintf(pa, sizeof(pa), "%s/%s", a, na[i]->d_name);
			snprintf(pb, sizeof(pb), "%s/%s", b, nb[i]->d_name);
			same_tree(pa, pb);
		}
		free(na[i]);
		free(nb[i]);
	}
	free(na);
	free(nb);
}

/* No temporary file (".NAME.coffer-RANDOM") left in folder d. */
static void
no_tmp(const char *d)
{
	struct dirent *de;
	DIR *dp = opendir(d);

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] == '.' && strstr(de->d_name, TMP_TAG) !=
		    NULL)
			fail_msg("a temporary file is left: %s/%s", d,
			    de->d_name);
	closedir(dp);
}

/* Folder d holds nothing but "." and "..". */
static void
empty_dir(const char *d)
{
	struct dirent **nl = NULL;
	int n = scandir(d, &nl, NULL, NULL), i;

	for (i = 0; i < n; i++)
		free(nl[i]);
	free(nl);
	assert_int_equal(n, 2);
}

static void
make_tree(struct fx *f)
{
	static const uint8_t nonutf8[] = "bad\xff\xfe name";
	char p[512], q[512];
	uint8_t *big;
	size_t i;
	int fd;

	big = malloc(3 << 20);
	assert_non_null(big);
	randombytes_buf(big, 1 << 20);
	for (i = 1 << 20; i < (size_t)3 << 20; i++)	/* compressible */
		big[i] = (uint8_t)("coffer backup "[i % 14]);
	write_file(f->src, "big", big, 3 << 20);
	write_file(f->src, "empty", NULL, 0);
	write_file(f->src, "small", (const uint8_t *)"hello", 5);
	write_file(f->src, "line\nbreak and \xc3\xa9t\xc3\xa9",
	    (const uint8_t *)"x", 1);
	write_file(f->src, (const char *)nonutf8, big, 1000);
	snprintf(p, sizeof(p), "%s/sub", f->src);
	assert_int_equal(mkdir(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/sub/deeper", f->src);
	assert_int_equal(mkdir(p, 0700), 0);
	write_file(p, "file", big + 100, 70000);
	/* sparse: 1 MiB hole then data */
	snprintf(p, sizeof(p), "%s/sparse", f->src);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "end", 3, 1 << 20), 3);
	close(fd);
	snprintf(p, sizeof(p), "%s/link", f->src);
	assert_int_equal(symlink("sub/deeper/file", p), 0);
	snprintf(p, sizeof(p), "%s/small", f->src);
	snprintf(q, sizeof(q), "%s/sub/hard", f->src);
	assert_int_equal(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/fifo", f->src);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/small", f->src);
	(void)setxattr(p, "user.coffer", "value", 5, 0);	/* may be ENOTSUP */
	free(big);
}

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_progress pg;
	uint8_t id[16], got[16];
	char p[256], q[256], hex[33];
	struct stat a, b;

	make_tree(f);
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(backup(f, &pg, id), 0);
	assert_true(pg.files >= 9);
	assert_int_equal(coffer_backup_resolve(f->r, "latest", got), 0);
	assert_memory_equal(id, got, 16);
	sodium_bin2hex(hex, sizeof(hex), id, 16);
	hex[8] = '\0';
	assert_int_equal(coffer_backup_resolve(f->r, hex, got), 0);
	assert_memory_equal(id, got, 16);
	assert_int_equal(coffer_backup_resolve(f->r, "0123", got),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	same_tree(f->src, p);
	/* hard links share an inode; the sparse file has a hole */
	snprintf(p, sizeof(p), "%s/data/small", f->dst);
	snprintf(q, sizeof(q), "%s/data/sub/hard", f->dst);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(stat(q, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	snprintf(p, sizeof(p), "%s/data/sparse", f->dst);
	assert_int_equal(stat(p, &a), 0);
	assert_true(a.st_blocks * 512 < 512 * 1024);
}

static void
test_dedup_and_incremental(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_progress pg;
	struct bk_snapshot s;
	uint8_t id[16], first[16], buf[5000];
	int puts;

	make_tree(f);
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(backup(f, &pg, id), 0);
	assert_true(pg.files_read >= 6);
	puts = f->ts.puts;
	memcpy(first, id, 16);
	/* No change: nothing read, nothing stored; the first is the new
	 * one's parent. */
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(backup(f, &pg, id), 0);
	assert_int_equal(pg.files_read, 0);
	assert_int_equal(f->ts.puts, puts);
	assert_int_equal(repo_snapshot(f->r, first, &s), 0);
	assert_false(s.has_parent);
	bk_snapshot_clear(&s);
	assert_int_equal(repo_snapshot(f->r, id, &s), 0);
	assert_true(s.has_parent);
	assert_memory_equal(s.parent, first, 16);
	bk_snapshot_clear(&s);
	/* One file changed: only it is read. */
	randombytes_buf(buf, sizeof(buf));
	write_file(f->src, "small", buf, sizeof(buf));
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(backup(f, &pg, id), 0);
	assert_int_equal(pg.files_read, 1);
	/* A new cache folder: everything read again, nothing new stored
	 * but a pack of trees. */
	coffer_backup_close(&f->r);
	strcat(f->cache, "2");
	fx_open(f);
	puts = f->ts.puts;
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(backup(f, &pg, id), 0);
	assert_true(pg.files_read >= 6);
	assert_int_equal(pg.bytes_new, 0);
	assert_int_equal(f->ts.puts, puts);
}

static void
test_resume(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_progress pg;
	uint8_t id[16];
	int before;

	make_tree(f);
	f->ts.fail_after = 3;
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(backup(f, &pg, id), COFFER_ERR_NETWORK);
	assert_true(f->ts.puts >= 1);
	before = f->ts.puts;
	coffer_backup_close(&f->r);
	f->ts.fail_after = -1;
	fx_open(f);
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(backup(f, &pg, id), 0);
	/* The packs stored before the failure were not stored again:
	 * their chunks are not new. */
	assert_true(pg.bytes_new < 3u << 20);
	assert_true(f->ts.puts > before);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
}

/* Remove every pack blob but keep the index: a precise NOTFOUND. */
static char *found_blob;

static int
first_blob(const char *p, const struct stat *st, int flag, struct FTW *fw)
{
	(void)st; (void)fw;
	if (flag == FTW_F && strstr(p, "/blobs/") != NULL &&
	    st->st_size > 200000 && found_blob == NULL)
		found_blob = strdup(p);
	return 0;
}

static void
test_lying_store(void **state)
{
	struct fx *f = *state;
	uint8_t id[16];
	char p[512], out[256];

	make_tree(f);
	assert_int_equal(backup(f, NULL, id), 0);
	assert_int_equal(mkdir(f->dst, 0700), 0);
	/* corrupt bytes */
	f->ts.corrupt = 1;
	snprintf(out, sizeof(out), "%s/a", f->dst);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL),
	    COFFER_ERR_CORRUPT);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "pack"));
	f->ts.corrupt = 0;
	/* another blob's bytes */
	f->ts.swap = 1;
	memset(f->ts.other, 0xab, 32);
	snprintf(out, sizeof(out), "%s/b", f->dst);
	assert_int_not_equal(coffer_backup_restore(f->r, id, NULL, out, NULL),
	    0);
	f->ts.swap = 0;
	/* A good restore, then a failing one into the same place leaves
	 * the restored files intact. */
	snprintf(out, sizeof(out), "%s/c", f->dst);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL), 0);
	f->ts.corrupt = 1;
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL),
	    COFFER_ERR_CORRUPT);
	f->ts.corrupt = 0;
	snprintf(p, sizeof(p), "%s/data", out);
	same_tree(f->src, p);
	snprintf(p, sizeof(p), "%s/data", out);
	no_tmp(p);
	/* Restoring over the files replaces them whole. */
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL), 0);
	snprintf(p, sizeof(p), "%s/data", out);
	same_tree(f->src, p);
	snprintf(p, sizeof(p), "%s/data", out);
	no_tmp(p);
	/* a missing pack */
	nftw(f->repo, first_blob, 16, FTW_PHYS);
	{
		char *victim = found_blob;

		found_blob = NULL;
		assert_non_null(victim);
		assert_int_equal(unlink(victim), 0);
		free(victim);
	}
	snprintf(out, sizeof(out), "%s/d", f->dst);
	{
		int rc = coffer_backup_restore(f->r, id, NULL, out, NULL);

		assert_true(rc == COFFER_ERR_NOTFOUND);
		assert_non_null(strstr(coffer_backup_error_detail(f->r),
		    "missing"));
	}
}

/* Different keys cut the same file differently; packs are Padmé. */
static int
check_padme(const char *p, const struct stat *st, int flag, struct FTW *fw)
{
	(void)fw;
	if (flag == FTW_F && strstr(p, "/blobs/") != NULL &&
	    bk_padme((uint64_t)st->st_size) != (uint64_t)st->st_size)
		return 1;
	return 0;
}

/* The cut offsets of one chunker over a buffer. */
struct cuts {
	size_t	end[1024];
	size_t	n;
};

static int
collect_cuts(void *ctx, size_t off, size_t len)
{
	struct cuts *c = ctx;

	if (c->n == sizeof(c->end) / sizeof(c->end[0]))
		return COFFER_ERR_TOOBIG;
	c->end[c->n++] = off + len;
	return 0;
}

static void
cut_with(const struct coffer_key *zone, const uint8_t *d, size_t len,
    struct cuts *c)
{
	struct bkeys *k = NULL;
	struct coffer_cdc *cdc = NULL;

	memset(c, 0, sizeof(*c));
	assert_int_equal(bkeys_new(&k, zone), 0);
	assert_int_equal(coffer_cdc_new(&cdc, k->cdc, &small_cdc), 0);
	assert_int_equal(coffer_cdc_split(cdc, d, len, collect_cuts, c), 0);
	coffer_cdc_free(&cdc);
	bkeys_free(&k);
}

static void
test_fingerprint_defence(void **state)
{
	struct fx *f = *state;
	struct coffer_key *k2 = NULL;
	struct cuts *c1, *c2, *c3;
	uint8_t *d, id[16];
	size_t len = 1 << 20, i, j, same = 0;

	make_tree(f);
	assert_int_equal(backup(f, NULL, id), 0);
	assert_int_equal(nftw(f->repo, check_padme, 16, FTW_PHYS), 0);
	assert_int_equal(coffer_key_generate(&k2, COFFER_KEY_SYMMETRIC, 1), 0);
	d = malloc(len);
	c1 = malloc(sizeof(*c1));
	c2 = malloc(sizeof(*c2));
	c3 = malloc(sizeof(*c3));
	assert_true(d != NULL && c1 != NULL && c2 != NULL && c3 != NULL);
	randombytes_buf(d, len);
	cut_with(f->key, d, len, c1);
	cut_with(k2, d, len, c2);
	cut_with(f->key, d, len, c3);
	/* The same key cuts the same way; another key gives another whole
	 * sequence of sizes, sharing few cut points by chance. */
	assert_true(c1->n > 8 && c2->n > 8);
	assert_int_equal(c1->n, c3->n);
	assert_memory_equal(c1->end, c3->end, c1->n * sizeof(c1->end[0]));
	assert_false(c1->n == c2->n && memcmp(c1->end, c2->end,
	    c1->n * sizeof(c1->end[0])) == 0);
	for (i = 0, j = 0; i < c1->n - 1 && j < c2->n - 1;) {
		if (c1->end[i] == c2->end[j]) {
			same++;
			i++;
			j++;
		} else if (c1->end[i] < c2->end[j])
			i++;
		else
			j++;
	}
	assert_true(same * 4 < c1->n);
	free(d);
	free(c1);
	free(c2);
	free(c3);
	coffer_key_free(&k2);
}

static int
ls_count(void *arg, const struct coffer_backup_entry *e)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

static void
test_ls_and_subpath(void **state)
{
	struct fx *f = *state;
	uint8_t id[16];
	char p[256];
	int n = 0;

	make_tree(f);
	{
		char q[256];

		snprintf(p, sizeof(p), "%s/sub/deeper/file", f->src);
		snprintf(q, sizeof(q), "%s/sub/twin", f->src);
		assert_int_equal(link(p, q), 0);
	}
	assert_int_equal(backup(f, NULL, id), 0);
	assert_int_equal(coffer_backup_ls(f->r, id, NULL, ls_count, &n), 0);
	assert_true(n >= 12);
	n = 0;
	assert_int_equal(coffer_backup_ls(f->r, id, "data/sub", ls_count, &n),
	    0);
	assert_int_equal(n, 5);	/* sub, deeper, deeper/file, hard, twin */
	assert_int_equal(coffer_backup_ls(f->r, id, "data/nope", ls_count,
	    &n), COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_backup_restore(f->r, id, "data/sub/deeper",
	    f->dst, NULL), 0);
	snprintf(p, sizeof(p), "%s/deeper", f->dst);
	{
		char q[256];

		snprintf(q, sizeof(q), "%s/sub/deeper", f->src);
		same_tree(q, p);
	}
	/* A sub-path with a leading '/' keeps its hard links inside. */
	assert_int_equal(coffer_backup_restore(f->r, id, "/data/sub", f->dst,
	    NULL), 0);
	{
		struct stat a, b;

		snprintf(p, sizeof(p), "%s/sub/deeper/file", f->dst);
		assert_int_equal(lstat(p, &a), 0);
		snprintf(p, sizeof(p), "%s/sub/twin", f->dst);
		assert_int_equal(lstat(p, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
	}
}

/* The first index segment an INDEX ref names. */
struct segfind {
	struct bkeys	*k;
	uint8_t		 id[32];
	int		 found;
};

static int
find_seg(void *arg, const uint8_t name[16], const uint8_t *p, size_t len)
{
	struct segfind *sf = arg;
	struct coffer_buf *body = coffer_buf_new_secret(1 << 20);
	uint8_t kind = BK_KIND_INDEX, (*segs)[BK_ID] = NULL;
	size_t n;

	assert_non_null(body);
	if (!sf->found && bk_box_open(sf->k, &kind, name, 16, p, len,
	    body) == 0 && bk_indexref_parse(coffer_buf_data(body),
	    coffer_buf_len(body), &segs, &n) == 0 && n > 0) {
		memcpy(sf->id, segs[0], 32);
		sf->found = 1;
	}
	free(segs);
	coffer_buf_free(&body);
	return 0;
}

/* A truncated index segment: a fresh cache cannot fold it; the open
 * fails as CORRUPT and its detail names the segment. */
static void
test_truncated_segment(void **state)
{
	struct fx *f = *state;
	struct segfind sf;
	uint8_t id[16];
	char hex[65], path[256];
	struct stat st;

	make_tree(f);
	assert_int_equal(backup(f, NULL, id), 0);
	memset(&sf, 0, sizeof(sf));
	assert_int_equal(bkeys_new(&sf.k, f->key), 0);
	assert_int_equal(f->ts.in.ops->ref_list(f->ts.in.ctx, find_seg, &sf),
	    0);
	bkeys_free(&sf.k);
	assert_true(sf.found);
	bk_hex(hex, sf.id, 32);
	snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", f->repo, hex, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	coffer_backup_close(&f->r);
	rm_rf(f->cache);
	assert_int_equal(coffer_backup_open(&f->r, &f->ts.out, f->key,
	    f->cache), COFFER_ERR_CORRUPT);
	assert_non_null(f->r);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "index segment"));
	assert_non_null(strstr(coffer_backup_error_detail(f->r), hex));
	/* Cut below a box's size: the same. */
	assert_int_equal(truncate(path, 10), 0);
	coffer_backup_close(&f->r);
	assert_int_equal(coffer_backup_open(&f->r, &f->ts.out, f->key,
	    f->cache), COFFER_ERR_CORRUPT);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), hex));
}

/* A restore that fills the target's disk (a 2 MiB tmpfs, as root):
 * COFFER_ERR_NOSPACE naming the file; the files restored before it are
 * whole, and no temporary file is left. */
static void
test_restore_disk_full(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_options o;
	uint8_t id[16], *d;
	char name[16], p[256], q[256];
	struct stat st;
	int i, rc;

	if (geteuid() != 0) {
		print_message("skipped: mounting a small tmpfs needs root\n");
		return;
	}
	d = malloc(4 << 20);
	assert_non_null(d);
	randombytes_buf(d, 4 << 20);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		write_file(f->src, name, d + i * 65536, 65536);
	}
	write_file(f->src, "zbig", d, 4 << 20);
	free(d);
	assert_int_equal(backup(f, NULL, id), 0);
	assert_int_equal(mkdir(f->dst, 0700), 0);
	if (mount("tmpfs", f->dst, "tmpfs", 0, "size=2m") != 0) {
		print_message("skipped: mount tmpfs: %s\n", strerror(errno));
		return;
	}
	/* One worker: the files are restored in name order. */
	memset(&o, 0, sizeof(o));
	o.threads = 1;
	rc = coffer_backup_restore(f->r, id, NULL, f->dst, &o);
	assert_int_equal(rc, COFFER_ERR_NOSPACE);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "zbig"));
	for (i = 0; i < 8; i++) {
		snprintf(p, sizeof(p), "%s/data/a%d", f->dst, i);
		snprintf(q, sizeof(q), "%s/a%d", f->src, i);
		same_tree(q, p);
	}
	snprintf(p, sizeof(p), "%s/data/zbig", f->dst);
	assert_int_not_equal(lstat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	no_tmp(p);
	assert_int_equal(umount(f->dst), 0);
}

/* A symbolic link planted in the target where the snapshot has a folder
 * is refused, and nothing lands where it points; links restored from
 * the snapshot are never followed either. */
static void
test_restore_symlink_escape(void **state)
{
	struct fx *f = *state;
	struct rs s;
	const char *leaf;
	uint8_t id[16];
	char outside[128], p[256];

	snprintf(outside, sizeof(outside), "%s/outside", f->base);
	assert_int_equal(mkdir(outside, 0700), 0);
	assert_int_equal(mkdir(f->dst, 0700), 0);
	write_file(f->src, "file", (const uint8_t *)"secret", 6);
	assert_int_equal(symlink(outside, strcat(strcpy(p, f->src), "/s")),
	    0);
	assert_int_equal(backup(f, NULL, id), 0);
	/* planted: out/data -> outside */
	snprintf(p, sizeof(p), "%s/data", f->dst);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    COFFER_ERR_IO);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "data"));
	empty_dir(outside);
	/* A good restore puts the snapshot's own link s back as a link. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	same_tree(f->src, p);
	empty_dir(outside);
	/* Paths through it (as a hard link's target) do not resolve. */
	memset(&s, 0, sizeof(s));
	s.tfd = open(f->dst, O_RDONLY | O_DIRECTORY);
	assert_true(s.tfd >= 0);
	assert_int_equal(rs_parent(&s, "data/s/x", &leaf), -1);
	assert_int_equal(rs_parent(&s, "data/../../x", &leaf), -1);
	assert_true((s.tfd = rs_parent(&s, "data/file", &leaf)) >= 0);
	assert_string_equal(leaf, "file");
	close(s.tfd);
}

/* A file named like an old temporary name restores beside its twin. */
static void
test_restore_tmp_names(void **state)
{
	struct fx *f = *state;
	uint8_t id[16];
	char p[256];

	write_file(f->src, "x", (const uint8_t *)"one", 3);
	write_file(f->src, "x.coffer-tmp", (const uint8_t *)"two!", 4);
	assert_int_equal(backup(f, NULL, id), 0);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	snprintf(p, sizeof(p), "%s/data", f->dst);
	same_tree(f->src, p);
	/* again, over the restored files */
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, f->dst, NULL),
	    0);
	same_tree(f->src, p);
	no_tmp(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dedup_and_incremental,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lying_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_defence,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ls_and_subpath, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated_segment, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restore_disk_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restore_symlink_escape,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_tmp_names, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("backup_engine", tests, NULL,
	    NULL);
}
