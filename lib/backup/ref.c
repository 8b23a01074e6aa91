/* Refs (docs/PROTOCOL-backup.md, "Snapshot ref", "Index ref"): boxes
 * bound to the ref's name, padded to a Padmé bucket.
 *
 * snapshot = time_ns, end_ns (i64) | host (u16 len) | npaths (u16) |
 *            npaths x path (u16 len) | root tree id (32) | has_parent (1)
 *            | parent (16) | files, dirs, bytes, bytes_new, bytes_stored
 *            (u64)
 * index    = nsegs (u32) | nsegs x segment id (32), strictly increasing
 * Version 2 bodies add a trailer: version (2) | counter (u64) [| floor
 * (u64), INDEX refs]. A FORGET (format.h) is signed by the account key. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/padme.h"
#include "core/reader.h"

#define HOST_MAX	255
#define PATHS_MAX	1024

static int
put_str(struct coffer_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	int r;

	if (n > max)
		return COFFER_ERR_TOOBIG;
	if ((r = coffer_buf_put_u16(b, (uint16_t)n)) != 0)
		return r;
	return coffer_buf_append(b, s, n);
}

static int
get_str(struct reader *rd, char **out, size_t max)
{
	const uint8_t *p;
	uint16_t n;
	int r;

	if ((r = reader_u16(rd, &n)) != 0)
		return r;
	if (n > max)
		return COFFER_ERR_TOOBIG;
	if ((r = reader_bytes(rd, n, &p)) != 0)
		return r;
	if (n > 0 && memchr(p, 0, n) != NULL)
		return COFFER_ERR_FORMAT;
	if ((*out = malloc((size_t)n + 1)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(*out, p, n);
	(*out)[n] = '\0';
	return 0;
}

/* The version 2 trailer of a ref body, or none (version 1). */
static int
trailer(struct reader *rd, struct bk_ctr *c, int floor)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->version = BK_REF_V1;
	if (reader_left(rd) == 0)
		return 0;
	if ((r = reader_u8(rd, &c->version)) != 0)
		return r;
	if (c->version != BK_REF_V2)
		return COFFER_ERR_VERSION;
	if ((r = reader_u64(rd, &c->counter)) != 0 ||
	    (floor && (r = reader_u64(rd, &c->floor)) != 0) ||
	    (r = reader_end(rd)) != 0)
		return r;
	return c->counter == 0 || c->floor > c->counter ? COFFER_ERR_FORMAT :
	    0;
}

static int
seal_padded(const struct bk_keyring *kr, uint8_t kind,
    const uint8_t name[BK_NAME], const struct coffer_buf *body,
    const uint8_t *nonce, struct coffer_buf *out)
{
	size_t len = coffer_buf_len(body);

	return bk_box_seal_det(kr, kind, name, BK_NAME, coffer_buf_data(body),
	    len, (size_t)padme_bucket(BK_BOX_OVER + len), nonce, out);
}

int
bk_snapshot_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_snapshot *s, struct coffer_buf *out)
{
	return bk_snapshot_encode_det(kr, name, s, NULL, out);
}

int
bk_snapshot_encode_det(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_snapshot *s, const uint8_t *nonce,
    struct coffer_buf *out)
{
	static const uint8_t zero[BK_NAME];
	struct coffer_buf *b;
	size_t i;
	int r;

	if (s->npaths > PATHS_MAX)
		return COFFER_ERR_TOOBIG;
	if ((b = coffer_buf_new(COFFER_BSTORE_REF_MAX / 2)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_put_u64(b, (uint64_t)s->time_ns)) != 0 ||
	    (r = coffer_buf_put_u64(b, (uint64_t)s->end_ns)) != 0 ||
	    (r = put_str(b, s->host, HOST_MAX)) != 0 ||
	    (r = coffer_buf_put_u16(b, (uint16_t)s->npaths)) != 0)
		goto out;
	for (i = 0; i < s->npaths; i++)
		if ((r = put_str(b, s->paths[i], BK_PATH_MAX)) != 0)
			goto out;
	if ((r = coffer_buf_append(b, s->root, BK_ID)) != 0 ||
	    (r = coffer_buf_put_u8(b, s->has_parent ? 1 : 0)) != 0 ||
	    (r = coffer_buf_append(b, s->has_parent ? s->parent : zero,
	    BK_NAME)) != 0 ||
	    (r = coffer_buf_put_u64(b, s->files)) != 0 ||
	    (r = coffer_buf_put_u64(b, s->dirs)) != 0 ||
	    (r = coffer_buf_put_u64(b, s->bytes)) != 0 ||
	    (r = coffer_buf_put_u64(b, s->bytes_new)) != 0 ||
	    (r = coffer_buf_put_u64(b, s->bytes_stored)) != 0)
		goto out;
	if (s->version == BK_REF_V2) {
		if (s->counter == 0) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
		if ((r = coffer_buf_put_u8(b, BK_REF_V2)) != 0 ||
		    (r = coffer_buf_put_u64(b, s->counter)) != 0)
			goto out;
	}
	r = seal_padded(kr, BK_KIND_SNAPSHOT, name, b, nonce, out);
out:
	coffer_buf_free(&b);
	return r;
}

