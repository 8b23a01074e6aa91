/* The sealed record format (docs/PROTOCOL-client.md, "Sealed records"),
 * pure: seal and open under a zone key given by the caller, nothing of the
 * client handle or its state. A live record carries a payload; a
 * tombstone says the record is deleted and carries none. Both are bound to
 * the zone id, the record id and an inner counter. What the client has
 * seen before, and so what is a replay, is record_seal.c's. */
#include <coffer/client.h>
#include <coffer/envelope.h>
#include <coffer/err.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "core/reader.h"
#include "crypto/envelope_det.h"

#define RF_VERSION	1
#define RF_NONCE	24

_Static_assert(RF_HEAD == 4 + 1 + 2 * COFFER_WIRE_ID_BYTES + 8,
    "the head is magic, version, two ids and the counter");
/* The largest sealed record fits the server's cap with the envelope. */
_Static_assert(RF_HEAD + COFFER_RECORD_MAX + 256 <= COFFER_WIRE_RECORD_MAX,
    "a full record seals within COFFER_WIRE_RECORD_MAX");

static const uint8_t magic_live[4] = { 'C', 'F', 'R', 'C' };
static const uint8_t magic_tomb[4] = { 'C', 'F', 'R', 'T' };

int
rf_seal(struct coffer_buf *out, const struct coffer_key *key,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter, int tomb,
    const uint8_t *pt, size_t len, const uint8_t *nonce)
{
	struct coffer_buf *b = NULL;
	uint8_t fresh[RF_NONCE];
	int r;

	if (key == NULL || counter == 0 || counter > RF_COUNTER_MAX ||
	    (tomb && len != 0) || (len != 0 && pt == NULL))
		return COFFER_ERR_INVALID;
	if (len > COFFER_RECORD_MAX)
		return COFFER_ERR_TOOBIG;
	if (nonce == NULL) {
		randombytes_buf(fresh, sizeof(fresh));
		nonce = fresh;
	}
	if ((b = coffer_buf_new_secret(RF_HEAD + (len ? len : 1))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_append(b, tomb ? magic_tomb : magic_live,
	    4)) == 0 &&
	    (r = coffer_buf_put_u8(b, RF_VERSION)) == 0 &&
	    (r = coffer_buf_append(b, zone, COFFER_WIRE_ID_BYTES)) == 0 &&
	    (r = coffer_buf_append(b, id, COFFER_WIRE_ID_BYTES)) == 0 &&
	    (r = coffer_buf_put_u64(b, counter)) == 0 &&
	    (len == 0 || (r = coffer_buf_append(b, pt, len)) == 0))
		r = envelope_seal_det(out, COFFER_ENVELOPE_SECRET, key, NULL, 0,
		    RF_CONTEXT, coffer_buf_data(b), coffer_buf_len(b), nonce,
		    NULL);
	coffer_buf_free(&b);		/* wipes */
	return r;
}

/* The record inside an opened envelope: which kind, its counter, where its
 * payload starts. */
static int
parse(const uint8_t *p, size_t n, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rf_head *h)
{
	struct reader rd;
	const uint8_t *m, *zid, *rid;
	uint8_t ver;
	int r;

	reader_init(&rd, p, n);
	if ((r = reader_bytes(&rd, 4, &m)) != 0)
		return r;
	if (sodium_memcmp(m, magic_tomb, 4) == 0)
		h->tomb = 1;
	else if (sodium_memcmp(m, magic_live, 4) != 0)
		return COFFER_ERR_FORMAT;
	if ((r = reader_u8(&rd, &ver)) != 0)
		return r;
	if (ver != RF_VERSION)
		return COFFER_ERR_VERSION;
	if ((r = reader_bytes(&rd, COFFER_WIRE_ID_BYTES, &zid)) != 0 ||
	    (r = reader_bytes(&rd, COFFER_WIRE_ID_BYTES, &rid)) != 0 ||
	    (r = reader_u64(&rd, &h->counter)) != 0)
		return r;
	if (h->counter == 0 || h->counter > RF_COUNTER_MAX)
		return COFFER_ERR_FORMAT;
	if (h->tomb && (r = reader_end(&rd)) != 0)
		return r;
	if (reader_left(&rd) > COFFER_RECORD_MAX)
		return COFFER_ERR_TOOBIG;
	/* Sealed by a holder of the key for this place, or moved here. */
	if (sodium_memcmp(zid, zone, COFFER_WIRE_ID_BYTES) != 0 ||
	    sodium_memcmp(rid, id, COFFER_WIRE_ID_BYTES) != 0)
		return COFFER_ERR_AUTH;
	return 0;
}

int
rf_open(struct coffer_buf *pt, const struct coffer_key *key,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *ct, size_t len,
    struct rf_head *h)
{
	struct coffer_buf *b = NULL;
	int r;

	h->counter = 0;
	h->tomb = 0;
	h->opened = 0;
	if (key == NULL || (ct == NULL && len != 0))
		return COFFER_ERR_INVALID;
	if (len > COFFER_WIRE_RECORD_MAX)
		return COFFER_ERR_TOOBIG;
	if ((b = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_envelope_open(b, key, RF_CONTEXT, ct, len)) != 0)
		goto out;
	h->opened = 1;
	if ((r = parse(coffer_buf_data(b), coffer_buf_len(b), zone, id,
	    h)) != 0)
		goto out;
	if (pt != NULL && coffer_buf_len(b) > RF_HEAD)
		r = coffer_buf_append(pt, coffer_buf_data(b) + RF_HEAD,
		    coffer_buf_len(b) - RF_HEAD);
out:
	if (r != 0) {
		h->counter = 0;
		h->tomb = 0;
	}
	coffer_buf_free(&b);		/* wipes */
	return r;
}
