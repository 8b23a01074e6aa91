/* Recovery keys (docs/PROTOCOL-recovery-key.md): 28 symbols of the
 * alphabet ABCDEFGHJKLMNPQRSTUVWXYZ23456789, shown as 7 groups of 4
 * ("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX"): 26 random symbols (130 bits)
 * and 2 check symbols of a Reed-Solomon code over GF(32) that detects
 * every change of one or two symbols, so every single typo and every
 * transposition. The key wraps the keychain root through
 * coffer_recovery_key_derive(). The library never prints: a UI names a
 * problem with coffer_recovery_key_problem(). */
#ifndef COFFER_RECOVERY_H
#define COFFER_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>
#include <coffer/key.h>

/* Symbols in a key: data symbols, then check symbols. */
#define COFFER_RECOVERY_KEY_SYMBOLS	28
#define COFFER_RECOVERY_KEY_DATA	26
/* Characters of the formatted key "XXXX-...-XXXX", without the NUL. */
#define COFFER_RECOVERY_KEY_LEN		34
/* The longest text the parser looks at, in bytes, without the NUL. */
#define COFFER_RECOVERY_KEY_INPUT_MAX	256
/* The context string of the derived wrapping key. */
#define COFFER_RECOVERY_KEY_CONTEXT	"coffer/recovery-key/v1"

/* A parsed recovery key: sym[i] is the value (0..31) of the i-th
 * character, check symbols last. Caller-owned; it is a secret: wipe it
 * with coffer_recovery_key_cleanup(). */
struct coffer_recovery_key {
	uint8_t	sym[COFFER_RECOVERY_KEY_SYMBOLS];
};

/** coffer_recovery_key_generate(out): a fresh random recovery key,
 * formatted into ${out} ("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" and a NUL).
 * Returns 0, COFFER_ERR_INVALID (${out} is NULL) or COFFER_ERR_CRYPTO
 * (libsodium failed to start). */
COFFER_API int coffer_recovery_key_generate(
    char out[COFFER_RECOVERY_KEY_LEN + 1]) COFFER_WUR;

/** coffer_recovery_key_parse(rk, text): read the NUL-terminated ${text}
 * into ${rk}. Lower case letters are accepted; spaces and dashes anywhere
 * are ignored; anything else is an error. ${rk} is written only on
 * success. Returns 0, COFFER_ERR_INVALID (a NULL argument),
 * COFFER_ERR_TOOBIG (${text} is longer than COFFER_RECOVERY_KEY_INPUT_MAX
 * bytes), COFFER_ERR_FORMAT (a character outside the alphabet, which
 * includes I, O, 0 and 1, or not exactly 28 symbols) or
 * COFFER_ERR_CHECKSUM (the key is mistyped). */
COFFER_API int coffer_recovery_key_parse(struct coffer_recovery_key *rk,
    const char *text) COFFER_WUR;

/** coffer_recovery_key_problem(text, position): the first problem of
 * ${text}, for a user interface: the value coffer_recovery_key_parse()
 * returns for it, and in *${position} the 1-based position of the
 * character at fault, or 0 when no one character is: for
 * COFFER_ERR_FORMAT the first character outside the alphabet or the 29th
 * symbol, whichever comes first (0 when there are fewer than 28 symbols);
 * 0 for every other result. Every character before that position is
 * ASCII, so it is both the character and the byte position. ${position}
 * may be NULL. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_TOOBIG,
 * COFFER_ERR_FORMAT or COFFER_ERR_CHECKSUM. */
COFFER_API int coffer_recovery_key_problem(const char *text,
    size_t *position) COFFER_WUR;

/** coffer_recovery_key_format(out, rk): write ${rk} in its canonical
 * form, "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" and a NUL, into ${out}.
 * Returns 0, or COFFER_ERR_INVALID if an argument is NULL or ${rk} is not
 * a valid key (a symbol above 31 or a checksum that does not hold); then
 * ${out} is the empty string. */
COFFER_API int coffer_recovery_key_format(
    char out[COFFER_RECOVERY_KEY_LEN + 1],
    const struct coffer_recovery_key *rk) COFFER_WUR;

/** coffer_recovery_key_derive(out, rk, salt, saltlen, version): the
 * symmetric key that a recovery key ${rk} wraps with:
 * coffer_kdf(ikm = the 26 data symbol values, one byte each, context
 * COFFER_RECOVERY_KEY_CONTEXT, info = ${salt}), key and id as
 * coffer_kdf_key() makes them, with ${version}. ${salt} (for example the
 * account id) may be NULL when ${saltlen} is 0. Returns 0,
 * COFFER_ERR_INVALID (a NULL argument, ${rk} not a valid key, or
 * ${saltlen} above COFFER_KDF_MAX) or COFFER_ERR_NOMEM. */
COFFER_API int coffer_recovery_key_derive(struct coffer_key **out,
    const struct coffer_recovery_key *rk, const uint8_t *salt,
    size_t saltlen, uint32_t version) COFFER_WUR;

/** coffer_recovery_key_cleanup(rk): wipe ${rk}; accepts NULL. */
COFFER_API void coffer_recovery_key_cleanup(struct coffer_recovery_key *rk);

#endif
