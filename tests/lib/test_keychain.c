/* The keychain (docs/PROTOCOL-keys.md, "Keychain"): key generation per
 * role, wrap/unwrap and device sealing round trips, every swap a server
 * could try, and tests/vectors/keychain.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/category.h>
#include <coffer/device.h>
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/keychain.h>

#include "core/secret.h"
#include "crypto/envelope_det.h"
#include "keys/keychain_internal.h"
#include "vecfile.h"

#define R_ROOT	COFFER_ROLE_ROOT
#define R_ACCT	COFFER_ROLE_ACCOUNT
#define R_CAT	COFFER_ROLE_CATEGORY
#define R_ZONE	COFFER_ROLE_ZONE
#define R_NAME	COFFER_ROLE_NAMING

static void
test_generate(void **state)
{
	static const struct {
		int role;
		uint8_t cat;
		uint32_t version;
		int err;
		enum coffer_key_kind kind;
	} cases[] = {
		{ R_ROOT, 0, 1, 0, COFFER_KEY_SYMMETRIC },
		{ R_ACCT, 0, 7, 0, COFFER_KEY_ED25519 },
		{ R_CAT, 1, 1, 0, COFFER_KEY_SYMMETRIC },
		{ R_CAT, 28, UINT32_MAX, 0, COFFER_KEY_SYMMETRIC },
		{ R_ZONE, 19, 2, 0, COFFER_KEY_SYMMETRIC },
		{ R_NAME, 0, 1, 0, COFFER_KEY_SYMMETRIC },
		{ R_ROOT, 1, 1, COFFER_ERR_INVALID, 0 },
		{ R_ACCT, 19, 1, COFFER_ERR_INVALID, 0 },
		{ R_CAT, 0, 1, COFFER_ERR_INVALID, 0 },
		{ R_CAT, 29, 1, COFFER_ERR_INVALID, 0 },
		{ R_CAT, 255, 1, COFFER_ERR_INVALID, 0 },
		{ R_ZONE, 0, 1, COFFER_ERR_INVALID, 0 },
		{ R_NAME, 3, 1, COFFER_ERR_INVALID, 0 },
		{ R_NAME, 0, 0, COFFER_ERR_INVALID, 0 },
		{ R_CAT, 19, 0, COFFER_ERR_INVALID, 0 },
		{ 0, 0, 1, COFFER_ERR_INVALID, 0 },
		{ 6, 0, 1, COFFER_ERR_INVALID, 0 },
	};
	struct coffer_key *k = NULL, *k2 = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(coffer_keychain_key_generate(&k,
		    (enum coffer_key_role)cases[i].role, cases[i].cat,
		    cases[i].version), cases[i].err);
		if (cases[i].err != 0) {
			assert_null(k);
			continue;
		}
		assert_int_equal(coffer_key_kind(k), cases[i].kind);
		assert_int_equal(coffer_key_version(k), cases[i].version);
		assert_int_equal(coffer_keychain_key_generate(&k2,
		    (enum coffer_key_role)cases[i].role, cases[i].cat,
		    cases[i].version), 0);
		assert_false(coffer_key_equal(k, k2));
		coffer_key_free(&k);
		coffer_key_free(&k2);
	}
	/* Every category of the table has keys; ids past it do not. */
	for (i = 0; i < coffer_category_count(); i++) {
		assert_int_equal(coffer_category_key_generate(&k,
		    coffer_category_at(i)->id, 1), 0);
		coffer_key_free(&k);
	}
	assert_int_equal(coffer_category_key_generate(&k, 0, 1),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_category_key_generate(&k, 200, 1),
	    COFFER_ERR_INVALID);
}

