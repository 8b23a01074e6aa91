/* Backup maintenance (include/coffer/backup.h: forget, prune, check) over
 * a folder store wrapped to count and fail its writes: forget policies
 * over synthetic snapshot times, prune after forget (packs freed, every
 * remaining snapshot byte-identical), repacking, a failure injected at
 * each write of prune (the repository checks clean and restores after
 * each), and check naming a flipped byte, a missing pack, a missing and a
 * truncated segment. */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/backup_store.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "backup/format.h"
#include "backup_fixture.h"
#include "tree_compare.h"

static const struct coffer_cdc_params small_cdc = { 4096, 16384, 65536 };

/* The folder store, with every write (blob put, blob delete, ref put,
 * ref delete) numbered: the one numbered fail_at fails, as a crash
 * there would leave it. */
struct wstore {
	struct coffer_bstore	 in, out;
	int			 writes, fail_at;
};

static int
ws_write(struct wstore *w)
{
	return w->fail_at >= 0 && w->writes++ >= w->fail_at ?
	    COFFER_ERR_NETWORK : 0;
}

static int
ws_put(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct wstore *w = ctx;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		if ((r = ws_write(w)) != 0) {
			for (; i < n; i++)
				x[i].result = r;
			return r;
		}
	return w->in.ops->put_many(w->in.ctx, x, n);
}

static int
ws_get(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	return ((struct wstore *)ctx)->in.ops->get_many(
	    ((struct wstore *)ctx)->in.ctx, x, n);
}

static int
ws_exists(void *ctx, const uint8_t (*ids)[32], size_t n, uint64_t *s)
{
	return ((struct wstore *)ctx)->in.ops->exists(
	    ((struct wstore *)ctx)->in.ctx, ids, n, s);
}

static int
ws_del(void *ctx, const uint8_t id[32])
{
	struct wstore *w = ctx;
	int r = ws_write(w);

	return r != 0 ? r : w->in.ops->del(w->in.ctx, id);
}

static int
ws_ref_put(void *ctx, const uint8_t name[16], const uint8_t *d, size_t l)
{
	struct wstore *w = ctx;
	int r = ws_write(w);

	return r != 0 ? r : w->in.ops->ref_put(w->in.ctx, name, d, l);
}

static int
ws_ref_list(void *ctx, coffer_bstore_ref_fn fn, void *arg)
{
	return ((struct wstore *)ctx)->in.ops->ref_list(
	    ((struct wstore *)ctx)->in.ctx, fn, arg);
}

static int
ws_ref_del(void *ctx, const uint8_t name[16])
{
	struct wstore *w = ctx;
	int r = ws_write(w);

	return r != 0 ? r : w->in.ops->ref_del(w->in.ctx, name);
}

static const char *
ws_message(void *ctx)
{
	return ((struct wstore *)ctx)->in.ops->message(
	    ((struct wstore *)ctx)->in.ctx);
}

static const struct coffer_bstore_ops ws_ops = {
	ws_put, ws_get, ws_exists, ws_del, ws_ref_put, ws_ref_list,
	ws_ref_del, ws_message, NULL,	/* cannot list */
};

struct fx {
	char			 base[64];
	char			 repo[96], cache[96];
	struct wstore		 ws;
	struct coffer_key	*key;
	struct bk_keyring	*bk;
	struct coffer_backup_repo *r;
	uint8_t			 snap[3][16];
	char			 found[8192];	/* check's findings */
};

