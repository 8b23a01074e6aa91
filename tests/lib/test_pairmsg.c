/* Pairing messages (lib/keys/pairmsg.c, PROTOCOL-devices.md §4.3): steps
 * 1 to 3 encoded and parsed strictly, step 4 sealed under the channel key
 * and opened, every byte of step 4 load-bearing, forged plaintexts
 * refused; and tests/vectors/pairmsg.txt. N is B of the fixed-seed chain,
 * E is A; step 4 carries entry 2, the add of B. */
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

#include "core/secret.h"
#include "core/sysendian.h"
#include "devchain.h"
#include "keys/pairmsg.h"
#include "vecfile.h"

struct ps {
	struct devchain		 c;
	uint8_t			 pairing[PAIRMSG_ID_BYTES];
	uint8_t			 isk[64];
	struct coffer_key	*k;
	struct pairmsg		 m[3];	/* steps 1 to 3 */
};

/* A Ristretto255 point from a seed. */
static void
point(uint8_t p[PAIRMSG_POINT_BYTES], uint8_t seed)
{
	uint8_t h[64];

	dc_fill(h, sizeof(h), seed);
	crypto_core_ristretto255_from_hash(p, h);
}

static void
card_of(uint8_t out[COFFER_DEVICE_CARD_BYTES], const struct devlist_entry *e,
    const struct coffer_device *d)
{
	const struct devlist_device *x = devlist_find(e, coffer_device_id(d));

	if (x == NULL)
		abort();
	memcpy(out, x->raw, COFFER_DEVICE_CARD_BYTES);
}

static struct ps *
ps_new(void)
{
	struct ps *s = calloc(1, sizeof(*s));
	int i;

	if (s == NULL)
		abort();
	dc_init(&s->c);
	dc_fill(s->pairing, sizeof(s->pairing), 0xc0);
	dc_fill(s->isk, sizeof(s->isk), 0xc1);
	if (pairmsg_channel_key(&s->k, s->isk, sizeof(s->isk),
	    s->pairing) != 0)
		abort();
	for (i = 0; i < 3; i++) {
		s->m[i].step = (enum pairmsg_step)(i + 1);
		memcpy(s->m[i].pairing, s->pairing, sizeof(s->pairing));
		point(s->m[i].point, (uint8_t)(0xc2 + i));
		dc_fill(s->m[i].tag, sizeof(s->m[i].tag), (uint8_t)(0xc5 + i));
	}
	card_of(s->m[0].card_raw, &s->c.e[1], s->c.dev[1]);	/* N: B */
	card_of(s->m[1].card_raw, &s->c.e[1], s->c.dev[0]);	/* E: A */
	return s;
}

static void
ps_free(struct ps *s)
{
	coffer_key_free(&s->k);
	dc_cleanup(&s->c);
	free(s);
}

static int
setup(void **state)
{
	*state = ps_new();
	return 0;
}

static int
teardown(void **state)
{
	ps_free(*state);
	return 0;
}

/* Steps 1 to 3: encoded, parsed back, field for field. */
static void
test_steps(void **state)
{
	static const size_t sizes[] = { 211, 275, 86 };
	struct ps *s = *state;
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_MAX);
	struct pairmsg m;
	size_t i, j;

	for (i = 0; i < 3; i++) {
		coffer_buf_reset(b);
		assert_int_equal(pairmsg_encode(b, &s->m[i]), 0);
		assert_int_equal(coffer_buf_len(b), sizes[i]);
		assert_int_equal(pairmsg_parse(&m, coffer_buf_data(b),
		    coffer_buf_len(b)), 0);
		assert_int_equal(m.step, i + 1);
		assert_memory_equal(m.pairing, s->pairing, sizeof(s->pairing));
		if (i < 2) {
			assert_memory_equal(m.point, s->m[i].point, 32);
			assert_memory_equal(m.card_raw, s->m[i].card_raw,
			    COFFER_DEVICE_CARD_BYTES);
		}
		if (i > 0)
			assert_memory_equal(m.tag, s->m[i].tag,
			    PAIRMSG_TAG_BYTES);
		/* Cut anywhere: TRUNCATED; a byte more: TRAILING. */
		for (j = 0; j < coffer_buf_len(b); j++)
			assert_int_equal(pairmsg_parse(&m, coffer_buf_data(b),
			    j), COFFER_ERR_TRUNCATED);
		assert_int_equal(coffer_buf_put_u8(b, 0), 0);
		assert_int_equal(pairmsg_parse(&m, coffer_buf_data(b),
		    coffer_buf_len(b)), COFFER_ERR_TRAILING);
	}
	coffer_buf_free(&b);
}

