/* What backup create leaves out (docs/PROTOCOL-backup.md, "Selecting
 * what to back up"), end to end over a folder store: excludes (absolute
 * paths, anchored, folders only, the path given itself), iexcludes, a
 * refused pattern, CACHEDIR.TAG valid, invalid and a link, if-present
 * with and without content, and one-file-system over a tmpfs (as root).
 * What is left out is neither counted nor a warning. The matcher's own
 * table is test_backup_match.c. */
#define _GNU_SOURCE
#include <sys/inotify.h>
#include <sys/mount.h>
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

#include <coffer/backup.h>
#include <coffer/err.h>

#include "backup_fixture.h"

/* The paths of a snapshot, one a line. */
struct listing {
	char	 buf[8192];
	size_t	 len;
};

static int
one(void *arg, const struct coffer_backup_entry *e)
{
	struct listing *l = arg;
	size_t n = strlen(e->path);

	assert_true(l->len + n + 2 < sizeof(l->buf));
	memcpy(l->buf + l->len, e->path, n);
	l->len += n;
	l->buf[l->len++] = '\n';
	l->buf[l->len] = '\0';
	return 0;
}

static void
list(struct bfx *f, const uint8_t id[16], struct listing *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(coffer_backup_ls(f->r, id, NULL, one, l), 0);
}

static int
has(const struct listing *l, const char *path)
{
	char want[256];

	snprintf(want, sizeof(want), "\n%s\n", path);
	return strstr(l->buf, want + 1) == l->buf ||
	    strstr(l->buf, want) != NULL;
}

static void
mkdirs(const char *base, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void
put(const char *base, const char *rel, const char *text)
{
	bfx_write_file(base, rel, (const uint8_t *)text, strlen(text));
}

/* Back up f->src with o; the counts into pg. */
static int
run(struct bfx *f, struct coffer_backup_options *o,
    struct coffer_backup_progress *pg, uint8_t id[16])
{
	const char *paths[1] = { f->src };

	memset(pg, 0, sizeof(*pg));
	o->cdc = &bfx_small_cdc;
	o->pack_size = 256 * 1024;
	o->progress = pg;
	o->host = "testhost";
	return coffer_backup_create(f->r, paths, 1, o, id);
}

static void
test_exclude(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct listing l;
	uint8_t id[16];
	char anchored[160], parent[160];
	const char *ex[4];

	mkdirs(f->src, "src");
	mkdirs(f->src, "src/build");
	mkdirs(f->src, "src/a");
	mkdirs(f->src, "src/a/deep");
	mkdirs(f->src, "keep");
	put(f->src, "src/main.c", "int main;");
	put(f->src, "src/main.log", "log");
	put(f->src, "src/build/out.o", "obj");
	put(f->src, "src/a/deep/x", "x");
	put(f->src, "src/a/x", "x");
	put(f->src, "keep/build", "a file named build");
	put(f->src, "keep/skip", "skip, but not here");
	put(f->src, "skip", "skip");
	snprintf(anchored, sizeof(anchored), "%s/skip", f->src);
	ex[0] = "*.log";
	ex[1] = "build/";		/* folders only */
	ex[2] = anchored;		/* the absolute path, from its root */
	ex[3] = "a/**/deep";
	memset(&o, 0, sizeof(o));
	o.excludes = ex;
	o.nexcludes = 4;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/src/main.c"));
	assert_false(has(&l, "data/src/main.log"));
	assert_false(has(&l, "data/src/build"));
	assert_false(has(&l, "data/src/build/out.o"));
	assert_false(has(&l, "data/src/a/deep"));
	assert_true(has(&l, "data/src/a/x"));
	assert_true(has(&l, "data/keep/build"));
	assert_true(has(&l, "data/keep/skip"));
	assert_false(has(&l, "data/skip"));
	/* Left out: not counted, not a warning. */
	assert_int_equal(pg.warnings, 0);
	assert_int_equal(pg.files, 4);	/* main.c, a/x, keep/build, skip */
	assert_int_equal(pg.dirs, 4);	/* data, src, a, keep */
	/* A pattern that matches a folder above the path given leaves it
	 * all out, as restic does. */
	snprintf(parent, sizeof(parent), "%s", strrchr(f->base, '/') + 1);
	ex[0] = parent;
	o.nexcludes = 1;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_int_equal(l.len, 0);
	assert_int_equal(pg.files + pg.dirs + pg.warnings, 0);
	/* Without patterns, everything. */
	o.nexcludes = 0;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/src/build/out.o"));
	assert_true(has(&l, "data/skip"));
}

static void
test_iexclude_and_refused(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct listing l;
	uint8_t id[16];
	const char *ex[1] = { "*.JPG" }, *bad[2] = { "*.c", "[abc" };

	put(f->src, "a.jpg", "1");
	put(f->src, "B.Jpg", "2");
	put(f->src, "c.png", "3");
	memset(&o, 0, sizeof(o));
	o.excludes = ex;
	o.nexcludes = 1;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/a.jpg"));	/* case matters */
	o.excludes = NULL;
	o.nexcludes = 0;
	o.iexcludes = ex;
	o.niexcludes = 1;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_false(has(&l, "data/a.jpg"));
	assert_false(has(&l, "data/B.Jpg"));
	assert_true(has(&l, "data/c.png"));
	/* A malformed pattern is refused before anything is stored, and
	 * the detail names it. */
	o.iexcludes = NULL;
	o.niexcludes = 0;
	o.excludes = bad;
	o.nexcludes = 2;
	assert_int_equal(run(f, &o, &pg, id), COFFER_ERR_INVALID);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "[abc"));
	o.excludes = NULL;
	o.nexcludes = 1;	/* a count without patterns */
	assert_int_equal(run(f, &o, &pg, id), COFFER_ERR_INVALID);
}

