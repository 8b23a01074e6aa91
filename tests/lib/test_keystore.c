/* The keystore format (docs/PROTOCOL-keys.md, "Keystore"): round trips,
 * passcodes, Argon2 bounds and tests/vectors/keystore.txt. The file side
 * (permissions, links, owner, size, atomic replacement) is tested in
 * test_keystore_file.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <cmocka.h>
#include <sodium.h>

#include <coffer/device.h>
#include <coffer/err.h>
#include <coffer/keystore.h>

#include "crypto/envelope_det.h"
#include "keys/device_internal.h"
#include "keys/keystore_internal.h"
#include "vecfile.h"


/* --- Vectors: tests/vectors/keystore.txt --------------------------------
 * format = keystore: good vectors give the device, passcode and (sealed)
 * Argon2 cost, salt and nonce, and the file they make; bad ones a file,
 * a passcode and the error. */

static const char ks_ctx[] = "coffer/keystore/v1";

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
vec_device(const struct vec *v, struct coffer_device **d)
{
	uint8_t id[COFFER_DEVICE_ID_BYTES], s[32], x[32];
	uint64_t sv, av;

	*d = NULL;
	if (vec_hexn(v, "device_id", id, sizeof(id)) ||
	    vec_u64(v, "sign_version", &sv) || vec_hexn(v, "sign_seed", s, 32) ||
	    vec_u64(v, "agree_version", &av) ||
	    vec_hexn(v, "agree_secret", x, 32) || sv > UINT32_MAX ||
	    av > UINT32_MAX)
		return -1;
	return device_import(d, id, s, (uint32_t)sv, x, (uint32_t)av);
}

static int
check_keystore(const struct vec *v)
{
	struct coffer_keystore_params p;
	struct coffer_device *d = NULL, *e = NULL;
	struct coffer_buf *b = NULL;
	uint8_t *file = NULL, salt[16], nonce[24];
	const uint8_t *pcp;
	char *pc = vec_str(v, "passcode");
	uint64_t ops, mem;
	size_t fl;
	int err, bad = 1;

	if (pc == NULL || vec_err(v, "expect", &err) ||
	    vec_hex(v, "file", &file, &fl))
		goto out;
	pcp = pc[0] != '\0' ? (const uint8_t *)pc : NULL;
	if (err != 0) {
		bad = coffer_keystore_parse(&e, file, fl, pcp, strlen(pc)) !=
		    err || e != NULL;
		goto out;
	}
	if (vec_device(v, &d) != 0)
		goto out;
	if (pcp == NULL) {
		/* Nothing in a clear vector may go unused. */
		if (vec_get(v, "salt") != NULL || vec_get(v, "opslimit") != NULL)
			goto out;
	} else if (vec_u64(v, "opslimit", &ops) ||
	    vec_u64(v, "memlimit_kib", &mem) || ops > UINT32_MAX ||
	    mem > UINT32_MAX || vec_hexn(v, "salt", salt, sizeof(salt)) ||
	    vec_hexn(v, "nonce", nonce, sizeof(nonce)))
		goto out;
	p.opslimit = pcp == NULL ? 0 : (uint32_t)ops;
	p.memlimit_kib = pcp == NULL ? 0 : (uint32_t)mem;
	if ((b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX)) == NULL ||
	    keystore_encode_det(b, d, pcp, strlen(pc), &p, salt,
	    nonce) != 0 || coffer_buf_len(b) != fl ||
	    sodium_memcmp(coffer_buf_data(b), file, fl) != 0)
		goto out;
	if (coffer_keystore_parse(&e, file, fl, pcp, strlen(pc)) != 0 ||
	    !device_equal(d, e))
		goto out;
	bad = 0;
out:
	coffer_device_free(&d);
	coffer_device_free(&e);
	coffer_buf_free(&b);
	free(file);
	free(pc);
	return bad;
}

static int
check_vector(const struct vec *v)
{
	const char *fmt = vec_get(v, "format");

	return fmt != NULL && strcmp(fmt, "keystore") == 0 ?
	    check_keystore(v) : 1;
}

/* Writer state: the file, and whether every vector meant what it says. */
struct wr {
	FILE	*f;
	int	 failed;
};

/* Write the device fields of the device det_device(${seed}) would make
 * with versions ${sv} and ${av}, and return it. */
