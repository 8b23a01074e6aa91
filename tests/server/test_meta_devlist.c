/*
 * The metadata store's conformance suite, part 3 (meta_conformance.h has
 * the backends): what version 2 of the ops table added for device trust.
 * Session binding (once, to a registered card) and what a lookup says of
 * it; the device list (append as a compare-and-set on the head, pages,
 * the head's devices, a removal taking the device's registration,
 * sessions and pairings in the same step, the caps on entries and on
 * their bytes); sessions once there is a list (restricted ones capped
 * apart and evicted first, a full one only when none is left); a
 * restricted session's one registration (device_add_claim); pairing
 * mailboxes
 * (one per device, ten per account, expiry, each step once and in order,
 * caps, delete, prune, cascades); isolation between accounts; and a store
 * of schema version 1 migrated in place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include <coffer/err.h>

#include "meta_conformance.h"

#define CARD	157
#define TTL	COFFER_WIRE_PAIRING_TTL

/* An entry to append: its bytes are the text ${data}; its hash the
 * bytes ${h}; the head's devices are ${n} of mc_fill_id(1..n), each with
 * the card its registration has (mc_device(f, acct, i, 0xc0 + i)). */
struct app {
	struct store_devlist_append	a;
	struct store_devlist_member	mem[4];
	uint8_t				ids[4][COFFER_WIRE_ID_BYTES];
	uint8_t				cards[4][CARD];
	uint8_t				hash[32], prev[32];
};

static void
app_init(struct app *x, uint64_t seq, uint8_t h, const char *data, size_t n)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < n; i++) {
		mc_fill_id(x->ids[i], (uint8_t)(i + 1));
		memset(x->cards[i], 0xc0 + (int)i + 1, CARD);
		x->mem[i].id = x->ids[i];
		x->mem[i].card = x->cards[i];
		x->mem[i].card_len = CARD;
	}
	memset(x->hash, h, sizeof(x->hash));
	memset(x->prev, h - 1, sizeof(x->prev));
	x->a.seq = seq;
	x->a.prev = seq == 1 ? NULL : x->prev;
	x->a.hash = x->hash;
	x->a.data = (const uint8_t *)data;
	x->a.len = strlen(data);
	x->a.members = x->mem;
	x->a.nmembers = n;
}

/* Append entry ${seq} (hash bytes ${seq}, extending hash bytes seq - 1)
 * listing devices 1..${n}; the store's answer. */
static int
append(struct fx *f, const uint8_t *acct, uint64_t seq, size_t n,
    uint64_t *head)
{
	struct app x;

	app_init(&x, seq, (uint8_t)seq, "entry", n);
	return OPS->devlist_append(f->m, acct, &x.a, head);
}

static void
lookup(struct fx *f, uint8_t tag, struct store_session *s)
{
	uint8_t hash[STORE_TOKEN_HASH_BYTES];

	store_token_hash(hash, &tag, 1);
	assert_int_equal(OPS->session_lookup(f->m, hash, T0, s), 0);
}

static void
new_session(struct fx *f, const uint8_t *acct, uint8_t tag,
    const uint8_t *claimed)
{
	struct store_session s;

	mc_session(&s, acct, tag, T0, T0 + 1000);
	if (claimed != NULL) {
		memcpy(s.device, claimed, COFFER_WIRE_ID_BYTES);
		s.has_device = 1;
	}
	assert_int_equal(OPS->session_create(f->m, &s), 0);
}

static int
bind_to(struct fx *f, const uint8_t *acct, uint8_t tag, uint8_t dev,
    uint8_t card_byte)
{
	uint8_t hash[STORE_TOKEN_HASH_BYTES], id[COFFER_WIRE_ID_BYTES];
	uint8_t card[CARD];

	store_token_hash(hash, &tag, 1);
	mc_fill_id(id, dev);
	memset(card, card_byte, sizeof(card));
	return OPS->session_bind(f->m, acct, hash, id, card, sizeof(card), T0);
}

