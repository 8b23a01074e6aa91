/* Padmé: sizes rounded up to a bucket that leaks O(log log n) bits of a
 * length (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files
 * and Communication with PURBs", PETS 2019). One rule for every padded
 * format: backup packs and refs (docs/PROTOCOL-backup.md) and sealed
 * records (docs/PROTOCOL-client.md). Internal to coffer. */
#ifndef COFFER_PADME_H
#define COFFER_PADME_H

#include <stdint.h>

/** padme_bucket(len): the Padmé bucket of ${len}: ${len} rounded up so
 * that only the top floor(log2(log2(len))) + 1 bits may be nonzero (at
 * most about 12 % larger; 0 and 1 are their own buckets). */
uint64_t padme_bucket(uint64_t len);

#endif
