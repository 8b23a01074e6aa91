/* Fuzz the envelope parser and opener with the keys of
 * tests/vectors/envelope.txt (so the seed corpus holds envelopes that
 * open): no crash; an envelope that opens agrees with its peeked header;
 * a failed open leaves the output as it was. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/envelope.h>
#include <coffer/err.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct coffer_key *sym, *x;
	struct coffer_envelope_info info;
	struct coffer_buf *out;
	uint8_t secret[32], id[16];
	int pr, r, i;

	if (sym == NULL) {
		fill(secret, 32, 0x10);
		fill(id, 16, 0xa0);
		if (coffer_key_import(&sym, COFFER_KEY_SYMMETRIC, secret, id,
		    7) != 0)
			abort();
		fill(secret, 32, 0x40);
		secret[0] &= 248;
		secret[31] = (uint8_t)((secret[31] & 127) | 64);
		if (coffer_key_import(&x, COFFER_KEY_X25519, secret, NULL,
		    3) != 0)
			abort();
	}
	if ((out = coffer_buf_new(1 << 20)) == NULL)
		abort();
	pr = coffer_envelope_peek(&info, data, size);
	for (i = 0; i < 2; i++) {
		coffer_buf_reset(out);
		if (coffer_buf_append(out, "pre", 3) != 0)
			abort();
		r = coffer_envelope_open(out, i ? x : sym, "coffer/test/v1",
		    data, size);
		if (r == 0 && (pr != 0 ||
		    coffer_buf_len(out) != 3 + info.plaintext_len))
			abort();
		if (r != 0 && coffer_buf_len(out) != 3)
			abort();
		if (memcmp(coffer_buf_data(out), "pre", 3) != 0)
			abort();
	}
	coffer_buf_free(&out);
	return 0;
}
