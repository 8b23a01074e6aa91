/* The keychain zone on the server, kept in sync with the home
 * (docs/PROTOCOL-client.md §3, docs/PROTOCOL-devices.md §1): the
 * account's keys by epoch. The root of the current epoch reaches this
 * device only in a grant checked (grant_open) against the entry of the
 * verified device list it names; the account key, the naming key and the
 * category keys are wrapped under that root, zone keys under a key from
 * their category key, each version apart. The first device makes the
 * first epoch (the genesis), through a journal in the home so that a run
 * cut short anywhere resumes. The records are envelopes already: the zone
 * is synced without a check of its own, and each key is checked as it is
 * unwrapped. */
#include <coffer/category.h>
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/keychain.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/client_internal.h"
#include <coffer/envelope.h>

#include "keys/grant.h"

#define GRANT_KEY	"grant"

/* The genesis journal (docs/PROTOCOL-client.md §1): the first epoch's
 * keys sealed to this device, and the keychain zone's id. */
#define J_ROOT		"journal.root"
#define J_ACCOUNT	"journal.account"
#define J_NAMING	"journal.naming"
#define J_ZONE		"journal.zone"

static const char pre_list[] = "this account predates the signed device "
    "list: make a new account and copy the data across";

static void
drop_zone_keys(struct coffer_client *c)
{
	size_t i;

	for (i = 0; i < c->nzkeys; i++)
		coffer_key_free(&c->zkeys[i].key);
	c->nzkeys = 0;
}

/* Forget every key of the account this handle holds. */
static void
drop_keys(struct coffer_client *c)
{
	coffer_key_free(&c->root);
	coffer_key_free(&c->acct);
	coffer_key_free(&c->naming);
	drop_zone_keys(c);
	c->epoch = 0;
	sodium_memzero(c->commit, sizeof(c->commit));
	kc_ids_wipe(&c->kcids);
}

static int lists_me(struct coffer_client *, const struct devlist_entry *);

/* Before a write: the device list again from the pinned seq (one
 * request when nothing changed), and kc_refresh if its head is of
 * another epoch or no longer lists this device, so that a handle opened
 * before another device's removal writes nothing under the old version
 * (docs/PROTOCOL-devices.md §6.2). */
static int
kc_current(struct coffer_client *c)
{
	struct devlist_entry head;
	int r, moved;

	if (!c->refreshed)
		return kc_refresh(c);
	memset(&head, 0, sizeof(head));
	if ((r = tr_refresh(c)) != 0 || (r = tr_head(c, &head)) != 0)
		goto out;
	moved = head.epoch != c->epoch || !lists_me(c, &head);
	if (moved) {
		c->refreshed = 0;
		r = kc_refresh(c);
	}
out:
	devlist_entry_cleanup(&head);
	return r;
}

int
kc_zone_key(struct coffer_client *c, const struct zone *z, uint32_t version,
    int create, const struct coffer_key **out)
{
	struct coffer_key *cat = NULL, *kek = NULL, *zk = NULL;
	uint8_t rid[COFFER_WIRE_ID_BYTES], cid = z->cat->id;
	uint32_t v;
	size_t i;
	int r, make;

	/* A write seals under the list head's epoch, checked now. */
	if (version == 0 && create && (r = kc_current(c)) != 0)
		return r;
	v = version != 0 ? version : c->epoch;
	if (c->root == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this device is not "
		    "approved yet");
	if (v > c->epoch)
		return cl_fail(c, COFFER_ERR_AUTH, "a record sealed under zone "
		    "key version %lu, newer than this device's epoch %lu",
		    (unsigned long)v, (unsigned long)c->epoch);
	/* Zone ids are not secret, but they are derived from the naming
	 * key: compare them in constant time like the rest of the keychain. */
	for (i = 0; i < c->nzkeys; i++) {
		if (c->zkeys[i].version == v && sodium_memcmp(c->zkeys[i].zone,
		    z->id, COFFER_WIRE_ID_BYTES) == 0) {
			*out = c->zkeys[i].key;
			return 0;
		}
	}
	/* An older version comes only from the roll that made this epoch,
	 * which re-wrapped every zone key there was under its root (type
	 * 6): one a removed device planted later, under a category key it
	 * kept, is never taken. */
	if (v < c->epoch) {
		if ((r = kc_rid(rid, KC_ZONE_ROLLED, z->id,
		    COFFER_WIRE_ID_BYTES, v, c->epoch, 1, &c->kcids)) != 0 ||
		    (r = kc_key(c, rid, COFFER_ROLE_ZONE, cid, v, c->root, 0,
		    &zk)) != 0) {
			/* Every key of then is in the keychain since the
			 * roll, synced when this device took the epoch. */
			if (r == COFFER_ERR_NOTFOUND || r == COFFER_ERR_STATE)
				r = cl_fail(c, COFFER_ERR_AUTH, "zone key "
				    "version %lu of this zone is not one the "
				    "roll to epoch %lu carried over: what is "
				    "sealed under it was made after, and is "
				    "refused", (unsigned long)v,
				    (unsigned long)c->epoch);
			goto out;
		}
		goto keep;
	}
	/* Only the current version is ever made (on the zone's first write
	 * in this epoch). */
	make = create;
	if ((r = kc_rid(rid, KC_CATEGORY, &cid, 1, v, c->epoch, 1,
	    &c->kcids)) != 0 ||
	    (r = kc_key(c, rid, COFFER_ROLE_CATEGORY, cid, v, c->root, make,
	    &cat)) != 0)
		goto out;
	/* The zone key's kek names the zone: a wrapped key moved to
	 * another zone's record does not open. */
	if ((r = coffer_kdf_key(&kek, cat, KC_ZONE_KEK_CONTEXT, z->id,
	    COFFER_WIRE_ID_BYTES, v)) != 0 ||
	    (r = kc_rid(rid, KC_ZONE, z->id, COFFER_WIRE_ID_BYTES, v, 0,
	    0, NULL)) != 0 ||
	    (r = kc_key(c, rid, COFFER_ROLE_ZONE, cid, v, kek, make, &zk)) != 0)
		goto out;
keep:
	if (c->nzkeys == ZONE_KEYS_MAX) {
		coffer_key_free(&c->zkeys[0].key);
		memmove(&c->zkeys[0], &c->zkeys[1],
		    sizeof(c->zkeys[0]) * (ZONE_KEYS_MAX - 1));
		c->nzkeys--;
	}
	memcpy(c->zkeys[c->nzkeys].zone, z->id, COFFER_WIRE_ID_BYTES);
	c->zkeys[c->nzkeys].version = v;
	c->zkeys[c->nzkeys].key = zk;
	*out = zk;
	c->nzkeys++;
	zk = NULL;
out:
	coffer_key_free(&cat);
	coffer_key_free(&kek);
	coffer_key_free(&zk);
	return r;
}

