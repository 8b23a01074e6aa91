/* Content-defined chunking (docs/PROTOCOL-cdc.md; tests/vectors/cdc.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/cdc.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "vecfile.h"

#define MAXCUTS	(1u << 20)
#define VEC_MAXLEN	(1u << 20)

/* The vectors' data generator (PROTOCOL-cdc.md): xorshift64 (13, 7, 17)
 * from a nonzero seed, each step's state written little-endian. */
static void
gen(uint8_t *out, size_t len, uint64_t x)
{
	size_t i, j;

	for (i = 0; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (j = 0; j < 8 && i + j < len; j++)
			out[i + j] = (uint8_t)(x >> (8 * j));
	}
}

static struct coffer_key *
mkkey(const uint8_t secret[32])
{
	static const uint8_t id[COFFER_KEY_ID_BYTES];
	struct coffer_key *k = NULL;

	if (coffer_key_import(&k, COFFER_KEY_SYMMETRIC, secret, id, 1) != 0)
		return NULL;
	return k;
}

static struct coffer_cdc *
mkcdc(uint8_t seed, size_t min, size_t avg, size_t max)
{
	struct coffer_cdc_params p = { min, avg, max };
	struct coffer_cdc *c = NULL;
	struct coffer_key *k;
	uint8_t s[32];

	memset(s, seed, sizeof(s));
	k = mkkey(s);
	assert_non_null(k);
	assert_int_equal(coffer_cdc_new(&c, k, &p), 0);
	coffer_key_free(&k);
	return c;
}

struct cuts {
	size_t	*end;	/* end offset of each chunk */
	size_t	 n;
};

static int
collect(void *ctx, size_t off, size_t len)
{
	struct cuts *cu = ctx;

	if (cu->n >= MAXCUTS || (cu->n > 0 ? cu->end[cu->n - 1] : 0) != off)
		return -100;
	cu->end[cu->n++] = off + len;
	return 0;
}

static void
cuts_init(struct cuts *cu)
{
	cu->end = malloc(MAXCUTS * sizeof(size_t));
	assert_non_null(cu->end);
	cu->n = 0;
}

static void
cuts_oneshot(struct coffer_cdc *c, const uint8_t *d, size_t len,
    struct cuts *cu)
{
	cu->n = 0;
	assert_int_equal(coffer_cdc_split(c, d, len, collect, cu), 0);
}

/* Feed d in pieces whose sizes come from rnd (1 to maxpiece bytes, some
 * empty), telling final only with the last piece (or an empty call
 * after it). */
static int
cuts_stream(struct coffer_cdc *c, const uint8_t *d, size_t len,
    size_t maxpiece, struct cuts *cu)
{
	size_t off = 0, start = 0, plen, cut;
	int r, final;

	cu->n = 0;
	coffer_cdc_reset(c);
	for (;;) {
		plen = randombytes_uniform((uint32_t)maxpiece + 1);
		if (plen > len - off)
			plen = len - off;
		final = off + plen == len && randombytes_uniform(2);
		for (;;) {
			if ((r = coffer_cdc_next(c, plen ? d + off : NULL, plen,
			    final, &cut)) < 0 || cut > plen)
				return -1;
			if (r == 0)
				break;
			off += cut;
			plen -= cut;
			if (cu->n >= MAXCUTS)
				return -1;
			cu->end[cu->n++] = off;
			start = off;
		}
		if (r == 0 && cut != (final ? 0 : plen))
			return -1;
		off += plen;
		if (final)
			break;
	}
	return off == len && (cu->n == 0 || cu->end[cu->n - 1] == len) &&
	    start == len ? 0 : -1;
}

static int
cuts_equal(const struct cuts *a, const struct cuts *b)
{
	return a->n == b->n &&
	    memcmp(a->end, b->end, a->n * sizeof(size_t)) == 0;
}

