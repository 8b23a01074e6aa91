/* Compression that never loses (docs/PROTOCOL-backup.md, "Stored
 * chunk"): a chunk that starts with incompressible bytes and goes on
 * with zeros is compressed (its first 64 KiB alone would say no), and
 * random data is stored raw. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/key.h>

#include "backup/format.h"

#define MIB	((size_t)1024 * 1024)

/* Seal len bytes of p as a data chunk: the stored length and flags. */
static size_t
seal(const uint8_t *p, size_t len, uint8_t *flags)
{
	struct coffer_key *k = NULL;
	const struct coffer_key *ks[1];
	struct bk_keyring *kr = NULL;
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	uint8_t id[BK_ID], *out;
	size_t slen;

	assert_int_equal(coffer_key_generate(&k, COFFER_KEY_SYMMETRIC, 1), 0);
	ks[0] = k;
	assert_int_equal(bk_keyring_new(&kr, ks, 1), 0);
	assert_int_equal(bk_zctx_new(&z, 1), 0);
	assert_int_equal(bk_hmac_new(&h, bk_keyring_oldest(kr)), 0);
	assert_int_equal(bk_hmac(h, p, len, id), 0);
	assert_non_null(out = malloc(bk_chunk_bound(len)));
	assert_int_equal(bk_chunk_seal(z, kr, id, BK_DATA, p, len, out,
	    &slen), 0);
	*flags = out[1];
	free(out);
	bk_hmac_free(&h);
	bk_zctx_free(&z);
	bk_keyring_free(&kr);
	coffer_key_free(&k);
	return slen;
}

static void
test_random_then_zeros(void **state)
{
	size_t len = 4 * MIB, slen;
	uint8_t *p, flags;

	(void)state;
	assert_non_null(p = calloc(1, len));
	randombytes_buf(p, 256 * 1024);
	slen = seal(p, len, &flags);
	assert_int_equal(flags, BK_FLAG_ZSTD);
	assert_true(slen < 300 * 1024);
	free(p);
}

/* Random with zeros past every probe: a run of 160 KiB of zeros in
 * the middle of 3 MiB of random bytes is found. */
static void
test_zeros_inside(void **state)
{
	size_t len = 3 * MIB, slen;
	uint8_t *p, flags;

	(void)state;
	assert_non_null(p = malloc(len));
	randombytes_buf(p, len);
	memset(p + 2 * MIB + 12345, 0, 160 * 1024);
	slen = seal(p, len, &flags);
	assert_int_equal(flags, BK_FLAG_ZSTD);
	assert_true(slen < len - 100 * 1024);
	free(p);
}

static void
test_random_raw(void **state)
{
	size_t len = 4 * MIB, slen;
	uint8_t *p, flags;

	(void)state;
	assert_non_null(p = malloc(len));
	randombytes_buf(p, len);
	slen = seal(p, len, &flags);
	assert_int_equal(flags, 0);
	assert_int_equal(slen, len + BK_CHUNK_OVER);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_then_zeros),
		cmocka_unit_test(test_zeros_inside),
		cmocka_unit_test(test_random_raw),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("backup_compress", tests, NULL,
	    NULL);
}