/* Whether the entry ${e} lists this device with its own card. */
static int
lists_me(struct coffer_client *c, const struct devlist_entry *e)
{
	const struct devlist_device *d;
	struct coffer_buf *card = NULL;
	int yes = 0;

	if ((d = devlist_find(e, coffer_device_id(c->device))) == NULL ||
	    (card = coffer_buf_new(COFFER_DEVICE_CARD_BYTES)) == NULL)
		return 0;
	if (coffer_device_card_encode(card, c->device) == 0 &&
	    coffer_buf_len(card) == sizeof(d->raw))
		yes = sodium_memcmp(coffer_buf_data(card), d->raw,
		    sizeof(d->raw)) == 0;
	coffer_buf_free(&card);
	return yes;
}

int
kc_listed(struct coffer_client *c, const struct devlist_entry *e)
{
	return c->device != NULL && lists_me(c, e);
}

/* Open the grant ${p} against the verified entry it names: the root of
 * its epoch, which must be ${epoch} (the pinned head's), into the
 * handle. Refused: nothing changes. */
static int
open_grant(struct coffer_client *c, const uint8_t *p, size_t len,
    uint32_t epoch)
{
	struct devlist_entry e;
	struct grant g;
	struct coffer_key *root = NULL;
	char why[NET_DETAIL];
	int r;

	memset(&e, 0, sizeof(e));
	if ((r = grant_parse(&g, p, len)) != 0) {
		r = cl_fail(c, COFFER_ERR_AUTH, "this device's grant is "
		    "malformed: %s", coffer_strerror(r));
		goto out;
	}
	/* A device uses only a grant of its pinned head's epoch. */
	if (g.epoch != epoch) {
		r = cl_fail(c, COFFER_ERR_AUTH, "this device's grant is of "
		    "epoch %lu, not %lu, the device list's: it is refused",
		    (unsigned long)g.epoch, (unsigned long)epoch);
		goto out;
	}
	if ((r = tr_entry(c, g.seq, &e)) == COFFER_ERR_NOTFOUND) {
		r = cl_fail(c, COFFER_ERR_AUTH, "this device's grant names "
		    "device list entry %llu, which this device has not "
		    "verified", (unsigned long long)g.seq);
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = grant_open(&root, p, len, &e, c->device, why,
	    sizeof(why))) != 0) {
		r = cl_fail(c, r == COFFER_ERR_AUTH ? r : COFFER_ERR_AUTH,
		    "this device's grant is refused: %s", r == COFFER_ERR_AUTH ?
		    why : coffer_strerror(r));
		goto out;
	}
	drop_keys(c);
	c->root = root;
	c->epoch = g.epoch;
	/* grant_open checked it: the entry's commit is the root's. */
	memcpy(c->commit, e.root_commit, sizeof(c->commit));
	root = NULL;
out:
	coffer_key_free(&root);
	devlist_entry_cleanup(&e);
	return r;
}

/* The epoch of the kept grant ${b}, 0 if it does not parse. */
static uint32_t
kept_epoch(const struct coffer_buf *b)
{
	struct grant g;

	return grant_parse(&g, coffer_buf_data(b), coffer_buf_len(b)) == 0 ?
	    g.epoch : 0;
}

/* 1 if this home keeps a grant (of whatever epoch): the device was
 * trusted once. */
static int
kept_grant(struct coffer_client *c)
{
	struct coffer_buf *b;
	int yes;

	if ((b = coffer_buf_new(GRANT_BYTES)) == NULL)
		return 0;
	yes = st_get(c, GRANT_KEY, b) == 0;
	coffer_buf_free(&b);
	return yes;
}

int
kc_load(struct coffer_client *c)
{
	struct devlist_entry head;
	struct coffer_buf *b = NULL;
	int r;

	memset(&head, 0, sizeof(head));
	if (c->device == NULL)
		return 0;
	if ((r = tr_head(c, &head)) != 0)
		return r == COFFER_ERR_NOTFOUND ? 0 : r;
	if (!lists_me(c, &head)) {
		c->removed = 1;
		r = 0;
		goto out;
	}
	r = COFFER_ERR_NOMEM;
	if ((b = coffer_buf_new(GRANT_BYTES)) == NULL)
		goto out;
	if ((r = st_get(c, GRANT_KEY, b)) == COFFER_ERR_NOTFOUND)
		r = 0;
	else if (r == 0 && kept_epoch(b) == head.epoch)
		r = open_grant(c, coffer_buf_data(b), coffer_buf_len(b),
		    head.epoch);
	/* A kept grant of an older epoch is not used: kc_refresh takes
	 * the head's or says it is missing. */
out:
	coffer_buf_free(&b);
	devlist_entry_cleanup(&head);
	return r;
}

/* This device's grant of the epoch of ${head}, from the keychain zone:
 * checked and kept. Not there yet (the approving device stores it right
 * after the entry): nothing changes. */
static int
take_grant(struct coffer_client *c, const struct devlist_entry *head)
{
	struct coffer_buf *b = NULL;
	struct rec rec;
	struct zone z;
	uint8_t rid[COFFER_WIRE_ID_BYTES], old[COFFER_WIRE_ID_BYTES];
	int r;

	/* Its keyed id, else (an epoch made before keyed ids) the legacy
	 * public one: whichever it is, the grant is checked alike. */
	if ((r = kc_grant_id(rid, coffer_device_id(c->device), head->epoch,
	    coffer_device_agree_key(c->device), head->account_pk)) != 0 ||
	    (r = kc_grant_id_legacy(old, coffer_device_id(c->device),
	    head->epoch, head->root_commit)) != 0)
		return r;
	if ((r = kc_find_zone(c, rid)) == COFFER_ERR_NOTFOUND)
		r = kc_find_zone(c, old);
	if (r != 0)
		return r == COFFER_ERR_NOTFOUND ? 0 : r;
	/* Synced first: the home may hold a grant of a removal that was
	 * dropped, which its device took back. */
	if ((r = kc_zone(c, &z)) != 0 ||
	    (r = zn_sync(c, &z, NULL, NULL, NULL)) != 0)
		return r;
	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = kc_lookup(c, rid, b)) == COFFER_ERR_NOTFOUND) {
		memcpy(rid, old, sizeof(rid));
		r = kc_lookup(c, rid, b);
	}
	if (r == COFFER_ERR_NOTFOUND) {
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	/* The home's copy refused: asked of the server once more (a bad
	 * answer once must not lock this device out), kept if it opens. */
	if ((r = open_grant(c, coffer_buf_data(b), coffer_buf_len(b),
	    head->epoch)) != 0) {
		if (kc_refetch(c, rid, &rec, b) != 0 ||
		    open_grant(c, coffer_buf_data(b), coffer_buf_len(b),
		    head->epoch) != 0)
			goto out;
		if ((r = kc_keep(c, &rec, b)) != 0)
			goto out;
	}
	r = st_set(c, GRANT_KEY, coffer_buf_data(b), coffer_buf_len(b));
out:
	coffer_buf_free(&b);
	return r;
}

/* The account key of the current epoch from the keychain, as its ids
 * say. */
