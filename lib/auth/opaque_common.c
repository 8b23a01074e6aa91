/* OPAQUE-3DH pieces both sides use (RFC 9807 sections 4, 6.4): the
 * configuration and its context string, the key stretching, the envelope
 * keys and tag, masking, the 3DH preamble and key schedule. */
#include <coffer/err.h>
#include <coffer/opaque.h>

#include "auth/opaque_internal.h"
#include "auth/oprf.h"
#include "core/reader.h"
#include "core/sysendian.h"
#include "crypto/hkdf.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

_Static_assert(COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES == OPQ_NOE, "req");
_Static_assert(COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES ==
    OPQ_NOE + OPQ_NPK, "response");
_Static_assert(COFFER_OPAQUE_RECORD_BYTES == OPQ_NPK + OPQ_NH + OPQ_ENVELOPE,
    "record");
_Static_assert(COFFER_OPAQUE_KE1_BYTES == OPQ_NOE + OPQ_NN + OPQ_NPK, "KE1");
_Static_assert(COFFER_OPAQUE_KE2_BYTES ==
    OPQ_CRED_RESP + OPQ_NN + OPQ_NPK + OPQ_NM, "KE2");
_Static_assert(COFFER_OPAQUE_KE3_BYTES == OPQ_NM, "KE3");
_Static_assert(COFFER_OPAQUE_SESSION_KEY_BYTES == OPQ_NX, "session key");
_Static_assert(COFFER_OPAQUE_EXPORT_KEY_BYTES == OPQ_NH, "export key");
_Static_assert(COFFER_OPAQUE_ID_MAX <= 65535, "I2OSP(len, 2)");

int
opaque_cfg_raw(struct opq_cfg *cfg, enum opq_ksf ksf, uint32_t t_cost,
    uint32_t m_cost, const uint8_t *context, size_t contextlen)
{
	if (cfg == NULL || contextlen > OPQ_CONTEXT_MAX ||
	    (context == NULL && contextlen != 0))
		return COFFER_ERR_INVALID;
	if (ksf == OPQ_KSF_ARGON2ID) {
		if (t_cost < 1 || t_cost > COFFER_OPAQUE_T_MAX ||
		    m_cost < COFFER_OPAQUE_M_MIN ||
		    m_cost > COFFER_OPAQUE_M_MAX)
			return COFFER_ERR_INVALID;
	} else if (ksf != OPQ_KSF_IDENTITY)
		return COFFER_ERR_INVALID;
	memset(cfg, 0, sizeof(*cfg));
	cfg->ksf = ksf;
	cfg->t_cost = t_cost;
	cfg->m_cost = m_cost;
	if (contextlen > 0)
		memcpy(cfg->context, context, contextlen);
	cfg->contextlen = contextlen;
	return 0;
}

int
opaque_cfg(struct opq_cfg *cfg, const struct coffer_opaque_params *p)
{
	char ctx[OPQ_CONTEXT_MAX];
	uint32_t t = p == NULL ? COFFER_OPAQUE_T_COST : p->t_cost;
	uint32_t m = p == NULL ? COFFER_OPAQUE_M_COST : p->m_cost;
	int n;

	/* The context names everything that makes two clients derive
	 * different keys from one password: a client and server that
	 * disagree on any of it fail the handshake. v=19 is Argon2 1.3;
	 * the salt (16 zero bytes) and output length (64) are fixed by
	 * the version, "v1". */
	n = snprintf(ctx, sizeof(ctx), "%s argon2id v=19 t=%lu m=%lu p=1",
	    COFFER_OPAQUE_CONTEXT, (unsigned long)t, (unsigned long)m);
	if (n < 0 || (size_t)n >= sizeof(ctx))
		return COFFER_ERR_INVALID;
	return opaque_cfg_raw(cfg, OPQ_KSF_ARGON2ID, t, m,
	    (const uint8_t *)ctx, (size_t)n);
}

int
opaque_ids_check(const struct coffer_opaque_ids *ids)
{
	if (ids == NULL)
		return 0;
	if ((ids->client == NULL && ids->client_len != 0) ||
	    ids->client_len > COFFER_OPAQUE_ID_MAX ||
	    (ids->server == NULL && ids->server_len != 0) ||
	    ids->server_len > COFFER_OPAQUE_ID_MAX)
		return COFFER_ERR_INVALID;
	return 0;
}