/* What pairmsg_encode refuses, leaving ${out} as it was. */
static void
test_encode_refused(void **state)
{
	struct ps *s = *state;
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_MAX);
	struct pairmsg m;

	assert_int_equal(coffer_buf_put_u8(b, 0xaa), 0);
	m = s->m[0];
	m.step = PAIRMSG_STEP_E_HEAD;
	assert_int_equal(pairmsg_encode(b, &m), COFFER_ERR_INVALID);
	m.step = 0;
	assert_int_equal(pairmsg_encode(b, &m), COFFER_ERR_INVALID);
	m = s->m[0];
	memset(m.point, 0, sizeof(m.point));
	assert_int_equal(pairmsg_encode(b, &m), COFFER_ERR_INVALID);
	memset(m.point, 0xff, sizeof(m.point));
	assert_int_equal(pairmsg_encode(b, &m), COFFER_ERR_INVALID);
	m = s->m[1];
	m.card_raw[COFFER_DEVICE_CARD_BYTES - 1] ^= 1;
	assert_int_equal(pairmsg_encode(b, &m), COFFER_ERR_INVALID);
	assert_int_equal(pairmsg_encode(b, NULL), COFFER_ERR_INVALID);
	assert_int_equal(coffer_buf_len(b), 1);
	/* Step 3 carries no point or card: none is looked at. */
	m = s->m[2];
	memset(m.point, 0, sizeof(m.point));
	assert_int_equal(pairmsg_encode(b, &m), 0);
	coffer_buf_free(&b);
}

/* Step 4: sealed and opened; every byte matters; too big is refused. */
static void
test_head(void **state)
{
	struct ps *s = *state;
	const struct devlist_entry *e = &s->c.e[1];
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_HEAD_MAX);
	struct pairmsg_head h;
	struct pairmsg m;
	struct coffer_key *other = NULL;
	uint8_t *p, isk2[64];
	size_t i, n;

	assert_int_equal(pairmsg_seal_head(b, s->pairing, s->k, e), 0);
	n = coffer_buf_len(b);
	assert_int_equal(n, PAIRMSG_HEADER_BYTES + PAIRMSG_NONCE_BYTES +
	    PAIRMSG_HEAD_FIXED + e->raw_len + PAIRMSG_AEAD_TAG_BYTES);
	assert_int_equal(pairmsg_open_head(&h, coffer_buf_data(b), n,
	    s->pairing, s->k), 0);
	assert_int_equal(h.seq, 2);
	assert_memory_equal(h.hash, e->hash, 32);
	assert_int_equal(h.entry.raw_len, e->raw_len);
	assert_memory_equal(h.entry.raw, e->raw, e->raw_len);
	devlist_entry_cleanup(&h.entry);
	p = coffer_buf_mutable(b);
	for (i = 0; i < n; i++) {
		p[i] ^= 0x10;
		assert_int_not_equal(pairmsg_open_head(&h, p, n, s->pairing,
		    s->k), 0);
		assert_null(h.entry.raw);
		p[i] ^= 0x10;
	}
	for (i = 0; i < n; i++)
		assert_int_not_equal(pairmsg_open_head(&h, p, i, s->pairing,
		    s->k), 0);
	/* Another ISK gives another key, which opens nothing. */
	memcpy(isk2, s->isk, sizeof(isk2));
	isk2[63] ^= 1;
	assert_int_equal(pairmsg_channel_key(&other, isk2, sizeof(isk2),
	    s->pairing), 0);
	assert_int_equal(pairmsg_open_head(&h, p, n, s->pairing, other),
	    COFFER_ERR_AUTH);
	coffer_key_free(&other);
	/* Caps: step 4 over its cap, a plaintext too big to seal. */
	coffer_buf_free(&b);
	b = coffer_buf_new(PAIRMSG_HEAD_MAX + 1);
	assert_int_equal(coffer_buf_extend(b, PAIRMSG_HEAD_MAX + 1, &p), 0);
	memcpy(p, "CFPM\x01\x04", 6);
	assert_int_equal(pairmsg_parse(&m, p, PAIRMSG_HEAD_MAX), 0);
	assert_int_equal(pairmsg_parse(&m, p, PAIRMSG_HEAD_MAX + 1),
	    COFFER_ERR_TOOBIG);
	p[5] = 1;
	assert_int_equal(pairmsg_parse(&m, p, PAIRMSG_MAX + 1),
	    COFFER_ERR_TOOBIG);
	coffer_buf_reset(b);
	assert_int_equal(pairmsg_seal_det(b, s->pairing, s->k, p,
	    PAIRMSG_HEAD_MAX, s->isk), COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
}