static int
account_key(struct coffer_client *c)
{
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	int r;

	if ((r = kc_rid(rid, KC_ACCOUNT, NULL, 0, c->epoch, 0, 0,
	    &c->kcids)) != 0)
		return r;
	return kc_key(c, rid, COFFER_ROLE_ACCOUNT, 0, c->epoch, c->root, 0,
	    &c->acct);
}

/* The account key and the naming key of the current epoch; the account
 * key must be the one the head publishes. */
static int
epoch_keys(struct coffer_client *c, const struct devlist_entry *head)
{
	uint8_t rid[COFFER_WIRE_ID_BYTES], pk[COFFER_PUBLIC_BYTES];
	int r;

	if (c->acct == NULL) {
		/* The epoch's ids are keyed, or public if it was made before
		 * keyed ids: where its account key opens says which, once
		 * (a planted record opens under no root, and a withheld one
		 * only makes this fail). */
		if (!c->kcids.known) {
			if ((r = kc_ids_make(&c->kcids, c->root,
			    c->commit)) != 0)
				return r;
			if ((r = account_key(c)) == COFFER_ERR_NOTFOUND) {
				c->kcids.legacy = 1;
				r = account_key(c);
			}
			if (r != 0)
				kc_ids_wipe(&c->kcids);
		} else
			r = account_key(c);
		if (r != 0)
			return r;
		if (head->epoch == c->epoch &&
		    (coffer_key_public(c->acct, pk) != 0 ||
		    sodium_memcmp(pk, head->account_pk, sizeof(pk)) != 0)) {
			coffer_key_free(&c->acct);
			return cl_fail(c, COFFER_ERR_AUTH, "the account key in "
			    "the keychain is not the one the device list "
			    "publishes");
		}
	}
	if (c->naming == NULL &&
	    ((r = kc_rid(rid, KC_NAMING, NULL, 0, c->epoch, 0, 0,
	    &c->kcids)) != 0 ||
	    (r = kc_key(c, rid, COFFER_ROLE_NAMING, 0, 1, c->root, 0,
	    &c->naming)) != 0))
		return r;
	return 0;
}

/* The journal's keys and zone, opened with this device's key. */
struct journal {
	struct coffer_key	*root, *acct, *naming;
	uint8_t			 zone[COFFER_WIRE_ID_BYTES];
};

static void
journal_free(struct journal *j)
{
	coffer_key_free(&j->root);
	coffer_key_free(&j->acct);
	coffer_key_free(&j->naming);
}

static int
journal_key(struct coffer_client *c, const char *k, enum coffer_key_role role,
    uint8_t category, uint32_t version, struct coffer_buf *b,
    struct coffer_key **out)
{
	int r;

	coffer_buf_reset(b);
	if ((r = st_get(c, k, b)) != 0)
		return r;
	if ((r = coffer_keychain_open_from_device(out, coffer_buf_data(b),
	    coffer_buf_len(b), role, category, version,
	    coffer_device_agree_key(c->device))) != 0)
		return cl_fail(c, r, "a journal of this home does not open: "
		    "%s", coffer_strerror(r));
	return 0;
}

/* The journal: COFFER_ERR_NOTFOUND if there is none. */
static int
journal_load(struct coffer_client *c, struct journal *j)
{
	struct coffer_buf *b = NULL;
	int r;

	memset(j, 0, sizeof(*j));
	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_get(c, J_ZONE, b)) == 0 &&
	    coffer_buf_len(b) != COFFER_WIRE_ID_BYTES)
		r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: the journal's "
		    "zone id is out of shape");
	if (r == 0) {
		memcpy(j->zone, coffer_buf_data(b), COFFER_WIRE_ID_BYTES);
		if ((r = journal_key(c, J_ROOT, COFFER_ROLE_ROOT, 0, 1, b,
		    &j->root)) == 0 &&
		    (r = journal_key(c, J_ACCOUNT, COFFER_ROLE_ACCOUNT, 0, 1, b,
		    &j->acct)) == 0)
			r = journal_key(c, J_NAMING, COFFER_ROLE_NAMING, 0, 1, b,
			    &j->naming);
		if (r == COFFER_ERR_NOTFOUND)
			r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: the "
			    "journal is incomplete");
	}
	if (r != 0)
		journal_free(j);
	coffer_buf_free(&b);
	return r;
}

static int
journal_seal(struct coffer_client *c, const char *k,
    const struct coffer_key *key, enum coffer_key_role role, uint8_t category,
    struct coffer_buf *b)
{
	const struct coffer_key *dk = coffer_device_agree_key(c->device);
	int r;

	coffer_buf_reset(b);
	if ((r = coffer_keychain_seal_to_device(b, key, role, category,
	    coffer_device_agree_public(c->device),
	    coffer_key_version(dk))) != 0)
		return r;
	return st_set(c, k, coffer_buf_data(b), coffer_buf_len(b));
}

/* A new journal: the first epoch's keys made and kept, sealed to this
 * device, before anything of them goes to the server. */
static int
journal_new(struct coffer_client *c, struct journal *j)
{
	struct coffer_buf *b = NULL;
	int r;

	memset(j, 0, sizeof(*j));
	randombytes_buf(j->zone, sizeof(j->zone));
	if ((r = coffer_keychain_key_generate(&j->root, COFFER_ROLE_ROOT, 0,
	    1)) != 0 ||
	    (r = coffer_keychain_key_generate(&j->acct, COFFER_ROLE_ACCOUNT, 0,
	    1)) != 0 ||
	    (r = coffer_keychain_key_generate(&j->naming, COFFER_ROLE_NAMING,
	    0, 1)) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL ||
	    (r = st_begin(c)) != 0)
		goto out;
	if ((r = journal_seal(c, J_ROOT, j->root, COFFER_ROLE_ROOT, 0,
	    b)) == 0 &&
	    (r = journal_seal(c, J_ACCOUNT, j->acct, COFFER_ROLE_ACCOUNT, 0,
	    b)) == 0 &&
	    (r = journal_seal(c, J_NAMING, j->naming, COFFER_ROLE_NAMING, 0,
	    b)) == 0)
		r = st_set(c, J_ZONE, j->zone, sizeof(j->zone));
	r = st_end(c, r);
out:
	if (r != 0)
		journal_free(j);
	coffer_buf_free(&b);
	return r;
}

/* Forget the journal, inside the caller's transaction. */
static int
journal_forget(struct coffer_client *c)
{
	int r;

	if ((r = st_del(c, J_ROOT)) == 0 && (r = st_del(c, J_ACCOUNT)) == 0 &&
	    (r = st_del(c, J_NAMING)) == 0)
		r = st_del(c, J_ZONE);
	return r;
}

/* ${forget} in a transaction of its own. */
static int
forget_all(struct coffer_client *c, int (*forget)(struct coffer_client *))
{
	int r;

	if ((r = st_begin(c)) != 0)
		return r;
	return st_end(c, forget(c));
}

static int
journal_drop(struct coffer_client *c)
{
	return forget_all(c, journal_forget);
}