static void
reopen(struct fx *f)
{
	coffer_backup_close(&f->r);
	f->ws.out.ops = &ws_ops;
	f->ws.out.ctx = &f->ws;
	assert_int_equal(coffer_backup_open(&f->r, &f->ws.out,
	    (const struct coffer_key *const *)&f->key, 1, f->cache), 0);
	bfx_sign(f->r);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->base, "/tmp/coffer-bkm-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->base);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->base);
	assert_int_equal(coffer_bstore_dir_open(&f->ws.in, f->repo), 0);
	f->ws.fail_at = -1;
	assert_int_equal(coffer_key_generate(&f->key, COFFER_KEY_SYMMETRIC,
	    1), 0);
	assert_int_equal(bk_keyring_new(&f->bk,
	    (const struct coffer_key *const *)&f->key, 1), 0);
	reopen(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	coffer_backup_close(&f->r);
	coffer_bstore_dir_close(&f->ws.in);
	bk_keyring_free(&f->bk);
	coffer_key_free(&f->key);
	tree_rm_rf(f->base);
	free(f);
	return 0;
}

/* Data. Version v of base/vV/data: a file all versions share, one of
 * its own, one half shared, a small one. */
static void
put_file(const char *dir, const char *name, size_t len, int seed, size_t from,
    int seed2)
{
	uint8_t s[randombytes_SEEDBYTES] = { 0 }, *p = malloc(len + 1);
	char path[256];
	FILE *fp;

	assert_non_null(p);
	s[0] = (uint8_t)seed;
	randombytes_buf_deterministic(p, len, s);
	s[0] = (uint8_t)seed2;
	if (from < len)
		randombytes_buf_deterministic(p + from, len - from, s);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(p, 1, len, fp), len);
	fclose(fp);
	free(p);
}

static void
make_version(struct fx *f, int v, char *dir, size_t cap)
{
	char d[160];

	snprintf(d, sizeof(d), "%s/v%d", f->base, v);
	assert_int_equal(mkdir(d, 0700), 0);
	snprintf(dir, cap, "%s/data", d);
	assert_int_equal(mkdir(dir, 0700), 0);
	put_file(dir, "shared", 300000, 1, 300000, 0);
	put_file(dir, "own", 200000, 100 + v, 200000, 0);
	put_file(dir, "mixed", 300000, 2, 150000, 200 + v);
	put_file(dir, "small", 100 + (size_t)v, 50 + v, 1000, 0);
}

static void
backup_versions(struct fx *f, int n)
{
	struct coffer_backup_options o;
	char dir[200];
	const char *paths[1] = { dir };
	int v;

	memset(&o, 0, sizeof(o));
	o.cdc = &small_cdc;
	o.pack_size = 64 * 1024;
	o.threads = 1;
	o.host = "h";
	for (v = 0; v < n; v++) {
		make_version(f, v, dir, sizeof(dir));
		assert_int_equal(coffer_backup_create(f->r, paths, 1, &o,
		    f->snap[v]), 0);
	}
}

/* Compare folder a with b: names, kinds, bytes. */
/* Snapshot v restores byte-identical to base/vV/data. */
static void
restores(struct fx *f, int v)
{
	char out[160], got[200], want[200];

	snprintf(out, sizeof(out), "%s/out", f->base);
	tree_rm_rf(out);
	assert_int_equal(coffer_backup_restore(f->r, f->snap[v], NULL, out,
	    NULL), 0);
	snprintf(got, sizeof(got), "%s/data", out);
	snprintf(want, sizeof(want), "%s/v%d/data", f->base, v);
	tree_compare(want, got);
	tree_rm_rf(out);
}

static void
note(void *arg, int level, const char *msg)
{
	struct fx *f = arg;
	size_t l = strlen(f->found);

	snprintf(f->found + l, sizeof(f->found) - l, "%s%s\n",
	    level == COFFER_CHECK_ERROR ? "E " : "I ", msg);
}

static int
check(struct fx *f, int read_data, struct coffer_backup_check_stats *st)
{
	struct coffer_backup_check_options o = { read_data, note, f };

	f->found[0] = '\0';
	return coffer_backup_check(f->r, &o, st);
}

/* Blob files of the store, split into index segments and packs. */
struct blobs {
	char	 seg[16][65], pack[256][65];
	int	 nseg, npack;
};

