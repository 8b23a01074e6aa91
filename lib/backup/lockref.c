/* LOCK refs (docs/PROTOCOL-backup.md, "Locks"): boxes of kind 6 bound to
 * the ref's name, padded to a Padmé bucket like every ref.
 *
 * lock = kind (1: shared, 2: exclusive) | time_ns (i64, the writer's
 *        clock) | ttl_s (u32, 1 to 7 days) | pid (u32) | nonce (16) |
 *        machine (16, not all zero) | host (u16 len, <= 255) | device (u16 len, <= 255) */
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/padme.h"
#include "core/reader.h"

static int
put_str(struct coffer_buf *b, const char *s)
{
	size_t n = strlen(s);
	int r;

	if (n > BK_LOCK_STR_MAX)
		return COFFER_ERR_TOOBIG;
	if ((r = coffer_buf_put_u16(b, (uint16_t)n)) != 0)
		return r;
	return coffer_buf_append(b, s, n);
}

static int
get_str(struct reader *rd, char out[BK_LOCK_STR_MAX + 1])
{
	const uint8_t *p;
	uint16_t n;
	int r;

	if ((r = reader_u16(rd, &n)) != 0)
		return r;
	if (n > BK_LOCK_STR_MAX)
		return COFFER_ERR_TOOBIG;
	if ((r = reader_bytes(rd, n, &p)) != 0)
		return r;
	if (n > 0 && memchr(p, 0, n) != NULL)
		return COFFER_ERR_FORMAT;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
lock_valid(const struct bk_lock *l)
{
	return !sodium_is_zero(l->machine, BK_LOCK_MACHINE) &&
	    (l->kind == BK_LOCK_SHARED || l->kind == BK_LOCK_EXCLUSIVE) &&
	    l->ttl_s >= 1 && l->ttl_s <= BK_LOCK_TTL_MAX;
}

int
bk_lock_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_lock *l, struct coffer_buf *out)
{
	return bk_lock_encode_det(kr, name, l, NULL, out);
}

int
bk_lock_encode_det(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_lock *l, const uint8_t *nonce, struct coffer_buf *out)
{
	struct coffer_buf *b;
	size_t len;
	int r;

	if (!lock_valid(l))
		return COFFER_ERR_FORMAT;
	if ((b = coffer_buf_new(64 + 2 * BK_LOCK_STR_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_put_u8(b, l->kind)) != 0 ||
	    (r = coffer_buf_put_u64(b, (uint64_t)l->time_ns)) != 0 ||
	    (r = coffer_buf_put_u32(b, l->ttl_s)) != 0 ||
	    (r = coffer_buf_put_u32(b, l->pid)) != 0 ||
	    (r = coffer_buf_append(b, l->nonce, BK_LOCK_NONCE)) != 0 ||
	    (r = coffer_buf_append(b, l->machine, BK_LOCK_MACHINE)) != 0 ||
	    (r = put_str(b, l->host)) != 0 ||
	    (r = put_str(b, l->device)) != 0)
		goto out;
	len = coffer_buf_len(b);
	r = bk_box_seal_det(kr, BK_KIND_LOCK, name, BK_NAME,
	    coffer_buf_data(b), len, (size_t)padme_bucket(BK_BOX_OVER + len),
	    nonce, out);
out:
	coffer_buf_free(&b);
	return r;
}

int
bk_lock_parse(const uint8_t *p, size_t len, struct bk_lock *l)
{
	struct reader rd;
	uint64_t t;
	int r;

	memset(l, 0, sizeof(*l));
	reader_init(&rd, p, len);
	if ((r = reader_u8(&rd, &l->kind)) != 0 ||
	    (r = reader_u64(&rd, &t)) != 0 ||
	    (r = reader_u32(&rd, &l->ttl_s)) != 0 ||
	    (r = reader_u32(&rd, &l->pid)) != 0 ||
	    (r = reader_copy(&rd, l->nonce, BK_LOCK_NONCE)) != 0 ||
	    (r = reader_copy(&rd, l->machine, BK_LOCK_MACHINE)) != 0 ||
	    (r = get_str(&rd, l->host)) != 0 ||
	    (r = get_str(&rd, l->device)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		goto out;
	l->time_ns = (int64_t)t;
	if (!lock_valid(l))
		r = COFFER_ERR_FORMAT;
out:
	if (r != 0)
		memset(l, 0, sizeof(*l));
	return r;
}
