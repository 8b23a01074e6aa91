/* The backup store the client gives the backup engine, against the real
 * cofferd: ten blobs in one batch, whole and ranged reads, exists, delete;
 * refs put, list, delete; the backup key, the same from both devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include <sodium.h>

#include "client_fixture.h"

static struct coffer_client *A;

static int
setup(void **state)
{
	char home[4096], login[64];

	if (client_fx_setup(state) != 0)
		return -1;
	client_fx_home(home, sizeof(home));
	client_fx_login(login, sizeof(login), "bk");
	if ((A = client_fx_open(home)) == NULL ||
	    coffer_client_account_create(A, login, PW("pw")) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	coffer_client_free(&A);
	return client_fx_teardown(state);
}

#define NBLOBS	10

static void
test_blobs(void **state)
{
	struct coffer_bstore s = { 0 };
	struct coffer_bstore_xfer x[NBLOBS];
	uint8_t ids[NBLOBS + 1][COFFER_BSTORE_ID_BYTES], *data[NBLOBS];
	uint64_t sizes[NBLOBS + 1];
	size_t i, len;

	(void)state;
	assert_int_equal(coffer_client_backup_store(A, "laptop", &s), 0);
	memset(x, 0, sizeof(x));
	for (i = 0; i < NBLOBS; i++) {
		len = 1000 + i * 70000;
		assert_non_null(data[i] = malloc(len));
		randombytes_buf(data[i], len);
		randombytes_buf(ids[i], sizeof(ids[i]));
		memcpy(x[i].id, ids[i], sizeof(ids[i]));
		x[i].data = data[i];
		x[i].len = len;
	}
	randombytes_buf(ids[NBLOBS], sizeof(ids[NBLOBS]));
	assert_int_equal(s.ops->put_many(s.ctx, x, NBLOBS), 0);
	for (i = 0; i < NBLOBS; i++)
		assert_int_equal(x[i].result, 0);
	/* Again: present with the same size, nothing rewritten. */
	assert_int_equal(s.ops->put_many(s.ctx, x, NBLOBS), 0);

	assert_int_equal(s.ops->exists(s.ctx,
	    (const uint8_t (*)[COFFER_BSTORE_ID_BYTES])ids, NBLOBS + 1,
	    sizes), 0);
	for (i = 0; i < NBLOBS; i++)
		assert_int_equal(sizes[i], x[i].len);
	assert_true(sizes[NBLOBS] == COFFER_BSTORE_ABSENT);

	/* Whole, a middle range, a tail; all in one batch. */
	for (i = 0; i < NBLOBS; i++) {
		assert_non_null(x[i].out = coffer_buf_new(1 << 20));
		x[i].offset = i % 3 == 1 ? 500 : i % 3 == 2 ? 100 : 0;
		x[i].length = i % 3 == 1 ? 300 : 0;
	}
	assert_int_equal(s.ops->get_many(s.ctx, x, NBLOBS), 0);
	for (i = 0; i < NBLOBS; i++) {
		len = x[i].length ? x[i].length : x[i].len - x[i].offset;
		assert_int_equal(coffer_buf_len(x[i].out), len);
		assert_memory_equal(coffer_buf_data(x[i].out),
		    data[i] + x[i].offset, len);
		coffer_buf_reset(x[i].out);
	}
	/* A range past the end, a missing blob. */
	x[0].offset = x[0].len + 10;
	x[0].length = 5;
	memcpy(x[1].id, ids[NBLOBS], sizeof(ids[NBLOBS]));
	x[1].offset = 0;
	x[1].length = 0;
	assert_int_not_equal(s.ops->get_many(s.ctx, x, 2), 0);
	assert_int_equal(x[0].result, COFFER_ERR_FORMAT);
	assert_int_equal(x[1].result, COFFER_ERR_NOTFOUND);
	assert_non_null(s.ops->message(s.ctx));

	assert_int_equal(s.ops->del(s.ctx, ids[3]), 0);
	assert_int_equal(s.ops->del(s.ctx, ids[3]), COFFER_ERR_NOTFOUND);
	assert_int_equal(s.ops->exists(s.ctx,
	    (const uint8_t (*)[COFFER_BSTORE_ID_BYTES])ids, NBLOBS, sizes), 0);
	assert_true(sizes[3] == COFFER_BSTORE_ABSENT);
	for (i = 0; i < NBLOBS; i++) {
		coffer_buf_free(&x[i].out);
		free(data[i]);
	}
	coffer_client_backup_store_close(&s);
	coffer_client_backup_store_close(&s);
}

struct refs {
	unsigned	n;
	size_t		bytes;
};

static int
count_ref(void *arg, const uint8_t name[COFFER_BSTORE_NAME_BYTES],
    const uint8_t *data, size_t len)
{
	struct refs *r = arg;

	(void)name;
	assert_int_equal(data[0], len & 0xff);
	r->n++;
	r->bytes += len;
	return 0;
}

static void
test_refs(void **state)
{
	struct coffer_bstore s = { 0 };
	uint8_t names[3][COFFER_BSTORE_NAME_BYTES], buf[3000];
	struct refs seen = { 0 };
	struct coffer_key *k1 = NULL, *k2 = NULL, *k3 = NULL;
	size_t i;

	(void)state;
	assert_int_equal(coffer_client_backup_store(A, "refs", &s), 0);
	for (i = 0; i < 3; i++) {
		randombytes_buf(names[i], sizeof(names[i]));
		memset(buf, (int)((1000 * (i + 1)) & 0xff), sizeof(buf));
		assert_int_equal(s.ops->ref_put(s.ctx, names[i], buf,
		    1000 * (i + 1)), 0);
	}
	assert_int_equal(s.ops->ref_put(s.ctx, names[0], buf, 10),
	    COFFER_ERR_EXISTS);
	assert_int_equal(s.ops->ref_list(s.ctx, count_ref, &seen), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.bytes, 6000);
	assert_int_equal(s.ops->ref_del(s.ctx, names[1]), 0);
	assert_int_equal(s.ops->ref_del(s.ctx, names[1]), COFFER_ERR_NOTFOUND);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(s.ops->ref_list(s.ctx, count_ref, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.bytes, 4000);
	coffer_client_backup_store_close(&s);

	/* One key per set, stable. */
	assert_int_equal(coffer_client_backup_key(A, "refs", &k1), 0);
	assert_int_equal(coffer_client_backup_key(A, "refs", &k2), 0);
	assert_int_equal(coffer_client_backup_key(A, "laptop", &k3), 0);
	assert_true(coffer_key_equal(k1, k2));
	assert_false(coffer_key_equal(k1, k3));
	assert_int_equal(coffer_key_kind(k1), COFFER_KEY_SYMMETRIC);
	coffer_key_free(&k1);
	coffer_key_free(&k2);
	coffer_key_free(&k3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blobs),
		cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
