/* The repository lock and orphans (lib/backup/lock.c, orphan.c) over the
 * folder store: shared locks coexist, exclusive ones exclude, a
 * conflict names its holder, the stale rule (expired by the reader's
 * clock; same installation and the process gone or done; a host name
 * alone is not enough), unlock and
 * --remove-all; a backup racing a prune (the prune runs from inside the
 * backup's store, after its dedup: deterministic) loses a pack without
 * the lock and nothing with it; orphans reported by check, removed by a
 * later prune, and another set's blobs never. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>

#include <limits.h>
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
#include <coffer/err.h>

#include "backup/format.h"
#include "backup/lock.h"
#include "backup/machine.h"
#include "backup_fixture.h"
#include "hook_store.h"

/* The machine id of the installation whose cache folder is ${dir}. */
static void
machine_of(const char *dir, uint8_t out[BK_LOCK_MACHINE])
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(machine_id(fd, out), 0);
	close(fd);
}

/* Write a LOCK ref as another holder would: of the installation
 * ${machine} (NULL: another one). */
static void
put_lock(struct bfx *f, uint8_t kind, int64_t time_ns, uint32_t pid,
    const char *host, const uint8_t *machine, uint8_t name[16])
{
	struct bk_keyring *kr = NULL;
	struct coffer_buf *b = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	struct bk_lock l;

	memset(&l, 0, sizeof(l));
	l.kind = kind;
	l.time_ns = time_ns;
	l.ttl_s = 1800;
	l.pid = pid;
	snprintf(l.host, sizeof(l.host), "%s", host);
	snprintf(l.device, sizeof(l.device), "%s", "the phone");
	randombytes_buf(l.nonce, sizeof(l.nonce));
	if (machine != NULL)
		memcpy(l.machine, machine, BK_LOCK_MACHINE);
	else
		randombytes_buf(l.machine, sizeof(l.machine));
	randombytes_buf(name, 16);
	assert_int_equal(bk_keyring_new(&kr,
	    (const struct coffer_key *const *)f->keys, f->nkeys), 0);
	assert_int_equal(bk_lock_encode(kr, name, &l, b), 0);
	assert_int_equal(f->ts.in.ops->ref_put(f->ts.in.ctx, name,
	    coffer_buf_data(b), coffer_buf_len(b)), 0);
	bk_keyring_free(&kr);
	coffer_buf_free(&b);
}

static int64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int
count_lock(void *arg, const struct coffer_backup_lock_info *l)
{
	int *n = arg;

	n[0]++;
	n[1] += l->removed;
	n[2] += l->stale;
	return 0;
}

/* Live locks of another holder: a shared one lets backup and check run
 * and stops prune and forget; an exclusive one stops them all, naming
 * host, device and time; unlock keeps both, --remove-all removes them. */
static void
test_conflicts(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_policy pol = { .keep_last = 1 };
	uint8_t id[16], name[16];
	int n[3] = { 0, 0, 0 };

	bfx_write_file(f->src, "a", (const uint8_t *)"alpha", 5);
	put_lock(f, BK_LOCK_SHARED, now_ns(), 1, "otherhost", NULL, name);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(coffer_backup_check(f->r, NULL, NULL), 0);
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL),
	    COFFER_ERR_BUSY);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "a shared lock of host \"otherhost\", device \"the phone\""));
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL),
	    COFFER_ERR_BUSY);
	assert_int_equal(coffer_backup_unlock(f->r, 0, count_lock, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 0);

	put_lock(f, BK_LOCK_EXCLUSIVE, now_ns(), 1, "otherhost", NULL, name);
	assert_int_equal(bfx_backup(f, NULL, id), COFFER_ERR_BUSY);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "an exclusive lock of host \"otherhost\""));
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "since "));
	assert_int_equal(coffer_backup_check(f->r, NULL, NULL),
	    COFFER_ERR_BUSY);
	/* check --no-lock */
	{
		struct coffer_backup_lock_options lo = { .no_lock = 1 };

		assert_int_equal(coffer_backup_lock_configure(f->r, &lo), 0);
		assert_int_equal(coffer_backup_check(f->r, NULL, NULL), 0);
		lo.no_lock = 0;
		assert_int_equal(coffer_backup_lock_configure(f->r, &lo), 0);
	}
	memset(n, 0, sizeof(n));
	assert_int_equal(coffer_backup_unlock(f->r, 1, count_lock, n), 0);
	assert_int_equal(n[0], 2);
	assert_int_equal(n[1], 2);
	assert_int_equal(n[2], 0);
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL), 0);
	/* our own locks are gone after each run */
	memset(n, 0, sizeof(n));
	assert_int_equal(coffer_backup_unlock(f->r, 0, count_lock, n), 0);
	assert_int_equal(n[0], 0);
}

