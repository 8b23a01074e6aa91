/* Generic records (coffer_client_record_*): made, read, updated with a
 * merge on conflict, deleted and listed, each sealed by record_seal.c
 * (docs/PROTOCOL-client.md, "Zones and records"). */
#include <coffer/client.h>
#include <coffer/err.h>

#include <string.h>

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
	if ((r = zn_open(c, category, name, z)) != 0)
		return r;
	if (!coffer_category_is_generic(z->cat))
		return cl_fail(c, COFFER_ERR_INVALID, "category %s holds no "
		    "generic records", category);
	return 0;
}

/* Seal ${len} bytes as the next counter of record ${id} and write it
 * over ${version}. */
static int
seal_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version,
    const uint8_t *data, size_t len)
{
	struct coffer_buf *ct = NULL;
	uint64_t counter;
	int r;

	if (len > COFFER_RECORD_MAX)
		return cl_fail(c, COFFER_ERR_TOOBIG, "a record payload of "
		    "%zu bytes (at most %zu)", len, COFFER_RECORD_MAX);
	if ((r = st_seen_get(c, z->id, id, &counter)) != 0)
		return r;
	counter++;
	if ((ct = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = rc_seal(c, z, id, counter, data, len, ct)) == 0 &&
	    (r = zn_put(c, z, id, version, coffer_buf_data(ct),
	    coffer_buf_len(ct))) == 0)
		r = st_seen_put(c, z->id, id, counter);
	coffer_buf_free(&ct);
	return r;
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
	randombytes_buf(id, COFFER_WIRE_ID_BYTES);
	return seal_put(c, &z, id, &version, data, len);
}

/* Read a record from the server, check it and keep it in the home. */
static int
fetch_open(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *rec,
    struct coffer_buf *out)
{
	struct coffer_buf *ct = NULL;
	uint64_t counter;
	int r;

	if ((ct = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = zn_fetch(c, z, id, rec, ct)) == 0 &&
	    (r = rc_open(c, z, id, coffer_buf_data(ct), coffer_buf_len(ct),
	    out, &counter)) == 0 &&
	    (r = st_seen_put(c, z->id, id, counter)) == 0)
		r = st_rec_put(c, z->id, rec, coffer_buf_data(ct),
		    coffer_buf_len(ct));
	coffer_buf_free(&ct);
	return r;
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
	if ((r = fetch_open(c, &z, id, &rec, out)) == 0 && version != NULL)
		*version = rec.version;
	return r;
}

/* The version of ${id} the home knows, read from the server if none. */
static int
known_version(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version)
{
	struct coffer_buf *scratch = NULL;
	struct rec rec;
	int r;

	if ((r = st_rec_get(c, z->id, id, &rec, NULL)) == 0 && !rec.deleted) {
		*version = rec.version;
		return 0;
	}
	if ((scratch = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = fetch_open(c, z, id, &rec, scratch);
	coffer_buf_free(&scratch);
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
	    (r = known_version(c, &z, id, &version)) != 0)
		return r;
	if ((theirs = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL ||
	    (merged = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (tries = 0; tries < 8; tries++) {
		r = seal_put(c, &z, id, &version, mine, mine_len);
		if (r != COFFER_ERR_CONFLICT)
			goto out;
		/* Someone wrote first: take their version into the home. */
		coffer_buf_reset(theirs);
		if ((r = fetch_open(c, &z, id, &rec, theirs)) != 0)
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
	uint64_t version;
	int r;

	if ((r = generic_zone(c, category, zone, &z)) != 0 ||
	    (r = known_version(c, &z, id, &version)) != 0)
		return r;
	if ((r = zn_delete(c, &z, id, &version)) == COFFER_ERR_CONFLICT)
		r = cl_fail(c, r, "the record changed on the server (now "
		    "version %llu)", (unsigned long long)version);
	return r;
}

struct list_ctx {
	struct coffer_client	*c;
	const struct zone	*z;
	struct coffer_buf	*pt;
	coffer_record_fn	 fn;
	void			*arg;
};

static int
list_one(void *arg, const struct rec *rec, const uint8_t *data, size_t len)
{
	struct list_ctx *l = arg;
	uint64_t counter;
	int r;

	coffer_buf_reset(l->pt);
	if ((r = rc_open(l->c, l->z, rec->id, data, len, l->pt,
	    &counter)) != 0)
		return r;
	return l->fn(l->arg, rec->id, rec->version, coffer_buf_data(l->pt),
	    coffer_buf_len(l->pt));
}

int
coffer_client_record_list(struct coffer_client *c, const char *category,
    const char *zone, coffer_record_fn fn, void *arg)
{
	struct list_ctx l;
	struct zone z;
	int r;

	if (fn == NULL)
		return COFFER_ERR_INVALID;
	if ((r = generic_zone(c, category, zone, &z)) != 0 ||
	    (r = kc_refresh(c)) != 0 ||
	    (r = zn_sync(c, &z, rc_check, NULL, NULL)) != 0)
		return r;
	l.c = c;
	l.z = &z;
	l.fn = fn;
	l.arg = arg;
	if ((l.pt = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_rec_each(c, z.id, list_one, &l);
	coffer_buf_free(&l.pt);
	return r;
}
