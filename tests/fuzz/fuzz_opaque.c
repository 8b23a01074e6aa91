/* Fuzz OPAQUE's parsers and state machines (include/coffer/opaque.h). The
 * first byte picks what the rest is fed to: 0 the server's registration
 * (a RegistrationRequest), 1 the record check, 2 the client's registration
 * finish (a RegistrationResponse), 3 the server's login start (KE1),
 * 4 the client's login finish (KE2), 5 the server's login finish (KE3),
 * 6 a saved server setup, 7 a saved server login state, 8 a whole
 * registration and login with the rest as the password.
 *
 * Everything runs on fixed inputs with the RFC's Identity KSF, so a run is
 * cheap. Invariants: what is accepted has the exact size and valid
 * elements and round-trips; a KE2 or KE3 is accepted only if it is the
 * genuine one (anything else would be a forgery); a round trip agrees on
 * its keys and fails for another password. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/opaque.h>

#include "auth/opaque_internal.h"
#include "auth/oprf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed world: one server, one registered user, one login. */
static struct {
	int		 ready;
	struct opq_cfg	 cfg;
	struct coffer_opaque_server_setup *setup;
	uint8_t		 rec[COFFER_OPAQUE_RECORD_BYTES];
	uint8_t		 ke1[COFFER_OPAQUE_KE1_BYTES];
	uint8_t		 ke2[COFFER_OPAQUE_KE2_BYTES];
	uint8_t		 ke3[COFFER_OPAQUE_KE3_BYTES];
	uint8_t		 state[COFFER_OPAQUE_SERVER_STATE_BYTES];
} w;

static const uint8_t pw[] = "fuzz password";
static const uint8_t cred[] = "fuzz-account";

/* Fixed "random" values: a scalar or nonce from a label. */
static void
fixed(uint8_t out[32], uint8_t label, int scalar)
{
	uint8_t wide[64];

	memset(wide, label, sizeof(wide));
	if (scalar)
		crypto_core_ristretto255_scalar_reduce(out, wide);
	else
		memcpy(out, wide, 32);
}

static void
client_login(struct coffer_opaque_client **c, uint8_t ke1[96])
{
	uint8_t b[32], n[32], s[32];

	fixed(b, 3, 1);
	fixed(n, 4, 0);
	fixed(s, 5, 0);
	if (opaque_client_login_start_det(c, ke1, pw, sizeof(pw) - 1,
	    b, n, s) != 0)
		abort();
}

static int
server_login(struct coffer_opaque_server **sv, uint8_t ke2[320],
    const uint8_t *rec, size_t reclen, const uint8_t *ke1, size_t ke1len)
{
	uint8_t m[32], n[32], s[32];

	fixed(m, 6, 0);
	fixed(n, 7, 0);
	fixed(s, 8, 0);
	return opaque_server_login_start_det(sv, ke2, w.setup, rec,
	    reclen, cred, sizeof(cred) - 1, ke1, ke1len, &w.cfg, NULL, m, n,
	    s, NULL, NULL);
}

static void
setup_world(void)
{
	struct coffer_opaque_client *c = NULL;
	struct coffer_opaque_server *sv = NULL;
	uint8_t seed[64], sk[32], blind[32], nonce[32], req[32], resp[64];
	uint8_t ek[64], key[64], key2[64];

	if (w.ready)
		return;
	memset(seed, 1, sizeof(seed));
	fixed(sk, 2, 1);
	fixed(blind, 9, 1);
	fixed(nonce, 10, 0);
	if (opaque_cfg_raw(&w.cfg, OPQ_KSF_IDENTITY, 0, 0,
	    (const uint8_t *)"fuzz", 4) != 0 ||
	    coffer_opaque_server_setup_import(&w.setup, seed, sizeof(seed),
	    sk) != 0 ||
	    opaque_client_register_start_det(&c, req, pw, sizeof(pw) - 1,
	    blind) != 0 ||
	    coffer_opaque_server_register(w.setup, resp, req, 32, cred,
	    sizeof(cred) - 1) != 0 ||
	    opaque_client_register_finish_det(c, w.rec, ek, resp, 64,
	    &w.cfg, NULL, nonce, NULL) != 0)
		abort();
	coffer_opaque_client_free(&c);
	client_login(&c, w.ke1);
	if (server_login(&sv, w.ke2, w.rec, 192, w.ke1, 96) != 0 ||
	    coffer_opaque_server_state_save(sv, w.state) != 0 ||
	    opaque_client_login_finish_det(c, w.ke3, key, ek, w.ke2,
	    320, &w.cfg, NULL, NULL) != 0 ||
	    coffer_opaque_server_login_finish(sv, key2, w.ke3, 64) != 0 ||
	    sodium_memcmp(key, key2, 64) != 0)
		abort();
	coffer_opaque_client_free(&c);
	coffer_opaque_server_free(&sv);
	w.ready = 1;
}

