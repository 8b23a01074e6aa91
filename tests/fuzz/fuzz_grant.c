/* Fuzz grants: each input is parsed, and opened by the devices of the
 * fixed-seed chain (tests/support/devchain.h) against its entries (the
 * genesis by A, the add by B, the remove by B). Seeds: the good grants
 * of tests/vectors/grant.txt, which open.
 * Invariants: a grant that does not parse fails every open with the
 * parser's error; a refused check is AUTH with a reason; an open that
 * succeeds gives the root of that entry's epoch, and nothing otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "devchain.h"
#include "keys/grant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		int entry, dev;
	} opens[] = { { 0, 0 }, { 1, 1 }, { 3, 1 } };
	static struct devchain c;
	static int ready;
	struct coffer_key *root = NULL;
	struct grant g;
	char why[200];
	size_t i;
	int pr, r;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		dc_init(&c);
		ready = 1;
	}
	if (size > 4 * GRANT_BYTES)
		return 0;
	pr = grant_parse(&g, data, size);
	for (i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		const struct devlist_entry *e = &c.e[opens[i].entry];

		why[0] = '\0';
		r = grant_open(&root, data, size, e, c.dev[opens[i].dev], why,
		    sizeof(why));
		if ((pr != 0 && r != pr) || (r != 0) != (root == NULL) ||
		    (r == COFFER_ERR_AUTH && why[0] == '\0') ||
		    (r == 0 && !coffer_key_equal(root,
		    c.root[e->epoch - 1])))
			abort();
		coffer_key_free(&root);
	}
	return 0;
}
