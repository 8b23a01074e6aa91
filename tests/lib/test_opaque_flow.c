/* OPAQUE-3DH through the public API (include/coffer/opaque.h): round
 * trips, wrong passwords, tampering, unknown users, the server's data
 * alone, the state machine, saved setups and states, agreement on
 * parameters and identities, invalid arguments. The vectors are in
 * test_opaque.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/opaque.h>

#include "auth/oprf.h"

/* The cheap Argon2id profile of the tests. */
#define TEST_M	64
static const struct coffer_opaque_params cheap = { 1, TEST_M };

/* The public API. */

struct login {
	uint8_t	ke1[96], ke2[320], ke3[64];
	uint8_t	key_c[64], key_s[64], export_c[64];
	int	client_r, server_r;
};

static void
reg(const struct coffer_opaque_server_setup *s, const char *pw,
    const char *cred, const struct coffer_opaque_params *p,
    const struct coffer_opaque_ids *ids, uint8_t rec[192], uint8_t ek[64])
{
	struct coffer_opaque_client *c = NULL;
	uint8_t req[32], resp[64];

	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)pw, strlen(pw)), 0);
	assert_int_equal(coffer_opaque_server_register(s, resp, req,
	    sizeof(req), (const uint8_t *)cred, strlen(cred)), 0);
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, ek,
	    resp, sizeof(resp), p, ids), 0);
	assert_int_equal(coffer_opaque_server_record_check(rec, 192), 0);
	coffer_opaque_client_free(&c);
	assert_null(c);
}

/* A login; ke2_flip >= 0 flips that byte of KE2 on the way. The server
 * finishes only when the client did. */
static void
login(struct login *l, const struct coffer_opaque_server_setup *s,
    const uint8_t *rec, const char *pw, const char *cred,
    const struct coffer_opaque_params *pc,
    const struct coffer_opaque_params *ps,
    const struct coffer_opaque_ids *idc, const struct coffer_opaque_ids *ids,
    int ke2_flip)
{
	struct coffer_opaque_client *c = NULL;
	struct coffer_opaque_server *sv = NULL;

	memset(l, 0xee, sizeof(*l));
	assert_int_equal(coffer_opaque_client_login_start(&c, l->ke1,
	    (const uint8_t *)pw, strlen(pw)), 0);
	assert_int_equal(coffer_opaque_server_login_start(&sv, l->ke2, s, rec,
	    rec == NULL ? 0 : 192, (const uint8_t *)cred, strlen(cred),
	    l->ke1, 96, ps, ids), 0);
	if (ke2_flip >= 0)
		l->ke2[ke2_flip] ^= 0x01;
	l->client_r = coffer_opaque_client_login_finish(c, l->ke3, l->key_c,
	    l->export_c, l->ke2, 320, pc, idc);
	l->server_r = 1;
	if (l->client_r == 0)
		l->server_r = coffer_opaque_server_login_finish(sv, l->key_s,
		    l->ke3, 64);
	coffer_opaque_server_free(&sv);
	coffer_opaque_client_free(&c);
}

static int
is_sentinel(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0xee)
			return 0;
	return 1;
}

static void
test_roundtrip(void **state)
{
	static const struct coffer_opaque_ids ids = {
		(const uint8_t *)"alice", 5, (const uint8_t *)"coffer.test", 11,
	};
	struct coffer_opaque_server_setup *s = NULL;
	uint8_t rec[192], ek[64];
	struct login l;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "hunter2", "account-1", &cheap, NULL, rec, ek);
	login(&l, s, rec, "hunter2", "account-1", &cheap, &cheap, NULL, NULL,
	    -1);
	assert_int_equal(l.client_r, 0);
	assert_int_equal(l.server_r, 0);
	assert_memory_equal(l.key_c, l.key_s, 64);
	assert_memory_equal(l.export_c, ek, 64);

	reg(s, "hunter2", "account-2", &cheap, &ids, rec, ek);
	login(&l, s, rec, "hunter2", "account-2", &cheap, &cheap, &ids, &ids,
	    -1);
	assert_int_equal(l.client_r, 0);
	assert_int_equal(l.server_r, 0);
	assert_memory_equal(l.key_c, l.key_s, 64);
	assert_memory_equal(l.export_c, ek, 64);
	coffer_opaque_server_setup_free(&s);
	assert_null(s);
}

