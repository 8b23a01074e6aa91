/* Fuzz the request-body parsers of device trust (server/routes/routes.h:
 * srv_parse_session_bind, srv_parse_devlist_put, srv_parse_pairing_open,
 * srv_parse_pairing_put for each step), behind wire_json_parse as the
 * HTTP layer runs them. Invariants: no crash or leak; a refused body
 * leaves the output empty with a 4xx code (or internal) and a message; an
 * accepted one holds exactly what the JSON said (ids and bytes re-encode
 * to the very strings sent), within its caps: an entry that parses, a
 * pairing message whose header names its step and pairing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/sign.h>

#include "keys/devlist.h"
#include "routes/routes.h"
#include "wire/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pairing id every message of the corpus names. */
static const uint8_t pairing[COFFER_WIRE_ID_BYTES] = {
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11
};

static int
same_b64(const json_t *v, const uint8_t *p, size_t n)
{
	json_t *again = wire_json_new_bytes(p, n);
	int ok = again != NULL && json_equal(again, v);

	json_decref(again);
	return ok;
}

static int
same_id(const json_t *v, const uint8_t *p)
{
	json_t *again = wire_json_new_id(p, COFFER_WIRE_ID_BYTES);
	int ok = again != NULL && json_equal(again, v);

	json_decref(again);
	return ok;
}

static int
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
refused(const struct wire_json_err *e)
{
	enum srv_err c = srv_err_of_json(e->fault);

	if ((c != SRV_E_MISSING_FIELD && c != SRV_E_INVALID_FIELD &&
	    c != SRV_E_BODY_TOO_LARGE && c != SRV_E_INTERNAL) ||
	    e->message[0] == '\0')
		abort();
}

static void
bind_body(const json_t *body)
{
	struct srv_session_bind b;
	struct wire_json_err e;

	if (srv_parse_session_bind(body, &b, &e) != 0) {
		refused(&e);
		if (!is_zero(&b, sizeof(b)))
			abort();
		return;
	}
	if (json_object_size(body) != 2 ||
	    !same_id(json_object_get(body, "device"), b.device) ||
	    !same_b64(json_object_get(body, "sig"), b.sig, sizeof(b.sig)))
		abort();
}

static void
entry(const json_t *body)
{
	struct devlist_entry e, again;
	struct wire_json_err je;

	if (srv_parse_devlist_put(body, &e, &je) != 0) {
		refused(&je);
		if (e.raw != NULL || e.devices != NULL)
			abort();
		return;
	}
	/* Peeked only: the devices are the route's to parse, after the
	 * signature; what a parse reads of the header is what was peeked. */
	if (json_object_size(body) != 1 || e.raw_len == 0 ||
	    e.raw_len > COFFER_WIRE_DEVLIST_ENTRY_MAX || e.devices != NULL ||
	    !same_b64(json_object_get(body, "entry"), e.raw, e.raw_len))
		abort();
	if (devlist_parse(&again, e.raw, e.raw_len) == 0 &&
	    (again.seq != e.seq || again.kind != e.kind ||
	    memcmp(again.actor, e.actor, sizeof(e.actor)) != 0 ||
	    memcmp(again.account_pk, e.account_pk,
	    sizeof(e.account_pk)) != 0))
		abort();
	devlist_entry_cleanup(&again);
	devlist_entry_cleanup(&e);
}

static void
pairing_open(const json_t *body)
{
	struct srv_pairing_open p;
	struct wire_json_err e;

	if (srv_parse_pairing_open(body, &p, &e) != 0) {
		refused(&e);
		if (!is_zero(&p, sizeof(p)))
			abort();
		return;
	}
	if (json_object_size(body) != 2 ||
	    !same_id(json_object_get(body, "pairing"), p.pairing) ||
	    !same_id(json_object_get(body, "device"), p.device))
		abort();
}

static void
pairing_put(const json_t *body, unsigned step)
{
	struct srv_pairing_msg m;
	struct wire_json_err e;
	size_t max = step == 4 ? COFFER_WIRE_PAIRING_FINAL_MAX :
	    COFFER_WIRE_PAIRING_MSG_MAX;

	if (srv_parse_pairing_put(body, step, pairing, &m, &e) != 0) {
		refused(&e);
		if (m.data != NULL || m.len != 0)
			abort();
		return;
	}
	if (step < 1 || step > 4 || json_object_size(body) != 1 ||
	    m.len < SRV_PAIRMSG_HEADER || m.len > max ||
	    memcmp(m.data, "CFPM", 4) != 0 || m.data[4] != 1 ||
	    m.data[5] != step || memcmp(m.data + 6, pairing, 16) != 0 ||
	    !same_b64(json_object_get(body, "data"), m.data, m.len))
		abort();
	srv_pairing_msg_cleanup(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_json_err e;
	json_t *body = NULL;
	unsigned step;

	if (size > 200000)
		return 0;
	if (wire_json_parse((const char *)data, size, WIRE_JSON_MAX_DEPTH,
	    &body, &e) != 0)
		return 0;
	bind_body(body);
	entry(body);
	pairing_open(body);
	for (step = 0; step <= 5; step++)
		pairing_put(body, step);
	json_decref(body);
	return 0;
}
