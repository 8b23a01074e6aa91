/* The device routes on the real cofferd (server/routes/route_devices.c):
 * register by a signed card (idempotent, 409 for another card under the
 * id), list, get, remove (its sessions end with it); every bad input
 * refused with its code and nothing written; another account's devices
 * are 404; signed-out, expired and random tokens are 401. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/device.h>
#include <coffer/encoding.h>
#include <coffer/sign.h>

#include "http_client.h"
#include "route_fixture.h"
#include "session.h"
#include "store/store.h"
#include "wire/json.h"

#define CARD	COFFER_DEVICE_CARD_BYTES

static struct srv *S;
static struct test_account A, B;
static struct rt_bad_tokens Bad;
static const struct rt_group group = { &S, { &A, &B }, &Bad, NULL, NULL };

/* A device of the tests: its card's bytes, their base64url, its id in hex
 * and the path /v1/devices/{id}. */
struct dev {
	struct coffer_device	*d;
	uint8_t			 card[CARD];
	char			 b64[COFFER_B64URL_LEN(CARD)];
	char			 hex[33];
	char			 path[64];
};

static void
dev_new(struct dev *v)
{
	struct coffer_buf *b = coffer_buf_new(CARD);

	assert_non_null(b);
	assert_int_equal(coffer_device_generate(&v->d), 0);
	assert_int_equal(coffer_device_card_encode(b, v->d), 0);
	assert_int_equal(coffer_buf_len(b), CARD);
	memcpy(v->card, coffer_buf_data(b), CARD);
	coffer_buf_free(&b);
	assert_int_equal(coffer_b64url_encode(v->b64, sizeof(v->b64), v->card,
	    CARD), 0);
	wire_id_encode(v->hex, coffer_device_id(v->d), 16);
	snprintf(v->path, sizeof(v->path), "/v1/devices/%s", v->hex);
}

static void
dev_free(struct dev *v)
{
	coffer_device_free(&v->d);
}

/* The body {"card": b64 of p[0..n)} with ", rest" inside when given. */
static char *
card_body(const uint8_t *p, size_t n, const char *rest)
{
	char *b64 = rt_b64(p, n), *body;
	size_t len = strlen(b64) + (rest != NULL ? strlen(rest) : 0) + 32;

	assert_non_null(body = malloc(len));
	snprintf(body, len, "{\"card\":\"%s\"%s%s}", b64,
	    rest != NULL ? "," : "", rest != NULL ? rest : "");
	free(b64);
	return body;
}

/* The devices of an account, as "hex,hex,..." in list order. */
static void
device_ids(const struct test_account *a, char *out, size_t size)
{
	json_t *j, *d;
	size_t i;

	j = rt_want(S, "GET", "/v1/devices", a->auth, NULL, 200, NULL);
	assert_int_equal(json_object_size(j), 1);
	assert_true(json_is_array(json_object_get(j, "devices")));
	out[0] = '\0';
	json_array_foreach(json_object_get(j, "devices"), i, d) {
		strncat(out, rt_str(d, "device"), size - strlen(out) - 1);
		strncat(out, ",", size - strlen(out) - 1);
	}
	json_decref(j);
}

