/* Recovery keys (docs/PROTOCOL-recovery-key.md, tests/vectors/recovery.txt):
 * the GF(32) code and its distance, proved exhaustively; the parser's
 * rules and positions; generation, formatting and derivation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/key.h>
#include <coffer/recovery.h>

#include "core/secret.h"
#include "keys/recovery_internal.h"
#include "vecfile.h"

#define NSYM	COFFER_RECOVERY_KEY_SYMBOLS
#define NDATA	COFFER_RECOVERY_KEY_DATA
#define ALPHA	"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

/* The text of any 28 symbols in the display form, valid or not. */
static void
raw_text(char out[COFFER_RECOVERY_KEY_LEN + 1], const uint8_t sym[NSYM])
{
	size_t i, o = 0;

	for (i = 0; i < NSYM; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = ALPHA[sym[i] & 31];
	}
	out[o] = '\0';
}

/* A valid key from a seed: data symbols from BLAKE2b(seed). */
static void
seeded_key(struct coffer_recovery_key *rk, const char *seed)
{
	uint8_t h[NDATA];
	size_t i;

	crypto_generichash(h, sizeof(h), (const uint8_t *)seed, strlen(seed),
	    NULL, 0);
	for (i = 0; i < NDATA; i++)
		h[i] &= 31;
	assert_int_equal(recovery_key_from_data(rk, h), 0);
}

/* The schoolbook GF(2^5) product, for comparison. */
static uint8_t
ref_mul(uint8_t a, uint8_t b)
{
	unsigned int p = 0, i;

	for (i = 0; i < 5; i++)
		if (b & (1u << i))
			p ^= (unsigned int)a << i;
	for (i = 8; i >= 5; i--)
		if (p & (1u << i))
			p ^= 0x25u << (i - 5);
	return (uint8_t)p;
}

static void
test_gf32(void **state)
{
	unsigned int a, b, c, order;
	uint8_t p;

	(void)state;
	for (a = 0; a < 32; a++)
		for (b = 0; b < 32; b++)
			assert_int_equal(gf32_mul((uint8_t)a, (uint8_t)b),
			    ref_mul((uint8_t)a, (uint8_t)b));
	/* Every non-zero element has an inverse: a field. */
	for (a = 1; a < 32; a++) {
		for (b = 1, c = 0; b < 32; b++)
			c += gf32_mul((uint8_t)a, (uint8_t)b) == 1;
		assert_int_equal(c, 1);
	}
	/* x is primitive: its powers run through all 31 non-zero elements. */
	for (p = 2, order = 1; p != 1; order++)
		p = gf32_mul(p, 2);
	assert_int_equal(order, 31);
}

/* The code is linear, so a change e is caught in every key exactly when
 * the checks of e alone are not both zero. All 28 * 31 one-symbol changes
 * and all 378 * 31 * 31 two-symbol changes (transpositions among them)
 * are checked here: minimum distance 3, for every key. */
static void
test_code_distance(void **state)
{
	uint8_t e[NSYM], s[2];
	size_t i, j, tried = 0;
	unsigned int u, v;

	(void)state;
	memset(e, 0, sizeof(e));
	for (i = 0; i < NSYM; i++)
		for (u = 1; u < 32; u++) {
			e[i] = (uint8_t)u;
			recovery_syndrome(e, s);
			assert_true((s[0] | s[1]) != 0);
			e[i] = 0;
			tried++;
		}
	for (i = 0; i < NSYM; i++)
		for (j = i + 1; j < NSYM; j++)
			for (u = 1; u < 32; u++)
				for (v = 1; v < 32; v++) {
					e[i] = (uint8_t)u;
					e[j] = (uint8_t)v;
					recovery_syndrome(e, s);
					assert_true((s[0] | s[1]) != 0);
					e[i] = e[j] = 0;
					tried++;
				}
	assert_int_equal(tried, 28 * 31 + 378 * 31 * 31);
}

/* For any data, exactly one of the 1024 check pairs is valid: a random
 * 28-symbol string passes with probability exactly 1/1024. */
