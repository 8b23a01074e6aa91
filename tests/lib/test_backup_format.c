/* The backup repository's sealed formats (docs/PROTOCOL-backup.md): key
 * derivation, chunk ids, stored chunks, boxes, packs and index segments.
 * Known-answer vectors (tests/vectors/backup-{keys,chunk,box,pack,
 * segment}.txt, written by --write-vectors) and a table of rejections per
 * parser, each with its precise error; the same tables make the bad
 * vectors. Trees and refs: test_backup_tree.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>

#include "backup_vec.h"
#include "core/secret.h"

/* ---- keys and chunk ids ---- */

static int
check_keys(const struct vec *v)
{
	struct bk_keys *k = bv_vkeys(v);
	struct bk_hmac *h = NULL;
	uint8_t want[32], id[32], *pt = NULL;
	size_t ptl;
	int bad = 1;

	if (k == NULL || vec_err(v, "expect", &bad) || bad != 0) {
		bk_keys_free(&k);
		return 1;
	}
	bad = 1;
	if (vec_get(v, "plaintext") != NULL) {
		if (vec_hex(v, "plaintext", &pt, &ptl) ||
		    vec_hexn(v, "id", want, 32) || bk_hmac_new(&h, k) != 0 ||
		    bk_hmac(h, pt, ptl, id) != 0 ||
		    sodium_memcmp(id, want, 32) != 0)
			goto out;
	} else if (vec_hexn(v, "id_key", want, 32) ||
	    sodium_memcmp(want, k->id, 32) != 0 ||
	    vec_hexn(v, "data_key", want, 32) ||
	    sodium_memcmp(want, k->data, 32) != 0 ||
	    vec_hexn(v, "meta_key", want, 32) ||
	    sodium_memcmp(want, k->meta, 32) != 0 ||
	    vec_hexn(v, "cdc_key", want, 32) ||
	    sodium_memcmp(want, key_secret(k->cdc), 32) != 0)
		goto out;
	bad = 0;
out:
	bk_hmac_free(&h);
	bk_keys_free(&k);
	free(pt);
	return bad;
}

static int
w_keys(FILE *f)
{
	static const char *const texts[] = { "", "abc" };
	uint8_t zone[32], id[32], big[4096];
	struct bk_hmac *h = NULL;
	struct bk_keys *k;
	char name[32];
	size_t i;

	fprintf(f, "# Repository keys from a zone key (coffer_kdf, contexts "
	    "coffer/backup-{id,data,meta}/v1,\n# coffer_kdf_key for "
	    "coffer/backup-cdc/v1) and chunk ids (HMAC-SHA-256 under id_key).\n");
	for (i = 0; i < 2; i++) {
		bv_fill(zone, 32, (uint8_t)(0x11 * (i + 1)));
		k = bv_keys(zone);
		snprintf(name, sizeof(name), "keys-%zu", i);
		vec_w_begin(f, name);
		vec_w_hex(f, "zone_key", zone, 32);
		vec_w_hex(f, "id_key", k->id, 32);
		vec_w_hex(f, "data_key", k->data, 32);
		vec_w_hex(f, "meta_key", k->meta, 32);
		vec_w_hex(f, "cdc_key", key_secret(k->cdc), 32);
		vec_w_word(f, "expect", "OK");
		vec_w_end(f);
		bk_keys_free(&k);
	}
	bv_fill(zone, 32, 0x11);
	k = bv_keys(zone);
	bv_fill(big, sizeof(big), 0x42);
	if (bk_hmac_new(&h, k) != 0)
		abort();
	for (i = 0; i < 3; i++) {
		const uint8_t *p = i < 2 ? (const uint8_t *)texts[i] : big;
		size_t n = i < 2 ? strlen(texts[i]) : sizeof(big);

		if (bk_hmac(h, p, n, id) != 0)
			abort();
		snprintf(name, sizeof(name), "chunk-id-%zu", n);
		vec_w_begin(f, name);
		vec_w_hex(f, "zone_key", zone, 32);
		vec_w_hex(f, "plaintext", p, n);
		vec_w_hex(f, "id", id, 32);
		vec_w_word(f, "expect", "OK");
		vec_w_end(f);
	}
	bk_hmac_free(&h);
	bk_keys_free(&k);
	return 0;
}

