/* Generic records: payloads sealed under their zone's key, bound to the
 * zone id, the record id and an inner counter (docs/PROTOCOL-client.md,
 * "Records"). */
#include <coffer/client.h>
#include <coffer/envelope.h>
#include <coffer/err.h>

#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "core/reader.h"

#define RECORD_CONTEXT	"coffer/record/v1"
#define RECORD_VERSION	1
#define RECORD_HEAD	(4 + 1 + COFFER_WIRE_ID_BYTES + COFFER_WIRE_ID_BYTES + 8)

static const uint8_t record_magic[4] = { 'C', 'F', 'R', 'C' };

int
rc_seal(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter, const uint8_t *pt,
    size_t len, struct coffer_buf *out)
{
	const struct coffer_key *k;
	struct coffer_buf *b = NULL;
	int r;

	if ((r = kc_zone_key(c, z, 1, &k)) != 0)
		return r;
	if ((b = coffer_buf_new_secret(RECORD_HEAD + len)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_append(b, record_magic, 4)) != 0 ||
	    (r = coffer_buf_put_u8(b, RECORD_VERSION)) != 0 ||
	    (r = coffer_buf_append(b, z->id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = coffer_buf_append(b, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = coffer_buf_put_u64(b, counter)) != 0 ||
	    (r = coffer_buf_append(b, pt, len)) != 0 ||
	    (r = coffer_envelope_seal(out, k, RECORD_CONTEXT,
	    coffer_buf_data(b), coffer_buf_len(b))) != 0)
		r = cl_fail(c, r, "sealing a record: %s", coffer_strerror(r));
	coffer_buf_free(&b);
	return r;
}

int
rc_open(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *ct, size_t len,
    struct coffer_buf *pt, uint64_t *counter)
{
	const struct coffer_key *k;
	struct coffer_buf *b = NULL;
	struct reader rd;
	const uint8_t *zid, *rid;
	uint64_t seen = 0;
	uint8_t ver;
	char hex[ID_HEX];
	int r;

	(void)cl_hex(hex, id);
	if ((r = kc_zone_key(c, z, 0, &k)) != 0)
		return r;
	if ((b = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_envelope_open(b, k, RECORD_CONTEXT, ct, len)) != 0) {
		r = cl_fail(c, COFFER_ERR_AUTH, "record %s does not open: %s",
		    hex, coffer_strerror(r));
		goto out;
	}
	reader_init(&rd, coffer_buf_data(b), coffer_buf_len(b));
	if (reader_magic(&rd, record_magic, 4) != 0 ||
	    reader_u8(&rd, &ver) != 0 || ver != RECORD_VERSION ||
	    reader_bytes(&rd, COFFER_WIRE_ID_BYTES, &zid) != 0 ||
	    reader_bytes(&rd, COFFER_WIRE_ID_BYTES, &rid) != 0 ||
	    reader_u64(&rd, counter) != 0) {
		r = cl_fail(c, COFFER_ERR_FORMAT, "record %s is malformed", hex);
		goto out;
	}
	/* Sealed by us for this place, or moved here by the server. */
	if (sodium_memcmp(zid, z->id, COFFER_WIRE_ID_BYTES) != 0 ||
	    sodium_memcmp(rid, id, COFFER_WIRE_ID_BYTES) != 0) {
		r = cl_fail(c, COFFER_ERR_AUTH, "record %s was sealed for "
		    "another zone or record id", hex);
		goto out;
	}
	if ((r = st_seen_get(c, z->id, id, &seen)) != 0)
		goto out;
	if (*counter < seen) {
		r = cl_fail(c, COFFER_ERR_AUTH, "record %s is older than one "
		    "seen before (counter %llu < %llu): a replay", hex,
		    (unsigned long long)*counter, (unsigned long long)seen);
		goto out;
	}
	r = coffer_buf_append(pt, coffer_buf_data(b) + RECORD_HEAD,
	    coffer_buf_len(b) - RECORD_HEAD);
out:
	coffer_buf_free(&b);
	return r;
}

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
	if (z->kind != ZONE_SEALED)
		return cl_fail(c, COFFER_ERR_INVALID, "category %s holds no "
		    "generic records", category);
	return 0;
}

/* Seal ${len} bytes as the next counter of record ${id} and write it
 * over ${version}. */
static int
seal_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version, const uint8_t *data,
    size_t len)
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
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *rec, struct coffer_buf *out)
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
			r = cl_fail(c, COFFER_ERR_CONFLICT, "the record changed "
			    "on the server (now version %llu)",
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
	    (r = kc_refresh(c)) != 0 || (r = zn_sync(c, &z, NULL)) != 0)
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
