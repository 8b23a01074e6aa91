/* The server side of OPAQUE-3DH (RFC 9807): CreateRegistrationResponse,
 * GenerateKE2 (CreateCredentialResponse and AuthServerRespond), with the
 * fake response for unknown credential identifiers (section 10.9), and
 * ServerFinish; and the saved form "CFOL" of a login in progress. */
#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/kdf.h>
#include <coffer/opaque.h>

#include "auth/opaque_internal.h"
#include "auth/oprf.h"
#include "core/reader.h"

#include <string.h>

#include <sodium.h>

enum server_phase {
	SERVER_STARTED = 1,
	SERVER_SPENT = 2,
};

struct coffer_opaque_server {
	enum server_phase	phase;
	uint32_t		fake;	/* 1: no record; no KE3 passes */
	uint8_t			expected_mac[OPQ_NM];
	uint8_t			session_key[OPQ_NX];
};

/* The fake record of an unknown identifier comes from the OPRF seed
 * under this context, with the identifier as info. */
static const char fake_ctx[] = "coffer/opaque-fake/v1";

static const uint8_t state_magic[4] = { 'C', 'F', 'O', 'L' };
#define STATE_VERSION	1

_Static_assert(COFFER_OPAQUE_SERVER_STATE_BYTES ==
    sizeof(state_magic) + 2 + OPQ_NM + OPQ_NX, "state size");

void
coffer_opaque_server_free(struct coffer_opaque_server **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_memzero(*p, sizeof(**p));
	sodium_free(*p);
	*p = NULL;
}

static int
server_new(struct coffer_opaque_server **out, uint32_t fake,
    const uint8_t expected_mac[OPQ_NM], const uint8_t session_key[OPQ_NX])
{
	struct coffer_opaque_server *st;

	if ((st = sodium_malloc(sizeof(*st))) == NULL)
		return COFFER_ERR_NOMEM;
	st->phase = SERVER_STARTED;
	st->fake = fake;
	memcpy(st->expected_mac, expected_mac, OPQ_NM);
	memcpy(st->session_key, session_key, OPQ_NX);
	*out = st;
	return 0;
}

int
coffer_opaque_server_register(const struct coffer_opaque_server_setup *setup,
    uint8_t response[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES],
    const uint8_t *request, size_t requestlen, const uint8_t *cred_id,
    size_t cred_idlen)
{
	uint8_t blinded[OPQ_NOE], key[OPQ_NOK], evaluated[OPQ_NOE];
	int r;

	if (setup == NULL || response == NULL || cred_id == NULL ||
	    cred_idlen == 0 || cred_idlen > COFFER_OPAQUE_ID_MAX ||
	    (request == NULL && requestlen != 0))
		return COFFER_ERR_INVALID;
	if ((r = opaque_read_exact(blinded, sizeof(blinded), request,
	    requestlen)) != 0 ||
	    (r = oprf_element_check(blinded)) != 0)
		goto out;
	if ((r = opaque_oprf_key(key, setup, cred_id,
	    cred_idlen)) != 0 ||
	    (r = oprf_blind_evaluate(evaluated, key, blinded)) != 0)
		goto out;
	memcpy(response, evaluated, OPQ_NOE);
	memcpy(response + OPQ_NOE, setup->pk, OPQ_NPK);
out:
	sodium_memzero(key, sizeof(key));
	return r;
}

int
coffer_opaque_server_record_check(const uint8_t *record, size_t recordlen)
{
	uint8_t rec[COFFER_OPAQUE_RECORD_BYTES];
	int r;

	if (record == NULL && recordlen != 0)
		return COFFER_ERR_INVALID;
	if ((r = opaque_read_exact(rec, sizeof(rec), record,
	    recordlen)) == 0)
		r = oprf_element_check(rec);	/* client key */
	sodium_memzero(rec, sizeof(rec));
	return r;
}

/* client_public_key || masking_key of the fake record for cred_id. Its
 * private key is never kept, so no client can finish against it. */
static int
fake_record(uint8_t out[OPQ_FAKE], const struct coffer_opaque_server_setup *s,
    const uint8_t *cred_id, size_t cred_idlen)
{
	uint8_t okm[OPQ_NSEED + OPQ_NH];
	int r;

	if ((r = coffer_kdf(okm, sizeof(okm), s->oprf_seed, s->seedlen,
	    fake_ctx, cred_id, cred_idlen)) == 0 &&
	    (r = opaque_dh_keypair(NULL, out, okm)) == 0)
		memcpy(out + OPQ_NPK, okm + OPQ_NSEED, OPQ_NH);
	sodium_memzero(okm, sizeof(okm));
	return r;
}

