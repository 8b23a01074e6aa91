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

struct srv_app {
	const char	*data_dir;
	struct store	*store;		/* the data folder's stores */
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

#endif
