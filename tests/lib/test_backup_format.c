/* The backup repository's sealed formats (docs/PROTOCOL-backup.md): key
 * derivation, chunk ids, stored chunks, boxes, packs and index segments.
 * Known-answer vectors (tests/vectors/backup-{keys,chunk,box}.txt,
 * written by --write-vectors) of both formats (2, which names the key
 * version; 1, from before key rolls) and a table of rejections per
 * parser, each with its precise error; the same tables make the bad
 * vectors; the key ring's own rules. Packs and segments:
 * test_backup_pack.c; trees and refs: test_backup_tree.c,
 * test_backup_refs.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>

#include <coffer/backup.h>
#include <coffer/key.h>

#include "backup_vec.h"
#include "core/secret.h"

/* ---- keys and chunk ids ---- */

/* A ring's keys: its newest version's data and meta keys, its oldest's
 * id and chunker keys. */
static int
check_keys(const struct vec *v)
{
	struct bk_keyring *kr = bv_vring(v);
	struct bk_hmac *h = NULL;
	uint8_t want[32], id[32], *pt = NULL;
	uint64_t sv, iv;
	size_t ptl;
	int bad = 1;

	if (kr == NULL || vec_err(v, "expect", &bad) || bad != 0) {
		bk_keyring_free(&kr);
		return 1;
	}
	bad = 1;
	if (vec_get(v, "plaintext") != NULL) {
		if (vec_hex(v, "plaintext", &pt, &ptl) ||
		    vec_hexn(v, "id", want, 32) ||
		    bk_hmac_new(&h, bk_keyring_oldest(kr)) != 0 ||
		    bk_hmac(h, pt, ptl, id) != 0 ||
		    sodium_memcmp(id, want, 32) != 0)
			goto out;
	} else if (vec_u64(v, "seal_version", &sv) ||
	    sv != bk_keyring_newest(kr)->version ||
	    vec_u64(v, "id_version", &iv) ||
	    iv != bk_keyring_oldest(kr)->version ||
	    vec_hexn(v, "id_key", want, 32) ||
	    sodium_memcmp(want, bk_keyring_oldest(kr)->id, 32) != 0 ||
	    vec_hexn(v, "data_key", want, 32) ||
	    sodium_memcmp(want, bk_keyring_newest(kr)->data, 32) != 0 ||
	    vec_hexn(v, "meta_key", want, 32) ||
	    sodium_memcmp(want, bk_keyring_newest(kr)->meta, 32) != 0 ||
	    vec_hexn(v, "cdc_key", want, 32) ||
	    sodium_memcmp(want, key_secret(kr->cdc), 32) != 0)
		goto out;
	bad = 0;
out:
	bk_hmac_free(&h);
	bk_keyring_free(&kr);
	free(pt);
	return bad;
}

static void
w_ring_keys(FILE *f, const char *name, const uint8_t zone[32], unsigned mask)
{
	struct bk_keyring *kr = bv_ring(zone, mask);

	vec_w_begin(f, name);
	bv_w_ring(f, zone, mask);
	vec_w_u64(f, "seal_version", bk_keyring_newest(kr)->version);
	vec_w_u64(f, "id_version", bk_keyring_oldest(kr)->version);
	vec_w_hex(f, "id_key", bk_keyring_oldest(kr)->id, 32);
	vec_w_hex(f, "data_key", bk_keyring_newest(kr)->data, 32);
	vec_w_hex(f, "meta_key", bk_keyring_newest(kr)->meta, 32);
	vec_w_hex(f, "cdc_key", key_secret(kr->cdc), 32);
	vec_w_word(f, "expect", "OK");
	vec_w_end(f);
	bk_keyring_free(&kr);
}