/* A pid that is gone, from now: a child that exited. */
static pid_t
gone_pid(void)
{
	pid_t gone;

	if ((gone = fork()) == 0)
		_exit(0);
	assert_true(gone > 0);
	assert_int_equal(waitpid(gone, NULL, 0), gone);
	return gone;
}

/* Stale: expired by this clock; this installation and a pid that is
 * gone; this installation, this pid, and no handle of this process holds
 * it. Stale locks block nothing, and unlock removes exactly them. */
static void
test_stale(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_lock_options lo = { .host = "testhost" };
	uint8_t name[16], me[BK_LOCK_MACHINE];
	int n[3] = { 0, 0, 0 };
	pid_t gone;

	assert_int_equal(coffer_backup_lock_configure(f->r, &lo), 0);
	machine_of(f->cache, me);
	gone = gone_pid();
	put_lock(f, BK_LOCK_EXCLUSIVE, now_ns() - (int64_t)1801 * 1000000000,
	    1, "otherhost", NULL, name);
	put_lock(f, BK_LOCK_EXCLUSIVE, now_ns(), (uint32_t)gone, "testhost",
	    me, name);
	put_lock(f, BK_LOCK_EXCLUSIVE, now_ns(), (uint32_t)getpid(),
	    "testhost", me, name);
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL), 0);
	/* and a live one, of a process that is there (ours' parent) */
	put_lock(f, BK_LOCK_EXCLUSIVE, now_ns(), (uint32_t)getppid(),
	    "testhost", me, name);
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL),
	    COFFER_ERR_BUSY);
	assert_int_equal(coffer_backup_unlock(f->r, 0, count_lock, n), 0);
	assert_int_equal(n[0], 4);
	assert_int_equal(n[1], 3);
	assert_int_equal(n[2], 3);
	memset(n, 0, sizeof(n));
	assert_int_equal(coffer_backup_unlock(f->r, 0, count_lock, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 0);
}

/* Two installations of one host name (cloned VMs, laptops called
 * "ubuntu"): the other's live lock, whose pid does not exist here, is
 * not stale here; it was before (prune ran over a live backup). */
static void
test_same_host_other_machine(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_lock_options lo = { .host = "ubuntu" };
	uint8_t name[16], other[BK_LOCK_MACHINE], me[BK_LOCK_MACHINE];
	char dir[160];
	int n[3] = { 0, 0, 0 };
	pid_t gone = gone_pid();

	snprintf(dir, sizeof(dir), "%s/cache2", f->base);
	assert_int_equal(mkdir(dir, 0700), 0);
	machine_of(dir, other);
	machine_of(f->cache, me);
	assert_memory_not_equal(other, me, BK_LOCK_MACHINE);
	assert_int_equal(coffer_backup_lock_configure(f->r, &lo), 0);
	put_lock(f, BK_LOCK_SHARED, now_ns(), (uint32_t)gone, "ubuntu", other,
	    name);
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL),
	    COFFER_ERR_BUSY);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "host \"ubuntu\""));
	assert_int_equal(coffer_backup_unlock(f->r, 0, count_lock, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[2], 0);
	/* The same lock written by this installation: stale. */
	assert_int_equal(coffer_backup_unlock(f->r, 1, NULL, NULL), 0);
	put_lock(f, BK_LOCK_SHARED, now_ns(), (uint32_t)gone, "ubuntu", me,
	    name);
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL), 0);
}

/* A lock's time is bounded: dated more than its ttl ahead of the
 * reader's clock (a writer's clock reset to 2099), it is stale, as is a
 * time so far off that now - time overflows (no arithmetic UB). */
