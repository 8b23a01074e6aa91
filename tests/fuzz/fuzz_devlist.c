/* Fuzz the device list: each input is parsed as an entry (then checked
 * as a genesis, as the next entry after the genesis of the fixed-seed
 * chain, tests/support/devchain.h, and for its names under that chain's
 * first root) and as a plain names table. Seeds: the chain's entries and
 * a names table, from tests/vectors/devlist.txt.
 * Invariants: an entry that parses is the input, hashed as §2.2 says,
 * its devices in strictly increasing id order, its names inside it; a
 * refusal of the chain rules is AUTH with a reason; names that open are
 * valid and of listed devices; a table that parses encodes to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "devchain.h"
#include "keys/devlist.h"
#include "keys/devlist_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_entry(const struct devchain *c, const uint8_t *data, size_t size)
{
	struct devlist_entry e, h;
	struct devlist_names t;
	size_t i;
	char why[200];
	int r, peeked;

	peeked = devlist_peek(&h, data, size);
	/* What parses peeks, with the same header; what does not peek
	 * does not parse. */
	if (peeked != 0 && h.raw != NULL)
		abort();
	if (devlist_parse(&e, data, size) != 0) {
		if (e.raw != NULL || e.devices != NULL)
			abort();
		devlist_entry_cleanup(&h);
		return;
	}
	if (peeked != 0 || h.seq != e.seq || h.kind != e.kind ||
	    h.names_len != e.names_len || h.devices != NULL ||
	    memcmp(h.raw, e.raw, size) != 0 ||
	    memcmp(h.sig, e.sig, sizeof(h.sig)) != 0 ||
	    memcmp(h.actor, e.actor, sizeof(h.actor)) != 0)
		abort();
	devlist_entry_cleanup(&h);
	if (e.raw_len != size || memcmp(e.raw, data, size) != 0 ||
	    dc_hash_is(data, size, e.hash) != 0 || e.ndevices == 0 ||
	    (e.names_len > 0 && (e.names < e.raw ||
	    e.names + e.names_len > e.raw + size - 64)))
		abort();
	for (i = 1; i < e.ndevices; i++)
		if (devlist_id_cmp(e.devices[i - 1].card.device_id,
		    e.devices[i].card.device_id) >= 0)
			abort();
	r = devlist_verify_genesis(&e);
	if (r != 0 && r != COFFER_ERR_FORMAT && r != COFFER_ERR_AUTH)
		abort();
	why[0] = '\0';
	r = devlist_verify_next(&c->e[0], &e, why, sizeof(why));
	if (r != 0 && (r != COFFER_ERR_AUTH || why[0] == '\0'))
		abort();
	if (devlist_names_open(&t, &e, c->root[0]) == 0) {
		for (i = 0; i < t.n; i++)
			if (!devlist_names_valid(t.v[i].name,
			    strlen(t.v[i].name)) ||
			    devlist_find(&e, t.v[i].device) == NULL)
				abort();
	} else if (t.n != 0) {
		abort();
	}
	devlist_entry_cleanup(&e);
}

static void
fuzz_table(const uint8_t *data, size_t size)
{
	struct devlist_names t;
	struct coffer_buf *b;

	if (devlist_names_parse(&t, data, size) != 0) {
		if (t.n != 0)
			abort();
		return;
	}
	if ((b = coffer_buf_new_secret(DEVLIST_NAMES_MAX)) == NULL ||
	    devlist_names_encode(b, &t) != 0 || coffer_buf_len(b) != size ||
	    memcmp(coffer_buf_data(b), data, size) != 0)
		abort();
	coffer_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Made once: the chain's keys are slow to map. */
	static struct devchain c;
	static int ready;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		dc_init(&c);
		ready = 1;
	}
	if (size > DEVLIST_ENTRY_MAX + 1)
		return 0;
	fuzz_entry(&c, data, size);
	fuzz_table(data, size);
	return 0;
}