static int
ref_segs(void *arg, const uint8_t name[16], const uint8_t *d, size_t len)
{
	struct fx *f = ((void **)arg)[0];
	struct blobs *b = ((void **)arg)[1];
	struct coffer_buf *body = coffer_buf_new_secret(COFFER_BSTORE_REF_MAX);
	uint8_t kind = 0, (*segs)[32] = NULL;
	size_t n = 0, i;

	assert_int_equal(bk_box_open(f->bk, &kind, name, 16, d, len, body), 0);
	if (kind == BK_KIND_INDEX) {
		assert_int_equal(bk_indexref_parse(coffer_buf_data(body),
		    coffer_buf_len(body), &segs, &n, NULL), 0);
		for (i = 0; i < n && b->nseg < 16; i++)
			sodium_bin2hex(b->seg[b->nseg++], 65, segs[i], 32);
	}
	free(segs);
	coffer_buf_free(&body);
	return 0;
}

static void
list_blobs(struct fx *f, struct blobs *b)
{
	void *arg[2] = { f, b };
	struct dirent *de, *e2;
	char sub[512];
	DIR *d, *d2;
	int i, seg;

	memset(b, 0, sizeof(*b));
	assert_int_equal(f->ws.in.ops->ref_list(f->ws.in.ctx, ref_segs, arg),
	    0);
	snprintf(sub, sizeof(sub), "%s/blobs", f->repo);
	assert_non_null(d = opendir(sub));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/blobs/%s", f->repo, de->d_name);
		assert_non_null(d2 = opendir(sub));
		while ((e2 = readdir(d2)) != NULL) {
			if (strlen(e2->d_name) != 64)
				continue;
			for (i = seg = 0; i < b->nseg; i++)
				seg |= strcmp(b->seg[i], e2->d_name) == 0;
			if (!seg && b->npack < 256)
				strcpy(b->pack[b->npack++], e2->d_name);
		}
		closedir(d2);
	}
	closedir(d);
}

static void
blob_path(struct fx *f, const char *hex, char *out, size_t cap)
{
	snprintf(out, cap, "%s/blobs/%.2s/%s", f->repo, hex, hex);
}

/* forget: a table of snapshot times and policies -> the kept set. */
struct fcase {
	const char			*name;
	const char			*times[8];	/* oldest first, UTC */
	const char			*hosts;		/* per snapshot; NULL: a */
	struct coffer_backup_policy	 pol;
	const char			*keep;		/* '1' kept */
	int				 rc;
};

static const char *const other[] = { "/other" }, *const data[] = { "/data" };

static const struct fcase fcases[] = {
	{ "last 3 of 5", { "2024-03-01 10:00", "2024-03-02 10:00", "2024-03-03 10:00",
	    "2024-03-04 10:00", "2024-03-05 10:00" }, NULL, { .keep_last = 3 },
	    "00111", 0 },
	{ "daily 2", { "2024-03-01 10:00", "2024-03-01 12:00", "2024-03-02 09:00",
	    "2024-03-02 18:00", "2024-03-03 08:00" }, NULL, { .keep_daily = 2 },
	    "00011", 0 },
	{ "hourly 2 + last 1", { "2024-03-01 10:00", "2024-03-01 11:10",
	    "2024-03-01 11:40", "2024-03-01 12:00" }, NULL,
	    { .keep_hourly = 2, .keep_last = 1 }, "0011", 0 },
	{ "weekly 2 (ISO weeks)", { "2024-01-01 10:00", "2024-01-07 10:00",
	    "2024-01-08 10:00", "2024-01-15 10:00", "2024-01-16 10:00" }, NULL,
	    { .keep_weekly = 2 }, "00101", 0 },
	{ "monthly 2 + yearly 3", { "2022-12-31 10:00", "2023-06-01 10:00",
	    "2023-12-01 10:00", "2023-12-15 10:00", "2024-01-02 10:00" }, NULL,
	    { .keep_monthly = 2, .keep_yearly = 3 }, "10011", 0 },
	{ "more periods than snapshots", { "2024-03-01 10:00", "2024-03-09 10:00" },
	    NULL, { .keep_daily = 7, .keep_weekly = 4 }, "11", 0 },
	{ "host filter", { "2024-03-01 10:00", "2024-03-02 10:00", "2024-03-03 10:00",
	    "2024-03-04 10:00" }, "abab", { .keep_last = 1, .host = "a" },
	    "0111", 0 },
	{ "paths filter: none match", { "2024-03-01 10:00",
	    "2024-03-02 10:00" }, NULL, { .keep_last = 1, .paths = other,
	    .npaths = 1 }, "11", 0 },
	{ "paths filter: all match", { "2024-03-01 10:00",
	    "2024-03-02 10:00" }, NULL, { .keep_last = 1, .paths = data,
	    .npaths = 1 }, "01", 0 },
	{ "nothing kept is refused", { "2024-03-01 10:00", "2024-03-02 10:00" },
	    NULL, { .keep_last = 0 }, "11", COFFER_ERR_INVALID },
	{ "remove_all", { "2024-03-01 10:00", "2024-03-02 10:00" }, NULL,
	    { .remove_all = 1 }, "00", 0 },
};

