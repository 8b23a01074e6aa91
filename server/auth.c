/* srv_auth_*: the OPAQUE setup on disk, the keys derived from it, the
 * sealed tickets of sign-ins and registrations, and the pruning of what
 * sign-ins leave in the store. */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>

#include "core/file.h"
#include "core/sysendian.h"
#include "http/log.h"

/* The keys derived from the setup (docs/CONTEXTS.md). */
#define CTX_TICKET_KEY	"coffer/auth-ticket-key/v1"
#define CTX_LOGIN_KEY	"coffer/login-hash-key/v1"
#define CTX_FAKE_KEY	"coffer/fake-credential-key/v1"
/* The ticket's associated data: this, a NUL, the kind, the address. */
#define TICKET_AD	"coffer/auth-ticket/v1"

static const uint8_t ticket_magic[4] = { 'C', 'F', 'A', 'T' };
#define TICKET_VERSION	1

_Static_assert(SRV_TICKET_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
    + SRV_TICKET_PLAIN + crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "ticket size");

struct keys {
	uint8_t	ticket[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t	login[crypto_generichash_KEYBYTES];
	uint8_t	fake[crypto_generichash_KEYBYTES];
};

struct srv_auth {
	struct coffer_opaque_server_setup	*setup;
	struct coffer_opaque_params		 params;
	struct srv_auth_limits			 limits;
	struct keys				*keys;	/* sodium_malloc */
};

/* Read the key file: the saved setup, at most COFFER_OPAQUE_SETUP_MAX. */
static int
load_setup(struct srv_auth *a, const char *path, char *err, size_t errlen)
{
	uint8_t buf[COFFER_OPAQUE_SETUP_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a regular file of mode 0600",
		    path);
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || (size_t)n > COFFER_OPAQUE_SETUP_MAX ||
	    coffer_opaque_server_setup_load(&a->setup, buf, (size_t)n) != 0) {
		snprintf(err, errlen, "%s: not a cofferd OPAQUE key file", path);
		goto out;
	}
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return r;
}

/* Make a new setup and write it atomically (temporary file, fsync,
 * rename, fsync of the folder), owner-only. */
static int
make_setup(struct srv_auth *a, const char *path, char *err, size_t errlen)
{
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_OPAQUE_SETUP_MAX);
	int r = -1;

	if (b == NULL || coffer_opaque_server_setup_generate(&a->setup) != 0 ||
	    coffer_opaque_server_setup_save(a->setup, b) != 0) {
		snprintf(err, errlen, "cannot make an OPAQUE key");
		goto out;
	}
	if (file_write_atomic(path, coffer_buf_data(b), coffer_buf_len(b),
	    0600) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	coffer_buf_free(&b);
	return r;
}

int
srv_auth_open(struct srv_auth **out, const char *data_dir,
    const struct coffer_opaque_params *params,
    const struct srv_auth_limits *limits, char *err, size_t errlen)
{
	struct srv_auth *a;
	char path[4096];
	int r;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->keys = sodium_malloc(sizeof(*a->keys))) == NULL) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->params.t_cost = params != NULL ? params->t_cost :
	    COFFER_OPAQUE_T_COST;
	a->params.m_cost = params != NULL ? params->m_cost :
	    COFFER_OPAQUE_M_COST;
	if (limits != NULL)
		a->limits = *limits;
	if (snprintf(path, sizeof(path), "%s/%s", data_dir,
	    SRV_AUTH_KEY_FILE) >= (int)sizeof(path)) {
		snprintf(err, errlen, "data folder path too long");
		srv_auth_close(&a);
		return -1;
	}
	r = access(path, F_OK) == 0 ? load_setup(a, path, err, errlen) :
	    make_setup(a, path, err, errlen);
	if (r == 0 && (coffer_opaque_server_setup_derive(a->setup,
	    CTX_TICKET_KEY, a->keys->ticket, sizeof(a->keys->ticket)) != 0 ||
	    coffer_opaque_server_setup_derive(a->setup, CTX_LOGIN_KEY,
	    a->keys->login, sizeof(a->keys->login)) != 0 ||
	    coffer_opaque_server_setup_derive(a->setup, CTX_FAKE_KEY,
	    a->keys->fake, sizeof(a->keys->fake)) != 0)) {
		snprintf(err, errlen, "cannot derive the sign-in keys");
		r = -1;
	}
	if (r != 0) {
		srv_auth_close(&a);
		return -1;
	}
	*out = a;
	return 0;
}