static void
check_bounds(const struct cuts *cu, size_t len, size_t min, size_t max)
{
	size_t i, prev = 0, l;

	for (i = 0; i < cu->n; i++) {
		l = cu->end[i] - prev;
		assert_true(l > 0 && l <= max);
		if (i + 1 < cu->n)
			assert_true(l >= min);
		prev = cu->end[i];
	}
	assert_int_equal(prev, len);
}

static void
test_deterministic_and_keyed(void **state)
{
	size_t len = 1u << 20;
	uint8_t *d = malloc(len);
	struct coffer_cdc *a = mkcdc(1, 256, 1024, 8192);
	struct coffer_cdc *b = mkcdc(1, 256, 1024, 8192);
	struct coffer_cdc *o = mkcdc(2, 256, 1024, 8192);
	struct cuts ca, cb, co;
	size_t i, j, same = 0;

	(void)state;
	assert_non_null(d);
	cuts_init(&ca); cuts_init(&cb); cuts_init(&co);
	gen(d, len, 0x9e3779b97f4a7c15ULL);
	cuts_oneshot(a, d, len, &ca);
	cuts_oneshot(b, d, len, &cb);
	cuts_oneshot(o, d, len, &co);
	assert_true(cuts_equal(&ca, &cb));
	assert_false(cuts_equal(&ca, &co));
	/* Another key's boundaries are unrelated: few shared by chance. */
	for (i = j = 0; i < ca.n && j < co.n;) {
		if (ca.end[i] == co.end[j]) {
			same++; i++; j++;
		} else if (ca.end[i] < co.end[j])
			i++;
		else
			j++;
	}
	assert_true(same < ca.n / 10);
	check_bounds(&ca, len, 256, 8192);
	check_bounds(&co, len, 256, 8192);
	free(ca.end); free(cb.end); free(co.end); free(d);
	coffer_cdc_free(&a); coffer_cdc_free(&b); coffer_cdc_free(&o);
	assert_null(a);
}

/* Insert or delete a few bytes near the start: after a chunk or two the
 * boundaries resynchronise. */
static void
test_resync(void **state)
{
	size_t len = 1u << 20, i, j, later, shared;
	uint8_t *d = malloc(len + 16), *e = malloc(len + 16);
	struct coffer_cdc *c = mkcdc(3, 256, 1024, 8192);
	struct cuts ca, cb;
	int delta, t;

	(void)state;
	assert_non_null(d); assert_non_null(e);
	cuts_init(&ca); cuts_init(&cb);
	gen(d, len, 12345);
	cuts_oneshot(c, d, len, &ca);
	for (t = 0; t < 6; t++) {
		size_t at = 100 + 700 * (size_t)t, n = 1 + (size_t)t;
		size_t elen;

		if (t % 2 == 0) {	/* insert n bytes at at */
			memcpy(e, d, at);
			memset(e + at, 0xa5, n);
			memcpy(e + at + n, d + at, len - at);
			elen = len + n;
			delta = (int)n;
		} else {		/* delete n bytes at at */
			memcpy(e, d, at);
			memcpy(e + at, d + at + n, len - at - n);
			elen = len - n;
			delta = -(int)n;
		}
		cuts_oneshot(c, e, elen, &cb);
		check_bounds(&cb, elen, 256, 8192);
		/* Cuts past the third chunk, shifted by delta, must match. */
		later = shared = 0;
		for (i = 3, j = 0; i < ca.n; i++) {
			size_t want = (size_t)((long)ca.end[i] + delta);

			later++;
			while (j < cb.n && cb.end[j] < want)
				j++;
			if (j < cb.n && cb.end[j] == want)
				shared++;
		}
		assert_true(later > 100);
		assert_true(shared * 100 >= later * 99);
	}
	free(ca.end); free(cb.end); free(d); free(e);
	coffer_cdc_free(&c);
}

