/* The API's route table, its handlers, and what they share.
 *
 * srv_routes[] is the whole public API: every entry must be documented in
 * docs/openapi.yaml with the same method and path
 * (tests/server/test_routes.c checks both ways). Add a route by writing
 * its handler in a route_<area>.c file, declaring it here, and adding a
 * line to srv_routes[] in routes.c. The test suite's routes are not
 * here: cofferd-test adds them (tests/support/cofferd_test.h). */
#ifndef COFFERD_ROUTES_H
#define COFFERD_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/device.h>
#include <coffer/sign.h>

#include "auth.h"
#include "http/http.h"
#include "keys/devlist.h"

/* What every handler can reach through srv_req_app(req). The stores join
 * it when they exist. */
struct store;
struct srv_auth;
struct srv_session_cache;

struct srv_app {
	const char	*data_dir;
	struct store	*store;		/* the data folder's stores */
	struct srv_auth	*auth;		/* OPAQUE setup, ticket keys, limits */
	struct srv_session_cache *sessions;	/* lately checked tokens */
	unsigned	 uploads_max;	/* blob uploads in flight per account */
	unsigned	 reserve_ttl;	/* s, an upload's quota reservation */
};

extern const struct srv_route srv_routes[];
extern const size_t srv_nroutes;

/* The message of the 403 a restricted session gets on every route it may
 * not call (docs/PROTOCOL-devices.md §5). */
#define SRV_RESTRICTED_MESSAGE	"this device is not approved yet: approve " \
	"it from a trusted device"

/** srv_auth_session(app, token, len, who): the bearer-token check of the
 * API: maps a live session token to its account, the device it is bound
 * to, and whether it is restricted (session.h). Returns SRV_E_NONE,
 * SRV_E_UNAUTHORIZED (no such session, expired or signed out) or
 * SRV_E_INTERNAL (the store failed). */
enum srv_err srv_auth_session(void *app, const char *token, size_t len,
    struct srv_caller *who);

/** srv_blob_drop_orphan(st, account, id): remove blob ${id} of
 * ${account} from the blob store if the metadata store holds no
 * reference to it, under the lock a PUT holds between its two steps (the
 * maintenance sweep's, route_blobs.c). Returns 1 if removed, 0 if kept
 * (referenced, or gone), or a negative COFFER_ERR_*. */
int srv_blob_drop_orphan(struct store *st, const uint8_t *account,
    const uint8_t *id);

/* Handlers (route_<area>.c). */
int srv_route_health(struct srv_req *req);

/* Accounts and sessions (route_accounts.c). */
int srv_route_register_start(struct srv_req *req);
int srv_route_account_create(struct srv_req *req);
int srv_route_account_get(struct srv_req *req);
int srv_route_session_start(struct srv_req *req);
int srv_route_session_finish(struct srv_req *req);
int srv_route_session_delete(struct srv_req *req);
int srv_route_session_bind(struct srv_req *req);
int srv_route_sessions_delete(struct srv_req *req);

/** srv_req_token_hash(req, hash): the hash of the bearer token of
 * ${req}, a route the auth hook let through (store_token_hash: 32
 * bytes, STORE_TOKEN_HASH_BYTES). */
void srv_req_token_hash(struct srv_req *req, uint8_t *hash);

/* A sign-up or sign-in request body, parsed (the fuzzer's entry). */
struct srv_auth_body {
	uint8_t		*login;		/* sign-up, sign-in start */
	size_t		 login_len;
	uint8_t		 ticket[SRV_TICKET_BYTES]; /* sign-in finish,
						   sign-up */
	uint8_t		 device[16];	/* sign-in finish, optional */
	int		 has_device;
	uint8_t		*msg;		/* the OPAQUE message */
};

/** srv_parse_auth_body(body, field, msglen, out, e): parse a body of
 * {"login", FIELD} (FIELD "request" or "ke1"), of {"login", "record",
 * "ticket"} (FIELD "record") or of {"ticket", "ke3", "device"?} (FIELD
 * "ke3"); a ticket must decode to SRV_TICKET_BYTES, the OPAQUE message to
 * exactly ${msglen} bytes. Returns 0 (free out->login and
 * out->msg) or -1 with ${e} set and nothing to free. */
int srv_parse_auth_body(const json_t *body, const char *field, size_t msglen,
    struct srv_auth_body *out, struct wire_json_err *e);

/* The body of PUT /v1/sessions/current/device. */
#define SRV_SESSION_BIND_BODY_MAX	1024u
struct srv_session_bind {
	uint8_t		device[COFFER_WIRE_ID_BYTES];
	uint8_t		sig[COFFER_SIGN_BYTES];
};

/** srv_parse_session_bind(body, out, e): check ${body} as {"device": ID,
 * "sig": b64url of COFFER_SIGN_BYTES} (no other member) into ${out}.
 * Returns 0, or -1 with ${e} set (missing_field, invalid_field). */