static void
fuzz_request(const uint8_t *d, size_t n)
{
	uint8_t a[64], b[64];

	if (coffer_opaque_server_register(w.setup, a, d, n, cred,
	    sizeof(cred) - 1) != 0)
		return;
	if (n != 32 || oprf_element_check(d) != 0 ||
	    oprf_element_check(a) != 0 ||
	    coffer_opaque_server_register(w.setup, b, d, n, cred,
	    sizeof(cred) - 1) != 0 || memcmp(a, b, 64) != 0)
		abort();
}

static void
fuzz_record(const uint8_t *d, size_t n)
{
	if (coffer_opaque_server_record_check(d, n) == 0 &&
	    (n != 192 || oprf_element_check(d) != 0))
		abort();
}

static void
fuzz_response(const uint8_t *d, size_t n)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t blind[32], nonce[32], req[32], rec[192], ek[64];

	fixed(blind, 9, 1);
	fixed(nonce, 10, 0);
	if (opaque_client_register_start_det(&c, req, pw, sizeof(pw) - 1,
	    blind) != 0)
		abort();
	if (opaque_client_register_finish_det(c, rec, ek, d, n, &w.cfg,
	    NULL, nonce, NULL) == 0 && (n != 64 ||
	    oprf_element_check(d) != 0 ||
	    oprf_element_check(d + 32) != 0 ||
	    coffer_opaque_server_record_check(rec, 192) != 0))
		abort();
	coffer_opaque_client_free(&c);
}

static void
fuzz_ke1(const uint8_t *d, size_t n)
{
	struct coffer_opaque_server *sv = NULL, *sv2 = NULL;
	uint8_t ke2[320], st[COFFER_OPAQUE_SERVER_STATE_BYTES];
	uint8_t st2[COFFER_OPAQUE_SERVER_STATE_BYTES];
	int r;

	/* Against the real record and against none: the fake path must
	 * accept and refuse exactly the same KE1s. */
	r = server_login(&sv, ke2, w.rec, 192, d, n);
	if (server_login(&sv2, ke2, NULL, 0, d, n) != r)
		abort();
	coffer_opaque_server_free(&sv2);
	if (r != 0) {
		if (sv != NULL)
			abort();
		return;
	}
	if (n != 96 || oprf_element_check(d) != 0 ||
	    oprf_element_check(d + 64) != 0 ||
	    oprf_element_check(ke2) != 0 ||
	    oprf_element_check(ke2 + 224) != 0 ||
	    coffer_opaque_server_state_save(sv, st) != 0)
		abort();
	coffer_opaque_server_free(&sv);
	if (coffer_opaque_server_state_load(&sv, st, sizeof(st)) != 0 ||
	    coffer_opaque_server_state_save(sv, st2) != 0 ||
	    memcmp(st, st2, sizeof(st)) != 0)
		abort();
	coffer_opaque_server_free(&sv);
}

static void
fuzz_ke2(const uint8_t *d, size_t n)
{
	struct coffer_opaque_client *c = NULL;
	uint8_t ke1[96], ke3[64], key[64], ek[64];
	int r;

	client_login(&c, ke1);
	r = opaque_client_login_finish_det(c, ke3, key, ek, d, n,
	    &w.cfg, NULL, NULL);
	if (r == 0 && (n != 320 || memcmp(d, w.ke2, 320) != 0 ||
	    memcmp(ke3, w.ke3, 64) != 0))
		abort();
	if (r != 0 && r != COFFER_ERR_AUTH && r != COFFER_ERR_FORMAT &&
	    r != COFFER_ERR_TRUNCATED && r != COFFER_ERR_TRAILING)
		abort();
	coffer_opaque_client_free(&c);
}

