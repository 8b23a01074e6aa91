/* The strict JSON reader both sides use (lib/wire/json.h):
 * wire_json_parse (one object, no duplicates, UTF-8, depth checked before
 * jansson runs), the typed getters and the faults they report, and the
 * id and byte encodings. How cofferd answers each fault is
 * tests/server/test_http_layer.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/json.h"

static json_t *
parse_ok(const char *text)
{
	struct wire_json_err e;
	json_t *v = NULL;

	if (wire_json_parse(text, strlen(text), WIRE_JSON_MAX_DEPTH, &v, &e) != 0)
		print_error("%s: %s\n", text, e.message);
	assert_non_null(v);
	return v;
}

static void
test_parse(void **state)
{
	static const char *const good[] = {
		"{}", " {} ", "{}\n", "{\"a\":1}", "{\"a\":[1,2,{\"b\":null}]}",
		"{\"\\u00e9\":\"\xc3\xa9\"}", "{\"a\":\"[[[[[[[[[[[[[[[[[[[[\"}",
		"{\"a\":\"\\\"{{{{{{{{{{{{{{{{{{{{{{{\"}", NULL
	};
	static const char *const bad[] = {
		"", " ", "{", "[]", "[{}]", "1", "\"x\"", "null", "true",
		"{}{}", "{} x", "{\"a\":1,\"a\":1}", "{\"a\":\"\\u0000\"}",
		"{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}", "{a:1}",
		"{\"a\":1,}", "{\"a\":+1}", "{\"a\":.5}", "{\"a\":Infinity}",
		"{\"a\":99999999999999999999}", "{\"a\" 1}", "{\"a\":[1,]}",
		NULL
	};
	struct wire_json_err e;
	json_t *v;
	size_t i;

	(void)state;
	for (i = 0; good[i] != NULL; i++)
		json_decref(parse_ok(good[i]));
	for (i = 0; bad[i] != NULL; i++) {
		v = NULL;
		if (wire_json_parse(bad[i], strlen(bad[i]), WIRE_JSON_MAX_DEPTH,
		    &v, &e) != -1)
			print_error("accepted: %s\n", bad[i]);
		assert_null(v);
		assert_int_equal(e.fault, WIRE_JSON_MALFORMED);
		assert_true(strlen(e.message) > 0);
	}
	/* A NUL inside the buffer ends nothing: it is an error. */
	assert_int_equal(wire_json_parse("{}\0", 3, 4, &v, &e), -1);
}

static void
test_depth(void **state)
{
	char buf[4096];
	struct wire_json_err e;
	json_t *v;
	unsigned d, max;
	size_t n;

	(void)state;
	for (max = 1; max <= 20; max += 19)
		for (d = 1; d <= max + 1; d++) {
			n = 0;
			buf[n++] = '{';
			buf[n++] = '"';
			buf[n++] = 'a';
			buf[n++] = '"';
			buf[n++] = ':';
			memset(buf + n, '[', d - 1);
			n += d - 1;
			memset(buf + n, ']', d - 1);
			n += d - 1;
			if (d == 1)
				buf[n++] = '1';
			buf[n++] = '}';
			v = NULL;
			assert_int_equal(wire_json_parse(buf, n, max, &v, &e),
			    d <= max ? 0 : -1);
			if (d > max)
				assert_non_null(strstr(e.message, "deeper"));
			json_decref(v);
		}
	/* A million brackets cost no recursion. */
	{
		size_t big = 1 << 20;
		char *p = malloc(big);

		assert_non_null(p);
		memset(p, '[', big);
		assert_int_equal(wire_json_parse(p, big, WIRE_JSON_MAX_DEPTH, &v,
		    &e), -1);
		free(p);
	}
}