static int
w_keys(FILE *f)
{
	static const char *const texts[] = { "", "abc" };
	uint8_t zone[32], id[32], big[4096];
	struct bk_hmac *h = NULL;
	struct bk_keyring *kr;
	char name[32];
	size_t i;

	fprintf(f, "# Repository keys from the zone key versions of a ring "
	    "(coffer_kdf, contexts\n# coffer/backup-{id,data,meta}/v1, "
	    "coffer_kdf_key for coffer/backup-cdc/v1):\n# data and meta "
	    "keys from the newest version (seal_version), id and chunker "
	    "keys\n# from the oldest (id_version); chunk ids (HMAC-SHA-256 "
	    "under id_key).\n");
	for (i = 0; i < 2; i++) {
		bv_fill(zone, 32, (uint8_t)(0x11 * (i + 1)));
		snprintf(name, sizeof(name), "keys-%zu", i);
		w_ring_keys(f, name, zone, BV_V(1));
	}
	bv_fill(zone, 32, 0x33);
	w_ring_keys(f, "ring-1-3", zone, BV_V(1) | BV_V(3));
	bv_fill(zone, 32, 0x11);
	kr = bv_ring(zone, BV_V(1));
	bv_fill(big, sizeof(big), 0x42);
	if (bk_hmac_new(&h, bk_keyring_oldest(kr)) != 0)
		abort();
	for (i = 0; i < 3; i++) {
		const uint8_t *p = i < 2 ? (const uint8_t *)texts[i] : big;
		size_t n = i < 2 ? strlen(texts[i]) : sizeof(big);

		if (bk_hmac(h, p, n, id) != 0)
			abort();
		snprintf(name, sizeof(name), "chunk-id-%zu", n);
		vec_w_begin(f, name);
		bv_w_ring(f, zone, BV_V(1));
		vec_w_hex(f, "plaintext", p, n);
		vec_w_hex(f, "id", id, 32);
		vec_w_word(f, "expect", "OK");
		vec_w_end(f);
	}
	bk_hmac_free(&h);
	bk_keyring_free(&kr);
	return 0;
}

/* ---- stored chunks ---- */

/* Good chunks: raw data, raw tree, empty, zstd (format 2 under a ring of
 * version 1); raw data under a ring of versions 1 and 2 (key version 2,
 * id version 1: after a roll); format 1, raw and zstd. */
/* The format-1 ones take the seeds of chunks 0 and 3, as coffer's
 * vectors before key rolls did: their bytes are those it wrote. */
static const struct {
	uint8_t type; size_t len; int repeat; unsigned mask; int format;
	uint8_t seed;
} gchunks[] = {
	{ BK_DATA, 40, 0, BV_V(1), BK_FORMAT, 0 },
	{ BK_TREE, 57, 0, BV_V(1), BK_FORMAT, 1 },
	{ BK_DATA, 0, 0, BV_V(1), BK_FORMAT, 2 },
	{ BK_DATA, 4096, 1, BV_V(1), BK_FORMAT, 3 },
	{ BK_DATA, 40, 0, BV_V(1) | BV_V(2), BK_FORMAT, 4 },
	{ BK_DATA, 40, 0, BV_V(1), BK_FORMAT_V1, 0 },
	{ BK_DATA, 4096, 1, BV_V(1), BK_FORMAT_V1, 3 },
};
#define CH_ZSTD	3
#define CH_ROLL	4
#define CH_V1	5

static void
chunk_plain(size_t i, uint8_t *p)
{
	size_t j;

	bv_fill(p, gchunks[i].len, (uint8_t)(0x50 + gchunks[i].seed));
	if (gchunks[i].repeat)
		for (j = 16; j < gchunks[i].len; j++)
			p[j] = p[j % 16];
}

/* The versions are masked, and XOR is linear: flipping bits of the
 * last byte of a masked version flips the same bits of the version. */
#define KV	(BK_CHUNK_VERS + 3)	/* last byte of the key version */
#define IV	(BK_CHUNK_VERS + 7)	/* of the id version */

