/* coffer_reader: bounds-checked big-endian reads. */
#include "core/reader.h"

#include <coffer/err.h>

#include <string.h>

void
reader_init(struct reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p == NULL ? 0 : len;
	r->off = 0;
}

size_t
reader_left(const struct reader *r)
{
	return r->len - r->off;
}

int
reader_bytes(struct reader *r, size_t n, const uint8_t **p)
{
	if (n > reader_left(r))
		return COFFER_ERR_TRUNCATED;
	*p = r->p + r->off;
	r->off += n;
	return 0;
}

static int
reader_be(struct reader *r, size_t n, uint64_t *v)
{
	const uint8_t *p;
	size_t i;
	int e;

	if ((e = reader_bytes(r, n, &p)) != 0)
		return e;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = (*v << 8) | p[i];
	return 0;
}

int
reader_u8(struct reader *r, uint8_t *v)
{
	uint64_t x;
	int e;

	if ((e = reader_be(r, 1, &x)) == 0)
		*v = (uint8_t)x;
	return e;
}

int
reader_u16(struct reader *r, uint16_t *v)
{
	uint64_t x;
	int e;

	if ((e = reader_be(r, 2, &x)) == 0)
		*v = (uint16_t)x;
	return e;
}

int
reader_u32(struct reader *r, uint32_t *v)
{
	uint64_t x;
	int e;

	if ((e = reader_be(r, 4, &x)) == 0)
		*v = (uint32_t)x;
	return e;
}

int
reader_u64(struct reader *r, uint64_t *v)
{
	return reader_be(r, 8, v);
}

int
reader_copy(struct reader *r, void *out, size_t n)
{
	const uint8_t *p;
	int e;

	if ((e = reader_bytes(r, n, &p)) != 0)
		return e;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
reader_magic(struct reader *r, const void *magic, size_t n)
{
	const uint8_t *p;
	int e;

	if ((e = reader_bytes(r, n, &p)) != 0)
		return e;
	/* Magic numbers are public: memcmp is fine here. */
	return memcmp(p, magic, n) == 0 ? 0 : COFFER_ERR_FORMAT;
}

int
reader_header(struct reader *r, const void *magic, size_t n, uint8_t version)
{
	uint8_t v;
	int e;

	if ((e = reader_magic(r, magic, n)) != 0 ||
	    (e = reader_u8(r, &v)) != 0)
		return e;
	return v == version ? 0 : COFFER_ERR_VERSION;
}

int
reader_end(const struct reader *r)
{
	return reader_left(r) == 0 ? 0 : COFFER_ERR_TRAILING;
}
