/*
 * Change tokens (server/store/token.h): known-answer vectors in
 * tests/vectors/store-token.txt, written here from an independent
 * construction of the layout in docs/STORAGE.md, and round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/err.h>

#include "store/token.h"
#include "vecfile.h"

#define CTX	"cofferd/store/change-token/v1"

struct tokcase {
	uint8_t		key[32], account[16], zone[16], nonce[16];
	uint64_t	seq;
};

/* The token bytes built from the spec alone: version, nonce, seq, tag. */
static void
spec_token(uint8_t b[STORE_TOKEN_BYTES], uint8_t version,
    const struct tokcase *t)
{
	crypto_generichash_state st;
	int i;

	b[0] = version;
	memcpy(b + 1, t->nonce, 16);
	for (i = 0; i < 8; i++)
		b[17 + i] = (uint8_t)(t->seq >> (56 - 8 * i));
	crypto_generichash_init(&st, t->key, 32, 16);
	crypto_generichash_update(&st, (const uint8_t *)CTX, strlen(CTX));
	crypto_generichash_update(&st, b, 25);
	crypto_generichash_update(&st, t->account, 16);
	crypto_generichash_update(&st, t->zone, 16);
	crypto_generichash_final(&st, b + 25, 16);
}

static void
spec_text(char *out, size_t cap, const uint8_t *b, size_t n)
{
	assert_int_equal(coffer_b64url_encode(out, cap, b, n), 0);
}

static int
check_token(const struct vec *v)
{
	struct tokcase t;
	char made[STORE_TOKEN_LEN + 1], *tok = NULL;
	uint64_t seq = 0x5a5a, want = 0;
	int expect, r, bad = 1;

	if (vec_hexn(v, "key", t.key, 32) || vec_hexn(v, "account", t.account,
	    16) || vec_hexn(v, "zone", t.zone, 16) || vec_hexn(v, "nonce",
	    t.nonce, 16) || vec_err(v, "expect", &expect) ||
	    (tok = vec_str(v, "token")) == NULL)
		goto out;
	if (expect == 0 && vec_u64(v, "seq", &want) != 0)
		goto out;
	r = store_token_decode(&seq, tok, t.key, t.account, t.zone, t.nonce);
	if (r != expect)
		goto out;
	if (expect != 0) {
		bad = seq != 0x5a5a;	/* untouched on error */
		goto out;
	}
	/* Good: decodes to its seq and encodes back byte for byte. */
	if (seq != want || store_token_encode(made, t.key, t.account, t.zone,
	    t.nonce, want) != 0 || strcmp(made, tok) != 0)
		goto out;
	bad = 0;
out:
	free(tok);
	return bad;
}

static void
test_token_vectors(void **state)
{
	(void)state;
	vecfile_assert("store-token.txt", check_token, 12);
}

