/* A device's enrolment at sign-in (docs/PROTOCOL-client.md §2): its keys
 * made and kept in device.key if the home has none, and its card
 * registered with the server. Binding the session to it and joining the
 * account's keys follow (account.c). */
#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/keystore.h>

#include <stdio.h>
#include <stdlib.h>

#include "client/client_internal.h"

int
enrol_register(struct coffer_client *c)
{
	struct coffer_buf *card = NULL;
	char path[64], hex[ID_HEX], b64[COFFER_B64URL_LEN(
	    COFFER_DEVICE_CARD_BYTES)], *body = NULL;
	int r = COFFER_ERR_NOMEM;

	if ((card = coffer_buf_new(COFFER_DEVICE_CARD_BYTES)) == NULL)
		goto out;
	if ((r = coffer_device_card_encode(card, c->device)) != 0 ||
	    (r = coffer_b64url_encode(b64, sizeof(b64), coffer_buf_data(card),
	    coffer_buf_len(card))) != 0 ||
	    (r = net_json_body(&body, "{s:s}", "card", b64)) != 0 ||
	    (r = cl_hex(hex, coffer_device_id(c->device))) != 0)
		goto out;
	(void)snprintf(path, sizeof(path), "/v1/devices/%s", hex);
	if ((r = cl_json(c, "PUT", path, body, CL_IDEMPOTENT, NULL,
	    NULL)) == 0)
		r = st_set(c, "registered", "1", 1);
out:
	coffer_buf_free(&card);
	free(body);
	return r;
}

int
enrol_device(struct coffer_client *c)
{
	struct coffer_buf *b = NULL;
	char path[4096];
	int r;

	if (c->device == NULL) {
		if ((r = cl_path(path, sizeof(path), c->home,
		    "device.key")) != 0 ||
		    (r = coffer_device_generate(&c->device)) != 0)
			return r;
		if ((r = coffer_keystore_save(path, c->device, c->passcode,
		    c->passcode_len, NULL)) != 0)
			return cl_fail(c, r, "%s: %s", path,
			    coffer_strerror(r));
	}
	if ((b = coffer_buf_new(8)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_get(c, "registered", b);
	coffer_buf_free(&b);
	if (r == COFFER_ERR_NOTFOUND)
		r = enrol_register(c);
	return r;
}
