/* OPAQUE-3DH (RFC 9807): password registration and login where the
 * password never reaches the server and a stolen server database allows no
 * offline guessing without the server's OPRF seed
 * (docs/PROTOCOL-opaque.md). Configuration: OPRF ristretto255-SHA512
 * (RFC 9497), HKDF-SHA-512, HMAC-SHA-512, SHA-512, group ristretto255,
 * KSF Argon2id with coffer's parameters (struct coffer_opaque_params),
 * and the context "coffer/opaque/v1 argon2id v=19 t=T m=M p=1", which binds
 * the KSF parameters into the handshake: client and server must agree on
 * them or the login fails with COFFER_ERR_AUTH.
 *
 * Registration:
 *   client: coffer_opaque_client_register_start   -> request
 *   server: coffer_opaque_server_register          -> response
 *   client: coffer_opaque_client_register_finish  -> record, export key
 *   server: coffer_opaque_server_record_check, then stores the record
 * Login:
 *   client: coffer_opaque_client_login_start      -> KE1
 *   server: coffer_opaque_server_login_start      -> KE2 (record or NULL)
 *   client: coffer_opaque_client_login_finish     -> KE3, session key,
 *                                                    export key
 *   server: coffer_opaque_server_login_finish     -> session key
 *
 * Messages are the RFC's fixed-size structures (sizes below). Every
 * function that receives a message takes its length: a short one is
 * COFFER_ERR_TRUNCATED, a long one COFFER_ERR_TRAILING, a group element
 * that is not a valid ristretto255 encoding or is the identity
 * COFFER_ERR_FORMAT, and a failing MAC or a wrong password
 * COFFER_ERR_AUTH. Outputs are written only on success. Session keys and
 * export keys are secrets: the caller wipes them (sodium_memzero). */
#ifndef COFFER_OPAQUE_H
#define COFFER_OPAQUE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/export.h>

/* Message and key sizes, in bytes. */
#define COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES	32
#define COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES	64
#define COFFER_OPAQUE_RECORD_BYTES			192
#define COFFER_OPAQUE_KE1_BYTES				96
#define COFFER_OPAQUE_KE2_BYTES				320
#define COFFER_OPAQUE_KE3_BYTES				64
#define COFFER_OPAQUE_SESSION_KEY_BYTES			64
#define COFFER_OPAQUE_EXPORT_KEY_BYTES			64
#define COFFER_OPAQUE_PUBLIC_KEY_BYTES			32
#define COFFER_OPAQUE_PRIVATE_KEY_BYTES			32

/* The server's OPRF seed: 32 to 64 bytes (generate makes 64). */
#define COFFER_OPAQUE_SEED_MIN		32
#define COFFER_OPAQUE_SEED_MAX		64
/* A saved server setup is at most this long; a saved server login state
 * exactly this long. */
#define COFFER_OPAQUE_SETUP_MAX		(6 + COFFER_OPAQUE_SEED_MAX + 32)
#define COFFER_OPAQUE_SERVER_STATE_BYTES	134

/* Limits on what callers pass: passwords 1 to 65534 bytes (RFC 9497's
 * input limit); identities and credential identifiers 1 to 1024. */
#define COFFER_OPAQUE_PASSWORD_MAX	65534
#define COFFER_OPAQUE_ID_MAX		1024

/* The context prefix and coffer's KSF profile: Argon2id (libsodium's,
 * which computes one lane), 3 passes over 256 MiB, zero 16-byte salt,
 * 64-byte output. About 0.45 s on the reference machine
 * (docs/PROTOCOL-opaque.md, "Cost"). */
#define COFFER_OPAQUE_CONTEXT		"coffer/opaque/v1"
#define COFFER_OPAQUE_T_COST		3
#define COFFER_OPAQUE_M_COST		262144		/* KiB */
#define COFFER_OPAQUE_T_MAX		64
#define COFFER_OPAQUE_M_MIN		8		/* KiB */
#define COFFER_OPAQUE_M_MAX		4194304	/* KiB, 4 GiB */