/* ---- stored chunks ---- */

/* Good chunks: raw data, raw tree, empty, zstd. */
static const struct { uint8_t type; size_t len; int repeat; } gchunks[] = {
	{ BK_DATA, 40, 0 }, { BK_TREE, 57, 0 }, { BK_DATA, 0, 0 },
	{ BK_DATA, 4096, 1 },
};
#define CH_RAW	0
#define CH_ZSTD	3

static void
chunk_plain(size_t i, uint8_t *p)
{
	size_t j;

	bv_fill(p, gchunks[i].len, (uint8_t)(0x50 + i));
	if (gchunks[i].repeat)
		for (j = 16; j < gchunks[i].len; j++)
			p[j] = p[j % 16];
}

static const struct bv_edit chunk_edits[] = {
	{ "truncated", CH_RAW, BV_OUTER, BV_CUT, BK_CHUNK_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "version-2", CH_RAW, BV_OUTER, BV_SET, 0, 2, COFFER_ERR_VERSION },
	{ "flags-unknown", CH_RAW, BV_OUTER, BV_SET, 1, 2, COFFER_ERR_FORMAT },
	{ "flags-zstd-on-raw", CH_RAW, BV_OUTER, BV_SET, 1, 1,
	    COFFER_ERR_AUTH },
	{ "flags-raw-on-zstd", CH_ZSTD, BV_OUTER, BV_SET, 1, 0,
	    COFFER_ERR_FORMAT },
	{ "nonce-byte", CH_RAW, BV_OUTER, BV_XOR, 2, 1, COFFER_ERR_AUTH },
	{ "ciphertext-byte", CH_RAW, BV_OUTER, BV_XOR, 30, 0x40,
	    COFFER_ERR_AUTH },
	{ "tag-byte", CH_RAW, BV_OUTER, BV_XOR, -1, 0x80, COFFER_ERR_AUTH },
	{ "moved-to-other-id", CH_RAW, BV_OUTER, BV_BIND, 0, 0,
	    COFFER_ERR_AUTH },
	{ "other-type", CH_RAW, BV_OUTER, BV_KIND, 0, BK_TREE,
	    COFFER_ERR_AUTH },
	{ "other-key", CH_RAW, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "raw-length-differs", CH_RAW, BV_OUTER, BV_RLEN, 0, 1,
	    COFFER_ERR_FORMAT },
	{ "zstd-length-differs", CH_ZSTD, BV_OUTER, BV_RLEN, 0, 1,
	    COFFER_ERR_FORMAT },
	{ "over-cap", CH_RAW, BV_OUTER, BV_RLEN, 0, (uint32_t)BK_CHUNK_MAX,
	    COFFER_ERR_TOOBIG },
	/* Sealed under its id with other bytes: authentic, wrong content. */
	{ "plaintext-not-its-id", CH_RAW, BV_BODY, BV_XOR, 3, 1,
	    COFFER_ERR_AUTH },
};

/* Seal good chunk i (with a BV_BODY edit) into out; its id to id. */
static void
chunk_make(const struct bk_keys *k, size_t i, const struct bv_edit *e,
    uint8_t nonce[BK_NONCE], uint8_t id[BK_ID], struct coffer_buf *out)
{
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	uint8_t p[4096], *s;
	size_t n = gchunks[i].len, slen;

	chunk_plain(i, p);
	bv_fill(nonce, BK_NONCE, (uint8_t)(0x70 + i));
	if (bk_zctx_new(&z, 1) != 0 || bk_hmac_new(&h, k) != 0 ||
	    bk_hmac(h, p, n, id) != 0)
		abort();
	if (e != NULL && e->layer == BV_BODY)
		p[e->off] ^= (uint8_t)e->arg;
	coffer_buf_reset(out);
	if (coffer_buf_extend(out, bk_chunk_bound(n), &s) != 0 ||
	    bk_chunk_seal_det(z, k, id, gchunks[i].type, p, n, nonce, s,
	    &slen) != 0)
		abort();
	coffer_buf_truncate(out, slen);
	bk_zctx_free(&z);
	bk_hmac_free(&h);
}

