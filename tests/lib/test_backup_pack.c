/* Packs and index segments (docs/PROTOCOL-backup.md, "Pack", "Index
 * segment"): known-answer vectors (tests/vectors/backup-pack.txt,
 * backup-segment.txt, written by --write-vectors) in both formats (2,
 * naming the key version; 1, from before key rolls) and mixed, and the
 * table of each parser's rejections, each with its precise error; the
 * same tables make the bad vectors. */
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
#include "core/padme.h"
#include "core/sysendian.h"

#define PACK_ENT	(BK_ID + 9)
#define SEG_ENT		(BK_ID + 13)

/* ---- packs ---- */

/* Good packs: chunk types, lengths (raw: under 64 bytes) and formats, the
 * ring, the header's format and the pack's layout (1: the header's
 * length in clear, as written before the footer; 2: the footer). Pack 0
 * is written after a roll (key version 2, ids of version 1); pack 3
 * before key rolls (format 1 throughout); pack 4 as prune repacks after a
 * roll (a format-1 chunk copied as it was beside a new one, under a new
 * header); packs 5 to 8 are packs 0, 1, 2 and 4 in layout 2, as written
 * now. */
static const struct {
	size_t n; uint8_t type[2]; size_t len[2]; int fmt[2];
	unsigned mask; int hfmt; int layout;
} gpacks[] = {
	{ 2, { BK_DATA, BK_TREE }, { 50, 30 }, { BK_FORMAT, BK_FORMAT },
	    BV_V(1) | BV_V(2), BK_FORMAT, 1 },
	{ 1, { BK_DATA, 0 }, { 1, 0 }, { BK_FORMAT, 0 }, BV_V(1), BK_FORMAT,
	    1 },
	{ 0, { 0, 0 }, { 0, 0 }, { 0, 0 }, BV_V(2), BK_FORMAT, 1 },
	{ 2, { BK_DATA, BK_TREE }, { 50, 30 }, { BK_FORMAT_V1, BK_FORMAT_V1 },
	    BV_V(1), BK_FORMAT_V1, 1 },
	{ 2, { BK_DATA, BK_TREE }, { 50, 30 }, { BK_FORMAT_V1, BK_FORMAT },
	    BV_V(1) | BV_V(2), BK_FORMAT, 1 },
	{ 2, { BK_DATA, BK_TREE }, { 50, 30 }, { BK_FORMAT, BK_FORMAT },
	    BV_V(1) | BV_V(2), BK_FORMAT, 2 },
	{ 1, { BK_DATA, 0 }, { 1, 0 }, { BK_FORMAT, 0 }, BV_V(1), BK_FORMAT,
	    2 },
	{ 0, { 0, 0 }, { 0, 0 }, { 0, 0 }, BV_V(2), BK_FORMAT, 2 },
	{ 2, { BK_DATA, BK_TREE }, { 50, 30 }, { BK_FORMAT_V1, BK_FORMAT },
	    BV_V(1) | BV_V(2), BK_FORMAT, 2 },
};
#define PK_V1	3
#define PK_L2	5	/* pack 0 in layout 2 */

