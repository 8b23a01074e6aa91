/* Sync of every zone the home knows (docs/PROTOCOL-client.md, "Zones and
 * records"): the keychain first, which is how an approval or a new key
 * arrives, then each zone from its change feed, the records of generic
 * zones and backup sets checked as they come. */
#include <coffer/client.h>
#include <coffer/err.h>

#include <stdlib.h>

#include <sodium.h>

#include "client/client_internal.h"

int
coffer_client_sync(struct coffer_client *c)
{
	return coffer_client_sync_count(c, NULL, NULL);
}

int
coffer_client_sync_count(struct coffer_client *c, uint64_t *changed,
    uint64_t *zones)
{
	struct zone z;
	const uint8_t *id;
	uint8_t *ids = NULL;
	uint64_t n, total = 0, nz = 0;
	size_t count = 0, i;
	int r;

	if (changed != NULL)
		*changed = 0;
	if (zones != NULL)
		*zones = 0;
	if (c == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	if ((r = kc_refresh(c)) != 0 || c->root == NULL)
		return r;
	if ((r = st_zones(c, &ids, &count)) != 0)
		return r;
	for (i = 0; i < count && r == 0; i++) {
		id = ids + i * COFFER_WIRE_ID_BYTES;
		/* Synced by kc_refresh above, and not counted. */
		if (sodium_memcmp(id, c->kczone, COFFER_WIRE_ID_BYTES) == 0)
			continue;
		n = 0;
		if ((r = st_zone_get(c, id, &z)) == 0)
			r = zn_sync(c, &z, rc_checker(&z), NULL, &n);
		total += n;
		nz += n > 0;
	}
	free(ids);
	if (changed != NULL)
		*changed = total;
	if (zones != NULL)
		*zones = nz;
	return r;
}
