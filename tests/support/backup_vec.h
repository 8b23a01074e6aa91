/* Shared helpers of the backup format tests (test_backup_format.c,
 * test_backup_pack.c, test_backup_refs.c, test_backup_tree.c):
 * deterministic bytes, key rings from a vector, independent sealers for
 * crafted box plaintexts and for the format-1 objects coffer wrote
 * before key rolls, and the edits that turn a good object into each
 * rejected one (docs/PROTOCOL-backup.md).
 *
 * An edit applies to one of three layers: the outer bytes (what the store
 * holds), the box plaintext (kind | length | body | padding, resealed
 * with the right key and binding), or the body (then boxed normally).
 * The same table yields the bad vectors and the live rejection test. */
#ifndef COFFER_TEST_BACKUP_VEC_H
#define COFFER_TEST_BACKUP_VEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <coffer/buf.h>
#include <coffer/err.h>	/* the errors an edit expects */

#include "backup/format.h"
#include "vecfile.h"

/* Bytes that differ by seed and position. */
void bv_fill(uint8_t *p, size_t n, uint8_t seed);

/* Key rings. A ring is a base secret s and a mask of versions (bit v:
 * version v, 1 to BV_VERSIONS); version v's zone key secret is s with its
 * last byte xor (v - 1), so version 1's is s itself. */
#define BV_VERSIONS	9
#define BV_V(v)		(1u << (v))

/* The secret of version v. */
void bv_secret(const uint8_t s[32], uint32_t v, uint8_t out[32]);

/* The ring of mask over s (aborts on failure: a test fixture). */
struct bk_keyring *bv_ring(const uint8_t s[32], unsigned mask);

/* The ring of a vector's zone_key_v<N> fields (N from 1 to BV_VERSIONS,
 * at least one), or NULL. */
struct bk_keyring *bv_vring(const struct vec *v);

/* Write the zone_key_v<N> fields of the ring of mask over s. */
void bv_w_ring(FILE *f, const uint8_t s[32], unsigned mask);

/* Layers and operations of an edit. */
enum { BV_OUTER, BV_PLAIN, BV_BODY };
enum {
	BV_XOR,		/* p[off] ^= arg */
	BV_SET,		/* p[off] = arg */
	BV_SET32,	/* big-endian arg at off */
	BV_CUT,		/* keep off bytes */
	BV_ADD,		/* append the byte arg */
	BV_BIND,	/* open with another binding (id or name) */
	BV_KEY,		/* open with other zone keys, same versions */
	BV_KIND,	/* open as another kind (arg), or another type */
	BV_RLEN,	/* open with the plaintext length plus arg */
	BV_RING,	/* open with the ring of versions mask arg */
};

struct bv_edit {
	const char	*name;
	int		 base;	/* which good object it starts from */
	int		 layer;
	int		 op;
	long		 off;	/* < 0: from the end */
	uint32_t	 arg;
	int		 expect;
};

/* Apply a byte operation to b; other operations leave it. */
void bv_apply(struct coffer_buf *b, const struct bv_edit *e);

/* A box of format (BK_FORMAT: under the newest version of kr;
 * BK_FORMAT_V1: under version 1) around a plaintext given whole (kind |
 * length | body | padding), sealed independently of lib/backup/box.c;
 * nothing is appended when kr lacks the version (a mutated vector). */
void bv_seal_plain(const struct bk_keyring *kr, int format,
    const uint8_t *bind, size_t bindlen, const uint8_t *pt, size_t len,
    const uint8_t nonce[BK_NONCE], struct coffer_buf *out);

/* A stored chunk of format 1 (under version 1 of kr; zstd when zstd
 * gains), sealed independently of lib/backup/chunk.c: what coffer wrote
 * before key rolls; out is left empty when kr lacks version 1. */
void bv_chunk_v1(const struct bk_keyring *kr, const uint8_t id[BK_ID],
    uint8_t type, const uint8_t *p, size_t len,
    const uint8_t nonce[BK_NONCE], struct coffer_buf *out);

/* The box plaintext of body, padded to total box bytes (of format). */
void bv_plain(int format, uint8_t kind, const uint8_t *body, size_t len,
    size_t total, struct coffer_buf *pt);

/* Seal body as a box of format and kind bound to bind, with a BV_PLAIN
 * or BV_BODY edit applied at its layer (e may be NULL). */
void bv_box(const struct bk_keyring *kr, int format, uint8_t kind,
    const uint8_t *bind, size_t bindlen, const uint8_t *body, size_t len,
    size_t total, const uint8_t nonce[BK_NONCE], const struct bv_edit *e,
    struct coffer_buf *out);

/* The binding or key an edit opens with: the original, or another. */
const uint8_t *bv_bind(const struct bv_edit *e, const uint8_t *bind,
    uint8_t *other, size_t len);

/* The keys an edit opens with: the sealing ring (secret zone, versions
 * mask), other secrets for BV_KEY, other versions for BV_RING. */
struct bv_opener {
	uint8_t		secret[32];
	unsigned	mask;
};
void bv_opener(const struct bv_edit *e, const uint8_t zone[32],
    unsigned mask, struct bv_opener *op);
struct bk_keyring *bv_opener_ring(const struct bv_opener *op);

/* Two entries equal field by field (their padding may differ). */
int bv_entry_eq(const struct bk_entry *a, const struct bk_entry *b);

#define BV_COUNT(a)	(sizeof(a) / sizeof((a)[0]))

/* Apply an edit to a good object and parse it as the edit says: the
 * error; the object to b, the id it was opened as to id, the keys it was
 * opened with to op. */
typedef int (*bv_reject_fn)(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *b, uint8_t id[BK_ID], struct bv_opener *op);

/* Run each edit with a fresh random zone key: how many did not fail
 * exactly as the table says (each printed). */
size_t bv_rejections(const struct bv_edit *edits, size_t n, bv_reject_fn fn);

/* Write the bad vector of each edit (the opener's ring, the id field,
 * expect, the object field), after checking its error; 0 or -1. */
int bv_w_bad(FILE *f, const struct bv_edit *edits, size_t n, bv_reject_fn fn,
    const char *idfield, const char *objfield);

/* A vector file and its writer (0 or -1). */
struct bv_file {
	const char	*name;
	int		(*w)(FILE *);
};

/* --write-vectors: write each file into dir. */
int bv_write_files(const char *dir, const struct bv_file *files, size_t n);

#endif
