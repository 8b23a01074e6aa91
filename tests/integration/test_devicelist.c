/* Device trust on the real cofferd, the server's side
 * (docs/PROTOCOL-devices.md §5, §7): binding a session to a device, the
 * signed device list and what it makes of sessions.
 *
 * Binding: a good signature binds once; a bad one (another key, another
 * session's, another context), a device with no registered card,
 * malformed and oversized bodies are refused and bind nothing. The list:
 * a genesis, then add, rename, remove, each checked against the stored
 * head; appends that skip a seq, fork, are signed by another key, come
 * from a session of another device or of no device, or carry another
 * account's or a malformed entry are refused with their code and change
 * nothing; racing appends: one 201, the other 409 with the head.
 * Sessions: with no list every session is full (today's behaviour); with
 * one, a session is full only when bound to a device the head lists with
 * its registered card; a restricted session gets 403 on every route of
 * srv_routes[] it may not call; an add makes the added device's session
 * full at once, a remove ends the removed device's sessions at once
 * (401), its pairing and its registration; a password thief's sign-ins
 * evict only restricted sessions, at once, and a session's use is
 * recorded. Registrations: at most COFFER_WIRE_DEVICES_PENDING_MAX off
 * the list, one per restricted session, whose delete ends that session;
 * a listed one is 409 to DELETE; a genesis or add listing its device
 * with another card than the registered one is refused. Refused appends
 * are cheap (header and seq before the signature, the signature before
 * the cards) and rate limited per account. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include <coffer/keychain.h>
#include <coffer/sign.h>

#include "devchain.h"
#include "devtrust.h"
#include "http_client.h"
#include "route_fixture.h"
#include "routes/routes.h"
#include "session.h"
#include "store/store.h"

static struct srv *S;
static struct rt_bad_tokens Bad;
static struct test_account Victim;
static const struct rt_group group = { &S, { &Victim }, &Bad, NULL, NULL };

/* A fresh account with two devices registered and the first bound. */
struct acct {
	struct test_account	a;		/* bound to d1 */
	struct dt_device	d1, d2;
	struct dt_chain		c;
};

static void
acct_new(struct acct *x)
{
	assert_int_equal(test_account_new(S, &x->a), 0);
	dt_device_new(&x->d1);
	dt_device_new(&x->d2);
	dt_register(S, &x->a, &x->d1);
	dt_register(S, &x->a, &x->d2);
	assert_int_equal(dt_bind(S, &x->a, &x->d1), 0);
	dt_chain_init(&x->c, x->a.id);
}

static void
acct_free(struct acct *x)
{
	dt_device_free(&x->d1);
	dt_device_free(&x->d2);
	dt_chain_free(&x->c);
}

/* Append ${e} (made with keep) with ${a}'s session: 201, the new head. */
static void
put_ok(const struct test_account *a, const struct coffer_buf *e, uint64_t seq)
{
	long st = 0;
	json_t *j = dt_put(S, a, seq, e, &st);

	if (st != 201)
		print_error("append %llu: %ld %s\n", (unsigned long long)seq, st,
		    rt_str(j, "message"));
	assert_int_equal(st, 201);
	assert_int_equal(rt_int(j, "head"), (long long)seq);
	assert_int_equal(json_object_size(j), 1);
	json_decref(j);
}

/* Append ${e}: refused with ${want} and ${code}, the head unchanged. */
static void
put_refused(const struct test_account *a, const struct coffer_buf *e,
    uint64_t seq, long want, const char *code)
{
	uint64_t head = dt_head(S, a);
	long st = 0;
	json_t *j = dt_put(S, a, seq, e, &st);

	if (st != want || !rt_is_error(j, code, want == 409))
		print_error("append %llu: %ld %s, want %ld %s\n",
		    (unsigned long long)seq, st, rt_str(j, "message"), want,
		    code);
	assert_int_equal(st, want);
	assert_true(rt_is_error(j, code, want == 409));
	if (want == 409) {
		assert_int_equal(rt_int(j, "head"), (long long)head);
		assert_int_equal(json_object_size(j), 3);
	}
	json_decref(j);
	assert_int_equal(dt_head(S, a), head);
}