/* Open a stored chunk as the vector or edit says; 0 or the error. */
static int
chunk_try(const struct bk_keys *k, const uint8_t id[BK_ID], uint8_t type,
    const uint8_t *s, size_t slen, size_t rlen, uint8_t *out)
{
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	int r;

	if (bk_zctx_new(&z, 1) != 0 || bk_hmac_new(&h, k) != 0)
		abort();
	r = bk_chunk_open(z, h, k, id, type, s, slen, rlen, out);
	bk_zctx_free(&z);
	bk_hmac_free(&h);
	return r;
}

/* Apply edit e to good chunk: returns the error opening gives. */
static int
chunk_edit(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *s, uint8_t id[BK_ID], uint8_t *type, size_t *rlen)
{
	struct bk_keys *k = bv_keys(zone), *k2;
	uint8_t nonce[BK_NONCE], z2[32], other[BK_ID], *out;
	int r;

	chunk_make(k, (size_t)e->base, e, nonce, id, s);
	if (e->layer == BV_OUTER)
		bv_apply(s, e);
	memcpy(id, bv_bind(e, id, other, BK_ID), BK_ID);
	*type = gchunks[e->base].type;
	if (e->op == BV_KIND)
		*type = (uint8_t)e->arg;
	*rlen = gchunks[e->base].len + (e->op == BV_RLEN ? e->arg : 0);
	bv_zone(e, zone, z2);
	k2 = bv_keys(z2);
	if ((out = malloc(*rlen + 1)) == NULL)
		abort();
	r = chunk_try(k2, id, *type, coffer_buf_data(s), coffer_buf_len(s),
	    *rlen, out);
	free(out);
	bk_keys_free(&k);
	bk_keys_free(&k2);
	return r;
}

static int
check_chunk(const struct vec *v)
{
	struct bk_keys *k = bv_vkeys(v);
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	uint8_t *pt = NULL, *s = NULL, *mine = NULL, *out = NULL;
	uint8_t id[BK_ID], want[BK_ID], nonce[BK_NONCE];
	uint64_t type, rlen;
	size_t ptl = 0, slen, mlen;
	int expect, bad = 1;

	if (k == NULL || vec_err(v, "expect", &expect) ||
	    vec_hex(v, "stored", &s, &slen) || vec_u64(v, "type", &type) ||
	    type > 255)
		goto out;
	if (expect != 0) {
		if (vec_hexn(v, "id", id, BK_ID) || vec_u64(v, "rlen", &rlen) ||
		    rlen > 2 * BK_CHUNK_MAX || (out = malloc(rlen + 1)) == NULL)
			goto out;
		bad = chunk_try(k, id, (uint8_t)type, s, slen, rlen, out) !=
		    expect;
		goto out;
	}
	if (vec_hex(v, "plaintext", &pt, &ptl) ||
	    vec_hexn(v, "nonce", nonce, BK_NONCE) ||
	    vec_hexn(v, "id", want, BK_ID) || bk_zctx_new(&z, 1) != 0 ||
	    bk_hmac_new(&h, k) != 0 || bk_hmac(h, pt, ptl, id) != 0 ||
	    memcmp(id, want, BK_ID) != 0 ||
	    (mine = malloc(bk_chunk_bound(ptl))) == NULL ||
	    bk_chunk_seal_det(z, k, id, (uint8_t)type, pt, ptl, nonce, mine,
	    &mlen) != 0 || slen < BK_CHUNK_HDR ||
	    memcmp(mine, s, BK_CHUNK_HDR) != 0)
		goto out;
	/* A raw chunk reproduces byte for byte; a zstd one's frame may vary
	 * with the zstd release, so it must open to the plaintext. */
	if (s[1] == 0 && (mlen != slen || memcmp(mine, s, slen) != 0))
		goto out;
	if ((out = malloc(ptl + 1)) == NULL ||
	    chunk_try(k, id, (uint8_t)type, s, slen, ptl, out) != 0 ||
	    (ptl > 0 && memcmp(out, pt, ptl) != 0))
		goto out;
	bad = 0;
out:
	bk_keys_free(&k);
	bk_zctx_free(&z);
	bk_hmac_free(&h);
	free(pt); free(s); free(mine); free(out);
	return bad;
}

