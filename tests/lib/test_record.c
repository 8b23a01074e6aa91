/* The sealed record format (docs/PROTOCOL-client.md, "Sealed records"),
 * pure: live records and tombstones sealed and opened under a zone key,
 * every way a record can fail to open, and tests/vectors/record.txt. What
 * the client has seen (replays, forks) is tested against the real server
 * in tests/integration/test_client_records.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/client.h>
#include <coffer/envelope.h>
#include <coffer/err.h>

#include "client/client_internal.h"
#include "core/secret.h"
#include "crypto/envelope_det.h"
#include "vecfile.h"

/* Deterministic bytes for the vectors: BLAKE2b of a label. */
static void
det_bytes(uint8_t *p, size_t n, const char *label)
{
	if (crypto_generichash(p, n, (const uint8_t *)label, strlen(label),
	    NULL, 0) != 0)
		abort();
}

static struct coffer_key *
det_key(const char *label, uint32_t version)
{
	struct coffer_key *k = NULL;
	uint8_t s[32], id[16];
	char l[64];

	det_bytes(s, sizeof(s), label);
	(void)snprintf(l, sizeof(l), "%s id", label);
	det_bytes(id, sizeof(id), l);
	if (coffer_key_import(&k, COFFER_KEY_SYMMETRIC, s, id, version) != 0)
		abort();
	return k;
}

/* A word field: 1 if it is ${one}, 0 if ${zero}, else -1. */
static int
vec_which(const struct vec *v, const char *field, const char *zero,
    const char *one)
{
	const char *s = vec_get(v, field);

	if (s == NULL)
		return -1;
	return strcmp(s, one) == 0 ? 1 : strcmp(s, zero) == 0 ? 0 : -1;
}

/* The vector's zone key. */
static int
vec_key(const struct vec *v, struct coffer_key **k)
{
	uint8_t s[32], id[16];
	uint64_t ver;

	return vec_hexn(v, "key_secret", s, 32) || vec_hexn(v, "key_id", id,
	    16) || vec_u64(v, "key_version", &ver) || ver > UINT32_MAX ||
	    coffer_key_import(k, COFFER_KEY_SYMMETRIC, s, id,
	    (uint32_t)ver) != 0;
}

/* A record of version 1 (no length, no padding) as the library wrote it
 * before version 2, sealed by hand: still opened, never written. */
static int
seal_v1(struct coffer_buf *b, const struct coffer_key *k,
    const uint8_t zone[16], const uint8_t id[16], uint64_t counter, int tomb,
    const uint8_t *payload, size_t pl, const uint8_t nonce[24])
{
	uint8_t p[RF_HEAD + 64];
	size_t i;

	if (pl > 64)
		return COFFER_ERR_INVALID;
	memcpy(p, tomb ? "CFRT" : "CFRC", 4);
	p[4] = 1;
	memcpy(p + 5, zone, 16);
	memcpy(p + 21, id, 16);
	for (i = 0; i < 8; i++)
		p[37 + i] = (uint8_t)(counter >> (56 - 8 * i));
	if (pl > 0)
		memcpy(p + RF_HEAD, payload, pl);
	return envelope_seal_det(b, COFFER_ENVELOPE_SECRET, k, NULL, 0,
	    RF_CONTEXT, p, RF_HEAD + pl, nonce, NULL);
}

