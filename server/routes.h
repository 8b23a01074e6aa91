/* The API's route table, its handlers, and what they share.
 *
 * srv_routes[] is the whole public API: every entry must be documented in
 * docs/openapi.yaml with the same method and path (test_http checks both
 * ways). Add a route by writing its handler in a route_<area>.c file,
 * declaring it here, and adding a line to srv_routes[] in routes.c. */
#ifndef COFFERD_ROUTES_H
#define COFFERD_ROUTES_H

#include <stddef.h>

#include "http.h"

/* What every handler can reach through srv_req_app(req). The stores join
 * it when they exist. */
struct store;
struct srv_auth;

struct srv_app {
	const char	*data_dir;
	struct store	*store;		/* the data folder's stores */
	struct srv_auth	*auth;		/* OPAQUE setup, logins in flight */
};

extern const struct srv_route srv_routes[];
extern const size_t srv_nroutes;

/* Routes for the test suite only (cofferd --test-routes): echo, byte
 * counting sink, generated stream with Range, slow reply, auth check.
 * Never in openapi.yaml. */
extern const struct srv_route srv_test_routes[];
extern const size_t srv_ntest_routes;

/** srv_auth_session(app, token, len, account): the bearer-token check of
 * the API: maps a live session token to its account. Returns SRV_E_NONE,
 * SRV_E_UNAUTHORIZED (no such session, expired or signed out) or
 * SRV_E_INTERNAL (the store failed). */
enum srv_err srv_auth_session(void *app, const char *token, size_t len,
    uint8_t account[SRV_ID_LEN]);

/** srv_auth_test(app, token, len, account): the test suite's check:
 * "test-" and 32 hex digits is the account with that id; anything else
 * goes to srv_auth_session. Only with --test-routes. Returns as
 * srv_auth_session. */
enum srv_err srv_auth_test(void *app, const char *token, size_t len,
    uint8_t account[SRV_ID_LEN]);

/* Handlers (route_<area>.c). */
int srv_route_health(struct srv_req *req);

/* Accounts and sessions (route_accounts.c). */
int srv_route_register_start(struct srv_req *req);
int srv_route_account_create(struct srv_req *req);
int srv_route_account_get(struct srv_req *req);
int srv_route_session_start(struct srv_req *req);
int srv_route_session_finish(struct srv_req *req);
int srv_route_session_delete(struct srv_req *req);
int srv_route_sessions_delete(struct srv_req *req);

/* A sign-up or sign-in request body, parsed (the fuzzer's entry). */
struct srv_auth_body {
	uint8_t		*login;		/* sign-up, sign-in start */
	size_t		 login_len;
	uint8_t		 login_id[16];	/* sign-in finish */
	uint8_t		 device[16];	/* sign-in finish, optional */
	int		 has_device;
	uint8_t		*msg;		/* the OPAQUE message */
};

/** srv_parse_auth_body(body, field, msglen, out, e): parse a body of
 * {"login", FIELD} (FIELD "request", "record" or "ke1") or of
 * {"login_id", "ke3", "device"?} (FIELD "ke3"); the OPAQUE message must
 * decode to exactly ${msglen} bytes. Returns 0 (free out->login and
 * out->msg) or -1 with ${e} set and nothing to free. */
int srv_parse_auth_body(const json_t *body, const char *field, size_t msglen,
    struct srv_auth_body *out, struct srv_json_err *e);

#endif