/* Wrap under a kek and seal to a device, for every role, and open. */
static void
test_roundtrip(void **state)
{
	static const struct {
		int role;
		uint8_t cat;
		uint32_t version;
	} cases[] = {
		{ R_ROOT, 0, 1 }, { R_ROOT, 0, 0xfffffffe }, { R_ACCT, 0, 3 },
		{ R_CAT, 16, 1 }, { R_CAT, 2, 9 }, { R_ZONE, 18, 4 },
		{ R_NAME, 0, 1 },
	};
	struct coffer_device *dev = NULL;
	struct coffer_key *kek = NULL, *k = NULL, *got = NULL;
	struct coffer_buf *b = coffer_buf_new(1024);
	size_t i;

	(void)state;
	assert_int_equal(coffer_key_generate(&kek, COFFER_KEY_SYMMETRIC, 5), 0);
	assert_int_equal(coffer_device_generate(&dev), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum coffer_key_role role = (enum coffer_key_role)cases[i].role;

		assert_int_equal(coffer_keychain_key_generate(&k, role,
		    cases[i].cat, cases[i].version), 0);
		coffer_buf_reset(b);
		assert_int_equal(coffer_keychain_wrap(b, k, role, cases[i].cat,
		    kek), 0);
		assert_int_equal(coffer_keychain_unwrap(&got, coffer_buf_data(b),
		    coffer_buf_len(b), role, cases[i].cat, cases[i].version,
		    kek), 0);
		assert_true(coffer_key_equal(k, got));
		coffer_key_free(&got);
		coffer_buf_reset(b);
		assert_int_equal(coffer_keychain_seal_to_device(b, k, role,
		    cases[i].cat, coffer_device_agree_public(dev), 1), 0);
		assert_int_equal(coffer_keychain_open_from_device(&got,
		    coffer_buf_data(b), coffer_buf_len(b), role, cases[i].cat,
		    cases[i].version, coffer_device_agree_key(dev)), 0);
		assert_true(coffer_key_equal(k, got));
		coffer_key_free(&got);
		coffer_key_free(&k);
	}
	coffer_buf_free(&b);
	coffer_key_free(&kek);
	coffer_device_free(&dev);
}

/* What a server could hand a client in place of the right wrapped key,
 * and what the client says. */
