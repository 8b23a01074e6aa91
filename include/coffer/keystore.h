/* The keystore file (docs/PROTOCOL-keys.md, "Keystore"): a device's
 * private keys on disk, mode 0600, either in the clear with a checksum or
 * sealed under a key that Argon2id derives from a local passcode. Written
 * atomically (temporary file, fsync, rename, fsync of the directory). */
#ifndef COFFER_KEYSTORE_H
#define COFFER_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/device.h>
#include <coffer/export.h>

#define COFFER_KEYSTORE_VERSION		1
/* The largest keystore file load reads (bytes). */
#define COFFER_KEYSTORE_MAX		4096
/* The Argon2id costs a keystore may name; outside them it is refused. */
#define COFFER_KEYSTORE_OPSLIMIT_MIN	1
#define COFFER_KEYSTORE_OPSLIMIT_MAX	16
#define COFFER_KEYSTORE_MEMLIMIT_MIN	8192		/* KiB: 8 MiB */
#define COFFER_KEYSTORE_MEMLIMIT_MAX	4194304		/* KiB: 4 GiB */
/* The longest passcode accepted (bytes). */
#define COFFER_KEYSTORE_PASSCODE_MAX	1024

/* Argon2id13 cost of a passcode-protected keystore. */
struct coffer_keystore_params {
	uint32_t	opslimit;	/* passes */
	uint32_t	memlimit_kib;	/* memory, KiB */
};

/** coffer_keystore_params_default(): the default cost (opslimit 5,
 * 256 MiB: about 0.7 s on the reference machine, see the spec). */
COFFER_API struct coffer_keystore_params coffer_keystore_params_default(void);

/** coffer_keystore_encode(out, device, passcode, passcode_len, params):
 * append to ${out} a keystore holding the private keys of ${device}: in
 * the clear if ${passcode} is NULL, else sealed under Argon2id(${passcode},
 * random salt) with the cost ${params} (NULL for the default). Returns 0,
 * COFFER_ERR_INVALID (an empty or over-long passcode, a cost out of
 * range), COFFER_ERR_TOOBIG (${out} full), COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO; on error ${out} is unchanged. */
COFFER_API int coffer_keystore_encode(struct coffer_buf *out,
    const struct coffer_device *device, const uint8_t *passcode,
    size_t passcode_len, const struct coffer_keystore_params *params)
    COFFER_WUR;

/** coffer_keystore_parse(out, p, len, passcode, passcode_len): strictly
 * parse the ${len} bytes at ${p} as a keystore and return its device in
 * *${out}. ${passcode} must be NULL for an unprotected keystore and given
 * for a protected one. Structure is checked before the passcode, the
 * passcode before any Argon2 work. Returns 0, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_FORMAT (bad magic, protection byte, Argon2 cost out of range,
 * sealed part of the wrong shape, payload field, checksum of an
 * unprotected keystore), COFFER_ERR_VERSION, COFFER_ERR_TRAILING,
 * COFFER_ERR_TOOBIG, COFFER_ERR_CONTEXT or COFFER_ERR_KEY (the sealed
 * part was made for something else), COFFER_ERR_PASSCODE (a wrong or
 * missing passcode, a passcode for an unprotected keystore, or a sealed
 * part that was altered: the two cannot be told apart), COFFER_ERR_INVALID,
 * COFFER_ERR_NOMEM (also when the Argon2 memory cannot be had) or
 * COFFER_ERR_CRYPTO. On error *${out} is NULL. */
COFFER_API int coffer_keystore_parse(struct coffer_device **out,
    const uint8_t *p, size_t len, const uint8_t *passcode,
    size_t passcode_len) COFFER_WUR;

/** coffer_keystore_save(path, device, passcode, passcode_len, params):
 * write the keystore of ${device} (as coffer_keystore_encode) to ${path}
 * atomically: a new file of mode 0600 in the same directory, written,
 * synced and renamed over ${path}, then the directory synced. On failure
 * before the rename ${path} is untouched and the temporary file removed.
 * Returns 0, COFFER_ERR_INVALID (also for an empty ${path}), an error of
 * coffer_keystore_encode, or COFFER_ERR_IO (a system call failed; after
 * the rename only if syncing the directory failed, in which case ${path}
 * holds the new keystore). */
COFFER_API int coffer_keystore_save(const char *path,
    const struct coffer_device *device, const uint8_t *passcode,
    size_t passcode_len, const struct coffer_keystore_params *params)
    COFFER_WUR;

/** coffer_keystore_load(out, path, passcode, passcode_len): read the
 * keystore at ${path} and parse it as coffer_keystore_parse. The file must
 * be a regular file (not a symbolic link) owned by the effective user, with
 * no permission bits for group or others, else COFFER_ERR_PERM; at most
 * COFFER_KEYSTORE_MAX bytes, else COFFER_ERR_TOOBIG. Returns 0, those,
 * COFFER_ERR_NOTFOUND (no such file), COFFER_ERR_IO, or an error of
 * coffer_keystore_parse. On error *${out} is NULL. */
COFFER_API int coffer_keystore_load(struct coffer_device **out,
    const char *path, const uint8_t *passcode, size_t passcode_len)
    COFFER_WUR;

#endif
