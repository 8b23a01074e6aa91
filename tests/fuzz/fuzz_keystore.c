/* Fuzz the keystore parser and the device card parser, which share this
 * harness (both read what a device keeps about itself). The keystore is
 * parsed without a passcode, so no Argon2 work is ever done: a sealed
 * keystore is checked up to its envelope header (keystore_peek).
 * Invariants: parse agrees with peek; whatever parses re-encodes to the
 * same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/keystore.h>

#include "keys/device_internal.h"
#include "keys/keystore_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_keystore(const uint8_t *data, size_t size)
{
	struct coffer_device *d = NULL;
	struct coffer_buf *b;
	int sealed, r, p;

	r = keystore_peek(&sealed, data, size);
	p = coffer_keystore_parse(&d, data, size, NULL, 0);
	if (r != 0 ? p != r : sealed ? p != COFFER_ERR_PASSCODE :
	    (p != 0 && p != COFFER_ERR_FORMAT))
		abort();
	if ((p == 0) != (d != NULL))
		abort();
	if (p != 0)
		return;
	/* A clear keystore is a function of its device. */
	if ((b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX)) == NULL ||
	    coffer_keystore_encode(b, d, NULL, 0, NULL) != 0 ||
	    coffer_buf_len(b) != size ||
	    sodium_memcmp(coffer_buf_data(b), data, size) != 0)
		abort();
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

static void
fuzz_card(const uint8_t *data, size_t size)
{
	struct coffer_device_card c;
	struct coffer_buf *b;

	if (coffer_device_card_parse(&c, data, size) != 0)
		return;
	if ((b = coffer_buf_new(1024)) == NULL ||
	    device_card_write(b, &c) != 0 ||
	    coffer_buf_len(b) != size ||
	    sodium_memcmp(coffer_buf_data(b), data, size) != 0)
		abort();
	coffer_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > COFFER_KEYSTORE_MAX)
		return 0;
	fuzz_keystore(data, size);
	fuzz_card(data, size);
	return 0;
}
