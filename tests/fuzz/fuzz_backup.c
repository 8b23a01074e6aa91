/* Fuzz the backup repository's parsers (docs/PROTOCOL-backup.md), one
 * harness for all of them so that CI pays one fuzzing slot: the first
 * byte picks the parser, the rest is its input.
 *
 *   0 tree plaintext          bk_tree_decode (versions 1 and 2: sparse
 *                             files and their extents)
 *   1 SNAPSHOT ref body       bk_snapshot_parse
 *   2 INDEX or LOCK ref body  bk_indexref_parse, bk_lock_parse
 *   3 index segment body      sealed with a fixed key, bk_seg_decode
 *   4 pack header body        sealed into a pack, bk_pack_parse (the
 *                             next 2 bytes: the chunk area's length,
 *                             its top bit the layout: 1 format 1, 0
 *                             format 2 with its footer)
 *   5 stored chunk / box      bk_chunk_open, bk_box_open, the version
 *                             headers and what a ring lacks (no crash)
 *   6 FORGET ref body         bk_forget_parse
 *
 * The key ring holds versions 1 and 2 (sealing under 2, ids under 1), so
 * both formats and both version fields are reached; a version it lacks
 * takes the refusal path. The bodies are fuzzed behind the seal (a fixed
 * key seals them first), so the fuzzer reaches the parsers rather than
 * the tag check. Invariant: each format has one encoding, so whatever a
 * parser accepts re-encodes to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "backup/format.h"
#include "core/padme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bk_keyring *fk;
static const uint8_t fbind[BK_ID] = { 7 }, fnonce[BK_NONCE] = { 9 };

static void
fz_keys(void)
{
	static const uint8_t secret[2][32] = { { 0x11 }, { 0x12 } };
	static const uint8_t kid[2][16] = { { 0x5a }, { 0x5b } };
	struct coffer_key *zone[2] = { NULL, NULL };

	if (coffer_key_import(&zone[0], COFFER_KEY_SYMMETRIC, secret[0],
	    kid[0], 1) != 0 || coffer_key_import(&zone[1],
	    COFFER_KEY_SYMMETRIC, secret[1], kid[1], 2) != 0 ||
	    bk_keyring_new(&fk, (const struct coffer_key *const *)zone, 2) != 0)
		abort();
	coffer_key_free(&zone[0]);
	coffer_key_free(&zone[1]);
}

/* The body of a box we sealed must equal what a parser accepted. */
static void
fz_same_body(uint8_t kind, const uint8_t *bind, size_t bindlen,
    const struct coffer_buf *box, const uint8_t *p, size_t len)
{
	struct coffer_buf *body = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);

	if (body == NULL || bk_box_open(fk, &kind, bind, bindlen,
	    coffer_buf_data(box), coffer_buf_len(box), body) != 0 ||
	    coffer_buf_len(body) != len ||
	    (len > 0 && memcmp(coffer_buf_data(body), p, len) != 0))
		abort();
	coffer_buf_free(&body);
}

static void
fz_tree(const uint8_t *p, size_t len)
{
	struct coffer_buf *b = coffer_buf_new(BK_CHUNK_MAX);
	struct bk_node *n = NULL;
	size_t count, i;

	if (b == NULL)
		abort();
	if (bk_tree_decode(p, len, &n, &count) == 0) {
		if (bk_tree_begin(b) != 0)
			abort();
		for (i = 0; i < count; i++)
			if (bk_tree_add(b, &n[i], i ? n[i - 1].name : NULL,
			    i ? n[i - 1].name_len : 0) != 0)
				abort();
		if (bk_tree_end(b, (uint32_t)count) != 0 ||
		    coffer_buf_len(b) != len ||
		    memcmp(coffer_buf_data(b), p, len) != 0)
			abort();
	}
	free(n);
	coffer_buf_free(&b);
}

