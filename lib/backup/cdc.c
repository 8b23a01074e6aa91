/* FastCDC content-defined chunking with a keyed gear table
 * (docs/PROTOCOL-cdc.md).
 *
 * Within a chunk, bytes at offsets [0, min) are skipped; from offset min
 * on, each byte b at offset i updates h = (h << 1) + gear[b] (h starts at
 * 0), and the chunk ends after it (length i + 1) when (h & mask) == 0,
 * with mask = maskS (log2(avg) + 2 bits) while i < avg and maskL
 * (log2(avg) - 2 bits) after; a chunk that reaches max bytes ends there.
 * The state between calls is only (pos, h), so pieces of any size give
 * the same cuts as the whole file. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include <coffer/cdc.h>
#include <coffer/err.h>
#include <coffer/kdf.h>

#include "core/secret.h"
#include "core/sysendian.h"

#define CDC_CONTEXT	"coffer/cdc-gear/v1"

/* The masks of the FastCDC reference code (destor; the larger ones as in
 * restic's port): entry n has n bits set, spread over bits 12..47 so that
 * a hit at one byte says little about the next. Entries 0-4 are unused. */
static const uint64_t cdc_masks[26] = {
	0, 0, 0, 0, 0,
	0x0000000001804110ULL, 0x0000000001803110ULL, 0x0000000018035100ULL,
	0x0000001800035300ULL, 0x0000019000353000ULL, 0x0000590003530000ULL,
	0x0000d90003530000ULL, 0x0000d90103530000ULL, 0x0000d90303530000ULL,
	0x0000d90313530000ULL, 0x0000d90f03530000ULL, 0x0000d90303537000ULL,
	0x0000d90703537000ULL, 0x0000d90707537000ULL, 0x0000d91707537000ULL,
	0x0000d91747537000ULL, 0x0000d91767537000ULL, 0x0000d93767537000ULL,
	0x0000d93777537000ULL, 0x0000d93777577000ULL, 0x0000db3777577000ULL,
};

struct coffer_cdc {
	uint64_t	gear[256];	/* secret: sodium_malloc memory */
	uint64_t	mask_s;
	uint64_t	mask_l;
	size_t		min;
	size_t		avg;
	size_t		max;
	size_t		pos;		/* bytes of the current chunk seen */
	uint64_t	h;
};

static unsigned
cdc_log2(size_t v)
{
	unsigned n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

int
coffer_cdc_params_valid(const struct coffer_cdc_params *p)
{
	if (p == NULL)
		return 0;
	if (p->min < COFFER_CDC_MIN_LIMIT || p->min >= p->avg ||
	    p->avg >= p->max || p->max > COFFER_CDC_MAX_LIMIT)
		return 0;
	if (p->avg > COFFER_CDC_AVG_LIMIT || (p->avg & (p->avg - 1)) != 0)
		return 0;
	return 1;
}

int
coffer_cdc_new(struct coffer_cdc **out, const struct coffer_key *key,
    const struct coffer_cdc_params *params)
{
	static const struct coffer_cdc_params defaults = {
		COFFER_CDC_MIN_DEFAULT, COFFER_CDC_AVG_DEFAULT,
		COFFER_CDC_MAX_DEFAULT
	};
	struct coffer_cdc *c = NULL;
	uint8_t bytes[256 * 8];
	unsigned bits;
	size_t i;
	int r = COFFER_ERR_INTERNAL;

	if (out == NULL || key == NULL ||
	    coffer_key_kind(key) != COFFER_KEY_SYMMETRIC) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if (params == NULL)
		params = &defaults;
	if (!coffer_cdc_params_valid(params)) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if ((c = sodium_malloc(sizeof(*c))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = coffer_kdf(bytes, sizeof(bytes), key_secret(key),
	    COFFER_KEY_BYTES, CDC_CONTEXT, NULL, 0)) != 0)
		goto out;
	for (i = 0; i < 256; i++)
		c->gear[i] = le64dec(bytes + 8 * i);
	bits = cdc_log2(params->avg);
	c->mask_s = cdc_masks[bits + 2];
	c->mask_l = cdc_masks[bits - 2];
	c->min = params->min;
	c->avg = params->avg;
	c->max = params->max;
	coffer_cdc_reset(c);
	*out = c;
	c = NULL;
	r = 0;
out:
	sodium_memzero(bytes, sizeof(bytes));
	coffer_cdc_free(&c);
	return r;
}

void
coffer_cdc_free(struct coffer_cdc **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_free(*p);	/* wipes */
	*p = NULL;
}

void
coffer_cdc_reset(struct coffer_cdc *c)
{
	if (c == NULL)
		return;
	c->pos = 0;
	c->h = 0;
}

/* Scan p[0..n) with one mask; return the index of the first hit, or n. */
static inline size_t
cdc_scan(const uint64_t *restrict gear, const uint8_t *p, size_t n,
    uint64_t mask, uint64_t *hp)
{
	uint64_t h = *hp;
	size_t i;

	for (i = 0; i < n; i++) {
		h = (h << 1) + gear[p[i]];
		if ((h & mask) == 0)
			break;
	}
	*hp = h;
	return i;
}

int
coffer_cdc_next(struct coffer_cdc *c, const uint8_t *data, size_t len,
    int final, size_t *cut)
{
	size_t i = 0, n, k;
	int r = COFFER_ERR_INTERNAL;

	if (c == NULL || cut == NULL || (data == NULL && len > 0)) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	*cut = 0;
	/* Skip what is left of the first min bytes. */
	if (c->pos < c->min) {
		n = c->min - c->pos;
		if (n > len)
			n = len;
		c->pos += n;
		i += n;
	}
	/* Two ranges, two loops: no branch on the mask inside either. */
	if (c->pos >= c->min && c->pos < c->avg && i < len) {
		n = c->avg - c->pos;
		if (n > len - i)
			n = len - i;
		k = cdc_scan(c->gear, data + i, n, c->mask_s, &c->h);
		c->pos += k;
		i += k;
		if (k < n) {
			i++;
			goto cut;
		}
	}
	if (c->pos >= c->avg && c->pos < c->max && i < len) {
		n = c->max - c->pos;
		if (n > len - i)
			n = len - i;
		k = cdc_scan(c->gear, data + i, n, c->mask_l, &c->h);
		c->pos += k;
		i += k;
		if (k < n) {
			i++;
			goto cut;
		}
	}
	if (c->pos == c->max)
		goto cut;
	/* All len bytes belong to the current chunk. */
	if (final && c->pos > 0)
		goto cut;
	if (final)
		coffer_cdc_reset(c);
	*cut = final ? 0 : len;
	r = 0;
	goto out;
cut:
	*cut = i;
	coffer_cdc_reset(c);
	r = 1;
out:
	return r;
}

int
coffer_cdc_split(struct coffer_cdc *c, const uint8_t *data, size_t len,
    coffer_cdc_chunk_fn fn, void *ctx)
{
	size_t off = 0, cut;
	int r = COFFER_ERR_INTERNAL;

	if (c == NULL || fn == NULL || (data == NULL && len > 0)) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	coffer_cdc_reset(c);
	for (;;) {
		if ((r = coffer_cdc_next(c, len > 0 ? data + off : NULL,
		    len - off, 1, &cut)) < 0)
			goto out;
		if (r == 0)
			break;
		if ((r = fn(ctx, off, cut)) != 0)
			goto out;
		off += cut;
	}
	r = 0;
out:
	coffer_cdc_reset(c);
	return r;
}