static int
del_ref(void *arg, const uint8_t name[16], const uint8_t *d, size_t len)
{
	struct fx *f = arg;

	(void)d;
	(void)len;
	return f->ws.in.ops->ref_del(f->ws.in.ctx, name);
}

static void
put_snap(struct fx *f, const char *when, const char *host, uint8_t id[16])
{
	struct coffer_buf *b = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	struct bk_snapshot s;
	char *paths[1] = { (char *)(uintptr_t)"/data" };
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(when, "%Y-%m-%d %H:%M", &tm));
	memset(&s, 0, sizeof(s));
	s.time_ns = (int64_t)timegm(&tm) * 1000000000;
	s.end_ns = s.time_ns;
	s.host = (char *)(uintptr_t)host;
	s.paths = paths;
	s.npaths = 1;
	randombytes_buf(s.root, sizeof(s.root));
	randombytes_buf(id, 16);
	assert_int_equal(bk_snapshot_encode(f->bk, id, &s, b), 0);
	assert_int_equal(f->ws.in.ops->ref_put(f->ws.in.ctx, id,
	    coffer_buf_data(b), coffer_buf_len(b)), 0);
	coffer_buf_free(&b);
}

struct seen {
	uint8_t		 ids[8][16];
	size_t		 n;
	char		 got[9];
	int		 reports;
};

static int
on_forget(void *arg, const struct coffer_backup_snapshot *s, int keep,
    unsigned reasons)
{
	struct seen *sn = arg;

	assert_int_equal(keep, reasons != 0);
	sn->reports++;
	(void)s;
	return 0;
}

static int
on_list(void *arg, const struct coffer_backup_snapshot *s)
{
	struct seen *sn = arg;
	size_t i;

	for (i = 0; i < sn->n; i++)
		if (memcmp(sn->ids[i], s->id, 16) == 0)
			sn->got[i] = '1';
	return 0;
}

static void
test_forget_policies(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_forget_options o;
	struct seen sn;
	size_t c, i;
	int dry;

	for (c = 0; c < sizeof(fcases) / sizeof(fcases[0]); c++)
		for (dry = 1; dry >= 0; dry--) {
			const struct fcase *fc = &fcases[c];
			char host[2] = "a";

			memset(&sn, 0, sizeof(sn));
			assert_int_equal(f->ws.in.ops->ref_list(f->ws.in.ctx,
			    del_ref, f), 0);
			for (i = 0; fc->times[i] != NULL; i++) {
				host[0] = fc->hosts ? fc->hosts[i] : 'a';
				put_snap(f, fc->times[i], host, sn.ids[i]);
			}
			sn.n = i;
			memset(&o, 0, sizeof(o));
			o.dry_run = dry;
			o.fn = on_forget;
			o.arg = &sn;
			assert_int_equal(coffer_backup_forget(f->r, &fc->pol,
			    &o), fc->rc);
			memset(sn.got, '0', sn.n);
			assert_int_equal(coffer_backup_list(f->r, on_list, &sn),
			    0);
			if (dry || fc->rc != 0) {
				assert_true(strspn(sn.got, "1") == sn.n);
				continue;
			}
			if (strcmp(sn.got, fc->keep) != 0)
				fail_msg("%s: kept %s, want %s", fc->name,
				    sn.got, fc->keep);
			/* every considered snapshot was reported */
			assert_int_equal(sn.reports, fc->hosts ? 2 :
			    fc->pol.paths == other ? 0 : (int)sn.n);
		}
}