static struct coffer_device *
w_device(struct wr *w, const char *format, uint8_t seed, uint32_t sv,
    uint32_t av)
{
	struct coffer_device *d = NULL;
	uint8_t id[COFFER_DEVICE_ID_BYTES], s[32], x[32];

	fill(id, sizeof(id), seed);
	fill(s, sizeof(s), (uint8_t)(seed + 1));
	fill(x, sizeof(x), (uint8_t)(seed + 2));
	if (device_import(&d, id, s, sv, x, av) != 0)
		abort();
	vec_w_word(w->f, "format", format);
	vec_w_hex(w->f, "device_id", id, sizeof(id));
	vec_w_u64(w->f, "sign_version", sv);
	vec_w_hex(w->f, "sign_seed", s, sizeof(s));
	vec_w_u64(w->f, "agree_version", av);
	vec_w_hex(w->f, "agree_secret", x, sizeof(x));
	return d;
}

/* The parser must give ${expect} on ${file} with ${pc}. */
static void
w_check(struct wr *w, const char *name, const char *pc, const uint8_t *file,
    size_t len, int expect)
{
	struct coffer_device *e = NULL;
	int r = coffer_keystore_parse(&e, file, len,
	    pc[0] ? (const uint8_t *)pc : NULL, strlen(pc));

	if (r != expect) {
		fprintf(stderr, "keystore vector %s: got %d, meant %d\n", name,
		    r, expect);
		w->failed = 1;
	}
	coffer_device_free(&e);
}

/* A bad keystore vector. */
static void
w_bad(struct wr *w, const char *name, const char *pc, const uint8_t *file,
    size_t len, int expect)
{
	w_check(w, name, pc, file, len, expect);
	vec_w_begin(w->f, name);
	vec_w_word(w->f, "format", "keystore");
	vec_w_str(w->f, "passcode", pc);
	vec_w_hex(w->f, "file", file, len);
	vec_w_word(w->f, "expect", vec_errword(expect));
	vec_w_end(w->f);
}

static void
w_good(struct wr *w, const char *name, uint8_t seed, uint32_t sv,
    uint32_t av, const char *pc, const struct coffer_keystore_params *p,
    struct coffer_buf *out)
{
	struct coffer_device *d;
	uint8_t salt[16], nonce[24];

	fill(salt, sizeof(salt), (uint8_t)(seed + 3));
	fill(nonce, sizeof(nonce), (uint8_t)(seed + 4));
	vec_w_begin(w->f, name);
	d = w_device(w, "keystore", seed, sv, av);
	vec_w_str(w->f, "passcode", pc);
	coffer_buf_reset(out);
	if (keystore_encode_det(out, d, pc[0] ? (const uint8_t *)pc :
	    NULL, strlen(pc), p, salt, nonce) != 0)
		abort();
	if (pc[0] != '\0') {
		vec_w_u64(w->f, "opslimit", p->opslimit);
		vec_w_u64(w->f, "memlimit_kib", p->memlimit_kib);
		vec_w_hex(w->f, "salt", salt, sizeof(salt));
		vec_w_hex(w->f, "nonce", nonce, sizeof(nonce));
	}
	vec_w_hex(w->f, "file", coffer_buf_data(out), coffer_buf_len(out));
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
	coffer_device_free(&d);
}

/* A sealed keystore built by hand: header, then an envelope of ${pl}
 * under Argon2id(${pc}) with key id ${kid} and ${kver}, for ${ctx},
 * secret or (${pub}) public. */
