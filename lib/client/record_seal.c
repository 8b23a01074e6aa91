/* Records as the client writes and checks them (docs/PROTOCOL-client.md,
 * "Zones and records", "What the home has seen", "Backup sets"). A
 * generic zone's records are sealed under the zone's key
 * (record_format.c); a backup set's zone holds the engine's refs as it
 * gives them, which count as counter 0, and the sealed tombstones that
 * delete them, counter 1. Every record the server sends is checked against
 * the newest the home has seen of it: an older counter is a replay, the
 * same counter with other bytes a fork, and both are refused. Seen moves
 * only with bytes the server accepted or served. */
#include <coffer/category.h>
#include <coffer/envelope.h>
#include <coffer/err.h>

#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"

_Static_assert(SEEN_HASH_BYTES == crypto_generichash_BYTES,
    "seen hashes are BLAKE2b-256");

/* A backup set's zone: refs as the engine gives them, and tombstones. */
static int
is_set(const struct zone *z)
{
	return z->cat != NULL &&
	    strcmp(z->cat->name, COFFER_CATEGORY_BACKUP) == 0;
}

static void
hash_of(uint8_t out[SEEN_HASH_BYTES], const uint8_t *p, size_t n)
{
	(void)crypto_generichash(out, SEEN_HASH_BYTES, p, n, NULL, 0);
}

/* Take back what was appended to ${pt} past ${mark}, wiped: the caller's
 * buffer may not be a secret one. */
static void
unsay(struct coffer_buf *pt, size_t mark)
{
	if (pt == NULL || coffer_buf_len(pt) <= mark)
		return;
	sodium_memzero(coffer_buf_mutable(pt) + mark,
	    coffer_buf_len(pt) - mark);
	coffer_buf_truncate(pt, mark);
}

/* Open a sealed record into ${pt} (may be NULL), the message saying why
 * not. */
static int
open_sealed(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const char *hex,
    const uint8_t *ct, size_t len, struct coffer_buf *pt,
    struct rc_view *v)
{
	struct coffer_envelope_info info;
	const struct coffer_key *k;
	struct rf_head h;
	int r;

	/* The version the record names picks the key; the envelope's tag
	 * then says whether it was that key. */
	if (coffer_envelope_peek(&info, ct, len) != 0 ||
	    info.key_version == 0)
		return cl_fail(c, COFFER_ERR_AUTH, "record %s does not open: "
		    "not a sealed record", hex);
	if ((r = kc_zone_key(c, z, info.key_version, 0, &k)) != 0)
		return r;
	r = rf_open(pt, k, z->id, id, ct, len, &h);
	if (r == COFFER_ERR_NOMEM || r == COFFER_ERR_INVALID)
		return r;
	if (r != 0 && !h.opened)
		return cl_fail(c, COFFER_ERR_AUTH, "record %s does not open: "
		    "%s", hex, coffer_strerror(r));
	if (r == COFFER_ERR_AUTH)
		return cl_fail(c, r, "record %s was sealed for another zone "
		    "or record id", hex);
	if (r != 0)
		return cl_fail(c, r, "record %s is malformed: %s", hex,
		    coffer_strerror(r));
	if (is_set(z) && !h.tomb)
		return cl_fail(c, COFFER_ERR_FORMAT, "record %s of a backup "
		    "set is a sealed record, neither a ref nor a tombstone",
		    hex);
	v->counter = h.counter;
	v->tomb = h.tomb;
	return 0;
}

/* The seen rules: not older than the newest seen, and at the same counter
 * the same bytes (a home from before hashes takes these as the
 * reference). */
