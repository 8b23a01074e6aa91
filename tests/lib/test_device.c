/* Device identity and the device card (docs/PROTOCOL-keys.md, "Device"),
 * with tests/vectors/device.txt. */
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

#include "keys/device_internal.h"
#include "vecfile.h"

#define CARD_SIGNED	(COFFER_DEVICE_CARD_BYTES - COFFER_SIGN_BYTES)

static void
test_generate(void **state)
{
	struct coffer_device *a = NULL, *b = NULL;
	uint8_t pk[COFFER_PUBLIC_BYTES];

	(void)state;
	assert_int_equal(coffer_device_generate(&a), 0);
	assert_int_equal(coffer_device_generate(&b), 0);
	assert_memory_not_equal(coffer_device_id(a), coffer_device_id(b),
	    COFFER_DEVICE_ID_BYTES);
	assert_int_equal(coffer_key_kind(coffer_device_sign_key(a)),
	    COFFER_KEY_ED25519);
	assert_int_equal(coffer_key_kind(coffer_device_agree_key(a)),
	    COFFER_KEY_X25519);
	assert_int_equal(coffer_key_version(coffer_device_sign_key(a)), 1);
	assert_int_equal(coffer_key_version(coffer_device_agree_key(a)), 1);
	assert_int_equal(coffer_key_public(coffer_device_sign_key(a), pk), 0);
	assert_memory_equal(pk, coffer_device_sign_public(a), sizeof(pk));
	assert_int_equal(coffer_key_public(coffer_device_agree_key(a), pk), 0);
	assert_memory_equal(pk, coffer_device_agree_public(a), sizeof(pk));
	assert_memory_not_equal(coffer_device_sign_public(a),
	    coffer_device_sign_public(b), COFFER_PUBLIC_BYTES);
	coffer_device_free(&a);
	assert_null(a);
	coffer_device_free(&a);
	coffer_device_free(NULL);
	coffer_device_free(&b);
}

/* assemble takes the keys over only on success, and only of the right
 * kinds. */
static void
test_assemble(void **state)
{
	static const struct {
		enum coffer_key_kind sign, agree;
		int err;
	} cases[] = {
		{ COFFER_KEY_ED25519, COFFER_KEY_X25519, 0 },
		{ COFFER_KEY_X25519, COFFER_KEY_X25519, COFFER_ERR_INVALID },
		{ COFFER_KEY_ED25519, COFFER_KEY_ED25519, COFFER_ERR_INVALID },
		{ COFFER_KEY_SYMMETRIC, COFFER_KEY_X25519, COFFER_ERR_INVALID },
		{ COFFER_KEY_ED25519, COFFER_KEY_SYMMETRIC, COFFER_ERR_INVALID },
	};
	uint8_t id[COFFER_DEVICE_ID_BYTES] = { 9 };
	struct coffer_key *s = NULL, *a = NULL;
	struct coffer_device *d = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(coffer_key_generate(&s, cases[i].sign, 4), 0);
		assert_int_equal(coffer_key_generate(&a, cases[i].agree, 7), 0);
		assert_int_equal(device_assemble(&d, id, &s, &a),
		    cases[i].err);
		if (cases[i].err == 0) {
			assert_null(s);
			assert_null(a);
			assert_memory_equal(coffer_device_id(d), id, sizeof(id));
			assert_int_equal(coffer_key_version(
			    coffer_device_sign_key(d)), 4);
			assert_int_equal(coffer_key_version(
			    coffer_device_agree_key(d)), 7);
		} else {
			assert_null(d);
			assert_non_null(s);
			assert_non_null(a);
		}
		coffer_device_free(&d);
		coffer_key_free(&s);
		coffer_key_free(&a);
	}
	assert_int_equal(device_assemble(&d, id, &s, &a),
	    COFFER_ERR_INVALID);
}

