/* Fuzz the sign-up and sign-in body parsers: any JSON the HTTP layer
 * would hand them, for each of the four message kinds. No crash, no leak;
 * an accepted body holds an OPAQUE message of exactly the right length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/opaque.h>

#include "wire/json.h"
#include "routes/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char	*field;
	size_t		 len;
} kinds[] = {
	{ "request", COFFER_OPAQUE_REGISTRATION_REQUEST_BYTES },
	{ "record", COFFER_OPAQUE_RECORD_BYTES },
	{ "ke1", COFFER_OPAQUE_KE1_BYTES },
	{ "ke3", COFFER_OPAQUE_KE3_BYTES },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_auth_body b;
	struct wire_json_err e;
	json_t *j = NULL;
	size_t i;

	if (size > 8192 || wire_json_parse((const char *)data, size,
	    WIRE_JSON_MAX_DEPTH, &j, &e) != 0)
		return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (srv_parse_auth_body(j, kinds[i].field, kinds[i].len, &b,
		    &e) != 0) {
			if (e.message[0] == '\0')
				abort();	/* a refusal names its reason */
			continue;
		}
		if (b.msg == NULL || (kinds[i].len != COFFER_OPAQUE_KE3_BYTES &&
		    (b.login == NULL || b.login_len == 0)))
			abort();
		free(b.login);
		free(b.msg);
	}
	json_decref(j);
	return 0;
}