static const struct bv_edit chunk_edits[] = {
	{ "truncated", CH_ROLL, BV_OUTER, BV_CUT, BK_CHUNK_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "empty", CH_ROLL, BV_OUTER, BV_CUT, 0, 0, COFFER_ERR_TRUNCATED },
	{ "version-0", CH_ROLL, BV_OUTER, BV_SET, 0, 0, COFFER_ERR_VERSION },
	{ "version-3", CH_ROLL, BV_OUTER, BV_SET, 0, 3, COFFER_ERR_VERSION },
	{ "flags-unknown", CH_ROLL, BV_OUTER, BV_SET, 1, 2,
	    COFFER_ERR_FORMAT },
	{ "flags-zstd-on-raw", CH_ROLL, BV_OUTER, BV_SET, 1, 1,
	    COFFER_ERR_AUTH },
	{ "flags-raw-on-zstd", CH_ZSTD, BV_OUTER, BV_SET, 1, 0,
	    COFFER_ERR_FORMAT },
	/* Key version 2 and id version 1 made 0, 0 and 3: versions no
	 * writer of this ring makes (an id version it lacks, or a key
	 * version below the id version) are not authentic. */
	{ "key-version-0", CH_ROLL, BV_OUTER, BV_XOR, KV, 2, COFFER_ERR_AUTH },
	{ "id-version-0", CH_ROLL, BV_OUTER, BV_XOR, IV, 1, COFFER_ERR_AUTH },
	{ "id-version-newer", CH_ROLL, BV_OUTER, BV_XOR, IV, 2,
	    COFFER_ERR_AUTH },
	/* A high byte of a masked version: a version far off. */
	{ "key-version-high-byte", CH_ROLL, BV_OUTER, BV_XOR, KV - 3, 0x80,
	    COFFER_ERR_KEY },
	/* The plain key version written: it unmasks to noise, a version
	 * the ring lacks. */
	{ "key-version-unmasked", CH_ROLL, BV_OUTER, BV_SET32, BK_CHUNK_VERS, 2,
	    COFFER_ERR_KEY },
	/* The versions are in the AD: naming another one the ring holds
	 * fails the tag. */
	{ "key-version-1-for-2", CH_ROLL, BV_OUTER, BV_XOR, KV, 3,
	    COFFER_ERR_AUTH },
	{ "id-version-2-for-1", CH_ROLL, BV_OUTER, BV_XOR, IV, 3,
	    COFFER_ERR_AUTH },
	{ "key-version-not-in-ring", CH_ROLL, BV_OUTER, BV_XOR, KV, 5,
	    COFFER_ERR_KEY },
	/* A device that holds only version 1 (removed before version 2):
	 * refused before anything is decrypted. Only version 2: its
	 * header-protection key is another, the versions unmask to noise
	 * (a wrong mask key gives AUTH, never a crash). */
	{ "ring-lacks-key-version", CH_ROLL, BV_OUTER, BV_RING, 0, BV_V(1),
	    COFFER_ERR_KEY },
	{ "ring-lacks-id-version", CH_ROLL, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_AUTH },
	/* The nonce also makes the mask: the versions unmask to noise. */
	{ "nonce-byte", CH_ROLL, BV_OUTER, BV_XOR, BK_CHUNK_NONCE, 1,
	    COFFER_ERR_AUTH },
	{ "ciphertext-byte", CH_ROLL, BV_OUTER, BV_XOR, BK_CHUNK_HDR + 4, 0x40,
	    COFFER_ERR_AUTH },
	{ "tag-byte", CH_ROLL, BV_OUTER, BV_XOR, -1, 0x80, COFFER_ERR_AUTH },
	{ "moved-to-other-id", CH_ROLL, BV_OUTER, BV_BIND, 0, 0,
	    COFFER_ERR_AUTH },
	{ "other-type", CH_ROLL, BV_OUTER, BV_KIND, 0, BK_TREE,
	    COFFER_ERR_AUTH },
	{ "other-key", CH_ROLL, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "raw-length-differs", CH_ROLL, BV_OUTER, BV_RLEN, 0, 1,
	    COFFER_ERR_FORMAT },
	{ "zstd-length-differs", CH_ZSTD, BV_OUTER, BV_RLEN, 0, 1,
	    COFFER_ERR_FORMAT },
	{ "over-cap", CH_ROLL, BV_OUTER, BV_RLEN, 0, (uint32_t)BK_CHUNK_MAX,
	    COFFER_ERR_TOOBIG },
	/* Sealed under its id with other bytes: authentic, wrong content. */
	{ "plaintext-not-its-id", CH_ROLL, BV_BODY, BV_XOR, 3, 1,
	    COFFER_ERR_AUTH },
	/* Format 1 (key version 1 implied). */
	{ "v1-truncated", CH_V1, BV_OUTER, BV_CUT, BK_CHUNK_OVER_V1 - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "v1-flags-unknown", CH_V1, BV_OUTER, BV_SET, 1, 4,
	    COFFER_ERR_FORMAT },
	{ "v1-tag-byte", CH_V1, BV_OUTER, BV_XOR, -1, 0x01, COFFER_ERR_AUTH },
	{ "v1-other-key", CH_V1, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "v1-ring-lacks-version-1", CH_V1, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_KEY },
	/* Its ciphertext read as masked versions: noise. */
	{ "v1-as-format-2", CH_V1, BV_OUTER, BV_SET, 0, BK_FORMAT,
	    COFFER_ERR_AUTH },
};

/* Seal good chunk i of format under kr (with a BV_BODY edit) into out;
 * its id to id. */