static const struct bv_edit pack_edits[] = {
	{ "too-short", 0, BV_OUTER, BV_CUT, 3, 0, COFFER_ERR_TRUNCATED },
	{ "box-length-over", 0, BV_OUTER, BV_SET32, -4, 0xffffff,
	    COFFER_ERR_TRUNCATED },
	{ "box-length-zero", 0, BV_OUTER, BV_SET32, -4, 0,
	    COFFER_ERR_TRUNCATED },
	/* Pack 0's header box is 136 bytes: one less starts it at the
	 * key version's zero byte. */
	{ "box-length-one-short", 0, BV_OUTER, BV_SET32, -4, 135,
	    COFFER_ERR_VERSION },
	{ "header-tag-byte", 0, BV_OUTER, BV_XOR, -5, 1, COFFER_ERR_AUTH },
	{ "moved-to-other-id", 0, BV_OUTER, BV_BIND, 0, 0, COFFER_ERR_AUTH },
	{ "other-key", 0, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "ring-lacks-key-version", 0, BV_OUTER, BV_RING, 0, BV_V(1),
	    COFFER_ERR_KEY },
	{ "header-kind-segment", 0, BV_PLAIN, BV_SET, 0, BK_KIND_SEGMENT,
	    COFFER_ERR_CONTEXT },
	{ "count-over-cap", 0, BV_BODY, BV_SET32, 0, BK_PACK_ENTRIES_MAX + 1,
	    COFFER_ERR_TOOBIG },
	{ "count-short", 0, BV_BODY, BV_SET32, 0, 1, COFFER_ERR_TRAILING },
	{ "count-long", 0, BV_BODY, BV_SET32, 0, 3, COFFER_ERR_TRUNCATED },
	{ "entries-do-not-tile", 0, BV_BODY, BV_XOR, 4 + PACK_ENT + 36, 1,
	    COFFER_ERR_FORMAT },
	{ "entry-type-2", 0, BV_BODY, BV_SET, 4 + BK_ID, 2,
	    COFFER_ERR_FORMAT },
	{ "entry-under-overhead", 0, BV_BODY, BV_SET32, 4 + 33,
	    BK_CHUNK_OVER_V1 - 1, COFFER_ERR_FORMAT },
	{ "raw-length-over-cap", 0, BV_BODY, BV_SET32, 4 + 37,
	    (uint32_t)BK_CHUNK_MAX + 1, COFFER_ERR_FORMAT },
	{ "v1-header-tag-byte", PK_V1, BV_OUTER, BV_XOR, -5, 1,
	    COFFER_ERR_AUTH },
	{ "v1-ring-lacks-version-1", PK_V1, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_KEY },
	{ "v1-count-long", PK_V1, BV_BODY, BV_SET32, 0, 3,
	    COFFER_ERR_TRUNCATED },
	/* Layout 2: the footer's tag, the tail (then read as layout 1: a
	 * length past the start), the header's tag before the footer, a
	 * footer moved to another pack or under another key, the ring
	 * lacking the footer's version, the edits inside the header. */
	{ "l2-too-short", PK_L2, BV_OUTER, BV_CUT, BK_PACK_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "l2-footer-tag-byte", PK_L2, BV_OUTER, BV_XOR, -5, 1,
	    COFFER_ERR_AUTH },
	{ "l2-tail-byte", PK_L2, BV_OUTER, BV_XOR, -1, 1,
	    COFFER_ERR_TRUNCATED },
	{ "l2-footer-cut", PK_L2, BV_OUTER, BV_CUT, -(BK_PACK_OVER + 1), 0,
	    COFFER_ERR_TRUNCATED },
	{ "l2-header-tag-byte", PK_L2, BV_OUTER, BV_XOR, -(BK_PACK_OVER + 1),
	    1, COFFER_ERR_AUTH },
	{ "l2-moved-to-other-id", PK_L2, BV_OUTER, BV_BIND, 0, 0,
	    COFFER_ERR_AUTH },
	{ "l2-other-key", PK_L2, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "l2-ring-lacks-key-version", PK_L2, BV_OUTER, BV_RING, 0, BV_V(1),
	    COFFER_ERR_KEY },
	{ "l2-header-kind-segment", PK_L2, BV_PLAIN, BV_SET, 0,
	    BK_KIND_SEGMENT, COFFER_ERR_CONTEXT },
	{ "l2-count-long", PK_L2, BV_BODY, BV_SET32, 0, 3,
	    COFFER_ERR_TRUNCATED },
	{ "l2-entries-do-not-tile", PK_L2, BV_BODY, BV_XOR,
	    4 + PACK_ENT + 36, 1, COFFER_ERR_FORMAT },
};

/* Seal one chunk of format under kr, appended to out; its entry to e. */
static void
pack_chunk(const struct bk_keyring *kr, int format, uint8_t type,
    const uint8_t *p, size_t len, const uint8_t nonce[BK_NONCE],
    struct bk_entry *e, struct coffer_buf *out)
{
	struct coffer_buf *one = coffer_buf_new(1024);
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	uint8_t *s;
	size_t slen;

	if (one == NULL || bk_zctx_new(&z, 1) != 0 ||
	    bk_hmac_new(&h, bk_keyring_oldest(kr)) != 0 ||
	    bk_hmac(h, p, len, e->id) != 0)
		abort();
	if (format == BK_FORMAT_V1)
		bv_chunk_v1(kr, e->id, type, p, len, nonce, one);
	else if (coffer_buf_extend(one, bk_chunk_bound(len), &s) != 0 ||
	    bk_chunk_seal_det(z, kr, e->id, type, p, len, nonce, s,
	    &slen) != 0)
		abort();
	else
		coffer_buf_truncate(one, slen);
	e->type = type;
	e->offset = (uint32_t)coffer_buf_len(out);
	e->slen = (uint32_t)coffer_buf_len(one);
	e->rlen = (uint32_t)len;
	if (coffer_buf_append(out, coffer_buf_data(one),
	    coffer_buf_len(one)) != 0)
		abort();
	coffer_buf_free(&one);
	bk_zctx_free(&z);
	bk_hmac_free(&h);
}

