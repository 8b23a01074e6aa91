/* Fuzz the key record parser and unwrap. The input is taken as a key
 * record (parsed directly, and sealed under a fixed kek then unwrapped,
 * which must agree) and as a wrapped blob (opened with the fixed kek and
 * device key: only blobs from the seeds are authentic).
 * Invariants: a record that parses re-encodes to the same bytes; unwrap
 * gives the record parser's error, or the same key under its own label
 * and KEY under any other. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/keychain.h>

#include "crypto/envelope_det.h"
#include "keys/keychain_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest record plaintext unwrap reads (lib/keys/keychain.c). */
#define OPEN_MAX	256

static void
fuzz_record(const uint8_t *data, size_t size, const struct coffer_key *kek)
{
	static const uint8_t nonce[24] = { 1, 2, 3 };
	struct coffer_key *k = NULL, *u = NULL;
	struct coffer_buf *b, *env;
	enum coffer_key_role role = COFFER_ROLE_CATEGORY;
	uint8_t cat = 19;
	uint32_t ver = 2;
	int r, w;

	r = keyrecord_parse(&k, &role, &cat, data, size);
	if ((r == 0) != (k != NULL))
		abort();
	if (r == 0) {
		if ((b = coffer_buf_new_secret(1024)) == NULL ||
		    keyrecord_encode(b, k, role, cat) != 0 ||
		    coffer_buf_len(b) != size ||
		    sodium_memcmp(coffer_buf_data(b), data, size) != 0)
			abort();
		coffer_buf_free(&b);
		ver = coffer_key_version(k);
	}
	if ((env = coffer_buf_new(4096)) == NULL ||
	    envelope_seal_det(env, COFFER_ENVELOPE_SECRET, kek, NULL, 0,
	    "coffer/wrap/v1", data, size, nonce, NULL) != 0)
		abort();
	w = coffer_keychain_unwrap(&u, coffer_buf_data(env),
	    coffer_buf_len(env), role, cat, ver, kek);
	if (size > OPEN_MAX ? w != COFFER_ERR_TOOBIG : w != r)
		abort();
	if (w == 0 && !coffer_key_equal(k, u))
		abort();
	coffer_key_free(&u);
	if (r == 0 && (coffer_keychain_unwrap(&u, coffer_buf_data(env),
	    coffer_buf_len(env), role, cat, ver == UINT32_MAX ? 1 : ver + 1,
	    kek) != COFFER_ERR_KEY ||
	    u != NULL))
		abort();
	coffer_buf_free(&env);
	coffer_key_free(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[32] = { 7 }, id[16] = { 8 };
	/* Made once: guarded key memory is slow to map. */
	static struct coffer_key *kek, *dev;
	struct coffer_key *u = NULL;

	if (size > 2048)
		return 0;
	if ((kek == NULL && coffer_key_import(&kek, COFFER_KEY_SYMMETRIC,
	    secret, id, 1) != 0) || (dev == NULL && coffer_key_import(&dev,
	    COFFER_KEY_X25519, secret, NULL, 1) != 0))
		abort();
	fuzz_record(data, size, kek);
	/* As a blob (the seeds hold some made under these keys). */
	if ((coffer_keychain_unwrap(&u, data, size, COFFER_ROLE_ZONE, 19, 1,
	    kek) == 0) != (u != NULL))
		abort();
	coffer_key_free(&u);
	if ((coffer_keychain_open_from_device(&u, data, size, COFFER_ROLE_ROOT,
	    0, 1, dev) == 0) != (u != NULL))
		abort();
	coffer_key_free(&u);
	return 0;
}
