/* A bounded reader for strict parsing of wire and disk formats. Internal to
 * coffer (the library, the server and the tests); every read checks the
 * bounds, and a parser ends with reader_end() to refuse trailing
 * bytes. */
#ifndef COFFER_READER_H
#define COFFER_READER_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

struct reader {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

/** reader_init(r, p, len): read ${len} bytes from ${p}. */
void reader_init(struct reader *r, const void *p, size_t len);

/** reader_left(r): bytes not yet read. */
size_t reader_left(const struct reader *r);

/** reader_u8/u16/u32/u64(r, v): read a big-endian integer.
 * Return 0 or COFFER_ERR_TRUNCATED (nothing consumed). */
int reader_u8(struct reader *r, uint8_t *v) COFFER_WUR;
int reader_u16(struct reader *r, uint16_t *v) COFFER_WUR;
int reader_u32(struct reader *r, uint32_t *v) COFFER_WUR;
int reader_u64(struct reader *r, uint64_t *v) COFFER_WUR;

/** reader_bytes(r, n, p): point *${p} at the next ${n} bytes, which
 * stay owned by the input. Returns 0 or COFFER_ERR_TRUNCATED. */
int reader_bytes(struct reader *r, size_t n,
    const uint8_t **p) COFFER_WUR;

/** reader_copy(r, out, n): copy the next ${n} bytes to ${out}.
 * Returns 0 or COFFER_ERR_TRUNCATED. */
int reader_copy(struct reader *r, void *out, size_t n)
    COFFER_WUR;

/** reader_magic(r, magic, n): consume ${n} bytes equal to ${magic}.
 * Returns 0, COFFER_ERR_TRUNCATED or COFFER_ERR_FORMAT. */
int reader_magic(struct reader *r, const void *magic, size_t n)
    COFFER_WUR;

/** reader_header(r, magic, n, version): consume a format's ${n}-byte
 * ${magic} and its one-byte ${version}. Returns 0, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_FORMAT (another magic) or COFFER_ERR_VERSION (another
 * version). */
int reader_header(struct reader *r, const void *magic, size_t n,
    uint8_t version) COFFER_WUR;

/** reader_end(r): 0 if every byte was read, else
 * COFFER_ERR_TRAILING. */
int reader_end(const struct reader *r) COFFER_WUR;

#endif
