/* Core: error strings, capped buffers, codecs, the bounded reader, keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <coffer/buf.h>
#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "core/reader.h"

static void
test_strerror(void **state)
{
	int e;

	(void)state;
	for (e = 0; e >= COFFER_ERR_CANCELLED; e--) {
		assert_non_null(coffer_strerror(e));
		assert_string_not_equal(coffer_strerror(e), "unknown error");
	}
	assert_string_equal(coffer_strerror(-9999), "unknown error");
	/* "not authentic" is kept apart from "malformed". */
	assert_string_not_equal(coffer_strerror(COFFER_ERR_AUTH),
	    coffer_strerror(COFFER_ERR_FORMAT));
}

/* Each code has its own short snake_case name, and the names scripts
 * already rely on (coffer --json) do not change. */
static void
test_err_name(void **state)
{
	static const struct {
		int		 code;
		const char	*name;
	} fixed[] = {
		{ COFFER_OK, "ok" },
		{ COFFER_ERR_NOTFOUND, "notfound" },
		{ COFFER_ERR_NETWORK, "network" },
		{ COFFER_ERR_UNAUTHORIZED, "unauthorized" },
		{ COFFER_ERR_CORRUPT, "corrupt" },
		{ COFFER_ERR_CANCELLED, "cancelled" },
	};
	const char *n, *p;
	size_t i;
	int e, f;

	(void)state;
	for (e = 0; e >= COFFER_ERR_CANCELLED; e--) {
		n = coffer_err_name(e);
		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		assert_true(n[0] >= 'a' && n[0] <= 'z');
		for (p = n; *p != '\0'; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '_' ||
			    (*p >= '0' && *p <= '9'));
		for (f = 0; f > e; f--)
			assert_string_not_equal(n, coffer_err_name(f));
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_string_equal(coffer_err_name(fixed[i].code),
		    fixed[i].name);
	assert_string_equal(coffer_err_name(-9999), "unknown");
	assert_string_equal(coffer_err_name(1), "unknown");
}

static void
test_buf_cap(void **state)
{
	struct coffer_buf *b = coffer_buf_new(10);
	uint8_t *p;

	(void)state;
	assert_non_null(b);
	assert_int_equal(coffer_buf_append(b, "0123456789", 10), 0);
	assert_int_equal(coffer_buf_append(b, "x", 1), COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(b), 10);
	assert_int_equal(coffer_buf_extend(b, 1, &p), COFFER_ERR_TOOBIG);
	assert_null(p);
	coffer_buf_truncate(b, 4);
	assert_int_equal(coffer_buf_put_u32(b, 0x01020304), 0);
	assert_memory_equal(coffer_buf_data(b), "0123\x01\x02\x03\x04", 8);
	assert_int_equal(coffer_buf_put_u32(b, 1), COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(b), 8);
	coffer_buf_free(&b);
	assert_null(b);
	coffer_buf_free(&b);
	coffer_buf_free(NULL);
	assert_null(coffer_buf_new(0));
	assert_null(coffer_buf_new(COFFER_BUF_MAX + 1));
}

static void
test_buf_grow_secret(void **state)
{
	struct coffer_buf *b = coffer_buf_new_secret(1 << 20);
	uint8_t chunk[1000];
	size_t i;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	for (i = 0; i < 1000; i++)
		assert_int_equal(coffer_buf_append(b, chunk, sizeof(chunk)), 0);
	assert_int_equal(coffer_buf_len(b), 1000000);
	for (i = 0; i < 1000; i++)
		assert_memory_equal(coffer_buf_data(b) + i * 1000, chunk, 1000);
	assert_int_equal(coffer_buf_put_u64(b, 0x0102030405060708ull), 0);
	assert_memory_equal(coffer_buf_data(b) + 1000000,
	    "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	coffer_buf_reset(b);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
}

static const struct {
	const char *hex;
	int err;
	size_t len;
} hexcases[] = {
	{ "", 0, 0 },
	{ "00ff", 0, 2 },
	{ "00FF", 0, 2 },
	{ "0", COFFER_ERR_FORMAT, 0 },
	{ "0g", COFFER_ERR_FORMAT, 0 },
	{ "00 ff", COFFER_ERR_FORMAT, 0 },
	{ "00:ff", COFFER_ERR_FORMAT, 0 },
	{ "\xe0\xe1", COFFER_ERR_FORMAT, 0 },
	{ "0011223344", COFFER_ERR_TOOBIG, 0 },
};

static void
test_hex(void **state)
{
	uint8_t out[4];
	char enc[COFFER_HEX_LEN(4)];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(hexcases) / sizeof(hexcases[0]); i++) {
		assert_int_equal(coffer_hex_decode(out, sizeof(out), &n,
		    hexcases[i].hex, strlen(hexcases[i].hex)), hexcases[i].err);
		assert_int_equal(n, hexcases[i].len);
	}
	assert_int_equal(coffer_hex_encode(enc, sizeof(enc),
	    (const uint8_t *)"\x00\xab\xcd\xef", 4), 0);
	assert_string_equal(enc, "00abcdef");
	assert_int_equal(coffer_hex_encode(enc, 8, out, 4), COFFER_ERR_INVALID);
}

static const struct {
	const char *b64;
	int err;
	const char *bin;
} b64cases[] = {
	/* RFC 4648 §10, unpadded, url alphabet. */
	{ "", 0, "" },
	{ "Zg", 0, "f" },
	{ "Zm8", 0, "fo" },
	{ "Zm9v", 0, "foo" },
	{ "Zm9vYg", 0, "foob" },
	{ "Zm9vYmE", 0, "fooba" },
	{ "Zm9vYmFy", 0, "foobar" },
	{ "_-8", 0, "\xff\xef" },
	{ "Zg==", COFFER_ERR_FORMAT, NULL },	/* padding */
	{ "Zh", COFFER_ERR_FORMAT, NULL },	/* non-canonical bits */
	{ "Z", COFFER_ERR_FORMAT, NULL },
	{ "Zm9v Yg", COFFER_ERR_FORMAT, NULL },
	{ "+/8", COFFER_ERR_FORMAT, NULL },	/* standard alphabet */
	/* libsodium 1.0.18 alone would take 0x88 for '_' (found by fuzzing). */
	{ "Q\x88Q", COFFER_ERR_FORMAT, NULL },
};

static void
test_b64url(void **state)
{
	uint8_t out[16];
	char enc[COFFER_B64URL_LEN(16)];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(b64cases) / sizeof(b64cases[0]); i++) {
		int r = coffer_b64url_decode(out, sizeof(out), &n,
		    b64cases[i].b64, strlen(b64cases[i].b64));
		assert_int_equal(r, b64cases[i].err);
		if (r != 0)
			continue;
		assert_int_equal(n, strlen(b64cases[i].bin));
		assert_memory_equal(out, b64cases[i].bin, n);
		assert_int_equal(coffer_b64url_encode(enc, sizeof(enc), out, n), 0);
		assert_string_equal(enc, b64cases[i].b64);
	}
	assert_int_equal(coffer_b64url_decode(out, 2, &n, "Zm9v", 4),
	    COFFER_ERR_TOOBIG);
}