static int
w_chunk(FILE *f)
{
	struct coffer_buf *s = coffer_buf_new(1 << 20);
	uint8_t zone[32], id[BK_ID], nonce[BK_NONCE], p[4096], type;
	struct bk_keys *k;
	char name[64];
	size_t i, rlen;
	int r;

	bv_fill(zone, 32, 0x11);
	k = bv_keys(zone);
	fprintf(f, "# Stored chunks: version | flags | nonce | AEAD(K_data, "
	    "AD = id | type | version | flags).\n# Good ones reseal from "
	    "zone key, type, nonce and plaintext (a zstd one must open);\n"
	    "# bad ones are opened as chunk id, type, rlen.\n");
	for (i = 0; i < BV_COUNT(gchunks); i++) {
		chunk_make(k, i, NULL, nonce, id, s);
		chunk_plain(i, p);
		snprintf(name, sizeof(name), "%s-%s-%zu",
		    coffer_buf_data(s)[1] ? "zstd" : "raw",
		    gchunks[i].type == BK_TREE ? "tree" : "data",
		    gchunks[i].len);
		vec_w_begin(f, name);
		vec_w_hex(f, "zone_key", zone, 32);
		vec_w_u64(f, "type", gchunks[i].type);
		vec_w_hex(f, "nonce", nonce, BK_NONCE);
		vec_w_hex(f, "plaintext", p, gchunks[i].len);
		vec_w_hex(f, "id", id, BK_ID);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "stored", coffer_buf_data(s), coffer_buf_len(s));
		vec_w_end(f);
	}
	for (i = 0; i < BV_COUNT(chunk_edits); i++) {
		const struct bv_edit *e = &chunk_edits[i];
		uint8_t z2[32];

		if ((r = chunk_edit(zone, e, s, id, &type, &rlen)) !=
		    e->expect) {
			fprintf(stderr, "chunk %s: got %s\n", e->name,
			    vec_errword(r));
			return -1;
		}
		bv_zone(e, zone, z2);
		vec_w_begin(f, e->name);
		vec_w_hex(f, "zone_key", z2, 32);
		vec_w_hex(f, "id", id, BK_ID);
		vec_w_u64(f, "type", type);
		vec_w_u64(f, "rlen", rlen);
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_hex(f, "stored", coffer_buf_data(s), coffer_buf_len(s));
		vec_w_end(f);
	}
	bk_keys_free(&k);
	coffer_buf_free(&s);
	return 0;
}

/* ---- boxes ---- */

static const struct {
	uint8_t kind;
	size_t bindlen, len, total;
} gboxes[] = {
	{ BK_KIND_PACK, BK_ID, 13, 13 + BK_BOX_OVER },
	{ BK_KIND_SEGMENT, BK_ID, 20, 100 }, { BK_KIND_INDEX, BK_NAME, 4, 64 },
	{ BK_KIND_SNAPSHOT, BK_NAME, 0, BK_BOX_OVER },
};
#define BX_SEG	1

static const struct bv_edit box_edits[] = {
	{ "truncated", BX_SEG, BV_OUTER, BV_CUT, BK_BOX_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "version-0", BX_SEG, BV_OUTER, BV_SET, 0, 0, COFFER_ERR_VERSION },
	{ "version-2", BX_SEG, BV_OUTER, BV_SET, 0, 2, COFFER_ERR_VERSION },
	{ "nonce-byte", BX_SEG, BV_OUTER, BV_XOR, 5, 1, COFFER_ERR_AUTH },
	{ "tag-byte", BX_SEG, BV_OUTER, BV_XOR, -1, 1, COFFER_ERR_AUTH },
	{ "cut-one", BX_SEG, BV_OUTER, BV_CUT, -1, 0, COFFER_ERR_AUTH },
	{ "trailing-byte", BX_SEG, BV_OUTER, BV_ADD, 0, 0, COFFER_ERR_AUTH },
	{ "moved-to-other-id", BX_SEG, BV_OUTER, BV_BIND, 0, 0,
	    COFFER_ERR_AUTH },
	{ "other-key", BX_SEG, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "wrong-kind", BX_SEG, BV_OUTER, BV_KIND, 0, BK_KIND_INDEX,
	    COFFER_ERR_CONTEXT },
	{ "length-over", BX_SEG, BV_PLAIN, BV_SET32, 1, 0xffff,
	    COFFER_ERR_FORMAT },
	{ "length-short", BX_SEG, BV_PLAIN, BV_SET32, 1, 19,
	    COFFER_ERR_FORMAT },
	{ "padding-nonzero", BX_SEG, BV_PLAIN, BV_XOR, -1, 1,
	    COFFER_ERR_FORMAT },
};

