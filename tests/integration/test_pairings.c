/* Pairing mailboxes on the real cofferd (docs/PROTOCOL-devices.md §4.3,
 * §7): a new device N, restricted, opens a pairing for the device its
 * session is bound to and posts steps 1 and 3; a trusted device E, from a
 * full session, reads them and posts steps 2 and 4. Each step once, in
 * order, by its side only; a third device's restricted session reads,
 * posts and ends nothing; messages that name another step or pairing,
 * or pass their step's cap, are refused; one pairing per device, ten per
 * account; an expired pairing is never served, and goes at the next open
 * and at the next start. Every refusal leaves the pairing as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "devtrust.h"
#include "route_fixture.h"
#include "wire/json.h"

static struct srv *S;
static struct rt_bad_tokens Bad;
static struct test_account Victim;
static const struct rt_group group = { &S, { &Victim }, &Bad, NULL, NULL };

/* An account with a list: E (d1, trusted, session e), N (d2, session n
 * bound to it, restricted) and T (d3, session t bound, restricted). */
struct fam {
	struct test_account	e, n, t;
	struct dt_device	d1, d2, d3;
	struct dt_chain		c;
};

static void
fam_new(struct fam *f)
{
	struct coffer_buf *g;
	long st = 0;

	assert_int_equal(test_account_new(S, &f->e), 0);
	dt_device_new(&f->d1);
	dt_device_new(&f->d2);
	dt_device_new(&f->d3);
	dt_register(S, &f->e, &f->d1);
	assert_int_equal(dt_bind(S, &f->e, &f->d1), 0);
	dt_chain_init(&f->c, f->e.id);
	g = dt_entry(&f->c, DEVLIST_GENESIS, &f->d1, &f->d1, NULL, 1);
	json_decref(dt_put(S, &f->e, 1, g, &st));
	assert_int_equal(st, 201);
	coffer_buf_free(&g);
	dt_session(S, f->e.id, NULL, &f->n);
	dt_register(S, &f->n, &f->d2);
	assert_int_equal(dt_bind(S, &f->n, &f->d2), 1);
	dt_session(S, f->e.id, NULL, &f->t);
	dt_register(S, &f->t, &f->d3);
	assert_int_equal(dt_bind(S, &f->t, &f->d3), 1);
}

static void
fam_free(struct fam *f)
{
	dt_device_free(&f->d1);
	dt_device_free(&f->d2);
	dt_device_free(&f->d3);
	dt_chain_free(&f->c);
}

/* The body of POST /v1/pairings. */
static void
open_body(char *out, size_t size, const uint8_t *pid,
    const struct dt_device *d)
{
	char hex[33];

	wire_id_encode(hex, pid, 16);
	snprintf(out, size, "{\"pairing\":\"%s\",\"device\":\"%s\"}", hex,
	    d->hex);
}

static void
open_ok(const struct test_account *a, const uint8_t *pid,
    const struct dt_device *d)
{
	char body[200], hex[33];
	json_t *j;

	open_body(body, sizeof(body), pid, d);
	j = rt_want(S, "POST", "/v1/pairings", a->auth, body, 201, NULL);
	wire_id_encode(hex, pid, 16);
	assert_string_equal(rt_str(j, "pairing"), hex);
	assert_string_equal(rt_str(j, "device"), d->hex);
	assert_int_equal(rt_int(j, "expires") - rt_int(j, "created"),
	    COFFER_WIRE_PAIRING_TTL);
	assert_int_equal(rt_int(j, "step"), 0);
	assert_int_equal(json_object_size(j), 5);
	json_decref(j);
}

/* The JSON body {"data": b64} of a message of ${len} bytes of step
 * ${step} of ${pid}: a right header, unless ${hdr_step} is not ${step}. */
