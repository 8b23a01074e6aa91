/* Allocation failure, injected: this binary is linked with
 * -Wl,--wrap for malloc, calloc, realloc and sodium_malloc, so every
 * allocation libcoffer makes can be made to fail. Each operation is run
 * failing its 1st, 2nd, ... allocation until it gets through: every
 * failure must come back as COFFER_ERR_NOMEM (never a crash, never a
 * half result), leave the caller's output as it was, and leak nothing
 * (the sanitizer build checks leaks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <coffer/buf.h>
#include <coffer/device.h>
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/keychain.h>
#include <coffer/keystore.h>
#include <coffer/recovery.h>
#include <coffer/sign.h>
#include <coffer/stream.h>

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void *__real_sodium_malloc(size_t);
void *__wrap_malloc(size_t);
void *__wrap_calloc(size_t, size_t);
void *__wrap_realloc(void *, size_t);
void *__wrap_sodium_malloc(size_t);

/* fail_at: the number of the allocation to fail (1-based), 0 = none. */
static unsigned long fail_at, calls;
static int failed;

static int
should_fail(void)
{
	if (fail_at == 0)
		return 0;
	if (++calls == fail_at) {
		failed = 1;
		return 1;
	}
	return 0;
}

void *
__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t a, size_t b)
{
	return should_fail() ? NULL : __real_calloc(a, b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

void *
__wrap_sodium_malloc(size_t n)
{
	return should_fail() ? NULL : __real_sodium_malloc(n);
}

/* One operation under test: returns its result; out is the caller's
 * buffer, whose length must not change when the operation fails. */
typedef int (*op_fn)(struct coffer_buf *out);

static struct coffer_key *sym, *x25519, *ed;
static uint8_t x_pk[32];
static struct coffer_buf *sealed, *sealed_pub, *wrapped, *keystore;
static struct coffer_device *dev;

static int
op_seal(struct coffer_buf *out)
{
	return coffer_envelope_seal(out, sym, "coffer/t/v1",
	    (const uint8_t *)"hello", 5);
}

static int
op_seal_to(struct coffer_buf *out)
{
	return coffer_envelope_seal_to(out, x_pk, 1, "coffer/t/v1",
	    (const uint8_t *)"hello", 5);
}

static int
op_open(struct coffer_buf *out)
{
	return coffer_envelope_open(out, sym, "coffer/t/v1",
	    coffer_buf_data(sealed), coffer_buf_len(sealed));
}

static int
op_open_pub(struct coffer_buf *out)
{
	return coffer_envelope_open(out, x25519, "coffer/t/v1",
	    coffer_buf_data(sealed_pub), coffer_buf_len(sealed_pub));
}

static int
op_sign(struct coffer_buf *out)
{
	uint8_t sig[64];

	(void)out;
	return coffer_sign(sig, ed, "coffer/t/v1", (const uint8_t *)"m", 1);
}

static int
op_kdf_key(struct coffer_buf *out)
{
	struct coffer_key *k = NULL;
	int r;

	(void)out;
	r = coffer_kdf_key(&k, sym, "coffer/t/v1", NULL, 0, 1);
	if (r != 0 && k != NULL)
		return COFFER_ERR_INTERNAL;
	coffer_key_free(&k);
	return r;
}

static int
op_unwrap(struct coffer_buf *out)
{
	struct coffer_key *k = NULL;
	int r;

	(void)out;
	r = coffer_keychain_unwrap(&k, coffer_buf_data(wrapped),
	    coffer_buf_len(wrapped), COFFER_ROLE_CATEGORY, 19, 1, sym);
	if (r != 0 && k != NULL)
		return COFFER_ERR_INTERNAL;
	coffer_key_free(&k);
	return r;
}

static int
op_keystore_parse(struct coffer_buf *out)
{
	struct coffer_device *d = NULL;
	int r;

	(void)out;
	r = coffer_keystore_parse(&d, coffer_buf_data(keystore),
	    coffer_buf_len(keystore), NULL, 0);
	if (r != 0 && d != NULL)
		return COFFER_ERR_INTERNAL;
	coffer_device_free(&d);
	return r;
}

static int
op_device_card(struct coffer_buf *out)
{
	return coffer_device_card_encode(out, dev);
}

static int
op_recovery(struct coffer_buf *out)
{
	struct coffer_recovery_key rk;
	struct coffer_key *k = NULL;
	char text[COFFER_RECOVERY_KEY_LEN + 1];
	int r;

	(void)out;
	if ((r = coffer_recovery_key_generate(text)) != 0 ||
	    (r = coffer_recovery_key_parse(&rk, text)) != 0)
		return r;
	r = coffer_recovery_key_derive(&k, &rk, (const uint8_t *)"a", 1, 1);
	coffer_recovery_key_cleanup(&rk);
	if (r != 0 && k != NULL)
		return COFFER_ERR_INTERNAL;
	coffer_key_free(&k);
	return r;
}

static int
op_stream(struct coffer_buf *out)
{
	struct coffer_stream_sealer *s = NULL;
	struct coffer_stream_opener *o = NULL;
	uint8_t data[10000];
	size_t start = coffer_buf_len(out);
	int r;

	memset(data, 7, sizeof(data));
	if ((r = coffer_stream_sealer_new(&s, sym, "coffer/t/v1", 12, out)) ||
	    (r = coffer_stream_sealer_update(s, data, sizeof(data), out)) ||
	    (r = coffer_stream_sealer_final(s, out)))
		goto done;
	if ((r = coffer_stream_opener_new(&o, sym, "coffer/t/v1")) != 0)
		goto done;
	{
		struct coffer_buf *pt = coffer_buf_new(1 << 16);

		if (pt == NULL) {
			r = COFFER_ERR_NOMEM;
			goto done;
		}
		if ((r = coffer_stream_opener_update(o,
		    coffer_buf_data(out) + start, coffer_buf_len(out) - start,
		    pt)) == 0)
			r = coffer_stream_opener_final(o);
		coffer_buf_free(&pt);
	}
done:
	if (r != 0)
		coffer_buf_truncate(out, start);
	coffer_stream_sealer_free(&s);
	coffer_stream_opener_free(&o);
	return r;
}

static const struct {
	const char	*name;
	op_fn		 fn;
} ops[] = {
	{ "envelope seal", op_seal },
	{ "envelope seal to X25519", op_seal_to },
	{ "envelope open", op_open },
	{ "envelope open X25519", op_open_pub },
	{ "sign", op_sign },
	{ "kdf key", op_kdf_key },
	{ "keychain unwrap", op_unwrap },
	{ "keystore parse", op_keystore_parse },
	{ "device card", op_device_card },
	{ "recovery key", op_recovery },
	{ "stream seal and open", op_stream },
};

static int
setup(void **state)
{
	struct coffer_key *ck = NULL;

	(void)state;
	sealed = coffer_buf_new(4096);
	sealed_pub = coffer_buf_new(4096);
	wrapped = coffer_buf_new(4096);
	keystore = coffer_buf_new(4096);
	if (sealed == NULL || sealed_pub == NULL || wrapped == NULL ||
	    keystore == NULL ||
	    coffer_key_generate(&sym, COFFER_KEY_SYMMETRIC, 1) != 0 ||
	    coffer_key_generate(&x25519, COFFER_KEY_X25519, 1) != 0 ||
	    coffer_key_generate(&ed, COFFER_KEY_ED25519, 1) != 0 ||
	    coffer_key_public(x25519, x_pk) != 0 ||
	    coffer_category_key_generate(&ck, 19, 1) != 0 ||
	    coffer_keychain_wrap(wrapped, ck, COFFER_ROLE_CATEGORY, 19, sym) ||
	    op_seal(sealed) != 0 || op_seal_to(sealed_pub) != 0 ||
	    coffer_device_generate(&dev) != 0 ||
	    coffer_keystore_encode(keystore, dev, NULL, 0, NULL) != 0)
		return -1;
	coffer_key_free(&ck);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	coffer_key_free(&sym);
	coffer_key_free(&x25519);
	coffer_key_free(&ed);
	coffer_buf_free(&sealed);
	coffer_buf_free(&sealed_pub);
	coffer_buf_free(&wrapped);
	coffer_buf_free(&keystore);
	coffer_device_free(&dev);
	return 0;
}

static void
test_every_allocation_fails_cleanly(void **state)
{
	struct coffer_buf *out;
	size_t i;
	unsigned long n;
	int r;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (n = 1;; n++) {
			out = coffer_buf_new(1 << 20);
			assert_non_null(out);
			assert_int_equal(coffer_buf_append(out, "pre", 3), 0);
			calls = 0;
			failed = 0;
			fail_at = n;
			r = ops[i].fn(out);
			fail_at = 0;
			if (!failed) {
				/* Got through: the operation works. */
				if (r != 0)
					fail_msg("%s: %s without an injected "
					    "failure", ops[i].name,
					    coffer_strerror(r));
				coffer_buf_free(&out);
				break;
			}
			if (r != COFFER_ERR_NOMEM && r != 0)
				fail_msg("%s, allocation %lu failed: got %s",
				    ops[i].name, n, coffer_strerror(r));
			if (r != 0 && (coffer_buf_len(out) != 3 ||
			    memcmp(coffer_buf_data(out), "pre", 3) != 0))
				fail_msg("%s, allocation %lu failed: output "
				    "changed", ops[i].name, n);
			coffer_buf_free(&out);
			assert_true(n < 1000);
		}
		print_message("%s: %lu allocations, each failure handled\n",
		    ops[i].name, n - 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_fails_cleanly),
	};

	return cmocka_run_group_tests_name("alloc_fail", tests, setup,
	    teardown);
}
