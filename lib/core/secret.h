/* A key's secret bytes, for the modules of libcoffer that compute with
 * them (crypto, keys, the client's zone keys, the backup engine). */
#ifndef COFFER_CORE_SECRET_H
#define COFFER_CORE_SECRET_H

#include <coffer/key.h>

/** key_secret(k): the 32 secret bytes of ${k}, owned by ${k}. */
const uint8_t *key_secret(const struct coffer_key *k);

#endif