static size_t
w_sealed(uint8_t *out, const char *pc, uint32_t ops, uint32_t mem,
    const uint8_t *salt, const uint8_t *kid, uint32_t kver, const char *ctx,
    int pub, const uint8_t *pl, size_t pllen)
{
	struct coffer_buf *b = coffer_buf_new(1024);
	struct coffer_key *k = NULL;
	uint8_t dk[32], nonce[24], eph[32], pk[32];
	size_t n;

	fill(nonce, sizeof(nonce), 0x55);
	fill(eph, sizeof(eph), 0x56);
	memcpy(out, "CFKS\x01\x01", 6);
	put32(out + 6, ops);
	put32(out + 10, mem);
	memcpy(out + 14, salt, 16);
	if (crypto_pwhash(dk, 32, pc, strlen(pc), salt, ops,
	    (size_t)mem * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0 ||
	    coffer_key_import(&k, COFFER_KEY_SYMMETRIC, dk, kid, kver) != 0)
		abort();
	crypto_scalarmult_base(pk, dk);
	if (envelope_seal_det(b, pub ? COFFER_ENVELOPE_PUBLIC :
	    COFFER_ENVELOPE_SECRET, k, pk, kver, ctx, pl, pllen, nonce,
	    eph) != 0)
		abort();
	n = coffer_buf_len(b);
	memcpy(out + 30, coffer_buf_data(b), n);
	coffer_buf_free(&b);
	coffer_key_free(&k);
	return 30 + n;
}

/* The payload of det_device(seed) with the versions given. */
static void
w_payload(uint8_t out[88], uint8_t seed, uint32_t sv, uint32_t av)
{
	fill(out, 16, seed);
	put32(out + 16, sv);
	fill(out + 20, 32, (uint8_t)(seed + 1));
	put32(out + 52, av);
	fill(out + 56, 32, (uint8_t)(seed + 2));
}

/* Bad keystores made by editing a good one: the clear "clear" or the
 * sealed "sealed" (passcode "correct horse", opslimit 1, 8192 KiB). len: the new length (0 unchanged, CUT_ALL for none); then one
 * edit at off. */
#define CUT_ALL	0xffff
enum edit_op { E_NONE, E_XOR, E_SET8, E_SET32, E_SET32_SUM };

static const struct {
	const char	*name, *pc;
	int		 sealed;
	size_t		 len, off;
	enum edit_op	 op;
	uint32_t	 v;
	int		 expect;
} edits[] = {
	{ "clear-empty", "", 0, CUT_ALL, 0, E_NONE, 0, COFFER_ERR_TRUNCATED },
	{ "clear-magic-only", "", 0, 4, 0, E_NONE, 0, COFFER_ERR_TRUNCATED },
	{ "clear-truncated", "", 0, 125, 0, E_NONE, 0, COFFER_ERR_TRUNCATED },
	{ "clear-trailing", "", 0, 127, 126, E_SET8, 0, COFFER_ERR_TRAILING },
	{ "clear-bad-magic", "", 0, 0, 0, E_SET8, 'X', COFFER_ERR_FORMAT },
	{ "clear-future-version", "", 0, 0, 4, E_SET8, 2, COFFER_ERR_VERSION },
	{ "clear-bad-protection", "", 0, 0, 5, E_SET8, 2, COFFER_ERR_FORMAT },
	{ "clear-seed-altered", "", 0, 0, 30, E_XOR, 1, COFFER_ERR_FORMAT },
	{ "clear-checksum-altered", "", 0, 0, 125, E_XOR, 1, COFFER_ERR_FORMAT },
	{ "clear-given-passcode", "hunter2", 0, 0, 0, E_NONE, 0,
	    COFFER_ERR_PASSCODE },
	{ "clear-sign-version-0", "", 0, 0, 22, E_SET32_SUM, 0,
	    COFFER_ERR_FORMAT },
	{ "clear-agree-version-0", "", 0, 0, 58, E_SET32_SUM, 0,
	    COFFER_ERR_FORMAT },
	{ "sealed-wrong-passcode", "correct horsf", 1, 0, 0, E_NONE, 0,
	    COFFER_ERR_PASSCODE },
	{ "sealed-no-passcode", "", 1, 0, 0, E_NONE, 0, COFFER_ERR_PASSCODE },
	{ "sealed-header-only", "correct horse", 1, 30, 0, E_NONE, 0,
	    COFFER_ERR_TRUNCATED },
	{ "sealed-truncated", "correct horse", 1, 207, 0, E_NONE, 0,
	    COFFER_ERR_TRUNCATED },
	{ "sealed-trailing", "correct horse", 1, 209, 208, E_SET8, 0,
	    COFFER_ERR_TRAILING },
	{ "sealed-opslimit-0", "correct horse", 1, 0, 6, E_SET32, 0,
	    COFFER_ERR_FORMAT },
	{ "sealed-opslimit-17", "correct horse", 1, 0, 6, E_SET32, 17,
	    COFFER_ERR_FORMAT },
	{ "sealed-opslimit-other", "correct horse", 1, 0, 6, E_SET32, 2,
	    COFFER_ERR_PASSCODE },
	{ "sealed-memlimit-low", "correct horse", 1, 0, 10, E_SET32, 8191,
	    COFFER_ERR_FORMAT },
	{ "sealed-memlimit-high", "correct horse", 1, 0, 10, E_SET32, 4194305,
	    COFFER_ERR_FORMAT },
	{ "sealed-memlimit-max", "correct horse", 1, 0, 10, E_SET32,
	    0xffffffff, COFFER_ERR_FORMAT },
	{ "sealed-salt-altered", "correct horse", 1, 0, 14, E_XOR, 1,
	    COFFER_ERR_KEY },
	{ "sealed-envelope-version", "correct horse", 1, 0, 34, E_SET8, 2,
	    COFFER_ERR_VERSION },
	{ "sealed-ciphertext-altered", "correct horse", 1, 0, 150, E_XOR, 1,
	    COFFER_ERR_PASSCODE },
	{ "sealed-tag-altered", "correct horse", 1, 0, 207, E_XOR, 1,
	    COFFER_ERR_PASSCODE },
};

/* Bad keystores sealed by hand (passcode "pw", opslimit 1, 8 MiB): each
 * differs in one thing from what coffer_keystore_encode makes. The first
 * is right, and opens. */
static const struct {
	const char	*name, *ctx;
	uint32_t	 kver, sv, av;
	int		 pub;
	size_t		 pllen;
	int		 expect;
} sealed[] = {
	{ "sealed-hand-made", ks_ctx, 1, 1, 1, 0, 88, 0 },
	{ "sealed-other-context", "coffer/keystore/v2", 1, 1, 1, 0, 88,
	    COFFER_ERR_CONTEXT },
	{ "sealed-key-version-2", ks_ctx, 2, 1, 1, 0, 88, COFFER_ERR_KEY },
	{ "sealed-public-envelope", ks_ctx, 1, 1, 1, 1, 88, COFFER_ERR_FORMAT },
	{ "sealed-short-payload", ks_ctx, 1, 1, 1, 0, 87, COFFER_ERR_FORMAT },
	{ "sealed-long-payload", ks_ctx, 1, 1, 1, 0, 89, COFFER_ERR_FORMAT },
	{ "sealed-sign-version-0", ks_ctx, 1, 0, 1, 0, 88, COFFER_ERR_FORMAT },
	{ "sealed-agree-version-0", ks_ctx, 1, 1, 0, 0, 88, COFFER_ERR_FORMAT },
};

static void
write_keystores(struct wr *w)
{
	static const struct coffer_keystore_params p1 = { 1, 8192 };
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX);
	uint8_t clear[126], seal[208], f[512], salt[16], pl[89];
	size_t i, n;

	w_good(w, "clear", 0x10, 1, 1, "", NULL, b);
	memcpy(clear, coffer_buf_data(b), sizeof(clear));
	w_good(w, "clear-versions", 0x20, 3, 0x01020304, "", NULL, b);
	w_good(w, "sealed", 0x40, 2, 9, "correct horse", &p1, b);
	memcpy(seal, coffer_buf_data(b), sizeof(seal));
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		n = edits[i].sealed ? sizeof(seal) : sizeof(clear);
		memset(f, 0, sizeof(f));
		memcpy(f, edits[i].sealed ? seal : clear, n);
		if (edits[i].len == CUT_ALL)
			n = 0;
		else if (edits[i].len != 0)
			n = edits[i].len;
		if (edits[i].op == E_XOR)
			f[edits[i].off] ^= (uint8_t)edits[i].v;
		else if (edits[i].op == E_SET8)
			f[edits[i].off] = (uint8_t)edits[i].v;
		else if (edits[i].op != E_NONE)
			put32(f + edits[i].off, edits[i].v);
		if (edits[i].op == E_SET32_SUM)
			crypto_generichash(f + 94, 32, f, 94, NULL, 0);
		w_bad(w, edits[i].name, edits[i].pc, f, n, edits[i].expect);
	}
	fill(salt, sizeof(salt), 0x60);
	for (i = 0; i < sizeof(sealed) / sizeof(sealed[0]); i++) {
		memset(pl, 0, sizeof(pl));
		w_payload(pl, 0x61, sealed[i].sv, sealed[i].av);
		n = w_sealed(f, "pw", 1, 8192, salt, salt, sealed[i].kver,
		    sealed[i].ctx, sealed[i].pub, pl, sealed[i].pllen);
		if (sealed[i].expect != 0)
			w_bad(w, sealed[i].name, "pw", f, n, sealed[i].expect);
		else
			w_check(w, sealed[i].name, "pw", f, n, 0);
	}
	coffer_buf_free(&b);
}

