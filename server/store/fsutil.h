/* File-system helpers the storage backends share (fsutil.c). */
#ifndef COFFERD_STORE_FSUTIL_H
#define COFFERD_STORE_FSUTIL_H

/** store_fs_sync_parent(path): fsync the folder that holds ${path}, so
 * that a name created in it is durable. Returns 0, COFFER_ERR_TOOBIG (a
 * path past PATH_MAX) or COFFER_ERR_IO. */
int store_fs_sync_parent(const char *path);

/** store_fs_mkdir(path): create the folder ${path} with mode 0700 unless it
 * exists, and then make its name durable. Returns 0, COFFER_ERR_NOTFOUND
 * (no parent folder), COFFER_ERR_EXISTS (${path} is not a folder) or
 * COFFER_ERR_IO. */
int store_fs_mkdir(const char *path);

/** store_fs_sync_fd(fd): fsync ${fd}, retrying EINTR. Returns 0 or
 * COFFER_ERR_IO. */
int store_fs_sync_fd(int fd);

#endif