static int
check_vector(const struct vec *v)
{
	static const uint8_t sentinel[3] = { 's', 'e', 'n' };
	struct coffer_key *k = NULL;
	struct coffer_buf *pt = NULL, *b = NULL;
	struct rf_head h;
	uint8_t zone[16], id[16], nonce[24], *sealed = NULL, *payload = NULL;
	uint64_t counter;
	size_t sl, pl;
	int tomb, v1, opened, err, r, bad = 1;

	if (vec_key(v, &k) || vec_hexn(v, "zone", zone, 16) ||
	    vec_hexn(v, "record", id, 16) || vec_hex(v, "sealed", &sealed,
	    &sl) || vec_err(v, "expect", &err) ||
	    (pt = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX)) == NULL ||
	    coffer_buf_append(pt, sentinel, sizeof(sentinel)) != 0)
		goto out;
	r = rf_open(pt, k, zone, id, sealed, sl, &h);
	if (r != err)
		goto out;
	if (err != 0) {
		/* Refused, at the stage the vector names, with the output as
		 * it was. */
		opened = vec_which(v, "stage", "envelope", "record");
		if (opened < 0 || h.opened != opened || h.counter != 0 ||
		    h.tomb != 0 || h.version != 0 ||
		    coffer_buf_len(pt) != sizeof(sentinel) ||
		    memcmp(coffer_buf_data(pt), sentinel, sizeof(sentinel)) != 0)
			goto out;
		bad = 0;
		goto out;
	}
	/* Good: the inputs seal to the bytes, which open to the inputs (a
	 * record of version 1 sealed by the test's own sealer: the library
	 * no longer writes it). */
	tomb = vec_which(v, "kind", "live", "tombstone");
	v1 = vec_which(v, "version", "2", "1");
	if (tomb < 0 || v1 < 0 || vec_u64(v, "counter", &counter) ||
	    vec_hex(v, "payload", &payload, &pl) ||
	    vec_hexn(v, "nonce", nonce, 24) || !h.opened ||
	    h.tomb != tomb || h.counter != counter ||
	    h.version != (v1 ? 1 : 2) ||
	    coffer_buf_len(pt) != sizeof(sentinel) + pl ||
	    (pl > 0 && memcmp(coffer_buf_data(pt) + sizeof(sentinel), payload,
	    pl) != 0) ||
	    (b = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL ||
	    (v1 ? seal_v1(b, k, zone, id, counter, tomb, payload, pl, nonce) :
	    rf_seal(b, k, zone, id, counter, tomb, payload, pl, nonce)) != 0 ||
	    coffer_buf_len(b) != sl ||
	    memcmp(coffer_buf_data(b), sealed, sl) != 0)
		goto out;
	bad = 0;
out:
	coffer_key_free(&k);
	coffer_buf_free(&pt);
	coffer_buf_free(&b);
	free(sealed);
	free(payload);
	return bad;
}

/* Writer state: the file, the zone key, the place, whether every vector
 * held. */
struct wr {
	FILE			*f;
	struct coffer_key	*key;
	uint8_t			 zone[16], id[16];
	int			 failed;
};

static void
w_key(struct wr *w, const struct coffer_key *k)
{
	vec_w_hex(w->f, "key_secret", key_secret(k), 32);
	vec_w_hex(w->f, "key_id", coffer_key_id(k), 16);
	vec_w_u64(w->f, "key_version", coffer_key_version(k));
}

/* A good vector (of version 1 if ${v1}); the sealed bytes are left in
 * ${b}. */
static void
w_good(struct wr *w, const char *name, int v1, int tomb, uint64_t counter,
    const char *payload, struct coffer_buf *b)
{
	uint8_t nonce[24];
	size_t pl = strlen(payload);

	det_bytes(nonce, sizeof(nonce), name);
	coffer_buf_reset(b);
	if ((v1 ? seal_v1(b, w->key, w->zone, w->id, counter, tomb,
	    (const uint8_t *)payload, pl, nonce) : rf_seal(b, w->key, w->zone,
	    w->id, counter, tomb, (const uint8_t *)payload, pl, nonce)) != 0)
		abort();
	vec_w_begin(w->f, name);
	w_key(w, w->key);
	vec_w_hex(w->f, "zone", w->zone, 16);
	vec_w_hex(w->f, "record", w->id, 16);
	vec_w_u64(w->f, "counter", counter);
	vec_w_word(w->f, "kind", tomb ? "tombstone" : "live");
	vec_w_word(w->f, "version", v1 ? "1" : "2");
	vec_w_hex(w->f, "payload", (const uint8_t *)payload, pl);
	vec_w_hex(w->f, "nonce", nonce, 24);
	vec_w_hex(w->f, "sealed", coffer_buf_data(b), coffer_buf_len(b));
	vec_w_word(w->f, "expect", "OK");
	vec_w_end(w->f);
}

/* A bad vector: ${sealed} opened with ${k} (NULL: the writer's key) as
 * the writer's place must fail with ${expect}, once the envelope opened
 * if ${opened}. */
