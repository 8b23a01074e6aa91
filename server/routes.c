/* The route table (routes.h). */
#include "routes.h"

#include <string.h>
#include <time.h>

#include <coffer/err.h>

#include "session.h"

const struct srv_route srv_routes[] = {
	{ SRV_GET, "/v1/health", srv_route_health, SRV_BODY_NONE, 0, 0, NULL },
};
const size_t srv_nroutes = sizeof(srv_routes) / sizeof(srv_routes[0]);

enum srv_err
srv_auth_session(void *app, const char *token, size_t len,
    uint8_t account[SRV_ID_LEN])
{
	struct srv_app *a = app;
	struct store_session s;
	int r;

	r = srv_session_check(a->store, token, len, (int64_t)time(NULL), &s);
	if (r == COFFER_ERR_FORMAT || r == COFFER_ERR_NOTFOUND)
		return SRV_E_UNAUTHORIZED;
	if (r != 0)
		return SRV_E_INTERNAL;
	memcpy(account, s.account, SRV_ID_LEN);
	return SRV_E_NONE;
}
