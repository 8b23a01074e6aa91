/* LOCK refs (docs/PROTOCOL-backup.md, "Refs" and "Locks"): known-answer
 * vectors (tests/vectors/backup-lock.txt, written by --write-vectors) of
 * a shared and an exclusive lock, and the table of rejections of the
 * box and of bk_lock_parse with its precise error (a bad kind, ttl 0 or
 * over 7 days, a machine id of zeros, a string over its cap or with a NUL, trailing bytes, a
 * cut body); the same table makes the bad vectors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>

#include "backup_vec.h"

/* Good locks: 0 shared naming a device, 1 exclusive of the longest ttl
 * naming none. */
#define NLOCKS	2

static void
lock_model(size_t i, struct bk_lock *l)
{
	memset(l, 0, sizeof(*l));
	l->kind = i == 0 ? BK_LOCK_SHARED : BK_LOCK_EXCLUSIVE;
	l->time_ns = 1700000000000000000 + (int64_t)i;
	l->ttl_s = i == 0 ? 1800 : BK_LOCK_TTL_MAX;
	l->pid = 4242 + (uint32_t)i;
	bv_fill(l->nonce, BK_LOCK_NONCE, (uint8_t)(0x21 + i));
	/* Lock 1's machine id is zero but its last byte (the edit
	 * "machine-zero" clears it). */
	if (i == 0)
		bv_fill(l->machine, BK_LOCK_MACHINE, 0x71);
	else
		l->machine[BK_LOCK_MACHINE - 1] = 1;
	snprintf(l->host, sizeof(l->host), "%s", i == 0 ? "host-1" : "h");
	snprintf(l->device, sizeof(l->device), "%s", i == 0 ? "laptop" : "");
}

/* Body offsets of lock 0: kind 0, time 1, ttl 9, pid 13, nonce 17,
 * machine 33, host length 49, host 51 ("host-1"), device length 57,
 * device 59. */
#define LK_TTL		9
#define LK_MACHINE	33
#define LK_HOSTLEN	49
#define LK_HOST		51
#define LK_DEVLEN	57

static const struct bv_edit lock_edits[] = {
	{ "moved-to-other-name", 0, BV_OUTER, BV_BIND, 0, 0,
	    COFFER_ERR_AUTH },
	{ "other-key", 1, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "lock-read-as-snapshot", 0, BV_OUTER, BV_KIND, 0,
	    BK_KIND_SNAPSHOT, COFFER_ERR_CONTEXT },
	{ "truncated", 0, BV_OUTER, BV_CUT, BK_BOX_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "padding-nonzero", 0, BV_PLAIN, BV_XOR, -1, 1, COFFER_ERR_FORMAT },
	{ "kind-0", 0, BV_BODY, BV_SET, 0, 0, COFFER_ERR_FORMAT },
	{ "kind-3", 1, BV_BODY, BV_SET, 0, 3, COFFER_ERR_FORMAT },
	{ "ttl-0", 0, BV_BODY, BV_SET32, LK_TTL, 0, COFFER_ERR_FORMAT },
	{ "ttl-over-7-days", 1, BV_BODY, BV_SET32, LK_TTL,
	    BK_LOCK_TTL_MAX + 1, COFFER_ERR_FORMAT },
	{ "host-over-cap", 0, BV_BODY, BV_SET, LK_HOSTLEN, 1,
	    COFFER_ERR_TOOBIG },
	{ "device-over-cap", 0, BV_BODY, BV_SET, LK_DEVLEN, 1,
	    COFFER_ERR_TOOBIG },
	{ "host-nul", 0, BV_BODY, BV_SET, LK_HOST + 2, 0, COFFER_ERR_FORMAT },
	{ "trailing-byte", 0, BV_BODY, BV_ADD, 0, 0, COFFER_ERR_TRAILING },
	{ "cut-in-device", 0, BV_BODY, BV_CUT, LK_DEVLEN + 3, 0,
	    COFFER_ERR_TRUNCATED },
	{ "cut-in-nonce", 1, BV_BODY, BV_CUT, 20, 0, COFFER_ERR_TRUNCATED },
	{ "cut-in-machine", 0, BV_BODY, BV_CUT, LK_MACHINE + 5, 0,
	    COFFER_ERR_TRUNCATED },
	{ "machine-zero", 1, BV_BODY, BV_SET, LK_MACHINE + BK_LOCK_MACHINE - 1,
	    0, COFFER_ERR_FORMAT },
	{ "ring-lacks-key-version", 0, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_KEY },
};

