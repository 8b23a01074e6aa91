/* Review 9c: what the server or a device about to be removed can do to
 * the keychain, refused. A roll's record ids carry its root commit, so
 * none can be taken before the roll (docs/PROTOCOL-devices.md §1.2). */
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

#include <coffer/category.h>
#include <coffer/encoding.h>
#include <coffer/envelope.h>
#include <coffer/kdf.h>
#include <coffer/keychain.h>

#include "client/client_internal.h"
#include "client_fixture.h"
#include "operator.h"

/* The records of zone ${zone} of notes that ${c} lists. */
static int
list(struct coffer_client *c, const char *zone, struct client_fx_seen *s)
{
	memset(s, 0, sizeof(*s));
	return coffer_client_record_list(c, "notes", zone, client_fx_collect,
	    s);
}

/* Store ${text} sealed under ${zk} as record ${id} of ${zone}, through the
 * session of ${home} (the operator's hand). */
static void
forge_put(const char *home, const struct coffer_key *zk,
    const uint8_t zone[16], const uint8_t id[16], const char *text)
{
	struct coffer_buf *b = coffer_buf_new(4096);
	char hex[ID_HEX], b64[8192];

	assert_non_null(b);
	assert_int_equal(rf_seal(b, zk, zone, id, 1, 0, (const uint8_t *)text,
	    strlen(text), NULL), 0);
	assert_int_equal(coffer_b64url_encode(b64, sizeof(b64),
	    coffer_buf_data(b), coffer_buf_len(b)), 0);
	assert_int_equal(cl_hex(hex, zone), 0);
	op_put(client_fx_server(), home, hex, id, b64, 0);
	coffer_buf_free(&b);
}

/* Junk at the id of type ${t} with ${subject} (${n} bytes) then, unless
 * NULL, ${commit}. */
static void
plant(const char *home, const char *zone, enum kc_type t,
    const uint8_t *subject, size_t n, const uint8_t *commit)
{
	uint8_t s[64], rid[16];

	memcpy(s, subject, n);
	if (commit != NULL) {
		memcpy(s + n, commit, 32);
		n += 32;
	}
	assert_int_equal(kc_record_id(rid, t, s, n), 0);
	op_put(client_fx_server(), home, zone, rid, "AAAA", 0);
}

/* The phone, still trusted, fears removal: with its own session it puts
 * junk at every id of epoch 2 it can name (legacy ids with no commit and
 * with epoch 1's, ids keyed with epoch 1's id key, a grant id from epoch
 * 1's account key). The laptop still removes it. */
static void
test_device_cannot_make_itself_unremovable(void **state)
{
	struct coffer_client_status ph, tb, st;
	struct coffer_client *laptop, *phone, *tablet;
	uint8_t ep[4] = { 0, 0, 0, 2 }, g[20], cat[9];
	char h1[4096], h2[4096], h3[4096], login[64], hex[ID_HEX];
	uint8_t id[COFFER_RECORD_ID_BYTES], rid[16];
	const uint8_t *cm[2];
	size_t i;

	(void)state;
	client_fx_three("rid1", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    (const uint8_t *)"before", 6, id), 0);
	assert_int_equal(kc_ready(phone), 0);
	assert_true(phone->has_kczone);
	assert_int_equal(cl_hex(hex, phone->kczone), 0);
	cm[0] = NULL;
	cm[1] = phone->commit;
	for (i = 0; i < 2; i++) {
		plant(h2, hex, KC_ACCOUNT, ep, 4, cm[i]);
		plant(h2, hex, KC_NAMING, ep, 4, cm[i]);
		memcpy(g, tb.device, 16);
		memcpy(g + 16, ep, 4);
		plant(h2, hex, KC_GRANT, g, 20, cm[i]);
		cat[0] = coffer_category_by_name("notes")->id;
		memcpy(cat + 1, ep, 4);
		memcpy(cat + 5, ep, 4);
		plant(h2, hex, KC_CATEGORY, cat, 9, cm[i]);
	}
	assert_int_equal(kc_rid(rid, KC_ACCOUNT, NULL, 0, 2, 0, 0,
	    &phone->kcids), 0);
	op_put(client_fx_server(), h2, hex, rid, "AAAA", 0);
	assert_int_equal(kc_rid(rid, KC_NAMING, NULL, 0, 2, 0, 0,
	    &phone->kcids), 0);
	op_put(client_fx_server(), h2, hex, rid, "AAAA", 0);
	assert_int_equal(kc_rid(rid, KC_CATEGORY, cat, 1, 2, 2, 1,
	    &phone->kcids), 0);
	op_put(client_fx_server(), h2, hex, rid, "AAAA", 0);
	assert_int_equal(kc_grant_id(rid, tb.device, 2, phone->acct,
	    coffer_device_agree_public(tablet->device)), 0);
	op_put(client_fx_server(), h2, hex, rid, "AAAA", 0);
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, NULL),
	    0);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 4);
	assert_int_equal(coffer_client_sync(tablet), 0);
	assert_int_equal(coffer_client_record_create(tablet, "notes", NULL,
	    (const uint8_t *)"after", 5, id), 0);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

