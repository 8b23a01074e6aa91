/* Shared helpers of the backup format tests (backup_vec.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>

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

void
bv_secret(const uint8_t s[32], uint32_t v, uint8_t out[32])
{
	memcpy(out, s, 32);
	out[31] ^= (uint8_t)(v - 1);
}

struct bk_keyring *
bv_ring(const uint8_t s[32], unsigned mask)
{
	static const uint8_t kid[16] = { 0x5a };
	struct coffer_key *zones[BV_VERSIONS];
	struct bk_keyring *kr = NULL;
	uint8_t sv[32];
	size_t n = 0, i;
	uint32_t v;

	for (v = 1; v <= BV_VERSIONS; v++) {
		if (!(mask & BV_V(v)))
			continue;
		bv_secret(s, v, sv);
		if (coffer_key_import(&zones[n++], COFFER_KEY_SYMMETRIC, sv,
		    kid, v) != 0)
			abort();
	}
	if (n == 0 || bk_keyring_new(&kr, (const struct coffer_key *const *)
	    zones, n) != 0)
		abort();
	for (i = 0; i < n; i++)
		coffer_key_free(&zones[i]);
	return kr;
}

/* A vector's ring: each zone_key_v<N> field. */
struct bk_keyring *
bv_vring(const struct vec *v)
{
	static const uint8_t kid[16] = { 0x5a };
	struct coffer_key *zones[BV_VERSIONS];
	struct bk_keyring *kr = NULL;
	uint8_t sv[32];
	char f[32];
	size_t n = 0, i;
	uint32_t ver;

	for (ver = 1; ver <= BV_VERSIONS; ver++) {
		snprintf(f, sizeof(f), "zone_key_v%u", (unsigned)ver);
		if (vec_get(v, f) == NULL)
			continue;
		if (vec_hexn(v, f, sv, 32) != 0 ||
		    coffer_key_import(&zones[n], COFFER_KEY_SYMMETRIC, sv, kid,
		    ver) != 0)
			break;
		n++;
	}
	if (ver > BV_VERSIONS && n > 0 && bk_keyring_new(&kr,
	    (const struct coffer_key *const *)zones, n) != 0)
		kr = NULL;
	for (i = 0; i < n; i++)
		coffer_key_free(&zones[i]);
	return kr;
}

