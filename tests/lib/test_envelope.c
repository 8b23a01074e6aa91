/* Envelope v1: vectors (good, every field tampered, truncated, trailing,
 * future version, wrong context, wrong key), round trips, and the output
 * buffer left untouched whenever opening fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/envelope.h>
#include <coffer/err.h>

#include "crypto/envelope_det.h"
#include "vecfile.h"

#define PREFIX "already here"

/* X25519 ignores the bits clamping clears, so vectors carry secrets in
 * clamped form only: then every bit of them matters. */
static int
clamped(const uint8_t s[32])
{
	return (s[0] & 7) == 0 && (s[31] & 0xc0) == 0x40;
}

static void
clamp(uint8_t s[32])
{
	s[0] &= 248;
	s[31] = (uint8_t)((s[31] & 127) | 64);
}

/* The key a vector names: kind, secret, id (symmetric) and version. */
static struct coffer_key *
vec_key(const struct vec *v, const char *prefix)
{
	struct coffer_key *k = NULL;
	uint8_t secret[32], id[16];
	uint64_t version;
	char f[64];
	const char *kind;
	int symmetric;

	snprintf(f, sizeof(f), "%s_kind", prefix);
	if ((kind = vec_get(v, f)) == NULL)
		return NULL;
	symmetric = strcmp(kind, "symmetric") == 0;
	if (!symmetric && strcmp(kind, "x25519") != 0)
		return NULL;
	snprintf(f, sizeof(f), "%s_secret", prefix);
	if (vec_hexn(v, f, secret, 32))
		return NULL;
	snprintf(f, sizeof(f), "%s_id", prefix);
	if (symmetric && vec_hexn(v, f, id, 16))
		return NULL;
	if (!symmetric && (vec_get(v, f) != NULL || !clamped(secret)))
		return NULL;
	snprintf(f, sizeof(f), "%s_version", prefix);
	if (vec_u64(v, f, &version) || version > UINT32_MAX)
		return NULL;
	if (coffer_key_import(&k, symmetric ? COFFER_KEY_SYMMETRIC :
	    COFFER_KEY_X25519, secret, symmetric ? id : NULL,
	    (uint32_t)version) != 0)
		return NULL;
	return k;
}

static int
check_envelope(const struct vec *v)
{
	struct coffer_key *key = NULL;
	struct coffer_buf *out = NULL, *sealed = NULL;
	uint8_t *env = NULL, *pt = NULL, nonce[24], eph[32], pk[32];
	size_t envl, ptl;
	char *ctx = vec_str(v, "context");
	int expect, bad = 1, pub;

	if (ctx == NULL || (key = vec_key(v, "key")) == NULL ||
	    vec_err(v, "expect", &expect) || vec_hex(v, "envelope", &env, &envl))
		goto out;
	out = coffer_buf_new(1 << 20);
	sealed = coffer_buf_new(1 << 20);
	if (out == NULL || sealed == NULL ||
	    coffer_buf_append(out, PREFIX, strlen(PREFIX)) != 0)
		goto out;
	if (expect == 0) {
		/* A good vector reproduces byte for byte from its inputs. */
		pub = coffer_key_kind(key) == COFFER_KEY_X25519;
		if (vec_hex(v, "plaintext", &pt, &ptl) ||
		    vec_hexn(v, "nonce", nonce, 24) ||
		    (pub && (vec_hexn(v, "eph", eph, 32) || !clamped(eph) ||
		    coffer_key_public(key, pk) != 0)))
			goto out;
		if (envelope_seal_det(sealed, pub ?
		    COFFER_ENVELOPE_PUBLIC : COFFER_ENVELOPE_SECRET,
		    pub ? NULL : key, pub ? pk : NULL, coffer_key_version(key),
		    ctx, pt, ptl, nonce, pub ? eph : NULL) != 0 ||
		    coffer_buf_len(sealed) != envl ||
		    memcmp(coffer_buf_data(sealed), env, envl) != 0)
			goto out;
	}
	if (coffer_envelope_open(out, key, ctx, env, envl) != expect)
		goto out;
	if (expect == 0 ? (coffer_buf_len(out) != strlen(PREFIX) + ptl ||
	    (ptl > 0 && memcmp(coffer_buf_data(out) + strlen(PREFIX), pt,
	    ptl) != 0)) : coffer_buf_len(out) != strlen(PREFIX))
		goto out;
	if (memcmp(coffer_buf_data(out), PREFIX, strlen(PREFIX)) != 0)
		goto out;
	bad = 0;
out:
	coffer_key_free(&key);
	coffer_buf_free(&out);
	coffer_buf_free(&sealed);
	free(env); free(pt); free(ctx);
	return bad;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("envelope.txt", check_envelope, 30);
}