/* The KSF parameters (caller-owned). NULL wherever a function takes one
 * means COFFER_OPAQUE_T_COST and COFFER_OPAQUE_M_COST. Valid: t_cost 1 to
 * COFFER_OPAQUE_T_MAX, m_cost COFFER_OPAQUE_M_MIN to COFFER_OPAQUE_M_MAX. */
struct coffer_opaque_params {
	uint32_t	t_cost;		/* Argon2id passes */
	uint32_t	m_cost;		/* Argon2id memory, KiB */
};

/* Optional identities (caller-owned; pointers into caller memory). An
 * absent identity (NULL pointer or length 0) defaults to the party's
 * public key, as RFC 9807 section 4 says. Both sides must pass the same
 * identities at registration (client) and login (both). A NULL struct
 * pointer means both absent. */
struct coffer_opaque_ids {
	const uint8_t	*client;
	size_t		 client_len;
	const uint8_t	*server;
	size_t		 server_len;
};

struct coffer_opaque_client;	/* a client's registration or login */
struct coffer_opaque_server;		/* a server's login in progress */
struct coffer_opaque_server_setup;	/* OPRF seed and AKE key pair */

/** coffer_opaque_client_register_start(out, request, password,
 * passwordlen): begin a registration of ${password} (1 to
 * COFFER_OPAQUE_PASSWORD_MAX bytes): a new state in *${out} and the
 * RegistrationRequest for the server in ${request}. Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_client_register_start(
    struct coffer_opaque_client **out,
    uint8_t request[COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES],
    const uint8_t *password, size_t passwordlen) COFFER_WUR;

/** coffer_opaque_client_register_finish(st, record, export_key, response,
 * responselen, params, ids): finish the registration ${st} with the
 * server's ${response}: the RegistrationRecord to upload in ${record} and
 * the export key in ${export_key}. Runs the KSF of ${params}. Unless it
 * returns COFFER_ERR_INVALID or COFFER_ERR_STATE the state is spent,
 * whatever the result; free it with coffer_opaque_client_free(). Returns
 * 0, COFFER_ERR_INVALID, COFFER_ERR_STATE (${st} is not a registration,
 * or is spent), COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING,
 * COFFER_ERR_FORMAT (an element of ${response} is invalid),
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_client_register_finish(
    struct coffer_opaque_client *st,
    uint8_t record[COFFER_OPAQUE_RECORD_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *response, size_t responselen,
    const struct coffer_opaque_params *params,
    const struct coffer_opaque_ids *ids) COFFER_WUR;

/** coffer_opaque_client_login_start(out, ke1, password, passwordlen):
 * begin a login with ${password}: a new state in *${out}, which keeps a
 * copy of the password in guarded memory until it is spent, and KE1 for
 * the server in ${ke1}. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOMEM
 * or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_client_login_start(
    struct coffer_opaque_client **out, uint8_t ke1[COFFER_OPAQUE_KE1_BYTES],
    const uint8_t *password, size_t passwordlen) COFFER_WUR;

/** coffer_opaque_client_login_finish(st, ke3, session_key, export_key,
 * ke2, ke2len, params, ids): finish the login ${st} with the server's
 * ${ke2}: KE3 for the server, the 64-byte session key and the export key.
 * Runs the KSF of ${params}. Unless it returns COFFER_ERR_INVALID or
 * COFFER_ERR_STATE the state is spent, whatever the result: a login has
 * one try. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_STATE,
 * COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING, COFFER_ERR_FORMAT (an
 * element of ${ke2} is invalid), COFFER_ERR_AUTH (a wrong password, a
 * server that is not the one registered with, other identities or
 * parameters, or a tampered KE2), COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO.
 * Nothing is written unless it returns 0. */
