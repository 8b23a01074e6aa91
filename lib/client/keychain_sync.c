/* The keychain zone on the server, kept in sync with the home
 * (docs/PROTOCOL-client.md, "Keychain zone"): the account's wrapped keys.
 * The first device makes the zone, the root and the account key; the root
 * is sealed to each trusted device; category and zone keys are wrapped,
 * made on first use. The records are envelopes already: the zone is
 * synced without a check of its own, and each key is checked as it is
 * unwrapped. */
#include <coffer/category.h>
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/keychain.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"

#define KC_ID_CONTEXT	"coffer/keychain-id/v1"
#define ZONE_KEK_CONTEXT "coffer/zone-kek/v1"
#define WRAPPED_MAX	1024

/* Keychain record ids (docs/PROTOCOL-client.md, "Keychain zone"). */
enum kc_type {
	KC_ROOT_FOR_DEVICE = 1,
	KC_ACCOUNT = 2,
	KC_CATEGORY = 3,
	KC_ZONE = 4,
};

static int
kc_record_id(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type t,
    const uint8_t *arg, size_t len)
{
	crypto_generichash_state st;
	uint8_t tb = (uint8_t)t;

	if (crypto_generichash_init(&st, (const uint8_t *)KC_ID_CONTEXT,
	    sizeof(KC_ID_CONTEXT) - 1, COFFER_WIRE_ID_BYTES) != 0 ||
	    crypto_generichash_update(&st, &tb, 1) != 0 ||
	    crypto_generichash_update(&st, arg, len) != 0 ||
	    crypto_generichash_final(&st, out, COFFER_WIRE_ID_BYTES) != 0)
		return COFFER_ERR_CRYPTO;
	return 0;
}

/* Find the account's keychain zone: the oldest zone of its category. */
static int
find_kczone(struct coffer_client *c)
{
	static const char *const zone_keys[] = { "zone", "category", "seq",
		"created", NULL };
	struct coffer_buf *b = NULL;
	const char *cat;
	json_t *j = NULL, *a, *e;
	size_t i;
	int r = 0;

	if (c->has_kczone)
		return 0;
	if ((b = coffer_buf_new(64)) == NULL)
		return COFFER_ERR_NOMEM;
	/* Known from an earlier run. */
	if (st_get(c, "kczone", b) == 0 &&
	    coffer_buf_len(b) == COFFER_WIRE_ID_BYTES) {
		memcpy(c->kczone, coffer_buf_data(b), COFFER_WIRE_ID_BYTES);
		c->has_kczone = 1;
		goto out;
	}
	if ((r = cl_list(c, "/v1/zones", "zones", &j, &a)) != 0)
		goto out;
	json_array_foreach(a, i, e) {
		if (!json_is_object(e) ||
		    (r = net_json_only(e, zone_keys, c->errmsg)) != 0 ||
		    (r = net_json_str(e, "category", &cat, c->errmsg)) != 0) {
			r = COFFER_ERR_SERVER;
			goto out;
		}
		if (strcmp(cat, COFFER_CATEGORY_KEYCHAIN) != 0)
			continue;
		if ((r = net_json_hex(e, "zone", c->kczone,
		    COFFER_WIRE_ID_BYTES, c->errmsg)) != 0)
			goto out;
		c->has_kczone = 1;
		if ((r = st_zone_put(c, c->kczone, COFFER_CATEGORY_KEYCHAIN,
		    NULL)) == 0)
			r = st_set(c, "kczone", c->kczone,
			    COFFER_WIRE_ID_BYTES);
		goto out;
	}
out:
	json_decref(j);
	coffer_buf_free(&b);
	return r;
}

/* The keychain zone of ${z}: known from this run, the home, or the
 * server. */
static int
kc_zone(struct coffer_client *c, struct zone *z)
{
	int r;

	memset(z, 0, sizeof(*z));
	if ((r = find_kczone(c)) != 0)
		return r;
	if (!c->has_kczone)
		return cl_fail(c, COFFER_ERR_STATE, "the account has no "
		    "keychain zone");
	memcpy(z->id, c->kczone, COFFER_WIRE_ID_BYTES);
	z->cat = coffer_category_by_name(COFFER_CATEGORY_KEYCHAIN);
	return 0;
}

/* The keychain record ${rid} from the home (synced first if absent). */
static int
kc_lookup(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    int sync, struct coffer_buf *blob)
{
	struct zone z;
	struct rec rec;
	int r;

	if ((r = kc_zone(c, &z)) != 0)
		return r;
	coffer_buf_reset(blob);
	r = st_rec_get(c, z.id, rid, &rec, blob);
	if ((r == COFFER_ERR_NOTFOUND || (r == 0 && rec.deleted)) && sync) {
		coffer_buf_reset(blob);
		if ((r = zn_sync(c, &z, NULL, NULL, NULL)) != 0)
			return r;
		r = st_rec_get(c, z.id, rid, &rec, blob);
	}
	if (r == 0 && rec.deleted)
		r = COFFER_ERR_NOTFOUND;
	return r;
}

