/*
 * Sign-in and registration tickets (server/auth.h, docs/PROTOCOL-opaque.md
 * "Tickets"): known-answer vectors in tests/vectors/ticket.txt, written
 * here from an independent construction of the layout in the spec (the
 * key derived from the setup's seed, the plaintext, the associated data,
 * XChaCha20-Poly1305), opened by srv_auth_ticket_open; and round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/opaque.h>

#include "auth.h"
#include "server_harness.h"
#include "vecfile.h"

#define PLAIN	213
#define SEALED	253

/* What a vector describes. */
struct tcase {
	uint8_t		seed[64], sk[32];
	uint8_t		login[32], account[16], cred[16];
	uint8_t		state[COFFER_OPAQUE_SERVER_STATE_BYTES];
	uint64_t	expires;
	unsigned	kind, has_account;
};

/* An auth handle on the setup (seed, sk), through its key file. */
static struct srv_auth *
auth_of(const uint8_t seed[64], const uint8_t sk[32], char **dir)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_OPAQUE_SETUP_MAX);
	struct srv_auth *a = NULL;
	char path[4096], err[256];
	FILE *f;

	assert_non_null(b);
	assert_non_null(*dir = srv_tmpdir());
	assert_int_equal(coffer_opaque_server_setup_import(&s, seed, 64, sk),
	    0);
	assert_int_equal(coffer_opaque_server_setup_save(s, b), 0);
	snprintf(path, sizeof(path), "%s/opaque.key", *dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(coffer_buf_data(b), 1, coffer_buf_len(b), f),
	    coffer_buf_len(b));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(srv_auth_open(&a, *dir, NULL, NULL, err, sizeof(err)),
	    0);
	coffer_opaque_server_setup_free(&s);
	coffer_buf_free(&b);
	return a;
}

/* The spec's sealing: plaintext, associated data, AEAD. */
static void
spec_seal(uint8_t out[SEALED], const struct tcase *t, const char *peer,
    unsigned ad_kind, const uint8_t magic[4], uint8_t version,
    const uint8_t nonce[24])
{
	uint8_t key[32], p[PLAIN], ad[128];
	size_t adlen, n = strlen(peer);
	int i;

	assert_int_equal(coffer_kdf(key, sizeof(key), t->seed, 64,
	    "coffer/auth-ticket-key/v1", NULL, 0), 0);
	memcpy(p, magic, 4);
	p[4] = version;
	p[5] = (uint8_t)t->kind;
	for (i = 0; i < 8; i++)
		p[6 + i] = (uint8_t)(t->expires >> (56 - 8 * i));
	memcpy(p + 14, t->login, 32);
	memcpy(p + 46, t->account, 16);
	p[62] = (uint8_t)t->has_account;
	memcpy(p + 63, t->cred, 16);
	memcpy(p + 79, t->state, sizeof(t->state));
	memcpy(ad, "coffer/auth-ticket/v1", 22);	/* with its NUL */
	ad[22] = (uint8_t)ad_kind;
	memcpy(ad + 23, peer, n);
	adlen = 23 + n;
	memcpy(out, nonce, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, NULL, p,
	    sizeof(p), ad, adlen, NULL, nonce, key);
	sodium_memzero(key, sizeof(key));
}

static int
read_case(const struct vec *v, struct tcase *t)
{
	uint64_t k = 0, h = 0;

	memset(t, 0, sizeof(*t));
	if (vec_hexn(v, "seed", t->seed, 64) || vec_u64(v, "kind", &k))
		return -1;
	t->sk[0] = 7;	/* the AKE key plays no part in tickets */
	t->kind = (unsigned)k;
	if (vec_get(v, "login") != NULL && (vec_hexn(v, "login", t->login,
	    32) || vec_hexn(v, "account", t->account, 16) ||
	    vec_hexn(v, "cred", t->cred, 16) || vec_hexn(v, "state",
	    t->state, sizeof(t->state)) || vec_u64(v, "expires",
	    &t->expires) || vec_u64(v, "has_account", &h)))
		return -1;
	t->has_account = (unsigned)h;
	return 0;
}

/* The checks' handle, kept while the seed stays (the mutation passes
 * run thousands of checks). */
static struct srv_auth *Cached;
static uint8_t Cached_seed[64];
static char *Cached_dir;

static void
cached_drop(void)
{
	srv_auth_close(&Cached);
	if (Cached_dir != NULL)
		srv_rmtree(Cached_dir);
	free(Cached_dir);
	Cached_dir = NULL;
}

static struct srv_auth *
cached_auth(const struct tcase *t)
{
	if (Cached == NULL || memcmp(Cached_seed, t->seed, 64) != 0) {
		cached_drop();
		Cached = auth_of(t->seed, t->sk, &Cached_dir);
		memcpy(Cached_seed, t->seed, 64);
	}
	return Cached;
}