/* The mean on random data lies in a loose band around avg. */
static void
test_mean(void **state)
{
	static const size_t p[][3] = {
		{ 256, 1024, 8192 }, { 64, 128, 1024 }, { 2048, 8192, 65536 },
		{ 512u << 10, 1u << 20, 8u << 20 },
	};
	size_t len = 64u << 20, i;
	uint8_t *d = malloc(len);
	struct cuts cu;

	(void)state;
	assert_non_null(d);
	cuts_init(&cu);
	gen(d, len, 777);
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		struct coffer_cdc *c = mkcdc(4, p[i][0], p[i][1], p[i][2]);
		double mean;

		cuts_oneshot(c, d, len, &cu);
		check_bounds(&cu, len, p[i][0], p[i][2]);
		mean = (double)len / (double)cu.n;
		print_message("cdc min %zu avg %zu max %zu: %zu chunks, mean "
		    "%.0f (%.2f avg)\n", p[i][0], p[i][1], p[i][2], cu.n,
		    mean, mean / (double)p[i][1]);
		assert_true(mean > 0.5 * (double)p[i][1] &&
		    mean < 2.0 * (double)p[i][1]);
		coffer_cdc_free(&c);
	}
	free(cu.end); free(d);
}

/* Feeding in random pieces gives the cuts of the whole. */
static void
test_split_feeding(void **state)
{
	static const size_t p[][3] = {
		{ 64, 128, 256 }, { 256, 1024, 8192 }, { 100, 512, 700 },
		{ 64, 4096, 65536 },
	};
	static const size_t pieces[] = { 1, 2, 7, 64, 300, 5000, 100000 };
	size_t len = 200000, i, j, t;
	uint8_t *d = malloc(len);
	struct cuts whole, part;

	(void)state;
	assert_non_null(d);
	cuts_init(&whole); cuts_init(&part);
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		struct coffer_cdc *c = mkcdc((uint8_t)(5 + i), p[i][0], p[i][1],
		    p[i][2]);

		for (t = 0; t < 4; t++) {
			size_t l = t == 0 ? len : randombytes_uniform(
			    (uint32_t)len);

			gen(d, l, 1 + t + 10 * i);
			cuts_oneshot(c, d, l, &whole);
			check_bounds(&whole, l, p[i][0], p[i][2]);
			for (j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++) {
				assert_int_equal(cuts_stream(c, d, l, pieces[j],
				    &part), 0);
				assert_true(cuts_equal(&whole, &part));
			}
		}
		coffer_cdc_free(&c);
	}
	free(whole.end); free(part.end); free(d);
}