/* Whether ${e} is the genesis this journal makes: this device's, of this
 * account, with the journal's account key and root. */
static int
is_ours(struct coffer_client *c, const struct journal *j,
    const struct devlist_entry *e, const uint8_t account[COFFER_WIRE_ID_BYTES])
{
	uint8_t pk[COFFER_PUBLIC_BYTES], commit[32];

	return e->seq == 1 && devlist_verify_genesis(e) == 0 &&
	    sodium_memcmp(e->actor, coffer_device_id(c->device),
	    COFFER_WIRE_ID_BYTES) == 0 &&
	    sodium_memcmp(e->account, account, COFFER_WIRE_ID_BYTES) == 0 &&
	    coffer_key_public(j->acct, pk) == 0 &&
	    sodium_memcmp(pk, e->account_pk, sizeof(pk)) == 0 &&
	    devlist_root_commit(commit, j->root) == 0 &&
	    sodium_memcmp(commit, e->root_commit, sizeof(commit)) == 0 &&
	    lists_me(c, e);
}

/* The genesis entry of the journal, appended (or found appended by an
 * earlier run), into ${e}. COFFER_ERR_CONFLICT: another device's is. */
static int
append_genesis(struct coffer_client *c, const struct journal *j,
    const uint8_t account[COFFER_WIRE_ID_BYTES], struct devlist_entry *e)
{
	struct devlist_device me;
	struct devlist_draft d;
	struct coffer_buf *card = NULL;
	uint8_t pk[COFFER_PUBLIC_BYTES], commit[32];
	uint64_t head = 0;
	int r;

	memset(&me, 0, sizeof(me));
	if ((r = tr_server_entry(c, 1, e, &head)) == 0) {
		if (is_ours(c, j, e, account))
			return tr_pin(c, e);
		devlist_entry_cleanup(e);
		return cl_fail(c, COFFER_ERR_CONFLICT, "another device made "
		    "this account's device list first");
	}
	if (r != COFFER_ERR_NOTFOUND)
		return r;
	if ((card = coffer_buf_new(COFFER_DEVICE_CARD_BYTES)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_device_card_encode(card, c->device)) != 0 ||
	    (r = coffer_device_card_parse(&me.card, coffer_buf_data(card),
	    coffer_buf_len(card))) != 0 ||
	    (r = coffer_key_public(j->acct, pk)) != 0 ||
	    (r = devlist_root_commit(commit, j->root)) != 0)
		goto out;
	memcpy(me.raw, coffer_buf_data(card), sizeof(me.raw));
	me.added_seq = 1;
	memcpy(me.approver, coffer_device_id(c->device), COFFER_WIRE_ID_BYTES);
	me.added_time = (uint64_t)time(NULL);
	memset(&d, 0, sizeof(d));
	d.kind = DEVLIST_GENESIS;
	d.seq = 1;
	d.account = account;
	d.time = me.added_time;
	d.epoch = 1;
	d.account_pk = pk;
	d.root_commit = commit;
	d.actor = coffer_device_id(c->device);
	d.subject = d.actor;
	d.devices = &me;
	d.ndevices = 1;
	if ((r = tr_append(c, &d, j->acct, e)) == COFFER_ERR_CONFLICT) {
		/* Taken: this run's own, sent before its answer was lost, or
		 * another device's. */
		if ((r = tr_server_entry(c, 1, e, &head)) != 0)
			goto out;
		if (is_ours(c, j, e, account))
			r = tr_pin(c, e);
		else {
			devlist_entry_cleanup(e);
			r = cl_fail(c, COFFER_ERR_CONFLICT, "another device "
			    "made this account's device list first");
		}
	}
out:
	coffer_buf_free(&card);
	return r;
}

/* Whether another device's genesis is the server's entry 1: 0 (none yet,
 * or this journal's), COFFER_ERR_CONFLICT, or a server error. */