static void
test_stale_times(void **state)
{
	struct bk_lock l;
	uint8_t me[BK_LOCK_MACHINE];
	int64_t now = now_ns(), ttl = (int64_t)1800 * 1000000000;

	(void)state;
	memset(&l, 0, sizeof(l));
	memset(me, 0x11, sizeof(me));
	l.kind = BK_LOCK_EXCLUSIVE;
	l.ttl_s = 1800;
	l.pid = 1;
	memset(l.machine, 0x22, sizeof(l.machine));
	l.time_ns = now;
	assert_int_equal(lock_stale(&l, me, now), 0);
	l.time_ns = now + ttl;		/* a clock ahead by the ttl: live */
	assert_int_equal(lock_stale(&l, me, now), 0);
	l.time_ns = now + ttl + 1000000000;
	assert_int_equal(lock_stale(&l, me, now), 1);
	l.time_ns = INT64_MAX;
	assert_int_equal(lock_stale(&l, me, now), 1);
	l.time_ns = INT64_MIN;
	assert_int_equal(lock_stale(&l, me, now), 1);
	l.time_ns = now;
	assert_int_equal(lock_stale(&l, me, INT64_MIN), 1);
}

struct race {
	struct coffer_backup_repo	*pruner;
	int				 rc;
	struct coffer_backup_prune_stats st;
};

static int
race_prune(void *arg)
{
	struct race *ra = arg;

	ra->rc = coffer_backup_prune(ra->pruner, NULL, &ra->st);
	return 0;
}

/* One device backs up a folder; the snapshot is forgotten; the device
 * backs it up again, deduplicating every chunk against its index, and
 * between its dedup and its refs a second device prunes. Returns the
 * prune's result; *missing gets whether check --read-data found damage. */
static int
race(struct bfx *f, int locks, int *damaged)
{
	struct coffer_backup_policy pol = { .remove_all = 1 };
	struct coffer_backup_lock_options lo = { .no_lock = !locks };
	struct coffer_backup_repo *a = NULL;
	struct coffer_backup_options o;
	struct hks h;
	struct race ra;
	char cache2[128];
	const char *paths[1] = { f->src };
	uint8_t id[16], data[300000];
	int rc;

	randombytes_buf(data, sizeof(data));
	bfx_write_file(f->src, "big", data, sizeof(data));
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	/* device A: its own handle over the hooked store */
	hks_init(&h, &f->ts.out);
	snprintf(cache2, sizeof(cache2), "%s/cache-a", f->base);
	assert_int_equal(coffer_backup_open(&a, &h.out,
	    (const struct coffer_key *const *)f->keys, f->nkeys, cache2), 0);
	bfx_sign(a);
	memset(&o, 0, sizeof(o));
	o.cdc = &bfx_small_cdc;
	o.pack_size = 256 * 1024;
	o.host = "testhost";
	assert_int_equal(coffer_backup_create(a, paths, 1, &o, id), 0);
	assert_int_equal(coffer_backup_forget(a, &pol, NULL), 0);
	assert_int_equal(coffer_backup_lock_configure(a, &lo), 0);
	assert_int_equal(coffer_backup_lock_configure(f->r, &lo), 0);
	memset(&ra, 0, sizeof(ra));
	ra.pruner = f->r;
	/* the lock's own put first */
	hks_arm(&h, locks ? 1 : 0, race_prune, &ra);
	assert_int_equal(coffer_backup_create(a, paths, 1, &o, id), 0);
	coffer_backup_close(&a);
	rc = ra.rc;
	lo.no_lock = 0;
	assert_int_equal(coffer_backup_lock_configure(f->r, &lo), 0);
	{
		struct coffer_backup_check_options co = { .read_data = 1 };

		*damaged = coffer_backup_check(f->r, &co, NULL) != 0;
	}
	return rc;
}

static void
test_race_without_lock(void **state)
{
	int damaged = 0;

	assert_int_equal(race(*state, 0, &damaged), 0);
	assert_true(damaged);	/* the pack the backup reused is gone */
}

static void
test_race_with_lock(void **state)
{
	struct bfx *f = *state;
	int damaged = 1;

	assert_int_equal(race(f, 1, &damaged), COFFER_ERR_BUSY);
	assert_false(damaged);
	/* after the backup, prune runs and keeps what it uses */
	assert_int_equal(coffer_backup_prune(f->r, NULL, NULL), 0);
	{
		struct coffer_backup_check_options co = { .read_data = 1 };

		assert_int_equal(coffer_backup_check(f->r, &co, NULL), 0);
	}
}

static void
note(void *arg, int level, const char *msg)
{
	int *n = arg;

	if (level == COFFER_CHECK_INFO && strstr(msg, "no index names it"))
		n[0]++;
	if (level == COFFER_CHECK_INFO && strstr(msg, "carry no tag"))
		n[1]++;
}