/* --- Step 4 forged: plaintexts sealed right that carry the wrong thing ----
 * Shared by the live test and the vectors. */

enum {
	P_ENTRY_LONGER, P_ENTRY_SHORTER, P_AFTER, P_NOT_ENTRY, P_BAD_CARD,
	P_SEQ, P_HASH, P_ACCOUNT, NPLAIN
};

static const struct {
	const char	*name;
	int		 expect;
} plain[NPLAIN] = {
	[P_ENTRY_LONGER] = { "open-entry-longer-than-sent",
	    COFFER_ERR_TRUNCATED },
	[P_ENTRY_SHORTER] = { "open-entry-shorter-than-sent",
	    COFFER_ERR_TRAILING },
	[P_AFTER] = { "open-bytes-after-the-entry", COFFER_ERR_TRAILING },
	[P_NOT_ENTRY] = { "open-not-an-entry", COFFER_ERR_FORMAT },
	[P_BAD_CARD] = { "open-entry-with-a-bad-card", COFFER_ERR_AUTH },
	[P_SEQ] = { "open-other-seq", COFFER_ERR_FORMAT },
	[P_HASH] = { "open-other-hash", COFFER_ERR_FORMAT },
	[P_ACCOUNT] = { "open-other-account", COFFER_ERR_FORMAT },
};

/* Step 4 carrying forged plaintext ${f}, into ${out}. */
static void
make_plain(struct ps *s, int f, struct coffer_buf *out)
{
	const struct devlist_entry *e = &s->c.e[1];
	struct coffer_buf *pt = coffer_buf_new(PAIRMSG_HEAD_MAX);
	uint8_t nonce[24], *p;
	size_t n;

	if (pt == NULL || pairmsg_head_encode(pt, e) != 0 ||
	    coffer_buf_put_u8(pt, 0) != 0)
		abort();
	p = coffer_buf_mutable(pt);
	n = coffer_buf_len(pt) - 1;	/* the extra byte for P_AFTER */
	switch (f) {
	case P_ENTRY_LONGER: be16enc(p + 56, (uint16_t)(e->raw_len + 1));
		break;
	case P_ENTRY_SHORTER: be16enc(p + 56, (uint16_t)(e->raw_len - 1));
		break;
	case P_AFTER: n++; break;
	case P_NOT_ENTRY: p[PAIRMSG_HEAD_FIXED] ^= 1; break;
	case P_BAD_CARD: p[PAIRMSG_HEAD_FIXED + 172 + 100] ^= 1; break;
	case P_SEQ: p[23] ^= 1; break;
	case P_HASH: p[24] ^= 1; break;
	case P_ACCOUNT: p[0] ^= 1; break;
	}
	dc_fill(nonce, sizeof(nonce), 0xd0);
	coffer_buf_reset(out);
	if (pairmsg_seal_det(out, s->pairing, s->k, p, n, nonce) != 0)
		abort();
	coffer_buf_free(&pt);
}

static void
test_forged(void **state)
{
	struct ps *s = *state;
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_HEAD_MAX);
	struct pairmsg_head h;
	int f;

	for (f = 0; f < NPLAIN; f++) {
		make_plain(s, f, b);
		if (pairmsg_open_head(&h, coffer_buf_data(b), coffer_buf_len(b),
		    s->pairing, s->k) != plain[f].expect)
			fail_msg("%s", plain[f].name);
		assert_null(h.entry.raw);
	}
	coffer_buf_free(&b);
}