static void
fuzz_ke3(const uint8_t *d, size_t n)
{
	struct coffer_opaque_server *sv = NULL;
	uint8_t key[64];

	if (coffer_opaque_server_state_load(&sv, w.state, sizeof(w.state)) != 0)
		abort();
	if (coffer_opaque_server_login_finish(sv, key, d, n) == 0 &&
	    (n != 64 || memcmp(d, w.ke3, 64) != 0))
		abort();
	coffer_opaque_server_free(&sv);
}

static void
fuzz_setup(const uint8_t *d, size_t n)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_buf *b;

	if (coffer_opaque_server_setup_load(&s, d, n) != 0)
		return;
	if ((b = coffer_buf_new_secret(COFFER_OPAQUE_SETUP_MAX)) == NULL ||
	    coffer_opaque_server_setup_save(s, b) != 0 ||
	    coffer_buf_len(b) != n || memcmp(coffer_buf_data(b), d, n) != 0)
		abort();
	coffer_buf_free(&b);
	coffer_opaque_server_setup_free(&s);
}

static void
fuzz_state(const uint8_t *d, size_t n)
{
	struct coffer_opaque_server *sv = NULL;
	uint8_t st[COFFER_OPAQUE_SERVER_STATE_BYTES];

	if (coffer_opaque_server_state_load(&sv, d, n) != 0)
		return;
	if (n != sizeof(st) || coffer_opaque_server_state_save(sv, st) != 0 ||
	    memcmp(st, d, n) != 0)
		abort();
	coffer_opaque_server_free(&sv);
}

static void
fuzz_roundtrip(const uint8_t *d, size_t n)
{
	struct coffer_opaque_client *c = NULL;
	struct coffer_opaque_server *sv = NULL;
	uint8_t blind[32], nonce[32], req[32], resp[64], rec[192], ek[64];
	uint8_t ke1[96], ke2[320], ke3[64], k1[64], k2[64], ek2[64];
	uint8_t other[65];

	if (n == 0 || n > 64)
		return;
	fixed(blind, 11, 1);
	fixed(nonce, 12, 0);
	if (opaque_client_register_start_det(&c, req, d, n,
	    blind) != 0 ||
	    coffer_opaque_server_register(w.setup, resp, req, 32, cred,
	    sizeof(cred) - 1) != 0 ||
	    opaque_client_register_finish_det(c, rec, ek, resp, 64,
	    &w.cfg, NULL, nonce, NULL) != 0)
		abort();
	coffer_opaque_client_free(&c);
	if (coffer_opaque_client_login_start(&c, ke1, d, n) != 0 ||
	    server_login(&sv, ke2, rec, 192, ke1, 96) != 0 ||
	    opaque_client_login_finish_det(c, ke3, k1, ek2, ke2, 320,
	    &w.cfg, NULL, NULL) != 0 ||
	    coffer_opaque_server_login_finish(sv, k2, ke3, 64) != 0 ||
	    memcmp(k1, k2, 64) != 0 || memcmp(ek, ek2, 64) != 0)
		abort();
	coffer_opaque_client_free(&c);
	coffer_opaque_server_free(&sv);
	/* One more byte is another password. */
	memcpy(other, d, n);
	other[n] = 0;
	if (coffer_opaque_client_login_start(&c, ke1, other, n + 1) != 0 ||
	    server_login(&sv, ke2, rec, 192, ke1, 96) != 0 ||
	    opaque_client_login_finish_det(c, ke3, k1, ek2, ke2, 320,
	    &w.cfg, NULL, NULL) != COFFER_ERR_AUTH)
		abort();
	coffer_opaque_client_free(&c);
	coffer_opaque_server_free(&sv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const targets[])(const uint8_t *, size_t) = {
		fuzz_request, fuzz_record, fuzz_response, fuzz_ke1, fuzz_ke2,
		fuzz_ke3, fuzz_setup, fuzz_state, fuzz_roundtrip,
	};

	if (size == 0 || size > 1024)
		return 0;
	setup_world();
	targets[data[0] % (sizeof(targets) / sizeof(targets[0]))](data + 1,
	    size - 1);
	return 0;
}
