/* Snapshots a server cannot hide (docs/PROTOCOL-backup.md, "Refs a
 * server cannot roll back"), over the folder store, attacked as its
 * operator would: delete a snapshot ref, put back a forgotten snapshot's
 * ref (its saved bytes), put back a superseded INDEX ref after prune,
 * forge or alter a FORGET, replay a FORGET made for another set. Each
 * attack is found by check (COFFER_ERR_ROLLBACK, a finding naming the
 * snapshot or ref) and by list (a warning; what was brought back is not
 * listed), and the repository keeps working. Before the change (no
 * counters, no FORGET, no memory) every one went unnoticed: check
 * returned 0, or the repository stopped opening. The parts that need the
 * new API sit under #ifdef, so this file also builds against the engine
 * before the change (with COFFER_ERR_ROLLBACK defined as -29) to show
 * that each attack test fails there. */
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

#include "backup/format.h"
#include "backup_fixture.h"

/* What list and check said. */
struct heard {
	char		 text[8192];
	unsigned	 n;
	uint8_t		 ids[16][16];
	size_t		 nids;
};

static void
heard_add(struct heard *h, const char *msg)
{
	size_t l = strlen(h->text);

	snprintf(h->text + l, sizeof(h->text) - l, "%s\n", msg);
	h->n++;
}

static int
list_fn(void *arg, const struct coffer_backup_snapshot *s)
{
	struct heard *h = arg;

	if (h->nids < 16)
		memcpy(h->ids[h->nids++], s->id, 16);
	return 0;
}

#ifdef COFFER_BACKUP_SIGNER_V1
static void
warn_fn(void *arg, const char *msg)
{
	heard_add(arg, msg);
}
#endif

static void
problem_fn(void *arg, int level, const char *msg)
{
	(void)level;
	heard_add(arg, msg);
}

/* List: the snapshots into h->ids, the warnings into h->text. */
static void
list(struct bfx *f, struct heard *h)
{
	memset(h, 0, sizeof(*h));
#ifdef COFFER_BACKUP_SIGNER_V1
	coffer_backup_set_warn(f->r, warn_fn, h);
#endif
	assert_int_equal(coffer_backup_list(f->r, list_fn, h), 0);
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

static int
check(struct bfx *f, struct heard *h, struct coffer_backup_check_stats *st)
{
	struct coffer_backup_check_options o;

	memset(h, 0, sizeof(*h));
	memset(&o, 0, sizeof(o));
	o.fn = problem_fn;
	o.arg = h;
	return coffer_backup_check(f->r, &o, st);
}

static int
hex_in(const char *text, const uint8_t *id, size_t n)
{
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), id, n);
	return strstr(text, hex) != NULL;
}

/* A source file whose content makes each backup differ. */
static void
backup_n(struct bfx *f, int n, uint8_t ids[][16])
{
	uint8_t buf[3000];
	int i;

	for (i = 0; i < n; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		randombytes_buf(buf, 64);
		bfx_write_file(f->src, "file", buf, sizeof(buf));
		assert_int_equal(bfx_backup(f, NULL, ids[i]), 0);
	}
}

/* The raw refs of the store: names, bytes. */
struct raw {
	uint8_t		 name[32][16];
	uint8_t		*data[32];
	size_t		 len[32];
	size_t		 n;
};

static int
raw_fn(void *arg, const uint8_t name[16], const uint8_t *data, size_t len)
{
	struct raw *w = arg;

	if (w->n == 32)
		return 0;
	memcpy(w->name[w->n], name, 16);
	w->data[w->n] = malloc(len);
	assert_non_null(w->data[w->n]);
	memcpy(w->data[w->n], data, len);
	w->len[w->n++] = len;
	return 0;
}

static void
raw_list(struct bfx *f, struct raw *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(f->ts.in.ops->ref_list(f->ts.in.ctx, raw_fn, w), 0);
}

static void
raw_free(struct raw *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->data[i]);
}

/* The kind of a raw ref, opened with the set's key. */
static uint8_t
raw_kind(struct bfx *f, const struct raw *w, size_t i)
{
	struct coffer_buf *body = coffer_buf_new_secret(COFFER_BSTORE_REF_MAX);
	struct bk_keyring *kr = NULL;
	uint8_t kind = 0;

	assert_non_null(body);
	assert_int_equal(bk_keyring_new(&kr,
	    (const struct coffer_key *const *)f->keys, f->nkeys), 0);
	assert_int_equal(bk_box_open(kr, &kind, w->name[i], 16, w->data[i],
	    w->len[i], body), 0);
	bk_keyring_free(&kr);
	coffer_buf_free(&body);
	return kind;
}

