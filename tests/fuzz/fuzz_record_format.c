/* Fuzz the sealed record parser (lib/client/record_format.c: rf_open).
 * The input is taken as a record's plaintext, sealed in a right envelope
 * under a fixed zone key then opened, which reaches every check of what an
 * envelope holds; and as sealed bytes (only those from the seeds are
 * authentic). Invariants: no crash or leak; a refused record leaves the
 * output as it was and says nothing of itself; an accepted one of
 * version 2 re-seals to the very same bytes (the same nonce: one encoding
 * per payload, padding included), its payload within COFFER_RECORD_MAX and
 * none for a tombstone; one of version 1 (read, no longer written)
 * re-seals to version 2 that opens to the same payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/client.h>
#include <coffer/envelope.h>
#include <coffer/err.h>

#include "client/client_internal.h"
#include "crypto/envelope_det.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The zone and record every seed is sealed for. */
static const uint8_t zone[16] = { 'z', 'o', 'n', 'e' };
static const uint8_t rid[16] = { 'r', 'e', 'c', 'o', 'r', 'd' };
/* Where a secret envelope keeps its nonce: after magic, version, type,
 * alg, context length, the context, key id and key version. */
#define NONCE_AT	(8 + sizeof(RF_CONTEXT) - 1 + 16 + 4)

/* Open ${ct} and hold the opener to its word. */
static void
open_one(const struct coffer_key *k, const uint8_t *ct, size_t len)
{
	static const uint8_t mark[2] = { 0xa5, 0x5a };
	struct coffer_buf *pt, *again;
	struct rf_head h, h2;
	size_t pl;
	int r;

	if ((pt = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL ||
	    coffer_buf_append(pt, mark, sizeof(mark)) != 0)
		abort();
	r = rf_open(pt, k, zone, rid, ct, len, &h);
	pl = coffer_buf_len(pt) - sizeof(mark);
	if (memcmp(coffer_buf_data(pt), mark, sizeof(mark)) != 0)
		abort();
	if (r != 0) {
		if (pl != 0 || h.counter != 0 || h.tomb != 0 ||
		    h.version != 0)
			abort();
		coffer_buf_free(&pt);
		return;
	}
	if (!h.opened || h.counter == 0 || h.counter > RF_COUNTER_MAX ||
	    pl > COFFER_RECORD_MAX || (h.tomb && pl != 0) ||
	    len < NONCE_AT + 24)
		abort();
	if ((again = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL ||
	    rf_seal(again, k, zone, rid, h.counter, h.tomb,
	    coffer_buf_data(pt) + sizeof(mark), pl, ct + NONCE_AT) != 0)
		abort();
	if (h.version == 2 ? coffer_buf_len(again) != len ||
	    memcmp(coffer_buf_data(again), ct, len) != 0 :
	    h.version != 1 || rf_open(NULL, k, zone, rid,
	    coffer_buf_data(again), coffer_buf_len(again), &h2) != 0 ||
	    h2.version != 2 || h2.counter != h.counter || h2.tomb != h.tomb)
		abort();
	coffer_buf_free(&again);
	coffer_buf_free(&pt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[32] = { 9 }, id[16] = { 10 };
	static const uint8_t nonce[24] = { 1, 2, 3 };
	/* Made once: guarded key memory is slow to map. */
	static struct coffer_key *k;
	struct coffer_buf *env;

	if (size > 4096)
		return 0;
	if (k == NULL && coffer_key_import(&k, COFFER_KEY_SYMMETRIC, secret,
	    id, 1) != 0)
		abort();
	/* As a plaintext, in an envelope that holds. */
	if ((env = coffer_buf_new(8192)) == NULL ||
	    envelope_seal_det(env, COFFER_ENVELOPE_SECRET, k, NULL, 0,
	    RF_CONTEXT, data, size, nonce, NULL) != 0)
		abort();
	open_one(k, coffer_buf_data(env), coffer_buf_len(env));
	coffer_buf_free(&env);
	/* As sealed bytes. */
	open_one(k, data, size);
	return 0;
}