static void
test_swaps(void **state)
{
	struct coffer_device *a = NULL, *m = NULL;
	struct coffer_key *root = NULL, *other = NULL, *twin = NULL;
	struct coffer_key *c19 = NULL, *c18 = NULL, *av2 = NULL, *got = NULL;
	struct coffer_buf *w19 = coffer_buf_new(1024);
	struct coffer_buf *w18 = coffer_buf_new(1024);
	struct coffer_buf *d19 = coffer_buf_new(1024);
	uint8_t junk[32];
	size_t i;
	/* Openers: 0 root, 1 another kek, 2 a kek with root's id but not its
	 * secret; 3 device a, 4 device m, 5 a's X25519 key as version 2. */
	const struct {
		const char *what;
		const struct coffer_buf *blob;
		int role;
		uint8_t cat;
		uint32_t version;
		int opener, err;
	} cases[] = {
		{ "right", w19, R_CAT, 19, 2, 0, 0 },
		{ "other category's blob", w18, R_CAT, 19, 2, 0, COFFER_ERR_KEY },
		{ "as category 18", w19, R_CAT, 18, 2, 0, COFFER_ERR_KEY },
		{ "as zone key", w19, R_ZONE, 19, 2, 0, COFFER_ERR_KEY },
		{ "as root", w19, R_ROOT, 0, 2, 0, COFFER_ERR_KEY },
		{ "as naming key", w19, R_NAME, 0, 2, 0, COFFER_ERR_KEY },
		{ "older version", w19, R_CAT, 19, 1, 0, COFFER_ERR_KEY },
		{ "newer version", w19, R_CAT, 19, 3, 0, COFFER_ERR_KEY },
		{ "other kek", w19, R_CAT, 19, 2, 1, COFFER_ERR_KEY },
		{ "kek of same id", w19, R_CAT, 19, 2, 2, COFFER_ERR_AUTH },
		{ "device blob as wrap", d19, R_CAT, 19, 2, 0,
		    COFFER_ERR_CONTEXT },
		{ "device, right", d19, R_CAT, 19, 2, 3, 0 },
		{ "device, other device", d19, R_CAT, 19, 2, 4, COFFER_ERR_KEY },
		{ "device, other key version", d19, R_CAT, 19, 2, 5,
		    COFFER_ERR_KEY },
		{ "device, as zone", d19, R_ZONE, 19, 2, 3, COFFER_ERR_KEY },
		{ "wrap blob as device", w19, R_CAT, 19, 2, 3,
		    COFFER_ERR_CONTEXT },
	};
	const struct coffer_key *openers[6];

	(void)state;
	randombytes_buf(junk, sizeof(junk));
	assert_int_equal(coffer_key_generate(&root, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(coffer_key_generate(&other, COFFER_KEY_SYMMETRIC, 1),
	    0);
	assert_int_equal(coffer_key_import(&twin, COFFER_KEY_SYMMETRIC, junk,
	    coffer_key_id(root), 1), 0);
	assert_int_equal(coffer_category_key_generate(&c19, 19, 2), 0);
	assert_int_equal(coffer_category_key_generate(&c18, 18, 2), 0);
	assert_int_equal(coffer_device_generate(&a), 0);
	assert_int_equal(coffer_device_generate(&m), 0);
	assert_int_equal(coffer_key_import(&av2, COFFER_KEY_X25519,
	    key_secret(coffer_device_agree_key(a)), NULL, 2), 0);
	assert_int_equal(coffer_keychain_wrap(w19, c19, R_CAT, 19, root), 0);
	assert_int_equal(coffer_keychain_wrap(w18, c18, R_CAT, 18, root), 0);
	assert_int_equal(coffer_keychain_seal_to_device(d19, c19, R_CAT, 19,
	    coffer_device_agree_public(a), 1), 0);
	openers[0] = root;
	openers[1] = other;
	openers[2] = twin;
	openers[3] = coffer_device_agree_key(a);
	openers[4] = coffer_device_agree_key(m);
	openers[5] = av2;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if ((cases[i].opener >= 3 ? coffer_keychain_open_from_device :
		    coffer_keychain_unwrap)(&got, coffer_buf_data(cases[i].blob),
		    coffer_buf_len(cases[i].blob),
		    (enum coffer_key_role)cases[i].role, cases[i].cat,
		    cases[i].version, openers[cases[i].opener]) != cases[i].err)
			fail_msg("%s: not %d", cases[i].what, cases[i].err);
		assert_true(cases[i].err == 0 ? got != NULL : got == NULL);
		if (got != NULL)
			assert_true(coffer_key_equal(got, c19));
		coffer_key_free(&got);
	}
	coffer_buf_free(&w19);
	coffer_buf_free(&w18);
	coffer_buf_free(&d19);
	coffer_key_free(&root);
	coffer_key_free(&other);
	coffer_key_free(&twin);
	coffer_key_free(&c19);
	coffer_key_free(&c18);
	coffer_key_free(&av2);
	coffer_device_free(&a);
	coffer_device_free(&m);
}

/* Wrapping what does not fit the role, or under what is not a kek. */
static void
test_wrap_refused(void **state)
{
	static const uint8_t small[32] = { 1 };
	struct coffer_key *root = NULL, *acct = NULL, *x = NULL, *z = NULL;
	struct coffer_buf *b = coffer_buf_new(1024);

	(void)state;
	assert_int_equal(coffer_keychain_key_generate(&root, R_ROOT, 0, 1), 0);
	assert_int_equal(coffer_keychain_key_generate(&acct, R_ACCT, 0, 1), 0);
	assert_int_equal(coffer_keychain_key_generate(&z, R_ZONE, 3, 1), 0);
	assert_int_equal(coffer_key_generate(&x, COFFER_KEY_X25519, 1), 0);
	assert_int_equal(coffer_buf_put_u8(b, 0xaa), 0);
	assert_int_equal(coffer_keychain_wrap(b, acct, R_ROOT, 0, root),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, z, R_ACCT, 0, root),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, x, R_ZONE, 3, root),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, z, R_ZONE, 0, root),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, z, R_ZONE, 29, root),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, root, R_ROOT, 3, z),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, z, R_ZONE, 3, acct),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, z, R_ZONE, 3, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, NULL, R_ZONE, 3, root),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_wrap(b, root, R_ROOT, 0, root),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_seal_to_device(b, z, R_ZONE, 3, small,
	    1), COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_seal_to_device(b, z, R_ZONE, 0,
	    small, 1), COFFER_ERR_INVALID);
	/* Nothing was appended. */
	assert_int_equal(coffer_buf_len(b), 1);
	assert_int_equal(coffer_keychain_wrap(b, z, R_ZONE, 3, root), 0);
	coffer_buf_free(&b);
	b = coffer_buf_new(60);
	assert_int_equal(coffer_keychain_wrap(b, z, R_ZONE, 3, root),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
	coffer_key_free(&root);
	coffer_key_free(&acct);
	coffer_key_free(&z);
	coffer_key_free(&x);
}

/* Each byte of a wrapped key matters, and a bad expectation is refused
 * before anything is opened. */