static char *
msg_body(unsigned step, unsigned hdr_step, const uint8_t *pid, size_t len)
{
	uint8_t *m = calloc(1, len + 1);
	char *b64, *body;
	size_t n;

	assert_non_null(m);
	memset(m, 0x42, len);
	memcpy(m, "CFPM", len < 4 ? len : 4);
	if (len > 5) {
		m[4] = 1;
		m[5] = (uint8_t)hdr_step;
	}
	if (len >= 22)
		memcpy(m + 6, pid, 16);
	(void)step;
	b64 = rt_b64(m, len);
	n = strlen(b64) + 32;
	assert_non_null(body = malloc(n));
	snprintf(body, n, "{\"data\":\"%s\"}", b64);
	free(b64);
	free(m);
	return body;
}

static void
step_path(char *out, size_t size, const uint8_t *pid, unsigned step)
{
	char hex[33];

	wire_id_encode(hex, pid, 16);
	snprintf(out, size, "/v1/pairings/%s/%u", hex, step);
}

/* PUT step ${step} by ${a}: ${want}, with ${code} when it fails. */
static void
post(const struct test_account *a, const uint8_t *pid, unsigned step,
    size_t len, long want, const char *code)
{
	char path[128], *body = msg_body(step, step, pid, len);
	json_t *j;

	step_path(path, sizeof(path), pid, step);
	j = rt_want(S, "PUT", path, a->auth, body, want, code);
	if (want == 201)
		assert_int_equal(rt_int(j, "step"), step);
	json_decref(j);
	free(body);
}

/* GET step ${step} by ${a}: ${want}; a 200 holds ${len} bytes. */
static void
fetch(const struct test_account *a, const uint8_t *pid, unsigned step,
    size_t len, long want, const char *code)
{
	char path[128], *raw;
	size_t n;
	json_t *j;

	step_path(path, sizeof(path), pid, step);
	j = rt_want(S, "GET", path, a->auth, NULL, want, code);
	if (want == 200) {
		raw = rt_unb64(rt_str(j, "data"), &n);
		assert_int_equal(n, len);
		assert_memory_equal(raw, "CFPM", 4);
		assert_int_equal((uint8_t)raw[5], step);
		assert_int_equal(json_object_size(j), 1);
		free(raw);
	}
	json_decref(j);
}

/* The step the account's list says ${pid} is at (E's view). */
static long long
step_of(const struct test_account *e, const uint8_t *pid)
{
	json_t *j = rt_want(S, "GET", "/v1/pairings", e->auth, NULL, 200,
	    NULL), *p;
	char hex[33];
	long long r = -1;
	size_t i;

	wire_id_encode(hex, pid, 16);
	json_array_foreach(json_object_get(j, "pairings"), i, p)
		if (strcmp(rt_str(p, "pairing"), hex) == 0)
			r = rt_int(p, "step");
	json_decref(j);
	return r;
}