/* Round trips of both kinds over sizes, through the public calls. */
static void
test_roundtrip(void **state)
{
	static const size_t lens[] = { 0, 1, 16, 1000, 65536, 1 << 20 };
	struct coffer_key *k = NULL, *x = NULL;
	struct coffer_buf *env = coffer_buf_new(4 << 20);
	struct coffer_buf *pt = coffer_buf_new_secret(4 << 20);
	struct coffer_envelope_info info;
	uint8_t *m = malloc(1 << 20), pk[32];
	size_t i;

	(void)state;
	assert_non_null(env);
	assert_non_null(pt);
	assert_non_null(m);
	randombytes_buf(m, 1 << 20);
	assert_int_equal(coffer_key_generate(&k, COFFER_KEY_SYMMETRIC, 5), 0);
	assert_int_equal(coffer_key_generate(&x, COFFER_KEY_X25519, 2), 0);
	assert_int_equal(coffer_key_public(x, pk), 0);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		coffer_buf_reset(env);
		coffer_buf_reset(pt);
		assert_int_equal(coffer_envelope_seal(env, k, "coffer/t/v1", m,
		    lens[i]), 0);
		assert_int_equal(coffer_envelope_peek(&info,
		    coffer_buf_data(env), coffer_buf_len(env)), 0);
		assert_int_equal(info.type, COFFER_ENVELOPE_SECRET);
		assert_string_equal(info.context, "coffer/t/v1");
		assert_int_equal(info.key_version, 5);
		assert_int_equal(info.plaintext_len, lens[i]);
		assert_memory_equal(info.key_id, coffer_key_id(k), 16);
		assert_int_equal(coffer_envelope_open(pt, k, "coffer/t/v1",
		    coffer_buf_data(env), coffer_buf_len(env)), 0);
		assert_int_equal(coffer_buf_len(pt), lens[i]);
		if (lens[i])
			assert_memory_equal(coffer_buf_data(pt), m, lens[i]);

		coffer_buf_reset(env);
		coffer_buf_reset(pt);
		assert_int_equal(coffer_envelope_seal_to(env, pk, 2,
		    "coffer/t/v1", m, lens[i]), 0);
		assert_int_equal(coffer_envelope_open(pt, x, "coffer/t/v1",
		    coffer_buf_data(env), coffer_buf_len(env)), 0);
		assert_int_equal(coffer_buf_len(pt), lens[i]);
		if (lens[i])
			assert_memory_equal(coffer_buf_data(pt), m, lens[i]);
		/* The symmetric key cannot open a public envelope. */
		assert_int_equal(coffer_envelope_open(pt, k, "coffer/t/v1",
		    coffer_buf_data(env), coffer_buf_len(env)), COFFER_ERR_KEY);
	}
	/* Two seals of the same input differ (random nonce). */
	coffer_buf_reset(env);
	coffer_buf_reset(pt);
	assert_int_equal(coffer_envelope_seal(env, k, "coffer/t/v1", m, 32), 0);
	assert_int_equal(coffer_envelope_seal(pt, k, "coffer/t/v1", m, 32), 0);
	assert_memory_not_equal(coffer_buf_data(env), coffer_buf_data(pt),
	    coffer_buf_len(env));
	coffer_key_free(&k);
	coffer_key_free(&x);
	coffer_buf_free(&env);
	coffer_buf_free(&pt);
	free(m);
}

