/* coffer_keystore_encode/parse: the keystore format, see
 * docs/PROTOCOL-keys.md ("Keystore"). File handling is in keystore_file.c. */
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/keystore.h>

#include "core/secret.h"
#include "core/reader.h"
#include "crypto/envelope_det.h"
#include "keys/device_internal.h"
#include "keys/keystore_internal.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

static const uint8_t ks_magic[4] = { 'C', 'F', 'K', 'S' };
static const char ks_ctx[] = "coffer/keystore/v1";

#define PROT_NONE	0
#define PROT_PASSCODE	1
/* device id, sign version, Ed25519 seed, agree version, X25519 secret */
#define PAYLOAD_BYTES	(COFFER_DEVICE_ID_BYTES + 4 + COFFER_KEY_BYTES + 4 + \
			 COFFER_KEY_BYTES)
#define CHECKSUM_BYTES	32
/* The version the passcode key carries in the envelope header. */
#define PASSCODE_KEY_VERSION	1

_Static_assert(KEYSTORE_SALT_BYTES == crypto_pwhash_SALTBYTES,
    "Argon2 salt size");
_Static_assert(KEYSTORE_SALT_BYTES == COFFER_KEY_ID_BYTES,
    "the salt is the passcode key's id");
_Static_assert(COFFER_KEYSTORE_OPSLIMIT_MIN >=
    crypto_pwhash_argon2id_OPSLIMIT_MIN, "Argon2 opslimit floor");
_Static_assert((unsigned long long)COFFER_KEYSTORE_MEMLIMIT_MIN * 1024 >=
    crypto_pwhash_argon2id_MEMLIMIT_MIN, "Argon2 memlimit floor");

struct coffer_keystore_params
coffer_keystore_params_default(void)
{
	struct coffer_keystore_params p = { 5, 262144 };

	return p;
}

static int
params_ok(uint32_t opslimit, uint32_t memlimit_kib)
{
	return opslimit >= COFFER_KEYSTORE_OPSLIMIT_MIN &&
	    opslimit <= COFFER_KEYSTORE_OPSLIMIT_MAX &&
	    memlimit_kib >= COFFER_KEYSTORE_MEMLIMIT_MIN &&
	    memlimit_kib <= COFFER_KEYSTORE_MEMLIMIT_MAX;
}

/* NULL for none, else 1 to COFFER_KEYSTORE_PASSCODE_MAX bytes. */
static int
passcode_ok(const uint8_t *passcode, size_t len)
{
	if (passcode == NULL)
		return len == 0;
	return len > 0 && len <= COFFER_KEYSTORE_PASSCODE_MAX;
}

/* The passcode key: Argon2id13 output as a symmetric key whose id is the
 * salt, so the envelope header names the salt it was sealed under. */