static void
chunk_seal(const struct bk_keyring *kr, int format, uint8_t type,
    const uint8_t *p0, size_t n, const struct bv_edit *e,
    const uint8_t nonce[BK_NONCE], uint8_t id[BK_ID], struct coffer_buf *out)
{
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	uint8_t p[4096], *s;
	size_t slen;

	if (n > sizeof(p) || bk_zctx_new(&z, 1) != 0 ||
	    bk_hmac_new(&h, bk_keyring_oldest(kr)) != 0 ||
	    bk_hmac(h, p0, n, id) != 0)
		abort();
	if (n > 0)	/* an empty plaintext may come as NULL */
		memcpy(p, p0, n);
	if (e != NULL && e->layer == BV_BODY)
		p[e->off] ^= (uint8_t)e->arg;
	coffer_buf_reset(out);
	if (format == BK_FORMAT_V1)
		bv_chunk_v1(kr, id, type, p, n, nonce, out);
	else {
		if (coffer_buf_extend(out, bk_chunk_bound(n), &s) != 0 ||
		    bk_chunk_seal_det(z, kr, id, type, p, n, nonce, s,
		    &slen) != 0)
			abort();
		coffer_buf_truncate(out, slen);
	}
	bk_zctx_free(&z);
	bk_hmac_free(&h);
}

static void
chunk_make(const uint8_t zone[32], size_t i, const struct bv_edit *e,
    uint8_t nonce[BK_NONCE], uint8_t id[BK_ID], struct coffer_buf *out)
{
	struct bk_keyring *kr = bv_ring(zone, gchunks[i].mask);
	uint8_t p[4096];

	chunk_plain(i, p);
	bv_fill(nonce, BK_NONCE, (uint8_t)(0x70 + gchunks[i].seed));
	chunk_seal(kr, gchunks[i].format, gchunks[i].type, p, gchunks[i].len,
	    e, nonce, id, out);
	bk_keyring_free(&kr);
}

/* Open a stored chunk as the vector or edit says; 0 or the error. On an
 * error the output is left as it was when nothing was decrypted (the
 * errors before the tag). */
static int
chunk_try(const struct bk_keyring *kr, const uint8_t id[BK_ID], uint8_t type,
    const uint8_t *s, size_t slen, size_t rlen, uint8_t *out)
{
	struct bk_zctx *z = NULL;
	struct bk_hmac *h = NULL;
	int r;

	if (bk_zctx_new(&z, 1) != 0 ||
	    bk_hmac_new(&h, bk_keyring_oldest(kr)) != 0)
		abort();
	if (rlen > 0)
		memset(out, 0xee, rlen);
	r = bk_chunk_open(z, h, kr, id, type, s, slen, rlen, out);
	if ((r == COFFER_ERR_KEY || r == COFFER_ERR_VERSION ||
	    r == COFFER_ERR_TRUNCATED) && rlen > 0 &&
	    (out[0] != 0xee || memcmp(out, out + 1, rlen - 1) != 0))
		r = COFFER_ERR_INTERNAL;
	bk_zctx_free(&z);
	bk_hmac_free(&h);
	return r;
}

/* Apply edit e to good chunk: returns the error opening gives. */
static int
chunk_edit(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *s, uint8_t id[BK_ID], uint8_t *type, size_t *rlen,
    struct bv_opener *op)
{
	struct bk_keyring *kr;
	uint8_t nonce[BK_NONCE], other[BK_ID], *out;
	int r;

	chunk_make(zone, (size_t)e->base, e, nonce, id, s);
	if (e->layer == BV_OUTER)
		bv_apply(s, e);
	memcpy(id, bv_bind(e, id, other, BK_ID), BK_ID);
	*type = gchunks[e->base].type;
	if (e->op == BV_KIND)
		*type = (uint8_t)e->arg;
	*rlen = gchunks[e->base].len + (e->op == BV_RLEN ? e->arg : 0);
	bv_opener(e, zone, gchunks[e->base].mask, op);
	kr = bv_opener_ring(op);
	if ((out = malloc(*rlen + 1)) == NULL)
		abort();
	r = chunk_try(kr, id, *type, coffer_buf_data(s), coffer_buf_len(s),
	    *rlen, out);
	free(out);
	bk_keyring_free(&kr);
	return r;
}