/* Append the header of format over the chunks in out (edit e, may be
 * NULL) in layout: the library's for format 2 in layout 2, else crafted
 * with its padding rule (and, in layout 2, the footer and tail). */
static void
pack_header(const struct bk_keyring *kr, int layout, int hfmt,
    const uint8_t packid[BK_ID], const struct bk_entry *ent, size_t n,
    const uint8_t nonce[BK_NONCE], const struct bv_edit *e,
    struct coffer_buf *out)
{
	struct coffer_buf *hdr = coffer_buf_new(1024);
	size_t j, chunks = coffer_buf_len(out), total;
	size_t over = layout == 2 ? BK_PACK_OVER : 4;
	uint8_t flen[4], fnonce[BK_NONCE];

	if (hdr == NULL || coffer_buf_put_u32(hdr, (uint32_t)n) != 0)
		abort();
	for (j = 0; j < n; j++)
		if (coffer_buf_append(hdr, ent[j].id, BK_ID) != 0 ||
		    coffer_buf_put_u8(hdr, ent[j].type) != 0 ||
		    coffer_buf_put_u32(hdr, ent[j].slen) != 0 ||
		    coffer_buf_put_u32(hdr, ent[j].rlen) != 0)
			abort();
	if (layout == 2 && hfmt == BK_FORMAT &&
	    (e == NULL || e->layer == BV_OUTER)) {
		if (bk_pack_trailer_det(kr, packid, ent, n, chunks, nonce,
		    out) != 0)
			abort();
	} else {
		total = (size_t)padme_bucket(chunks + (hfmt == BK_FORMAT ?
		    BK_BOX_OVER : BK_BOX_OVER_V1) + coffer_buf_len(hdr) +
		    over) - chunks - over;
		bv_box(kr, hfmt, BK_KIND_PACK, packid, BK_ID,
		    coffer_buf_data(hdr), coffer_buf_len(hdr), total, nonce, e,
		    out);
		if (layout == 1 && coffer_buf_put_u32(out,
		    (uint32_t)(coffer_buf_len(out) - chunks)) != 0)
			abort();
		if (layout == 2) {
			be32enc(flen, (uint32_t)(coffer_buf_len(out) - chunks));
			memcpy(fnonce, nonce, BK_NONCE);
			fnonce[BK_NONCE - 1] ^= 0xff;
			if (bk_box_seal_det(kr, BK_KIND_FOOTER, packid, BK_ID,
			    flen, 4, BK_PACK_FOOTER, fnonce, out) != 0 ||
			    coffer_buf_append(out,
			    (const uint8_t *)BK_PACK_TAIL,
			    BK_PACK_TAIL_LEN) != 0)
				abort();
		}
	}
	coffer_buf_free(&hdr);
}

/* Pack i into out, with edit e (may be NULL); its id to packid. */
static void
pack_make(const uint8_t zone[32], size_t i, const struct bv_edit *e,
    uint8_t packid[BK_ID], struct coffer_buf *out)
{
	struct bk_keyring *kr = bv_ring(zone, gpacks[i].mask);
	struct bk_entry ent[2];
	uint8_t p[64], nonce[BK_NONCE];
	size_t j;

	bv_fill(packid, BK_ID, (uint8_t)(0xc0 + i));
	coffer_buf_reset(out);
	for (j = 0; j < gpacks[i].n; j++) {
		bv_fill(p, gpacks[i].len[j], (uint8_t)(0xd0 + 2 * i + j));
		bv_fill(nonce, BK_NONCE, (uint8_t)(0xe0 + 2 * i + j));
		pack_chunk(kr, gpacks[i].fmt[j], gpacks[i].type[j], p,
		    gpacks[i].len[j], nonce, &ent[j], out);
	}
	bv_fill(nonce, BK_NONCE, (uint8_t)(0xf0 + i));
	pack_header(kr, gpacks[i].layout, gpacks[i].hfmt, packid, ent,
	    gpacks[i].n, nonce, e, out);
	if (e != NULL && e->layer == BV_OUTER)
		bv_apply(out, e);
	bk_keyring_free(&kr);
}

/* Parse pack as packid; 0 or the error, the entries to *e, *n. */
static int
pack_try(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const uint8_t *p, size_t len, struct bk_entry **e, size_t *n)
{
	*e = NULL;
	*n = 0;
	return bk_pack_parse(kr, packid, p, len, e, n);
}

