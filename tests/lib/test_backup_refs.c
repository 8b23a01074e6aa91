/* Refs (docs/PROTOCOL-backup.md, "Refs"): known-answer vectors of INDEX
 * and SNAPSHOT refs (tests/vectors/backup-refs.txt, written by
 * --write-vectors) in both box formats (2, naming the key version; 1,
 * from before key rolls) and the table of rejections of the ref box and
 * of each body parser, with its precise error; the same table makes the
 * bad vectors. */
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

static const char *const gpaths[] = { "/home/a", "/etc" };

/* Good refs: 0 snapshot with parent (sealed under key version 2, after
 * a roll), 1 snapshot without, 2 index of two segments, 3 empty index
 * (version 2); 4 and 5 as 0 and 2 in format 1, from before key rolls. */
#define R_SNAP		0
#define R_NOPARENT	1
#define R_INDEX		2
#define R_V1SNAP	4
#define R_V1INDEX	5
#define NREFS		6

static const struct { unsigned mask; int format; } grefs[NREFS] = {
	{ BV_V(2), BK_FORMAT }, { BV_V(1), BK_FORMAT },
	{ BV_V(1), BK_FORMAT }, { BV_V(2), BK_FORMAT },
	{ BV_V(1), BK_FORMAT_V1 }, { BV_V(1), BK_FORMAT_V1 },
};

/* Whether good ref i is a snapshot, and its content's model. */
#define IS_SNAP(i)	((i) < R_INDEX || (i) == R_V1SNAP)
#define MODEL(i)	((i) == R_V1SNAP ? R_SNAP : (i) == R_V1INDEX ? \
			    R_INDEX : (i))

static void
ref_snap(size_t i, struct bk_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->time_ns = 1700000000000000000;
	s->end_ns = s->time_ns + 5000000000;
	s->host = (char *)(uintptr_t)"host-1";
	s->paths = (char **)(uintptr_t)gpaths;
	s->npaths = i == R_SNAP ? 2 : 1;
	bv_fill(s->root, BK_ID, 0x31);
	s->has_parent = i == R_SNAP;
	if (s->has_parent)
		bv_fill(s->parent, BK_NAME, 0x32);
	s->files = 19314;
	s->dirs = 1200;
	s->bytes = 1055433550;
	s->bytes_new = 657500000;
	s->bytes_stored = 660000000;
}

static void
ref_segs(uint8_t segs[2][BK_ID])
{
	bv_fill(segs[0], BK_ID, 0x33);
	bv_fill(segs[1], BK_ID, 0x33);
	segs[0][0] = 0x10;
	segs[1][0] = 0x20;
}

/* Body offsets of the good snapshot (host "host-1", paths "/home/a",
 * "/etc") and of the one without parent. */
#define SN_HP		73
#define SN1_PARENT	68

