/* coffer_buf: capped growable buffer; secret buffers never realloc. */
#include <coffer/buf.h>
#include <coffer/err.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/sysendian.h"

struct coffer_buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 secret;
};

static struct coffer_buf *
buf_new(size_t max, int secret)
{
	struct coffer_buf *b;

	if (max == 0 || max > COFFER_BUF_MAX)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	b->secret = secret;
	return b;
}

struct coffer_buf *
coffer_buf_new(size_t max)
{
	return buf_new(max, 0);
}

struct coffer_buf *
coffer_buf_new_secret(size_t max)
{
	return buf_new(max, 1);
}

void
coffer_buf_free(struct coffer_buf **p)
{
	struct coffer_buf *b;

	if (p == NULL || (b = *p) == NULL)
		return;
	if (b->secret && b->data != NULL)
		sodium_memzero(b->data, b->cap);
	free(b->data);
	free(b);
	*p = NULL;
}

const uint8_t *
coffer_buf_data(const struct coffer_buf *b)
{
	return b->data;
}

uint8_t *
coffer_buf_mutable(struct coffer_buf *b)
{
	return b->data;
}

size_t
coffer_buf_len(const struct coffer_buf *b)
{
	return b->len;
}

size_t
coffer_buf_max(const struct coffer_buf *b)
{
	return b->max;
}

/* Make room for n more bytes: double up to the cap. */
static int
buf_grow(struct coffer_buf *b, size_t n)
{
	size_t need, ncap;
	uint8_t *nd;

	if (n > b->max - b->len)
		return COFFER_ERR_TOOBIG;
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	if (b->secret) {
		/* Copy and wipe: realloc could leave a copy behind. */
		if ((nd = malloc(ncap)) == NULL)
			return COFFER_ERR_NOMEM;
		if (b->len > 0)
			memcpy(nd, b->data, b->len);
		if (b->data != NULL)
			sodium_memzero(b->data, b->cap);
		free(b->data);
	} else if ((nd = realloc(b->data, ncap)) == NULL)
		return COFFER_ERR_NOMEM;
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
coffer_buf_extend(struct coffer_buf *b, size_t n, uint8_t **p)
{
	int r;

	*p = NULL;
	if ((r = buf_grow(b, n)) != 0)
		return r;
	if (n == 0)
		return 0;	/* nothing to point at: *p stays NULL */
	memset(b->data + b->len, 0, n);
	*p = b->data + b->len;
	b->len += n;
	return 0;
}

int
coffer_buf_append(struct coffer_buf *b, const void *p, size_t n)
{
	int r;

	if ((r = buf_grow(b, n)) != 0)
		return r;
	if (n > 0) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	}
	return 0;
}

int
coffer_buf_put_u8(struct coffer_buf *b, uint8_t v)
{
	return coffer_buf_append(b, &v, 1);
}

int
coffer_buf_put_u16(struct coffer_buf *b, uint16_t v)
{
	uint8_t x[2];

	be16enc(x, v);
	return coffer_buf_append(b, x, sizeof(x));
}

int
coffer_buf_put_u32(struct coffer_buf *b, uint32_t v)
{
	uint8_t x[4];

	be32enc(x, v);
	return coffer_buf_append(b, x, sizeof(x));
}

int
coffer_buf_put_u64(struct coffer_buf *b, uint64_t v)
{
	uint8_t x[8];

	be64enc(x, v);
	return coffer_buf_append(b, x, sizeof(x));
}

void
coffer_buf_truncate(struct coffer_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	if (b->secret)
		sodium_memzero(b->data + len, b->len - len);
	b->len = len;
}

void
coffer_buf_reset(struct coffer_buf *b)
{
	coffer_buf_truncate(b, 0);
}
