/* The route table (routes.h). */
#include "routes.h"

const struct srv_route srv_routes[] = {
	{ SRV_GET, "/v1/health", srv_route_health, SRV_BODY_NONE, 0, 0, NULL },
};
const size_t srv_nroutes = sizeof(srv_routes) / sizeof(srv_routes[0]);

enum srv_err
srv_auth_session(void *app, const char *token, size_t len,
    uint8_t account[SRV_ID_LEN])
{
	(void)app;
	(void)token;
	(void)len;
	(void)account;
	return SRV_E_UNAUTHORIZED;
}
