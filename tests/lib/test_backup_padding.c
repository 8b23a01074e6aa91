/* What the server sees does not depend on a file's exact size within a
 * Padmé bucket (docs/PROTOCOL-backup.md, "Pack", "Restore"): a recording
 * store around the folder store logs each blob put's size (and a box
 * length it ends with in clear, if any), each get's
 * offset, length and reply size, each ref's size (never ids: they are
 * random); a backup and a restore of one file of S bytes and of S + d
 * bytes, each into a fresh repository, must leave the same log. */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/backup_store.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "tree_compare.h"

#define LOG_MAX	4096
#define LINE	64

/* The recording store: every call the server would see, as a line. */
struct rec {
	struct coffer_bstore	 in, out;
	char			(*log)[LINE];
	size_t			 n;
};

static void
rec_add(struct rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rec_add(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	assert_true(r->n < LOG_MAX);
	va_start(ap, fmt);
	vsnprintf(r->log[r->n++], LINE, fmt, ap);
	va_end(ap);
}

/* Whether a blob ends with the length of a box before it, in clear (as
 * packs did before their footer): the 4 last bytes, a length L that
 * lands on a box of format 2 under key version 1 (5 bytes: random tags
 * match with probability 2^-40). */
static int
clear_length(const uint8_t *p, size_t len, size_t *L)
{
	static const uint8_t box[5] = { 2, 0, 0, 0, 1 };

	if (len < 4 + sizeof(box))
		return 0;
	*L = (size_t)p[len - 4] << 24 | (size_t)p[len - 3] << 16 |
	    (size_t)p[len - 2] << 8 | p[len - 1];
	return *L >= sizeof(box) && *L <= len - 4 &&
	    memcmp(p + len - 4 - *L, box, sizeof(box)) == 0;
}

static int
rec_put(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct rec *r = ctx;
	size_t i, L;

	for (i = 0; i < n; i++) {
		rec_add(r, "put %zu", x[i].len);
		if (clear_length(x[i].data, x[i].len, &L))
			rec_add(r, "put with a length in clear: %zu", L);
	}
	return r->in.ops->put_many(r->in.ctx, x, n);
}

static int
rec_get(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct rec *r = ctx;
	size_t i, before[64];
	int rc;

	assert_true(n <= 64);
	for (i = 0; i < n; i++)
		before[i] = coffer_buf_len(x[i].out);
	rc = r->in.ops->get_many(r->in.ctx, x, n);
	for (i = 0; i < n; i++)
		rec_add(r, "get %llu %zu -> %zu",
		    (unsigned long long)x[i].offset, x[i].length,
		    coffer_buf_len(x[i].out) - before[i]);
	return rc;
}

static int
rec_exists(void *ctx, const uint8_t (*ids)[32], size_t n, uint64_t *s)
{
	struct rec *r = ctx;

	rec_add(r, "exists %zu", n);
	return r->in.ops->exists(r->in.ctx, ids, n, s);
}

static int
rec_del(void *ctx, const uint8_t id[32])
{
	struct rec *r = ctx;

	rec_add(r, "del");
	return r->in.ops->del(r->in.ctx, id);
}

static int
rec_ref_put(void *ctx, const uint8_t name[16], const uint8_t *d, size_t len)
{
	struct rec *r = ctx;

	rec_add(r, "ref %zu", len);
	return r->in.ops->ref_put(r->in.ctx, name, d, len);
}

/* The listing hands over every ref: what the server sends. */
struct rl {
	struct rec		*r;
	coffer_bstore_ref_fn	 fn;
	void			*arg;
};

static int
rec_ref_one(void *arg, const uint8_t name[16], const uint8_t *d, size_t len)
{
	struct rl *l = arg;

	rec_add(l->r, "listed ref %zu", len);
	return l->fn(l->arg, name, d, len);
}

static int
rec_ref_list(void *ctx, coffer_bstore_ref_fn fn, void *arg)
{
	struct rec *r = ctx;
	struct rl l = { r, fn, arg };

	rec_add(r, "list");
	return r->in.ops->ref_list(r->in.ctx, rec_ref_one, &l);
}

static int
rec_ref_del(void *ctx, const uint8_t name[16])
{
	struct rec *r = ctx;

	rec_add(r, "ref del");
	return r->in.ops->ref_del(r->in.ctx, name);
}

static const char *
rec_message(void *ctx)
{
	struct rec *r = ctx;

	return r->in.ops->message(r->in.ctx);
}

static const struct coffer_bstore_ops rec_ops = {
	rec_put, rec_get, rec_exists, rec_del, rec_ref_put, rec_ref_list,
	rec_ref_del, rec_message, NULL,
};

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Back up one file of size bytes (the first size bytes of data) into a
 * fresh repository under a fixed key, restore it and compare; the sorted
 * log into r (threads may order the calls differently). */
static void
round_trip(const uint8_t *data, size_t size, struct rec *r)
{
	static const uint8_t secret[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t kid[COFFER_KEY_ID_BYTES] = { 9 };
	struct coffer_backup_repo *repo = NULL;
	struct coffer_backup_options o;
	struct coffer_key *k = NULL;
	const struct coffer_key *ks[1];
	char base[64], src[96], store[96], cache[96], dst[96], p[128];
	const char *paths[1];
	uint8_t id[16];
	FILE *fp;

	snprintf(base, sizeof(base), "%s", "/tmp/coffer-pad-XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(src, sizeof(src), "%s/data", base);
	snprintf(store, sizeof(store), "%s/repo", base);
	snprintf(cache, sizeof(cache), "%s/cache", base);
	snprintf(dst, sizeof(dst), "%s/out", base);
	assert_int_equal(mkdir(src, 0755), 0);
	snprintf(p, sizeof(p), "%s/file", src);
	assert_non_null(fp = fopen(p, "wb"));
	assert_int_equal(fwrite(data, 1, size, fp), size);
	assert_int_equal(fclose(fp), 0);

	memset(r, 0, sizeof(*r));
	assert_non_null(r->log = calloc(LOG_MAX, LINE));
	assert_int_equal(coffer_bstore_dir_open(&r->in, store), 0);
	r->out.ops = &rec_ops;
	r->out.ctx = r;
	assert_int_equal(coffer_key_import(&k, COFFER_KEY_SYMMETRIC, secret,
	    kid, 1), 0);
	ks[0] = k;
	assert_int_equal(coffer_backup_open(&repo, &r->out, ks, 1, cache),
	    0);
	memset(&o, 0, sizeof(o));
	o.host = "padhost";
	paths[0] = src;
	assert_int_equal(coffer_backup_create(repo, paths, 1, &o, id), 0);
	assert_int_equal(coffer_backup_restore(repo, id, NULL, dst, NULL), 0);
	snprintf(p, sizeof(p), "%s/data", dst);
	tree_compare(src, p);
	coffer_backup_close(&repo);
	coffer_key_free(&k);
	coffer_bstore_dir_close(&r->in);
	tree_rm_rf(base);
	qsort(r->log, r->n, LINE, line_cmp);
}

static void
same_log(size_t s, size_t d)
{
	struct rec a, b;
	uint8_t *data;
	size_t i;

	assert_non_null(data = malloc(s + d));
	randombytes_buf(data, s + d);
	round_trip(data, s, &a);
	round_trip(data, s + d, &b);
	for (i = 0; i < a.n || i < b.n; i++)
		if (i >= a.n || i >= b.n || strcmp(a.log[i], b.log[i]) != 0)
			fail_msg("the server tells %zu bytes from %zu: \"%s\" "
			    "against \"%s\"", s, s + d,
			    i < a.n ? a.log[i] : "(nothing)",
			    i < b.n ? b.log[i] : "(nothing)");
	free(a.log);
	free(b.log);
	free(data);
}

/* One chunk (under the chunker's minimum). */
static void
test_one_chunk(void **state)
{
	(void)state;
	same_log(300000, 1000);
}

/* Several chunks in one pack: only the last one's size differs. */
static void
test_several_chunks(void **state)
{
	(void)state;
	same_log(3000000, 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_chunk),
		cmocka_unit_test(test_several_chunks),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("backup_padding", tests, NULL,
	    NULL);
}
