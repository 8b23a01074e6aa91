/* Fuzz the pairing messages: each input is parsed, and opened as step 4
 * under the channel key of tests/vectors/pairmsg.txt (its pairing id and
 * ISK). Seeds: the four good messages of that file.
 * Invariants: a step 1 to 3 message that parses encodes to itself; a
 * step 4 that opens seals again, with its own nonce, to itself; a failed
 * open leaves no entry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "devchain.h"
#include "keys/pairmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct coffer_key *k;
	static uint8_t pairing[PAIRMSG_ID_BYTES];
	struct coffer_buf *b = NULL, *pt = NULL;
	struct pairmsg m;
	struct pairmsg_head h;
	uint8_t isk[64];
	int r;

	if (k == NULL) {
		if (sodium_init() < 0)
			abort();
		dc_fill(pairing, sizeof(pairing), 0xc0);
		dc_fill(isk, sizeof(isk), 0xc1);
		if (pairmsg_channel_key(&k, isk, sizeof(isk), pairing) != 0)
			abort();
	}
	if (size > PAIRMSG_HEAD_MAX + 1)
		return 0;
	if ((b = coffer_buf_new(PAIRMSG_HEAD_MAX)) == NULL ||
	    (pt = coffer_buf_new(PAIRMSG_HEAD_MAX)) == NULL)
		abort();
	r = pairmsg_parse(&m, data, size);
	if (r == 0 && m.step != PAIRMSG_STEP_E_HEAD &&
	    (pairmsg_encode(b, &m) != 0 || coffer_buf_len(b) != size ||
	    memcmp(coffer_buf_data(b), data, size) != 0))
		abort();
	r = pairmsg_open_head(&h, data, size, pairing, k);
	if (r != 0 && h.entry.raw != NULL)
		abort();
	if (r == 0) {
		coffer_buf_reset(b);
		if (pairmsg_head_encode(pt, &h.entry) != 0 ||
		    pairmsg_seal_det(b, pairing, k, coffer_buf_data(pt),
		    coffer_buf_len(pt), data + PAIRMSG_HEADER_BYTES) != 0 ||
		    coffer_buf_len(b) != size ||
		    memcmp(coffer_buf_data(b), data, size) != 0)
			abort();
		devlist_entry_cleanup(&h.entry);
	}
	coffer_buf_free(&b);
	coffer_buf_free(&pt);
	return 0;
}