static void
test_bind(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_session s;
	uint8_t id[COFFER_WIRE_ID_BYTES], hash[STORE_TOKEN_HASH_BYTES], t = 1;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_device(f, a.id, 1, 0xc1);
	mc_device(f, a.id, 2, 0xc2);
	mc_device(f, b.id, 3, 0xc3);
	mc_fill_id(id, 1);
	/* A device named at sign-in is a claim, not a binding. */
	new_session(f, a.id, 1, id);
	lookup(f, 1, &s);
	assert_int_equal(s.has_device, 1);
	assert_int_equal(s.bound, 0);
	assert_int_equal(s.listed, 0);
	assert_int_equal(s.devlist_head, 0);
	/* The card checked must be the registered one; the device the
	 * account's; the session live and the account's. */
	assert_int_equal(bind_to(f, a.id, 1, 1, 0xc2), COFFER_ERR_NOTFOUND);
	assert_int_equal(bind_to(f, a.id, 1, 3, 0xc3), COFFER_ERR_NOTFOUND);
	assert_int_equal(bind_to(f, a.id, 1, 9, 0xc1), COFFER_ERR_NOTFOUND);
	assert_int_equal(bind_to(f, b.id, 1, 3, 0xc3), COFFER_ERR_NOTFOUND);
	assert_int_equal(bind_to(f, a.id, 7, 1, 0xc1), COFFER_ERR_NOTFOUND);
	lookup(f, 1, &s);
	assert_int_equal(s.bound, 0);
	/* Bound to another device than the claim: the binding wins. */
	assert_int_equal(bind_to(f, a.id, 1, 2, 0xc2), 0);
	lookup(f, 1, &s);
	assert_int_equal(s.bound, 1);
	mc_fill_id(id, 2);
	assert_memory_equal(s.device, id, COFFER_WIRE_ID_BYTES);
	/* Once. */
	assert_int_equal(bind_to(f, a.id, 1, 2, 0xc2), COFFER_ERR_CONFLICT);
	assert_int_equal(bind_to(f, a.id, 1, 1, 0xc1), COFFER_ERR_CONFLICT);
	/* An expired session binds nothing. */
	mc_session(&s, a.id, 2, T0 - 100, T0);
	assert_int_equal(OPS->session_create(f->m, &s), 0);
	assert_int_equal(bind_to(f, a.id, 2, 1, 0xc1), COFFER_ERR_NOTFOUND);
	/* Arguments. */
	store_token_hash(hash, &t, 1);
	assert_int_equal(OPS->session_bind(f->m, a.id, hash, id, id, 0, T0),
	    COFFER_ERR_INVALID);
	assert_int_equal(OPS->session_bind(f->m, a.id, hash, id, NULL, 5, T0),
	    COFFER_ERR_INVALID);
	{
		uint8_t big[COFFER_WIRE_CARD_MAX + 1];

		memset(big, 0xc2, sizeof(big));
		assert_int_equal(OPS->session_bind(f->m, a.id, hash, id, big,
		    sizeof(big), T0), COFFER_ERR_TOOBIG);
	}
	/* Removing the device ends the bound session. */
	assert_int_equal(OPS->device_remove(f->m, a.id, id), 0);
	assert_int_equal(OPS->session_lookup(f->m, hash, T0, &s),
	    COFFER_ERR_NOTFOUND);
}

static void
test_devlist_append(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_devlist_entry h;
	struct app x;
	uint64_t head = 99;
	uint8_t big[COFFER_WIRE_DEVLIST_ENTRY_MAX + 1];

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	assert_int_equal(OPS->devlist_head(f->m, a.id, &h), 0);
	assert_int_equal(h.seq, 0);
	assert_null(h.data);
	/* Only a genesis starts a list. */
	assert_int_equal(append(f, a.id, 2, 1, &head), COFFER_ERR_CONFLICT);
	assert_int_equal(head, 0);
	assert_int_equal(append(f, a.id, 1, 1, &head), 0);
	assert_int_equal(head, 1);
	assert_int_equal(OPS->devlist_head(f->m, a.id, &h), 0);
	assert_int_equal(h.seq, 1);
	assert_int_equal(h.len, 5);
	assert_memory_equal(h.data, "entry", 5);
	assert_int_equal(h.hash[0], 1);
	store_devlist_entry_cleanup(&h);
	/* A second genesis, a skip, a fork (the right seq, another prev). */
	assert_int_equal(append(f, a.id, 1, 1, &head), COFFER_ERR_CONFLICT);
	assert_int_equal(head, 1);
	assert_int_equal(append(f, a.id, 3, 1, &head), COFFER_ERR_CONFLICT);
	assert_int_equal(head, 1);
	app_init(&x, 2, 2, "fork", 2);
	memset(x.prev, 0xf0, sizeof(x.prev));
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_CONFLICT);
	assert_int_equal(head, 1);
	assert_int_equal(append(f, a.id, 2, 2, &head), 0);
	assert_int_equal(head, 2);
	/* Bad arguments and caps write nothing. */
	app_init(&x, 3, 3, "entry", 1);
	x.a.prev = NULL;
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_INVALID);
	app_init(&x, 1, 1, "entry", 1);
	x.a.prev = x.prev;
	assert_int_equal(OPS->devlist_append(f->m, b.id, &x.a, &head),
	    COFFER_ERR_INVALID);
	app_init(&x, 3, 3, "entry", 0);
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_INVALID);
	app_init(&x, 3, 3, "", 1);
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_INVALID);
	app_init(&x, 0, 3, "entry", 1);
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_INVALID);
	memset(big, 'e', sizeof(big));
	app_init(&x, 3, 3, "entry", 1);
	x.a.data = big;
	x.a.len = sizeof(big);
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_TOOBIG);
	app_init(&x, 3, 3, "entry", 1);
	x.mem[0].card_len = COFFER_WIRE_CARD_MAX + 1;
	x.mem[0].card = big;
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_TOOBIG);
	app_init(&x, 3, 3, "entry", 1);
	x.a.nmembers = COFFER_WIRE_DEVICES_MAX + 1;
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->devlist_head(f->m, a.id, &h), 0);
	assert_int_equal(h.seq, 2);
	store_devlist_entry_cleanup(&h);
	/* Another account's list is its own. */
	assert_int_equal(OPS->devlist_head(f->m, b.id, &h), 0);
	assert_int_equal(h.seq, 0);
	assert_int_equal(append(f, b.id, 1, 1, &head), 0);
	mc_fill_id(x.ids[0], 0xee);
	assert_int_equal(OPS->devlist_head(f->m, x.ids[0], &h),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(append(f, x.ids[0], 1, 1, &head),
	    COFFER_ERR_NOTFOUND);
}