/* Apply edit e to its good pack and parse: the error. */
static int
pack_reject(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *b, uint8_t packid[BK_ID], struct bv_opener *op)
{
	struct bk_keyring *kr;
	struct bk_entry *ent;
	uint8_t other[BK_ID];
	size_t n;
	int r;

	pack_make(zone, (size_t)e->base, e, packid, b);
	memcpy(packid, bv_bind(e, packid, other, BK_ID), BK_ID);
	bv_opener(e, zone, gpacks[e->base].mask, op);
	kr = bv_opener_ring(op);
	r = pack_try(kr, packid, coffer_buf_data(b), coffer_buf_len(b), &ent,
	    &n);
	free(ent);
	bk_keyring_free(&kr);
	return r;
}

/* Rebuild a good pack from the vector's chunks and compare; each chunk
 * the parsed header names opens to its plaintext. */
static int
pack_rebuild(const struct vec *v, const struct bk_keyring *kr,
    const uint8_t packid[BK_ID], const uint8_t *pack, size_t len,
    const struct bk_entry *got, size_t ngot)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	struct bk_entry e[2];
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	uint8_t nonce[BK_NONCE], *pt = NULL, out[64];
	uint64_t n, type, fmt, layout;
	size_t i, ptl;
	char f[32];
	int bad = 1;

	if (b == NULL || vec_u64(v, "nchunks", &n) || n != ngot || n > 2 ||
	    bk_zctx_new(&z, 1) != 0 ||
	    bk_hmac_new(&h, bk_keyring_oldest(kr)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "c%zu_format", i);
		if (vec_u64(v, f, &fmt) || (fmt != BK_FORMAT &&
		    fmt != BK_FORMAT_V1))
			goto out;
		snprintf(f, sizeof(f), "c%zu_type", i);
		if (vec_u64(v, f, &type) || type > 255)
			goto out;
		snprintf(f, sizeof(f), "c%zu_nonce", i);
		if (vec_hexn(v, f, nonce, BK_NONCE))
			goto out;
		snprintf(f, sizeof(f), "c%zu_plaintext", i);
		free(pt);
		pt = NULL;
		if (vec_hex(v, f, &pt, &ptl) || ptl > sizeof(out))
			goto out;
		pack_chunk(kr, (int)fmt, (uint8_t)type, pt, ptl, nonce, &e[i],
		    b);
		/* The parsed entry names this chunk, which opens. */
		if (!bv_entry_eq(&got[i], &e[i]) ||
		    bk_chunk_open(z, h, kr, e[i].id, e[i].type,
		    pack + e[i].offset, e[i].slen, e[i].rlen, out) != 0 ||
		    (ptl > 0 && memcmp(out, pt, ptl) != 0))
			goto out;
	}
	if (vec_hexn(v, "header_nonce", nonce, BK_NONCE) ||
	    vec_u64(v, "header_format", &fmt) || (fmt != BK_FORMAT &&
	    fmt != BK_FORMAT_V1) || vec_u64(v, "pack_format", &layout) ||
	    (layout != 1 && layout != 2))
		goto out;
	pack_header(kr, (int)layout, (int)fmt, packid, e, n, nonce, NULL, b);
	bad = coffer_buf_len(b) != len ||
	    memcmp(coffer_buf_data(b), pack, len) != 0;
out:
	coffer_buf_free(&b);
	bk_zctx_free(&z);
	bk_hmac_free(&h);
	free(pt);
	return bad;
}

static int
check_pack(const struct vec *v)
{
	struct bk_keyring *kr = bv_vring(v);
	struct bk_entry *e = NULL;
	uint8_t packid[BK_ID], *pack = NULL;
	size_t len, n;
	int expect, bad = 1;

	if (kr == NULL || vec_err(v, "expect", &expect) ||
	    vec_hexn(v, "pack_id", packid, BK_ID) ||
	    vec_hex(v, "pack", &pack, &len))
		goto out;
	if (pack_try(kr, packid, pack, len, &e, &n) != expect)
		goto out;
	bad = expect == 0 && pack_rebuild(v, kr, packid, pack, len, e, n);
out:
	bk_keyring_free(&kr);
	free(e);
	free(pack);
	return bad;
}

