/* Internal access to a key's secret bytes, for the crypto modules only. */
#ifndef COFFER_KEY_INTERNAL_H
#define COFFER_KEY_INTERNAL_H

#include <coffer/key.h>

/** coffer_key_secret(k): the 32 secret bytes of ${k}, owned by ${k}. */
const uint8_t *coffer_key_secret(const struct coffer_key *k);

#endif
