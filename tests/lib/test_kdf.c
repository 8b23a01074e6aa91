/* HKDF (RFC 5869 vectors, OpenSSL cross-check for SHA-512) and coffer_kdf
 * (tests/vectors/kdf.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>

#include <coffer/err.h>
#include <coffer/kdf.h>

#include "crypto/hkdf.h"
#include "vecfile.h"

static int
check_rfc5869(const struct vec *v)
{
	uint8_t *ikm = NULL, *salt = NULL, *info = NULL, *prk = NULL, *okm = NULL;
	size_t ikml, saltl, infol, prkl, okml;
	uint8_t gprk[64], gokm[255 * 32];
	uint64_t len;
	const char *h = vec_get(v, "hash");
	int bad = 1;

	if (h == NULL || strcmp(h, "sha256") != 0 ||
	    vec_hex(v, "ikm", &ikm, &ikml) || vec_hex(v, "salt", &salt, &saltl) ||
	    vec_hex(v, "info", &info, &infol) || vec_hex(v, "prk", &prk, &prkl) ||
	    vec_hex(v, "okm", &okm, &okml) || vec_u64(v, "length", &len) ||
	    len != okml || prkl != 32)
		goto out;
	if (hkdf_extract(COFFER_HKDF_SHA256, gprk, salt, saltl, ikm,
	    ikml) != 0 || memcmp(gprk, prk, 32) != 0)
		goto out;
	if (hkdf_expand(COFFER_HKDF_SHA256, gokm, len, gprk, 32, info,
	    infol) != 0 || memcmp(gokm, okm, len) != 0)
		goto out;
	bad = 0;
out:
	free(ikm); free(salt); free(info); free(prk); free(okm);
	return bad;
}

static void
test_rfc5869(void **state)
{
	(void)state;
	vecfile_assert("hkdf-rfc5869.txt", check_rfc5869, 3);
}

/* HKDF-SHA-512 has no RFC vectors: compare with OpenSSL's HKDF over a
 * spread of lengths. */
static void
test_hkdf_sha512_vs_openssl(void **state)
{
	uint8_t ikm[100], salt[80], info[120], prk[64], a[600], b[600];
	size_t lens[] = { 1, 32, 63, 64, 65, 128, 200, 599 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
		EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
		OSSL_PARAM params[5], *p = params;

		randombytes_buf(ikm, sizeof(ikm));
		randombytes_buf(salt, sizeof(salt));
		randombytes_buf(info, sizeof(info));
		*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
		    (char *)"SHA512", 0);
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
		    ikm, sizeof(ikm));
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    salt, sizeof(salt));
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    info, sizeof(info));
		*p = OSSL_PARAM_construct_end();
		assert_int_equal(EVP_KDF_derive(kctx, a, lens[i], params), 1);
		EVP_KDF_CTX_free(kctx);
		EVP_KDF_free(kdf);

		assert_int_equal(hkdf_extract(COFFER_HKDF_SHA512, prk,
		    salt, sizeof(salt), ikm, sizeof(ikm)), 0);
		assert_int_equal(hkdf_expand(COFFER_HKDF_SHA512, b,
		    lens[i], prk, 64, info, sizeof(info)), 0);
		assert_memory_equal(a, b, lens[i]);
	}
}