/* After a removal, the server serves the tablet its epoch-1 grant under
 * the id of its epoch-2 grant: refused before anything changes, and once
 * the right grant is back the tablet takes it. */
static void
test_old_grant_under_new_id(void **state)
{
	struct coffer_client_status ph, tb;
	struct coffer_client *laptop, *phone, *tablet;
	uint8_t rid1[16], rid2[16], id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], login[64], zone[OP_HEX];
	char g1[4096], g2[4096];
	long long v1, v2;
	int r;

	(void)state;
	client_fx_three("rid3", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(kc_ready(tablet), 0);
	assert_int_equal(kc_grant_id(rid1, tb.device, 1, tablet->acct,
	    coffer_device_agree_public(tablet->device)), 0);
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, NULL),
	    0);
	assert_int_equal(laptop->epoch, 2);
	assert_int_equal(kc_grant_id(rid2, tb.device, 2, laptop->acct,
	    coffer_device_agree_public(tablet->device)), 0);
	op_zone_of(client_fx_server(), h1, rid2, zone);
	op_get(client_fx_server(), h1, zone, rid1, g1, sizeof(g1), &v1);
	op_get(client_fx_server(), h1, zone, rid2, g2, sizeof(g2), &v2);
	op_put(client_fx_server(), h1, zone, rid2, g1, v2);
	r = coffer_client_sync(tablet);
	assert_int_equal(r, COFFER_ERR_AUTH);
	assert_non_null(strstr(coffer_client_errmsg(tablet), "grant is of "
	    "epoch 1, not 2"));
	assert_null(tablet->root);
	assert_int_not_equal(coffer_client_record_create(tablet, "notes",
	    NULL, (const uint8_t *)"no", 2, id), 0);
	op_put(client_fx_server(), h1, zone, rid2, g2, v2 + 1);
	assert_int_equal(coffer_client_sync(tablet), 0);
	assert_int_equal(tablet->epoch, 2);
	assert_int_equal(coffer_client_record_create(tablet, "notes", NULL,
	    (const uint8_t *)"yes", 3, id), 0);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

/* A handle opened before another device's removal: its next write is
 * under the new version, which the removed phone cannot open. */
static void
test_open_handle_writes_new_epoch(void **state)
{
	struct coffer_client_status ph, tb;
	struct coffer_client *laptop, *phone, *tablet;
	struct coffer_envelope_info info;
	struct coffer_buf *blob;
	struct zone z;
	struct rec rec;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], login[64];

	(void)state;
	client_fx_three("rid4", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(coffer_client_record_create(tablet, "notes", NULL,
	    (const uint8_t *)"one", 3, id), 0);
	assert_int_equal(tablet->epoch, 1);
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, NULL),
	    0);
	assert_int_equal(coffer_client_record_create(tablet, "notes", NULL,
	    (const uint8_t *)"after", 5, id), 0);
	assert_int_equal(tablet->epoch, 2);
	assert_int_equal(zn_open(tablet, "notes", NULL, &z), 0);
	assert_non_null(blob = coffer_buf_new(4096));
	assert_int_equal(st_rec_get(tablet, z.id, id, &rec, blob), 0);
	assert_int_equal(coffer_envelope_peek(&info, coffer_buf_data(blob),
	    coffer_buf_len(blob)), 0);
	assert_int_equal(info.key_version, 2);
	coffer_buf_free(&blob);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

/* A zone first written after the removal: the removed phone, which
 * keeps C_{notes,1}, wraps a zone key of version 1 of its own for it and
 * the server stores that and a record sealed under it. No device of
 * epoch 2 takes that key; records of before the removal still read on
 * the remaining devices, and after a second removal too. */