int
opaque_server_login_start_det(struct coffer_opaque_server **out,
    uint8_t ke2[COFFER_OPAQUE_KE2_BYTES],
    const struct coffer_opaque_server_setup *setup, const uint8_t *record,
    size_t recordlen, const uint8_t *cred_id, size_t cred_idlen,
    const uint8_t *ke1, size_t ke1len, const struct opq_cfg *cfg,
    const struct coffer_opaque_ids *ids, const uint8_t masking_nonce[32],
    const uint8_t server_nonce[32], const uint8_t keyshare_seed[32],
    const uint8_t *fake, struct opq_trace *tr)
{
	struct {
		crypto_hash_sha512_state	pre;
		uint8_t	ke1[COFFER_OPAQUE_KE1_BYTES];
		uint8_t	rec[COFFER_OPAQUE_RECORD_BYTES];
		uint8_t	fake[OPQ_FAKE], oprf_key[OPQ_NOK];
		uint8_t	ke2[COFFER_OPAQUE_KE2_BYTES];
		uint8_t	plain[OPQ_MASKED];
		uint8_t	share_sk[OPQ_NSK], ikm[3 * OPQ_NPK];
		uint8_t	client_mac[OPQ_NM], session_key[OPQ_NX];
	} t;
	const uint8_t *blinded = t.ke1;
	const uint8_t *client_keyshare = t.ke1 + OPQ_NOE + OPQ_NN;
	const uint8_t *client_pk = t.rec;
	const uint8_t *masking_key = t.rec + OPQ_NPK;
	const uint8_t *envelope = masking_key + OPQ_NH;
	/* KE2 = credential_response (evaluated_message || masking_nonce ||
	 * masked_response) || server_nonce || server_public_keyshare ||
	 * server_mac */
	uint8_t *cred_resp = t.ke2;
	uint8_t *server_share = t.ke2 + OPQ_CRED_RESP + OPQ_NN;
	uint8_t *server_mac = server_share + OPQ_NPK;
	uint32_t is_fake = record == NULL;
	int r;

	if (out == NULL || ke2 == NULL || setup == NULL || cfg == NULL ||
	    cred_id == NULL || cred_idlen == 0 ||
	    cred_idlen > COFFER_OPAQUE_ID_MAX || (ke1 == NULL && ke1len != 0) ||
	    (record == NULL && recordlen != 0) || masking_nonce == NULL ||
	    server_nonce == NULL || keyshare_seed == NULL ||
	    opaque_ids_check(ids) != 0)
		return COFFER_ERR_INVALID;
	memset(&t, 0, sizeof(t));
	if ((r = opaque_read_exact(t.ke1, sizeof(t.ke1), ke1,
	    ke1len)) != 0 ||
	    (r = oprf_element_check(blinded)) != 0 ||
	    (r = oprf_element_check(client_keyshare)) != 0)
		goto out;
	if (!is_fake && (r = opaque_read_exact(t.rec, sizeof(t.rec),
	    record, recordlen)) != 0)
		goto out;
	/* The fake record is derived for every login, real or not, so that
	 * both take the same work (RFC 9807 section 9.1). */
	if (fake != NULL)
		memcpy(t.fake, fake, OPQ_FAKE);
	else if ((r = fake_record(t.fake, setup, cred_id, cred_idlen)) != 0)
		goto out;
	if (is_fake)		/* its envelope is all zeros */
		memcpy(t.rec, t.fake, OPQ_FAKE);
	if ((r = oprf_element_check(client_pk)) != 0)
		goto out;

	/* CreateCredentialResponse (section 6.3.2.2). */
	if ((r = opaque_oprf_key(t.oprf_key, setup, cred_id,
	    cred_idlen)) != 0 ||
	    (r = oprf_blind_evaluate(cred_resp, t.oprf_key,
	    blinded)) != 0)
		goto out;
	memcpy(cred_resp + OPQ_NOE, masking_nonce, OPQ_NN);
	memcpy(t.plain, setup->pk, OPQ_NPK);
	memcpy(t.plain + OPQ_NPK, envelope, OPQ_ENVELOPE);
	if ((r = opaque_mask(cred_resp + OPQ_NOE + OPQ_NN, masking_key,
	    masking_nonce, t.plain)) != 0)
		goto out;

	/* AuthServerRespond (section 6.4.4). */
	memcpy(t.ke2 + OPQ_CRED_RESP, server_nonce, OPQ_NN);
	if ((r = opaque_dh_keypair(t.share_sk, server_share,
	    keyshare_seed)) != 0)
		goto out;
	opaque_preamble(&t.pre, cfg, ids, client_pk, setup->pk, t.ke1,
	    cred_resp, server_nonce, server_share);
	if ((r = opaque_dh(t.ikm, t.share_sk, client_keyshare)) != 0 ||
	    (r = opaque_dh(t.ikm + OPQ_NPK, setup->sk,
	    client_keyshare)) != 0 ||
	    (r = opaque_dh(t.ikm + 2 * OPQ_NPK, t.share_sk,
	    client_pk)) != 0)
		goto out;
	if ((r = opaque_derive_keys(t.ikm, &t.pre, server_mac,
	    t.client_mac, t.session_key, tr)) != 0)
		goto out;
	if ((r = server_new(out, is_fake, t.client_mac, t.session_key)) != 0)
		goto out;
	memcpy(ke2, t.ke2, sizeof(t.ke2));
	if (tr != NULL)
		memcpy(tr->oprf_key, t.oprf_key, OPQ_NOK);
out:
	sodium_memzero(&t, sizeof(t));
	return r;
}