static int
check_chunk(const struct vec *v)
{
	struct bk_keyring *kr = bv_vring(v);
	struct coffer_buf *mine = coffer_buf_new(1 << 20);
	uint8_t *pt = NULL, *s = NULL, *out = NULL;
	uint8_t id[BK_ID], want[BK_ID], nonce[BK_NONCE];
	uint64_t type, rlen, format;
	size_t ptl = 0, slen, hdr;
	int expect, bad = 1;

	if (kr == NULL || mine == NULL || vec_err(v, "expect", &expect) ||
	    vec_hex(v, "stored", &s, &slen) || vec_u64(v, "type", &type) ||
	    type > 255)
		goto out;
	if (expect != 0) {
		if (vec_hexn(v, "id", id, BK_ID) || vec_u64(v, "rlen", &rlen) ||
		    rlen > 2 * BK_CHUNK_MAX || (out = malloc(rlen + 1)) == NULL)
			goto out;
		bad = chunk_try(kr, id, (uint8_t)type, s, slen, rlen, out) !=
		    expect;
		goto out;
	}
	if (vec_u64(v, "format", &format) || (format != BK_FORMAT &&
	    format != BK_FORMAT_V1) || vec_hex(v, "plaintext", &pt, &ptl) ||
	    ptl > 4096 || vec_hexn(v, "nonce", nonce, BK_NONCE) ||
	    vec_hexn(v, "id", want, BK_ID))
		goto out;
	chunk_seal(kr, (int)format, (uint8_t)type, pt, ptl, NULL, nonce, id,
	    mine);
	hdr = format == BK_FORMAT ? BK_CHUNK_HDR : 2 + BK_NONCE;
	if (memcmp(id, want, BK_ID) != 0 || slen < hdr ||
	    coffer_buf_len(mine) < hdr ||
	    memcmp(coffer_buf_data(mine), s, hdr) != 0)
		goto out;
	/* A raw chunk reproduces byte for byte; a zstd one's frame may vary
	 * with the zstd release, so it must open to the plaintext. */
	if (s[1] == 0 && (coffer_buf_len(mine) != slen ||
	    memcmp(coffer_buf_data(mine), s, slen) != 0))
		goto out;
	if ((out = malloc(ptl + 1)) == NULL ||
	    chunk_try(kr, id, (uint8_t)type, s, slen, ptl, out) != 0 ||
	    (ptl > 0 && memcmp(out, pt, ptl) != 0))
		goto out;
	bad = 0;
out:
	bk_keyring_free(&kr);
	coffer_buf_free(&mine);
	free(pt); free(s); free(out);
	return bad;
}

static int
w_chunk(FILE *f)
{
	struct coffer_buf *s = coffer_buf_new(1 << 20);
	struct bv_opener op;
	uint8_t zone[32], id[BK_ID], nonce[BK_NONCE], p[4096], type;
	const uint8_t *d;
	char name[64];
	size_t i, rlen;
	int r;

	bv_fill(zone, 32, 0x11);
	fprintf(f, "# Stored chunks. Format 2: version | flags | key version "
	    "| id version | nonce |\n# AEAD(data key of the key version, AD = "
	    "id | type | version | flags | key version\n# | id version), the "
	    "plaintext's HMAC under the id key of the id version being\n# its "
	    "id. Format 1 (before key rolls): version | flags | nonce | "
	    "AEAD(AD = id\n# | type | version | flags), both versions 1. Good "
	    "ones reseal from the ring,\n# format, type, nonce and plaintext "
	    "(a zstd one must open); bad ones are\n# opened as chunk id, type, "
	    "rlen under the ring given.\n");
	for (i = 0; i < BV_COUNT(gchunks); i++) {
		chunk_make(zone, i, NULL, nonce, id, s);
		chunk_plain(i, p);
		d = coffer_buf_data(s);
		snprintf(name, sizeof(name), "%s%s-%s-%zu%s",
		    gchunks[i].format == BK_FORMAT_V1 ? "v1-" : "",
		    d[1] ? "zstd" : "raw",
		    gchunks[i].type == BK_TREE ? "tree" : "data",
		    gchunks[i].len, gchunks[i].mask & BV_V(2) ?
		    "-key-2-id-1" : "");
		vec_w_begin(f, name);
		bv_w_ring(f, zone, gchunks[i].mask);
		vec_w_u64(f, "format", (uint64_t)gchunks[i].format);
		vec_w_u64(f, "type", gchunks[i].type);
		vec_w_hex(f, "nonce", nonce, BK_NONCE);
		vec_w_hex(f, "plaintext", p, gchunks[i].len);
		vec_w_hex(f, "id", id, BK_ID);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "stored", d, coffer_buf_len(s));
		vec_w_end(f);
	}
	for (i = 0; i < BV_COUNT(chunk_edits); i++) {
		const struct bv_edit *e = &chunk_edits[i];

		if ((r = chunk_edit(zone, e, s, id, &type, &rlen, &op)) !=
		    e->expect) {
			fprintf(stderr, "chunk %s: got %s\n", e->name,
			    vec_errword(r));
			return -1;
		}
		vec_w_begin(f, e->name);
		bv_w_ring(f, op.secret, op.mask);
		vec_w_hex(f, "id", id, BK_ID);
		vec_w_u64(f, "type", type);
		vec_w_u64(f, "rlen", rlen);
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_hex(f, "stored", coffer_buf_data(s), coffer_buf_len(s));
		vec_w_end(f);
	}
	coffer_buf_free(&s);
	return 0;
}

/* ---- boxes ---- */