static void
test_hkdf_limits(void **state)
{
	uint8_t prk[64] = { 1 }, out[8];

	(void)state;
	assert_int_equal(hkdf_expand(COFFER_HKDF_SHA256, out, 255 * 32 + 1,
	    prk, 32, NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(hkdf_expand((enum coffer_hkdf_hash)9, out, 8,
	    prk, 32, NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(hkdf_expand(COFFER_HKDF_SHA256, out, 8, prk, 0,
	    NULL, 0), COFFER_ERR_INVALID);
}

/* coffer_kdf vectors: ikm, context, info, length -> okm; or an error. */
static int
check_kdf(const struct vec *v)
{
	uint8_t *ikm = NULL, *info = NULL, *okm = NULL, *got = NULL;
	size_t ikml, infol, okml;
	char *ctx = vec_str(v, "context");
	uint64_t len;
	int err, bad = 1;

	if (ctx == NULL || vec_hex(v, "ikm", &ikm, &ikml) ||
	    vec_hex(v, "info", &info, &infol) || vec_u64(v, "length", &len) ||
	    len > COFFER_KDF_MAX + 1 || vec_err(v, "expect", &err) ||
	    vec_hex(v, "okm", &okm, &okml))
		goto out;
	if ((got = calloc(1, len + 1)) == NULL)
		goto out;
	if (coffer_kdf(got, len, ikm, ikml, ctx, info, infol) != err)
		goto out;
	if (err == 0 ? (okml != len || memcmp(got, okm, len) != 0) : okml != 0)
		goto out;
	bad = 0;
out:
	free(ikm); free(info); free(okm); free(got); free(ctx);
	return bad;
}

static void
test_kdf_vectors(void **state)
{
	(void)state;
	vecfile_assert("kdf.txt", check_kdf, 6);
}

/* Derivation is domain-separated: the context and info both matter, and
 * (context, info) pairs that concatenate alike do not collide. */
static void
test_kdf_separation(void **state)
{
	uint8_t ikm[32] = { 7 }, a[32], b[32];

	(void)state;
	assert_int_equal(coffer_kdf(a, 32, ikm, 32, "coffer/a/v1", (const uint8_t *)"x", 1), 0);
	assert_int_equal(coffer_kdf(b, 32, ikm, 32, "coffer/a/v1x", NULL, 0), 0);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(coffer_kdf(b, 32, ikm, 32, "coffer/b/v1", (const uint8_t *)"x", 1), 0);
	assert_memory_not_equal(a, b, 32);
}

static void
test_kdf_key(void **state)
{
	struct coffer_key *parent = NULL, *k1 = NULL, *k2 = NULL;

	(void)state;
	assert_int_equal(coffer_key_generate(&parent, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(coffer_kdf_key(&k1, parent, "coffer/test/v1",
	    (const uint8_t *)"a", 1, 3), 0);
	assert_int_equal(coffer_kdf_key(&k2, parent, "coffer/test/v1",
	    (const uint8_t *)"a", 1, 3), 0);
	assert_true(coffer_key_equal(k1, k2));
	assert_int_equal(coffer_key_version(k1), 3);
	coffer_key_free(&k2);
	assert_int_equal(coffer_kdf_key(&k2, parent, "coffer/test/v1",
	    (const uint8_t *)"b", 1, 3), 0);
	assert_false(coffer_key_equal(k1, k2));
	assert_int_equal(coffer_kdf_key(&k2, parent, "bad context", NULL, 0, 1),
	    COFFER_ERR_INVALID);
	assert_null(k2);
	coffer_key_free(&k1);
	coffer_key_free(&parent);
}

static int
write_vectors(const char *dir)
{
	static const struct {
		const char *name, *ctx, *info;
		size_t ikmlen, len;
	} cases[] = {
		{ "short", "coffer/test/v1", "", 32, 32 },
		{ "with-info", "coffer/keychain/v1", "category-19", 32, 48 },
		{ "long-output", "coffer/test/v1", "block", 16, 200 },
		{ "empty-ikm", "coffer/test/v1", "", 0, 32 },
		{ "max-context", "coffer/0123456789012345678901234567890123456789012345678901/v1", "", 32, 32 },
		{ "bad-context-empty", "", "", 32, 32 },
		{ "bad-context-space", "coffer/a b/v1", "", 32, 32 },
		{ "bad-context-long", "coffer/01234567890123456789012345678901234567890123456789012/v1", "", 32, 32 },
		{ "bad-length-zero", "coffer/test/v1", "", 32, 0 },
		{ "bad-length-big", "coffer/test/v1", "", 32, COFFER_KDF_MAX + 1 },
	};
	char path[4096];
	uint8_t ikm[64], *okm;
	size_t i, j;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/kdf.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# coffer_kdf (docs/PROTOCOL-kdf.md): HKDF-SHA-512, salt\n"
	    "# \"coffer/kdf/v1\", info = len(context) || context || info.\n"
	    "# expect is OK with okm, or the error with an empty okm.\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < cases[i].ikmlen; j++)
			ikm[j] = (uint8_t)(i * 17 + j);
		okm = calloc(1, cases[i].len + 1);
		r = coffer_kdf(okm, cases[i].len, ikm, cases[i].ikmlen,
		    cases[i].ctx, (const uint8_t *)cases[i].info,
		    strlen(cases[i].info));
		vec_w_begin(f, cases[i].name);
		vec_w_hex(f, "ikm", ikm, cases[i].ikmlen);
		vec_w_str(f, "context", cases[i].ctx);
		vec_w_hex(f, "info", (const uint8_t *)cases[i].info,
		    strlen(cases[i].info));
		vec_w_u64(f, "length", cases[i].len);
		vec_w_word(f, "expect", vec_errword(r));
		vec_w_hex(f, "okm", okm, r == 0 ? cases[i].len : 0);
		vec_w_end(f);
		free(okm);
	}
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5869),
		cmocka_unit_test(test_hkdf_sha512_vs_openssl),
		cmocka_unit_test(test_hkdf_limits),
		cmocka_unit_test(test_kdf_vectors),
		cmocka_unit_test(test_kdf_separation),
		cmocka_unit_test(test_kdf_key),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("kdf", tests, NULL, NULL);
}
