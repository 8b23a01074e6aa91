/* The route table (routes.h). The auth column is the rule of
 * docs/PROTOCOL-devices.md §5: SRV_AUTH_ANY marks the routes a
 * restricted session (a device not approved yet) may call; every other
 * route that takes a token answers it 403 forbidden (the HTTP layer does,
 * before the handler runs). */
#include "routes.h"

#include <string.h>
#include <time.h>

#include <coffer/err.h>

#include "session.h"

/* Short names for the auth column: the restricted may call it, or not. */
#define ANY	SRV_AUTH_ANY
#define FULL	SRV_AUTH_FULL
#define NONE	SRV_AUTH_NONE

const struct srv_route srv_routes[] = {
	{ SRV_GET, "/v1/health", srv_route_health, SRV_BODY_NONE, 0, NONE,
	    NULL },
	/* Accounts and sessions (route_accounts.c). */
	{ SRV_POST, "/v1/accounts/register/start", srv_route_register_start,
	    SRV_BODY_JSON, 4096, NONE, NULL },
	{ SRV_POST, "/v1/accounts", srv_route_account_create, SRV_BODY_JSON,
	    4096, NONE, NULL },
	{ SRV_GET, "/v1/account", srv_route_account_get, SRV_BODY_NONE, 0, ANY,
	    NULL },
	{ SRV_POST, "/v1/sessions/start", srv_route_session_start,
	    SRV_BODY_JSON, 4096, NONE, NULL },
	{ SRV_POST, "/v1/sessions/finish", srv_route_session_finish,
	    SRV_BODY_JSON, 4096, NONE, NULL },
	{ SRV_DELETE, "/v1/sessions/current", srv_route_session_delete,
	    SRV_BODY_NONE, 0, ANY, NULL },
	{ SRV_PUT, "/v1/sessions/current/device", srv_route_session_bind,
	    SRV_BODY_JSON, SRV_SESSION_BIND_BODY_MAX, ANY, NULL },
	{ SRV_DELETE, "/v1/sessions", srv_route_sessions_delete,
	    SRV_BODY_NONE, 0, FULL, NULL },
	/* Devices, zones, records, change feed. A restricted session
	 * registers its own card, and nothing else of these. */
	{ SRV_PUT, "/v1/devices/{device:id}", srv_route_device_put,
	    SRV_BODY_JSON, SRV_DEVICE_BODY_MAX, ANY, NULL },
	{ SRV_GET, "/v1/devices", srv_route_device_list, SRV_BODY_NONE, 0,
	    FULL, NULL },
	{ SRV_GET, "/v1/devices/{device:id}", srv_route_device_get,
	    SRV_BODY_NONE, 0, FULL, NULL },
	{ SRV_DELETE, "/v1/devices/{device:id}", srv_route_device_delete,
	    SRV_BODY_NONE, 0, FULL, NULL },
	{ SRV_PUT, "/v1/zones/{zone:id}", srv_route_zone_put, SRV_BODY_JSON,
	    SRV_ZONE_BODY_MAX, FULL, NULL },
	{ SRV_GET, "/v1/zones", srv_route_zone_list, SRV_BODY_NONE, 0, FULL,
	    NULL },
	{ SRV_GET, "/v1/zones/{zone:id}", srv_route_zone_get, SRV_BODY_NONE,
	    0, FULL, NULL },
	{ SRV_PUT, "/v1/zones/{zone:id}/records/{record:id}",
	    srv_route_record_put, SRV_BODY_JSON, SRV_RECORD_BODY_MAX, FULL,
	    NULL },
	{ SRV_GET, "/v1/zones/{zone:id}/records/{record:id}",
	    srv_route_record_get, SRV_BODY_NONE, 0, FULL, NULL },
	{ SRV_DELETE, "/v1/zones/{zone:id}/records/{record:id}",
	    srv_route_record_delete, SRV_BODY_NONE, 0, FULL,
	    srv_record_delete_query },
	{ SRV_GET, "/v1/zones/{zone:id}/changes", srv_route_changes,
	    SRV_BODY_NONE, 0, FULL, srv_changes_query },
	/* Blobs (route_blobs.c). */
	{ SRV_PUT, "/v1/blobs/{blob:blobid}", srv_route_blob_put,
	    SRV_BODY_STREAM, COFFER_WIRE_BLOB_MAX, FULL, NULL },
	{ SRV_GET, "/v1/blobs/{blob:blobid}", srv_route_blob_get,
	    SRV_BODY_NONE, 0, FULL, NULL },
	{ SRV_DELETE, "/v1/blobs/{blob:blobid}", srv_route_blob_delete,
	    SRV_BODY_NONE, 0, FULL, NULL },
	{ SRV_POST, "/v1/blobs/exists", srv_route_blobs_exists,
	    SRV_BODY_JSON, SRV_BLOB_EXISTS_BODY, FULL, NULL },
	{ SRV_GET, "/v1/blobs", srv_route_blob_list, SRV_BODY_NONE, 0, FULL,
	    srv_blob_list_query },
	{ SRV_GET, "/v1/usage", srv_route_usage, SRV_BODY_NONE, 0, FULL,
	    NULL },
	/* End of blobs. */
	/* The device list and pairings (route_devicelist.c,
	 * route_pairings.c): who may post which step of a pairing is the
	 * handler's (it depends on the pairing). */
	{ SRV_GET, "/v1/devicelist", srv_route_devicelist_get, SRV_BODY_NONE,
	    0, ANY, srv_devicelist_query },
	{ SRV_PUT, "/v1/devicelist/{seq:uint}", srv_route_devicelist_put,
	    SRV_BODY_JSON, SRV_DEVLIST_BODY_MAX, FULL, NULL },
	{ SRV_POST, "/v1/pairings", srv_route_pairing_open, SRV_BODY_JSON,
	    SRV_PAIRING_OPEN_BODY_MAX, ANY, NULL },
	{ SRV_GET, "/v1/pairings", srv_route_pairing_list, SRV_BODY_NONE, 0,
	    FULL, NULL },
	{ SRV_PUT, "/v1/pairings/{pairing:id}/{step:uint}",
	    srv_route_pairing_put, SRV_BODY_JSON, SRV_PAIRING_BODY_MAX, ANY,
	    NULL },
	{ SRV_GET, "/v1/pairings/{pairing:id}/{step:uint}",
	    srv_route_pairing_get, SRV_BODY_NONE, 0, ANY, NULL },
	{ SRV_DELETE, "/v1/pairings/{pairing:id}", srv_route_pairing_delete,
	    SRV_BODY_NONE, 0, ANY, NULL },
};
const size_t srv_nroutes = sizeof(srv_routes) / sizeof(srv_routes[0]);

enum srv_err
srv_auth_session(void *app, const char *token, size_t len,
    struct srv_caller *who)
{
	struct srv_app *a = app;
	struct srv_session_info info;
	int r;

	r = srv_session_check(a->store, a->sessions, token, len,
	    (int64_t)time(NULL), &info);
	if (r == COFFER_ERR_FORMAT || r == COFFER_ERR_NOTFOUND)
		return SRV_E_UNAUTHORIZED;
	if (r != 0)
		return SRV_E_INTERNAL;
	memcpy(who->account, info.account, COFFER_WIRE_ID_BYTES);
	memcpy(who->device, info.device, COFFER_WIRE_ID_BYTES);
	who->has_device = info.bound;
	who->limited = !info.full;
	return SRV_E_NONE;
}
