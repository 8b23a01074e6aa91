/* Grants (lib/keys/grant.c, PROTOCOL-devices.md §3): a root sealed to a
 * device and signed by the account key, made and opened along the
 * fixed-seed chain; what grant_make refuses; every byte load-bearing;
 * each acceptance check failed once, with its reason; and
 * tests/vectors/grant.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/sign.h>

#include "core/secret.h"
#include "core/sysendian.h"
#include "devchain.h"
#include "keys/device_internal.h"
#include "keys/grant.h"
#include "vecfile.h"

/* Devices that open grants: A, B, C of the chain, and B2, a device that
 * claims B's id with keys of its own. */
enum { D_A, D_B, D_C, D_B2, ND };

struct gs {
	struct devchain		 c;
	struct coffer_device	*dev[ND];	/* A, B, C borrowed from c */
	struct coffer_key	*other_root;	/* version 1, not R_1 */
};

static struct gs *
gs_new(void)
{
	struct gs *s = calloc(1, sizeof(*s));
	uint8_t sd[32], x[32];

	if (s == NULL)
		abort();
	dc_init(&s->c);
	s->dev[D_A] = s->c.dev[0];
	s->dev[D_B] = s->c.dev[1];
	s->dev[D_C] = s->c.dev[2];
	dc_fill(sd, sizeof(sd), 0x91);
	dc_fill(x, sizeof(x), 0x92);
	dc_clamp(x);
	if (device_import(&s->dev[D_B2], coffer_device_id(s->dev[D_B]), sd, 1,
	    x, 1) != 0)
		abort();
	s->other_root = dc_key(COFFER_KEY_SYMMETRIC, 0x93, 1);
	return s;
}

static void
gs_free(struct gs *s)
{
	coffer_device_free(&s->dev[D_B2]);
	coffer_key_free(&s->other_root);
	dc_cleanup(&s->c);
	free(s);
}

static int
setup(void **state)
{
	*state = gs_new();
	return 0;
}

static int
teardown(void **state)
{
	gs_free(*state);
	return 0;
}

/* The fields of a grant to ${dev} for entry ${e}. */
static void
fields(struct grant *g, const struct devlist_entry *e,
    const struct coffer_device *dev)
{
	memset(g, 0, sizeof(*g));
	memcpy(g->account, e->account, sizeof(g->account));
	g->seq = e->seq;
	memcpy(g->entry_hash, e->hash, sizeof(g->entry_hash));
	g->epoch = e->epoch;
	memcpy(g->device, coffer_device_id(dev), sizeof(g->device));
	memcpy(g->agree_pk, coffer_device_agree_public(dev),
	    sizeof(g->agree_pk));
	g->agree_version = coffer_key_version(coffer_device_agree_key(dev));
}

/* The fixed sealing randomness of the vectors. */
static void
randomness(uint8_t nonce[24], uint8_t eph[32], uint8_t seed)
{
	dc_fill(nonce, 24, seed);
	dc_fill(eph, 32, (uint8_t)(seed + 1));
	dc_clamp(eph);
}

static void
make_det(struct coffer_buf *out, const struct grant *g,
    const struct coffer_key *root, const struct coffer_key *signer)
{
	uint8_t nonce[24], eph[32];

	randomness(nonce, eph, 0xa0);
	coffer_buf_reset(out);
	if (grant_make_det(out, g, root, signer, nonce, eph) != 0)
		abort();
}

/* Made and opened along the chain: the genesis device, the added one,
 * and the one left after the remove, each with its epoch's root. */
