/* Private files: written atomically, read only when they are ours alone.
 * The keystore and the client's home folder keep their files this way. */
#ifndef COFFER_CORE_FILE_H
#define COFFER_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>

/** file_write_atomic(path, p, len): replace ${path} with the ${len}
 * bytes at ${p}: a new file of mode 0600 in the same directory, written,
 * synced and renamed over ${path}, then the directory synced. On failure
 * before the rename ${path} is untouched and the temporary file removed.
 * Returns 0, COFFER_ERR_INVALID (an empty ${path}), COFFER_ERR_NOMEM,
 * COFFER_ERR_NOSPACE (the disk is full) or COFFER_ERR_IO. */
int file_write_atomic(const char *path, const uint8_t *p, size_t len);

/** file_read_private(path, max, out): append the whole file at
 * ${path} to ${out}. It must be a regular file (not a symbolic link) owned
 * by the effective user with no permission bits for group or others, else
 * COFFER_ERR_PERM; at most ${max} bytes, else COFFER_ERR_TOOBIG. Returns 0,
 * those, COFFER_ERR_NOTFOUND, COFFER_ERR_NOMEM or COFFER_ERR_IO. */
int file_read_private(const char *path, size_t max,
    struct coffer_buf *out);

#endif