/* The server deletes a snapshot ref: hidden, reported. */
static void
test_hidden_snapshot(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_check_stats st;
	struct heard h;
	uint8_t ids[2][16];

	backup_n(f, 2, ids);
	list(f, &h);
	assert_int_equal(h.nids, 2);
	assert_int_equal(f->ts.in.ops->ref_del(f->ts.in.ctx, ids[0]), 0);
	list(f, &h);
	assert_int_equal(h.nids, 1);
	assert_true(hex_in(h.text, ids[0], 16));
	assert_non_null(strstr(h.text, "without a signed forget"));
	assert_int_equal(check(f, &h, &st), COFFER_ERR_ROLLBACK);
	assert_true(hex_in(h.text, ids[0], 16));
	/* The memory survives closing: another run reports it too. */
	bfx_open(f);
	assert_int_equal(check(f, &h, &st), COFFER_ERR_ROLLBACK);
	assert_true(hex_in(h.text, ids[0], 16));
}

/* The server withholds every ref newer than some point: rolled back. */
static void
test_refs_rolled_back(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_check_stats st;
	struct raw w;
	struct heard h;
	uint8_t ids[1][16];
	size_t i;

	backup_n(f, 1, ids);
	list(f, &h);
	raw_list(f, &w);
	for (i = 0; i < w.n; i++)
		assert_int_equal(f->ts.in.ops->ref_del(f->ts.in.ctx,
		    w.name[i]), 0);
	raw_free(&w);
	assert_int_equal(check(f, &h, &st), COFFER_ERR_ROLLBACK);
	assert_non_null(strstr(h.text, "withholds or removed refs"));
}

/* The server puts back a forgotten snapshot's ref: not listed, reported. */
static void
test_forgotten_comes_back(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_policy pol = { .keep_last = 1 };
	struct coffer_backup_check_stats st;
	struct raw w;
	struct heard h;
	uint8_t ids[2][16];
	size_t i;
	int put = 0;

	backup_n(f, 2, ids);
	raw_list(f, &w);
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	list(f, &h);
	assert_int_equal(h.nids, 1);
	assert_int_equal(h.n, 0);
	for (i = 0; i < w.n; i++)
		if (memcmp(w.name[i], ids[0], 16) == 0) {
			assert_int_equal(f->ts.in.ops->ref_put(f->ts.in.ctx,
			    w.name[i], w.data[i], w.len[i]), 0);
			put = 1;
		}
	raw_free(&w);
	assert_true(put);
	list(f, &h);
	assert_int_equal(h.nids, 1);
	assert_false(listed(&h, ids[0]));
	assert_true(hex_in(h.text, ids[0], 16));
	assert_int_equal(check(f, &h, &st), COFFER_ERR_ROLLBACK);
	assert_true(hex_in(h.text, ids[0], 16));
	assert_non_null(strstr(h.text, "brought it back"));
	/* A device that never saw it listed, and holds no memory: the
	 * FORGET ref in the repository tells it. */
	coffer_backup_close(&f->r);
	snprintf(f->cache + strlen(f->cache), sizeof(f->cache) -
	    strlen(f->cache), "-fresh");
	bfx_open(f);
	list(f, &h);
	assert_false(listed(&h, ids[0]));
	assert_int_equal(h.nids, 1);
}

/* The server puts back a superseded INDEX ref after prune: ignored (the
 * repository opens and restores), reported. */
static void
test_superseded_index(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_policy pol = { .keep_last = 1 };
	struct coffer_backup_prune_options po;
	struct coffer_backup_check_stats st;
	struct raw w;
	struct heard h;
	uint8_t ids[2][16];
	char out[256];
	size_t i;
	int put = 0;

	backup_n(f, 2, ids);
	raw_list(f, &w);
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	memset(&po, 0, sizeof(po));
	po.max_unused_pct = -1;
	assert_int_equal(coffer_backup_prune(f->r, &po, NULL), 0);
	for (i = 0; i < w.n; i++)
		if (raw_kind(f, &w, i) == BK_KIND_INDEX) {
			assert_int_equal(f->ts.in.ops->ref_put(f->ts.in.ctx,
			    w.name[i], w.data[i], w.len[i]), 0);
			put++;
		}
	raw_free(&w);
	assert_true(put >= 2);
	/* This device, and one that never saw the prune, both open the set,
	 * restore, and say what the server did. */
	for (i = 0; i < 2; i++) {
		if (i == 1)
			snprintf(f->cache + strlen(f->cache),
			    sizeof(f->cache) - strlen(f->cache), "-fresh");
		coffer_backup_close(&f->r);
		bfx_open(f);
		list(f, &h);
		assert_int_equal(h.nids, 1);
		assert_non_null(strstr(h.text, "below the floor"));
		snprintf(out, sizeof(out), "%s-r%zu", f->dst, i);
		if (coffer_backup_restore(f->r, ids[1], NULL, out, NULL) != 0)
			fail_msg("restore: %s",
			    coffer_backup_error_detail(f->r));
		assert_int_equal(check(f, &h, &st), 0);
		assert_true(st.infos >= 1);
		assert_non_null(strstr(h.text, "below the floor"));
	}
	/* The next prune deletes them. */
	assert_int_equal(coffer_backup_prune(f->r, &po, NULL), 0);
	assert_int_equal(check(f, &h, &st), 0);
	assert_null(strstr(h.text, "below the floor"));
}