static const struct bv_edit ref_edits[] = {
	{ "moved-to-other-name", R_SNAP, BV_OUTER, BV_BIND, 0, 0,
	    COFFER_ERR_AUTH },
	{ "other-key", R_INDEX, BV_OUTER, BV_KEY, 0, 0, COFFER_ERR_AUTH },
	{ "snapshot-read-as-index", R_SNAP, BV_OUTER, BV_KIND, 0,
	    BK_KIND_INDEX, COFFER_ERR_CONTEXT },
	{ "index-read-as-snapshot", R_INDEX, BV_OUTER, BV_KIND, 0,
	    BK_KIND_SNAPSHOT, COFFER_ERR_CONTEXT },
	{ "truncated", R_SNAP, BV_OUTER, BV_CUT, BK_BOX_OVER - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "padding-nonzero", R_INDEX, BV_PLAIN, BV_XOR, -1, 1,
	    COFFER_ERR_FORMAT },
	{ "snapshot-has-parent-2", R_SNAP, BV_BODY, BV_SET, SN_HP, 2,
	    COFFER_ERR_FORMAT },
	{ "snapshot-parent-without-flag", R_NOPARENT, BV_BODY, BV_SET,
	    SN1_PARENT, 1, COFFER_ERR_FORMAT },
	{ "snapshot-cut", R_SNAP, BV_BODY, BV_CUT, 100, 0,
	    COFFER_ERR_TRUNCATED },
	{ "snapshot-trailing-byte", R_SNAP, BV_BODY, BV_ADD, 0, 0,
	    COFFER_ERR_VERSION },
	{ "snapshot-host-over-cap", R_SNAP, BV_BODY, BV_SET, 16, 1,
	    COFFER_ERR_TOOBIG },
	{ "snapshot-paths-over-cap", R_SNAP, BV_BODY, BV_SET, 24, 5,
	    COFFER_ERR_TOOBIG },
	{ "snapshot-path-nul", R_SNAP, BV_BODY, BV_SET, 30, 0,
	    COFFER_ERR_FORMAT },
	{ "index-unsorted", R_INDEX, BV_BODY, BV_SET, 4 + BK_ID, 0x01,
	    COFFER_ERR_FORMAT },
	{ "index-duplicate", R_INDEX, BV_BODY, BV_SET, 4 + BK_ID, 0x10,
	    COFFER_ERR_FORMAT },
	{ "index-count-short", R_INDEX, BV_BODY, BV_SET32, 0, 1,
	    COFFER_ERR_VERSION },
	{ "index-count-long", R_INDEX, BV_BODY, BV_SET32, 0, 3,
	    COFFER_ERR_TRUNCATED },
	{ "index-count-over-cap", R_INDEX, BV_BODY, BV_SET32, 0, 0x10000000,
	    COFFER_ERR_TOOBIG },
	{ "ring-lacks-key-version", R_SNAP, BV_OUTER, BV_RING, 0, BV_V(1),
	    COFFER_ERR_KEY },
	{ "key-version-0", R_SNAP, BV_OUTER, BV_SET32, 1, 0,
	    COFFER_ERR_FORMAT },
	{ "v1-ring-lacks-version-1", R_V1SNAP, BV_OUTER, BV_RING, 0, BV_V(2),
	    COFFER_ERR_KEY },
	{ "v1-truncated", R_V1INDEX, BV_OUTER, BV_CUT, BK_BOX_OVER_V1 - 1, 0,
	    COFFER_ERR_TRUNCATED },
	{ "v1-snapshot-cut", R_V1SNAP, BV_BODY, BV_CUT, 100, 0,
	    COFFER_ERR_TRUNCATED },
	{ "v1-index-unsorted", R_V1INDEX, BV_BODY, BV_SET, 4 + BK_ID, 0x01,
	    COFFER_ERR_FORMAT },
};

/* Turn the library's box in out into format, with edit e's plaintext or
 * body change (e may be NULL): crafted, with the library's padding rule
 * for format 1, the length kept for format 2. 0, or -1 if out does not
 * open. */
static int
ref_reseal(const struct bk_keyring *kr, int format,
    const uint8_t name[BK_NAME], const uint8_t nonce[BK_NONCE],
    const struct bv_edit *e, struct coffer_buf *out)
{
	struct coffer_buf *body;
	uint8_t kind = 0;
	size_t total = coffer_buf_len(out);

	if (format == BK_FORMAT && (e == NULL || e->layer == BV_OUTER))
		return 0;
	if ((body = coffer_buf_new_secret(1 << 20)) == NULL)
		abort();
	if (bk_box_open(kr, &kind, name, BK_NAME, coffer_buf_data(out), total,
	    body) != 0) {
		coffer_buf_free(&body);
		return -1;
	}
	if (format == BK_FORMAT_V1)
		total = (size_t)padme_bucket(BK_BOX_OVER_V1 + coffer_buf_len(body));
	coffer_buf_reset(out);
	bv_box(kr, format, kind, name, BK_NAME, coffer_buf_data(body),
	    coffer_buf_len(body), total, nonce,
	    e != NULL && e->layer != BV_OUTER ? e : NULL, out);
	coffer_buf_free(&body);
	return 0;
}

