/* cofferd's HTTP layer, through the real server: routing, the error
 * shape, body checks (malformed, duplicate keys, depth, type, size,
 * length), typed parameters, auth, streamed upload and download with
 * Range, concurrency, what the log keeps. The server is cofferd-test
 * (cofferd with the test routes, cofferd_test.h). The route table against
 * docs/openapi.yaml is tests/server/test_routes.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>

#include "http/http.h"
#include "http_client.h"
#include "route_fixture.h"
#include "routes/routes.h"
#include "server_harness.h"

static struct srv *S;

static const char *const JSON_CT[] = { "Content-Type: application/json",
    NULL };
static const char *const OCTET_CT[] = {
    "Content-Type: application/octet-stream", NULL };

#define ITEM	"00112233445566778899aabbccddeeff"
#define BLOB	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"

static const struct rt_group group = { &S, { NULL }, NULL, NULL, NULL };

/* One request; the status, and the error code when want_code is set. */
static void
expect(const char *method, const char *path, const char *const *hdrs,
    const char *body, long want_status, const char *want_code)
{
	char *resp = NULL;
	long st = 0;

	assert_int_equal(http_request(method, srv_url(S, path), hdrs, body,
	    body != NULL ? strlen(body) : 0, &st, &resp), 0);
	if (st != want_status || (want_code != NULL &&
	    !http_is_error(resp, want_code)))
		print_error("%s %s: got %ld %s, want %ld %s\n", method, path,
		    st, resp, want_status, want_code ? want_code : "");
	assert_int_equal(st, want_status);
	if (want_code != NULL)
		assert_true(http_is_error(resp, want_code));
	free(resp);
}

static void
test_health(void **state)
{
	struct http_opts o;
	struct http_resp r;
	char ct[80];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.url = srv_url(S, "/v1/health");
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"status\":\"ok\",\"version\":\"0.1.0\"}");
	assert_non_null(http_resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/json");
	assert_non_null(http_resp_header(&r, "Cache-Control", ct, sizeof(ct)));
	assert_string_equal(ct, "no-store");
	http_resp_free(&r);
}

static void
test_unknown_route(void **state)
{
	static const char *const paths[] = { "/", "/v1", "/v1/", "/v1/nope",
	    "/v1/health/", "/v1/health/x", "/v2/health", "//v1/health",
	    "/V1/health", "/v1/_test/items/" ITEM, NULL };
	size_t i;

	(void)state;
	for (i = 0; paths[i] != NULL; i++)
		expect("GET", paths[i], NULL, NULL, 404, "not_found");
	expect("DELETE", "/v1/nope", NULL, NULL, 404, "not_found");
}

static void
allow_is(const char *method, const char *path, const char *want)
{
	struct http_opts o;
	struct http_resp r;
	char allow[80];

	memset(&o, 0, sizeof(o));
	o.method = method;
	o.url = srv_url(S, path);
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 405);
	assert_true(http_is_error(r.body, "method_not_allowed"));
	assert_non_null(http_resp_header(&r, "Allow", allow, sizeof(allow)));
	assert_string_equal(allow, want);
	http_resp_free(&r);
}

static void
test_method_not_allowed(void **state)
{
	(void)state;
	allow_is("POST", "/v1/health", "GET");
	allow_is("PUT", "/v1/health", "GET");
	allow_is("DELETE", "/v1/health", "GET");
	allow_is("PATCH", "/v1/health", "GET");
	allow_is("PUT", "/v1/_test/items/" ITEM "/" BLOB, "GET, DELETE");
	/* The method is checked before the ids. */
	allow_is("PUT", "/v1/_test/items/nothex/x", "GET, DELETE");
}

