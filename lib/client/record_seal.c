/* The sealed record format (docs/PROTOCOL-client.md, "Zones and
 * records"): a generic record's payload sealed under its zone's key, bound
 * to the zone id, the record id and an inner counter that only grows. */
#include <coffer/envelope.h>
#include <coffer/err.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "core/reader.h"

#define RECORD_CONTEXT	"coffer/record/v1"
#define RECORD_VERSION	1
/* Magic, version, zone id, record id, counter. */
#define RECORD_HEAD	(4 + 1 + 2 * COFFER_WIRE_ID_BYTES + 8)

static const uint8_t record_magic[4] = { 'C', 'F', 'R', 'C' };

int
rc_seal(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter,
    const uint8_t *pt, size_t len, struct coffer_buf *out)
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
		r = cl_fail(c, COFFER_ERR_FORMAT, "record %s is malformed",
		    hex);
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

int
rc_check(void *arg, struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *data, size_t len)
{
	struct coffer_buf *pt = NULL;
	uint64_t counter;
	int r;

	(void)arg;
	if ((pt = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = rc_open(c, z, id, data, len, pt, &counter)) == 0)
		r = st_seen_put(c, z->id, id, counter);
	coffer_buf_free(&pt);
	return r;
}
