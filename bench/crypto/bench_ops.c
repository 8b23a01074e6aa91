/* The operations bench-crypto measures: AEADs, keyed hashes and memcpy.
 * Every run() does one whole operation on len bytes the way a caller
 * would (contexts made once and re-keyed per message, as a long-lived
 * process does), checks its result, and folds one output byte into a
 * volatile sink so that no work can be optimised away. */
#include "bench.h"

#include <coffer/buf.h>
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "crypto/aead.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#define SLACK		256	/* room for headers and tags */
#define ADLEN		32	/* additional data of every raw AEAD call */
#define ENV_CONTEXT	"coffer/bench/v1"

struct bench_state {
	uint8_t		*in;		/* random input */
	uint8_t		*out;		/* output of every run */
	uint8_t		*ct;		/* ciphertext prepared for open */
	uint8_t		 key[32];
	uint8_t		 ad[ADLEN];
	uint8_t		 nonce[24];	/* incremented by every seal */
	uint8_t		 ononce[24];	/* the nonce of ct */
	uint8_t		 tag[16];
	uint8_t		 otag[16];	/* the tag of ct */
	uint8_t		 mac[64];

	EVP_CIPHER	*aes;		/* AES-256-GCM */
	EVP_CIPHER	*chacha;	/* ChaCha20-Poly1305 */
	EVP_CIPHER_CTX	*aes_seal, *aes_open, *cc_seal, *cc_open;
	EVP_MAC		*b2, *hmac;
	EVP_MAC_CTX	*b2ctx, *hmacctx;
	EVP_MD		*sha256;
	EVP_MD_CTX	*mdctx;

	struct coffer_key *ckey;
	struct coffer_buf *env_out;	/* seal output (ciphertext) */
	struct coffer_buf *env_ct;	/* envelope prepared for open */
	struct coffer_buf *env_pt;	/* open output (secret: plaintext) */
};

static volatile uint8_t bench_sink;

static void
sink(const uint8_t *p, size_t len)
{
	/* The barrier tells the compiler the whole buffer may be read. */
	__asm__ volatile("" : : "r"(p) : "memory");
	bench_sink ^= p[0] ^ p[len - 1];
}

/* ---- EVP AEAD helpers: ctx holds cipher and direction already. ---- */

static int
evp_seal(EVP_CIPHER_CTX *ctx, uint8_t *out, uint8_t tag[16],
    const uint8_t *in, size_t len, const uint8_t *ad, const uint8_t *iv,
    const uint8_t *key)
{
	int outl;

	if (EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, -1) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &outl, ad, ADLEN) != 1 ||
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + len, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
		return -1;
	return 0;
}

static int
evp_open(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t tag[16],
    const uint8_t *in, size_t len, const uint8_t *ad, const uint8_t *iv,
    const uint8_t *key)
{
	uint8_t t[16];
	int outl;

	memcpy(t, tag, sizeof(t));
	if (EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, -1) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, t) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &outl, ad, ADLEN) != 1 ||
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + len, &outl) != 1)
		return -1;
	return 0;
}