COFFER_API int coffer_opaque_client_login_finish(
    struct coffer_opaque_client *st, uint8_t ke3[COFFER_OPAQUE_KE3_BYTES],
    uint8_t session_key[COFFER_OPAQUE_SESSION_KEY_BYTES],
    uint8_t export_key[COFFER_OPAQUE_EXPORT_KEY_BYTES],
    const uint8_t *ke2, size_t ke2len,
    const struct coffer_opaque_params *params,
    const struct coffer_opaque_ids *ids) COFFER_WUR;

/** coffer_opaque_client_free(p): wipe and free *${p}, set it to NULL;
 * accepts NULL. */
COFFER_API void coffer_opaque_client_free(struct coffer_opaque_client **p);

/** coffer_opaque_server_setup_generate(out): a new server setup: a random
 * 64-byte OPRF seed and a random ristretto255 AKE key pair. Generate it
 * once and keep it (coffer_opaque_server_setup_save): every record
 * depends on it. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_server_setup_generate(
    struct coffer_opaque_server_setup **out) COFFER_WUR;

/** coffer_opaque_server_setup_import(out, oprf_seed, seedlen,
 * private_key): a setup from an OPRF seed of COFFER_OPAQUE_SEED_MIN to
 * COFFER_OPAQUE_SEED_MAX bytes and an AKE private key (a canonical,
 * non-zero ristretto255 scalar). Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_server_setup_import(
    struct coffer_opaque_server_setup **out, const uint8_t *oprf_seed,
    size_t seedlen,
    const uint8_t private_key[COFFER_OPAQUE_PRIVATE_KEY_BYTES]) COFFER_WUR;

/** coffer_opaque_server_setup_save(setup, out): append the setup's
 * secrets to ${out} (use a secret buffer): "CFOS", version 1, the seed
 * length, the seed, the private key; at most COFFER_OPAQUE_SETUP_MAX
 * bytes. Seal it before it touches a disk. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM. */
COFFER_API int coffer_opaque_server_setup_save(
    const struct coffer_opaque_server_setup *setup, struct coffer_buf *out)
    COFFER_WUR;

/** coffer_opaque_server_setup_load(out, p, len): read a saved setup.
 * Returns 0, COFFER_ERR_INVALID, COFFER_ERR_TRUNCATED, COFFER_ERR_FORMAT
 * (magic, seed length, or a key that is not a canonical non-zero scalar),
 * COFFER_ERR_VERSION, COFFER_ERR_TRAILING, COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_server_setup_load(
    struct coffer_opaque_server_setup **out, const uint8_t *p, size_t len)
    COFFER_WUR;

/** coffer_opaque_server_setup_public_key(setup, pk): the server's AKE
 * public key, which clients may pin as its identity. Returns 0 or
 * COFFER_ERR_INVALID. */
COFFER_API int coffer_opaque_server_setup_public_key(
    const struct coffer_opaque_server_setup *setup,
    uint8_t pk[COFFER_OPAQUE_PUBLIC_KEY_BYTES]) COFFER_WUR;

/** coffer_opaque_server_setup_derive(setup, context, out, outlen): a
 * server-side key of ${outlen} bytes (1 to COFFER_KDF_MAX) derived from the
 * setup's OPRF seed for ${context} (coffer_kdf's rule; one context per use,
 * each listed in docs/CONTEXTS.md), so that a server keeps one secret
 * file. The output reveals nothing of the seed. Returns 0 or
 * COFFER_ERR_INVALID. */
COFFER_API int coffer_opaque_server_setup_derive(
    const struct coffer_opaque_server_setup *setup, const char *context,
    uint8_t *out, size_t outlen) COFFER_WUR;

/** coffer_opaque_server_setup_free(p): wipe and free *${p}, set it to
 * NULL; accepts NULL. */
COFFER_API void coffer_opaque_server_setup_free(
    struct coffer_opaque_server_setup **p);