static int
write_vectors(const char *dir)
{
	static const struct {
		const char	*name;
		uint64_t	 seq;
		int		 how;
	} cases[] = {
		{ "good-start", 0, 0 },
		{ "good-one", 1, 0 },
		{ "good-big", 0x0102030405060708ull, 0 },
		{ "good-max", INT64_MAX, 0 },
		{ "bad-version-2", 5, 1 },
		{ "bad-version-0", 5, 2 },
		{ "bad-other-zone-nonce", 5, 3 },
		{ "bad-other-zone-id", 5, 4 },
		{ "bad-other-account", 5, 5 },
		{ "bad-other-key", 5, 6 },
		{ "bad-tampered-seq", 5, 7 },
		{ "bad-tampered-tag", 5, 8 },
		{ "bad-truncated", 5, 9 },
		{ "bad-trailing", 5, 10 },
		{ "bad-padding-bits", 5, 11 },
		{ "bad-character", 5, 12 },
		{ "bad-seq-over-int64", (uint64_t)INT64_MAX + 1, 0 },
	};
	char path[4096], text[COFFER_B64URL_LEN(STORE_TOKEN_BYTES) + 2];
	uint8_t b[STORE_TOKEN_BYTES];
	struct tokcase t, check;
	uint64_t out;
	size_t i, j, len;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/store-token.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# Change tokens (docs/STORAGE.md, \"Change tokens\"):\n"
	    "# base64url(version 1 || zone nonce 16 || seq 8 BE || tag 16),\n"
	    "# tag = keyed BLAKE2b-128(key, \"%s\" || bytes 0..25\n"
	    "# || account || zone). The check decodes with key, account,\n"
	    "# zone and nonce; expect is OK (and seq) or the error.\n", CTX);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < 16; j++) {
			t.account[j] = (uint8_t)(0x10 + i + j);
			t.zone[j] = (uint8_t)(0x40 + i * 3 + j);
			t.nonce[j] = (uint8_t)(0x80 + i * 5 + j);
		}
		for (j = 0; j < 32; j++)
			t.key[j] = (uint8_t)(0xc0 + i + j);
		t.seq = cases[i].seq;
		spec_token(b, cases[i].how == 1 ? 2 : cases[i].how == 2 ? 0 : 1,
		    &t);
		len = sizeof(b);
		check = t;
		switch (cases[i].how) {
		case 3: check.nonce[3] ^= 1; break;
		case 4: check.zone[15] ^= 0x80; break;
		case 5: check.account[0] ^= 1; break;
		case 6: check.key[31] ^= 1; break;
		case 7: b[24] ^= 1; break;
		case 8: b[40] ^= 0x20; break;
		case 9: len--; break;
		default: break;
		}
		spec_text(text, sizeof(text), b, len);
		if (cases[i].how == 10)
			memcpy(text + strlen(text), "A", 2);
		if (cases[i].how == 11)
			text[STORE_TOKEN_LEN - 1] = text[STORE_TOKEN_LEN - 1] ==
			    'B' ? 'C' : 'B';	/* low bits must be zero */
		if (cases[i].how == 12)
			text[20] = '+';		/* base64, not base64url */
		out = 0;
		r = store_token_decode(&out, text, check.key, check.account,
		    check.zone, check.nonce);
		vec_w_begin(f, cases[i].name);
		vec_w_hex(f, "key", check.key, 32);
		vec_w_hex(f, "account", check.account, 16);
		vec_w_hex(f, "zone", check.zone, 16);
		vec_w_hex(f, "nonce", check.nonce, 16);
		vec_w_str(f, "token", text);
		vec_w_word(f, "expect", vec_errword(r));
		if (r == 0)
			vec_w_u64(f, "seq", out);
		vec_w_end(f);
	}
	return fclose(f);
}

/* Every seq round-trips; no other zone, account or key accepts it. */
static void
test_token_roundtrip(void **state)
{
	uint8_t key[32], acct[16], zone[16], nonce[16];
	char tok[STORE_TOKEN_LEN + 1];
	uint64_t seqs[] = { 0, 1, 255, 256, 1ull << 32, INT64_MAX }, got;
	size_t i;

	(void)state;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(acct, sizeof(acct));
	randombytes_buf(zone, sizeof(zone));
	randombytes_buf(nonce, sizeof(nonce));
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		assert_int_equal(store_token_encode(tok, key, acct, zone, nonce,
		    seqs[i]), 0);
		assert_int_equal(strlen(tok), STORE_TOKEN_LEN);
		assert_int_equal(store_token_decode(&got, tok, key, acct, zone,
		    nonce), 0);
		assert_true(got == seqs[i]);
		zone[0] ^= 1;
		assert_int_equal(store_token_decode(&got, tok, key, acct, zone,
		    nonce), COFFER_ERR_AUTH);
		zone[0] ^= 1;
		nonce[0] ^= 1;
		assert_int_equal(store_token_decode(&got, tok, key, acct, zone,
		    nonce), COFFER_ERR_CONTEXT);
		nonce[0] ^= 1;
	}
	assert_int_equal(store_token_encode(tok, key, acct, zone, nonce,
	    (uint64_t)INT64_MAX + 1), COFFER_ERR_INVALID);
	assert_int_equal(store_token_decode(&got, NULL, key, acct, zone, nonce),
	    COFFER_ERR_FORMAT);
	assert_int_equal(store_token_decode(&got, "", key, acct, zone, nonce),
	    COFFER_ERR_FORMAT);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_vectors),
		cmocka_unit_test(test_token_roundtrip),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store_token", tests, NULL, NULL);
}
