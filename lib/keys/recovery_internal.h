/* Internal pieces of the recovery key code (lib/keys/recovery.c), for the
 * tests and the vector writer. */
#ifndef COFFER_RECOVERY_INTERNAL_H
#define COFFER_RECOVERY_INTERNAL_H

#include <stdint.h>

#include <coffer/recovery.h>

/** gf32_mul(a, b): the product of ${a} and ${b} (0..31) in
 * GF(2^5) = GF(2)[x] / (x^5 + x^2 + 1), without branches or tables. */
uint8_t gf32_mul(uint8_t a, uint8_t b);

/** recovery_syndrome(sym, s): the two parity checks of a 28-symbol
 * word: s[0] = sum sym[i] a^i, s[1] = sum sym[i] a^(2i), a = x. Both are
 * 0 exactly for a valid key. */
void recovery_syndrome(const uint8_t sym[COFFER_RECOVERY_KEY_SYMBOLS],
    uint8_t s[2]);

/** recovery_key_from_data(rk, data): the key whose 26 data symbols
 * are ${data} (each 0..31), with its two check symbols: the deterministic
 * core of coffer_recovery_key_generate(). Returns 0 or COFFER_ERR_INVALID
 * (a NULL argument or a symbol above 31; ${rk} is then untouched). */
int recovery_key_from_data(struct coffer_recovery_key *rk,
    const uint8_t data[COFFER_RECOVERY_KEY_DATA]);

#endif