static void
test_open(void **state)
{
	struct fam f;
	struct test_account r, extra[COFFER_WIRE_PAIRINGS_MAX];
	struct dt_device dv[COFFER_WIRE_PAIRINGS_MAX];
	uint8_t pid[16], pid2[16];
	char body[300];
	json_t *j;
	int i;

	(void)state;
	fam_new(&f);
	randombytes_buf(pid, sizeof(pid));
	randombytes_buf(pid2, sizeof(pid2));
	/* No device bound: nothing to open for. Another device's id. */
	dt_session(S, f.e.id, NULL, &r);
	open_body(body, sizeof(body), pid, &f.d2);
	rt_refused(S, "POST", "/v1/pairings", r.auth, body, 403, "forbidden");
	open_body(body, sizeof(body), pid, &f.d1);
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, body, 403,
	    "forbidden");
	/* Malformed bodies. */
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, "{}", 400,
	    "missing_field");
	snprintf(body, sizeof(body), "{\"pairing\":\"%032d\"}", 1);
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, body, 400,
	    "missing_field");
	snprintf(body, sizeof(body), "{\"pairing\":\"%031d\",\"device\":"
	    "\"%s\"}", 1, f.d2.hex);
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, body, 400,
	    "invalid_field");
	snprintf(body, sizeof(body), "{\"pairing\":\"%032d\",\"device\":"
	    "\"%s\",\"step\":1}", 1, f.d2.hex);
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, body, 400,
	    "invalid_field");
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, "{\"pairing\"", 400,
	    "malformed_json");
	{
		char big[1200];

		memset(big, ' ', sizeof(big) - 1);
		big[0] = '{';
		big[sizeof(big) - 2] = '}';
		big[sizeof(big) - 1] = '\0';
		rt_refused(S, "POST", "/v1/pairings", f.n.auth, big, 413,
		    "body_too_large");
	}
	open_body(body, sizeof(body), pid, &f.d2);
	rt_unauthorized(S, &Bad, "POST", "/v1/pairings", body);
	j = rt_want(S, "GET", "/v1/pairings", f.e.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "pairings")), 0);
	json_decref(j);
	/* N opens; again (replayed) and another for the same device: 409. */
	open_ok(&f.n, pid, &f.d2);
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, body, 409, "conflict");
	open_body(body, sizeof(body), pid2, &f.d2);
	rt_refused(S, "POST", "/v1/pairings", f.n.auth, body, 409, "conflict");
	/* Another device may not take the id. */
	open_body(body, sizeof(body), pid, &f.d3);
	rt_refused(S, "POST", "/v1/pairings", f.t.auth, body, 409, "conflict");
	assert_int_equal(step_of(&f.e, pid), 0);
	/* One per device waiting, so at most ten per account: d2's, d3's
	 * and eight more; the eleventh device waiting is not registered. */
	for (i = 0; i < COFFER_WIRE_PAIRINGS_MAX; i++) {
		dt_device_new(&dv[i]);
		dt_session(S, f.e.id, NULL, &extra[i]);
		randombytes_buf(pid2, sizeof(pid2));
		if (i < COFFER_WIRE_DEVICES_PENDING_MAX - 2) {
			dt_register(S, &extra[i], &dv[i]);
			assert_int_equal(dt_bind(S, &extra[i], &dv[i]), 1);
			open_ok(&extra[i], pid2, &dv[i]);
			continue;
		}
		if (i == COFFER_WIRE_DEVICES_PENDING_MAX - 2) {
			char *b64 = rt_b64(dv[i].card, sizeof(dv[i].card));
			char reg[400], path[64];

			snprintf(reg, sizeof(reg), "{\"card\":\"%s\"}", b64);
			snprintf(path, sizeof(path), "/v1/devices/%.32s",
			    dv[i].hex);
			rt_refused(S, "PUT", path, extra[i].auth, reg, 507,
			    "quota_exceeded");
			free(b64);
		}
	}
	open_ok(&f.t, pid2, &f.d3);
	j = rt_want(S, "GET", "/v1/pairings", f.e.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "pairings")),
	    COFFER_WIRE_PAIRINGS_MAX);
	json_decref(j);
	/* The list is for full sessions. */
	rt_refused(S, "GET", "/v1/pairings", f.n.auth, NULL, 403, "forbidden");
	rt_unauthorized(S, &Bad, "GET", "/v1/pairings", NULL);
	for (i = 0; i < COFFER_WIRE_PAIRINGS_MAX; i++)
		dt_device_free(&dv[i]);
	fam_free(&f);
}

