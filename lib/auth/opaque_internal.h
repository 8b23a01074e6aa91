/* OPAQUE-3DH internals shared by lib/auth/opaque_{common,client,server}.c,
 * and the deterministic entry points the known-answer tests drive: each
 * public function that draws randomness is a thin wrapper around a
 * *_det function here that takes the random values as arguments, and the
 * configuration (KSF and context) is explicit, so that the RFC 9807
 * vectors (KSF = Identity, context "OPAQUE-POC") run through the same
 * code as coffer's own profile. Nothing here is exported. */
#ifndef COFFER_OPAQUE_INTERNAL_H
#define COFFER_OPAQUE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include <coffer/opaque.h>

/* Sizes of RFC 9807 for ristretto255-SHA512. */
#define OPQ_NN		32	/* nonce */
#define OPQ_NSEED	32	/* seed */
#define OPQ_NH		64	/* hash */
#define OPQ_NM		64	/* MAC */
#define OPQ_NX		64	/* KDF extract */
#define OPQ_NPK		32	/* public key */
#define OPQ_NSK		32	/* private key */
#define OPQ_NOK		32	/* OPRF key */
#define OPQ_NOE		32	/* OPRF element */
#define OPQ_ENVELOPE	(OPQ_NN + OPQ_NM)
#define OPQ_MASKED	(OPQ_NPK + OPQ_ENVELOPE)
#define OPQ_CRED_RESP	(OPQ_NOE + OPQ_NN + OPQ_MASKED)
#define OPQ_FAKE	(OPQ_NPK + OPQ_NH)	/* client key, masking key */

/* The longest context (preamble parameter) the library builds or takes. */
#define OPQ_CONTEXT_MAX	128

enum opq_ksf {
	OPQ_KSF_IDENTITY = 1,	/* Stretch(msg) = msg: RFC vectors only */
	OPQ_KSF_ARGON2ID = 2,	/* crypto_pwhash Argon2id13, zero salt */
};

/* A configuration: the KSF and the context bound into the preamble. */
struct opq_cfg {
	enum opq_ksf	ksf;
	uint32_t	t_cost;
	uint32_t	m_cost;		/* KiB */
	uint8_t		context[OPQ_CONTEXT_MAX];
	size_t		contextlen;
};

/* Intermediate values, filled when a test passes one (RFC 9807 appendix C
 * lists them); production passes NULL. */
struct opq_trace {
	uint8_t	oprf_key[OPQ_NOK];
	uint8_t	randomized_password[OPQ_NH];
	uint8_t	masking_key[OPQ_NH];
	uint8_t	auth_key[OPQ_NH];
	uint8_t	envelope[OPQ_ENVELOPE];
	uint8_t	client_public_key[OPQ_NPK];
	uint8_t	handshake_secret[OPQ_NX];
	uint8_t	server_mac_key[OPQ_NM];
	uint8_t	client_mac_key[OPQ_NM];
};

struct coffer_opaque_server_setup {
	uint8_t	oprf_seed[COFFER_OPAQUE_SEED_MAX];
	size_t	seedlen;
	uint8_t	sk[OPQ_NSK];
	uint8_t	pk[OPQ_NPK];
};

/** opaque_cfg(cfg, params): the configuration of coffer's profile
 * ${params} (NULL: the defaults): Argon2id with its costs, and the context
 * "coffer/opaque/v1 argon2id v=19 t=T m=M p=1". Returns 0 or
 * COFFER_ERR_INVALID (costs out of range). */
int opaque_cfg(struct opq_cfg *cfg,
    const struct coffer_opaque_params *params) COFFER_WUR;

/** opaque_cfg_raw(cfg, ksf, t, m, context, contextlen): any
 * configuration, for the tests. Returns 0 or COFFER_ERR_INVALID. */
int opaque_cfg_raw(struct opq_cfg *cfg, enum opq_ksf ksf,
    uint32_t t_cost, uint32_t m_cost, const uint8_t *context,
    size_t contextlen) COFFER_WUR;

/** opaque_ids_check(ids): 0 if ${ids} is NULL or each identity is
 * absent (NULL, 0) or 1..COFFER_OPAQUE_ID_MAX bytes; else
 * COFFER_ERR_INVALID. */