/* Register, again (200), and what a different card or name meets. */
static void
test_register(void **state)
{
	struct dev d1, d2, d3;
	char *body, ids[200], want[200];
	uint8_t forged[CARD];
	json_t *j;

	(void)state;
	dev_new(&d1);
	dev_new(&d2);
	dev_new(&d3);
	body = card_body(d1.card, CARD, NULL);
	j = rt_want(S, "PUT", d1.path, A.auth, body, 201, NULL);
	assert_string_equal(rt_str(j, "device"), d1.hex);
	assert_string_equal(rt_str(j, "card"), d1.b64);
	assert_null(json_object_get(j, "name"));
	assert_true(rt_int(j, "created") > 0);
	assert_int_equal(json_object_size(j), 3);
	json_decref(j);
	/* The same card again: nothing to do, 200. */
	json_decref(rt_want(S, "PUT", d1.path, A.auth, body, 200, NULL));
	free(body);
	/* The same card with a name it was not registered with. */
	body = card_body(d1.card, CARD, "\"name\":\"bmFtZQ\"");
	rt_refused(S, "PUT", d1.path, A.auth, body, 409, "conflict");
	free(body);
	/* A name the server keeps as given, and gives back. */
	body = card_body(d2.card, CARD, "\"name\":\"ZW5jcnlwdGVk\"");
	j = rt_want(S, "PUT", d2.path, A.auth, body, 201, NULL);
	assert_string_equal(rt_str(j, "name"), "ZW5jcnlwdGVk");
	json_decref(j);
	json_decref(rt_want(S, "PUT", d2.path, A.auth, body, 200, NULL));
	free(body);
	body = card_body(d2.card, CARD, "\"name\":\"b3RoZXI\"");
	rt_refused(S, "PUT", d2.path, A.auth, body, 409, "conflict");
	free(body);
	body = card_body(d2.card, CARD, NULL);
	rt_refused(S, "PUT", d2.path, A.auth, body, 409, "conflict");
	free(body);
	/* Another device's valid card under d1's id: a card that claims
	 * d1's id with d3's keys, properly self-signed. */
	memcpy(forged, d3.card, CARD);
	memcpy(forged + 5, coffer_device_id(d1.d), 16);
	assert_int_equal(coffer_sign(forged + 93, coffer_device_sign_key(d3.d),
	    "coffer/device-card/v1", forged, 93), 0);
	body = card_body(forged, CARD, NULL);
	rt_refused(S, "PUT", d1.path, A.auth, body, 409, "conflict");
	free(body);
	/* d3's own card under d1's path: the ids differ. */
	body = card_body(d3.card, CARD, NULL);
	rt_refused(S, "PUT", d1.path, A.auth, body, 400, "invalid_field");
	free(body);
	/* And d1 unchanged through it all. */
	j = rt_want(S, "GET", d1.path, A.auth, NULL, 200, NULL);
	assert_string_equal(rt_str(j, "card"), d1.b64);
	json_decref(j);
	device_ids(&A, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%s,%s,", d1.hex, d2.hex);
	assert_string_equal(ids, want);
	/* Clean up for the tests that follow. */
	rt_refused(S, "DELETE", d1.path, A.auth, NULL, 204, NULL);
	rt_refused(S, "DELETE", d2.path, A.auth, NULL, 204, NULL);
	dev_free(&d1);
	dev_free(&d2);
	dev_free(&d3);
}

/* Every class of bad input, each refused with its code, none written. */
static void
test_bad_input(void **state)
{
	struct dev d;
	uint8_t bad[CARD + 1];
	char *body, *big, ids[200];
	const char *p;
	size_t i;
	static const struct {
		size_t		at;	/* byte to change */
		uint8_t		x;	/* xor */
	} flips[] = {
		{ 0, 1 },	/* magic */
		{ 4, 3 },	/* version 1 -> 2 */
		{ 10, 1 },	/* the id: the signature fails */
		{ 24, 1 },	/* signing key version */
		{ 30, 0x40 },	/* the Ed25519 key */
		{ 70, 1 },	/* the X25519 key */
		{ 100, 1 },	/* the signature */
		{ 156, 0x80 },	/* the signature's last byte */
	};

	(void)state;
	dev_new(&d);
	/* Truncated, trailing, and each field altered. */
	body = card_body(d.card, CARD - 1, NULL);
	rt_refused(S, "PUT", d.path, A.auth, body, 400, "invalid_field");
	free(body);
	memcpy(bad, d.card, CARD);
	bad[CARD] = 0;
	body = card_body(bad, CARD + 1, NULL);
	rt_refused(S, "PUT", d.path, A.auth, body, 400, "invalid_field");
	free(body);
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(bad, d.card, CARD);
		bad[flips[i].at] ^= flips[i].x;
		body = card_body(bad, CARD, NULL);
		rt_refused(S, "PUT", d.path, A.auth, body, 400,
		    "invalid_field");
		free(body);
	}
	/* Not base64url, padded, wrong types, empty, missing, unknown. */
	rt_refused(S, "PUT", d.path, A.auth, "{\"card\":\"!!!!\"}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", d.path, A.auth, "{\"card\":\"AAAA=\"}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", d.path, A.auth, "{\"card\":157}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", d.path, A.auth, "{\"card\":null}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", d.path, A.auth, "{\"card\":[\"AAAA\"]}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", d.path, A.auth, "{\"card\":\"\"}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", d.path, A.auth, "{}", 400, "missing_field");
	rt_refused(S, "PUT", d.path, A.auth, "{\"name\":\"AAAA\"}", 400,
	    "missing_field");
	body = card_body(d.card, CARD, "\"keys\":1");
	rt_refused(S, "PUT", d.path, A.auth, body, 400, "invalid_field");
	free(body);
	body = card_body(d.card, CARD, "\"name\":5");
	rt_refused(S, "PUT", d.path, A.auth, body, 400, "invalid_field");
	free(body);
	body = card_body(d.card, CARD, "\"name\":\"\"");
	rt_refused(S, "PUT", d.path, A.auth, body, 400, "invalid_field");
	free(body);
	/* A name of 513 bytes (684 characters): over the cap. */
	big = calloc(1, 800);
	assert_non_null(big);
	memcpy(big, "\"name\":\"", 8);
	memset(big + 8, 'A', 684);
	big[8 + 684] = '"';
	body = card_body(d.card, CARD, big);
	rt_refused(S, "PUT", d.path, A.auth, body, 400, "invalid_field");
	free(body);
	free(big);
	/* Malformed JSON, not an object, a duplicate key. */
	rt_refused(S, "PUT", d.path, A.auth, "{\"card\":", 400,
	    "malformed_json");
	rt_refused(S, "PUT", d.path, A.auth, "[]", 400, "malformed_json");
	body = card_body(d.card, CARD, "\"card\":\"AAAA\"");
	rt_refused(S, "PUT", d.path, A.auth, body, 400, "malformed_json");
	free(body);
	/* Oversized: refused from its length. */
	big = malloc(8000);
	assert_non_null(big);
	memset(big, ' ', 7999);
	big[0] = '{';
	big[7998] = '}';
	big[7999] = '\0';
	rt_refused(S, "PUT", d.path, A.auth, big, 413, "body_too_large");
	free(big);
	/* No body (so no JSON content type), another content type. */
	rt_refused(S, "PUT", d.path, A.auth, NULL, 415,
	    "unsupported_media_type");
	{
		const char *hdrs[] = { A.auth, "Content-Type: text/plain",
		    NULL };
		char *resp = NULL;
		long st = 0;

		body = card_body(d.card, CARD, NULL);
		assert_int_equal(http_request("PUT", srv_url(S, d.path), hdrs,
		    body, strlen(body), &st, &resp), 0);
		assert_int_equal(st, 415);
		free(resp);
		free(body);
	}
	/* Bad ids in the path. */
	body = card_body(d.card, CARD, NULL);
	for (i = 0; i < 4; i++) {
		static const char *const bad_paths[] = {
			"/v1/devices/00112233445566778899AABBCCDDEEFF",
			"/v1/devices/0011223344556677",
			"/v1/devices/00112233445566778899aabbccddeeff00",
			"/v1/devices/zz112233445566778899aabbccddeeff",
		};

		p = bad_paths[i];
		rt_refused(S, "PUT", p, A.auth, body, 400, "invalid_id");
		rt_refused(S, "GET", p, A.auth, NULL, 400, "invalid_id");
		rt_refused(S, "DELETE", p, A.auth, NULL, 400, "invalid_id");
	}
	free(body);
	/* Query parameters no route here takes; a body where none goes. */
	rt_refused(S, "GET", "/v1/devices?limit=5", A.auth, NULL, 400,
	    "invalid_parameter");
	rt_refused(S, "DELETE", d.path, A.auth, "{}", 413, "body_too_large");
	rt_refused(S, "POST", "/v1/devices", A.auth, NULL, 405,
	    "method_not_allowed");
	/* Nothing was written. */
	device_ids(&A, ids, sizeof(ids));
	assert_string_equal(ids, "");
	rt_refused(S, "GET", d.path, A.auth, NULL, 404, "no_such_object");
	dev_free(&d);
}