static void
test_removed_plants_zone_key(void **state)
{
	struct coffer_client_status ph, tb;
	struct coffer_client *laptop, *phone, *tablet;
	struct coffer_key *cat = NULL, *kek = NULL, *zk = NULL;
	struct coffer_buf *blob;
	struct zone z;
	struct rec rec;
	struct client_fx_seen s;
	uint8_t rid[16], subj[64], cid, id[16], idf[16];
	char h1[4096], h2[4096], h3[4096], login[64], hex[ID_HEX], b64[4096];

	(void)state;
	client_fx_three("rid5", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    (const uint8_t *)"before", 6, id), 0);
	assert_int_equal(coffer_client_sync(phone), 0);
	assert_int_equal(kc_ready(phone), 0);
	/* The phone's C_{notes,1}, from its home's keychain copy. */
	assert_int_equal(zn_open(phone, "notes", "later", &z), 0);
	cid = z.cat->id;
	assert_int_equal(kc_rid(rid, KC_CATEGORY, &cid, 1, 1, 1, 1,
	    &phone->kcids), 0);
	assert_non_null(blob = coffer_buf_new(4096));
	assert_int_equal(st_rec_get(phone, phone->kczone, rid, &rec, blob), 0);
	assert_int_equal(coffer_keychain_unwrap(&cat, coffer_buf_data(blob),
	    coffer_buf_len(blob), COFFER_ROLE_CATEGORY, cid, 1, phone->root),
	    0);
	assert_int_equal(cl_hex(hex, phone->kczone), 0);
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, NULL),
	    0);
	assert_int_equal(coffer_client_record_create(laptop, "notes", "later",
	    (const uint8_t *)"epoch 2", 7, id), 0);

	/* The phone and the operator: a zone key of version 1. */
	assert_int_equal(coffer_keychain_key_generate(&zk, COFFER_ROLE_ZONE,
	    cid, 1), 0);
	assert_int_equal(coffer_kdf_key(&kek, cat, "coffer/zone-kek/v1", z.id,
	    16, 1), 0);
	coffer_buf_reset(blob);
	assert_int_equal(coffer_keychain_wrap(blob, zk, COFFER_ROLE_ZONE, cid,
	    kek), 0);
	memset(subj, 0, sizeof(subj));
	memcpy(subj, z.id, 16);
	subj[19] = 1;
	assert_int_equal(kc_record_id(rid, KC_ZONE, subj, 20), 0);
	assert_int_equal(coffer_b64url_encode(b64, sizeof(b64),
	    coffer_buf_data(blob), coffer_buf_len(blob)), 0);
	op_put(client_fx_server(), h1, hex, rid, b64, 0);
	randombytes_buf(idf, sizeof(idf));
	forge_put(h1, zk, z.id, idf, "planted");

	/* Refused, with a message; the rest still reads. */
	assert_int_equal(coffer_client_sync(tablet), 0);
	assert_int_not_equal(list(tablet, "later", &s), 0);
	assert_false(client_fx_has(&s, "planted"));
	assert_non_null(strstr(coffer_client_errmsg(tablet), "zone key "
	    "version 1 of this zone is not one the roll to epoch 2 carried "
	    "over"));
	assert_int_equal(list(tablet, NULL, &s), 0);
	assert_true(client_fx_has(&s, "before"));

	/* A second removal: the old versions are rolled on again. */
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    (const uint8_t *)"epoch two", 9, id), 0);
	assert_int_equal(coffer_client_device_remove(laptop, tb.device, NULL),
	    0);
	coffer_client_free(&laptop);
	assert_non_null(laptop = client_fx_open(h1));
	assert_int_equal(list(laptop, NULL, &s), 0);
	assert_true(client_fx_has(&s, "before"));
	assert_true(client_fx_has(&s, "epoch two"));
	assert_int_equal(laptop->epoch, 3);
	coffer_buf_free(&blob);
	coffer_key_free(&cat);
	coffer_key_free(&kek);
	coffer_key_free(&zk);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_cannot_make_itself_unremovable),
		cmocka_unit_test(test_old_grant_under_new_id),
		cmocka_unit_test(test_open_handle_writes_new_epoch),
		cmocka_unit_test(test_removed_plants_zone_key),
	};

	return cmocka_run_group_tests(tests, client_fx_setup,
	    client_fx_teardown);
}
