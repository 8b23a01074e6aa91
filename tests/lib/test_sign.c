/* Signatures: libsodium's Ed25519 against RFC 8032, then coffer_sign's
 * context framing (tests/vectors/sign.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/err.h>
#include <coffer/sign.h>

#include "vecfile.h"

static int
check_rfc8032(const struct vec *v)
{
	uint8_t seed[32], pk[32], gpk[32], sk[64], sig[64], gsig[64];
	uint8_t *m = NULL;
	size_t ml;
	int bad = 1;

	if (vec_hexn(v, "secret", seed, 32) || vec_hexn(v, "public", pk, 32) ||
	    vec_hexn(v, "signature", sig, 64) || vec_hex(v, "message", &m, &ml))
		goto out;
	if (crypto_sign_seed_keypair(gpk, sk, seed) != 0 ||
	    memcmp(gpk, pk, 32) != 0 ||
	    crypto_sign_detached(gsig, NULL, m, ml, sk) != 0 ||
	    memcmp(gsig, sig, 64) != 0 ||
	    crypto_sign_verify_detached(sig, m, ml, pk) != 0)
		goto out;
	bad = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	free(m);
	return bad;
}

/* coffer_sign vectors: seed, context, message -> signature; bad ones give
 * a signature, public key, context and message that must not verify. */
static int
check_sign(const struct vec *v)
{
	struct coffer_key *k = NULL;
	uint8_t seed[32], pk[32], sig[64], gsig[64];
	uint8_t *m = NULL;
	size_t ml;
	char *ctx = vec_str(v, "context");
	int expect, bad = 1;

	if (ctx == NULL || vec_err(v, "expect", &expect) ||
	    vec_hexn(v, "public", pk, 32) || vec_hexn(v, "signature", sig, 64) ||
	    vec_hex(v, "message", &m, &ml))
		goto out;
	if (expect == 0) {
		if (vec_hexn(v, "seed", seed, 32) ||
		    coffer_key_import(&k, COFFER_KEY_ED25519, seed, NULL, 1) ||
		    coffer_key_public(k, gsig) || sodium_memcmp(gsig, pk, 32) != 0 ||
		    coffer_sign(gsig, k, ctx, m, ml) != 0 ||
		    memcmp(gsig, sig, 64) != 0)
			goto out;
	} else if (vec_get(v, "seed") != NULL)
		goto out;
	if (coffer_sign_verify(sig, pk, ctx, m, ml) != expect)
		goto out;
	bad = 0;
out:
	coffer_key_free(&k);
	free(m);
	free(ctx);
	return bad;
}

static void
test_rfc8032(void **state)
{
	(void)state;
	vecfile_assert("ed25519-rfc8032.txt", check_rfc8032, 3);
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("sign.txt", check_sign, 8);
}

