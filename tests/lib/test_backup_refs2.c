/* Refs of version 2 and FORGET refs (docs/PROTOCOL-backup.md, "Refs a
 * server cannot roll back"): known-answer vectors
 * (tests/vectors/backup-refs-v2.txt, written by --write-vectors) of an
 * INDEX body with counter and floor, a SNAPSHOT body with counter and a
 * signed FORGET, each sealed; and the rejections of each body parser
 * (unknown trailer or FORGET version, counter 0, floor above counter,
 * short, long, unsorted, over the cap) and of a FORGET's signature
 * (altered, another key, another set), each with its precise error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>

#include <coffer/sign.h>

#include "backup_vec.h"

#define K_INDEX		3
#define K_SNAPSHOT	4
#define K_FORGET	7

/* The signing key of the vectors' account (seed 0x5a), its set (0x01). */
static struct coffer_key *
acct(uint8_t seed)
{
	struct coffer_key *k = NULL;
	uint8_t s[32];

	memset(s, seed, sizeof(s));
	if (coffer_key_import(&k, COFFER_KEY_ED25519, s, NULL, 1) != 0)
		abort();
	return k;
}

static void
snap_model(struct bk_snapshot *s)
{
	static const char *const paths[] = { "/home/a" };

	memset(s, 0, sizeof(*s));
	s->time_ns = 1700000000000000000;
	s->end_ns = s->time_ns + 5000000000;
	s->host = (char *)(uintptr_t)"host-1";
	s->paths = (char **)(uintptr_t)paths;
	s->npaths = 1;
	bv_fill(s->root, BK_ID, 0x31);
	s->files = 3;
	s->version = BK_REF_V2;
	s->counter = 9;
}

/* The body of an opened ref, into out. */
static void
body_of(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct coffer_buf *ref, struct coffer_buf *out)
{
	uint8_t kind = 0;

	coffer_buf_reset(out);
	if (bk_box_open(kr, &kind, name, BK_NAME, coffer_buf_data(ref),
	    coffer_buf_len(ref), out) != 0)
		abort();
}

/* A signed FORGET of names 0x61.., 0x62.. (n of them), counter 11, for
 * set ${set}, signed by the key of ${seed}. */
static void
forget_make(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    uint8_t seed, uint8_t set, size_t n, const uint8_t *nonce,
    struct coffer_buf *out)
{
	struct coffer_key *k = acct(seed);
	struct coffer_buf *m = coffer_buf_new(4096);
	uint8_t names[2][BK_NAME], sets[BK_SET_BYTES];
	struct bk_forget f;

	memset(&f, 0, sizeof(f));
	bv_fill(names[0], BK_NAME, 0x61);
	bv_fill(names[1], BK_NAME, 0x62);
	names[0][0] = 0x10;
	names[1][0] = 0x20;
	memset(sets, set, sizeof(sets));
	f.counter = 11;
	f.names = names;
	f.n = n;
	if (m == NULL || coffer_key_public(k, f.pk) != 0 ||
	    bk_forget_message(sets, name, &f, m) != 0 ||
	    coffer_sign(f.sig, k, BK_FORGET_CONTEXT, coffer_buf_data(m),
	    coffer_buf_len(m)) != 0 ||
	    bk_forget_encode_det(kr, name, &f, nonce, out) != 0)
		abort();
	coffer_buf_free(&m);
	coffer_key_free(&k);
}

/* Parse a body of kind: 0 or the error. For a FORGET with ${set} (not
 * NULL), also its signature under the key it names, as ref ${name}. */