static void
test_getters(void **state)
{
	json_t *o = parse_ok("{\"s\":\"abc\",\"n\":5,\"neg\":-1,\"r\":1.0,"
	    "\"big\":9223372036854775807,\"t\":true,\"f\":false,"
	    "\"id\":\"00112233445566778899aabbccddeeff\","
	    "\"ID\":\"00112233445566778899AABBCCDDEEFF\","
	    "\"b\":\"AAEC\",\"bp\":\"AAE=\",\"bs\":\"AA+/\",\"e\":\"\","
	    "\"arr\":[1,2,3],\"z\":null}");
	static const char *const allowed[] = { "s", "n", "neg", "r", "big",
	    "t", "f", "id", "ID", "b", "bp", "bs", "e", "arr", "z", NULL };
	static const char *const fewer[] = { "s", NULL };
	struct wire_json_err e;
	const char *s;
	uint64_t u;
	uint8_t id[16], *b;
	size_t bl;
	json_t *a;
	int t;

	(void)state;
	assert_int_equal(wire_json_only_keys(o, allowed, &e), 0);
	assert_int_equal(wire_json_only_keys(o, fewer, &e), -1);
	assert_int_equal(e.fault, WIRE_JSON_INVALID);

	assert_int_equal(wire_json_string(o, "s", 1, 1, 3, &s, &e), 0);
	assert_string_equal(s, "abc");
	assert_int_equal(wire_json_string(o, "s", 1, 4, 9, &s, &e), -1);
	assert_int_equal(e.fault, WIRE_JSON_INVALID);
	assert_int_equal(wire_json_string(o, "n", 1, 0, 9, &s, &e), -1);
	assert_int_equal(wire_json_string(o, "nope", 1, 0, 9, &s, &e), -1);
	assert_int_equal(e.fault, WIRE_JSON_MISSING);
	assert_non_null(strstr(e.message, "\"nope\""));
	assert_int_equal(wire_json_string(o, "nope", 0, 0, 9, &s, &e),
	    WIRE_JSON_ABSENT);

	assert_int_equal(wire_json_uint(o, "n", 1, 0, 10, &u, &e), 0);
	assert_int_equal(u, 5);
	assert_int_equal(wire_json_uint(o, "n", 1, 6, 10, &u, &e), -1);
	assert_int_equal(wire_json_uint(o, "n", 1, 0, 4, &u, &e), -1);
	assert_int_equal(wire_json_uint(o, "neg", 1, 0, 10, &u, &e), -1);
	assert_int_equal(wire_json_uint(o, "r", 1, 0, 10, &u, &e), -1);
	assert_int_equal(wire_json_uint(o, "s", 1, 0, 10, &u, &e), -1);
	assert_int_equal(wire_json_uint(o, "big", 1, 0, UINT64_MAX, &u,
	    &e), 0);
	assert_true(u == INT64_MAX);

	assert_int_equal(wire_json_bool(o, "t", 1, &t, &e), 0);
	assert_int_equal(t, 1);
	assert_int_equal(wire_json_bool(o, "f", 1, &t, &e), 0);
	assert_int_equal(t, 0);
	assert_int_equal(wire_json_bool(o, "n", 1, &t, &e), -1);
	assert_int_equal(wire_json_bool(o, "z", 1, &t, &e), -1);

	assert_int_equal(wire_json_id(o, "id", 1, id, 16, &e), 0);
	assert_int_equal(id[0], 0x00);
	assert_int_equal(id[15], 0xff);
	assert_int_equal(wire_json_id(o, "ID", 1, id, 16, &e), -1);
	assert_int_equal(wire_json_id(o, "id", 1, id, 32, &e), -1);
	assert_int_equal(wire_json_id(o, "n", 1, id, 16, &e), -1);
	assert_int_equal(e.fault, WIRE_JSON_INVALID);

	assert_int_equal(wire_json_bytes(o, "b", 1, 0, 16, &b, &bl, &e), 0);
	assert_int_equal(bl, 3);
	assert_memory_equal(b, "\x00\x01\x02", 3);
	free(b);
	assert_int_equal(wire_json_bytes(o, "b", 1, 4, 16, &b, &bl, &e), -1);
	assert_int_equal(wire_json_bytes(o, "b", 1, 0, 2, &b, &bl, &e), -1);
	assert_int_equal(wire_json_bytes(o, "bp", 1, 0, 16, &b, &bl, &e),
	    -1);
	assert_int_equal(wire_json_bytes(o, "bs", 1, 0, 16, &b, &bl, &e),
	    -1);
	assert_int_equal(wire_json_bytes(o, "e", 1, 0, 16, &b, &bl, &e), 0);
	assert_null(b);
	assert_int_equal(bl, 0);
	assert_int_equal(wire_json_bytes(o, "e", 1, 1, 16, &b, &bl, &e), -1);

	assert_int_equal(wire_json_array(o, "arr", 1, 1, 3, &a, &e), 0);
	assert_int_equal(json_array_size(a), 3);
	assert_int_equal(wire_json_array(o, "arr", 1, 4, 9, &a, &e), -1);
	assert_int_equal(wire_json_array(o, "s", 1, 0, 9, &a, &e), -1);
	assert_int_equal(wire_json_as_id(json_array_get(a, 0), "element", id,
	    16, &e), -1);
	assert_non_null(strstr(e.message, "element"));
	json_decref(o);
}

static void
test_ids_and_bytes(void **state)
{
	static const struct {
		const char	*s;
		size_t		 n;
		int		 ok;
	} cases[] = {
		{ "00112233445566778899aabbccddeeff", 16, 1 },
		{ "00112233445566778899aabbccddeeff", 32, 0 },
		{ "00112233445566778899aabbccddeeFf", 16, 0 },
		{ "00112233445566778899aabbccddeef", 16, 0 },
		{ "00112233445566778899aabbccddeeff00", 16, 0 },
		{ "0011223344556677 899aabbccddeeff", 16, 0 },
		{ "0011223344556677g899aabbccddeeff", 16, 0 },
		{ "", 16, 0 },
		{ "000102030405060708090a0b0c0d0e0f"
		  "101112131415161718191a1b1c1d1e1f", 32, 1 },
	};
	uint8_t id[32], back[32];
	char hex[65];
	json_t *v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = wire_id_decode(cases[i].s, strlen(cases[i].s), id,
		    cases[i].n);

		assert_int_equal(r, cases[i].ok ? 0 : -1);
		if (!cases[i].ok)
			continue;
		wire_id_encode(hex, id, cases[i].n);
		assert_string_equal(hex, cases[i].s);
		assert_non_null(v = wire_json_new_id(id, cases[i].n));
		assert_string_equal(json_string_value(v), cases[i].s);
		json_decref(v);
	}
	for (i = 0; i < 32; i++)
		id[i] = (uint8_t)(i * 37);
	assert_non_null(v = wire_json_new_bytes(id, 32));
	{
		json_t *o = json_pack("{s:O}", "b", v);
		struct wire_json_err e;
		uint8_t *b;
		size_t bl;

		assert_int_equal(wire_json_bytes(o, "b", 1, 32, 32, &b, &bl,
		    &e), 0);
		memcpy(back, b, 32);
		free(b);
		json_decref(o);
	}
	assert_memory_equal(back, id, 32);
	assert_null(strchr(json_string_value(v), '='));
	json_decref(v);
	assert_non_null(v = wire_json_new_bytes(NULL, 0));
	assert_string_equal(json_string_value(v), "");
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_ids_and_bytes),
	};

	return cmocka_run_group_tests_name("wire_json", tests, NULL, NULL);
}