static void
test_each_byte(void **state)
{
	struct coffer_key *kek = NULL, *k = NULL, *got = NULL;
	struct coffer_buf *b = coffer_buf_new(1024);
	uint8_t blob[256];
	size_t i, n;

	(void)state;
	assert_int_equal(coffer_key_generate(&kek, COFFER_KEY_SYMMETRIC, 1), 0);
	assert_int_equal(coffer_keychain_key_generate(&k, R_ZONE, 17, 6), 0);
	assert_int_equal(coffer_keychain_wrap(b, k, R_ZONE, 17, kek), 0);
	n = coffer_buf_len(b);
	assert_true(n <= sizeof(blob));
	memcpy(blob, coffer_buf_data(b), n);
	for (i = 0; i < n; i++) {
		blob[i] ^= 0x20;
		assert_int_not_equal(coffer_keychain_unwrap(&got, blob, n,
		    R_ZONE, 17, 6, kek), 0);
		assert_null(got);
		blob[i] ^= 0x20;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(coffer_keychain_unwrap(&got, blob, i, R_ZONE,
		    17, 6, kek), COFFER_ERR_TRUNCATED);
	assert_int_equal(coffer_keychain_unwrap(&got, blob, n, R_ZONE, 17, 0,
	    kek), COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_unwrap(&got, blob, n, R_ZONE, 0, 6,
	    kek), COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_unwrap(&got, blob, n,
	    (enum coffer_key_role)9, 17, 6, kek), COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_unwrap(&got, blob, n, R_ZONE, 17, 6,
	    NULL), COFFER_ERR_INVALID);
	assert_int_equal(coffer_keychain_unwrap(&got, blob, n, R_ZONE, 17, 6,
	    kek), 0);
	coffer_key_free(&got);
	coffer_buf_free(&b);
	coffer_key_free(&kek);
	coffer_key_free(&k);
}

/* --- Vectors: tests/vectors/keychain.txt --------------------------------
 * mode = wrap: kek_secret, kek_id, kek_version; mode = device:
 * device_secret, device_version (and eph for good vectors). Good vectors
 * add the key (kind, key_secret, key_id), its role, category and version,
 * the nonce and the blob they make; bad ones a blob, the role, category and
 * version expected, and the error. */

static const char *const role_words[] = { "", "root", "account",
    "category", "zone", "naming" };
static const char *const kind_words[] = { "", "symmetric", "x25519",
    "ed25519" };

/* The key that opens the vector's blob: the kek or the device key. */
static int
vec_opener(const struct vec *v, int device, struct coffer_key **k)
{
	uint8_t s[32], id[16];
	uint64_t ver;

	*k = NULL;
	if (device)
		return vec_hexn(v, "device_secret", s, 32) ||
		    vec_u64(v, "device_version", &ver) || ver > UINT32_MAX ||
		    coffer_key_import(k, COFFER_KEY_X25519, s, NULL,
		    (uint32_t)ver) != 0;
	return vec_hexn(v, "kek_secret", s, 32) || vec_hexn(v, "kek_id", id,
	    16) || vec_u64(v, "kek_version", &ver) || ver > UINT32_MAX ||
	    coffer_key_import(k, COFFER_KEY_SYMMETRIC, s, id,
	    (uint32_t)ver) != 0;
}

static int
check_vector(const struct vec *v)
{
	struct coffer_key *opener = NULL, *key = NULL, *got = NULL;
	struct coffer_buf *b = NULL;
	const char *mode = vec_get(v, "mode");
	uint8_t *blob = NULL, s[32], id[16], nonce[24], eph[32], pk[32];
	uint64_t cat, ver;
	size_t bl;
	int device, role, kind, err, r, bad = 1;

	if (mode == NULL || (strcmp(mode, "wrap") != 0 &&
	    strcmp(mode, "device") != 0))
		goto out;
	device = strcmp(mode, "device") == 0;
	role = vec_word(v, "role", role_words, 6);
	if (role < 0 || vec_u64(v, "category", &cat) || cat > 255 ||
	    vec_u64(v, "version", &ver) || ver > UINT32_MAX ||
	    vec_hex(v, "blob", &blob, &bl) || vec_err(v, "expect", &err) ||
	    vec_opener(v, device, &opener) != 0)
		goto out;
	r = (device ? coffer_keychain_open_from_device :
	    coffer_keychain_unwrap)(&got, blob, bl, (enum coffer_key_role)role,
	    (uint8_t)cat, (uint32_t)ver, opener);
	if (r != err || (err != 0) != (got == NULL))
		goto out;
	if (err != 0) {
		bad = 0;
		goto out;
	}
	/* Good: the inputs make the blob byte for byte, which opens to them. */
	kind = vec_word(v, "kind", kind_words, 4);
	if (kind < 0 || vec_hexn(v, "key_secret", s, 32) ||
	    vec_hexn(v, "key_id", id, 16) || vec_hexn(v, "nonce", nonce, 24) ||
	    (device && (vec_hexn(v, "eph", eph, 32) ||
	    coffer_key_public(opener, pk) != 0)) ||
	    coffer_key_import(&key, (enum coffer_key_kind)kind, s, id,
	    (uint32_t)ver) != 0 || !coffer_key_equal(key, got) ||
	    (b = coffer_buf_new(1024)) == NULL ||
	    keychain_wrap_det(b, key, (enum coffer_key_role)role,
	    (uint8_t)cat, device ? COFFER_ENVELOPE_PUBLIC :
	    COFFER_ENVELOPE_SECRET, device ? NULL : opener, device ? pk : NULL,
	    device ? coffer_key_version(opener) : 0, nonce,
	    device ? eph : NULL) != 0 || coffer_buf_len(b) != bl ||
	    sodium_memcmp(coffer_buf_data(b), blob, bl) != 0)
		goto out;
	bad = 0;
out:
	coffer_key_free(&opener);
	coffer_key_free(&key);
	coffer_key_free(&got);
	coffer_buf_free(&b);
	free(blob);
	return bad;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 29 + i * 5 + 3);
}