/* The cap on entries: the (STORE_DEVLIST_ENTRIES_MAX + 1)th is TOOBIG. */
static void
test_devlist_cap(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_devlist_append x;
	struct store_devlist_member mem;
	uint8_t id[COFFER_WIRE_ID_BYTES], card[CARD], hash[2][32];
	uint64_t seq, head;

	mc_account(f, "alice", &a);
	mc_fill_id(id, 1);
	memset(card, 0xc1, sizeof(card));
	mem.id = id;
	mem.card = card;
	mem.card_len = sizeof(card);
	memset(&x, 0, sizeof(x));
	x.data = (const uint8_t *)"e";
	x.len = 1;
	x.members = &mem;
	x.nmembers = 1;
	for (seq = 1; seq <= STORE_DEVLIST_ENTRIES_MAX + 1; seq++) {
		memset(hash[seq % 2], 0, 32);
		memcpy(hash[seq % 2], &seq, sizeof(seq));
		x.seq = seq;
		x.prev = seq == 1 ? NULL : hash[(seq + 1) % 2];
		x.hash = hash[seq % 2];
		assert_int_equal(OPS->devlist_append(f->m, a.id, &x, &head),
		    seq <= STORE_DEVLIST_ENTRIES_MAX ? 0 : COFFER_ERR_TOOBIG);
	}
}

