/* Files: the one write, sync and atomic-replacement family every writer
 * of the project uses (the keystore, the client's home, the backup
 * engine's caches and folder store, cofferd's data folder), and
 * owner-only reads. Each function leaves errno as the failed call set it,
 * for callers that report it. */
#ifndef COFFER_CORE_FILE_H
#define COFFER_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <coffer/buf.h>

/** file_write_all(fd, p, len): write the ${len} bytes at ${p} to ${fd},
 * going on after short writes and EINTR. Returns 0, COFFER_ERR_NOSPACE
 * (ENOSPC, EDQUOT) or COFFER_ERR_IO. */
int file_write_all(int fd, const void *p, size_t len);

/** file_pwrite_all(fd, p, len, off): file_write_all at offset ${off} of
 * ${fd} (pwrite: the file offset is untouched). Returns as
 * file_write_all. */
int file_pwrite_all(int fd, const void *p, size_t len, off_t off);

/** file_sync(fd): fsync ${fd}, retrying EINTR. Returns 0 or
 * COFFER_ERR_IO. */
int file_sync(int fd);

/** file_datasync(fd): fdatasync ${fd}, retrying EINTR: the data and
 * what reading it back needs (the size), not the times. Returns 0 or
 * COFFER_ERR_IO. */
int file_datasync(int fd);

/** file_sync_dir_at(dirfd, path): fsync the folder ${path} (relative to
 * ${dirfd}, or AT_FDCWD), so that names made or removed in it are
 * durable. Returns 0 or COFFER_ERR_IO. */
int file_sync_dir_at(int dirfd, const char *path);

/** file_sync_parent(path): fsync the folder that holds ${path}. Returns
 * 0, COFFER_ERR_TOOBIG (a path past PATH_MAX) or COFFER_ERR_IO. */
int file_sync_parent(const char *path);

/** file_mkdir(path): create the folder ${path} with mode 0700 unless it
 * exists, then make its name durable. Returns 0, COFFER_ERR_NOTFOUND (no
 * parent folder), COFFER_ERR_EXISTS (${path} is not a folder) or
 * COFFER_ERR_IO. */
int file_mkdir(const char *path);

/** file_write_atomic(path, p, len, mode): replace ${path} with the ${len}
 * bytes at ${p}: a new file of ${mode} in the same directory, written,
 * synced and renamed over ${path}, then the directory synced. On failure
 * before the rename ${path} is untouched and the temporary file removed.
 * Returns 0, COFFER_ERR_INVALID (an empty ${path}), COFFER_ERR_NOMEM,
 * COFFER_ERR_NOSPACE (the disk is full) or COFFER_ERR_IO. */
int file_write_atomic(const char *path, const uint8_t *p, size_t len,
    mode_t mode);

/** file_read_private(path, max, out): append the whole file at ${path}
 * to ${out}. It must be a regular file (not a symbolic link) owned by the
 * effective user with no permission bits for group or others, else
 * COFFER_ERR_PERM; at most ${max} bytes, else COFFER_ERR_TOOBIG. Returns
 * 0, those, COFFER_ERR_NOTFOUND, COFFER_ERR_NOMEM or COFFER_ERR_IO. */
int file_read_private(const char *path, size_t max, struct coffer_buf *out);

#endif