/* --- Vectors: tests/vectors/pairmsg.txt ----------------------------------
 * Good, mode step: step, pairing, and the step's point, card and tag ->
 * the message, which parses to them. Good, mode head: pairing, isk (its
 * channel key), nonce, the head entry -> the message, which opens to it.
 * Bad: mode parse (message -> error), open (message, the pairing
 * expected, isk -> error). */

static int
check_step(const struct vec *v, const uint8_t *msg, size_t len)
{
	struct pairmsg m, got;
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_MAX);
	uint64_t step;
	int bad = 1;

	memset(&m, 0, sizeof(m));
	if (vec_u64(v, "step", &step) || step < 1 || step > 3 ||
	    vec_hexn(v, "pairing", m.pairing, sizeof(m.pairing)))
		goto out;
	m.step = (enum pairmsg_step)step;
	if (step < 3 && (vec_hexn(v, "point", m.point, sizeof(m.point)) ||
	    vec_hexn(v, "card", m.card_raw, sizeof(m.card_raw))))
		goto out;
	if (step > 1 && vec_hexn(v, "tag", m.tag, sizeof(m.tag)))
		goto out;
	if (pairmsg_encode(b, &m) != 0 || coffer_buf_len(b) != len ||
	    memcmp(coffer_buf_data(b), msg, len) != 0 ||
	    pairmsg_parse(&got, msg, len) != 0 || got.step != m.step ||
	    memcmp(got.point, m.point, sizeof(m.point)) != 0 ||
	    memcmp(got.card_raw, m.card_raw, sizeof(m.card_raw)) != 0 ||
	    memcmp(got.tag, m.tag, sizeof(m.tag)) != 0)
		goto out;
	bad = 0;
out:
	coffer_buf_free(&b);
	return bad;
}

/* The channel key of the vector's isk and pairing. */
static int
vec_channel(const struct vec *v, uint8_t pairing[PAIRMSG_ID_BYTES],
    struct coffer_key **k)
{
	uint8_t *isk = NULL;
	size_t n;
	int r;

	*k = NULL;
	r = vec_hexn(v, "pairing", pairing, PAIRMSG_ID_BYTES) ||
	    vec_hex(v, "isk", &isk, &n) ||
	    pairmsg_channel_key(k, isk, n, pairing) != 0 ? -1 : 0;
	free(isk);
	return r;
}

static int
check_head(const struct vec *v, const uint8_t *msg, size_t len)
{
	struct coffer_key *k = NULL;
	struct coffer_buf *pt = coffer_buf_new(PAIRMSG_HEAD_MAX);
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_HEAD_MAX);
	struct devlist_entry e;
	struct pairmsg_head h;
	uint8_t pairing[PAIRMSG_ID_BYTES], key[32], nonce[24], *entry = NULL;
	size_t el;
	int bad = 1;

	memset(&e, 0, sizeof(e));
	memset(&h, 0, sizeof(h));
	if (vec_channel(v, pairing, &k) || vec_hexn(v, "key", key, 32) ||
	    memcmp(key, key_secret(k), 32) != 0 ||
	    vec_hexn(v, "nonce", nonce, 24) ||
	    vec_hex(v, "entry", &entry, &el) ||
	    devlist_parse(&e, entry, el) != 0 ||
	    pairmsg_head_encode(pt, &e) != 0 ||
	    pairmsg_seal_det(b, pairing, k, coffer_buf_data(pt),
	    coffer_buf_len(pt), nonce) != 0 || coffer_buf_len(b) != len ||
	    memcmp(coffer_buf_data(b), msg, len) != 0 ||
	    pairmsg_open_head(&h, msg, len, pairing, k) != 0 ||
	    h.entry.raw_len != el || memcmp(h.entry.raw, entry, el) != 0)
		goto out;
	bad = 0;
out:
	devlist_entry_cleanup(&e);
	devlist_entry_cleanup(&h.entry);
	coffer_key_free(&k);
	coffer_buf_free(&pt);
	coffer_buf_free(&b);
	free(entry);
	return bad;
}