/* Writer state: the file, the openers, whether every vector held. */
struct wr {
	FILE			*f;
	struct coffer_key	*kek, *dev;
	int			 failed;
};

static void
w_opener(struct wr *w, int device)
{
	vec_w_word(w->f, "mode", device ? "device" : "wrap");
	if (device) {
		vec_w_hex(w->f, "device_secret", key_secret(w->dev), 32);
		vec_w_u64(w->f, "device_version", coffer_key_version(w->dev));
	} else {
		vec_w_hex(w->f, "kek_secret", key_secret(w->kek), 32);
		vec_w_hex(w->f, "kek_id", coffer_key_id(w->kek), 16);
		vec_w_u64(w->f, "kek_version", coffer_key_version(w->kek));
	}
}

/* A good vector: ${key} as ${role} of ${cat}, wrapped or sealed; the blob
 * is left in ${b}. */
static void
w_good(struct wr *w, const char *name, int device, const struct coffer_key *key,
    int role, uint8_t cat, uint8_t seed, struct coffer_buf *b)
{
	uint8_t nonce[24], eph[32], pk[32];

	fill(nonce, sizeof(nonce), seed);
	fill(eph, sizeof(eph), (uint8_t)(seed + 1));
	if (coffer_key_public(w->dev, pk) != 0)
		abort();
	coffer_buf_reset(b);
	if (keychain_wrap_det(b, key, (enum coffer_key_role)role, cat,
	    device ? COFFER_ENVELOPE_PUBLIC : COFFER_ENVELOPE_SECRET,
	    w->kek, pk, coffer_key_version(w->dev), nonce, eph) != 0)
		abort();
	vec_w_begin(w->f, name);
	w_opener(w, device);
	vec_w_word(w->f, "kind", kind_words[coffer_key_kind(key)]);
	vec_w_hex(w->f, "key_secret", key_secret(key), 32);
	vec_w_hex(w->f, "key_id", coffer_key_id(key), 16);
	vec_w_word(w->f, "role", role_words[role]);
	vec_w_u64(w->f, "category", cat);
	vec_w_u64(w->f, "version", coffer_key_version(key));
	vec_w_hex(w->f, "nonce", nonce, sizeof(nonce));
	if (device)
		vec_w_hex(w->f, "eph", eph, sizeof(eph));
	vec_w_hex(w->f, "blob", coffer_buf_data(b), coffer_buf_len(b));
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
}

/* A bad vector: opening ${blob} expecting ${role}, ${cat}, ${ver} with the
 * writer's kek or device key (or ${other}) must give ${expect}. */
