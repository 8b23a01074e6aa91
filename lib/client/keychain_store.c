/* The keychain zone's records (docs/PROTOCOL-client.md §3,
 * docs/PROTOCOL-devices.md §1.2): their ids, finding the keychain zone,
 * reading a record from the home or the server, storing one if absent,
 * and a key wrapped in one. keychain_sync.c builds the account's keys by
 * epoch on top of these; nothing here calls it. */
#include <coffer/category.h>
#include <coffer/err.h>
#include <coffer/keychain.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"

#define KC_ID_CONTEXT	"coffer/keychain-id/v1"

int
kc_record_id(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type t,
    const uint8_t *subject, size_t len)
{
	crypto_generichash_state st;
	uint8_t tb = (uint8_t)t;

	if (crypto_generichash_init(&st, (const uint8_t *)KC_ID_CONTEXT,
	    sizeof(KC_ID_CONTEXT) - 1, COFFER_WIRE_ID_BYTES) != 0 ||
	    crypto_generichash_update(&st, &tb, 1) != 0 ||
	    crypto_generichash_update(&st, subject, len) != 0 ||
	    crypto_generichash_final(&st, out, COFFER_WIRE_ID_BYTES) != 0)
		return COFFER_ERR_CRYPTO;
	return 0;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The id of a record whose subject is ${pre} (${n} bytes, may be 0), then
 * one or two u32 (${b} 0: one), then the epoch's root commit ${commit}
 * (32 bytes; NULL for a zone key, type 4). */
int
kc_rid(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type t, const uint8_t *pre,
    size_t n, uint32_t a, uint32_t b, int two, const uint8_t *commit)
{
	uint8_t s[COFFER_WIRE_ID_BYTES + 8 + KC_COMMIT_BYTES];
	size_t len = n + (two ? 8u : 4u);

	if (n > 0)		/* ${pre} may be NULL then */
		memcpy(s, pre, n);
	put32(s + n, a);
	if (two)
		put32(s + n + 4, b);
	if (commit != NULL) {
		memcpy(s + len, commit, KC_COMMIT_BYTES);
		len += KC_COMMIT_BYTES;
	}
	return kc_record_id(out, t, s, len);
}

int
kc_grant_id(uint8_t out[COFFER_WIRE_ID_BYTES],
    const uint8_t device[COFFER_WIRE_ID_BYTES], uint32_t epoch,
    const uint8_t commit[KC_COMMIT_BYTES])
{
	return kc_rid(out, KC_GRANT, device, COFFER_WIRE_ID_BYTES, epoch, 0, 0,
	    commit);
}

/* The keychain zone's id as known, or NULL. */
static int
kc_zone_known(struct coffer_client *c)
{
	struct coffer_buf *b = NULL;

	if (c->has_kczone)
		return 1;
	if ((b = coffer_buf_new(64)) == NULL)
		return 0;
	if (st_get(c, "kczone", b) == 0 &&
	    coffer_buf_len(b) == COFFER_WIRE_ID_BYTES) {
		memcpy(c->kczone, coffer_buf_data(b), COFFER_WIRE_ID_BYTES);
		c->has_kczone = 1;
	}
	coffer_buf_free(&b);
	return c->has_kczone;
}

int
kc_zone_keep(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	int r;

	memcpy(c->kczone, id, COFFER_WIRE_ID_BYTES);
	if ((r = st_zone_put(c, id, COFFER_CATEGORY_KEYCHAIN, NULL)) == 0 &&
	    (r = st_set(c, "kczone", id, COFFER_WIRE_ID_BYTES)) == 0)
		c->has_kczone = 1;
	return r;
}

/* Call ${fn} with the id and category of each zone of the account the
 * server lists (oldest first), only its keychain zones if ${keychain},
 * until it returns nonzero. */
int
kc_each_zone(struct coffer_client *c, int keychain, int (*fn)(struct
    coffer_client *, const uint8_t *, const char *, const void *),
    const void *arg)
{
	static const char *const zone_keys[] = { "zone", "category", "seq",
		"created", NULL };
	uint8_t id[COFFER_WIRE_ID_BYTES];
	const char *cat;
	json_t *j = NULL, *a, *e;
	size_t i;
	int r;

	if ((r = cl_list(c, "/v1/zones", "zones", &j, &a)) != 0)
		return r;
	json_array_foreach(a, i, e) {
		if (!json_is_object(e) ||
		    net_json_only(e, zone_keys, c->errmsg) != 0 ||
		    net_json_str(e, "category", &cat, c->errmsg) != 0 ||
		    net_json_hex(e, "zone", id, COFFER_WIRE_ID_BYTES,
		    c->errmsg) != 0) {
			r = COFFER_ERR_SERVER;
			break;
		}
		if ((!keychain || strcmp(cat, COFFER_CATEGORY_KEYCHAIN) == 0) &&
		    (r = fn(c, id, cat, arg)) != 0)
			break;
	}
	json_decref(j);
	return r;
}

int
kc_any_zone(struct coffer_client *c, const uint8_t *id, const char *cat,
    const void *arg)
{
	(void)c;
	(void)id;
	(void)cat;
	(void)arg;
	return 1;
}

/* The zone that holds record ${arg}: 1 and kept, or 0 to go on. */
static int
kc_holds(struct coffer_client *c, const uint8_t *id, const char *cat,
    const void *arg)
{
	struct coffer_buf *b = NULL;
	struct zone z;
	struct rec rec;
	int r;

	(void)cat;
	memset(&z, 0, sizeof(z));
	memcpy(z.id, id, COFFER_WIRE_ID_BYTES);
	z.cat = coffer_category_by_name(COFFER_CATEGORY_KEYCHAIN);
	if ((b = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = zn_fetch(c, &z, arg, &rec, b);
	coffer_buf_free(&b);
	if (r == COFFER_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	return (r = kc_zone_keep(c, id)) != 0 ? r : 1;
}

/* The keychain zone: known from this run or the home, else the one the
 * server lists that holds this device's grant ${rid}: a zone is only
 * where a device finds its keys, each checked as it opens, so a decoy
 * can only withhold. */
int
kc_find_zone(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES])
{
	int r;

	if (kc_zone_known(c))
		return 0;
	if ((r = kc_each_zone(c, 1, kc_holds, rid)) < 0)
		return r;
	return c->has_kczone ? 0 : COFFER_ERR_NOTFOUND;
}

/* The keychain zone as a zone, once known. */
int
kc_zone(struct coffer_client *c, struct zone *z)
{
	memset(z, 0, sizeof(*z));
	if (!kc_zone_known(c))
		return cl_fail(c, COFFER_ERR_STATE, "the account's keychain "
		    "zone is not known yet");
	memcpy(z->id, c->kczone, COFFER_WIRE_ID_BYTES);
	z->cat = coffer_category_by_name(COFFER_CATEGORY_KEYCHAIN);
	return 0;
}

/* The keychain record ${rid} from the home (synced first if absent). */
int
kc_lookup(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    struct coffer_buf *blob)
{
	struct zone z;
	struct rec rec;
	int r;

	if ((r = kc_zone(c, &z)) != 0)
		return r;
	coffer_buf_reset(blob);
	r = st_rec_get(c, z.id, rid, &rec, blob);
	if (r == COFFER_ERR_NOTFOUND || (r == 0 && rec.deleted)) {
		coffer_buf_reset(blob);
		/* Asked while another zone's page is being taken (a record
		 * check): the keychain cannot be synced inside that
		 * transaction. Runs refresh the keychain before they sync a
		 * zone, so this is a key another device made since. */
		if (st_in_tx(c))
			return cl_fail(c, COFFER_ERR_STATE, "a key this record "
			    "needs is not in this home yet: sync again");
		if ((r = zn_sync(c, &z, NULL, NULL, NULL)) != 0)
			return r;
		r = st_rec_get(c, z.id, rid, &rec, blob);
	}
	if (r == 0 && rec.deleted)
		r = COFFER_ERR_NOTFOUND;
	return r;
}

/* The keychain record ${rid} again from the server, when the home's
 * copy did not open (a bad answer once must not lock the device out);
 * the caller keeps it (kc_keep) once it opens. */
int
kc_refetch(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    struct rec *rec, struct coffer_buf *blob)
{
	struct zone z;
	int r;

	if (st_in_tx(c))
		return COFFER_ERR_STATE;
	if ((r = kc_zone(c, &z)) != 0)
		return r;
	coffer_buf_reset(blob);
	return zn_fetch(c, &z, rid, rec, blob);
}

/* Keep the refetched record ${rec} (${blob}) as the home's copy. */
int
kc_keep(struct coffer_client *c, const struct rec *rec,
    const struct coffer_buf *blob)
{
	return st_rec_put(c, c->kczone, rec, coffer_buf_data(blob),
	    coffer_buf_len(blob));
}

/* Store keychain record ${rid} if absent. Every id names one key of one
 * version, so on 409 the earlier write stands: COFFER_ERR_CONFLICT, and
 * the caller reads it. */
int
kc_store(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    const uint8_t *p, size_t len)
{
	struct zone z;
	uint64_t version = 0;
	int r;

	if ((r = kc_zone(c, &z)) != 0)
		return r;
	return zn_put(c, &z, rid, &version, p, len);
}

int
kc_put_grant(struct coffer_client *c,
    const uint8_t device[COFFER_WIRE_ID_BYTES], uint32_t epoch,
    const uint8_t commit[KC_COMMIT_BYTES], const struct coffer_buf *grant)
{
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	int r;

	if ((r = kc_grant_id(rid, device, epoch, commit)) != 0)
		return r;
	r = kc_store(c, rid, coffer_buf_data(grant), coffer_buf_len(grant));
	return r == COFFER_ERR_CONFLICT ? 0 : r;
}

/* The key of ${role}, ${category} and ${version} wrapped under ${kek} in
 * keychain record ${rid}; made, wrapped and stored if absent and
 * ${create}. */
int
kc_key(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    enum coffer_key_role role, uint8_t category, uint32_t version,
    const struct coffer_key *kek, int create, struct coffer_key **out)
{
	struct coffer_key *k = NULL;
	struct coffer_buf *blob = NULL;
	struct rec rec;
	int r;

	*out = NULL;
	if ((blob = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = kc_lookup(c, rid, blob);
	if (r == COFFER_ERR_NOTFOUND && create) {
		if ((r = coffer_keychain_key_generate(&k, role, category,
		    version)) != 0 ||
		    (r = coffer_keychain_wrap(blob, k, role, category,
		    kek)) != 0)
			goto out;
		if ((r = kc_store(c, rid, coffer_buf_data(blob),
		    coffer_buf_len(blob))) == 0) {
			*out = k;
			k = NULL;
			goto out;
		}
		/* Another device made it first: use theirs. */
		if (r != COFFER_ERR_CONFLICT ||
		    (r = kc_lookup(c, rid, blob)) != 0)
			goto out;
	}
	if (r != 0) {
		if (r == COFFER_ERR_NOTFOUND)
			(void)cl_fail(c, r, "no such key in the keychain");
		goto out;
	}
	if ((r = coffer_keychain_unwrap(out, coffer_buf_data(blob),
	    coffer_buf_len(blob), role, category, version, kek)) != 0 &&
	    kc_refetch(c, rid, &rec, blob) == 0 &&
	    (r = coffer_keychain_unwrap(out, coffer_buf_data(blob),
	    coffer_buf_len(blob), role, category, version, kek)) == 0)
		(void)kc_keep(c, &rec, blob);	/* or fetched again next time */
	if (r != 0)
		r = cl_fail(c, COFFER_ERR_AUTH, "a key of the keychain does "
		    "not open: %s", coffer_strerror(r));
out:
	coffer_key_free(&k);
	coffer_buf_free(&blob);
	return r;
}

/* Wrap ${key} under ${kek} as record ${rid} if absent (the genesis). */
int
kc_wrap_new(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    const struct coffer_key *key, enum coffer_key_role role,
    const struct coffer_key *kek)
{
	struct coffer_buf *b = NULL;
	int r;

	if ((b = coffer_buf_new(KC_WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_keychain_wrap(b, key, role, 0, kek)) == 0)
		r = kc_store(c, rid, coffer_buf_data(b), coffer_buf_len(b));
	coffer_buf_free(&b);
	return r == COFFER_ERR_CONFLICT ? 0 : r;
}
