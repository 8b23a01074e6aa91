/* coffer_keychain_*: key records, wrapping and sealing to devices, see
 * docs/PROTOCOL-keys.md ("Keychain"). */
#include <coffer/category.h>
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/keychain.h>

#include "core/secret.h"
#include "core/reader.h"
#include "crypto/envelope_det.h"
#include "keys/keychain_internal.h"

#include <string.h>

#include <sodium.h>

static const uint8_t kr_magic[4] = { 'C', 'F', 'K', 'R' };
static const char wrap_ctx[] = "coffer/wrap/v1";
static const char device_ctx[] = KEYCHAIN_DEVICE_CONTEXT;

_Static_assert(KEYCHAIN_DEVICE_SEALED_BYTES == 8 + sizeof(device_ctx) - 1 +
    COFFER_KEY_ID_BYTES + 4 + COFFER_PUBLIC_BYTES + 24 + 4 +
    KEYRECORD_BYTES + 16, "a key sealed to a device: header, record, tag");

/* The largest plaintext an unwrap takes: a record with a few bytes too
 * many still parses far enough to say TRAILING; a big one is TOOBIG. */
#define RECORD_OPEN_MAX	256

/* The one kind each role's key has. */
static int
role_kind(enum coffer_key_role role, enum coffer_key_kind *kind)
{
	switch (role) {
	case COFFER_ROLE_ROOT:
	case COFFER_ROLE_CATEGORY:
	case COFFER_ROLE_ZONE:
	case COFFER_ROLE_NAMING:
		*kind = COFFER_KEY_SYMMETRIC;
		return 1;
	case COFFER_ROLE_ACCOUNT:
		*kind = COFFER_KEY_ED25519;
		return 1;
	}
	return 0;
}

/* Root, account and naming keys have no category; category and zone keys
 * name a category of the table. */
static int
role_category_ok(enum coffer_key_role role, uint8_t category)
{
	if (role == COFFER_ROLE_CATEGORY || role == COFFER_ROLE_ZONE)
		return coffer_category_by_id(category) != NULL;
	return category == 0;
}

/* An expectation or a key to write: role, category and version fit. */
static int
label_ok(enum coffer_key_role role, uint8_t category, uint32_t version)
{
	enum coffer_key_kind kind;

	return role_kind(role, &kind) && role_category_ok(role, category) &&
	    version != 0;
}

int
coffer_keychain_key_generate(struct coffer_key **out,
    enum coffer_key_role role, uint8_t category, uint32_t version)
{
	enum coffer_key_kind kind;

	*out = NULL;
	if (!label_ok(role, category, version) || !role_kind(role, &kind))
		return COFFER_ERR_INVALID;
	return coffer_key_generate(out, kind, version);
}

int
coffer_category_key_generate(struct coffer_key **out, uint8_t category,
    uint32_t version)
{
	return coffer_keychain_key_generate(out, COFFER_ROLE_CATEGORY, category,
	    version);
}

int
keyrecord_encode(struct coffer_buf *out, const struct coffer_key *key,
    enum coffer_key_role role, uint8_t category)
{
	enum coffer_key_kind kind;
	size_t start = coffer_buf_len(out);
	int r = COFFER_ERR_INVALID;

	if (key == NULL || !label_ok(role, category, coffer_key_version(key)) ||
	    !role_kind(role, &kind) || coffer_key_kind(key) != kind)
		goto out;
	if ((r = coffer_buf_append(out, kr_magic, sizeof(kr_magic))) != 0 ||
	    (r = coffer_buf_put_u8(out, COFFER_KEYRECORD_VERSION)) != 0 ||
	    (r = coffer_buf_put_u8(out, (uint8_t)kind)) != 0 ||
	    (r = coffer_buf_put_u8(out, (uint8_t)role)) != 0 ||
	    (r = coffer_buf_put_u8(out, category)) != 0 ||
	    (r = coffer_buf_put_u32(out, coffer_key_version(key))) != 0 ||
	    (r = coffer_buf_append(out, coffer_key_id(key),
	    COFFER_KEY_ID_BYTES)) != 0 ||
	    (r = coffer_buf_append(out, key_secret(key),
	    COFFER_KEY_BYTES)) != 0)
		goto out;
out:
	if (r != 0)
		coffer_buf_truncate(out, start);
	return r;
}

