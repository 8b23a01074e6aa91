/* Packs and index segments (docs/PROTOCOL-backup.md, "Pack", "Index
 * segment").
 *
 * pack    = stored chunks back to back | header box | footer box | tail
 *           (format 2: the footer, of fixed size, holds the header box's
 *           length; tail = BK_PACK_TAIL), or
 *           stored chunks | header box | box length (u32) (format 1, read)
 * header  = count (u32) | count x (id 32 | type 1 | slen u32 | rlen u32)
 * segment = box of: npacks (u32) | npacks x (pack id 32 | pack length u32
 *           | count u32 | count x (id 32 | type 1 | offset u32 | slen u32
 *           | rlen u32))
 *
 * The header's padding (inside its box) makes the pack's size a Padmé
 * bucket; a segment box is padded to a bucket too. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/padme.h"
#include "core/reader.h"
#include "core/sysendian.h"

#define PACK_ENT	(BK_ID + 1 + 4 + 4)
#define SEG_ENT		(BK_ID + 1 + 4 + 4 + 4)

static int
entry_valid(const struct bk_entry *e)
{
	return e->type <= BK_TREE && e->slen >= BK_CHUNK_OVER_V1 &&
	    e->rlen <= BK_CHUNK_MAX &&
	    (uint64_t)e->slen <= (uint64_t)e->rlen + BK_CHUNK_OVER;
}

int
bk_pack_trailer(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const struct bk_entry *e, size_t n, size_t chunks_len,
    struct coffer_buf *out)
{
	return bk_pack_trailer_det(kr, packid, e, n, chunks_len, NULL, out);
}

int
bk_pack_trailer_det(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const struct bk_entry *e, size_t n, size_t chunks_len,
    const uint8_t *nonce, struct coffer_buf *out)
{
	struct coffer_buf *body = NULL;
	uint8_t *p, flen[4], fnonce[BK_NONCE];
	size_t i, minimal, total, before;
	int r;

	if (n > BK_PACK_ENTRIES_MAX)
		return COFFER_ERR_TOOBIG;
	if ((body = coffer_buf_new(4 + n * PACK_ENT)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_extend(body, 4 + n * PACK_ENT, &p)) != 0)
		goto out;
	be32enc(p, (uint32_t)n);
	for (i = 0, p += 4; i < n; i++, p += PACK_ENT) {
		memcpy(p, e[i].id, BK_ID);
		p[BK_ID] = e[i].type;
		be32enc(p + BK_ID + 1, e[i].slen);
		be32enc(p + BK_ID + 5, e[i].rlen);
	}
	minimal = BK_BOX_OVER + coffer_buf_len(body);
	total = (size_t)padme_bucket(chunks_len + minimal + BK_PACK_OVER);
	before = coffer_buf_len(out);
	if ((r = bk_box_seal_det(kr, BK_KIND_PACK, packid, BK_ID,
	    coffer_buf_data(body), coffer_buf_len(body),
	    total - chunks_len - BK_PACK_OVER, nonce, out)) != 0)
		goto out;
	be32enc(flen, (uint32_t)(coffer_buf_len(out) - before));
	if (nonce != NULL) {
		memcpy(fnonce, nonce, BK_NONCE);
		fnonce[BK_NONCE - 1] ^= 0xff;
	}
	if ((r = bk_box_seal_det(kr, BK_KIND_FOOTER, packid, BK_ID, flen,
	    sizeof(flen), BK_PACK_FOOTER, nonce != NULL ? fnonce : NULL,
	    out)) != 0 || (r = coffer_buf_append(out,
	    (const uint8_t *)BK_PACK_TAIL, BK_PACK_TAIL_LEN)) != 0)
		coffer_buf_truncate(out, before);
out:
	coffer_buf_free(&body);
	return r;
}

/* Parse an opened header body against chunks_len bytes of chunks. */
static int
pack_body(const uint8_t *p, size_t len, size_t chunks_len,
    struct bk_entry **out, size_t *n)
{
	struct reader rd;
	struct bk_entry *e = NULL;
	uint32_t count, i;
	uint64_t off = 0;
	const uint8_t *q;
	int r;