static int
parse(uint8_t kind, const uint8_t *p, size_t len, const uint8_t *set,
    const uint8_t name[BK_NAME])
{
	struct bk_snapshot s;
	struct bk_forget f;
	struct coffer_buf *m;
	uint8_t (*segs)[BK_ID] = NULL;
	size_t n;
	int r;

	if (kind == K_INDEX) {
		r = bk_indexref_parse(p, len, &segs, &n, NULL);
		free(segs);
		return r;
	}
	if (kind == K_SNAPSHOT) {
		r = bk_snapshot_parse(p, len, &s);
		bk_snapshot_clear(&s);
		return r;
	}
	if ((r = bk_forget_parse(p, len, &f)) != 0 || set == NULL)
		return r;
	if ((m = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL)
		abort();
	if ((r = bk_forget_message(set, name, &f, m)) == 0)
		r = coffer_sign_verify(f.sig, f.pk, BK_FORGET_CONTEXT,
		    coffer_buf_data(m), coffer_buf_len(m));
	coffer_buf_free(&m);
	bk_forget_clear(&f);
	return r;
}

/* Good and bad bodies: the good ones sealed, the bad ones as edits of a
 * good body (offset, byte; or a cut or an added byte). */
enum { G_INDEX, G_SNAP, G_FORGET, NGOOD };

struct bad {
	const char	*name;
	int		 base;
	int		 op;		/* 0 set byte, 1 cut to, 2 add a byte */
	size_t		 off;
	uint8_t		 val;
	uint8_t		 set;		/* FORGET: the set checked */
	int		 expect;
};

/* Index body: nsegs 4 | 2 x 32 | version @68 | counter @69 | floor @77.
 * Snapshot: offsets from the trailer (version @0, counter @1). Forget:
 * version @0 | counter @1 | pk @9 | n @41 | names @45 | signature @77. */
static const struct bad bads[] = {
	{ "index-trailer-version-3", G_INDEX, 0, 68, 3, 0,
	    COFFER_ERR_VERSION },
	{ "index-counter-0", G_INDEX, 0, 76, 0, 0, COFFER_ERR_FORMAT },
	{ "index-floor-above-counter", G_INDEX, 0, 84, 8, 0,
	    COFFER_ERR_FORMAT },
	{ "index-trailer-cut", G_INDEX, 1, 80, 0, 0,
	    COFFER_ERR_TRUNCATED },
	{ "index-trailer-long", G_INDEX, 2, 0, 0, 0, COFFER_ERR_TRAILING },
	{ "snapshot-counter-0", G_SNAP, 0, 8, 0, 0, COFFER_ERR_FORMAT },
	{ "snapshot-trailer-version-1", G_SNAP, 0, 0, 1, 0,
	    COFFER_ERR_VERSION },
	{ "snapshot-trailer-long", G_SNAP, 2, 0, 0, 0,
	    COFFER_ERR_TRAILING },
	{ "forget-version-2", G_FORGET, 0, 0, 2, 0, COFFER_ERR_VERSION },
	{ "forget-counter-0", G_FORGET, 0, 8, 0, 0, COFFER_ERR_FORMAT },
	{ "forget-count-0", G_FORGET, 0, 44, 0, 0, COFFER_ERR_FORMAT },
	{ "forget-count-over-cap", G_FORGET, 0, 42, 1, 0,
	    COFFER_ERR_TOOBIG },
	{ "forget-count-long", G_FORGET, 0, 44, 3, 0,
	    COFFER_ERR_TRUNCATED },
	{ "forget-unsorted", G_FORGET, 0, 61, 0x05, 0,
	    COFFER_ERR_FORMAT },
	{ "forget-cut", G_FORGET, 1, 100, 0, 0, COFFER_ERR_TRUNCATED },
	{ "forget-trailing", G_FORGET, 2, 0, 0, 0, COFFER_ERR_TRAILING },
	{ "forget-name-altered", G_FORGET, 0, 50, 0x77, 0x01,
	    COFFER_ERR_AUTH },
	{ "forget-signature-altered", G_FORGET, 0, 90, 0x77, 0x01,
	    COFFER_ERR_AUTH },
	{ "forget-other-set", G_FORGET, 0, 0, 1, 0x02, COFFER_ERR_AUTH },
};

/* Good ref i into ref (sealed) and its name, under version 1. */
static void
good(const struct bk_keyring *kr, size_t i, uint8_t name[BK_NAME],
    uint8_t nonce[BK_NONCE], struct coffer_buf *ref)
{
	struct bk_snapshot s;
	struct bk_ctr c = { BK_REF_V2, 7, 5 };
	uint8_t segs[2][BK_ID];

	bv_fill(name, BK_NAME, (uint8_t)(0x40 + i));
	bv_fill(nonce, BK_NONCE, (uint8_t)(0x48 + i));
	bv_fill(segs[0], BK_ID, 0x33);
	bv_fill(segs[1], BK_ID, 0x33);
	segs[0][0] = 0x10;
	segs[1][0] = 0x20;
	coffer_buf_reset(ref);
	snap_model(&s);
	if ((i == G_INDEX && bk_indexref_encode_det(kr, name,
	    (const uint8_t (*)[BK_ID])segs, 2, &c, nonce, ref) != 0) ||
	    (i == G_SNAP && bk_snapshot_encode_det(kr, name, &s, nonce,
	    ref) != 0))
		abort();
	if (i == G_FORGET)
		forget_make(kr, name, 0x5a, 0x01, 2, nonce, ref);
}

/* Bad body e into body. */
static void
bad_body(const struct bk_keyring *kr, const struct bad *e,
    uint8_t name[BK_NAME], struct coffer_buf *body)
{
	struct coffer_buf *ref = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	uint8_t nonce[BK_NONCE], *p;
	size_t off;

	if (ref == NULL)
		abort();
	good(kr, (size_t)e->base, name, nonce, ref);
	body_of(kr, name, ref, body);
	/* Snapshot offsets count from the trailer's end. */
	off = e->base == G_SNAP ? coffer_buf_len(body) - 9 + e->off : e->off;
	if (e->op == 0)
		coffer_buf_mutable(body)[off] = e->val;
	else if (e->op == 1)
		coffer_buf_truncate(body, off);
	else if (coffer_buf_extend(body, 1, &p) == 0)
		*p = 0;
	coffer_buf_free(&ref);
}

static int
check_vec(const struct vec *v)
{
	struct bk_keyring *kr = bv_vring(v);
	struct coffer_buf *mine = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	uint8_t name[BK_NAME], nonce[BK_NONCE], set[BK_SET_BYTES];
	uint8_t *body = NULL, *ref = NULL;
	uint64_t kind;
	size_t blen, rlen;
	int expect, has_set, bad = 1, r;

	if (kr == NULL || mine == NULL || vec_err(v, "expect", &expect) ||
	    vec_u64(v, "kind", &kind) || kind < K_INDEX || kind > K_FORGET ||
	    vec_hexn(v, "name", name, BK_NAME) ||
	    vec_hex(v, "body", &body, &blen))
		goto out;
	has_set = vec_get(v, "set") != NULL;
	if (has_set && vec_hexn(v, "set", set, BK_SET_BYTES))
		goto out;
	if ((r = parse((uint8_t)kind, body, blen, has_set ? set : NULL,
	    name)) != expect)
		goto out;
	if (expect == 0) {
		/* Sealed with the nonce, the body gives the ref. */
		if (vec_hexn(v, "nonce", nonce, BK_NONCE) ||
		    vec_hex(v, "ref", &ref, &rlen) ||
		    bk_box_seal_det(kr, (uint8_t)kind, name, BK_NAME, body,
		    blen, rlen, nonce, mine) != 0 ||
		    coffer_buf_len(mine) != rlen ||
		    memcmp(coffer_buf_data(mine), ref, rlen) != 0)
			goto out;
	}
	bad = 0;
out:
	bk_keyring_free(&kr);
	coffer_buf_free(&mine);
	free(body);
	free(ref);
	return bad;
}

static int
w_vecs(FILE *f)
{
	static const char *const names[NGOOD] = { "index-v2", "snapshot-v2",
	    "forget-signed" };
	static const uint8_t kinds[NGOOD] = { K_INDEX, K_SNAPSHOT, K_FORGET };
	struct coffer_buf *ref = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	struct coffer_buf *body = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	struct bk_keyring *kr;
	uint8_t zone[32], name[BK_NAME], nonce[BK_NONCE], set[BK_SET_BYTES];
	size_t i;
	int r;

	bv_fill(zone, 32, 0x11);
	kr = bv_ring(zone, BV_V(1));
	fprintf(f, "# Refs of version 2: INDEX (kind 3) and SNAPSHOT (kind 4) "
	    "bodies ending with\n# version 2 | counter [| floor]; FORGET "
	    "(kind 5), signed by the account key\n# (Ed25519 from 32 bytes "
	    "0x5a) for the set of 16 bytes 0x01. Good ones: body\n# sealed "
	    "with the nonce is the ref. Bad ones: the body's error (a FORGET "
	    "with a\n# set: its signature's).\n");
	for (i = 0; i < NGOOD; i++) {
		good(kr, i, name, nonce, ref);
		body_of(kr, name, ref, body);
		vec_w_begin(f, names[i]);
		bv_w_ring(f, zone, BV_V(1));
		vec_w_u64(f, "kind", kinds[i]);
		vec_w_hex(f, "name", name, BK_NAME);
		vec_w_hex(f, "nonce", nonce, BK_NONCE);
		if (i == G_FORGET) {
			memset(set, 0x01, sizeof(set));
			vec_w_hex(f, "set", set, BK_SET_BYTES);
		}
		vec_w_hex(f, "body", coffer_buf_data(body),
		    coffer_buf_len(body));
		vec_w_word(f, "expect", "OK");
		vec_w_hex(f, "ref", coffer_buf_data(ref), coffer_buf_len(ref));
		vec_w_end(f);
	}
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *e = &bads[i];

		bad_body(kr, e, name, body);
		memset(set, e->set, sizeof(set));
		r = parse(kinds[e->base], coffer_buf_data(body),
		    coffer_buf_len(body), e->set ? set : NULL, name);
		if (r != e->expect) {
			fprintf(stderr, "%s: got %s\n", e->name,
			    vec_errword(r));
			return -1;
		}
		vec_w_begin(f, e->name);
		bv_w_ring(f, zone, BV_V(1));
		vec_w_u64(f, "kind", kinds[e->base]);
		vec_w_hex(f, "name", name, BK_NAME);
		if (e->set)
			vec_w_hex(f, "set", set, BK_SET_BYTES);
		vec_w_hex(f, "body", coffer_buf_data(body),
		    coffer_buf_len(body));
		vec_w_word(f, "expect", vec_errword(e->expect));
		vec_w_end(f);
	}
	bk_keyring_free(&kr);
	coffer_buf_free(&ref);
	coffer_buf_free(&body);
	return 0;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("backup-refs-v2.txt", check_vec, 20);
}

/* The table, live: each edit its exact error. */
static void
test_rejections(void **state)
{
	struct coffer_buf *body = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	static const uint8_t kinds[NGOOD] = { K_INDEX, K_SNAPSHOT, K_FORGET };
	struct bk_keyring *kr;
	uint8_t zone[32], name[BK_NAME], set[BK_SET_BYTES];
	size_t i;

	(void)state;
	assert_non_null(body);
	randombytes_buf(zone, sizeof(zone));
	kr = bv_ring(zone, BV_V(1));
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		bad_body(kr, &bads[i], name, body);
		memset(set, bads[i].set, sizeof(set));
		if (parse(kinds[bads[i].base], coffer_buf_data(body),
		    coffer_buf_len(body), bads[i].set ? set : NULL, name) !=
		    bads[i].expect)
			fail_msg("%s", bads[i].name);
	}
	bk_keyring_free(&kr);
	coffer_buf_free(&body);
}

static int
write_vectors(const char *dir)
{
	static const struct bv_file files[] = {
		{ "backup-refs-v2.txt", w_vecs },
	};

	return bv_write_files(dir, files, BV_COUNT(files));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_rejections),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("backup_refs2", tests, NULL, NULL);
}
