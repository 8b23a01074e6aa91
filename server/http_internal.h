/* What http.c, http_request.c and http_response.c share. */
#ifndef COFFERD_HTTP_INTERNAL_H
#define COFFERD_HTTP_INTERNAL_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <time.h>

#include <microhttpd.h>

#include "http.h"

#define SEGS_MAX	12	/* path segments of a pattern */
#define PARAMS_MAX	6
#define HDRS_MAX	8

struct seg {
	const char	*lit;	/* literal text, or NULL for a parameter */
	size_t		 len;	/* of lit, or of the parameter's name */
	const char	*name;	/* parameter name (in the pattern) */
	enum srv_ptype	 type;
};

struct compiled {
	const struct srv_route	*r;
	struct seg		 seg[SEGS_MAX];
	size_t			 nseg;
	size_t			 nlit;
};

struct srv_http {
	struct MHD_Daemon	*d;
	struct compiled		*routes;
	size_t			 nroutes;
	void			*app;
	srv_auth_fn		 auth;
	uint16_t		 port;
	atomic_uint		 in_flight;
	atomic_int		 stopping;
};

struct param {
	const char	*name;	/* points into the pattern */
	size_t		 namelen;
	const char	*text;	/* points into req->path */
	uint8_t		 id[COFFER_WIRE_BLOB_ID_BYTES];
	uint64_t	 u;
};

/* A streamed reply's state, shared by the response (reader) and the
 * request (bytes for the log): freed when both let go. */
struct stream {
	atomic_int	 refs;
	srv_reader_fn	 read;
	void		*cls;
	void		(*release)(void *);
	uint64_t	 start;
	atomic_ullong	 sent;
};

struct srv_req {
	struct srv_http		*h;
	struct MHD_Connection	*conn;
	const struct compiled	*c;	/* NULL: no route matched */
	char			 method[12];
	char			 peer[INET6_ADDRSTRLEN];
	struct timespec		 t0;
	char			*path;
	struct param		 params[PARAMS_MAX];
	size_t			 nparams;
	/* The body. */
	uint64_t		 content_length;
	uint64_t		 bytes_in;
	char			*body;		/* JSON: content_length + 1 */
	json_t			*json;
	const struct srv_sink	*sink;
	void			*sink_ctx;
	int			 sink_open;	/* neither finish nor abort */
	int			 drop_body;	/* replied: read and drop */
	/* Auth. */
	int			 authed;
	uint8_t			 account[COFFER_WIRE_ID_BYTES];
	/* The reply. */
	struct MHD_Response	*resp;
	unsigned		 status;
	int			 queued;
	uint64_t		 bytes_out;
	struct stream		*stream;
	char			*hname[HDRS_MAX], *hvalue[HDRS_MAX];
	size_t			 nhdrs;
};

/* http_request.c */
int srv__req_check_params(struct srv_req *req);
int srv__req_check_query(struct srv_req *req);
int srv__req_check_auth(struct srv_req *req);
int srv__req_check_body(struct srv_req *req, uint64_t *cap);
int srv__req_check_has_body(const struct srv_req *req);
int srv__parse_ptype(enum srv_ptype t, const char *s, size_t n,
    uint8_t *id, uint64_t *u);

/* http_response.c */
enum MHD_Result srv__req_queue(struct srv_req *req);
void srv__stream_unref(struct stream *s);
void srv__req_free_reply(struct srv_req *req);

#endif