static int
write_vectors(const char *dir)
{
	struct wr w = { NULL, 0 };
	char path[4096];

	snprintf(path, sizeof(path), "%s/keystore.txt", dir);
	if ((w.f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(w.f, "# Keystore files (docs/PROTOCOL-keys.md, \"Keystore\"):"
	    " device fields,\n# passcode (\"\" for none), Argon2id cost, salt"
	    " and nonce -> file (expect = OK);\n# or a file and a passcode ->"
	    " the error.\n");
	write_keystores(&w);
	if (fclose(w.f) != 0)
		return -1;
	return w.failed ? -1 : 0;
}

/* --- Unit tests ---------------------------------------------------------- */

static const struct coffer_keystore_params fast = { 1, 8192 };

/* A device whose keys are fixed by ${seed}. */
static struct coffer_device *
det_device(uint8_t seed, uint32_t sv, uint32_t av)
{
	struct coffer_device *d = NULL;
	uint8_t id[COFFER_DEVICE_ID_BYTES], s[32], x[32];

	fill(id, sizeof(id), seed);
	fill(s, sizeof(s), (uint8_t)(seed + 1));
	fill(x, sizeof(x), (uint8_t)(seed + 2));
	assert_int_equal(device_import(&d, id, s, sv, x, av), 0);
	return d;
}

static void
test_roundtrip(void **state)
{
	static const struct {
		const char *passcode;
		size_t pclen;
		uint32_t ops, mem;
		size_t len;
	} cases[] = {
		{ NULL, 0, 0, 0, 126 },
		{ "1234", 4, 1, 8192, 208 },
		{ "correct horse battery staple", 28, 2, 9000, 208 },
		{ "\xff\x00\x01", 3, 1, 8192, 208 },
	};
	struct coffer_device *d = NULL, *e = NULL;
	struct coffer_keystore_params p;
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX);
	const uint8_t *pc;
	size_t i, n;

	(void)state;
	assert_int_equal(coffer_device_generate(&d), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pc = (const uint8_t *)cases[i].passcode;
		n = cases[i].pclen;
		p.opslimit = cases[i].ops;
		p.memlimit_kib = cases[i].mem;
		coffer_buf_reset(b);
		assert_int_equal(coffer_keystore_encode(b, d, pc, n, &p), 0);
		assert_int_equal(coffer_buf_len(b), cases[i].len);
		assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b),
		    coffer_buf_len(b), pc, n), 0);
		assert_true(device_equal(d, e));
		coffer_device_free(&e);
		if (pc == NULL)
			continue;
		/* A prefix, a longer one, none. */
		assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b),
		    coffer_buf_len(b), pc, n - 1), COFFER_ERR_PASSCODE);
		assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b),
		    coffer_buf_len(b), (const uint8_t *)"12345", 5),
		    COFFER_ERR_PASSCODE);
		assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b),
		    coffer_buf_len(b), NULL, 0), COFFER_ERR_PASSCODE);
		assert_null(e);
	}
	/* Two encodings of one device differ (salt, nonce); both open. */
	coffer_buf_reset(b);
	assert_int_equal(coffer_keystore_encode(b, d, (const uint8_t *)"x", 1,
	    &fast), 0);
	assert_int_equal(coffer_keystore_encode(b, d, (const uint8_t *)"x", 1,
	    &fast), 0);
	assert_memory_not_equal(coffer_buf_data(b), coffer_buf_data(b) + 208,
	    208);
	assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b) + 208,
	    208, (const uint8_t *)"x", 1), 0);
	coffer_device_free(&e);
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