void
srv_auth_close(struct srv_auth **p)
{
	struct srv_auth *a;

	if (p == NULL || (a = *p) == NULL)
		return;
	coffer_opaque_server_setup_free(&a->setup);
	if (a->keys != NULL)
		sodium_free(a->keys);	/* wipes */
	free(a);
	*p = NULL;
}

const struct coffer_opaque_server_setup *
srv_auth_setup(const struct srv_auth *a)
{
	return a->setup;
}

const struct coffer_opaque_params *
srv_auth_params(const struct srv_auth *a)
{
	return &a->params;
}

const struct srv_auth_limits *
srv_auth_limits(const struct srv_auth *a)
{
	return &a->limits;
}

void
srv_auth_login_hash(const struct srv_auth *a, const uint8_t *login,
    size_t len, uint8_t out[SRV_LOGIN_HASH_BYTES])
{
	crypto_generichash(out, SRV_LOGIN_HASH_BYTES, login, len,
	    a->keys->login, sizeof(a->keys->login));
}

void
srv_auth_fake_cred(const struct srv_auth *a,
    const uint8_t login_hash[SRV_LOGIN_HASH_BYTES],
    uint8_t out[SRV_CRED_BYTES])
{
	crypto_generichash(out, SRV_CRED_BYTES, login_hash,
	    SRV_LOGIN_HASH_BYTES, a->keys->fake, sizeof(a->keys->fake));
}

/* The associated data: TICKET_AD, NUL, the kind, the address; the
 * address is cut at 64 bytes (an IPv6 text form is at most 45). */
static size_t
ticket_ad(uint8_t ad[sizeof(TICKET_AD) + 1 + 64], int kind, const char *peer)
{
	size_t n = strnlen(peer, 64);

	memcpy(ad, TICKET_AD, sizeof(TICKET_AD));	/* with its NUL */
	ad[sizeof(TICKET_AD)] = (uint8_t)kind;
	memcpy(ad + sizeof(TICKET_AD) + 1, peer, n);
	return sizeof(TICKET_AD) + 1 + n;
}

