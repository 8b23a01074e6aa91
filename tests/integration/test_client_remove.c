/* Removing a device through libcoffer against the real cofferd
 * (docs/PROTOCOL-devices.md §6, §8): three devices, the phone removed
 * from the laptop; the tablet follows the new epoch and reads old and
 * new records; the phone is told it was removed and by whom; renames
 * and the alerts of changes; a removal cut short before or after its
 * append, by a server that fails the append, finishes on the next run. */
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
#include <sqlite3.h>

#include <coffer/category.h>
#include <coffer/envelope.h>
#include <coffer/kdf.h>
#include <coffer/keychain.h>
#include <coffer/keystore.h>

#include "client_fixture.h"
#include "evil_proxy.h"
#include "keys/devlist.h"
#include "keys/devlist_names.h"
#include "keys/grant.h"

struct changes {
	unsigned			n;
	struct coffer_client_change	v[8];
};

static int
take_change(void *arg, const struct coffer_client_change *ch)
{
	struct changes *l = arg;

	if (l->n < 8)
		l->v[l->n] = *ch;
	l->n++;
	return 0;
}

static unsigned
changes(struct coffer_client *c, struct changes *l, int mark)
{
	uint64_t head = 0;

	memset(l, 0, sizeof(*l));
	assert_int_equal(coffer_client_device_changes(c, take_change, l,
	    &head), 0);
	if (mark)
		assert_int_equal(coffer_client_device_changes_shown(c, head),
		    0);
	return l->n;
}

static void
notes(struct coffer_client *c, struct client_fx_seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(coffer_client_record_list(c, "notes", NULL,
	    client_fx_collect, s), 0);
}

