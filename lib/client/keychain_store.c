/* The keychain zone's records (docs/PROTOCOL-client.md §3,
 * docs/PROTOCOL-devices.md §1.2): their ids, finding the keychain zone,
 * reading a record from the home or the server, storing one if absent,
 * and a key wrapped in one. keychain_sync.c builds the account's keys by
 * epoch on top of these; nothing here calls it. */
#include <coffer/category.h>
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/keychain.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "core/secret.h"

/* Legacy ids (public: read only, and zone keys); keyed ids' key from
 * R_e; a grant's id from X25519 (docs/PROTOCOL-devices.md §1.2). */
#define KC_ID_CONTEXT		"coffer/keychain-id/v1"
#define KC_IDKEY_CONTEXT	"coffer/keychain-id/v2"
#define KC_GRANT_ID_CONTEXT	"coffer/keychain-grant-id/v1"

/* BLAKE2b-128 keyed with ${key} (${klen} bytes) of type || subject. */
static int
kc_hash(uint8_t out[COFFER_WIRE_ID_BYTES], const uint8_t *key, size_t klen,
    enum kc_type t, const uint8_t *subject, size_t len)
{
	crypto_generichash_state st;
	uint8_t tb = (uint8_t)t;
	int r = COFFER_ERR_CRYPTO;

	if (crypto_generichash_init(&st, key, klen,
	    COFFER_WIRE_ID_BYTES) == 0 &&
	    crypto_generichash_update(&st, &tb, 1) == 0 &&
	    crypto_generichash_update(&st, subject, len) == 0 &&
	    crypto_generichash_final(&st, out, COFFER_WIRE_ID_BYTES) == 0)
		r = 0;
	sodium_memzero(&st, sizeof(st));
	return r;
}

int
kc_record_id(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type t,
    const uint8_t *subject, size_t len)
{
	return kc_hash(out, (const uint8_t *)KC_ID_CONTEXT,
	    sizeof(KC_ID_CONTEXT) - 1, t, subject, len);
}

int
kc_ids_make(struct kc_ids *out, const struct coffer_key *root,
    const uint8_t commit[KC_COMMIT_BYTES])
{
	int r;

	memset(out, 0, sizeof(*out));
	if (root == NULL || coffer_key_kind(root) != COFFER_KEY_SYMMETRIC)
		return COFFER_ERR_INVALID;
	if ((r = coffer_kdf(out->key, sizeof(out->key), key_secret(root),
	    COFFER_KEY_BYTES, KC_IDKEY_CONTEXT, NULL, 0)) != 0) {
		kc_ids_wipe(out);
		return r;
	}
	memcpy(out->commit, commit, KC_COMMIT_BYTES);
	out->known = 1;
	return 0;
}

void
kc_ids_wipe(struct kc_ids *ids)
{
	sodium_memzero(ids, sizeof(*ids));
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
 * one or two u32 (${b} 0: one): keyed with the epoch's K_id,e, or for a
 * legacy epoch public with its root commit at the end; public for a zone
 * key (type 4, ${ids} NULL). */
int
kc_rid(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type t, const uint8_t *pre,
    size_t n, uint32_t a, uint32_t b, int two, const struct kc_ids *ids)
{
	uint8_t s[COFFER_WIRE_ID_BYTES + 8 + KC_COMMIT_BYTES];
	size_t len = n + (two ? 8u : 4u);

	if (n > COFFER_WIRE_ID_BYTES)
		return COFFER_ERR_INVALID;
	if (ids != NULL && !ids->known)
		return COFFER_ERR_STATE;
	if (n > 0)		/* ${pre} may be NULL then */
		memcpy(s, pre, n);
	put32(s + n, a);
	if (two)
		put32(s + n + 4, b);
	if (ids != NULL && !ids->legacy)
		return kc_hash(out, ids->key, sizeof(ids->key), t, s, len);
	if (ids != NULL) {
		memcpy(s + len, ids->commit, KC_COMMIT_BYTES);
		len += KC_COMMIT_BYTES;
	}
	return kc_record_id(out, t, s, len);
}

int
kc_grant_id_legacy(uint8_t out[COFFER_WIRE_ID_BYTES],
    const uint8_t device[COFFER_WIRE_ID_BYTES], uint32_t epoch,
    const uint8_t commit[KC_COMMIT_BYTES])
{
	struct kc_ids ids;
	int r;

	memset(&ids, 0, sizeof(ids));
	memcpy(ids.commit, commit, KC_COMMIT_BYTES);
	ids.known = ids.legacy = 1;
	r = kc_rid(out, KC_GRANT, device, COFFER_WIRE_ID_BYTES, epoch, 0, 0,
	    &ids);
	return r;
}

int
kc_grant_id(uint8_t out[COFFER_WIRE_ID_BYTES],
    const uint8_t device[COFFER_WIRE_ID_BYTES], uint32_t epoch,
    const struct coffer_key *mine, const uint8_t theirs[COFFER_PUBLIC_BYTES])
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES], pk[COFFER_PUBLIC_BYTES];
	uint8_t edpk[crypto_sign_PUBLICKEYBYTES], x[crypto_scalarmult_BYTES];
	uint8_t xpk[crypto_scalarmult_BYTES], shared[crypto_scalarmult_BYTES];
	uint8_t info[COFFER_WIRE_ID_BYTES + 4 + 2 * COFFER_PUBLIC_BYTES];
	const uint8_t *apk, *dpk;
	int r = COFFER_ERR_CRYPTO;

	if (mine == NULL || theirs == NULL ||
	    coffer_key_public(mine, pk) != 0) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	/* The writer: the account key's X25519 form; the device: the
	 * account public key's. crypto_scalarmult refuses an all-zero
	 * result (a low-order point). */
	if (coffer_key_kind(mine) == COFFER_KEY_ED25519) {
		if (crypto_sign_seed_keypair(edpk, sk, key_secret(mine)) != 0 ||
		    crypto_sign_ed25519_sk_to_curve25519(x, sk) != 0 ||
		    crypto_scalarmult(shared, x, theirs) != 0)
			goto out;
		apk = pk;
		dpk = theirs;
	} else if (coffer_key_kind(mine) == COFFER_KEY_X25519) {
		if (crypto_sign_ed25519_pk_to_curve25519(xpk, theirs) != 0 ||
		    crypto_scalarmult(shared, key_secret(mine), xpk) != 0)
			goto out;
		apk = theirs;
		dpk = pk;
	} else {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	memcpy(info, device, COFFER_WIRE_ID_BYTES);
	put32(info + COFFER_WIRE_ID_BYTES, epoch);
	memcpy(info + COFFER_WIRE_ID_BYTES + 4, apk, COFFER_PUBLIC_BYTES);
	memcpy(info + COFFER_WIRE_ID_BYTES + 4 + COFFER_PUBLIC_BYTES, dpk,
	    COFFER_PUBLIC_BYTES);
	r = coffer_kdf(out, COFFER_WIRE_ID_BYTES, shared, sizeof(shared),
	    KC_GRANT_ID_CONTEXT, info, sizeof(info)) == 0 ? 0 :
	    COFFER_ERR_CRYPTO;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(x, sizeof(x));
	sodium_memzero(shared, sizeof(shared));
	return r;
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
    const uint8_t device[COFFER_WIRE_ID_BYTES],
    const uint8_t agree_pk[COFFER_PUBLIC_BYTES], uint32_t epoch,
    const struct coffer_key *acct, const struct coffer_buf *grant)
{
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	int r;

	if ((r = kc_grant_id(rid, device, epoch, acct, agree_pk)) != 0)
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
