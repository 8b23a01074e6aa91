/* The client side of OPAQUE-3DH (RFC 9807): CreateRegistrationRequest,
 * FinalizeRegistrationRequest (with Store), GenerateKE1 and GenerateKE3
 * (with RecoverCredentials, Recover and AuthClientFinalize). A state
 * lives in sodium_malloc memory and is wiped as soon as it is spent. */
#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/opaque.h>

#include "auth/opaque_internal.h"
#include "auth/oprf.h"

#include <string.h>

#include <sodium.h>

enum client_phase {
	CLIENT_REGISTER = 1,
	CLIENT_LOGIN = 2,
	CLIENT_SPENT = 3,
};

struct coffer_opaque_client {
	size_t			 size;	/* of the allocation */
	enum client_phase	 phase;
	uint8_t			 blind[32];
	uint8_t			 secret[OPQ_NSK]; /* login key share */
	uint8_t			 ke1[COFFER_OPAQUE_KE1_BYTES];
	size_t			 pwlen;
	uint8_t			 password[];
};

static int
client_new(struct coffer_opaque_client **out, enum client_phase phase,
    const uint8_t *password, size_t pwlen)
{
	struct coffer_opaque_client *st;
	size_t size;

	if (out == NULL || password == NULL || pwlen == 0 ||
	    pwlen > COFFER_OPAQUE_PASSWORD_MAX)
		return COFFER_ERR_INVALID;
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	/* A multiple of 16, so that sodium_malloc's pointer (placed against
	 * its guard page) is aligned. */
	size = (sizeof(*st) + pwlen + 15) & ~(size_t)15;
	if ((st = sodium_malloc(size)) == NULL)
		return COFFER_ERR_NOMEM;
	memset(st, 0, size);
	st->size = size;
	st->phase = phase;
	st->pwlen = pwlen;
	memcpy(st->password, password, pwlen);
	*out = st;
	return 0;
}

/* Wipe everything secret; the state can only be freed afterwards. */
static void
client_spend(struct coffer_opaque_client *st)
{
	sodium_memzero(st->blind, sizeof(st->blind));
	sodium_memzero(st->secret, sizeof(st->secret));
	sodium_memzero(st->ke1, sizeof(st->ke1));
	sodium_memzero(st->password, st->pwlen);
	st->pwlen = 0;
	st->phase = CLIENT_SPENT;
}

void
coffer_opaque_client_free(struct coffer_opaque_client **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_memzero(*p, (*p)->size);
	sodium_free(*p);
	*p = NULL;
}

int
opaque_client_register_start_det(struct coffer_opaque_client **out,
    uint8_t request[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES],
    const uint8_t *password, size_t passwordlen, const uint8_t blind[32])
{
	struct coffer_opaque_client *st = NULL;
	uint8_t req[OPQ_NOE];
	int r;

	if (out == NULL || request == NULL || blind == NULL)
		return COFFER_ERR_INVALID;
	if ((r = client_new(&st, CLIENT_REGISTER, password, passwordlen)) != 0)
		goto out;
	if ((r = oprf_blind_with(blind, req, password,
	    passwordlen)) != 0)
		goto out;
	memcpy(st->blind, blind, 32);
	memcpy(request, req, OPQ_NOE);
	*out = st;
	st = NULL;
out:
	coffer_opaque_client_free(&st);
	return r;
}

int
coffer_opaque_client_register_start(struct coffer_opaque_client **out,
    uint8_t request[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES],
    const uint8_t *password, size_t passwordlen)
{
	uint8_t blind[32];
	int r;

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	crypto_core_ristretto255_scalar_random(blind);
	r = opaque_client_register_start_det(out, request, password,
	    passwordlen, blind);
	sodium_memzero(blind, sizeof(blind));
	return r;
}

/* Argument and state checks of the two finishing steps: INVALID and
 * STATE leave the state as it was. */