static void
box_body(size_t i, uint8_t *p)
{
	size_t j;

	bv_fill(p, gboxes[i].len, (uint8_t)(0x90 + i));
	for (j = 0; j < gboxes[i].len; j++)
		p[j] |= 1;	/* nonzero: a shortened length shows */
}

/* Box i, edited by e (may be NULL), into out; its binding to bind. */
static void
box_make(const struct bk_keys *k, size_t i, const struct bv_edit *e,
    uint8_t nonce[BK_NONCE], uint8_t *bind, struct coffer_buf *out)
{
	uint8_t body[64];

	box_body(i, body);
	bv_fill(bind, gboxes[i].bindlen, (uint8_t)(0xa0 + i));
	bv_fill(nonce, BK_NONCE, (uint8_t)(0xb0 + i));
	coffer_buf_reset(out);
	if (e != NULL && e->layer != BV_OUTER)
		bv_box(k, gboxes[i].kind, bind, gboxes[i].bindlen, body,
		    gboxes[i].len, gboxes[i].total, nonce, e, out);
	else if (bk_box_seal_det(k, gboxes[i].kind, bind, gboxes[i].bindlen,
	    body, gboxes[i].len, gboxes[i].total, nonce, out) != 0)
		abort();
	if (e != NULL && e->layer == BV_OUTER)
		bv_apply(out, e);
}

/* Open box as kind, bound to bind; the body must come out as want (if
 * not NULL), and the output be left empty on an error. */
static int
box_try(const struct bk_keys *k, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *box, size_t len, const uint8_t *want,
    size_t wlen)
{
	struct coffer_buf *body = coffer_buf_new_secret(1 << 20);
	int r;

	if (body == NULL || coffer_buf_append(body, "x", 1) != 0)
		abort();
	r = bk_box_open(k, &kind, bind, bindlen, box, len, body);
	if (r != 0 && coffer_buf_len(body) != 0)
		r = COFFER_ERR_INTERNAL;
	if (r == 0 && want != NULL && (coffer_buf_len(body) != wlen ||
	    (wlen > 0 && memcmp(coffer_buf_data(body), want, wlen) != 0)))
		r = COFFER_ERR_INTERNAL;
	coffer_buf_free(&body);
	return r;
}

static int
check_box(const struct vec *v)
{
	struct bk_keys *k = bv_vkeys(v);
	struct coffer_buf *mine = coffer_buf_new(1 << 20);
	uint8_t *box = NULL, *bind = NULL, *body = NULL, nonce[BK_NONCE];
	uint64_t kind, total;
	size_t boxl, bindl, bodyl = 0;
	int expect, bad = 1;

	if (k == NULL || mine == NULL || vec_err(v, "expect", &expect) ||
	    vec_u64(v, "kind", &kind) || kind > 255 ||
	    vec_hex(v, "bind", &bind, &bindl) || vec_hex(v, "box", &box, &boxl))
		goto out;
	if (expect == 0 && (vec_hex(v, "body", &body, &bodyl) ||
	    vec_u64(v, "total", &total) || total < bodyl + BK_BOX_OVER ||
	    vec_hexn(v, "nonce", nonce, BK_NONCE) ||
	    bk_box_seal_det(k, (uint8_t)kind, bind, bindl, body, bodyl,
	    (size_t)total, nonce, mine) != 0 || coffer_buf_len(mine) != boxl ||
	    memcmp(coffer_buf_data(mine), box, boxl) != 0))
		goto out;
	bad = box_try(k, (uint8_t)kind, bind, bindl, box, boxl,
	    expect == 0 ? body : NULL, bodyl) != expect;
out:
	bk_keys_free(&k);
	coffer_buf_free(&mine);
	free(box); free(bind); free(body);
	return bad;
}

