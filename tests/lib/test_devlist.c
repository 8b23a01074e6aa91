/* The signed device list (lib/keys/devlist.c, PROTOCOL-devices.md §2): a
 * chain genesis, add, rename, remove made and checked; each chain rule
 * broken once and refused; every byte of an entry checked (a flip fails
 * parsing or the signature), every truncation refused. */
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
#include <coffer/err.h>
#include <coffer/keychain.h>

#include "keys/devlist.h"

#define NDEV	3

struct chain {
	struct coffer_device	*dev[NDEV];
	struct devlist_device	 listed[NDEV];
	struct coffer_key	*acct[2], *root[2];
	uint8_t			 pk[2][32], commit[2][32];
	uint8_t			 account[16];
	struct devlist_entry	 e[4];	/* genesis, add, rename, remove */
};

static void
listed(struct devlist_device *d, const struct coffer_device *dev,
    uint64_t seq, const struct coffer_device *approver, uint64_t time)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_DEVICE_CARD_BYTES);

	assert_non_null(b);
	memset(d, 0, sizeof(*d));
	assert_int_equal(coffer_device_card_encode(b, dev), 0);
	memcpy(d->raw, coffer_buf_data(b), sizeof(d->raw));
	assert_int_equal(coffer_device_card_parse(&d->card, d->raw,
	    sizeof(d->raw)), 0);
	d->added_seq = seq;
	memcpy(d->approver, coffer_device_id(approver), 16);
	d->added_time = time;
	coffer_buf_free(&b);
}

/* Make an entry from ${d} signed by ${signer}, and parse it into ${e}. */
static void
make(struct devlist_entry *e, const struct devlist_draft *d,
    const struct coffer_key *signer)
{
	struct coffer_buf *b = coffer_buf_new(DEVLIST_ENTRY_MAX);

	assert_non_null(b);
	assert_int_equal(devlist_make(b, d, signer), 0);
	assert_int_equal(devlist_parse(e, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	coffer_buf_free(&b);
}

static void
draft_of(struct devlist_draft *d, const struct chain *c,
    const struct devlist_entry *prev, enum devlist_kind kind, int ep,
    const struct coffer_device *actor, const struct coffer_device *subject,
    const struct devlist_device *devs, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->seq = prev == NULL ? 1 : prev->seq + 1;
	d->account = c->account;
	d->prev = prev == NULL ? NULL : prev->hash;
	d->time = 1700000000 + d->seq;
	d->epoch = (uint32_t)ep + 1;
	d->account_pk = c->pk[ep];
	d->root_commit = c->commit[ep];
	d->actor = coffer_device_id(actor);
	d->subject = coffer_device_id(subject);
	d->devices = devs;
	d->ndevices = n;
}

static int
setup(void **state)
{
	struct chain *c = calloc(1, sizeof(*c));
	struct devlist_draft d;
	struct devlist_device devs[NDEV];
	static const uint8_t names[] = "sealed names stand-in";
	int i;

	assert_non_null(c);
	for (i = 0; i < NDEV; i++)
		assert_int_equal(coffer_device_generate(&c->dev[i]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(coffer_keychain_key_generate(&c->acct[i],
		    COFFER_ROLE_ACCOUNT, 0, (uint32_t)i + 1), 0);
		assert_int_equal(coffer_keychain_key_generate(&c->root[i],
		    COFFER_ROLE_ROOT, 0, (uint32_t)i + 1), 0);
		assert_int_equal(coffer_key_public(c->acct[i], c->pk[i]), 0);
		assert_int_equal(devlist_root_commit(c->commit[i],
		    c->root[i]), 0);
	}
	randombytes_buf(c->account, sizeof(c->account));
	/* 1 genesis by dev 0; 2 dev 1 added by dev 0; 3 dev 1 renamed;
	 * 4 dev 0 removed by dev 1 (new epoch). */
	listed(&devs[0], c->dev[0], 1, c->dev[0], 1700000001);
	draft_of(&d, c, NULL, DEVLIST_GENESIS, 0, c->dev[0], c->dev[0], devs,
	    1);
	make(&c->e[0], &d, c->acct[0]);
	listed(&devs[1], c->dev[1], 2, c->dev[0], 1700000002);
	draft_of(&d, c, &c->e[0], DEVLIST_ADD, 0, c->dev[0], c->dev[1], devs,
	    2);
	make(&c->e[1], &d, c->acct[0]);
	draft_of(&d, c, &c->e[1], DEVLIST_RENAME, 0, c->dev[1], c->dev[1],
	    devs, 2);
	d.names = names;
	d.names_len = sizeof(names);
	make(&c->e[2], &d, c->acct[0]);
	draft_of(&d, c, &c->e[2], DEVLIST_REMOVE, 1, c->dev[1], c->dev[0],
	    &devs[1], 1);
	make(&c->e[3], &d, c->acct[0]);
	memcpy(c->listed, devs, sizeof(devs));
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct chain *c = *state;
	int i;

	for (i = 0; i < NDEV; i++)
		coffer_device_free(&c->dev[i]);
	for (i = 0; i < 2; i++) {
		coffer_key_free(&c->acct[i]);
		coffer_key_free(&c->root[i]);
	}
	for (i = 0; i < 4; i++)
		devlist_entry_cleanup(&c->e[i]);
	free(c);
	return 0;
}

static void
test_chain(void **state)
{
	struct chain *c = *state;
	char why[200];
	int i;

	assert_int_equal(devlist_verify_genesis(&c->e[0]), 0);
	for (i = 1; i < 4; i++) {
		why[0] = '\0';
		if (devlist_verify_next(&c->e[i - 1], &c->e[i], why,
		    sizeof(why)) != 0)
			fail_msg("entry %d: %s", i + 1, why);
	}
	assert_int_equal(c->e[3].epoch, 2);
	assert_non_null(devlist_find(&c->e[1], coffer_device_id(c->dev[1])));
	assert_null(devlist_find(&c->e[3], coffer_device_id(c->dev[0])));
	assert_int_equal(c->e[2].names_len, 22);
	/* Out of order, or not a genesis. */
	assert_int_not_equal(devlist_verify_next(&c->e[0], &c->e[2], NULL,
	    0), 0);
	assert_int_not_equal(devlist_verify_next(&c->e[1], &c->e[1], NULL,
	    0), 0);
	assert_int_not_equal(devlist_verify_genesis(&c->e[1]), 0);
}

/* One entry made wrong on purpose, checked after ${prev}. */
struct bad {
	const char	*name;
	int		 prev;		/* index of the entry it follows */
	void		(*spoil)(struct chain *, struct devlist_draft *,
			    struct devlist_device *, const struct coffer_key **);
};

static void
spoil_signer(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **signer)
{
	(void)d;
	(void)v;
	*signer = c->acct[1];		/* not the key in force */
}

static void
spoil_seq(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)c;
	(void)v;
	(void)s;
	d->seq++;
}

static void
spoil_prev(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)v;
	(void)s;
	d->prev = c->e[0].hash;		/* a fork of the chain */
}

static void
spoil_account(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	static uint8_t other[16] = { 1 };

	(void)c;
	(void)v;
	(void)s;
	d->account = other;
}

static void
spoil_actor(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)v;
	(void)s;
	d->actor = coffer_device_id(c->dev[2]);	/* never trusted */
}