static EVP_CIPHER_CTX *
evp_ctx(const EVP_CIPHER *c, int enc)
{
	EVP_CIPHER_CTX *ctx;

	if (c == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* ---- memcpy ---- */

static int
run_memcpy(struct bench_state *st, size_t len)
{
	memcpy(st->out, st->in, len);
	sink(st->out, len);
	return 0;
}

/* ---- libsodium XChaCha20-Poly1305 ---- */

static int
run_sodium_xc_seal(struct bench_state *st, size_t len)
{
	sodium_increment(st->nonce, sizeof(st->nonce));
	if (crypto_aead_xchacha20poly1305_ietf_encrypt_detached(st->out,
	    st->tag, NULL, st->in, len, st->ad, ADLEN, NULL, st->nonce,
	    st->key) != 0)
		return -1;
	sink(st->tag, 16);
	return 0;
}

static int
prep_sodium_xc_open(struct bench_state *st, size_t len)
{
	memcpy(st->ononce, st->nonce, sizeof(st->ononce));
	return crypto_aead_xchacha20poly1305_ietf_encrypt_detached(st->ct,
	    st->otag, NULL, st->in, len, st->ad, ADLEN, NULL, st->ononce,
	    st->key);
}

static int
run_sodium_xc_open(struct bench_state *st, size_t len)
{
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(st->out,
	    NULL, st->ct, len, st->otag, st->ad, ADLEN, st->ononce,
	    st->key) != 0)
		return -1;
	sink(st->out, len);
	return 0;
}

/* ---- libsodium AES-256-GCM (needs AES-NI and PCLMUL) ---- */

static int
avail_sodium_gcm(struct bench_state *st)
{
	(void)st;
	return crypto_aead_aes256gcm_is_available();
}

static int
run_sodium_gcm_seal(struct bench_state *st, size_t len)
{
	sodium_increment(st->nonce, sizeof(st->nonce));
	if (crypto_aead_aes256gcm_encrypt_detached(st->out, st->tag, NULL,
	    st->in, len, st->ad, ADLEN, NULL, st->nonce, st->key) != 0)
		return -1;
	sink(st->tag, 16);
	return 0;
}

static int
prep_sodium_gcm_open(struct bench_state *st, size_t len)
{
	memcpy(st->ononce, st->nonce, sizeof(st->ononce));
	return crypto_aead_aes256gcm_encrypt_detached(st->ct, st->otag, NULL,
	    st->in, len, st->ad, ADLEN, NULL, st->ononce, st->key);
}

static int
run_sodium_gcm_open(struct bench_state *st, size_t len)
{
	if (crypto_aead_aes256gcm_decrypt_detached(st->out, NULL, st->ct, len,
	    st->otag, st->ad, ADLEN, st->ononce, st->key) != 0)
		return -1;
	sink(st->out, len);
	return 0;
}

/* ---- OpenSSL EVP AES-256-GCM and ChaCha20-Poly1305 (12-byte IV) ---- */

static int
run_ossl_gcm_seal(struct bench_state *st, size_t len)
{
	sodium_increment(st->nonce, sizeof(st->nonce));
	if (evp_seal(st->aes_seal, st->out, st->tag, st->in, len, st->ad,
	    st->nonce, st->key) != 0)
		return -1;
	sink(st->tag, 16);
	return 0;
}

static int
prep_ossl_gcm_open(struct bench_state *st, size_t len)
{
	memcpy(st->ononce, st->nonce, sizeof(st->ononce));
	return evp_seal(st->aes_seal, st->ct, st->otag, st->in, len, st->ad,
	    st->ononce, st->key);
}

static int
run_ossl_gcm_open(struct bench_state *st, size_t len)
{
	if (evp_open(st->aes_open, st->out, st->otag, st->ct, len, st->ad,
	    st->ononce, st->key) != 0)
		return -1;
	sink(st->out, len);
	return 0;
}

static int
run_ossl_cc_seal(struct bench_state *st, size_t len)
{
	sodium_increment(st->nonce, sizeof(st->nonce));
	if (evp_seal(st->cc_seal, st->out, st->tag, st->in, len, st->ad,
	    st->nonce, st->key) != 0)
		return -1;
	sink(st->tag, 16);
	return 0;
}

static int
prep_ossl_cc_open(struct bench_state *st, size_t len)
{
	memcpy(st->ononce, st->nonce, sizeof(st->ononce));
	return evp_seal(st->cc_seal, st->ct, st->otag, st->in, len, st->ad,
	    st->ononce, st->key);
}

static int
run_ossl_cc_open(struct bench_state *st, size_t len)
{
	if (evp_open(st->cc_open, st->out, st->otag, st->ct, len, st->ad,
	    st->ononce, st->key) != 0)
		return -1;
	sink(st->out, len);
	return 0;
}

/* ---- aead_seal/open: XChaCha20-Poly1305, both implementations ---- */

static int
coffer_seal(enum coffer_aead_impl impl, struct bench_state *st, size_t len)
{
	sodium_increment(st->nonce, sizeof(st->nonce));
	if (aead_seal(impl, st->out, st->tag, st->in, len, st->ad,
	    ADLEN, st->nonce, st->key) != 0)
		return -1;
	sink(st->tag, 16);
	return 0;
}

static int
coffer_prep(enum coffer_aead_impl impl, struct bench_state *st, size_t len)
{
	memcpy(st->ononce, st->nonce, sizeof(st->ononce));
	return aead_seal(impl, st->ct, st->otag, st->in, len, st->ad,
	    ADLEN, st->ononce, st->key);
}

static int
coffer_open(enum coffer_aead_impl impl, struct bench_state *st, size_t len)
{
	if (aead_open(impl, st->out, st->ct, len, st->otag, st->ad,
	    ADLEN, st->ononce, st->key) != 0)
		return -1;
	sink(st->out, len);
	return 0;
}

/* A forged tag: the open must fail with COFFER_ERR_AUTH (--extra). */
static int
coffer_prep_bad(enum coffer_aead_impl impl, struct bench_state *st,
    size_t len)
{
	if (coffer_prep(impl, st, len) != 0)
		return -1;
	st->otag[0] ^= 1;
	return 0;
}

static int
coffer_open_bad(enum coffer_aead_impl impl, struct bench_state *st,
    size_t len)
{
	if (aead_open(impl, st->out, st->ct, len, st->otag, st->ad,
	    ADLEN, st->ononce, st->key) != COFFER_ERR_AUTH)
		return -1;
	sink(st->out, len);
	return 0;
}

#define COFFER_IMPL_OPS(sfx, impl)					\
static int run_coffer_##sfx##_seal(struct bench_state *st, size_t len)	\
{ return coffer_seal(impl, st, len); }					\
static int prep_coffer_##sfx##_open(struct bench_state *st, size_t len)	\
{ return coffer_prep(impl, st, len); }					\
static int run_coffer_##sfx##_open(struct bench_state *st, size_t len)	\
{ return coffer_open(impl, st, len); }					\
static int prep_coffer_##sfx##_bad(struct bench_state *st, size_t len)	\
{ return coffer_prep_bad(impl, st, len); }				\
static int run_coffer_##sfx##_bad(struct bench_state *st, size_t len)	\
{ return coffer_open_bad(impl, st, len); }

COFFER_IMPL_OPS(sodium, COFFER_AEAD_SODIUM)
COFFER_IMPL_OPS(ossl, COFFER_AEAD_OPENSSL)

/* ---- coffer_envelope_seal/open (default AEAD implementation) ---- */

static int
run_env_seal(struct bench_state *st, size_t len)
{
	if (coffer_envelope_seal(st->env_out, st->ckey, ENV_CONTEXT, st->in,
	    len) != 0)
		return -1;
	sink(coffer_buf_data(st->env_out), coffer_buf_len(st->env_out));
	return 0;
}

static void
between_env_seal(struct bench_state *st)
{
	coffer_buf_reset(st->env_out);
}

static int
prep_env_open(struct bench_state *st, size_t len)
{
	coffer_buf_reset(st->env_ct);
	return coffer_envelope_seal(st->env_ct, st->ckey, ENV_CONTEXT, st->in,
	    len);
}

static int
run_env_open(struct bench_state *st, size_t len)
{
	if (coffer_envelope_open(st->env_pt, st->ckey, ENV_CONTEXT,
	    coffer_buf_data(st->env_ct), coffer_buf_len(st->env_ct)) != 0 ||
	    coffer_buf_len(st->env_pt) != len)
		return -1;
	sink(coffer_buf_data(st->env_pt), len);
	return 0;
}

static void
between_env_open(struct bench_state *st)
{
	coffer_buf_reset(st->env_pt);	/* wipes: a secret buffer */
}

/* ---- keyed hashes, MACs and SHA-256 ---- */

static int
run_sodium_b2(struct bench_state *st, size_t len)
{
	if (crypto_generichash(st->mac, 32, st->in, len, st->key, 32) != 0)
		return -1;
	sink(st->mac, 32);
	return 0;
}

static int
avail_ossl_b2(struct bench_state *st)
{
	return st->b2ctx != NULL;
}

static int
run_ossl_b2(struct bench_state *st, size_t len)
{
	size_t outl, size = 32;
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(st->b2ctx, st->key, 32, params) != 1 ||
	    EVP_MAC_update(st->b2ctx, st->in, len) != 1 ||
	    EVP_MAC_final(st->b2ctx, st->mac, &outl, sizeof(st->mac)) != 1 ||
	    outl != 32)
		return -1;
	sink(st->mac, 32);
	return 0;
}