int
opaque_expand(uint8_t *out, size_t outlen, const uint8_t *prk,
    size_t prklen, const uint8_t *a, size_t alen, const char *label)
{
	uint8_t info[COFFER_OPAQUE_ID_MAX + 32];
	size_t ll = strlen(label);
	int r;

	if (alen > COFFER_OPAQUE_ID_MAX || ll > 32 || (a == NULL && alen != 0))
		return COFFER_ERR_INVALID;
	if (alen > 0)
		memcpy(info, a, alen);
	memcpy(info + alen, label, ll);
	r = hkdf_expand(COFFER_HKDF_SHA512, out, outlen, prk, prklen,
	    info, alen + ll);
	sodium_memzero(info, sizeof(info));
	return r;
}

int
opaque_dh_keypair(uint8_t *sk, uint8_t pk[OPQ_NPK],
    const uint8_t seed[OPQ_NSEED])
{
	static const char info[] = "OPAQUE-DeriveDiffieHellmanKeyPair";
	uint8_t s[OPQ_NSK];
	int r;

	r = oprf_derive_key_pair(s, pk, seed, (const uint8_t *)info,
	    sizeof(info) - 1) == 0 ? 0 : COFFER_ERR_CRYPTO;
	if (r == 0 && sk != NULL)
		memcpy(sk, s, OPQ_NSK);
	sodium_memzero(s, sizeof(s));
	return r;
}

int
opaque_dh(uint8_t out[OPQ_NPK], const uint8_t sk[OPQ_NSK],
    const uint8_t pk[OPQ_NPK])
{
	/* libsodium refuses an identity result; with a valid non-identity
	 * point and a non-zero scalar below the prime order there is none. */
	return crypto_scalarmult_ristretto255(out, sk, pk) == 0 ? 0 :
	    COFFER_ERR_CRYPTO;
}

int
opaque_randomized_password(uint8_t rwd[OPQ_NH],
    const uint8_t oprf_output[OPQ_NH], const struct opq_cfg *cfg)
{
	static const uint8_t salt[crypto_pwhash_SALTBYTES];	/* zeros */
	uint8_t ikm[2 * OPQ_NH];
	int r = COFFER_ERR_INVALID;

	_Static_assert(crypto_pwhash_SALTBYTES == 16, "S = zeroes(16)");
	memcpy(ikm, oprf_output, OPQ_NH);
	switch (cfg->ksf) {
	case OPQ_KSF_IDENTITY:
		memcpy(ikm + OPQ_NH, oprf_output, OPQ_NH);
		break;
	case OPQ_KSF_ARGON2ID:
		/* crypto_pwhash fails only for bad limits (checked in the
		 * configuration) or when it cannot allocate its memory. */
		if (crypto_pwhash(ikm + OPQ_NH, OPQ_NH,
		    (const char *)oprf_output, OPQ_NH, salt, cfg->t_cost,
		    (size_t)cfg->m_cost * 1024, crypto_pwhash_ALG_ARGON2ID13)
		    != 0) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		break;
	default:
		goto out;
	}
	r = hkdf_extract(COFFER_HKDF_SHA512, rwd, NULL, 0, ikm,
	    sizeof(ikm));
out:
	sodium_memzero(ikm, sizeof(ikm));
	return r;
}

int
opaque_envelope_keys(const uint8_t rwd[OPQ_NH],
    const uint8_t nonce[OPQ_NN], uint8_t auth_key[OPQ_NH],
    uint8_t export_key[OPQ_NH], uint8_t *sk, uint8_t pk[OPQ_NPK])
{
	uint8_t seed[OPQ_NSEED];
	int r;

	if ((r = opaque_expand(auth_key, OPQ_NH, rwd, OPQ_NH, nonce,
	    OPQ_NN, "AuthKey")) != 0 ||
	    (r = opaque_expand(export_key, OPQ_NH, rwd, OPQ_NH, nonce,
	    OPQ_NN, "ExportKey")) != 0 ||
	    (r = opaque_expand(seed, OPQ_NSEED, rwd, OPQ_NH, nonce,
	    OPQ_NN, "PrivateKey")) != 0)
		goto out;
	r = opaque_dh_keypair(sk, pk, seed);
out:
	sodium_memzero(seed, sizeof(seed));
	return r;
}

static void
put_len2(crypto_auth_hmacsha512_state *h, crypto_hash_sha512_state *s,
    size_t n)
{
	uint8_t b[2];

	be16enc(b, (uint16_t)n);

	if (h != NULL)
		crypto_auth_hmacsha512_update(h, b, 2);
	else
		crypto_hash_sha512_update(s, b, 2);
}

