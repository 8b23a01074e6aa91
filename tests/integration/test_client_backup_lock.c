/* Several devices on one backup set, against the real cofferd (issue 11,
 * item 6): two homes of one account back up while a third prunes, then
 * check --read-data finds nothing missing; without the lock (no_lock) the
 * same interleaving loses the packs both backups reused. The interleaving
 * is fixed, not timed: the laptop's backup, past its dedup and before its
 * INDEX ref, runs the phone's (hook_store.h), whose own INDEX ref step
 * runs the tablet's prune. Then a backup that stops before its refs
 * leaves blobs that check reports as orphans, found through the client
 * store's list (GET /v1/blobs). */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "client_fixture.h"
#include "hook_store.h"

#define NDEV	3

struct dev {
	struct coffer_client		*cl;
	struct coffer_bstore		 st;
	struct hks			 h;
	struct coffer_key		*k[8];
	size_t				 n;
	struct coffer_backup_repo	*r;
	const char			*name;
	char				 src[4200];
};

/* One run: the three devices on the set ${set}, and what each step did. */
struct run {
	struct dev	d[NDEV];		/* laptop, phone, tablet */
	int		locks;
	int		phone_rc, prune_rc;
	struct coffer_backup_prune_stats ps;
	char		prune_detail[512];
};