static int
lost_race(struct coffer_client *c, const struct journal *j,
    const uint8_t account[COFFER_WIRE_ID_BYTES])
{
	struct devlist_entry e;
	uint64_t head = 0;
	int r;

	if ((r = tr_server_entry(c, 1, &e, &head)) == COFFER_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	if (!is_ours(c, j, &e, account))
		r = cl_fail(c, COFFER_ERR_CONFLICT, "another device made this "
		    "account's device list first");
	devlist_entry_cleanup(&e);
	return r;
}

/* The first device of an account (docs/PROTOCOL-client.md §3): the
 * journal, the keychain zone, the account key and the naming key under
 * the root, the genesis entry, this device's grant, then the journal
 * goes. Each step may run again: a run cut short resumes here. Returns 0
 * (trusted), COFFER_ERR_CONFLICT (another device made the list: the
 * journal is dropped and this device pairs), or an error. */
static int
genesis(struct coffer_client *c)
{
	struct journal j;
	struct devlist_entry e;
	struct coffer_buf *b = NULL;
	uint8_t account[COFFER_WIRE_ID_BYTES], rid[COFFER_WIRE_ID_BYTES];
	uint8_t commit[KC_COMMIT_BYTES];
	struct kc_ids ids;
	char path[64], hex[ID_HEX];
	static const char body[] = "{\"category\":\""
	    COFFER_CATEGORY_KEYCHAIN "\"}";
	int r;

	memset(&e, 0, sizeof(e));
	memset(&ids, 0, sizeof(ids));
	if ((r = journal_load(c, &j)) == COFFER_ERR_NOTFOUND)
		r = journal_new(c, &j);
	if (r != 0)
		return r;
	r = COFFER_ERR_NOMEM;
	if ((b = coffer_buf_new(GRANT_BYTES + KC_WRAPPED_MAX)) == NULL)
		goto out;
	if ((r = st_get(c, "account", b)) != 0 ||
	    coffer_buf_len(b) != COFFER_WIRE_ID_BYTES) {
		r = cl_fail(c, COFFER_ERR_STATE, "this home has no account");
		goto out;
	}
	memcpy(account, coffer_buf_data(b), sizeof(account));
	/* Another device may have made the list first (a race, or while
	 * this run was cut short): then the server no longer lets this
	 * device's session write the keychain (403), and it pairs. */
	if ((r = lost_race(c, &j, account)) != 0)
		goto lost;
	if ((r = cl_hex(hex, j.zone)) != 0)
		goto out;
	(void)snprintf(path, sizeof(path), "/v1/zones/%s", hex);
	if ((r = cl_json(c, "PUT", path, body, CL_IDEMPOTENT, NULL,
	    NULL)) != 0 || (r = kc_zone_keep(c, j.zone)) != 0)
		goto lost;
	if ((r = devlist_root_commit(commit, j.root)) != 0 ||
	    (r = kc_ids_make(&ids, j.root, commit)) != 0 ||
	    (r = kc_rid(rid, KC_ACCOUNT, NULL, 0, 1, 0, 0, &ids)) != 0 ||
	    (r = kc_wrap_new(c, rid, j.acct, COFFER_ROLE_ACCOUNT,
	    j.root)) != 0 ||
	    (r = kc_rid(rid, KC_NAMING, NULL, 0, 1, 0, 0, &ids)) != 0 ||
	    (r = kc_wrap_new(c, rid, j.naming, COFFER_ROLE_NAMING,
	    j.root)) != 0)
		goto lost;
	if ((r = append_genesis(c, &j, account, &e)) != 0)
		goto lost;
	coffer_buf_reset(b);
	if ((r = grant_make(b, &e, coffer_device_id(c->device), j.root,
	    j.acct)) != 0 ||
	    (r = kc_put_grant(c, coffer_device_id(c->device),
	    coffer_device_agree_public(c->device), 1, j.acct, b)) != 0)
		goto out;
	if ((r = st_begin(c)) != 0)
		goto out;
	if ((r = st_set(c, GRANT_KEY, coffer_buf_data(b),
	    coffer_buf_len(b))) == 0)
		r = journal_forget(c);
	if ((r = st_end(c, r)) != 0)
		goto out;
	drop_keys(c);
	c->root = j.root;
	c->acct = j.acct;
	c->naming = j.naming;
	c->epoch = 1;
	memcpy(c->commit, commit, sizeof(c->commit));
	c->kcids = ids;
	memset(&j, 0, sizeof(j));
	goto out;
lost:
	/* Refused by the server (403), it may be a race lost meanwhile. */
	if (r == COFFER_ERR_UNAUTHORIZED && lost_race(c, &j, account) ==
	    COFFER_ERR_CONFLICT)
		r = COFFER_ERR_CONFLICT;
	if (r == COFFER_ERR_CONFLICT) {
		/* Its zone, if made, holds nothing anyone will use: this
		 * device finds the winner's by its grant once paired. */
		c->has_kczone = 0;
		if (journal_drop(c) != 0 || st_del(c, "kczone") != 0)
			r = COFFER_ERR_IO;
	}
out:
	journal_free(&j);
	kc_ids_wipe(&ids);
	devlist_entry_cleanup(&e);
	coffer_buf_free(&b);
	return r;
}

/* Whether the home holds meta ${k} (a journal's). */
static int
has_meta(struct coffer_client *c, const char *k)
{
	struct coffer_buf *b = coffer_buf_new(KC_WRAPPED_MAX);
	int r;

	if (b == NULL)
		return 0;
	r = st_get(c, k, b);
	coffer_buf_free(&b);
	return r == 0;
}

/* A removal's roll of the epoch (docs/PROTOCOL-devices.md §6.1), through
 * its journal in the home: the new epoch's keys sealed to this device and
 * the remove entry, signed, made before anything reaches the server. */
#define R_ENTRY		"roll.entry"
#define R_ROOT		"roll.root"
#define R_ACCOUNT	"roll.account"
#define R_CATS		"roll.cats"
#define R_CAT		"roll.cat."

void
kc_roll_free(struct kc_roll *j)
{
	size_t i;

	coffer_key_free(&j->root);
	coffer_key_free(&j->acct);
	for (i = 0; i < j->ncats; i++)
		coffer_key_free(&j->cats[i]);
	devlist_entry_cleanup(&j->entry);
	memset(j, 0, sizeof(*j));
}

/* Whether keychain record ${rid} is in the home's copy (synced before). */
static int
kc_present(struct coffer_client *c, const struct zone *z,
    const uint8_t rid[COFFER_WIRE_ID_BYTES], struct coffer_buf *blob)
{
	struct rec rec;

	coffer_buf_reset(blob);
	return st_rec_get(c, z->id, rid, &rec, blob) == 0 && !rec.deleted;
}

int
kc_roll_keys(struct coffer_client *c, struct kc_roll *j)
{
	struct coffer_buf *b = NULL;
	struct zone z;
	uint8_t rid[COFFER_WIRE_ID_BYTES], cid;
	uint32_t e = c->epoch, v;
	size_t i;
	int r;

	memset(j, 0, sizeof(*j));
	if ((r = kc_zone(c, &z)) != 0 ||
	    (r = zn_sync(c, &z, NULL, NULL, NULL)) != 0)
		return r;
	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_keychain_key_generate(&j->root, COFFER_ROLE_ROOT, 0,
	    e + 1)) != 0 ||
	    (r = coffer_keychain_key_generate(&j->acct, COFFER_ROLE_ACCOUNT, 0,
	    e + 1)) != 0)
		goto out;
	/* A new version of every category key there is. */
	for (i = 0; i < coffer_category_count(); i++) {
		cid = coffer_category_at(i)->id;
		for (v = 1; v <= e; v++) {
			if ((r = kc_rid(rid, KC_CATEGORY, &cid, 1, v, e,
			    1, &c->kcids)) != 0)
				goto out;
			if (kc_present(c, &z, rid, b))
				break;
		}
		if (v > e)
			continue;
		if (j->ncats == KC_CATS_MAX) {
			r = COFFER_ERR_TOOBIG;
			goto out;
		}
		if ((r = coffer_keychain_key_generate(&j->cats[j->ncats],
		    COFFER_ROLE_CATEGORY, cid, e + 1)) != 0)
			goto out;
		j->cat_ids[j->ncats++] = cid;
	}
out:
	if (r != 0)
		kc_roll_free(j);
	coffer_buf_free(&b);
	return r;
}

static int
has_roll(struct coffer_client *c)
{
	return has_meta(c, R_ROOT);
}

static int
roll_forget(struct coffer_client *c)
{
	char k[32];
	size_t i;
	int r = 0;

	for (i = 0; i < 256 && r == 0; i++) {
		(void)snprintf(k, sizeof(k), R_CAT "%zu", i);
		r = st_del(c, k);
	}
	if (r == 0 && (r = st_del(c, R_ENTRY)) == 0 &&
	    (r = st_del(c, R_ACCOUNT)) == 0 && (r = st_del(c, R_CATS)) == 0)
		r = st_del(c, R_ROOT);
	return r;
}

static int
roll_drop(struct coffer_client *c)
{
	return forget_all(c, roll_forget);
}

int
kc_roll_begin(struct coffer_client *c, const struct kc_roll *j)
{
	struct coffer_buf *b = NULL;
	char k[32];
	size_t i;
	int r;

	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_begin(c)) != 0)
		goto out;
	if ((r = st_set(c, R_ENTRY, j->entry.raw, j->entry.raw_len)) == 0 &&
	    (r = st_set(c, R_CATS, j->cat_ids, j->ncats)) == 0 &&
	    (r = journal_seal(c, R_ACCOUNT, j->acct, COFFER_ROLE_ACCOUNT, 0,
	    b)) == 0)
		r = journal_seal(c, R_ROOT, j->root, COFFER_ROLE_ROOT, 0, b);
	for (i = 0; i < j->ncats && r == 0; i++) {
		(void)snprintf(k, sizeof(k), R_CAT "%u",
		    (unsigned)j->cat_ids[i]);
		r = journal_seal(c, k, j->cats[i], COFFER_ROLE_CATEGORY,
		    j->cat_ids[i], b);
	}
	r = st_end(c, r);