static void
w_bad(struct wr *w, const char *name, const struct coffer_key *k,
    const uint8_t *sealed, size_t len, int expect, int opened)
{
	struct coffer_buf *pt = coffer_buf_new(16);
	struct rf_head h;

	if (k == NULL)
		k = w->key;
	if (pt == NULL || rf_open(pt, k, w->zone, w->id, sealed, len,
	    &h) != expect || h.opened != opened)
		w->failed = 1;
	coffer_buf_free(&pt);
	vec_w_begin(w->f, name);
	w_key(w, k);
	vec_w_hex(w->f, "zone", w->zone, 16);
	vec_w_hex(w->f, "record", w->id, 16);
	vec_w_hex(w->f, "sealed", sealed, len);
	vec_w_word(w->f, "expect", vec_errword(expect));
	vec_w_word(w->f, "stage", opened ? "record" : "envelope");
	vec_w_end(w->f);
}

/* Plaintexts made by hand, sealed in a right envelope: the good head of a
 * live record (counter 5, payload "pay") or a tombstone (a name with
 * "tomb"), of version 1 or 2 (then padded to ${n} bytes), with one thing
 * changed. */
static const struct {
	const char	*name;
	int		 version;
	size_t		 off;		/* byte to set, or SIZE_MAX */
	uint8_t		 v;
	size_t		 n;		/* plaintext length */
	int		 expect;
} plains[] = {
	{ "plain-empty", 1, SIZE_MAX, 0, 0, COFFER_ERR_TRUNCATED },
	{ "plain-magic-cut", 1, SIZE_MAX, 0, 3, COFFER_ERR_TRUNCATED },
	{ "plain-magic-other", 1, 3, 'X', 48, COFFER_ERR_FORMAT },
	{ "plain-magic-lower", 1, 0, 'c', 48, COFFER_ERR_FORMAT },
	{ "plain-no-version", 1, SIZE_MAX, 0, 4, COFFER_ERR_TRUNCATED },
	{ "plain-version-0", 1, 4, 0, 48, COFFER_ERR_VERSION },
	{ "plain-version-3", 1, 4, 3, 48, COFFER_ERR_VERSION },
	{ "plain-head-cut", 1, SIZE_MAX, 0, 44, COFFER_ERR_TRUNCATED },
	{ "plain-other-zone", 1, 5, 0xee, 48, COFFER_ERR_AUTH },
	{ "plain-other-record", 1, 36, 0xee, 48, COFFER_ERR_AUTH },
	{ "plain-counter-2^63", 1, 37, 0x80, 48, COFFER_ERR_FORMAT },
	{ "tomb-head-cut", 1, SIZE_MAX, 0, 44, COFFER_ERR_TRUNCATED },
	{ "tomb-trailing-byte", 1, SIZE_MAX, 0, 46, COFFER_ERR_TRAILING },
	{ "tomb-other-record", 1, 21, 0x00, 45, COFFER_ERR_AUTH },
	{ "tomb-counter-0", 1, 44, 0x00, 45, COFFER_ERR_FORMAT },
	{ "v2-length-cut", 2, SIZE_MAX, 0, RF_HEAD + 2, COFFER_ERR_TRUNCATED },
	{ "v2-padding-cut", 2, SIZE_MAX, 0, RF_PAD_MIN - 1,
	    COFFER_ERR_TRUNCATED },
	{ "v2-padding-long", 2, SIZE_MAX, 0, RF_PAD_MIN + 1,
	    COFFER_ERR_TRAILING },
	{ "v2-padding-next-bucket", 2, SIZE_MAX, 0, 2 * RF_PAD_MIN,
	    COFFER_ERR_TRAILING },
	{ "v2-padding-nonzero", 2, RF_PAD_MIN - 1, 1, RF_PAD_MIN,
	    COFFER_ERR_FORMAT },
	{ "v2-padding-first-nonzero", 2, RF_HEAD_V2 + 3, 0x80, RF_PAD_MIN,
	    COFFER_ERR_FORMAT },
	{ "v2-length-past-end", 2, RF_HEAD + 2, 0x01, RF_PAD_MIN,
	    COFFER_ERR_TRUNCATED },
	{ "v2-length-over-max", 2, RF_HEAD, 0x7f, RF_PAD_MIN,
	    COFFER_ERR_TOOBIG },
	{ "v2-tomb-with-length", 2, SIZE_MAX, 0, RF_PAD_MIN,
	    COFFER_ERR_FORMAT },
	{ "v2-other-zone", 2, 5, 0xee, RF_PAD_MIN, COFFER_ERR_AUTH },
	{ "v2-counter-0", 2, 44, 0, RF_PAD_MIN, COFFER_ERR_FORMAT },
};