static void
put_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[4400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
dev_open(struct dev *d, const char *set, int locks)
{
	struct coffer_backup_lock_options lo;
	struct coffer_backup_signer sg;
	char cache[4200];

	snprintf(cache, sizeof(cache), "%s/%s-%s-cache", client_fx_tmp(), set,
	    d->name);
	snprintf(d->src, sizeof(d->src), "%s/%s-%s-src", client_fx_tmp(), set,
	    d->name);
	assert_int_equal(mkdir(d->src, 0700), 0);
	assert_int_equal(coffer_client_backup_store(d->cl, set, &d->st), 0);
	assert_int_equal(coffer_client_backup_keys(d->cl, set, d->k, 8, &d->n),
	    0);
	hks_init(&d->h, &d->st);
	assert_int_equal(coffer_backup_open(&d->r, &d->h.out,
	    (const struct coffer_key *const *)d->k, d->n, cache), 0);
	memset(&lo, 0, sizeof(lo));
	lo.device = d->name;
	lo.no_lock = !locks;
	assert_int_equal(coffer_backup_lock_configure(d->r, &lo), 0);
	/* forget signs with the account key */
	assert_int_equal(coffer_client_backup_signer(d->cl, set, &sg), 0);
	assert_int_equal(coffer_backup_set_signer(d->r, &sg), 0);
}

static void
dev_close(struct dev *d)
{
	coffer_backup_close(&d->r);
	while (d->n > 0)
		coffer_key_free(&d->k[--d->n]);
	coffer_client_backup_store_close(&d->st);
	coffer_client_free(&d->cl);
}

static int
backup(struct dev *d, uint8_t id[COFFER_SNAPSHOT_ID_BYTES])
{
	const char *paths[1] = { d->src };

	return coffer_backup_create(d->r, paths, 1, NULL, id);
}

/* The phone's INDEX ref step: the tablet prunes. */
static int
tablet_prunes(void *arg)
{
	struct run *ru = arg;

	ru->prune_rc = coffer_backup_prune(ru->d[2].r, NULL, &ru->ps);
	snprintf(ru->prune_detail, sizeof(ru->prune_detail), "%s",
	    coffer_backup_error_detail(ru->d[2].r));
	return 0;
}

/* The laptop's INDEX ref step: the phone backs up (a shared lock beside
 * the laptop's), and prunes from the tablet at its own. */
static int
phone_backs_up(void *arg)
{
	struct run *ru = arg;
	uint8_t id[COFFER_SNAPSHOT_ID_BYTES];

	/* with locks, each run's first ref is its lock */
	hks_arm(&ru->d[1].h, ru->locks, tablet_prunes, ru);
	ru->phone_rc = backup(&ru->d[1], id);
	return 0;
}

static void
count_notes(void *arg, int level, const char *msg)
{
	unsigned *n = arg;

	if (level == COFFER_CHECK_INFO && strstr(msg, "no index names it"))
		n[0]++;
	if (level == COFFER_CHECK_ERROR)
		n[1]++;
}

/* The three devices of a new account on the set ${set}; the laptop backs
 * up a file, the phone and tablet open the set (the phone's index holds
 * the laptop's packs), the tablet forgets every snapshot. Then the
 * interleaved run. Returns check --read-data's result. */
static int
interleave(struct run *ru, const char *set, int locks)
{
	static const char *const names[NDEV] = { "laptop", "phone", "tablet" };
	struct coffer_backup_policy pol = { .remove_all = 1 };
	struct coffer_backup_check_options co = { .read_data = 1 };
	struct coffer_backup_lock_options lo;
	struct coffer_client_status ph, tb;
	char h[NDEV][4096], login[64];
	uint8_t id[COFFER_SNAPSHOT_ID_BYTES], *data;
	unsigned notes[2] = { 0, 0 };
	size_t i, len = 300000;
	int rc;

	memset(ru, 0, sizeof(*ru));
	ru->locks = locks;
	client_fx_three(set, h[0], h[1], h[2], login, &ru->d[0].cl,
	    &ru->d[1].cl, &ru->d[2].cl, &ph, &tb);
	assert_non_null(data = malloc(len));
	randombytes_buf(data, len);
	for (i = 0; i < NDEV; i++)
		ru->d[i].name = names[i];
	/* the laptop first: its set's key is made before the others ask */
	dev_open(&ru->d[0], set, locks);
	put_file(ru->d[0].src, "big", data, len);
	assert_int_equal(backup(&ru->d[0], id), 0);
	for (i = 1; i < NDEV; i++)
		dev_open(&ru->d[i], set, locks);
	put_file(ru->d[1].src, "big", data, len);
	free(data);
	assert_int_equal(coffer_backup_forget(ru->d[2].r, &pol, NULL), 0);

	hks_arm(&ru->d[0].h, locks, phone_backs_up, ru);
	assert_int_equal(backup(&ru->d[0], id), 0);
	assert_int_equal(ru->phone_rc, 0);

	/* check under a lock either way: it waits for nobody now */
	memset(&lo, 0, sizeof(lo));
	lo.device = "tablet";
	assert_int_equal(coffer_backup_lock_configure(ru->d[2].r, &lo), 0);
	co.fn = count_notes;
	co.arg = notes;
	rc = coffer_backup_check(ru->d[2].r, &co, NULL);
	assert_int_equal(rc == 0, notes[1] == 0);
	return rc;
}

static void
run_close(struct run *ru)
{
	size_t i;

	for (i = 0; i < NDEV; i++)
		dev_close(&ru->d[i]);
}

/* Without the lock the prune runs inside both backups and deletes the
 * packs they deduplicated against: check finds them missing (the
 * control, showing the interleaving bites). */
static void
test_without_lock(void **state)
{
	struct run ru;

	(void)state;
	assert_int_not_equal(interleave(&ru, "nolock", 0), 0);
	assert_int_equal(ru.prune_rc, 0);
	assert_true(ru.ps.packs_deleted > 0);
	run_close(&ru);
}

/* A backup stopped at its INDEX ref (the store fails it). */
static int
ref_fails(void *arg)
{
	(void)arg;
	return COFFER_ERR_IO;
}

/* With the lock the prune finds the backups' shared locks and stops
 * (BUSY), nothing is lost; pruned after, the set is still whole. A
 * backup that stops before its refs leaves orphans, which check reports
 * from the server's blob listing. */
static void
test_with_lock(void **state)
{
	struct coffer_backup_check_options co = { .read_data = 1 };
	struct run ru;
	uint8_t id[COFFER_SNAPSHOT_ID_BYTES];
	unsigned notes[2] = { 0, 0 };
	const char *detail;

	(void)state;
	assert_int_equal(interleave(&ru, "locked", 1), 0);
	assert_int_equal(ru.prune_rc, COFFER_ERR_BUSY);
	/* the detail names the holder it met first, by its device's name */
	detail = ru.prune_detail;
	assert_true(strstr(detail, "device \"laptop\"") != NULL ||
	    strstr(detail, "device \"phone\"") != NULL);
	assert_int_equal(coffer_backup_prune(ru.d[2].r, NULL, &ru.ps), 0);
	co.fn = count_notes;
	co.arg = notes;
	assert_int_equal(coffer_backup_check(ru.d[0].r, &co, NULL), 0);
	assert_int_equal(notes[0], 0);

	/* the phone's next backup stops at its INDEX ref: orphans */
	put_file(ru.d[1].src, "new", (const uint8_t *)"new bytes", 9);
	hks_arm(&ru.d[1].h, 1, ref_fails, NULL);
	assert_int_not_equal(backup(&ru.d[1], id), 0);
	assert_int_equal(coffer_backup_check(ru.d[0].r, &co, NULL), 0);
	assert_true(notes[0] >= 1);
	assert_int_equal(notes[1], 0);
	run_close(&ru);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_lock),
		cmocka_unit_test(test_with_lock),
	};

	return cmocka_run_group_tests(tests, client_fx_setup,
	    client_fx_teardown);
}