int
bk_snapshot_parse(const uint8_t *p, size_t len, struct bk_snapshot *s)
{
	struct reader rd;
	uint64_t t;
	uint16_t n;
	struct bk_ctr ctr;
	uint8_t hp;
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	reader_init(&rd, p, len);
	if ((r = reader_u64(&rd, &t)) != 0)
		goto out;
	s->time_ns = (int64_t)t;
	if ((r = reader_u64(&rd, &t)) != 0)
		goto out;
	s->end_ns = (int64_t)t;
	if ((r = get_str(&rd, &s->host, HOST_MAX)) != 0 ||
	    (r = reader_u16(&rd, &n)) != 0)
		goto out;
	if (n > PATHS_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((s->paths = calloc(n ? n : 1, sizeof(*s->paths))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = get_str(&rd, &s->paths[i], BK_PATH_MAX)) != 0)
			goto out;
		s->npaths = i + 1;
	}
	if ((r = reader_copy(&rd, s->root, BK_ID)) != 0 ||
	    (r = reader_u8(&rd, &hp)) != 0 ||
	    (r = reader_copy(&rd, s->parent, BK_NAME)) != 0 ||
	    (r = reader_u64(&rd, &s->files)) != 0 ||
	    (r = reader_u64(&rd, &s->dirs)) != 0 ||
	    (r = reader_u64(&rd, &s->bytes)) != 0 ||
	    (r = reader_u64(&rd, &s->bytes_new)) != 0 ||
	    (r = reader_u64(&rd, &s->bytes_stored)) != 0 ||
	    (r = trailer(&rd, &ctr, 0)) != 0)
		goto out;
	s->version = ctr.version;
	s->counter = ctr.counter;
	if (hp > 1 || (hp == 0 && !sodium_is_zero(s->parent, BK_NAME))) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	s->has_parent = hp;
out:
	if (r != 0)
		bk_snapshot_clear(s);
	return r;
}

void
bk_snapshot_clear(struct bk_snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->host);
	for (i = 0; s->paths != NULL && i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	memset(s, 0, sizeof(*s));
}

int
bk_indexref_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const uint8_t (*segs)[BK_ID], size_t n, const struct bk_ctr *ctr,
    struct coffer_buf *out)
{
	return bk_indexref_encode_det(kr, name, segs, n, ctr, NULL, out);
}

int
bk_indexref_encode_det(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const uint8_t (*segs)[BK_ID], size_t n, const struct bk_ctr *ctr,
    const uint8_t *nonce, struct coffer_buf *out)
{
	struct coffer_buf *b;
	size_t i;
	int r;

	if (n > BK_INDEX_SEGS_MAX)
		return COFFER_ERR_TOOBIG;
	for (i = 1; i < n; i++)
		if (memcmp(segs[i - 1], segs[i], BK_ID) >= 0)
			return COFFER_ERR_FORMAT;
	if (ctr != NULL && (ctr->counter == 0 || ctr->floor > ctr->counter))
		return COFFER_ERR_FORMAT;
	if ((b = coffer_buf_new(4 + n * BK_ID + 17)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_put_u32(b, (uint32_t)n)) == 0 &&
	    (n == 0 || (r = coffer_buf_append(b, segs, n * BK_ID)) == 0) &&
	    (ctr == NULL || ((r = coffer_buf_put_u8(b, BK_REF_V2)) == 0 &&
	    (r = coffer_buf_put_u64(b, ctr->counter)) == 0 &&
	    (r = coffer_buf_put_u64(b, ctr->floor)) == 0)))
		r = seal_padded(kr, BK_KIND_INDEX, name, b, nonce, out);
	coffer_buf_free(&b);
	return r;
}

