/* GET /v1/health: the server answers, knows its version, and both of its
 * stores answer: a cheap query on the metadata store, a small write and
 * remove in the blob store. 503 with the JSON error naming the store
 * that failed (no detail beyond its name: the route needs no sign-in). */
#include <coffer/err.h>

#include "http/log.h"
#include "routes.h"
#include "store/store.h"
#include "version.h"

int
srv_route_health(struct srv_req *req)
{
	struct srv_app *app = srv_req_app(req);
	struct store *st = app->store;
	const char *bad = NULL;
	int r;

	if ((r = st->meta->ops->ping(st->meta)) != 0)
		bad = "metadata";
	else if ((r = st->blob->ops->probe(st->blob)) != 0)
		bad = "blob";
	if (bad != NULL) {
		srv_log(SRV_LOG_ERROR, "health_failed", "store", bad, "reason",
		    coffer_strerror(r), (char *)NULL);
		return srv_reply_retry(req, SRV_E_UNAVAILABLE, 5, "the %s "
		    "store does not answer", bad);
	}
	return srv_reply_json(req, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "version", cofferd_version()));
}