static void
w_plains(struct wr *w, struct coffer_buf *b)
{
	uint8_t p[2 * RF_PAD_MIN], nonce[24];
	size_t i, at;

	det_bytes(nonce, sizeof(nonce), "plains");
	for (i = 0; i < sizeof(plains) / sizeof(plains[0]); i++) {
		memset(p, 0, sizeof(p));
		memcpy(p, strstr(plains[i].name, "tomb") != NULL ? "CFRT" :
		    "CFRC", 4);
		p[4] = (uint8_t)plains[i].version;
		memcpy(p + 5, w->zone, 16);
		memcpy(p + 21, w->id, 16);
		p[44] = 5;
		at = RF_HEAD;
		if (plains[i].version == 2) {
			p[48] = 3;
			at = RF_HEAD_V2;
		}
		memcpy(p + at, "pay", 3);
		if (plains[i].off != SIZE_MAX)
			p[plains[i].off] = plains[i].v;
		coffer_buf_reset(b);
		if (envelope_seal_det(b, COFFER_ENVELOPE_SECRET, w->key, NULL,
		    0, RF_CONTEXT, p, plains[i].n, nonce, NULL) != 0)
			abort();
		w_bad(w, plains[i].name, NULL, coffer_buf_data(b),
		    coffer_buf_len(b), plains[i].expect, 1);
	}
}