static void
test_devlist_pages(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_devlist_page p;
	uint64_t head, seq;
	size_t i;

	mc_account(f, "alice", &a);
	assert_int_equal(OPS->devlist_get(f->m, a.id, 0, 0, &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.head, 0);
	assert_int_equal(p.more, 0);
	store_devlist_page_cleanup(&p);
	for (seq = 1; seq <= COFFER_WIRE_DEVLIST_PAGE_MAX + 5; seq++)
		assert_int_equal(append(f, a.id, seq, 1, &head), 0);
	/* The first page is capped; the next picks up after it. */
	assert_int_equal(OPS->devlist_get(f->m, a.id, 0, 0, &p), 0);
	assert_int_equal(p.n, COFFER_WIRE_DEVLIST_PAGE_MAX);
	assert_int_equal(p.head, COFFER_WIRE_DEVLIST_PAGE_MAX + 5);
	assert_int_equal(p.more, 1);
	for (i = 0; i < p.n; i++) {
		assert_int_equal(p.v[i].seq, i + 1);
		assert_int_equal(p.v[i].hash[0], (uint8_t)(i + 1));
		assert_int_equal(p.v[i].len, 5);
	}
	store_devlist_page_cleanup(&p);
	assert_int_equal(OPS->devlist_get(f->m, a.id,
	    COFFER_WIRE_DEVLIST_PAGE_MAX, 1000, &p), 0);
	assert_int_equal(p.n, 5);
	assert_int_equal(p.more, 0);
	assert_int_equal(p.v[0].seq, COFFER_WIRE_DEVLIST_PAGE_MAX + 1);
	store_devlist_page_cleanup(&p);
	assert_int_equal(OPS->devlist_get(f->m, a.id, 3, 2, &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[1].seq, 5);
	assert_int_equal(p.more, 1);
	store_devlist_page_cleanup(&p);
	/* Past the head: nothing, and the head. */
	assert_int_equal(OPS->devlist_get(f->m, a.id, 500, 0, &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.more, 0);
	assert_int_equal(p.head, COFFER_WIRE_DEVLIST_PAGE_MAX + 5);
	store_devlist_page_cleanup(&p);
	assert_int_equal(OPS->devlist_get(f->m, a.id, UINT64_MAX, 0, &p), 0);
	assert_int_equal(p.n, 0);
	store_devlist_page_cleanup(&p);
}

/* What a lookup says: full sessions come from the head's devices with
 * the registered card, bound. */
static void
test_devlist_members(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_session s;
	struct app x;
	uint64_t head;

	mc_account(f, "alice", &a);
	mc_device(f, a.id, 1, 0xc1);
	mc_device(f, a.id, 2, 0xc2);
	mc_device(f, a.id, 3, 0xee);	/* not the card the list holds */
	new_session(f, a.id, 1, NULL);
	new_session(f, a.id, 2, NULL);
	new_session(f, a.id, 3, NULL);
	mc_fill_id(x.ids[0], 1);
	new_session(f, a.id, 4, x.ids[0]);	/* a claim only */
	assert_int_equal(bind_to(f, a.id, 1, 1, 0xc1), 0);
	assert_int_equal(bind_to(f, a.id, 2, 2, 0xc2), 0);
	assert_int_equal(bind_to(f, a.id, 3, 3, 0xee), 0);
	assert_int_equal(append(f, a.id, 1, 1, &head), 0);
	lookup(f, 1, &s);
	assert_int_equal(s.devlist_head, 1);
	assert_int_equal(s.listed, 1);
	lookup(f, 2, &s);
	assert_int_equal(s.listed, 0);
	/* Device 2 added: listed from then on. */
	assert_int_equal(append(f, a.id, 2, 3, &head), 0);
	lookup(f, 2, &s);
	assert_int_equal(s.devlist_head, 2);
	assert_int_equal(s.listed, 1);
	/* Device 3 is in the head with another card than its own. */
	lookup(f, 3, &s);
	assert_int_equal(s.bound, 1);
	assert_int_equal(s.listed, 0);
	lookup(f, 4, &s);
	assert_int_equal(s.bound, 0);
	assert_int_equal(s.listed, 0);
	/* A rename keeps them; a head without device 1 drops it. */
	app_init(&x, 3, 3, "entry", 2);
	x.mem[0] = x.mem[1];
	x.a.nmembers = 1;
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head), 0);
	lookup(f, 1, &s);
	assert_int_equal(s.listed, 0);
	lookup(f, 2, &s);
	assert_int_equal(s.listed, 1);
}

/* A removal takes the device's registration, its sessions (bound or
 * claimed) and its pairings, in the same step; nothing else. */
static void
test_devlist_remove(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_session s;
	struct store_device d;
	struct store_pairing p;
	struct app x;
	uint8_t hash[STORE_TOKEN_HASH_BYTES], pid[COFFER_WIRE_ID_BYTES];
	uint8_t t;
	uint64_t head;

	mc_account(f, "alice", &a);
	mc_device(f, a.id, 1, 0xc1);
	mc_device(f, a.id, 2, 0xc2);
	mc_fill_id(x.ids[1], 2);
	new_session(f, a.id, 1, NULL);
	new_session(f, a.id, 2, NULL);
	new_session(f, a.id, 3, x.ids[1]);
	assert_int_equal(bind_to(f, a.id, 1, 1, 0xc1), 0);
	assert_int_equal(bind_to(f, a.id, 2, 2, 0xc2), 0);
	mc_fill_id(pid, 0x77);
	assert_int_equal(OPS->pairing_open(f->m, a.id, pid, x.ids[1], T0,
	    T0 + TTL), 0);
	assert_int_equal(append(f, a.id, 1, 2, &head), 0);
	/* A failed removal (a fork) removes nothing. */
	app_init(&x, 2, 2, "remove", 1);
	x.a.removed = x.ids[1];
	mc_fill_id(x.ids[1], 2);
	memset(x.prev, 0xf0, sizeof(x.prev));
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_CONFLICT);
	lookup(f, 2, &s);
	assert_int_equal(s.listed, 1);
	assert_int_equal(OPS->pairing_get(f->m, a.id, pid, T0, &p), 0);
	app_init(&x, 2, 2, "remove", 1);
	mc_fill_id(x.ids[1], 2);
	x.a.removed = x.ids[1];
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head), 0);
	for (t = 2; t <= 3; t++) {
		store_token_hash(hash, &t, 1);
		assert_int_equal(OPS->session_lookup(f->m, hash, T0, &s),
		    COFFER_ERR_NOTFOUND);
	}
	assert_int_equal(OPS->device_get(f->m, a.id, x.ids[1], &d),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->pairing_get(f->m, a.id, pid, T0, &p),
	    COFFER_ERR_NOTFOUND);
	lookup(f, 1, &s);
	assert_int_equal(s.listed, 1);
	assert_int_equal(s.devlist_head, 2);
	/* A removal of a device with no registration is fine. */
	app_init(&x, 3, 3, "remove", 1);
	mc_fill_id(x.ids[1], 0x55);
	x.a.removed = x.ids[1];
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head), 0);
}

static void
open_ok(struct fx *f, const uint8_t *acct, uint8_t id_byte, uint8_t dev,
    int64_t now, int want)
{
	uint8_t id[COFFER_WIRE_ID_BYTES], d[COFFER_WIRE_ID_BYTES];

	mc_fill_id(id, id_byte);
	mc_fill_id(d, dev);
	assert_int_equal(OPS->pairing_open(f->m, acct, id, d, now, now + TTL),
	    want);
}

