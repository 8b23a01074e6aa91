/* One error enum for the whole project. Values are negative and
 * append-only: never renumber, retire a value as COFFER_ERR_OBSOLETEn. */
#ifndef COFFER_ERR_H
#define COFFER_ERR_H

#include <coffer/export.h>

enum coffer_err {
	COFFER_OK = 0,
	COFFER_ERR_INTERNAL = -1,	/* a bug: an invariant did not hold */
	COFFER_ERR_NOMEM = -2,		/* out of memory */
	COFFER_ERR_INVALID = -3,	/* the caller passed a bad argument */
	COFFER_ERR_FORMAT = -4,		/* input is malformed */
	COFFER_ERR_AUTH = -5,		/* input is not authentic (tag, signature) */
	COFFER_ERR_VERSION = -6,	/* format version not supported */
	COFFER_ERR_CONTEXT = -7,	/* input made for another context */
	COFFER_ERR_TOOBIG = -8,		/* a size cap would be exceeded */
	COFFER_ERR_IO = -9,		/* read, write, fsync, rename failed */
	COFFER_ERR_TRUNCATED = -10,	/* input ends early */
	COFFER_ERR_TRAILING = -11,	/* bytes after the end of the input */
	COFFER_ERR_KEY = -12,		/* sealed under another key (key id) */
	COFFER_ERR_CHECKSUM = -13,	/* a typed code is mistyped */
	COFFER_ERR_CRYPTO = -14,	/* the crypto library failed */
	COFFER_ERR_PERM = -15,		/* unsafe file permissions */
	COFFER_ERR_NOTFOUND = -16,	/* no such object */
	COFFER_ERR_EXISTS = -17,	/* the object exists already */
	COFFER_ERR_PASSCODE = -18,	/* wrong passcode for a local keystore */
	COFFER_ERR_STATE = -19,		/* call not valid in this object's state */
	COFFER_ERR_CONFLICT = -20,	/* the object changed: version or size mismatch */
	COFFER_ERR_QUOTA = -21,		/* a quota would be exceeded */
	COFFER_ERR_BUSY = -22,		/* locked or overloaded: try again */
	COFFER_ERR_NETWORK = -23,	/* the server could not be reached */
	COFFER_ERR_SERVER = -24,	/* the server failed or answered nonsense */
	COFFER_ERR_UNAUTHORIZED = -25,	/* not signed in, or sign-in refused */
	COFFER_ERR_NOSPACE = -26,	/* no space left on the local disk */
	COFFER_ERR_CORRUPT = -27,	/* a stored object fails its checks */
	COFFER_ERR_CANCELLED = -28,	/* the caller asked to stop */
	COFFER_ERR_ROLLBACK = -29,	/* the server hid or brought back refs */
};

/** coffer_strerror(err): a static English sentence for ${err}; never NULL,
 * also for values it does not know. */
COFFER_API const char *coffer_strerror(int err);

/** coffer_err_name(err): a static short snake_case name for ${err}
 * ("network", "corrupt", "notfound"), distinct per code and stable across
 * releases, for programs and machine-readable output; "unknown" for values
 * it does not know. */
COFFER_API const char *coffer_err_name(int err);

#endif