static int
write_vectors(const char *dir)
{
	struct wr w;
	struct coffer_buf *b = coffer_buf_new(4096);
	struct coffer_key *other = det_key("another zone key", 1);
	struct coffer_key *twin = NULL;
	struct coffer_key *newer = NULL;
	uint8_t s[1024];
	char path[4096], filled[208], over[209];
	size_t n;

	memset(&w, 0, sizeof(w));
	w.key = det_key("zone key", 2);
	det_bytes(w.zone, 16, "zone id");
	det_bytes(w.id, 16, "record id");
	if (b == NULL ||
	    coffer_key_import(&twin, COFFER_KEY_SYMMETRIC, key_secret(other),
	    coffer_key_id(w.key), 2) != 0 ||
	    coffer_key_import(&newer, COFFER_KEY_SYMMETRIC,
	    key_secret(w.key), coffer_key_id(w.key), 3) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/record.txt", dir);
	if ((w.f = fopen(path, "w")) == NULL)
		return -1;
	memset(filled, 'n', 207);	/* RF_PAD_MIN - RF_HEAD_V2 */
	filled[207] = '\0';
	memcpy(over, filled, 207);
	memcpy(over + 207, "+", 2);
	fprintf(w.f, "# Sealed records (docs/PROTOCOL-client.md, \"Sealed "
	    "records\"): an envelope\n# under the zone key, context "
	    "coffer/record/v1, over magic CFRC (live) or\n# CFRT (tombstone), "
	    "version, zone id, record id, counter (u64), then\n# in version 2 "
	    "(written) the payload's length (u32), the payload and zeros\n# "
	    "up to max(256, Padme(49 + length)); in version 1 (read only) the "
	    "payload.\n# Good: "
	    "key, zone, record, counter, kind, version, payload, nonce -> "
	    "sealed.\n# "
	    "Bad: sealed, opened with the key as that zone and record -> the "
	    "error,\n# and the stage that refused it (envelope: the tag did "
	    "not hold; record:\n# it held, what it holds is refused).\n");
	w_good(&w, "tombstone", 1, 1, 2, "", b);
	w_good(&w, "tombstone-of-a-ref", 1, 1, 1, "", b);
	w_good(&w, "live-empty", 1, 0, 7, "", b);
	w_good(&w, "live-counter-max", 1, 0, RF_COUNTER_MAX, "!", b);
	w_good(&w, "live-note", 1, 0, 1, "buy milk", b);
	w_good(&w, "v2-tombstone", 0, 1, 2, "", b);
	w_good(&w, "v2-live-empty", 0, 0, 7, "", b);
	w_good(&w, "v2-live-counter-max", 0, 0, RF_COUNTER_MAX, "!", b);
	w_good(&w, "v2-live-bucket-full", 0, 0, 3, filled, b);
	w_good(&w, "v2-live-next-bucket", 0, 0, 4, over, b);
	w_good(&w, "v2-live-note", 0, 0, 1, "buy milk", b);
	n = coffer_buf_len(b);
	memcpy(s, coffer_buf_data(b), n);

	w_bad(&w, "sealed-empty", NULL, s, 0, COFFER_ERR_TRUNCATED, 0);
	w_bad(&w, "sealed-truncated", NULL, s, n - 1, COFFER_ERR_TRUNCATED, 0);
	s[n] = 0;
	w_bad(&w, "sealed-trailing", NULL, s, n + 1, COFFER_ERR_TRAILING, 0);
	w_bad(&w, "sealed-other-key", other, s, n, COFFER_ERR_KEY, 0);
	w_bad(&w, "sealed-other-key-version", newer, s, n, COFFER_ERR_KEY, 0);
	w_bad(&w, "sealed-key-same-id", twin, s, n, COFFER_ERR_AUTH, 0);
	s[4] = 2;
	w_bad(&w, "sealed-envelope-version", NULL, s, n, COFFER_ERR_VERSION,
	    0);
	s[4] = 1;
	s[10] ^= 1;
	w_bad(&w, "sealed-context-altered", NULL, s, n, COFFER_ERR_CONTEXT, 0);
	s[10] ^= 1;
	s[n - 20] ^= 1;
	w_bad(&w, "sealed-ciphertext-altered", NULL, s, n, COFFER_ERR_AUTH, 0);
	s[n - 20] ^= 1;
	s[n - 1] ^= 1;
	w_bad(&w, "sealed-tag-altered", NULL, s, n, COFFER_ERR_AUTH, 0);
	s[n - 1] ^= 1;
	coffer_buf_reset(b);
	if (envelope_seal_det(b, COFFER_ENVELOPE_SECRET, w.key, NULL, 0,
	    "coffer/wrap/v1", (const uint8_t *)"x", 1, s, NULL) != 0)
		abort();
	w_bad(&w, "sealed-other-context", NULL, coffer_buf_data(b),
	    coffer_buf_len(b), COFFER_ERR_CONTEXT, 0);
	w_plains(&w, b);
	/* The good note asked for as another record or in another zone:
	 * moved by the server. */
	w.id[0] ^= 1;
	w_bad(&w, "moved-to-other-record", NULL, s, n, COFFER_ERR_AUTH, 1);
	w.id[0] ^= 1;
	w.zone[15] ^= 1;
	w_bad(&w, "moved-to-other-zone", NULL, s, n, COFFER_ERR_AUTH, 1);
	w.zone[15] ^= 1;

	coffer_key_free(&w.key);
	coffer_key_free(&other);
	coffer_key_free(&twin);
	coffer_key_free(&newer);
	coffer_buf_free(&b);
	if (fclose(w.f) != 0)
		return -1;
	return w.failed ? -1 : 0;
}

static void
test_vectors(void **state)
{
	(void)state;
	vecfile_assert("record.txt", check_vector, 30);
}

_Static_assert(RF_PAD_MIN - RF_HEAD_V2 == 207, "the vectors fill the floor");

/* The sealed size says the bucket of a payload's length, not the length:
 * notes of 1 and 100 bytes seal to the same size; sizes only grow, by at
 * most the floor or 12 %, and the largest record still fits the cap. */
static void
test_padded_sizes(void **state)
{
	struct coffer_key *k = det_key("unit", 1);
	struct coffer_buf *b = coffer_buf_new(COFFER_WIRE_RECORD_MAX);
	uint8_t zone[16], id[16], *big;
	size_t i, one = 0, prev = 0, len, sz;
	static const size_t sizes[] = { 0, 1, 100, 207, 208, 1000, 4096,
	    65536, 100000, COFFER_RECORD_MAX - 1, COFFER_RECORD_MAX };

	(void)state;
	det_bytes(zone, 16, "unit zone");
	det_bytes(id, 16, "unit record");
	assert_non_null(big = calloc(1, COFFER_RECORD_MAX));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = sizes[i];
		coffer_buf_reset(b);
		assert_int_equal(rf_seal(b, k, zone, id, 1, 0, big, len, NULL),
		    0);
		sz = coffer_buf_len(b);
		if (len == 1)
			one = sz;
		if (len == 100)
			assert_int_equal(sz, one);
		assert_true(sz >= prev);
		prev = sz;
		assert_true(rf_padded(len) >= RF_HEAD_V2 + len);
		assert_true(rf_padded(len) <= RF_PAD_MIN ||
		    rf_padded(len) <= (RF_HEAD_V2 + len) * 113 / 100);
		assert_true(sz <= COFFER_WIRE_RECORD_MAX);
	}
	assert_int_equal(rf_padded(0), RF_PAD_MIN);
	assert_int_equal(rf_padded(207), RF_PAD_MIN);
	assert_int_equal(rf_padded(208), 272);
	free(big);
	coffer_buf_free(&b);
	coffer_key_free(&k);
}