static void
fz_refs(int snapshot, const uint8_t *p, size_t len)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct bk_ctr ctr;
	struct bk_snapshot s;
	uint8_t (*segs)[BK_ID] = NULL;
	size_t n;
	int r;

	if (b == NULL)
		abort();
	if (snapshot && bk_snapshot_parse(p, len, &s) == 0) {
		r = bk_snapshot_encode_det(fk, fbind, &s, fnonce, b);
		bk_snapshot_clear(&s);
		/* Paths are capped when encoding only by their u16 length. */
		if (r != 0)
			abort();
		fz_same_body(BK_KIND_SNAPSHOT, fbind, BK_NAME, b, p, len);
	}
	if (!snapshot && bk_indexref_parse(p, len, &segs, &n, &ctr) == 0) {
		if (bk_indexref_encode_det(fk, fbind,
		    (const uint8_t (*)[BK_ID])segs, n,
		    ctr.version == BK_REF_V2 ? &ctr : NULL, fnonce, b) != 0)
			abort();
		fz_same_body(BK_KIND_INDEX, fbind, BK_NAME, b, p, len);
	}
	if (!snapshot) {
		struct bk_lock l;

		if (bk_lock_parse(p, len, &l) == 0) {
			coffer_buf_reset(b);
			if (bk_lock_encode_det(fk, fbind, &l, fnonce, b) != 0)
				abort();
			fz_same_body(BK_KIND_LOCK, fbind, BK_NAME, b, p, len);
		}
	}
	free(segs);
	coffer_buf_free(&b);
}

static void
fz_forget(const uint8_t *p, size_t len)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	struct bk_forget f;

	if (b == NULL)
		abort();
	if (bk_forget_parse(p, len, &f) == 0) {
		if (bk_forget_encode_det(fk, fbind, &f, fnonce, b) != 0)
			abort();
		fz_same_body(BK_KIND_FORGET, fbind, BK_NAME, b, p, len);
	}
	bk_forget_clear(&f);
	coffer_buf_free(&b);
}

/* The packs a segment decode hands over, kept to re-encode. */
struct fz_seg {
	struct bk_seg_pack	*p;
	size_t			 n;
};

static int
fz_seg_keep(void *arg, const struct bk_seg_pack *p)
{
	struct fz_seg *s = arg;
	struct bk_seg_pack *np;

	if ((np = realloc(s->p, (s->n + 1) * sizeof(*np))) == NULL)
		abort();
	s->p = np;
	np[s->n] = *p;
	if ((np[s->n].e = malloc((p->n ? p->n : 1) * sizeof(*p->e))) == NULL)
		abort();
	memcpy(np[s->n].e, p->e, p->n * sizeof(*p->e));
	s->n++;
	return 0;
}

static void
fz_segment(const uint8_t *p, size_t len)
{
	struct coffer_buf *box = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct coffer_buf *again = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct fz_seg s = { NULL, 0 };
	size_t i;

	if (box == NULL || again == NULL ||
	    bk_box_seal_det(fk, BK_KIND_SEGMENT, fbind, BK_ID, p, len, 0,
	    fnonce, box) != 0)
		abort();
	if (bk_seg_decode(fk, fbind, coffer_buf_data(box), coffer_buf_len(box),
	    fz_seg_keep, &s) == 0) {
		if (bk_seg_encode_det(fk, fbind, s.p, s.n, fnonce, again) != 0)
			abort();
		fz_same_body(BK_KIND_SEGMENT, fbind, BK_ID, again, p, len);
	}
	for (i = 0; i < s.n; i++)
		free(s.p[i].e);
	free(s.p);
	coffer_buf_free(&box);
	coffer_buf_free(&again);
}