static void
test_one_in_1024(void **state)
{
	struct coffer_recovery_key rk;
	uint8_t w[NSYM], s[2];
	unsigned int c, ok;
	char seed[2] = "a";

	(void)state;
	for (; seed[0] < 'e'; seed[0]++) {
		seeded_key(&rk, seed);
		memcpy(w, rk.sym, NSYM);
		for (c = 0, ok = 0; c < 1024; c++) {
			w[26] = (uint8_t)(c >> 5);
			w[27] = (uint8_t)(c & 31);
			recovery_syndrome(w, s);
			if ((s[0] | s[1]) == 0)
				assert_memory_equal(w, rk.sym, NSYM);
			ok += (s[0] | s[1]) == 0;
		}
		assert_int_equal(ok, 1);
	}
}

/* A few keys: seeded ones, the all-A (zero) and all-9 keys. */
static void
some_keys(struct coffer_recovery_key rk[5])
{
	uint8_t d[NDATA];

	seeded_key(&rk[0], "key-1");
	seeded_key(&rk[1], "key-2");
	seeded_key(&rk[2], "key-3");
	memset(d, 0, sizeof(d));
	assert_int_equal(recovery_key_from_data(&rk[3], d), 0);
	memset(d, 31, sizeof(d));
	assert_int_equal(recovery_key_from_data(&rk[4], d), 0);
}

static void
expect_checksum(const uint8_t sym[NSYM])
{
	struct coffer_recovery_key rk;
	char text[COFFER_RECOVERY_KEY_LEN + 1];
	size_t pos = 99;

	raw_text(text, sym);
	memset(&rk, 0xee, sizeof(rk));
	assert_int_equal(coffer_recovery_key_parse(&rk, text),
	    COFFER_ERR_CHECKSUM);
	assert_int_equal(rk.sym[0], 0xee);	/* untouched */
	assert_int_equal(coffer_recovery_key_problem(text, &pos),
	    COFFER_ERR_CHECKSUM);
	assert_int_equal(pos, 0);
}

/* Through the parser: all 28 * 31 single substitutions of a few keys,
 * and all 378 * 31 * 31 double substitutions of one, are refused as
 * mistyped. */
static void
test_substitutions(void **state)
{
	struct coffer_recovery_key rk[5];
	uint8_t w[NSYM];
	size_t k, i, j, n = 0;
	unsigned int u, v;

	(void)state;
	some_keys(rk);
	for (k = 0; k < 5; k++)
		for (i = 0; i < NSYM; i++)
			for (u = 1; u < 32; u++, n++) {
				memcpy(w, rk[k].sym, NSYM);
				w[i] ^= (uint8_t)u;
				expect_checksum(w);
			}
	for (i = 0; i < NSYM; i++)
		for (j = i + 1; j < NSYM; j++)
			for (u = 1; u < 32; u++)
				for (v = 1; v < 32; v++, n++) {
					memcpy(w, rk[0].sym, NSYM);
					w[i] ^= (uint8_t)u;
					w[j] ^= (uint8_t)v;
					expect_checksum(w);
				}
	assert_int_equal(n, 5 * 28 * 31 + 378 * 961);
}

/* Every transposition of two different symbols, adjacent or not. One key
 * has 28 different symbols, so all 378 transpositions of it count. */
static void
test_transpositions(void **state)
{
	struct coffer_recovery_key rk[6];
	uint8_t w[NSYM], d[NDATA], t;
	size_t k, i, j, n;

	(void)state;
	some_keys(rk);
	/* Data whose check symbols (11, 21) differ from it and each other. */
	for (i = 0; i < NDATA; i++)
		d[i] = (uint8_t)((i * 5 + 9) % 32);
	assert_int_equal(recovery_key_from_data(&rk[5], d), 0);
	for (k = 0, n = 0; k < 6; k++)
		for (i = 0; i < NSYM; i++)
			for (j = i + 1; j < NSYM; j++) {
				if (rk[k].sym[i] == rk[k].sym[j]) {
					assert_true(k != 5);	/* all differ */
					continue;
				}
				memcpy(w, rk[k].sym, NSYM);
				t = w[i];
				w[i] = w[j];
				w[j] = t;
				expect_checksum(w);
				n += k == 5;
			}
	assert_int_equal(n, 28 * 27 / 2);
}