static int
check_seen(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const char *hex,
    const struct rc_view *v)
{
	uint8_t hash[SEEN_HASH_BYTES];
	uint64_t seen;
	int has, r;

	if ((r = st_seen_get(c, z->id, id, &seen, hash, &has)) != 0)
		return r;
	if (v->counter < seen && is_set(z) && v->counter == 0)
		r = cl_fail(c, COFFER_ERR_AUTH, "ref %s was deleted (its "
		    "tombstone was seen) and the server put it back: a "
		    "replay", hex);
	else if (v->counter < seen)
		r = cl_fail(c, COFFER_ERR_AUTH, "record %s is older than one "
		    "seen before (counter %llu < %llu): a replay", hex,
		    (unsigned long long)v->counter, (unsigned long long)seen);
	else if (v->counter == seen && has &&
	    sodium_memcmp(hash, v->hash, SEEN_HASH_BYTES) != 0)
		r = cl_fail(c, COFFER_ERR_AUTH, "the server sent two different "
		    "records with counter %llu (record %s)",
		    (unsigned long long)seen, hex);
	sodium_memzero(hash, sizeof(hash));
	return r;
}

int
rc_verify(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *ct, size_t len,
    struct coffer_buf *pt, struct rc_view *v)
{
	struct coffer_envelope_info info;
	size_t mark = pt != NULL ? coffer_buf_len(pt) : 0;
	char hex[ID_HEX];
	int r;

	memset(v, 0, sizeof(*v));
	(void)cl_hex(hex, id);
	hash_of(v->hash, ct, len);
	/* In a set's zone what reads as an envelope is sealed (and must be
	 * a tombstone); anything else is a ref, the engine's to open. */
	if (is_set(z) && coffer_envelope_peek(&info, ct, len) != 0) {
		if (pt != NULL && (r = coffer_buf_append(pt, ct, len)) != 0)
			return r;
	} else if ((r = open_sealed(c, z, id, hex, ct, len, pt, v)) != 0)
		return r;
	/* Authentic but refused: leave no trace of it. */
	if ((r = check_seen(c, z, id, hex, v)) != 0)
		unsay(pt, mark);
	return r;
}

int
rc_accept(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const struct rc_view *v)
{
	return st_seen_put(c, z->id, id, v->counter, v->hash);
}

int
rc_check(void *arg, struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *data, size_t len)
{
	struct rc_view v;
	int r;

	(void)arg;
	if ((r = rc_verify(c, z, id, data, len, NULL, &v)) == 0)
		r = rc_accept(c, z, id, &v);
	return r;
}

zn_check_fn
rc_checker(const struct zone *z)
{
	return coffer_category_is_generic(z->cat) || is_set(z) ? rc_check :
	    NULL;
}

static int
deleted(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	char hex[ID_HEX];

	(void)cl_hex(hex, id);
	return cl_fail(c, COFFER_ERR_NOTFOUND, "record %s was deleted", hex);
}

/* Take checked bytes: as seen, and as the home's copy, together. */
static int
take(struct coffer_client *c, const struct zone *z, const struct rec *rec,
    const struct rc_view *v, const uint8_t *data, size_t len)
{
	int r;

	if ((r = st_begin(c)) != 0)
		return r;
	if ((r = rc_accept(c, z, rec->id, v)) == 0)
		r = st_rec_put(c, z->id, rec, data, len);
	return st_end(c, r);
}

int
rc_fetch(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *rec,
    struct coffer_buf *pt)
{
	struct coffer_buf *ct = NULL;
	struct rc_view v;
	size_t mark = pt != NULL ? coffer_buf_len(pt) : 0;
	int r;

	if ((ct = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = zn_fetch(c, z, id, rec, ct)) != 0 ||
	    (r = rc_verify(c, z, id, coffer_buf_data(ct), coffer_buf_len(ct),
	    pt, &v)) != 0)
		goto out;
	if ((r = take(c, z, rec, &v, coffer_buf_data(ct),
	    coffer_buf_len(ct))) == 0 && v.tomb)
		r = deleted(c, id);
	if (r != 0)
		unsay(pt, mark);
out:
	coffer_buf_free(&ct);
	return r;
}