static int
run_ossl_hmac256(struct bench_state *st, size_t len)
{
	size_t outl;

	if (EVP_MAC_init(st->hmacctx, st->key, 32, NULL) != 1 ||
	    EVP_MAC_update(st->hmacctx, st->in, len) != 1 ||
	    EVP_MAC_final(st->hmacctx, st->mac, &outl, sizeof(st->mac)) != 1 ||
	    outl != 32)
		return -1;
	sink(st->mac, 32);
	return 0;
}

static int
run_sodium_hmac256(struct bench_state *st, size_t len)
{
	if (crypto_auth_hmacsha256(st->mac, st->in, len, st->key) != 0)
		return -1;
	sink(st->mac, 32);
	return 0;
}

static int
run_ossl_sha256(struct bench_state *st, size_t len)
{
	unsigned int outl;

	if (EVP_DigestInit_ex(st->mdctx, st->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(st->mdctx, st->in, len) != 1 ||
	    EVP_DigestFinal_ex(st->mdctx, st->mac, &outl) != 1 || outl != 32)
		return -1;
	sink(st->mac, 32);
	return 0;
}

static int
run_sodium_hmac512(struct bench_state *st, size_t len)
{
	if (crypto_auth_hmacsha512(st->mac, st->in, len, st->key) != 0)
		return -1;
	sink(st->mac, 64);
	return 0;
}

/* ---- the table ---- */

#define XC	"XChaCha20-Poly1305"
const struct bench_case bench_cases[] = {
	{ "base", "memcpy", "copy", 0, 0, NULL, NULL, run_memcpy, NULL },

	{ "aead", "libsodium " XC, "seal", 0, 0, NULL, NULL,
	    run_sodium_xc_seal, NULL },
	{ "aead", "libsodium " XC, "open", 0, 0, NULL, prep_sodium_xc_open,
	    run_sodium_xc_open, NULL },
	{ "aead", "libsodium AES-256-GCM", "seal", 0, 0, avail_sodium_gcm,
	    NULL, run_sodium_gcm_seal, NULL },
	{ "aead", "libsodium AES-256-GCM", "open", 0, 0, avail_sodium_gcm,
	    prep_sodium_gcm_open, run_sodium_gcm_open, NULL },
	{ "aead", "OpenSSL AES-256-GCM", "seal", 0, 0, NULL, NULL,
	    run_ossl_gcm_seal, NULL },
	{ "aead", "OpenSSL AES-256-GCM", "open", 0, 0, NULL,
	    prep_ossl_gcm_open, run_ossl_gcm_open, NULL },
	{ "aead", "OpenSSL ChaCha20-Poly1305", "seal", 0, 0, NULL, NULL,
	    run_ossl_cc_seal, NULL },
	{ "aead", "OpenSSL ChaCha20-Poly1305", "open", 0, 0, NULL,
	    prep_ossl_cc_open, run_ossl_cc_open, NULL },
	{ "aead", "coffer_aead " XC " SODIUM", "seal", 0, 0, NULL, NULL,
	    run_coffer_sodium_seal, NULL },
	{ "aead", "coffer_aead " XC " SODIUM", "open", 0, 0, NULL,
	    prep_coffer_sodium_open, run_coffer_sodium_open, NULL },
	{ "aead", "coffer_aead " XC " SODIUM", "open-bad", 0, 1, NULL,
	    prep_coffer_sodium_bad, run_coffer_sodium_bad, NULL },
	{ "aead", "coffer_aead " XC " OPENSSL", "seal", 0, 0, NULL, NULL,
	    run_coffer_ossl_seal, NULL },
	{ "aead", "coffer_aead " XC " OPENSSL", "open", 0, 0, NULL,
	    prep_coffer_ossl_open, run_coffer_ossl_open, NULL },
	{ "aead", "coffer_aead " XC " OPENSSL", "open-bad", 0, 1, NULL,
	    prep_coffer_ossl_bad, run_coffer_ossl_bad, NULL },
	{ "aead", "coffer_envelope (DEFAULT impl)", "seal", 0, 0, NULL, NULL,
	    run_env_seal, between_env_seal },
	{ "aead", "coffer_envelope (DEFAULT impl)", "open", 0, 0, NULL,
	    prep_env_open, run_env_open, between_env_open },

	{ "mac", "libsodium BLAKE2b-256 keyed", "mac", 1, 0, NULL, NULL,
	    run_sodium_b2, NULL },
	{ "mac", "OpenSSL BLAKE2b-256 keyed (BLAKE2BMAC)", "mac", 1, 0,
	    avail_ossl_b2, NULL, run_ossl_b2, NULL },
	{ "mac", "OpenSSL HMAC-SHA-256", "mac", 1, 0, NULL, NULL,
	    run_ossl_hmac256, NULL },
	{ "mac", "libsodium HMAC-SHA-256", "mac", 1, 0, NULL, NULL,
	    run_sodium_hmac256, NULL },
	{ "mac", "libsodium HMAC-SHA-512", "mac", 1, 0, NULL, NULL,
	    run_sodium_hmac512, NULL },
	{ "mac", "OpenSSL SHA-256 (unkeyed)", "hash", 0, 0, NULL, NULL,
	    run_ossl_sha256, NULL },
};
const size_t bench_ncases = sizeof(bench_cases) / sizeof(bench_cases[0]);

/* ---- state ---- */

struct bench_state *
bench_state_new(void)
{
	struct bench_state *st;
	OSSL_PARAM params[2];
	char sha256[] = "SHA256";

	if (sodium_init() < 0 || coffer_init() != 0 ||
	    (st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	/* 64-byte aligned; BENCH_MAXLEN + SLACK is a multiple of 64. */
	if ((st->in = aligned_alloc(64, BENCH_MAXLEN + SLACK)) == NULL ||
	    (st->out = aligned_alloc(64, BENCH_MAXLEN + SLACK)) == NULL ||
	    (st->ct = aligned_alloc(64, BENCH_MAXLEN + SLACK)) == NULL)
		goto fail;
	randombytes_buf(st->in, BENCH_MAXLEN + SLACK);
	memset(st->out, 0, BENCH_MAXLEN + SLACK);
	memset(st->ct, 0, BENCH_MAXLEN + SLACK);
	randombytes_buf(st->key, sizeof(st->key));
	randombytes_buf(st->ad, sizeof(st->ad));
	randombytes_buf(st->nonce, sizeof(st->nonce));

	/* Fetched once: what a long-lived process does. */
	st->aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	st->chacha = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if ((st->aes_seal = evp_ctx(st->aes, 1)) == NULL ||
	    (st->aes_open = evp_ctx(st->aes, 0)) == NULL ||
	    (st->cc_seal = evp_ctx(st->chacha, 1)) == NULL ||
	    (st->cc_open = evp_ctx(st->chacha, 0)) == NULL)
		goto fail;

	/* BLAKE2BMAC may be missing from a trimmed OpenSSL: then n/a. */
	if ((st->b2 = EVP_MAC_fetch(NULL, "BLAKE2BMAC", NULL)) != NULL &&
	    (st->b2ctx = EVP_MAC_CTX_new(st->b2)) == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    sha256, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((st->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (st->hmacctx = EVP_MAC_CTX_new(st->hmac)) == NULL ||
	    EVP_MAC_CTX_set_params(st->hmacctx, params) != 1 ||
	    (st->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (st->mdctx = EVP_MD_CTX_new()) == NULL)
		goto fail;

	if (coffer_key_generate(&st->ckey, COFFER_KEY_SYMMETRIC, 1) != 0 ||
	    (st->env_out = coffer_buf_new(BENCH_MAXLEN + SLACK)) == NULL ||
	    (st->env_ct = coffer_buf_new(BENCH_MAXLEN + SLACK)) == NULL ||
	    (st->env_pt = coffer_buf_new_secret(BENCH_MAXLEN + SLACK)) == NULL)
		goto fail;
	return st;
fail:
	bench_state_free(&st);
	return NULL;
}

void
bench_state_free(struct bench_state **p)
{
	struct bench_state *st;

	if (p == NULL || (st = *p) == NULL)
		return;
	coffer_buf_free(&st->env_pt);
	coffer_buf_free(&st->env_ct);
	coffer_buf_free(&st->env_out);
	coffer_key_free(&st->ckey);
	EVP_MD_CTX_free(st->mdctx);
	EVP_MD_free(st->sha256);
	EVP_MAC_CTX_free(st->hmacctx);
	EVP_MAC_free(st->hmac);
	EVP_MAC_CTX_free(st->b2ctx);
	EVP_MAC_free(st->b2);
	EVP_CIPHER_CTX_free(st->cc_open);
	EVP_CIPHER_CTX_free(st->cc_seal);
	EVP_CIPHER_CTX_free(st->aes_open);
	EVP_CIPHER_CTX_free(st->aes_seal);
	EVP_CIPHER_free(st->chacha);
	EVP_CIPHER_free(st->aes);
	free(st->ct);
	free(st->out);
	free(st->in);
	sodium_memzero(st, sizeof(*st));
	free(st);
	*p = NULL;
}
