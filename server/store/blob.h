/*
 * The blob store: one ops table every backend fills (a local folder
 * today, S3-compatible later). Blobs are immutable byte strings named by
 * (account, 32-byte id): the same id in two accounts is two blobs, and
 * nothing reaches another account's. Bodies stream in and out through
 * writers and readers, so memory stays flat for any size.
 *
 * Every function returns 0 or a negative COFFER_ERR_*
 * (types.h), may be called from several threads at once on one handle
 * (a writer or a reader belongs to one thread at a time), and may also
 * return NOMEM and IO.
 *
 * What the store knows is the bytes; which blobs an account holds and
 * their sizes against its quota are the metadata store's (meta.h,
 * blob_ref_*). The routes write the blob first and then its reference,
 * and drop the reference first and then the blob: a crash between the
 * two leaves an unreferenced blob (space to sweep), never a reference to
 * missing bytes.
 */
#ifndef COFFERD_STORE_BLOB_H
#define COFFERD_STORE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "store/types.h"

/* The version of struct store_blob_ops this header describes; functions
 * are only appended (see STORE_META_OPS_VERSION). */
#define STORE_BLOB_OPS_VERSION	2

struct store_blob_ops;

/* scan's callback: a blob file of ${account} named ${id}; 0 or an error
 * (the scan goes on and returns the last one). */
typedef int (*store_blob_scan_fn)(void *ctx,
    const uint8_t account[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES]);

/* Every backend's handle, writer and reader begin with their table. */
struct store_blob {
	const struct store_blob_ops *ops;
};
struct store_blob_writer {
	const struct store_blob_ops *ops;
};
struct store_blob_reader {
	const struct store_blob_ops *ops;
};

struct store_blob_ops {
	int		 version;	/* STORE_BLOB_OPS_VERSION */
	const char	*name;		/* "fs" */

	int	(*open)(struct store_blob **bp, const char *where,
		    const struct store_config *cfg);
	void	(*close)(struct store_blob **bp);

	int	(*put_begin)(struct store_blob *b,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES],
		    struct store_blob_writer **wp);
	int	(*put_write)(struct store_blob_writer *w, const uint8_t *buf,
		    size_t len);
	int	(*put_commit)(struct store_blob_writer **wp, uint64_t *size);
	void	(*put_abort)(struct store_blob_writer **wp);

	int	(*get_open)(struct store_blob *b,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES], uint64_t offset,
		    struct store_blob_reader **rp, uint64_t *size);
	int	(*get_read)(struct store_blob_reader *r, uint8_t *buf,
		    size_t cap, size_t *got);
	void	(*get_close)(struct store_blob_reader **rp);

	int	(*size)(struct store_blob *b,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES], uint64_t *size);
	int	(*exists)(struct store_blob *b,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES]);
	int	(*remove)(struct store_blob *b,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES]);
	int	(*purge_account)(struct store_blob *b,
		    const uint8_t account[COFFER_WIRE_ID_BYTES]);

	/* Version 2: the maintenance sweep and the health probe. */
	int	(*scan)(struct store_blob *b, int64_t before,
		    store_blob_scan_fn fn, void *ctx, uint64_t *dropped);
	int	(*probe)(struct store_blob *b);
};

/*
 * The contract of each function, in the order of the table:
 *
 * open(bp, where, cfg): open or create the store at ${where} (for the
 *   folder backend, the blobs folder), dropping what interrupted writes
 *   and purges left. The caller guarantees one process per store.
 *   INVALID, IO.
 * close(bp): close *${bp} (NULL accepted) and set it to NULL.
 *
 * put_begin(b, account, id, wp): start writing blob ${id}. INVALID.
 * put_write(w, buf, len): append ${len} bytes. TOOBIG (the blob would
 *   pass cfg->blob_max), IO. After an error the writer only aborts.
 * put_commit(wp, size): make the blob durable and visible, free the
 *   writer, set *${wp} = NULL and the total in *${size} (NULL accepted).
 *   When ${id} exists already, nothing is rewritten: the bytes written were
 *   read and dropped, and the commit returns 0 if their count equals the
 *   stored size, else CONFLICT (the stored blob stays as it was; the
 *   store does not compare contents: ids are the client's names for its
 *   content). BUSY if the existing blob was removed meanwhile (retry), or
 *   the error that ended the writer.
 * put_abort(wp): drop the writer and its bytes (NULL accepted); nothing
 *   becomes visible.
 *
 * get_open(b, account, id, offset, rp, size): a reader at byte ${offset};
 *   *${size} is the blob's whole size (NULL accepted). NOTFOUND, INVALID
 *   (offset past the end; offset == size is an empty read).
 * get_read(r, buf, cap, got): up to ${cap} bytes; *${got} = 0 at the end.
 * get_close(rp): NULL accepted; sets *${rp} = NULL.
 *
 * size(b, account, id, size): NOTFOUND.
 * exists(b, account, id): 0 if the blob is there, else NOTFOUND.
 * remove(b, account, id): durable once it returns. NOTFOUND.
 * purge_account(b, account): every blob of ${account}; 0 also if it had
 *   none.
 *
 * Version 2.
 *
 * scan(b, before, fn, ctx, dropped): walk the store once: drop the
 *   temporary files of writes that ended without a commit (their writer
 *   is gone: never one in flight) last changed before Unix time
 *   ${before}, their count in *${dropped} (NULL accepted), and call
 *   ${fn}(${ctx}, account, id) for every blob last changed before
 *   ${before}; the caller decides which are orphans (no reference) and
 *   removes them. 0, or the last error met (the walk goes on).
 * probe(b): a cheap check that the store answers and takes writes (the
 *   folder backend creates, writes and removes a small file). 0 or IO.
 *
 * Blob files keep no meaningful times (the folder backend sets them to
 *   0), so that the store does not tell when a blob was written or read.
 */

/* The folder backend (blob_fs.c). */
extern const struct store_blob_ops store_blob_fs_ops;

#endif