static int
w_pack(FILE *f)
{
	static const char *const names[] = { "pack-2-chunks-key-2-id-1",
	    "pack-1-chunks", "pack-0-chunks-key-2", "v1-pack-2-chunks",
	    "mixed-pack-v1-chunk-and-key-2-chunk",
	    "l2-pack-2-chunks-key-2-id-1", "l2-pack-1-chunks",
	    "l2-pack-0-chunks-key-2", "l2-mixed-pack-v1-chunk-and-key-2-chunk" };
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	uint8_t zone[32], packid[BK_ID], p[64], nonce[BK_NONCE];
	char fl[32];
	size_t i, j;

	bv_fill(zone, 32, 0x11);
	fprintf(f, "# Packs: stored chunks | header box (kind 1, bound to the "
	    "pack id) | box length (pack_format 1),\n# or stored chunks | "
	    "header box | footer box (kind 5, bound to the pack id,\n# "
	    "body: the header box's length) | ff 63 70 02 (pack_format 2)."
	    "\n# Good ones rebuild from the ring, the "
	    "chunks' format, type, nonce,\n# plaintext and the header's "
	    "format and nonce (the footer's: its last byte\n# complemented). "
	    "Formats 1 and 2 mix in a pack\n# that prune "
	    "rewrote after a key roll.\n");
	for (i = 0; i < BV_COUNT(gpacks); i++) {
		pack_make(zone, i, NULL, packid, b);
		vec_w_begin(f, names[i]);
		bv_w_ring(f, zone, gpacks[i].mask);
		vec_w_hex(f, "pack_id", packid, BK_ID);
		vec_w_u64(f, "nchunks", gpacks[i].n);
		for (j = 0; j < gpacks[i].n; j++) {
			snprintf(fl, sizeof(fl), "c%zu_format", j);
			vec_w_u64(f, fl, (uint64_t)gpacks[i].fmt[j]);
			snprintf(fl, sizeof(fl), "c%zu_type", j);
			vec_w_u64(f, fl, gpacks[i].type[j]);
			snprintf(fl, sizeof(fl), "c%zu_nonce", j);
			bv_fill(nonce, BK_NONCE, (uint8_t)(0xe0 + 2 * i + j));
			vec_w_hex(f, fl, nonce, BK_NONCE);
			snprintf(fl, sizeof(fl), "c%zu_plaintext", j);
			bv_fill(p, gpacks[i].len[j], (uint8_t)(0xd0 + 2 * i + j));
			vec_w_hex(f, fl, p, gpacks[i].len[j]);
		}
		vec_w_u64(f, "header_format", (uint64_t)gpacks[i].hfmt);
		vec_w_u64(f, "pack_format", (uint64_t)gpacks[i].layout);
		bv_fill(nonce, BK_NONCE, (uint8_t)(0xf0 + i));
		vec_w_hex(f, "header_nonce", nonce, BK_NONCE);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "pack", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	coffer_buf_free(&b);
	return bv_w_bad(f, pack_edits, BV_COUNT(pack_edits), pack_reject,
	    "pack_id", "pack");
}

/* ---- index segments ---- */

/* The good segment: pack 0 (2 entries), pack 1 (1 entry); ids that
 * differ in their first byte only, so one edit makes them equal. */
static const struct bk_entry gseg_e[3] = {
	{ { 0 }, BK_DATA, 0, 100, 80 }, { { 0 }, BK_TREE, 100, 60, 200 },
	{ { 0 }, BK_DATA, 10, BK_CHUNK_OVER, 0 },
};
#define SEG_P1	(4 + BK_ID + 8 + 2 * SEG_ENT)	/* pack 1's offset */

/* Good segments: two packs (a ring of version 1), none (of version 2),
 * two packs in format 1. */
static const struct { size_t npacks; unsigned mask; int format; } gsegs[] = {
	{ 2, BV_V(1), BK_FORMAT }, { 0, BV_V(2), BK_FORMAT },
	{ 2, BV_V(1), BK_FORMAT_V1 },
};
#define SG_V1	2

static const struct bv_edit seg_edits[] = {
	{ "truncated", 0, BV_OUTER, BV_CUT, BK_BOX_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "cut-one", 0, BV_OUTER, BV_CUT, -1, 0, COFFER_ERR_AUTH },
	{ "moved-to-other-id", 0, BV_OUTER, BV_BIND, 0, 0, COFFER_ERR_AUTH },
	{ "other-key", 0, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "kind-index", 0, BV_PLAIN, BV_SET, 0, BK_KIND_INDEX,
	    COFFER_ERR_CONTEXT },
	{ "padding-nonzero", 0, BV_PLAIN, BV_XOR, -1, 1, COFFER_ERR_FORMAT },
	{ "packs-unsorted", 0, BV_BODY, BV_SET, SEG_P1, 0x05,
	    COFFER_ERR_FORMAT },
	{ "packs-duplicate", 0, BV_BODY, BV_SET, SEG_P1, 0x10,
	    COFFER_ERR_FORMAT },
	{ "entries-overlap", 0, BV_BODY, BV_SET32, 4 + 40 + SEG_ENT + 33, 99,
	    COFFER_ERR_FORMAT },
	{ "entry-past-pack", 0, BV_BODY, BV_SET32, 4 + BK_ID, 159,
	    COFFER_ERR_FORMAT },
	{ "entry-type-2", 0, BV_BODY, BV_SET, 4 + 40 + BK_ID, 2,
	    COFFER_ERR_FORMAT },
	{ "npacks-over-cap", 0, BV_BODY, BV_SET32, 0, BK_SEG_ENTRIES_MAX + 1,
	    COFFER_ERR_TOOBIG },
	{ "npacks-short", 0, BV_BODY, BV_SET32, 0, 1, COFFER_ERR_TRAILING },
	{ "count-long", 0, BV_BODY, BV_SET32, SEG_P1 + 36, 2,
	    COFFER_ERR_TRUNCATED },
	{ "count-over-cap", 0, BV_BODY, BV_SET32, SEG_P1 + 36,
	    BK_SEG_ENTRIES_MAX, COFFER_ERR_TOOBIG },
	{ "trailing-byte", 0, BV_BODY, BV_ADD, 0, 0, COFFER_ERR_TRAILING },
	{ "ring-lacks-key-version", 0, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_KEY },
	{ "key-version-0", 0, BV_OUTER, BV_SET32, 1, 0, COFFER_ERR_FORMAT },
	{ "v1-truncated", SG_V1, BV_OUTER, BV_CUT, BK_BOX_OVER_V1 - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "v1-cut-one", SG_V1, BV_OUTER, BV_CUT, -1, 0, COFFER_ERR_AUTH },
	{ "v1-ring-lacks-version-1", SG_V1, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_KEY },
	{ "v1-packs-unsorted", SG_V1, BV_BODY, BV_SET, SEG_P1, 0x05,
	    COFFER_ERR_FORMAT },
};

static void
seg_packs(struct bk_seg_pack sp[2], struct bk_entry e[3])
{
	size_t i;

	memcpy(e, gseg_e, sizeof(gseg_e));
	for (i = 0; i < 3; i++)
		bv_fill(e[i].id, BK_ID, (uint8_t)(0x30 + i));
	memset(sp, 0, 2 * sizeof(*sp));
	bv_fill(sp[0].id, BK_ID, 0x44);
	bv_fill(sp[1].id, BK_ID, 0x44);
	sp[0].id[0] = 0x10;
	sp[1].id[0] = 0x20;
	sp[0].len = 1000;
	sp[1].len = 500;
	sp[0].e = e;
	sp[0].n = 2;
	sp[1].e = e + 2;
	sp[1].n = 1;
}

/* Seal the segment of packs sp[0..n) as segid in format: the library's
 * for format 2 (then an edit of the plaintext or body reseals it, as
 * crafted); format 1 crafted with its padding rule. 0, or -1 when the
 * library refuses the packs. */
static int
seg_seal(const struct bk_keyring *kr, int format, const uint8_t segid[BK_ID],
    const struct bk_seg_pack *sp, size_t n, const uint8_t nonce[BK_NONCE],
    const struct bv_edit *e, struct coffer_buf *out)
{
	struct coffer_buf *body = coffer_buf_new(1 << 20);
	uint8_t kind = BK_KIND_SEGMENT;
	size_t total;

	coffer_buf_reset(out);
	if (body == NULL)
		abort();
	if (bk_seg_encode_det(kr, segid, sp, n, nonce, out) != 0) {
		coffer_buf_free(&body);
		return -1;
	}
	if (format == BK_FORMAT && (e == NULL || e->layer == BV_OUTER)) {
		coffer_buf_free(&body);
		return 0;
	}
	/* The body is the box's plaintext minus kind and length. */
	total = coffer_buf_len(out);
	if (bk_box_open(kr, &kind, segid, BK_ID, coffer_buf_data(out), total,
	    body) != 0)
		abort();
	if (format == BK_FORMAT_V1)
		total = (size_t)padme_bucket(BK_BOX_OVER_V1 + coffer_buf_len(body));
	coffer_buf_reset(out);
	bv_box(kr, format, BK_KIND_SEGMENT, segid, BK_ID,
	    coffer_buf_data(body), coffer_buf_len(body), total, nonce,
	    e != NULL && e->layer != BV_OUTER ? e : NULL, out);
	coffer_buf_free(&body);
	return 0;
}

/* Segment i with edit e, into out. */
static void
seg_make(const uint8_t zone[32], size_t i, const struct bv_edit *e,
    uint8_t segid[BK_ID], struct coffer_buf *out)
{
	struct bk_keyring *kr = bv_ring(zone, gsegs[i].mask);
	struct bk_seg_pack sp[2];
	struct bk_entry ent[3];
	uint8_t nonce[BK_NONCE];

	seg_packs(sp, ent);
	bv_fill(segid, BK_ID, (uint8_t)(0x60 + i));
	bv_fill(nonce, BK_NONCE, (uint8_t)(0x68 + i));
	if (seg_seal(kr, gsegs[i].format, segid, sp, gsegs[i].npacks, nonce,
	    e, out) != 0)
		abort();
	if (e != NULL && e->layer == BV_OUTER)
		bv_apply(out, e);
	bk_keyring_free(&kr);
}

struct seg_got {
	struct bk_seg_pack	p[2];
	struct bk_entry		e[3];
	size_t			np, ne;
};

static int
seg_collect(void *arg, const struct bk_seg_pack *p)
{
	struct seg_got *g = arg;
	size_t i;

	if (g->np == 2 || g->ne + p->n > 3)
		return COFFER_ERR_INTERNAL;
	g->p[g->np] = *p;
	g->p[g->np].e = g->e + g->ne;
	for (i = 0; i < p->n; i++)
		g->e[g->ne++] = p->e[i];
	g->np++;
	return 0;
}

static int
seg_try(const struct bk_keyring *kr, const uint8_t segid[BK_ID],
    const uint8_t *p, size_t len, struct seg_got *g)
{
	memset(g, 0, sizeof(*g));
	return bk_seg_decode(kr, segid, p, len, seg_collect, g);
}

static int
seg_reject(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *b, uint8_t segid[BK_ID], struct bv_opener *op)
{
	struct bk_keyring *kr;
	struct seg_got g;
	uint8_t other[BK_ID];
	int r;

	seg_make(zone, (size_t)e->base, e, segid, b);
	memcpy(segid, bv_bind(e, segid, other, BK_ID), BK_ID);
	bv_opener(e, zone, gsegs[e->base].mask, op);
	kr = bv_opener_ring(op);
	r = seg_try(kr, segid, coffer_buf_data(b), coffer_buf_len(b), &g);
	bk_keyring_free(&kr);
	return r;
}

/* The vector's packs and entries, as fields p<i>_..., e<i>_<j>_... */
static int
seg_fields(const struct vec *v, struct bk_seg_pack sp[2], struct bk_entry e[3],
    size_t *np)
{
	uint64_t n, x[5];
	size_t i, j, ne = 0, m;
	char f[80];
	static const char *const names[] = { "type", "offset", "slen", "rlen",
	    "len" };

	if (vec_u64(v, "npacks", &n) || n > 2)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "p%zu_id", i);
		if (vec_hexn(v, f, sp[i].id, BK_ID))
			return -1;
		snprintf(f, sizeof(f), "p%zu_len", i);
		if (vec_u64(v, f, &x[4]) || x[4] > UINT32_MAX)
			return -1;
		snprintf(f, sizeof(f), "p%zu_count", i);
		if (vec_u64(v, f, &x[0]) || x[0] > 3 - ne)
			return -1;
		sp[i].len = (uint32_t)x[4];
		sp[i].n = (size_t)x[0];
		sp[i].e = e + ne;
		for (j = 0; j < sp[i].n; j++, ne++) {
			snprintf(f, sizeof(f), "e%zu_%zu_id", i, j);
			if (vec_hexn(v, f, e[ne].id, BK_ID))
				return -1;
			for (m = 0; m < 4; m++) {
				snprintf(f, sizeof(f), "e%zu_%zu_%s", i, j,
				    names[m]);
				if (vec_u64(v, f, &x[m]) || x[m] > UINT32_MAX)
					return -1;
			}
			e[ne].type = (uint8_t)x[0];
			if (x[0] > 255)
				return -1;
			e[ne].offset = (uint32_t)x[1];
			e[ne].slen = (uint32_t)x[2];
			e[ne].rlen = (uint32_t)x[3];
		}
	}
	*np = (size_t)n;
	return 0;
}

