/* Deterministic keys for unit tests. */
#include "testkeys.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

struct coffer_key *
test_key_symmetric(uint8_t seed, uint32_t version)
{
	struct coffer_key *k = NULL;
	uint8_t secret[COFFER_KEY_BYTES], id[COFFER_KEY_ID_BYTES];

	memset(secret, seed, sizeof(secret));
	memset(id, (uint8_t)(seed ^ 0xa5), sizeof(id));
	assert_int_equal(coffer_key_import(&k, COFFER_KEY_SYMMETRIC, secret, id,
	    version), 0);
	return k;
}
