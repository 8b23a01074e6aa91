/* Sign-in state of cofferd: the OPAQUE server setup (OPRF seed and AKE
 * key pair, in DATA/opaque.key, apart from the database so that a copy
 * of the database alone allows no offline guessing), the KSF profile
 * clients must use, the rate-limit settings, and the logins between
 * their two steps (in memory, single use, expiring). */
#ifndef COFFERD_AUTH_H
#define COFFERD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/opaque.h>

#include "store/meta.h"

#define SRV_AUTH_KEY_FILE	"opaque.key"
/* Logins between KE2 and KE3: at most this many, each for this long. */
#define SRV_PENDING_MAX		4096
#define SRV_PENDING_TTL		120	/* s */

struct srv_auth_limits {
	unsigned	window;			/* s */
	unsigned	failures_account;	/* per window */
	unsigned	failures_address;	/* per window */
	unsigned	session_ttl;		/* s */
};

/* A login between its two steps. */
struct srv_pending {
	uint8_t		state[COFFER_OPAQUE_SERVER_STATE_BYTES];
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	int		has_account;	/* 0: an unknown login (fake KE2) */
	uint8_t		login[COFFER_WIRE_LOGIN_MAX];
	size_t		login_len;
	int64_t		expires;
};

struct srv_auth;

/** srv_auth_open(out, data_dir, params, limits, err, errlen): load the
 * OPAQUE setup from ${data_dir}/opaque.key, or make one (mode 0600,
 * written atomically) on first start. Returns 0, or -1 with a message in
 * ${err} (unreadable or malformed key file, I/O error). */
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

/** srv_auth_pending_put(a, p, id): keep ${p} under a new random ${id}.
 * Returns 0 or COFFER_ERR_BUSY (SRV_PENDING_MAX logins in flight). */
int srv_auth_pending_put(struct srv_auth *a, const struct srv_pending *p,
    int64_t now, uint8_t id[COFFER_WIRE_ID_BYTES]);

/** srv_auth_pending_take(a, id, now, out): remove the login ${id} and
 * give it in ${out}: each is taken once. Returns 0 or
 * COFFER_ERR_NOTFOUND (none, taken already, or expired). */
int srv_auth_pending_take(struct srv_auth *a, const uint8_t id[COFFER_WIRE_ID_BYTES],
    int64_t now, struct srv_pending *out);

#endif