static int
check_seg(const struct vec *v)
{
	struct bk_keyring *kr = bv_vring(v);
	struct coffer_buf *mine = coffer_buf_new(1 << 20);
	struct bk_seg_pack sp[2];
	struct bk_entry e[3];
	struct seg_got g;
	uint8_t segid[BK_ID], nonce[BK_NONCE], *seg = NULL;
	uint64_t format;
	size_t len, np, i;
	int expect, bad = 1;

	memset(sp, 0, sizeof(sp));
	if (kr == NULL || mine == NULL || vec_err(v, "expect", &expect) ||
	    vec_hexn(v, "seg_id", segid, BK_ID) ||
	    vec_hex(v, "segment", &seg, &len) ||
	    seg_try(kr, segid, seg, len, &g) != expect)
		goto out;
	if (expect == 0) {
		if (seg_fields(v, sp, e, &np) ||
		    vec_u64(v, "format", &format) || (format != BK_FORMAT &&
		    format != BK_FORMAT_V1) ||
		    vec_hexn(v, "nonce", nonce, BK_NONCE))
			goto out;
		if (seg_seal(kr, (int)format, segid, sp, np, nonce, NULL,
		    mine) != 0 || coffer_buf_len(mine) != len ||
		    memcmp(coffer_buf_data(mine), seg, len) != 0 || g.np != np)
			goto out;
		for (i = 0; i < np; i++)
			if (memcmp(g.p[i].id, sp[i].id, BK_ID) != 0 ||
			    g.p[i].len != sp[i].len || g.p[i].n != sp[i].n)
				goto out;
		for (i = 0; i < g.ne; i++)
			if (!bv_entry_eq(&g.e[i], &e[i]))
				goto out;
	}
	bad = 0;
out:
	bk_keyring_free(&kr);
	coffer_buf_free(&mine);
	free(seg);
	return bad;
}