static void
spoil_epoch(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)c;
	(void)v;
	(void)s;
	d->epoch++;			/* an add may not roll */
}

static void
spoil_keep_key(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)v;
	(void)s;
	d->account_pk = c->pk[0];	/* a remove must roll the key */
}

static void
spoil_approver(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)d;
	(void)s;
	memcpy(v[2].approver, coffer_device_id(c->dev[2]), 16);
}

static void
spoil_kept(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)c;
	(void)d;
	(void)s;
	v[0].added_time++;		/* a kept device altered */
}

static void
spoil_extra(struct chain *c, struct devlist_draft *d,
    struct devlist_device *v, const struct coffer_key **s)
{
	(void)s;
	listed(&v[2], c->dev[2], d->seq, c->dev[1], d->time);
	d->ndevices = 2;		/* a remove that adds one too */
}

static void
test_refused(void **state)
{
	static const struct bad cases[] = {
		{ "signed by another key", 1, spoil_signer },
		{ "skips a seq", 1, spoil_seq },
		{ "chains to an older entry", 1, spoil_prev },
		{ "another account", 1, spoil_account },
		{ "made by an untrusted device", 1, spoil_actor },
		{ "an add that rolls the epoch", 1, spoil_epoch },
		{ "a remove that keeps the key", 2, spoil_keep_key },
		{ "an add approved by another", 1, spoil_approver },
		{ "a kept device altered", 1, spoil_kept },
		{ "a remove that adds", 2, spoil_extra },
	};
	struct chain *c = *state;
	struct devlist_draft d;
	struct devlist_device v[NDEV];
	struct devlist_entry e;
	const struct coffer_key *signer;
	char why[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct devlist_entry *prev = &c->e[cases[i].prev];

		memcpy(v, c->listed, sizeof(v));
		signer = c->acct[0];
		if (cases[i].prev == 1) {
			listed(&v[2], c->dev[2], prev->seq + 1, c->dev[1],
			    1700000000 + prev->seq + 1);
			draft_of(&d, c, prev, DEVLIST_ADD, 0, c->dev[1],
			    c->dev[2], v, 3);
		} else {
			draft_of(&d, c, prev, DEVLIST_REMOVE, 1, c->dev[1],
			    c->dev[0], &v[1], 1);
		}
		cases[i].spoil(c, &d, v, &signer);
		make(&e, &d, signer);
		why[0] = '\0';
		if (devlist_verify_next(prev, &e, why, sizeof(why)) !=
		    COFFER_ERR_AUTH)
			fail_msg("%s: accepted", cases[i].name);
		assert_true(why[0] != '\0');
		devlist_entry_cleanup(&e);
	}
}

/* Every byte of the rename entry (names included) matters: a flip either
 * fails parsing or the chain check; every truncation fails parsing. */
static void
test_every_byte(void **state)
{
	struct chain *c = *state;
	const struct devlist_entry *good = &c->e[2];
	struct devlist_entry e;
	uint8_t *p = malloc(good->raw_len);
	size_t i, caught = 0;

	assert_non_null(p);
	for (i = 0; i < good->raw_len; i++) {
		memcpy(p, good->raw, good->raw_len);
		p[i] ^= 0x01;
		if (devlist_parse(&e, p, good->raw_len) != 0 ||
		    devlist_verify_next(&c->e[1], &e, NULL, 0) != 0)
			caught++;
		devlist_entry_cleanup(&e);
	}
	assert_int_equal(caught, good->raw_len);
	for (i = 0; i < good->raw_len; i++) {
		assert_int_not_equal(devlist_parse(&e, good->raw, i), 0);
		devlist_entry_cleanup(&e);
	}
	memcpy(p, good->raw, good->raw_len);
	free(p);
	p = malloc(good->raw_len + 1);
	assert_non_null(p);
	memcpy(p, good->raw, good->raw_len);
	p[good->raw_len] = 0;
	assert_int_equal(devlist_parse(&e, p, good->raw_len + 1),
	    COFFER_ERR_TRAILING);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_every_byte),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