static void
w_bad(struct wr *w, const char *name, int device, struct coffer_key *other,
    const uint8_t *blob, size_t len, int role, uint8_t cat, uint32_t ver,
    int expect)
{
	struct coffer_key *saved = device ? w->dev : w->kek, *got = NULL;
	int r;

	if (other != NULL) {
		if (device)
			w->dev = other;
		else
			w->kek = other;
	}
	r = (device ? coffer_keychain_open_from_device :
	    coffer_keychain_unwrap)(&got, blob, len, (enum coffer_key_role)role,
	    cat, ver, device ? w->dev : w->kek);
	if (r != expect) {
		fprintf(stderr, "keychain vector %s: got %d, meant %d\n", name,
		    r, expect);
		w->failed = 1;
	}
	coffer_key_free(&got);
	vec_w_begin(w->f, name);
	w_opener(w, device);
	vec_w_word(w->f, "role", role_words[role]);
	vec_w_u64(w->f, "category", cat);
	vec_w_u64(w->f, "version", ver);
	vec_w_hex(w->f, "blob", blob, len);
	vec_w_word(w->f, "expect", vec_errword(expect));
	vec_w_end(w->f);
	if (device)
		w->dev = saved;
	else
		w->kek = saved;
}

/* Key records sealed by hand under the kek: the good record of category
 * key 19 v2 (kind 1, role 3) with one field changed. n: record length. */
static const struct {
	const char	*name;
	size_t		 off;		/* byte to set, or SIZE_MAX */
	uint8_t		 v;
	size_t		 n;
	int		 expect;
} records[] = {
	{ "record-right", SIZE_MAX, 0, 60, 0 },
	{ "record-bad-magic", 0, 'X', 60, COFFER_ERR_FORMAT },
	{ "record-future-version", 4, 2, 60, COFFER_ERR_VERSION },
	{ "record-kind-0", 5, 0, 60, COFFER_ERR_FORMAT },
	{ "record-kind-x25519", 5, 2, 60, COFFER_ERR_FORMAT },
	{ "record-kind-ed25519", 5, 3, 60, COFFER_ERR_FORMAT },
	{ "record-kind-unknown", 5, 4, 60, COFFER_ERR_FORMAT },
	{ "record-role-0", 6, 0, 60, COFFER_ERR_FORMAT },
	{ "record-role-naming-with-category", 6, 5, 60, COFFER_ERR_FORMAT },
	{ "record-role-unknown", 6, 6, 60, COFFER_ERR_FORMAT },
	{ "record-category-0", 7, 0, 60, COFFER_ERR_FORMAT },
	{ "record-category-unknown", 7, 29, 60, COFFER_ERR_FORMAT },
	{ "record-version-0", 11, 0, 60, COFFER_ERR_FORMAT },
	{ "record-empty", SIZE_MAX, 0, 0, COFFER_ERR_TRUNCATED },
	{ "record-truncated", SIZE_MAX, 0, 59, COFFER_ERR_TRUNCATED },
	{ "record-trailing", SIZE_MAX, 0, 61, COFFER_ERR_TRAILING },
	{ "record-oversized", SIZE_MAX, 0, 257, COFFER_ERR_TOOBIG },
};

static void
w_records(struct wr *w, const struct coffer_key *c19)
{
	struct coffer_buf *rec = coffer_buf_new_secret(512);
	struct coffer_buf *b = coffer_buf_new(1024);
	struct coffer_key *acct = NULL;
	uint8_t r[512], nonce[24], seed[32];
	size_t i;

	fill(nonce, sizeof(nonce), 0x90);
	if (keyrecord_encode(rec, c19, R_CAT, 19) != 0)
		abort();
	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		memset(r, 0, sizeof(r));
		memcpy(r, coffer_buf_data(rec), 60);
		if (records[i].off != SIZE_MAX)
			r[records[i].off] = records[i].v;
		coffer_buf_reset(b);
		if (envelope_seal_det(b, COFFER_ENVELOPE_SECRET, w->kek,
		    NULL, 0, "coffer/wrap/v1", r, records[i].n, nonce,
		    NULL) != 0)
			abort();
		if (records[i].expect == 0) {
			/* Made by hand right, it opens: the others fail for
			 * their one change. */
			struct coffer_key *got = NULL;

			if (coffer_keychain_unwrap(&got, coffer_buf_data(b),
			    coffer_buf_len(b), R_CAT, 19, 2, w->kek) != 0 ||
			    !coffer_key_equal(got, c19))
				w->failed = 1;
			coffer_key_free(&got);
			continue;
		}
		w_bad(w, records[i].name, 0, NULL, coffer_buf_data(b),
		    coffer_buf_len(b), R_CAT, 19, 2, records[i].expect);
	}
	/* An account key whose record names another key id. */
	fill(seed, sizeof(seed), 0x91);
	if (coffer_key_import(&acct, COFFER_KEY_ED25519, seed, NULL, 1) != 0)
		abort();
	coffer_buf_reset(rec);
	if (keyrecord_encode(rec, acct, R_ACCT, 0) != 0)
		abort();
	memcpy(r, coffer_buf_data(rec), 60);
	r[12] ^= 1;
	coffer_buf_reset(b);
	if (envelope_seal_det(b, COFFER_ENVELOPE_SECRET, w->kek, NULL, 0,
	    "coffer/wrap/v1", r, 60, nonce, NULL) != 0)
		abort();
	w_bad(w, "record-account-id-mismatch", 0, NULL, coffer_buf_data(b),
	    coffer_buf_len(b), R_ACCT, 0, 1, COFFER_ERR_FORMAT);
	coffer_key_free(&acct);
	coffer_buf_free(&rec);
	coffer_buf_free(&b);
}

