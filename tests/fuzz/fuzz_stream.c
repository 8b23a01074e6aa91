/* Fuzz the stream opener (docs/PROTOCOL-stream.md). The first byte picks
 * a mode, the second seeds how the rest is split between calls.
 *
 * Mode 0: the rest is a stream, opened under the key and context of the
 * vectors' key A (so tests/vectors/stream.txt streams are valid seeds).
 * Invariants: no crash; the result is the same however the input is
 * split, and so is the plaintext released; a call that fails releases
 * nothing, and the opener refuses use after it; an accepted stream is
 * canonical: sealing its plaintext again with its own nonce and chunk size
 * gives the input byte for byte.
 *
 * Mode 1: the rest is a plaintext, sealed and opened in random pieces;
 * it must come back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/stream.h>

#include "crypto/stream_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fz_ctx[] = "coffer/test/v1";

static struct coffer_key *
fz_key(void)
{
	uint8_t secret[32], id[16];
	struct coffer_key *k = NULL;
	size_t i;

	for (i = 0; i < 32; i++)
		secret[i] = (uint8_t)i;
	for (i = 0; i < 16; i++)
		id[i] = (uint8_t)(0xa0 + i);
	if (coffer_key_import(&k, COFFER_KEY_SYMMETRIC, secret, id, 1) != 0)
		abort();
	return k;
}

/* Split sizes from a seed: mostly small, sometimes large. */
static size_t
fz_step(uint32_t *seed, size_t left)
{
	size_t n;

	*seed = *seed * 1103515245u + 12345u;
	n = (*seed >> 16) % 8 == 0 ? (*seed >> 8) % 9000 : (*seed >> 16) % 40;
	n += 1;
	return n < left ? n : left;
}

/* Open in pieces (or in one call if whole); the first error of update or
 * final. */
static int
fz_open(const struct coffer_key *k, const uint8_t *p, size_t n, int whole,
    uint32_t seed, struct coffer_buf *out)
{
	struct coffer_stream_opener *o = NULL;
	size_t step, before;
	int r;

	if ((r = coffer_stream_opener_new(&o, k, fz_ctx)) != 0)
		abort();
	while (r == 0 && n > 0) {
		step = whole ? n : fz_step(&seed, n);
		before = coffer_buf_len(out);
		if ((r = coffer_stream_opener_update(o, p, step, out)) != 0 &&
		    coffer_buf_len(out) != before)
			abort();	/* a failing call released bytes */
		p += step;
		n -= step;
	}
	if (r == 0)
		r = coffer_stream_opener_final(o);
	if (r != 0 && coffer_stream_opener_update(o, p, 0, out) !=
	    COFFER_ERR_STATE)
		abort();	/* usable after a failure */
	coffer_stream_opener_free(&o);
	return r;
}

static void
fz_opener(const struct coffer_key *k, const uint8_t *p, size_t n,
    uint32_t seed)
{
	struct coffer_buf *whole = coffer_buf_new_secret(1 << 20);
	struct coffer_buf *split = coffer_buf_new_secret(1 << 20);
	struct coffer_buf *again = coffer_buf_new(1 << 20);
	struct coffer_stream_sealer *s = NULL;
	struct coffer_stream_info info;
	uint8_t nonce[STREAM_NONCEBYTES];
	int r;

	if (whole == NULL || split == NULL || again == NULL)
		abort();
	r = fz_open(k, p, n, 1, 0, whole);
	if (fz_open(k, p, n, 0, seed, split) != r)
		abort();
	/* Only _final says TRUNCATED, after updates that all succeeded: then,
	 * as on success, both ways released the same verified chunks. Any
	 * other error came from the one update call, which released none. */
	if (r == 0 || r == COFFER_ERR_TRUNCATED) {
		if (coffer_buf_len(whole) != coffer_buf_len(split) ||
		    (coffer_buf_len(whole) > 0 &&
		    memcmp(coffer_buf_data(whole), coffer_buf_data(split),
		    coffer_buf_len(whole)) != 0))
			abort();
	} else if (coffer_buf_len(whole) != 0)
		abort();
	if (r != 0)
		goto out;
	/* Accepted: the stream is the one encoding of its plaintext. */
	if (coffer_stream_peek(&info, p, n) != 0)
		abort();
	memcpy(nonce, p + info.header_len - sizeof(nonce), sizeof(nonce));
	if (stream_sealer_new_det(&s, k, fz_ctx, info.chunk_log2, nonce,
	    again) != 0 ||
	    coffer_stream_sealer_update(s, coffer_buf_data(whole),
	    coffer_buf_len(whole), again) != 0 ||
	    coffer_stream_sealer_final(s, again) != 0 ||
	    coffer_buf_len(again) != n ||
	    memcmp(coffer_buf_data(again), p, n) != 0)
		abort();
out:
	coffer_stream_sealer_free(&s);
	coffer_buf_free(&whole);
	coffer_buf_free(&split);
	coffer_buf_free(&again);
}

static void
fz_roundtrip(const struct coffer_key *k, unsigned log2, const uint8_t *p,
    size_t n, uint32_t seed)
{
	struct coffer_buf *st = coffer_buf_new(1 << 20);
	struct coffer_buf *back = coffer_buf_new_secret(1 << 20);
	struct coffer_stream_sealer *s = NULL;
	size_t off = 0, step;

	if (st == NULL || back == NULL ||
	    coffer_stream_sealer_new(&s, k, fz_ctx, log2, st) != 0)
		abort();
	while (off < n) {
		step = fz_step(&seed, n - off);
		if (coffer_stream_sealer_update(s, p + off, step, st) != 0)
			abort();
		off += step;
	}
	if (coffer_stream_sealer_final(s, st) != 0 ||
	    fz_open(k, coffer_buf_data(st), coffer_buf_len(st), 0, seed,
	    back) != 0 || coffer_buf_len(back) != n ||
	    (n > 0 && memcmp(coffer_buf_data(back), p, n) != 0))
		abort();
	coffer_stream_sealer_free(&s);
	coffer_buf_free(&st);
	coffer_buf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coffer_key *k;

	if (size < 2 || size > (1 << 16))
		return 0;
	k = fz_key();
	if ((data[0] & 1) == 0)
		fz_opener(k, data + 2, size - 2, data[1]);
	else
		fz_roundtrip(k, COFFER_STREAM_CHUNK_LOG2_MIN + data[0] % 3,
		    data + 2, size - 2, data[1]);
	coffer_key_free(&k);
	return 0;
}