static int
passcode_key(struct coffer_key **out, const uint8_t *passcode, size_t len,
    uint32_t opslimit, uint32_t memlimit_kib, const uint8_t *salt)
{
	uint8_t k[COFFER_KEY_BYTES];
	int r;

	*out = NULL;
#if SIZE_MAX / 1024 < COFFER_KEYSTORE_MEMLIMIT_MAX
	if (memlimit_kib > SIZE_MAX / 1024) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
#endif
	/* crypto_pwhash fails only when it cannot have the memory. */
	if (crypto_pwhash(k, sizeof(k), (const char *)passcode, len, salt,
	    opslimit, (size_t)memlimit_kib * 1024,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	r = coffer_key_import(out, COFFER_KEY_SYMMETRIC, k, salt,
	    PASSCODE_KEY_VERSION);
out:
	sodium_memzero(k, sizeof(k));
	return r;
}

static int
payload_write(struct coffer_buf *b, const struct coffer_device *d)
{
	const struct coffer_key *s = coffer_device_sign_key(d);
	const struct coffer_key *a = coffer_device_agree_key(d);
	int r;

	if ((r = coffer_buf_append(b, coffer_device_id(d),
	    COFFER_DEVICE_ID_BYTES)) != 0 ||
	    (r = coffer_buf_put_u32(b, coffer_key_version(s))) != 0 ||
	    (r = coffer_buf_append(b, key_secret(s),
	    COFFER_KEY_BYTES)) != 0 ||
	    (r = coffer_buf_put_u32(b, coffer_key_version(a))) != 0 ||
	    (r = coffer_buf_append(b, key_secret(a),
	    COFFER_KEY_BYTES)) != 0)
		return r;
	return 0;
}

static int
payload_parse(struct coffer_device **out, const uint8_t *p, size_t len)
{
	struct reader rd;
	const uint8_t *id, *seed, *xsec;
	uint32_t sv, av;
	int r;

	reader_init(&rd, p, len);
	if ((r = reader_bytes(&rd, COFFER_DEVICE_ID_BYTES, &id)) != 0 ||
	    (r = reader_u32(&rd, &sv)) != 0 ||
	    (r = reader_bytes(&rd, COFFER_KEY_BYTES, &seed)) != 0 ||
	    (r = reader_u32(&rd, &av)) != 0 ||
	    (r = reader_bytes(&rd, COFFER_KEY_BYTES, &xsec)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		goto out;
	if (sv == 0 || av == 0) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	r = device_import(out, id, seed, sv, xsec, av);
out:
	return r;
}

int
keystore_encode_det(struct coffer_buf *out,
    const struct coffer_device *device, const uint8_t *passcode,
    size_t passcode_len, const struct coffer_keystore_params *params,
    const uint8_t *salt, const uint8_t *nonce)
{
	struct coffer_buf *pl = NULL;
	struct coffer_key *k = NULL;
	uint8_t sum[CHECKSUM_BYTES];
	size_t start = 0;
	int r = COFFER_ERR_INVALID;

	if (out == NULL || device == NULL ||
	    !passcode_ok(passcode, passcode_len))
		goto out;
	start = coffer_buf_len(out);
	if (passcode != NULL && (params == NULL || salt == NULL ||
	    nonce == NULL || !params_ok(params->opslimit,
	    params->memlimit_kib)))
		goto out;
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((pl = coffer_buf_new_secret(PAYLOAD_BYTES)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = payload_write(pl, device)) != 0 ||
	    (r = coffer_buf_append(out, ks_magic, sizeof(ks_magic))) != 0 ||
	    (r = coffer_buf_put_u8(out, COFFER_KEYSTORE_VERSION)) != 0 ||
	    (r = coffer_buf_put_u8(out, passcode == NULL ? PROT_NONE :
	    PROT_PASSCODE)) != 0)
		goto out;
	if (passcode == NULL) {
		if ((r = coffer_buf_append(out, coffer_buf_data(pl),
		    coffer_buf_len(pl))) != 0)
			goto out;
		crypto_generichash(sum, sizeof(sum), coffer_buf_data(out) +
		    start, coffer_buf_len(out) - start, NULL, 0);
		r = coffer_buf_append(out, sum, sizeof(sum));
		goto out;
	}
	if ((r = coffer_buf_put_u32(out, params->opslimit)) != 0 ||
	    (r = coffer_buf_put_u32(out, params->memlimit_kib)) != 0 ||
	    (r = coffer_buf_append(out, salt, KEYSTORE_SALT_BYTES)) != 0 ||
	    (r = passcode_key(&k, passcode, passcode_len, params->opslimit,
	    params->memlimit_kib, salt)) != 0)
		goto out;
	r = envelope_seal_det(out, COFFER_ENVELOPE_SECRET, k, NULL, 0,
	    ks_ctx, coffer_buf_data(pl), coffer_buf_len(pl), nonce, NULL);
out:
	if (r != 0 && out != NULL && coffer_buf_len(out) > start) {
		/* An unprotected payload may sit in a non-secret buffer. */
		sodium_memzero(coffer_buf_mutable(out) + start,
		    coffer_buf_len(out) - start);
		coffer_buf_truncate(out, start);
	}
	coffer_buf_free(&pl);
	coffer_key_free(&k);
	return r;
}

int
coffer_keystore_encode(struct coffer_buf *out,
    const struct coffer_device *device, const uint8_t *passcode,
    size_t passcode_len, const struct coffer_keystore_params *params)
{
	struct coffer_keystore_params def = coffer_keystore_params_default();
	uint8_t salt[KEYSTORE_SALT_BYTES];
	uint8_t nonce[KEYSTORE_NONCE_BYTES];

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	return keystore_encode_det(out, device, passcode, passcode_len,
	    params != NULL ? params : &def, salt, nonce);
}

/* A keystore's structure, checked without the passcode: pointers into
 * the input. */
struct ks_outer {
	uint8_t		 prot;
	const uint8_t	*payload;	/* clear */
	uint32_t	 ops, mem;	/* sealed */
	const uint8_t	*salt, *env;
	size_t		 envlen;
};

/* The sealed part: its envelope header must be ours before anyone pays
 * for Argon2. */
static int
outer_sealed(struct ks_outer *o, struct reader *rd)
{
	struct coffer_envelope_info info;
	int r;

	if ((r = reader_u32(rd, &o->ops)) != 0 ||
	    (r = reader_u32(rd, &o->mem)) != 0)
		return r;
	if (!params_ok(o->ops, o->mem))
		return COFFER_ERR_FORMAT;
	if ((r = reader_bytes(rd, KEYSTORE_SALT_BYTES,
	    &o->salt)) != 0)
		return r;
	o->envlen = reader_left(rd);
	if ((r = reader_bytes(rd, o->envlen, &o->env)) != 0 ||
	    (r = coffer_envelope_peek(&info, o->env, o->envlen)) != 0)
		return r;
	if (strcmp(info.context, ks_ctx) != 0)
		return COFFER_ERR_CONTEXT;
	if (info.type != COFFER_ENVELOPE_SECRET ||
	    info.plaintext_len != PAYLOAD_BYTES)
		return COFFER_ERR_FORMAT;
	/* The key id is the salt: public labels, compared as such. */
	if (sodium_memcmp(info.key_id, o->salt,
	    KEYSTORE_SALT_BYTES) != 0 ||
	    info.key_version != PASSCODE_KEY_VERSION)
		return COFFER_ERR_KEY;
	return 0;
}

static int
outer_parse(struct ks_outer *o, const uint8_t *p, size_t len)
{
	struct reader rd;
	const uint8_t *sum;
	uint8_t version, h[CHECKSUM_BYTES];
	int r;

	memset(o, 0, sizeof(*o));
	reader_init(&rd, p, len);
	if ((r = reader_magic(&rd, ks_magic, sizeof(ks_magic))) != 0 ||
	    (r = reader_u8(&rd, &version)) != 0)
		goto out;
	if (version != COFFER_KEYSTORE_VERSION) {
		r = COFFER_ERR_VERSION;
		goto out;
	}
	if ((r = reader_u8(&rd, &o->prot)) != 0)
		goto out;
	if (o->prot == PROT_PASSCODE) {
		r = outer_sealed(o, &rd);
		goto out;
	}
	if (o->prot != PROT_NONE) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	if ((r = reader_bytes(&rd, PAYLOAD_BYTES, &o->payload)) != 0 ||
	    (r = reader_bytes(&rd, CHECKSUM_BYTES, &sum)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		goto out;
	crypto_generichash(h, sizeof(h), p, len - CHECKSUM_BYTES, NULL, 0);
	if (sodium_memcmp(h, sum, sizeof(h)) != 0)
		r = COFFER_ERR_FORMAT;
out:
	sodium_memzero(h, sizeof(h));
	return r;
}

int
keystore_peek(int *sealed, const uint8_t *p, size_t len)
{
	struct ks_outer o;
	int r;

	*sealed = 0;
	if (p == NULL && len > 0)
		return COFFER_ERR_INVALID;
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	if ((r = outer_parse(&o, p, len)) == 0)
		*sealed = o.prot == PROT_PASSCODE;
	return r;
}

int
coffer_keystore_parse(struct coffer_device **out, const uint8_t *p,
    size_t len, const uint8_t *passcode, size_t passcode_len)
{
	struct ks_outer o;
	struct coffer_buf *pl = NULL;
	struct coffer_key *k = NULL;
	int r = COFFER_ERR_INVALID;

	*out = NULL;
	if (!passcode_ok(passcode, passcode_len) || (p == NULL && len > 0))
		goto out;
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((r = outer_parse(&o, p, len)) != 0)
		goto out;
	/* A passcode for a clear keystore, or none for a sealed one, is a
	 * wrong passcode: the caller expected another keystore. */
	if ((o.prot == PROT_NONE) != (passcode == NULL)) {
		r = COFFER_ERR_PASSCODE;
		goto out;
	}
	if (o.prot == PROT_NONE) {
		r = payload_parse(out, o.payload, PAYLOAD_BYTES);
		goto out;
	}
	if ((pl = coffer_buf_new_secret(PAYLOAD_BYTES)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = passcode_key(&k, passcode, passcode_len, o.ops, o.mem,
	    o.salt)) != 0)
		goto out;
	if ((r = coffer_envelope_open(pl, k, ks_ctx, o.env, o.envlen)) != 0) {
		/* Wrong passcode and altered ciphertext look the same. */
		if (r == COFFER_ERR_AUTH)
			r = COFFER_ERR_PASSCODE;
		goto out;
	}
	r = payload_parse(out, coffer_buf_data(pl), coffer_buf_len(pl));
out:
	coffer_buf_free(&pl);
	coffer_key_free(&k);
	return r;
}