/* With no list, nothing changes for an account: sessions are full. */
static void
test_no_list(void **state)
{
	struct test_account a, b;
	json_t *j;

	(void)state;
	assert_int_equal(test_account_new(S, &a), 0);
	dt_session(S, a.id, NULL, &b);
	j = rt_want(S, "GET", "/v1/account", b.auth, NULL, 200, NULL);
	assert_string_equal(rt_str(j, "account"), a.id);
	assert_true(json_is_false(json_object_get(j, "restricted")));
	assert_int_equal(rt_int(j, "devicelist_head"), 0);
	assert_null(json_object_get(j, "device"));
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
	json_decref(rt_want(S, "GET", "/v1/zones", b.auth, NULL, 200, NULL));
	json_decref(rt_want(S, "GET", "/v1/usage", b.auth, NULL, 200, NULL));
	j = rt_want(S, "GET", "/v1/devicelist", b.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
	assert_int_equal(rt_int(j, "head"), 0);
	assert_true(json_is_false(json_object_get(j, "more")));
	json_decref(j);
}

static void
test_bind(void **state)
{
	struct test_account a, b, c;
	struct dt_device d, e, forged_d;
	char body[400], *b64, path[128];
	uint8_t sig[COFFER_SIGN_BYTES];
	json_t *j;

	(void)state;
	assert_int_equal(test_account_new(S, &a), 0);
	dt_session(S, a.id, NULL, &b);
	dt_device_new(&d);
	dt_device_new(&e);
	dt_device_new(&forged_d);
	dt_register(S, &a, &d);
	/* A device with no card registered binds nothing. */
	dt_bind_body(&a, &e, "coffer/session-device/v1", body, sizeof(body));
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 404,
	    "no_such_object");
	/* Signed by another key than the registered card's. */
	memcpy(forged_d.id, d.id, sizeof(d.id));
	memcpy(forged_d.hex, d.hex, sizeof(d.hex));
	dt_bind_body(&a, &forged_d, "coffer/session-device/v1", body,
	    sizeof(body));
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 403,
	    "forbidden");
	/* Another session's signature (a replay), another context. */
	dt_bind_body(&b, &d, "coffer/session-device/v1", body, sizeof(body));
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 403,
	    "forbidden");
	dt_bind_body(&a, &d, "coffer/device-card/v1", body, sizeof(body));
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 403,
	    "forbidden");
	/* Malformed: each field, unknown and missing ones, JSON. */
	memset(sig, 0, sizeof(sig));
	b64 = rt_b64(sig, sizeof(sig));
	snprintf(body, sizeof(body), "{\"device\":\"%s\",\"sig\":\"%s\"}",
	    d.hex, b64);
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 403,
	    "forbidden");
	snprintf(body, sizeof(body), "{\"device\":\"%.31s\",\"sig\":\"%s\"}",
	    d.hex, b64);
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 400,
	    "invalid_field");
	snprintf(body, sizeof(body), "{\"device\":\"%s\",\"sig\":\"%.84s\"}",
	    d.hex, b64);
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 400,
	    "invalid_field");
	snprintf(body, sizeof(body), "{\"device\":\"%s\",\"sig\":\"%sAA\"}",
	    d.hex, b64);
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 400,
	    "invalid_field");
	snprintf(body, sizeof(body), "{\"device\":\"%s\"}", d.hex);
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 400,
	    "missing_field");
	snprintf(body, sizeof(body), "{\"device\":\"%s\",\"sig\":\"%s\","
	    "\"x\":1}", d.hex, b64);
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 400,
	    "invalid_field");
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, "{", 400,
	    "malformed_json");
	free(b64);
	{
		char *big = calloc(1, 2048);

		assert_non_null(big);
		memset(big, ' ', 2000);
		big[0] = '{';
		big[1998] = '}';
		rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, big,
		    413, "body_too_large");
		free(big);
	}
	rt_unauthorized(S, &Bad, "PUT", "/v1/sessions/current/device", body);
	/* None of it bound the session. */
	j = rt_want(S, "GET", "/v1/account", a.auth, NULL, 200, NULL);
	assert_null(json_object_get(j, "device"));
	json_decref(j);
	/* The good one binds, once. */
	assert_int_equal(dt_bind(S, &a, &d), 0);
	j = rt_want(S, "GET", "/v1/account", a.auth, NULL, 200, NULL);
	assert_string_equal(rt_str(j, "device"), d.hex);
	json_decref(j);
	dt_bind_body(&a, &d, "coffer/session-device/v1", body, sizeof(body));
	rt_refused(S, "PUT", "/v1/sessions/current/device", a.auth, body, 409,
	    "conflict");
	/* Another session of the account binds to the same device. */
	assert_int_equal(dt_bind(S, &b, &d), 0);
	/* Another account's session cannot bind this account's device. */
	assert_int_equal(test_account_new(S, &c), 0);
	dt_bind_body(&c, &d, "coffer/session-device/v1", body, sizeof(body));
	rt_refused(S, "PUT", "/v1/sessions/current/device", c.auth, body, 404,
	    "no_such_object");
	snprintf(path, sizeof(path), "/v1/devices/%s", d.hex);
	json_decref(rt_want(S, "GET", path, a.auth, NULL, 200, NULL));
	dt_device_free(&d);
	dt_device_free(&e);
	dt_device_free(&forged_d);
}

/* Every route of the table a restricted session may not call answers it
 * 403 with §5's message, before anything else of the request. */
static void
walk_routes(const struct test_account *r)
{
	char path[256], *o;
	const char *p;
	size_t i, n = 0;
	json_t *j;
	long st;

	for (i = 0; i < srv_nroutes; i++) {
		if (srv_routes[i].auth != SRV_AUTH_FULL)
			continue;
		/* The pattern with a valid value for every parameter. */
		for (p = srv_routes[i].pattern, o = path; *p != '\0';) {
			assert_true(o + 70 < path + sizeof(path));
			if (*p != '{') {
				*o++ = *p++;
				continue;
			}
			p = strchr(p, ':') + 1;
			o += snprintf(o, 70, strncmp(p, "id}", 3) == 0 ? "%032d" :
			    strncmp(p, "blobid}", 7) == 0 ? "%064d" : "%d", 7);
			p = strchr(p, '}') + 1;
		}
		*o = '\0';
		j = rt_call(S, srv_route_method_name(srv_routes[i].method),
		    path, r->auth, NULL, &st);
		if (st != 403 || !rt_is_error(j, "forbidden", 0))
			print_error("%s %s: %ld\n", srv_route_method_name(
			    srv_routes[i].method), path, st);
		assert_int_equal(st, 403);
		assert_true(rt_is_error(j, "forbidden", 0));
		assert_string_equal(rt_str(j, "message"),
		    SRV_RESTRICTED_MESSAGE);
		json_decref(j);
		n++;
	}
	assert_true(n > 15);
}

