/* A growable byte buffer with a hard size cap. A secret buffer never uses
 * realloc: it grows by copy-and-wipe, and is wiped on reset and free. */
#ifndef COFFER_BUF_H
#define COFFER_BUF_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

/* The largest cap any buffer may have (1 GiB). */
#define COFFER_BUF_MAX ((size_t)1 << 30)

struct coffer_buf;

/** coffer_buf_new(max): an empty buffer that may grow to ${max} bytes
 * (at most COFFER_BUF_MAX), or NULL if out of memory or ${max} is 0 or too
 * large. */
COFFER_API struct coffer_buf *coffer_buf_new(size_t max) COFFER_WUR;

/** coffer_buf_new_secret(max): as coffer_buf_new, for plaintext and key
 * material: wiped whenever memory is released or reused. */
COFFER_API struct coffer_buf *coffer_buf_new_secret(size_t max) COFFER_WUR;

/** coffer_buf_free(p): wipe if secret, free *${p} and set it to NULL.
 * Accepts NULL and a pointer to NULL. */
COFFER_API void coffer_buf_free(struct coffer_buf **p);

/** coffer_buf_data(b): the first byte of ${b} (NULL while never grown). */
COFFER_API const uint8_t *coffer_buf_data(const struct coffer_buf *b);

/** coffer_buf_mutable(b): the same, writable. */
COFFER_API uint8_t *coffer_buf_mutable(struct coffer_buf *b);

/** coffer_buf_len(b): bytes held by ${b}. */
COFFER_API size_t coffer_buf_len(const struct coffer_buf *b);

/** coffer_buf_max(b): the cap of ${b}. */
COFFER_API size_t coffer_buf_max(const struct coffer_buf *b);

/** coffer_buf_append(b, p, n): append ${n} bytes from ${p}.
 * Returns 0, COFFER_ERR_TOOBIG past the cap, or COFFER_ERR_NOMEM. On error
 * ${b} is unchanged. */
COFFER_API int coffer_buf_append(struct coffer_buf *b, const void *p,
    size_t n) COFFER_WUR;

/** coffer_buf_extend(b, n, p): grow ${b} by ${n} zero bytes and set *${p}
 * to the first of them, for a caller that writes into place (NULL when
 * ${n} is 0). Returns as coffer_buf_append; on error *${p} is NULL and
 * ${b} unchanged. */
COFFER_API int coffer_buf_extend(struct coffer_buf *b, size_t n,
    uint8_t **p) COFFER_WUR;

/** coffer_buf_put_u8(b, v), coffer_buf_put_u16(b, v),
 * coffer_buf_put_u32(b, v), coffer_buf_put_u64(b, v): append ${v} in
 * big-endian order. Return as coffer_buf_append. */
COFFER_API int coffer_buf_put_u8(struct coffer_buf *b, uint8_t v) COFFER_WUR;
COFFER_API int coffer_buf_put_u16(struct coffer_buf *b, uint16_t v) COFFER_WUR;
COFFER_API int coffer_buf_put_u32(struct coffer_buf *b, uint32_t v) COFFER_WUR;
COFFER_API int coffer_buf_put_u64(struct coffer_buf *b, uint64_t v) COFFER_WUR;

/** coffer_buf_truncate(b, len): drop the bytes past ${len} (wiped if the
 * buffer is secret); nothing if ${len} >= the length. */
COFFER_API void coffer_buf_truncate(struct coffer_buf *b, size_t len);

/** coffer_buf_reset(b): coffer_buf_truncate(${b}, 0). */
COFFER_API void coffer_buf_reset(struct coffer_buf *b);

#endif
