/* Device internals shared by the keystore, the tests and the fuzzers. */
#ifndef COFFER_DEVICE_INTERNAL_H
#define COFFER_DEVICE_INTERNAL_H

#include <coffer/device.h>

/** coffer_device_assemble(out, id, sign, agree): a device of id ${id}
 * from the Ed25519 key *${sign} and the X25519 key *${agree}, which it
 * takes over (both set to NULL) on success; on error the caller keeps
 * them. Returns 0, COFFER_ERR_INVALID (a NULL or wrongly kinded key),
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
int coffer_device_assemble(struct coffer_device **out,
    const uint8_t id[COFFER_DEVICE_ID_BYTES], struct coffer_key **sign,
    struct coffer_key **agree) COFFER_WUR;

/** coffer_device_card_write(out, card): append the encoding of ${card}
 * (signature included, as given) to ${out}. Returns 0, COFFER_ERR_TOOBIG
 * or COFFER_ERR_NOMEM; on error ${out} is unchanged. */
int coffer_device_card_write(struct coffer_buf *out,
    const struct coffer_device_card *card) COFFER_WUR;

#endif