/* Apply edit e to its good box and open it as e says: the error. */
static int
box_reject(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *b)
{
	uint8_t z2[32], nonce[BK_NONCE], bind[BK_ID], other[BK_ID];
	struct bk_keys *k = bv_keys(zone), *k2;
	size_t bl = gboxes[e->base].bindlen;
	int r;

	box_make(k, (size_t)e->base, e, nonce, bind, b);
	bv_zone(e, zone, z2);
	k2 = bv_keys(z2);
	r = box_try(k2, e->op == BV_KIND ? (uint8_t)e->arg :
	    gboxes[e->base].kind, bv_bind(e, bind, other, bl), bl,
	    coffer_buf_data(b), coffer_buf_len(b), NULL, 0);
	bk_keys_free(&k);
	bk_keys_free(&k2);
	return r;
}

static int
w_box(FILE *f)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	uint8_t zone[32], z2[32], nonce[BK_NONCE], bind[BK_ID], other[BK_ID];
	uint8_t body[64], kind;
	const uint8_t *ob;
	struct bk_keys *k;
	char name[32];
	size_t i, bl;
	int r;

	bv_fill(zone, 32, 0x11);
	k = bv_keys(zone);
	fprintf(f, "# Boxes: version | nonce | AEAD(K_meta, AD = version | "
	    "bind) of kind | body length\n# | body | zero padding. Good ones "
	    "reseal from kind, bind, body, total, nonce.\n");
	for (i = 0; i < BV_COUNT(gboxes); i++) {
		box_make(k, i, NULL, nonce, bind, b);
		box_body(i, body);
		snprintf(name, sizeof(name), "kind-%u-body-%zu",
		    gboxes[i].kind, gboxes[i].len);
		vec_w_begin(f, name);
		vec_w_hex(f, "zone_key", zone, 32);
		vec_w_u64(f, "kind", gboxes[i].kind);
		vec_w_hex(f, "bind", bind, gboxes[i].bindlen);
		vec_w_hex(f, "nonce", nonce, BK_NONCE);
		vec_w_hex(f, "body", body, gboxes[i].len);
		vec_w_u64(f, "total", gboxes[i].total);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "box", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	for (i = 0; i < BV_COUNT(box_edits); i++) {
		const struct bv_edit *e = &box_edits[i];

		r = box_reject(zone, e, b);
		box_make(k, (size_t)e->base, NULL, nonce, bind, b);
		bl = gboxes[e->base].bindlen;
		ob = bv_bind(e, bind, other, bl);
		kind = e->op == BV_KIND ? (uint8_t)e->arg :
		    gboxes[e->base].kind;
		bv_zone(e, zone, z2);
		box_make(k, (size_t)e->base, e, nonce, bind, b);
		if (r != e->expect) {
			fprintf(stderr, "box %s: got %s\n", e->name,
			    vec_errword(r));
			return -1;
		}
		vec_w_begin(f, e->name);
		vec_w_hex(f, "zone_key", z2, 32);
		vec_w_u64(f, "kind", kind);
		vec_w_hex(f, "bind", ob, bl);
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_hex(f, "box", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	bk_keys_free(&k);
	coffer_buf_free(&b);
	return 0;
}

/* ---- the tests ---- */

static void
test_keys_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-keys.txt", check_keys, 5);
}

static void
test_chunk_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-chunk.txt", check_chunk, 15);
}

static void
test_box_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-box.txt", check_box, 15);
}

/* The rejection tables, live: fresh keys, each edit its exact error. */
static void
test_rejections(void **state)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	uint8_t zone[32], id[BK_ID], type;
	size_t i, rlen;

	(void)state;
	assert_non_null(b);
	randombytes_buf(zone, 32);
	for (i = 0; i < BV_COUNT(chunk_edits); i++) {
		assert_int_equal(chunk_edit(zone, &chunk_edits[i], b, id,
		    &type, &rlen), chunk_edits[i].expect);
	}
	for (i = 0; i < BV_COUNT(box_edits); i++) {
		assert_int_equal(box_reject(zone, &box_edits[i], b),
		    box_edits[i].expect);
	}
	coffer_buf_free(&b);
}

static int
write_vectors(const char *dir)
{
	static const struct bv_file files[] = {
		{ "backup-keys.txt", w_keys }, { "backup-chunk.txt", w_chunk },
		{ "backup-box.txt", w_box },
	};

	return bv_write_files(dir, files, BV_COUNT(files));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_vectors),
		cmocka_unit_test(test_chunk_vectors),
		cmocka_unit_test(test_box_vectors),
		cmocka_unit_test(test_rejections),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("backup_format", tests, NULL,
	    NULL);
}