static int
check_vector(const struct vec *v)
{
	const char *mode = vec_get(v, "mode");
	struct pairmsg m;
	struct pairmsg_head h;
	struct coffer_key *k = NULL;
	uint8_t *msg = NULL, pairing[PAIRMSG_ID_BYTES];
	size_t len;
	int err, bad = 1;

	memset(&h, 0, sizeof(h));
	if (mode == NULL || vec_err(v, "expect", &err) ||
	    vec_hex(v, "message", &msg, &len))
		goto out;
	if (strcmp(mode, "step") == 0)
		bad = err != 0 || check_step(v, msg, len);
	else if (strcmp(mode, "head") == 0)
		bad = err != 0 || check_head(v, msg, len);
	else if (strcmp(mode, "parse") == 0)
		bad = err == 0 || pairmsg_parse(&m, msg, len) != err;
	else if (strcmp(mode, "open") == 0)
		bad = err == 0 || vec_channel(v, pairing, &k) != 0 ||
		    pairmsg_open_head(&h, msg, len, pairing, k) != err ||
		    h.entry.raw != NULL;
out:
	devlist_entry_cleanup(&h.entry);
	coffer_key_free(&k);
	free(msg);
	return bad;
}

struct wr {
	FILE		*f;
	struct ps	*s;
	int		 failed;
};

static void
w_step(struct wr *w, const char *name, const struct pairmsg *m,
    struct coffer_buf *b)
{
	coffer_buf_reset(b);
	if (pairmsg_encode(b, m) != 0)
		abort();
	vec_w_begin(w->f, name);
	vec_w_word(w->f, "mode", "step");
	vec_w_u64(w->f, "step", m->step);
	vec_w_hex(w->f, "pairing", m->pairing, sizeof(m->pairing));
	if (m->step < 3) {
		vec_w_hex(w->f, "point", m->point, sizeof(m->point));
		vec_w_hex(w->f, "card", m->card_raw, sizeof(m->card_raw));
	}
	if (m->step > 1)
		vec_w_hex(w->f, "tag", m->tag, sizeof(m->tag));
	vec_w_hex(w->f, "message", coffer_buf_data(b), coffer_buf_len(b));
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
}

static void
w_head(struct wr *w, struct coffer_buf *b)
{
	struct ps *s = w->s;
	const struct devlist_entry *e = &s->c.e[1];
	struct coffer_buf *pt = coffer_buf_new(PAIRMSG_HEAD_MAX);
	uint8_t nonce[24];

	dc_fill(nonce, sizeof(nonce), 0xd1);
	coffer_buf_reset(b);
	if (pairmsg_head_encode(pt, e) != 0 ||
	    pairmsg_seal_det(b, s->pairing, s->k, coffer_buf_data(pt),
	    coffer_buf_len(pt), nonce) != 0)
		abort();
	vec_w_begin(w->f, "step-4-head");
	vec_w_word(w->f, "mode", "head");
	vec_w_hex(w->f, "pairing", s->pairing, sizeof(s->pairing));
	vec_w_hex(w->f, "isk", s->isk, sizeof(s->isk));
	vec_w_hex(w->f, "key", key_secret(s->k), 32);
	vec_w_hex(w->f, "nonce", nonce, sizeof(nonce));
	vec_w_hex(w->f, "entry", e->raw, e->raw_len);
	vec_w_hex(w->f, "message", coffer_buf_data(b), coffer_buf_len(b));
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
	coffer_buf_free(&pt);
}

/* A bad vector: parse (${isk} NULL) or open with ${pairing}, ${isk}. */
static void
w_bad(struct wr *w, const char *name, const uint8_t *msg, size_t len,
    const uint8_t *pairing, const uint8_t *isk, int expect)
{
	struct coffer_key *k = NULL;
	struct pairmsg m;
	struct pairmsg_head h;
	int r;

	if (isk == NULL) {
		r = pairmsg_parse(&m, msg, len);
	} else {
		if (pairmsg_channel_key(&k, isk, 64, pairing) != 0)
			abort();
		r = pairmsg_open_head(&h, msg, len, pairing, k);
		devlist_entry_cleanup(&h.entry);
		coffer_key_free(&k);
	}
	if (r != expect) {
		fprintf(stderr, "pairmsg vector %s: got %d, meant %d\n", name,
		    r, expect);
		w->failed = 1;
	}
	vec_w_begin(w->f, name);
	vec_w_word(w->f, "mode", isk == NULL ? "parse" : "open");
	vec_w_hex(w->f, "message", msg, len);
	if (isk != NULL) {
		vec_w_hex(w->f, "pairing", pairing, PAIRMSG_ID_BYTES);
		vec_w_hex(w->f, "isk", isk, 64);
	}
	vec_w_word(w->f, "expect", vec_errword(expect));
	vec_w_end(w->f);
}