/* The identities of CleartextCredentials: given, or the public keys. */
static void
ids_or_keys(const struct coffer_opaque_ids *ids, const uint8_t *client_pk,
    const uint8_t *server_pk, const uint8_t **cid, size_t *cidlen,
    const uint8_t **sid, size_t *sidlen)
{
	*cid = client_pk;
	*cidlen = OPQ_NPK;
	*sid = server_pk;
	*sidlen = OPQ_NPK;
	if (ids != NULL && ids->client_len > 0) {
		*cid = ids->client;
		*cidlen = ids->client_len;
	}
	if (ids != NULL && ids->server_len > 0) {
		*sid = ids->server;
		*sidlen = ids->server_len;
	}
}

void
opaque_envelope_tag(uint8_t tag[OPQ_NM], const uint8_t auth_key[OPQ_NH],
    const uint8_t nonce[OPQ_NN], const uint8_t server_pk[OPQ_NPK],
    const uint8_t client_pk[OPQ_NPK], const struct coffer_opaque_ids *ids)
{
	crypto_auth_hmacsha512_state h;
	const uint8_t *cid, *sid;
	size_t cidlen, sidlen;

	ids_or_keys(ids, client_pk, server_pk, &cid, &cidlen, &sid, &sidlen);
	crypto_auth_hmacsha512_init(&h, auth_key, OPQ_NH);
	crypto_auth_hmacsha512_update(&h, nonce, OPQ_NN);
	crypto_auth_hmacsha512_update(&h, server_pk, OPQ_NPK);
	put_len2(&h, NULL, sidlen);
	crypto_auth_hmacsha512_update(&h, sid, sidlen);
	put_len2(&h, NULL, cidlen);
	crypto_auth_hmacsha512_update(&h, cid, cidlen);
	crypto_auth_hmacsha512_final(&h, tag);
	sodium_memzero(&h, sizeof(h));
}

int
opaque_oprf_key(uint8_t sk[OPQ_NOK],
    const struct coffer_opaque_server_setup *setup, const uint8_t *cred_id,
    size_t cred_idlen)
{
	static const char info[] = "OPAQUE-DeriveKeyPair";
	uint8_t seed[OPQ_NOK];
	int r;

	if (cred_idlen == 0 || cred_idlen > COFFER_OPAQUE_ID_MAX ||
	    cred_id == NULL)
		return COFFER_ERR_INVALID;
	if ((r = opaque_expand(seed, OPQ_NOK, setup->oprf_seed,
	    setup->seedlen, cred_id, cred_idlen, "OprfKey")) == 0)
		r = oprf_derive_key_pair(sk, NULL, seed,
		    (const uint8_t *)info, sizeof(info) - 1);
	sodium_memzero(seed, sizeof(seed));
	return r;
}

int
opaque_mask(uint8_t out[OPQ_MASKED], const uint8_t masking_key[OPQ_NH],
    const uint8_t masking_nonce[OPQ_NN], const uint8_t in[OPQ_MASKED])
{
	uint8_t pad[OPQ_MASKED];
	size_t i;
	int r;

	if ((r = opaque_expand(pad, sizeof(pad), masking_key, OPQ_NH,
	    masking_nonce, OPQ_NN, "CredentialResponsePad")) == 0)
		for (i = 0; i < OPQ_MASKED; i++)
			out[i] = in[i] ^ pad[i];
	sodium_memzero(pad, sizeof(pad));
	return r;
}

void
opaque_preamble(crypto_hash_sha512_state *st, const struct opq_cfg *cfg,
    const struct coffer_opaque_ids *ids, const uint8_t client_pk[OPQ_NPK],
    const uint8_t server_pk[OPQ_NPK],
    const uint8_t ke1[COFFER_OPAQUE_KE1_BYTES],
    const uint8_t cred_resp[OPQ_CRED_RESP], const uint8_t server_nonce[OPQ_NN],
    const uint8_t server_keyshare[OPQ_NPK])
{
	static const char v1[] = "OPAQUEv1-";
	const uint8_t *cid, *sid;
	size_t cidlen, sidlen;

	ids_or_keys(ids, client_pk, server_pk, &cid, &cidlen, &sid, &sidlen);
	crypto_hash_sha512_init(st);
	crypto_hash_sha512_update(st, (const uint8_t *)v1, sizeof(v1) - 1);
	put_len2(NULL, st, cfg->contextlen);
	crypto_hash_sha512_update(st, cfg->context, cfg->contextlen);
	put_len2(NULL, st, cidlen);
	crypto_hash_sha512_update(st, cid, cidlen);
	crypto_hash_sha512_update(st, ke1, COFFER_OPAQUE_KE1_BYTES);
	put_len2(NULL, st, sidlen);
	crypto_hash_sha512_update(st, sid, sidlen);
	crypto_hash_sha512_update(st, cred_resp, OPQ_CRED_RESP);
	crypto_hash_sha512_update(st, server_nonce, OPQ_NN);
	crypto_hash_sha512_update(st, server_keyshare, OPQ_NPK);
}