/* Good boxes of each kind (format 2 under the newest version of their
 * ring: 1, 2 or 3), one of format 1; the last is an edit base only (a
 * ring of two versions, for naming the other one). */
static const struct {
	uint8_t kind;
	size_t bindlen, len, total;
	unsigned mask;
	int format;
	uint8_t seed;	/* format 1: box 1's, as before key rolls */
} gboxes[] = {
	{ BK_KIND_PACK, BK_ID, 13, 13 + BK_BOX_OVER, BV_V(1), BK_FORMAT, 0 },
	{ BK_KIND_SEGMENT, BK_ID, 20, 100, BV_V(2), BK_FORMAT, 1 },
	{ BK_KIND_INDEX, BK_NAME, 4, 64, BV_V(3), BK_FORMAT, 2 },
	{ BK_KIND_SNAPSHOT, BK_NAME, 0, BK_BOX_OVER, BV_V(1), BK_FORMAT, 3 },
	{ BK_KIND_SEGMENT, BK_ID, 20, 100, BV_V(1), BK_FORMAT_V1, 1 },
	{ BK_KIND_SEGMENT, BK_ID, 20, 100, BV_V(1) | BV_V(2), BK_FORMAT, 5 },
};
#define BX_SEG	1
#define BX_V1	4
#define BX_ROLL	5
#define BX_GOOD	5	/* the good vectors */

static const struct bv_edit box_edits[] = {
	{ "truncated", BX_SEG, BV_OUTER, BV_CUT, BK_BOX_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "empty", BX_SEG, BV_OUTER, BV_CUT, 0, 0, COFFER_ERR_TRUNCATED },
	{ "version-0", BX_SEG, BV_OUTER, BV_SET, 0, 0, COFFER_ERR_VERSION },
	{ "version-3", BX_SEG, BV_OUTER, BV_SET, 0, 3, COFFER_ERR_VERSION },
	{ "key-version-0", BX_SEG, BV_OUTER, BV_SET32, 1, 0,
	    COFFER_ERR_FORMAT },
	{ "key-version-not-in-ring", BX_SEG, BV_OUTER, BV_SET32, 1, 3,
	    COFFER_ERR_KEY },
	{ "key-version-1-for-2", BX_ROLL, BV_OUTER, BV_SET32, 1, 1,
	    COFFER_ERR_AUTH },
	{ "ring-lacks-key-version", BX_ROLL, BV_OUTER, BV_RING, 0, BV_V(1),
	    COFFER_ERR_KEY },
	{ "nonce-byte", BX_SEG, BV_OUTER, BV_XOR, BK_BOX_HEAD + 3, 1,
	    COFFER_ERR_AUTH },
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
	{ "v1-truncated", BX_V1, BV_OUTER, BV_CUT, BK_BOX_OVER_V1 - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "v1-tag-byte", BX_V1, BV_OUTER, BV_XOR, -1, 1, COFFER_ERR_AUTH },
	{ "v1-ring-lacks-version-1", BX_V1, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_KEY },
	{ "v1-wrong-kind", BX_V1, BV_OUTER, BV_KIND, 0, BK_KIND_PACK,
	    COFFER_ERR_CONTEXT },
	{ "v1-padding-nonzero", BX_V1, BV_PLAIN, BV_XOR, -1, 1,
	    COFFER_ERR_FORMAT },
};

static void
box_body(size_t i, uint8_t *p)
{
	size_t j;

	bv_fill(p, gboxes[i].len, (uint8_t)(0x90 + gboxes[i].seed));
	for (j = 0; j < gboxes[i].len; j++)
		p[j] |= 1;	/* nonzero: a shortened length shows */
}

/* Box i, edited by e (may be NULL), into out; its binding to bind. */
static void
box_make(const uint8_t zone[32], size_t i, const struct bv_edit *e,
    uint8_t nonce[BK_NONCE], uint8_t *bind, struct coffer_buf *out)
{
	struct bk_keyring *kr = bv_ring(zone, gboxes[i].mask);
	uint8_t body[64];

	box_body(i, body);
	bv_fill(bind, gboxes[i].bindlen, (uint8_t)(0xa0 + gboxes[i].seed));
	bv_fill(nonce, BK_NONCE, (uint8_t)(0xb0 + gboxes[i].seed));
	coffer_buf_reset(out);
	if (gboxes[i].format == BK_FORMAT_V1 ||
	    (e != NULL && e->layer != BV_OUTER))
		bv_box(kr, gboxes[i].format, gboxes[i].kind, bind,
		    gboxes[i].bindlen, body, gboxes[i].len, gboxes[i].total,
		    nonce, e, out);
	else if (bk_box_seal_det(kr, gboxes[i].kind, bind, gboxes[i].bindlen,
	    body, gboxes[i].len, gboxes[i].total, nonce, out) != 0)
		abort();
	if (e != NULL && e->layer == BV_OUTER)
		bv_apply(out, e);
	bk_keyring_free(&kr);
}