/* Good ref i, with edit e (may be NULL), into out; its name to name. */
static void
ref_make(const uint8_t zone[32], size_t i, const struct bv_edit *e,
    uint8_t name[BK_NAME], struct coffer_buf *out)
{
	struct bk_keyring *kr = bv_ring(zone, grefs[i].mask);
	struct bk_snapshot s;
	uint8_t nonce[BK_NONCE], segs[2][BK_ID];
	int r;

	bv_fill(name, BK_NAME, (uint8_t)(0x40 + i));
	bv_fill(nonce, BK_NONCE, (uint8_t)(0x48 + i));
	coffer_buf_reset(out);
	ref_snap(MODEL(i), &s);
	ref_segs(segs);
	r = IS_SNAP(i) ? bk_snapshot_encode_det(kr, name, &s, nonce, out) :
	    bk_indexref_encode_det(kr, name, (const uint8_t (*)[BK_ID])segs,
	    MODEL(i) == R_INDEX ? 2 : 0, NULL, nonce, out);
	if (r != 0 || ref_reseal(kr, grefs[i].format, name, nonce, e,
	    out) != 0)
		abort();
	if (e != NULL && e->layer == BV_OUTER)
		bv_apply(out, e);
	bk_keyring_free(&kr);
}

/* Open a ref as kind and parse its body: 0 or the error; a snapshot to
 * *s (cleared by the caller), an index to *segs, *n. */
static int
ref_try(const struct bk_keyring *kr, uint8_t kind, const uint8_t name[BK_NAME],
    const uint8_t *p, size_t len, struct bk_snapshot *s,
    uint8_t (**segs)[BK_ID], size_t *n)
{
	struct coffer_buf *body = coffer_buf_new_secret(1 << 20);
	int r;

	memset(s, 0, sizeof(*s));
	*segs = NULL;
	*n = 0;
	if (body == NULL)
		abort();
	if ((r = bk_box_open(kr, &kind, name, BK_NAME, p, len, body)) == 0)
		r = kind == BK_KIND_SNAPSHOT ? bk_snapshot_parse(
		    coffer_buf_data(body), coffer_buf_len(body), s) :
		    bk_indexref_parse(coffer_buf_data(body),
		    coffer_buf_len(body), segs, n, NULL);
	coffer_buf_free(&body);
	return r;
}

static int
ref_reject(const uint8_t zone[32], const struct bv_edit *e,
    struct coffer_buf *b, uint8_t id[BK_ID], struct bv_opener *op)
{
	struct bk_keyring *kr;
	struct bk_snapshot s;
	uint8_t (*segs)[BK_ID], other[BK_NAME];
	size_t n;
	int r;

	memset(id, 0, BK_ID);
	ref_make(zone, (size_t)e->base, e, id, b);
	memcpy(id, bv_bind(e, id, other, BK_NAME), BK_NAME);
	bv_opener(e, zone, grefs[e->base].mask, op);
	kr = bv_opener_ring(op);
	r = ref_try(kr, e->op == BV_KIND ? (uint8_t)e->arg :
	    IS_SNAP((size_t)e->base) ? BK_KIND_SNAPSHOT : BK_KIND_INDEX, id,
	    coffer_buf_data(b), coffer_buf_len(b), &s, &segs, &n);
	bk_snapshot_clear(&s);
	free(segs);
	bk_keyring_free(&kr);
	return r;
}

/* The snapshot of the vector's fields. */
static int
snap_fields(const struct vec *v, struct bk_snapshot *s, char **paths)
{
	uint64_t u[8], i;
	static const char *const nums[] = { "time", "end", "npaths",
	    "has_parent", "files", "dirs", "bytes", "bytes_new" };
	char f[32];

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 8; i++)
		if (vec_u64(v, nums[i], &u[i]))
			return -1;
	if (u[2] > 2 || u[3] > 1 || vec_u64(v, "bytes_stored",
	    &s->bytes_stored) || (s->host = vec_str(v, "host")) == NULL ||
	    vec_hexn(v, "root", s->root, BK_ID) ||
	    (u[3] && vec_hexn(v, "parent", s->parent, BK_NAME)))
		return -1;
	s->time_ns = (int64_t)u[0];
	s->end_ns = (int64_t)u[1];
	s->has_parent = (int)u[3];
	s->files = u[4];
	s->dirs = u[5];
	s->bytes = u[6];
	s->bytes_new = u[7];
	s->paths = paths;
	for (i = 0; i < u[2]; i++, s->npaths++) {
		snprintf(f, sizeof(f), "path%u", (unsigned)i);
		if ((paths[i] = vec_str(v, f)) == NULL)
			return -1;
	}
	return 0;
}

