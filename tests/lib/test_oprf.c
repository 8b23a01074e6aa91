/* The OPRF of RFC 9497 (modeOPRF, ristretto255-SHA512) and
 * expand_message_xmd (RFC 9380): the published vectors
 * (tests/vectors/oprf-rfc9497.txt), invalid elements and scalars, limits,
 * and the protocol's defining property: the output does not depend on
 * the blind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/err.h>

#include "auth/oprf.h"
#include "vecfile.h"

/* The group order L, little-endian. */
static const uint8_t order[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

static int
check_oprf(const struct vec *v)
{
	uint8_t seed[32], sk[32], blind[32], blinded[32], eval[32], out[64];
	uint8_t gsk[32], gpk[32], gb[32], ge[32], go[64];
	uint8_t *info = NULL, *in = NULL;
	size_t infol, inl;
	int bad = 1;

	if (vec_hexn(v, "seed", seed, 32) || vec_hex(v, "key_info", &info,
	    &infol) || vec_hexn(v, "sk", sk, 32) ||
	    vec_hex(v, "input", &in, &inl) || vec_hexn(v, "blind", blind, 32) ||
	    vec_hexn(v, "blinded_element", blinded, 32) ||
	    vec_hexn(v, "evaluation_element", eval, 32) ||
	    vec_hexn(v, "output", out, 64))
		goto out;
	if (oprf_derive_key_pair(gsk, gpk, seed, info, infol) != 0 ||
	    memcmp(gsk, sk, 32) != 0)
		goto out;
	if (oprf_blind_with(blind, gb, in, inl) != 0 ||
	    memcmp(gb, blinded, 32) != 0)
		goto out;
	if (oprf_blind_evaluate(ge, sk, blinded) != 0 ||
	    memcmp(ge, eval, 32) != 0)
		goto out;
	if (oprf_finalize(go, in, inl, blind, eval) != 0 ||
	    memcmp(go, out, 64) != 0)
		goto out;
	bad = 0;
out:
	free(info);
	free(in);
	return bad;
}

static int
check_xmd(const struct vec *v)
{
	char *dst = vec_str(v, "dst"), *msg = vec_str(v, "msg");
	uint8_t *want = NULL, *got = NULL;
	uint64_t len;
	size_t wl;
	int bad = 1;

	if (dst == NULL || msg == NULL || vec_u64(v, "len_in_bytes", &len) ||
	    vec_hex(v, "uniform_bytes", &want, &wl) || len != wl || len == 0)
		goto out;
	if ((got = malloc(len)) == NULL)
		goto out;
	if (oprf_expand_xmd(got, len, (const uint8_t *)msg,
	    strlen(msg), (const uint8_t *)dst, strlen(dst)) != 0 ||
	    memcmp(got, want, len) != 0)
		goto out;
	bad = 0;
out:
	free(dst);
	free(msg);
	free(want);
	free(got);
	return bad;
}

static int
check_vector(const struct vec *v)
{
	const char *kind = vec_get(v, "kind");

	if (kind != NULL && strcmp(kind, "oprf") == 0)
		return check_oprf(v);
	if (kind != NULL && strcmp(kind, "xmd") == 0)
		return check_xmd(v);
	return 1;
}

static void
test_rfc_vectors(void **state)
{
	(void)state;
	vecfile_assert("oprf-rfc9497.txt", check_vector, 7);
}

/* Encodings DeserializeElement must refuse. */
static void
test_invalid_elements(void **state)
{
	uint8_t bad[5][32], sk[32], blind[32], seed[32] = { 1 }, out[64];
	uint8_t good[32], e[32];
	size_t i;

	(void)state;
	memset(bad, 0, sizeof(bad));		/* [0]: the identity */
	memset(bad[1], 0xff, 32);		/* not canonical */
	bad[2][0] = 1;				/* s negative (odd) */
	/* [3]: the field prime p = 2^255 - 19, s not reduced */
	memset(bad[3], 0xff, 32);
	bad[3][0] = 0xed;
	bad[3][31] = 0x7f;
	/* [4]: a valid element with its top bit set */
	assert_int_equal(oprf_hash_to_group(bad[4], (const uint8_t *)"x",
	    1), 0);
	memcpy(good, bad[4], 32);
	bad[4][31] |= 0x80;
	assert_int_equal(oprf_element_check(good), 0);
	assert_int_equal(oprf_derive_key_pair(sk, NULL, seed, NULL, 0),
	    0);
	crypto_core_ristretto255_scalar_random(blind);
	for (i = 0; i < 5; i++) {
		assert_int_equal(oprf_element_check(bad[i]),
		    COFFER_ERR_FORMAT);
		memset(e, 0xee, 32);
		assert_int_equal(oprf_blind_evaluate(e, sk, bad[i]),
		    COFFER_ERR_FORMAT);
		assert_int_equal(e[0], 0xee);	/* untouched */
		memset(out, 0xee, 64);
		assert_int_equal(oprf_finalize(out, (const uint8_t *)"x",
		    1, blind, bad[i]), COFFER_ERR_FORMAT);
		assert_int_equal(out[0], 0xee);
	}
}

static void
test_invalid_scalars(void **state)
{
	uint8_t s[32], p[32], e[32], out[64];

	(void)state;
	assert_int_equal(oprf_hash_to_group(p, (const uint8_t *)"x", 1),
	    0);
	memset(s, 0, 32);
	assert_int_equal(oprf_scalar_check(s), COFFER_ERR_FORMAT);
	assert_int_equal(oprf_scalar_check(order), COFFER_ERR_FORMAT);
	memcpy(s, order, 32);
	s[0]--;					/* L - 1 */
	assert_int_equal(oprf_scalar_check(s), 0);
	s[31] |= 0x20;				/* a top bit */
	assert_int_equal(oprf_scalar_check(s), COFFER_ERR_FORMAT);
	memset(s, 0, 32);
	assert_int_equal(oprf_blind_with(s, e, (const uint8_t *)"x", 1),
	    COFFER_ERR_INVALID);
	assert_int_equal(oprf_blind_with(order, e, (const uint8_t *)"x",
	    1), COFFER_ERR_INVALID);
	assert_int_equal(oprf_blind_evaluate(e, order, p),
	    COFFER_ERR_INVALID);
	assert_int_equal(oprf_finalize(out, (const uint8_t *)"x", 1, s,
	    p), COFFER_ERR_INVALID);
}

static void
test_limits(void **state)
{
	static uint8_t big[OPRF_INPUT_MAX + 1];
	uint8_t out[64], p[32], s[32], seed[32] = { 0 }, info[1025] = { 0 };
	uint8_t *long_out;
	uint8_t dst[256] = { 'D' };

	(void)state;
	assert_int_equal(oprf_expand_xmd(out, 0, NULL, 0, dst, 1),
	    COFFER_ERR_INVALID);
	assert_int_equal(oprf_expand_xmd(out, 32, NULL, 0, dst, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(oprf_expand_xmd(out, 32, NULL, 0, dst, 256),
	    COFFER_ERR_INVALID);
	assert_int_equal(oprf_expand_xmd(out, 32, NULL, 1, dst, 1),
	    COFFER_ERR_INVALID);
	long_out = malloc(255 * 64 + 1);
	assert_non_null(long_out);
	assert_int_equal(oprf_expand_xmd(long_out, 255 * 64, NULL, 0,
	    dst, 255), 0);
	assert_int_equal(oprf_expand_xmd(long_out, 255 * 64 + 1, NULL,
	    0, dst, 1), COFFER_ERR_INVALID);
	free(long_out);
	assert_int_equal(oprf_hash_to_group(p, big, sizeof(big)),
	    COFFER_ERR_INVALID);
	assert_int_equal(oprf_hash_to_group(p, big, sizeof(big) - 1),
	    0);
	assert_int_equal(oprf_hash_to_group(p, NULL, 0), 0);
	assert_int_equal(oprf_derive_key_pair(s, NULL, seed, info,
	    sizeof(info)), COFFER_ERR_INVALID);
	assert_int_equal(oprf_derive_key_pair(s, NULL, seed, info,
	    sizeof(info) - 1), 0);
}

/* Finalize(input, blind, BlindEvaluate(sk, Blind(input))) is the PRF of
 * sk and input alone: the same for every blind, different per key and per
 * input. */
static void
test_blind_independence(void **state)
{
	uint8_t seed[32], sk[32], sk2[32], blind[32], b[32], e[32];
	uint8_t o1[64], o2[64], o3[64], o4[64];
	const uint8_t in[] = "correct horse", in2[] = "correct horsf";

	(void)state;
	randombytes_buf(seed, sizeof(seed));
	assert_int_equal(oprf_derive_key_pair(sk, NULL, seed,
	    (const uint8_t *)"k1", 2), 0);
	assert_int_equal(oprf_derive_key_pair(sk2, NULL, seed,
	    (const uint8_t *)"k2", 2), 0);
	assert_memory_not_equal(sk, sk2, 32);

	assert_int_equal(oprf_blind(blind, b, in, sizeof(in)), 0);
	assert_int_equal(oprf_blind_evaluate(e, sk, b), 0);
	assert_int_equal(oprf_finalize(o1, in, sizeof(in), blind, e), 0);
	assert_int_equal(oprf_blind(blind, b, in, sizeof(in)), 0);
	assert_int_equal(oprf_blind_evaluate(e, sk, b), 0);
	assert_int_equal(oprf_finalize(o2, in, sizeof(in), blind, e), 0);
	assert_memory_equal(o1, o2, 64);

	assert_int_equal(oprf_blind_evaluate(e, sk2, b), 0);
	assert_int_equal(oprf_finalize(o3, in, sizeof(in), blind, e), 0);
	assert_memory_not_equal(o1, o3, 64);

	assert_int_equal(oprf_blind(blind, b, in2, sizeof(in2)), 0);
	assert_int_equal(oprf_blind_evaluate(e, sk, b), 0);
	assert_int_equal(oprf_finalize(o4, in2, sizeof(in2), blind, e),
	    0);
	assert_memory_not_equal(o1, o4, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_vectors),
		cmocka_unit_test(test_invalid_elements),
		cmocka_unit_test(test_invalid_scalars),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_blind_independence),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("oprf", tests, NULL, NULL);
}