static void
test_prune_after_forget(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_policy pol = { .keep_last = 2 };
	struct coffer_backup_prune_stats st, st2;
	struct coffer_backup_check_stats cs;
	struct blobs before, after;

	backup_versions(f, 3);
	list_blobs(f, &before);
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	/* check says what prune will free */
	assert_int_equal(check(f, 0, &cs), 0);
	assert_true(cs.infos > 0);
	assert_int_equal(coffer_backup_prune(f->r, NULL, &st), 0);
	assert_int_equal(st.snapshots, 2);
	assert_true(st.packs_deleted > 0);
	assert_true(st.bytes_deleted > st.bytes_added);
	assert_int_equal(st.packs, st.packs_kept + st.packs_deleted +
	    st.packs_repacked);
	list_blobs(f, &after);
	assert_int_equal(after.npack, before.npack - (int)st.packs_deleted -
	    (int)st.packs_repacked + (int)st.packs_new);
	assert_int_equal(check(f, 1, &cs), 0);
	assert_int_equal(cs.errors, 0);
	assert_int_equal(cs.packs, (uint64_t)after.npack);
	restores(f, 1);
	restores(f, 2);
	/* A second prune finds nothing to do. */
	assert_int_equal(coffer_backup_prune(f->r, NULL, &st2), 0);
	assert_int_equal(st2.packs_deleted + st2.packs_repacked +
	    st2.segments_new, 0);
	/* The cache was rebuilt: a new backup of v2 stores nothing new. */
	{
		struct coffer_backup_options o;
		struct coffer_backup_progress pg;
		char dir[200];
		const char *paths[1] = { dir };
		uint8_t id[16];

		memset(&o, 0, sizeof(o));
		memset(&pg, 0, sizeof(pg));
		o.cdc = &small_cdc;
		o.progress = &pg;
		snprintf(dir, sizeof(dir), "%s/v2/data", f->base);
		assert_int_equal(coffer_backup_create(f->r, paths, 1, &o, id),
		    0);
		assert_int_equal(pg.bytes_new, 0);
	}
	/* Everything forgotten: prune leaves no blob. */
	pol.keep_last = 0;
	pol.remove_all = 1;
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	assert_int_equal(coffer_backup_prune(f->r, NULL, &st), 0);
	list_blobs(f, &after);
	assert_int_equal(after.npack + after.nseg, 0);
	assert_int_equal(check(f, 1, &cs), 0);
}

static void
test_repack(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_policy pol = { .keep_last = 1 };
	struct coffer_backup_prune_options po;
	struct coffer_backup_prune_stats st;
	struct coffer_backup_check_stats cs;

	backup_versions(f, 2);
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	/* A dry run counts and changes nothing. */
	memset(&po, 0, sizeof(po));
	po.dry_run = 1;
	po.max_unused_pct = -1;
	assert_int_equal(coffer_backup_prune(f->r, &po, &st), 0);
	assert_true(st.packs_repacked > 0);
	assert_int_equal(st.packs_new, 0);
	po.dry_run = 0;
	po.pack_size = 48 * 1024;
	assert_int_equal(coffer_backup_prune(f->r, &po, &st), 0);
	assert_true(st.packs_repacked > 0);
	assert_true(st.packs_new > 0);
	assert_true(st.bytes_repacked > 0);
	assert_int_equal(check(f, 1, &cs), 0);
	assert_int_equal(cs.infos, 0);
	restores(f, 1);
	/* Every pack left is fully used. */
	po.dry_run = 1;
	assert_int_equal(coffer_backup_prune(f->r, &po, &st), 0);
	assert_int_equal(st.packs_repacked + st.packs_deleted, 0);
	assert_int_equal(st.chunks_unused, 0);
}

