/* Restore's kept transfer buffers (lib/backup/restore_bufs.c): a buffer
 * given back is taken again by a transfer that fits in its cap, a new
 * one's cap is the length rounded up to a power of two (never past twice
 * the length), and the kept caps stay under the worker's bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <coffer/buf.h>

#include "backup/restore_run.h"

#define MIB	((size_t)1024 * 1024)

static void
test_reuse(void **state)
{
	struct rs_bufs p = { 0 };
	struct coffer_buf *a, *b;

	(void)state;
	assert_non_null(a = rs_buf_take(&p, 3 * MIB));
	assert_int_equal(coffer_buf_max(a), 4 * MIB);
	assert_int_equal(coffer_buf_len(a), 0);
	assert_int_equal(coffer_buf_append(a, "x", 1), 0);
	rs_buf_give(&p, &a);
	assert_null(a);
	assert_int_equal(p.n, 1);
	/* Fits: the same buffer, empty again. */
	assert_non_null(b = rs_buf_take(&p, 4 * MIB));
	assert_int_equal(p.n, 0);
	assert_int_equal(coffer_buf_max(b), 4 * MIB);
	assert_int_equal(coffer_buf_len(b), 0);
	rs_buf_give(&p, &b);
	/* Too big for the kept one: a new one, the kept one stays. */
	assert_non_null(a = rs_buf_take(&p, 5 * MIB));
	assert_int_equal(coffer_buf_max(a), 8 * MIB);
	assert_int_equal(p.n, 1);
	coffer_buf_free(&a);
	/* Small: the kept one fits. */
	assert_non_null(a = rs_buf_take(&p, 1));
	assert_int_equal(p.n, 0);
	assert_int_equal(coffer_buf_max(a), 4 * MIB);
	coffer_buf_free(&a);
	rs_bufs_clear(&p);
	assert_int_equal(p.n, 0);
}

static void
test_bound(void **state)
{
	struct rs_bufs p = { 0 };
	struct coffer_buf *v[5];
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_non_null(v[i] = rs_buf_take(&p, 4 * MIB));
	for (i = 0; i < 5; i++)
		rs_buf_give(&p, &v[i]);
	/* 16 MiB of caps at most: four kept, the fifth freed. */
	assert_int_equal(p.n, 4);
	assert_int_equal(p.bytes, 16 * MIB);
	rs_bufs_clear(&p);
	assert_int_equal(p.bytes, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
