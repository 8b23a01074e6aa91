/* Shared helpers of the backup format tests (backup_vec.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "backup/format.h"
#include "crypto/aead.h"

#include "backup_vec.h"
#include "vecfile.h"

void
bv_fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 8));
}

struct bk_keys *
bv_keys(const uint8_t s[32])
{
	static const uint8_t kid[16] = { 0x5a };
	struct coffer_key *zone = NULL;
	struct bk_keys *k = NULL;

	if (coffer_key_import(&zone, COFFER_KEY_SYMMETRIC, s, kid, 1) != 0 ||
	    bk_keys_new(&k, zone) != 0)
		abort();
	coffer_key_free(&zone);
	return k;
}

struct bk_keys *
bv_vkeys(const struct vec *v)
{
	uint8_t s[32];

	if (vec_hexn(v, "zone_key", s, 32) != 0)
		return NULL;
	return bv_keys(s);
}

void
bv_apply(struct coffer_buf *b, const struct bv_edit *e)
{
	uint8_t *p = coffer_buf_mutable(b);
	size_t len = coffer_buf_len(b);
	size_t off = e->off < 0 ? len - (size_t)-e->off : (size_t)e->off;

	switch (e->op) {
	case BV_XOR:
		p[off] ^= (uint8_t)e->arg;
		break;
	case BV_SET:
		p[off] = (uint8_t)e->arg;
		break;
	case BV_SET32:
		p[off] = (uint8_t)(e->arg >> 24);
		p[off + 1] = (uint8_t)(e->arg >> 16);
		p[off + 2] = (uint8_t)(e->arg >> 8);
		p[off + 3] = (uint8_t)e->arg;
		break;
	case BV_CUT:
		coffer_buf_truncate(b, off);
		break;
	case BV_ADD:
		if (coffer_buf_put_u8(b, (uint8_t)e->arg) != 0)
			abort();
		break;
	default:
		break;
	}
}

void
bv_seal_plain(const struct bk_keys *k, const uint8_t *bind, size_t bindlen,
    const uint8_t *pt, size_t len, const uint8_t nonce[BK_NONCE],
    struct coffer_buf *out)
{
	uint8_t ad[1 + BK_ID], *p;

	ad[0] = BK_VERSION;
	memcpy(ad + 1, bind, bindlen);
	if (coffer_buf_extend(out, 1 + BK_NONCE + len + BK_TAG, &p) != 0)
		abort();
	p[0] = BK_VERSION;
	memcpy(p + 1, nonce, BK_NONCE);
	if (aead_seal(COFFER_AEAD_DEFAULT, p + 1 + BK_NONCE,
	    p + 1 + BK_NONCE + len, pt, len, ad, 1 + bindlen, nonce,
	    k->meta) != 0)
		abort();
}

void
bv_plain(uint8_t kind, const uint8_t *body, size_t len, size_t total,
    struct coffer_buf *pt)
{
	size_t size = len + BK_BOX_OVER > total ? len + BK_BOX_OVER : total;
	uint8_t *p;

	coffer_buf_reset(pt);
	if (coffer_buf_put_u8(pt, kind) != 0 ||
	    coffer_buf_put_u32(pt, (uint32_t)len) != 0 ||
	    coffer_buf_append(pt, body, len) != 0 ||
	    coffer_buf_extend(pt, size - len - BK_BOX_OVER, &p) != 0)
		abort();
}

void
bv_box(const struct bk_keys *k, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *body, size_t len, size_t total,
    const uint8_t nonce[BK_NONCE], const struct bv_edit *e,
    struct coffer_buf *out)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct coffer_buf *pt = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);

	if (b == NULL || pt == NULL || coffer_buf_append(b, body, len) != 0)
		abort();
	if (e != NULL && e->layer == BV_BODY)
		bv_apply(b, e);
	bv_plain(kind, coffer_buf_data(b), coffer_buf_len(b), total, pt);
	if (e != NULL && e->layer == BV_PLAIN)
		bv_apply(pt, e);
	bv_seal_plain(k, bind, bindlen, coffer_buf_data(pt),
	    coffer_buf_len(pt), nonce, out);
	coffer_buf_free(&b);
	coffer_buf_free(&pt);
}

const uint8_t *
bv_bind(const struct bv_edit *e, const uint8_t *bind, uint8_t *other,
    size_t len)
{
	if (e == NULL || e->op != BV_BIND)
		return bind;
	memcpy(other, bind, len);
	other[len - 1] ^= 0x80;
	return other;
}

void
bv_zone(const struct bv_edit *e, const uint8_t *zone, uint8_t out[32])
{
	memcpy(out, zone, 32);
	if (e != NULL && e->op == BV_KEY)
		out[0] ^= 0x01;
}

int
bv_entry_eq(const struct bk_entry *a, const struct bk_entry *b)
{
	return memcmp(a->id, b->id, BK_ID) == 0 && a->type == b->type &&
	    a->offset == b->offset && a->slen == b->slen && a->rlen == b->rlen;
}

size_t
bv_rejections(const struct bv_edit *edits, size_t n, bv_reject_fn fn)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	uint8_t zone[32], id[BK_ID];
	size_t i, bad = 0;
	int r;

	if (b == NULL)
		return n;
	randombytes_buf(zone, 32);
	for (i = 0; i < n; i++)
		if ((r = fn(zone, &edits[i], b, id)) != edits[i].expect) {
			fprintf(stderr, "%s: got %s\n", edits[i].name,
			    vec_errword(r));
			bad++;
		}
	coffer_buf_free(&b);
	return bad;
}

int
bv_w_bad(FILE *f, const struct bv_edit *edits, size_t n, bv_reject_fn fn,
    const char *idfield, const char *objfield)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	uint8_t zone[32], z2[32], id[BK_ID];
	size_t i;
	int r;

	if (b == NULL)
		return -1;
	bv_fill(zone, 32, 0x11);
	for (i = 0; i < n; i++) {
		if ((r = fn(zone, &edits[i], b, id)) != edits[i].expect) {
			fprintf(stderr, "%s %s: got %s\n", objfield,
			    edits[i].name, vec_errword(r));
			coffer_buf_free(&b);
			return -1;
		}
		bv_zone(&edits[i], zone, z2);
		vec_w_begin(f, edits[i].name);
		vec_w_hex(f, "zone_key", z2, 32);
		vec_w_hex(f, idfield, id, BK_ID);
		vec_w_word(f, "expect", vec_errword(edits[i].expect));
		vec_w_hex(f, objfield, coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	coffer_buf_free(&b);
	return 0;
}

int
bv_write_files(const char *dir, const struct bv_file *files, size_t n)
{
	char path[4096];
	size_t i;
	FILE *f;
	int r;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if ((f = fopen(path, "w")) == NULL)
			return -1;
		r = files[i].w(f);
		if (fclose(f) != 0 || r != 0)
			return -1;
	}
	return 0;
}