/* Open box as kind, bound to bind; the body must come out as want (if
 * not NULL), and the output be left empty on an error. */
static int
box_try(const struct bk_keyring *kr, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *box, size_t len, const uint8_t *want,
    size_t wlen)
{
	struct coffer_buf *body = coffer_buf_new_secret(1 << 20);
	int r;

	if (body == NULL || coffer_buf_append(body, "x", 1) != 0)
		abort();
	r = bk_box_open(kr, &kind, bind, bindlen, box, len, body);
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
	struct bk_keyring *kr = bv_vring(v);
	struct coffer_buf *mine = coffer_buf_new(1 << 20);
	uint8_t *box = NULL, *bind = NULL, *body = NULL, nonce[BK_NONCE];
	uint64_t kind, total, format;
	size_t boxl, bindl, bodyl = 0;
	int expect, bad = 1;

	if (kr == NULL || mine == NULL || vec_err(v, "expect", &expect) ||
	    vec_u64(v, "kind", &kind) || kind > 255 ||
	    vec_hex(v, "bind", &bind, &bindl) || bindl > BK_ID ||
	    vec_hex(v, "box", &box, &boxl))
		goto out;
	if (expect == 0) {
		if (vec_u64(v, "format", &format) ||
		    vec_hex(v, "body", &body, &bodyl) ||
		    vec_u64(v, "total", &total) ||
		    total < bodyl + BK_BOX_OVER_V1 || total > (1 << 20) ||
		    vec_hexn(v, "nonce", nonce, BK_NONCE))
			goto out;
		if (format == BK_FORMAT_V1)
			bv_box(kr, BK_FORMAT_V1, (uint8_t)kind, bind, bindl,
			    body, bodyl, (size_t)total, nonce, NULL, mine);
		else if (format != BK_FORMAT || total < bodyl + BK_BOX_OVER ||
		    bk_box_seal_det(kr, (uint8_t)kind, bind, bindl, body, bodyl,
		    (size_t)total, nonce, mine) != 0)
			goto out;
		if (coffer_buf_len(mine) != boxl ||
		    memcmp(coffer_buf_data(mine), box, boxl) != 0)
			goto out;
	}
	bad = box_try(kr, (uint8_t)kind, bind, bindl, box, boxl,
	    expect == 0 ? body : NULL, bodyl) != expect;
out:
	bk_keyring_free(&kr);
	coffer_buf_free(&mine);
	free(box); free(bind); free(body);
	return bad;
}

/* Apply edit e to its good box and open it as e says: the error, the
 * keys to op, the binding opened with to ob. */
static int
box_reject(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *b, uint8_t *ob, struct bv_opener *op)
{
	uint8_t nonce[BK_NONCE], bind[BK_ID], other[BK_ID];
	struct bk_keyring *kr;
	size_t bl = gboxes[e->base].bindlen;
	int r;

	box_make(zone, (size_t)e->base, e, nonce, bind, b);
	memcpy(ob, bv_bind(e, bind, other, bl), bl);
	bv_opener(e, zone, gboxes[e->base].mask, op);
	kr = bv_opener_ring(op);
	r = box_try(kr, e->op == BV_KIND ? (uint8_t)e->arg :
	    gboxes[e->base].kind, ob, bl, coffer_buf_data(b),
	    coffer_buf_len(b), NULL, 0);
	bk_keyring_free(&kr);
	return r;
}