static void
test_edges(void **state)
{
	struct coffer_cdc *c = mkcdc(9, 64, 128, 256);
	uint8_t d[1000];
	size_t cut;
	struct cuts cu;

	(void)state;
	cuts_init(&cu);
	/* Empty file: no chunk. */
	cuts_oneshot(c, NULL, 0, &cu);
	assert_int_equal(cu.n, 0);
	assert_int_equal(coffer_cdc_next(c, NULL, 0, 1, &cut), 0);
	assert_int_equal(cut, 0);
	/* A short file is one chunk, also when final comes alone. */
	gen(d, sizeof(d), 99);
	assert_int_equal(coffer_cdc_next(c, d, 10, 0, &cut), 0);
	assert_int_equal(cut, 10);
	assert_int_equal(coffer_cdc_next(c, NULL, 0, 1, &cut), 1);
	assert_int_equal(cut, 0);
	assert_int_equal(coffer_cdc_next(c, NULL, 0, 1, &cut), 0);
	cuts_oneshot(c, d, 10, &cu);
	assert_int_equal(cu.n, 1);
	assert_int_equal(cu.end[0], 10);
	/* Constant data has no content boundaries: max-sized chunks. */
	memset(d, 0, sizeof(d));
	cuts_oneshot(c, d, sizeof(d), &cu);
	check_bounds(&cu, sizeof(d), 64, 256);
	/* Bad arguments. */
	assert_int_equal(coffer_cdc_next(NULL, d, 1, 0, &cut),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_cdc_next(c, d, 1, 0, NULL), COFFER_ERR_INVALID);
	assert_int_equal(coffer_cdc_next(c, NULL, 1, 0, &cut),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_cdc_split(c, d, 1, NULL, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_cdc_split(c, NULL, 1, collect, &cu),
	    COFFER_ERR_INVALID);
	coffer_cdc_free(&c);
	coffer_cdc_free(&c);
	coffer_cdc_free(NULL);
	coffer_cdc_reset(NULL);
	free(cu.end);
}

static int
stop_at_two(void *ctx, size_t off, size_t len)
{
	int *n = ctx;

	(void)off; (void)len;
	return ++*n == 2 ? 42 : 0;
}

static void
test_params(void **state)
{
	static const struct coffer_cdc_params bad[] = {
		{ 63, 128, 256 }, { 128, 128, 256 }, { 64, 96, 256 },
		{ 64, 128, 128 }, { 64, 128, 100 }, { 0, 0, 0 },
		{ 1024, 16u << 20, (64u << 20) + 1 },
		{ 1024, 16u << 20, 32u << 20 },	/* avg past the mask table */
		{ 200, 128, 256 }, { 64, 1024, 512 },
	};
	static const struct coffer_cdc_params good[] = {
		{ 64, 128, 129 }, { 1024, 8u << 20, 64u << 20 },
		{ 65, 1024, 1025 },
	};
	struct coffer_cdc *c = NULL;
	struct coffer_key *k, *pk = NULL;
	uint8_t s[32] = { 1 }, d[5000];
	size_t i;
	int n = 0;

	(void)state;
	k = mkkey(s);
	assert_non_null(k);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(coffer_cdc_params_valid(&bad[i]));
		assert_int_equal(coffer_cdc_new(&c, k, &bad[i]),
		    COFFER_ERR_INVALID);
		assert_null(c);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(coffer_cdc_params_valid(&good[i]));
		assert_int_equal(coffer_cdc_new(&c, k, &good[i]), 0);
		coffer_cdc_free(&c);
	}
	assert_false(coffer_cdc_params_valid(NULL));
	assert_int_equal(coffer_cdc_new(&c, k, NULL), 0);	/* defaults */
	coffer_cdc_free(&c);
	assert_int_equal(coffer_cdc_new(NULL, k, NULL), COFFER_ERR_INVALID);
	assert_int_equal(coffer_cdc_new(&c, NULL, NULL), COFFER_ERR_INVALID);
	assert_int_equal(coffer_key_generate(&pk, COFFER_KEY_X25519, 1), 0);
	assert_int_equal(coffer_cdc_new(&c, pk, NULL), COFFER_ERR_INVALID);
	assert_null(c);
	/* The callback's nonzero value stops the split. */
	assert_int_equal(coffer_cdc_new(&c, k, &good[0]), 0);
	gen(d, sizeof(d), 5);
	assert_int_equal(coffer_cdc_split(c, d, sizeof(d), stop_at_two, &n), 42);
	assert_int_equal(n, 2);
	coffer_cdc_free(&c);
	coffer_key_free(&pk);
	coffer_key_free(&k);
}

/* Throughput, printed only: never asserted. */
static void
test_throughput(void **state)
{
	static const size_t p[][3] = {
		{ 512u << 10, 1u << 20, 8u << 20 },	/* defaults */
		{ 64, 1u << 20, 8u << 20 },	/* hashes nearly every byte */
	};
	size_t len = 256u << 20, i;
	uint8_t *d = malloc(len);
	struct cuts cu;
	struct timespec t0, t1;
	double s;

	(void)state;
	assert_non_null(d);
	cuts_init(&cu);
	gen(d, len, 31337);
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		struct coffer_cdc *c = mkcdc(11, p[i][0], p[i][1], p[i][2]);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		cuts_oneshot(c, d, len, &cu);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		print_message("cdc min %zu avg %zu max %zu: %zu MiB in %.3f s: "
		    "%.2f GB/s, %zu chunks\n", p[i][0], p[i][1], p[i][2],
		    len >> 20, s, (double)len / s / 1e9, cu.n);
		coffer_cdc_free(&c);
	}
	free(cu.end); free(d);
}