void
bv_w_ring(FILE *f, const uint8_t s[32], unsigned mask)
{
	uint8_t sv[32];
	char name[32];
	uint32_t v;

	for (v = 1; v <= BV_VERSIONS; v++)
		if (mask & BV_V(v)) {
			bv_secret(s, v, sv);
			snprintf(name, sizeof(name), "zone_key_v%u",
			    (unsigned)v);
			vec_w_hex(f, name, sv, 32);
		}
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
bv_seal_plain(const struct bk_keyring *kr, int format, const uint8_t *bind,
    size_t bindlen, const uint8_t *pt, size_t len,
    const uint8_t nonce[BK_NONCE], struct coffer_buf *out)
{
	const struct bk_keys *k = format == BK_FORMAT_V1 ?
	    bk_keyring_get(kr, 1) : bk_keyring_newest(kr);
	size_t hl = format == BK_FORMAT_V1 ? 1 : BK_BOX_HEAD;
	uint8_t ad[BK_BOX_HEAD + BK_ID], *p;

	if (k == NULL)
		return;		/* a mutated vector's ring lacks it */
	if (coffer_buf_extend(out, hl + BK_NONCE + len + BK_TAG, &p) != 0)
		abort();
	p[0] = (uint8_t)format;
	if (format != BK_FORMAT_V1) {
		p[1] = (uint8_t)(k->version >> 24);
		p[2] = (uint8_t)(k->version >> 16);
		p[3] = (uint8_t)(k->version >> 8);
		p[4] = (uint8_t)k->version;
	}
	memcpy(ad, p, hl);
	memcpy(ad + hl, bind, bindlen);
	memcpy(p + hl, nonce, BK_NONCE);
	if (aead_seal(COFFER_AEAD_DEFAULT, p + hl + BK_NONCE,
	    p + hl + BK_NONCE + len, pt, len, ad, hl + bindlen, nonce,
	    k->meta) != 0)
		abort();
}

void
bv_chunk_v1(const struct bk_keyring *kr, const uint8_t id[BK_ID],
    uint8_t type, const uint8_t *p, size_t len,
    const uint8_t nonce[BK_NONCE], struct coffer_buf *out)
{
	const struct bk_keys *k = bk_keyring_get(kr, 1);
	uint8_t ad[BK_ID + 3], *z = NULL, *o;
	size_t n = 0, cap = ZSTD_compressBound(len);

	/* Version 1 compressed when zstd level 1 gained: the frame may
	 * differ from the library's streamed one, and opens the same. */
	coffer_buf_reset(out);
	if (k == NULL)
		return;		/* a mutated vector's ring lacks it */
	if ((z = malloc(cap + 1)) == NULL)
		abort();
	if (len >= 64) {
		n = ZSTD_compress(z, cap, p, len, 1);
		if (ZSTD_isError(n) || n * 16 > len * 15)
			n = 0;
	}
	if (coffer_buf_extend(out, BK_CHUNK_OVER_V1 + (n > 0 ? n : len),
	    &o) != 0)
		abort();
	o[0] = BK_FORMAT_V1;
	o[1] = n > 0 ? BK_FLAG_ZSTD : 0;
	memcpy(o + 2, nonce, BK_NONCE);
	memcpy(ad, id, BK_ID);
	ad[BK_ID] = type;
	ad[BK_ID + 1] = o[0];
	ad[BK_ID + 2] = o[1];
	if (aead_seal(COFFER_AEAD_DEFAULT, o + 2 + BK_NONCE,
	    o + 2 + BK_NONCE + (n > 0 ? n : len), n > 0 ? z : p,
	    n > 0 ? n : len, ad, sizeof(ad), nonce, k->data) != 0)
		abort();
	free(z);
}

void
bv_plain(int format, uint8_t kind, const uint8_t *body, size_t len,
    size_t total, struct coffer_buf *pt)
{
	size_t over = format == BK_FORMAT_V1 ? BK_BOX_OVER_V1 : BK_BOX_OVER;
	size_t size = len + over > total ? len + over : total;
	uint8_t *p;

	coffer_buf_reset(pt);
	if (coffer_buf_put_u8(pt, kind) != 0 ||
	    coffer_buf_put_u32(pt, (uint32_t)len) != 0 ||
	    coffer_buf_append(pt, body, len) != 0 ||
	    coffer_buf_extend(pt, size - len - over, &p) != 0)
		abort();
}

void
bv_box(const struct bk_keyring *kr, int format, uint8_t kind,
    const uint8_t *bind, size_t bindlen, const uint8_t *body, size_t len,
    size_t total, const uint8_t nonce[BK_NONCE], const struct bv_edit *e,
    struct coffer_buf *out)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct coffer_buf *pt = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);

	if (b == NULL || pt == NULL || coffer_buf_append(b, body, len) != 0)
		abort();
	if (e != NULL && e->layer == BV_BODY)
		bv_apply(b, e);
	bv_plain(format, kind, coffer_buf_data(b), coffer_buf_len(b), total,
	    pt);
	if (e != NULL && e->layer == BV_PLAIN)
		bv_apply(pt, e);
	bv_seal_plain(kr, format, bind, bindlen, coffer_buf_data(pt),
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
bv_opener(const struct bv_edit *e, const uint8_t zone[32], unsigned mask,
    struct bv_opener *op)
{
	memcpy(op->secret, zone, 32);
	op->mask = mask;
	if (e != NULL && e->op == BV_KEY)
		op->secret[0] ^= 0x01;
	if (e != NULL && e->op == BV_RING)
		op->mask = e->arg;
}

struct bk_keyring *
bv_opener_ring(const struct bv_opener *op)
{
	return bv_ring(op->secret, op->mask);
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
	struct bv_opener op;
	uint8_t zone[32], id[BK_ID];
	size_t i, bad = 0;
	int r;

	if (b == NULL)
		return n;
	randombytes_buf(zone, 32);
	for (i = 0; i < n; i++)
		if ((r = fn(zone, &edits[i], b, id, &op)) != edits[i].expect) {
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
	struct bv_opener op;
	uint8_t zone[32], id[BK_ID];
	size_t i;
	int r;

	if (b == NULL)
		return -1;
	bv_fill(zone, 32, 0x11);
	for (i = 0; i < n; i++) {
		if ((r = fn(zone, &edits[i], b, id, &op)) != edits[i].expect) {
			fprintf(stderr, "%s %s: got %s\n", objfield,
			    edits[i].name, vec_errword(r));
			coffer_buf_free(&b);
			return -1;
		}
		vec_w_begin(f, edits[i].name);
		bv_w_ring(f, op.secret, op.mask);
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