int
bk_indexref_parse(const uint8_t *p, size_t len, uint8_t (**segs)[BK_ID],
    size_t *n, struct bk_ctr *ctr)
{
	struct bk_ctr c;
	struct reader rd;
	uint8_t (*v)[BK_ID] = NULL;
	uint32_t count, i;
	int r;

	reader_init(&rd, p, len);
	if ((r = reader_u32(&rd, &count)) != 0)
		return r;
	if (count > BK_INDEX_SEGS_MAX)
		return COFFER_ERR_TOOBIG;
	if (reader_left(&rd) < (size_t)count * BK_ID)
		return COFFER_ERR_TRUNCATED;
	if ((v = malloc((count ? count : 1) * sizeof(*v))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < count; i++) {
		if ((r = reader_copy(&rd, v[i], BK_ID)) != 0)
			goto fail;
		if (i > 0 && memcmp(v[i - 1], v[i], BK_ID) >= 0) {
			r = COFFER_ERR_FORMAT;
			goto fail;
		}
	}
	if ((r = trailer(&rd, &c, 1)) != 0)
		goto fail;
	if (ctr != NULL)
		*ctr = c;
	*segs = v;
	*n = count;
	return 0;
fail:
	free(v);
	return r;
}

/* version | counter | n | names, or with the key: version | counter |
 * pk | n | names (the body's head). */
static int
forget_head(const struct bk_forget *f, int pk, struct coffer_buf *out)
{
	size_t i;
	int r;

	if (f->n == 0 || f->n > BK_FORGET_MAX)
		return COFFER_ERR_TOOBIG;
	if (f->counter == 0)
		return COFFER_ERR_FORMAT;
	for (i = 1; i < f->n; i++)
		if (memcmp(f->names[i - 1], f->names[i], BK_NAME) >= 0)
			return COFFER_ERR_FORMAT;
	if ((r = coffer_buf_put_u8(out, BK_FORGET_VERSION)) != 0 ||
	    (r = coffer_buf_put_u64(out, f->counter)) != 0 ||
	    (pk && (r = coffer_buf_append(out, f->pk, BK_PK_BYTES)) != 0) ||
	    (r = coffer_buf_put_u32(out, (uint32_t)f->n)) != 0)
		return r;
	return coffer_buf_append(out, f->names, f->n * BK_NAME);
}

int
bk_forget_message(const uint8_t set[BK_SET_BYTES], const uint8_t name[BK_NAME],
    const struct bk_forget *f, struct coffer_buf *out)
{
	int r;

	if ((r = coffer_buf_append(out, set, BK_SET_BYTES)) != 0 ||
	    (r = coffer_buf_append(out, name, BK_NAME)) != 0)
		return r;
	return forget_head(f, 0, out);
}

int
bk_forget_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_forget *f, struct coffer_buf *out)
{
	return bk_forget_encode_det(kr, name, f, NULL, out);
}

int
bk_forget_encode_det(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_forget *f, const uint8_t *nonce, struct coffer_buf *out)
{
	struct coffer_buf *b;
	int r;

	if ((b = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = forget_head(f, 1, b)) == 0 &&
	    (r = coffer_buf_append(b, f->sig, BK_SIG_BYTES)) == 0)
		r = seal_padded(kr, BK_KIND_FORGET, name, b, nonce, out);
	coffer_buf_free(&b);
	return r;
}

int
bk_forget_parse(const uint8_t *p, size_t len, struct bk_forget *f)
{
	struct reader rd;
	uint8_t v;
	uint32_t n, i;
	int r;

	memset(f, 0, sizeof(*f));
	reader_init(&rd, p, len);
	if ((r = reader_u8(&rd, &v)) != 0)
		return r;
	if (v != BK_FORGET_VERSION)
		return COFFER_ERR_VERSION;
	if ((r = reader_u64(&rd, &f->counter)) != 0 ||
	    (r = reader_copy(&rd, f->pk, BK_PK_BYTES)) != 0 ||
	    (r = reader_u32(&rd, &n)) != 0)
		return r;
	if (n == 0 || n > BK_FORGET_MAX)
		return n == 0 ? COFFER_ERR_FORMAT : COFFER_ERR_TOOBIG;
	if (f->counter == 0)
		return COFFER_ERR_FORMAT;
	if (reader_left(&rd) < (size_t)n * BK_NAME + BK_SIG_BYTES)
		return COFFER_ERR_TRUNCATED;
	if ((f->names = malloc((size_t)n * BK_NAME)) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((r = reader_copy(&rd, f->names[i], BK_NAME)) != 0)
			goto fail;
		if (i > 0 && memcmp(f->names[i - 1], f->names[i],
		    BK_NAME) >= 0) {
			r = COFFER_ERR_FORMAT;
			goto fail;
		}
	}
	f->n = n;
	if ((r = reader_copy(&rd, f->sig, BK_SIG_BYTES)) != 0 ||
	    (r = reader_end(&rd)) != 0)
		goto fail;
	return 0;
fail:
	bk_forget_clear(f);
	return r;
}

void
bk_forget_clear(struct bk_forget *f)
{
	if (f == NULL)
		return;
	free(f->names);
	memset(f, 0, sizeof(*f));
}
