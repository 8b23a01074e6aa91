/* The backup store the client gives the backup engine, against the real
 * cofferd: ten blobs in one batch, whole and ranged reads, exists, delete;
 * refs put, list, delete; the backup key, the same from both devices; and
 * a server that puts a deleted ref (a forgotten snapshot) back, over its
 * tombstone or after dropping it, refused by both devices' listings. */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/encoding.h>
#include <coffer/envelope.h>

#include "client/client_internal.h"
#include "client_fixture.h"
#include "operator.h"

static struct coffer_client *A;
static char Home[4096], Login[64];

static int
setup(void **state)
{
	if (client_fx_setup(state) != 0)
		return -1;
	client_fx_home(Home, sizeof(Home));
	client_fx_login(Login, sizeof(Login), "bk");
	if ((A = client_fx_open(Home)) == NULL ||
	    coffer_client_account_create(A, Login, PW("pw")) != 0)
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
	size_t i, n = 0;

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

	/* One key per set, stable: a ring of one version while no device
	 * was removed (test_client_remove rolls it). */
	assert_int_equal(coffer_client_backup_keys(A, "refs", &k1, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(coffer_client_backup_keys(A, "refs", &k2, 1, &n), 0);
	assert_int_equal(coffer_client_backup_keys(A, "laptop", &k3, 1, &n),
	    0);
	assert_true(coffer_key_equal(k1, k2));
	assert_false(coffer_key_equal(k1, k3));
	assert_int_equal(coffer_key_kind(k1), COFFER_KEY_SYMMETRIC);
	assert_int_equal(coffer_key_version(k1), 1);
	assert_int_equal(coffer_client_backup_keys(A, "refs", &k1, 0, &n),
	    COFFER_ERR_INVALID);
	coffer_key_free(&k1);
	coffer_key_free(&k2);
	coffer_key_free(&k3);
}

/* ref_list must be refused as not authentic, the message naming the ref
 * and the replay. */
static void
list_refused(struct coffer_bstore *s, const uint8_t name[16])
{
	struct refs seen = { 0 };
	char hex[OP_HEX];
	const char *m;

	assert_int_equal(coffer_hex_encode(hex, sizeof(hex), name, 16), 0);
	assert_int_equal(s->ops->ref_list(s->ctx, count_ref, &seen),
	    COFFER_ERR_AUTH);
	assert_int_equal(seen.n, 0);
	assert_non_null(m = s->ops->message(s->ctx));
	if (strstr(m, hex) == NULL || strstr(m, "replay") == NULL)
		fail_msg("\"%s\" names neither the ref nor the replay", m);
}

static unsigned
ref_count(struct coffer_bstore *s)
{
	struct refs seen = { 0 };

	assert_int_equal(s->ops->ref_list(s->ctx, count_ref, &seen), 0);
	return seen.n;
}

/* A forgotten snapshot's ref put back by the server: over its tombstone
 * (an update), or as new after dropping the tombstone. Both devices saw
 * the tombstone, and both refuse the ref. */
static void
test_ref_put_back(void **state)
{
	struct coffer_bstore s = { 0 }, sb = { 0 };
	struct coffer_client *B;
	struct zone z;
	uint8_t name[COFFER_BSTORE_NAME_BYTES], keep[COFFER_BSTORE_NAME_BYTES];
	uint8_t other[COFFER_BSTORE_NAME_BYTES], buf[500];
	struct coffer_key *k = NULL;
	struct coffer_buf *env;
	char hb[4096], zone[OP_HEX], old[1024], tomb[1024];
	long long v, v_tomb;

	(void)state;
	assert_non_null(B = client_fx_device(hb, sizeof(hb), Login, A));
	assert_int_equal(coffer_client_backup_store(A, "put-back", &s), 0);
	assert_int_equal(coffer_client_backup_store(B, "put-back", &sb), 0);
	randombytes_buf(name, sizeof(name));
	randombytes_buf(keep, sizeof(keep));
	memset(buf, (int)(sizeof(buf) & 0xff), sizeof(buf));
	assert_int_equal(s.ops->ref_put(s.ctx, name, buf, sizeof(buf)), 0);
	assert_int_equal(s.ops->ref_put(s.ctx, keep, buf, sizeof(buf)), 0);
	assert_int_equal(ref_count(&sb), 2);
	assert_int_equal(zn_open(A, COFFER_CATEGORY_BACKUP, "put-back", &z),
	    0);
	assert_int_equal(coffer_hex_encode(zone, sizeof(zone), z.id, 16), 0);
	op_get(client_fx_server(), Home, zone, name, old, sizeof(old), &v);

	/* Forgotten: a tombstone, which B takes at its next listing. */
	assert_int_equal(s.ops->ref_del(s.ctx, name), 0);
	assert_int_equal(ref_count(&sb), 1);
	assert_int_equal(sb.ops->ref_del(sb.ctx, name), COFFER_ERR_NOTFOUND);
	op_get(client_fx_server(), Home, zone, name, tomb, sizeof(tomb),
	    &v_tomb);
	assert_true(v_tomb == v + 1);

	op_put(client_fx_server(), Home, zone, name, old, v_tomb);
	list_refused(&s, name);
	list_refused(&sb, name);
	/* A ref that reads as an envelope is no ref the client stores: it
	 * would pass for a tombstone. */
	assert_int_equal(coffer_key_generate(&k, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_non_null(env = coffer_buf_new(256));
	assert_int_equal(coffer_envelope_seal(env, k, "coffer/test/v1", buf,
	    10), 0);
	randombytes_buf(other, sizeof(other));
	assert_int_equal(s.ops->ref_put(s.ctx, other, coffer_buf_data(env),
	    coffer_buf_len(env)), COFFER_ERR_INVALID);
	coffer_buf_free(&env);
	coffer_key_free(&k);

	op_delete(client_fx_server(), Home, zone, name, v_tomb + 1);
	op_put(client_fx_server(), Home, zone, name, old, 0);
	list_refused(&s, name);
	list_refused(&sb, name);

	/* The tombstone back: the ref stays forgotten, the other listed. */
	op_get(client_fx_server(), Home, zone, name, old, sizeof(old), &v);
	op_put(client_fx_server(), Home, zone, name, tomb, v);
	assert_int_equal(ref_count(&s), 1);
	assert_int_equal(ref_count(&sb), 1);
	coffer_client_backup_store_close(&s);
	coffer_client_backup_store_close(&sb);
	coffer_client_free(&B);
}

/* Write a file of ${text} at ${dir}/${name}. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Open the set "roll" of ${c} with its key ring into *${r}, the ring's
 * size into *${n}; its cache in ${cache}. */
static int
ring_open(struct coffer_client *c, struct coffer_bstore *st,
    struct coffer_key **k, size_t *n, const char *cache,
    struct coffer_backup_repo **r)
{
	int e;

	if ((e = coffer_client_backup_store(c, "roll", st)) != 0 ||
	    (e = coffer_client_backup_keys(c, "roll", k, 8, n)) != 0)
		return e;
	return coffer_backup_open(r, st, (const struct coffer_key *const *)k,
	    *n, cache);
}

static void
ring_close(struct coffer_bstore *st, struct coffer_key **k, size_t *n,
    struct coffer_backup_repo **r)
{
	coffer_backup_close(r);
	while (*n > 0)
		coffer_key_free(&k[--*n]);
	coffer_client_backup_store_close(st);
}

/* A backup set across a device's removal: the remover's ring has both
 * versions, opens the set, backs up under the new one and restores both
 * snapshots; the removed device's copy of the old version alone opens
 * nothing written after, and it gets no ring at all any more. */
static void
test_ring_after_removal(void **state)
{
	struct coffer_client *phone;
	struct coffer_client_status ph;
	struct coffer_bstore st = { 0 }, pst = { 0 };
	struct coffer_key *k[8] = { NULL }, *pk[8] = { NULL };
	struct coffer_backup_repo *r = NULL, *pr = NULL;
	uint8_t id1[COFFER_SNAPSHOT_ID_BYTES], id2[COFFER_SNAPSHOT_ID_BYTES];
	char home[4096], data[4200], cache[4200], pcache[4200], out[4200];
	const char *paths[1];
	size_t n = 0, pn = 0;

	(void)state;
	snprintf(data, sizeof(data), "%s/roll-data", client_fx_tmp());
	snprintf(cache, sizeof(cache), "%s/roll-cache", client_fx_tmp());
	snprintf(pcache, sizeof(pcache), "%s/roll-pcache", client_fx_tmp());
	assert_int_equal(mkdir(data, 0700), 0);
	paths[0] = data;
	assert_non_null(phone = client_fx_device(home, sizeof(home), Login, A));
	assert_int_equal(coffer_client_status(phone, &ph), 0);

	/* Before: one version, a snapshot under it; the phone holds it. */
	put_file(data, "a.txt", "before the removal");
	assert_int_equal(ring_open(A, &st, k, &n, cache, &r), 0);
	assert_int_equal(n, 1);
	assert_int_equal(coffer_backup_create(r, paths, 1, NULL, id1), 0);
	ring_close(&st, k, &n, &r);
	assert_int_equal(coffer_client_backup_keys(phone, "roll", pk, 8, &pn),
	    0);
	assert_int_equal(pn, 1);

	/* The laptop removes the phone; its ring is now versions 1 and 2. */
	assert_int_equal(coffer_client_device_remove(A, ph.device, NULL), 0);
	put_file(data, "b.txt", "after the removal");
	assert_int_equal(ring_open(A, &st, k, &n, cache, &r), 0);
	assert_int_equal(n, 2);
	assert_int_equal(coffer_key_version(k[0]), 1);
	assert_int_equal(coffer_key_version(k[1]), 2);
	assert_int_equal(coffer_backup_create(r, paths, 1, NULL, id2), 0);
	snprintf(out, sizeof(out), "%s/roll-out1", client_fx_tmp());
	assert_int_equal(coffer_backup_restore(r, id1, NULL, out, NULL), 0);
	snprintf(out, sizeof(out), "%s/roll-out2", client_fx_tmp());
	assert_int_equal(coffer_backup_restore(r, id2, NULL, out, NULL), 0);
	ring_close(&st, k, &n, &r);

	/* The phone's old version alone, with the server's storage as the
	 * operator would hand it over (the laptop's session): the set names
	 * version 2, which it lacks; nothing is decrypted. */
	assert_int_equal(coffer_client_backup_store(A, "roll", &pst), 0);
	assert_int_equal(coffer_backup_open(&pr, &pst,
	    (const struct coffer_key *const *)pk, pn, pcache), COFFER_ERR_KEY);
	coffer_backup_close(&pr);
	ring_close(&pst, pk, &pn, &pr);
	/* And the phone, removed, opened again, gets no ring. */
	coffer_client_free(&phone);
	assert_non_null(phone = client_fx_open(home));
	assert_int_not_equal(coffer_client_backup_keys(phone, "roll", pk, 8,
	    &pn), 0);
	assert_int_equal(pn, 0);
	coffer_client_free(&phone);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blobs),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_ref_put_back),
		cmocka_unit_test(test_ring_after_removal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