/* The production profile, once, end to end. */
static void
test_default_profile(void **state)
{
	struct coffer_opaque_server_setup *s = NULL;
	uint8_t rec[192], ek[64];
	struct login l;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "pass phrase", "acct", NULL, NULL, rec, ek);
	login(&l, s, rec, "pass phrase", "acct", NULL, NULL, NULL, NULL, -1);
	assert_int_equal(l.client_r, 0);
	assert_int_equal(l.server_r, 0);
	assert_memory_equal(l.key_c, l.key_s, 64);
	/* The cheap profile is another context: no login across them. */
	login(&l, s, rec, "pass phrase", "acct", &cheap, NULL, NULL, NULL, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	coffer_opaque_server_setup_free(&s);
}

static void
test_wrong_password(void **state)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_client *c = NULL;
	uint8_t rec[192], ek[64], ke1[96], ke2[320], ke3[64], key[64];
	struct login l;
	int i;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "right", "acct", &cheap, NULL, rec, ek);
	login(&l, s, rec, "wrong", "acct", &cheap, &cheap, NULL, NULL, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	assert_true(is_sentinel(l.ke3, 64));	/* nothing to send */
	assert_true(is_sentinel(l.key_c, 64));
	assert_true(is_sentinel(l.export_c, 64));
	/* Whatever such a client sends, the server refuses. */
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"wrong", 5), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s,
		    rec, 192, (const uint8_t *)"acct", 4, ke1, 96, &cheap,
		    NULL), 0);
		if (i == 0)
			memset(ke3, 0, 64);
		else
			randombytes_buf(ke3, 64);
		memset(key, 0xee, 64);
		assert_int_equal(coffer_opaque_server_login_finish(sv, key,
		    ke3, 64), COFFER_ERR_AUTH);
		assert_true(is_sentinel(key, 64));
		coffer_opaque_server_free(&sv);
	}
	coffer_opaque_client_free(&c);
	coffer_opaque_server_setup_free(&s);
}

/* Every byte of KE2 matters to the client; every byte of KE3 to the
 * server (whose state goes through save and load for each try). */
static void
test_tampering(void **state)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_client *c = NULL;
	uint8_t rec[192], ek[64], ke1[96], ke2[320], ke3[64], key[64], ek2[64];
	uint8_t saved[COFFER_OPAQUE_SERVER_STATE_BYTES], bad[64];
	struct login l;
	int i;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "pw", "acct", &cheap, NULL, rec, ek);
	for (i = 0; i < 320; i++) {
		login(&l, s, rec, "pw", "acct", &cheap, &cheap, NULL, NULL, i);
		assert_true(l.client_r == COFFER_ERR_AUTH ||
		    l.client_r == COFFER_ERR_FORMAT);
	}
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"pw", 2), 0);
	assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s, rec, 192,
	    (const uint8_t *)"acct", 4, ke1, 96, &cheap, NULL), 0);
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, key, ek2,
	    ke2, 320, &cheap, NULL), 0);
	assert_int_equal(coffer_opaque_server_state_save(sv, saved), 0);
	coffer_opaque_server_free(&sv);
	for (i = 0; i < 64 * 8; i++) {
		memcpy(bad, ke3, 64);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(coffer_opaque_server_state_load(&sv, saved,
		    sizeof(saved)), 0);
		assert_int_equal(coffer_opaque_server_login_finish(sv, ek2,
		    bad, 64), COFFER_ERR_AUTH);
		coffer_opaque_server_free(&sv);
	}
	assert_int_equal(coffer_opaque_server_state_load(&sv, saved,
	    sizeof(saved)), 0);
	assert_int_equal(coffer_opaque_server_login_finish(sv, ek2, ke3, 64),
	    0);
	assert_memory_equal(ek2, key, 64);
	coffer_opaque_server_free(&sv);
	coffer_opaque_client_free(&c);

	/* A damaged stored record: refused, or a failed login. */
	for (i = 0; i < 192; i += 7) {
		rec[i] ^= 0x04;
		if (coffer_opaque_server_record_check(rec, 192) == 0) {
			login(&l, s, rec, "pw", "acct", &cheap, &cheap, NULL,
			    NULL, -1);
			assert_int_equal(l.client_r, COFFER_ERR_AUTH);
		} else
			assert_true(i < 32);
		rec[i] ^= 0x04;
	}
	coffer_opaque_server_setup_free(&s);
}