static void
test_generate(void **state)
{
	struct coffer_recovery_key rk, rk2;
	char text[COFFER_RECOVERY_KEY_LEN + 1], again[COFFER_RECOVERY_KEY_LEN + 1];
	char first[COFFER_RECOVERY_KEY_LEN + 1];
	size_t count[32] = { 0 };
	uint8_t d[NDATA];
	size_t i, k;

	(void)state;
	assert_int_equal(coffer_recovery_key_generate(NULL), COFFER_ERR_INVALID);
	for (k = 0; k < 1000; k++) {
		assert_int_equal(coffer_recovery_key_generate(text), 0);
		assert_int_equal(strlen(text), COFFER_RECOVERY_KEY_LEN);
		for (i = 0; i < COFFER_RECOVERY_KEY_LEN; i++) {
			if (i % 5 == 4)
				assert_int_equal(text[i], '-');
			else
				assert_non_null(strchr(ALPHA, text[i]));
		}
		assert_int_equal(coffer_recovery_key_parse(&rk, text), 0);
		assert_int_equal(coffer_recovery_key_format(again, &rk), 0);
		assert_string_equal(again, text);
		for (i = 0; i < NDATA; i++)
			count[rk.sym[i]]++;
		if (k == 0)
			memcpy(first, text, sizeof(first));
		else
			assert_string_not_equal(first, text);
	}
	/* 26000 symbols, 812 of each expected, deviation about 28. */
	for (i = 0; i < 32; i++)
		assert_in_range(count[i], 650, 980);
	/* from_data refuses symbols above 31 and leaves the key alone. */
	memset(&rk2, 0xee, sizeof(rk2));
	memset(d, 0, sizeof(d));
	d[25] = 32;
	assert_int_equal(recovery_key_from_data(&rk2, d),
	    COFFER_ERR_INVALID);
	assert_int_equal(rk2.sym[0], 0xee);
	assert_int_equal(recovery_key_from_data(NULL, d),
	    COFFER_ERR_INVALID);
	assert_int_equal(recovery_key_from_data(&rk2, NULL),
	    COFFER_ERR_INVALID);
	coffer_recovery_key_cleanup(&rk);
	for (i = 0; i < NSYM; i++)
		assert_int_equal(rk.sym[i], 0);
	coffer_recovery_key_cleanup(NULL);
}