static int
check_ticket(const struct vec *v)
{
	struct srv_auth *a;
	struct srv_ticket got, got2;
	struct tcase t;
	uint8_t *ticket = NULL;
	uint64_t now = 0;
	size_t len = 0;
	char *peer = NULL;
	int expect, r, bad = 1;

	if (read_case(v, &t) != 0 || vec_hex(v, "ticket", &ticket, &len) ||
	    (peer = vec_str(v, "peer")) == NULL || vec_u64(v, "now", &now) ||
	    vec_err(v, "expect", &expect))
		goto out;
	a = cached_auth(&t);
	memset(&got, 0x5a, sizeof(got));
	r = srv_auth_ticket_open(a, ticket, len, (int)t.kind, peer,
	    (int64_t)now, &got);
	if (r != expect)
		goto out;
	if (r != 0) {
		bad = got.kind != 0x5a5a5a5a;	/* untouched on error */
		goto out;
	}
	/* Valid until its expiry exactly. */
	if (srv_auth_ticket_open(a, ticket, len, (int)t.kind, peer,
	    (int64_t)t.expires, &got2) != COFFER_ERR_STATE ||
	    now + 60 != t.expires)
		goto out;
	bad = got.kind != (int)t.kind || got.expires != (int64_t)t.expires ||
	    memcmp(got.login, t.login, 32) != 0 ||
	    memcmp(got.account, t.account, 16) != 0 ||
	    got.has_account != (int)t.has_account ||
	    memcmp(got.cred, t.cred, 16) != 0 ||
	    memcmp(got.state, t.state, sizeof(t.state)) != 0;
out:
	free(ticket);
	free(peer);
	return bad;
}

static void
test_ticket_vectors(void **state)
{
	(void)state;
	vecfile_assert("ticket.txt", check_ticket, 14);
	cached_drop();
}

static void
fill(uint8_t *p, size_t n, unsigned tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(tag * 7 + i);
}

static int
write_vectors(const char *dir)
{
	static const uint8_t magic[4] = { 'C', 'F', 'A', 'T' };
	static const uint8_t wrong[4] = { 'C', 'F', 'O', 'L' };
	static const struct {
		const char	*name;
		unsigned	 kind, known, how;
	} cases[] = {
		{ "good-signin", 1, 1, 0 },
		{ "good-signin-unknown", 1, 0, 0 },
		{ "good-register", 2, 0, 0 },
		{ "good-password-change", 2, 1, 0 },
		{ "bad-forged-ciphertext", 1, 1, 1 },
		{ "bad-forged-tag", 1, 1, 2 },
		{ "bad-truncated", 1, 1, 3 },
		{ "bad-trailing", 1, 1, 4 },
		{ "bad-other-address", 1, 1, 5 },
		{ "bad-other-kind", 1, 1, 6 },
		{ "bad-expired", 1, 1, 7 },
		{ "bad-magic", 1, 1, 8 },
		{ "bad-version", 1, 1, 9 },
		{ "bad-kind-inside", 2, 1, 10 },
		{ "bad-other-key", 1, 1, 11 },
		{ "bad-flag", 1, 2, 0 },
	};
	char path[4096], *adir = NULL;
	uint8_t b[SEALED + 1], nonce[24];
	struct srv_auth *a = NULL;
	struct srv_ticket got;
	struct tcase t, sealer;
	const char *peer, *open_peer;
	unsigned open_kind;
	uint64_t now;
	size_t i, len;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/ticket.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# Tickets (docs/PROTOCOL-opaque.md, \"Tickets\"): nonce 24\n"
	    "# || XChaCha20-Poly1305(key = coffer_kdf(seed,\n"
	    "# \"coffer/auth-ticket-key/v1\", 32), plaintext \"CFAT\" || 1 ||\n"
	    "# kind || expires 8 BE || login 32 || account 16 || flag ||\n"
	    "# cred 16 || state 134, ad = \"coffer/auth-ticket/v1\" NUL kind\n"
	    "# peer). The check opens ticket as kind from peer at now with\n"
	    "# the setup of seed (AKE key 7); expect is OK (and the fields;\n"
	    "# a good ticket is opened at now = expires - 60, and refused at\n"
	    "# expires) or the error. Written by test_ticket --write-vectors.\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&t, 0, sizeof(t));
		fill(t.seed, 64, 1);
		t.sk[0] = 7;
		t.kind = cases[i].kind;
		t.has_account = cases[i].known;
		t.expires = 1800000000u + (unsigned)i;
		fill(t.login, 32, 2 + (unsigned)i);
		if (cases[i].known)
			fill(t.account, 16, 3 + (unsigned)i);
		if (t.kind == 2)
			fill(t.cred, 16, 4 + (unsigned)i);
		else
			fill(t.state, sizeof(t.state), 5 + (unsigned)i);
		fill(nonce, 24, 6 + (unsigned)i);
		peer = i % 2 ? "127.0.0.1" : "2001:db8::7";
		open_peer = cases[i].how == 5 ? "127.0.0.2" : peer;
		open_kind = cases[i].how == 6 ? 2 : t.kind;
		now = cases[i].how == 7 ? t.expires : t.expires - 60;
		sealer = t;
		if (cases[i].how == 11)
			sealer.seed[0] ^= 1;
		/* bad-kind-inside: a registration's plaintext under a
		 * sign-in's associated data, opened as a sign-in. */
		spec_seal(b, &sealer, peer, cases[i].how == 10 ? 1 : t.kind,
		    cases[i].how == 8 ? wrong : magic,
		    cases[i].how == 9 ? 2 : 1, nonce);
		if (cases[i].how == 10)
			open_kind = 1;
		len = SEALED;
		switch (cases[i].how) {
		case 1: b[30] ^= 1; break;
		case 2: b[SEALED - 1] ^= 0x80; break;
		case 3: len--; break;
		case 4: b[len++] = 0; break;
		default: break;
		}
		a = auth_of(t.seed, t.sk, &adir);
		r = srv_auth_ticket_open(a, b, len, (int)open_kind, open_peer,
		    (int64_t)now, &got);
		srv_auth_close(&a);
		srv_rmtree(adir);
		free(adir);
		vec_w_begin(f, cases[i].name);
		vec_w_hex(f, "seed", t.seed, 64);
		vec_w_u64(f, "kind", open_kind);
		vec_w_str(f, "peer", open_peer);
		vec_w_u64(f, "now", now);
		vec_w_hex(f, "ticket", b, len);
		vec_w_word(f, "expect", vec_errword(r));
		if (r == 0) {
			vec_w_u64(f, "expires", t.expires);
			vec_w_hex(f, "login", t.login, 32);
			vec_w_hex(f, "account", t.account, 16);
			vec_w_u64(f, "has_account", t.has_account);
			vec_w_hex(f, "cred", t.cred, 16);
			vec_w_hex(f, "state", t.state, sizeof(t.state));
		}
		vec_w_end(f);
	}
	return fclose(f);
}

