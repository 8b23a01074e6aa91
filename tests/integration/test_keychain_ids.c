/* Issue 10, item 7 (keychain): the server cannot compute the record ids
 * of the keychain zone. The operator reads the zone's ids from its own
 * database and computes every id the old public scheme gives from what
 * it holds (device ids, epochs, the root commits the device list
 * publishes, categories and zone ids): none is there
 * (docs/PROTOCOL-devices.md §1.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include <coffer/category.h>

#include "client/client_internal.h"
#include "client_fixture.h"

#define IDS_MAX		256

/* The 16-byte ids that ${sql} (its one parameter ?1: ${zone}) selects
 * from the server's database, as its operator reads them. */
static size_t
select_ids(const char *sql, const uint8_t zone[16], uint8_t ids[IDS_MAX][16])
{
	char path[4096];
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	size_t n = 0;

	(void)snprintf(path, sizeof(path), "%s/meta.sqlite",
	    srv_data(client_fx_server()));
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_blob(q, 1, zone, 16, SQLITE_STATIC),
	    SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		assert_true(n < IDS_MAX);
		assert_int_equal(sqlite3_column_bytes(q, 0), 16);
		memcpy(ids[n++], sqlite3_column_blob(q, 0), 16);
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return n;
}

/* Fail if ${rid} (what the old scheme names ${what}) is among ${ids}. */
static void
absent(const uint8_t rid[16], uint8_t ids[IDS_MAX][16], size_t n,
    const char *what, unsigned long e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(ids[i], rid, 16) == 0)
			fail_msg("the server computes the id of %s of epoch "
			    "%lu", what, e);
}

/* Three devices, the phone removed: the keychain holds epochs 1 and 2,
 * grants, category keys and zone keys rolled over. */
static void
test_server_cannot_compute_keychain_ids(void **state)
{
	static uint8_t ids[IDS_MAX][16], zones[IDS_MAX][16];
	struct coffer_client_status ph, tb, lp;
	struct coffer_client *laptop, *phone, *tablet;
	struct kc_ids old[3];
	uint8_t rid[16], id[COFFER_RECORD_ID_BYTES], cid, apk[32];
	const uint8_t *dev[3];
	char h1[4096], h2[4096], h3[4096], login[64];
	size_t n, nz, i, k, z;
	uint32_t e, v;

	(void)state;
	client_fx_three("kcid", h1, h2, h3, login, &laptop, &phone, &tablet,
	    &ph, &tb);
	assert_int_equal(coffer_client_status(laptop, &lp), 0);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    (const uint8_t *)"epoch one", 9, id), 0);
	assert_int_equal(kc_ready(laptop), 0);
	/* What the device list publishes: each epoch's root commit. The
	 * old scheme's ids are public functions of these. */
	memset(old, 0, sizeof(old));
	memcpy(old[1].commit, laptop->commit, 32);
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, NULL),
	    0);
	assert_int_equal(laptop->epoch, 2);
	memcpy(old[2].commit, laptop->commit, 32);
	assert_int_equal(coffer_client_record_create(laptop, "notes", "two",
	    (const uint8_t *)"epoch two", 9, id), 0);
	assert_int_equal(coffer_client_sync(tablet), 0);

	/* The keychain zone's record ids (live or deleted), and the ids of
	 * the account's other zones. */
	n = select_ids("SELECT r.id FROM records r JOIN zones z ON "
	    "z.zid = r.zid WHERE z.id = ?1", laptop->kczone, ids);
	nz = select_ids("SELECT id FROM zones WHERE aid = (SELECT aid FROM "
	    "zones WHERE id = ?1) AND id != ?1", laptop->kczone, zones);
	assert_true(n >= 8);	/* two epochs of keys and grants */
	assert_true(nz >= 2);
	dev[0] = lp.device;
	dev[1] = ph.device;
	dev[2] = tb.device;
	for (e = 1; e <= 2; e++) {
		old[e].known = old[e].legacy = 1;
		for (k = 0; k < 3; k++) {
			assert_int_equal(kc_grant_id_legacy(rid, dev[k], e,
			    old[e].commit), 0);
			absent(rid, ids, n, "a device's grant", e);
		}
		assert_int_equal(kc_rid(rid, KC_ACCOUNT, NULL, 0, e, 0, 0,
		    &old[e]), 0);
		absent(rid, ids, n, "the account key", e);
		assert_int_equal(kc_rid(rid, KC_NAMING, NULL, 0, e, 0, 0,
		    &old[e]), 0);
		absent(rid, ids, n, "the naming key", e);
		for (i = 0; i < coffer_category_count(); i++) {
			cid = coffer_category_at(i)->id;
			for (v = 1; v <= e; v++) {
				assert_int_equal(kc_rid(rid, KC_CATEGORY, &cid,
				    1, v, e, 1, &old[e]), 0);
				absent(rid, ids, n, "a category key", e);
			}
		}
		for (z = 0; z < nz; z++)
			for (v = 1; v < e; v++) {
				assert_int_equal(kc_rid(rid, KC_ZONE_ROLLED,
				    zones[z], 16, v, e, 1, &old[e]), 0);
				absent(rid, ids, n, "a rolled zone key", e);
			}
	}
	/* Not vacuous: the ids there are the keyed ones the devices
	 * compute, the tablet's grant of epoch 2 among them. */
	assert_int_equal(coffer_key_public(laptop->acct, apk), 0);
	assert_int_equal(kc_grant_id(rid, tb.device, 2,
	    coffer_device_agree_key(tablet->device), apk), 0);
	for (i = 0; i < n && memcmp(ids[i], rid, 16) != 0; i++)
		;
	assert_true(i < n);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_cannot_compute_keychain_ids),
	};

	return cmocka_run_group_tests(tests, client_fx_setup,
	    client_fx_teardown);
}