/* Copy folder a to b (files and folders). */
static void
copy_tree(const char *a, const char *b)
{
	struct dirent *de;
	char pa[512], pb[512], buf[65536];
	struct stat st;
	DIR *d;

	assert_int_equal(mkdir(b, 0700), 0);
	assert_non_null(d = opendir(a));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, de->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, de->d_name);
		assert_int_equal(lstat(pa, &st), 0);
		if (S_ISDIR(st.st_mode))
			copy_tree(pa, pb);
		else {
			int in = open(pa, O_RDONLY), out = open(pb, O_WRONLY |
			    O_CREAT | O_EXCL, 0600);
			ssize_t n;

			assert_true(in >= 0 && out >= 0);
			while ((n = read(in, buf, sizeof(buf))) > 0)
				assert_int_equal(write(out, buf, (size_t)n), n);
			close(in);
			close(out);
		}
	}
	closedir(d);
}

static void
test_prune_crash_safety(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_policy pol = { .keep_last = 2 };
	struct coffer_backup_prune_options po;
	struct coffer_backup_prune_stats st;
	struct coffer_backup_check_stats cs;
	char saved[160];
	int k, rc = -1;

	backup_versions(f, 3);
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	coffer_backup_close(&f->r);
	coffer_bstore_dir_close(&f->ws.in);
	snprintf(saved, sizeof(saved), "%s/saved", f->base);
	copy_tree(f->repo, saved);
	memset(&po, 0, sizeof(po));
	po.max_unused_pct = -1;		/* repack too */
	po.pack_size = 48 * 1024;
	for (k = 0; rc != 0 && k < 400; k++) {
		tree_rm_rf(f->repo);
		tree_rm_rf(f->cache);
		copy_tree(saved, f->repo);
		assert_int_equal(coffer_bstore_dir_open(&f->ws.in, f->repo),
		    0);
		f->ws.fail_at = -1;
		reopen(f);
		f->ws.writes = 0;
		f->ws.fail_at = k;
		rc = coffer_backup_prune(f->r, &po, &st);
		f->ws.fail_at = -1;
		if (rc != 0) {
			assert_int_equal(rc, COFFER_ERR_NETWORK);
			/* restarted: the cache is as the failure left it */
			reopen(f);
		}
		if (check(f, 1, &cs) != 0)
			fail_msg("after failing write %d: %s", k, f->found);
		restores(f, 1);
		restores(f, 2);
		/* and a later prune finishes the job */
		if (rc != 0) {
			assert_int_equal(coffer_backup_prune(f->r, &po, &st),
			    0);
			assert_int_equal(check(f, 0, &cs), 0);
			assert_int_equal(cs.infos, 0);
		}
		coffer_backup_close(&f->r);
		coffer_bstore_dir_close(&f->ws.in);
	}
	assert_int_equal(rc, 0);
	/* the run that passed made k writes: each but the last failed once
	 * before; the last, the lock's removal, may fail without failing
	 * the run (the lock is then stale: its holder is done) */
	assert_int_equal(f->ws.writes, k);
	assert_true(k > 5);
	assert_int_equal(coffer_bstore_dir_open(&f->ws.in, f->repo), 0);
	reopen(f);
}