static void
test_malformed_json(void **state)
{
	char deep[200], ok_deep[200];
	size_t i;
	static const char *const bad[] = {
		"", "{", "}", "[]", "[1]", "\"s\"", "1", "null", "{} {}",
		"{\"a\":1} x", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}",
		"{\"a\":\"\\u0000\"}", "{\"a\":\"\xff\"}", "{'a':1}",
		"{\"a\":01}", "{\"a\":1,}", "{\"a\":NaN}",
		"{\"a\":123456789012345678901234567890}", NULL
	};

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		expect("POST", "/v1/_test/echo", JSON_CT, bad[i], 400,
		    "malformed_json");
	/* 16 levels pass; 17 do not (WIRE_JSON_MAX_DEPTH). */
	memset(ok_deep, 0, sizeof(ok_deep));
	memset(deep, 0, sizeof(deep));
	strcpy(ok_deep, "{\"a\":");
	for (i = 0; i < 15; i++)
		strcat(ok_deep, "[");
	for (i = 0; i < 15; i++)
		strcat(ok_deep, "]");
	strcat(ok_deep, "}");
	expect("POST", "/v1/_test/echo", JSON_CT, ok_deep, 200, NULL);
	strcpy(deep, "{\"a\":");
	for (i = 0; i < 16; i++)
		strcat(deep, "[");
	for (i = 0; i < 16; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	expect("POST", "/v1/_test/echo", JSON_CT, deep, 400, "malformed_json");
	/* Brackets inside strings are not nesting. */
	expect("POST", "/v1/_test/echo", JSON_CT,
	    "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{{{{{{{{{{{{{{{\"}",
	    200, NULL);
}

static void
test_content_type(void **state)
{
	static const char *const text[] = { "Content-Type: text/plain", NULL };
	static const char *const latin[] = {
	    "Content-Type: application/json; charset=latin1", NULL };
	static const char *const utf8[] = {
	    "Content-Type: application/json; charset=UTF-8", NULL };
	static const char *const none[] = { "Content-Type:", NULL };

	(void)state;
	expect("POST", "/v1/_test/echo", text, "{}", 415,
	    "unsupported_media_type");
	expect("POST", "/v1/_test/echo", latin, "{}", 415,
	    "unsupported_media_type");
	expect("POST", "/v1/_test/echo", none, "{}", 415,
	    "unsupported_media_type");
	expect("POST", "/v1/_test/echo", OCTET_CT, "{}", 415,
	    "unsupported_media_type");
	expect("PUT", "/v1/_test/count", JSON_CT, "{}", 415,
	    "unsupported_media_type");
	expect("POST", "/v1/_test/echo", utf8, "{\"x\":1}", 200, NULL);
}

/* A body over the cap is refused from its declared length: a 100 MiB
 * body is answered 413 before one byte of it is sent, and the server's
 * peak memory does not move. */
static void
test_oversized_body(void **state)
{
	static const char req[] = "POST /v1/_test/echo HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 104857600\r\n\r\n";
	char *big, *resp = NULL;
	long before, after;
	size_t n = SRV_JSON_BODY_DEFAULT + 1;

	(void)state;
	before = srv_vmhwm_kib(S);
	assert_int_equal(http_raw(srv_port(S), req, sizeof(req) - 1, &resp,
	    20), 0);
	assert_int_equal(http_raw_status(resp), 413);
	assert_non_null(strstr(resp, "\"body_too_large\""));
	free(resp);
	after = srv_vmhwm_kib(S);
	assert_true(before > 0 && after - before < 8 * 1024);

	/* One byte over the cap, sent whole by curl. */
	assert_non_null(big = malloc(n + 1));
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	expect("POST", "/v1/_test/echo", JSON_CT, big, 413, "body_too_large");
	big[n - 2] = '}';
	big[n - 1] = '\0';
	expect("POST", "/v1/_test/echo", JSON_CT, big, 200, NULL);
	free(big);
	/* A route without a body takes none. */
	expect("GET", "/v1/health", JSON_CT, "{}", 413, "body_too_large");
	expect("GET", "/v1/health", NULL, NULL, 200, NULL);
}

static void
test_length_required(void **state)
{
	static const char chunked[] = "POST /v1/_test/echo HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
	static const char stream[] = "PUT /v1/_test/count HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/octet-stream\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	char *resp = NULL;

	(void)state;
	assert_int_equal(http_raw(srv_port(S), chunked, sizeof(chunked) - 1,
	    &resp, 20), 0);
	assert_int_equal(http_raw_status(resp), 411);
	assert_non_null(strstr(resp, "\"length_required\""));
	free(resp);
	assert_int_equal(http_raw(srv_port(S), stream, sizeof(stream) - 1,
	    &resp, 20), 0);
	assert_int_equal(http_raw_status(resp), 411);
	free(resp);
}