static void
test_arguments(void **state)
{
	static const struct {
		uint32_t ops, mem;
		int err;
	} params[] = {
		{ 1, 8192, 0 }, { 16, 8192, 0 },
		{ 0, 8192, COFFER_ERR_INVALID }, { 17, 8192, COFFER_ERR_INVALID },
		{ 1, 8191, COFFER_ERR_INVALID }, { 1, 0, COFFER_ERR_INVALID },
		{ 1, 4194305, COFFER_ERR_INVALID },
		{ 1, UINT32_MAX, COFFER_ERR_INVALID },
		{ UINT32_MAX, 8192, COFFER_ERR_INVALID },
	};
	struct coffer_keystore_params p = coffer_keystore_params_default();
	struct coffer_device *d = NULL, *e = NULL;
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX);
	uint8_t big[COFFER_KEYSTORE_PASSCODE_MAX + 1];
	size_t i;

	(void)state;
	/* The default is the one the spec measured. */
	assert_int_equal(p.opslimit, 5);
	assert_int_equal(p.memlimit_kib, 262144);
	assert_int_equal(coffer_device_generate(&d), 0);
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		p.opslimit = params[i].ops;
		p.memlimit_kib = params[i].mem;
		coffer_buf_reset(b);
		assert_int_equal(coffer_keystore_encode(b, d,
		    (const uint8_t *)"pc", 2, &p), params[i].err);
		if (params[i].err != 0)
			assert_int_equal(coffer_buf_len(b), 0);
	}
	memset(big, 'a', sizeof(big));
	coffer_buf_reset(b);
	assert_int_equal(coffer_keystore_encode(b, d, big, 0, &fast),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keystore_encode(b, d, NULL, 1, &fast),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keystore_encode(b, d, big, sizeof(big), &fast),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_keystore_encode(b, NULL, NULL, 0, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_buf_len(b), 0);
	assert_int_equal(coffer_keystore_encode(b, d, big, sizeof(big) - 1,
	    &fast), 0);
	assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b),
	    coffer_buf_len(b), big, 0), COFFER_ERR_INVALID);
	assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b),
	    coffer_buf_len(b), big, sizeof(big)), COFFER_ERR_INVALID);
	assert_int_equal(coffer_keystore_parse(&e, coffer_buf_data(b),
	    coffer_buf_len(b), big, sizeof(big) - 1), 0);
	coffer_device_free(&e);
	/* A cap too small for the keystore: TOOBIG, nothing left behind. */
	coffer_buf_free(&b);
	b = coffer_buf_new_secret(100);
	assert_int_equal(coffer_keystore_encode(b, d, NULL, 0, NULL),
	    COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(b), 0);
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

