/* The storage a backup repository lives in (docs/PROTOCOL-backup.md,
 * "Storage"). The backup engine never speaks HTTP: it calls these
 * operations, which the client implements over a cofferd server (blobs and
 * the records of the backup set's zone) and tests implement over a local
 * folder or memory. Everything the engine hands to them is ciphertext.
 *
 * Two namespaces:
 * - blobs: immutable objects named by a 32-byte id, at most
 *   COFFER_BSTORE_BLOB_MAX bytes (packs, index segments);
 * - refs: small objects named by a 16-byte name, at most
 *   COFFER_BSTORE_REF_MAX bytes, listed whole (snapshots, index pointers).
 *
 * Every operation may be called from several threads at once. Errors are
 * coffer error codes: COFFER_ERR_NOTFOUND for a missing object,
 * COFFER_ERR_NETWORK, COFFER_ERR_SERVER, COFFER_ERR_UNAUTHORIZED,
 * COFFER_ERR_QUOTA, COFFER_ERR_CONFLICT (a blob id held with another size),
 * COFFER_ERR_IO, COFFER_ERR_NOMEM. */
#ifndef COFFER_BACKUP_STORE_H
#define COFFER_BACKUP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/export.h>
#include <coffer/wire.h>

#define COFFER_BSTORE_ID_BYTES		COFFER_WIRE_BLOB_ID_BYTES
#define COFFER_BSTORE_NAME_BYTES	16
#define COFFER_BSTORE_BLOB_MAX		((size_t)COFFER_WIRE_BLOB_MAX)
#define COFFER_BSTORE_REF_MAX		((size_t)1024 * 1024)
#define COFFER_BSTORE_BATCH_MAX		COFFER_WIRE_EXISTS_MAX
#define COFFER_BSTORE_ABSENT		UINT64_MAX

/* One transfer of a batch. put: id, data, len. get: id, offset and length
 * (length 0: from offset to the end), out (the bytes are appended).
 * result: set by the operation for this item (0 or an error). */
struct coffer_bstore_xfer {
	uint8_t			 id[COFFER_BSTORE_ID_BYTES];
	const uint8_t		*data;
	size_t			 len;
	uint64_t		 offset;
	size_t			 length;
	struct coffer_buf	*out;
	int			 result;
};

/* Called by ref_list for each ref; a nonzero return stops the listing and
 * is returned by it. */
typedef int (*coffer_bstore_ref_fn)(void *arg,
    const uint8_t name[COFFER_BSTORE_NAME_BYTES], const uint8_t *data,
    size_t len);

/* Called by list for each blob, ids increasing; a nonzero return stops
 * the listing and is returned by it. */
typedef int (*coffer_bstore_blob_fn)(void *arg,
    const uint8_t id[COFFER_BSTORE_ID_BYTES], uint64_t size);

struct coffer_bstore_ops {
	/* Store n blobs (in parallel where the store can). Storing an id
	 * the store holds with the same length succeeds without a write.
	 * Returns 0 when every item succeeded, else the first item's error
	 * (each item's own is in its result). */
	int	(*put_many)(void *ctx, struct coffer_bstore_xfer *x, size_t n);
	/* Read n blobs or ranges of them; as put_many. A range past the
	 * end is COFFER_ERR_FORMAT; fewer bytes than asked,
	 * COFFER_ERR_TRUNCATED. */
	int	(*get_many)(void *ctx, struct coffer_bstore_xfer *x, size_t n);
	/* Which of n <= COFFER_BSTORE_BATCH_MAX blobs the store holds:
	 * sizes[i] is the size, or COFFER_BSTORE_ABSENT. */
	int	(*exists)(void *ctx, const uint8_t (*ids)[COFFER_BSTORE_ID_BYTES],
		    size_t n, uint64_t *sizes);
	/* Delete one blob; COFFER_ERR_NOTFOUND if it is not there. */
	int	(*del)(void *ctx, const uint8_t id[COFFER_BSTORE_ID_BYTES]);
	/* Create a ref; COFFER_ERR_EXISTS if the name is taken. */
	int	(*ref_put)(void *ctx, const uint8_t name[COFFER_BSTORE_NAME_BYTES],
		    const uint8_t *data, size_t len);
	/* Every ref, in no particular order. */
	int	(*ref_list)(void *ctx, coffer_bstore_ref_fn fn, void *arg);
	/* Delete one ref; COFFER_ERR_NOTFOUND if it is not there. */
	int	(*ref_del)(void *ctx,
		    const uint8_t name[COFFER_BSTORE_NAME_BYTES]);
	/* A detail for the last error of the calling thread (the server's
	 * message, a path), or NULL. */
	const char *(*message)(void *ctx);
	/* Every blob the store holds, ids increasing, with its size;
	 * through a server, every blob of the account (several sets and
	 * other uses share it). Optional: NULL where a store cannot list
	 * (then nothing is reported or removed as an orphan). */
	int	(*list)(void *ctx, coffer_bstore_blob_fn fn, void *arg);
};

/* A store: its operations and their context. */
struct coffer_bstore {
	const struct coffer_bstore_ops	*ops;
	void				*ctx;
};

/** coffer_bstore_dir_open(out, dir): a store in the local folder ${dir}
 * (created if missing, with blobs/, refs/ and tmp/ inside): every object
 * is written to a temporary file, fsynced, renamed into place and its
 * folder fsynced. Fills *${out}; release with coffer_bstore_dir_close.
 * Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOMEM or COFFER_ERR_IO. */
COFFER_API int coffer_bstore_dir_open(struct coffer_bstore *out,
    const char *dir) COFFER_WUR;

/** coffer_bstore_dir_close(s): close a store made by coffer_bstore_dir_open
 * and clear *${s}; does nothing for NULL or another kind of store. */
COFFER_API void coffer_bstore_dir_close(struct coffer_bstore *s);

#endif