static void
test_steps(void **state)
{
	struct fam f;
	uint8_t pid[16], other[16];
	char path[128], *body;

	(void)state;
	fam_new(&f);
	randombytes_buf(pid, sizeof(pid));
	randombytes_buf(other, sizeof(other));
	open_ok(&f.n, pid, &f.d2);
	/* Nothing posted yet. */
	fetch(&f.e, pid, 1, 0, 404, "no_such_object");
	/* Out of order; the wrong side for step 1. */
	post(&f.n, pid, 3, 86, 409, "conflict");
	post(&f.e, pid, 2, 275, 409, "conflict");
	post(&f.e, pid, 1, 211, 403, "forbidden");
	post(&f.t, pid, 1, 211, 403, "forbidden");
	/* Messages that name another step or pairing, or none. */
	step_path(path, sizeof(path), pid, 1);
	body = msg_body(1, 2, pid, 211);
	rt_refused(S, "PUT", path, f.n.auth, body, 400, "invalid_field");
	free(body);
	body = msg_body(1, 1, other, 211);
	rt_refused(S, "PUT", path, f.n.auth, body, 400, "invalid_field");
	free(body);
	body = msg_body(1, 1, pid, 21);
	rt_refused(S, "PUT", path, f.n.auth, body, 400, "invalid_field");
	free(body);
	rt_refused(S, "PUT", path, f.n.auth, "{\"data\":\"Q0ZQTQ\"}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", path, f.n.auth, "{\"data\":\"\"}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", path, f.n.auth, "{}", 400, "missing_field");
	rt_refused(S, "PUT", path, f.n.auth, "{\"data\":1}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", path, f.n.auth, "{\"data\":\"AA\",\"x\":1}", 400,
	    "invalid_field");
	rt_refused(S, "PUT", path, f.n.auth, "{", 400, "malformed_json");
	post(&f.n, pid, 1, COFFER_WIRE_PAIRING_MSG_MAX + 1, 413,
	    "body_too_large");
	/* Steps 0 and 5, and a pairing never opened. */
	step_path(path, sizeof(path), pid, 0);
	rt_refused(S, "PUT", path, f.n.auth, "{\"data\":\"AA\"}", 400,
	    "invalid_id");
	rt_refused(S, "GET", path, f.n.auth, NULL, 400, "invalid_id");
	step_path(path, sizeof(path), pid, 5);
	rt_refused(S, "GET", path, f.e.auth, NULL, 400, "invalid_id");
	post(&f.n, other, 1, 211, 404, "no_such_object");
	fetch(&f.e, other, 1, 0, 404, "no_such_object");
	step_path(path, sizeof(path), pid, 1);
	rt_unauthorized(S, &Bad, "PUT", path, "{\"data\":\"AA\"}");
	rt_unauthorized(S, &Bad, "GET", path, NULL);
	rt_refused(S, "GET", path, f.n.auth, "{}", 413, "body_too_large");
	rt_refused(S, "GET", "/v1/pairings", f.e.auth, "{}", 413,
	    "body_too_large");
	assert_int_equal(step_of(&f.e, pid), 0);
	/* The run: N 1, E 2, N 3, E 4, each read by the other side. */
	post(&f.n, pid, 1, 211, 201, NULL);
	post(&f.n, pid, 1, 211, 409, "conflict");
	fetch(&f.e, pid, 1, 211, 200, NULL);
	fetch(&f.n, pid, 1, 211, 200, NULL);
	fetch(&f.t, pid, 1, 0, 403, "forbidden");
	post(&f.n, pid, 2, 275, 403, "forbidden");
	post(&f.t, pid, 2, 275, 403, "forbidden");
	post(&f.e, pid, 2, COFFER_WIRE_PAIRING_MSG_MAX + 1, 413,
	    "body_too_large");
	post(&f.e, pid, 2, 275, 201, NULL);
	post(&f.e, pid, 2, 275, 409, "conflict");
	fetch(&f.n, pid, 2, 275, 200, NULL);
	post(&f.e, pid, 3, 86, 403, "forbidden");
	post(&f.n, pid, 3, 86, 201, NULL);
	fetch(&f.e, pid, 3, 86, 200, NULL);
	post(&f.n, pid, 4, 1000, 403, "forbidden");
	post(&f.e, pid, 4, COFFER_WIRE_PAIRING_FINAL_MAX + 1, 413,
	    "body_too_large");
	post(&f.e, pid, 4, COFFER_WIRE_PAIRING_FINAL_MAX, 201, NULL);
	post(&f.e, pid, 4, 1000, 409, "conflict");
	fetch(&f.n, pid, 4, COFFER_WIRE_PAIRING_FINAL_MAX, 200, NULL);
	assert_int_equal(step_of(&f.e, pid), 4);
	fam_free(&f);
}