/* Good lock i, with edit e (may be NULL), into out; its name to name. */
static void
lock_make(const uint8_t zone[32], size_t i, const struct bv_edit *e,
    uint8_t name[BK_NAME], struct coffer_buf *out)
{
	struct bk_keyring *kr = bv_ring(zone, BV_V(1));
	struct coffer_buf *body;
	struct bk_lock l;
	uint8_t nonce[BK_NONCE], kind = BK_KIND_LOCK;
	size_t total;

	bv_fill(name, BK_NAME, (uint8_t)(0x50 + i));
	bv_fill(nonce, BK_NONCE, (uint8_t)(0x58 + i));
	coffer_buf_reset(out);
	lock_model(i, &l);
	if (bk_lock_encode_det(kr, name, &l, nonce, out) != 0)
		abort();
	if (e != NULL && e->layer != BV_OUTER) {
		/* reseal the body with the edit, the box's length kept */
		if ((body = coffer_buf_new_secret(1 << 16)) == NULL ||
		    bk_box_open(kr, &kind, name, BK_NAME, coffer_buf_data(out),
		    coffer_buf_len(out), body) != 0)
			abort();
		total = coffer_buf_len(out);
		coffer_buf_reset(out);
		bv_box(kr, BK_FORMAT, kind, name, BK_NAME,
		    coffer_buf_data(body), coffer_buf_len(body), total, nonce,
		    e, out);
		coffer_buf_free(&body);
	}
	if (e != NULL && e->layer == BV_OUTER)
		bv_apply(out, e);
	bk_keyring_free(&kr);
}

/* Open as kind and parse: 0 or the error; the lock to *l. */
static int
lock_try(const struct bk_keyring *kr, uint8_t kind,
    const uint8_t name[BK_NAME], const uint8_t *p, size_t len,
    struct bk_lock *l)
{
	struct coffer_buf *body = coffer_buf_new_secret(1 << 16);
	int r;

	memset(l, 0, sizeof(*l));
	if (body == NULL)
		abort();
	if ((r = bk_box_open(kr, &kind, name, BK_NAME, p, len, body)) == 0)
		r = bk_lock_parse(coffer_buf_data(body), coffer_buf_len(body),
		    l);
	coffer_buf_free(&body);
	return r;
}

static int
lock_reject(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *b, uint8_t id[BK_ID], struct bv_opener *op)
{
	struct bk_keyring *kr;
	struct bk_lock l;
	uint8_t other[BK_NAME];
	int r;

	memset(id, 0, BK_ID);
	lock_make(zone, (size_t)e->base, e, id, b);
	memcpy(id, bv_bind(e, id, other, BK_NAME), BK_NAME);
	bv_opener(e, zone, BV_V(1), op);
	kr = bv_opener_ring(op);
	r = lock_try(kr, e->op == BV_KIND ? (uint8_t)e->arg : BK_KIND_LOCK,
	    id, coffer_buf_data(b), coffer_buf_len(b), &l);
	bk_keyring_free(&kr);
	return r;
}

static int
lock_eq(const struct bk_lock *a, const struct bk_lock *b)
{
	return a->kind == b->kind && a->time_ns == b->time_ns &&
	    a->ttl_s == b->ttl_s && a->pid == b->pid &&
	    memcmp(a->nonce, b->nonce, BK_LOCK_NONCE) == 0 &&
	    memcmp(a->machine, b->machine, BK_LOCK_MACHINE) == 0 &&
	    strcmp(a->host, b->host) == 0 && strcmp(a->device, b->device) == 0;
}

/* The lock of a good vector's fields. */
static int
lock_fields(const struct vec *v, struct bk_lock *l)
{
	uint64_t k, t, ttl, pid;
	char *host = NULL, *dev = NULL;
	int bad;

	memset(l, 0, sizeof(*l));
	bad = vec_u64(v, "lock_kind", &k) || vec_u64(v, "time", &t) ||
	    vec_u64(v, "ttl", &ttl) || vec_u64(v, "pid", &pid) ||
	    k > 255 || ttl > UINT32_MAX || pid > UINT32_MAX ||
	    vec_hexn(v, "lock_nonce", l->nonce, BK_LOCK_NONCE) ||
	    vec_hexn(v, "machine", l->machine, BK_LOCK_MACHINE) ||
	    (host = vec_str(v, "host")) == NULL ||
	    (dev = vec_str(v, "device")) == NULL ||
	    strlen(host) > BK_LOCK_STR_MAX || strlen(dev) > BK_LOCK_STR_MAX;
	if (!bad) {
		l->kind = (uint8_t)k;
		l->time_ns = (int64_t)t;
		l->ttl_s = (uint32_t)ttl;
		l->pid = (uint32_t)pid;
		memcpy(l->host, host, strlen(host) + 1);
		memcpy(l->device, dev, strlen(dev) + 1);
	}
	free(host);
	free(dev);
	return bad ? -1 : 0;
}

static int
check_lock(const struct vec *v)
{
	struct bk_keyring *kr = bv_vring(v);
	struct coffer_buf *mine = coffer_buf_new(1 << 16);
	struct bk_lock got, want;
	uint8_t name[BK_NAME], nonce[BK_NONCE], *ref = NULL;
	uint64_t kind;
	size_t len;
	int expect, bad = 1;

	if (kr == NULL || mine == NULL || vec_err(v, "expect", &expect) ||
	    vec_u64(v, "kind", &kind) || kind == 0 || kind > 255 ||
	    vec_hexn(v, "name", name, BK_NAME) ||
	    vec_hex(v, "ref", &ref, &len) ||
	    lock_try(kr, (uint8_t)kind, name, ref, len, &got) != expect)
		goto out;
	if (expect == 0 && (vec_hexn(v, "nonce", nonce, BK_NONCE) ||
	    lock_fields(v, &want) != 0 || !lock_eq(&want, &got) ||
	    bk_lock_encode_det(kr, name, &want, nonce, mine) != 0))
		goto out;
	bad = expect == 0 && (coffer_buf_len(mine) != len ||
	    memcmp(coffer_buf_data(mine), ref, len) != 0);
out:
	bk_keyring_free(&kr);
	coffer_buf_free(&mine);
	free(ref);
	return bad;
}

