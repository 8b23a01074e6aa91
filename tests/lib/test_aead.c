/* XChaCha20-Poly1305: both implementations against the draft's vector and
 * against each other; failure leaves no plaintext behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/err.h>

#include "crypto/aead.h"
#include "vecfile.h"

static const enum coffer_aead_impl impls[] = {
	COFFER_AEAD_SODIUM, COFFER_AEAD_OPENSSL, COFFER_AEAD_DEFAULT,
};
#define NIMPL (sizeof(impls) / sizeof(impls[0]))

static int
check_xchacha(const struct vec *v)
{
	uint8_t key[32], nonce[24], tag[16], gtag[16];
	uint8_t *ad = NULL, *pt = NULL, *ct = NULL, *out = NULL;
	size_t adl, ptl, ctl, i;
	int bad = 1;

	if (vec_hexn(v, "key", key, 32) || vec_hexn(v, "nonce", nonce, 24) ||
	    vec_hexn(v, "tag", tag, 16) || vec_hex(v, "ad", &ad, &adl) ||
	    vec_hex(v, "plaintext", &pt, &ptl) ||
	    vec_hex(v, "ciphertext", &ct, &ctl) || ctl != ptl)
		goto out;
	if ((out = malloc(ptl + 1)) == NULL)
		goto out;
	for (i = 0; i < NIMPL; i++) {
		if (aead_seal(impls[i], out, gtag, pt, ptl, ad, adl,
		    nonce, key) != 0 || sodium_memcmp(out, ct, ctl) != 0 ||
		    sodium_memcmp(gtag, tag, 16) != 0)
			goto out;
		if (aead_open(impls[i], out, ct, ctl, tag, ad, adl,
		    nonce, key) != 0 || sodium_memcmp(out, pt, ptl) != 0)
			goto out;
	}
	bad = 0;
out:
	free(ad); free(pt); free(ct); free(out);
	return bad;
}

static void
test_draft_vector(void **state)
{
	(void)state;
	vecfile_assert("xchacha20poly1305.txt", check_xchacha, 1);
}

/* The two implementations agree on every length around block edges. */
static void
test_cross_implementation(void **state)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 63, 64, 65, 255, 256,
	    1000, 4096, 65537, 1 << 20 };
	uint8_t key[32], nonce[24], ad[40], t1[16], t2[16];
	uint8_t *m, *c1, *c2;
	size_t i;

	(void)state;
	m = malloc(1 << 20);
	c1 = malloc(1 << 20);
	c2 = malloc(1 << 20);
	assert_non_null(m);
	assert_non_null(c1);
	assert_non_null(c2);
	randombytes_buf(m, 1 << 20);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		randombytes_buf(key, sizeof(key));
		randombytes_buf(nonce, sizeof(nonce));
		randombytes_buf(ad, sizeof(ad));
		assert_int_equal(aead_seal(COFFER_AEAD_SODIUM, c1, t1, m,
		    lens[i], ad, i % 2 ? sizeof(ad) : 0, nonce, key), 0);
		assert_int_equal(aead_seal(COFFER_AEAD_OPENSSL, c2, t2, m,
		    lens[i], ad, i % 2 ? sizeof(ad) : 0, nonce, key), 0);
		assert_memory_equal(t1, t2, 16);
		if (lens[i] > 0)
			assert_memory_equal(c1, c2, lens[i]);
		/* Each opens what the other sealed. */
		assert_int_equal(aead_open(COFFER_AEAD_OPENSSL, c2, c1,
		    lens[i], t1, ad, i % 2 ? sizeof(ad) : 0, nonce, key), 0);
		if (lens[i] > 0)
			assert_memory_equal(c2, m, lens[i]);
	}
	free(m); free(c1); free(c2);
}

/* A failed open leaves zeros, never unauthenticated plaintext, in m. */
static void
test_open_failure_wipes(void **state)
{
	uint8_t key[32] = { 1 }, nonce[24] = { 2 }, tag[16];
	uint8_t m[100], c[100], out[100];
	size_t i, j;

	(void)state;
	memset(m, 'P', sizeof(m));
	for (i = 0; i < NIMPL; i++) {
		assert_int_equal(aead_seal(impls[i], c, tag, m, sizeof(m),
		    NULL, 0, nonce, key), 0);
		tag[3] ^= 1;
		memset(out, 0xee, sizeof(out));
		assert_int_equal(aead_open(impls[i], out, c, sizeof(c),
		    tag, NULL, 0, nonce, key), COFFER_ERR_AUTH);
		for (j = 0; j < sizeof(out); j++)
			assert_true(out[j] == 0 || out[j] == 0xee);
		tag[3] ^= 1;
		/* Every bit of ciphertext, nonce and key matters. */
		c[50] ^= 0x80;
		assert_int_equal(aead_open(impls[i], out, c, sizeof(c),
		    tag, NULL, 0, nonce, key), COFFER_ERR_AUTH);
		c[50] ^= 0x80;
		nonce[23] ^= 1;
		assert_int_equal(aead_open(impls[i], out, c, sizeof(c),
		    tag, NULL, 0, nonce, key), COFFER_ERR_AUTH);
		nonce[23] ^= 1;
		assert_int_equal(aead_open(impls[i], out, c, sizeof(c),
		    tag, (const uint8_t *)"x", 1, nonce, key), COFFER_ERR_AUTH);
		assert_int_equal(aead_open(impls[i], out, c, sizeof(c),
		    tag, NULL, 0, nonce, key), 0);
		assert_memory_equal(out, m, sizeof(m));
	}
}

static void
test_invalid(void **state)
{
	uint8_t key[32] = { 0 }, nonce[24] = { 0 }, tag[16], c[4];

	(void)state;
	assert_int_equal(aead_seal(COFFER_AEAD_SODIUM, c, tag, NULL, 4,
	    NULL, 0, nonce, key), COFFER_ERR_INVALID);
	assert_int_equal(aead_seal((enum coffer_aead_impl)7, c, tag,
	    c, 4, NULL, 0, nonce, key), COFFER_ERR_INVALID);
	assert_int_equal(aead_open(COFFER_AEAD_OPENSSL, c, c, 4, NULL,
	    NULL, 0, nonce, key), COFFER_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_vector),
		cmocka_unit_test(test_cross_implementation),
		cmocka_unit_test(test_open_failure_wipes),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests_name("aead", tests, NULL, NULL);
}