static void
test_delete(void **state)
{
	struct fam f;
	uint8_t pid[16];
	char path[128], hex[33];

	(void)state;
	fam_new(&f);
	randombytes_buf(pid, sizeof(pid));
	wire_id_encode(hex, pid, 16);
	snprintf(path, sizeof(path), "/v1/pairings/%s", hex);
	rt_refused(S, "DELETE", path, f.n.auth, NULL, 404, "no_such_object");
	open_ok(&f.n, pid, &f.d2);
	rt_refused(S, "DELETE", path, f.t.auth, NULL, 403, "forbidden");
	rt_unauthorized(S, &Bad, "DELETE", path, NULL);
	rt_refused(S, "DELETE", path, f.n.auth, "{}", 413, "body_too_large");
	assert_int_equal(step_of(&f.e, pid), 0);
	/* The opener ends it; again is 404; then a trusted device ends one. */
	rt_refused(S, "DELETE", path, f.n.auth, NULL, 204, NULL);
	rt_refused(S, "DELETE", path, f.n.auth, NULL, 404, "no_such_object");
	assert_int_equal(step_of(&f.e, pid), -1);
	open_ok(&f.n, pid, &f.d2);
	post(&f.n, pid, 1, 211, 201, NULL);
	rt_refused(S, "DELETE", path, f.e.auth, NULL, 204, NULL);
	fetch(&f.n, pid, 1, 0, 404, "no_such_object");
	/* Its id and its device are free again. */
	open_ok(&f.n, pid, &f.d2);
	fam_free(&f);
}

/* Make every pairing of the server expire ${in} seconds from now (as if
 * most of their 10 minutes had passed), with the server stopped, and
 * start it again. */
static void
expire_all(struct srv *s, int in)
{
	char db[4200], sql[200];
	sqlite3 *h;

	snprintf(db, sizeof(db), "%s/meta.sqlite", srv_data(s));
	snprintf(sql, sizeof(sql), "UPDATE pairings SET expires ="
	    " CAST(strftime('%%s', 'now') AS INTEGER) + %d", in);
	assert_int_equal(srv_stop(s), 0);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(srv_restart(s), 0);
}

static int
count_rows(struct srv *s)
{
	char db[4200];
	sqlite3 *h;
	sqlite3_stmt *st;
	int n;

	snprintf(db, sizeof(db), "%s/meta.sqlite", srv_data(s));
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM pairings",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* Expired: never served, and gone at the next open and the next start. */
static void
test_expiry(void **state)
{
	struct fam f;
	uint8_t pid[16], pid2[16];
	char path[128], hex[33];

	(void)state;
	fam_new(&f);
	randombytes_buf(pid, sizeof(pid));
	randombytes_buf(pid2, sizeof(pid2));
	open_ok(&f.n, pid, &f.d2);
	post(&f.n, pid, 1, 211, 201, NULL);
	open_ok(&f.t, pid2, &f.d3);
	/* Expired while the server was down: the start drops them. */
	expire_all(S, -1);
	assert_int_equal(srv_stop(S), 0);
	assert_int_equal(count_rows(S), 0);
	assert_int_equal(srv_restart(S), 0);
	open_ok(&f.n, pid, &f.d2);
	post(&f.n, pid, 1, 211, 201, NULL);
	open_ok(&f.t, pid2, &f.d3);
	/* Expired while the server runs: 404 everywhere, and N opens a new
	 * one (its expired one goes first). */
	expire_all(S, 2);
	fetch(&f.e, pid, 1, 211, 200, NULL);
	sleep(3);
	fetch(&f.e, pid, 1, 0, 404, "no_such_object");
	post(&f.n, pid, 1, 211, 404, "no_such_object");
	wire_id_encode(hex, pid, 16);
	snprintf(path, sizeof(path), "/v1/pairings/%s", hex);
	rt_refused(S, "DELETE", path, f.n.auth, NULL, 404, "no_such_object");
	assert_int_equal(step_of(&f.e, pid2), -1);
	open_ok(&f.n, pid, &f.d2);
	fam_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_expiry),
	};

	if (sodium_init() < 0)
		return 1;
	return RT_RUN_GROUP("pairings", tests, &group);
}
