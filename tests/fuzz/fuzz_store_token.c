/* Fuzz the change-token parser (server/store/token.c): no crash; whatever
 * it accepts re-encodes to the same text; and every sequence number makes
 * a token it accepts back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[STORE_TOKEN_KEY_BYTES] = { 1, 2, 3, 4 };
static const uint8_t account[COFFER_WIRE_ID_BYTES] = { 5 };
static const uint8_t zone[COFFER_WIRE_ID_BYTES] = { 6 };
static const uint8_t nonce[STORE_ZONE_NONCE_BYTES] = { 7 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[128], again[STORE_TOKEN_LEN + 1];
	uint64_t seq = 0, back = 0;
	size_t i;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (store_token_decode(&seq, text, key, account, zone, nonce) == 0) {
		if (store_token_encode(again, key, account, zone, nonce, seq) !=
		    0 || strcmp(again, text) != 0)
			abort();
	}
	/* The input as a sequence number. */
	for (i = 0, seq = 0; i < size && i < 8; i++)
		seq = seq << 8 | data[i];
	seq &= (uint64_t)INT64_MAX;
	if (store_token_encode(again, key, account, zone, nonce, seq) != 0 ||
	    store_token_decode(&back, again, key, account, zone, nonce) != 0 ||
	    back != seq)
		abort();
	return 0;
}