static void
test_exclude_caches(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct listing l;
	uint8_t id[16];
	char p[256];

	mkdirs(f->src, "good");
	mkdirs(f->src, "good/sub");
	put(f->src, "good/" COFFER_CACHEDIR_TAG,
	    COFFER_CACHEDIR_SIGNATURE "\n# a cache\n");
	put(f->src, "good/blob", "cached");
	put(f->src, "good/sub/more", "cached");
	mkdirs(f->src, "bad");		/* wrong signature: not a cache */
	put(f->src, "bad/" COFFER_CACHEDIR_TAG,
	    "Signature: 8a477f597d28d172789f06886806bc5");
	put(f->src, "bad/blob", "kept");
	mkdirs(f->src, "link");		/* a tag must be a regular file */
	snprintf(p, sizeof(p), "%s/link/" COFFER_CACHEDIR_TAG, f->src);
	assert_int_equal(symlink("../good/" COFFER_CACHEDIR_TAG, p), 0);
	put(f->src, "link/blob", "kept");
	memset(&o, 0, sizeof(o));
	o.exclude_caches = 1;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/good"));
	assert_true(has(&l, "data/good/" COFFER_CACHEDIR_TAG));
	assert_false(has(&l, "data/good/blob"));
	assert_false(has(&l, "data/good/sub"));
	assert_false(has(&l, "data/good/sub/more"));
	assert_true(has(&l, "data/bad/blob"));
	assert_true(has(&l, "data/link/blob"));
	assert_int_equal(pg.warnings, 0);
	/* Off: the cache is backed up. */
	o.exclude_caches = 0;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/good/sub/more"));
}

static void
test_if_present(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct listing l;
	uint8_t id[16];
	const char *tags[2] = { ".nobackup", "TAG:hello" };
	const char *bad[1] = { "a/b" };

	mkdirs(f->src, "plain");
	put(f->src, "plain/.nobackup", "");
	put(f->src, "plain/x", "x");
	mkdirs(f->src, "hello");
	put(f->src, "hello/TAG", "hello world");
	put(f->src, "hello/x", "x");
	mkdirs(f->src, "bye");
	put(f->src, "bye/TAG", "goodbye");
	put(f->src, "bye/x", "x");
	memset(&o, 0, sizeof(o));
	o.if_present = tags;
	o.nif_present = 2;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/plain/.nobackup"));
	assert_false(has(&l, "data/plain/x"));
	assert_true(has(&l, "data/hello/TAG"));
	assert_false(has(&l, "data/hello/x"));
	assert_true(has(&l, "data/bye/x"));
	o.if_present = bad;
	o.nif_present = 1;
	assert_int_equal(run(f, &o, &pg, id), COFFER_ERR_INVALID);
}

/* A tag name that is not a regular file is never opened (a device may
 * act on open: a tape rewinds): a FIFO named CACHEDIR.TAG, watched for
 * opens, is opened by nobody during the backup. It was opened before
 * (the type was checked after the open). */
static void
test_tag_not_opened(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct inotify_event *ev;
	char p[256], buf[4096];
	uint8_t id[16];
	ssize_t got, i;
	int in, opens = 0;

	mkdirs(f->src, "fifo");
	put(f->src, "fifo/x", "x");
	snprintf(p, sizeof(p), "%s/fifo/" COFFER_CACHEDIR_TAG, f->src);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_true((in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) >= 0);
	assert_true(inotify_add_watch(in, p, IN_OPEN) >= 0);
	memset(&o, 0, sizeof(o));
	o.exclude_caches = 1;
	assert_int_equal(run(f, &o, &pg, id), 0);
	/* The events of the run are queued by now. */
	while ((got = read(in, buf, sizeof(buf))) > 0)
		for (i = 0; i < got; i += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (struct inotify_event *)(void *)(buf + i);
			opens += (ev->mask & IN_OPEN) != 0;
		}
	close(in);
	assert_int_equal(opens, 0);
}

static void
test_one_file_system(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_options o;
	struct coffer_backup_progress pg;
	struct listing l;
	uint8_t id[16];
	const char *paths[1];
	char mnt[160];

	if (geteuid() != 0) {
		print_message("skipped: one-file-system needs root to mount "
		    "a tmpfs\n");
		skip();
	}
	mkdirs(f->src, "mnt");
	put(f->src, "here", "on the first file system");
	snprintf(mnt, sizeof(mnt), "%s/mnt", f->src);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0) {
		print_message("skipped: mount tmpfs: %s\n", strerror(errno));
		skip();
	}
	put(mnt, "there", "on another");
	memset(&o, 0, sizeof(o));
	o.one_file_system = 1;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/here"));
	assert_true(has(&l, "data/mnt"));	/* the mount point, empty */
	assert_false(has(&l, "data/mnt/there"));
	assert_int_equal(pg.warnings, 0);
	/* A path given may be a mount point itself. */
	paths[0] = mnt;
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(coffer_backup_create(f->r, paths, 1, &o, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "mnt/there"));
	/* Off: the other file system too. */
	o.one_file_system = 0;
	assert_int_equal(run(f, &o, &pg, id), 0);
	list(f, id, &l);
	assert_true(has(&l, "data/mnt/there"));
	assert_int_equal(umount(mnt), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exclude, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test_setup_teardown(test_iexclude_and_refused,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_exclude_caches,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_if_present, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test_setup_teardown(test_tag_not_opened, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test_setup_teardown(test_one_file_system,
		    bfx_setup, bfx_teardown),
	};

	return cmocka_run_group_tests_name("backup_select", tests, NULL,
	    NULL);
}