	reader_init(&rd, p, len);
	if ((r = reader_u32(&rd, &count)) != 0)
		goto out;
	if (count > BK_PACK_ENTRIES_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if (reader_left(&rd) != (size_t)count * PACK_ENT) {
		r = reader_left(&rd) < (size_t)count * PACK_ENT ?
		    COFFER_ERR_TRUNCATED : COFFER_ERR_TRAILING;
		goto out;
	}
	if ((e = calloc(count ? count : 1, sizeof(*e))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((r = reader_bytes(&rd, PACK_ENT, &q)) != 0)
			goto out;
		memcpy(e[i].id, q, BK_ID);
		e[i].type = q[BK_ID];
		e[i].slen = be32dec(q + BK_ID + 1);
		e[i].rlen = be32dec(q + BK_ID + 5);
		e[i].offset = (uint32_t)off;
		if (!entry_valid(&e[i])) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
		off += e[i].slen;
		if (off > chunks_len) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
	}
	if (off != chunks_len) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	*out = e;
	*n = count;
	e = NULL;
out:
	free(e);
	return r;
}

/* A format 2 pack: it ends with the tail. */
static int
pack_v2(const uint8_t *pack, size_t len)
{
	return len >= BK_PACK_OVER && memcmp(pack + len - BK_PACK_TAIL_LEN,
	    BK_PACK_TAIL, BK_PACK_TAIL_LEN) == 0;
}

/* The header box of a pack: its offset and length. Format 2's footer is
 * opened for it (its errors as bk_box_open's); format 1's is in clear. */
static int
pack_box(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const uint8_t *pack, size_t len, size_t *off, size_t *blen)
{
	struct coffer_buf *body = NULL;
	uint8_t kind = BK_KIND_FOOTER;
	size_t over = 4;
	int r;

	if (len < 4)
		return COFFER_ERR_TRUNCATED;
	if (len > COFFER_BSTORE_BLOB_MAX)
		return COFFER_ERR_TOOBIG;
	if (pack_v2(pack, len)) {
		over = BK_PACK_OVER;
		if ((body = coffer_buf_new(BK_PACK_FOOTER)) == NULL)
			return COFFER_ERR_NOMEM;
		if ((r = bk_box_open(kr, &kind, packid, BK_ID, pack + len -
		    BK_PACK_OVER, BK_PACK_FOOTER, body)) == 0 &&
		    coffer_buf_len(body) != 4)
			r = COFFER_ERR_FORMAT;
		if (r == 0)
			*blen = be32dec(coffer_buf_data(body));
		coffer_buf_free(&body);
		if (r != 0)
			return r;
	} else
		*blen = be32dec(pack + len - 4);
	if (*blen > len - over)
		return COFFER_ERR_TRUNCATED;
	if (*blen > BK_PACK_HDR_MAX)
		return COFFER_ERR_TOOBIG;
	*off = len - over - *blen;
	return 0;
}

uint32_t
bk_pack_lacks(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const uint8_t *pack, size_t len)
{
	size_t off, blen;
	uint32_t v;

	if (pack_v2(pack, len) && (v = bk_box_lacks(kr, pack + len -
	    BK_PACK_OVER, BK_PACK_FOOTER)) != 0)
		return v;
	if (pack_box(kr, packid, pack, len, &off, &blen) != 0)
		return 0;
	return bk_box_lacks(kr, pack + off, blen);
}

int
bk_pack_parse(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const uint8_t *pack, size_t len, struct bk_entry **out, size_t *n)
{
	struct coffer_buf *body = NULL;
	uint8_t kind = BK_KIND_PACK;
	size_t off, blen;
	int r;

	if ((r = pack_box(kr, packid, pack, len, &off, &blen)) != 0)
		return r;
	if ((body = coffer_buf_new(blen > 0 ? blen : 1)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = bk_box_open(kr, &kind, packid, BK_ID, pack + off, blen,
	    body)) == 0)
		r = pack_body(coffer_buf_data(body), coffer_buf_len(body), off,
		    out, n);
	coffer_buf_free(&body);
	return r;
}

int
bk_seg_encode(const struct bk_keyring *kr, const uint8_t segid[BK_ID],
    const struct bk_seg_pack *packs, size_t n, struct coffer_buf *out)
{
	return bk_seg_encode_det(kr, segid, packs, n, NULL, out);
}

int
bk_seg_encode_det(const struct bk_keyring *kr, const uint8_t segid[BK_ID],
    const struct bk_seg_pack *packs, size_t n, const uint8_t *nonce,
    struct coffer_buf *out)
{
	struct coffer_buf *body = NULL;
	size_t i, j, total = 0, size;
	uint8_t *p;
	int r = COFFER_ERR_FORMAT;

	for (i = 0; i < n; i++) {
		if (i > 0 && memcmp(packs[i - 1].id, packs[i].id, BK_ID) >= 0)
			return COFFER_ERR_FORMAT;
		for (j = 0; j < packs[i].n; j++) {
			const struct bk_entry *e = &packs[i].e[j];

			if (!entry_valid(e) || (uint64_t)e->offset + e->slen >
			    packs[i].len || (j > 0 && e->offset <
			    packs[i].e[j - 1].offset + packs[i].e[j - 1].slen))
				return COFFER_ERR_FORMAT;
		}
		total += packs[i].n;
	}
	if (total > BK_SEG_ENTRIES_MAX || n > BK_SEG_ENTRIES_MAX)
		return COFFER_ERR_TOOBIG;
	size = 4 + n * (BK_ID + 8) + total * SEG_ENT;
	if ((body = coffer_buf_new(size)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_extend(body, size, &p)) != 0)
		goto out;
	be32enc(p, (uint32_t)n);
	p += 4;
	for (i = 0; i < n; i++) {
		memcpy(p, packs[i].id, BK_ID);
		be32enc(p + BK_ID, packs[i].len);
		be32enc(p + BK_ID + 4, (uint32_t)packs[i].n);
		p += BK_ID + 8;
		for (j = 0; j < packs[i].n; j++, p += SEG_ENT) {
			const struct bk_entry *e = &packs[i].e[j];

			memcpy(p, e->id, BK_ID);
			p[BK_ID] = e->type;
			be32enc(p + BK_ID + 1, e->offset);
			be32enc(p + BK_ID + 5, e->slen);
			be32enc(p + BK_ID + 9, e->rlen);
		}
	}
	r = bk_box_seal_det(kr, BK_KIND_SEGMENT, segid, BK_ID,
	    coffer_buf_data(body), size, (size_t)padme_bucket(BK_BOX_OVER + size),
	    nonce, out);
out:
	coffer_buf_free(&body);
	return r;
}

/* One pass over a segment body: check everything; with fn, also hand
 * each pack to it. */
static int
seg_walk(const uint8_t *p, size_t len, bk_seg_fn fn, void *arg)
{
	struct reader rd;
	struct bk_seg_pack sp;
	uint8_t prev[BK_ID];
	uint32_t npacks, count, i, j;
	uint64_t total = 0, end;
	const uint8_t *q;
	int r;

	memset(&sp, 0, sizeof(sp));
	reader_init(&rd, p, len);
	if ((r = reader_u32(&rd, &npacks)) != 0)
		return r;
	if (npacks > BK_SEG_ENTRIES_MAX)
		return COFFER_ERR_TOOBIG;
	for (i = 0; i < npacks; i++) {
		if ((r = reader_copy(&rd, sp.id, BK_ID)) != 0 ||
		    (r = reader_u32(&rd, &sp.len)) != 0 ||
		    (r = reader_u32(&rd, &count)) != 0)
			goto out;
		if (i > 0 && memcmp(prev, sp.id, BK_ID) >= 0) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
		memcpy(prev, sp.id, BK_ID);
		if ((total += count) > BK_SEG_ENTRIES_MAX) {
			r = COFFER_ERR_TOOBIG;
			goto out;
		}
		if (reader_left(&rd) < (size_t)count * SEG_ENT) {
			r = COFFER_ERR_TRUNCATED;
			goto out;
		}
		if (fn != NULL && (sp.e = calloc(count ? count : 1,
		    sizeof(*sp.e))) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		for (j = 0, end = 0; j < count; j++) {
			struct bk_entry e;

			if ((r = reader_bytes(&rd, SEG_ENT, &q)) != 0)
				goto out;
			memcpy(e.id, q, BK_ID);
			e.type = q[BK_ID];
			e.offset = be32dec(q + BK_ID + 1);
			e.slen = be32dec(q + BK_ID + 5);
			e.rlen = be32dec(q + BK_ID + 9);
			if (!entry_valid(&e) || e.offset < end ||
			    (end = (uint64_t)e.offset + e.slen) > sp.len) {
				r = COFFER_ERR_FORMAT;
				goto out;
			}
			if (sp.e != NULL)
				sp.e[j] = e;
		}
		sp.n = count;
		if (fn != NULL && (r = fn(arg, &sp)) != 0)
			goto out;
		free(sp.e);
		sp.e = NULL;
	}
	r = reader_end(&rd);
out:
	free(sp.e);
	return r;
}

int
bk_seg_decode(const struct bk_keyring *kr, const uint8_t segid[BK_ID],
    const uint8_t *blob, size_t len, bk_seg_fn fn, void *arg)
{
	struct coffer_buf *body = NULL;
	uint8_t kind = BK_KIND_SEGMENT;
	int r;

	if ((body = coffer_buf_new(len > 0 ? len : 1)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = bk_box_open(kr, &kind, segid, BK_ID, blob, len, body)) == 0 &&
	    (r = seg_walk(coffer_buf_data(body), coffer_buf_len(body), NULL,
	    NULL)) == 0)
		r = seg_walk(coffer_buf_data(body), coffer_buf_len(body), fn,
		    arg);
	coffer_buf_free(&body);
	return r;
}