static void
put_blob(struct bfx *f, const uint8_t id[32])
{
	struct coffer_bstore_xfer x;
	uint8_t d[100];

	memset(&x, 0, sizeof(x));
	memcpy(x.id, id, 32);
	randombytes_buf(d, sizeof(d));
	x.data = d;
	x.len = sizeof(d);
	assert_int_equal(f->ts.in.ops->put_many(f->ts.in.ctx, &x, 1), 0);
}

/* Orphans: a pack of this set no index names (a crashed run's), a blob
 * of another set (tagged under its key) and an untagged one. check
 * reports the first as an orphan and counts the other two; the first
 * prune only records it, the next removes it; the others stay. */
static void
test_orphans(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_check_options co = { 0 };
	struct coffer_backup_prune_options po;
	struct coffer_backup_prune_stats st;
	struct bk_keyring *mine = NULL, *other = NULL;
	struct coffer_key *ok = NULL;
	uint8_t orphan[32], foreign[32], old[32], id[16];
	uint64_t sz[3];
	uint8_t ids[3][32];
	int n[2] = { 0, 0 };

	bfx_write_file(f->src, "a", (const uint8_t *)"alpha", 5);
	assert_int_equal(bfx_backup(f, NULL, id), 0);
	assert_int_equal(bk_keyring_new(&mine,
	    (const struct coffer_key *const *)f->keys, f->nkeys), 0);
	assert_int_equal(coffer_key_generate(&ok, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(bk_keyring_new(&other,
	    (const struct coffer_key *const *)&ok, 1), 0);
	bk_blob_id(mine, orphan);
	bk_blob_id(other, foreign);
	randombytes_buf(old, sizeof(old));
	assert_true(bk_blob_ours(mine, orphan));
	assert_false(bk_blob_ours(mine, foreign));
	put_blob(f, orphan);
	put_blob(f, foreign);
	put_blob(f, old);

	co.fn = note;
	co.arg = n;
	assert_int_equal(coffer_backup_check(f->r, &co, NULL), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 1);

	memset(&po, 0, sizeof(po));
	po.orphan_grace_s = -1;		/* any earlier run */
	assert_int_equal(coffer_backup_prune(f->r, &po, &st), 0);
	assert_int_equal(st.orphans, 1);
	assert_int_equal(st.orphans_deleted, 0);
	/* a grace too long to count in ns is a century, not an overflow
	 * that deleted at once */
	po.orphan_grace_s = LONG_MAX;
	assert_int_equal(coffer_backup_prune(f->r, &po, &st), 0);
	assert_int_equal(st.orphans_deleted, 0);
	po.orphan_grace_s = -1;
	/* the default grace (a day) keeps it a second time */
	assert_int_equal(coffer_backup_prune(f->r, NULL, &st), 0);
	assert_int_equal(st.orphans_deleted, 0);
	assert_int_equal(coffer_backup_prune(f->r, &po, &st), 0);
	assert_int_equal(st.orphans, 1);
	assert_int_equal(st.orphans_deleted, 1);
	memcpy(ids[0], orphan, 32);
	memcpy(ids[1], foreign, 32);
	memcpy(ids[2], old, 32);
	assert_int_equal(f->ts.in.ops->exists(f->ts.in.ctx,
	    (const uint8_t (*)[32])ids, 3, sz), 0);
	assert_true(sz[0] == COFFER_BSTORE_ABSENT);
	assert_true(sz[1] == 100);
	assert_true(sz[2] == 100);
	/* and the set is whole */
	co.read_data = 1;
	memset(n, 0, sizeof(n));
	assert_int_equal(coffer_backup_check(f->r, &co, NULL), 0);
	assert_int_equal(n[0], 0);
	bk_keyring_free(&mine);
	bk_keyring_free(&other);
	coffer_key_free(&ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conflicts, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test_setup_teardown(test_stale, bfx_setup,
		    bfx_teardown),
		cmocka_unit_test(test_stale_times),
		cmocka_unit_test_setup_teardown(test_same_host_other_machine,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_race_without_lock,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_race_with_lock,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_orphans, bfx_setup,
		    bfx_teardown),
	};

	return cmocka_run_group_tests_name("backup_lock", tests, NULL, NULL);
}