int
coffer_opaque_server_login_start(struct coffer_opaque_server **out,
    uint8_t ke2[COFFER_OPAQUE_KE2_BYTES],
    const struct coffer_opaque_server_setup *setup, const uint8_t *record,
    size_t recordlen, const uint8_t *cred_id, size_t cred_idlen,
    const uint8_t *ke1, size_t ke1len,
    const struct coffer_opaque_params *params,
    const struct coffer_opaque_ids *ids)
{
	struct opq_cfg cfg;
	uint8_t mnonce[OPQ_NN], snonce[OPQ_NN], seed[OPQ_NSEED];
	int r;

	if ((r = opaque_cfg(&cfg, params)) != 0)
		return r;
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(mnonce, sizeof(mnonce));
	randombytes_buf(snonce, sizeof(snonce));
	randombytes_buf(seed, sizeof(seed));
	r = opaque_server_login_start_det(out, ke2, setup, record,
	    recordlen, cred_id, cred_idlen, ke1, ke1len, &cfg, ids, mnonce,
	    snonce, seed, NULL, NULL);
	sodium_memzero(seed, sizeof(seed));
	return r;
}

int
coffer_opaque_server_login_finish(struct coffer_opaque_server *st,
    uint8_t session_key[COFFER_OPAQUE_SESSION_KEY_BYTES], const uint8_t *ke3,
    size_t ke3len)
{
	uint8_t mac[OPQ_NM];
	int r, bad;

	if (st == NULL || session_key == NULL || (ke3 == NULL && ke3len != 0))
		return COFFER_ERR_INVALID;
	if (st->phase != SERVER_STARTED)
		return COFFER_ERR_STATE;
	if ((r = opaque_read_exact(mac, sizeof(mac), ke3, ke3len)) != 0)
		goto out;
	/* AuthServerFinalize: constant time in the MAC. */
	bad = (sodium_memcmp(mac, st->expected_mac, OPQ_NM) != 0) |
	    (st->fake != 0);
	if (bad) {
		r = COFFER_ERR_AUTH;
		goto out;
	}
	memcpy(session_key, st->session_key, OPQ_NX);
out:
	sodium_memzero(st->expected_mac, sizeof(st->expected_mac));
	sodium_memzero(st->session_key, sizeof(st->session_key));
	st->phase = SERVER_SPENT;
	sodium_memzero(mac, sizeof(mac));
	return r;
}

int
coffer_opaque_server_state_save(const struct coffer_opaque_server *st,
    uint8_t out[COFFER_OPAQUE_SERVER_STATE_BYTES])
{
	size_t n = 0;

	if (st == NULL || out == NULL)
		return COFFER_ERR_INVALID;
	if (st->phase != SERVER_STARTED)
		return COFFER_ERR_STATE;
	memcpy(out, state_magic, sizeof(state_magic));
	n += sizeof(state_magic);
	out[n++] = STATE_VERSION;
	out[n++] = (uint8_t)st->fake;
	memcpy(out + n, st->expected_mac, OPQ_NM);
	n += OPQ_NM;
	memcpy(out + n, st->session_key, OPQ_NX);
	return 0;
}

int
coffer_opaque_server_state_load(struct coffer_opaque_server **out,
    const uint8_t *p, size_t len)
{
	struct reader rd;
	const uint8_t *mac, *key;
	uint8_t version, flag;
	int r;

	if (out == NULL || (p == NULL && len != 0))
		return COFFER_ERR_INVALID;
	reader_init(&rd, p, len);
	if ((r = reader_magic(&rd, state_magic,
	    sizeof(state_magic))) != 0 ||
	    (r = reader_u8(&rd, &version)) != 0)
		return r;
	if (version != STATE_VERSION)
		return COFFER_ERR_VERSION;
	if ((r = reader_u8(&rd, &flag)) != 0)
		return r;
	if (flag > 1)
		return COFFER_ERR_FORMAT;
	if ((r = reader_bytes(&rd, OPQ_NM, &mac)) != 0 ||
	    (r = reader_bytes(&rd, OPQ_NX, &key)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		return r;
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	return server_new(out, flag, mac, key);
}
