/* The table behind errors.h. */
#include "errors.h"

static const struct {
	const char	*code;
	unsigned	 status;
	const char	*summary;
} table[SRV_E_COUNT_] = {
	[SRV_E_NONE] = { "none", 200, "no error" },
	[SRV_E_MALFORMED_JSON] = { "malformed_json", 400,
	    "the body is not acceptable JSON" },
	[SRV_E_MISSING_FIELD] = { "missing_field", 400,
	    "a required field is missing" },
	[SRV_E_INVALID_FIELD] = { "invalid_field", 400,
	    "a field has the wrong type or value" },
	[SRV_E_INVALID_ID] = { "invalid_id", 400,
	    "an id is malformed" },
	[SRV_E_INVALID_PARAMETER] = { "invalid_parameter", 400,
	    "a query parameter or header is malformed" },
	[SRV_E_UNAUTHORIZED] = { "unauthorized", 401,
	    "a valid session token is required" },
	[SRV_E_FORBIDDEN] = { "forbidden", 403, "not allowed" },
	[SRV_E_NOT_FOUND] = { "not_found", 404, "no such route" },
	[SRV_E_NO_SUCH_OBJECT] = { "no_such_object", 404, "no such object" },
	[SRV_E_METHOD_NOT_ALLOWED] = { "method_not_allowed", 405,
	    "method not allowed on this route" },
	[SRV_E_CONFLICT] = { "conflict", 409,
	    "conflicts with the current state" },
	[SRV_E_LENGTH_REQUIRED] = { "length_required", 411,
	    "the body needs a Content-Length" },
	[SRV_E_BODY_TOO_LARGE] = { "body_too_large", 413,
	    "the body is larger than this route accepts" },
	[SRV_E_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415,
	    "wrong Content-Type for this route" },
	[SRV_E_RANGE_NOT_SATISFIABLE] = { "range_not_satisfiable", 416,
	    "the range is outside the object or malformed" },
	[SRV_E_RATE_LIMITED] = { "rate_limited", 429,
	    "too many requests; retry later" },
	[SRV_E_INTERNAL] = { "internal", 500, "internal error" },
	[SRV_E_UNAVAILABLE] = { "unavailable", 503,
	    "the service is unavailable" },
	[SRV_E_QUOTA_EXCEEDED] = { "quota_exceeded", 507,
	    "the account's storage quota is full" },
	[SRV_E_INVALID_CHANGE_TOKEN] = { "invalid_change_token", 400,
	    "the change token is not one of this zone" },
	[SRV_E_RESYNC] = { "resync", 410,
	    "the zone is behind the change token: sync from the start" },
	[SRV_E_MALFORMED_REQUEST] = { "malformed_request", 400,
	    "the request's framing is ambiguous or not supported" },
	[SRV_E_HEADERS_TOO_LARGE] = { "headers_too_large", 431,
	    "the request's header block is too large" },
};

const char *
srv_err_code(enum srv_err e)
{
	if ((unsigned)e >= SRV_E_COUNT_ || e == SRV_E_NONE)
		return table[SRV_E_INTERNAL].code;
	return table[e].code;
}

unsigned
srv_err_status(enum srv_err e)
{
	if ((unsigned)e >= SRV_E_COUNT_ || e == SRV_E_NONE)
		return table[SRV_E_INTERNAL].status;
	return table[e].status;
}

const char *
srv_err_summary(enum srv_err e)
{
	if ((unsigned)e >= SRV_E_COUNT_ || e == SRV_E_NONE)
		return table[SRV_E_INTERNAL].summary;
	return table[e].summary;
}

size_t
srv_err_count(void)
{
	return SRV_E_COUNT_;
}

enum srv_err
srv_err_of_json(enum wire_json_fault fault)
{
	switch (fault) {
	case WIRE_JSON_MALFORMED:
		return SRV_E_MALFORMED_JSON;
	case WIRE_JSON_MISSING:
		return SRV_E_MISSING_FIELD;
	case WIRE_JSON_INVALID:
		return SRV_E_INVALID_FIELD;
	case WIRE_JSON_TOO_LARGE:
		return SRV_E_BODY_TOO_LARGE;
	case WIRE_JSON_INTERNAL:
		break;
	}
	return SRV_E_INTERNAL;
}