static void
test_restricted(void **state)
{
	struct acct x;
	struct test_account r, claim;
	struct coffer_buf *e;
	json_t *j;

	(void)state;
	acct_new(&x);
	dt_session(S, x.a.id, NULL, &r);
	dt_session(S, x.a.id, &x.d1, &claim);
	assert_int_equal(dt_restricted(S, &r), 0);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	/* The bound session of the listed device is full; an unbound one,
	 * and one that only named the device at sign-in, are restricted. */
	assert_int_equal(dt_restricted(S, &x.a), 0);
	assert_int_equal(dt_restricted(S, &r), 1);
	assert_int_equal(dt_restricted(S, &claim), 1);
	j = rt_want(S, "GET", "/v1/account", r.auth, NULL, 200, NULL);
	assert_int_equal(rt_int(j, "devicelist_head"), 1);
	json_decref(j);
	walk_routes(&r);
	walk_routes(&claim);
	/* What it may do: read the list, register its card, bind, sign
	 * out. Bound to a device the list does not hold, it stays so. */
	j = rt_want(S, "GET", "/v1/devicelist", r.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 1);
	json_decref(j);
	assert_int_equal(dt_bind(S, &r, &x.d2), 1);
	walk_routes(&r);
	/* Binding the claimed, listed device makes that one full. */
	assert_int_equal(dt_bind(S, &claim, &x.d1), 0);
	json_decref(rt_want(S, "GET", "/v1/zones", claim.auth, NULL, 200,
	    NULL));
	rt_refused(S, "DELETE", "/v1/sessions/current", r.auth, NULL, 204,
	    NULL);
	rt_refused(S, "GET", "/v1/account", r.auth, NULL, 401, "unauthorized");
	acct_free(&x);
}

/* ${thief} becomes a card of its own keys under ${victim}'s id, properly
 * self-signed. */
static void
forge(struct dt_device *thief, const struct dt_device *victim)
{
	uint8_t forged[COFFER_DEVICE_CARD_BYTES];

	memcpy(forged, thief->card, sizeof(forged));
	memcpy(forged + 5, victim->id, 16);
	assert_int_equal(coffer_sign(forged + 93,
	    coffer_device_sign_key(thief->d), "coffer/device-card/v1", forged,
	    93), 0);
	memcpy(thief->card, forged, sizeof(forged));
	memcpy(thief->id, victim->id, 16);
	memcpy(thief->hex, victim->hex, sizeof(thief->hex));
}

/* A password thief registers a card of its own under the id of a device
 * that the list is to hold, and binds to it. An add of the genuine card
 * is refused (the added device could never be full: fullness needs the
 * listed and the registered card equal) until a trusted device deletes
 * the thief's registration, which ends the thief's session; then the
 * genuine device registers and is added, and the thief stays out. */
static void
test_card_swap(void **state)
{
	struct acct x;
	struct dt_device thief;
	struct test_account t, n;
	struct coffer_buf *e;
	char path[128];

	(void)state;
	assert_int_equal(test_account_new(S, &x.a), 0);
	dt_device_new(&x.d1);
	dt_device_new(&x.d2);
	dt_device_new(&thief);
	dt_chain_init(&x.c, x.a.id);
	dt_register(S, &x.a, &x.d1);
	assert_int_equal(dt_bind(S, &x.a, &x.d1), 0);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	forge(&thief, &x.d2);
	dt_session(S, x.a.id, NULL, &t);
	dt_register(S, &t, &thief);
	assert_int_equal(dt_bind(S, &t, &thief), 1);
	/* The trusted device's add of the genuine d2: refused. */
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, NULL, 0);
	put_refused(&x.a, e, 2, 400, "invalid_field");
	assert_int_equal(dt_restricted(S, &t), 1);
	walk_routes(&t);
	/* The thief's registration deleted, its session ends with it. */
	snprintf(path, sizeof(path), "/v1/devices/%s", x.d2.hex);
	rt_refused(S, "DELETE", path, x.a.auth, NULL, 204, NULL);
	rt_refused(S, "GET", "/v1/account", t.auth, NULL, 401, "unauthorized");
	dt_session(S, x.a.id, NULL, &n);
	dt_register(S, &n, &x.d2);
	coffer_buf_free(&e);
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, NULL, 1);
	put_ok(&x.a, e, 2);
	coffer_buf_free(&e);
	assert_int_equal(dt_bind(S, &n, &x.d2), 0);
	dt_device_free(&thief);
	acct_free(&x);
}

/* A genesis that lists its device with another card than the one the
 * device registered would leave the account with no full session and no
 * way back: refused. */
static void
test_genesis_card(void **state)
{
	struct acct x;
	struct dt_device other;
	struct coffer_buf *e;

	(void)state;
	acct_new(&x);
	dt_device_new(&other);
	forge(&other, &x.d1);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &other, &other, NULL, 0);
	put_refused(&x.a, e, 1, 400, "invalid_field");
	coffer_buf_free(&e);
	assert_int_equal(dt_restricted(S, &x.a), 0);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	assert_int_equal(dt_restricted(S, &x.a), 0);
	dt_device_free(&other);
	acct_free(&x);
}

