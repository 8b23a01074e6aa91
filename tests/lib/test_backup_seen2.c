/* The listing the audit judged is the listing every walk uses (review 11,
 * F1). The operator's store answers the audit's listing honestly and
 * lies to any other: it hides a snapshot the device remembers, or puts
 * back a forgotten snapshot's saved ref. Before the fix, prune marked
 * from a second listing and deleted the hidden snapshot's packs (rc 0,
 * no warning), and list and restore used the forgotten snapshot again.
 * Now there is no second listing: prune deletes nothing and list shows
 * what the audit judged. */
#include <sys/stat.h>

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
#include "hook_store.h"

struct heard {
	char		 text[8192];
	uint8_t		 ids[16][16];
	size_t		 nids;
};

static void
warn_fn(void *arg, const char *msg)
{
	struct heard *h = arg;
	size_t l = strlen(h->text);

	snprintf(h->text + l, sizeof(h->text) - l, "%s\n", msg);
}

static int
list_fn(void *arg, const struct coffer_backup_snapshot *s)
{
	struct heard *h = arg;

	if (h->nids < 16)
		memcpy(h->ids[h->nids++], s->id, 16);
	return 0;
}

static int
listed(const struct heard *h, const uint8_t id[16])
{
	size_t i;

	for (i = 0; i < h->nids; i++)
		if (memcmp(h->ids[i], id, 16) == 0)
			return 1;
	return 0;
}

static void
rand_file(struct bfx *f, const char *name, size_t n)
{
	uint8_t *p = malloc(n);

	assert_non_null(p);
	randombytes_buf(p, n);
	bfx_write_file(f->src, name, p, n);
	free(p);
}

/* The same device (its cache folder) over the liar ${h}. */
static void
open_liar(struct bfx *f, struct hks *h, struct heard *heard)
{
	hks_init(h, &f->ts.in);
	coffer_backup_close(&f->r);
	assert_int_equal(coffer_backup_open(&f->r, &h->out,
	    (const struct coffer_key *const *)f->keys, f->nkeys, f->cache), 0);
	bfx_sign(f->r);
	memset(heard, 0, sizeof(*heard));
	coffer_backup_set_warn(f->r, warn_fn, heard);
}

static void
test_prune_hidden_after_audit(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_prune_options po;
	struct coffer_backup_prune_stats ps;
	struct coffer_backup_options ro;
	struct hks h;
	struct heard hd;
	uint8_t s1[16], s2[16];
	char p[200];
	int rc;

	rand_file(f, "a", 300 * 1024);
	assert_int_equal(bfx_backup(f, NULL, s1), 0);
	snprintf(p, sizeof(p), "%s/a", f->src);
	assert_int_equal(unlink(p), 0);
	rand_file(f, "b", 300 * 1024);
	assert_int_equal(bfx_backup(f, NULL, s2), 0);
	memset(&hd, 0, sizeof(hd));
	assert_int_equal(coffer_backup_list(f->r, list_fn, &hd), 0);
	assert_true(listed(&hd, s1) && listed(&hd, s2));

	open_liar(f, &h, &hd);
	hks_lie(&h, s1, NULL, NULL, 0);
	assert_int_equal(coffer_backup_list(f->r, list_fn, &hd), 0);
	memset(&po, 0, sizeof(po));
	memset(&ps, 0, sizeof(ps));
	rc = coffer_backup_prune(f->r, &po, &ps);
	print_message("prune: %d (%s), packs deleted %llu, listings that "
	    "lied %u: %s\n", rc, coffer_strerror(rc),
	    (unsigned long long)ps.packs_deleted, h.lied,
	    coffer_backup_error_detail(f->r));
	assert_int_equal(rc, 0);
	assert_int_equal(ps.packs_deleted, 0);
	assert_int_equal(ps.snapshots, 2);	/* s1 marked */
	assert_string_equal(hd.text, "");

	bfx_open(f);
	snprintf(p, sizeof(p), "%s/r1", f->base);
	memset(&ro, 0, sizeof(ro));
	assert_int_equal(coffer_backup_restore(f->r, s1, NULL, p, &ro), 0);
}

/* Raw bytes of ref ${name}. */
struct grab {
	const uint8_t	*name;
	uint8_t		 data[COFFER_BSTORE_REF_MAX];
	size_t		 len;
};

static int
grab_fn(void *arg, const uint8_t name[16], const uint8_t *d, size_t l)
{
	struct grab *g = arg;

	if (memcmp(name, g->name, 16) == 0) {
		memcpy(g->data, d, l);
		g->len = l;
	}
	return 0;
}

static void
test_forgotten_back_after_audit(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_policy pol;
	struct coffer_backup_options ro;
	struct grab *g = calloc(1, sizeof(*g));
	struct hks h;
	struct heard hd;
	uint8_t s1[16], s2[16];
	char dst[160];

	assert_non_null(g);
	rand_file(f, "a", 20 * 1024);
	assert_int_equal(bfx_backup(f, NULL, s1), 0);
	rand_file(f, "a", 20 * 1024);
	assert_int_equal(bfx_backup(f, NULL, s2), 0);
	g->name = s1;
	assert_int_equal(f->ts.in.ops->ref_list(f->ts.in.ctx, grab_fn, g), 0);
	assert_true(g->len > 0);
	memset(&pol, 0, sizeof(pol));
	pol.keep_last = 1;
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);

	open_liar(f, &h, &hd);
	hks_lie(&h, NULL, s1, g->data, g->len);
	assert_int_equal(coffer_backup_list(f->r, list_fn, &hd), 0);
	assert_false(listed(&hd, s1));
	assert_true(listed(&hd, s2));
	snprintf(dst, sizeof(dst), "%s/r2", f->base);
	memset(&ro, 0, sizeof(ro));
	assert_int_not_equal(coffer_backup_restore(f->r, s1, NULL, dst, &ro),
	    0);
	assert_string_equal(hd.text, "");
	assert_int_equal(h.lied, 0);	/* list and restore: one listing each */
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prune_hidden_after_audit,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_forgotten_back_after_audit, bfx_setup, bfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
