/* GET /v1/health: the server answers and knows its version. */
#include "routes.h"
#include "version.h"

int
srv_route_health(struct srv_req *req)
{
	return srv_reply_json(req, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "version", cofferd_version()));
}