static void
w_seg_fields(FILE *f, const struct bk_seg_pack *sp, size_t n)
{
	char fl[80];
	size_t i, j;

	vec_w_u64(f, "npacks", n);
	for (i = 0; i < n; i++) {
		snprintf(fl, sizeof(fl), "p%zu_id", i);
		vec_w_hex(f, fl, sp[i].id, BK_ID);
		snprintf(fl, sizeof(fl), "p%zu_len", i);
		vec_w_u64(f, fl, sp[i].len);
		snprintf(fl, sizeof(fl), "p%zu_count", i);
		vec_w_u64(f, fl, sp[i].n);
		for (j = 0; j < sp[i].n; j++) {
			const struct bk_entry *e = &sp[i].e[j];

			snprintf(fl, sizeof(fl), "e%zu_%zu_id", i, j);
			vec_w_hex(f, fl, e->id, BK_ID);
			snprintf(fl, sizeof(fl), "e%zu_%zu_type", i, j);
			vec_w_u64(f, fl, e->type);
			snprintf(fl, sizeof(fl), "e%zu_%zu_offset", i, j);
			vec_w_u64(f, fl, e->offset);
			snprintf(fl, sizeof(fl), "e%zu_%zu_slen", i, j);
			vec_w_u64(f, fl, e->slen);
			snprintf(fl, sizeof(fl), "e%zu_%zu_rlen", i, j);
			vec_w_u64(f, fl, e->rlen);
		}
	}
}