static void
test_format(void **state)
{
	struct coffer_recovery_key rk;
	char text[COFFER_RECOVERY_KEY_LEN + 1];
	uint8_t d[NDATA];

	(void)state;
	memset(d, 0, sizeof(d));
	assert_int_equal(recovery_key_from_data(&rk, d), 0);
	assert_int_equal(coffer_recovery_key_format(text, &rk), 0);
	assert_string_equal(text, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA");
	memset(d, 31, sizeof(d));
	assert_int_equal(recovery_key_from_data(&rk, d), 0);
	assert_int_equal(coffer_recovery_key_format(text, &rk), 0);
	assert_memory_equal(text, "9999-9999-9999-9999-9999-9999-99", 32);
	/* A struct that is not a valid key does not format. */
	rk.sym[3] ^= 1;
	assert_int_equal(coffer_recovery_key_format(text, &rk),
	    COFFER_ERR_INVALID);
	assert_string_equal(text, "");
	rk.sym[3] ^= 1;
	rk.sym[5] = 32;
	assert_int_equal(coffer_recovery_key_format(text, &rk),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_recovery_key_format(text, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_recovery_key_format(NULL, &rk),
	    COFFER_ERR_INVALID);
}

/* key spelled as 's' canonical, 'l' lower case, 'n' without dashes,
 * 'w' spaced, 'm' mixed, 'p' padded to cap bytes. */
static void
spell(char *buf, size_t cap, const char *key, char how)
{
	size_t i, o = 0;
	char c;

	for (i = 0; key[i] != '\0'; i++) {
		c = key[i];
		if (how == 'n' && c == '-')
			continue;
		if (how == 'w' && c == '-') {
			memcpy(buf + o, "  ", 2);
			o += 2;
			continue;
		}
		if ((how == 'l' || (how == 'm' && i % 3 == 0)) && c >= 'A' &&
		    c <= 'Z')
			c = (char)(c + 32);
		buf[o++] = c;
		if (how == 'm' && i % 7 == 6)
			buf[o++] = ' ';
	}
	if (how == 'w') {
		memmove(buf + 1, buf, o);
		buf[0] = ' ';
		o++;
		buf[o++] = ' ';
	}
	for (; how == 'p' && o < cap; o++)
		buf[o] = (o % 2) ? ' ' : '-';
	buf[o] = '\0';
}

/* The parse rules: accepted spellings of one key (as spell() makes
 * them), then refusals with the position coffer_recovery_key_problem()
 * names. */
static void
test_parse_rules(void **state)
{
	static const struct {
		const char *pre;
		char how;
		const char *post;
		int err;
		size_t pos;
	} cases[] = {
		{ "", 's', "", 0, 0 }, { "", 'l', "", 0, 0 },
		{ "", 'n', "", 0, 0 }, { "", 'w', "", 0, 0 },
		{ "", 'm', "", 0, 0 }, { "", 'p', "", 0, 0 },
		{ "-", 'n', "-", 0, 0 },
		{ "", 0, "", COFFER_ERR_FORMAT, 0 },
		{ "  - -", 0, "", COFFER_ERR_FORMAT, 0 },
		{ "", 's', "\n", COFFER_ERR_FORMAT, 35 },
		{ "", 's', "\r", COFFER_ERR_FORMAT, 35 },
		{ "\t", 's', "", COFFER_ERR_FORMAT, 1 },
		{ "", 's', "_", COFFER_ERR_FORMAT, 35 },
		{ "", 's', "A", COFFER_ERR_FORMAT, 35 },	/* 29 symbols */
		{ "", 's', " AO", COFFER_ERR_FORMAT, 36 },	/* 29th first */
		{ "O", 's', "", COFFER_ERR_FORMAT, 1 },	/* bad byte first */
		{ "ab\xc3\xa9", 's', "", COFFER_ERR_FORMAT, 3 },
		{ "\xff", 0, "", COFFER_ERR_FORMAT, 1 },
		{ "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAA", 0, "", COFFER_ERR_FORMAT,
		    0 },
	};
	struct coffer_recovery_key rk, want;
	char key[COFFER_RECOVERY_KEY_LEN + 1], sp[COFFER_RECOVERY_KEY_INPUT_MAX + 1];
	char buf[2 * COFFER_RECOVERY_KEY_INPUT_MAX];
	size_t i, pos;

	(void)state;
	seeded_key(&want, "rules");
	assert_int_equal(coffer_recovery_key_format(key, &want), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp[0] = '\0';
		if (cases[i].how != 0)
			spell(sp, COFFER_RECOVERY_KEY_INPUT_MAX, key,
			    cases[i].how);
		snprintf(buf, sizeof(buf), "%s%s%s", cases[i].pre, sp,
		    cases[i].post);
		memset(&rk, 0, sizeof(rk));
		pos = 99;
		if (coffer_recovery_key_parse(&rk, buf) != cases[i].err ||
		    coffer_recovery_key_problem(buf, &pos) != cases[i].err ||
		    pos != cases[i].pos)
			fail_msg("case %zu: position %zu", i, pos);
		if (cases[i].err == 0)
			assert_memory_equal(rk.sym, want.sym, NSYM);
	}
	assert_int_equal(coffer_recovery_key_parse(NULL, key),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_recovery_key_parse(&rk, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_recovery_key_problem(NULL, &pos),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_recovery_key_problem(key, NULL), 0);
}

/* Each of I, O, 0, 1 (either case) and every other byte outside the
 * alphabet is refused at its position; mixed case is accepted. */
static void
test_parse_alphabet(void **state)
{
	struct coffer_recovery_key want, rk;
	char key[COFFER_RECOVERY_KEY_LEN + 1], buf[COFFER_RECOVERY_KEY_LEN + 1];
	size_t i, pos;
	int c, ok;

	(void)state;
	seeded_key(&want, "alphabet");
	assert_int_equal(coffer_recovery_key_format(key, &want), 0);
	for (c = 1; c < 256; c++) {
		memcpy(buf, key, sizeof(buf));
		buf[8] = (char)c;		/* 9th character */
		ok = c == ' ' || c == '-' ||
		    (c < 128 && strchr(ALPHA, c >= 'a' && c <= 'z' ? c - 32 :
		    c) != NULL);
		if (ok)
			continue;
		assert_int_equal(coffer_recovery_key_problem(buf, &pos),
		    COFFER_ERR_FORMAT);
		assert_int_equal(pos, 9);
	}
	for (i = 0; i < 4; i++) {
		memcpy(buf, key, sizeof(buf));
		buf[8] = "IO01"[i];
		assert_int_equal(coffer_recovery_key_parse(&rk, buf),
		    COFFER_ERR_FORMAT);
		buf[8] = "io01"[i];
		assert_int_equal(coffer_recovery_key_parse(&rk, buf),
		    COFFER_ERR_FORMAT);
	}
	for (i = 0; i < COFFER_RECOVERY_KEY_LEN; i++)
		buf[i] = (char)(i % 2 && key[i] >= 'A' && key[i] <= 'Z' ?
		    key[i] + 32 : key[i]);
	assert_int_equal(coffer_recovery_key_parse(&rk, buf), 0);
	assert_memory_equal(rk.sym, want.sym, NSYM);
}

static void
test_parse_limits(void **state)
{
	struct coffer_recovery_key rk, want;
	char key[COFFER_RECOVERY_KEY_LEN + 1];
	char buf[COFFER_RECOVERY_KEY_INPUT_MAX + 2];
	size_t pos;

	(void)state;
	seeded_key(&want, "limits");
	assert_int_equal(coffer_recovery_key_format(key, &want), 0);
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, key, COFFER_RECOVERY_KEY_LEN);
	buf[COFFER_RECOVERY_KEY_INPUT_MAX] = '\0';
	assert_int_equal(coffer_recovery_key_parse(&rk, buf), 0);
	assert_memory_equal(rk.sym, want.sym, NSYM);
	buf[COFFER_RECOVERY_KEY_INPUT_MAX] = ' ';
	buf[COFFER_RECOVERY_KEY_INPUT_MAX + 1] = '\0';
	assert_int_equal(coffer_recovery_key_parse(&rk, buf), COFFER_ERR_TOOBIG);
	pos = 99;
	assert_int_equal(coffer_recovery_key_problem(buf, &pos),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(pos, 0);
}

static void
test_derive(void **state)
{
	struct coffer_recovery_key rk, rk2;
	struct coffer_key *k1 = NULL, *k2 = NULL;
	uint8_t okm[48];
	const uint8_t salt[] = "account-42";

	(void)state;
	seeded_key(&rk, "derive");
	seeded_key(&rk2, "derive-2");
	assert_int_equal(coffer_recovery_key_derive(&k1, &rk, salt, 10, 3), 0);
	assert_int_equal(coffer_key_kind(k1), COFFER_KEY_SYMMETRIC);
	assert_int_equal(coffer_key_version(k1), 3);
	/* The construction of the spec, spelled out. */
	assert_int_equal(coffer_kdf(okm, sizeof(okm), rk.sym, NDATA,
	    "coffer/recovery-key/v1", salt, 10), 0);
	assert_memory_equal(key_secret(k1), okm, 32);
	assert_memory_equal(coffer_key_id(k1), okm + 32, 16);
	assert_int_equal(coffer_recovery_key_derive(&k2, &rk, salt, 10, 3), 0);
	assert_true(coffer_key_equal(k1, k2));
	coffer_key_free(&k2);
	assert_int_equal(coffer_recovery_key_derive(&k2, &rk, salt, 9, 3), 0);
	assert_false(coffer_key_equal(k1, k2));
	coffer_key_free(&k2);
	assert_int_equal(coffer_recovery_key_derive(&k2, &rk, NULL, 0, 3), 0);
	assert_false(coffer_key_equal(k1, k2));
	coffer_key_free(&k2);
	assert_int_equal(coffer_recovery_key_derive(&k2, &rk2, salt, 10, 3), 0);
	assert_false(coffer_key_equal(k1, k2));
	coffer_key_free(&k2);
	/* Refusals leave *out NULL. */
	k2 = (struct coffer_key *)1;
	assert_int_equal(coffer_recovery_key_derive(&k2, NULL, salt, 10, 3),
	    COFFER_ERR_INVALID);
	assert_null(k2);
	assert_int_equal(coffer_recovery_key_derive(&k2, &rk, NULL, 1, 3),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_recovery_key_derive(&k2, &rk, salt,
	    COFFER_KDF_MAX + 1, 3), COFFER_ERR_INVALID);
	rk.sym[27] ^= 1;
	assert_int_equal(coffer_recovery_key_derive(&k2, &rk, salt, 10, 3),
	    COFFER_ERR_INVALID);
	assert_null(k2);
	assert_int_equal(coffer_recovery_key_derive(NULL, &rk2, salt, 10, 3),
	    COFFER_ERR_INVALID);
	coffer_key_free(&k1);
}

static void
test_strerror(void **state)
{
	(void)state;
	assert_non_null(strstr(coffer_strerror(COFFER_ERR_CHECKSUM),
	    "mistyped"));
}

/* Vectors. Good: data (26 symbol values) -> text; input parses to
 * symbols; salt -> key, id (version 1). Bad: input (or inputhex) ->
 * expect and the problem position. */
static int
check_vector(const struct vec *v)
{
	struct coffer_recovery_key rk, rk2;
	struct coffer_key *k = NULL;
	uint8_t data[NDATA], sym[NSYM], key[32], id[16], *salt = NULL,
	    *raw = NULL;
	char *text = NULL, *input = NULL, out[COFFER_RECOVERY_KEY_LEN + 1];
	size_t saltl, rawl, pos;
	uint64_t want_pos;
	int err, bad = 1;

	if (vec_err(v, "expect", &err) != 0)
		goto out;
	if (vec_get(v, "inputhex") != NULL) {
		if (vec_hex(v, "inputhex", &raw, &rawl) != 0 || rawl == 0 ||
		    memchr(raw, 0, rawl) != NULL || (input = malloc(rawl +
		    1)) == NULL)
			goto out;
		memcpy(input, raw, rawl);
		input[rawl] = '\0';
	} else if ((input = vec_str(v, "input")) == NULL)
		goto out;
	memset(&rk, 0xee, sizeof(rk));
	if (coffer_recovery_key_parse(&rk, input) != err ||
	    coffer_recovery_key_problem(input, &pos) != err)
		goto out;
	if (err != 0) {
		if (vec_u64(v, "position", &want_pos) != 0 || pos != want_pos ||
		    rk.sym[0] != 0xee)
			goto out;
		bad = 0;
		goto out;
	}
	if (pos != 0 || vec_hexn(v, "data", data, NDATA) != 0 ||
	    (text = vec_str(v, "text")) == NULL ||
	    vec_hex(v, "salt", &salt, &saltl) != 0 ||
	    vec_hexn(v, "symbols", sym, NSYM) != 0 ||
	    vec_hexn(v, "key", key, 32) != 0 || vec_hexn(v, "id", id, 16) != 0)
		goto out;
	if (recovery_key_from_data(&rk2, data) != 0 ||
	    coffer_recovery_key_format(out, &rk2) != 0 ||
	    strcmp(out, text) != 0 || memcmp(rk2.sym, sym, NSYM) != 0 ||
	    memcmp(rk.sym, sym, NSYM) != 0)
		goto out;
	if (coffer_recovery_key_derive(&k, &rk, salt, saltl, 1) != 0 ||
	    sodium_memcmp(key_secret(k), key, 32) != 0 ||
	    sodium_memcmp(coffer_key_id(k), id, 16) != 0)
		goto out;
	bad = 0;
out:
	coffer_key_free(&k);
	free(salt); free(raw); free(text); free(input);
	return bad;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("recovery.txt", check_vector, 20);
}

/* The vector writer. */

struct good_case {
	const char *name, *seed, *salt;
	char spelling;		/* as spell() takes it */
};

static void
write_good(FILE *f, const struct good_case *c)
{
	struct coffer_recovery_key rk;
	struct coffer_key *k = NULL;
	uint8_t h[NDATA];
	char key[COFFER_RECOVERY_KEY_LEN + 1];
	char in[COFFER_RECOVERY_KEY_INPUT_MAX + 1];
	size_t i;

	crypto_generichash(h, sizeof(h), (const uint8_t *)c->seed,
	    strlen(c->seed), NULL, 0);
	for (i = 0; i < NDATA; i++)
		h[i] = strcmp(c->seed, "zero") == 0 ? 0 :
		    strcmp(c->seed, "max") == 0 ? 31 : h[i] & 31;
	if (recovery_key_from_data(&rk, h) != 0 ||
	    coffer_recovery_key_format(key, &rk) != 0)
		abort();
	spell(in, COFFER_RECOVERY_KEY_INPUT_MAX, key, c->spelling);
	if (coffer_recovery_key_derive(&k, &rk, (const uint8_t *)c->salt,
	    strlen(c->salt), 1) != 0)
		abort();
	vec_w_begin(f, c->name);
	vec_w_hex(f, "data", h, NDATA);
	vec_w_str(f, "text", key);
	vec_w_str(f, "input", in);
	vec_w_hex(f, "salt", (const uint8_t *)c->salt, strlen(c->salt));
	vec_w_word(f, "expect", "OK");
	vec_w_hex(f, "symbols", rk.sym, NSYM);
	vec_w_hex(f, "key", key_secret(k), 32);
	vec_w_hex(f, "id", coffer_key_id(k), 16);
	vec_w_end(f);
	coffer_key_free(&k);
}

/* A bad vector: inputhex when a byte is not printable ASCII or a quote. */
static void
write_bad(FILE *f, const char *name, const char *input)
{
	size_t pos, i;
	int r = coffer_recovery_key_problem(input, &pos), hex = 0;

	if (r == 0)
		abort();
	for (i = 0; input[i] != '\0'; i++)
		hex |= input[i] < 0x20 || input[i] >= 0x7f || input[i] == '"';
	vec_w_begin(f, name);
	if (hex)
		vec_w_hex(f, "inputhex", (const uint8_t *)input, strlen(input));
	else
		vec_w_str(f, "input", input);
	vec_w_word(f, "expect", vec_errword(r));
	vec_w_u64(f, "position", pos);
	vec_w_end(f);
}

/* key with del bytes at offset at replaced by with, into buf. */
static const char *
splice(char *buf, const char *key, size_t at, size_t del, const char *with)
{
	snprintf(buf, COFFER_RECOVERY_KEY_INPUT_MAX + 8, "%.*s%s%s", (int)at,
	    key, with, key + at + del);
	return buf;
}

static int
write_vectors(const char *dir)
{
	static const struct good_case good[] = {
		{ "canonical", "vector-1", "account-0001", 's' },
		{ "canonical-2", "vector-2", "", 's' },
		{ "all-a", "zero", "account-0002", 's' },
		{ "all-9", "max", "account-0003", 's' },
		{ "lower-case", "vector-1", "account-0001", 'l' },
		{ "no-dashes", "vector-1", "account-0001", 'n' },
		{ "extra-spaces", "vector-1", "account-0001", 'w' },
		{ "mixed", "vector-1", "account-0001", 'm' },
		{ "padded-to-256", "vector-2", "", 'p' },
	};
	/* Edits of the "canonical" key: replace del bytes at offset at. */
	static const struct {
		const char *name;
		size_t at, del;
		const char *with;
	} bad[] = {
		{ "substitution", 10, 1, "B" },		/* L -> B */
		{ "letter-O", 5, 1, "O" },
		{ "letter-I", 11, 1, "I" },
		{ "digit-0", 17, 1, "0" },
		{ "digit-1", 23, 1, "1" },
		{ "letter-o-lower", 12, 1, "o" },
		{ "underscore", 4, 1, "_" },
		{ "newline", 34, 0, "\n" },
		{ "tab", 0, 0, "\t" },
		{ "non-ascii-e-acute", 10, 1, "\xc3\x89" },
		{ "byte-ff", 30, 1, "\xff" },
		{ "27-symbols", 33, 1, "" },
		{ "29-symbols", 34, 0, "D" },
		{ "empty", 0, 34, "" },
		{ "only-separators", 0, 34, " - - " },
	};
	struct coffer_recovery_key rk;
	char path[4096], key[COFFER_RECOVERY_KEY_LEN + 1];
	char buf[COFFER_RECOVERY_KEY_INPUT_MAX + 8], two[3];
	uint8_t h[NDATA];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/recovery.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# Recovery keys (docs/PROTOCOL-recovery-key.md).\n"
	    "# Good (expect = OK): data, the 26 data symbol values, gives "
	    "text;\n# input parses to symbols; salt derives key and id (the "
	    "key version,\n# not an input of the derivation, is 1).\n"
	    "# Bad: input (or inputhex for bytes that are not printable) "
	    "fails\n# with expect, and coffer_recovery_key_problem names "
	    "position.\n");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		write_good(f, &good[i]);

	crypto_generichash(h, sizeof(h), (const uint8_t *)"vector-1", 8,
	    NULL, 0);
	for (i = 0; i < NDATA; i++)
		h[i] &= 31;
	if (recovery_key_from_data(&rk, h) != 0 ||
	    coffer_recovery_key_format(key, &rk) != 0)
		abort();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		write_bad(f, bad[i].name, splice(buf, key, bad[i].at,
		    bad[i].del, bad[i].with));
	/* Transpositions of different symbols, adjacent and distant. */
	two[0] = key[1];
	two[1] = key[0];
	two[2] = '\0';
	write_bad(f, "transposition-adjacent", splice(buf, key, 0, 2, two));
	splice(buf, key, 0, 1, (char[]){ key[33], '\0' });
	buf[33] = key[0];
	write_bad(f, "transposition-far", buf);
	splice(buf, key, 2, 1, key[2] == 'A' ? "B" : "A");
	buf[20] = key[20] == 'A' ? 'B' : 'A';
	write_bad(f, "two-substitutions", buf);
	memset(buf, ' ', COFFER_RECOVERY_KEY_INPUT_MAX + 1);
	memcpy(buf, key, COFFER_RECOVERY_KEY_LEN);
	buf[COFFER_RECOVERY_KEY_INPUT_MAX + 1] = '\0';
	write_bad(f, "257-bytes", buf);
	coffer_recovery_key_cleanup(&rk);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gf32),
		cmocka_unit_test(test_code_distance),
		cmocka_unit_test(test_one_in_1024),
		cmocka_unit_test(test_substitutions),
		cmocka_unit_test(test_transpositions),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_rules),
		cmocka_unit_test(test_parse_alphabet),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	if (coffer_init() != 0)
		return 1;
	return cmocka_run_group_tests_name("recovery", tests, NULL, NULL);
}