static void
test_append_refused(void **state)
{
	struct acct x;
	struct test_account r, other, b2;
	struct dt_device d3;
	struct dt_chain alien;
	struct dt_tweak t;
	struct coffer_buf *e, *g;
	uint8_t fork[32], *p;
	char body[200];
	json_t *j;

	(void)state;
	acct_new(&x);
	dt_device_new(&d3);
	dt_register(S, &x.a, &d3);
	/* A session of no device, and of another device, before the
	 * genesis (both full: there is no list). */
	dt_session(S, x.a.id, NULL, &r);
	dt_session(S, x.a.id, NULL, &b2);
	assert_int_equal(dt_bind(S, &b2, &x.d2), 0);
	g = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 0);
	put_refused(&r, g, 1, 403, "forbidden");
	put_refused(&b2, g, 1, 403, "forbidden");
	/* Not a genesis first; a genesis signed by another key. */
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, NULL, 0);
	put_refused(&x.a, e, 1, 400, "invalid_field");
	coffer_buf_free(&e);
	memset(&t, 0, sizeof(t));
	dt_chain_init(&alien, x.a.id);
	t.signer = alien.acct;
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, &t, 0);
	put_refused(&x.a, e, 1, 400, "invalid_field");
	coffer_buf_free(&e);
	/* Another account's entry. */
	assert_int_equal(test_account_new(S, &other), 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(wire_id_decode(other.id, 32, fork, 16), 0);
	t.account = fork;
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, &t, 0);
	put_refused(&x.a, e, 1, 400, "invalid_field");
	coffer_buf_free(&e);
	put_ok(&x.a, g, 1);
	coffer_buf_free(&g);
	g = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	/* Replayed: the same entry again. */
	put_refused(&x.a, g, 1, 409, "conflict");
	coffer_buf_free(&g);
	/* A skipped seq; a seq other than the path's. */
	memset(&t, 0, sizeof(t));
	t.seq = 3;
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, &t, 0);
	put_refused(&x.a, e, 3, 409, "conflict");
	put_refused(&x.a, e, 2, 400, "invalid_field");
	coffer_buf_free(&e);
	/* A fork: seq 2 after another entry 1. */
	memset(&t, 0, sizeof(t));
	memset(fork, 0x5a, sizeof(fork));
	t.prev = fork;
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, &t, 0);
	put_refused(&x.a, e, 2, 400, "invalid_field");
	coffer_buf_free(&e);
	/* Signed by another key than the head's. */
	memset(&t, 0, sizeof(t));
	t.signer = alien.acct;
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, &t, 0);
	put_refused(&x.a, e, 2, 400, "invalid_field");
	coffer_buf_free(&e);
	/* A device the list does not hold making itself a member: its
	 * session is restricted now (the chain rule would refuse it too). */
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d2, &x.d2, NULL, 0);
	put_refused(&b2, e, 2, 403, "forbidden");
	coffer_buf_free(&e);
	/* A good entry by d1, from a session of another device. */
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, NULL, 0);
	put_refused(&b2, e, 2, 403, "forbidden");
	/* From a restricted session: the route is for full ones. */
	put_refused(&r, e, 2, 403, "forbidden");
	/* Malformed, truncated, trailing, oversized, not JSON. */
	p = coffer_buf_mutable(e);
	p[0] ^= 1;
	put_refused(&x.a, e, 2, 400, "invalid_field");
	p[0] ^= 1;
	p[coffer_buf_len(e) - 1] ^= 1;	/* the signature */
	put_refused(&x.a, e, 2, 400, "invalid_field");
	p[coffer_buf_len(e) - 1] ^= 1;
	coffer_buf_truncate(e, coffer_buf_len(e) - 1);
	put_refused(&x.a, e, 2, 400, "invalid_field");
	coffer_buf_free(&e);
	rt_refused(S, "PUT", "/v1/devicelist/2", x.a.auth, "{}", 400,
	    "missing_field");
	rt_refused(S, "PUT", "/v1/devicelist/2", x.a.auth, "{\"entry\":\"\"}",
	    400, "invalid_field");
	rt_refused(S, "PUT", "/v1/devicelist/2", x.a.auth, "{\"entry\":7}",
	    400, "invalid_field");
	rt_refused(S, "PUT", "/v1/devicelist/2", x.a.auth,
	    "{\"entry\":\"Q0ZETA\",\"x\":1}", 400, "invalid_field");
	rt_refused(S, "PUT", "/v1/devicelist/2", x.a.auth, "[", 400,
	    "malformed_json");
	rt_refused(S, "PUT", "/v1/devicelist/0", x.a.auth,
	    "{\"entry\":\"Q0ZETA\"}", 400, "invalid_field");
	rt_refused(S, "PUT", "/v1/devicelist/x", x.a.auth,
	    "{\"entry\":\"Q0ZETA\"}", 400, "invalid_id");
	{
		/* An entry one byte over the cap: 413 from the field. */
		size_t n = (COFFER_WIRE_DEVLIST_ENTRY_MAX + 1 + 2) / 3 * 4 + 32;
		char *big = malloc(n);

		assert_non_null(big);
		memcpy(big, "{\"entry\":\"", 10);
		size_t k = (COFFER_WIRE_DEVLIST_ENTRY_MAX + 1) * 4 / 3 + 1;

		memset(big + 10, 'A', k);
		memcpy(big + 10 + k, "\"}", 3);
		rt_refused(S, "PUT", "/v1/devicelist/2", x.a.auth, big, 413,
		    "body_too_large");
		free(big);
	}
	snprintf(body, sizeof(body), "{\"entry\":\"AA\"}");
	rt_unauthorized(S, &Bad, "PUT", "/v1/devicelist/2", body);
	rt_unauthorized(S, &Bad, "GET", "/v1/devicelist", NULL);
	/* Queries: a bad since, an unknown parameter. */
	rt_refused(S, "GET", "/v1/devicelist?since=-1", x.a.auth, NULL, 400,
	    "invalid_parameter");
	rt_refused(S, "GET", "/v1/devicelist?from=1", x.a.auth, NULL, 400,
	    "invalid_parameter");
	rt_refused(S, "GET", "/v1/devicelist", x.a.auth, "{}", 413,
	    "body_too_large");
	/* Nothing of it was stored. */
	j = rt_want(S, "GET", "/v1/devicelist", x.a.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 1);
	assert_int_equal(rt_int(j, "head"), 1);
	json_decref(j);
	dt_chain_free(&alien);
	dt_device_free(&d3);
	acct_free(&x);
}

