/* The route table (routes.h). */
#include "routes.h"

#include <string.h>
#include <time.h>

#include <coffer/err.h>

#include "session.h"

const struct srv_route srv_routes[] = {
	{ SRV_GET, "/v1/health", srv_route_health, SRV_BODY_NONE, 0, 0, NULL },
	/* Accounts and sessions (route_accounts.c). */
	{ SRV_POST, "/v1/accounts/register/start", srv_route_register_start,
	    SRV_BODY_JSON, 4096, 0, NULL },
	{ SRV_POST, "/v1/accounts", srv_route_account_create, SRV_BODY_JSON,
	    4096, 0, NULL },
	{ SRV_GET, "/v1/account", srv_route_account_get, SRV_BODY_NONE, 0, 1,
	    NULL },
	{ SRV_POST, "/v1/sessions/start", srv_route_session_start,
	    SRV_BODY_JSON, 4096, 0, NULL },
	{ SRV_POST, "/v1/sessions/finish", srv_route_session_finish,
	    SRV_BODY_JSON, 4096, 0, NULL },
	{ SRV_DELETE, "/v1/sessions/current", srv_route_session_delete,
	    SRV_BODY_NONE, 0, 1, NULL },
	{ SRV_DELETE, "/v1/sessions", srv_route_sessions_delete,
	    SRV_BODY_NONE, 0, 1, NULL },
	/* Devices, zones, records, change feed. */
	{ SRV_PUT, "/v1/devices/{device:id}", srv_route_device_put,
	    SRV_BODY_JSON, SRV_DEVICE_BODY_MAX, 1, NULL },
	{ SRV_GET, "/v1/devices", srv_route_device_list, SRV_BODY_NONE, 0, 1,
	    NULL },
	{ SRV_GET, "/v1/devices/{device:id}", srv_route_device_get,
	    SRV_BODY_NONE, 0, 1, NULL },
	{ SRV_DELETE, "/v1/devices/{device:id}", srv_route_device_delete,
	    SRV_BODY_NONE, 0, 1, NULL },
	{ SRV_PUT, "/v1/zones/{zone:id}", srv_route_zone_put, SRV_BODY_JSON,
	    SRV_ZONE_BODY_MAX, 1, NULL },
	{ SRV_GET, "/v1/zones", srv_route_zone_list, SRV_BODY_NONE, 0, 1,
	    NULL },
	{ SRV_GET, "/v1/zones/{zone:id}", srv_route_zone_get, SRV_BODY_NONE,
	    0, 1, NULL },
	{ SRV_PUT, "/v1/zones/{zone:id}/records/{record:id}",
	    srv_route_record_put, SRV_BODY_JSON, SRV_RECORD_BODY_MAX, 1, NULL },
	{ SRV_GET, "/v1/zones/{zone:id}/records/{record:id}",
	    srv_route_record_get, SRV_BODY_NONE, 0, 1, NULL },
	{ SRV_DELETE, "/v1/zones/{zone:id}/records/{record:id}",
	    srv_route_record_delete, SRV_BODY_NONE, 0, 1,
	    srv_record_delete_query },
	{ SRV_GET, "/v1/zones/{zone:id}/changes", srv_route_changes,
	    SRV_BODY_NONE, 0, 1, srv_changes_query },
	/* Blobs (route_blobs.c). */
	{ SRV_PUT, "/v1/blobs/{blob:blobid}", srv_route_blob_put,
	    SRV_BODY_STREAM, COFFER_WIRE_BLOB_MAX, 1, NULL },
	{ SRV_GET, "/v1/blobs/{blob:blobid}", srv_route_blob_get,
	    SRV_BODY_NONE, 0, 1, NULL },
	{ SRV_DELETE, "/v1/blobs/{blob:blobid}", srv_route_blob_delete,
	    SRV_BODY_NONE, 0, 1, NULL },
	{ SRV_POST, "/v1/blobs/exists", srv_route_blobs_exists,
	    SRV_BODY_JSON, SRV_BLOB_EXISTS_BODY, 1, NULL },
	{ SRV_GET, "/v1/usage", srv_route_usage, SRV_BODY_NONE, 0, 1, NULL },
	/* End of blobs. */
};
const size_t srv_nroutes = sizeof(srv_routes) / sizeof(srv_routes[0]);

enum srv_err
srv_auth_session(void *app, const char *token, size_t len,
    uint8_t account[COFFER_WIRE_ID_BYTES])
{
	struct srv_app *a = app;
	int r;

	r = srv_session_check(a->store, a->sessions, token, len,
	    (int64_t)time(NULL), account);
	if (r == COFFER_ERR_FORMAT || r == COFFER_ERR_NOTFOUND)
		return SRV_E_UNAUTHORIZED;
	if (r != 0)
		return SRV_E_INTERNAL;
	return SRV_E_NONE;
}