/* Edits of a good message of a step: a byte set (or its low bit flipped,
 * FLIP), or the length changed (ALL: kept whole, MORE: a zero byte
 * added, else the bytes kept). */
#define NONE	SIZE_MAX
#define FLIP	(-1)
#define ALL	SIZE_MAX
#define MORE	(SIZE_MAX - 1)

static const struct {
	const char	*name;
	int		 step;
	size_t		 off;
	int		 v;
	size_t		 len;
	int		 expect;
} edits[] = {
	{ "parse-empty", 1, NONE, 0, 0, COFFER_ERR_TRUNCATED },
	{ "parse-magic-only", 1, NONE, 0, 4, COFFER_ERR_TRUNCATED },
	{ "parse-no-step", 1, NONE, 0, 5, COFFER_ERR_TRUNCATED },
	{ "parse-pairing-cut", 1, NONE, 0, 11, COFFER_ERR_TRUNCATED },
	{ "parse-bad-magic", 1, 3, 'X', ALL, COFFER_ERR_FORMAT },
	{ "parse-future-version", 1, 4, 2, ALL, COFFER_ERR_VERSION },
	{ "parse-step-0", 1, 5, 0, ALL, COFFER_ERR_FORMAT },
	{ "parse-step-5", 1, 5, 5, ALL, COFFER_ERR_FORMAT },
	{ "parse-step-1-cut", 1, NONE, 0, 210, COFFER_ERR_TRUNCATED },
	{ "parse-step-1-trailing", 1, NONE, 0, MORE, COFFER_ERR_TRAILING },
	{ "parse-step-1-card-signature", 1, 22 + 32 + 156, FLIP, ALL,
	    COFFER_ERR_AUTH },
	{ "parse-step-1-card-version", 1, 22 + 32 + 4, 2, ALL,
	    COFFER_ERR_VERSION },
	{ "parse-step-2-cut", 2, NONE, 0, 274, COFFER_ERR_TRUNCATED },
	{ "parse-step-2-trailing", 2, NONE, 0, MORE, COFFER_ERR_TRAILING },
	{ "parse-step-3-cut", 3, NONE, 0, 85, COFFER_ERR_TRUNCATED },
	{ "parse-step-3-trailing", 3, NONE, 0, MORE, COFFER_ERR_TRAILING },
	{ "parse-step-3-as-step-1", 3, 5, 1, ALL, COFFER_ERR_TRUNCATED },
	{ "parse-step-4-too-short", 4, NONE, 0, 22 + 24 + 58 + 15,
	    COFFER_ERR_TRUNCATED },
};

/* Points a parser refuses, in step 1 and step 2. */
static void
w_points(struct wr *w, struct coffer_buf *b)
{
	static const char *const names[] = { "parse-step-1-point-identity",
	    "parse-step-1-point-not-canonical", "parse-step-2-point-identity",
	    "parse-step-2-point-not-canonical" };
	uint8_t *p;
	int i;

	for (i = 0; i < 4; i++) {
		coffer_buf_reset(b);
		if (pairmsg_encode(b, &w->s->m[i / 2]) != 0)
			abort();
		p = coffer_buf_mutable(b) + PAIRMSG_HEADER_BYTES;
		/* 0: the identity; 1: p = 2^255 - 19, past the field. */
		memset(p, i % 2 ? 0xff : 0, PAIRMSG_POINT_BYTES);
		if (i % 2) {
			p[0] = 0xed;
			p[31] = 0x7f;
		}
		w_bad(w, names[i], coffer_buf_data(b), coffer_buf_len(b), NULL,
		    NULL, COFFER_ERR_FORMAT);
	}
}