static void
test_card_roundtrip(void **state)
{
	struct coffer_device *d = NULL;
	struct coffer_device_card c;
	struct coffer_buf *b = coffer_buf_new(1024), *w = coffer_buf_new(1024);

	(void)state;
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_device_card_encode(b, d), 0);
	assert_int_equal(coffer_buf_len(b), COFFER_DEVICE_CARD_BYTES);
	assert_memory_equal(coffer_buf_data(b), "CFDC\x01", 5);
	assert_int_equal(coffer_device_card_parse(&c, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	assert_memory_equal(c.device_id, coffer_device_id(d),
	    COFFER_DEVICE_ID_BYTES);
	assert_memory_equal(c.sign_pk, coffer_device_sign_public(d), 32);
	assert_memory_equal(c.agree_pk, coffer_device_agree_public(d), 32);
	assert_int_equal(c.sign_version, 1);
	assert_int_equal(c.agree_version, 1);
	assert_int_equal(device_card_write(w, &c), 0);
	assert_int_equal(coffer_buf_len(w), coffer_buf_len(b));
	assert_memory_equal(coffer_buf_data(w), coffer_buf_data(b),
	    coffer_buf_len(b));
	/* A full buffer leaves it unchanged. */
	coffer_buf_free(&w);
	w = coffer_buf_new(100);
	assert_int_equal(coffer_device_card_encode(w, d), COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(w), 0);
	coffer_buf_free(&w);
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

/* Every byte of a card matters: flip one bit of each and see the error
 * that part of the card gives. */
static void
test_card_each_byte(void **state)
{
	static const struct {
		size_t from, to;	/* [from, to) */
		int err1, err2;
	} parts[] = {
		{ 0, 4, COFFER_ERR_FORMAT, COFFER_ERR_FORMAT },	/* magic */
		{ 4, 5, COFFER_ERR_VERSION, COFFER_ERR_VERSION },
		{ 5, 21, COFFER_ERR_AUTH, COFFER_ERR_AUTH },	/* device id */
		{ 21, 25, COFFER_ERR_AUTH, COFFER_ERR_AUTH },	/* sign version */
		{ 25, 57, COFFER_ERR_FORMAT, COFFER_ERR_AUTH },	/* sign pk */
		{ 57, 61, COFFER_ERR_AUTH, COFFER_ERR_AUTH },	/* agree version */
		{ 61, 93, COFFER_ERR_FORMAT, COFFER_ERR_AUTH },	/* agree pk */
		{ 93, 157, COFFER_ERR_AUTH, COFFER_ERR_AUTH },	/* signature */
	};
	struct coffer_device *d = NULL;
	struct coffer_device_card c;
	struct coffer_buf *b = coffer_buf_new(1024);
	uint8_t card[COFFER_DEVICE_CARD_BYTES], zero[sizeof(c)];
	size_t i, off;
	int r;

	(void)state;
	memset(zero, 0, sizeof(zero));
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_device_card_encode(b, d), 0);
	memcpy(card, coffer_buf_data(b), sizeof(card));
	assert_int_equal(parts[7].to, sizeof(card));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (off = parts[i].from; off < parts[i].to; off++) {
			card[off] ^= 0x40;
			memset(&c, 0xa5, sizeof(c));
			r = coffer_device_card_parse(&c, card, sizeof(card));
			if (r != parts[i].err1 && r != parts[i].err2)
				fail_msg("byte %zu: %d", off, r);
			assert_memory_equal(&c, zero, sizeof(c));
			card[off] ^= 0x40;
		}
	assert_int_equal(coffer_device_card_parse(&c, card, sizeof(card)), 0);
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

static void
test_card_length(void **state)
{
	struct coffer_device *d = NULL;
	struct coffer_device_card c;
	struct coffer_buf *b = coffer_buf_new(1024);
	size_t n;

	(void)state;
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_device_card_encode(b, d), 0);
	for (n = 0; n < COFFER_DEVICE_CARD_BYTES; n++)
		assert_int_equal(coffer_device_card_parse(&c,
		    coffer_buf_data(b), n), COFFER_ERR_TRUNCATED);
	assert_int_equal(coffer_buf_put_u8(b, 0), 0);
	assert_int_equal(coffer_device_card_parse(&c, coffer_buf_data(b),
	    coffer_buf_len(b)), COFFER_ERR_TRAILING);
	assert_int_equal(coffer_device_card_parse(&c, NULL, 0),
	    COFFER_ERR_TRUNCATED);
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

/* Cards signed correctly by their own key but naming a key no one should
 * accept: each is FORMAT, before the signature is looked at. */
static void
test_card_bad_keys(void **state)
{
	static const struct {
		const char *what;
		int field;		/* 0 agree pk, 1 sign pk, 2 versions */
		const char *hex;
	} cases[] = {
		{ "x25519 zero", 0, "0000000000000000000000000000000000000000000000000000000000000000" },
		{ "x25519 one", 0, "0100000000000000000000000000000000000000000000000000000000000000" },
		{ "x25519 order 8", 0, "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800" },
		{ "x25519 p-1", 0, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
		{ "x25519 p", 0, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
		{ "x25519 p+1", 0, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
		{ "x25519 top bit", 0, NULL },
		{ "ed25519 identity", 1, "0100000000000000000000000000000000000000000000000000000000000000" },
		{ "ed25519 not on curve", 1, "0200000000000000000000000000000000000000000000000000000000000000" },
		{ "sign version 0", 2, "s" },
		{ "agree version 0", 2, "a" },
	};
	struct coffer_device *d = NULL;
	struct coffer_device_card c, good;
	struct coffer_buf *b = coffer_buf_new(1024);
	size_t i;

	(void)state;
	assert_int_equal(coffer_device_generate(&d), 0);
	assert_int_equal(coffer_device_card_encode(b, d), 0);
	assert_int_equal(coffer_device_card_parse(&good, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = good;
		if (cases[i].field == 0 && cases[i].hex == NULL)
			c.agree_pk[31] |= 0x80;
		else if (cases[i].field == 0)
			assert_int_equal(sodium_hex2bin(c.agree_pk, 32,
			    cases[i].hex, 64, NULL, NULL, NULL), 0);
		else if (cases[i].field == 1)
			assert_int_equal(sodium_hex2bin(c.sign_pk, 32,
			    cases[i].hex, 64, NULL, NULL, NULL), 0);
		else if (cases[i].hex[0] == 's')
			c.sign_version = 0;
		else
			c.agree_version = 0;
		coffer_buf_reset(b);
		assert_int_equal(device_card_write(b, &c), 0);
		assert_int_equal(coffer_sign(coffer_buf_mutable(b) +
		    CARD_SIGNED, coffer_device_sign_key(d),
		    "coffer/device-card/v1", coffer_buf_data(b), CARD_SIGNED),
		    0);
		if (coffer_device_card_parse(&c, coffer_buf_data(b),
		    coffer_buf_len(b)) != COFFER_ERR_FORMAT)
			fail_msg("%s accepted", cases[i].what);
	}
	/* The same re-signing with nothing changed holds: the cases above
	 * fail for their key alone. */
	coffer_buf_reset(b);
	assert_int_equal(device_card_write(b, &good), 0);
	assert_int_equal(coffer_sign(coffer_buf_mutable(b) + CARD_SIGNED,
	    coffer_device_sign_key(d), "coffer/device-card/v1",
	    coffer_buf_data(b), CARD_SIGNED), 0);
	assert_int_equal(coffer_device_card_parse(&c, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	/* Signed for another purpose: not a card. */
	assert_int_equal(coffer_sign(coffer_buf_mutable(b) + CARD_SIGNED,
	    coffer_device_sign_key(d), "coffer/other/v1", coffer_buf_data(b),
	    CARD_SIGNED), 0);
	assert_int_equal(coffer_device_card_parse(&c, coffer_buf_data(b),
	    coffer_buf_len(b)), COFFER_ERR_AUTH);
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

/* A card whose keys were swapped for another device's keys, re-signed by
 * the other device, is a valid card of that other device: the card binds
 * the keys to each other, not to an account. One device cannot vouch for
 * another device's agreement key. */
static void
test_card_key_swap(void **state)
{
	struct coffer_device *a = NULL, *m = NULL;
	struct coffer_device_card c;
	struct coffer_buf *b = coffer_buf_new(1024);

	(void)state;
	assert_int_equal(coffer_device_generate(&a), 0);
	assert_int_equal(coffer_device_generate(&m), 0);
	assert_int_equal(coffer_device_card_encode(b, a), 0);
	assert_int_equal(coffer_device_card_parse(&c, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	/* m claims a's agreement key under m's signing key, but keeps a's
	 * signature: refused. */
	memcpy(c.sign_pk, coffer_device_sign_public(m), 32);
	coffer_buf_reset(b);
	assert_int_equal(device_card_write(b, &c), 0);
	assert_int_equal(coffer_device_card_parse(&c, coffer_buf_data(b),
	    coffer_buf_len(b)), COFFER_ERR_AUTH);
	coffer_buf_free(&b);
	coffer_device_free(&a);
	coffer_device_free(&m);
}

/* --- Vectors: tests/vectors/device.txt ----------------------------------
 * Good: a device's id, key versions and secrets, and its card (Ed25519
 * signatures are deterministic). Bad: a card and the parser's error. */

static const char card_ctx[] = "coffer/device-card/v1";

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static int
check_card(const struct vec *v)
{
	struct coffer_device_card c;
	struct coffer_device *d = NULL;
	struct coffer_buf *b = NULL;
	uint8_t *card = NULL, id[COFFER_DEVICE_ID_BYTES], s[32], x[32];
	uint64_t sv, av;
	size_t cl;
	int err, bad = 1;

	if (vec_err(v, "expect", &err) || vec_hex(v, "card", &card, &cl))
		goto out;
	if (err != 0) {
		bad = coffer_device_card_parse(&c, card, cl) != err;
		goto out;
	}
	if (vec_hexn(v, "device_id", id, sizeof(id)) ||
	    vec_u64(v, "sign_version", &sv) || vec_hexn(v, "sign_seed", s, 32) ||
	    vec_u64(v, "agree_version", &av) ||
	    vec_hexn(v, "agree_secret", x, 32) || sv > UINT32_MAX ||
	    av > UINT32_MAX ||
	    device_import(&d, id, s, (uint32_t)sv, x, (uint32_t)av) != 0)
		goto out;
	if ((b = coffer_buf_new(1024)) == NULL ||
	    coffer_device_card_encode(b, d) != 0 || coffer_buf_len(b) != cl ||
	    memcmp(coffer_buf_data(b), card, cl) != 0 ||
	    coffer_device_card_parse(&c, card, cl) != 0 ||
	    memcmp(c.device_id, id, sizeof(id)) != 0 ||
	    memcmp(c.sign_pk, coffer_device_sign_public(d), 32) != 0 ||
	    memcmp(c.agree_pk, coffer_device_agree_public(d), 32) != 0 ||
	    c.sign_version != sv || c.agree_version != av)
		goto out;
	bad = 0;
out:
	coffer_device_free(&d);
	coffer_buf_free(&b);
	free(card);
	return bad;
}

/* Writer state: the file, and whether every vector meant what it says. */
struct wr {
	FILE	*f;
	int	 failed;
};

static void
w_card_bad(struct wr *w, const char *name, const uint8_t *card, size_t len,
    int expect)
{
	struct coffer_device_card c;
	int r = coffer_device_card_parse(&c, card, len);

	if (r != expect) {
		fprintf(stderr, "card vector %s: got %d, meant %d\n", name, r,
		    expect);
		w->failed = 1;
	}
	vec_w_begin(w->f, name);
	vec_w_hex(w->f, "card", card, len);
	vec_w_word(w->f, "expect", vec_errword(expect));
	vec_w_end(w->f);
}

/* ${c} encoded and signed by ${key} for ${ctx}. */
static void
resign(uint8_t out[COFFER_DEVICE_CARD_BYTES],
    const struct coffer_device_card *c, const struct coffer_key *key,
    const char *ctx)
{
	struct coffer_buf *b = coffer_buf_new(1024);

	if (device_card_write(b, c) != 0)
		abort();
	memcpy(out, coffer_buf_data(b), COFFER_DEVICE_CARD_BYTES);
	if (coffer_sign(out + CARD_SIGNED, key, ctx, out, CARD_SIGNED) != 0)
		abort();
	coffer_buf_free(&b);
}

/* A good vector of the device made from ${seed}; its card in ${card}. */
static struct coffer_device *
w_card_good(struct wr *w, const char *name, uint8_t seed, uint32_t sv,
    uint32_t av, uint8_t card[COFFER_DEVICE_CARD_BYTES])
{
	struct coffer_buf *b = coffer_buf_new(1024);
	struct coffer_device *d = NULL;
	uint8_t id[COFFER_DEVICE_ID_BYTES], s[32], x[32];

	fill(id, sizeof(id), seed);
	fill(s, sizeof(s), (uint8_t)(seed + 1));
	fill(x, sizeof(x), (uint8_t)(seed + 2));
	if (device_import(&d, id, s, sv, x, av) != 0 ||
	    coffer_device_card_encode(b, d) != 0)
		abort();
	memcpy(card, coffer_buf_data(b), COFFER_DEVICE_CARD_BYTES);
	vec_w_begin(w->f, name);
	vec_w_hex(w->f, "device_id", id, sizeof(id));
	vec_w_u64(w->f, "sign_version", sv);
	vec_w_hex(w->f, "sign_seed", s, sizeof(s));
	vec_w_u64(w->f, "agree_version", av);
	vec_w_hex(w->f, "agree_secret", x, sizeof(x));
	vec_w_hex(w->f, "card", card, COFFER_DEVICE_CARD_BYTES);
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
	coffer_buf_free(&b);
	return d;
}

/* One-byte edits of a good card: { name, offset, xor }. */
static const struct {
	const char	*name;
	size_t		 off;
	uint8_t		 x;
	int		 expect;
} card_edits[] = {
	{ "card-bad-magic", 3, 0x1b, COFFER_ERR_FORMAT },
	{ "card-future-version", 4, 0x03, COFFER_ERR_VERSION },
	{ "card-id-altered", 5, 0x01, COFFER_ERR_AUTH },
	{ "card-sign-version-altered", 24, 0x02, COFFER_ERR_AUTH },
	{ "card-agree-version-altered", 60, 0x01, COFFER_ERR_AUTH },
	{ "card-agree-key-altered", 61, 0x01, COFFER_ERR_AUTH },
	{ "card-signature-altered", COFFER_DEVICE_CARD_BYTES - 1, 0x01,
	    COFFER_ERR_AUTH },
};

static int
write_vectors(const char *dir)
{
	struct wr w = { NULL, 0 };
	struct coffer_device *a, *o;
	struct coffer_device_card c;
	uint8_t card[COFFER_DEVICE_CARD_BYTES + 1], x[COFFER_DEVICE_CARD_BYTES];
	const size_t n = COFFER_DEVICE_CARD_BYTES;
	char path[4096];
	size_t i;

	snprintf(path, sizeof(path), "%s/device.txt", dir);
	if ((w.f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(w.f, "# Device cards (docs/PROTOCOL-keys.md, \"Device card\"):"
	    " device fields -> card\n# (expect = OK), or a card -> the "
	    "error.\n");
	o = w_card_good(&w, "card", 0x70, 1, 1, card);
	a = w_card_good(&w, "card-versions", 0x80, 5, 0x0a0b0c0d, card);
	if (coffer_device_card_parse(&c, card, n) != 0)
		abort();
	w_card_bad(&w, "card-empty", card, 0, COFFER_ERR_TRUNCATED);
	w_card_bad(&w, "card-magic-only", card, 4, COFFER_ERR_TRUNCATED);
	w_card_bad(&w, "card-truncated", card, n - 1, COFFER_ERR_TRUNCATED);
	card[n] = 0;
	w_card_bad(&w, "card-trailing", card, n + 1, COFFER_ERR_TRAILING);
	for (i = 0; i < sizeof(card_edits) / sizeof(card_edits[0]); i++) {
		memcpy(x, card, n);
		x[card_edits[i].off] ^= card_edits[i].x;
		w_card_bad(&w, card_edits[i].name, x, n, card_edits[i].expect);
	}
	resign(x, &c, coffer_device_sign_key(a), "coffer/other/v1");
	w_card_bad(&w, "card-other-context", x, n, COFFER_ERR_AUTH);
	resign(x, &c, coffer_device_sign_key(o), card_ctx);
	w_card_bad(&w, "card-signed-by-other", x, n, COFFER_ERR_AUTH);
	c.agree_pk[31] |= 0x80;
	resign(x, &c, coffer_device_sign_key(a), card_ctx);
	w_card_bad(&w, "card-agree-not-canonical", x, n, COFFER_ERR_FORMAT);
	memset(c.agree_pk, 0, 32);
	c.agree_pk[0] = 1;
	resign(x, &c, coffer_device_sign_key(a), card_ctx);
	w_card_bad(&w, "card-agree-small-order", x, n, COFFER_ERR_FORMAT);
	memcpy(c.agree_pk, coffer_device_agree_public(a), 32);
	c.agree_version = 0;
	resign(x, &c, coffer_device_sign_key(a), card_ctx);
	w_card_bad(&w, "card-agree-version-0", x, n, COFFER_ERR_FORMAT);
	c.agree_version = 0x0a0b0c0d;
	memset(c.sign_pk, 0, 32);
	c.sign_pk[0] = 1;
	resign(x, &c, coffer_device_sign_key(a), card_ctx);
	w_card_bad(&w, "card-sign-small-order", x, n, COFFER_ERR_FORMAT);
	coffer_device_free(&a);
	coffer_device_free(&o);
	if (fclose(w.f) != 0)
		return -1;
	return w.failed ? -1 : 0;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("device.txt", check_card, 15);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_assemble),
		cmocka_unit_test(test_card_roundtrip),
		cmocka_unit_test(test_card_each_byte),
		cmocka_unit_test(test_card_length),
		cmocka_unit_test(test_card_bad_keys),
		cmocka_unit_test(test_card_key_swap),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