void
srv_auth_ticket_seal(const struct srv_auth *a, const struct srv_ticket *t,
    const char *peer, uint8_t out[SRV_TICKET_BYTES])
{
	uint8_t p[SRV_TICKET_PLAIN], ad[sizeof(TICKET_AD) + 1 + 64];
	uint8_t *q = p;
	size_t adlen = ticket_ad(ad, t->kind, peer);

	memcpy(q, ticket_magic, 4);
	q[4] = TICKET_VERSION;
	q[5] = (uint8_t)t->kind;
	be64enc(q + 6, (uint64_t)t->expires);
	q += 14;
	memcpy(q, t->login, SRV_LOGIN_HASH_BYTES);
	q += SRV_LOGIN_HASH_BYTES;
	memcpy(q, t->account, COFFER_WIRE_ID_BYTES);
	q += COFFER_WIRE_ID_BYTES;
	*q++ = t->has_account ? 1 : 0;
	memcpy(q, t->cred, SRV_CRED_BYTES);
	q += SRV_CRED_BYTES;
	memcpy(q, t->state, COFFER_OPAQUE_SERVER_STATE_BYTES);
	randombytes_buf(out, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	(void)crypto_aead_xchacha20poly1305_ietf_encrypt(out +
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, p, sizeof(p),
	    ad, adlen, NULL, out, a->keys->ticket);
	sodium_memzero(p, sizeof(p));
}

int
srv_auth_ticket_open(const struct srv_auth *a, const uint8_t *in,
    size_t len, int kind, const char *peer, int64_t now,
    struct srv_ticket *out)
{
	uint8_t p[SRV_TICKET_PLAIN], ad[sizeof(TICKET_AD) + 1 + 64];
	const uint8_t *q = p;
	struct srv_ticket t;
	size_t adlen = ticket_ad(ad, kind, peer);
	int r = COFFER_ERR_FORMAT;

	memset(&t, 0, sizeof(t));
	if (len != SRV_TICKET_BYTES)
		goto out;
	/* Authentic first: the kind and the address are in the tag. */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(p, NULL, NULL, in +
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, len -
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad, adlen, in,
	    a->keys->ticket) != 0) {
		r = COFFER_ERR_AUTH;
		goto out;
	}
	if (sodium_memcmp(q, ticket_magic, 4) != 0 || q[4] != TICKET_VERSION ||
	    q[5] != (uint8_t)kind || q[14 + SRV_LOGIN_HASH_BYTES +
	    COFFER_WIRE_ID_BYTES] > 1)
		goto out;
	t.kind = kind;
	t.expires = (int64_t)be64dec(q + 6);
	q += 14;
	memcpy(t.login, q, SRV_LOGIN_HASH_BYTES);
	q += SRV_LOGIN_HASH_BYTES;
	memcpy(t.account, q, COFFER_WIRE_ID_BYTES);
	q += COFFER_WIRE_ID_BYTES;
	t.has_account = *q++;
	memcpy(t.cred, q, SRV_CRED_BYTES);
	q += SRV_CRED_BYTES;
	memcpy(t.state, q, COFFER_OPAQUE_SERVER_STATE_BYTES);
	if (now >= t.expires) {
		r = COFFER_ERR_STATE;
		goto out;
	}
	*out = t;
	r = 0;
out:
	sodium_memzero(p, sizeof(p));
	sodium_memzero(&t, sizeof(t));
	return r;
}

void
srv_auth_ticket_hash(const uint8_t in[SRV_TICKET_BYTES],
    uint8_t out[STORE_TICKET_HASH_BYTES])
{
	crypto_generichash(out, STORE_TICKET_HASH_BYTES, in, SRV_TICKET_BYTES,
	    NULL, 0);
}

int
srv_auth_prune(struct srv_auth *a, struct store_meta *m, int64_t now,
    uint64_t *n)
{
	uint64_t x = 0, y = 0, z = 0;
	int r;

	if ((r = m->ops->attempt_prune(m, now - (int64_t)a->limits.window,
	    &x)) == 0 && (r = m->ops->session_prune(m, now, &y)) == 0)
		r = m->ops->ticket_prune(m, now, &z);
	if (n != NULL)
		*n = x + y + z;
	return r;
}

/* An account from before logins were hashed: its record gains the mark
 * SRV_CRED_TYPED (its credential id is the login as typed, which it was
 * made under, and which each sign-in brings) and its login becomes the
 * keyed hash. */
static int
upgrade_one(void *ctx, struct store_account *acct)
{
	const struct srv_auth *a = ctx;
	uint8_t h[SRV_LOGIN_HASH_BYTES];

	if (acct->record_len != SRV_RECORD_LEGACY || acct->login_len == 0)
		return COFFER_ERR_CORRUPT;
	acct->record[acct->record_len++] = SRV_CRED_TYPED;
	srv_auth_login_hash(a, acct->login, acct->login_len, h);
	sodium_memzero(acct->login, sizeof(acct->login));
	memcpy(acct->login, h, sizeof(h));
	acct->login_len = sizeof(h);
	return 0;
}

int
srv_auth_upgrade(const struct srv_auth *a, struct store_meta *m,
    uint64_t *n)
{
	return m->ops->account_upgrade(m, SRV_RECORD_LEGACY, upgrade_one,
	    (void *)(uintptr_t)a, n);
}