/* Framing that a proxy in front could read another way (RFC 9112 6.3:
 * request smuggling) is refused with the JSON error, never guessed at nor
 * answered with an HTML page, and the connection is closed. */
static void
test_framing(void **state)
{
#define ECHO	"POST /v1/_test/echo HTTP/1.1\r\nHost: x\r\n" \
		"Content-Type: application/json\r\n"
	static const struct {
		const char	*req;
		int		 status;
		const char	*code;
	} cases[] = {
		{ ECHO "Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
		    400, "malformed_request" },
		{ ECHO "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
		    400, "malformed_request" },
		{ ECHO "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"
		    "2\r\n{}\r\n0\r\n\r\n", 400, "malformed_request" },
		{ ECHO "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "2\r\n{}\r\n0\r\n\r\n", 400, "malformed_request" },
		{ ECHO "Transfer-Encoding: gzip\r\n\r\n{}", 400,
		    "malformed_request" },
		{ ECHO "Transfer-Encoding: gzip, chunked\r\n\r\n"
		    "2\r\n{}\r\n0\r\n\r\n", 400, "malformed_request" },
		{ ECHO "Transfer-Encoding: chunked\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		    400, "malformed_request" },
		{ "GET /v1/health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
		    400, "malformed_request" },
		/* No route: framing comes first. */
		{ "PUT /v1/nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\nx", 400, "malformed_request" },
	};
#undef ECHO
	char *resp = NULL, *big;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(http_raw(srv_port(S), cases[i].req,
		    strlen(cases[i].req), &resp, 20), 0);
		if (http_raw_status(resp) != cases[i].status ||
		    strstr(resp, cases[i].code) == NULL)
			print_error("case %zu: %s\n", i, resp);
		assert_int_equal(http_raw_status(resp), cases[i].status);
		assert_non_null(strstr(resp, "\r\nContent-Type: "
		    "application/json\r\n"));
		assert_non_null(strstr(resp, cases[i].code));
		assert_non_null(strstr(resp, "\r\nConnection: close\r\n"));
		assert_null(strstr(resp, "<html"));
		free(resp);
	}
	/* A header block over 16 KiB (and well under libmicrohttpd's own
	 * buffer): 431 with the JSON error. */
	n = 64 * 1024;
	assert_non_null(big = malloc(n + 64));
	memcpy(big, "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ", 41);
	memset(big + 41, 'a', n);
	memcpy(big + 41 + n, "\r\n\r\n", 5);
	assert_int_equal(http_raw(srv_port(S), big, strlen(big), &resp, 20), 0);
	assert_int_equal(http_raw_status(resp), 431);
	assert_non_null(strstr(resp, "\"headers_too_large\""));
	assert_null(strstr(resp, "<html"));
	free(resp);
	free(big);
	/* One Content-Length and nothing else still works. */
	expect("POST", "/v1/_test/echo", JSON_CT, "{}", 200, NULL);
}

static void
test_typed_params(void **state)
{
	static const struct {
		const char	*path;
		long		 status;
		const char	*code;
	} cases[] = {
		{ "/v1/_test/items/" ITEM "/" BLOB, 200, NULL },
		{ "/v1/_test/items/" ITEM "/" BLOB "?limit=10&cursor=a-_Z9&"
		    "kind=photos", 200, NULL },
		{ "/v1/_test/items/00112233445566778899AABBCCDDEEFF/" BLOB, 400,
		    "invalid_id" },
		{ "/v1/_test/items/00112233445566778899aabbccddeef/" BLOB, 400,
		    "invalid_id" },
		{ "/v1/_test/items/00112233445566778899aabbccddeeff0/" BLOB,
		    400, "invalid_id" },
		{ "/v1/_test/items/g0112233445566778899aabbccddeeff/" BLOB, 400,
		    "invalid_id" },
		{ "/v1/_test/items/" ITEM "/" ITEM, 400, "invalid_id" },
		{ "/v1/_test/items/ABEiM0RVZneImaq7zN3u_w/" BLOB, 400,
		    "invalid_id" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?limit=", 400,
		    "invalid_parameter" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?limit=01", 400,
		    "invalid_parameter" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?limit=-1", 400,
		    "invalid_parameter" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?limit=9223372036854775808",
		    400, "invalid_parameter" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?limit=1&limit=2", 400,
		    "invalid_parameter" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?other=1", 400,
		    "invalid_parameter" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?kind=Photos", 400,
		    "invalid_parameter" },
		{ "/v1/_test/items/" ITEM "/" BLOB "?cursor=a.b", 400,
		    "invalid_parameter" },
		{ "/v1/health?x=1", 400, "invalid_parameter" },
		{ "/v1/_test/stream/18446744073709551616", 400, "invalid_id" },
		{ "/v1/_test/stream/x", 400, "invalid_id" },
	};
	char *resp = NULL;
	json_t *v;
	long st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect("GET", cases[i].path, NULL, NULL, cases[i].status,
		    cases[i].code);
	/* The handler got the decoded values. */
	assert_int_equal(http_request("GET", srv_url(S, "/v1/_test/items/"
	    ITEM "/" BLOB "?limit=10&kind=photos"), NULL, NULL, 0, &st,
	    &resp), 0);
	assert_int_equal(st, 200);
	assert_non_null(v = json_loads(resp, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(v, "item")),
	    ITEM);
	assert_string_equal(json_string_value(json_object_get(v, "blob")),
	    BLOB);
	assert_int_equal(json_integer_value(json_object_get(v, "limit")), 10);
	json_decref(v);
	free(resp);
}

static void
test_auth(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const basic[] = {
	    "Authorization: Basic dXNlcjpwYXNz", NULL };
	static const char *const empty[] = { "Authorization: Bearer ", NULL };
	static const char *const forged[] = {
	    "Authorization: Bearer test-" ITEM "x", NULL };
	static const char *const spaced[] = {
	    "Authorization: Bearer test- " ITEM, NULL };
	static const char *const good[] = {
	    "Authorization: Bearer test-" ITEM, NULL };
	static const char *const lower[] = {
	    "Authorization: bearer test-" ITEM, NULL };
	struct http_opts o;
	struct http_resp r;
	char h[40];

	(void)state;
	expect("GET", "/v1/_test/whoami", none, NULL, 401, "unauthorized");
	expect("GET", "/v1/_test/whoami", basic, NULL, 401, "unauthorized");
	expect("GET", "/v1/_test/whoami", empty, NULL, 401, "unauthorized");
	expect("GET", "/v1/_test/whoami", forged, NULL, 401, "unauthorized");
	expect("GET", "/v1/_test/whoami", spaced, NULL, 401, "unauthorized");
	expect("GET", "/v1/_test/whoami", lower, NULL, 200, NULL);
	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.url = srv_url(S, "/v1/_test/whoami");
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 401);
	assert_non_null(http_resp_header(&r, "WWW-Authenticate", h, sizeof(h)));
	assert_string_equal(h, "Bearer");
	http_resp_free(&r);
	o.headers = good;
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"account\":\"" ITEM "\"}");
	http_resp_free(&r);
}