static int
finish_check(const struct coffer_opaque_client *st, enum client_phase phase,
    const void *a, const void *b, const uint8_t *msg, size_t msglen,
    const struct opq_cfg *cfg, const struct coffer_opaque_ids *ids)
{
	if (st == NULL || a == NULL || b == NULL || cfg == NULL ||
	    (msg == NULL && msglen != 0) || opaque_ids_check(ids) != 0)
		return COFFER_ERR_INVALID;
	return st->phase == phase ? 0 : COFFER_ERR_STATE;
}

int
opaque_client_register_finish_det(struct coffer_opaque_client *st,
    uint8_t record[COFFER_OPAQUE_RECORD_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *response, size_t responselen, const struct opq_cfg *cfg,
    const struct coffer_opaque_ids *ids, const uint8_t envelope_nonce[32],
    struct opq_trace *tr)
{
	struct {
		uint8_t	resp[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES];
		uint8_t	out[OPQ_NH], rwd[OPQ_NH], auth_key[OPQ_NH];
		uint8_t	export_key[OPQ_NH];
		uint8_t	rec[COFFER_OPAQUE_RECORD_BYTES];
	} t;
	const uint8_t *evaluated = t.resp, *server_pk = t.resp + OPQ_NOE;
	uint8_t *client_pk = t.rec, *masking_key = t.rec + OPQ_NPK;
	uint8_t *nonce = masking_key + OPQ_NH, *tag = nonce + OPQ_NN;
	int r;

	if ((r = finish_check(st, CLIENT_REGISTER, record, export_key,
	    response, responselen, cfg, ids)) != 0)
		return r;
	if (envelope_nonce == NULL)
		return COFFER_ERR_INVALID;
	memset(&t, 0, sizeof(t));
	if ((r = opaque_read_exact(t.resp, sizeof(t.resp),
	    response, responselen)) != 0 ||
	    (r = oprf_element_check(evaluated)) != 0 ||
	    (r = oprf_element_check(server_pk)) != 0)
		goto out;
	if ((r = oprf_finalize(t.out, st->password, st->pwlen,
	    st->blind, evaluated)) != 0 ||
	    (r = opaque_randomized_password(t.rwd, t.out, cfg)) != 0)
		goto out;
	/* Store (RFC 9807 section 4.1.2). */
	memcpy(nonce, envelope_nonce, OPQ_NN);
	if ((r = opaque_expand(masking_key, OPQ_NH, t.rwd, OPQ_NH,
	    NULL, 0, "MaskingKey")) != 0 ||
	    (r = opaque_envelope_keys(t.rwd, nonce, t.auth_key,
	    t.export_key, NULL, client_pk)) != 0)
		goto out;
	opaque_envelope_tag(tag, t.auth_key, nonce, server_pk,
	    client_pk, ids);
	memcpy(record, t.rec, sizeof(t.rec));
	memcpy(export_key, t.export_key, OPQ_NH);
	if (tr != NULL) {
		memcpy(tr->randomized_password, t.rwd, OPQ_NH);
		memcpy(tr->masking_key, masking_key, OPQ_NH);
		memcpy(tr->auth_key, t.auth_key, OPQ_NH);
		memcpy(tr->envelope, nonce, OPQ_ENVELOPE);
		memcpy(tr->client_public_key, client_pk, OPQ_NPK);
	}
out:
	client_spend(st);
	sodium_memzero(&t, sizeof(t));
	return r;
}

int
coffer_opaque_client_register_finish(struct coffer_opaque_client *st,
    uint8_t record[COFFER_OPAQUE_RECORD_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *response, size_t responselen,
    const struct coffer_opaque_params *params,
    const struct coffer_opaque_ids *ids)
{
	struct opq_cfg cfg;
	uint8_t nonce[OPQ_NN];
	int r;

	if ((r = opaque_cfg(&cfg, params)) != 0)
		return r;
	randombytes_buf(nonce, sizeof(nonce));
	return opaque_client_register_finish_det(st, record, export_key,
	    response, responselen, &cfg, ids, nonce, NULL);
}

int
opaque_client_login_start_det(struct coffer_opaque_client **out,
    uint8_t ke1[COFFER_OPAQUE_KE1_BYTES], const uint8_t *password,
    size_t passwordlen, const uint8_t blind[32],
    const uint8_t client_nonce[32], const uint8_t keyshare_seed[32])
{
	struct coffer_opaque_client *st = NULL;
	int r;

	if (out == NULL || ke1 == NULL || blind == NULL ||
	    client_nonce == NULL || keyshare_seed == NULL)
		return COFFER_ERR_INVALID;
	if ((r = client_new(&st, CLIENT_LOGIN, password, passwordlen)) != 0)
		goto out;
	/* KE1 = blinded_message || client_nonce || client_public_keyshare */
	if ((r = oprf_blind_with(blind, st->ke1, password,
	    passwordlen)) != 0 ||
	    (r = opaque_dh_keypair(st->secret, st->ke1 + OPQ_NOE +
	    OPQ_NN, keyshare_seed)) != 0)
		goto out;
	memcpy(st->ke1 + OPQ_NOE, client_nonce, OPQ_NN);
	memcpy(st->blind, blind, 32);
	memcpy(ke1, st->ke1, sizeof(st->ke1));
	*out = st;
	st = NULL;
out:
	coffer_opaque_client_free(&st);
	return r;
}

int
coffer_opaque_client_login_start(struct coffer_opaque_client **out,
    uint8_t ke1[COFFER_OPAQUE_KE1_BYTES], const uint8_t *password,
    size_t passwordlen)
{
	uint8_t blind[32], nonce[OPQ_NN], seed[OPQ_NSEED];
	int r;

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	crypto_core_ristretto255_scalar_random(blind);
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(seed, sizeof(seed));
	r = opaque_client_login_start_det(out, ke1, password,
	    passwordlen, blind, nonce, seed);
	sodium_memzero(blind, sizeof(blind));
	sodium_memzero(seed, sizeof(seed));
	return r;
}

int
opaque_client_login_finish_det(struct coffer_opaque_client *st,
    uint8_t ke3[COFFER_OPAQUE_KE3_BYTES],
    uint8_t session_key[COFFER_OPAQUE_SESSION_KEY_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *ke2, size_t ke2len, const struct opq_cfg *cfg,
    const struct coffer_opaque_ids *ids, struct opq_trace *tr)
{
	struct {
		crypto_hash_sha512_state	pre;
		uint8_t	ke2[COFFER_OPAQUE_KE2_BYTES];
		uint8_t	out[OPQ_NH], rwd[OPQ_NH], masking_key[OPQ_NH];
		uint8_t	unmasked[OPQ_MASKED];
		uint8_t	auth_key[OPQ_NH], export_key[OPQ_NH];
		uint8_t	client_sk[OPQ_NSK], client_pk[OPQ_NPK];
		uint8_t	tag[OPQ_NM], ikm[3 * OPQ_NPK];
		uint8_t	server_mac[OPQ_NM], client_mac[OPQ_NM];
		uint8_t	session_key[OPQ_NX];
	} t;
	/* KE2 = evaluated_message || masking_nonce || masked_response ||
	 * server_nonce || server_public_keyshare || server_mac */
	const uint8_t *evaluated = t.ke2;
	const uint8_t *masking_nonce = evaluated + OPQ_NOE;
	const uint8_t *masked = masking_nonce + OPQ_NN;
	const uint8_t *server_nonce = masked + OPQ_MASKED;
	const uint8_t *server_keyshare = server_nonce + OPQ_NN;
	const uint8_t *server_mac = server_keyshare + OPQ_NPK;
	const uint8_t *server_pk = t.unmasked;
	const uint8_t *env_nonce = server_pk + OPQ_NPK;
	const uint8_t *env_tag = env_nonce + OPQ_NN;
	int r;

	if ((r = finish_check(st, CLIENT_LOGIN, ke3, session_key, ke2,
	    ke2len, cfg, ids)) != 0)
		return r;
	if (export_key == NULL)
		return COFFER_ERR_INVALID;
	memset(&t, 0, sizeof(t));
	/* The cheap checks of what is in the clear come first. */
	if ((r = opaque_read_exact(t.ke2, sizeof(t.ke2), ke2,
	    ke2len)) != 0 ||
	    (r = oprf_element_check(evaluated)) != 0 ||
	    (r = oprf_element_check(server_keyshare)) != 0)
		goto out;
	/* RecoverCredentials (RFC 9807 section 6.3.2.3). */
	if ((r = oprf_finalize(t.out, st->password, st->pwlen,
	    st->blind, evaluated)) != 0 ||
	    (r = opaque_randomized_password(t.rwd, t.out, cfg)) != 0 ||
	    (r = opaque_expand(t.masking_key, OPQ_NH, t.rwd, OPQ_NH,
	    NULL, 0, "MaskingKey")) != 0 ||
	    (r = opaque_mask(t.unmasked, t.masking_key, masking_nonce,
	    masked)) != 0)
		goto out;
	/* Recover (section 4.1.3): a wrong password, server key or identity
	 * shows as a tag that does not hold. */
	if ((r = opaque_envelope_keys(t.rwd, env_nonce, t.auth_key,
	    t.export_key, t.client_sk, t.client_pk)) != 0)
		goto out;
	opaque_envelope_tag(t.tag, t.auth_key, env_nonce, server_pk,
	    t.client_pk, ids);
	if (sodium_memcmp(t.tag, env_tag, OPQ_NM) != 0) {
		r = COFFER_ERR_AUTH;
		goto out;
	}
	/* The tag covers the server key, which the client checked when it
	 * registered: an invalid one here is a forgery all the same. */
	if (oprf_element_check(server_pk) != 0) {
		r = COFFER_ERR_AUTH;
		goto out;
	}
	/* AuthClientFinalize (section 6.4.3). */
	if ((r = opaque_dh(t.ikm, st->secret, server_keyshare)) != 0 ||
	    (r = opaque_dh(t.ikm + OPQ_NPK, st->secret,
	    server_pk)) != 0 ||
	    (r = opaque_dh(t.ikm + 2 * OPQ_NPK, t.client_sk,
	    server_keyshare)) != 0)
		goto out;
	opaque_preamble(&t.pre, cfg, ids, t.client_pk, server_pk,
	    st->ke1, t.ke2, server_nonce, server_keyshare);
	if ((r = opaque_derive_keys(t.ikm, &t.pre, t.server_mac,
	    t.client_mac, t.session_key, tr)) != 0)
		goto out;
	if (sodium_memcmp(t.server_mac, server_mac, OPQ_NM) != 0) {
		r = COFFER_ERR_AUTH;
		goto out;
	}
	memcpy(ke3, t.client_mac, OPQ_NM);
	memcpy(session_key, t.session_key, OPQ_NX);
	memcpy(export_key, t.export_key, OPQ_NH);
	if (tr != NULL) {
		memcpy(tr->randomized_password, t.rwd, OPQ_NH);
		memcpy(tr->masking_key, t.masking_key, OPQ_NH);
		memcpy(tr->auth_key, t.auth_key, OPQ_NH);
		memcpy(tr->envelope, env_nonce, OPQ_ENVELOPE);
		memcpy(tr->client_public_key, t.client_pk, OPQ_NPK);
	}
out:
	client_spend(st);
	sodium_memzero(&t, sizeof(t));
	return r;
}

int
coffer_opaque_client_login_finish(struct coffer_opaque_client *st,
    uint8_t ke3[COFFER_OPAQUE_KE3_BYTES],
    uint8_t session_key[COFFER_OPAQUE_SESSION_KEY_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *ke2, size_t ke2len,
    const struct coffer_opaque_params *params,
    const struct coffer_opaque_ids *ids)
{
	struct opq_cfg cfg;
	int r;

	if ((r = opaque_cfg(&cfg, params)) != 0)
		return r;
	return opaque_client_login_finish_det(st, ke3, session_key,
	    export_key, ke2, ke2len, &cfg, ids, NULL);
}