static void
test_remove_phone(void **state)
{
	struct coffer_client_status st, ph, tb, ot;
	struct coffer_client_removal rm;
	struct coffer_client *laptop, *phone, *tablet, *other;
	struct changes l;
	struct client_fx_seen s;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], h4[4096], login[64];

	(void)state;
	client_fx_three("rm", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(coffer_client_status(laptop, &st), 0);

	/* Names: the laptop names itself and the phone; a bad name is
	 * refused. */
	assert_int_equal(coffer_client_device_rename(laptop, NULL, "laptop"),
	    0);
	assert_int_equal(coffer_client_device_rename(laptop, ph.device,
	    "phone"), 0);
	assert_int_equal(coffer_client_device_rename(laptop, ph.device,
	    "bad\nname"), COFFER_ERR_INVALID);
	assert_int_equal(coffer_client_device_rename(tablet, NULL, "tablet"),
	    0);
	/* The laptop's own changes are shown; the tablet's rename is not. */
	assert_int_equal(changes(laptop, &l, 0), 1);
	assert_int_equal(l.v[0].kind, COFFER_CLIENT_CHANGE_RENAMED);
	assert_string_equal(l.v[0].actor_name, "tablet");
	assert_int_equal(changes(laptop, &l, 1), 1);
	assert_int_equal(changes(laptop, &l, 0), 0);
	/* The phone sees the two renames by the laptop, and the tablet's
	 * pairing. */
	assert_int_equal(changes(phone, &l, 1), 4);
	assert_int_equal(l.v[0].kind, COFFER_CLIENT_CHANGE_ADDED);
	assert_memory_equal(l.v[0].subject, tb.device, 16);
	assert_string_equal(l.v[2].subject_name, "phone");
	assert_string_equal(l.v[2].actor_name, "laptop");
	assert_int_equal(changes(tablet, &l, 1), 3);

	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("before"), id), 0);
	assert_int_equal(coffer_client_sync(phone), 0);
	notes(phone, &s);
	assert_true(client_fx_has(&s, "before"));

	/* Refused: removing oneself. */
	assert_int_equal(coffer_client_device_remove(laptop, st.device, NULL),
	    COFFER_ERR_STATE);
	assert_non_null(strstr(coffer_client_errmsg(laptop), "to leave, "
	    "remove this device from another trusted device"));

	/* The laptop removes the phone: the keys roll to epoch 2. */
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, &rm),
	    0);
	assert_int_equal(rm.listed, 1);
	assert_int_equal(rm.epoch, 2);
	assert_string_equal(rm.name, "phone");
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("after"), id), 0);
	assert_int_equal(changes(laptop, &l, 0), 0);

	/* The tablet follows, reads both, and writes in epoch 2. */
	assert_int_equal(coffer_client_sync(tablet), 0);
	notes(tablet, &s);
	assert_true(client_fx_has(&s, "before") && client_fx_has(&s, "after"));
	assert_int_equal(coffer_client_record_create(tablet, "notes", NULL,
	    PW("tablet after"), id), 0);
	assert_int_equal(changes(tablet, &l, 1), 1);
	assert_int_equal(l.v[0].kind, COFFER_CLIENT_CHANGE_REMOVED);
	assert_int_equal(l.v[0].epoch, 2);
	assert_memory_equal(l.v[0].subject, ph.device, 16);
	assert_string_equal(l.v[0].subject_name, "phone");
	assert_string_equal(l.v[0].actor_name, "laptop");
	notes(laptop, &s);
	assert_true(client_fx_has(&s, "tablet after"));

	/* The phone's sessions ended with the entry; signed in again, it
	 * reads the list, is told, and uses no key. */
	assert_int_not_equal(coffer_client_sync(phone), 0);
	assert_int_equal(coffer_client_login(phone, login, PW("pw")),
	    COFFER_ERR_STATE);
	assert_non_null(strstr(coffer_client_errmsg(phone), "this device was "
	    "removed from the account by laptop at "));
	assert_int_equal(coffer_client_sync(phone), COFFER_ERR_STATE);
	assert_non_null(strstr(coffer_client_errmsg(phone), "removed from the "
	    "account by laptop"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(coffer_client_record_list(phone, "notes", NULL,
	    client_fx_collect, &s), COFFER_ERR_STATE);
	coffer_client_free(&phone);
	assert_non_null(phone = client_fx_open(h2));
	assert_int_equal(coffer_client_status(phone, &ph), 0);
	assert_true(ph.removed && !ph.trusted);
	assert_non_null(strstr(ph.removal, "removed from the account by "
	    "laptop"));

	/* A device that signed in and was never approved is not in the
	 * list: its registration is deleted. */
	client_fx_home(h4, sizeof(h4));
	assert_non_null(other = client_fx_open(h4));
	assert_int_equal(coffer_client_login(other, login, PW("pw")), 0);
	assert_int_equal(coffer_client_status(other, &ot), 0);
	assert_int_equal(coffer_client_device_remove(laptop, ot.device, &rm),
	    0);
	assert_int_equal(rm.listed, 0);
	assert_int_equal(coffer_client_device_remove(laptop, ot.device, &rm),
	    COFFER_ERR_NOTFOUND);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 7);
	coffer_client_free(&other);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

/* The device of ${home} signed in again through a proxy in front of
 * the server, which the test makes fail requests; the proxy into *${e}. */
static struct coffer_client *
behind_proxy(const char *home, const char *login, struct evil **e)
{
	struct coffer_client_opts o = { 0 };
	struct coffer_client *c = NULL;
	char up[256];

	/* The test server's cheap key stretching. */
	o.ksf_min_t = 1;
	o.ksf_min_m = 1024;
	(void)snprintf(up, sizeof(up), "%s", srv_url(client_fx_server(), ""));
	assert_int_equal(evil_start(e, up), 0);
	o.backoff_ms = 20;
	assert_int_equal(coffer_client_open(&c, evil_url(*e), home, &o), 0);
	assert_int_equal(coffer_client_login(c, login, PW("pw")), 0);
	return c;
}

/* A removal cut short: the server fails the append (nothing stored),
 * then stores one and answers 500; each finishes at the next sync. */
static void
test_interrupted(void **state)
{
	struct evil_rule fail = { "PUT", "/v1/devicelist/", EVIL_ERROR_500, 0,
		-1, NULL, NULL, NULL };
	struct evil_rule drop = { "PUT", "/v1/devicelist/", EVIL_DROP, 0, -1,
		NULL, NULL, NULL };
	struct coffer_client_status st, ph, tb;
	struct coffer_client *laptop, *phone, *tablet;
	struct evil *e = NULL;
	struct client_fx_seen s;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], login[64];

	(void)state;
	client_fx_three("cut", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("old"), id), 0);
	coffer_client_free(&laptop);

	laptop = behind_proxy(h1, login, &e);

	/* Cut before the append: the journal stays, nothing is listed. */
	evil_set(e, &fail);
	assert_int_not_equal(coffer_client_device_remove(laptop, ph.device,
	    NULL), 0);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 3);
	evil_set(e, NULL);
	assert_int_equal(coffer_client_sync(laptop), 0);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 4);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("epoch 2"), id), 0);
	assert_int_equal(coffer_client_sync(tablet), 0);
	notes(tablet, &s);
	assert_true(client_fx_has(&s, "old") && client_fx_has(&s, "epoch 2"));

	/* Cut after the append: found appended, the journal dropped. */
	evil_set(e, &drop);
	assert_int_not_equal(coffer_client_device_remove(laptop, tb.device,
	    NULL), 0);
	evil_set(e, NULL);
	assert_int_equal(coffer_client_sync(laptop), 0);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 5);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("epoch 3"), id), 0);
	notes(laptop, &s);
	assert_true(client_fx_has(&s, "old") && client_fx_has(&s, "epoch 2") &&
	    client_fx_has(&s, "epoch 3"));
	assert_int_equal(coffer_client_sync(laptop), 0);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
	evil_stop(&e);
}