int opaque_ids_check(const struct coffer_opaque_ids *ids) COFFER_WUR;

/** opaque_read_exact(out, n, msg, msglen): copy a received message
 * of exactly ${n} bytes. Returns 0, COFFER_ERR_TRUNCATED (shorter) or
 * COFFER_ERR_TRAILING (longer); ${out} may be partly written on error. */
int opaque_read_exact(uint8_t *out, size_t n, const uint8_t *msg,
    size_t msglen) COFFER_WUR;

/** opaque_expand(out, outlen, prk, prklen, a, alen, label):
 * Expand(prk, a || label, outlen) with HKDF-SHA-512; ${a} may be NULL
 * when ${alen} is 0, ${alen} at most COFFER_OPAQUE_ID_MAX. Returns 0 or
 * COFFER_ERR_INVALID. */
int opaque_expand(uint8_t *out, size_t outlen, const uint8_t *prk,
    size_t prklen, const uint8_t *a, size_t alen, const char *label)
    COFFER_WUR;

/** opaque_dh_keypair(sk, pk, seed): DeriveDiffieHellmanKeyPair:
 * DeriveKeyPair(seed, "OPAQUE-DeriveDiffieHellmanKeyPair"). ${sk} may be
 * NULL. Returns 0 or COFFER_ERR_CRYPTO. */
int opaque_dh_keypair(uint8_t *sk, uint8_t pk[OPQ_NPK],
    const uint8_t seed[OPQ_NSEED]) COFFER_WUR;

/** opaque_randomized_password(rwd, oprf_output, cfg):
 * Extract("", oprf_output || Stretch(oprf_output)). Returns 0,
 * COFFER_ERR_NOMEM (Argon2id could not get its memory) or
 * COFFER_ERR_INVALID. */
int opaque_randomized_password(uint8_t rwd[OPQ_NH],
    const uint8_t oprf_output[OPQ_NH], const struct opq_cfg *cfg)
    COFFER_WUR;

/** opaque_envelope_keys(rwd, nonce, auth_key, export_key, sk, pk):
 * the keys Store and Recover derive from the randomized password and the
 * envelope nonce. ${sk} may be NULL. Returns 0 or COFFER_ERR_CRYPTO. */
int opaque_envelope_keys(const uint8_t rwd[OPQ_NH],
    const uint8_t nonce[OPQ_NN], uint8_t auth_key[OPQ_NH],
    uint8_t export_key[OPQ_NH], uint8_t *sk, uint8_t pk[OPQ_NPK])
    COFFER_WUR;

/** opaque_envelope_tag(tag, auth_key, nonce, server_pk, client_pk,
 * ids): MAC(auth_key, nonce || CleartextCredentials), the identities
 * defaulting to the public keys. */
void opaque_envelope_tag(uint8_t tag[OPQ_NM],
    const uint8_t auth_key[OPQ_NH], const uint8_t nonce[OPQ_NN],
    const uint8_t server_pk[OPQ_NPK], const uint8_t client_pk[OPQ_NPK],
    const struct coffer_opaque_ids *ids);

/** opaque_oprf_key(sk, setup, cred_id, cred_idlen): the per-client
 * OPRF key: DeriveKeyPair(Expand(oprf_seed, cred_id || "OprfKey", Nok),
 * "OPAQUE-DeriveKeyPair"). Returns 0, COFFER_ERR_INVALID or
 * COFFER_ERR_CRYPTO. */
int opaque_oprf_key(uint8_t sk[OPQ_NOK],
    const struct coffer_opaque_server_setup *setup, const uint8_t *cred_id,
    size_t cred_idlen) COFFER_WUR;

/** opaque_mask(out, masking_key, masking_nonce, in): out = in xor
 * Expand(masking_key, masking_nonce || "CredentialResponsePad", 128).
 * Returns 0 or COFFER_ERR_INVALID. */
int opaque_mask(uint8_t out[OPQ_MASKED],
    const uint8_t masking_key[OPQ_NH], const uint8_t masking_nonce[OPQ_NN],
    const uint8_t in[OPQ_MASKED]) COFFER_WUR;