/* Seal and open at the edges: empty and largest payloads, the counter's
 * ends; what seal refuses. */
static void
test_round_trip(void **state)
{
	static const uint64_t counters[] = { 1, 2, 1000, RF_COUNTER_MAX };
	struct coffer_key *k = det_key("unit", 1);
	struct coffer_buf *b = coffer_buf_new(COFFER_WIRE_RECORD_MAX);
	struct coffer_buf *pt = coffer_buf_new_secret(COFFER_WIRE_RECORD_MAX);
	uint8_t zone[16], id[16], *big;
	struct rf_head h;
	size_t i, sizes[] = { 0, 1, 4096, COFFER_RECORD_MAX };

	(void)state;
	det_bytes(zone, 16, "unit zone");
	det_bytes(id, 16, "unit record");
	assert_non_null(big = malloc(COFFER_RECORD_MAX + 1));
	randombytes_buf(big, COFFER_RECORD_MAX + 1);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		coffer_buf_reset(b);
		coffer_buf_reset(pt);
		assert_int_equal(rf_seal(b, k, zone, id, counters[i], 0, big,
		    sizes[i], NULL), 0);
		assert_true(coffer_buf_len(b) <= COFFER_WIRE_RECORD_MAX);
		assert_int_equal(rf_open(pt, k, zone, id, coffer_buf_data(b),
		    coffer_buf_len(b), &h), 0);
		assert_true(h.opened && !h.tomb && h.counter == counters[i]);
		assert_int_equal(coffer_buf_len(pt), sizes[i]);
		if (sizes[i] > 0)
			assert_memory_equal(coffer_buf_data(pt), big, sizes[i]);
	}
	/* A tombstone is as long as an empty live record, and opens with
	 * nothing to say but its counter. */
	coffer_buf_reset(b);
	assert_int_equal(rf_seal(b, k, zone, id, 9, 0, NULL, 0, NULL), 0);
	i = coffer_buf_len(b);
	coffer_buf_reset(b);
	coffer_buf_reset(pt);
	assert_int_equal(rf_seal(b, k, zone, id, 9, 1, NULL, 0, NULL), 0);
	assert_int_equal(coffer_buf_len(b), i);
	assert_int_equal(rf_open(pt, k, zone, id, coffer_buf_data(b),
	    coffer_buf_len(b), &h), 0);
	assert_true(h.opened && h.tomb && h.counter == 9);
	assert_int_equal(coffer_buf_len(pt), 0);
	/* NULL output: checked all the same. */
	assert_int_equal(rf_open(NULL, k, zone, id, coffer_buf_data(b),
	    coffer_buf_len(b), &h), 0);

	coffer_buf_reset(b);
	assert_int_equal(rf_seal(b, k, zone, id, 1, 0, big,
	    COFFER_RECORD_MAX + 1, NULL), COFFER_ERR_TOOBIG);
	assert_int_equal(rf_seal(b, k, zone, id, 0, 0, big, 1, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(rf_seal(b, k, zone, id, RF_COUNTER_MAX + 1, 0, big, 1,
	    NULL), COFFER_ERR_INVALID);
	assert_int_equal(rf_seal(b, k, zone, id, 1, 1, big, 1, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(rf_seal(b, NULL, zone, id, 1, 0, big, 1, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_buf_len(b), 0);
	free(big);
	coffer_buf_free(&b);
	coffer_buf_free(&pt);
	coffer_key_free(&k);
}

/* What the seal refuses, the opener refuses too: a payload one byte over,
 * made by hand; and input over the server's cap is not read at all. */
static void
test_too_big(void **state)
{
	struct coffer_key *k = det_key("unit", 1);
	struct coffer_buf *b = coffer_buf_new(COFFER_WIRE_RECORD_MAX + 64);
	struct coffer_buf *pt = coffer_buf_new_secret(16);
	uint8_t zone[16], id[16], nonce[24] = { 0 }, *p;
	size_t n = RF_HEAD + COFFER_RECORD_MAX + 1;
	struct rf_head h;

	(void)state;
	det_bytes(zone, 16, "unit zone");
	det_bytes(id, 16, "unit record");
	assert_non_null(p = calloc(1, n));
	memcpy(p, "CFRC\001", 5);
	memcpy(p + 5, zone, 16);
	memcpy(p + 21, id, 16);
	p[44] = 1;
	assert_int_equal(envelope_seal_det(b, COFFER_ENVELOPE_SECRET, k, NULL,
	    0, RF_CONTEXT, p, n, nonce, NULL), 0);
	assert_int_equal(rf_open(pt, k, zone, id, coffer_buf_data(b),
	    coffer_buf_len(b), &h), COFFER_ERR_TOOBIG);
	assert_true(h.opened);
	/* Small enough to open, too big for the caller's buffer. */
	coffer_buf_reset(b);
	assert_int_equal(rf_seal(b, k, zone, id, 1, 0, p, 17, NULL), 0);
	assert_int_equal(rf_open(pt, k, zone, id, coffer_buf_data(b),
	    coffer_buf_len(b), &h), COFFER_ERR_TOOBIG);
	assert_int_equal(coffer_buf_len(pt), 0);
	free(p);
	assert_non_null(p = calloc(1, COFFER_WIRE_RECORD_MAX + 1));
	assert_int_equal(rf_open(pt, k, zone, id, p,
	    COFFER_WIRE_RECORD_MAX + 1, &h), COFFER_ERR_TOOBIG);
	assert_false(h.opened);
	free(p);
	coffer_buf_free(&b);
	coffer_buf_free(&pt);
	coffer_key_free(&k);
}

/* Every bit of a sealed tombstone and of a live record matters. */
static void
test_every_bit(void **state)
{
	struct coffer_key *k = det_key("unit", 1);
	struct coffer_buf *b = coffer_buf_new(4096);
	struct coffer_buf *pt = coffer_buf_new_secret(64);
	uint8_t zone[16], id[16], s[512];
	struct rf_head h;
	size_t n, i;
	int tomb;

	(void)state;
	det_bytes(zone, 16, "unit zone");
	det_bytes(id, 16, "unit record");
	for (tomb = 0; tomb < 2; tomb++) {
		coffer_buf_reset(b);
		assert_int_equal(rf_seal(b, k, zone, id, 3, tomb,
		    tomb ? NULL : (const uint8_t *)"note", tomb ? 0 : 4,
		    NULL), 0);
		n = coffer_buf_len(b);
		assert_true(n <= sizeof(s));
		memcpy(s, coffer_buf_data(b), n);
		for (i = 0; i < n * 8; i++) {
			s[i / 8] ^= (uint8_t)(1u << (i % 8));
			assert_int_not_equal(rf_open(pt, k, zone, id, s, n,
			    &h), 0);
			assert_int_equal(coffer_buf_len(pt), 0);
			s[i / 8] ^= (uint8_t)(1u << (i % 8));
		}
		assert_int_equal(rf_open(pt, k, zone, id, s, n, &h), 0);
		coffer_buf_reset(pt);
	}
	coffer_buf_free(&b);
	coffer_buf_free(&pt);
	coffer_key_free(&k);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_padded_sizes),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_every_bit),
		cmocka_unit_test(test_vectors),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