/* Add, rename, remove through the routes; paging the list. */
static void
test_chain(void **state)
{
	struct acct x;
	struct test_account s2, s2b;
	struct dt_device d3;
	struct coffer_buf *e;
	char path[128];
	size_t n, i;
	json_t *j;

	(void)state;
	acct_new(&x);
	dt_device_new(&d3);
	dt_session(S, x.a.id, NULL, &s2);
	dt_session(S, x.a.id, NULL, &s2b);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	/* d2 signs in, binds: restricted until added, then full at once. */
	assert_int_equal(dt_bind(S, &s2, &x.d2), 1);
	assert_int_equal(dt_bind(S, &s2b, &x.d2), 1);
	assert_int_equal(dt_restricted(S, &s2), 1);
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, NULL, 1);
	put_ok(&x.a, e, 2);
	coffer_buf_free(&e);
	assert_int_equal(dt_restricted(S, &s2), 0);
	json_decref(rt_want(S, "GET", "/v1/zones", s2.auth, NULL, 200, NULL));
	/* A full session of d2 does not append what d1 made. */
	e = dt_entry(&x.c, DEVLIST_RENAME, &x.d1, &x.d1, NULL, 0);
	put_refused(&s2, e, 3, 403, "forbidden");
	coffer_buf_free(&e);
	/* d2 renames; d2 adds d3 (registered later by d3's own session). */
	e = dt_entry(&x.c, DEVLIST_RENAME, &x.d2, &x.d2, NULL, 1);
	put_ok(&s2, e, 3);
	coffer_buf_free(&e);
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d2, &d3, NULL, 1);
	put_ok(&s2, e, 4);
	coffer_buf_free(&e);
	/* A pairing d2 holds open, to see it go with it. */
	snprintf(path, sizeof(path), "{\"pairing\":\"%032d\",\"device\":\"%s\"}",
	    5, x.d2.hex);
	json_decref(rt_want(S, "POST", "/v1/pairings", s2.auth, path, 201,
	    NULL));
	/* d1 removes d2: both of d2's sessions end at once. */
	e = dt_entry(&x.c, DEVLIST_REMOVE, &x.d1, &x.d2, NULL, 1);
	put_ok(&x.a, e, 5);
	coffer_buf_free(&e);
	rt_refused(S, "GET", "/v1/account", s2.auth, NULL, 401,
	    "unauthorized");
	rt_refused(S, "GET", "/v1/devicelist", s2b.auth, NULL, 401,
	    "unauthorized");
	snprintf(path, sizeof(path), "/v1/devices/%s", x.d2.hex);
	rt_refused(S, "GET", path, x.a.auth, NULL, 404, "no_such_object");
	j = rt_want(S, "GET", "/v1/pairings", x.a.auth, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "pairings")), 0);
	json_decref(j);
	/* The list as stored, paged from any point. */
	j = rt_want(S, "GET", "/v1/devicelist?since=0", x.a.auth, NULL, 200,
	    NULL);
	n = json_array_size(json_object_get(j, "entries"));
	assert_int_equal(n, 5);
	assert_int_equal(rt_int(j, "head"), 5);
	assert_true(json_is_false(json_object_get(j, "more")));
	for (i = 0; i < n; i++) {
		struct devlist_entry pe;
		size_t len;
		char *raw = rt_unb64(json_string_value(json_array_get(
		    json_object_get(j, "entries"), i)), &len);

		assert_int_equal(devlist_parse(&pe, (uint8_t *)raw, len), 0);
		assert_int_equal(pe.seq, i + 1);
		devlist_entry_cleanup(&pe);
		free(raw);
	}
	json_decref(j);
	j = rt_want(S, "GET", "/v1/devicelist?since=3", x.a.auth, NULL, 200,
	    NULL);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 2);
	json_decref(j);
	/* A since past the head: no entries, and the head. */
	j = rt_want(S, "GET", "/v1/devicelist?since=9", x.a.auth, NULL, 200,
	    NULL);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
	assert_int_equal(rt_int(j, "head"), 5);
	json_decref(j);
	dt_device_free(&d3);
	acct_free(&x);
}

