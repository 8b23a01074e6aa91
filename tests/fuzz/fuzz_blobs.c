/* Fuzz the body parser of POST /v1/blobs/exists: wire_json_parse as the
 * HTTP layer runs it, then srv_parse_blob_exists. Invariants: an accepted
 * body is {"ids": [...]} with nothing else, at most COFFER_WIRE_EXISTS_MAX
 * ids, each of which re-encodes to its string in the body, in order; a
 * refused one leaves the output empty and names a 400 code with a
 * message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/json.h"
#include "routes/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_blob_ids ids;
	struct wire_json_err e;
	json_t *body = NULL, *arr;
	char hex[2 * COFFER_WIRE_BLOB_ID_BYTES + 1];
	size_t i;

	if (size > SRV_BLOB_EXISTS_BODY)
		return 0;
	if (wire_json_parse((const char *)data, size, WIRE_JSON_MAX_DEPTH,
	    &body, &e) != 0)
		return 0;
	memset(&e, 0, sizeof(e));
	if (srv_parse_blob_exists(body, &ids, &e) != 0) {
		if (ids.ids != NULL || ids.n != 0 || e.message[0] == '\0' ||
		    (srv_err_of_json(e.fault) != SRV_E_MISSING_FIELD &&
		    srv_err_of_json(e.fault) != SRV_E_INVALID_FIELD &&
		    srv_err_of_json(e.fault) != SRV_E_MALFORMED_JSON &&
		    srv_err_of_json(e.fault) != SRV_E_INTERNAL))
			abort();
		json_decref(body);
		return 0;
	}
	arr = json_object_get(body, "ids");
	if (json_object_size(body) != 1 || !json_is_array(arr) ||
	    json_array_size(arr) != ids.n || ids.n > COFFER_WIRE_EXISTS_MAX ||
	    (ids.n > 0) != (ids.ids != NULL))
		abort();
	for (i = 0; i < ids.n; i++) {
		wire_id_encode(hex, ids.ids[i], COFFER_WIRE_BLOB_ID_BYTES);
		if (!json_is_string(json_array_get(arr, i)) ||
		    strcmp(hex, json_string_value(json_array_get(arr, i))) != 0)
			abort();
	}
	srv_blob_ids_cleanup(&ids);
	if (ids.ids != NULL || ids.n != 0)
		abort();
	json_decref(body);
	return 0;
}