/* Vectors: key, min, avg, max, seed (8 bytes, big-endian, of the
 * generator above), length, expect, cuts (each chunk's end offset as 4
 * bytes big-endian). */
static int
vec_cuts(const uint8_t secret[32], const struct coffer_cdc_params *p,
    uint64_t seed, size_t len, uint8_t **out, size_t *outlen)
{
	struct coffer_cdc *c = NULL;
	struct coffer_key *k = mkkey(secret);
	uint8_t *d = NULL, *o = NULL;
	struct cuts cu = { NULL, 0 };
	size_t i;
	int r;

	*out = NULL;
	*outlen = 0;
	if (k == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_cdc_new(&c, k, p)) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((d = malloc(len + 1)) == NULL ||
	    (cu.end = malloc(MAXCUTS * sizeof(size_t))) == NULL)
		goto out;
	gen(d, len, seed);
	if ((r = coffer_cdc_split(c, d, len, collect, &cu)) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((o = malloc(4 * cu.n + 1)) == NULL)
		goto out;
	for (i = 0; i < cu.n; i++) {
		o[4 * i] = (uint8_t)(cu.end[i] >> 24);
		o[4 * i + 1] = (uint8_t)(cu.end[i] >> 16);
		o[4 * i + 2] = (uint8_t)(cu.end[i] >> 8);
		o[4 * i + 3] = (uint8_t)cu.end[i];
	}
	*out = o;
	*outlen = 4 * cu.n;
	r = 0;
out:
	free(d); free(cu.end);
	coffer_cdc_free(&c);
	coffer_key_free(&k);
	return r;
}

static int
check_cdc(const struct vec *v)
{
	uint8_t key[32], sb[8], *cuts = NULL, *got = NULL;
	size_t cutsl, gotl, i;
	uint64_t min, avg, max, len, seed = 0;
	struct coffer_cdc_params p;
	int err, bad = 1;

	if (vec_hexn(v, "key", key, 32) || vec_u64(v, "min", &min) ||
	    vec_u64(v, "avg", &avg) || vec_u64(v, "max", &max) ||
	    vec_hexn(v, "seed", sb, 8) || vec_u64(v, "length", &len) ||
	    vec_err(v, "expect", &err) || vec_hex(v, "cuts", &cuts, &cutsl))
		goto out;
	for (i = 0; i < 8; i++)
		seed = seed << 8 | sb[i];
	if (seed == 0 || len > VEC_MAXLEN || min > SIZE_MAX || avg > SIZE_MAX ||
	    max > SIZE_MAX)
		goto out;
	p.min = (size_t)min;
	p.avg = (size_t)avg;
	p.max = (size_t)max;
	if (vec_cuts(key, &p, seed, (size_t)len, &got, &gotl) != err)
		goto out;
	if (err == 0 ? (gotl != cutsl || memcmp(got, cuts, gotl) != 0) :
	    cutsl != 0)
		goto out;
	bad = 0;
out:
	free(cuts); free(got);
	return bad;
}

static void
test_cdc_vectors(void **state)
{
	(void)state;
	vecfile_assert("cdc.txt", check_cdc, 6);
}

/* Does every one-character change of a decimal parameter, as the mutation
 * pass makes it, either make the params invalid or change the cuts? */
static int
params_pinned(const uint8_t key[32], const struct coffer_cdc_params *p,
    uint64_t seed, size_t len, const uint8_t *cuts, size_t cutsl)
{
	char s[32];
	size_t f, k, *field, n;
	struct coffer_cdc_params q;
	uint8_t *got;
	size_t gotl;
	int same;

	for (f = 0; f < 3; f++) {
		q = *p;
		field = f == 0 ? &q.min : f == 1 ? &q.avg : &q.max;
		snprintf(s, sizeof(s), "%zu", *field);
		n = strlen(s);
		for (k = 0; k < n; k++) {
			char c = s[k];

			s[k] = c == '0' ? '1' : '0';
			*field = (size_t)strtoull(s, NULL, 10);
			s[k] = c;
			if (!coffer_cdc_params_valid(&q))
				continue;
			if (vec_cuts(key, &q, seed, len, &got, &gotl) != 0)
				return 0;
			same = gotl == cutsl && memcmp(got, cuts, gotl) == 0;
			free(got);
			if (same)
				return 0;
		}
		*field = f == 0 ? p->min : f == 1 ? p->avg : p->max;
	}
	return 1;
}

static int
write_vectors(const char *dir)
{
	static const struct {
		const char *name;
		uint8_t keyfill;
		size_t min, avg, max, len;
		uint64_t seed;
	} cases[] = {
		{ "kib", 0x11, 256, 1024, 2048, 200000, 0x0123456789abcdefULL },
		{ "small", 0x22, 64, 128, 256, 50000, 0x1f2e3d4c5b6a7988ULL },
		{ "mid", 0x33, 256, 2048, 4096, 300000, 0x5555aaaa3333ccccULL },
		{ "bad-min-small", 0x55, 63, 128, 256, 1000, 0x1111ULL },
		{ "bad-min-avg", 0x55, 128, 128, 256, 1000, 0x2222ULL },
		{ "bad-avg-pow2", 0x55, 64, 100, 256, 1000, 0x3333ULL },
		{ "bad-max-avg", 0x55, 64, 128, 128, 1000, 0x4444ULL },
		{ "bad-max-big", 0x55, 1024, 1u << 20, (64u << 20) + 1, 1000,
		    0x5555ULL },
		{ "bad-avg-big", 0x55, 1024, 16u << 20, 32u << 20, 1000,
		    0x6666ULL },
	};
	char path[4096];
	uint8_t key[32], sb[8], *cuts;
	struct coffer_cdc_params p;
	size_t i, j, cutsl;
	uint64_t seed;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/cdc.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# FastCDC with a keyed gear table (docs/PROTOCOL-cdc.md).\n"
	    "# data = xorshift64(13,7,17) from seed, state little-endian;\n"
	    "# cuts = end offset of each chunk, 4 bytes big-endian.\n"
	    "# expect is OK with the cuts, or the error with empty cuts.\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(key, cases[i].keyfill, sizeof(key));
		p.min = cases[i].min;
		p.avg = cases[i].avg;
		p.max = cases[i].max;
		/* For a good vector, move the seed on until every parameter
		 * digit is load-bearing (see params_pinned). */
		for (seed = cases[i].seed;; seed++) {
			r = vec_cuts(key, &p, seed, cases[i].len, &cuts, &cutsl);
			if (r != 0 || params_pinned(key, &p, seed,
			    cases[i].len, cuts, cutsl))
				break;
			free(cuts);
			if (seed - cases[i].seed > 10000) {
				fclose(f);
				return -1;
			}
		}
		for (j = 0; j < 8; j++)
			sb[j] = (uint8_t)(seed >> (56 - 8 * j));
		vec_w_begin(f, cases[i].name);
		vec_w_hex(f, "key", key, sizeof(key));
		vec_w_u64(f, "min", p.min);
		vec_w_u64(f, "avg", p.avg);
		vec_w_u64(f, "max", p.max);
		vec_w_hex(f, "seed", sb, sizeof(sb));
		vec_w_u64(f, "length", cases[i].len);
		vec_w_word(f, "expect", vec_errword(r));
		vec_w_hex(f, "cuts", cuts, r == 0 ? cutsl : 0);
		vec_w_end(f);
		free(cuts);
	}
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic_and_keyed),
		cmocka_unit_test(test_resync),
		cmocka_unit_test(test_mean),
		cmocka_unit_test(test_split_feeding),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_throughput),
		cmocka_unit_test(test_cdc_vectors),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("cdc", tests, NULL, NULL);
}
