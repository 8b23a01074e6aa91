/* Generic records (coffer_client_record_*): made, read, updated with a
 * merge on conflict, deleted (a sealed tombstone) and listed, each sealed
 * and checked by record_seal.c (docs/PROTOCOL-client.md, "Zones and
 * records"). */
#include <coffer/client.h>
#include <coffer/err.h>

#include <sodium.h>

#include "client/client_internal.h"

/* Open the zone of a generic record. */
static int
generic_zone(struct coffer_client *c, const char *category, const char *name,
    struct zone *z)
{
	int r;

	if (c == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	c->status = 0;
	if ((r = kc_ready(c)) != 0 || (r = zn_open(c, category, name, z)) != 0)
		return r;
	if (!coffer_category_is_generic(z->cat))
		return cl_fail(c, COFFER_ERR_INVALID, "category %s holds no "
		    "generic records", category);
	return 0;
}

int
coffer_client_record_create(struct coffer_client *c, const char *category,
    const char *zone, const uint8_t *data, size_t len,
    uint8_t id[COFFER_RECORD_ID_BYTES])
{
	struct zone z;
	uint64_t version = 0;
	int r;

	if ((r = generic_zone(c, category, zone, &z)) != 0)
		return r;
	/* Random: an id is never used twice, so a tombstone never stands
	 * in the way of a new record. */
	randombytes_buf(id, COFFER_WIRE_ID_BYTES);
	return rc_put(c, &z, id, &version, 0, data, len);
}

int
coffer_client_record_get(struct coffer_client *c, const char *category,
    const char *zone, const uint8_t id[COFFER_RECORD_ID_BYTES],
    struct coffer_buf *out, uint64_t *version)
{
	struct zone z;
	struct rec rec;
	int r;

	if ((r = generic_zone(c, category, zone, &z)) != 0)
		return r;
	if ((r = rc_fetch(c, &z, id, &rec, out)) == 0 && version != NULL)
		*version = rec.version;
	return r;
}

int
coffer_client_record_update(struct coffer_client *c, const char *category,
    const char *zone, const uint8_t id[COFFER_RECORD_ID_BYTES],
    const uint8_t *data, size_t len, coffer_record_merge_fn merge, void *arg)
{
	struct coffer_buf *theirs = NULL, *merged = NULL;
	const uint8_t *mine = data;
	struct zone z;
	struct rec rec;
	uint64_t version;
	size_t mine_len = len;
	int r, tries;

	if ((r = generic_zone(c, category, zone, &z)) != 0 ||
	    (r = rc_known(c, &z, id, &version)) != 0)
		return r;
	if ((theirs = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL ||
	    (merged = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (tries = 0; tries < 8; tries++) {
		r = rc_put(c, &z, id, &version, 0, mine, mine_len);
		if (r != COFFER_ERR_CONFLICT)
			goto out;
		/* Someone wrote first: take their version into the home (a
		 * tombstone: deleted, NOTFOUND). */
		coffer_buf_reset(theirs);
		if ((r = rc_fetch(c, &z, id, &rec, theirs)) != 0)
			goto out;
		version = rec.version;
		if (merge == NULL) {
			r = cl_fail(c, COFFER_ERR_CONFLICT, "the record "
			    "changed on the server (now version %llu)",
			    (unsigned long long)version);
			goto out;
		}
		coffer_buf_reset(merged);
		if ((r = merge(arg, coffer_buf_data(theirs),
		    coffer_buf_len(theirs), data, len, merged)) != 0)
			goto out;
		mine = coffer_buf_data(merged);
		mine_len = coffer_buf_len(merged);
	}
	r = cl_fail(c, COFFER_ERR_CONFLICT, "the record kept changing");
out:
	coffer_buf_free(&theirs);
	coffer_buf_free(&merged);
	return r;
}

int
coffer_client_record_delete(struct coffer_client *c, const char *category,
    const char *zone, const uint8_t id[COFFER_RECORD_ID_BYTES])
{
	struct zone z;
	int r;

	if ((r = generic_zone(c, category, zone, &z)) != 0)
		return r;
	return rc_delete(c, &z, id);
}

int
coffer_client_record_list(struct coffer_client *c, const char *category,
    const char *zone, coffer_record_fn fn, void *arg)
{
	struct zone z;
	int r;

	if (c == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	/* A listing syncs the zone: the keychain first, as a sync does, so
	 * that a key another device made since is in the home before the
	 * zone's records are checked (inside the zone's transaction). */
	c->refreshed = 0;
	if ((r = generic_zone(c, category, zone, &z)) != 0 ||
	    (r = zn_sync(c, &z, rc_check, NULL, NULL)) != 0)
		return r;
	return rc_each(c, &z, fn, arg);
}
