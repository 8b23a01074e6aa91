/* The error codes of the services on the HTTP layer: one table, one
 * place. Every failed request answers {"error": CODE, "message": TEXT}
 * with the HTTP status the table gives for CODE. cofferd's
 * docs/openapi.yaml lists every code (tests/server/test_routes.c checks
 * it). Append new codes; never renumber or reuse a code string. */
#ifndef COFFER_HTTP_ERRORS_H
#define COFFER_HTTP_ERRORS_H

#include <stddef.h>

#include "wire/json.h"

enum srv_err {
	SRV_E_NONE = 0,
	SRV_E_MALFORMED_JSON,		/* 400 not JSON, duplicate key, too deep */
	SRV_E_MISSING_FIELD,		/* 400 a required field is absent */
	SRV_E_INVALID_FIELD,		/* 400 wrong type, bad value, unknown field */
	SRV_E_INVALID_ID,		/* 400 an id in the path is malformed */
	SRV_E_INVALID_PARAMETER,	/* 400 bad query parameter or header */
	SRV_E_UNAUTHORIZED,		/* 401 no, expired or forged token */
	SRV_E_FORBIDDEN,		/* 403 authenticated, not allowed */
	SRV_E_NOT_FOUND,		/* 404 no such route */
	SRV_E_NO_SUCH_OBJECT,		/* 404 no such zone, record, blob... */
	SRV_E_METHOD_NOT_ALLOWED,	/* 405 (with Allow) */
	SRV_E_CONFLICT,			/* 409 exists already, stale version */
	SRV_E_LENGTH_REQUIRED,		/* 411 a body without Content-Length */
	SRV_E_BODY_TOO_LARGE,		/* 413 over the route's body cap */
	SRV_E_UNSUPPORTED_MEDIA_TYPE,	/* 415 wrong Content-Type */
	SRV_E_RANGE_NOT_SATISFIABLE,	/* 416 */
	SRV_E_RATE_LIMITED,		/* 429 (with Retry-After) */
	SRV_E_INTERNAL,			/* 500 a bug or an I/O failure */
	SRV_E_UNAVAILABLE,		/* 503 shutting down, store unavailable */
	SRV_E_QUOTA_EXCEEDED,		/* 507 the account's quota is full */
	SRV_E_INVALID_CHANGE_TOKEN,	/* 400 a change token not of this zone */
	SRV_E_RESYNC,			/* 410 the zone went back: sync afresh */
	/* 10 (http): framing the layer refuses itself. */
	SRV_E_MALFORMED_REQUEST,	/* 400 duplicate or conflicting framing */
	SRV_E_HEADERS_TOO_LARGE,	/* 431 the header block is over its cap */
	SRV_E_COUNT_
};

/** srv_err_code(e): the wire code of ${e} ("malformed_json"), or
 * "internal" for a value outside the table. */
const char *srv_err_code(enum srv_err e);

/** srv_err_status(e): the HTTP status of ${e} (400..507), or 500 for a
 * value outside the table. */
unsigned srv_err_status(enum srv_err e);

/** srv_err_summary(e): a default English message for ${e}; never NULL. */
const char *srv_err_summary(enum srv_err e);

/** srv_err_of_json(fault): the error a request body's ${fault} (a failed
 * wire_json_* getter) answers: malformed_json, missing_field,
 * invalid_field, body_too_large or internal. */
enum srv_err srv_err_of_json(enum wire_json_fault fault);

/** srv_err_count(): the number of codes; codes are 1..count-1 (0 is
 * SRV_E_NONE), for tests and docs that walk the table. */
size_t srv_err_count(void);

#endif