static int
w_locks(FILE *f)
{
	static const char *const names[NLOCKS] = { "shared-laptop",
	    "exclusive-week-no-device" };
	struct coffer_buf *b = coffer_buf_new(1 << 16);
	struct bv_opener op;
	struct bk_lock l;
	uint8_t zone[32], name[BK_NAME], nonce[BK_NONCE], id[BK_ID];
	size_t i;
	int r;

	bv_fill(zone, 32, 0x13);
	fprintf(f, "# LOCK refs: boxes of kind 6 (format 2) bound to the "
	    "ref's 16-byte name,\n# Padme-padded: kind (1 shared, 2 "
	    "exclusive) | time_ns | ttl_s | pid | nonce |\n# machine | host | device. "
	    "Good ones reseal from the ring, fields and nonce.\n");
	for (i = 0; i < NLOCKS; i++) {
		lock_make(zone, i, NULL, name, b);
		bv_fill(nonce, BK_NONCE, (uint8_t)(0x58 + i));
		lock_model(i, &l);
		vec_w_begin(f, names[i]);
		bv_w_ring(f, zone, BV_V(1));
		vec_w_u64(f, "kind", BK_KIND_LOCK);
		vec_w_hex(f, "name", name, BK_NAME);
		vec_w_hex(f, "nonce", nonce, BK_NONCE);
		vec_w_u64(f, "lock_kind", l.kind);
		vec_w_u64(f, "time", (uint64_t)l.time_ns);
		vec_w_u64(f, "ttl", l.ttl_s);
		vec_w_u64(f, "pid", l.pid);
		vec_w_hex(f, "lock_nonce", l.nonce, BK_LOCK_NONCE);
		vec_w_hex(f, "machine", l.machine, BK_LOCK_MACHINE);
		vec_w_str(f, "host", l.host);
		vec_w_str(f, "device", l.device);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "ref", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	for (i = 0; i < BV_COUNT(lock_edits); i++) {
		const struct bv_edit *e = &lock_edits[i];

		if ((r = lock_reject(zone, e, b, id, &op)) != e->expect) {
			fprintf(stderr, "lock %s: got %s\n", e->name,
			    vec_errword(r));
			coffer_buf_free(&b);
			return -1;
		}
		vec_w_begin(f, e->name);
		bv_w_ring(f, op.secret, op.mask);
		vec_w_u64(f, "kind", e->op == BV_KIND ? e->arg : BK_KIND_LOCK);
		vec_w_hex(f, "name", id, BK_NAME);
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_hex(f, "ref", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	coffer_buf_free(&b);
	return 0;
}

static void
test_lock_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-lock.txt", check_lock, NLOCKS +
	    BV_COUNT(lock_edits));
}

/* The rejection table, live: fresh keys, each edit its exact error. */
static void
test_rejections(void **state)
{
	(void)state;
	assert_int_equal(bv_rejections(lock_edits, BV_COUNT(lock_edits),
	    lock_reject), 0);
}

/* The encoder refuses what the parser refuses. */
static void
test_encode_refuses(void **state)
{
	struct bk_keyring *kr;
	struct coffer_buf *b = coffer_buf_new(1 << 16);
	struct bk_lock l;
	uint8_t zone[32], name[BK_NAME];

	(void)state;
	bv_fill(zone, 32, 0x14);
	bv_fill(name, BK_NAME, 0x15);
	kr = bv_ring(zone, BV_V(1));
	lock_model(0, &l);
	l.ttl_s = 0;
	assert_int_equal(bk_lock_encode(kr, name, &l, b), COFFER_ERR_FORMAT);
	lock_model(0, &l);
	l.ttl_s = BK_LOCK_TTL_MAX + 1;
	assert_int_equal(bk_lock_encode(kr, name, &l, b), COFFER_ERR_FORMAT);
	lock_model(0, &l);
	l.kind = 3;
	assert_int_equal(bk_lock_encode(kr, name, &l, b), COFFER_ERR_FORMAT);
	lock_model(0, &l);
	memset(l.machine, 0, sizeof(l.machine));
	assert_int_equal(bk_lock_encode(kr, name, &l, b), COFFER_ERR_FORMAT);
	lock_model(0, &l);
	assert_int_equal(bk_lock_encode(kr, name, &l, b), 0);
	bk_keyring_free(&kr);
	coffer_buf_free(&b);
}

static int
write_vectors(const char *dir)
{
	static const struct bv_file files[] = {
		{ "backup-lock.txt", w_locks },
	};

	return bv_write_files(dir, files, BV_COUNT(files));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_vectors),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_encode_refuses),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("backup_lockref", tests, NULL,
	    NULL);
}