/* List, get, delete; another account sees none of it. */
static void
test_list_get_delete(void **state)
{
	struct dev d1, d2;
	char *body, ids[200], want[200];
	json_t *j;

	(void)state;
	dev_new(&d1);
	dev_new(&d2);
	body = card_body(d1.card, CARD, "\"name\":\"bmFtZQ\"");
	json_decref(rt_want(S, "PUT", d1.path, A.auth, body, 201, NULL));
	free(body);
	body = card_body(d2.card, CARD, NULL);
	json_decref(rt_want(S, "PUT", d2.path, A.auth, body, 201, NULL));
	free(body);
	j = rt_want(S, "GET", d1.path, A.auth, NULL, 200, NULL);
	assert_string_equal(rt_str(j, "device"), d1.hex);
	assert_string_equal(rt_str(j, "card"), d1.b64);
	assert_string_equal(rt_str(j, "name"), "bmFtZQ");
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
	device_ids(&A, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%s,%s,", d1.hex, d2.hex);
	assert_string_equal(ids, want);
	/* B: A's devices do not exist for it. */
	device_ids(&B, ids, sizeof(ids));
	assert_string_equal(ids, "");
	rt_refused(S, "GET", d1.path, B.auth, NULL, 404, "no_such_object");
	rt_refused(S, "DELETE", d1.path, B.auth, NULL, 404, "no_such_object");
	/* B may hold the same public card in its own account: that is
	 * B's device entry, not A's, and removing it leaves A's. */
	body = card_body(d1.card, CARD, NULL);
	json_decref(rt_want(S, "PUT", d1.path, B.auth, body, 201, NULL));
	free(body);
	rt_refused(S, "DELETE", d1.path, B.auth, NULL, 204, NULL);
	j = rt_want(S, "GET", d1.path, A.auth, NULL, 200, NULL);
	assert_string_equal(rt_str(j, "name"), "bmFtZQ");
	json_decref(j);
	/* Delete: gone, and a second delete finds nothing. */
	rt_refused(S, "DELETE", d1.path, A.auth, NULL, 204, NULL);
	rt_refused(S, "GET", d1.path, A.auth, NULL, 404, "no_such_object");
	rt_refused(S, "DELETE", d1.path, A.auth, NULL, 404, "no_such_object");
	device_ids(&A, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%s,", d2.hex);
	assert_string_equal(ids, want);
	/* Registered again after removal: a new entry. */
	body = card_body(d1.card, CARD, NULL);
	json_decref(rt_want(S, "PUT", d1.path, A.auth, body, 201, NULL));
	free(body);
	rt_refused(S, "DELETE", d1.path, A.auth, NULL, 204, NULL);
	rt_refused(S, "DELETE", d2.path, A.auth, NULL, 204, NULL);
	dev_free(&d1);
	dev_free(&d2);
}

/* Every route refuses a missing, malformed, signed-out, expired or
 * random token; nothing is written. */
static void
test_unauthorized(void **state)
{
	struct dev d;
	char *body, ids[200];

	(void)state;
	dev_new(&d);
	body = card_body(d.card, CARD, NULL);
	rt_unauthorized(S, &Bad, "PUT", d.path, body);
	rt_unauthorized(S, &Bad, "GET", d.path, NULL);
	rt_unauthorized(S, &Bad, "GET", "/v1/devices", NULL);
	rt_unauthorized(S, &Bad, "DELETE", d.path, NULL);
	/* No account got the device. */
	device_ids(&A, ids, sizeof(ids));
	assert_string_equal(ids, "");
	free(body);
	dev_free(&d);
}

/* A session bound to a device ends when the device is removed. */
struct bind_arg {
	const struct test_account	*a;
	const uint8_t			*device;
	char				 auth[96];
};

static void
bind_session(struct store *st, void *arg)
{
	struct bind_arg *b = arg;
	uint8_t id[16];
	char token[SRV_TOKEN_LEN + 1];

	assert_int_equal(wire_id_decode(b->a->id, 32, id, sizeof(id)), 0);
	assert_int_equal(srv_session_new(st, NULL, id, b->device, (int64_t)time(NULL),
	    3600, NULL, token), 0);
	snprintf(b->auth, sizeof(b->auth), "Authorization: Bearer %s", token);
}

static void
test_remove_ends_sessions(void **state)
{
	struct bind_arg b;
	struct dev d;
	char *body, ids[200];

	(void)state;
	dev_new(&d);
	body = card_body(d.card, CARD, NULL);
	json_decref(rt_want(S, "PUT", d.path, A.auth, body, 201, NULL));
	free(body);
	memset(&b, 0, sizeof(b));
	b.a = &A;
	b.device = coffer_device_id(d.d);
	rt_offline(S, bind_session, &b);
	/* The device's own session works, and may remove its device. */
	json_decref(rt_want(S, "GET", "/v1/devices", b.auth, NULL, 200, NULL));
	rt_refused(S, "DELETE", d.path, b.auth, NULL, 204, NULL);
	rt_refused(S, "GET", "/v1/devices", b.auth, NULL, 401, "unauthorized");
	/* The account's other sessions go on. */
	device_ids(&A, ids, sizeof(ids));
	assert_string_equal(ids, "");
	dev_free(&d);
}

/* At most 100 devices per account: the 101st is 507, written nowhere. */
static void
test_device_cap(void **state)
{
	struct test_account c;
	struct dev d;
	char *body;
	json_t *j;
	int i;

	(void)state;
	assert_int_equal(test_account_new(S, &c), 0);
	for (i = 0; i <= 100; i++) {
		dev_new(&d);
		body = card_body(d.card, CARD, NULL);
		if (i < 100)
			json_decref(rt_want(S, "PUT", d.path, c.auth, body,
			    201, NULL));
		else
			rt_refused(S, "PUT", d.path, c.auth, body, 507,
			    "quota_exceeded");
		free(body);
		dev_free(&d);
	}
	j = rt_want(S, "GET", "/v1/devices", c.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 100);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_list_get_delete),
		cmocka_unit_test(test_unauthorized),
		cmocka_unit_test(test_remove_ends_sessions),
		cmocka_unit_test(test_device_cap),
	};

	return RT_RUN_GROUP("devices", tests, &group);
}
