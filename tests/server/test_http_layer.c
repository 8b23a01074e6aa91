/* The HTTP layer's pure parts (server/http/): the Range parser
 * (range.c), the error table and the answer each wire_json fault gets
 * (errors.c), and the escaping of log lines (log.c). The layer through a
 * real server is tests/integration/test_http.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/errors.h"
#include "http/http.h"
#include "http/log.h"
#include "wire/json.h"

static void
test_range(void **state)
{
	static const struct {
		const char	*h;
		uint64_t	 size;
		int		 r;
		uint64_t	 start, len;
	} cases[] = {
		{ NULL, 10, 0, 0, 0 },
		{ "bytes=0-0", 10, 1, 0, 1 },
		{ "bytes=0-9", 10, 1, 0, 10 },
		{ "bytes=0-99", 10, 1, 0, 10 },
		{ "bytes=3-", 10, 1, 3, 7 },
		{ "bytes=9-", 10, 1, 9, 1 },
		{ "bytes=-1", 10, 1, 9, 1 },
		{ "bytes=-10", 10, 1, 0, 10 },
		{ "bytes=-11", 10, 1, 0, 10 },
		{ "BYTES=1-2", 10, 1, 1, 2 },
		{ "bytes=007-008", 10, 1, 7, 2 },
		{ "bytes=10-", 10, -1, 0, 0 },
		{ "bytes=10-20", 10, -1, 0, 0 },
		{ "bytes=5-4", 10, -1, 0, 0 },
		{ "bytes=-0", 10, -1, 0, 0 },
		{ "bytes=-1", 0, -1, 0, 0 },
		{ "bytes=0-", 0, -1, 0, 0 },
		{ "bytes=", 10, -1, 0, 0 },
		{ "bytes=-", 10, -1, 0, 0 },
		{ "bytes=1", 10, -1, 0, 0 },
		{ "bytes=1-2,4-5", 10, -1, 0, 0 },
		{ "bytes= 1-2", 10, -1, 0, 0 },
		{ "bytes=1-2 ", 10, -1, 0, 0 },
		{ "bytes=a-b", 10, -1, 0, 0 },
		{ "bytes=99999999999999999999-", 10, -1, 0, 0 },
		{ "bytes", 10, -1, 0, 0 },
		{ "pages=1-2", 10, 0, 0, 0 },
		{ "bytes=9223372036854775806-", UINT64_C(9223372036854775807),
		    1, UINT64_C(9223372036854775806), 1 },
	};
	uint64_t start, len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		start = len = 12345;
		r = srv_range_parse(cases[i].h, cases[i].size, &start, &len);
		if (r != cases[i].r)
			print_error("%s over %llu: %d\n", cases[i].h,
			    (unsigned long long)cases[i].size, r);
		assert_int_equal(r, cases[i].r);
		if (r == 1) {
			assert_true(start == cases[i].start);
			assert_true(len == cases[i].len);
		}
	}
}

static void
test_error_table(void **state)
{
	static const unsigned statuses[] = { 400, 401, 403, 404, 405, 409, 411,
	    413, 415, 416, 429, 500, 503, 507 };
	size_t i, j, n = srv_err_count();
	unsigned seen[600] = { 0 };

	(void)state;
	assert_true(n > 10);
	for (i = 1; i < n; i++) {
		const char *c = srv_err_code(i);

		assert_true(strlen(c) > 0);
		for (j = 0; c[j] != '\0'; j++)
			assert_true((c[j] >= 'a' && c[j] <= 'z') || c[j] == '_');
		for (j = 1; j < i; j++)
			assert_string_not_equal(c, srv_err_code(j));
		assert_true(srv_err_status(i) < 600);
		seen[srv_err_status(i)]++;
		assert_true(strlen(srv_err_summary(i)) > 0);
	}
	/* Every status the brief names has a code. */
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		assert_true(seen[statuses[i]] > 0);
	/* Outside the table: internal, never NULL. */
	assert_string_equal(srv_err_code(0), "internal");
	assert_string_equal(srv_err_code(n), "internal");
	assert_int_equal(srv_err_status(n + 5), 500);
}

/* A request body's fault (a failed wire_json_* getter) and its answer. */
static void
test_json_faults(void **state)
{
	(void)state;
	assert_int_equal(srv_err_of_json(WIRE_JSON_MALFORMED),
	    SRV_E_MALFORMED_JSON);
	assert_int_equal(srv_err_of_json(WIRE_JSON_MISSING),
	    SRV_E_MISSING_FIELD);
	assert_int_equal(srv_err_of_json(WIRE_JSON_INVALID),
	    SRV_E_INVALID_FIELD);
	assert_int_equal(srv_err_of_json(WIRE_JSON_TOO_LARGE),
	    SRV_E_BODY_TOO_LARGE);
	assert_int_equal(srv_err_of_json(WIRE_JSON_INTERNAL), SRV_E_INTERNAL);
}

static void
test_log_lines(void **state)
{
	const char *keys[] = { "method", "path", "empty", "nul" };
	const char *vals[] = { "GET", "/a b\"c\\d\ne\x01\xff", "", NULL };
	char buf[512];
	json_t *v;
	unsigned long n;

	(void)state;
	n = srv_log_format_line(buf, sizeof(buf), SRV_LOG_TEXT, SRV_LOG_WARN,
	    1796313600123LL, "request", keys, vals, 4);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "2026-12-03T16:00:00.123Z warn request "
	    "method=GET path=\"/a b\\\"c\\\\d\\x0ae\\x01\\xff\" empty=\"\" "
	    "nul=-\n");
	n = srv_log_format_line(buf, sizeof(buf), SRV_LOG_JSON, SRV_LOG_INFO,
	    0, "request", keys, vals, 4);
	assert_int_equal(n, strlen(buf));
	assert_non_null(v = json_loads(buf, JSON_REJECT_DUPLICATES, NULL));
	assert_string_equal(json_string_value(json_object_get(v, "time")),
	    "1970-01-01T00:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(v, "level")),
	    "info");
	assert_string_equal(json_string_value(json_object_get(v, "path")),
	    "/a b\"c\\d\ne\x01\xc3\xbf");
	assert_string_equal(json_string_value(json_object_get(v, "nul")), "-");
	json_decref(v);
	/* A tiny buffer truncates but still ends the line. */
	n = srv_log_format_line(buf, 20, SRV_LOG_TEXT, SRV_LOG_INFO, 0, "x",
	    keys, vals, 4);
	assert_true(n < 20);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(buf[n], '\0');
}

/* Per-address limits count an IPv6 host by its /64. */
static void
test_peer_key(void **state)
{
	static const struct {
		const char *peer, *key;
	} t[] = {
		{ "127.0.0.1", "127.0.0.1" },
		{ "203.0.113.9", "203.0.113.9" },
		{ "::ffff:203.0.113.9", "203.0.113.9" },
		{ "::1", "::/64" },
		{ "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64" },
		{ "2001:db8:1:2::1", "2001:db8:1:2::/64" },
		{ "2001:db8:1:3::1", "2001:db8:1:3::/64" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "ffff:ffff:ffff:ffff::/64" },
		{ "-", "-" },
	};
	char out[SRV_PEER_KEY_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		srv_peer_key(t[i].peer, out, sizeof(out));
		assert_string_equal(out, t[i].key);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_error_table),
		cmocka_unit_test(test_json_faults),
		cmocka_unit_test(test_log_lines),
		cmocka_unit_test(test_peer_key),
	};

	return cmocka_run_group_tests_name("http_layer", tests, NULL, NULL);
}