/* PUT /v1/devices/{id} of ${v}'s card with ${a}'s session: refused with
 * ${status} and ${code}. */
static void
register_refused(const struct test_account *a, const struct dt_device *v,
    long status, const char *code)
{
	char path[128], body[COFFER_DEVICE_CARD_BYTES * 2 + 64];
	char *b64 = rt_b64(v->card, sizeof(v->card));

	snprintf(body, sizeof(body), "{\"card\":\"%s\"}", b64);
	free(b64);
	snprintf(path, sizeof(path), "/v1/devices/%s", v->hex);
	rt_refused(S, "PUT", path, a->auth, body, status, code);
}

/* With a list, a restricted session registers one device, its own: the
 * session then names it, so that a trusted device's delete of the
 * registration ends the session that made it. A password alone still
 * registers at most COFFER_WIRE_DEVICES_PENDING_MAX devices the list
 * does not hold, one per sign-in. A listed device is not deleted but by
 * a remove entry, so the list and the registrations never disagree. */
static void
test_pending(void **state)
{
	struct dt_device v[COFFER_WIRE_DEVICES_PENDING_MAX + 1];
	struct test_account r[COFFER_WIRE_DEVICES_PENDING_MAX + 1], claim;
	struct acct x;
	struct coffer_buf *e;
	char path[128];
	json_t *j;
	size_t i;

	(void)state;
	acct_new(&x);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	for (i = 0; i < COFFER_WIRE_DEVICES_PENDING_MAX + 1; i++) {
		dt_device_new(&v[i]);
		dt_session(S, x.a.id, NULL, &r[i]);
	}
	/* One registration per restricted session; the same again is the
	 * idempotent 200; a second device is 403. */
	dt_register(S, &r[0], &v[0]);
	dt_register(S, &r[0], &v[0]);
	j = rt_want(S, "GET", "/v1/account", r[0].auth, NULL, 200, NULL);
	assert_null(json_object_get(j, "device"));	/* named, not bound */
	json_decref(j);
	register_refused(&r[0], &v[1], 403, "forbidden");
	/* A session that named a device at sign-in registers none. */
	dt_session(S, x.a.id, &x.d2, &claim);
	register_refused(&claim, &v[1], 403, "forbidden");
	snprintf(path, sizeof(path), "/v1/devices/%s", v[1].hex);
	rt_refused(S, "GET", path, x.a.auth, NULL, 404, "no_such_object");
	/* d2 (registered by acct_new) and v[0] are pending: 8 more fit. */
	for (i = 1; i + 1 < COFFER_WIRE_DEVICES_PENDING_MAX; i++)
		dt_register(S, &r[i], &v[i]);
	register_refused(&r[i], &v[i], 507, "quota_exceeded");
	snprintf(path, sizeof(path), "/v1/devices/%.32s", v[i].hex);
	rt_refused(S, "GET", path, x.a.auth, NULL, 404, "no_such_object");
	/* The restricted session may not clear them; the trusted one can,
	 * and that ends the session that made the registration. */
	snprintf(path, sizeof(path), "/v1/devices/%s", v[0].hex);
	rt_refused(S, "DELETE", path, r[1].auth, NULL, 403, "forbidden");
	rt_refused(S, "DELETE", path, x.a.auth, NULL, 204, NULL);
	rt_refused(S, "GET", "/v1/account", r[0].auth, NULL, 401,
	    "unauthorized");
	register_refused(&r[0], &v[0], 401, "unauthorized");
	/* A new sign-in registers again (THREATS.md §2). */
	dt_register(S, &r[i], &v[i]);
	/* The listed device stays, and stays full. */
	snprintf(path, sizeof(path), "/v1/devices/%s", x.d1.hex);
	rt_refused(S, "DELETE", path, x.a.auth, NULL, 409, "conflict");
	json_decref(rt_want(S, "GET", path, x.a.auth, NULL, 200, NULL));
	assert_int_equal(dt_restricted(S, &x.a), 0);
	assert_int_equal(dt_head(S, &x.a), 1);
	for (i = 0; i < COFFER_WIRE_DEVICES_PENDING_MAX + 1; i++)
		dt_device_free(&v[i]);
	acct_free(&x);
}

/* An entry signed by the account key of an epoch a removal ended. */
static void
test_old_epoch(void **state)
{
	struct acct x;
	struct dt_device d3;
	struct dt_tweak t;
	struct coffer_buf *e;

	(void)state;
	acct_new(&x);
	dt_device_new(&d3);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, NULL, 1);
	put_ok(&x.a, e, 2);
	coffer_buf_free(&e);
	e = dt_entry(&x.c, DEVLIST_REMOVE, &x.d1, &x.d2, NULL, 1);
	put_ok(&x.a, e, 3);
	coffer_buf_free(&e);
	/* Epoch 1's key, which the removed device still holds. */
	memset(&t, 0, sizeof(t));
	t.signer = x.c.old;
	dt_register(S, &x.a, &d3);
	e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &d3, &t, 0);
	put_refused(&x.a, e, 4, 400, "invalid_field");
	coffer_buf_free(&e);
	dt_device_free(&d3);
	acct_free(&x);
}

/* Two appends of the same seq at once: one is stored, the other gets
 * 409 with the head. */