/** opaque_preamble(st, cfg, ids, client_pk, server_pk, ke1,
 * cred_resp, server_nonce, server_keyshare): start SHA-512 over the
 * preamble, the identities defaulting to the public keys. */
void opaque_preamble(crypto_hash_sha512_state *st,
    const struct opq_cfg *cfg, const struct coffer_opaque_ids *ids,
    const uint8_t client_pk[OPQ_NPK], const uint8_t server_pk[OPQ_NPK],
    const uint8_t ke1[COFFER_OPAQUE_KE1_BYTES],
    const uint8_t cred_resp[OPQ_CRED_RESP],
    const uint8_t server_nonce[OPQ_NN],
    const uint8_t server_keyshare[OPQ_NPK]);

/** opaque_derive_keys(ikm, preamble, server_mac, client_mac,
 * session_key, tr): DeriveKeys over ${ikm} (dh1 || dh2 || dh3) and the
 * preamble's hash state, then server_mac = MAC(Km2, Hash(preamble)) and
 * client_mac = MAC(Km3, Hash(preamble || server_mac)). Returns 0 or
 * COFFER_ERR_INVALID. */
int opaque_derive_keys(const uint8_t ikm[3 * OPQ_NPK],
    const crypto_hash_sha512_state *preamble, uint8_t server_mac[OPQ_NM],
    uint8_t client_mac[OPQ_NM], uint8_t session_key[OPQ_NX],
    struct opq_trace *tr) COFFER_WUR;

/** opaque_dh(out, sk, pk): DiffieHellman over ristretto255 into
 * ${out}. Returns 0 or COFFER_ERR_CRYPTO (the result is the identity). */
int opaque_dh(uint8_t out[OPQ_NPK], const uint8_t sk[OPQ_NSK],
    const uint8_t pk[OPQ_NPK]) COFFER_WUR;

/* Deterministic client steps. Each takes what the public function would
 * draw at random. */
int opaque_client_register_start_det(struct coffer_opaque_client **out,
    uint8_t request[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES],
    const uint8_t *password, size_t passwordlen, const uint8_t blind[32])
    COFFER_WUR;
int opaque_client_register_finish_det(struct coffer_opaque_client *st,
    uint8_t record[COFFER_OPAQUE_RECORD_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *response, size_t responselen, const struct opq_cfg *cfg,
    const struct coffer_opaque_ids *ids, const uint8_t envelope_nonce[32],
    struct opq_trace *tr) COFFER_WUR;
int opaque_client_login_start_det(struct coffer_opaque_client **out,
    uint8_t ke1[COFFER_OPAQUE_KE1_BYTES], const uint8_t *password,
    size_t passwordlen, const uint8_t blind[32],
    const uint8_t client_nonce[32], const uint8_t keyshare_seed[32])
    COFFER_WUR;
int opaque_client_login_finish_det(struct coffer_opaque_client *st,
    uint8_t ke3[COFFER_OPAQUE_KE3_BYTES],
    uint8_t session_key[COFFER_OPAQUE_SESSION_KEY_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *ke2, size_t ke2len, const struct opq_cfg *cfg,
    const struct coffer_opaque_ids *ids, struct opq_trace *tr) COFFER_WUR;

/* The deterministic server step. ${fake} (client_public_key ||
 * masking_key) replaces the derived fake record when ${record} is NULL;
 * NULL derives it from the setup as production does. */
int opaque_server_login_start_det(struct coffer_opaque_server **out,
    uint8_t ke2[COFFER_OPAQUE_KE2_BYTES],
    const struct coffer_opaque_server_setup *setup, const uint8_t *record,
    size_t recordlen, const uint8_t *cred_id, size_t cred_idlen,
    const uint8_t *ke1, size_t ke1len, const struct opq_cfg *cfg,
    const struct coffer_opaque_ids *ids, const uint8_t masking_nonce[32],
    const uint8_t server_nonce[32], const uint8_t keyshare_seed[32],
    const uint8_t *fake, struct opq_trace *tr) COFFER_WUR;

#endif