int srv_parse_session_bind(const json_t *body, struct srv_session_bind *out,
    struct wire_json_err *e);

/* --- Devices, zones, records and the change feed (route_devices.c,
 * route_zones.c, route_records.c; docs/openapi.yaml says what each
 * answers). --- */
int srv_route_device_put(struct srv_req *req);
int srv_route_device_get(struct srv_req *req);
int srv_route_device_list(struct srv_req *req);
int srv_route_device_delete(struct srv_req *req);
int srv_route_zone_put(struct srv_req *req);
int srv_route_zone_get(struct srv_req *req);
int srv_route_zone_list(struct srv_req *req);
int srv_route_record_put(struct srv_req *req);
int srv_route_record_get(struct srv_req *req);
int srv_route_record_delete(struct srv_req *req);
int srv_route_changes(struct srv_req *req);

extern const struct srv_query_spec srv_record_delete_query[];
extern const struct srv_query_spec srv_changes_query[];

/* Body caps: a card and a name fit in 4 KiB; a record's body is its
 * ciphertext (at most COFFER_WIRE_RECORD_MAX, 1 MiB) in base64url and a
 * little JSON around it. */
#define SRV_DEVICE_BODY_MAX	4096u
#define SRV_ZONE_BODY_MAX	1024u
#define SRV_RECORD_BODY_MAX	((COFFER_WIRE_RECORD_MAX + 2) / 3 * 4 + 1024)

/* The body of PUT /v1/devices/{device}: a device card that parses and
 * whose self-signature holds, and an optional encrypted name. */
struct srv_device_put {
	struct coffer_device_card	 card;
	uint8_t				*raw;	/* the card's bytes (heap) */
	size_t				 raw_len;
	uint8_t				*name;	/* heap; NULL: no name */
	size_t				 name_len;
};

/** srv_parse_device_put(body, out, e): check ${body} as the JSON of PUT
 * /v1/devices/{device} ({"card": b64url, "name": b64url, optional}; no
 * other member) into ${out}: the card must decode, parse and carry a valid
 * self-signature (coffer_device_card_parse); the name must decode to
 * 1..COFFER_WIRE_DEVICE_NAME_MAX bytes. Returns 0 (release ${out} with
 * srv_device_put_cleanup), or -1 with ${e} set (missing_field,
 * invalid_field; internal when out of memory) and ${out} holding
 * nothing. */
int srv_parse_device_put(const json_t *body, struct srv_device_put *out,
    struct wire_json_err *e);

/** srv_device_put_cleanup(p): free what ${p} holds and zero it. */
void srv_device_put_cleanup(struct srv_device_put *p);

/** srv_parse_zone_put(body, category, e): check ${body} as the JSON of
 * PUT /v1/zones/{zone} ({"category": NAME}, a name of
 * include/coffer/category.h) and set *${category} to its wire id.
 * Returns 0, or -1 with ${e} set (missing_field, invalid_field). */
int srv_parse_zone_put(const json_t *body, uint8_t *category,
    struct wire_json_err *e);

/* The body of PUT /v1/zones/{zone}/records/{record}. */
struct srv_record_put {
	uint8_t		*data;		/* heap, 1..COFFER_WIRE_RECORD_MAX bytes */
	size_t		 len;
	uint64_t	 version;	/* the version the client saw; 0: new */
};

/** srv_parse_record_put(body, out, e): check ${body} as {"data": b64url
 * ciphertext of 1..COFFER_WIRE_RECORD_MAX bytes, "version": 0..2^63-2} into
 * ${out}. Returns 0 (release ${out} with srv_record_put_cleanup), or -1
 * with ${e} set (missing_field, invalid_field, body_too_large for data
 * over the cap; internal when out of memory) and ${out} holding nothing. */
int srv_parse_record_put(const json_t *body, struct srv_record_put *out,
    struct wire_json_err *e);

/** srv_record_put_cleanup(p): free what ${p} holds and zero it. */
void srv_record_put_cleanup(struct srv_record_put *p);

/* --- Blobs (route_blobs.c): PUT, GET, DELETE /v1/blobs/{blob:blobid},
 * POST /v1/blobs/exists, GET /v1/usage. --- */

/* A blob PUT over COFFER_WIRE_BLOB_MAX is 413 before a byte is read:
 * clients cut bigger files into blobs (chunks). The existence query's
 * body cap: COFFER_WIRE_EXISTS_MAX (1000) quoted ids with separators fit
 * in 70 KB. */
#define SRV_BLOB_EXISTS_BODY	(128u * 1024)

/* The ids of a POST /v1/blobs/exists body, in request order. */
struct srv_blob_ids {
	uint8_t	(*ids)[COFFER_WIRE_BLOB_ID_BYTES];	/* heap; n entries */
	size_t	  n;
};