out:
	coffer_buf_free(&b);
	return r;
}

static int
roll_load(struct coffer_client *c, struct kc_roll *j)
{
	struct coffer_buf *b = NULL;
	char k[32];
	size_t i;
	int r;

	memset(j, 0, sizeof(*j));
	if ((b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_get(c, R_ENTRY, b)) != 0 ||
	    (r = devlist_parse(&j->entry, coffer_buf_data(b),
	    coffer_buf_len(b))) != 0 || j->entry.kind != DEVLIST_REMOVE) {
		r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: the journal of a "
		    "device removal is out of shape");
		goto out;
	}
	coffer_buf_reset(b);
	if ((r = st_get(c, R_CATS, b)) != 0 ||
	    coffer_buf_len(b) > KC_CATS_MAX) {
		r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: the journal of a "
		    "device removal is out of shape");
		goto out;
	}
	j->ncats = coffer_buf_len(b);
	memcpy(j->cat_ids, coffer_buf_data(b), j->ncats);
	if ((r = journal_key(c, R_ROOT, COFFER_ROLE_ROOT, 0, j->entry.epoch,
	    b, &j->root)) != 0 ||
	    (r = journal_key(c, R_ACCOUNT, COFFER_ROLE_ACCOUNT, 0,
	    j->entry.epoch, b, &j->acct)) != 0)
		goto out;
	for (i = 0; i < j->ncats; i++) {
		(void)snprintf(k, sizeof(k), R_CAT "%u",
		    (unsigned)j->cat_ids[i]);
		if ((r = journal_key(c, k, COFFER_ROLE_CATEGORY, j->cat_ids[i],
		    j->entry.epoch, b, &j->cats[i])) != 0)
			goto out;
	}
out:
	if (r != 0)
		kc_roll_free(j);
	coffer_buf_free(&b);
	return r;
}

/* Store ${blob} as record ${rid} if absent. Present already: it must be
 * this roll's (${mine} says, given the bytes found), written by an
 * earlier run of it; another removal's is never written over. */
static int
roll_store(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    const struct coffer_buf *blob, int (*mine)(const struct kc_roll *,
    const uint8_t *, size_t, const void *), const struct kc_roll *j,
    const void *arg)
{
	struct coffer_buf *found = NULL;
	int r;

	if ((r = kc_store(c, rid, coffer_buf_data(blob),
	    coffer_buf_len(blob))) != COFFER_ERR_CONFLICT)
		return r;
	if ((found = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = kc_lookup(c, rid, found)) == 0 && !mine(j,
	    coffer_buf_data(found), coffer_buf_len(found), arg))
		r = cl_fail(c, COFFER_ERR_CONFLICT, "the keychain holds keys "
		    "of epoch %lu from another device's removal",
		    (unsigned long)j->entry.epoch);
	coffer_buf_free(&found);
	return r;
}

/* A wrapped key found is this roll's if it is under its root (the key id
 * the envelope names: each root has its own random id). */
static int
wrapped_mine(const struct kc_roll *j, const uint8_t *p, size_t len,
    const void *arg)
{
	struct coffer_envelope_info info;

	(void)arg;
	return coffer_envelope_peek(&info, p, len) == 0 &&
	    sodium_memcmp(info.key_id, coffer_key_id(j->root),
	    sizeof(info.key_id)) == 0;
}

/* A grant found is this roll's if it names the roll's entry. */
static int
grant_mine(const struct kc_roll *j, const uint8_t *p, size_t len,
    const void *arg)
{
	struct grant g;

	(void)arg;
	return grant_parse(&g, p, len) == 0 && g.seq == j->entry.seq &&
	    sodium_memcmp(g.entry_hash, j->entry.hash,
	    DEVLIST_HASH_BYTES) == 0;
}

/* Wrap ${key} (${role} of ${category}) under the roll's root as record
 * ${rid}. */
static int
roll_wrap(struct coffer_client *c, const struct kc_roll *j,
    const uint8_t rid[COFFER_WIRE_ID_BYTES], const struct coffer_key *key,
    enum coffer_key_role role, uint8_t category, struct coffer_buf *b)
{
	int r;

	coffer_buf_reset(b);
	if ((r = coffer_keychain_wrap(b, key, role, category, j->root)) != 0)
		return r;
	return roll_store(c, rid, b, wrapped_mine, j, NULL);
}

/* Every zone key of zone ${id} (category ${cat}), Z_{zone,v} for v <= e,
 * under the roll's root ${arg} (type 6): the only place a device of the
 * new epoch takes an older version from. */
static int
roll_zone(struct coffer_client *c, const uint8_t *id, const char *cat,
    const void *arg)
{
	const struct kc_roll *j = arg;
	const struct coffer_key *zk;
	struct coffer_buf *b = NULL;
	struct zone z, kz;
	struct kc_ids nids;
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	uint32_t v;
	int r = 0;

	memset(&nids, 0, sizeof(nids));
	memcpy(z.id, id, COFFER_WIRE_ID_BYTES);
	if (strcmp(cat, COFFER_CATEGORY_KEYCHAIN) == 0 ||
	    (z.cat = coffer_category_by_name(cat)) == NULL)
		return 0;
	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = kc_zone(c, &kz)) != 0 ||
	    (r = kc_ids_make(&nids, j->root, j->entry.root_commit)) != 0)
		goto out;
	for (v = 1; v <= c->epoch; v++) {
		/* An older version only if this epoch's roll carried it
		 * (the keychain is synced): one planted since is not. */
		if (v < c->epoch && ((r = kc_rid(rid, KC_ZONE_ROLLED, z.id,
		    COFFER_WIRE_ID_BYTES, v, c->epoch, 1, &c->kcids)) != 0 ||
		    !kc_present(c, &kz, rid, b))) {
			if (r != 0)
				break;
			continue;
		}
		if ((r = kc_zone_key(c, &z, v, 0, &zk)) == COFFER_ERR_NOTFOUND)
			continue;	/* not written in epoch v */
		if (r != 0 ||
		    (r = kc_rid(rid, KC_ZONE_ROLLED, z.id, COFFER_WIRE_ID_BYTES,
		    v, j->entry.epoch, 1, &nids)) != 0 ||
		    (r = roll_wrap(c, j, rid, zk, COFFER_ROLE_ZONE, z.cat->id,
		    b)) != 0)
			break;
	}
out:
	kc_ids_wipe(&nids);
	coffer_buf_free(&b);
	return r == COFFER_ERR_NOTFOUND ? 0 : r;
}

/* Step 2: the new epoch's records: A_{e+1}, every category key version
 * (the old ones re-wrapped, the new), every zone key (re-wrapped), K_n,
 * and a grant for every device the remove entry keeps. */