static void
test_pairing_open(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_pairing p, v[COFFER_WIRE_PAIRINGS_MAX + 1];
	uint8_t id[COFFER_WIRE_ID_BYTES], d[COFFER_WIRE_ID_BYTES];
	uint64_t n64;
	size_t n;
	int i;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	for (i = 1; i <= COFFER_WIRE_PAIRINGS_MAX + 1; i++)
		mc_device(f, a.id, (uint8_t)i, (uint8_t)(0xc0 + i));
	mc_device(f, b.id, 1, 0xc1);
	open_ok(f, a.id, 0x81, 1, T0, 0);
	assert_int_equal(OPS->pairing_get(f->m, a.id, (mc_fill_id(id, 0x81),
	    id), T0, &p), 0);
	assert_memory_equal(p.id, id, COFFER_WIRE_ID_BYTES);
	mc_fill_id(d, 1);
	assert_memory_equal(p.device, d, COFFER_WIRE_ID_BYTES);
	assert_int_equal(p.created, T0);
	assert_int_equal(p.expires, T0 + TTL);
	assert_int_equal(p.step, 0);
	/* The id taken; one per device; a device of no registration. */
	open_ok(f, a.id, 0x81, 2, T0, COFFER_ERR_EXISTS);
	open_ok(f, a.id, 0x82, 1, T0, COFFER_ERR_CONFLICT);
	open_ok(f, a.id, 0x82, 0x60, T0, COFFER_ERR_NOTFOUND);
	open_ok(f, b.id, 0x81, 1, T0, 0);	/* another account's id space */
	mc_fill_id(id, 0x83);
	assert_int_equal(OPS->pairing_open(f->m, a.id, id, d, T0, T0),
	    COFFER_ERR_INVALID);
	/* Ten per account. */
	for (i = 2; i <= COFFER_WIRE_PAIRINGS_MAX; i++)
		open_ok(f, a.id, (uint8_t)(0x80 + i), (uint8_t)i, T0 + i, 0);
	open_ok(f, a.id, 0xa0, COFFER_WIRE_PAIRINGS_MAX + 1, T0,
	    COFFER_ERR_TOOBIG);
	assert_int_equal(OPS->pairing_list(f->m, a.id, T0, v,
	    COFFER_WIRE_PAIRINGS_MAX + 1, &n), 0);
	assert_int_equal(n, COFFER_WIRE_PAIRINGS_MAX);
	for (i = 0; i < (int)n; i++)
		assert_int_equal(v[i].id[0], 0x81 + i);	/* oldest first */
	assert_int_equal(OPS->pairing_list(f->m, a.id, T0, v, 2, &n),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(n, 2);
	/* Expired, they count for nothing and go with the next open. */
	assert_int_equal(OPS->pairing_list(f->m, a.id, T0 + TTL + 1, v,
	    COFFER_WIRE_PAIRINGS_MAX, &n), 0);
	assert_int_equal(n, 9);	/* the first expired at T0 + TTL */
	assert_int_equal(OPS->pairing_get(f->m, a.id, (mc_fill_id(id, 0x81),
	    id), T0 + TTL, &p), COFFER_ERR_NOTFOUND);
	open_ok(f, a.id, 0x81, 1, T0 + TTL, 0);
	assert_int_equal(OPS->pairing_get(f->m, a.id, id, T0 + TTL, &p), 0);
	assert_int_equal(p.created, T0 + TTL);
	open_ok(f, a.id, 0xa0, COFFER_WIRE_PAIRINGS_MAX + 1, T0 + TTL,
	    COFFER_ERR_TOOBIG);
	/* Prune: every account's expired ones. */
	assert_int_equal(OPS->pairing_prune(f->m, T0 + 2 * TTL + 100, &n64), 0);
	assert_int_equal(n64, 11);
	assert_int_equal(OPS->pairing_list(f->m, b.id, T0, v,
	    COFFER_WIRE_PAIRINGS_MAX, &n), 0);
	assert_int_equal(n, 0);
	/* Deleting the device deletes its pairing. */
	open_ok(f, a.id, 0x81, 1, T0, 0);
	mc_fill_id(d, 1);
	assert_int_equal(OPS->device_remove(f->m, a.id, d), 0);
	assert_int_equal(OPS->pairing_get(f->m, a.id, id, T0, &p),
	    COFFER_ERR_NOTFOUND);
}

static int
put(struct fx *f, const uint8_t *acct, uint8_t id_byte, unsigned step,
    size_t len, int64_t now)
{
	static uint8_t buf[COFFER_WIRE_PAIRING_FINAL_MAX + 1];
	uint8_t id[COFFER_WIRE_ID_BYTES];

	memset(buf, (int)step, sizeof(buf));
	mc_fill_id(id, id_byte);
	return OPS->pairing_put(f->m, acct, id, step, buf, len, now);
}

static void
test_pairing_steps(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_pairing p;
	uint8_t id[COFFER_WIRE_ID_BYTES], *data = NULL;
	size_t len;
	unsigned s;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_device(f, a.id, 1, 0xc1);
	open_ok(f, a.id, 0x81, 1, T0, 0);
	mc_fill_id(id, 0x81);
	/* In order, each once. */
	assert_int_equal(put(f, a.id, 0x81, 2, 10, T0), COFFER_ERR_CONFLICT);
	assert_int_equal(OPS->pairing_read(f->m, a.id, id, 1, T0, &data,
	    &len), COFFER_ERR_NOTFOUND);
	for (s = 1; s <= 4; s++) {
		assert_int_equal(put(f, a.id, 0x81, s, s == 4 ?
		    COFFER_WIRE_PAIRING_FINAL_MAX + 1 :
		    COFFER_WIRE_PAIRING_MSG_MAX + 1, T0), COFFER_ERR_TOOBIG);
		assert_int_equal(put(f, a.id, 0x81, s, 0, T0),
		    COFFER_ERR_INVALID);
		assert_int_equal(put(f, b.id, 0x81, s, 10, T0),
		    COFFER_ERR_NOTFOUND);
		assert_int_equal(put(f, a.id, 0x81, s, s == 4 ?
		    COFFER_WIRE_PAIRING_FINAL_MAX : COFFER_WIRE_PAIRING_MSG_MAX,
		    T0), 0);
		assert_int_equal(put(f, a.id, 0x81, s, 10, T0),
		    COFFER_ERR_EXISTS);
		assert_int_equal(OPS->pairing_get(f->m, a.id, id, T0, &p), 0);
		assert_int_equal(p.step, s);
	}
	assert_int_equal(put(f, a.id, 0x81, 5, 10, T0), COFFER_ERR_INVALID);
	assert_int_equal(put(f, a.id, 0x81, 0, 10, T0), COFFER_ERR_INVALID);
	for (s = 1; s <= 4; s++) {
		assert_int_equal(OPS->pairing_read(f->m, a.id, id, s, T0,
		    &data, &len), 0);
		assert_int_equal(len, s == 4 ? COFFER_WIRE_PAIRING_FINAL_MAX :
		    COFFER_WIRE_PAIRING_MSG_MAX);
		assert_int_equal(data[0], s);
		assert_int_equal(data[len - 1], s);
		free(data);
		data = NULL;
		assert_int_equal(OPS->pairing_read(f->m, b.id, id, s, T0,
		    &data, &len), COFFER_ERR_NOTFOUND);
	}
	assert_int_equal(OPS->pairing_read(f->m, a.id, id, 5, T0, &data,
	    &len), COFFER_ERR_INVALID);
	/* Expired: nothing is served or taken. */
	assert_int_equal(OPS->pairing_read(f->m, a.id, id, 1, T0 + TTL, &data,
	    &len), COFFER_ERR_NOTFOUND);
	/* Deleted with its messages; another account deletes nothing. */
	assert_int_equal(OPS->pairing_delete(f->m, b.id, id, T0),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->pairing_delete(f->m, a.id, id, T0), 0);
	assert_int_equal(OPS->pairing_delete(f->m, a.id, id, T0),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->pairing_read(f->m, a.id, id, 1, T0, &data,
	    &len), COFFER_ERR_NOTFOUND);
	/* An expired one: NOTFOUND, and gone. */
	open_ok(f, a.id, 0x81, 1, T0, 0);
	assert_int_equal(put(f, a.id, 0x81, 1, 10, T0 + TTL),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->pairing_delete(f->m, a.id, id, T0 + TTL),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->pairing_get(f->m, a.id, id, T0, &p),
	    COFFER_ERR_NOTFOUND);
}

/* Account deletion takes its list and pairings. */
static void
test_account_delete(void **state)
{
	struct fx *f = *state;
	struct store_account a;
	struct store_devlist_entry h;
	uint64_t head;

	mc_account(f, "alice", &a);
	mc_device(f, a.id, 1, 0xc1);
	open_ok(f, a.id, 0x81, 1, T0, 0);
	assert_int_equal(append(f, a.id, 1, 1, &head), 0);
	assert_int_equal(OPS->account_delete(f->m, a.id), 0);
	assert_int_equal(OPS->devlist_head(f->m, a.id, &h),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(OPS->pairing_prune(f->m, T0 + 10 * TTL, &head), 0);
	assert_int_equal(head, 0);
}

/* A store that a cofferd of schema version 1 left, with an account, a
 * device and a session claiming it, opens migrated in place: its data
 * kept, its sessions unbound, no list (so full), and the new tables
 * working. */
static void
test_migrate(void **state)
{
	struct fx *f = *state;
	struct store_account a, g;
	struct store_device d;
	struct store_session s;
	uint8_t id[COFFER_WIRE_ID_BYTES];
	uint64_t head;

	if (f->be->past_schema == NULL)
		skip();
	mc_account(f, "alice", &a);
	mc_device(f, a.id, 1, 0xc1);
	mc_fill_id(id, 1);
	new_session(f, a.id, 1, id);
	f->be->ops->close(&f->m);
	assert_int_equal(f->be->past_schema(f->where), 0);
	assert_int_equal(mc_open(f), 0);
	assert_int_equal(OPS->account_get(f->m, a.id, &g), 0);
	assert_int_equal(OPS->device_get(f->m, a.id, id, &d), 0);
	lookup(f, 1, &s);
	assert_int_equal(s.has_device, 1);
	assert_int_equal(s.bound, 0);
	assert_int_equal(s.devlist_head, 0);
	assert_int_equal(bind_to(f, a.id, 1, 1, 0xc1), 0);
	assert_int_equal(append(f, a.id, 1, 1, &head), 0);
	lookup(f, 1, &s);
	assert_int_equal(s.listed, 1);
	open_ok(f, a.id, 0x81, 1, T0, 0);
	/* Opened again: nothing runs twice. */
	f->be->ops->close(&f->m);
	assert_int_equal(mc_open(f), 0);
	lookup(f, 1, &s);
	assert_int_equal(s.listed, 1);
}

/* Bind the session ${hash} of ${acct} to device 1 (card 0xc1). */
static void
bind_hash(struct fx *f, const uint8_t *acct, const uint8_t *hash)
{
	uint8_t id[COFFER_WIRE_ID_BYTES], card[CARD];

	mc_fill_id(id, 1);
	memset(card, 0xc1, sizeof(card));
	assert_int_equal(OPS->session_bind(f->m, acct, hash, id, card,
	    sizeof(card), T0), 0);
}

/* A session of ${acct} with token hash ${hash}, created (and last used)
 * at ${created}; bound to device 1 (card 0xc1) when ${bind}. */
static void
session_at(struct fx *f, const uint8_t *acct, const uint8_t *hash,
    int64_t created, int bind)
{
	struct store_session s;

	memset(&s, 0, sizeof(s));
	memcpy(s.token_hash, hash, STORE_TOKEN_HASH_BYTES);
	memcpy(s.account, acct, COFFER_WIRE_ID_BYTES);
	s.created = s.last_used = created;
	s.expires = T0 + 1000;
	assert_int_equal(OPS->session_create(f->m, &s), 0);
	if (bind)
		bind_hash(f, acct, hash);
}

static int
alive(struct fx *f, const uint8_t *hash)
{
	struct store_session s;

	return OPS->session_lookup(f->m, hash, T0, &s) == 0;
}

/* Once there is a list, a password alone (restricted sessions, however
 * many) never signs a trusted device out: restricted sessions have their
 * own cap and go first; a full session goes only when none is left. */
static void
test_session_evict(void **state)
{
	static uint8_t full[STORE_SESSIONS_MAX][STORE_TOKEN_HASH_BYTES];
	static uint8_t limited[STORE_SESSIONS_MAX][STORE_TOKEN_HASH_BYTES];
	struct fx *f = *state;
	struct store_account a, b;
	uint64_t head;
	size_t i, nfull = STORE_SESSIONS_MAX - 6;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_device(f, a.id, 1, 0xc1);
	mc_device(f, b.id, 1, 0xc1);
	assert_int_equal(append(f, a.id, 1, 1, &head), 0);
	assert_int_equal(append(f, b.id, 1, 1, &head), 0);
	/* Bob's trusted device, signed in long ago; a thief signs in
	 * STORE_SESSIONS_MAX times. Only the thief's oldest go. */
	randombytes_buf(full[0], sizeof(full[0]));
	session_at(f, b.id, full[0], T0 - 900, 1);
	for (i = 0; i < STORE_SESSIONS_MAX; i++) {
		randombytes_buf(limited[i], sizeof(limited[i]));
		session_at(f, b.id, limited[i], T0 - 800 + (int64_t)i, 0);
	}
	assert_true(alive(f, full[0]));
	for (i = 0; i < STORE_SESSIONS_MAX; i++)
		assert_int_equal(alive(f, limited[i]), i >= STORE_SESSIONS_MAX -
		    STORE_SESSIONS_RESTRICTED_MAX);
	/* Alice: full sessions up to six short of the cap, six restricted
	 * ones younger than all of them. At the cap, the restricted go
	 * first, young as they are. */
	for (i = 0; i < nfull; i++) {
		randombytes_buf(full[i], sizeof(full[i]));
		session_at(f, a.id, full[i], T0 - 900 + (int64_t)i, 1);
	}
	for (i = 0; i < 7; i++) {
		randombytes_buf(limited[i], sizeof(limited[i]));
		session_at(f, a.id, limited[i], T0 - 100 + (int64_t)i, 0);
	}
	for (i = 0; i < nfull; i++)
		assert_true(alive(f, full[i]));
	assert_false(alive(f, limited[0]));
	for (i = 1; i < 7; i++)
		assert_true(alive(f, limited[i]));
	/* With only full sessions left, the least recently used goes. */
	for (i = 1; i < 7; i++)
		bind_hash(f, a.id, limited[i]);
	randombytes_buf(limited[0], sizeof(limited[0]));
	session_at(f, a.id, limited[0], T0, 0);
	assert_false(alive(f, full[0]));
	for (i = 1; i < nfull; i++)
		assert_true(alive(f, full[i]));
	for (i = 0; i < 7; i++)
		assert_true(alive(f, limited[i]));
}

/* device ${id_byte} of ${acct} (card bytes ${card_byte}) registered by
 * the session of tag ${tag}: the store's answer. */
static int
add_claim(struct fx *f, const uint8_t *acct, uint8_t tag, uint8_t id_byte,
    uint8_t card_byte, int64_t now)
{
	struct store_device d;
	uint8_t hash[STORE_TOKEN_HASH_BYTES];

	memset(&d, 0, sizeof(d));
	mc_fill_id(d.id, id_byte);
	memset(d.card, card_byte, CARD);
	d.card_len = CARD;
	store_token_hash(hash, &tag, 1);
	return OPS->device_add_claim(f->m, acct, &d, now, hash);
}

static int
registered(struct fx *f, const uint8_t *acct, uint8_t id_byte)
{
	struct store_device d;
	uint8_t id[COFFER_WIRE_ID_BYTES];

	mc_fill_id(id, id_byte);
	return OPS->device_get(f->m, acct, id, &d) == 0;
}

/* A restricted session registers one device, its own: the session then
 * names it (unbound), and ends when the registration is deleted. */
static void
test_device_add_claim(void **state)
{
	struct fx *f = *state;
	struct store_account a, b;
	struct store_session s;
	struct store_device d;
	uint8_t id[COFFER_WIRE_ID_BYTES], hash[STORE_TOKEN_HASH_BYTES], t = 1;

	mc_account(f, "alice", &a);
	mc_account(f, "bob", &b);
	mc_device(f, a.id, 1, 0xc1);
	mc_fill_id(id, 1);
	new_session(f, a.id, 1, NULL);
	new_session(f, a.id, 2, id);		/* claims device 1 */
	new_session(f, a.id, 3, NULL);
	assert_int_equal(bind_to(f, a.id, 3, 1, 0xc1), 0);
	new_session(f, b.id, 4, NULL);
	mc_session(&s, a.id, 5, T0 - 100, T0);	/* expired at T0 */
	assert_int_equal(OPS->session_create(f->m, &s), 0);
	/* The first registration names the device, unbound. */
	assert_int_equal(add_claim(f, a.id, 1, 2, 0xc2, T0), 0);
	lookup(f, 1, &s);
	assert_int_equal(s.has_device, 1);
	assert_int_equal(s.bound, 0);
	mc_fill_id(id, 2);
	assert_memory_equal(s.device, id, COFFER_WIRE_ID_BYTES);
	/* A second: refused, nothing registered. The same again: EXISTS
	 * (the route answers it as the idempotent PUT it is). */
	assert_int_equal(add_claim(f, a.id, 1, 3, 0xc3, T0),
	    COFFER_ERR_CONFLICT);
	assert_false(registered(f, a.id, 3));
	assert_int_equal(add_claim(f, a.id, 1, 2, 0xc2, T0), COFFER_ERR_EXISTS);
	/* A session that claimed a device at sign-in, or is bound: none. */
	assert_int_equal(add_claim(f, a.id, 2, 3, 0xc3, T0),
	    COFFER_ERR_CONFLICT);
	assert_int_equal(add_claim(f, a.id, 3, 3, 0xc3, T0),
	    COFFER_ERR_CONFLICT);
	/* Another account's session, an expired one, none at all. */
	assert_int_equal(add_claim(f, a.id, 4, 3, 0xc3, T0),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(add_claim(f, a.id, 5, 3, 0xc3, T0),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(add_claim(f, a.id, 9, 3, 0xc3, T0),
	    COFFER_ERR_NOTFOUND);
	assert_false(registered(f, a.id, 3));
	memset(&d, 0, sizeof(d));
	assert_int_equal(OPS->device_add_claim(f->m, a.id, &d, T0, NULL),
	    COFFER_ERR_INVALID);
	/* Deleting the registration ends the session that made it. */
	assert_int_equal(OPS->device_remove(f->m, a.id, id), 0);
	store_token_hash(hash, &t, 1);
	assert_int_equal(OPS->session_lookup(f->m, hash, T0, &s),
	    COFFER_ERR_NOTFOUND);
	lookup(f, 2, &s);
	lookup(f, 3, &s);
}

/* The list's bytes are capped: STORE_DEVLIST_BYTES_MAX in all. */
static void
test_devlist_bytes(void **state)
{
	static uint8_t data[COFFER_WIRE_DEVLIST_ENTRY_MAX];
	struct fx *f = *state;
	struct store_account a;
	struct store_devlist_entry h;
	struct app x;
	uint64_t seq, head, n = STORE_DEVLIST_BYTES_MAX / sizeof(data);
	size_t rest = (size_t)(STORE_DEVLIST_BYTES_MAX % sizeof(data));

	mc_account(f, "alice", &a);
	for (seq = 1; seq <= n; seq++) {
		app_init(&x, seq, (uint8_t)seq, "e", 1);
		x.a.data = data;
		x.a.len = sizeof(data);
		assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
		    0);
	}
	/* One byte over: QUOTA, nothing stored; the bytes left fit. */
	app_init(&x, seq, (uint8_t)seq, "e", 1);
	x.a.data = data;
	x.a.len = rest + 1;
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head),
	    COFFER_ERR_QUOTA);
	assert_int_equal(OPS->devlist_head(f->m, a.id, &h), 0);
	assert_int_equal(h.seq, n);
	store_devlist_entry_cleanup(&h);
	x.a.len = rest;
	assert_int_equal(OPS->devlist_append(f->m, a.id, &x.a, &head), 0);
	assert_int_equal(head, n + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define CASE(fn) cmocka_unit_test_setup_teardown(fn, mc_setup, mc_teardown)
		CASE(test_bind),
		CASE(test_devlist_append),
		CASE(test_devlist_cap),
		CASE(test_devlist_pages),
		CASE(test_devlist_members),
		CASE(test_devlist_remove),
		CASE(test_pairing_open),
		CASE(test_pairing_steps),
		CASE(test_account_delete),
		CASE(test_migrate),
		CASE(test_session_evict),
		CASE(test_device_add_claim),
		CASE(test_devlist_bytes),
#undef CASE
	};

	if (sodium_init() < 0)
		return 1;
	return MC_RUN_EVERY_BACKEND("meta_devlist", tests);
}