/* RFC 9807 section 10.9: an unknown identifier gets a KE2 of the same
 * size and shape, evaluated as consistently as a real one, that no
 * password finishes. */
static void
test_unknown_user(void **state)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_client *c = NULL;
	uint8_t rec[192], ek[64], ke1[96], a[320], b[320], d[320], ke3[64];
	uint8_t saved[COFFER_OPAQUE_SERVER_STATE_BYTES], key[64];
	struct login l;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "pw", "known", &cheap, NULL, rec, ek);
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"pw", 2), 0);
	assert_int_equal(coffer_opaque_server_login_start(&sv, a, s, NULL, 0,
	    (const uint8_t *)"ghost", 5, ke1, 96, &cheap, NULL), 0);
	coffer_opaque_server_free(&sv);
	assert_int_equal(coffer_opaque_server_login_start(&sv, b, s, NULL, 0,
	    (const uint8_t *)"ghost", 5, ke1, 96, &cheap, NULL), 0);
	assert_int_equal(coffer_opaque_server_state_save(sv, saved), 0);
	coffer_opaque_server_free(&sv);
	assert_int_equal(coffer_opaque_server_login_start(&sv, d, s, rec, 192,
	    (const uint8_t *)"known", 5, ke1, 96, &cheap, NULL), 0);
	coffer_opaque_server_free(&sv);
	/* Same layout: valid elements where a real KE2 has them; the
	 * evaluation is a function of the identifier, the rest fresh. */
	assert_int_equal(oprf_element_check(a), 0);
	assert_int_equal(oprf_element_check(a + 224), 0);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, d, 32);
	assert_memory_not_equal(a + 32, b + 32, 288);
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, key, ek, b,
	    320, &cheap, NULL), COFFER_ERR_AUTH);
	coffer_opaque_client_free(&c);
	/* No KE3 finishes a fake login, even the one made for it. */
	assert_int_equal(coffer_opaque_server_state_load(&sv, saved,
	    sizeof(saved)), 0);
	memset(ke3, 0, 64);
	assert_int_equal(coffer_opaque_server_login_finish(sv, key, ke3, 64),
	    COFFER_ERR_AUTH);
	coffer_opaque_server_free(&sv);
	/* Another unknown identifier, another evaluation key. */
	assert_int_equal(coffer_opaque_server_login_start(&sv, d, s, NULL, 0,
	    (const uint8_t *)"ghost2", 6, ke1, 96, &cheap, NULL), 0);
	assert_memory_not_equal(a, d, 32);
	coffer_opaque_server_free(&sv);
	login(&l, s, NULL, "pw", "known", &cheap, &cheap, NULL, NULL, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	coffer_opaque_server_setup_free(&s);
}

static void
test_records_differ(void **state)
{
	struct coffer_opaque_server_setup *s = NULL;
	uint8_t r1[192], r2[192], e1[64], e2[64];

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "same", "acct", &cheap, NULL, r1, e1);
	reg(s, "same", "acct", &cheap, NULL, r2, e2);
	assert_memory_not_equal(r1, r2, 32);		/* client key */
	assert_memory_not_equal(r1 + 96, r2 + 96, 96);	/* envelope */
	assert_memory_not_equal(e1, e2, 64);
	coffer_opaque_server_setup_free(&s);
}