static int
roll_store_all(struct coffer_client *c, const struct kc_roll *j)
{
	struct coffer_key *old = NULL;
	struct coffer_buf *b = NULL, *w = NULL;
	struct zone z;
	uint8_t rid[COFFER_WIRE_ID_BYTES], cid;
	uint32_t e = c->epoch, n = j->entry.epoch, v;
	struct kc_ids nids;
	size_t i;
	int r = COFFER_ERR_NOMEM;

	memset(&nids, 0, sizeof(nids));
	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL ||
	    (w = coffer_buf_new(KC_WRAPPED_MAX)) == NULL ||
	    (r = kc_ids_make(&nids, j->root, j->entry.root_commit)) != 0)
		goto out;
	if ((r = kc_zone(c, &z)) != 0 ||
	    (r = zn_sync(c, &z, NULL, NULL, NULL)) != 0)
		goto out;
	for (i = 0; i < coffer_category_count(); i++) {
		cid = coffer_category_at(i)->id;
		for (v = 1; v <= e; v++) {
			if ((r = kc_rid(rid, KC_CATEGORY, &cid, 1, v, e,
			    1, &c->kcids)) != 0)
				goto out;
			if (!kc_present(c, &z, rid, w))
				continue;
			if ((r = coffer_keychain_unwrap(&old, coffer_buf_data(w),
			    coffer_buf_len(w), COFFER_ROLE_CATEGORY, cid, v,
			    c->root)) != 0) {
				r = cl_fail(c, COFFER_ERR_AUTH, "a key of the "
				    "keychain does not open: %s",
				    coffer_strerror(r));
				goto out;
			}
			if ((r = kc_rid(rid, KC_CATEGORY, &cid, 1, v, n,
			    1, &nids)) != 0 ||
			    (r = roll_wrap(c, j, rid, old, COFFER_ROLE_CATEGORY,
			    cid, b)) != 0)
				goto out;
			coffer_key_free(&old);
		}
	}
	if ((r = kc_each_zone(c, 0, roll_zone, j)) != 0)
		goto out;
	for (i = 0; i < j->ncats; i++) {
		cid = j->cat_ids[i];
		if ((r = kc_rid(rid, KC_CATEGORY, &cid, 1, n, n, 1,
		    &nids)) != 0 ||
		    (r = roll_wrap(c, j, rid, j->cats[i], COFFER_ROLE_CATEGORY,
		    cid, b)) != 0)
			goto out;
	}
	if ((r = kc_rid(rid, KC_ACCOUNT, NULL, 0, n, 0, 0, &nids)) != 0 ||
	    (r = roll_wrap(c, j, rid, j->acct, COFFER_ROLE_ACCOUNT, 0,
	    b)) != 0 ||
	    (r = kc_rid(rid, KC_NAMING, NULL, 0, n, 0, 0, &nids)) != 0 ||
	    (r = roll_wrap(c, j, rid, c->naming, COFFER_ROLE_NAMING, 0,
	    b)) != 0)
		goto out;
	for (i = 0; i < j->entry.ndevices; i++) {
		const uint8_t *id = j->entry.devices[i].card.device_id;

		coffer_buf_reset(b);
		if ((r = grant_make(b, &j->entry, id, j->root, j->acct)) != 0 ||
		    (r = kc_grant_id(rid, id, n, j->acct,
		    j->entry.devices[i].card.agree_pk)) != 0 ||
		    (r = roll_store(c, rid, b, grant_mine, j, NULL)) != 0)
			goto out;
	}
out:
	kc_ids_wipe(&nids);
	coffer_key_free(&old);
	coffer_buf_free(&b);
	coffer_buf_free(&w);
	return r;
}

/* Delete keychain record ${rid} if it is this roll's (best effort). */
static void
roll_unstore_one(struct coffer_client *c, const struct zone *z,
    const struct kc_roll *j, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    int (*mine)(const struct kc_roll *, const uint8_t *, size_t,
    const void *), struct coffer_buf *b)
{
	struct rec rec;
	char path[160], zh[ID_HEX], rh[ID_HEX];

	coffer_buf_reset(b);
	if (st_rec_get(c, z->id, rid, &rec, b) != 0 || rec.deleted ||
	    !mine(j, coffer_buf_data(b), coffer_buf_len(b), NULL) ||
	    cl_hex(zh, z->id) != 0 || cl_hex(rh, rid) != 0)
		return;
	(void)snprintf(path, sizeof(path), "/v1/zones/%s/records/%s?version="
	    "%llu", zh, rh, (unsigned long long)rec.version);
	(void)cl_json(c, "DELETE", path, NULL, CL_IDEMPOTENT, NULL, NULL);
}

/* A dropped removal takes back the records of the new epoch it stored
 * (only its own: wrapped under its root, grants naming its entry), so
 * that they stand in the way of no later removal. */