static void
test_prune_refuses_journal(void **state)
{
	struct fx *f = *state;
	struct coffer_backup_prune_options po;
	struct coffer_backup_options o;
	char dir[200];
	const char *paths[1] = { dir };
	uint8_t id[16];

	backup_versions(f, 1);
	snprintf(dir, sizeof(dir), "%s/v0", f->base);
	put_file(dir, "more", 400000, 9, 400000, 0);
	memset(&o, 0, sizeof(o));
	o.cdc = &small_cdc;
	o.pack_size = 64 * 1024;
	f->ws.writes = 0;
	f->ws.fail_at = 2;
	assert_int_equal(coffer_backup_create(f->r, paths, 1, &o, id),
	    COFFER_ERR_NETWORK);
	f->ws.fail_at = -1;
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL),
	    COFFER_ERR_STATE);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "interrupted"));
	memset(&po, 0, sizeof(po));
	po.allow_journal = 1;
	assert_int_equal(coffer_backup_prune(f->r, &po, NULL), 0);
	/* The interrupted backup resumes and completes. */
	assert_int_equal(coffer_backup_create(f->r, paths, 1, &o, id), 0);
	assert_int_equal(check(f, 1, NULL), 0);
}

/* check: each kind of damage, named. */
enum damage { FLIP_PACK, DROP_PACK, DROP_SEG, CUT_SEG };

static void
rewrite(const char *path, const uint8_t *p, size_t len)
{
	FILE *fp;

	unlink(path);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(p, 1, len, fp), len);
	fclose(fp);
}

static void
test_check_finds(void **state)
{
	struct fx *f = *state;
	static const struct {
		enum damage	 d;
		int		 read_data;
		const char	*what, *then;
	} cases[] = {
		{ FLIP_PACK, 1, "pack ", "" },
		{ DROP_PACK, 0, "pack ", " is missing" },
		{ DROP_SEG, 0, "index segment ", " is missing" },
		{ CUT_SEG, 0, "index segment ", " fails its checks" },
	};
	struct coffer_backup_check_stats cs;
	struct blobs b;
	char path[256], want[200];
	const char *hex;
	uint8_t *orig;
	size_t c, len;
	FILE *fp;

	backup_versions(f, 2);
	assert_int_equal(check(f, 1, &cs), 0);
	assert_int_equal(cs.errors + cs.infos, 0);
	assert_int_equal(cs.snapshots, 2);
	assert_true(cs.packs_read > 3 && cs.chunks_read > cs.packs_read);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		list_blobs(f, &b);
		assert_true(b.npack > 2 && b.nseg > 0);
		hex = cases[c].d == FLIP_PACK || cases[c].d == DROP_PACK ?
		    b.pack[c % (size_t)b.npack] : b.seg[0];
		blob_path(f, hex, path, sizeof(path));
		assert_non_null(fp = fopen(path, "rb"));
		fseek(fp, 0, SEEK_END);
		len = (size_t)ftell(fp);
		rewind(fp);
		assert_non_null(orig = malloc(len));
		assert_int_equal(fread(orig, 1, len, fp), len);
		fclose(fp);
		if (cases[c].d == FLIP_PACK) {
			orig[len / 3] ^= 0x10;
			rewrite(path, orig, len);
			orig[len / 3] ^= 0x10;
		} else if (cases[c].d == CUT_SEG)
			rewrite(path, orig, len / 2);
		else
			assert_int_equal(unlink(path), 0);
		assert_int_equal(check(f, cases[c].read_data, &cs),
		    COFFER_ERR_CORRUPT);
		assert_true(cs.errors > 0);
		snprintf(want, sizeof(want), "%s%s%s", cases[c].what, hex,
		    cases[c].then);
		if (strstr(f->found, want) == NULL)
			fail_msg("case %zu: no \"%s\" in:\n%s", c, want,
			    f->found);
		/* the detail holds the first finding */
		assert_non_null(strstr(f->found,
		    coffer_backup_error_detail(f->r)));
		rewrite(path, orig, len);
		free(orig);
		assert_int_equal(check(f, 1, &cs), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forget_policies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune_after_forget, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_repack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_crash_safety, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune_refuses_journal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_finds, setup,
		    teardown),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("backup_maint", tests, NULL, NULL);
}
