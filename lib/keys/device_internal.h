/* Device internals shared by the keystore, the tests and the fuzzers. */
#ifndef COFFER_DEVICE_INTERNAL_H
#define COFFER_DEVICE_INTERNAL_H

#include <coffer/device.h>

/** device_assemble(out, id, sign, agree): a device of id ${id}
 * from the Ed25519 key *${sign} and the X25519 key *${agree}, which it
 * takes over (both set to NULL) on success; on error the caller keeps
 * them. Returns 0, COFFER_ERR_INVALID (a NULL or wrongly kinded key),
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. */
int device_assemble(struct coffer_device **out,
    const uint8_t id[COFFER_DEVICE_ID_BYTES], struct coffer_key **sign,
    struct coffer_key **agree) COFFER_WUR;

/** device_import(out, id, sign_seed, sign_version, agree_secret,
 * agree_version): a device of id ${id} from copies of the Ed25519 seed and
 * the X25519 secret with their key versions. Returns as
 * device_assemble. */
int device_import(struct coffer_device **out,
    const uint8_t id[COFFER_DEVICE_ID_BYTES],
    const uint8_t sign_seed[COFFER_KEY_BYTES], uint32_t sign_version,
    const uint8_t agree_secret[COFFER_KEY_BYTES], uint32_t agree_version)
    COFFER_WUR;

/** device_equal(a, b): 1 if ${a} and ${b} hold the same id and the
 * same keys (compared in constant time), else 0. */
int device_equal(const struct coffer_device *a,
    const struct coffer_device *b);

/** device_card_write(out, card): append the encoding of ${card}
 * (signature included, as given) to ${out}. Returns 0, COFFER_ERR_TOOBIG
 * or COFFER_ERR_NOMEM; on error ${out} is unchanged. */
int device_card_write(struct coffer_buf *out,
    const struct coffer_device_card *card) COFFER_WUR;

#endif