/* A removal cut short before its append while another device takes
 * the seq: the next run drops it, says so, and takes back the keys it
 * stored, so that the removal made again goes through. */
static void
test_dropped(void **state)
{
	struct evil_rule fail = { "PUT", "/v1/devicelist/", EVIL_ERROR_500, 0,
		-1, NULL, NULL, NULL };
	struct coffer_client_status ph, tb;
	struct coffer_client_removal rm;
	struct coffer_client *laptop, *phone, *tablet;
	struct evil *e = NULL;
	struct client_fx_seen s;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], login[64];

	(void)state;
	client_fx_three("drop", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	coffer_client_free(&laptop);
	laptop = behind_proxy(h1, login, &e);
	evil_set(e, &fail);
	assert_int_not_equal(coffer_client_device_remove(laptop, ph.device,
	    NULL), 0);
	evil_set(e, NULL);
	assert_int_equal(coffer_client_device_rename(tablet, NULL, "tablet"),
	    0);
	assert_int_equal(coffer_client_sync(laptop), COFFER_ERR_CONFLICT);
	assert_non_null(strstr(coffer_client_errmsg(laptop), "not finished "
	    "and is dropped: another change to the device list took seq 4 "
	    "first"));
	assert_int_equal(coffer_client_sync(laptop), 0);
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, &rm),
	    0);
	assert_int_equal(rm.epoch, 2);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("after the drop"), id), 0);
	/* Its home held the dropped removal's grant: synced, it takes the
	 * one of the removal that went through. */
	assert_int_equal(coffer_client_sync(tablet), 0);
	notes(tablet, &s);
	assert_true(client_fx_has(&s, "after the drop"));
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
	evil_stop(&e);
}

/* What the removed phone holds and what the server stores, read as an
 * attacker would: the phone's home keys, a copy of meta.sqlite. */
#define MAXKEYS	128
#define MAXRECS	512

struct held {
	struct coffer_key	*k[MAXKEYS];
	int			 cat[MAXKEYS];	/* a category key's id, or -1 */
	size_t			 n;
};

struct rows {
	uint8_t		*data[MAXRECS];
	size_t		 len[MAXRECS];
	uint8_t		 zone[MAXRECS][16];
	size_t		 n;
};

/* A copy of the server's meta.sqlite, as the operator could take it. */
static void
copy_db(const char *to)
{
	char db[4200], sql[4400];
	sqlite3 *h;

	(void)snprintf(db, sizeof(db), "%s/meta.sqlite",
	    srv_data(client_fx_server()));
	(void)unlink(to);
	(void)snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", to);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* Rows of ${sql} (a blob, and a 16-byte zone id or NULL) of database
 * ${path}. */
static void
read_rows(const char *path, const char *sql, struct rows *out)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	const void *z;

	memset(out, 0, sizeof(*out));
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && out->n < MAXRECS) {
		out->len[out->n] = (size_t)sqlite3_column_bytes(st, 0);
		assert_non_null(out->data[out->n] = malloc(out->len[out->n] +
		    1));
		if (out->len[out->n] > 0)	/* a deleted record's is NULL */
			memcpy(out->data[out->n], sqlite3_column_blob(st, 0),
			    out->len[out->n]);
		if ((z = sqlite3_column_blob(st, 1)) != NULL &&
		    sqlite3_column_bytes(st, 1) == 16)
			memcpy(out->zone[out->n], z, 16);
		out->n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->data[i]);
	r->n = 0;
}