static int
snap_eq(const struct bk_snapshot *a, const struct bk_snapshot *b)
{
	size_t i;

	if (a->time_ns != b->time_ns || a->end_ns != b->end_ns ||
	    strcmp(a->host, b->host) != 0 || a->npaths != b->npaths ||
	    memcmp(a->root, b->root, BK_ID) != 0 ||
	    a->has_parent != b->has_parent ||
	    memcmp(a->parent, b->parent, BK_NAME) != 0 ||
	    a->files != b->files || a->dirs != b->dirs ||
	    a->bytes != b->bytes || a->bytes_new != b->bytes_new ||
	    a->bytes_stored != b->bytes_stored)
		return 0;
	for (i = 0; i < a->npaths; i++)
		if (strcmp(a->paths[i], b->paths[i]) != 0)
			return 0;
	return 1;
}

static int
check_ref(const struct vec *v)
{
	struct bk_keyring *kr = bv_vring(v);
	struct coffer_buf *mine = coffer_buf_new(1 << 20);
	struct bk_snapshot got, want;
	uint8_t name[BK_NAME], nonce[BK_NONCE], *ref = NULL, *segs = NULL;
	uint8_t (*gsegs)[BK_ID] = NULL;
	char *paths[2] = { NULL, NULL };
	uint64_t kind, format = 0;
	size_t len, n, sl;
	int expect, bad = 1;

	memset(&want, 0, sizeof(want));
	if (kr == NULL || mine == NULL || vec_err(v, "expect", &expect) ||
	    vec_u64(v, "kind", &kind) || kind > 255 ||
	    vec_hexn(v, "name", name, BK_NAME) || vec_hex(v, "ref", &ref, &len) ||
	    ref_try(kr, (uint8_t)kind, name, ref, len, &got, &gsegs, &n) !=
	    expect)
		goto out;
	if (expect == 0 && (vec_u64(v, "format", &format) ||
	    (format != BK_FORMAT && format != BK_FORMAT_V1) ||
	    vec_hexn(v, "nonce", nonce, BK_NONCE)))
		goto out;
	if (expect == 0 && kind == BK_KIND_SNAPSHOT && (snap_fields(v, &want,
	    paths) || bk_snapshot_encode_det(kr, name, &want, nonce,
	    mine) != 0 || !snap_eq(&want, &got)))
		goto out;
	if (expect == 0 && kind == BK_KIND_INDEX && (vec_hex(v, "segs", &segs,
	    &sl) || sl != n * BK_ID || (n > 0 && memcmp(segs, gsegs, sl) != 0) ||
	    bk_indexref_encode_det(kr, name, (const uint8_t (*)[BK_ID])segs, n,
	    NULL, nonce, mine) != 0))
		goto out;
	if (expect == 0 && ref_reseal(kr, (int)format, name, nonce, NULL,
	    mine) != 0)
		goto out;
	bad = expect == 0 && (coffer_buf_len(mine) != len ||
	    memcmp(coffer_buf_data(mine), ref, len) != 0);
out:
	bk_snapshot_clear(&got);
	free(want.host);
	free(paths[0]);
	free(paths[1]);
	bk_keyring_free(&kr);
	coffer_buf_free(&mine);
	free(ref); free(segs); free(gsegs);
	return bad;
}