static void
test_retry_after(void **state)
{
	struct http_opts o;
	struct http_resp r;
	char h[20];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.url = srv_url(S, "/v1/_test/limited");
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 429);
	assert_true(http_is_error(r.body, "rate_limited"));
	assert_non_null(http_resp_header(&r, "Retry-After", h, sizeof(h)));
	assert_string_equal(h, "30");
	http_resp_free(&r);
}

/* Generated upload: byte i is (i * 131 + 7) mod 256. */
struct gen {
	uint64_t	pos, len;
	crypto_generichash_state h;
};

static size_t
gen_upload(void *cls, uint8_t *buf, size_t max)
{
	struct gen *g = cls;
	size_t i, n = max;

	if (n > g->len - g->pos)
		n = (size_t)(g->len - g->pos);
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)((g->pos + i) * 131 + 7);
	crypto_generichash_update(&g->h, buf, n);
	g->pos += n;
	return n;
}

/* 64 MiB through the streaming sink: every byte arrives, in order, and
 * the server's peak memory grows by far less than the body. */
static void
test_stream_upload(void **state)
{
	struct gen g;
	struct http_opts o;
	struct http_resp r;
	uint8_t digest[32];
	char hex[65];
	json_t *v;
	long before, after;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.len = 64ull << 20;
	crypto_generichash_init(&g.h, NULL, 0, 32);
	memset(&o, 0, sizeof(o));
	o.method = "PUT";
	o.url = srv_url(S, "/v1/_test/count");
	o.headers = OCTET_CT;
	o.upload = gen_upload;
	o.upload_cls = &g;
	o.upload_len = g.len;
	before = srv_vmhwm_kib(S);
	assert_int_equal(http_do(&o, &r), 0);
	after = srv_vmhwm_kib(S);
	assert_int_equal(r.status, 200);
	crypto_generichash_final(&g.h, digest, sizeof(digest));
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	assert_non_null(v = json_loads(r.body, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(v, "bytes")),
	    64 << 20);
	assert_string_equal(json_string_value(json_object_get(v, "blake2b")),
	    hex);
	json_decref(v);
	http_resp_free(&r);
	print_message("# upload 64 MiB: server VmHWM %ld -> %ld KiB\n", before,
	    after);
	assert_true(after - before < 16 * 1024);

	/* Empty body: finish with zero writes. */
	expect("PUT", "/v1/_test/count", OCTET_CT, "", 200, NULL);
	/* The sink refuses midway: its reply (507) is what the client gets. */
	memset(&g, 0, sizeof(g));
	g.len = 1 << 20;
	crypto_generichash_init(&g.h, NULL, 0, 32);
	o.url = srv_url(S, "/v1/_test/count?fail_at=1000");
	o.upload_len = g.len;
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 507);
	assert_true(http_is_error(r.body, "quota_exceeded"));
	http_resp_free(&r);
	expect("GET", "/v1/health", NULL, NULL, 200, NULL);
}

