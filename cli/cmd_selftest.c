/* coffer selftest: exercise the cryptographic core through the public API
 * and say what each step showed. Exits 1 on the first step that fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/recovery.h>
#include <coffer/sign.h>

#include "cli.h"
#include "selftest.h"

static void
check_envelopes(struct st *st)
{
	static const char msg[] = "a note only this account can read";
	struct coffer_key *k = NULL, *dev = NULL;
	struct coffer_buf *env = coffer_buf_new(1 << 16);
	struct coffer_buf *pt = coffer_buf_new_secret(1 << 16);
	uint8_t pk[COFFER_PUBLIC_BYTES];
	int ok;

	ok = env != NULL && pt != NULL &&
	    coffer_key_generate(&k, COFFER_KEY_SYMMETRIC, 1) == 0 &&
	    coffer_envelope_seal(env, k, "coffer/selftest/v1",
	    (const uint8_t *)msg, sizeof(msg)) == 0 &&
	    coffer_envelope_open(pt, k, "coffer/selftest/v1",
	    coffer_buf_data(env), coffer_buf_len(env)) == 0 &&
	    coffer_buf_len(pt) == sizeof(msg) &&
	    memcmp(coffer_buf_data(pt), msg, sizeof(msg)) == 0;
	st_step(st, ok, "envelope under a symmetric key: sealed and opened");
	if (ok) {
		coffer_buf_reset(pt);
		coffer_buf_mutable(env)[coffer_buf_len(env) - 1] ^= 1;
		ok = coffer_envelope_open(pt, k, "coffer/selftest/v1",
		    coffer_buf_data(env), coffer_buf_len(env)) ==
		    COFFER_ERR_AUTH && coffer_buf_len(pt) == 0;
		st_step(st, ok, "one flipped bit: refused as not authentic, "
		    "nothing released");
		coffer_buf_mutable(env)[coffer_buf_len(env) - 1] ^= 1;
		ok = coffer_envelope_open(pt, k, "coffer/other/v1",
		    coffer_buf_data(env), coffer_buf_len(env)) ==
		    COFFER_ERR_CONTEXT;
		st_step(st, ok, "opened for another purpose: refused "
		    "(context mismatch)");
	}
	coffer_buf_reset(env);
	coffer_buf_reset(pt);
	ok = coffer_key_generate(&dev, COFFER_KEY_X25519, 1) == 0 &&
	    coffer_key_public(dev, pk) == 0 &&
	    coffer_envelope_seal_to(env, pk, 1, "coffer/selftest/v1",
	    (const uint8_t *)msg, sizeof(msg)) == 0 &&
	    coffer_envelope_open(pt, dev, "coffer/selftest/v1",
	    coffer_buf_data(env), coffer_buf_len(env)) == 0 &&
	    coffer_buf_len(pt) == sizeof(msg);
	st_step(st, ok, "envelope sealed to a device's X25519 key: opened by it");
	coffer_key_free(&k);
	coffer_key_free(&dev);
	coffer_buf_free(&env);
	coffer_buf_free(&pt);
}

static void
check_signatures(struct st *st)
{
	static const char list[] = "device list, epoch 1";
	struct coffer_key *k = NULL;
	uint8_t pk[COFFER_PUBLIC_BYTES], sig[COFFER_SIGN_BYTES];
	int ok;

	ok = coffer_key_generate(&k, COFFER_KEY_ED25519, 1) == 0 &&
	    coffer_key_public(k, pk) == 0 &&
	    coffer_sign(sig, k, "coffer/selftest/v1", (const uint8_t *)list,
	    sizeof(list)) == 0 &&
	    coffer_sign_verify(sig, pk, "coffer/selftest/v1",
	    (const uint8_t *)list, sizeof(list)) == 0;
	st_step(st, ok, "Ed25519 signature with a context: made and verified");
	if (ok) {
		ok = coffer_sign_verify(sig, pk, "coffer/other/v1",
		    (const uint8_t *)list, sizeof(list)) == COFFER_ERR_AUTH;
		st_step(st, ok, "the same signature for another purpose: refused");
	}
	coffer_key_free(&k);
}

static void
check_recovery_key(struct st *st)
{
	struct coffer_recovery_key rk;
	struct coffer_key *k = NULL;
	char text[COFFER_RECOVERY_KEY_LEN + 1], typo[COFFER_RECOVERY_KEY_LEN + 1];
	int ok;

	ok = coffer_recovery_key_generate(text) == 0 &&
	    coffer_recovery_key_parse(&rk, text) == 0 &&
	    coffer_recovery_key_derive(&k, &rk, (const uint8_t *)"account", 7,
	    1) == 0;
	st_step(st, ok, "recovery key made, read back, wrapping key derived");
	if (ok) {
		/* Swap two neighbouring symbols, as a hurried typist would. */
		memcpy(typo, text, sizeof(typo));
		typo[0] = text[1];
		typo[1] = text[0];
		ok = text[0] == text[1] ||
		    coffer_recovery_key_parse(&rk, typo) == COFFER_ERR_CHECKSUM;
		st_step(st, ok, "two swapped characters: refused as mistyped");
	}
	coffer_recovery_key_cleanup(&rk);
	coffer_key_free(&k);
	sodium_memzero(text, sizeof(text));
}

int
cmd_selftest(struct cli *c)
{
	struct st st = { 0, 0, NULL, NULL };
	char dir[] = "/tmp/coffer-selftest-XXXXXX";

	if ((st.dir = mkdtemp(dir)) == NULL)
		return cli_failf(c, "mkdtemp %s: %s", dir, strerror(errno));
	if (c->json)
		st.json = json_array();
	cli_print(c, "coffer selftest: the cryptographic core, on this machine");
	check_envelopes(&st);
	check_signatures(&st);
	check_recovery_key(&st);
	st_device_keys(&st);
	st_keychain(&st);
	st_stream(&st);
	if (rmdir(dir) != 0)
		cli_note(c, "coffer: rmdir %s: %s", dir, strerror(errno));
	cli_print(c, "selftest: %d passed, %d failed", st.steps - st.failed,
	    st.failed);
	cli_json_set(c, "steps", st.json);
	cli_json_set(c, "passed", json_integer(st.steps - st.failed));
	cli_json_set(c, "failed", json_integer(st.failed));
	return st.failed ? CLI_FAIL : CLI_OK;
}