/* Everything the server holds (setup, record, identifier) logs nobody in
 * without the password: not guesses through the real client, not KE3
 * values forged from the record's keys. The same steps with the password
 * succeed, so the failures are the password's doing. */
static void
test_server_data_alone(void **state)
{
	static const char *guesses[] = {
		"acct", "password", "right ", "Right",
	};
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_client *c = NULL;
	crypto_auth_hmacsha512_state h;
	uint8_t rec[192], ek[64], ke1[96], ke2[320], ke3[64], key[64];
	uint8_t rwd[64];
	struct login l;
	size_t i;
	int k;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "right", "acct", &cheap, NULL, rec, ek);
	for (i = 0; i < sizeof(guesses) / sizeof(guesses[0]); i++) {
		login(&l, s, rec, guesses[i], "acct", &cheap, &cheap, NULL,
		    NULL, -1);
		assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	}
	/* Forged KE3s: the masking key, the envelope tag, a MAC keyed with
	 * the masking key over KE2, and a randomized password guessed as the
	 * OPRF output of nothing. */
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"guess", 5), 0);
	for (k = 0; k < 4; k++) {
		assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s,
		    rec, 192, (const uint8_t *)"acct", 4, ke1, 96, &cheap,
		    NULL), 0);
		switch (k) {
		case 0:
			memcpy(ke3, rec + 32, 64);
			break;
		case 1:
			memcpy(ke3, rec + 128, 64);
			break;
		case 2:
			crypto_auth_hmacsha512_init(&h, rec + 32, 64);
			crypto_auth_hmacsha512_update(&h, ke2, 320);
			crypto_auth_hmacsha512_final(&h, ke3);
			break;
		default:
			memset(rwd, 0, sizeof(rwd));
			crypto_auth_hmacsha512_init(&h, rwd, 64);
			crypto_auth_hmacsha512_update(&h, ke2, 320);
			crypto_auth_hmacsha512_final(&h, ke3);
			break;
		}
		assert_int_equal(coffer_opaque_server_login_finish(sv, key,
		    ke3, 64), COFFER_ERR_AUTH);
		coffer_opaque_server_free(&sv);
	}
	coffer_opaque_client_free(&c);
	login(&l, s, rec, "right", "acct", &cheap, &cheap, NULL, NULL, -1);
	assert_int_equal(l.client_r, 0);
	assert_int_equal(l.server_r, 0);
	coffer_opaque_server_setup_free(&s);
}

static void
test_state_machine(void **state)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_client *c = NULL;
	uint8_t rec[192], ek[64], ke1[96], ke2[320], ke3[64], key[64];
	uint8_t saved[COFFER_OPAQUE_SERVER_STATE_BYTES];

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "pw", "acct", &cheap, NULL, rec, ek);
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"pw", 2), 0);
	assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s, rec, 192,
	    (const uint8_t *)"acct", 4, ke1, 96, &cheap, NULL), 0);
	/* The wrong finish leaves the state as it was. */
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, ek, ke2,
	    64, &cheap, NULL), COFFER_ERR_STATE);
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, key, ek,
	    ke2, 320, &cheap, NULL), 0);
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, key, ek,
	    ke2, 320, &cheap, NULL), COFFER_ERR_STATE);
	assert_int_equal(coffer_opaque_server_login_finish(sv, key, ke3, 64),
	    0);
	assert_int_equal(coffer_opaque_server_login_finish(sv, key, ke3, 64),
	    COFFER_ERR_STATE);
	assert_int_equal(coffer_opaque_server_state_save(sv, saved),
	    COFFER_ERR_STATE);
	coffer_opaque_server_free(&sv);
	coffer_opaque_client_free(&c);
	/* A failed finish spends the state too: no second guess. */
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"pw", 2), 0);
	assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s, rec, 192,
	    (const uint8_t *)"acct", 4, ke1, 96, &cheap, NULL), 0);
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, key, ek,
	    ke2, 320, &cheap, NULL), 0);
	ke3[0] ^= 1;
	assert_int_equal(coffer_opaque_server_login_finish(sv, key, ke3, 64),
	    COFFER_ERR_AUTH);
	ke3[0] ^= 1;
	assert_int_equal(coffer_opaque_server_login_finish(sv, key, ke3, 64),
	    COFFER_ERR_STATE);
	coffer_opaque_server_free(&sv);
	coffer_opaque_client_free(&c);
	/* A truncated message spends it as well. */
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"pw", 2), 0);
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, key, ek,
	    ke2, 319, &cheap, NULL), COFFER_ERR_TRUNCATED);
	assert_int_equal(coffer_opaque_client_login_finish(c, ke3, key, ek,
	    ke2, 320, &cheap, NULL), COFFER_ERR_STATE);
	coffer_opaque_client_free(&c);
	coffer_opaque_client_free(&c);		/* NULL is fine */
	coffer_opaque_server_free(NULL);
	coffer_opaque_server_setup_free(&s);
}