#ifdef BK_FORGET_VERSION
/* Store a FORGET of ${victim} signed by ${s} for the set ${s} names,
 * sealed with the set's key (as a device could). */
static void
put_forget(struct bfx *f, struct bfx_signer *s, const uint8_t victim[16],
    int alter)
{
	struct coffer_buf *m = coffer_buf_new(4096), *b = coffer_buf_new(
	    COFFER_BSTORE_REF_MAX);
	struct bk_keyring *kr = NULL;
	struct bk_forget fg;
	uint8_t name[16], names[1][16];

	assert_non_null(m);
	assert_non_null(b);
	assert_int_equal(bk_keyring_new(&kr,
	    (const struct coffer_key *const *)f->keys, f->nkeys), 0);
	memset(&fg, 0, sizeof(fg));
	memcpy(names[0], victim, 16);
	fg.counter = 1000;
	fg.names = names;
	fg.n = 1;
	randombytes_buf(name, 16);
	assert_int_equal(bk_forget_message(s->s.set, name, &fg, m), 0);
	assert_int_equal(s->s.sign(s, BK_FORGET_CONTEXT, coffer_buf_data(m),
	    coffer_buf_len(m), fg.sig, fg.pk), 0);
	if (alter)
		fg.counter++;	/* signed, then changed */
	assert_int_equal(bk_forget_encode(kr, name, &fg, b), 0);
	assert_int_equal(f->ts.in.ops->ref_put(f->ts.in.ctx, name,
	    coffer_buf_data(b), coffer_buf_len(b)), 0);
	bk_keyring_free(&kr);
	coffer_buf_free(&m);
	coffer_buf_free(&b);
}
#endif

/* A FORGET the account did not sign (forged with another key, altered
 * after signing, or signed for another set: a replay) does not count:
 * the snapshot it names, which this device saw, is reported hidden. */
static void
bad_forget(void **state, uint8_t seed, uint8_t set, int alter)
{
	struct bfx *f = *state;
	struct coffer_backup_check_stats st;
	struct heard h;
	uint8_t ids[2][16];
#ifdef BK_FORGET_VERSION
	struct bfx_signer other;

	bfx_signer_init(&other, seed, set);
#else
	(void)seed;
	(void)set;
	(void)alter;
#endif
	backup_n(f, 2, ids);
	list(f, &h);
#ifdef BK_FORGET_VERSION
	put_forget(f, &other, ids[0], alter);
	bfx_signer_cleanup(&other);
#endif
	assert_int_equal(f->ts.in.ops->ref_del(f->ts.in.ctx, ids[0]), 0);
	list(f, &h);
	assert_int_equal(h.nids, 1);
	assert_int_equal(check(f, &h, &st), COFFER_ERR_ROLLBACK);
	if (strstr(h.text, "fails its signature check") == NULL)
		fail_msg("check said: %s", h.text);
	assert_true(hex_in(h.text, ids[0], 16));
	assert_non_null(strstr(h.text, "without a signed forget"));
}

static void
test_forged_forget(void **state)
{
	bad_forget(state, 0x77, 0x01, 0);	/* not the account's key */
}

static void
test_altered_forget(void **state)
{
	bad_forget(state, 0x5a, 0x01, 1);	/* the account's, altered */
}

static void
test_forget_of_another_set(void **state)
{
	bad_forget(state, 0x5a, 0x02, 0);	/* the account's, set 2 */
}

/* A forget this account signed counts on every device: a device that
 * saw the snapshot hears nothing. */
static void
test_signed_forget_is_quiet(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_policy pol = { .keep_last = 1 };
	struct coffer_backup_check_stats st;
	struct heard h;
	uint8_t ids[2][16];
	char other[96];

	backup_n(f, 2, ids);
	list(f, &h);
	/* Another device (its own cache) forgets. */
	memcpy(other, f->cache, sizeof(other));
	snprintf(f->cache + strlen(f->cache), sizeof(f->cache) -
	    strlen(f->cache), "-other");
	bfx_open(f);
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL), 0);
	memcpy(f->cache, other, sizeof(other));
	bfx_open(f);
	list(f, &h);
	assert_int_equal(h.nids, 1);
	assert_int_equal(h.n, 0);
	assert_int_equal(check(f, &h, &st), 0);
#ifdef COFFER_BACKUP_SIGNER_V1
	/* Without a signer forget is refused. */
	assert_int_equal(coffer_backup_set_signer(f->r, NULL), 0);
	pol.remove_all = 1;
	pol.keep_last = 0;
	assert_int_equal(coffer_backup_forget(f->r, &pol, NULL),
	    COFFER_ERR_STATE);
	list(f, &h);
	assert_int_equal(h.nids, 1);
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hidden_snapshot,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_refs_rolled_back,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_forgotten_comes_back,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_superseded_index,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_forged_forget,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_altered_forget,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_forget_of_another_set,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_signed_forget_is_quiet,
		    bfx_setup, bfx_teardown),
	};

	return cmocka_run_group_tests_name("backup_seen", tests, NULL, NULL);
}