static void
test_roundtrip(void **state)
{
	struct gs *s = *state;
	struct devchain *c = &s->c;
	struct coffer_buf *b = coffer_buf_new(GRANT_BYTES);
	struct coffer_key *root = NULL;
	struct grant g;
	static const struct {
		int entry, dev, ep;
	} cases[] = { { 0, D_A, 0 }, { 1, D_A, 0 }, { 1, D_B, 0 },
	    { 2, D_B, 0 }, { 3, D_B, 1 } };
	char why[200];
	size_t i;

	assert_non_null(b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct devlist_entry *e = &c->e[cases[i].entry];

		coffer_buf_reset(b);
		assert_int_equal(grant_make(b, e,
		    coffer_device_id(s->dev[cases[i].dev]),
		    c->root[cases[i].ep], c->acct[cases[i].ep]), 0);
		assert_int_equal(coffer_buf_len(b), GRANT_BYTES);
		assert_int_equal(grant_parse(&g, coffer_buf_data(b),
		    coffer_buf_len(b)), 0);
		assert_int_equal(g.seq, e->seq);
		why[0] = '\0';
		if (grant_open(&root, coffer_buf_data(b), coffer_buf_len(b), e,
		    s->dev[cases[i].dev], why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		assert_true(coffer_key_equal(root, c->root[cases[i].ep]));
		coffer_key_free(&root);
	}
	coffer_buf_free(&b);
}

/* grant_make refuses what no device would accept; ${out} unchanged. */
static void
test_make_refused(void **state)
{
	struct gs *s = *state;
	struct devchain *c = &s->c;
	struct coffer_buf *b = coffer_buf_new(1024);
	const uint8_t *bid = coffer_device_id(s->dev[D_B]);
	struct coffer_key *v2 = NULL;
	static const uint8_t nonce[24], eph[32];
	struct grant g;

	assert_non_null(b);
	assert_int_equal(coffer_buf_put_u8(b, 0xaa), 0);
	assert_int_equal(coffer_key_import(&v2, COFFER_KEY_SYMMETRIC,
	    key_secret(c->root[0]), coffer_key_id(c->root[0]), 2), 0);
	assert_int_equal(grant_make(b, &c->e[1],
	    coffer_device_id(s->dev[D_C]), c->root[0], c->acct[0]),
	    COFFER_ERR_INVALID);
	assert_int_equal(grant_make(b, &c->e[1], bid, c->root[1], c->acct[0]),
	    COFFER_ERR_INVALID);
	assert_int_equal(grant_make(b, &c->e[1], bid, v2, c->acct[0]),
	    COFFER_ERR_INVALID);
	assert_int_equal(grant_make(b, &c->e[1], bid, s->other_root,
	    c->acct[0]), COFFER_ERR_INVALID);
	assert_int_equal(grant_make(b, &c->e[1], bid, c->root[0], c->acct[1]),
	    COFFER_ERR_INVALID);
	assert_int_equal(grant_make(b, &c->e[1], bid, c->root[0], c->root[0]),
	    COFFER_ERR_INVALID);
	assert_int_equal(grant_make(b, &c->e[3], bid, c->root[1], c->acct[0]),
	    COFFER_ERR_INVALID);
	assert_int_equal(grant_make(b, NULL, bid, c->root[0], c->acct[0]),
	    COFFER_ERR_INVALID);
	fields(&g, &c->e[1], s->dev[D_B]);
	g.epoch = 0;
	assert_int_equal(grant_make_det(b, &g, c->root[0], c->acct[0], nonce,
	    eph), COFFER_ERR_INVALID);
	assert_int_equal(coffer_buf_len(b), 1);
	coffer_buf_free(&b);
	b = coffer_buf_new(GRANT_BYTES - 1);
	assert_int_equal(grant_make(b, &c->e[1], bid, c->root[0], c->acct[0]),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
	coffer_key_free(&v2);
}

/* Every byte of a grant matters, and it opens whole or not at all. */
static void
test_every_byte(void **state)
{
	struct gs *s = *state;
	struct devchain *c = &s->c;
	struct coffer_buf *b = coffer_buf_new(GRANT_BYTES);
	struct coffer_key *root = NULL;
	uint8_t p[GRANT_BYTES + 1];
	size_t i;

	assert_int_equal(grant_make(b, &c->e[1],
	    coffer_device_id(s->dev[D_B]), c->root[0], c->acct[0]), 0);
	memcpy(p, coffer_buf_data(b), GRANT_BYTES);
	for (i = 0; i < GRANT_BYTES; i++) {
		p[i] ^= 0x04;
		assert_int_not_equal(grant_open(&root, p, GRANT_BYTES, &c->e[1],
		    s->dev[D_B], NULL, 0), 0);
		assert_null(root);
		p[i] ^= 0x04;
	}
	for (i = 0; i < GRANT_BYTES; i++)
		assert_int_equal(grant_open(&root, p, i, &c->e[1], s->dev[D_B],
		    NULL, 0), COFFER_ERR_TRUNCATED);
	p[GRANT_BYTES] = 0;
	assert_int_equal(grant_open(&root, p, GRANT_BYTES + 1, &c->e[1],
	    s->dev[D_B], NULL, 0), COFFER_ERR_TRAILING);
	assert_int_equal(grant_open(&root, p, GRANT_BYTES, NULL, s->dev[D_B],
	    NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(grant_open(&root, p, GRANT_BYTES, &c->e[1], s->dev[D_B],
	    NULL, 0), 0);
	coffer_key_free(&root);
	coffer_buf_free(&b);
}

/* --- Grants made wrong ----------------------------------------------------
 * Each is the grant of R_1 to B for entry 2, signed by A_1, with one thing
 * changed, opened by a device against an entry. Shared by the live test
 * and the vectors. */

struct forged {
	const char	*name;
	int		 entry;		/* the entry it is opened against */
	int		 opener;	/* D_* */
	int		 expect;
	const char	*why;
};

enum {
	F_ACCOUNT, F_SEQ, F_FORK, F_SIGNER, F_SIG, F_OLD_SIGNER, F_DEVICE,
	F_DEVICE_KEY, F_KEY_VERSION, F_UNLISTED, F_OTHER_CARD, F_EPOCH,
	F_ROOT_EPOCH, F_SEALED, F_ROOT, NFORGED
};

static const struct forged forged[NFORGED] = {
	[F_ACCOUNT] = { "open-other-account", 1, D_B, COFFER_ERR_AUTH,
	    "the grant is for another account" },
	[F_SEQ] = { "open-against-another-entry", 2, D_B, COFFER_ERR_AUTH,
	    "the grant is for list entry 2, not entry 3" },
	[F_FORK] = { "open-fork", 1, D_B, COFFER_ERR_AUTH,
	    "the grant is for another list entry 2 (a fork)" },
	[F_SIGNER] = { "open-signed-by-another-key", 1, D_B, COFFER_ERR_AUTH,
	    "the grant is not signed by the account key of list entry 2" },
	[F_SIG] = { "open-signature-altered", 1, D_B, COFFER_ERR_AUTH,
	    "the grant is not signed by the account key of list entry 2" },
	[F_OLD_SIGNER] = { "open-signed-by-the-removed-key", 3, D_B,
	    COFFER_ERR_AUTH,
	    "the grant is not signed by the account key of list entry 4" },
	[F_DEVICE] = { "open-by-another-device", 1, D_A, COFFER_ERR_AUTH,
	    "the grant is for another device" },
	[F_DEVICE_KEY] = { "open-sealed-to-another-key", 1, D_B,
	    COFFER_ERR_AUTH, "the grant is for another key of this device" },
	[F_KEY_VERSION] = { "open-other-key-version", 1, D_B, COFFER_ERR_AUTH,
	    "the grant is for another key of this device" },
	[F_UNLISTED] = { "open-device-not-listed", 1, D_C, COFFER_ERR_AUTH,
	    "list entry 2 does not list this device" },
	[F_OTHER_CARD] = { "open-device-with-another-card", 1, D_B2,
	    COFFER_ERR_AUTH,
	    "list entry 2 lists another card for this device" },
	[F_EPOCH] = { "open-other-epoch", 1, D_B, COFFER_ERR_AUTH,
	    "the grant is for epoch 2, list entry 2 for epoch 1" },
	[F_ROOT_EPOCH] = { "open-root-of-another-epoch", 1, D_B,
	    COFFER_ERR_AUTH,
	    "the root in the grant does not open with this device's key" },
	[F_SEALED] = { "open-sealed-root-altered", 1, D_B, COFFER_ERR_AUTH,
	    "the root in the grant does not open with this device's key" },
	[F_ROOT] = { "open-a-root-the-server-made", 1, D_B, COFFER_ERR_AUTH,
	    "the root in the grant is not the root of list entry 2" },
};

/* The bytes of forged grant ${f} into ${out}. */
static void
make_forged(struct gs *s, int f, struct coffer_buf *out)
{
	struct devchain *c = &s->c;
	const struct coffer_key *root = c->root[0], *signer = c->acct[0];
	struct grant g;
	uint8_t *p;

	fields(&g, &c->e[1], s->dev[forged[f].opener == D_C ? D_C :
	    forged[f].opener == D_B2 ? D_B2 : D_B]);
	switch (f) {
	case F_ACCOUNT: g.account[0] ^= 1; break;
	case F_FORK: g.entry_hash[0] ^= 1; break;
	case F_SIGNER: signer = c->acct[1]; break;
	case F_OLD_SIGNER:
		fields(&g, &c->e[3], s->dev[D_B]);
		root = c->root[1];
		break;
	case F_DEVICE_KEY:
		memcpy(g.agree_pk, coffer_device_agree_public(s->dev[D_C]), 32);
		break;
	case F_KEY_VERSION: g.agree_version = 2; break;
	case F_EPOCH: g.epoch = 2; root = c->root[1]; break;
	case F_ROOT_EPOCH: root = c->root[1]; break;
	case F_ROOT: root = s->other_root; break;
	default: break;
	}
	make_det(out, &g, root, signer);
	p = coffer_buf_mutable(out);
	if (f == F_SIG)
		p[GRANT_BYTES - 1] ^= 1;
	if (f == F_SEALED) {
		p[GRANT_HEADER_BYTES + GRANT_SEALED_BYTES - 1] ^= 1;
		if (coffer_sign(p + GRANT_HEADER_BYTES + GRANT_SEALED_BYTES,
		    signer, "coffer/root-grant/v1", p, GRANT_HEADER_BYTES +
		    GRANT_SEALED_BYTES) != 0)
			abort();
	}
}

static void
test_refused(void **state)
{
	struct gs *s = *state;
	struct coffer_buf *b = coffer_buf_new(GRANT_BYTES);
	struct coffer_key *root = NULL;
	char why[200];
	int f;

	for (f = 0; f < NFORGED; f++) {
		make_forged(s, f, b);
		why[0] = '\0';
		if (grant_open(&root, coffer_buf_data(b), coffer_buf_len(b),
		    &s->c.e[forged[f].entry], s->dev[forged[f].opener], why,
		    sizeof(why)) != forged[f].expect ||
		    strcmp(why, forged[f].why) != 0)
			fail_msg("%s: \"%s\"", forged[f].name, why);
		assert_null(root);
	}
	coffer_buf_free(&b);
}

/* --- Vectors: tests/vectors/grant.txt ------------------------------------
 * Every vector: the list entry (entry, already verified), the opening
 * device (device_id, sign_seed, agree_secret, agree_version) and the
 * grant. Good (mode make): also the entry's signer, the root (secret, id),
 * the account key's seed and the sealing randomness -> the grant, which
 * opens to the root. Bad (mode open): -> the error, and the reason. */

static int
vec_device(const struct vec *v, struct coffer_device **d)
{
	uint8_t id[16], sd[32], x[32];
	uint64_t av;

	*d = NULL;
	return vec_hexn(v, "device_id", id, 16) ||
	    vec_hexn(v, "sign_seed", sd, 32) ||
	    vec_hexn(v, "agree_secret", x, 32) ||
	    vec_u64(v, "agree_version", &av) || av == 0 || av > UINT32_MAX ||
	    device_import(d, id, sd, 1, x, (uint32_t)av) != 0 ? -1 : 0;
}

/* Good: the entry holds under its signer, the fields make the grant byte
 * for byte, and it opens to the root. */
static int
check_make(const struct vec *v, const struct devlist_entry *e,
    const struct coffer_device *d, const uint8_t *grant, size_t len)
{
	struct coffer_key *root = NULL, *signer = NULL, *got = NULL;
	struct coffer_buf *b = coffer_buf_new(GRANT_BYTES);
	struct grant g;
	uint8_t pk[32], rs[32], rid[16], seed[32], nonce[24], eph[32];
	int bad = 1;

	if (vec_hexn(v, "entry_signer", pk, 32) ||
	    coffer_sign_verify(e->sig, pk, "coffer/devlist/v1", e->raw,
	    e->raw_len - COFFER_SIGN_BYTES) != 0 ||
	    vec_hexn(v, "root", rs, 32) || vec_hexn(v, "root_id", rid, 16) ||
	    vec_hexn(v, "signer_seed", seed, 32) ||
	    vec_hexn(v, "nonce", nonce, 24) || vec_hexn(v, "eph", eph, 32) ||
	    coffer_key_import(&root, COFFER_KEY_SYMMETRIC, rs, rid,
	    e->epoch) != 0 ||
	    coffer_key_import(&signer, COFFER_KEY_ED25519, seed, NULL, 1) != 0)
		goto out;
	fields(&g, e, d);
	if (grant_make_det(b, &g, root, signer, nonce, eph) != 0 ||
	    coffer_buf_len(b) != len ||
	    memcmp(coffer_buf_data(b), grant, len) != 0 ||
	    grant_open(&got, grant, len, e, d, NULL, 0) != 0 ||
	    !coffer_key_equal(got, root))
		goto out;
	bad = 0;
out:
	coffer_key_free(&root);
	coffer_key_free(&signer);
	coffer_key_free(&got);
	coffer_buf_free(&b);
	return bad;
}

static int
check_vector(const struct vec *v)
{
	struct devlist_entry e;
	struct coffer_device *d = NULL;
	struct coffer_key *got = NULL;
	const char *mode = vec_get(v, "mode");
	uint8_t *entry = NULL, *grant = NULL;
	size_t el, gl;
	char why[200], *want = NULL;
	int err, r, bad = 1;

	memset(&e, 0, sizeof(e));
	if (mode == NULL || vec_err(v, "expect", &err) ||
	    vec_hex(v, "grant", &grant, &gl) ||
	    vec_hex(v, "entry", &entry, &el))
		goto out;
	/* A good grant names its entry's hash (offset 29): the cheap check
	 * first. */
	if (strcmp(mode, "make") == 0 && (gl != GRANT_BYTES ||
	    dc_hash_is(entry, el, grant + 29) != 0))
		goto out;
	if (devlist_parse(&e, entry, el) != 0 || vec_device(v, &d) != 0)
		goto out;
	if (strcmp(mode, "make") == 0) {
		bad = err != 0 || check_make(v, &e, d, grant, gl);
		goto out;
	}
	if (strcmp(mode, "open") != 0 || err == 0 ||
	    (vec_get(v, "why") != NULL && (want = vec_str(v, "why")) == NULL))
		goto out;
	r = grant_open(&got, grant, gl, &e, d, why, sizeof(why));
	bad = r != err || got != NULL ||
	    (want != NULL && strcmp(why, want) != 0);
out:
	devlist_entry_cleanup(&e);
	coffer_device_free(&d);
	coffer_key_free(&got);
	free(want);
	free(entry);
	free(grant);
	return bad;
}

struct wr {
	FILE		*f;
	struct gs	*s;
	int		 failed;
};

/* The seeds of the fixture's devices, for the device fields. */
static void
w_device(struct wr *w, int dev)
{
	uint8_t sd[32], x[32];
	uint8_t seed = dev == D_B2 ? 0x91 : (uint8_t)(0x10 * (dev + 1));

	vec_w_hex(w->f, "device_id", coffer_device_id(w->s->dev[dev]), 16);
	dc_fill(sd, sizeof(sd), dev == D_B2 ? seed : (uint8_t)(seed + 1));
	dc_fill(x, sizeof(x), (uint8_t)(seed + (dev == D_B2 ? 1 : 2)));
	dc_clamp(x);
	vec_w_hex(w->f, "sign_seed", sd, 32);
	vec_w_hex(w->f, "agree_secret", x, 32);
	vec_w_u64(w->f, "agree_version", 1);
}

static void
w_good(struct wr *w, const char *name, int entry, int dev, int ep)
{
	struct devchain *c = &w->s->c;
	const struct devlist_entry *e = &c->e[entry];
	struct coffer_buf *b = coffer_buf_new(GRANT_BYTES);
	uint8_t nonce[24], eph[32], pk[32];
	struct grant g;

	fields(&g, e, w->s->dev[dev]);
	randomness(nonce, eph, (uint8_t)(0xb0 + entry));
	if (grant_make_det(b, &g, c->root[ep], c->acct[ep], nonce, eph) != 0 ||
	    coffer_key_public(c->acct[0], pk) != 0)
		abort();
	vec_w_begin(w->f, name);
	vec_w_word(w->f, "mode", "make");
	vec_w_hex(w->f, "entry", e->raw, e->raw_len);
	vec_w_hex(w->f, "entry_signer", pk, 32);
	w_device(w, dev);
	vec_w_hex(w->f, "root", key_secret(c->root[ep]), 32);
	vec_w_hex(w->f, "root_id", coffer_key_id(c->root[ep]), 16);
	vec_w_hex(w->f, "signer_seed", key_secret(c->acct[ep]), 32);
	vec_w_hex(w->f, "nonce", nonce, 24);
	vec_w_hex(w->f, "eph", eph, 32);
	vec_w_hex(w->f, "grant", coffer_buf_data(b), coffer_buf_len(b));
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
	coffer_buf_free(&b);
}

static void
w_bad(struct wr *w, const char *name, int entry, int dev, const uint8_t *p,
    size_t len, int expect, const char *why)
{
	const struct devlist_entry *e = &w->s->c.e[entry];
	struct coffer_key *got = NULL;
	char said[200];
	int r;

	said[0] = '\0';
	r = grant_open(&got, p, len, e, w->s->dev[dev], said, sizeof(said));
	if (r != expect || strcmp(said, why != NULL ? why : "") != 0) {
		fprintf(stderr, "grant vector %s: got %d \"%s\"\n", name, r,
		    said);
		w->failed = 1;
	}
	coffer_key_free(&got);
	vec_w_begin(w->f, name);
	vec_w_word(w->f, "mode", "open");
	vec_w_hex(w->f, "entry", e->raw, e->raw_len);
	w_device(w, dev);
	vec_w_hex(w->f, "grant", p, len);
	if (why != NULL)
		vec_w_str(w->f, "why", why);
	vec_w_word(w->f, "expect", vec_errword(expect));
	vec_w_end(w->f);
}

/* Malformed grants: the good grant of B at entry 2 cut, extended, or
 * with a field set (and signed again, so only the format is wrong). */
static const struct {
	const char	*name;
	size_t		 off;		/* byte to set, or SIZE_MAX */
	uint8_t		 v;
	size_t		 len;		/* bytes kept (GRANT_BYTES + 1 adds) */
	int		 expect;
} malformed[] = {
	{ "parse-empty", SIZE_MAX, 0, 0, COFFER_ERR_TRUNCATED },
	{ "parse-magic-only", SIZE_MAX, 0, 4, COFFER_ERR_TRUNCATED },
	{ "parse-header-cut", SIZE_MAX, 0, GRANT_HEADER_BYTES - 1,
	    COFFER_ERR_TRUNCATED },
	{ "parse-sealed-cut", SIZE_MAX, 0, GRANT_HEADER_BYTES + 100,
	    COFFER_ERR_TRUNCATED },
	{ "parse-signature-cut", SIZE_MAX, 0, GRANT_BYTES - 1,
	    COFFER_ERR_TRUNCATED },
	{ "parse-trailing", SIZE_MAX, 0, GRANT_BYTES + 1, COFFER_ERR_TRAILING },
	{ "parse-bad-magic", 3, 'X', GRANT_BYTES, COFFER_ERR_FORMAT },
	{ "parse-future-version", 4, 2, GRANT_BYTES, COFFER_ERR_VERSION },
	{ "parse-seq-0", 28, 0, GRANT_BYTES, COFFER_ERR_FORMAT },
	{ "parse-epoch-0", 64, 0, GRANT_BYTES, COFFER_ERR_FORMAT },
	{ "parse-key-version-0", 116, 0, GRANT_BYTES, COFFER_ERR_FORMAT },
	{ "parse-sealed-length-184", 118, 184, GRANT_BYTES, COFFER_ERR_FORMAT },
	{ "parse-sealed-length-186", 118, 186, GRANT_BYTES, COFFER_ERR_FORMAT },
	{ "parse-sealed-secret-envelope", 119 + 5, 1, GRANT_BYTES,
	    COFFER_ERR_FORMAT },
	{ "parse-sealed-other-context", 119 + 8 + 20, '2', GRANT_BYTES,
	    COFFER_ERR_FORMAT },
	{ "parse-sealed-other-key-id", 119 + 8 + 21, 0, GRANT_BYTES,
	    COFFER_ERR_FORMAT },
	{ "parse-sealed-other-key-version", 119 + 8 + 21 + 19, 2, GRANT_BYTES,
	    COFFER_ERR_FORMAT },
	{ "parse-sealed-other-length", 119 + 8 + 21 + 20 + 32 + 24 + 3, 61,
	    GRANT_BYTES, COFFER_ERR_FORMAT },
};

static void
w_malformed(struct wr *w)
{
	struct coffer_buf *b = coffer_buf_new(GRANT_BYTES);
	uint8_t p[GRANT_BYTES + 1];
	struct grant g;
	size_t i, n = sizeof(malformed) / sizeof(malformed[0]);

	fields(&g, &w->s->c.e[1], w->s->dev[D_B]);
	make_det(b, &g, w->s->c.root[0], w->s->c.acct[0]);
	for (i = 0; i < n; i++) {
		memcpy(p, coffer_buf_data(b), GRANT_BYTES);
		p[GRANT_BYTES] = 0;
		if (malformed[i].off != SIZE_MAX) {
			p[malformed[i].off] = malformed[i].v;
			if (coffer_sign(p + GRANT_BYTES - COFFER_SIGN_BYTES,
			    w->s->c.acct[0], "coffer/root-grant/v1", p,
			    GRANT_BYTES - COFFER_SIGN_BYTES) != 0)
				abort();
		}
		w_bad(w, malformed[i].name, 1, D_B, p, malformed[i].len,
		    malformed[i].expect, NULL);
	}
	coffer_buf_free(&b);
}

static int
write_vectors(const char *dir)
{
	struct wr w = { NULL, NULL, 0 };
	struct coffer_buf *b = coffer_buf_new(GRANT_BYTES);
	char path[4096];
	int f;

	w.s = gs_new();
	snprintf(path, sizeof(path), "%s/grant.txt", dir);
	if ((w.f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(w.f, "# Grants (docs/PROTOCOL-devices.md §3) along the chain "
	    "of devlist.txt. Every vector:\n# the verified list entry, the "
	    "opening device, the grant. Good (mode make): the\n# entry's "
	    "signer, root, account key seed, nonce and eph -> the grant, which "
	    "opens\n# to the root. Bad (mode open): -> the error and, for a "
	    "check, its reason.\n");
	w_good(&w, "genesis-device", 0, D_A, 0);
	w_good(&w, "added-device", 1, D_B, 0);
	w_good(&w, "after-remove", 3, D_B, 1);
	w_malformed(&w);
	for (f = 0; f < NFORGED; f++) {
		make_forged(w.s, f, b);
		w_bad(&w, forged[f].name, forged[f].entry, forged[f].opener,
		    coffer_buf_data(b), coffer_buf_len(b), forged[f].expect,
		    forged[f].why);
	}
	coffer_buf_free(&b);
	gs_free(w.s);
	if (fclose(w.f) != 0)
		return -1;
	return w.failed ? -1 : 0;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("grant.txt", check_vector, 30);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_make_refused),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (sodium_init() < 0)
		return 1;
	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("grant", tests, setup, teardown);
}
