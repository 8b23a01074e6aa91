/* Fuzz the request-body parsers of the device, zone and record routes
 * (server/routes/routes.h: srv_parse_device_put, srv_parse_zone_put,
 * srv_parse_record_put), behind wire_json_parse as the HTTP layer runs
 * them. Invariants: no crash or leak; a refused body leaves the output
 * empty with a 4xx code (or internal); an accepted one holds exactly what
 * the JSON said: its bytes re-encode to the very strings sent, sizes and
 * versions are within their caps, a card parses and a category's name is
 * the one sent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/category.h>
#include <coffer/device.h>

#include "wire/json.h"
#include "routes/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is ${v} the base64url of p[0..n)? */
static int
same_b64(const json_t *v, const uint8_t *p, size_t n)
{
	json_t *again = wire_json_new_bytes(p, n);
	int ok = again != NULL && json_equal(again, v);

	json_decref(again);
	return ok;
}

static void
refused(const struct wire_json_err *e)
{
	if (srv_err_of_json(e->fault) != SRV_E_MISSING_FIELD && srv_err_of_json(e->fault) != SRV_E_INVALID_FIELD &&
	    srv_err_of_json(e->fault) != SRV_E_BODY_TOO_LARGE && srv_err_of_json(e->fault) != SRV_E_INTERNAL)
		abort();
	if (e->message[0] == '\0')
		abort();
}

static void
device(const json_t *body)
{
	struct srv_device_put p;
	struct coffer_device_card card;
	struct wire_json_err e;

	if (srv_parse_device_put(body, &p, &e) != 0) {
		refused(&e);
		if (srv_err_of_json(e.fault) == SRV_E_BODY_TOO_LARGE || p.raw != NULL ||
		    p.name != NULL || p.raw_len != 0 || p.name_len != 0)
			abort();
		return;
	}
	if (p.raw_len != COFFER_DEVICE_CARD_BYTES ||
	    !same_b64(json_object_get(body, "card"), p.raw, p.raw_len) ||
	    coffer_device_card_parse(&card, p.raw, p.raw_len) != 0 ||
	    memcmp(&card, &p.card, sizeof(card)) != 0)
		abort();
	if (json_object_get(body, "name") != NULL ? p.name_len == 0 ||
	    p.name_len > COFFER_WIRE_DEVICE_NAME_MAX ||
	    !same_b64(json_object_get(body, "name"), p.name, p.name_len) :
	    p.name != NULL || p.name_len != 0)
		abort();
	srv_device_put_cleanup(&p);
}

static void
zone(const json_t *body)
{
	const struct coffer_category *c;
	struct wire_json_err e;
	const char *name;
	uint8_t id = 0;

	if (srv_parse_zone_put(body, &id, &e) != 0) {
		refused(&e);
		return;
	}
	name = json_string_value(json_object_get(body, "category"));
	if (json_object_size(body) != 1 || name == NULL ||
	    (c = coffer_category_by_id(id)) == NULL || strcmp(name, c->name))
		abort();
}

static void
record(const json_t *body)
{
	struct srv_record_put p;
	struct wire_json_err e;

	if (srv_parse_record_put(body, &p, &e) != 0) {
		refused(&e);
		if (p.data != NULL || p.len != 0)
			abort();
		return;
	}
	if (p.len == 0 || p.len > COFFER_WIRE_RECORD_MAX || p.data == NULL ||
	    p.version > (uint64_t)INT64_MAX - 1 ||
	    !same_b64(json_object_get(body, "data"), p.data, p.len) ||
	    json_integer_value(json_object_get(body, "version")) !=
	    (json_int_t)p.version || json_object_size(body) != 2)
		abort();
	srv_record_put_cleanup(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_json_err e;
	json_t *body = NULL;

	if (size > 200000)
		return 0;
	if (wire_json_parse((const char *)data, size, WIRE_JSON_MAX_DEPTH, &body,
	    &e) != 0)
		return 0;
	device(body);
	zone(body);
	record(body);
	json_decref(body);
	return 0;
}