/* Expand-Label(secret, label, context, 64) with the TLS 1.3 style
 * CustomLabel: I2OSP(64, 2) || len || "OPAQUE-" label || len || context. */
static int
expand_label(uint8_t out[OPQ_NX], const uint8_t secret[OPQ_NX],
    const char *label, const uint8_t *ctx, size_t ctxlen)
{
	uint8_t info[2 + 1 + 7 + 32 + 1 + OPQ_NH];
	size_t ll = strlen(label), n = 0;

	if (ll > 32 || ctxlen > OPQ_NH)
		return COFFER_ERR_INVALID;
	info[n++] = 0;
	info[n++] = OPQ_NX;
	info[n++] = (uint8_t)(7 + ll);
	memcpy(info + n, "OPAQUE-", 7);
	n += 7;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = (uint8_t)ctxlen;
	if (ctxlen > 0)
		memcpy(info + n, ctx, ctxlen);
	n += ctxlen;
	return hkdf_expand(COFFER_HKDF_SHA512, out, OPQ_NX, secret,
	    OPQ_NX, info, n);
}

static void
hmac(uint8_t out[OPQ_NM], const uint8_t key[OPQ_NM], const uint8_t *m,
    size_t n)
{
	crypto_auth_hmacsha512_state h;

	crypto_auth_hmacsha512_init(&h, key, OPQ_NM);
	crypto_auth_hmacsha512_update(&h, m, n);
	crypto_auth_hmacsha512_final(&h, out);
	sodium_memzero(&h, sizeof(h));
}

int
opaque_derive_keys(const uint8_t ikm[3 * OPQ_NPK],
    const crypto_hash_sha512_state *preamble, uint8_t server_mac[OPQ_NM],
    uint8_t client_mac[OPQ_NM], uint8_t session_key[OPQ_NX],
    struct opq_trace *tr)
{
	struct {
		crypto_hash_sha512_state	st;
		uint8_t				prk[OPQ_NX], h[OPQ_NH];
		uint8_t				hs[OPQ_NX], km2[OPQ_NM];
		uint8_t				km3[OPQ_NM];
	} t;
	int r;

	if ((r = hkdf_extract(COFFER_HKDF_SHA512, t.prk, NULL, 0, ikm,
	    3 * OPQ_NPK)) != 0)
		goto out;
	t.st = *preamble;
	crypto_hash_sha512_final(&t.st, t.h);
	if ((r = expand_label(t.hs, t.prk, "HandshakeSecret", t.h,
	    OPQ_NH)) != 0 ||
	    (r = expand_label(session_key, t.prk, "SessionKey", t.h,
	    OPQ_NH)) != 0 ||
	    (r = expand_label(t.km2, t.hs, "ServerMAC", NULL, 0)) != 0 ||
	    (r = expand_label(t.km3, t.hs, "ClientMAC", NULL, 0)) != 0)
		goto out;
	hmac(server_mac, t.km2, t.h, OPQ_NH);
	t.st = *preamble;
	crypto_hash_sha512_update(&t.st, server_mac, OPQ_NM);
	crypto_hash_sha512_final(&t.st, t.h);
	hmac(client_mac, t.km3, t.h, OPQ_NH);
	if (tr != NULL) {
		memcpy(tr->handshake_secret, t.hs, OPQ_NX);
		memcpy(tr->server_mac_key, t.km2, OPQ_NM);
		memcpy(tr->client_mac_key, t.km3, OPQ_NM);
	}
out:
	sodium_memzero(&t, sizeof(t));
	return r;
}

int
opaque_read_exact(uint8_t *out, size_t n, const uint8_t *msg,
    size_t msglen)
{
	struct reader rd;
	int r;

	reader_init(&rd, msg, msglen);
	if ((r = reader_copy(&rd, out, n)) != 0)
		return r;
	return reader_end(&rd);
}