int
keyrecord_parse(struct coffer_key **out, enum coffer_key_role *role,
    uint8_t *category, const uint8_t *p, size_t len)
{
	struct reader rd;
	struct coffer_key *k = NULL;
	enum coffer_key_kind want;
	const uint8_t *id, *secret;
	uint8_t kind, rl, cat;
	uint32_t kv;
	int r;

	*out = NULL;
	reader_init(&rd, p, len);
	if ((r = reader_header(&rd, kr_magic, sizeof(kr_magic),
	    COFFER_KEYRECORD_VERSION)) != 0)
		goto out;
	if ((r = reader_u8(&rd, &kind)) != 0 ||
	    (r = reader_u8(&rd, &rl)) != 0 ||
	    (r = reader_u8(&rd, &cat)) != 0 ||
	    (r = reader_u32(&rd, &kv)) != 0 ||
	    (r = reader_bytes(&rd, COFFER_KEY_ID_BYTES, &id)) != 0 ||
	    (r = reader_bytes(&rd, COFFER_KEY_BYTES, &secret)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		goto out;
	if (!label_ok((enum coffer_key_role)rl, cat, kv) ||
	    !role_kind((enum coffer_key_role)rl, &want) || kind != want) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	/* An asymmetric key's id is that of its public key: import derives
	 * it, and the record must agree. */
	if ((r = coffer_key_import(&k, (enum coffer_key_kind)kind, secret,
	    kind == COFFER_KEY_SYMMETRIC ? id : NULL, kv)) != 0)
		goto out;
	if (sodium_memcmp(coffer_key_id(k), id, COFFER_KEY_ID_BYTES) != 0) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	*role = (enum coffer_key_role)rl;
	*category = cat;
	*out = k;
	k = NULL;
out:
	coffer_key_free(&k);
	return r;
}

int
keychain_wrap_det(struct coffer_buf *out, const struct coffer_key *key,
    enum coffer_key_role role, uint8_t category,
    enum coffer_envelope_type type, const struct coffer_key *kek,
    const uint8_t *pk, uint32_t pk_version, const uint8_t *nonce,
    const uint8_t *eph)
{
	struct coffer_buf *rec = NULL;
	int r = COFFER_ERR_INVALID;

	if (type == COFFER_ENVELOPE_SECRET && (kek == NULL ||
	    coffer_key_kind(kek) != COFFER_KEY_SYMMETRIC || (key != NULL &&
	    sodium_memcmp(coffer_key_id(key), coffer_key_id(kek),
	    COFFER_KEY_ID_BYTES) == 0)))
		goto out;
	if ((rec = coffer_buf_new_secret(KEYRECORD_BYTES)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = keyrecord_encode(rec, key, role, category)) != 0)
		goto out;
	r = envelope_seal_det(out, type, kek, pk, pk_version,
	    type == COFFER_ENVELOPE_SECRET ? wrap_ctx : device_ctx,
	    coffer_buf_data(rec), coffer_buf_len(rec), nonce, eph);
out:
	coffer_buf_free(&rec);
	return r;
}

int
coffer_keychain_wrap(struct coffer_buf *out, const struct coffer_key *key,
    enum coffer_key_role role, uint8_t category, const struct coffer_key *kek)
{
	uint8_t nonce[24];

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(nonce, sizeof(nonce));
	return keychain_wrap_det(out, key, role, category,
	    COFFER_ENVELOPE_SECRET, kek, NULL, 0, nonce, NULL);
}

int
coffer_keychain_seal_to_device(struct coffer_buf *out,
    const struct coffer_key *key, enum coffer_key_role role,
    uint8_t category, const uint8_t device_pk[COFFER_PUBLIC_BYTES],
    uint32_t device_key_version)
{
	uint8_t nonce[24], eph[32];
	int r;

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(eph, sizeof(eph));
	r = keychain_wrap_det(out, key, role, category,
	    COFFER_ENVELOPE_PUBLIC, NULL, device_pk, device_key_version, nonce,
	    eph);
	sodium_memzero(eph, sizeof(eph));
	return r;
}

/* Open a wrapped key for ${context} and hold it to the expectation. */
static int
unwrap(struct coffer_key **out, const uint8_t *blob, size_t len,
    enum coffer_key_role role, uint8_t category, uint32_t version,
    const struct coffer_key *kek, const char *context)
{
	struct coffer_buf *rec = NULL;
	struct coffer_key *k = NULL;
	enum coffer_key_role got_role;
	uint8_t got_cat;
	int r = COFFER_ERR_INVALID;

	*out = NULL;
	if (kek == NULL || (blob == NULL && len > 0) ||
	    !label_ok(role, category, version))
		goto out;
	if ((rec = coffer_buf_new_secret(RECORD_OPEN_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = coffer_envelope_open(rec, kek, context, blob, len)) != 0 ||
	    (r = keyrecord_parse(&k, &got_role, &got_cat,
	    coffer_buf_data(rec), coffer_buf_len(rec))) != 0)
		goto out;
	if (got_role != role || got_cat != category ||
	    coffer_key_version(k) != version) {
		r = COFFER_ERR_KEY;
		goto out;
	}
	*out = k;
	k = NULL;
out:
	coffer_key_free(&k);
	coffer_buf_free(&rec);
	return r;
}

int
coffer_keychain_unwrap(struct coffer_key **out, const uint8_t *blob,
    size_t len, enum coffer_key_role role, uint8_t category, uint32_t version,
    const struct coffer_key *kek)
{
	return unwrap(out, blob, len, role, category, version, kek, wrap_ctx);
}

int
coffer_keychain_open_from_device(struct coffer_key **out, const uint8_t *blob,
    size_t len, enum coffer_key_role role, uint8_t category, uint32_t version,
    const struct coffer_key *device_key)
{
	return unwrap(out, blob, len, role, category, version, device_key,
	    device_ctx);
}
