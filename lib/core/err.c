/* coffer_strerror, coffer_err_name: the text and the short name of each
 * error code. */
#include <coffer/err.h>

#include <stddef.h>

static const struct {
	int code;
	const char *name;	/* stable: scripts and --json rely on it */
	const char *text;
} errtab[] = {
	{ COFFER_OK, "ok", "success" },
	{ COFFER_ERR_INTERNAL, "internal", "internal error" },
	{ COFFER_ERR_NOMEM, "nomem", "out of memory" },
	{ COFFER_ERR_INVALID, "invalid", "invalid argument" },
	{ COFFER_ERR_FORMAT, "format", "malformed input" },
	{ COFFER_ERR_AUTH, "auth",
	    "not authentic: the data was altered or the key is wrong" },
	{ COFFER_ERR_VERSION, "version", "unsupported format version" },
	{ COFFER_ERR_CONTEXT, "context",
	    "data made for another purpose (context mismatch)" },
	{ COFFER_ERR_TOOBIG, "toobig", "size limit exceeded" },
	{ COFFER_ERR_IO, "io", "input/output error" },
	{ COFFER_ERR_TRUNCATED, "truncated", "input is truncated" },
	{ COFFER_ERR_TRAILING, "trailing",
	    "unexpected bytes after the end of the input" },
	{ COFFER_ERR_KEY, "key", "sealed under a different key" },
	{ COFFER_ERR_CHECKSUM, "checksum",
	    "mistyped: the checksum does not match" },
	{ COFFER_ERR_CRYPTO, "crypto", "cryptographic library failure" },
	{ COFFER_ERR_PERM, "perm", "unsafe file permissions" },
	{ COFFER_ERR_NOTFOUND, "notfound", "not found" },
	{ COFFER_ERR_EXISTS, "exists", "already exists" },
	{ COFFER_ERR_PASSCODE, "passcode", "wrong passcode" },
	{ COFFER_ERR_STATE, "state",
	    "operation not valid in the current state" },
	{ COFFER_ERR_CONFLICT, "conflict", "conflict: the object has changed" },
	{ COFFER_ERR_QUOTA, "quota", "quota exceeded" },
	{ COFFER_ERR_BUSY, "busy", "busy: try again later" },
	{ COFFER_ERR_NETWORK, "network", "the server could not be reached" },
	{ COFFER_ERR_SERVER, "server",
	    "the server failed or gave an invalid answer" },
	{ COFFER_ERR_UNAUTHORIZED, "unauthorized",
	    "not signed in, or sign-in refused" },
	{ COFFER_ERR_NOSPACE, "nospace", "no space left on the device" },
	{ COFFER_ERR_CORRUPT, "corrupt",
	    "stored data is corrupt or was altered" },
	{ COFFER_ERR_CANCELLED, "cancelled", "cancelled" },
	{ COFFER_ERR_ROLLBACK, "rollback",
	    "the server hid, withheld or brought back repository refs" },
};

static size_t
err_find(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == err)
			break;
	return i;
}

const char *
coffer_strerror(int err)
{
	size_t i = err_find(err);

	return i < sizeof(errtab) / sizeof(errtab[0]) ? errtab[i].text :
	    "unknown error";
}

const char *
coffer_err_name(int err)
{
	size_t i = err_find(err);

	return i < sizeof(errtab) / sizeof(errtab[0]) ? errtab[i].name :
	    "unknown";
}