static int
kc_store(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    const struct coffer_buf *blob)
{
	struct zone z;
	uint64_t version = 0;
	int r;

	if ((r = kc_zone(c, &z)) != 0)
		return r;
	return zn_put(c, &z, rid, &version, coffer_buf_data(blob),
	    coffer_buf_len(blob));
}

/* The key of ${role} and ${category} (version 1) wrapped under ${kek} in
 * keychain record ${rid}; made, wrapped and stored if absent and
 * ${create}. */
static int
kc_key(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    enum coffer_key_role role, uint8_t category, const struct coffer_key *kek,
    int create, struct coffer_key **out)
{
	struct coffer_key *k = NULL;
	struct coffer_buf *blob = NULL;
	int r;

	*out = NULL;
	if ((blob = coffer_buf_new(WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = kc_lookup(c, rid, 1, blob);
	if (r == COFFER_ERR_NOTFOUND && create) {
		if ((r = coffer_keychain_key_generate(&k, role, category,
		    1)) != 0 ||
		    (r = coffer_keychain_wrap(blob, k, role, category,
		    kek)) != 0)
			goto out;
		if ((r = kc_store(c, rid, blob)) == 0) {
			*out = k;
			k = NULL;
			goto out;
		}
		/* Another device made it first: use theirs. */
		if (r != COFFER_ERR_CONFLICT ||
		    (r = kc_lookup(c, rid, 1, blob)) != 0)
			goto out;
	}
	if (r != 0) {
		if (r == COFFER_ERR_NOTFOUND)
			(void)cl_fail(c, r, "no such key in the keychain");
		goto out;
	}
	if ((r = coffer_keychain_unwrap(out, coffer_buf_data(blob),
	    coffer_buf_len(blob), role, category, 1, kek)) != 0)
		r = cl_fail(c, COFFER_ERR_AUTH, "a key of the keychain does "
		    "not open: %s", coffer_strerror(r));
out:
	coffer_key_free(&k);
	coffer_buf_free(&blob);
	return r;
}

int
kc_zone_key(struct coffer_client *c, const struct zone *z, int create,
    const struct coffer_key **out)
{
	struct coffer_key *cat = NULL, *kek = NULL, *zk = NULL;
	uint8_t rid[COFFER_WIRE_ID_BYTES], cid = z->cat->id;
	size_t i;
	int r;

	/* Zone ids are not secret, but they are derived from the root:
	 * compare them in constant time like the rest of the keychain. */
	for (i = 0; i < c->nzkeys; i++) {
		if (sodium_memcmp(c->zkeys[i].zone, z->id,
		    COFFER_WIRE_ID_BYTES) == 0) {
			*out = c->zkeys[i].key;
			return 0;
		}
	}
	if (c->root == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this device is not "
		    "approved yet");
	if ((r = kc_record_id(rid, KC_CATEGORY, &cid, 1)) != 0 ||
	    (r = kc_key(c, rid, COFFER_ROLE_CATEGORY, cid, c->root, create,
	    &cat)) != 0)
		goto out;
	/* The zone key's kek names the zone: a wrapped key moved to
	 * another zone's record does not open. */
	if ((r = coffer_kdf_key(&kek, cat, ZONE_KEK_CONTEXT, z->id,
	    COFFER_WIRE_ID_BYTES, 1)) != 0 ||
	    (r = kc_record_id(rid, KC_ZONE, z->id,
	    COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = kc_key(c, rid, COFFER_ROLE_ZONE, cid, kek, create, &zk)) != 0)
		goto out;
	if (c->nzkeys == ZONE_KEYS_MAX) {
		coffer_key_free(&c->zkeys[0].key);
		memmove(&c->zkeys[0], &c->zkeys[1],
		    sizeof(c->zkeys[0]) * (ZONE_KEYS_MAX - 1));
		c->nzkeys--;
	}
	memcpy(c->zkeys[c->nzkeys].zone, z->id, COFFER_WIRE_ID_BYTES);
	c->zkeys[c->nzkeys].key = zk;
	*out = zk;
	c->nzkeys++;
	zk = NULL;
out:
	coffer_key_free(&cat);
	coffer_key_free(&kek);
	coffer_key_free(&zk);
	return r;
}

/* Seal the root to a device and store it for that device. */
int
kc_seal_root(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES],
    const uint8_t agree_pk[COFFER_PUBLIC_BYTES], uint32_t agree_version,
    struct coffer_buf *sealed)
{
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	int r;

	if ((r = coffer_keychain_seal_to_device(sealed, c->root,
	    COFFER_ROLE_ROOT, 0, agree_pk, agree_version)) != 0 ||
	    (r = kc_record_id(rid, KC_ROOT_FOR_DEVICE, id,
	    COFFER_WIRE_ID_BYTES)) != 0)
		return r;
	return kc_store(c, rid, sealed);
}

/* First device: the keychain zone, the root, the account key. */
static int
kc_create(struct coffer_client *c)
{
	struct coffer_buf *b = NULL;
	struct coffer_key *acct = NULL;
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	char path[64], hex[ID_HEX];
	static const char body[] = "{\"category\":\""
	    COFFER_CATEGORY_KEYCHAIN "\"}";
	int r;

	randombytes_buf(c->kczone, COFFER_WIRE_ID_BYTES);
	if ((r = cl_hex(hex, c->kczone)) != 0)
		return r;
	(void)snprintf(path, sizeof(path), "/v1/zones/%s", hex);
	if ((r = cl_json(c, "PUT", path, body, CL_IDEMPOTENT, NULL,
	    NULL)) != 0 ||
	    (r = st_zone_put(c, c->kczone, COFFER_CATEGORY_KEYCHAIN,
	    NULL)) != 0 ||
	    (r = st_set(c, "kczone", c->kczone, COFFER_WIRE_ID_BYTES)) != 0)
		goto out;
	c->has_kczone = 1;
	r = COFFER_ERR_NOMEM;
	if ((b = coffer_buf_new(WRAPPED_MAX)) == NULL)
		goto out;
	if ((r = coffer_keychain_key_generate(&c->root, COFFER_ROLE_ROOT, 0,
	    1)) != 0 ||
	    (r = kc_seal_root(c, coffer_device_id(c->device),
	    coffer_device_agree_public(c->device),
	    coffer_key_version(coffer_device_agree_key(c->device)), b)) != 0 ||
	    (r = st_set(c, "root", coffer_buf_data(b), coffer_buf_len(b))) != 0)
		goto out;
	coffer_buf_reset(b);
	if ((r = coffer_keychain_key_generate(&acct, COFFER_ROLE_ACCOUNT, 0,
	    1)) != 0 ||
	    (r = coffer_keychain_wrap(b, acct, COFFER_ROLE_ACCOUNT, 0,
	    c->root)) != 0 ||
	    (r = kc_record_id(rid, KC_ACCOUNT, NULL, 0)) != 0)
		goto out;
	r = kc_store(c, rid, b);
out:
	if (r != 0)
		coffer_key_free(&c->root);
	coffer_key_free(&acct);
	coffer_buf_free(&b);
	return r;
}

int
kc_is_trusted(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	struct coffer_buf *b = NULL;
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	int r;

	if (!c->has_kczone || kc_record_id(rid, KC_ROOT_FOR_DEVICE, id,
	    COFFER_WIRE_ID_BYTES) != 0 ||
	    (b = coffer_buf_new(WRAPPED_MAX)) == NULL)
		return 0;
	r = kc_lookup(c, rid, 0, b);
	coffer_buf_free(&b);
	return r == 0;
}

int
kc_refresh(struct coffer_client *c)
{
	struct coffer_buf *b = NULL;
	struct zone z;
	uint8_t rid[COFFER_WIRE_ID_BYTES];
	int r;

	if (c->device == NULL || (r = find_kczone(c)) != 0)
		return c->device == NULL ? 0 : r;
	if (!c->has_kczone)
		return 0;
	if ((b = coffer_buf_new(WRAPPED_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = kc_record_id(rid, KC_ROOT_FOR_DEVICE,
	    coffer_device_id(c->device), COFFER_WIRE_ID_BYTES)) != 0)
		goto out;
	/* Synced every time: the keychain is small and this is how an
	 * approval or a new zone key arrives. */
	if ((r = kc_zone(c, &z)) != 0 ||
	    (r = zn_sync(c, &z, NULL, NULL, NULL)) != 0)
		goto out;
	if (c->root != NULL)
		goto out;
	if ((r = kc_lookup(c, rid, 0, b)) == COFFER_ERR_NOTFOUND) {
		r = 0;		/* still waiting for approval */
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = coffer_keychain_open_from_device(&c->root,
	    coffer_buf_data(b), coffer_buf_len(b), COFFER_ROLE_ROOT, 0, 1,
	    coffer_device_agree_key(c->device))) != 0) {
		r = cl_fail(c, COFFER_ERR_AUTH, "the keychain root sealed to "
		    "this device does not open: %s", coffer_strerror(r));
		goto out;
	}
	r = st_set(c, "root", coffer_buf_data(b), coffer_buf_len(b));
out:
	coffer_buf_free(&b);
	return r;
}

int
kc_join(struct coffer_client *c)
{
	int r;

	if ((r = find_kczone(c)) != 0)
		return r;
	return c->has_kczone ? kc_refresh(c) : kc_create(c);
}