static int
w_seg(FILE *f)
{
	static const char *const names[] = { "two-packs", "empty-key-2",
	    "v1-two-packs" };
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	struct bk_seg_pack sp[2];
	struct bk_entry ent[3];
	uint8_t zone[32], segid[BK_ID], nonce[BK_NONCE];
	size_t i;

	bv_fill(zone, 32, 0x11);
	fprintf(f, "# Index segments: a box (kind 2, bound to the segment id, "
	    "Padme-padded) of\n# npacks | packs (id | len | count | entries "
	    "id | type | offset | slen | rlen),\n# in box format 2 or 1.\n");
	for (i = 0; i < BV_COUNT(gsegs); i++) {
		seg_make(zone, i, NULL, segid, b);
		seg_packs(sp, ent);
		bv_fill(nonce, BK_NONCE, (uint8_t)(0x68 + i));
		vec_w_begin(f, names[i]);
		bv_w_ring(f, zone, gsegs[i].mask);
		vec_w_u64(f, "format", (uint64_t)gsegs[i].format);
		vec_w_hex(f, "seg_id", segid, BK_ID);
		vec_w_hex(f, "nonce", nonce, BK_NONCE);
		w_seg_fields(f, sp, gsegs[i].npacks);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "segment", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	coffer_buf_free(&b);
	return bv_w_bad(f, seg_edits, BV_COUNT(seg_edits), seg_reject,
	    "seg_id", "segment");
}

static void
test_pack_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-pack.txt", check_pack, 15);
}

static void
test_seg_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-segment.txt", check_seg, 15);
}

/* The rejection tables, live: fresh keys, each edit its exact error. */
static void
test_rejections(void **state)
{
	(void)state;
	assert_int_equal(bv_rejections(pack_edits, BV_COUNT(pack_edits),
	    pack_reject), 0);
	assert_int_equal(bv_rejections(seg_edits, BV_COUNT(seg_edits),
	    seg_reject), 0);
}

static int
write_vectors(const char *dir)
{
	static const struct bv_file files[] = {
		{ "backup-pack.txt", w_pack }, { "backup-segment.txt", w_seg },
	};

	return bv_write_files(dir, files, BV_COUNT(files));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_vectors),
		cmocka_unit_test(test_seg_vectors),
		cmocka_unit_test(test_rejections),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("backup_pack", tests, NULL, NULL);
}