/* Every single-bit flip anywhere in an envelope is refused, and the
 * output buffer is left exactly as it was. */
static void
test_every_bit(void **state)
{
	struct coffer_key *k = NULL;
	struct coffer_buf *env = coffer_buf_new(4096);
	struct coffer_buf *out = coffer_buf_new(4096);
	uint8_t *e;
	size_t i, n;
	int b;

	(void)state;
	assert_int_equal(coffer_key_generate(&k, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(coffer_envelope_seal(env, k, "coffer/t/v1",
	    (const uint8_t *)"attack at dawn", 14), 0);
	assert_int_equal(coffer_buf_append(out, PREFIX, strlen(PREFIX)), 0);
	e = coffer_buf_mutable(env);
	n = coffer_buf_len(env);
	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++) {
			e[i] ^= (uint8_t)(1 << b);
			assert_int_not_equal(coffer_envelope_open(out, k,
			    "coffer/t/v1", e, n), 0);
			assert_int_equal(coffer_buf_len(out), strlen(PREFIX));
			assert_memory_equal(coffer_buf_data(out), PREFIX,
			    strlen(PREFIX));
			e[i] ^= (uint8_t)(1 << b);
		}
	/* Every truncation too. */
	for (i = 0; i < n; i++)
		assert_int_not_equal(coffer_envelope_open(out, k, "coffer/t/v1",
		    e, i), 0);
	assert_int_equal(coffer_envelope_open(out, k, "coffer/t/v1", e, n), 0);
	coffer_key_free(&k);
	coffer_buf_free(&env);
	coffer_buf_free(&out);
}

/* An output buffer too small for the plaintext: TOOBIG, nothing written. */
static void
test_output_cap(void **state)
{
	struct coffer_key *k = NULL;
	struct coffer_buf *env = coffer_buf_new(4096);
	struct coffer_buf *out = coffer_buf_new(20);

	(void)state;
	assert_int_equal(coffer_key_generate(&k, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(coffer_envelope_seal(env, k, "coffer/t/v1",
	    (const uint8_t *)"0123456789abcdef", 16), 0);
	assert_int_equal(coffer_buf_append(out, "0123456789", 10), 0);
	assert_int_equal(coffer_envelope_open(out, k, "coffer/t/v1",
	    coffer_buf_data(env), coffer_buf_len(env)), COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(out), 10);
	/* Sealing into a full buffer leaves it unchanged too. */
	assert_int_equal(coffer_envelope_seal(out, k, "coffer/t/v1",
	    (const uint8_t *)"x", 1), COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(out), 10);
	assert_int_equal(coffer_envelope_seal(env, k, "bad context",
	    (const uint8_t *)"x", 1), COFFER_ERR_INVALID);
	coffer_key_free(&k);
	coffer_buf_free(&env);
	coffer_buf_free(&out);
}

/* Sealing to a low-order X25519 point is refused. */
static void
test_low_order_recipient(void **state)
{
	struct coffer_buf *env = coffer_buf_new(4096);
	uint8_t zero[32] = { 0 };

	(void)state;
	assert_int_equal(coffer_envelope_seal_to(env, zero, 1, "coffer/t/v1",
	    (const uint8_t *)"x", 1), COFFER_ERR_INVALID);
	assert_int_equal(coffer_buf_len(env), 0);
	coffer_buf_free(&env);
}

/* --write-vectors: the good envelopes, and bad ones made from them by one
 * edit each. The expected error of each edit is written in the table and
 * checked against the library while writing. */

enum field { F_MAGIC, F_VERSION, F_TYPE, F_ALG, F_CLEN, F_CTX, F_KEYID,
	F_KEYVER, F_EPK, F_NONCE, F_LEN, F_CT, F_TAG, F_END };
enum op { OP_XOR, OP_SET, OP_SET32, OP_CUT, OP_ADD, OP_CTX, OP_KEY };
enum altkey { K_OTHER, K_SAME_ID, K_X25519, K_OTHER_X25519, K_SYMMETRIC };

static const char gctx[] = "coffer/test/v1";
static const uint8_t gplain[] = "attack at dawn";

static size_t
field_off(enum field f, int pub, size_t L)
{
	size_t n = strlen(gctx), e = pub ? 32 : 0;

	switch (f) {
	case F_MAGIC: return 0;
	case F_VERSION: return 4;
	case F_TYPE: return 5;
	case F_ALG: return 6;
	case F_CLEN: return 7;
	case F_CTX: return 8;
	case F_KEYID: return 8 + n;
	case F_KEYVER: return 24 + n;
	case F_EPK: return 28 + n;
	case F_NONCE: return 28 + n + e;
	case F_LEN: return 52 + n + e;
	case F_CT: return 56 + n + e;
	case F_TAG: return 56 + n + e + L;
	case F_END: return 72 + n + e + L;
	}
	return 0;
}

static const struct edit {
	const char	*name;
	int		 pub;
	enum op		 op;
	enum field	 field;
	long		 arg;
	int		 expect;
} edits[] = {
	{ "bad-magic", 0, OP_XOR, F_MAGIC, 0x01, COFFER_ERR_FORMAT },
	{ "future-version", 0, OP_SET, F_VERSION, 2, COFFER_ERR_VERSION },
	{ "version-zero", 0, OP_SET, F_VERSION, 0, COFFER_ERR_VERSION },
	{ "unknown-type", 0, OP_SET, F_TYPE, 3, COFFER_ERR_FORMAT },
	{ "type-zero", 0, OP_SET, F_TYPE, 0, COFFER_ERR_FORMAT },
	{ "unknown-alg", 0, OP_SET, F_ALG, 2, COFFER_ERR_FORMAT },
	{ "context-length-zero", 0, OP_SET, F_CLEN, 0, COFFER_ERR_FORMAT },
	{ "context-length-65", 0, OP_SET, F_CLEN, 65, COFFER_ERR_FORMAT },
	{ "context-byte", 0, OP_XOR, F_CTX, 0x01, COFFER_ERR_CONTEXT },
	{ "context-space", 0, OP_SET, F_CTX, ' ', COFFER_ERR_FORMAT },
	{ "context-del", 0, OP_SET, F_CTX, 0x7f, COFFER_ERR_FORMAT },
	{ "key-id-byte", 0, OP_XOR, F_KEYID, 0x80, COFFER_ERR_KEY },
	{ "key-version", 0, OP_SET32, F_KEYVER, 8, COFFER_ERR_KEY },
	{ "nonce-byte", 0, OP_XOR, F_NONCE, 0x01, COFFER_ERR_AUTH },
	{ "length-plus-one", 0, OP_SET32, F_LEN, 15, COFFER_ERR_TRUNCATED },
	{ "length-minus-one", 0, OP_SET32, F_LEN, 13, COFFER_ERR_TRAILING },
	{ "length-over-cap", 0, OP_SET32, F_LEN, (64 << 20) + 1,
	    COFFER_ERR_TOOBIG },
	{ "ciphertext-byte", 0, OP_XOR, F_CT, 0x01, COFFER_ERR_AUTH },
	{ "tag-byte", 0, OP_XOR, F_TAG, 0x40, COFFER_ERR_AUTH },
	{ "empty", 0, OP_CUT, F_MAGIC, 0, COFFER_ERR_TRUNCATED },
	{ "cut-in-magic", 0, OP_CUT, F_MAGIC, 2, COFFER_ERR_TRUNCATED },
	{ "cut-in-context", 0, OP_CUT, F_CTX, 3, COFFER_ERR_TRUNCATED },
	{ "cut-in-nonce", 0, OP_CUT, F_NONCE, 10, COFFER_ERR_TRUNCATED },
	{ "cut-in-ciphertext", 0, OP_CUT, F_CT, 5, COFFER_ERR_TRUNCATED },
	{ "cut-in-tag", 0, OP_CUT, F_TAG, 15, COFFER_ERR_TRUNCATED },
	{ "trailing-byte", 0, OP_ADD, F_END, 0x00, COFFER_ERR_TRAILING },
	{ "wrong-context", 0, OP_CTX, F_END, 0, COFFER_ERR_CONTEXT },
	{ "wrong-key", 0, OP_KEY, F_END, K_OTHER, COFFER_ERR_KEY },
	{ "forged-key-id", 0, OP_KEY, F_END, K_SAME_ID, COFFER_ERR_AUTH },
	{ "secret-with-x25519-key", 0, OP_KEY, F_END, K_X25519,
	    COFFER_ERR_KEY },
	{ "public-epk-byte", 1, OP_XOR, F_EPK, 0x01, COFFER_ERR_AUTH },
	{ "public-epk-low-order", 1, OP_SET, F_EPK, 0, COFFER_ERR_AUTH },
	{ "public-tag-byte", 1, OP_XOR, F_TAG, 0x01, COFFER_ERR_AUTH },
	{ "public-wrong-recipient", 1, OP_KEY, F_END, K_OTHER_X25519,
	    COFFER_ERR_KEY },
	{ "public-with-symmetric-key", 1, OP_KEY, F_END, K_SYMMETRIC,
	    COFFER_ERR_KEY },
	{ "public-type-as-secret", 1, OP_SET, F_TYPE, 1, COFFER_ERR_TOOBIG },
};

struct gkey {
	const char	*kind;
	uint8_t		 secret[32];
	uint8_t		 id[16];
	uint32_t	 version;
};

static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

static void
w_key(FILE *f, const struct gkey *k)
{
	vec_w_word(f, "key_kind", k->kind);
	vec_w_hex(f, "key_secret", k->secret, 32);
	if (strcmp(k->kind, "symmetric") == 0)
		vec_w_hex(f, "key_id", k->id, 16);
	vec_w_u64(f, "key_version", k->version);
}

static struct coffer_key *
g_import(const struct gkey *k)
{
	struct coffer_key *key = NULL;
	int sym = strcmp(k->kind, "symmetric") == 0;

	if (coffer_key_import(&key, sym ? COFFER_KEY_SYMMETRIC :
	    COFFER_KEY_X25519, k->secret, sym ? k->id : NULL, k->version) != 0)
		abort();
	return key;
}

/* Seal one good envelope and write its vector. */
static void
w_good(FILE *f, const char *name, const struct gkey *k, const char *ctx,
    const uint8_t *pt, size_t ptl, uint8_t seed, struct coffer_buf *env)
{
	struct coffer_key *key = g_import(k);
	uint8_t nonce[24], eph[32], pk[32];
	int pub = strcmp(k->kind, "x25519") == 0;

	fill(nonce, 24, seed);
	fill(eph, 32, (uint8_t)(seed + 100));
	clamp(eph);
	if (pub && coffer_key_public(key, pk) != 0)
		abort();
	coffer_buf_reset(env);
	if (envelope_seal_det(env, pub ? COFFER_ENVELOPE_PUBLIC :
	    COFFER_ENVELOPE_SECRET, pub ? NULL : key, pub ? pk : NULL,
	    k->version, ctx, pt, ptl, nonce, pub ? eph : NULL) != 0)
		abort();
	vec_w_begin(f, name);
	w_key(f, k);
	vec_w_str(f, "context", ctx);
	vec_w_hex(f, "nonce", nonce, 24);
	if (pub)
		vec_w_hex(f, "eph", eph, 32);
	vec_w_hex(f, "plaintext", pt, ptl);
	vec_w_word(f, "expect", "OK");
	vec_w_hex(f, "envelope", coffer_buf_data(env), coffer_buf_len(env));
	vec_w_end(f);
	coffer_key_free(&key);
}

static int
write_vectors(const char *dir)
{
	struct gkey sym = { "symmetric", { 0 }, { 0 }, 7 };
	struct gkey x = { "x25519", { 0 }, { 0 }, 3 };
	struct gkey alt, *base;
	struct coffer_buf *env = coffer_buf_new(1 << 20);
	struct coffer_buf *bad = coffer_buf_new(1 << 20);
	struct coffer_buf *out = coffer_buf_new(1 << 20);
	struct coffer_buf *pubenv = coffer_buf_new(1 << 20);
	struct coffer_key *key;
	const struct edit *e;
	const char *ctx;
	uint8_t *p, kp[40];
	char path[4096];
	size_t i, off, L = sizeof(gplain) - 1;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/envelope.txt", dir);
	if (env == NULL || bad == NULL || out == NULL || pubenv == NULL ||
	    (f = fopen(path, "w")) == NULL)
		return -1;
	fill(sym.secret, 32, 0x10);
	fill(sym.id, 16, 0xa0);
	fill(x.secret, 32, 0x40);
	clamp(x.secret);
	fprintf(f, "# Envelope v1 (docs/PROTOCOL-envelope.md). Good vectors "
	    "reproduce byte for\n# byte from key, context, nonce (and eph for "
	    "X25519) and plaintext; bad ones\n# are a good envelope with one "
	    "edit, opened with the key and context given.\n");
	fill(kp, sizeof(kp), 0x61);
	w_good(f, "secret-empty", &sym, gctx, NULL, 0, 1, env);
	w_good(f, "secret-keychain", &sym, "coffer/keychain/v1", kp, 40, 2,
	    env);
	w_good(f, "public-short", &x, gctx, gplain, L, 3, pubenv);
	w_good(f, "secret-short", &sym, gctx, gplain, L, 4, env);

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		e = &edits[i];
		base = e->pub ? &x : &sym;
		alt = *base;
		ctx = gctx;
		coffer_buf_reset(bad);
		if (coffer_buf_append(bad, coffer_buf_data(e->pub ? pubenv : env),
		    coffer_buf_len(e->pub ? pubenv : env)) != 0)
			abort();
		p = coffer_buf_mutable(bad);
		off = field_off(e->field, e->pub, L);
		switch (e->op) {
		case OP_XOR:
			p[off] ^= (uint8_t)e->arg;
			break;
		case OP_SET:
			if (e->field == F_EPK)
				memset(p + off, (int)e->arg, 32);
			else
				p[off] = (uint8_t)e->arg;
			break;
		case OP_SET32:
			p[off] = (uint8_t)(e->arg >> 24);
			p[off + 1] = (uint8_t)(e->arg >> 16);
			p[off + 2] = (uint8_t)(e->arg >> 8);
			p[off + 3] = (uint8_t)e->arg;
			break;
		case OP_CUT:
			coffer_buf_truncate(bad, off + (size_t)e->arg);
			break;
		case OP_ADD:
			if (coffer_buf_put_u8(bad, (uint8_t)e->arg) != 0)
				abort();
			break;
		case OP_CTX:
			ctx = "coffer/other/v1";
			break;
		case OP_KEY:
			if (e->arg == K_OTHER)
				fill(alt.id, 16, 0xb0);
			if (e->arg == K_SAME_ID || e->arg == K_OTHER)
				fill(alt.secret, 32, 0x20);
			if (e->arg == K_X25519 || e->arg == K_OTHER_X25519) {
				alt = x;
				fill(alt.secret, 32, e->arg == K_X25519 ?
				    0x40 : 0x50);
				clamp(alt.secret);
			}
			if (e->arg == K_SYMMETRIC)
				alt = sym;
			break;
		}
		key = g_import(&alt);
		coffer_buf_reset(out);
		r = coffer_envelope_open(out, key, ctx, coffer_buf_data(bad),
		    coffer_buf_len(bad));
		coffer_key_free(&key);
		if (r != e->expect) {
			fprintf(stderr, "edit %s: got %s, table says %s\n",
			    e->name, vec_errword(r), vec_errword(e->expect));
			fclose(f);
			return -1;
		}
		vec_w_begin(f, e->name);
		w_key(f, &alt);
		vec_w_str(f, "context", ctx);
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_hex(f, "envelope", coffer_buf_data(bad),
		    coffer_buf_len(bad));
		vec_w_end(f);
	}
	coffer_buf_free(&env);
	coffer_buf_free(&bad);
	coffer_buf_free(&out);
	coffer_buf_free(&pubenv);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_every_bit),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_low_order_recipient),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