/** coffer_opaque_server_register(setup, response, request, requestlen,
 * cred_id, cred_idlen): answer a client's RegistrationRequest for the
 * credential identifier ${cred_id} (1 to COFFER_OPAQUE_ID_MAX bytes; the
 * same one the logins will use, unique per account). Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING,
 * COFFER_ERR_FORMAT or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_server_register(
    const struct coffer_opaque_server_setup *setup,
    uint8_t response[COFFER_OPAQUE_REGISTRATION_RESPONSE_BYTES],
    const uint8_t *request, size_t requestlen, const uint8_t *cred_id,
    size_t cred_idlen) COFFER_WUR;

/** coffer_opaque_server_record_check(record, recordlen): check an uploaded
 * RegistrationRecord before storing it: exact length, and a client public
 * key that is a valid element other than the identity. (The envelope and
 * masking key are opaque to the server.) Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING or COFFER_ERR_FORMAT. */
COFFER_API int coffer_opaque_server_record_check(const uint8_t *record,
    size_t recordlen) COFFER_WUR;

/** coffer_opaque_server_login_start(out, ke2, setup, record, recordlen,
 * cred_id, cred_idlen, ke1, ke1len, params, ids): answer a client's KE1
 * for the credential ${cred_id}: KE2 in ${ke2} and a new login state in
 * *${out}. ${record} is the stored record, or NULL (and ${recordlen} 0)
 * when no account has that identifier: the answer is then a fake KE2,
 * made from a record derived from the setup and ${cred_id}, which looks
 * like a real one and which no KE3 finishes. ${params} names the context
 * the client must share. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING, COFFER_ERR_FORMAT (an
 * invalid element in ${ke1} or ${record}), COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO. Count the attempt as failed until a KE3 passes. */
COFFER_API int coffer_opaque_server_login_start(
    struct coffer_opaque_server **out, uint8_t ke2[COFFER_OPAQUE_KE2_BYTES],
    const struct coffer_opaque_server_setup *setup, const uint8_t *record,
    size_t recordlen, const uint8_t *cred_id, size_t cred_idlen,
    const uint8_t *ke1, size_t ke1len,
    const struct coffer_opaque_params *params,
    const struct coffer_opaque_ids *ids) COFFER_WUR;

/** coffer_opaque_server_login_finish(st, session_key, ke3, ke3len): check
 * the client's KE3 against the login ${st}; on success the 64-byte
 * session key (equal to the client's) in ${session_key}. Unless it
 * returns COFFER_ERR_INVALID or COFFER_ERR_STATE the state is spent,
 * whatever the result. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_STATE, COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING or
 * COFFER_ERR_AUTH (a wrong password, an unknown user, a tampered
 * exchange). */
COFFER_API int coffer_opaque_server_login_finish(
    struct coffer_opaque_server *st,
    uint8_t session_key[COFFER_OPAQUE_SESSION_KEY_BYTES],
    const uint8_t *ke3, size_t ke3len) COFFER_WUR;

/** coffer_opaque_server_state_save(st, out): the unspent login ${st} as
 * COFFER_OPAQUE_SERVER_STATE_BYTES bytes ("CFOL", version 1, a flag, the
 * expected client MAC, the session key), for a server that finishes the
 * login in another process or request. It is as secret as a session key:
 * keep it in memory or seal it, and let it expire. Returns 0,
 * COFFER_ERR_INVALID or COFFER_ERR_STATE (spent). */
COFFER_API int coffer_opaque_server_state_save(
    const struct coffer_opaque_server *st,
    uint8_t out[COFFER_OPAQUE_SERVER_STATE_BYTES]) COFFER_WUR;

/** coffer_opaque_server_state_load(out, p, len): a login state from a saved
 * one. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_FORMAT, COFFER_ERR_VERSION, COFFER_ERR_TRAILING,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
COFFER_API int coffer_opaque_server_state_load(
    struct coffer_opaque_server **out, const uint8_t *p, size_t len)
    COFFER_WUR;

/** coffer_opaque_server_free(p): wipe and free *${p}, set it to NULL;
 * accepts NULL. */
COFFER_API void coffer_opaque_server_free(struct coffer_opaque_server **p);

#endif
