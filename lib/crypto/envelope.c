/* coffer_envelope_*: format v1, see docs/PROTOCOL-envelope.md. */
#include <coffer/envelope.h>
#include <coffer/err.h>

#include "core/secret.h"
#include "core/reader.h"
#include "crypto/aead.h"
#include "crypto/envelope_det.h"

#include <string.h>

#include <sodium.h>

static const uint8_t env_magic[4] = { 'C', 'F', 'E', 'N' };
static const char x25519_ctx[] = "coffer/envelope/x25519/v1";

#define ALG_XCHACHA20POLY1305	1

/* A parsed envelope: pointers into the input. */
struct env_parsed {
	enum coffer_envelope_type type;
	const uint8_t	*ctx;
	size_t		 ctxlen;
	const uint8_t	*key_id;
	uint32_t	 key_version;
	const uint8_t	*epk;
	const uint8_t	*nonce;
	const uint8_t	*ct;
	uint32_t	 ctlen;
	const uint8_t	*tag;
	size_t		 hdrlen;
};

static int
env_parse(struct env_parsed *e, const uint8_t *in, size_t len)
{
	struct reader rd;
	uint8_t version, type, alg, clen;
	size_t i;
	int r;

	memset(e, 0, sizeof(*e));
	reader_init(&rd, in, len);
	if ((r = reader_magic(&rd, env_magic, sizeof(env_magic))) != 0 ||
	    (r = reader_u8(&rd, &version)) != 0)
		return r;
	if (version != COFFER_ENVELOPE_VERSION)
		return COFFER_ERR_VERSION;
	if ((r = reader_u8(&rd, &type)) != 0 ||
	    (r = reader_u8(&rd, &alg)) != 0 ||
	    (r = reader_u8(&rd, &clen)) != 0)
		return r;
	if ((type != COFFER_ENVELOPE_SECRET && type != COFFER_ENVELOPE_PUBLIC) ||
	    alg != ALG_XCHACHA20POLY1305 || clen == 0 ||
	    clen > COFFER_CONTEXT_MAX)
		return COFFER_ERR_FORMAT;
	e->type = (enum coffer_envelope_type)type;
	e->ctxlen = clen;
	if ((r = reader_bytes(&rd, clen, &e->ctx)) != 0)
		return r;
	for (i = 0; i < clen; i++)
		if (e->ctx[i] <= 0x20 || e->ctx[i] >= 0x7f)
			return COFFER_ERR_FORMAT;
	if ((r = reader_bytes(&rd, COFFER_KEY_ID_BYTES, &e->key_id)) != 0 ||
	    (r = reader_u32(&rd, &e->key_version)) != 0)
		return r;
	if (type == COFFER_ENVELOPE_PUBLIC &&
	    (r = reader_bytes(&rd, COFFER_PUBLIC_BYTES, &e->epk)) != 0)
		return r;
	if ((r = reader_bytes(&rd, AEAD_NONCEBYTES, &e->nonce)) != 0 ||
	    (r = reader_u32(&rd, &e->ctlen)) != 0)
		return r;
	if (e->ctlen > COFFER_ENVELOPE_MAX)
		return COFFER_ERR_TOOBIG;
	e->hdrlen = rd.off;
	if ((r = reader_bytes(&rd, e->ctlen, &e->ct)) != 0 ||
	    (r = reader_bytes(&rd, AEAD_TAGBYTES, &e->tag)) != 0)
		return r;
	return reader_end(&rd);
}

/* The X25519 envelope key: KDF(shared, x25519_ctx, epk || rpk). */
static int
x25519_key(uint8_t key[32], const uint8_t *shared, const uint8_t *epk,
    const uint8_t *rpk)
{
	uint8_t info[2 * COFFER_PUBLIC_BYTES];

	memcpy(info, epk, COFFER_PUBLIC_BYTES);
	memcpy(info + COFFER_PUBLIC_BYTES, rpk, COFFER_PUBLIC_BYTES);
	return coffer_kdf(key, 32, shared, 32, x25519_ctx, info, sizeof(info));
}

