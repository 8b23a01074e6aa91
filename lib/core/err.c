/* coffer_strerror: the text of each error code. */
#include <coffer/err.h>

#include <stddef.h>

static const struct {
	int code;
	const char *text;
} errtab[] = {
	{ COFFER_OK, "success" },
	{ COFFER_ERR_INTERNAL, "internal error" },
	{ COFFER_ERR_NOMEM, "out of memory" },
	{ COFFER_ERR_INVALID, "invalid argument" },
	{ COFFER_ERR_FORMAT, "malformed input" },
	{ COFFER_ERR_AUTH, "not authentic: the data was altered or the key is wrong" },
	{ COFFER_ERR_VERSION, "unsupported format version" },
	{ COFFER_ERR_CONTEXT, "data made for another purpose (context mismatch)" },
	{ COFFER_ERR_TOOBIG, "size limit exceeded" },
	{ COFFER_ERR_IO, "input/output error" },
	{ COFFER_ERR_TRUNCATED, "input is truncated" },
	{ COFFER_ERR_TRAILING, "unexpected bytes after the end of the input" },
	{ COFFER_ERR_KEY, "sealed under a different key" },
	{ COFFER_ERR_CHECKSUM, "mistyped: the checksum does not match" },
	{ COFFER_ERR_CRYPTO, "cryptographic library failure" },
	{ COFFER_ERR_PERM, "unsafe file permissions" },
	{ COFFER_ERR_NOTFOUND, "not found" },
	{ COFFER_ERR_EXISTS, "already exists" },
	{ COFFER_ERR_PASSCODE, "wrong passcode" },
	{ COFFER_ERR_STATE, "operation not valid in the current state" },
	{ COFFER_ERR_CONFLICT, "conflict: the object has changed" },
	{ COFFER_ERR_QUOTA, "quota exceeded" },
	{ COFFER_ERR_BUSY, "busy: try again later" },
	{ COFFER_ERR_NETWORK, "the server could not be reached" },
	{ COFFER_ERR_SERVER, "the server failed or gave an invalid answer" },
	{ COFFER_ERR_UNAUTHORIZED, "not signed in, or sign-in refused" },
	{ COFFER_ERR_NOSPACE, "no space left on the device" },
	{ COFFER_ERR_CORRUPT, "stored data is corrupt or was altered" },
	{ COFFER_ERR_CANCELLED, "cancelled" },
};

const char *
coffer_strerror(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == err)
			return errtab[i].text;
	return "unknown error";
}