static int
w_box(FILE *f)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	struct bv_opener op;
	uint8_t zone[32], nonce[BK_NONCE], bind[BK_ID], body[64];
	char name[48];
	size_t i;
	int r;

	bv_fill(zone, 32, 0x11);
	fprintf(f, "# Boxes. Format 2: version | key version | nonce | "
	    "AEAD(meta key of the key\n# version, AD = version | key version "
	    "| bind) of kind | body length | body\n# | zero padding. Format 1 "
	    "(before key rolls): version | nonce | AEAD(AD =\n# version | "
	    "bind), key version 1. Good ones reseal from the ring, format, "
	    "kind,\n# bind, body, total, nonce.\n");
	for (i = 0; i < BX_GOOD; i++) {
		box_make(zone, i, NULL, nonce, bind, b);
		box_body(i, body);
		snprintf(name, sizeof(name), "%skind-%u-body-%zu-key-%u",
		    gboxes[i].format == BK_FORMAT_V1 ? "v1-" : "",
		    gboxes[i].kind, gboxes[i].len,
		    gboxes[i].mask == BV_V(3) ? 3u :
		    gboxes[i].mask == BV_V(2) ? 2u : 1u);
		vec_w_begin(f, name);
		bv_w_ring(f, zone, gboxes[i].mask);
		vec_w_u64(f, "format", (uint64_t)gboxes[i].format);
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

		if ((r = box_reject(zone, e, b, bind, &op)) != e->expect) {
			fprintf(stderr, "box %s: got %s\n", e->name,
			    vec_errword(r));
			return -1;
		}
		vec_w_begin(f, e->name);
		bv_w_ring(f, op.secret, op.mask);
		vec_w_u64(f, "kind", e->op == BV_KIND ? e->arg :
		    gboxes[e->base].kind);
		vec_w_hex(f, "bind", bind, gboxes[e->base].bindlen);
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_hex(f, "box", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	coffer_buf_free(&b);
	return 0;
}

/* ---- rings ---- */

/* Rings are refused when they are empty, too long, hold a key that is
 * not symmetric or of version 0, or a version twice; any order works. */
static void
test_keyring(void **state)
{
	static const uint8_t kid[16] = { 1 }, s[32] = { 2 };
	const struct coffer_key *ks[4];
	struct coffer_key *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct coffer_key *x = NULL, *z = NULL;
	struct bk_keyring *kr = NULL;

	(void)state;
	assert_int_equal(coffer_key_import(&a, COFFER_KEY_SYMMETRIC, s, kid,
	    3), 0);
	assert_int_equal(coffer_key_generate(&b, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(coffer_key_generate(&c, COFFER_KEY_SYMMETRIC, 2), 0);
	assert_int_equal(coffer_key_generate(&d, COFFER_KEY_SYMMETRIC, 3), 0);
	assert_int_equal(coffer_key_generate(&x, COFFER_KEY_X25519, 4), 0);
	assert_int_equal(coffer_key_import(&z, COFFER_KEY_SYMMETRIC, s, kid,
	    0), 0);
	ks[0] = a; ks[1] = b; ks[2] = c;
	assert_int_equal(bk_keyring_new(&kr, ks, 3), 0);
	assert_int_equal(kr->n, 3);
	assert_int_equal(bk_keyring_oldest(kr)->version, 1);
	assert_int_equal(bk_keyring_newest(kr)->version, 3);
	assert_ptr_equal(bk_keyring_get(kr, 2), &kr->v[1]);
	assert_null(bk_keyring_get(kr, 4));
	assert_null(bk_keyring_get(kr, 0));
	bk_keyring_free(&kr);
	assert_null(kr);
	bk_keyring_free(&kr);
	assert_int_equal(bk_keyring_new(&kr, ks, 0), COFFER_ERR_INVALID);
	assert_int_equal(bk_keyring_new(&kr, NULL, 1), COFFER_ERR_INVALID);
	assert_int_equal(bk_keyring_new(&kr, ks,
	    (size_t)COFFER_BACKUP_KEYS_MAX + 1), COFFER_ERR_INVALID);
	ks[3] = d;		/* version 3 twice */
	assert_int_equal(bk_keyring_new(&kr, ks, 4), COFFER_ERR_INVALID);
	ks[3] = x;
	assert_int_equal(bk_keyring_new(&kr, ks, 4), COFFER_ERR_INVALID);
	ks[3] = z;
	assert_int_equal(bk_keyring_new(&kr, ks, 4), COFFER_ERR_INVALID);
	ks[3] = NULL;
	assert_int_equal(bk_keyring_new(&kr, ks, 4), COFFER_ERR_INVALID);
	assert_null(kr);
	coffer_key_free(&a); coffer_key_free(&b); coffer_key_free(&c);
	coffer_key_free(&d); coffer_key_free(&x); coffer_key_free(&z);
}

/* ---- the tests ---- */

static void
test_keys_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-keys.txt", check_keys, 6);
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
	struct bv_opener op;
	uint8_t zone[32], id[BK_ID], type;
	size_t i, rlen;

	(void)state;
	assert_non_null(b);
	randombytes_buf(zone, 32);
	for (i = 0; i < BV_COUNT(chunk_edits); i++) {
		assert_int_equal(chunk_edit(zone, &chunk_edits[i], b, id,
		    &type, &rlen, &op), chunk_edits[i].expect);
	}
	for (i = 0; i < BV_COUNT(box_edits); i++) {
		assert_int_equal(box_reject(zone, &box_edits[i], b, id, &op),
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
		cmocka_unit_test(test_keyring),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("backup_format", tests, NULL,
	    NULL);
}