/** srv_parse_blob_exists(body, out, e): check the body {"ids": [ID,
 * ...]}: no other key, an array of 0 to COFFER_WIRE_EXISTS_MAX blob ids of 64
 * lower-case hex digits (duplicates allowed). Returns 0 with the ids in
 * ${out} (release with srv_blob_ids_cleanup), or -1 with ${e} set
 * (missing_field, invalid_field; internal when out of memory) and ${out}
 * empty. */
int srv_parse_blob_exists(const json_t *body, struct srv_blob_ids *out,
    struct wire_json_err *e);

/** srv_blob_ids_cleanup(ids): free ${ids}' array and zero it. */
void srv_blob_ids_cleanup(struct srv_blob_ids *ids);

int srv_route_blob_put(struct srv_req *req);
int srv_route_blob_get(struct srv_req *req);
int srv_route_blob_delete(struct srv_req *req);
int srv_route_blobs_exists(struct srv_req *req);
int srv_route_usage(struct srv_req *req);
/* GET /v1/blobs?after=&limit=: the account's blobs, ids increasing. */
int srv_route_blob_list(struct srv_req *req);
extern const struct srv_query_spec srv_blob_list_query[];
/* --- end of blobs --- */

/* --- The device list (route_devicelist.c) and pairings
 * (route_pairings.c): docs/PROTOCOL-devices.md §5, §7. --- */
int srv_route_devicelist_get(struct srv_req *req);
int srv_route_devicelist_put(struct srv_req *req);
int srv_route_pairing_open(struct srv_req *req);
int srv_route_pairing_list(struct srv_req *req);
int srv_route_pairing_put(struct srv_req *req);
int srv_route_pairing_get(struct srv_req *req);
int srv_route_pairing_delete(struct srv_req *req);

extern const struct srv_query_spec srv_devicelist_query[];

/* Body caps: an entry, a pairing message of step 4 (the largest), in
 * base64url with a little JSON around it. */
#define SRV_DEVLIST_BODY_MAX	((COFFER_WIRE_DEVLIST_ENTRY_MAX + 2) / 3 * 4 + \
	1024)
#define SRV_PAIRING_OPEN_BODY_MAX	1024u
/* Refused appends of an account's device list within the sign-in window
 * before PUT /v1/devicelist answers 429. */
#define SRV_DEVLIST_REFUSED_MAX	20
#define SRV_PAIRING_BODY_MAX	((COFFER_WIRE_PAIRING_FINAL_MAX + 2) / 3 * 4 + \
	1024)

/** srv_parse_devlist_put(body, out, e): check ${body} as the JSON of PUT
 * /v1/devicelist/{seq} ({"entry": b64url}; no other member) into ${out}:
 * the entry must decode to at most COFFER_WIRE_DEVLIST_ENTRY_MAX bytes
 * and peek (devlist_peek: its header and lengths; neither the cards nor
 * the signature are checked here, so that a refusal costs no signature).
 * Returns 0 (release ${out} with devlist_entry_cleanup), or -1 with ${e}
 * set (missing_field, invalid_field, body_too_large; internal when out
 * of memory) and ${out} holding nothing. */
int srv_parse_devlist_put(const json_t *body, struct devlist_entry *out,
    struct wire_json_err *e);

/* The body of POST /v1/pairings. */
struct srv_pairing_open {
	uint8_t		pairing[COFFER_WIRE_ID_BYTES];
	uint8_t		device[COFFER_WIRE_ID_BYTES];
};

/** srv_parse_pairing_open(body, out, e): check ${body} as {"pairing": ID,
 * "device": ID} into ${out}. Returns 0, or -1 with ${e} set. */
int srv_parse_pairing_open(const json_t *body, struct srv_pairing_open *out,
    struct wire_json_err *e);

/* A pairing message's header (PROTOCOL-devices.md §4.3): magic "CFPM",
 * version 1, step, pairing id; the body after it is the devices'. */
#define SRV_PAIRMSG_HEADER	22

/* The body of PUT /v1/pairings/{pairing}/{step}. */
struct srv_pairing_msg {
	uint8_t		*data;		/* heap */
	size_t		 len;
};

/** srv_parse_pairing_put(body, step, pairing, out, e): check ${body} as
 * {"data": b64url} for step ${step} (1..4) of pairing ${pairing}: at most
 * COFFER_WIRE_PAIRING_MSG_MAX bytes (COFFER_WIRE_PAIRING_FINAL_MAX at
 * step 4), and a header naming this step of this pairing. Returns 0
 * (release ${out} with srv_pairing_msg_cleanup), or -1 with ${e} set
 * (missing_field, invalid_field, body_too_large; internal when out of
 * memory) and ${out} holding nothing. */
int srv_parse_pairing_put(const json_t *body, unsigned step,
    const uint8_t pairing[COFFER_WIRE_ID_BYTES], struct srv_pairing_msg *out,
    struct wire_json_err *e);

/** srv_pairing_msg_cleanup(p): free what ${p} holds and zero it. */
void srv_pairing_msg_cleanup(struct srv_pairing_msg *p);

#endif