static void
test_reader(void **state)
{
	static const uint8_t in[] = { 'M', 'A', 1, 0, 2, 0, 0, 0, 3,
	    0, 0, 0, 0, 0, 0, 0, 4, 9 };
	struct reader r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	const uint8_t *p;

	(void)state;
	reader_init(&r, in, sizeof(in));
	assert_int_equal(reader_magic(&r, "MB", 2), COFFER_ERR_FORMAT);
	reader_init(&r, in, sizeof(in));
	assert_int_equal(reader_magic(&r, "MA", 2), 0);
	assert_int_equal(reader_u8(&r, &u8), 0);
	assert_int_equal(u8, 1);
	assert_int_equal(reader_u16(&r, &u16), 0);
	assert_int_equal(u16, 2);
	assert_int_equal(reader_u32(&r, &u32), 0);
	assert_int_equal(u32, 3);
	assert_int_equal(reader_u64(&r, &u64), 0);
	assert_int_equal(u64, 4);
	assert_int_equal(reader_end(&r), COFFER_ERR_TRAILING);
	assert_int_equal(reader_u16(&r, &u16), COFFER_ERR_TRUNCATED);
	assert_int_equal(reader_left(&r), 1);
	assert_int_equal(reader_bytes(&r, 2, &p), COFFER_ERR_TRUNCATED);
	assert_int_equal(reader_bytes(&r, 1, &p), 0);
	assert_int_equal(*p, 9);
	assert_int_equal(reader_end(&r), 0);
	assert_int_equal(reader_bytes(&r, SIZE_MAX, &p),
	    COFFER_ERR_TRUNCATED);
}

static void
test_keys(void **state)
{
	struct coffer_key *a = NULL, *b = NULL;
	uint8_t pk[32], id[16], secret[32] = { 1 };

	(void)state;
	assert_int_equal(coffer_key_generate(&a, COFFER_KEY_SYMMETRIC, 7), 0);
	assert_int_equal(coffer_key_version(a), 7);
	assert_int_equal(coffer_key_public(a, pk), COFFER_ERR_INVALID);
	assert_int_equal(coffer_key_generate(&b, COFFER_KEY_SYMMETRIC, 7), 0);
	assert_false(coffer_key_equal(a, b));
	coffer_key_free(&a);
	coffer_key_free(&b);
	assert_null(a);
	coffer_key_free(&a);
	coffer_key_free(NULL);

	assert_int_equal(coffer_key_import(&a, COFFER_KEY_SYMMETRIC, secret,
	    NULL, 1), COFFER_ERR_INVALID);
	assert_null(a);
	assert_int_equal(coffer_key_import(&a, (enum coffer_key_kind)9, secret,
	    id, 1), COFFER_ERR_INVALID);

	/* An asymmetric key's id is the id of its public key. */
	assert_int_equal(coffer_key_generate(&a, COFFER_KEY_ED25519, 1), 0);
	assert_int_equal(coffer_key_public(a, pk), 0);
	assert_int_equal(coffer_key_id_of_public(COFFER_KEY_ED25519, pk, id), 0);
	assert_memory_equal(id, coffer_key_id(a), 16);
	assert_int_equal(coffer_key_id_of_public(COFFER_KEY_X25519, pk, id), 0);
	assert_memory_not_equal(id, coffer_key_id(a), 16);
	coffer_key_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_err_name),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_grow_secret),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
