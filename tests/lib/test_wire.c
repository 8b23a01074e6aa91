/* The protocol's sizes and caps (include/coffer/wire.h) against
 * docs/openapi.yaml: the x-coffer-limits block names each with its value,
 * and the schemas that state a cap (id patterns, list sizes, the blob
 * upload) agree with it. The names the client and the backup store
 * publish are the wire's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <coffer/backup_store.h>
#include <coffer/client.h>
#include <coffer/device.h>
#include <coffer/wire.h>

#include "server_harness.h"

static const struct {
	const char	*name;
	uint64_t	 value;
} limits[] = {
	{ "id_bytes", COFFER_WIRE_ID_BYTES },
	{ "blob_id_bytes", COFFER_WIRE_BLOB_ID_BYTES },
	{ "record_max", COFFER_WIRE_RECORD_MAX },
	{ "blob_max", COFFER_WIRE_BLOB_MAX },
	{ "exists_max", COFFER_WIRE_EXISTS_MAX },
	{ "blob_list_max", COFFER_WIRE_BLOB_LIST_MAX },
	{ "login_max", COFFER_WIRE_LOGIN_MAX },
	{ "device_name_max", COFFER_WIRE_DEVICE_NAME_MAX },
	{ "card_max", COFFER_WIRE_CARD_MAX },
	{ "devices_max", COFFER_WIRE_DEVICES_MAX },
	{ "devices_pending_max", COFFER_WIRE_DEVICES_PENDING_MAX },
	{ "zones_max", COFFER_WIRE_ZONES_MAX },
	{ "feed_max", COFFER_WIRE_FEED_MAX },
	{ "devlist_entry_max", COFFER_WIRE_DEVLIST_ENTRY_MAX },
	{ "devlist_page_max", COFFER_WIRE_DEVLIST_PAGE_MAX },
	{ "pairing_msg_max", COFFER_WIRE_PAIRING_MSG_MAX },
	{ "pairing_final_max", COFFER_WIRE_PAIRING_FINAL_MAX },
	{ "pairings_max", COFFER_WIRE_PAIRINGS_MAX },
	{ "pairing_ttl", COFFER_WIRE_PAIRING_TTL },
};

static char *doc;

static int
setup(void **state)
{
	(void)state;
	doc = srv_slurp(COFFER_SOURCE_DIR "/docs/openapi.yaml", NULL);
	return doc == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(doc);
	return 0;
}

/* The number after "key:" on the first line that has it at or after
 * ${from}; fails the test if there is none. */
static uint64_t
number_after(const char *from, const char *key)
{
	const char *p = strstr(from, key);
	char *end;
	unsigned long long v;

	if (p == NULL)
		fail_msg("openapi.yaml: no \"%s\" after the anchor", key);
	p += strlen(key);
	v = strtoull(p, &end, 10);
	assert_true(end > p);
	return v;
}

/* The text of openapi.yaml from the first ${anchor} on. */
static const char *
at(const char *anchor)
{
	const char *p = strstr(doc, anchor);

	if (p == NULL)
		fail_msg("openapi.yaml has no \"%s\"", anchor);
	return p;
}

static void
test_limits_block(void **state)
{
	const char *block = at("\nx-coffer-limits:\n"), *end;
	char key[64];
	size_t i, n = 0;

	(void)state;
	/* The block ends at the first line not indented. */
	for (end = block + 1; (end = strchr(end + 1, '\n')) != NULL &&
	    end[1] == ' ';)
		;
	assert_non_null(end);
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		snprintf(key, sizeof(key), "\n  %s:", limits[i].name);
		if (strstr(block, key) == NULL || strstr(block, key) > end)
			fail_msg("x-coffer-limits lacks %s", limits[i].name);
		if (number_after(block, key) != limits[i].value)
			fail_msg("%s: openapi.yaml says %llu, wire.h %llu",
			    limits[i].name, (unsigned long long)
			    number_after(block, key),
			    (unsigned long long)limits[i].value);
	}
	/* And nothing in the block that wire.h does not define. */
	for (const char *p = block + 1; (p = strstr(p, "\n  ")) != NULL &&
	    p < end; p++)
		n++;
	assert_int_equal(n, sizeof(limits) / sizeof(limits[0]));
}

static void
test_schemas(void **state)
{
	char pat[64];

	(void)state;
	snprintf(pat, sizeof(pat), "[0-9a-f]{%d}", COFFER_WIRE_ID_HEX);
	assert_non_null(strstr(at("\n    Id:\n"), pat));
	snprintf(pat, sizeof(pat), "[0-9a-f]{%d}", COFFER_WIRE_BLOB_ID_HEX);
	assert_non_null(strstr(at("\n  /v1/blobs/exists:\n"), pat));
	assert_int_equal(number_after(at("\n    DeviceList:\n"), "maxItems:"),
	    COFFER_WIRE_DEVICES_MAX);
	assert_int_equal(number_after(at("\n    ZoneList:\n"), "maxItems:"),
	    COFFER_WIRE_ZONES_MAX);
	assert_int_equal(number_after(at("\n    Changes:\n"), "maxItems:"),
	    COFFER_WIRE_FEED_MAX);
	assert_int_equal(number_after(at("\n  /v1/blobs/exists:\n"),
	    "maxItems:"), COFFER_WIRE_EXISTS_MAX);
	assert_int_equal(number_after(at("\n  /v1/blobs/{blob}:\n"),
	    "maxLength:"), COFFER_WIRE_BLOB_MAX);
}

/* What the public headers publish is the wire's, not a copy. */
static void
test_public_names(void **state)
{
	(void)state;
	assert_int_equal(COFFER_RECORD_ID_BYTES, COFFER_WIRE_ID_BYTES);
	assert_int_equal(COFFER_DEVICE_ID_BYTES, COFFER_WIRE_ID_BYTES);
	assert_int_equal(COFFER_CLIENT_DEVICE_ID_BYTES, COFFER_WIRE_ID_BYTES);
	assert_int_equal(COFFER_CLIENT_LOGIN_MAX, COFFER_WIRE_LOGIN_MAX);
	assert_int_equal(COFFER_BSTORE_ID_BYTES, COFFER_WIRE_BLOB_ID_BYTES);
	assert_int_equal(COFFER_BSTORE_BLOB_MAX, COFFER_WIRE_BLOB_MAX);
	assert_int_equal(COFFER_BSTORE_BATCH_MAX, COFFER_WIRE_EXISTS_MAX);
	assert_true(COFFER_RECORD_MAX < COFFER_WIRE_RECORD_MAX);
	assert_true(COFFER_DEVICE_CARD_BYTES <= COFFER_WIRE_CARD_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_block),
		cmocka_unit_test(test_schemas),
		cmocka_unit_test(test_public_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
