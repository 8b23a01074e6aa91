/* The sealed record format (docs/PROTOCOL-client.md, "Sealed records"),
 * pure: seal and open under a zone key given by the caller, nothing of the
 * client handle or its state. A live record carries a payload; a
 * tombstone says the record is deleted and carries none. Both are bound to
 * the zone id, the record id and an inner counter. What the client has
 * seen before, and so what is a replay, is record_seal.c's.
 *
 * Version 2 pads the plaintext inside the envelope to a Padmé bucket (at
 * least RF_PAD_MIN) after an explicit payload length, so the stored size
 * no longer shows a note's exact length; the padding is zero and checked.
 * Version 1 (no length, no padding) is still opened: stores hold it. */
#include <coffer/client.h>
#include <coffer/envelope.h>
#include <coffer/err.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "core/padme.h"
#include "core/reader.h"
#include "crypto/envelope_det.h"

#define RF_VERSION_1	1
#define RF_VERSION	2		/* the one written */
#define RF_NONCE	24

_Static_assert(RF_HEAD == 4 + 1 + 2 * COFFER_WIRE_ID_BYTES + 8,
    "the head is magic, version, two ids and the counter");
/* The largest sealed record fits the server's cap with the envelope. */
_Static_assert(RF_HEAD_V2 + COFFER_RECORD_MAX + 256 <= COFFER_WIRE_RECORD_MAX,
    "a full record seals within COFFER_WIRE_RECORD_MAX");
_Static_assert(RF_PAD_MIN >= RF_HEAD_V2, "the floor holds a head");
_Static_assert(COFFER_RECORD_MAX <= UINT32_MAX, "a length fits a u32");

static const uint8_t magic_live[4] = { 'C', 'F', 'R', 'C' };
static const uint8_t magic_tomb[4] = { 'C', 'F', 'R', 'T' };

size_t
rf_padded(size_t len)
{
	uint64_t n;

	if (len > COFFER_RECORD_MAX)
		len = COFFER_RECORD_MAX;
	n = padme_bucket((uint64_t)RF_HEAD_V2 + len);
	if (n < RF_PAD_MIN)
		n = RF_PAD_MIN;
	/* Near the cap a bucket would outgrow the server's limit: the
	 * largest records share the cap instead. */
	if (n > RF_HEAD_V2 + COFFER_RECORD_MAX)
		n = RF_HEAD_V2 + COFFER_RECORD_MAX;
	return (size_t)n;
}

int
rf_seal(struct coffer_buf *out, const struct coffer_key *key,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter, int tomb,
    const uint8_t *pt, size_t len, const uint8_t *nonce)
{
	struct coffer_buf *b = NULL;
	uint8_t fresh[RF_NONCE], *zero;
	size_t padded;
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
	padded = rf_padded(len);
	if ((b = coffer_buf_new_secret(padded)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_buf_append(b, tomb ? magic_tomb : magic_live,
	    4)) == 0 &&
	    (r = coffer_buf_put_u8(b, RF_VERSION)) == 0 &&
	    (r = coffer_buf_append(b, zone, COFFER_WIRE_ID_BYTES)) == 0 &&
	    (r = coffer_buf_append(b, id, COFFER_WIRE_ID_BYTES)) == 0 &&
	    (r = coffer_buf_put_u64(b, counter)) == 0 &&
	    (r = coffer_buf_put_u32(b, (uint32_t)len)) == 0 &&
	    (len == 0 || (r = coffer_buf_append(b, pt, len)) == 0) &&
	    (r = coffer_buf_extend(b, padded - RF_HEAD_V2 - len, &zero)) == 0)
		r = envelope_seal_det(out, COFFER_ENVELOPE_SECRET, key, NULL, 0,
		    RF_CONTEXT, coffer_buf_data(b), coffer_buf_len(b), nonce,
		    NULL);
	coffer_buf_free(&b);		/* wipes */
	return r;
}

/* The record inside an opened envelope: which kind, its counter, where its
 * payload lies (*${off}, *${plen}). */
static int
parse(const uint8_t *p, size_t n, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rf_head *h, size_t *off,
    size_t *plen)
{
	struct reader rd;
	const uint8_t *m, *zid, *rid;
	uint32_t len;
	uint8_t ver, acc = 0;
	size_t i;
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
	if (ver != RF_VERSION && ver != RF_VERSION_1)
		return COFFER_ERR_VERSION;
	h->version = ver;
	if ((r = reader_bytes(&rd, COFFER_WIRE_ID_BYTES, &zid)) != 0 ||
	    (r = reader_bytes(&rd, COFFER_WIRE_ID_BYTES, &rid)) != 0 ||
	    (r = reader_u64(&rd, &h->counter)) != 0)
		return r;
	if (h->counter == 0 || h->counter > RF_COUNTER_MAX)
		return COFFER_ERR_FORMAT;
	if (ver == RF_VERSION_1) {
		if (h->tomb && (r = reader_end(&rd)) != 0)
			return r;
		len = (uint32_t)(reader_left(&rd) > COFFER_RECORD_MAX ?
		    COFFER_RECORD_MAX + 1 : reader_left(&rd));
	} else if ((r = reader_u32(&rd, &len)) != 0)
		return r;
	if (len > COFFER_RECORD_MAX)
		return COFFER_ERR_TOOBIG;
	*off = RF_HEAD + (ver == RF_VERSION_1 ? 0 : 4);
	*plen = len;
	if (ver != RF_VERSION_1) {
		/* One encoding per payload: the length, then zeros up to
		 * exactly its bucket. */
		if (h->tomb && len != 0)
			return COFFER_ERR_FORMAT;
		if (n < rf_padded(len))
			return COFFER_ERR_TRUNCATED;
		if (n > rf_padded(len))
			return COFFER_ERR_TRAILING;
		for (i = *off + len; i < n; i++)
			acc |= p[i];
		if (acc != 0)
			return COFFER_ERR_FORMAT;
	}
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
	size_t off = 0, plen = 0;
	int r;

	h->counter = 0;
	h->tomb = 0;
	h->version = 0;
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
	    h, &off, &plen)) != 0)
		goto out;
	if (pt != NULL && plen > 0)
		r = coffer_buf_append(pt, coffer_buf_data(b) + off, plen);
out:
	if (r != 0) {
		h->counter = 0;
		h->tomb = 0;
		h->version = 0;
	}
	coffer_buf_free(&b);		/* wipes */
	return r;
}