/* Header edits on a sealed keystore: a cost out of range is FORMAT before
 * any Argon2 work; a salt that is not the envelope's key id is KEY; a cost
 * in range but not the one used is a wrong key, so PASSCODE. */
static void
test_sealed_header(void **state)
{
	static const struct {
		size_t off;
		uint32_t v;
		int err;
	} cases[] = {
		{ 6, 0, COFFER_ERR_FORMAT }, { 6, 17, COFFER_ERR_FORMAT },
		{ 6, 0xffffffff, COFFER_ERR_FORMAT },
		{ 10, 8191, COFFER_ERR_FORMAT }, { 10, 4194305, COFFER_ERR_FORMAT },
		{ 10, 0xffffffff, COFFER_ERR_FORMAT },
		{ 6, 2, COFFER_ERR_PASSCODE }, { 10, 8193, COFFER_ERR_PASSCODE },
		{ 14, 0x01020304, COFFER_ERR_KEY },
	};
	struct coffer_device *d = det_device(1, 1, 1), *e = NULL;
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX);
	uint8_t f[208];
	size_t i;

	(void)state;
	assert_int_equal(coffer_keystore_encode(b, d, (const uint8_t *)"pc", 2,
	    &fast), 0);
	assert_int_equal(coffer_buf_len(b), sizeof(f));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(f, coffer_buf_data(b), sizeof(f));
		put32(f + cases[i].off, cases[i].v);
		assert_int_equal(coffer_keystore_parse(&e, f, sizeof(f),
		    (const uint8_t *)"pc", 2), cases[i].err);
		assert_null(e);
	}
	coffer_buf_free(&b);
	coffer_device_free(&d);
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("keystore.txt", check_vector, 35);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_sealed_header),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("keystore", tests, NULL, NULL);
}