static void
fz_pack(const uint8_t *p, size_t len)
{
	struct coffer_buf *pack = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct coffer_buf *again = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct bk_entry *e = NULL;
	size_t chunks, n, at;
	uint8_t *z, flen[4], nonce2[BK_NONCE];
	int v1;

	if (len < 2)
		goto out;
	v1 = p[0] >> 7;
	chunks = (size_t)(p[0] & 0x7f) << 8 | p[1];
	p += 2;
	len -= 2;
	if (pack == NULL || again == NULL ||
	    coffer_buf_extend(pack, chunks, &z) != 0 ||
	    coffer_buf_extend(again, chunks, &z) != 0)
		abort();
	at = coffer_buf_len(pack);
	memcpy(nonce2, fnonce, BK_NONCE);
	nonce2[BK_NONCE - 1] ^= 0xff;
	if (v1) {
		/* Format 1: the header box's length in clear. */
		if (bk_box_seal_det(fk, BK_KIND_PACK, fbind, BK_ID, p, len,
		    (size_t)padme_bucket(chunks + BK_BOX_OVER + len + 4) -
		    chunks - 4, fnonce, pack) != 0 ||
		    coffer_buf_put_u32(pack,
		    (uint32_t)(coffer_buf_len(pack) - at)) != 0)
			abort();
	} else {
		if (bk_box_seal_det(fk, BK_KIND_PACK, fbind, BK_ID, p, len,
		    (size_t)padme_bucket(chunks + BK_BOX_OVER + len +
		    BK_PACK_OVER) - chunks - BK_PACK_OVER, fnonce, pack) != 0)
			abort();
		flen[0] = (uint8_t)((coffer_buf_len(pack) - at) >> 24);
		flen[1] = (uint8_t)((coffer_buf_len(pack) - at) >> 16);
		flen[2] = (uint8_t)((coffer_buf_len(pack) - at) >> 8);
		flen[3] = (uint8_t)(coffer_buf_len(pack) - at);
		if (bk_box_seal_det(fk, BK_KIND_FOOTER, fbind, BK_ID, flen, 4,
		    BK_PACK_FOOTER, nonce2, pack) != 0 ||
		    coffer_buf_append(pack, (const uint8_t *)BK_PACK_TAIL,
		    BK_PACK_TAIL_LEN) != 0)
			abort();
	}
	if (bk_pack_parse(fk, fbind, coffer_buf_data(pack), coffer_buf_len(pack),
	    &e, &n) == 0 && !v1) {
		/* The same header rebuilds the same pack. */
		if (bk_pack_trailer_det(fk, fbind, e, n, chunks, fnonce,
		    again) != 0 || coffer_buf_len(again) != coffer_buf_len(pack) ||
		    memcmp(coffer_buf_data(again), coffer_buf_data(pack),
		    coffer_buf_len(pack)) != 0)
			abort();
	}
	(void)bk_pack_lacks(fk, fbind, coffer_buf_data(pack),
	    coffer_buf_len(pack));
out:
	free(e);
	coffer_buf_free(&pack);
	coffer_buf_free(&again);
}

static void
fz_sealed(const uint8_t *p, size_t len)
{
	struct coffer_buf *body = coffer_buf_new(COFFER_BSTORE_BLOB_MAX);
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	uint8_t kind = 0, out[4096];
	struct bk_head hd;
	uint32_t lacks;

	if (body == NULL || bk_zctx_new(&z, 1) != 0 ||
	    bk_hmac_new(&h, bk_keyring_oldest(fk)) != 0)
		abort();
	if (bk_chunk_open(z, h, fk, fbind, BK_DATA, p, len,
	    len > BK_CHUNK_OVER ? len - BK_CHUNK_OVER : 0, out) == 0 ||
	    bk_box_open(fk, &kind, fbind, BK_ID, p, len, body) == 0)
		abort();	/* forging under a fixed key: cannot happen */
	/* A version the ring lacks is one the header names. */
	lacks = bk_chunk_lacks(fk, p, len);
	if (lacks != 0 && (bk_chunk_head(fk, p, len, &hd) != 0 ||
	    (lacks != hd.key && lacks != hd.idv) ||
	    bk_keyring_get(fk, lacks) != NULL))
		abort();
	lacks = bk_box_lacks(fk, p, len);
	if (lacks != 0 && (bk_box_head(p, len, &hd) != 0 || lacks != hd.key ||
	    bk_keyring_get(fk, lacks) != NULL))
		abort();
	(void)bk_pack_lacks(fk, fbind, p, len);
	bk_zctx_free(&z);
	bk_hmac_free(&h);
	coffer_buf_free(&body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fk == NULL)
		fz_keys();
	if (size < 1 || size > 4096 + 1)
		return 0;
	switch (data[0] % 7) {
	case 0:
		fz_tree(data + 1, size - 1);
		break;
	case 1:
	case 2:
		fz_refs(data[0] % 7 == 1, data + 1, size - 1);
		break;
	case 3:
		fz_segment(data + 1, size - 1);
		break;
	case 4:
		fz_pack(data + 1, size - 1);
		break;
	case 6:
		fz_forget(data + 1, size - 1);
		break;
	default:
		fz_sealed(data + 1, size - 1);
		break;
	}
	return 0;
}
