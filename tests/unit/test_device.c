/* Device identity and the device card (docs/PROTOCOL-keys.md, "Device").
 * The card's known-answer vectors live in tests/vectors/keystore.txt,
 * checked by test_keystore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/sign.h>

#include "keys/device_internal.h"

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
		assert_int_equal(coffer_device_assemble(&d, id, &s, &a),
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
	assert_int_equal(coffer_device_assemble(&d, id, &s, &a),
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
	assert_int_equal(coffer_device_card_write(w, &c), 0);
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
		assert_int_equal(coffer_device_card_write(b, &c), 0);
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
	assert_int_equal(coffer_device_card_write(b, &good), 0);
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
	assert_int_equal(coffer_device_card_write(b, &c), 0);
	assert_int_equal(coffer_device_card_parse(&c, coffer_buf_data(b),
	    coffer_buf_len(b)), COFFER_ERR_AUTH);
	coffer_buf_free(&b);
	coffer_device_free(&a);
	coffer_device_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_assemble),
		cmocka_unit_test(test_card_roundtrip),
		cmocka_unit_test(test_card_each_byte),
		cmocka_unit_test(test_card_length),
		cmocka_unit_test(test_card_bad_keys),
		cmocka_unit_test(test_card_key_swap),
	};

	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