static void
roll_unstore(struct coffer_client *c, const struct kc_roll *j)
{
	struct coffer_buf *b = NULL;
	struct zone z;
	uint8_t rid[COFFER_WIRE_ID_BYTES], cid;
	uint32_t n = j->entry.epoch, v;
	struct kc_ids nids;
	size_t i;

	memset(&nids, 0, sizeof(nids));
	if (kc_zone(c, &z) != 0 || zn_sync(c, &z, NULL, NULL, NULL) != 0 ||
	    kc_ids_make(&nids, j->root, j->entry.root_commit) != 0 ||
	    (b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		goto out;
	for (i = 0; i < coffer_category_count(); i++) {
		cid = coffer_category_at(i)->id;
		for (v = 1; v <= n; v++)
			if (kc_rid(rid, KC_CATEGORY, &cid, 1, v, n, 1,
			    &nids) == 0)
				roll_unstore_one(c, &z, j, rid, wrapped_mine,
				    b);
	}
	if (kc_rid(rid, KC_ACCOUNT, NULL, 0, n, 0, 0, &nids) == 0)
		roll_unstore_one(c, &z, j, rid, wrapped_mine, b);
	if (kc_rid(rid, KC_NAMING, NULL, 0, n, 0, 0, &nids) == 0)
		roll_unstore_one(c, &z, j, rid, wrapped_mine, b);
	for (i = 0; i < j->entry.ndevices; i++)
		if (kc_grant_id(rid, j->entry.devices[i].card.device_id,
		    n, j->acct, j->entry.devices[i].card.agree_pk) == 0)
			roll_unstore_one(c, &z, j, rid, grant_mine, b);
out:
	kc_ids_wipe(&nids);
	coffer_buf_free(&b);
}

/* The journal dropped, and why: nothing of it was committed. */
static int
roll_abandon(struct coffer_client *c, const struct kc_roll *j,
    const char *why)
{
	char hex[ID_HEX], msg[NET_DETAIL];

	(void)snprintf(msg, sizeof(msg), "%s", why);
	(void)cl_hex(hex, j->entry.subject);
	roll_unstore(c, j);
	if (roll_drop(c) != 0)
		return COFFER_ERR_IO;
	return cl_fail(c, COFFER_ERR_CONFLICT, "the removal of device %s was "
	    "not finished and is dropped: %s; nothing of it was committed: "
	    "remove the device again", hex, msg);
}

/* Steps 2 to 4 of the journal's removal, or what is left of them. */
static int
roll_finish(struct coffer_client *c)
{
	struct kc_roll j;
	struct devlist_entry head, at;
	char why[NET_DETAIL];
	int r;

	memset(&head, 0, sizeof(head));
	memset(&at, 0, sizeof(at));
	if ((r = roll_load(c, &j)) != 0)
		return r;
	if ((r = tr_head(c, &head)) != 0)
		goto out;
	if (head.seq >= j.entry.seq) {
		/* Appended by an earlier run whose answer was lost, or
		 * another device's entry took the seq. */
		if ((r = tr_entry(c, j.entry.seq, &at)) != 0)
			goto out;
		if (sodium_memcmp(at.hash, j.entry.hash,
		    DEVLIST_HASH_BYTES) != 0) {
			(void)snprintf(why, sizeof(why), "another change to "
			    "the device list took seq %llu first",
			    (unsigned long long)j.entry.seq);
			r = roll_abandon(c, &j, why);
			goto out;
		}
		if ((r = tr_shown_mine(c, j.entry.seq)) == 0)
			r = roll_drop(c);
		goto out;
	}
	if (head.seq + 1 != j.entry.seq || sodium_memcmp(head.hash,
	    j.entry.prev, DEVLIST_HASH_BYTES) != 0) {
		r = roll_abandon(c, &j, "the device list is not the one it "
		    "was made over");
		goto out;
	}
	if (c->root == NULL || c->naming == NULL || c->epoch != head.epoch ||
	    j.entry.epoch != c->epoch + 1) {
		r = cl_fail(c, COFFER_ERR_STATE, "the removal in this home's "
		    "journal needs the keys of epoch %lu, which this device "
		    "does not hold", (unsigned long)head.epoch);
		goto out;
	}
	if ((r = roll_store_all(c, &j)) == COFFER_ERR_CONFLICT) {
		(void)snprintf(why, sizeof(why), "%s", c->errmsg);
		r = roll_abandon(c, &j, why);
		goto out;
	}
	if (r != 0)
		goto out;
	/* The commit point: signed by A_e, the entry S stores ends the
	 * removed device's sessions. */
	if ((r = tr_put(c, &j.entry)) == COFFER_ERR_CONFLICT) {
		(void)snprintf(why, sizeof(why), "%s", c->errmsg);
		r = roll_abandon(c, &j, why);
		goto out;
	}
	if (r == 0)
		r = roll_drop(c);
out:
	devlist_entry_cleanup(&head);
	devlist_entry_cleanup(&at);
	kc_roll_free(&j);
	return r;
}

int
kc_roll_finish(struct coffer_client *c)
{
	int r;

	if (!has_roll(c))
		return 0;
	if ((r = roll_finish(c)) != 0)
		return r;
	/* The new epoch: this device's own grant of it is stored. */
	c->refreshed = 0;
	return kc_refresh(c);
}

static int
has_journal(struct coffer_client *c)
{
	return has_meta(c, J_ZONE);
}

/* The message of a device the list does not hold. */
static int
removed(struct coffer_client *c)
{
	char msg[NET_DETAIL];

	/* The root this device held names the remover, then goes. */
	(void)tr_removal(c, coffer_device_id(c->device), c->root, msg,
	    sizeof(msg));
	drop_keys(c);
	c->removed = 1;
	return cl_fail(c, COFFER_ERR_STATE, "%s", msg);
}

int
kc_refresh(struct coffer_client *c)
{
	struct devlist_entry head;
	struct zone z;
	int r;

	memset(&head, 0, sizeof(head));
	if (c->device == NULL)
		return 0;
	if (has_journal(c) && (r = genesis(c)) != 0 &&
	    r != COFFER_ERR_CONFLICT)
		return r;
	if ((r = tr_refresh(c)) == COFFER_ERR_NOTFOUND)
		return 0;	/* nothing pinned: not approved */
	if (r != 0 || (r = tr_head(c, &head)) != 0)
		goto out;
	if (!lists_me(c, &head)) {
		r = removed(c);
		goto out;
	}
	c->removed = 0;
	if (c->root == NULL || c->epoch != head.epoch) {
		/* Until the head's grant opens, no key of an older epoch
		 * stays: writing under them would let a removed device
		 * read. */
		if ((r = take_grant(c, &head)) != 0) {
			if (c->epoch != head.epoch)
				drop_keys(c);
			goto out;
		}
		if (c->root == NULL && !kept_grant(c))
			goto out;	/* not approved yet */
		/* An epoch rolled and this device's grant of it is not
		 * there. */
		if (c->root == NULL || c->epoch != head.epoch) {
			drop_keys(c);
			r = cl_fail(c, COFFER_ERR_AUTH, "this device's grant of "
			    "epoch %lu is not in the keychain: it uses no key "
			    "until it is", (unsigned long)head.epoch);
			goto out;
		}
	} else {
		/* Synced every time: the keychain is small and this is how a
		 * new key arrives. */
		if ((r = kc_zone(c, &z)) != 0 ||
		    (r = zn_sync(c, &z, NULL, NULL, NULL)) != 0)
			goto out;
	}
	if ((r = epoch_keys(c, &head)) == 0)
		c->refreshed = 1;
	/* A removal this device began and did not finish. */
	if (r == 0)
		r = kc_roll_finish(c);
out:
	devlist_entry_cleanup(&head);
	return r;
}

int
kc_ready(struct coffer_client *c)
{
	return c->refreshed ? 0 : kc_refresh(c);
}

int
kc_join(struct coffer_client *c, uint64_t server_head)
{
	struct devlist_entry head;
	int r;

	memset(&head, 0, sizeof(head));
	r = tr_head(c, &head);
	devlist_entry_cleanup(&head);
	if (r != 0 && r != COFFER_ERR_NOTFOUND)
		return r;
	if (r == COFFER_ERR_NOTFOUND && !has_journal(c) && server_head == 0) {
		/* No list: this is the first device, unless the account has
		 * a keychain from before the list. */
		if ((r = kc_each_zone(c, 1, kc_any_zone, NULL)) < 0)
			return r;
		if (r > 0)
			return cl_fail(c, COFFER_ERR_STATE, "%s", pre_list);
		if ((r = genesis(c)) != 0 && r != COFFER_ERR_CONFLICT)
			return r;
	}
	return kc_refresh(c);
}

int
kc_approver(struct coffer_client *c, struct devlist_entry *head)
{
	int r;

	memset(head, 0, sizeof(*head));
	if ((r = kc_refresh(c)) != 0)
		return r;
	if (c->root == NULL || c->acct == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this device is not "
		    "approved: it cannot approve others");
	if ((r = tr_head(c, head)) == 0 && head->epoch != c->epoch) {
		devlist_entry_cleanup(head);
		r = cl_fail(c, COFFER_ERR_STATE, "this device does not hold "
		    "the current epoch's keys yet: sync and try again");
	}
	return r;
}

void
kc_forget(struct coffer_client *c)
{
	drop_keys(c);
}
