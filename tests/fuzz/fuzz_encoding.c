/* Fuzz the strict hex and base64url decoders: no crash, and whatever
 * decodes re-encodes to the same text (base64url is canonical). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <coffer/encoding.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[1024];
	char enc[COFFER_B64URL_LEN(1024)];
	size_t n;

	if (size > 1300)
		return 0;
	if (coffer_b64url_decode(out, sizeof(out), &n, (const char *)data,
	    size) == 0) {
		if (coffer_b64url_encode(enc, sizeof(enc), out, n) != 0 ||
		    strlen(enc) != size || memcmp(enc, data, size) != 0)
			abort();
	}
	if (coffer_hex_decode(out, sizeof(out), &n, (const char *)data,
	    size) == 0) {
		/* Either case decodes; lower case re-encodes to the same. */
		if (coffer_hex_encode(enc, sizeof(enc), out, n) != 0 ||
		    strlen(enc) != size || strncasecmp(enc, (const char *)data,
		    size) != 0)
			abort();
	}
	return 0;
}
