/* The signed device list (lib/keys/devlist.c, devlist_names.c,
 * PROTOCOL-devices.md §2): a chain genesis, add, rename, remove made from
 * fixed seeds and checked; each chain rule broken once and refused with
 * its reason; every byte of an entry checked (a flip fails parsing or the
 * signature), every truncation refused; names sealed, opened and held to
 * their rules; and tests/vectors/devlist.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/device.h>
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/keychain.h>

#include "core/secret.h"
#include "core/sysendian.h"
#include "crypto/envelope_det.h"
#include "devchain.h"
#include "keys/devlist.h"
#include "keys/devlist_names.h"
#include "vecfile.h"

#define NAMES_CTX	"coffer/devlist-names/v1"

/* The chain, and D, a fourth device for an add that lists two. */
struct st {
	struct devchain		 c;
	struct coffer_device	*d;
};

static struct st *
st_new(void)
{
	struct st *s = calloc(1, sizeof(*s));

	if (s == NULL)
		abort();
	dc_init(&s->c);
	s->d = dc_device(0x80);
	return s;
}

static void
st_free(struct st *s)
{
	dc_cleanup(&s->c);
	coffer_device_free(&s->d);
	free(s);
}

static int
setup(void **state)
{
	*state = st_new();
	return 0;
}

static int
teardown(void **state)
{
	st_free(*state);
	return 0;
}

/* Make an entry from ${d} signed by ${signer}, and parse it into ${e}. */
static void
make(struct devlist_entry *e, const struct devlist_draft *d,
    const struct coffer_key *signer)
{
	struct coffer_buf *b = coffer_buf_new(DEVLIST_ENTRY_MAX);

	assert_non_null(b);
	dc_make(b, d, signer);
	dc_parse(e, coffer_buf_data(b), coffer_buf_len(b));
	coffer_buf_free(&b);
}