struct racer {
	const struct test_account	*a;
	struct coffer_buf		*e;
	long				 status;
	long long			 head;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	json_t *j = dt_put(S, r->a, 2, r->e, &r->status);

	r->head = rt_int(j, "head");
	json_decref(j);
	return NULL;
}

static void
test_race(void **state)
{
	struct acct x;
	struct test_account b;
	struct dt_device d3;
	struct racer rr[2];
	pthread_t th[2];
	struct coffer_buf *e;
	int round, i;

	(void)state;
	for (round = 0; round < 5; round++) {
		acct_new(&x);
		dt_device_new(&d3);
		dt_register(S, &x.a, &d3);
		dt_session(S, x.a.id, NULL, &b);
		assert_int_equal(dt_bind(S, &b, &x.d1), 0);
		e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
		put_ok(&x.a, e, 1);
		coffer_buf_free(&e);
		rr[0].a = &x.a;
		rr[0].e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &x.d2, NULL, 0);
		rr[1].a = &b;
		rr[1].e = dt_entry(&x.c, DEVLIST_ADD, &x.d1, &d3, NULL, 0);
		for (i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&th[i], NULL, race,
			    &rr[i]), 0);
		for (i = 0; i < 2; i++)
			assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true((rr[0].status == 201 && rr[1].status == 409) ||
		    (rr[0].status == 409 && rr[1].status == 201));
		assert_int_equal(rr[0].head, 2);
		assert_int_equal(rr[1].head, 2);
		assert_int_equal(dt_head(S, &x.a), 2);
		for (i = 0; i < 2; i++)
			coffer_buf_free(&rr[i].e);
		dt_device_free(&d3);
		acct_free(&x);
	}
}

/* A password thief signs in again and again: its restricted sessions
 * push out only each other, the oldest beyond
 * STORE_SESSIONS_RESTRICTED_MAX, at once (the session cache forgets
 * them), never the trusted device's full session. */
static void
test_evict(void **state)
{
	struct test_account r0, r;
	struct coffer_buf *e;
	struct acct x;
	int i;

	(void)state;
	acct_new(&x);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	dt_session(S, x.a.id, NULL, &r0);
	assert_int_equal(dt_restricted(S, &r0), 1);	/* now cached */
	sleep(1);	/* r0 is the least recently used, to the second */
	for (i = 0; i < STORE_SESSIONS_RESTRICTED_MAX; i++)
		dt_session(S, x.a.id, NULL, &r);
	rt_refused(S, "GET", "/v1/account", r0.auth, NULL, 401,
	    "unauthorized");
	for (i = 0; i < STORE_SESSIONS_MAX; i++)
		dt_session(S, x.a.id, NULL, &r);
	assert_int_equal(dt_restricted(S, &x.a), 0);
	json_decref(rt_want(S, "GET", "/v1/zones", x.a.auth, NULL, 200, NULL));
	assert_int_equal(dt_restricted(S, &r), 1);
	acct_free(&x);
}

/* A session used after a while records its use, so that eviction takes
 * the least recently used. */
struct touch_arg {
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	char		auth[96];
	uint8_t		hash[STORE_TOKEN_HASH_BYTES];
	int64_t		last_used;
};

static void
touch_make(struct store *st, void *arg)
{
	struct touch_arg *t = arg;
	char token[SRV_TOKEN_LEN + 1];

	assert_int_equal(srv_session_new(st, NULL, t->account, NULL,
	    (int64_t)time(NULL) - 3600, 7200, NULL, token), 0);
	store_token_hash(t->hash, (const uint8_t *)token, SRV_TOKEN_LEN);
	snprintf(t->auth, sizeof(t->auth), "Authorization: Bearer %s", token);
}

static void
touch_read(struct store *st, void *arg)
{
	struct touch_arg *t = arg;
	struct store_session s;

	assert_int_equal(st->meta->ops->session_lookup(st->meta, t->hash,
	    (int64_t)time(NULL), &s), 0);
	t->last_used = s.last_used;
}