static void
test_setup_save_load(void **state)
{
	struct coffer_opaque_server_setup *s = NULL, *t = NULL;
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_OPAQUE_SETUP_MAX);
	uint8_t rec[192], ek[64], pk1[32], pk2[32], seed[32], sk[32];
	struct login l;

	(void)state;
	assert_non_null(b);
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	assert_int_equal(coffer_opaque_server_setup_save(s, b), 0);
	assert_int_equal(coffer_buf_len(b), COFFER_OPAQUE_SETUP_MAX);
	assert_int_equal(coffer_opaque_server_setup_load(&t, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	assert_int_equal(coffer_opaque_server_setup_public_key(s, pk1), 0);
	assert_int_equal(coffer_opaque_server_setup_public_key(t, pk2), 0);
	assert_memory_equal(pk1, pk2, 32);
	reg(s, "pw", "acct", &cheap, NULL, rec, ek);
	login(&l, t, rec, "pw", "acct", &cheap, &cheap, NULL, NULL, -1);
	assert_int_equal(l.server_r, 0);
	/* A buffer too small for it is left as it was. */
	coffer_buf_free(&b);
	b = coffer_buf_new_secret(COFFER_OPAQUE_SETUP_MAX - 1);
	assert_int_equal(coffer_opaque_server_setup_save(s, b),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
	/* Seeds of 32 bytes are fine; 31 and a bad key are not. */
	randombytes_buf(seed, sizeof(seed));
	crypto_core_ristretto255_scalar_random(sk);
	coffer_opaque_server_setup_free(&t);
	assert_int_equal(coffer_opaque_server_setup_import(&t, seed, 32, sk),
	    0);
	coffer_opaque_server_setup_free(&t);
	assert_int_equal(coffer_opaque_server_setup_import(&t, seed, 31, sk),
	    COFFER_ERR_INVALID);
	memset(sk, 0, sizeof(sk));
	assert_int_equal(coffer_opaque_server_setup_import(&t, seed, 32, sk),
	    COFFER_ERR_INVALID);
	assert_null(t);
	coffer_opaque_server_setup_free(&s);
}

/* Client and server must agree on the KSF parameters and the identities;
 * the registration's parameters are the login's. */
static void
test_agreement(void **state)
{
	static const struct coffer_opaque_params other = { 2, TEST_M };
	static const struct coffer_opaque_ids alice = {
		(const uint8_t *)"alice", 5, NULL, 0 };
	static const struct coffer_opaque_ids bob = {
		(const uint8_t *)"bob", 3, NULL, 0 };
	struct coffer_opaque_server_setup *s = NULL;
	uint8_t rec[192], ek[64];
	struct login l;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	reg(s, "pw", "acct", &cheap, &alice, rec, ek);
	login(&l, s, rec, "pw", "acct", &cheap, &cheap, &alice, &alice, -1);
	assert_int_equal(l.server_r, 0);
	login(&l, s, rec, "pw", "acct", &cheap, &other, &alice, &alice, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	login(&l, s, rec, "pw", "acct", &other, &other, &alice, &alice, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	login(&l, s, rec, "pw", "acct", &cheap, &cheap, NULL, NULL, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	login(&l, s, rec, "pw", "acct", &cheap, &cheap, &bob, &bob, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	login(&l, s, rec, "pw", "acct", &cheap, &cheap, &alice, &bob, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	login(&l, s, rec, "pw", "other", &cheap, &cheap, &alice, &alice, -1);
	assert_int_equal(l.client_r, COFFER_ERR_AUTH);
	coffer_opaque_server_setup_free(&s);
}

static void
test_invalid_args(void **state)
{
	static const struct coffer_opaque_params bad_params[] = {
		{ 0, TEST_M }, { COFFER_OPAQUE_T_MAX + 1, TEST_M },
		{ 1, COFFER_OPAQUE_M_MIN - 1 }, { 1, COFFER_OPAQUE_M_MAX + 1 },
	};
	static uint8_t big[COFFER_OPAQUE_PASSWORD_MAX + 1];
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_client *c = NULL;
	struct coffer_opaque_ids ids = { NULL, 1, NULL, 0 };
	uint8_t req[32], resp[64], rec[192], ek[64], ke1[96], ke2[320];
	uint8_t cred[COFFER_OPAQUE_ID_MAX + 1] = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(coffer_opaque_server_setup_generate(&s), 0);
	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)"", 0), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_client_register_start(&c, req, big,
	    sizeof(big)), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_client_register_start(&c, req, big,
	    sizeof(big) - 1), 0);
	coffer_opaque_client_free(&c);
	assert_int_equal(coffer_opaque_client_login_start(NULL, ke1,
	    (const uint8_t *)"pw", 2), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_client_register_start(&c, req,
	    (const uint8_t *)"pw", 2), 0);
	assert_int_equal(coffer_opaque_server_register(s, resp, req, 32, cred,
	    0), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_server_register(s, resp, req, 32, cred,
	    sizeof(cred)), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_server_register(s, resp, req, 32, cred,
	    sizeof(cred) - 1), 0);
	assert_int_equal(coffer_opaque_server_register(NULL, resp, req, 32,
	    cred, 4), COFFER_ERR_INVALID);
	for (i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]); i++)
		assert_int_equal(coffer_opaque_client_register_finish(c, rec,
		    ek, resp, 64, &bad_params[i], NULL), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, ek,
	    resp, 64, &cheap, &ids), COFFER_ERR_INVALID);
	ids.client = cred;
	ids.client_len = COFFER_OPAQUE_ID_MAX + 1;
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, ek,
	    resp, 64, &cheap, &ids), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_client_register_finish(c, NULL, ek,
	    resp, 64, &cheap, NULL), COFFER_ERR_INVALID);
	/* None of that spent the state. */
	assert_int_equal(coffer_opaque_client_register_finish(c, rec, ek,
	    resp, 64, &cheap, NULL), 0);
	coffer_opaque_client_free(&c);
	assert_int_equal(coffer_opaque_client_login_start(&c, ke1,
	    (const uint8_t *)"pw", 2), 0);
	for (i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]); i++)
		assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s,
		    rec, 192, cred, 4, ke1, 96, &bad_params[i], NULL),
		    COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s, NULL,
	    192, cred, 4, ke1, 96, &cheap, NULL), COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_server_login_start(&sv, ke2, s, rec, 192,
	    cred, 0, ke1, 96, &cheap, NULL), COFFER_ERR_INVALID);
	assert_null(sv);
	assert_int_equal(coffer_opaque_server_record_check(NULL, 192),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_server_state_load(&sv, NULL, 5),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_server_setup_load(&s, NULL, 5),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_opaque_server_setup_public_key(NULL, ke1),
	    COFFER_ERR_INVALID);
	coffer_opaque_client_free(&c);
	coffer_opaque_server_setup_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_records_differ),
		cmocka_unit_test(test_server_data_alone),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_setup_save_load),
		cmocka_unit_test(test_agreement),
		cmocka_unit_test(test_invalid_args),
	};

	return cmocka_run_group_tests_name("opaque_flow", tests, NULL, NULL);
}