static void
test_chain(void **state)
{
	struct st *s = *state;
	struct devchain *c = &s->c;
	struct devlist_names t;
	char why[200];
	int i;

	assert_int_equal(devlist_verify_genesis(&c->e[0]), 0);
	for (i = 1; i < DC_ENTRIES; i++) {
		why[0] = '\0';
		if (devlist_verify_next(&c->e[i - 1], &c->e[i], why,
		    sizeof(why)) != 0)
			fail_msg("entry %d: %s", i + 1, why);
	}
	assert_int_equal(c->e[3].epoch, 2);
	assert_non_null(devlist_find(&c->e[1], coffer_device_id(c->dev[1])));
	assert_null(devlist_find(&c->e[3], coffer_device_id(c->dev[0])));
	assert_int_equal(c->e[1].names_len, 0);
	assert_true(c->e[2].names_len > 0);
	/* Out of order, or not a genesis. */
	assert_int_not_equal(devlist_verify_next(&c->e[0], &c->e[2], NULL,
	    0), 0);
	assert_int_not_equal(devlist_verify_next(&c->e[1], &c->e[1], NULL,
	    0), 0);
	assert_int_not_equal(devlist_verify_genesis(&c->e[1]), 0);
	/* The names each entry carries, under its own epoch's root. */
	assert_int_equal(devlist_names_open(&t, &c->e[1], c->root[0]), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(devlist_names_open(&t, &c->e[2], c->root[0]), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(devlist_names_find(&t,
	    coffer_device_id(c->dev[0])), "Ana's laptop");
	assert_int_equal(devlist_names_open(&t, &c->e[3], c->root[1]), 0);
	assert_int_equal(t.n, 1);
	assert_null(devlist_names_find(&t, coffer_device_id(c->dev[0])));
	assert_int_equal(devlist_names_open(&t, &c->e[3], c->root[0]),
	    COFFER_ERR_KEY);
	assert_int_equal(t.n, 0);
}

/* --- Entries made wrong on purpose ---------------------------------------
 * Each starts from a good next entry (a base) and spoils it once; the live
 * test and the vectors share the table. */

enum base {
	B_ADD,		/* after 2: B adds C */
	B_RENAME,	/* after 2: B renames itself */
	B_REMOVE,	/* after 3: B removes A, epoch 2 */
	B_AFTER		/* after 4: B adds C in epoch 2, signed by A_2 */
};

static const int base_prev[] = { 1, 1, 2, 3 };

struct bad {
	const char	*name;
	enum base	 base;
	void		(*spoil)(struct st *, struct devlist_draft *,
			    struct devlist_device *, const struct coffer_key **);
	const char	*why;
};

/* The base's draft and signer; its devices in ${v} (room for 4). */
static void
base_draft(struct st *s, enum base b, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **signer)
{
	struct devchain *c = &s->c;
	const struct devlist_entry *prev = &c->e[base_prev[b]];
	uint64_t seq = prev->seq + 1;
	int ep = b >= B_REMOVE;

	memset(v, 0, 4 * sizeof(*v));
	memcpy(v, c->listed, sizeof(c->listed));
	dc_listed(&v[2], c->dev[2], seq, c->dev[1], DC_TIME + seq);
	memset(d, 0, sizeof(*d));
	d->kind = b == B_RENAME ? DEVLIST_RENAME : b == B_REMOVE ?
	    DEVLIST_REMOVE : DEVLIST_ADD;
	d->seq = seq;
	d->account = c->account;
	d->prev = prev->hash;
	d->time = DC_TIME + seq;
	d->epoch = (uint32_t)ep + 1;
	d->account_pk = c->pk[ep];
	d->root_commit = c->commit[ep];
	d->actor = coffer_device_id(c->dev[1]);
	d->subject = coffer_device_id(c->dev[b == B_REMOVE ? 0 :
	    b == B_RENAME ? 1 : 2]);
	d->devices = b == B_ADD || b == B_RENAME ? v : &v[1];
	d->ndevices = b == B_ADD ? 3 : b == B_RENAME ? 2 : b == B_REMOVE ? 1 :
	    2;
	*signer = c->acct[b == B_AFTER];
}

#define SPOIL(fn) static void fn(struct st *s, struct devlist_draft *d, \
    struct devlist_device *v, const struct coffer_key **signer)

SPOIL(sp_seq)
{
	(void)s, (void)v, (void)signer;
	d->seq++;
}

SPOIL(sp_account)
{
	static const uint8_t other[16] = { 1 };

	(void)s, (void)v, (void)signer;
	d->account = other;
}

SPOIL(sp_prev)
{
	(void)v, (void)signer;
	d->prev = s->c.e[0].hash;	/* a fork of the chain */
}

SPOIL(sp_signer)
{
	(void)v, (void)d;
	*signer = s->c.acct[1];		/* not the key in force */
}

SPOIL(sp_old_signer)
{
	(void)v, (void)d;
	*signer = s->c.acct[0];		/* the key the remove retired */
}

SPOIL(sp_actor)
{
	(void)v, (void)signer;
	d->actor = coffer_device_id(s->c.dev[2]);	/* never trusted */
}

SPOIL(sp_genesis)
{
	(void)s, (void)v, (void)signer;
	d->kind = DEVLIST_GENESIS;
}

SPOIL(sp_subject_a)
{
	(void)v, (void)signer;
	d->subject = coffer_device_id(s->c.dev[0]);
	d->ndevices = 2;		/* A "added" again, C not */
}

SPOIL(sp_subject_missing)
{
	(void)s, (void)v, (void)signer;
	d->ndevices = 2;		/* C named but not listed */
}

SPOIL(sp_added_seq)
{
	(void)s, (void)d, (void)signer;
	v[2].added_seq--;
}

SPOIL(sp_approver)
{
	(void)d, (void)signer;
	memcpy(v[2].approver, coffer_device_id(s->c.dev[0]), 16);
}

SPOIL(sp_added_time)
{
	(void)s, (void)d, (void)signer;
	v[2].added_time++;
}

SPOIL(sp_epoch_up)
{
	(void)s, (void)v, (void)signer;
	d->epoch++;
}

SPOIL(sp_epoch_skip)
{
	(void)s, (void)v, (void)signer;
	d->epoch += 1;			/* 3 after 1 */
}

SPOIL(sp_key_new)
{
	(void)v, (void)signer;
	d->account_pk = s->c.pk[1];
}

SPOIL(sp_commit_new)
{
	(void)v, (void)signer;
	d->root_commit = s->c.commit[1];
}

SPOIL(sp_epoch_same)
{
	(void)s, (void)v, (void)signer;
	d->epoch = 1;
}

SPOIL(sp_key_same)
{
	(void)v, (void)signer;
	d->account_pk = s->c.pk[0];
}

SPOIL(sp_commit_same)
{
	(void)v, (void)signer;
	d->root_commit = s->c.commit[0];
}

SPOIL(sp_kept_altered)
{
	(void)s, (void)d, (void)signer;
	v[1].added_time++;		/* B, kept by every base */
}

SPOIL(sp_kept_dropped)
{
	(void)s, (void)signer;
	d->devices = &v[1];		/* B and C: A dropped */
	d->ndevices = 2;
}

SPOIL(sp_extra)
{
	(void)signer;
	dc_listed(&v[3], s->d, d->seq, s->c.dev[1], d->time);
	d->devices = v;			/* C and D both */
	d->ndevices = 4;
}

SPOIL(sp_remove_unlisted)
{
	(void)v, (void)signer;
	d->subject = coffer_device_id(s->c.dev[2]);
}

SPOIL(sp_remove_self)
{
	(void)signer;
	d->subject = coffer_device_id(s->c.dev[1]);
	d->devices = v;			/* A stays */
}

SPOIL(sp_remove_kept)
{
	(void)s, (void)signer;
	d->devices = v;			/* A, B: A still listed */
	d->ndevices = 2;
}

SPOIL(sp_remove_adds)
{
	(void)s, (void)signer;
	d->devices = &v[1];		/* B and C */
	d->ndevices = 2;
}

SPOIL(sp_rename_unlisted)
{
	(void)v, (void)signer;
	d->subject = coffer_device_id(s->c.dev[2]);
}

SPOIL(sp_rename_adds)
{
	(void)s, (void)signer;
	d->devices = v;
	d->ndevices = 3;		/* C appears */
}

static const struct bad bad_next[] = {
	{ "next-skips-a-seq", B_ADD, sp_seq,
	    "entry 4 does not follow entry 2" },
	{ "next-other-account", B_ADD, sp_account,
	    "entry 3 is of another account" },
	{ "next-fork", B_ADD, sp_prev,
	    "entry 3 does not chain to entry 2 (a fork)" },
	{ "next-signed-by-another-key", B_ADD, sp_signer,
	    "entry 3 is not signed by the account key" },
	{ "next-signed-by-the-removed-key", B_AFTER, sp_old_signer,
	    "entry 5 is not signed by the account key" },
	{ "next-made-by-untrusted-device", B_ADD, sp_actor,
	    "entry 3 was made by a device that was not trusted" },
	{ "next-genesis", B_ADD, sp_genesis,
	    "entry 3 (genesis) cannot follow an entry" },
	{ "add-listed-device", B_ADD, sp_subject_a,
	    "entry 3 (add) adds a device that was listed" },
	{ "add-does-not-list-it", B_ADD, sp_subject_missing,
	    "entry 3 (add) does not list the device it adds" },
	{ "add-other-added-seq", B_ADD, sp_added_seq,
	    "entry 3 (add) does not say the added device was added by it" },
	{ "add-other-approver", B_ADD, sp_approver,
	    "entry 3 (add) does not say the added device was added by it" },
	{ "add-other-added-time", B_ADD, sp_added_time,
	    "entry 3 (add) does not say the added device was added by it" },
	{ "add-rolls-the-epoch", B_ADD, sp_epoch_up,
	    "entry 3 (add) changes the epoch, the account key or the root "
	    "commit" },
	{ "add-new-account-key", B_ADD, sp_key_new,
	    "entry 3 (add) changes the epoch, the account key or the root "
	    "commit" },
	{ "add-new-root-commit", B_ADD, sp_commit_new,
	    "entry 3 (add) changes the epoch, the account key or the root "
	    "commit" },
	{ "add-alters-a-kept-device", B_ADD, sp_kept_altered,
	    "entry 3 (add) alters a device it keeps" },
	{ "add-drops-a-device", B_ADD, sp_kept_dropped,
	    "entry 3 (add) drops a device it does not name" },
	{ "add-adds-two", B_ADD, sp_extra,
	    "entry 3 (add) lists a device it does not name" },
	{ "rename-new-account-key", B_RENAME, sp_key_new,
	    "entry 3 (rename) changes the epoch, the account key or the root "
	    "commit" },
	{ "rename-unlisted-device", B_RENAME, sp_rename_unlisted,
	    "entry 3 (rename) renames a device that is not listed" },
	{ "rename-alters-a-device", B_RENAME, sp_kept_altered,
	    "entry 3 (rename) alters a device it keeps" },
	{ "rename-adds-a-device", B_RENAME, sp_rename_adds,
	    "entry 3 (rename) lists a device it does not name" },
	{ "remove-same-epoch", B_REMOVE, sp_epoch_same,
	    "entry 4 (remove) does not move to the next epoch" },
	{ "remove-skips-an-epoch", B_REMOVE, sp_epoch_skip,
	    "entry 4 (remove) does not move to the next epoch" },
	{ "remove-keeps-the-account-key", B_REMOVE, sp_key_same,
	    "entry 4 (remove) keeps the account key" },
	{ "remove-keeps-the-root-commit", B_REMOVE, sp_commit_same,
	    "entry 4 (remove) keeps the root commit" },
	{ "remove-unlisted-device", B_REMOVE, sp_remove_unlisted,
	    "entry 4 (remove) removes a device that was not listed" },
	{ "remove-itself", B_REMOVE, sp_remove_self,
	    "entry 4 (remove) removes the device that made it" },
	{ "remove-still-lists-it", B_REMOVE, sp_remove_kept,
	    "entry 4 (remove) still lists the device it removes" },
	{ "remove-alters-a-kept-device", B_REMOVE, sp_kept_altered,
	    "entry 4 (remove) alters a device it keeps" },
	{ "remove-adds-a-device", B_REMOVE, sp_remove_adds,
	    "entry 4 (remove) lists a device it does not name" },
};

#define NBAD	(sizeof(bad_next) / sizeof(bad_next[0]))

/* The spoiled entry of bad_next[i], parsed into ${e}. */
static void
make_bad(struct st *s, size_t i, struct devlist_entry *e)
{
	struct devlist_draft d;
	struct devlist_device v[4];
	const struct coffer_key *signer;

	base_draft(s, bad_next[i].base, &d, v, &signer);
	bad_next[i].spoil(s, &d, v, &signer);
	make(e, &d, signer);
}

static void
test_bases(void **state)
{
	struct st *s = *state;
	struct devlist_draft d;
	struct devlist_device v[4];
	struct devlist_entry e;
	const struct coffer_key *signer;
	char why[200];
	int b;

	/* Each base unspoiled is a good next entry. */
	for (b = B_ADD; b <= B_AFTER; b++) {
		base_draft(s, (enum base)b, &d, v, &signer);
		make(&e, &d, signer);
		why[0] = '\0';
		if (devlist_verify_next(&s->c.e[base_prev[b]], &e, why,
		    sizeof(why)) != 0)
			fail_msg("base %d: %s", b, why);
		devlist_entry_cleanup(&e);
	}
}

static void
test_refused(void **state)
{
	struct st *s = *state;
	struct devlist_entry e;
	char why[200];
	size_t i;

	for (i = 0; i < NBAD; i++) {
		make_bad(s, i, &e);
		why[0] = '\0';
		if (devlist_verify_next(&s->c.e[base_prev[bad_next[i].base]],
		    &e, why, sizeof(why)) != COFFER_ERR_AUTH)
			fail_msg("%s: accepted", bad_next[i].name);
		if (strcmp(why, bad_next[i].why) != 0)
			fail_msg("%s: \"%s\"", bad_next[i].name, why);
		devlist_entry_cleanup(&e);
	}
}

/* ${read} (devlist_parse or devlist_peek) refuses every truncation of
 * ${good}, a byte after it and a length over the cap, holding nothing;
 * ${p} is DEVLIST_ENTRY_MAX + 1 bytes of scratch. */
static void
refuses_cuts(int (*read)(struct devlist_entry *, const uint8_t *, size_t),
    const struct devlist_entry *good, uint8_t *p)
{
	struct devlist_entry e;
	size_t i;

	for (i = 0; i < good->raw_len; i++) {
		assert_int_not_equal(read(&e, good->raw, i), 0);
		assert_null(e.raw);
	}
	memcpy(p, good->raw, good->raw_len);
	p[good->raw_len] = 0;
	assert_int_equal(read(&e, p, good->raw_len + 1), COFFER_ERR_TRAILING);
	memset(p, 0, DEVLIST_ENTRY_MAX + 1);
	memcpy(p, good->raw, good->raw_len);
	assert_int_equal(read(&e, p, DEVLIST_ENTRY_MAX + 1), COFFER_ERR_TOOBIG);
}

/* Every byte of the rename entry (names included) matters: a flip either
 * fails parsing or the chain check; every truncation fails parsing. */
static void
test_every_byte(void **state)
{
	struct st *s = *state;
	const struct devlist_entry *good = &s->c.e[2];
	struct devlist_entry e;
	uint8_t *p = malloc(DEVLIST_ENTRY_MAX + 1);
	size_t i, caught = 0;

	assert_non_null(p);
	for (i = 0; i < good->raw_len; i++) {
		memcpy(p, good->raw, good->raw_len);
		p[i] ^= 0x01;
		if (devlist_parse(&e, p, good->raw_len) != 0 ||
		    devlist_verify_next(&s->c.e[1], &e, NULL, 0) != 0)
			caught++;
		devlist_entry_cleanup(&e);
	}
	assert_int_equal(caught, good->raw_len);
	refuses_cuts(devlist_parse, good, p);
	free(p);
}

/* devlist_peek reads what devlist_parse reads but the devices, with the
 * same strict lengths, and devlist_verify_sig checks the signature over
 * the peeked bytes: together they catch every flipped byte of a signed
 * entry without verifying a card. */
static void
test_peek(void **state)
{
	struct st *s = *state;
	const struct devlist_entry *good = &s->c.e[2];
	struct devlist_entry e, h;
	uint8_t *p = malloc(DEVLIST_ENTRY_MAX + 1);
	size_t i, k, caught = 0;

	assert_non_null(p);
	for (k = 0; k < DC_ENTRIES; k++) {
		const struct devlist_entry *x = &s->c.e[k];

		assert_int_equal(devlist_peek(&h, x->raw, x->raw_len), 0);
		assert_int_equal(h.kind, x->kind);
		assert_true(h.seq == x->seq && h.time == x->time &&
		    h.epoch == x->epoch);
		assert_memory_equal(h.account, x->account, sizeof(h.account));
		assert_memory_equal(h.prev, x->prev, sizeof(h.prev));
		assert_memory_equal(h.account_pk, x->account_pk,
		    sizeof(h.account_pk));
		assert_memory_equal(h.root_commit, x->root_commit,
		    sizeof(h.root_commit));
		assert_memory_equal(h.actor, x->actor, sizeof(h.actor));
		assert_memory_equal(h.subject, x->subject, sizeof(h.subject));
		assert_memory_equal(h.sig, x->sig, sizeof(h.sig));
		assert_int_equal(h.names_len, x->names_len);
		if (h.names_len > 0)
			assert_memory_equal(h.names, x->names, h.names_len);
		assert_int_equal(h.raw_len, x->raw_len);
		assert_memory_equal(h.raw, x->raw, h.raw_len);
		assert_null(h.devices);
		assert_int_equal(h.ndevices, 0);
		assert_int_equal(devlist_verify_sig(&h, k == 0 ? x->account_pk :
		    s->c.e[k - 1].account_pk), 0);
		devlist_entry_cleanup(&h);
	}
	/* Every flip: the header or lengths refuse it, or the signature. */
	for (i = 0; i < good->raw_len; i++) {
		memcpy(p, good->raw, good->raw_len);
		p[i] ^= 0x01;
		if (devlist_peek(&h, p, good->raw_len) != 0 ||
		    devlist_verify_sig(&h, s->c.e[1].account_pk) != 0)
			caught++;
		devlist_entry_cleanup(&h);
	}
	assert_int_equal(caught, good->raw_len);
	refuses_cuts(devlist_peek, good, p);
	/* A card that fails its self-signature, in an entry the account
	 * key signed: peek and signature pass, the parse refuses. */
	memcpy(p, good->raw, good->raw_len);
	p[172 + 100] ^= 0x01;
	dc_resign(p, good->raw_len, s->c.acct[0]);
	assert_int_equal(devlist_peek(&h, p, good->raw_len), 0);
	assert_int_equal(devlist_verify_sig(&h, s->c.e[1].account_pk), 0);
	assert_int_equal(devlist_verify_sig(&h, s->c.pk[1]), COFFER_ERR_AUTH);
	devlist_entry_cleanup(&h);
	assert_int_equal(devlist_parse(&e, p, good->raw_len), COFFER_ERR_AUTH);
	memset(&h, 0, sizeof(h));
	assert_int_equal(devlist_verify_sig(&h, s->c.pk[0]),
	    COFFER_ERR_INVALID);
	free(p);
}

/* Names: what a name may be (§2.4). */
static void
test_name_rules(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
	} cases[] = {
		{ "Ana's laptop", 1 },
		{ "T\xc3\xa9l\xc3\xa9phone", 1 },		/* é */
		{ "\xe6\x89\x8b\xe6\x9c\xba", 1 },		/* 手机 */
		{ "\xf0\x9f\x93\xb1 phone", 1 },		/* U+1F4F1 */
		{ "\xf4\x8f\xbf\xbf", 1 },			/* U+10FFFF */
		{ "\xc2\xa0", 1 },				/* U+00A0 */
		{ "a\x07", 0 }, { "\x1b[31m", 0 }, { "a\x7f", 0 },
		{ "\xc2\x85", 0 },				/* U+0085 */
		{ "\xc2\x9f", 0 },				/* U+009F */
		{ "\xc0\xaf", 0 }, { "\xc1\xbf", 0 },		/* overlong */
		{ "\xe0\x80\xaf", 0 }, { "\xf0\x80\x80\xaf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xed\xbf\xbf", 0 },	/* surrogates */
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 },
		{ "\xc3\x28", 0 }, { "\x80", 0 }, { "\xe2\x82", 0 },
		{ "\xe2\x80\xa8", 0 }, { "\xe2\x80\xa9", 0 },	/* separators */
		{ "\xe2\x80\xae" "evil", 0 }, { "\xe2\x80\xaa", 0 },
		{ "\xe2\x81\xa6", 0 }, { "\xe2\x81\xa9", 0 },
		{ "\xe2\x80\x8e", 0 }, { "\xe2\x80\x8f", 0 }, { "\xd8\x9c", 0 },
		{ "", 0 },
		{ "0123456789012345678901234567890123456789012345678901234567890123",
		    1 },
		{ "01234567890123456789012345678901234567890123456789012345678901234",
		    0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (devlist_names_valid(cases[i].s, strlen(cases[i].s)) !=
		    cases[i].ok)
			fail_msg("name %zu: not %d", i, cases[i].ok);
	assert_int_equal(devlist_names_valid("a\0b", 3), 0);
	assert_int_equal(devlist_names_valid(NULL, 1), 0);
}

/* Names: a table encodes sorted and parses back; bad tables are refused
 * by encode, parse and seal alike. */
static void
test_name_table(void **state)
{
	struct st *s = *state;
	struct devlist_names t, u;
	struct coffer_buf *b = coffer_buf_new_secret(DEVLIST_NAMES_MAX);
	struct coffer_key *k = NULL;
	size_t i, first;

	assert_non_null(b);
	/* Given B before A, encoded A before B. */
	memset(&t, 0, sizeof(t));
	t.n = 2;
	t.v[0] = s->c.names[2].v[1];
	t.v[1] = s->c.names[2].v[0];
	assert_int_equal(devlist_names_encode(b, &t), 0);
	assert_int_equal(devlist_names_parse(&u, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	assert_int_equal(u.n, 2);
	assert_true(devlist_id_cmp(u.v[0].device, u.v[1].device) < 0);
	assert_string_equal(devlist_names_find(&u,
	    coffer_device_id(s->c.dev[0])), "Ana's laptop");
	/* Cut anywhere, it fails; but after its first record it is a table
	 * of one. */
	first = 17 + strlen(u.v[0].name);
	for (i = 0; i < coffer_buf_len(b); i++)
		assert_int_equal(devlist_names_parse(&u, coffer_buf_data(b), i),
		    i == first ? 0 : i == 0 ? COFFER_ERR_FORMAT :
		    COFFER_ERR_TRUNCATED);
	/* Refused: empty, a device twice, a bad name, too many. */
	coffer_buf_reset(b);
	t.n = 0;
	assert_int_equal(devlist_names_encode(b, &t), COFFER_ERR_INVALID);
	t.n = 2;
	t.v[1] = t.v[0];
	assert_int_equal(devlist_names_encode(b, &t), COFFER_ERR_INVALID);
	t.v[1] = s->c.names[2].v[0];
	memcpy(t.v[1].name, "bad\n", 5);
	assert_int_equal(devlist_names_encode(b, &t), COFFER_ERR_INVALID);
	assert_int_equal(devlist_names_seal(b, &t, s->c.root[0]),
	    COFFER_ERR_INVALID);
	t.n = DEVLIST_DEVICES_MAX + 1;
	assert_int_equal(devlist_names_encode(b, &t), COFFER_ERR_INVALID);
	assert_int_equal(coffer_buf_len(b), 0);
	assert_int_equal(devlist_names_parse(&u, NULL, 0), COFFER_ERR_FORMAT);
	/* The names key: of the root's version, not the root itself. */
	assert_int_equal(devlist_names_key(&k, s->c.root[1]), 0);
	assert_int_equal(coffer_key_version(k), 2);
	assert_false(coffer_key_equal(k, s->c.root[1]));
	coffer_key_free(&k);
	assert_int_equal(devlist_names_key(&k, s->c.acct[0]),
	    COFFER_ERR_INVALID);
	assert_null(k);
	/* Random nonces: two seals differ, both open. */
	assert_int_equal(devlist_names_seal(b, &s->c.names[2], s->c.root[0]),
	    0);
	assert_true(coffer_buf_len(b) == s->c.e[2].names_len);
	assert_memory_not_equal(coffer_buf_data(b), s->c.e[2].names,
	    coffer_buf_len(b));
	coffer_buf_free(&b);
}

/* --- Vectors: tests/vectors/devlist.txt ----------------------------------
 * mode entry (good): the fields of one entry, its root (root commit,
 * names key), names table and nonce, and the signer's seed -> the entry
 * and its hash. mode chain (good): entries 1 to 4, which chain. Bad:
 * mode parse (an entry -> the parser's error), genesis (a parsed entry ->
 * devlist_verify_genesis's error), next (an entry after a verified one ->
 * AUTH and the reason), names (an entry and a root -> the names'
 * error). */

static const char *const kind_words[] = { "", "genesis", "add", "remove",
    "rename" };

/* The devices field: the entry's device records, in its order. */
static void
encode_devices(uint8_t *out, const struct devlist_device *d, size_t n)
{
	size_t i;
	uint8_t *p;

	for (i = 0; i < n; i++) {
		p = out + i * DEVLIST_DEVICE_BYTES;
		memcpy(p, d[i].raw, COFFER_DEVICE_CARD_BYTES);
		p += COFFER_DEVICE_CARD_BYTES;
		be64enc(p, d[i].added_seq);
		memcpy(p + 8, d[i].approver, 16);
		be64enc(p + 24, d[i].added_time);
	}
}

/* The devices field back into records; -1 if it is not one. */
static int
decode_devices(struct devlist_device *d, size_t max, size_t *n,
    const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0 || len % DEVLIST_DEVICE_BYTES != 0 ||
	    len / DEVLIST_DEVICE_BYTES > max)
		return -1;
	*n = len / DEVLIST_DEVICE_BYTES;
	for (i = 0; i < *n; i++, p += DEVLIST_DEVICE_BYTES) {
		memcpy(d[i].raw, p, COFFER_DEVICE_CARD_BYTES);
		if (coffer_device_card_parse(&d[i].card, d[i].raw,
		    sizeof(d[i].raw)) != 0)
			return -1;
		d[i].added_seq = be64dec(p + COFFER_DEVICE_CARD_BYTES);
		memcpy(d[i].approver, p + COFFER_DEVICE_CARD_BYTES + 8, 16);
		d[i].added_time = be64dec(p + COFFER_DEVICE_CARD_BYTES + 24);
	}
	return 0;
}

/* A root of ${version} from the vector's root secret (its id plays no
 * part: the root commit and the names key come from the secret). */
static int
vec_root(const struct vec *v, const char *field, uint64_t version,
    struct coffer_key **k)
{
	static const uint8_t id[16];
	uint8_t s[32];

	*k = NULL;
	return version == 0 || version > UINT32_MAX ||
	    vec_hexn(v, field, s, sizeof(s)) != 0 ||
	    coffer_key_import(k, COFFER_KEY_SYMMETRIC, s, id,
	    (uint32_t)version) != 0 ? -1 : 0;
}

/* Good: the fields make the entry byte for byte, its hash is the one
 * given, and its names open to the table given. */
static int
check_entry(const struct vec *v)
{
	struct devlist_draft d;
	struct devlist_device devs[4];
	struct devlist_entry e;
	struct devlist_names t;
	struct coffer_key *root = NULL, *signer = NULL;
	struct coffer_buf *names = coffer_buf_new(DEVLIST_NAMES_MAX);
	struct coffer_buf *b = coffer_buf_new(DEVLIST_ENTRY_MAX);
	struct coffer_buf *tb = coffer_buf_new_secret(DEVLIST_NAMES_MAX);
	uint8_t account[16], prev[32], pk[32], commit[32], actor[16];
	uint8_t subject[16], seed[32], hash[32];
	uint8_t *dv = NULL, *table = NULL, *nonce = NULL, *entry = NULL;
	uint64_t seq, time, epoch;
	size_t dl, tl, nl, el, n;
	int kind, bad = 1;

	memset(&d, 0, sizeof(d));
	memset(&e, 0, sizeof(e));
	kind = vec_word(v, "kind", kind_words, 5);
	if (vec_hex(v, "entry", &entry, &el) || vec_hexn(v, "hash", hash, 32) ||
	    dc_hash_is(entry, el, hash) != 0)
		goto out;
	if (kind < 0 || vec_u64(v, "seq", &seq) ||
	    vec_hexn(v, "account", account, 16) ||
	    vec_hexn(v, "prev", prev, 32) || vec_u64(v, "time", &time) ||
	    vec_u64(v, "epoch", &epoch) ||
	    vec_hexn(v, "account_pk", pk, 32) ||
	    vec_root(v, "root", epoch, &root) ||
	    vec_hexn(v, "actor", actor, 16) ||
	    vec_hexn(v, "subject", subject, 16) ||
	    vec_hex(v, "devices", &dv, &dl) ||
	    vec_hex(v, "names_table", &table, &tl) ||
	    vec_hex(v, "names_nonce", &nonce, &nl) ||
	    vec_hexn(v, "signer_seed", seed, 32) ||
	    strcmp(vec_get(v, "expect"), "OK") != 0 ||
	    coffer_key_import(&signer, COFFER_KEY_ED25519, seed, NULL, 1) ||
	    devlist_root_commit(commit, root) != 0 ||
	    decode_devices(devs, 4, &n, dv, dl) != 0)
		goto out;
	if (tl > 0 && (nl != 24 || devlist_names_parse(&t, table, tl) != 0 ||
	    devlist_names_seal_det(names, &t, root, nonce) != 0))
		goto out;
	if (tl == 0 && nl != 0)
		goto out;
	d.kind = (enum devlist_kind)kind;
	d.seq = seq;
	d.account = account;
	d.prev = prev;
	d.time = time;
	d.epoch = (uint32_t)epoch;
	d.account_pk = pk;
	d.root_commit = commit;
	d.actor = actor;
	d.subject = subject;
	d.devices = devs;
	d.ndevices = n;
	d.names = coffer_buf_data(names);
	d.names_len = coffer_buf_len(names);
	if (devlist_make(b, &d, signer) != 0 || coffer_buf_len(b) != el ||
	    memcmp(coffer_buf_data(b), entry, el) != 0 ||
	    devlist_parse(&e, entry, el) != 0 ||
	    memcmp(e.hash, hash, 32) != 0)
		goto out;
	if (tl > 0 && (devlist_names_open(&t, &e, root) != 0 ||
	    devlist_names_encode(tb, &t) != 0 || coffer_buf_len(tb) != tl ||
	    memcmp(coffer_buf_data(tb), table, tl) != 0))
		goto out;
	bad = 0;
out:
	devlist_entry_cleanup(&e);
	coffer_key_free(&root);
	coffer_key_free(&signer);
	coffer_buf_free(&names);
	coffer_buf_free(&b);
	coffer_buf_free(&tb);
	free(dv);
	free(table);
	free(nonce);
	free(entry);
	return bad;
}

/* Parse the entry in ${field} into ${e}; -1 if it does not parse. */
static int
vec_entry(const struct vec *v, const char *field, struct devlist_entry *e)
{
	uint8_t *p = NULL;
	size_t n;
	int r = -1;

	memset(e, 0, sizeof(*e));
	if (vec_hex(v, field, &p, &n) == 0 && devlist_parse(e, p, n) == 0)
		r = 0;
	free(p);
	return r;
}

/* Good: four entries that chain from a genesis. */
static int
check_chain(const struct vec *v)
{
	static const char *const f[DC_ENTRIES] = { "entry_1", "entry_2",
	    "entry_3", "entry_4" };
	struct devlist_entry e[DC_ENTRIES];
	uint8_t *p[DC_ENTRIES];
	size_t i, n[DC_ENTRIES];
	int bad = strcmp(vec_get(v, "expect"), "OK") != 0;

	/* First the hash links alone (each entry's prev, at offset 30, is
	 * the hash of the one before), then the whole rules. */
	memset(p, 0, sizeof(p));
	for (i = 0; i < DC_ENTRIES && !bad; i++)
		bad = vec_hex(v, f[i], &p[i], &n[i]) != 0 || n[i] < 62 ||
		    (i > 0 && dc_hash_is(p[i - 1], n[i - 1], p[i] + 30) != 0);
	for (i = 0; i < DC_ENTRIES; i++)
		free(p[i]);
	memset(e, 0, sizeof(e));
	for (i = 0; i < DC_ENTRIES && !bad; i++)
		bad = vec_entry(v, f[i], &e[i]) != 0 || (i == 0 ?
		    devlist_verify_genesis(&e[0]) : devlist_verify_next(&e[i - 1],
		    &e[i], NULL, 0)) != 0;
	for (i = 0; i < DC_ENTRIES; i++)
		devlist_entry_cleanup(&e[i]);
	return bad;
}

/* What a bad vector's bytes give in ${mode}: the error, with the reason
 * in ${why} for next; 1 if an input that must parse does not. */
static int
run_bad(const char *mode, const uint8_t *prev, size_t prev_len,
    const uint8_t *entry, size_t len, const struct coffer_key *root,
    char *why, size_t whylen)
{
	struct devlist_entry e, pe;
	struct devlist_names t;
	int r = 1;

	memset(&e, 0, sizeof(e));
	memset(&pe, 0, sizeof(pe));
	why[0] = '\0';
	if (strcmp(mode, "parse") == 0) {
		if ((r = devlist_parse(&e, entry, len)) != 0 && e.raw != NULL)
			r = 1;
		goto out;
	}
	if (devlist_parse(&e, entry, len) != 0)
		goto out;
	if (strcmp(mode, "genesis") == 0)
		r = devlist_verify_genesis(&e);
	else if (strcmp(mode, "next") == 0 && prev != NULL &&
	    devlist_parse(&pe, prev, prev_len) == 0)
		r = devlist_verify_next(&pe, &e, why, whylen);
	else if (strcmp(mode, "names") == 0 && root != NULL &&
	    ((r = devlist_names_open(&t, &e, root)) == 0 || t.n != 0))
		r = 1;
out:
	devlist_entry_cleanup(&e);
	devlist_entry_cleanup(&pe);
	return r;
}

/* Bad: each mode's error (and for next, its reason). */
static int
check_bad(const struct vec *v, const char *mode)
{
	struct coffer_key *root = NULL;
	uint8_t *p = NULL, *prev = NULL;
	uint64_t ver;
	size_t n, pn = 0;
	char why[200], *want = NULL;
	int err, bad = 1;

	if (vec_err(v, "expect", &err) || err == 0 ||
	    vec_hex(v, "entry", &p, &n) != 0)
		goto out;
	if (vec_get(v, "prev_entry") != NULL &&
	    vec_hex(v, "prev_entry", &prev, &pn) != 0)
		goto out;
	if (vec_get(v, "root") != NULL && (vec_u64(v, "root_version", &ver) ||
	    vec_root(v, "root", ver, &root) != 0))
		goto out;
	if (vec_get(v, "why") != NULL && (want = vec_str(v, "why")) == NULL)
		goto out;
	bad = run_bad(mode, prev, pn, p, n, root, why, sizeof(why)) != err ||
	    strcmp(why, want != NULL ? want : "") != 0;
out:
	coffer_key_free(&root);
	free(want);
	free(prev);
	free(p);
	return bad;
}

static int
check_vector(const struct vec *v)
{
	const char *mode = vec_get(v, "mode");

	if (mode == NULL)
		return 1;
	if (strcmp(mode, "entry") == 0)
		return check_entry(v);
	if (strcmp(mode, "chain") == 0)
		return check_chain(v);
	return check_bad(v, mode);
}

/* Writer state: the file, the chain, whether every vector held. */
struct wr {
	FILE		*f;
	struct st	*s;
	int		 failed;
};

/* The good vector of chain entry ${i}. */
static void
w_entry(struct wr *w, const char *name, size_t i)
{
	const struct devchain *c = &w->s->c;
	const struct devlist_draft *d = &c->draft[i];
	const struct devlist_entry *e = &c->e[i];
	static const uint8_t zero[32];
	struct coffer_buf *t = coffer_buf_new_secret(DEVLIST_NAMES_MAX);
	uint8_t devs[DC_DEVICES * DEVLIST_DEVICE_BYTES], nonce[24];

	if (t == NULL || (c->names[i].n > 0 &&
	    devlist_names_encode(t, &c->names[i]) != 0))
		abort();
	encode_devices(devs, e->devices, e->ndevices);
	dc_nonce(nonce, d->seq);
	vec_w_begin(w->f, name);
	vec_w_word(w->f, "mode", "entry");
	vec_w_word(w->f, "kind", kind_words[d->kind]);
	vec_w_u64(w->f, "seq", d->seq);
	vec_w_hex(w->f, "account", d->account, 16);
	vec_w_hex(w->f, "prev", d->prev != NULL ? d->prev : zero, 32);
	vec_w_u64(w->f, "time", d->time);
	vec_w_u64(w->f, "epoch", d->epoch);
	vec_w_hex(w->f, "account_pk", d->account_pk, 32);
	vec_w_hex(w->f, "root", key_secret(c->root[d->epoch - 1]), 32);
	vec_w_hex(w->f, "actor", d->actor, 16);
	vec_w_hex(w->f, "subject", d->subject, 16);
	vec_w_hex(w->f, "devices", devs, e->ndevices * DEVLIST_DEVICE_BYTES);
	vec_w_hex(w->f, "names_table", coffer_buf_data(t), coffer_buf_len(t));
	vec_w_hex(w->f, "names_nonce", nonce, c->names[i].n > 0 ? 24 : 0);
	vec_w_hex(w->f, "signer_seed", key_secret(c->acct[0]), 32);
	vec_w_hex(w->f, "entry", e->raw, e->raw_len);
	vec_w_hex(w->f, "hash", e->hash, 32);
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
	coffer_buf_free(&t);
}

static void
w_chain(struct wr *w)
{
	static const char *const f[DC_ENTRIES] = { "entry_1", "entry_2",
	    "entry_3", "entry_4" };
	size_t i;

	vec_w_begin(w->f, "chain");
	vec_w_word(w->f, "mode", "chain");
	for (i = 0; i < DC_ENTRIES; i++)
		vec_w_hex(w->f, f[i], w->s->c.e[i].raw, w->s->c.e[i].raw_len);
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
}

/* A bad vector of ${mode}, checked as it is written. */
static void
w_bad(struct wr *w, const char *name, const char *mode,
    const uint8_t *prev, size_t prev_len, const uint8_t *entry, size_t len,
    const struct coffer_key *root, const char *why, int expect)
{
	char got[200];
	int r = run_bad(mode, prev, prev_len, entry, len, root, got,
	    sizeof(got));

	if (r != expect || strcmp(got, why != NULL ? why : "") != 0) {
		fprintf(stderr, "devlist vector %s: got %d \"%s\", meant %d\n",
		    name, r, got, expect);
		w->failed = 1;
	}
	vec_w_begin(w->f, name);
	vec_w_word(w->f, "mode", mode);
	if (prev != NULL)
		vec_w_hex(w->f, "prev_entry", prev, prev_len);
	vec_w_hex(w->f, "entry", entry, len);
	if (root != NULL) {
		vec_w_hex(w->f, "root", key_secret(root), 32);
		vec_w_u64(w->f, "root_version", coffer_key_version(root));
	}
	if (why != NULL)
		vec_w_str(w->f, "why", why);
	vec_w_word(w->f, "expect", vec_errword(expect));
	vec_w_end(w->f);
}

/* Entry offsets (§2.1). */
#define O_KIND		5
#define O_SEQ		6
#define O_EPOCH		70
#define O_PK		74
#define O_N		170
#define O_DEV		172

/* One edit of the add entry (entry 2: two devices, no names), re-signed
 * unless it cuts or extends the entry: { name, what, expect }. */
enum edit {
	E_CUT_0, E_CUT_4, E_CUT_HEADER, E_MAGIC, E_VERSION, E_KIND_0,
	E_KIND_5, E_SEQ_0, E_EPOCH_0, E_N_0, E_N_101, E_N_3, E_PK_SMALL,
	E_ADDED_0, E_ADDED_LATER, E_CARD_SIG, E_CARD_VERSION, E_SWAP,
	E_TWICE, E_L_OVER, E_L_CUT, E_SIG_CUT, E_TRAILING
};

static const struct {
	const char	*name;
	enum edit	 edit;
	int		 expect;
} parse_edits[] = {
	{ "parse-empty", E_CUT_0, COFFER_ERR_TRUNCATED },
	{ "parse-magic-only", E_CUT_4, COFFER_ERR_TRUNCATED },
	{ "parse-header-cut", E_CUT_HEADER, COFFER_ERR_TRUNCATED },
	{ "parse-bad-magic", E_MAGIC, COFFER_ERR_FORMAT },
	{ "parse-future-version", E_VERSION, COFFER_ERR_VERSION },
	{ "parse-kind-0", E_KIND_0, COFFER_ERR_FORMAT },
	{ "parse-kind-5", E_KIND_5, COFFER_ERR_FORMAT },
	{ "parse-seq-0", E_SEQ_0, COFFER_ERR_FORMAT },
	{ "parse-epoch-0", E_EPOCH_0, COFFER_ERR_FORMAT },
	{ "parse-no-device", E_N_0, COFFER_ERR_FORMAT },
	{ "parse-101-devices", E_N_101, COFFER_ERR_FORMAT },
	{ "parse-account-key-small-order", E_PK_SMALL, COFFER_ERR_FORMAT },
	{ "parse-more-devices-than-bytes", E_N_3, COFFER_ERR_TRUNCATED },
	{ "parse-added-seq-0", E_ADDED_0, COFFER_ERR_FORMAT },
	{ "parse-added-after-the-entry", E_ADDED_LATER, COFFER_ERR_FORMAT },
	{ "parse-card-signature", E_CARD_SIG, COFFER_ERR_AUTH },
	{ "parse-card-version", E_CARD_VERSION, COFFER_ERR_VERSION },
	{ "parse-devices-out-of-order", E_SWAP, COFFER_ERR_FORMAT },
	{ "parse-device-twice", E_TWICE, COFFER_ERR_FORMAT },
	{ "parse-names-over-16384", E_L_OVER, COFFER_ERR_FORMAT },
	{ "parse-names-cut", E_L_CUT, COFFER_ERR_TRUNCATED },
	{ "parse-signature-cut", E_SIG_CUT, COFFER_ERR_TRUNCATED },
	{ "parse-trailing", E_TRAILING, COFFER_ERR_TRAILING },
};

/* Apply ${edit} to the ${*len} bytes at ${p} (room for one more). */
static void
edit_entry(uint8_t *p, size_t *len, enum edit edit,
    const struct coffer_key *signer)
{
	const size_t l = O_DEV + 2 * DEVLIST_DEVICE_BYTES;
	uint8_t t[DEVLIST_DEVICE_BYTES];
	int resign = 1;

	switch (edit) {
	case E_CUT_0: *len = 0; resign = 0; break;
	case E_CUT_4: *len = 4; resign = 0; break;
	case E_CUT_HEADER: *len = O_DEV - 1; resign = 0; break;
	case E_MAGIC: p[3] ^= 0x01; break;
	case E_VERSION: p[4] = 2; break;
	case E_KIND_0: p[O_KIND] = 0; break;
	case E_KIND_5: p[O_KIND] = 5; break;
	case E_SEQ_0: memset(p + O_SEQ, 0, 8); break;
	case E_EPOCH_0: memset(p + O_EPOCH, 0, 4); break;
	case E_N_0: be16enc(p + O_N, 0); break;
	case E_N_101: be16enc(p + O_N, 101); break;
	case E_N_3: be16enc(p + O_N, 3); break;
	case E_PK_SMALL: memset(p + O_PK, 0, 32); p[O_PK] = 1; break;
	case E_ADDED_0:
		memset(p + O_DEV + COFFER_DEVICE_CARD_BYTES, 0, 8);
		break;
	case E_ADDED_LATER:
		be64enc(p + O_DEV + DEVLIST_DEVICE_BYTES +
		    COFFER_DEVICE_CARD_BYTES, 3);
		break;
	case E_CARD_SIG: p[O_DEV + COFFER_DEVICE_CARD_BYTES - 1] ^= 1; break;
	case E_CARD_VERSION: p[O_DEV + 4] = 2; break;
	case E_SWAP:
		memcpy(t, p + O_DEV, sizeof(t));
		memmove(p + O_DEV, p + O_DEV + sizeof(t), sizeof(t));
		memcpy(p + O_DEV + sizeof(t), t, sizeof(t));
		break;
	case E_TWICE:
		memcpy(p + O_DEV + DEVLIST_DEVICE_BYTES, p + O_DEV,
		    DEVLIST_DEVICE_BYTES);
		break;
	case E_L_OVER: be16enc(p + l, DEVLIST_NAMES_MAX + 1); break;
	case E_L_CUT: be16enc(p + l, 100); break;
	case E_SIG_CUT: (*len)--; resign = 0; break;
	case E_TRAILING: p[(*len)++] = 0; resign = 0; break;
	}
	if (resign)
		dc_resign(p, *len, signer);
}

static void
w_parse(struct wr *w)
{
	const struct devlist_entry *good = &w->s->c.e[1];
	uint8_t p[1024];
	size_t i, len;

	if (good->raw_len != O_DEV + 2 * DEVLIST_DEVICE_BYTES + 2 +
	    COFFER_SIGN_BYTES)
		abort();
	for (i = 0; i < sizeof(parse_edits) / sizeof(parse_edits[0]); i++) {
		memcpy(p, good->raw, good->raw_len);
		len = good->raw_len;
		edit_entry(p, &len, parse_edits[i].edit, w->s->c.acct[0]);
		w_bad(w, parse_edits[i].name, "parse", NULL, 0, p, len, NULL,
		    NULL, parse_edits[i].expect);
	}
}

/* Genesis entries with one rule broken. */
static void
w_genesis(struct wr *w)
{
	struct devchain *c = &w->s->c;
	struct devlist_draft d;
	struct devlist_device v[2];
	struct coffer_buf *b = coffer_buf_new(DEVLIST_ENTRY_MAX);
	const struct coffer_key *signer;
	int i;
	static const char *const names[] = { "genesis-kind-add",
	    "genesis-seq-2", "genesis-prev-set", "genesis-epoch-2",
	    "genesis-two-devices", "genesis-device-not-the-actor",
	    "genesis-subject-not-the-actor", "genesis-approver-other",
	    "genesis-signed-by-another-key" };

	for (i = 0; i < 9; i++) {
		d = c->draft[0];
		memcpy(v, c->listed, sizeof(v));
		v[1].added_seq = 1;
		d.devices = v;
		signer = c->acct[0];
		switch (i) {
		case 0: d.kind = DEVLIST_ADD; break;
		case 1: d.seq = 2; break;
		case 2: d.prev = c->e[0].hash; break;
		case 3: d.epoch = 2; break;
		case 4: d.ndevices = 2; break;
		case 5:
			d.actor = d.subject = coffer_device_id(c->dev[1]);
			break;
		case 6: d.subject = coffer_device_id(c->dev[1]); break;
		case 7: memcpy(v[0].approver, coffer_device_id(c->dev[1]), 16);
			break;
		case 8: signer = c->acct[1]; break;
		}
		coffer_buf_reset(b);
		dc_make(b, &d, signer);
		w_bad(w, names[i], "genesis", NULL, 0, coffer_buf_data(b),
		    coffer_buf_len(b), NULL, NULL, i == 8 ? COFFER_ERR_AUTH :
		    COFFER_ERR_FORMAT);
	}
	coffer_buf_free(&b);
}

static void
w_next(struct wr *w)
{
	struct devlist_entry e;
	const struct devlist_entry *prev;
	size_t i;

	for (i = 0; i < NBAD; i++) {
		make_bad(w->s, i, &e);
		prev = &w->s->c.e[base_prev[bad_next[i].base]];
		w_bad(w, bad_next[i].name, "next", prev->raw, prev->raw_len,
		    e.raw, e.raw_len, NULL, bad_next[i].why, COFFER_ERR_AUTH);
		devlist_entry_cleanup(&e);
	}
}

/* A names table record. */
static void
rec(struct coffer_buf *t, const uint8_t *id, const char *name, size_t n)
{
	if (coffer_buf_append(t, id, 16) != 0 ||
	    coffer_buf_put_u8(t, (uint8_t)n) != 0 ||
	    coffer_buf_append(t, name, n) != 0)
		abort();
}

/* The rename entry with the plain table ${t} sealed under its names key
 * for ${ctx} (its ciphertext's last byte flipped if ${alter}). */
static void
w_names(struct wr *w, const char *name, const struct coffer_buf *t,
    const char *ctx, int alter, const struct coffer_key *root, int expect)
{
	struct devchain *c = &w->s->c;
	struct devlist_draft d = c->draft[2];
	struct coffer_buf *env = coffer_buf_new(DEVLIST_NAMES_MAX);
	struct coffer_buf *b = coffer_buf_new(DEVLIST_ENTRY_MAX);
	struct coffer_key *k = NULL;
	uint8_t nonce[24];

	dc_nonce(nonce, d.seq);
	if (env == NULL || b == NULL || devlist_names_key(&k, c->root[0]) ||
	    envelope_seal_det(env, COFFER_ENVELOPE_SECRET, k, NULL, 0, ctx,
	    coffer_buf_data(t), coffer_buf_len(t), nonce, NULL) != 0)
		abort();
	if (alter)
		coffer_buf_mutable(env)[coffer_buf_len(env) - 20] ^= 1;
	d.names = coffer_buf_data(env);
	d.names_len = coffer_buf_len(env);
	dc_make(b, &d, c->acct[0]);
	w_bad(w, name, "names", NULL, 0, coffer_buf_data(b), coffer_buf_len(b),
	    root, NULL, expect);
	coffer_key_free(&k);
	coffer_buf_free(&env);
	coffer_buf_free(&b);
}

static void
w_names_bad(struct wr *w)
{
	static const struct {
		const char	*name;
		const char	*s;	/* the second name, B's */
		size_t		 n;
	} bad_names[] = {
		{ "names-length-0", "", 0 },
		{ "names-length-65", "01234567890123456789012345678901234567890"
		    "123456789012345678901234", 65 },
		{ "names-control-character", "a\x07", 2 },
		{ "names-nul", "a\0b", 3 },
		{ "names-del", "a\x7f", 2 },
		{ "names-c1-control", "\xc2\x85", 2 },
		{ "names-overlong", "\xc0\xaf", 2 },
		{ "names-surrogate", "\xed\xa0\x80", 3 },
		{ "names-past-u10ffff", "\xf4\x90\x80\x80", 4 },
		{ "names-bad-continuation", "\xc3\x28", 2 },
		{ "names-cut-sequence", "ab\xe2\x82", 4 },
		{ "names-line-separator", "\xe2\x80\xa8", 3 },
		{ "names-bidi-override", "\xe2\x80\xae" "enohp", 8 },
	};
	struct devchain *c = &w->s->c;
	const uint8_t *a = coffer_device_id(c->dev[0]);
	const uint8_t *bb = coffer_device_id(c->dev[1]);
	struct coffer_buf *t = coffer_buf_new_secret(DEVLIST_NAMES_MAX);
	struct coffer_key *other = dc_key(COFFER_KEY_SYMMETRIC, 0x99, 1);
	const uint8_t *lo = devlist_id_cmp(a, bb) < 0 ? a : bb;
	const uint8_t *hi = lo == a ? bb : a;
	uint8_t id[16];
	size_t i;

	/* The good entry with the wrong root, then tables sealed right. */
	w_bad(w, "names-root-of-the-next-epoch", "names", NULL, 0,
	    c->e[2].raw, c->e[2].raw_len, c->root[1], NULL, COFFER_ERR_KEY);
	w_bad(w, "names-other-root", "names", NULL, 0, c->e[2].raw,
	    c->e[2].raw_len, other, NULL, COFFER_ERR_KEY);
	if (devlist_names_encode(t, &c->names[2]) != 0)
		abort();
	w_names(w, "names-altered", t, NAMES_CTX, 1, c->root[0],
	    COFFER_ERR_AUTH);
	w_names(w, "names-other-context", t, "coffer/wrap/v1", 0, c->root[0],
	    COFFER_ERR_CONTEXT);
	coffer_buf_truncate(t, coffer_buf_len(t) - 1);
	w_names(w, "names-cut", t, NAMES_CTX, 0, c->root[0],
	    COFFER_ERR_TRUNCATED);
	coffer_buf_reset(t);
	w_names(w, "names-empty-table", t, NAMES_CTX, 0, c->root[0],
	    COFFER_ERR_FORMAT);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		/* In id order, the second name the bad one. */
		coffer_buf_reset(t);
		rec(t, lo, "Ana", 3);
		rec(t, hi, bad_names[i].s, bad_names[i].n);
		w_names(w, bad_names[i].name, t, NAMES_CTX, 0, c->root[0],
		    COFFER_ERR_FORMAT);
	}
	coffer_buf_reset(t);
	if (devlist_id_cmp(a, bb) > 0) {
		rec(t, a, "Ana", 3);
		rec(t, bb, "Bo", 2);
	} else {
		rec(t, bb, "Bo", 2);
		rec(t, a, "Ana", 3);
	}
	w_names(w, "names-out-of-order", t, NAMES_CTX, 0, c->root[0],
	    COFFER_ERR_FORMAT);
	coffer_buf_reset(t);
	rec(t, a, "Ana", 3);
	rec(t, a, "Ana", 3);
	w_names(w, "names-device-twice", t, NAMES_CTX, 0, c->root[0],
	    COFFER_ERR_FORMAT);
	coffer_buf_reset(t);
	rec(t, coffer_device_id(c->dev[2]), "Cy", 2);
	w_names(w, "names-unlisted-device", t, NAMES_CTX, 0, c->root[0],
	    COFFER_ERR_FORMAT);
	coffer_buf_reset(t);
	memset(id, 0, sizeof(id));
	for (i = 0; i <= DEVLIST_DEVICES_MAX; i++) {
		id[15] = (uint8_t)i;
		rec(t, id, "x", 1);
	}
	w_names(w, "names-101", t, NAMES_CTX, 0, c->root[0],
	    COFFER_ERR_FORMAT);
	coffer_key_free(&other);
	coffer_buf_free(&t);
}

static int
write_vectors(const char *dir)
{
	static const char *const names[DC_ENTRIES] = { "genesis", "add",
	    "rename-with-names", "remove" };
	struct wr w = { NULL, NULL, 0 };
	char path[4096];
	size_t i;

	w.s = st_new();
	snprintf(path, sizeof(path), "%s/devlist.txt", dir);
	if ((w.f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(w.f, "# Device list entries (docs/PROTOCOL-devices.md §2), "
	    "from fixed seeds.\n# mode entry: fields, root, names table and "
	    "nonce, signer seed -> entry, hash.\n# mode chain: entries 1 to "
	    "4, which chain. Bad: mode parse (entry -> error),\n# genesis "
	    "(entry -> error), next (prev_entry, entry -> AUTH, why), names\n"
	    "# (entry, root -> error).\n");
	for (i = 0; i < DC_ENTRIES; i++)
		w_entry(&w, names[i], i);
	w_chain(&w);
	w_parse(&w);
	w_genesis(&w);
	w_next(&w);
	w_names_bad(&w);
	st_free(w.s);
	if (fclose(w.f) != 0)
		return -1;
	return w.failed ? -1 : 0;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("devlist.txt", check_vector, 90);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_bases),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_name_table),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (sodium_init() < 0)
		return 1;
	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("devlist", tests, setup, teardown);
}