static void
test_touch(void **state)
{
	struct test_account a;
	struct touch_arg t;
	int64_t before = (int64_t)time(NULL);

	(void)state;
	assert_int_equal(test_account_new(S, &a), 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(wire_id_decode(a.id, 32, t.account,
	    sizeof(t.account)), 0);
	rt_offline(S, touch_make, &t);
	rt_offline(S, touch_read, &t);
	assert_true(t.last_used < before - 3000);
	json_decref(rt_want(S, "GET", "/v1/account", t.auth, NULL, 200, NULL));
	rt_offline(S, touch_read, &t);
	assert_true(t.last_used >= before);
}

/* A rename by d1 listing 100 devices (the chain's and ${more}), as ${t}
 * says: what an outsider makes its own account's server check. */
static struct coffer_buf *
big_entry(const struct acct *x, const struct dt_device *more,
    const struct dt_tweak *t)
{
	static struct dt_chain c;
	size_t i;

	c = x->c;
	for (i = 0; c.n < DEVLIST_DEVICES_MAX; i++)
		dc_listed(&c.devs[c.n++], more[i].d, 1, x->d1.d, 1700000001);
	return dt_entry(&c, DEVLIST_RENAME, &x->d1, &x->d1, t, 0);
}

/* ${e} with the byte at ${off} flipped, then signed again by ${signer}
 * (NULL: not). */
static struct coffer_buf *
flipped(struct coffer_buf *e, size_t off, const struct coffer_key *signer)
{
	size_t len = coffer_buf_len(e);
	struct coffer_buf *b = coffer_buf_new(len);
	uint8_t *p;

	assert_non_null(b);
	assert_int_equal(coffer_buf_extend(b, len, &p), 0);
	memcpy(p, coffer_buf_data(e), len);
	p[off] ^= 1;
	if (signer != NULL)
		dc_resign(p, len, signer);
	coffer_buf_free(&e);
	return b;
}

/* PUT ${e} at ${seq} with ${a}'s session: 429 rate_limited with a
 * Retry-After. */
static void
put_limited(const struct test_account *a, const struct coffer_buf *e,
    uint64_t seq)
{
	const char *hdr[] = { a->auth, "Content-Type: application/json",
	    NULL };
	struct http_opts o;
	struct http_resp r;
	char path[64], *body = dt_put_body(e, seq, path), h[20];

	memset(&o, 0, sizeof(o));
	o.method = "PUT";
	o.url = srv_url(S, path);
	o.headers = hdr;
	o.body = body;
	o.len = strlen(body);
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 429);
	assert_true(http_is_error(r.body, "rate_limited"));
	assert_non_null(http_resp_header(&r, "Retry-After", h, sizeof(h)));
	assert_true(atoi(h) > 0);
	http_resp_free(&r);
	free(body);
}

/* The message of a refused append of ${e} at ${seq} contains ${what}. */
static void
put_says(const struct test_account *a, const struct coffer_buf *e,
    uint64_t seq, const char *what)
{
	long st = 0;
	json_t *j = dt_put(S, a, seq, e, &st);

	if (st != 400 || strstr(rt_str(j, "message"), what) == NULL)
		print_error("append %llu: %ld %s\n", (unsigned long long)seq,
		    st, rt_str(j, "message"));
	assert_int_equal(st, 400);
	assert_non_null(strstr(rt_str(j, "message"), what));
	json_decref(j);
}

/* A refused append costs no more than it must: the header's fields and
 * the head's seq are checked before any signature, the entry's signature
 * before any card; and an account whose appends keep being refused gets
 * 429 for the rest of the window. */
static void
test_refused_cheap(void **state)
{
	static struct dt_device more[DEVLIST_DEVICES_MAX];
	struct acct x, y;
	struct dt_chain alien;
	struct dt_tweak t;
	struct coffer_buf *e, *bad;
	int i;

	(void)state;
	acct_new(&x);
	for (i = 0; i < DEVLIST_DEVICES_MAX - 1; i++)
		dt_device_new(&more[i]);
	e = dt_entry(&x.c, DEVLIST_GENESIS, &x.d1, &x.d1, NULL, 1);
	put_ok(&x.a, e, 1);
	coffer_buf_free(&e);
	/* A card whose self-signature fails (a byte of the first card's
	 * signature), in an entry the account key signs. */
	bad = flipped(big_entry(&x, more, NULL), 172 + 100, x.c.acct);
	put_says(&x.a, bad, 2, "self-signature");
	/* The same not signed by the account key: that is what is said. */
	bad = flipped(bad, 172 + 101, NULL);
	put_says(&x.a, bad, 2, "not signed by the account key");
	coffer_buf_free(&bad);
	/* At a seq that is not next: 409 whatever its cards. */
	memset(&t, 0, sizeof(t));
	t.seq = 5;
	bad = flipped(big_entry(&x, more, &t), 172 + 100, NULL);
	put_refused(&x.a, bad, 5, 409, "conflict");
	coffer_buf_free(&bad);
	/* Signed by another key. */
	dt_chain_init(&alien, x.a.id);
	memset(&t, 0, sizeof(t));
	t.signer = alien.acct;
	bad = big_entry(&x, more, &t);
	put_says(&x.a, bad, 2, "not signed by the account key");
	/* Refused appends of one account, up to SRV_DEVLIST_REFUSED_MAX in
	 * the window (four so far): then 429, a good entry too. */
	for (i = 4; i < SRV_DEVLIST_REFUSED_MAX; i++)
		put_refused(&x.a, bad, 2, 400, "invalid_field");
	put_limited(&x.a, bad, 2);
	e = dt_entry(&x.c, DEVLIST_RENAME, &x.d1, &x.d1, NULL, 0);
	put_limited(&x.a, e, 2);
	assert_int_equal(dt_head(S, &x.a), 1);
	/* Another account is not limited. */
	acct_new(&y);
	coffer_buf_free(&e);
	e = dt_entry(&y.c, DEVLIST_GENESIS, &y.d1, &y.d1, NULL, 1);
	put_ok(&y.a, e, 1);
	coffer_buf_free(&e);
	coffer_buf_free(&bad);
	dt_chain_free(&alien);
	for (i = 0; i < DEVLIST_DEVICES_MAX - 1; i++)
		dt_device_free(&more[i]);
	acct_free(&y);
	acct_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_list),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_restricted),
		cmocka_unit_test(test_card_swap),
		cmocka_unit_test(test_genesis_card),
		cmocka_unit_test(test_append_refused),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_old_epoch),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_touch),
		cmocka_unit_test(test_refused_cheap),
	};

	if (sodium_init() < 0)
		return 1;
	return RT_RUN_GROUP("devicelist", tests, &group);
}