static int
in_rows(const struct rows *r, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->len[i] == len && memcmp(r->data[i], p, len) == 0)
			return 1;
	return 0;
}

static int
held_has(const struct held *h, const struct coffer_key *k)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (coffer_key_version(h->k[i]) == coffer_key_version(k) &&
		    memcmp(coffer_key_id(h->k[i]), coffer_key_id(k),
		    COFFER_KEY_ID_BYTES) == 0)
			return 1;
	return 0;
}

static void
held_add(struct held *h, struct coffer_key *k, int cat)
{
	if (held_has(h, k) || h->n == MAXKEYS) {
		coffer_key_free(&k);
		return;
	}
	h->cat[h->n] = cat;
	h->k[h->n++] = k;
}

/* Every key a wrapped key ${p} opens to under any key held: tried as
 * every role, category and version. Returns how many were new. */
static size_t
unwrap_all(struct held *h, const uint8_t *p, size_t len)
{
	static const enum coffer_key_role roles[] = { COFFER_ROLE_ACCOUNT,
		COFFER_ROLE_CATEGORY, COFFER_ROLE_NAMING, COFFER_ROLE_ZONE };
	struct coffer_envelope_info info;
	struct coffer_key *k;
	size_t i, ri, ci, before = h->n;
	uint32_t v;

	if (coffer_envelope_peek(&info, p, len) != 0)
		return 0;
	for (i = 0; i < h->n; i++) {
		if (memcmp(info.key_id, coffer_key_id(h->k[i]),
		    COFFER_KEY_ID_BYTES) != 0)
			continue;
		for (ri = 0; ri < 4; ri++)
			for (ci = 0; ci <= coffer_category_count(); ci++)
				for (v = 1; v <= 4; v++) {
					uint8_t cat = ci == 0 ? 0 :
					    coffer_category_at(ci - 1)->id;

					k = NULL;
					if (coffer_keychain_unwrap(&k, p, len,
					    roles[ri], cat, v, h->k[i]) == 0)
						held_add(h, k, roles[ri] ==
						    COFFER_ROLE_CATEGORY ?
						    (int)cat : -1);
				}
	}
	return h->n - before;
}

/* The phone's keys: its device key, its grant's root, and everything
 * that root and what it opens unwraps from the keychain records of its
 * home and of ${db} (zone keks derived for every zone there). */
static void
phone_keys(const char *home, const char *db, struct held *h,
    struct coffer_device **dev)
{
	struct rows kc, zones, local;
	struct grant g;
	struct coffer_key *root = NULL, *kek;
	char path[4200];
	size_t i, j, grew, n;

	memset(h, 0, sizeof(*h));
	(void)snprintf(path, sizeof(path), "%s/device.key", home);
	assert_int_equal(coffer_keystore_load(dev, path, NULL, 0), 0);
	(void)snprintf(path, sizeof(path), "%s/state.db", home);
	read_rows(path, "SELECT v, NULL FROM meta WHERE k = 'grant'", &local);
	assert_int_equal(local.n, 1);
	assert_int_equal(grant_parse(&g, local.data[0], local.len[0]), 0);
	assert_int_equal(coffer_keychain_open_from_device(&root, g.sealed,
	    sizeof(g.sealed), COFFER_ROLE_ROOT, 0, g.epoch,
	    coffer_device_agree_key(*dev)), 0);
	rows_free(&local);
	held_add(h, root, -1);
	read_rows(path, "SELECT data, zone FROM records", &local);
	read_rows(db, "SELECT data, NULL FROM records", &kc);
	read_rows(db, "SELECT id, id FROM zones", &zones);
	do {
		grew = 0;
		for (i = 0; i < local.n; i++)
			grew += unwrap_all(h, local.data[i], local.len[i]);
		for (i = 0; i < kc.n; i++)
			grew += unwrap_all(h, kc.data[i], kc.len[i]);
		n = h->n;
		for (i = 0; i < n; i++) {
			if (h->cat[i] < 0)
				continue;
			for (j = 0; j < zones.n; j++) {
				kek = NULL;
				if (coffer_kdf_key(&kek, h->k[i],
				    "coffer/zone-kek/v1", zones.zone[j], 16,
				    coffer_key_version(h->k[i])) == 0) {
					if (held_has(h, kek))
						coffer_key_free(&kek);
					else {
						held_add(h, kek, -1);
						grew++;
					}
				}
			}
		}
	} while (grew != 0);
	rows_free(&local);
	rows_free(&kc);
	rows_free(&zones);
}