static void
test_misuse(void **state)
{
	struct coffer_key *k = NULL, *s = NULL;
	uint8_t sig[64], pk[32];

	(void)state;
	assert_int_equal(coffer_key_generate(&k, COFFER_KEY_ED25519, 1), 0);
	assert_int_equal(coffer_key_generate(&s, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(coffer_sign(sig, s, "coffer/t/v1", NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_sign(sig, k, "", NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(coffer_sign(sig, k, "coffer/t/v1", NULL, 1),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_sign(sig, k, "coffer/t/v1", NULL, 0), 0);
	assert_int_equal(coffer_key_public(k, pk), 0);
	assert_int_equal(coffer_sign_verify(sig, pk, "coffer/t/v1", NULL, 0), 0);
	assert_int_equal(coffer_sign_verify(sig, pk, "coffer/t/v2", NULL, 0),
	    COFFER_ERR_AUTH);
	coffer_key_free(&k);
	coffer_key_free(&s);
}

/* The signed bytes frame the context with its length: ("ab", "c...")
 * and ("a", "bc...") sign different strings. */
static void
test_framing(void **state)
{
	struct coffer_key *k = NULL;
	uint8_t sig[64], pk[32];

	(void)state;
	assert_int_equal(coffer_key_generate(&k, COFFER_KEY_ED25519, 1), 0);
	assert_int_equal(coffer_key_public(k, pk), 0);
	assert_int_equal(coffer_sign(sig, k, "coffer/ab", (const uint8_t *)"c",
	    1), 0);
	assert_int_equal(coffer_sign_verify(sig, pk, "coffer/a",
	    (const uint8_t *)"bc", 2), COFFER_ERR_AUTH);
	assert_int_equal(coffer_sign_verify(sig, pk, "coffer/ab",
	    (const uint8_t *)"c", 1), 0);
	coffer_key_free(&k);
}

static int
write_vectors(const char *dir)
{
	static const struct {
		const char *name, *ctx, *msg;
	} good[] = {
		{ "empty-message", "coffer/test/v1", "" },
		{ "device-list", "coffer/device-list/v1", "device list v1" },
		{ "protection-state", "coffer/protection/v1", "adp=on epoch=7" },
	};
	static const char *badnames[] = { "signature-byte", "s-not-canonical",
	    "wrong-context", "message-changed", "wrong-public-key",
	    "context-as-message-prefix" };
	struct coffer_key *k = NULL;
	uint8_t seed[32], pk[32], sig[64], s2[64], pk2[32];
	const char *ctx, *msg;
	char path[4096];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sign.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# coffer_sign (docs/PROTOCOL-envelope.md, Signatures): "
	    "Ed25519 over\n# \"CFSG\" 0x01 len(context) context message. "
	    "Bad vectors must not verify.\n");
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x30 + i);
	if (coffer_key_import(&k, COFFER_KEY_ED25519, seed, NULL, 1) != 0 ||
	    coffer_key_public(k, pk) != 0)
		return -1;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (coffer_sign(sig, k, good[i].ctx, (const uint8_t *)good[i].msg,
		    strlen(good[i].msg)) != 0)
			return -1;
		vec_w_begin(f, good[i].name);
		vec_w_hex(f, "seed", seed, 32);
		vec_w_hex(f, "public", pk, 32);
		vec_w_str(f, "context", good[i].ctx);
		vec_w_hex(f, "message", (const uint8_t *)good[i].msg,
		    strlen(good[i].msg));
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "signature", sig, 64);
		vec_w_end(f);
	}
	/* Bad ones start from the device-list signature. */
	if (coffer_sign(sig, k, good[1].ctx, (const uint8_t *)good[1].msg,
	    strlen(good[1].msg)) != 0)
		return -1;
	memcpy(pk2, pk, 32);
	pk2[0] ^= 1;
	for (i = 0; i < sizeof(badnames) / sizeof(badnames[0]); i++) {
		const uint8_t *p = pk;

		memcpy(s2, sig, 64);
		ctx = good[1].ctx;
		msg = good[1].msg;
		switch (i) {
		case 0: s2[10] ^= 4; break;
		case 1: {
			/* S + L: the same point equation, not canonical. */
			static const uint8_t L[32] = { 0xed, 0xd3, 0xf5, 0x5c,
			    0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
			    0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0,
			    0, 0, 0, 0, 0, 0, 0, 0x10 };
			unsigned c = 0;
			int j;

			for (j = 0; j < 32; j++) {
				c += s2[32 + j] + L[j];
				s2[32 + j] = (uint8_t)c;
				c >>= 8;
			}
			break;
		}
		case 2: ctx = "coffer/device-list/v2"; break;
		case 3: msg = "device list v2"; break;
		case 4: p = pk2; break;
		case 5: ctx = "coffer/device-list/v1x"; msg = "device list v1";
			break;
		}
		vec_w_begin(f, badnames[i]);
		vec_w_hex(f, "public", p, 32);
		vec_w_str(f, "context", ctx);
		vec_w_hex(f, "message", (const uint8_t *)msg, strlen(msg));
		vec_w_word(f, "expect", "AUTH");
		vec_w_hex(f, "signature", s2, 64);
		vec_w_end(f);
	}
	coffer_key_free(&k);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8032),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_framing),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("sign", tests, NULL, NULL);
}