static void
w_snap(FILE *f, const struct bk_snapshot *s)
{
	char fl[32];
	size_t i;

	vec_w_u64(f, "time", (uint64_t)s->time_ns);
	vec_w_u64(f, "end", (uint64_t)s->end_ns);
	vec_w_str(f, "host", s->host);
	vec_w_u64(f, "npaths", s->npaths);
	for (i = 0; i < s->npaths; i++) {
		snprintf(fl, sizeof(fl), "path%zu", i);
		vec_w_str(f, fl, s->paths[i]);
	}
	vec_w_hex(f, "root", s->root, BK_ID);
	vec_w_u64(f, "has_parent", (uint64_t)s->has_parent);
	if (s->has_parent)
		vec_w_hex(f, "parent", s->parent, BK_NAME);
	vec_w_u64(f, "files", s->files);
	vec_w_u64(f, "dirs", s->dirs);
	vec_w_u64(f, "bytes", s->bytes);
	vec_w_u64(f, "bytes_new", s->bytes_new);
	vec_w_u64(f, "bytes_stored", s->bytes_stored);
}

static int
w_refs(FILE *f)
{
	static const char *const names[NREFS] = { "snapshot-key-2",
	    "snapshot-first", "index-two-segments", "index-empty-key-2",
	    "v1-snapshot", "v1-index-two-segments" };
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	struct bv_opener op;
	struct bk_snapshot s;
	uint8_t zone[32], name[BK_NAME], nonce[BK_NONCE], segs[2][BK_ID];
	size_t i;
	int r;

	bv_fill(zone, 32, 0x11);
	fprintf(f, "# Refs: boxes (format 2 naming the key version, or 1) "
	    "bound to the ref's 16-byte\n# name, Padme-padded; kind 3 INDEX "
	    "(segment ids), kind 4 SNAPSHOT. Good ones\n# reseal from the "
	    "ring, format, fields and nonce.\n");
	for (i = 0; i < NREFS; i++) {
		ref_make(zone, i, NULL, name, b);
		bv_fill(nonce, BK_NONCE, (uint8_t)(0x48 + i));
		vec_w_begin(f, names[i]);
		bv_w_ring(f, zone, grefs[i].mask);
		vec_w_u64(f, "format", (uint64_t)grefs[i].format);
		vec_w_u64(f, "kind", IS_SNAP(i) ? BK_KIND_SNAPSHOT :
		    BK_KIND_INDEX);
		vec_w_hex(f, "name", name, BK_NAME);
		vec_w_hex(f, "nonce", nonce, BK_NONCE);
		ref_snap(MODEL(i), &s);
		ref_segs(segs);
		if (IS_SNAP(i))
			w_snap(f, &s);
		else
			vec_w_hex(f, "segs", segs[0], MODEL(i) == R_INDEX ?
			    2 * BK_ID : 0);
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "ref", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	for (i = 0; i < BV_COUNT(ref_edits); i++) {
		const struct bv_edit *e = &ref_edits[i];
		uint8_t id[BK_ID];

		if ((r = ref_reject(zone, e, b, id, &op)) != e->expect) {
			fprintf(stderr, "ref %s: got %s\n", e->name,
			    vec_errword(r));
			return -1;
		}
		vec_w_begin(f, e->name);
		bv_w_ring(f, op.secret, op.mask);
		vec_w_u64(f, "kind", e->op == BV_KIND ? e->arg :
		    IS_SNAP((size_t)e->base) ? BK_KIND_SNAPSHOT :
		    BK_KIND_INDEX);
		vec_w_hex(f, "name", id, BK_NAME);
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_hex(f, "ref", coffer_buf_data(b), coffer_buf_len(b));
		vec_w_end(f);
	}
	coffer_buf_free(&b);
	return 0;
}

static void
test_ref_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-refs.txt", check_ref, 30);
}

/* The rejection table, live: fresh keys, each edit its exact error. */
static void
test_rejections(void **state)
{
	(void)state;
	assert_int_equal(bv_rejections(ref_edits, BV_COUNT(ref_edits),
	    ref_reject), 0);
}

static int
write_vectors(const char *dir)
{
	static const struct bv_file files[] = {
		{ "backup-refs.txt", w_refs },
	};

	return bv_write_files(dir, files, BV_COUNT(files));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_vectors),
		cmocka_unit_test(test_rejections),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("backup_refs", tests, NULL, NULL);
}
