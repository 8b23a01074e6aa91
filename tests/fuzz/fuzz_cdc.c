/* Fuzz the content-defined chunker (docs/PROTOCOL-cdc.md). The first 8
 * bytes pick the parameters (within the valid range, kept small so chunks
 * are many), the key and the split of the rest between calls; the rest is
 * the file.
 *
 * Invariants: the cuts of coffer_cdc_split cover the file in order, every
 * chunk is within [min, max] except the last (within [1, max]); feeding
 * the file to coffer_cdc_next in random pieces gives the same cuts; every
 * call's cut lies within its piece. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/cdc.h>
#include <coffer/err.h>
#include <coffer/key.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_cuts {
	size_t	*end;
	size_t	 n;
	size_t	 cap;
};

static int
fz_collect(void *ctx, size_t off, size_t len)
{
	struct fz_cuts *cu = ctx;

	if (cu->n >= cu->cap || (cu->n > 0 ? cu->end[cu->n - 1] : 0) != off)
		abort();
	cu->end[cu->n++] = off + len;
	return 0;
}

static uint32_t
fz_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t id[COFFER_KEY_ID_BYTES];
	struct coffer_cdc_params p;
	struct coffer_cdc *c = NULL;
	struct coffer_key *k = NULL;
	struct fz_cuts whole = { NULL, 0, 0 };
	uint8_t secret[COFFER_KEY_BYTES];
	const uint8_t *d;
	size_t len, off, plen, cut, i, prev, n = 0;
	uint32_t x;
	int r, final;

	if (size < 8)
		return 0;
	/* min 64..1087, avg the next power of two above min (times 1..4),
	 * max avg + 1 .. avg * 5. */
	p.min = 64 + (((size_t)data[0] << 8 | data[1]) & 1023);
	for (p.avg = 128; p.avg <= p.min; p.avg <<= 1)
		;
	p.avg <<= data[2] & 3;
	p.max = p.avg + 1 + (((size_t)data[3] << 8 | data[4]) % (4 * p.avg));
	memset(secret, data[5], sizeof(secret));
	x = (uint32_t)data[6] << 8 | data[7] | 1u;
	d = data + 8;
	len = size - 8;
	if (!coffer_cdc_params_valid(&p))
		abort();
	if (coffer_key_import(&k, COFFER_KEY_SYMMETRIC, secret, id, 1) != 0 ||
	    coffer_cdc_new(&c, k, &p) != 0)
		abort();
	whole.cap = len / p.min + 2;
	if ((whole.end = malloc(whole.cap * sizeof(size_t))) == NULL)
		abort();
	if (coffer_cdc_split(c, len ? d : NULL, len, fz_collect, &whole) != 0)
		abort();
	for (i = 0, prev = 0; i < whole.n; i++) {
		size_t l = whole.end[i] - prev;

		if (l == 0 || l > p.max || (i + 1 < whole.n && l < p.min))
			abort();
		prev = whole.end[i];
	}
	if (prev != len)
		abort();

	/* The same in random pieces; final with the last piece or after. */
	for (off = 0;;) {
		plen = fz_rand(&x) % (2 * p.avg + 1);
		if (plen > len - off)
			plen = len - off;
		final = off + plen == len && (fz_rand(&x) & 1);
		for (;;) {
			r = coffer_cdc_next(c, plen ? d + off : NULL, plen,
			    final, &cut);
			if (r < 0 || cut > plen)
				abort();
			if (r == 0)
				break;
			off += cut;
			plen -= cut;
			if (n >= whole.n || whole.end[n] != off)
				abort();
			n++;
		}
		if (cut != (final ? 0 : plen))
			abort();
		off += plen;
		if (final)
			break;
	}
	if (off != len || n != whole.n)
		abort();
	free(whole.end);
	coffer_cdc_free(&c);
	coffer_key_free(&k);
	return 0;
}