static void
get_range(const char *path, const char *range, long want, uint64_t start,
    uint64_t len, const char *want_cr)
{
	char hdr[100], cr[100];
	const char *hdrs[] = { hdr, NULL };
	struct http_opts o;
	struct http_resp r;
	uint64_t i;

	snprintf(hdr, sizeof(hdr), "Range: %s", range);
	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.url = srv_url(S, path);
	o.headers = range != NULL ? hdrs : NULL;
	assert_int_equal(http_do(&o, &r), 0);
	if (r.status != want)
		print_error("%s Range %s: %ld, want %ld\n", path, range,
		    r.status, want);
	assert_int_equal(r.status, want);
	if (want_cr != NULL) {
		assert_non_null(http_resp_header(&r, "Content-Range", cr,
		    sizeof(cr)));
		assert_string_equal(cr, want_cr);
	}
	if (want == 416) {
		assert_true(http_is_error(r.body, "range_not_satisfiable"));
	} else {
		assert_int_equal(r.len, len);
		for (i = 0; i < len; i++)
			assert_int_equal((uint8_t)r.body[i],
			    (uint8_t)((start + i) + (start + i) / 251));
	}
	http_resp_free(&r);
}

static void
test_stream_download_range(void **state)
{
	const char *p = "/v1/_test/stream/1000";

	(void)state;
	get_range(p, NULL, 200, 0, 1000, NULL);
	get_range(p, "bytes=0-0", 206, 0, 1, "bytes 0-0/1000");
	get_range(p, "bytes=10-19", 206, 10, 10, "bytes 10-19/1000");
	get_range(p, "bytes=990-", 206, 990, 10, "bytes 990-999/1000");
	get_range(p, "bytes=990-5000", 206, 990, 10, "bytes 990-999/1000");
	get_range(p, "bytes=-7", 206, 993, 7, "bytes 993-999/1000");
	get_range(p, "bytes=-5000", 206, 0, 1000, "bytes 0-999/1000");
	get_range(p, "items=0-1", 200, 0, 1000, NULL);
	get_range(p, "bytes=1000-", 416, 0, 0, "bytes */1000");
	get_range(p, "bytes=20-10", 416, 0, 0, "bytes */1000");
	get_range(p, "bytes=0-1,5-6", 416, 0, 0, "bytes */1000");
	get_range(p, "bytes=-0", 416, 0, 0, "bytes */1000");
	get_range(p, "bytes=x-1", 416, 0, 0, "bytes */1000");
	get_range(p, "bytes=", 416, 0, 0, "bytes */1000");
	get_range("/v1/_test/stream/0", NULL, 200, 0, 0, NULL);
	get_range("/v1/_test/stream/0", "bytes=0-", 416, 0, 0, "bytes */0");
	/* A large object streams whole (10 MiB, generated block by block). */
	get_range("/v1/_test/stream/10485760", "bytes=10000000-", 206,
	    10000000, 485760, "bytes 10000000-10485759/10485760");
}