int
rc_known(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version)
{
	struct coffer_buf *data = NULL;
	struct rc_view v;
	struct rec rec;
	int r;

	if ((data = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_rec_get(c, z->id, id, &rec, data);
	if (r != 0 && r != COFFER_ERR_NOTFOUND)
		goto out;
	if (r == 0 && !rec.deleted && rc_verify(c, z, id,
	    coffer_buf_data(data), coffer_buf_len(data), NULL, &v) == 0) {
		*version = rec.version;
		r = v.tomb ? deleted(c, id) : 0;
		goto out;
	}
	/* Not in the home, deleted there, or no longer the newest seen:
	 * the server says. */
	c->errmsg[0] = '\0';
	r = rc_fetch(c, z, id, &rec, NULL);
	*version = rec.version;
out:
	coffer_buf_free(&data);
	return r;
}

int
rc_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version, int tomb,
    const uint8_t *data, size_t len)
{
	struct coffer_envelope_info info;
	const struct coffer_key *k;
	struct coffer_buf *ct = NULL;
	struct rc_view v;
	struct rec rec;
	uint8_t hash[SEEN_HASH_BYTES];
	int has, r;

	memset(&v, 0, sizeof(v));
	v.tomb = tomb;
	if (is_set(z) && !tomb) {
		/* A ref, stored as given: it must not pass for sealed. */
		if (coffer_envelope_peek(&info, data, len) == 0)
			return cl_fail(c, COFFER_ERR_INVALID, "a ref that "
			    "reads as an envelope");
	} else {
		if (len > COFFER_RECORD_MAX)
			return cl_fail(c, COFFER_ERR_TOOBIG, "a record "
			    "payload of %zu bytes (at most %zu)", len,
			    COFFER_RECORD_MAX);
		if ((r = st_seen_get(c, z->id, id, &v.counter, hash,
		    &has)) != 0)
			return r;
		if (v.counter >= RF_COUNTER_MAX)
			return cl_fail(c, COFFER_ERR_TOOBIG, "the record's "
			    "counter is at its end");
		v.counter++;
		if ((r = kc_zone_key(c, z, 0, 1, &k)) != 0)
			return r;
		if ((ct = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL)
			return COFFER_ERR_NOMEM;
		if ((r = rf_seal(ct, k, z->id, id, v.counter, tomb, data, len,
		    NULL)) != 0) {
			r = cl_fail(c, r, "sealing a record: %s",
			    coffer_strerror(r));
			goto out;
		}
		data = coffer_buf_data(ct);
		len = coffer_buf_len(ct);
	}
	hash_of(v.hash, data, len);
	/* A write the server refused moves nothing: another device's write
	 * at this counter may be the one it holds. */
	if ((r = zn_send(c, z, id, version, data, len)) != 0)
		goto out;
	memcpy(rec.id, id, COFFER_WIRE_ID_BYTES);
	rec.version = *version;
	rec.deleted = 0;
	r = take(c, z, &rec, &v, data, len);
out:
	coffer_buf_free(&ct);
	return r;
}

int
rc_delete(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	struct rec rec;
	uint64_t version;
	int r;

	if ((r = rc_known(c, z, id, &version)) != 0 ||
	    (r = rc_put(c, z, id, &version, 1, NULL, 0)) !=
	    COFFER_ERR_CONFLICT)
		return r;
	/* Someone wrote first: take it into the home. A tombstone means
	 * the record is deleted already. */
	if ((r = rc_fetch(c, z, id, &rec, NULL)) == 0)
		r = cl_fail(c, COFFER_ERR_CONFLICT, "the record changed on "
		    "the server (now version %llu)",
		    (unsigned long long)rec.version);
	return r;
}

struct each {
	struct coffer_client	*c;
	const struct zone	*z;
	struct coffer_buf	*pt;
	rc_each_fn		 fn;
	void			*arg;
};

static int
each_one(void *arg, const struct rec *rec, const uint8_t *data, size_t len)
{
	struct each *e = arg;
	struct rc_view v;
	int r;

	coffer_buf_reset(e->pt);
	if ((r = rc_verify(e->c, e->z, rec->id, data, len, e->pt, &v)) != 0)
		return r;
	if (v.tomb)
		return 0;
	return e->fn(e->arg, rec->id, rec->version, coffer_buf_data(e->pt),
	    coffer_buf_len(e->pt));
}

int
rc_each(struct coffer_client *c, const struct zone *z, rc_each_fn fn,
    void *arg)
{
	struct each e = { c, z, NULL, fn, arg };
	int r;

	if ((e.pt = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_rec_each(c, z->id, each_one, &e);
	coffer_buf_free(&e.pt);
	return r;
}
