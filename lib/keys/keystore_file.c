/* coffer_keystore_save/load: the keystore on disk, written atomically and
 * read only from a private regular file. See docs/PROTOCOL-keys.md. */
#include <coffer/err.h>
#include <coffer/keystore.h>

#include "core/file.h"

int
coffer_keystore_save(const char *path, const struct coffer_device *device,
    const uint8_t *passcode, size_t passcode_len,
    const struct coffer_keystore_params *params)
{
	struct coffer_buf *b = NULL;
	int r = COFFER_ERR_INVALID;

	if (path == NULL || path[0] == '\0')
		goto out;
	if ((b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = coffer_keystore_encode(b, device, passcode, passcode_len,
	    params)) != 0)
		goto out;
	r = file_write_atomic(path, coffer_buf_data(b),
	    coffer_buf_len(b), 0600);
out:
	coffer_buf_free(&b);
	return r;
}

int
coffer_keystore_load(struct coffer_device **out, const char *path,
    const uint8_t *passcode, size_t passcode_len)
{
	struct coffer_buf *b = NULL;
	int r = COFFER_ERR_NOMEM;

	*out = NULL;
	if ((b = coffer_buf_new_secret(COFFER_KEYSTORE_MAX + 1)) == NULL)
		goto out;
	if ((r = file_read_private(path, COFFER_KEYSTORE_MAX, b)) != 0)
		goto out;
	r = coffer_keystore_parse(out, coffer_buf_data(b), coffer_buf_len(b),
	    passcode, passcode_len);
out:
	coffer_buf_free(&b);
	return r;
}
