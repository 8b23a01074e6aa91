/* Internal access to a key's secret bytes, for the crypto modules only. */
#ifndef COFFER_KEY_INTERNAL_H
#define COFFER_KEY_INTERNAL_H

#include <coffer/key.h>

/** key_secret(k): the 32 secret bytes of ${k}, owned by ${k}. */
const uint8_t *key_secret(const struct coffer_key *k);

#endif
