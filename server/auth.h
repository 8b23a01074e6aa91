/* Sign-in state of cofferd: the OPAQUE server setup (OPRF seed and AKE
 * key pair, in DATA/opaque.key, apart from the database so that a copy
 * of the database alone allows no offline guessing), the keys derived
 * from it (sealed tickets, the login's keyed hash, fake credential ids),
 * the KSF profile clients must use, and the rate-limit settings.
 *
 * Nothing of a sign-in between its two steps is kept by the server: it
 * travels with the client in a ticket sealed under a server key, bound
 * to the login, the client's address and a short expiry
 * (docs/PROTOCOL-opaque.md, "Tickets"); the store's set of spent tickets
 * makes each finish once, across every process sharing the store. */
#ifndef COFFERD_AUTH_H
#define COFFERD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/opaque.h>

#include "store/meta.h"

#define SRV_AUTH_KEY_FILE	"opaque.key"

/* The login's keyed hash (what the store keeps) and a credential id. */
#define SRV_LOGIN_HASH_BYTES	32
#define SRV_CRED_BYTES		16

/* Tickets: kinds, their plaintext and sealed sizes. */
#define SRV_TICKET_SIGNIN	1	/* KE2 -> KE3 */
#define SRV_TICKET_REGISTER	2	/* register/start -> POST /v1/accounts */
#define SRV_TICKET_PLAIN	(4 + 1 + 1 + 8 + SRV_LOGIN_HASH_BYTES + \
	COFFER_WIRE_ID_BYTES + 1 + SRV_CRED_BYTES + \
	COFFER_OPAQUE_SERVER_STATE_BYTES)
#define SRV_TICKET_BYTES	(24 + SRV_TICKET_PLAIN + 16)
#define SRV_TICKET_TTL		120	/* s, the default */

/* A stored record: the OPAQUE RegistrationRecord, the KSF costs the
 * client used (u32 t, u32 m, big-endian), then the OPAQUE credential
 * identifier: SRV_CRED_BYTES random bytes, or for an account from before
 * them the one byte SRV_CRED_TYPED, set when its login was hashed: its
 * credential id is the login as typed, which each sign-in brings and the
 * store does not keep. */
#define SRV_RECORD_LEGACY	(COFFER_OPAQUE_RECORD_BYTES + 8)
#define SRV_RECORD_BYTES	(SRV_RECORD_LEGACY + SRV_CRED_BYTES)
#define SRV_CRED_TYPED		0

struct srv_auth_limits {
	unsigned	window;			/* s */
	unsigned	failures_account;	/* per window; beyond: slowed */
	unsigned	failures_address;	/* per window; beyond: 429 */
	unsigned	session_ttl;		/* s */
	unsigned	failures_pair;		/* per login and address */
	unsigned	register_address;	/* register/starts per window */
	unsigned	ticket_ttl;		/* s */
};

/* What a ticket carries. */
struct srv_ticket {
	int		kind;		/* SRV_TICKET_* */
	int64_t		expires;	/* refused when now >= expires */
	uint8_t		login[SRV_LOGIN_HASH_BYTES];
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	int		has_account;	/* sign-in: a known login; registration:
					   a password change of account */
	uint8_t		cred[SRV_CRED_BYTES];	/* registration: the new id */
	uint8_t		state[COFFER_OPAQUE_SERVER_STATE_BYTES]; /* sign-in */
};

struct srv_auth;

/** srv_auth_open(out, data_dir, params, limits, err, errlen): load the
 * OPAQUE setup from ${data_dir}/opaque.key, or make one (mode 0600,
 * written atomically) on first start, and derive its keys; ${params}
 * NULL: the production profile; ${limits} NULL: all zero (for tools and
 * tests that only seal and open). Returns 0, or
 * -1 with a message in ${err} (unreadable or malformed key file, I/O
 * error). */
int srv_auth_open(struct srv_auth **out, const char *data_dir,
    const struct coffer_opaque_params *params,
    const struct srv_auth_limits *limits, char *err, size_t errlen);

/** srv_auth_close(p): wipe and free *${p}; NULL accepted. */
void srv_auth_close(struct srv_auth **p);

/** srv_auth_setup(a), srv_auth_params(a), srv_auth_limits(a): what
 * ${a} holds, owned by it. */
const struct coffer_opaque_server_setup *srv_auth_setup(
    const struct srv_auth *a);
const struct coffer_opaque_params *srv_auth_params(const struct srv_auth *a);
const struct srv_auth_limits *srv_auth_limits(const struct srv_auth *a);

/** srv_auth_login_hash(a, login, len, out): the keyed hash of the login
 * ${login} of ${len} bytes that the store keeps in its place (BLAKE2b-256
 * under a key derived from the setup: a dump of the database lists no
 * login). */
void srv_auth_login_hash(const struct srv_auth *a, const uint8_t *login,
    size_t len, uint8_t out[SRV_LOGIN_HASH_BYTES]);

/** srv_auth_fake_cred(a, login_hash, out): the credential id an unknown
 * login is answered with: stable for the login, unlinkable to it without
 * the server's key, and shaped as a real one. */
void srv_auth_fake_cred(const struct srv_auth *a,
    const uint8_t login_hash[SRV_LOGIN_HASH_BYTES],
    uint8_t out[SRV_CRED_BYTES]);

/** srv_auth_ticket_seal(a, t, peer, out): seal ${t} for the client at
 * address ${peer} into ${out}. */
void srv_auth_ticket_seal(const struct srv_auth *a, const struct srv_ticket *t,
    const char *peer, uint8_t out[SRV_TICKET_BYTES]);

/** srv_auth_ticket_open(a, in, len, kind, peer, now, out): open a ticket
 * of ${kind} that the client at ${peer} presents. Returns 0 and ${out};
 * COFFER_ERR_AUTH (forged, another server's, another address's, another
 * kind), COFFER_ERR_FORMAT (not a ticket's size or layout) or
 * COFFER_ERR_STATE (expired at ${now}). */
int srv_auth_ticket_open(const struct srv_auth *a, const uint8_t *in,
    size_t len, int kind, const char *peer, int64_t now,
    struct srv_ticket *out);

/** srv_auth_ticket_hash(in, out): what the store's spent set keeps of a
 * sealed ticket (BLAKE2b-256 of its bytes). */
void srv_auth_ticket_hash(const uint8_t in[SRV_TICKET_BYTES],
    uint8_t out[STORE_TICKET_HASH_BYTES]);

/** srv_auth_prune(a, m, now, n): delete what the sign-in keeps past its
 * use: attempts older than the window, expired sessions, spent tickets
 * past their expiry; how many in *${n} (NULL accepted). The maintenance
 * sweep's "sign_ins" job (maint.c). Returns 0 or the store's error. */
int srv_auth_prune(struct srv_auth *a, struct store_meta *m, int64_t now,
    uint64_t *n);

/** srv_auth_upgrade(a, m, n): hash the logins of accounts stored before
 * logins were hashed (their records are marked SRV_CRED_TYPED: their
 * credential id stays the login as typed), in one transaction; the count in
 * *${n}. Returns 0 or the store's error (EXISTS: two logins collide). */
int srv_auth_upgrade(const struct srv_auth *a, struct store_meta *m,
    uint64_t *n);

#endif