static void
w_edits(struct wr *w, struct coffer_buf *b, const uint8_t *head,
    size_t head_len)
{
	uint8_t p[PAIRMSG_HEAD_MAX + 1];
	size_t i, n;

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		if (edits[i].step == 4) {
			memcpy(p, head, head_len);
			n = head_len;
		} else {
			coffer_buf_reset(b);
			if (pairmsg_encode(b, &w->s->m[edits[i].step - 1]) != 0)
				abort();
			n = coffer_buf_len(b);
			memcpy(p, coffer_buf_data(b), n);
		}
		p[n] = 0;
		if (edits[i].off != NONE && edits[i].v == FLIP)
			p[edits[i].off] ^= 1;
		else if (edits[i].off != NONE)
			p[edits[i].off] = (uint8_t)edits[i].v;
		if (edits[i].len == MORE)
			n++;
		else if (edits[i].len != ALL)
			n = edits[i].len;
		w_bad(w, edits[i].name, p, n, NULL, NULL, edits[i].expect);
	}
}

static void
w_open(struct wr *w, const uint8_t *head, size_t n)
{
	struct ps *s = w->s;
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_HEAD_MAX);
	uint8_t p[PAIRMSG_HEAD_MAX], other[PAIRMSG_ID_BYTES], isk[64];
	int f;

	memcpy(other, s->pairing, sizeof(other));
	other[0] ^= 1;
	memcpy(isk, s->isk, sizeof(isk));
	isk[0] ^= 1;
	w_bad(w, "open-other-pairing", head, n, other, s->isk,
	    COFFER_ERR_AUTH);
	w_bad(w, "open-other-key", head, n, s->pairing, isk, COFFER_ERR_AUTH);
	memcpy(p, head, n);
	p[6] ^= 1;	/* the header's pairing id, and the one expected */
	w_bad(w, "open-header-altered", p, n, other, s->isk, COFFER_ERR_AUTH);
	p[6] ^= 1;
	p[PAIRMSG_HEADER_BYTES] ^= 1;
	w_bad(w, "open-nonce-altered", p, n, s->pairing, s->isk,
	    COFFER_ERR_AUTH);
	p[PAIRMSG_HEADER_BYTES] ^= 1;
	p[100] ^= 1;
	w_bad(w, "open-ciphertext-altered", p, n, s->pairing, s->isk,
	    COFFER_ERR_AUTH);
	p[100] ^= 1;
	p[n - 1] ^= 1;
	w_bad(w, "open-tag-altered", p, n, s->pairing, s->isk,
	    COFFER_ERR_AUTH);
	if (pairmsg_encode(b, &s->m[0]) != 0)
		abort();
	w_bad(w, "open-step-1", coffer_buf_data(b), coffer_buf_len(b),
	    s->pairing, s->isk, COFFER_ERR_FORMAT);
	for (f = 0; f < NPLAIN; f++) {
		make_plain(s, f, b);
		w_bad(w, plain[f].name, coffer_buf_data(b), coffer_buf_len(b),
		    s->pairing, s->isk, plain[f].expect);
	}
	coffer_buf_free(&b);
}

static int
write_vectors(const char *dir)
{
	static const char *const names[] = { "step-1-n-hello",
	    "step-2-e-hello", "step-3-n-confirm" };
	struct wr w = { NULL, NULL, 0 };
	struct coffer_buf *b = coffer_buf_new(PAIRMSG_HEAD_MAX);
	struct coffer_buf *h = coffer_buf_new(PAIRMSG_HEAD_MAX);
	char path[4096];
	int i;

	w.s = ps_new();
	snprintf(path, sizeof(path), "%s/pairmsg.txt", dir);
	if ((w.f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(w.f, "# Pairing messages (docs/PROTOCOL-devices.md §4.3): N is "
	    "device B, E device A of\n# devlist.txt. Good: mode step (fields "
	    "-> message), mode head (pairing, isk\n# -> key, nonce, entry -> "
	    "message). Bad: mode parse (message -> error),\n# mode open "
	    "(message, pairing expected, isk -> error).\n");
	for (i = 0; i < 3; i++)
		w_step(&w, names[i], &w.s->m[i], b);
	w_head(&w, h);
	w_edits(&w, b, coffer_buf_data(h), coffer_buf_len(h));
	w_points(&w, b);
	w_open(&w, coffer_buf_data(h), coffer_buf_len(h));
	coffer_buf_free(&b);
	coffer_buf_free(&h);
	ps_free(w.s);
	if (fclose(w.f) != 0)
		return -1;
	return w.failed ? -1 : 0;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("pairmsg.txt", check_vector, 40);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_encode_refused),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (sodium_init() < 0)
		return 1;
	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("pairmsg", tests, setup, teardown);
}
