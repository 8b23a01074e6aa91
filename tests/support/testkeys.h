/* Deterministic keys for unit tests. */
#ifndef COFFER_TEST_TESTKEYS_H
#define COFFER_TEST_TESTKEYS_H

#include <stdint.h>

#include <coffer/key.h>

/* A symmetric key whose secret bytes are all seed and whose id bytes are
 * all seed ^ 0xa5; fails the test if it cannot be made. */
struct coffer_key *test_key_symmetric(uint8_t seed, uint32_t version);

#endif