static struct coffer_key *
det_key(enum coffer_key_kind kind, uint8_t seed, uint32_t version)
{
	struct coffer_key *k = NULL;
	uint8_t s[32], id[16];

	fill(s, sizeof(s), seed);
	fill(id, sizeof(id), (uint8_t)(seed + 1));
	if (coffer_key_import(&k, kind, s, kind == COFFER_KEY_SYMMETRIC ? id :
	    NULL, version) != 0)
		abort();
	return k;
}

static int
write_vectors(const char *dir)
{
	struct wr w = { NULL, NULL, NULL, 0 };
	struct coffer_buf *b = coffer_buf_new(1024), *d = coffer_buf_new(1024);
	struct coffer_key *root = det_key(COFFER_KEY_SYMMETRIC, 2, 1);
	struct coffer_key *acct = det_key(COFFER_KEY_ED25519, 3, 1);
	struct coffer_key *c19 = det_key(COFFER_KEY_SYMMETRIC, 4, 2);
	struct coffer_key *zone = det_key(COFFER_KEY_SYMMETRIC, 5, 7);
	struct coffer_key *okek = det_key(COFFER_KEY_SYMMETRIC, 6, 1);
	struct coffer_key *odev = det_key(COFFER_KEY_X25519, 8, 1);
	struct coffer_key *naming = det_key(COFFER_KEY_SYMMETRIC, 9, 1);
	struct coffer_buf *nb = coffer_buf_new(1024);
	struct coffer_key *twin = NULL, *dev2 = NULL;
	uint8_t blob[512];
	char path[4096];
	size_t n;

	w.kek = root;
	w.dev = det_key(COFFER_KEY_X25519, 7, 1);
	if (coffer_key_import(&twin, COFFER_KEY_SYMMETRIC, key_secret(okek),
	    coffer_key_id(root), 1) != 0 ||
	    coffer_key_import(&dev2, COFFER_KEY_X25519, key_secret(w.dev),
	    NULL, 2) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/keychain.txt", dir);
	if ((w.f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(w.f, "# Wrapped keys (docs/PROTOCOL-keys.md, \"Keychain\"): "
	    "mode wrap (under a kek)\n# or device (sealed to an X25519 key). "
	    "Good: key, role, category, version,\n# nonce (and eph) -> blob. "
	    "Bad: blob and the expected role, category and\n# version -> the "
	    "error.\n");
	w_good(&w, "account-under-root", 0, acct, R_ACCT, 0, 0x20, b);
	w.kek = c19;
	w_good(&w, "zone-under-category", 0, zone, R_ZONE, 19, 0x21, b);
	w.kek = root;
	w_good(&w, "root-to-device", 1, root, R_ROOT, 0, 0x22, d);
	w_good(&w, "naming-under-root", 0, naming, R_NAME, 0, 0x24, nb);
	w_bad(&w, "naming-expect-root", 0, NULL, coffer_buf_data(nb),
	    coffer_buf_len(nb), R_ROOT, 0, 1, COFFER_ERR_KEY);
	w_good(&w, "category-under-root", 0, c19, R_CAT, 19, 0x23, b);
	n = coffer_buf_len(b);
	memcpy(blob, coffer_buf_data(b), n);

	w_bad(&w, "wrap-empty", 0, NULL, blob, 0, R_CAT, 19, 2,
	    COFFER_ERR_TRUNCATED);
	w_bad(&w, "wrap-truncated", 0, NULL, blob, n - 1, R_CAT, 19, 2,
	    COFFER_ERR_TRUNCATED);
	blob[n] = 0;
	w_bad(&w, "wrap-trailing", 0, NULL, blob, n + 1, R_CAT, 19, 2,
	    COFFER_ERR_TRAILING);
	w_bad(&w, "wrap-expect-zone", 0, NULL, blob, n, R_ZONE, 19, 2,
	    COFFER_ERR_KEY);
	w_bad(&w, "wrap-expect-category-18", 0, NULL, blob, n, R_CAT, 18, 2,
	    COFFER_ERR_KEY);
	w_bad(&w, "wrap-expect-version-1", 0, NULL, blob, n, R_CAT, 19, 1,
	    COFFER_ERR_KEY);
	w_bad(&w, "wrap-expect-version-3", 0, NULL, blob, n, R_CAT, 19, 3,
	    COFFER_ERR_KEY);
	w_bad(&w, "wrap-other-kek", 0, okek, blob, n, R_CAT, 19, 2,
	    COFFER_ERR_KEY);
	w_bad(&w, "wrap-kek-same-id", 0, twin, blob, n, R_CAT, 19, 2,
	    COFFER_ERR_AUTH);
	w_bad(&w, "wrap-opened-as-device", 1, NULL, blob, n, R_CAT, 19, 2,
	    COFFER_ERR_CONTEXT);
	blob[4] = 2;
	w_bad(&w, "wrap-envelope-version", 0, NULL, blob, n, R_CAT, 19, 2,
	    COFFER_ERR_VERSION);
	blob[4] = 1;
	blob[30] ^= 1;
	w_bad(&w, "wrap-kek-id-altered", 0, NULL, blob, n, R_CAT, 19, 2,
	    COFFER_ERR_KEY);
	blob[30] ^= 1;
	blob[90] ^= 1;
	w_bad(&w, "wrap-ciphertext-altered", 0, NULL, blob, n, R_CAT, 19, 2,
	    COFFER_ERR_AUTH);
	blob[90] ^= 1;
	blob[n - 1] ^= 1;
	w_bad(&w, "wrap-tag-altered", 0, NULL, blob, n, R_CAT, 19, 2,
	    COFFER_ERR_AUTH);
	blob[n - 1] ^= 1;
	w_records(&w, c19);

	n = coffer_buf_len(d);
	memcpy(blob, coffer_buf_data(d), n);
	w_bad(&w, "device-other-device", 1, odev, blob, n, R_ROOT, 0, 1,
	    COFFER_ERR_KEY);
	w_bad(&w, "device-other-key-version", 1, dev2, blob, n, R_ROOT, 0, 1,
	    COFFER_ERR_KEY);
	w_bad(&w, "device-expect-category", 1, NULL, blob, n, R_CAT, 19, 1,
	    COFFER_ERR_KEY);
	w_bad(&w, "device-opened-as-wrap", 0, NULL, blob, n, R_ROOT, 0, 1,
	    COFFER_ERR_CONTEXT);
	blob[70] ^= 1;
	w_bad(&w, "device-ephemeral-altered", 1, NULL, blob, n, R_ROOT, 0, 1,
	    COFFER_ERR_AUTH);
	blob[70] ^= 1;
	blob[n - 20] ^= 1;
	w_bad(&w, "device-ciphertext-altered", 1, NULL, blob, n, R_ROOT, 0, 1,
	    COFFER_ERR_AUTH);
	coffer_key_free(&w.dev);
	coffer_key_free(&root);
	coffer_key_free(&acct);
	coffer_key_free(&c19);
	coffer_key_free(&zone);
	coffer_key_free(&okek);
	coffer_key_free(&odev);
	coffer_key_free(&twin);
	coffer_key_free(&dev2);
	coffer_key_free(&naming);
	coffer_buf_free(&nb);
	coffer_buf_free(&b);
	coffer_buf_free(&d);
	if (fclose(w.f) != 0)
		return -1;
	return w.failed ? -1 : 0;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("keychain.txt", check_vector, 37);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_swaps),
		cmocka_unit_test(test_wrap_refused),
		cmocka_unit_test(test_each_byte),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("keychain", tests, NULL, NULL);
}