#define THREADS		8
#define PER_THREAD	40

static void *
hammer(void *arg)
{
	char body[80], want[80], *resp;
	long st = 0;
	int i, bad = 0, bad_seen = 0, id = (int)(intptr_t)arg;

	for (i = 0; i < PER_THREAD; i++) {
		resp = NULL;
		if (i % 2 == 0) {
			if (http_request("GET", srv_url(S, "/v1/health"), NULL,
			    NULL, 0, &st, &resp) != 0 || st != 200 ||
			    strstr(resp, "\"ok\"") == NULL)
				bad++;
		} else {
			snprintf(body, sizeof(body), "{\"t\":%d,\"i\":%d}", id,
			    i);
			snprintf(want, sizeof(want), "{\"t\":%d,\"i\":%d}", id,
			    i);
			if (http_request("POST", srv_url(S, "/v1/_test/echo"),
			    JSON_CT, body, strlen(body), &st, &resp) != 0 ||
			    st != 200 || strcmp(resp, want) != 0)
				bad++;
		}
		if (bad > 0 && bad_seen++ == 0)
			print_error("thread %d request %d: %ld %s\n", id, i, st,
			    resp != NULL ? resp : "(no response)");
		free(resp);
	}
	return (void *)(intptr_t)bad;
}

static void
test_concurrent(void **state)
{
	pthread_t t[THREADS];
	void *bad;
	int i, total = 0;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		total += (int)(intptr_t)bad;
	}
	assert_int_equal(total, 0);
}

/* The log has a line per request, and never a token or a body. */
static void
test_logs_keep_no_secrets(void **state)
{
	static const char *const tok[] = {
	    "Authorization: Bearer test-5ec2e75ec2e75ec2e75ec2e75ec2e75e",
	    "Content-Type: application/json", NULL };
	char *log;

	(void)state;
	expect("GET", "/v1/_test/whoami", tok, NULL, 200, NULL);
	expect("POST", "/v1/_test/echo", tok,
	    "{\"password\":\"hunter2-body-marker\"}", 200, NULL);
	expect("GET", "/v1/health", tok, NULL, 200, NULL);
	assert_true(srv_wait_log(S, "route=/v1/_test/whoami status=200",
	    10000));
	assert_true(srv_wait_log(S, "route=/v1/_test/echo status=200", 10000));
	assert_non_null(log = srv_log_text(S));
	assert_null(strstr(log, "5ec2e75e"));
	assert_null(strstr(log, "hunter2"));
	assert_null(strstr(log, "Bearer"));
	assert_non_null(strstr(log, "method=GET route=/v1/health status=200"));
	assert_non_null(strstr(log, "peer=127.0.0.1"));
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_unknown_route),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_oversized_body),
		cmocka_unit_test(test_length_required),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_typed_params),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_stream_upload),
		cmocka_unit_test(test_stream_download_range),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_logs_keep_no_secrets),
	};

	return RT_RUN_GROUP("http", tests, &group);
}