/* A sealed ticket opens as it was sealed, and only so; the hash of the
 * spent set differs per sealing. */
static void
test_ticket_roundtrip(void **state)
{
	struct srv_ticket t, got;
	struct srv_auth *a;
	uint8_t seed[64], sk[32] = { 9 }, b1[SEALED], b2[SEALED];
	uint8_t h1[32], h2[32];
	char *dir = NULL;

	(void)state;
	_Static_assert(SRV_TICKET_BYTES == SEALED, "sealed size");
	_Static_assert(SRV_TICKET_PLAIN == PLAIN, "plaintext size");
	randombytes_buf(seed, sizeof(seed));
	a = auth_of(seed, sk, &dir);
	memset(&t, 0, sizeof(t));
	t.kind = SRV_TICKET_SIGNIN;
	t.expires = 2000000000;
	t.has_account = 1;
	randombytes_buf(t.login, sizeof(t.login));
	randombytes_buf(t.state, sizeof(t.state));
	srv_auth_ticket_seal(a, &t, "10.0.0.1", b1);
	srv_auth_ticket_seal(a, &t, "10.0.0.1", b2);
	assert_int_equal(srv_auth_ticket_open(a, b1, sizeof(b1),
	    SRV_TICKET_SIGNIN, "10.0.0.1", 1999999999, &got), 0);
	assert_memory_equal(&got.state, &t.state, sizeof(t.state));
	assert_int_equal(srv_auth_ticket_open(a, b1, sizeof(b1),
	    SRV_TICKET_SIGNIN, "10.0.0.1", 2000000000, &got),
	    COFFER_ERR_STATE);
	assert_int_equal(srv_auth_ticket_open(a, b1, sizeof(b1),
	    SRV_TICKET_REGISTER, "10.0.0.1", 1, &got), COFFER_ERR_AUTH);
	srv_auth_ticket_hash(b1, h1);
	srv_auth_ticket_hash(b2, h2);
	assert_memory_not_equal(h1, h2, sizeof(h1));
	srv_auth_close(&a);
	srv_rmtree(dir);
	free(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticket_vectors),
		cmocka_unit_test(test_ticket_roundtrip),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("ticket", tests, NULL, NULL);
}