int
envelope_seal_det(struct coffer_buf *out, enum coffer_envelope_type type,
    const struct coffer_key *key, const uint8_t *pk, uint32_t key_version,
    const char *context, const uint8_t *pt, size_t ptlen,
    const uint8_t *nonce, const uint8_t *eph)
{
	uint8_t k[32], shared[32], epk[COFFER_PUBLIC_BYTES];
	uint8_t id[COFFER_KEY_ID_BYTES];
	uint8_t *p;
	size_t start = coffer_buf_len(out), hdr, clen;
	int r = COFFER_ERR_INVALID;

	if (!coffer_context_valid(context) || (pt == NULL && ptlen > 0) ||
	    nonce == NULL)
		goto out;
	if (ptlen > COFFER_ENVELOPE_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if (type == COFFER_ENVELOPE_SECRET) {
		if (key == NULL || coffer_key_kind(key) != COFFER_KEY_SYMMETRIC)
			goto out;
		memcpy(k, key_secret(key), 32);
		memcpy(id, coffer_key_id(key), sizeof(id));
		key_version = coffer_key_version(key);
	} else if (type == COFFER_ENVELOPE_PUBLIC) {
		if (pk == NULL || eph == NULL)
			goto out;
		if ((r = coffer_key_id_of_public(COFFER_KEY_X25519, pk, id)) != 0)
			goto out;
		/* crypto_scalarmult fails on a low-order point: refuse. */
		if (crypto_scalarmult_base(epk, eph) != 0 ||
		    crypto_scalarmult(shared, eph, pk) != 0) {
			r = COFFER_ERR_INVALID;
			goto out;
		}
		if ((r = x25519_key(k, shared, epk, pk)) != 0)
			goto out;
	} else
		goto out;

	clen = strlen(context);
	if ((r = coffer_buf_append(out, env_magic, sizeof(env_magic))) != 0 ||
	    (r = coffer_buf_put_u8(out, COFFER_ENVELOPE_VERSION)) != 0 ||
	    (r = coffer_buf_put_u8(out, (uint8_t)type)) != 0 ||
	    (r = coffer_buf_put_u8(out, ALG_XCHACHA20POLY1305)) != 0 ||
	    (r = coffer_buf_put_u8(out, (uint8_t)clen)) != 0 ||
	    (r = coffer_buf_append(out, context, clen)) != 0 ||
	    (r = coffer_buf_append(out, id, sizeof(id))) != 0 ||
	    (r = coffer_buf_put_u32(out, key_version)) != 0 ||
	    (type == COFFER_ENVELOPE_PUBLIC &&
	    (r = coffer_buf_append(out, epk, sizeof(epk))) != 0) ||
	    (r = coffer_buf_append(out, nonce, AEAD_NONCEBYTES)) != 0 ||
	    (r = coffer_buf_put_u32(out, (uint32_t)ptlen)) != 0)
		goto out;
	hdr = coffer_buf_len(out) - start;
	if ((r = coffer_buf_extend(out, ptlen + AEAD_TAGBYTES, &p)) != 0)
		goto out;
	r = aead_seal(COFFER_AEAD_DEFAULT, p, p + ptlen, pt, ptlen,
	    coffer_buf_data(out) + start, hdr, nonce, k);
out:
	if (r != 0)
		coffer_buf_truncate(out, start);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(shared, sizeof(shared));
	return r;
}

int
coffer_envelope_seal(struct coffer_buf *out, const struct coffer_key *key,
    const char *context, const uint8_t *pt, size_t ptlen)
{
	uint8_t nonce[AEAD_NONCEBYTES];

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(nonce, sizeof(nonce));
	return envelope_seal_det(out, COFFER_ENVELOPE_SECRET, key, NULL,
	    0, context, pt, ptlen, nonce, NULL);
}

int
coffer_envelope_seal_to(struct coffer_buf *out,
    const uint8_t pk[COFFER_PUBLIC_BYTES], uint32_t key_version,
    const char *context, const uint8_t *pt, size_t ptlen)
{
	uint8_t nonce[AEAD_NONCEBYTES], eph[32];
	int r;

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(eph, sizeof(eph));
	r = envelope_seal_det(out, COFFER_ENVELOPE_PUBLIC, NULL, pk,
	    key_version, context, pt, ptlen, nonce, eph);
	sodium_memzero(eph, sizeof(eph));
	return r;
}

int
coffer_envelope_peek(struct coffer_envelope_info *info, const uint8_t *env,
    size_t len)
{
	struct env_parsed e;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = env_parse(&e, env, len)) != 0)
		return r;
	info->type = e.type;
	memcpy(info->context, e.ctx, e.ctxlen);
	info->context[e.ctxlen] = '\0';
	memcpy(info->key_id, e.key_id, COFFER_KEY_ID_BYTES);
	info->key_version = e.key_version;
	info->plaintext_len = e.ctlen;
	return 0;
}

int
coffer_envelope_open(struct coffer_buf *out, const struct coffer_key *key,
    const char *context, const uint8_t *env, size_t len)
{
	struct env_parsed e;
	uint8_t k[32], shared[32], rpk[COFFER_PUBLIC_BYTES];
	uint8_t *p;
	size_t start = coffer_buf_len(out);
	int r = COFFER_ERR_INVALID;

	if (key == NULL || !coffer_context_valid(context))
		goto out;
	if ((r = env_parse(&e, env, len)) != 0)
		goto out;
	if (e.ctxlen != strlen(context) ||
	    sodium_memcmp(e.ctx, context, e.ctxlen) != 0) {
		r = COFFER_ERR_CONTEXT;
		goto out;
	}
	/* Key ids and versions are public labels, not secrets. */
	if ((e.type == COFFER_ENVELOPE_SECRET &&
	    coffer_key_kind(key) != COFFER_KEY_SYMMETRIC) ||
	    (e.type == COFFER_ENVELOPE_PUBLIC &&
	    coffer_key_kind(key) != COFFER_KEY_X25519) ||
	    sodium_memcmp(e.key_id, coffer_key_id(key), COFFER_KEY_ID_BYTES) != 0 ||
	    e.key_version != coffer_key_version(key)) {
		r = COFFER_ERR_KEY;
		goto out;
	}
	if (e.type == COFFER_ENVELOPE_SECRET)
		memcpy(k, key_secret(key), 32);
	else {
		if ((r = coffer_key_public(key, rpk)) != 0)
			goto out;
		if (crypto_scalarmult(shared, key_secret(key),
		    e.epk) != 0) {
			r = COFFER_ERR_AUTH;	/* a low-order point: forged */
			goto out;
		}
		if ((r = x25519_key(k, shared, e.epk, rpk)) != 0)
			goto out;
	}
	/* Decrypt into the buffer's tail: the caller sees it only if the tag
	 * holds; otherwise it is wiped and cut off again. */
	if ((r = coffer_buf_extend(out, e.ctlen, &p)) != 0)
		goto out;
	r = aead_open(COFFER_AEAD_DEFAULT, p, e.ct, e.ctlen, e.tag, env,
	    e.hdrlen, e.nonce, k);
out:
	if (r != 0 && coffer_buf_len(out) > start) {
		sodium_memzero(coffer_buf_mutable(out) + start,
		    coffer_buf_len(out) - start);
		coffer_buf_truncate(out, start);
	}
	sodium_memzero(k, sizeof(k));
	sodium_memzero(shared, sizeof(shared));
	return r;
}