/* Whether any key held opens ${p}, as any context the account uses. */
static int
opens(const struct held *h, const uint8_t *p, size_t len)
{
	static const char *const ctx[] = { "coffer/record/v1",
		"coffer/wrap/v1", "coffer/devlist-names/v1", NULL };
	struct coffer_buf *out;
	size_t i, c;
	int yes = 0;

	assert_non_null(out = coffer_buf_new(COFFER_WIRE_RECORD_MAX));
	for (i = 0; i < h->n && !yes; i++)
		for (c = 0; ctx[c] != NULL && !yes; c++) {
			coffer_buf_reset(out);
			yes = coffer_envelope_open(out, h->k[i], ctx[c], p,
			    len) == 0;
		}
	coffer_buf_free(&out);
	return yes;
}

/* As the operator, with the old account key the removed ${phone}
 * unwrapped (in ${h}): an entry adding the phone back after the head of
 * ${account}, signed by that key, put straight into the server's list. */
static void
forge_old_key(const struct held *h, const uint8_t account[16],
    struct coffer_device *phone)
{
	struct devlist_device devs[8];
	struct devlist_entry head, e;
	struct devlist_draft d;
	struct coffer_buf *b, *card;
	const struct coffer_key *old = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	char path[4200];
	sqlite3_int64 aid = 0;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (coffer_key_kind(h->k[i]) == COFFER_KEY_ED25519 &&
		    coffer_key_version(h->k[i]) == 1)
			old = h->k[i];
	assert_non_null(old);
	memset(&head, 0, sizeof(head));
	(void)snprintf(path, sizeof(path), "%s/meta.sqlite",
	    srv_data(client_fx_server()));
	assert_int_equal(srv_stop(client_fx_server()), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT aid, entry FROM "
	    "devlist ORDER BY seq DESC", -1, &st, NULL), SQLITE_OK);
	while (head.seq == 0 && sqlite3_step(st) == SQLITE_ROW) {
		assert_int_equal(devlist_parse(&e, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1)), 0);
		if (memcmp(e.account, account, 16) == 0) {
			aid = sqlite3_column_int64(st, 0);
			head = e;
		} else
			devlist_entry_cleanup(&e);
	}
	sqlite3_finalize(st);
	assert_true(head.seq > 0 && head.ndevices < 8);
	memcpy(devs, head.devices, head.ndevices * sizeof(devs[0]));
	assert_non_null(card = coffer_buf_new(COFFER_DEVICE_CARD_BYTES));
	assert_int_equal(coffer_device_card_encode(card, phone), 0);
	memcpy(devs[head.ndevices].raw, coffer_buf_data(card),
	    COFFER_DEVICE_CARD_BYTES);
	assert_int_equal(coffer_device_card_parse(&devs[head.ndevices].card,
	    coffer_buf_data(card), coffer_buf_len(card)), 0);
	devs[head.ndevices].added_seq = head.seq + 1;
	memcpy(devs[head.ndevices].approver, head.devices[0].card.device_id,
	    16);
	devs[head.ndevices].added_time = head.time;
	memset(&d, 0, sizeof(d));
	d.kind = DEVLIST_ADD;
	d.seq = head.seq + 1;
	d.account = head.account;
	d.prev = head.hash;
	d.time = head.time;
	d.epoch = head.epoch;
	d.account_pk = head.account_pk;
	d.root_commit = head.root_commit;
	d.actor = head.devices[0].card.device_id;
	d.subject = coffer_device_id(phone);
	d.devices = devs;
	d.ndevices = head.ndevices + 1;
	assert_non_null(b = coffer_buf_new(DEVLIST_ENTRY_MAX));
	assert_int_equal(devlist_make(b, &d, old), 0);
	assert_int_equal(devlist_parse(&e, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO devlist (aid, "
	    "seq, hash, entry) VALUES (?, ?, ?, ?)", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, aid);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e.seq);
	sqlite3_bind_blob(st, 3, e.hash, DEVLIST_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, e.raw, (int)e.raw_len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(srv_restart(client_fx_server()), 0);
	devlist_entry_cleanup(&e);
	devlist_entry_cleanup(&head);
	coffer_buf_free(&b);
	coffer_buf_free(&card);
}

/* The removed phone, given every key its home holds and a full copy of
 * the server's storage taken after its removal, opens nothing written
 * after: no record, no keychain record, no device names; and the old
 * account key it unwrapped signs no entry another device takes. */
static void
test_removed_reads_nothing_after(void **state)
{
	struct coffer_client_status ph, tb;
	struct coffer_client *laptop, *phone, *tablet;
	struct coffer_device *dev = NULL;
	struct rows pre, post, dl;
	struct devlist_names *t;
	struct held h;
	struct client_fx_seen s;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], login[64], before[4200];
	char after[4200];
	size_t i, opened_old = 0, checked = 0, named = 0;
	int r;

	(void)state;
	client_fx_three("copy", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(coffer_client_device_rename(laptop, NULL, "laptop"),
	    0);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("before"), id), 0);
	assert_int_equal(coffer_client_record_create(laptop, "bookmarks",
	    NULL, PW("a bookmark before"), id), 0);
	assert_int_equal(coffer_client_sync(phone), 0);
	notes(phone, &s);
	(void)snprintf(before, sizeof(before), "%s/before.sqlite",
	    client_fx_tmp());
	(void)snprintf(after, sizeof(after), "%s/after.sqlite",
	    client_fx_tmp());
	copy_db(before);

	assert_int_equal(coffer_client_device_remove(laptop, ph.device, NULL),
	    0);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("after"), id), 0);
	assert_int_equal(coffer_client_record_create(laptop, "bookmarks",
	    NULL, PW("a bookmark after"), id), 0);
	assert_int_equal(coffer_client_sync(tablet), 0);
	assert_int_equal(coffer_client_record_create(tablet, "reminders",
	    NULL, PW("a reminder after"), id), 0);
	assert_int_equal(coffer_client_device_rename(tablet, NULL, "tablet"),
	    0);
	copy_db(after);

	phone_keys(h2, after, &h, &dev);
	read_rows(before, "SELECT data, NULL FROM records", &pre);
	read_rows(after, "SELECT data, NULL FROM records", &post);
	for (i = 0; i < post.n; i++) {
		if (in_rows(&pre, post.data[i], post.len[i])) {
			opened_old += opens(&h, post.data[i], post.len[i]);
			continue;
		}
		checked++;
		if (opens(&h, post.data[i], post.len[i]))
			fail_msg("the removed phone opens record %zu, written "
			    "after its removal", i);
	}
	/* It did read what was there before, and much came after. */
	assert_true(opened_old > 0);
	assert_true(checked >= 6);
	/* The names of every entry after the removal stay closed to it. */
	read_rows(after, "SELECT entry, NULL FROM devlist WHERE seq > 4",
	    &dl);
	assert_non_null(t = malloc(sizeof(*t)));
	for (i = 0; i < dl.n; i++) {
		struct devlist_entry e;
		size_t k;

		assert_int_equal(devlist_parse(&e, dl.data[i], dl.len[i]), 0);
		if (memcmp(e.account, ph.account, 16) == 0) {
			assert_true(e.names_len > 0);
			assert_false(opens(&h, e.names, e.names_len));
			for (k = 0; k < h.n; k++)
				assert_int_not_equal(devlist_names_open(t, &e,
				    h.k[k]), 0);
			named++;
		}
		devlist_entry_cleanup(&e);
	}
	assert_int_equal(named, 2);
	free(t);

	/* An approval signed by the old account key after the removal:
	 * the tablet, which verified the removal, refuses it. */
	forge_old_key(&h, ph.account, dev);
	coffer_client_free(&tablet);
	assert_non_null(tablet = client_fx_open(h3));
	/* Signed in again if the restart ended its session. */
	if ((r = coffer_client_sync(tablet)) == COFFER_ERR_UNAUTHORIZED)
		r = coffer_client_login(tablet, login, PW("pw"));
	assert_int_equal(r, COFFER_ERR_AUTH);
	assert_non_null(strstr(coffer_client_errmsg(tablet), "device list "
	    "refused"));
	rows_free(&dl);
	rows_free(&pre);
	rows_free(&post);
	for (i = 0; i < h.n; i++)
		coffer_key_free(&h.k[i]);
	coffer_device_free(&dev);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_phone),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_removed_reads_nothing_after),
	};

	return cmocka_run_group_tests(tests, client_fx_setup,
	    client_fx_teardown);
}
